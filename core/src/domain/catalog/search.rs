//! Item search (D3): by name, alias, type and department, in Chinese, full pinyin or pinyin
//! initials (`hjzm` → 户籍证明), tolerant of one or two typos.
//!
//! Everything per item is prepared once when the index is built (lower-case pinyin strings,
//! initials, character vectors), so a keystroke costs a pass of substring checks over the
//! catalog, plus a bit-parallel approximate match (Myers 1999) only when the exact passes
//! found little. The search benchmark runs this over a 20,000-item catalog.

use super::model::{Catalog, Item};
use pinyin::ToPinyin;
use serde::Serialize;
use std::collections::HashMap;

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
    department: String,
    dept_full: String,
    kind: &'static str,
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
        for item in &catalog.items {
            let (short, full) = depts
                .get(item.department.as_str())
                .copied()
                .unwrap_or(("", ""));
            let name = Text::new(&item.name);
            let aliases: Vec<Text> = item.keywords.iter().map(|k| Text::new(k)).collect();
            let (department, dept_full) = (short.to_lowercase(), full.to_lowercase());
            let kind = item.kind.label();
            let mut sig = Sig::default();
            for t in std::iter::once(&name).chain(&aliases) {
                sig.add(&t.lower);
                sig.add(&t.full);
                sig.add(&t.initials);
            }
            sig.add(&department);
            sig.add(&dept_full);
            sig.add(kind);
            entries.push(Entry {
                name,
                aliases,
                department,
                dept_full,
                kind,
                sig,
            });
            hits.push(hit_of(item, short));
        }
        SearchIndex { entries, hits }
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
        let mut scored: Vec<(u32, usize, &'static str)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if !e.sig.covers(&qsig) {
                continue;
            }
            if let Some((s, how)) = exact_score(e, &q, ascii) {
                scored.push((s, i, how));
            }
        }
        // Approximate matching only when the exact passes found few hits, and only for
        // queries long enough that one wrong letter is still informative.
        let qlen = q.chars().count();
        if scored.len() < 5 && (3..=64).contains(&qlen) {
            let k = if ascii && qlen >= 7 { 2 } else { 1 };
            let pattern = Pattern::new(&q);
            let found: std::collections::HashSet<usize> =
                scored.iter().map(|(_, i, _)| *i).collect();
            for (i, e) in self.entries.iter().enumerate() {
                if !e.sig.near(&qsig, k) || found.contains(&i) {
                    continue;
                }
                let best = std::iter::once(&e.name)
                    .chain(&e.aliases)
                    .map(|t| {
                        // A text shorter than the query by more than k cannot be within k
                        // edits of it: skip the scan (pinyin initials for long queries).
                        let fits = |len: usize| len + k as usize >= qlen;
                        if ascii {
                            let a = if fits(t.initials.len()) {
                                pattern.distance(t.initials.bytes().map(char::from))
                            } else {
                                u32::MAX
                            };
                            let b = if fits(t.full.len()) {
                                pattern.distance(t.full.bytes().map(char::from))
                            } else {
                                u32::MAX
                            };
                            a.min(b)
                        } else if fits(t.chars.len()) {
                            pattern.distance(t.chars.iter().copied())
                        } else {
                            u32::MAX
                        }
                    })
                    .min()
                    .unwrap_or(u32::MAX);
                if best <= k {
                    scored.push((FUZZY - best * 50, i, "近似"));
                }
            }
        }
        // Best score, then the clerk's most used, then the shortest name, then catalog order:
        // the top MAX_HITS are selected first, so a one-letter query does not sort thousands.
        let mut ranked: Vec<Rank> = scored
            .into_iter()
            .map(|(score, i, how)| {
                let uses = usage.get(&self.hits[i].code).copied().unwrap_or(0);
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

fn exact_score(e: &Entry, q: &str, ascii: bool) -> Option<(u32, &'static str)> {
    let n = &e.name;
    if n.lower == q {
        return Some((EXACT, "名称"));
    }
    if n.lower.starts_with(q) {
        return Some((NAME_PREFIX, "名称"));
    }
    if n.lower.contains(q) {
        return Some((NAME_SUB, "名称"));
    }
    if ascii {
        if n.initials == q {
            return Some((INITIALS_EXACT, "拼音首字母"));
        }
        if n.initials.starts_with(q) {
            return Some((INITIALS_PREFIX, "拼音首字母"));
        }
        if n.full.starts_with(q) {
            return Some((FULL_PREFIX, "全拼"));
        }
        if q.len() >= 2 && n.initials.contains(q) {
            return Some((INITIALS_SUB, "拼音首字母"));
        }
        if q.len() >= 3 && n.full.contains(q) {
            return Some((FULL_SUB, "全拼"));
        }
    }
    for a in &e.aliases {
        let hit = a.lower.contains(q)
            || (ascii && (a.initials.starts_with(q) || (q.len() >= 3 && a.full.contains(q))));
        if hit {
            return Some((ALIAS, "别名"));
        }
    }
    if !e.department.is_empty() && (e.department.contains(q) || e.dept_full.contains(q)) {
        return Some((DEPARTMENT, "部门"));
    }
    if e.kind.contains(q) {
        return Some((KIND, "类型"));
    }
    None
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::model::*;

    fn item(code: &str, name: &str, dept: &str, keywords: &[&str]) -> Item {
        Item {
            code: code.into(),
            name: name.into(),
            department: dept.into(),
            kind: ItemKind::PublicService,
            legal_days: 0,
            promised_days: 0,
            instant: true,
            deferrable: false,
            online: false,
            keywords: keywords.iter().map(|s| s.to_string()).collect(),
            notes: String::new(),
            questions: vec![],
            situations: vec![],
            materials: vec![],
            fields: vec![],
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            version: "t".into(),
            departments: vec![
                Department {
                    code: "gaj".into(),
                    name: "某市公安局".into(),
                    short_name: "公安".into(),
                },
                Department {
                    code: "rsj".into(),
                    name: "某市人力资源和社会保障局".into(),
                    short_name: "人社".into(),
                },
            ],
            items: vec![
                item("1", "户籍证明", "gaj", &["户口证明"]),
                item("2", "亲属关系证明", "gaj", &[]),
                item("3", "出生登记", "gaj", &["报户口", "新生儿入户"]),
                item("4", "社会保障卡申领", "rsj", &["社保卡"]),
                item("5", "户口迁移证明开具", "gaj", &[]),
            ],
            templates: vec![],
            calendar: Calendar {
                holidays: vec![],
                workdays: vec![],
            },
        }
    }

    fn names(hits: &[ItemHit]) -> Vec<&str> {
        hits.iter().map(|h| h.name.as_str()).collect()
    }

    #[test]
    fn pinyin_initials_full_pinyin_and_chinese() {
        let idx = SearchIndex::new(&catalog());
        let none = HashMap::new();
        let hits = idx.search("hjzm", &none, &[]);
        assert_eq!(names(&hits)[0], "户籍证明");
        assert_eq!(hits[0].matched, "拼音首字母");
        assert_eq!(
            names(&idx.search("hujizhengming", &none, &[]))[0],
            "户籍证明"
        );
        assert_eq!(names(&idx.search("户籍", &none, &[]))[0], "户籍证明");
        assert_eq!(names(&idx.search("社保卡", &none, &[])), ["社会保障卡申领"]);
        assert_eq!(names(&idx.search("qsgx", &none, &[])), ["亲属关系证明"]);
        // Department.
        assert_eq!(names(&idx.search("人社", &none, &[])), ["社会保障卡申领"]);
        assert!(idx.search("  ", &none, &[]).is_empty());
    }

    #[test]
    fn tolerates_a_typo() {
        let idx = SearchIndex::new(&catalog());
        let none = HashMap::new();
        // One wrong initial, one wrong character, a dropped letter in full pinyin.
        assert_eq!(names(&idx.search("hjzn", &none, &[]))[0], "户籍证明");
        assert_eq!(names(&idx.search("户藉证明", &none, &[]))[0], "户籍证明");
        assert_eq!(
            names(&idx.search("hujizhengmin", &none, &[]))[0],
            "户籍证明"
        );
        assert_eq!(idx.search("hjzn", &none, &[])[0].matched, "近似");
        assert!(idx.search("xyzw", &none, &[]).is_empty());
    }

    #[test]
    fn frequent_items_first_among_equals_and_favourites_marked() {
        let idx = SearchIndex::new(&catalog());
        let mut usage = HashMap::new();
        // Both start with 户; the more used one comes first.
        let hits = idx.search("户", &usage, &[]);
        assert_eq!(names(&hits)[..2], ["户籍证明", "户口迁移证明开具"]);
        usage.insert("5".to_string(), 9);
        let hits = idx.search("户", &usage, &["5".to_string()]);
        assert_eq!(names(&hits)[..2], ["户口迁移证明开具", "户籍证明"]);
        assert!(hits[0].favourite && !hits[1].favourite);
    }

    #[test]
    fn myers_distance() {
        let p = Pattern::new("abc");
        assert_eq!(p.distance("xxabcxx".chars()), 0);
        assert_eq!(p.distance("xxabxx".chars()), 1);
        assert_eq!(p.distance("xxaxcxx".chars()), 1);
        assert_eq!(p.distance("".chars()), 3);
        assert_eq!(p.distance("zzz".chars()), 3);
    }
}
