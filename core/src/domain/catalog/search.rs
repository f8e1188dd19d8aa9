//! Item search (D3): by name, alias, type and department, in Chinese, full pinyin or pinyin
//! initials (`hjzm` → 户籍证明), tolerant of one or two typos.
//!
//! Everything per item is prepared once when the index is built (lower-case pinyin strings,
//! initials, character vectors), so a keystroke costs substring checks over the items that
//! can hold the query, plus a bit-parallel approximate match (Myers 1999) only when the exact
//! passes found little. Which items can hold the query comes from inverted indexes: for
//! pinyin a bigram index over the distinct pinyin texts ([`typo`]), which also limits the
//! approximate pass to texts that can be within the edit budget; for Chinese the items under
//! the query's rarest character. Department and kind are matched once per distinct pair.
//! The search benchmark (`make bench`) runs this over a 20,000-item catalog.

use super::labels;
use super::model::{Catalog, Item};
use pinyin::ToPinyin;
use serde::Serialize;
use std::collections::HashMap;

mod typo;

/// One search result, as the item list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ItemHit {
    pub code: String,
    pub name: String,
    /// Department short name.
    pub department: String,
    /// 事项类型 label.
    pub kind: String,
    pub promised_days: u32,
    pub instant: bool,
    pub deferrable: bool,
    /// How it matched, for the list: 「名称」「拼音首字母」「全拼」「别名」「部门」「类型」「近似」.
    pub matched: String,
    pub favourite: bool,
}

/// The searchable form of one text (name or alias).
#[derive(Debug, Clone)]
struct Text {
    lower: String,
    /// `lower` has ASCII characters: an ASCII query cannot be in it otherwise.
    lower_ascii: bool,
    chars: Vec<char>,
    /// Full pinyin without tones or separators, non-Chinese characters kept (lower-case).
    full: String,
    /// First letters of each syllable; non-Chinese alphanumerics kept.
    initials: String,
}

impl Text {
    fn new(s: &str) -> Text {
        let lower = s.to_lowercase();
        let mut full = String::new();
        let mut initials = String::new();
        for (c, p) in lower.chars().zip(lower.as_str().to_pinyin()) {
            match p {
                Some(p) => {
                    full.push_str(p.plain());
                    initials.push_str(p.first_letter());
                }
                None if c.is_ascii_alphanumeric() => {
                    full.push(c);
                    initials.push(c);
                }
                None => {}
            }
        }
        Text {
            chars: lower.chars().collect(),
            lower_ascii: lower.bytes().any(|b| b.is_ascii()),
            lower,
            full,
            initials,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    name: Text,
    aliases: Vec<Text>,
    /// Index of the entry's department and kind in [`SearchIndex::groups`].
    group: usize,
    /// Which characters (hashed to 64 bits) and character pairs occur in any of
    /// the entry's texts (pairs hashed to 256 bits): a query whose characters or pairs are not all here cannot match
    /// exactly, and one missing more than an edit budget allows cannot match approximately.
    /// Checking these first keeps a keystroke's search to a pass over two words per item.
    sig: Sig,
}

/// Character and character-pair signature of one or more texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sig {
    uni: u64,
    bi: [u128; 2],
}

impl Sig {
    fn add(&mut self, s: &str) {
        let mut prev: Option<char> = None;
        for c in s.chars() {
            self.uni |= 1u64 << ((c as u32).wrapping_mul(0x9E37_79B1) >> 26);
            if let Some(p) = prev {
                let h = (p as u32).wrapping_mul(0x85EB_CA6B) ^ (c as u32).wrapping_mul(0xC2B2_AE35);
                let h = h.wrapping_mul(0x9E37_79B1) >> 24;
                self.bi[(h >> 7) as usize] |= 1u128 << (h & 127);
            }
            prev = Some(c);
        }
    }

    fn of(s: &str) -> Sig {
        let mut sig = Sig::default();
        sig.add(s);
        sig
    }

    /// Every character and pair of `q` occurs here.
    fn covers(&self, q: &Sig) -> bool {
        self.uni & q.uni == q.uni
            && self.bi[0] & q.bi[0] == q.bi[0]
            && self.bi[1] & q.bi[1] == q.bi[1]
    }

    /// At most `k` edits could turn some substring of these texts into `q`: each edit hides
    /// at most one of the query's characters and two of its pairs.
    fn near(&self, q: &Sig, k: u32) -> bool {
        let missing_uni = (q.uni & !self.uni).count_ones();
        let missing_bi =
            (q.bi[0] & !self.bi[0]).count_ones() + (q.bi[1] & !self.bi[1]).count_ones();
        missing_uni <= k && missing_bi <= 2 * k
    }
}

/// A prepared index over one catalog.
#[derive(Debug, Clone)]
pub struct SearchIndex {
    entries: Vec<Entry>,
    hits: Vec<ItemHit>,
    /// The distinct (department short name, full name, kind) of the entries, lower-case: a
    /// query is matched against each once, not once per item.
    groups: Vec<(String, String, &'static str)>,
    /// Entries whose name or an alias holds a non-ASCII character, by character: a Chinese
    /// query can only be in the names and aliases of the entries listed under each of its
    /// characters (the exact pass for Chinese walks the shortest such list).
    by_char: HashMap<char, Vec<u32>>,
    /// Entries with ASCII characters in the name or an alias (`lower_ascii`), ascending.
    ascii_lower: Vec<u32>,
    /// Entries by item code, to look the clerk's usage counts up.
    by_code: HashMap<String, Vec<usize>>,
    /// Bigram index over the entries' pinyin texts, for the typo pass of pinyin queries.
    typo: typo::TypoIndex,
}

/// Scores: higher is better. Usage then breaks ties.
const EXACT: u32 = 1000;
const NAME_PREFIX: u32 = 900;
const NAME_SUB: u32 = 800;
const INITIALS_EXACT: u32 = 780;
const INITIALS_PREFIX: u32 = 700;
const FULL_PREFIX: u32 = 680;
const INITIALS_SUB: u32 = 600;
const FULL_SUB: u32 = 580;
const ALIAS: u32 = 500;
const DEPARTMENT: u32 = 300;
const KIND: u32 = 250;
const FUZZY: u32 = 200;

/// Sort key of a hit: score and uses descending, then name length and catalog order; with how
/// it matched.
type Rank = (
    std::cmp::Reverse<u32>,
    std::cmp::Reverse<u32>,
    usize,
    usize,
    &'static str,
);

/// At most this many hits come back.
pub const MAX_HITS: usize = 20;

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> SearchIndex {
        let depts: HashMap<&str, (&str, &str)> = catalog
            .departments
            .iter()
            .map(|d| (d.code.as_str(), (d.short_name.as_str(), d.name.as_str())))
            .collect();
        let mut entries = Vec::with_capacity(catalog.items.len());
        let mut hits = Vec::with_capacity(catalog.items.len());
        let mut groups: Vec<(String, String, &'static str)> = Vec::new();
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_char: HashMap<char, Vec<u32>> = HashMap::new();
        let mut ascii_lower = Vec::new();
        for item in &catalog.items {
            let (short, full) = depts
                .get(item.department.as_str())
                .copied()
                .unwrap_or(("", ""));
            let name = Text::new(&item.name);
            let aliases: Vec<Text> = item.keywords.iter().map(|k| Text::new(k)).collect();
            let group = (short.to_lowercase(), full.to_lowercase(), item.kind.label());
            let mut sig = Sig::default();
            for t in std::iter::once(&name).chain(&aliases) {
                sig.add(&t.lower);
                sig.add(&t.full);
                sig.add(&t.initials);
            }
            sig.add(&group.0);
            sig.add(&group.1);
            sig.add(group.2);
            let group = match groups.iter().position(|g| *g == group) {
                Some(g) => g,
                None => {
                    groups.push(group);
                    groups.len() - 1
                }
            };
            for t in std::iter::once(&name).chain(&aliases) {
                for c in t.chars.iter().filter(|c| !c.is_ascii()) {
                    let list = by_char.entry(*c).or_default();
                    if list.last() != Some(&(entries.len() as u32)) {
                        list.push(entries.len() as u32);
                    }
                }
            }
            if std::iter::once(&name)
                .chain(&aliases)
                .any(|t| t.lower_ascii)
            {
                ascii_lower.push(entries.len() as u32);
            }
            by_code
                .entry(item.code.clone())
                .or_default()
                .push(entries.len());
            entries.push(Entry {
                name,
                aliases,
                group,
                sig,
            });
            hits.push(hit_of(item, short));
        }
        let typo = typo::TypoIndex::new(entries.iter().map(|e| {
            std::iter::once(&e.name)
                .chain(&e.aliases)
                .flat_map(|t| [(t.initials.as_str(), true), (t.full.as_str(), false)])
        }));
        SearchIndex {
            entries,
            hits,
            groups,
            by_char,
            ascii_lower,
            by_code,
            typo,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best hits for `query`; `usage` gives per-item use counts (frequent items first
    /// among equals) and `favourites` marks hits.
    pub fn search(
        &self,
        query: &str,
        usage: &HashMap<String, u32>,
        favourites: &[String],
    ) -> Vec<ItemHit> {
        self.search_among(query, usage, favourites, |_| true)
    }

    /// [`SearchIndex::search`] among the items whose code `keep` accepts (the clerk's
    /// departments, A4): the others never take a place among the best hits.
    pub fn search_among(
        &self,
        query: &str,
        usage: &HashMap<String, u32>,
        favourites: &[String],
        keep: impl Fn(&str) -> bool,
    ) -> Vec<ItemHit> {
        let q: String = query
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\'')
            .collect();
        if q.is_empty() {
            return Vec::new();
        }
        let ascii = q.is_ascii();
        let qsig = Sig::of(&q);
        // Department and kind, the last resort of the exact pass, once per group.
        let group_scores: Vec<Option<(u32, &'static str)>> = self
            .groups
            .iter()
            .map(|(short, full, kind)| {
                if !short.is_empty() && (contains(short, &q) || contains(full, &q)) {
                    Some((DEPARTMENT, labels::MATCH_DEPARTMENT))
                } else if contains(kind, &q) {
                    Some((KIND, labels::MATCH_KIND))
                } else {
                    None
                }
            })
            .collect();
        let mut scored: Vec<(u32, usize, &'static str)> = Vec::new();
        {
            // Only the listed entries can match by name or alias; the others only by
            // department or kind. Pinyin: the entries with a pinyin text holding the query
            // (starting with it, for one letter: the only rules one letter is tried against)
            // and those with ASCII in a name or alias. Chinese: the entries under the query's
            // rarest character.
            let pinyin;
            let listed: &[u32] = if ascii {
                let mut set = self.typo.entries_with(q.as_bytes());
                for &e in &self.ascii_lower {
                    set[e as usize / 64] |= 1 << (e % 64);
                }
                pinyin = members(&set);
                &pinyin
            } else {
                q.chars()
                    .filter(|c| !c.is_ascii())
                    .map(|c| self.by_char.get(&c).map_or(&[][..], Vec::as_slice))
                    .min_by_key(|list| list.len())
                    .unwrap_or(&[])
            };
            let by_group = group_scores.iter().any(Option::is_some);
            for &i in listed.iter().filter(|_| !by_group) {
                let e = &self.entries[i as usize];
                if !e.sig.covers(&qsig) {
                    continue;
                }
                if let Some((s, how)) = exact_score(e, &q, ascii) {
                    scored.push((s, i as usize, how));
                }
            }
            let mut next = listed.iter().peekable();
            for (i, e) in self.entries.iter().enumerate().filter(|_| by_group) {
                let listed = next.next_if(|&&j| j as usize == i).is_some();
                let group = group_scores[e.group];
                if !listed && group.is_none() {
                    continue;
                }
                let exact = if listed && e.sig.covers(&qsig) {
                    exact_score(e, &q, ascii)
                } else {
                    None
                };
                if let Some((s, how)) = exact.or(group) {
                    scored.push((s, i, how));
                }
            }
        }
        scored.retain(|&(_, i, _)| keep(&self.hits[i].code));
        // Approximate matching only when the exact passes found few hits, and only for
        // queries long enough that one wrong letter is still informative.
        let qlen = q.chars().count();
        if scored.len() < 5 && (3..=64).contains(&qlen) {
            let k = if ascii && qlen >= 7 { 2 } else { 1 };
            let mut found: Vec<usize> = scored.iter().map(|(_, i, _)| *i).collect();
            found.sort_unstable();
            for (i, d) in self.approximate(&q, &qsig, k) {
                if found.binary_search(&i).is_err() && keep(&self.hits[i].code) {
                    scored.push((FUZZY - d * 50, i, labels::MATCH_FUZZY));
                }
            }
        }
        // Best score, then the clerk's most used, then the shortest name, then catalog order:
        // the top MAX_HITS are selected first, so a one-letter query does not sort thousands.
        let mut uses = vec![
            0u32;
            if scored.is_empty() {
                0
            } else {
                self.entries.len()
            }
        ];
        if !scored.is_empty() {
            for (code, &n) in usage {
                for &i in self.by_code.get(code).map_or(&[][..], Vec::as_slice) {
                    uses[i] = n;
                }
            }
        }
        let mut ranked: Vec<Rank> = scored
            .into_iter()
            .map(|(score, i, how)| {
                let uses = uses[i];
                let len = self.entries[i].name.chars.len();
                (
                    std::cmp::Reverse(score),
                    std::cmp::Reverse(uses),
                    len,
                    i,
                    how,
                )
            })
            .collect();
        if ranked.len() > MAX_HITS {
            ranked.select_nth_unstable(MAX_HITS - 1);
            ranked.truncate(MAX_HITS);
        }
        ranked.sort_unstable();
        ranked
            .into_iter()
            .map(|(_, _, _, i, how)| {
                let mut h = self.hits[i].clone();
                h.matched = how.to_string();
                h.favourite = favourites.contains(&h.code);
                h
            })
            .collect()
    }

    /// The typo pass: every entry whose name or an alias (for an ASCII query: their full
    /// pinyin or initials) has a substring within `k` edits of the query, with its least
    /// distance, in entry order.
    fn approximate(&self, q: &str, qsig: &Sig, k: u32) -> Vec<(usize, u32)> {
        let pattern = Pattern::new(q);
        if q.is_ascii() {
            return self.typo.matches(q.as_bytes(), &pattern, k);
        }
        // Chinese: the character signatures filter well (each edit hides at most one
        // character), so a pass over the entries is enough.
        let qlen = q.chars().count();
        let mut out = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if !e.sig.near(qsig, k) {
                continue;
            }
            let best = std::iter::once(&e.name)
                .chain(&e.aliases)
                // A text shorter than the query by more than k cannot be within k edits.
                .filter(|t| t.chars.len() + k as usize >= qlen)
                .map(|t| pattern.distance(t.chars.iter().copied()))
                .min()
                .unwrap_or(u32::MAX);
            if best <= k {
                out.push((i, best));
            }
        }
        out
    }

    /// The hits for these item codes in this order (recent, frequent, favourites lists),
    /// skipping codes no longer in the catalog.
    pub fn hits_for(&self, codes: &[String], favourites: &[String]) -> Vec<ItemHit> {
        let by_code: HashMap<&str, usize> = self
            .hits
            .iter()
            .enumerate()
            .map(|(i, h)| (h.code.as_str(), i))
            .collect();
        codes
            .iter()
            .filter_map(|c| by_code.get(c.as_str()))
            .map(|&i| {
                let mut h = self.hits[i].clone();
                h.favourite = favourites.contains(&h.code);
                h
            })
            .collect()
    }
}

fn hit_of(item: &Item, department: &str) -> ItemHit {
    ItemHit {
        code: item.code.clone(),
        name: item.name.clone(),
        department: department.to_string(),
        kind: item.kind.label().to_string(),
        promised_days: item.promised_days,
        instant: item.instant,
        deferrable: item.deferrable,
        matched: String::new(),
        favourite: false,
    }
}

/// The members of a bit set, ascending.
fn members(set: &[u64]) -> Vec<u32> {
    let mut out = Vec::new();
    for (w, &word) in set.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            out.push((w * 64) as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
    out
}

/// The exact rules on the entry's own texts (department and kind are matched per group).
fn exact_score(e: &Entry, q: &str, ascii: bool) -> Option<(u32, &'static str)> {
    let n = &e.name;
    if !ascii || n.lower_ascii {
        if n.lower == q {
            return Some((EXACT, labels::MATCH_NAME));
        }
        if n.lower.starts_with(q) {
            return Some((NAME_PREFIX, labels::MATCH_NAME));
        }
        if contains(&n.lower, q) {
            return Some((NAME_SUB, labels::MATCH_NAME));
        }
    }
    if ascii {
        if n.initials == q {
            return Some((INITIALS_EXACT, labels::MATCH_INITIALS));
        }
        if n.initials.starts_with(q) {
            return Some((INITIALS_PREFIX, labels::MATCH_INITIALS));
        }
        if n.full.starts_with(q) {
            return Some((FULL_PREFIX, labels::MATCH_FULL_PINYIN));
        }
        if q.len() >= 2 && contains(&n.initials, q) {
            return Some((INITIALS_SUB, labels::MATCH_INITIALS));
        }
        if q.len() >= 3 && contains(&n.full, q) {
            return Some((FULL_SUB, labels::MATCH_FULL_PINYIN));
        }
    }
    for a in &e.aliases {
        let hit = ((!ascii || a.lower_ascii) && contains(&a.lower, q))
            || (ascii && (a.initials.starts_with(q) || (q.len() >= 3 && contains(&a.full, q))));
        if hit {
            return Some((ALIAS, labels::MATCH_ALIAS));
        }
    }
    None
}

/// `haystack.contains(needle)` without the searcher set-up `str::contains` pays on every
/// call, which dominates over short texts. Byte matching is exact for UTF-8: a valid needle
/// can only match at character boundaries.
fn contains(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    if h.len() < n.len() {
        return false;
    }
    let last = h.len() - n.len();
    h[..=last]
        .iter()
        .enumerate()
        .any(|(i, &b)| b == first && &h[i + 1..i + n.len()] == rest)
}

/// Bit-parallel approximate substring matching (Myers): the least edit distance between the
/// pattern and any substring of a text, for patterns of at most 64 characters.
struct Pattern {
    /// Match masks per pattern character.
    peq: Vec<(char, u64)>,
    /// The same for ASCII characters, by code (pinyin queries look up a table, not a list).
    ascii: [u64; 128],
    len: u32,
}

impl Pattern {
    fn new(q: &str) -> Pattern {
        let mut peq: Vec<(char, u64)> = Vec::new();
        let mut len = 0;
        for (i, c) in q.chars().take(64).enumerate() {
            match peq.iter_mut().find(|(x, _)| *x == c) {
                Some((_, m)) => *m |= 1 << i,
                None => peq.push((c, 1 << i)),
            }
            len = i as u32 + 1;
        }
        let mut ascii = [0u64; 128];
        for (c, m) in &peq {
            if c.is_ascii() {
                ascii[*c as usize] = *m;
            }
        }
        Pattern { peq, ascii, len }
    }

    fn distance(&self, text: impl Iterator<Item = char>) -> u32 {
        let m = self.len;
        if m == 0 {
            return 0;
        }
        let high = 1u64 << (m - 1);
        let mut pv: u64 = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
        let mut mv: u64 = 0;
        let mut score = m;
        let mut best = m;
        for c in text {
            let eq = if c.is_ascii() {
                self.ascii[c as usize]
            } else {
                self.peq
                    .iter()
                    .find(|(x, _)| *x == c)
                    .map(|(_, b)| *b)
                    .unwrap_or(0)
            };
            let xv = eq | mv;
            let xh = (((eq & pv).wrapping_add(pv)) ^ pv) | eq;
            let mut ph = mv | !(xh | pv);
            let mut mh = pv & xh;
            if ph & high != 0 {
                score += 1;
            } else if mh & high != 0 {
                score -= 1;
            }
            // Substring search: the text may start anywhere, so no carry into bit 0.
            ph <<= 1;
            mh <<= 1;
            pv = mh | !(xv | ph);
            mv = ph & xv;
            best = best.min(score);
        }
        best
    }

    /// [`Pattern::distance`] over an ASCII text, exact only up to `k`: it stops once no later
    /// column can bring the distance to `k` or below (the score moves by at most one a column).
    fn distance_bytes(&self, text: &[u8], k: u32) -> u32 {
        let m = self.len;
        if m == 0 {
            return 0;
        }
        let high = 1u64 << (m - 1);
        let mut pv: u64 = if m == 64 { u64::MAX } else { (1u64 << m) - 1 };
        let mut mv: u64 = 0;
        let mut score = m;
        let mut best = m;
        for (j, &c) in text.iter().enumerate() {
            let eq = self.ascii[(c & 127) as usize];
            let xv = eq | mv;
            let xh = (((eq & pv).wrapping_add(pv)) ^ pv) | eq;
            let mut ph = mv | !(xh | pv);
            let mut mh = pv & xh;
            if ph & high != 0 {
                score += 1;
            } else if mh & high != 0 {
                score -= 1;
            }
            ph <<= 1;
            mh <<= 1;
            pv = mh | !(xv | ph);
            mv = ph & xv;
            best = best.min(score);
            let left = (text.len() - j - 1) as u32;
            if best == 0 || score > k + left {
                break;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests;
