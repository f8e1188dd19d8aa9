//! The visible seal: a red ring, a five-pointed star, the department's name along the upper
//! arc and a caption (e.g. 协查专用章) under the star, drawn as PDF vector graphics in a form
//! XObject. Text uses the CJK standard font STSong-Light (Adobe-GB1, `UniGB-UCS2-H`) that PDF
//! readers supply, so nothing is embedded and no font file is needed.

use std::f32::consts::PI;

use crate::pdfobj::real;

/// Where and how the seal appears.
#[derive(Debug, Clone, PartialEq)]
pub struct SealAppearance {
    /// 0-based page; `None`: the last page.
    pub page: Option<usize>,
    /// Lower-left corner in PDF points from the page's lower-left; `None`: lower right,
    /// 1 inch from the edges.
    pub position: Option<(f32, f32)>,
    /// Diameter in points (default 119 ≈ 42 mm, the usual official seal).
    pub size: f32,
    /// Around the upper arc: the department's name.
    pub department: String,
    /// Under the star, e.g. 协查专用章; may be empty.
    pub caption: String,
    /// The signature's `/Reason`, e.g. 部门协查盖章.
    pub reason: Option<String>,
}

impl SealAppearance {
    pub fn new(department: impl Into<String>, caption: impl Into<String>) -> SealAppearance {
        SealAppearance {
            page: None,
            position: None,
            size: 119.0,
            department: department.into(),
            caption: caption.into(),
            reason: None,
        }
    }
}

/// The red of the ring and text.
const RED: &str = "0.86 0.08 0.08";

fn num(out: &mut Vec<u8>, v: f32) {
    real(out, v);
    out.push(b' ');
}

fn ucs2_hex(c: char) -> String {
    let mut units = [0u16; 2];
    let unit = match c.encode_utf16(&mut units) {
        [u] => *u,
        _ => 0x25A1, // outside the BMP: □
    };
    format!("<{unit:04X}>")
}

/// One character with its own text matrix: rotated by `angle`, its centre's baseline at
/// `(cx, cy)`.
fn glyph(out: &mut Vec<u8>, c: char, size: f32, angle: f32, cx: f32, cy: f32) {
    let (s, co) = angle.sin_cos();
    let ox = cx - co * size / 2.0;
    let oy = cy - s * size / 2.0;
    for v in [co, s, -s, co, ox, oy] {
        num(out, v);
    }
    out.extend_from_slice(b"Tm ");
    out.extend_from_slice(ucs2_hex(c).as_bytes());
    out.extend_from_slice(b" Tj\n");
}

/// The content stream of the seal in a `size`×`size` box, font resource `/F1`.
pub fn seal_content(department: &str, caption: &str, size: f32) -> Vec<u8> {
    let mut out = Vec::new();
    let c = size / 2.0;
    let lw = size * 0.035;
    let r = c - lw;
    out.extend_from_slice(format!("q\n{RED} RG {RED} rg\n").as_bytes());
    num(&mut out, lw);
    out.extend_from_slice(b"w\n");
    // The ring: four Bézier quarter circles.
    let k = 0.552_284_8 * r;
    let pts = [
        (c + r, c, c + r, c + k, c + k, c + r, c, c + r),
        (c, c + r, c - k, c + r, c - r, c + k, c - r, c),
        (c - r, c, c - r, c - k, c - k, c - r, c, c - r),
        (c, c - r, c + k, c - r, c + r, c - k, c + r, c),
    ];
    num(&mut out, pts[0].0);
    num(&mut out, pts[0].1);
    out.extend_from_slice(b"m\n");
    for p in pts {
        for v in [p.2, p.3, p.4, p.5, p.6, p.7] {
            num(&mut out, v);
        }
        out.extend_from_slice(b"c\n");
    }
    out.extend_from_slice(b"S\n");
    // The star.
    let (outer, inner) = (r * 0.3, r * 0.3 * 0.382);
    let sy = c + r * 0.02;
    for i in 0..10 {
        let radius = if i % 2 == 0 { outer } else { inner };
        let a = PI / 2.0 + i as f32 * PI / 5.0;
        num(&mut out, c + radius * a.cos());
        num(&mut out, sy + radius * a.sin());
        out.extend_from_slice(if i == 0 { b"m\n" } else { b"l\n" });
    }
    out.extend_from_slice(b"h f\n");
    out.extend_from_slice(b"BT\n");
    // The department along the upper arc, clockwise from the left, tops outward.
    let chars: Vec<char> = department.chars().filter(|c| !c.is_whitespace()).collect();
    if !chars.is_empty() {
        let n = chars.len() as f32;
        let max_span = 240f32.to_radians();
        let mut fs = r * 0.24;
        let mut base = r - lw - fs;
        if n * fs * 1.1 / base > max_span {
            fs = (max_span * (r - lw) / (n * 1.1 + max_span)).max(1.0);
            base = r - lw - fs;
        }
        let step = fs * 1.1 / base;
        let span = step * (n - 1.0);
        out.extend_from_slice(b"/F1 ");
        num(&mut out, fs);
        out.extend_from_slice(b"Tf\n");
        for (i, ch) in chars.iter().enumerate() {
            let theta = PI / 2.0 + span / 2.0 - i as f32 * step;
            glyph(
                &mut out,
                *ch,
                fs,
                theta - PI / 2.0,
                c + base * theta.cos(),
                c + base * theta.sin(),
            );
        }
    }
    // The caption, straight, under the star.
    let caption: Vec<char> = caption.chars().filter(|c| !c.is_whitespace()).collect();
    if !caption.is_empty() {
        let fs = (r * 0.17).min(r * 1.2 / caption.len() as f32);
        out.extend_from_slice(b"/F1 ");
        num(&mut out, fs);
        out.extend_from_slice(b"Tf\n");
        let width = fs * caption.len() as f32;
        for (i, ch) in caption.iter().enumerate() {
            let x = c - width / 2.0 + fs * (i as f32 + 0.5);
            glyph(&mut out, *ch, fs, 0.0, x, c - r * 0.62);
        }
    }
    out.extend_from_slice(b"ET\nQ\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_draws_ring_star_and_both_texts() {
        let content =
            String::from_utf8(seal_content("某市市场监督管理局", "协查专用章", 119.0)).unwrap();
        assert!(content.contains(" c\n"), "ring");
        assert!(content.contains("h f"), "star");
        // 某 U+67D0 on the arc, 协 U+534F in the caption.
        assert!(content.contains("<67D0> Tj"));
        assert!(content.contains("<534F> Tj"));
        assert_eq!(content.matches(" Tj").count(), 9 + 5);
        assert!(!content.contains("NaN") && !content.contains("inf"));
    }
}
