//! Line breaking for mixed Chinese/Latin text on measured advances.
//!
//! A line may break between any two CJK characters and at spaces; a run of Latin letters or
//! digits stays together unless it is longer than a whole line. Lightly after 禁则: closing
//! punctuation (，。、；：？！）」 …) never starts a line and opening brackets (（「《 …)
//! never end one — they are glued to their neighbour before the line is filled. A newline in
//! the text is a hard break.

use super::font::Measure;
use super::wording::{NO_LINE_END, NO_LINE_START};

/// Characters that must not start a line.
fn no_line_start(c: char) -> bool {
    NO_LINE_START.contains(c)
}

/// Characters that must not end a line.
fn no_line_end(c: char) -> bool {
    NO_LINE_END.contains(c)
}

/// Whether a line may break before and after `c` without a space (CJK ideographs, kana,
/// hangul, fullwidth forms and CJK punctuation).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF      // radicals, Kangxi
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x31FF    // bopomofo etc.
        | 0x3200..=0x4DBF    // enclosed, compatibility, Ext A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xAC00..=0xD7AF    // hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // CJK compatibility forms
        | 0xFF00..=0xFFEF    // fullwidth forms
        | 0x20000..=0x3FFFF  // Ext B and beyond
    ) || c == '…'
        || c == '—'
        || c == '“'
        || c == '”'
        || c == '‘'
        || c == '’'
}

/// An unbreakable piece of text and whether a space precedes it.
struct Unit {
    text: String,
    space_before: bool,
    latin: bool,
}

fn units(paragraph: &str) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut space = false;
    for c in paragraph.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let glue_to_previous = out.last().is_some_and(|last| {
            let last_char = last.text.chars().next_back();
            (!space && no_line_start(c))
                || last_char.is_some_and(no_line_end)
                || (!space && last.latin && !is_cjk(c))
        });
        match out.last_mut() {
            Some(last) if glue_to_previous => {
                last.text.push(c);
                last.latin = !is_cjk(c);
            }
            _ => out.push(Unit {
                text: c.to_string(),
                space_before: space,
                latin: !is_cjk(c),
            }),
        }
        space = false;
    }
    out
}

fn width(text: &str, size: f32, m: &impl Measure) -> f32 {
    text.chars().map(|c| m.advance_mm(c, size)).sum()
}

/// Breaks `text` into lines no wider than `width_mm` at `size` points; the first line is
/// `first_indent_mm` narrower. Empty input gives one empty line.
pub fn wrap(
    text: &str,
    width_mm: f32,
    first_indent_mm: f32,
    size: f32,
    m: &impl Measure,
) -> Vec<String> {
    let space_w = m.advance_mm(' ', size);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0f32;
        let avail = |lines: &Vec<String>| {
            if lines.is_empty() {
                (width_mm - first_indent_mm).max(1.0)
            } else {
                width_mm.max(1.0)
            }
        };
        for unit in units(paragraph) {
            let w = width(&unit.text, size, m);
            let gap = if unit.space_before && !line.is_empty() {
                space_w
            } else {
                0.0
            };
            if line_w + gap + w <= avail(&lines) + 1e-3 {
                if gap > 0.0 {
                    line.push(' ');
                }
                line.push_str(&unit.text);
                line_w += gap + w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if w <= avail(&lines) + 1e-3 {
                line.push_str(&unit.text);
                line_w = w;
                continue;
            }
            // Longer than a whole line (a long number or URL): break it by character.
            for c in unit.text.chars() {
                let cw = m.advance_mm(c, size);
                if line_w + cw > avail(&lines) + 1e-3 && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line);
    }
    lines
}

/// Width of a laid-out line in millimetres.
pub fn line_width(text: &str, size: f32, m: &impl Measure) -> f32 {
    width(text, size, m)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// CJK 1 em, everything else half an em; 10 pt ≈ 3.53 mm per em.
    pub(crate) struct Fixed;
    impl Measure for Fixed {
        fn advance_mm(&self, c: char, size: f32) -> f32 {
            let em = size * super::super::font::PT_TO_MM;
            if is_cjk(c) {
                em
            } else {
                em / 2.0
            }
        }
    }

    fn em(n: f32) -> f32 {
        n * 10.0 * super::super::font::PT_TO_MM + 1e-4
    }

    #[test]
    fn cjk_breaks_anywhere_within_the_width() {
        let lines = wrap("一二三四五六七八九十", em(4.0), 0.0, 10.0, &Fixed);
        assert_eq!(lines, ["一二三四", "五六七八", "九十"]);
    }

    #[test]
    fn latin_words_stay_whole_and_break_at_spaces() {
        let lines = wrap("请访问 example.org 查询", em(6.0), 0.0, 10.0, &Fixed);
        // 「example.org」 is 5.5 em: it moves to its own line rather than splitting.
        assert_eq!(lines, ["请访问", "example.org", "查询"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let lines = wrap("一二三四，五六", em(4.0), 0.0, 10.0, &Fixed);
        assert_eq!(lines, ["一二三", "四，五六"]);
        let lines = wrap("一二三（四）", em(4.0), 0.0, 10.0, &Fixed);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
        assert!(lines.iter().all(|l| !l.starts_with('）')), "{lines:?}");
    }

    #[test]
    fn overlong_runs_break_by_character_and_newlines_are_hard() {
        let lines = wrap("1234567890\n甲", em(2.0), 0.0, 10.0, &Fixed);
        assert_eq!(lines, ["1234", "5678", "90", "甲"]);
        assert_eq!(wrap("", em(2.0), 0.0, 10.0, &Fixed), [""]);
    }

    #[test]
    fn first_line_indent_narrows_only_the_first_line() {
        let lines = wrap("一二三四五六七八", em(4.0), em(2.0), 10.0, &Fixed);
        assert_eq!(lines, ["一二", "三四五六", "七八"]);
    }
}
