//! The typo pass of item search (D3) for pinyin queries: a bigram inverted index over the
//! distinct ASCII pinyin texts of the catalog (full pinyin and initials of names and aliases).
//!
//! A substring of a text within `k` edits of a query still holds the query's bigrams except
//! those an edit destroys, and one edit destroys at most two adjacent bigram positions (a
//! substitution or deletion of a query letter: the bigrams either side of it; an insertion:
//! the one it splits). So the query bigram positions a text lacks must be covered by at most
//! `k` windows of two adjacent positions: in particular at least `m - 1 - 2k` of them are
//! there (the q-gram lemma), and more than that, they may not be spread out. The pass marks,
//! per text, the query's bigram positions found in it (walking only the posting lists of the
//! query's bigrams, as a bit mask) and runs the bit-parallel edit distance only on texts whose
//! missing positions fit in `k` windows, each distinct text once however many items share it.
//! Queries too short for that to filter anything scan every distinct text. The same index
//! finds the texts the exact rules can match for the exact pass.

use super::Pattern;
use std::collections::HashMap;

/// Bigram codes: two ASCII bytes, 7 bits each.
const BIGRAMS: usize = 128 * 128;

fn bigram(a: u8, b: u8) -> usize {
    ((a as usize & 127) << 7) | (b as usize & 127)
}

/// Inverted bigram index over the distinct ASCII pinyin texts of the entries.
#[derive(Debug, Clone, Default)]
pub(super) struct TypoIndex {
    /// The distinct texts, concatenated; text `t` is `bytes[starts[t]..starts[t + 1]]`.
    bytes: Vec<u8>,
    starts: Vec<u32>,
    /// Entries holding text `t`: `owners[owner_starts[t]..owner_starts[t + 1]]`, ascending.
    owner_starts: Vec<u32>,
    owners: Vec<u32>,
    /// Texts holding bigram `b`: `postings[post_starts[b]..post_starts[b + 1]]`, ascending.
    post_starts: Vec<u32>,
    postings: Vec<u32>,
    /// Texts by their first byte, ascending.
    by_first: Vec<Vec<u32>>,
    /// Text `t` is the initials of some name or alias (not only a full pinyin).
    initials: Vec<bool>,
    /// The number of entries.
    entry_count: usize,
}

impl TypoIndex {
    /// Builds the index from each entry's ASCII pinyin texts, each marked whether it is a
    /// text's initials (entry `i` is the `i`-th item of `texts`). Non-ASCII texts are
    /// skipped: ASCII queries never match them.
    pub(super) fn new<'a, I, T>(texts: I) -> TypoIndex
    where
        I: IntoIterator<Item = T>,
        T: IntoIterator<Item = (&'a str, bool)>,
    {
        let mut ids: HashMap<&'a str, u32> = HashMap::new();
        let mut distinct: Vec<&'a str> = Vec::new();
        let mut owned: Vec<Vec<u32>> = Vec::new();
        let mut initials: Vec<bool> = Vec::new();
        let mut entry_count = 0;
        for (entry, entry_texts) in texts.into_iter().enumerate() {
            entry_count = entry + 1;
            for (s, is_initials) in entry_texts {
                if s.is_empty() || !s.is_ascii() {
                    continue;
                }
                let id = *ids.entry(s).or_insert_with(|| {
                    distinct.push(s);
                    owned.push(Vec::new());
                    initials.push(false);
                    distinct.len() as u32 - 1
                });
                initials[id as usize] |= is_initials;
                let o = &mut owned[id as usize];
                if o.last() != Some(&(entry as u32)) {
                    o.push(entry as u32);
                }
            }
        }
        let mut idx = TypoIndex {
            initials,
            entry_count,
            ..TypoIndex::default()
        };
        idx.starts.push(0);
        idx.owner_starts.push(0);
        let mut per_bigram: Vec<Vec<u32>> = vec![Vec::new(); BIGRAMS];
        idx.by_first = vec![Vec::new(); 128];
        for (t, s) in distinct.iter().enumerate() {
            idx.by_first[(s.as_bytes()[0] & 127) as usize].push(t as u32);
            idx.bytes.extend_from_slice(s.as_bytes());
            idx.starts.push(idx.bytes.len() as u32);
            idx.owners.extend_from_slice(&owned[t]);
            idx.owner_starts.push(idx.owners.len() as u32);
            for w in s.as_bytes().windows(2) {
                let list = &mut per_bigram[bigram(w[0], w[1])];
                if list.last() != Some(&(t as u32)) {
                    list.push(t as u32);
                }
            }
        }
        idx.post_starts.push(0);
        for list in per_bigram {
            idx.postings.extend_from_slice(&list);
            idx.post_starts.push(idx.postings.len() as u32);
        }
        idx
    }

    fn texts(&self) -> usize {
        self.starts.len() - 1
    }

    fn text(&self, t: usize) -> &[u8] {
        &self.bytes[self.starts[t] as usize..self.starts[t + 1] as usize]
    }

    fn owners_of(&self, t: usize) -> &[u32] {
        &self.owners[self.owner_starts[t] as usize..self.owner_starts[t + 1] as usize]
    }

    /// The entries with a text that the exact rules of item search can find an ASCII query
    /// `q` in, as a bit set: for one letter, texts starting with it; for two, initials
    /// containing it and texts starting with it; for more, texts containing it. Only texts
    /// in the posting list of the query's rarest bigram are looked at.
    pub(super) fn entries_with(&self, q: &[u8]) -> Vec<u64> {
        let mut set = vec![0u64; self.entry_count.div_ceil(64)];
        let mut mark = |t: usize| {
            for &e in self.owners_of(t) {
                set[e as usize / 64] |= 1 << (e % 64);
            }
        };
        if let [b] = q {
            let texts = self
                .by_first
                .get(*b as usize)
                .map_or(&[][..], Vec::as_slice);
            texts.iter().for_each(|&t| mark(t as usize));
            return set;
        }
        for &t in self.rarest_posting(q) {
            let t = t as usize;
            let text = self.text(t);
            let found = if q.len() == 2 {
                text.starts_with(q) || (self.initials[t] && text.windows(2).any(|w| w == q))
            } else {
                text.len() >= q.len() && text.windows(q.len()).any(|w| w == q)
            };
            if found {
                mark(t);
            }
        }
        set
    }

    /// The shortest posting list of the bigrams of `q` (two bytes or more).
    fn rarest_posting(&self, q: &[u8]) -> &[u32] {
        q.windows(2)
            .map(|w| bigram(w[0], w[1]))
            .map(|b| &self.postings[self.post_starts[b] as usize..self.post_starts[b + 1] as usize])
            .min_by_key(|list| list.len())
            .unwrap_or(&[])
    }

    /// Every entry with a text that has a substring within `k` edits of the ASCII query `q`,
    /// with its least distance, as (entry, distance) pairs in entry order.
    pub(super) fn matches(&self, q: &[u8], pattern: &Pattern, k: u32) -> Vec<(usize, u32)> {
        let m = q.len();
        let fits = |len: usize| len + k as usize >= m;
        let mut found: Vec<(usize, u32)> = Vec::new();
        let check = |t: usize, found: &mut Vec<(usize, u32)>| {
            let text = self.text(t);
            if !fits(text.len()) {
                return;
            }
            let d = pattern.distance_bytes(text, k);
            if d <= k {
                found.extend(self.owners_of(t).iter().map(|&e| (e as usize, d)));
            }
        };
        let positions = m.saturating_sub(1);
        if positions <= 2 * k as usize || positions > 64 {
            // Every text could hold such a substring: no filter.
            for t in 0..self.texts() {
                check(t, &mut found);
            }
        } else {
            // Distinct query bigrams with the mask of their positions.
            let mut grams: Vec<(usize, u64)> = Vec::with_capacity(positions);
            for (i, w) in q.windows(2).enumerate() {
                let b = bigram(w[0], w[1]);
                match grams.iter_mut().find(|(x, _)| *x == b) {
                    Some((_, mask)) => *mask |= 1 << i,
                    None => grams.push((b, 1 << i)),
                }
            }
            let mut present = vec![0u64; self.texts()];
            for &(b, mask) in &grams {
                let list =
                    &self.postings[self.post_starts[b] as usize..self.post_starts[b + 1] as usize];
                for &t in list {
                    present[t as usize] |= mask;
                }
            }
            let all = if positions == 64 {
                u64::MAX
            } else {
                (1u64 << positions) - 1
            };
            for (t, &p) in present.iter().enumerate() {
                if p != 0 && windows_needed(all & !p, k) <= k {
                    check(t, &mut found);
                }
            }
        }
        // One pair per entry, with its least distance.
        found.sort_unstable();
        found.dedup_by_key(|(e, _)| *e);
        found
    }
}

/// How many windows of two adjacent positions cover the set bits of `missing`, counting no
/// further than `k + 1` (greedy from the lowest bit, which is optimal on a line).
fn windows_needed(mut missing: u64, k: u32) -> u32 {
    let mut n = 0;
    while missing != 0 && n <= k {
        let p = missing.trailing_zeros();
        missing &= !(3u64 << p);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each entry's texts: full pinyin, initials, full pinyin, initials ...
    fn index(entries: &[&[&str]]) -> TypoIndex {
        TypoIndex::new(
            entries
                .iter()
                .map(|e| e.iter().enumerate().map(|(i, s)| (*s, i % 2 == 1))),
        )
    }

    fn members(set: &[u64]) -> Vec<usize> {
        (0..set.len() * 64)
            .filter(|&e| set[e / 64] & (1 << (e % 64)) != 0)
            .collect()
    }

    #[test]
    fn d3_typo_index_shares_distinct_texts_and_skips_non_ascii() {
        let idx = index(&[
            &["hujizhengming", "hjzm"],
            &["hujizhengming", "户籍"],
            &["hjzm"],
        ]);
        assert_eq!(idx.texts(), 2);
        assert_eq!(idx.owners_of(0), [0, 1]);
        assert_eq!(idx.owners_of(1), [0, 2]);
        // "zh" occurs once, in the first text.
        let zh = bigram(b'z', b'h');
        assert_eq!(
            &idx.postings[idx.post_starts[zh] as usize..idx.post_starts[zh + 1] as usize],
            [0]
        );
    }

    #[test]
    fn d3_missing_bigrams_are_covered_by_windows_of_two() {
        assert_eq!(windows_needed(0, 2), 0);
        assert_eq!(windows_needed(0b11, 2), 1);
        assert_eq!(windows_needed(0b110, 2), 1);
        assert_eq!(windows_needed(0b101, 2), 2);
        assert_eq!(windows_needed(0b1_0001_0001, 2), 3);
        // Counting stops past the budget.
        assert_eq!(windows_needed(0b1_0101_0101, 1), 2);
        assert_eq!(windows_needed(1 << 63, 1), 1);
    }

    #[test]
    fn d3_typo_index_finds_typos_with_their_distance() {
        let idx = index(&[
            &["hujizhengming", "hjzm"],
            &["shebaozhuanyi", "sbzy"],
            &["gongjijintiqu", "gjjtq"],
        ]);
        let find = |q: &str, k| idx.matches(q.as_bytes(), &Pattern::new(q), k);
        assert_eq!(find("hujizhenm", 2), [(0, 1)]);
        assert_eq!(find("hujizhenming", 2), [(0, 1)]);
        assert_eq!(find("shebaozhuangyi", 2), [(1, 1)]);
        assert_eq!(find("hjzn", 1), [(0, 1)]);
        assert_eq!(find("gjjtq", 1), [(2, 0)]);
        assert!(find("xyzw", 1).is_empty());
        let with = |q: &[u8]| members(&idx.entries_with(q));
        assert_eq!(with(b"zhengm"), [0]);
        assert!(with(b"hujizhengmingx").is_empty());
        // Two letters: in initials, or at the start of full pinyin.
        assert_eq!(with(b"jj"), [2]);
        assert_eq!(with(b"go"), [2]);
        assert!(with(b"zh").is_empty());
        // One letter: at the start only.
        assert_eq!(with(b"s"), [1]);
        assert!(with(b"z").is_empty());
        // Short queries scan every text (the count cannot filter): "hjz" is in "hjzm".
        assert_eq!(find("hjz", 1), [(0, 0)]);
    }
}
