//! Tests of item search (D3).

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
        licence_types: vec![],
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

/// The typo pass without any filter or index: every text of every entry.
fn brute_force(idx: &SearchIndex, q: &str, k: u32) -> Vec<(usize, u32)> {
    let p = Pattern::new(q);
    idx.entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let best = std::iter::once(&e.name)
                .chain(&e.aliases)
                .map(|t| {
                    if q.is_ascii() {
                        let a = p.distance(t.initials.chars());
                        a.min(p.distance(t.full.chars()))
                    } else {
                        p.distance(t.chars.iter().copied())
                    }
                })
                .min()?;
            (best <= k).then_some((i, best))
        })
        .collect()
}

/// Queries near the catalog's texts: prefixes of the pinyin and of the names with a
/// letter dropped, replaced, doubled or two letters swapped.
fn near_queries(idx: &SearchIndex) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &idx.entries {
        for t in std::iter::once(&e.name).chain(&e.aliases) {
            for s in [&t.full, &t.initials, &t.lower] {
                let c: Vec<char> = s.chars().collect();
                for n in [3, 4, 5, 7, 9, 12, c.len()] {
                    let p = &c[..n.min(c.len())];
                    for i in 0..p.len() {
                        let mut d = p.to_vec();
                        d.remove(i);
                        out.push(d.iter().collect());
                        let mut r = p.to_vec();
                        r[i] = if r[i] == 'x' { 'q' } else { 'x' };
                        out.push(r.iter().collect());
                        let mut dup = p.to_vec();
                        dup.insert(i, p[i]);
                        out.push(dup.iter().collect());
                        if i + 1 < p.len() {
                            let mut sw = p.to_vec();
                            sw.swap(i, i + 1);
                            out.push(sw.iter().collect());
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out.retain(|q| (3..=64).contains(&q.chars().count()));
    out
}

#[test]
fn d3_typo_pass_matches_brute_force() {
    let idx = SearchIndex::new(&catalog());
    let queries = near_queries(&idx);
    assert!(queries.len() > 1000, "{} queries", queries.len());
    let mut matched = 0;
    for q in &queries {
        for k in [1, 2] {
            let want = brute_force(&idx, q, k);
            matched += want.len();
            assert_eq!(idx.approximate(q, &Sig::of(q), k), want, "{q} k={k}");
        }
    }
    // The queries are near the catalog: most of them match something.
    assert!(matched > queries.len(), "{matched} matches");
}

#[test]
fn d3_typo_pass_matches_brute_force_on_a_synthetic_catalog() {
    let idx = SearchIndex::new(&crate::domain::catalog::synthetic::catalog(7, 400));
    let queries = near_queries(&idx);
    let mut rng = fastrand::Rng::with_seed(13);
    for _ in 0..400 {
        let q = &queries[rng.usize(..queries.len())];
        let k = if q.is_ascii() && q.len() >= 7 { 2 } else { 1 };
        assert_eq!(
            idx.approximate(q, &Sig::of(q), k),
            brute_force(&idx, q, k),
            "{q} k={k}"
        );
    }
}

/// The search as it was before the indexes (every entry, `str::contains`, the typo pass
/// by brute force), for the equivalence tests below.
fn reference_search(
    idx: &SearchIndex,
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
    let mut scored: Vec<(u32, usize, &'static str)> = idx
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| reference_exact(idx, e, &q, ascii).map(|(s, how)| (s, i, how)))
        .collect();
    let qlen = q.chars().count();
    if scored.len() < 5 && (3..=64).contains(&qlen) {
        let k = if ascii && qlen >= 7 { 2 } else { 1 };
        for (i, d) in brute_force(idx, &q, k) {
            if !scored.iter().any(|(_, j, _)| *j == i) {
                scored.push((FUZZY - d * 50, i, "近似"));
            }
        }
    }
    let mut ranked: Vec<Rank> = scored
        .into_iter()
        .map(|(score, i, how)| {
            let uses = usage.get(&idx.hits[i].code).copied().unwrap_or(0);
            let len = idx.entries[i].name.chars.len();
            let (score, uses) = (std::cmp::Reverse(score), std::cmp::Reverse(uses));
            (score, uses, len, i, how)
        })
        .collect();
    ranked.sort_unstable();
    ranked.truncate(MAX_HITS);
    ranked
        .into_iter()
        .map(|(_, _, _, i, how)| {
            let mut h = idx.hits[i].clone();
            h.matched = how.to_string();
            h.favourite = favourites.contains(&h.code);
            h
        })
        .collect()
}

fn reference_exact(
    idx: &SearchIndex,
    e: &Entry,
    q: &str,
    ascii: bool,
) -> Option<(u32, &'static str)> {
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
    let (department, dept_full, kind) = &idx.groups[e.group];
    if !department.is_empty() && (department.contains(q) || dept_full.contains(q)) {
        return Some((DEPARTMENT, "部门"));
    }
    if kind.contains(q) {
        return Some((KIND, "类型"));
    }
    None
}

/// Every prefix of the catalog's names, aliases and their pinyin, and the near queries.
fn all_queries(idx: &SearchIndex) -> Vec<String> {
    let mut out = near_queries(idx);
    for e in &idx.entries {
        for t in std::iter::once(&e.name).chain(&e.aliases) {
            for s in [&t.full, &t.initials, &t.lower] {
                let c: Vec<char> = s.chars().collect();
                out.extend((1..=c.len()).map(|n| c[..n].iter().collect::<String>()));
            }
        }
    }
    out.extend(["公安", "人社", "公共服务", "某市", "2类", "（", "x"].map(String::from));
    out.sort();
    out.dedup();
    out
}

#[test]
fn d3_search_matches_the_unindexed_search() {
    let idx = SearchIndex::new(&catalog());
    let usage = HashMap::from([("3".to_string(), 4), ("5".to_string(), 9)]);
    let favs = ["2".to_string()];
    for q in all_queries(&idx) {
        assert_eq!(
            idx.search(&q, &usage, &favs),
            reference_search(&idx, &q, &usage, &favs),
            "{q}"
        );
    }
}

#[test]
fn d3_search_matches_the_unindexed_search_on_a_synthetic_catalog() {
    let cat = crate::domain::catalog::synthetic::catalog(11, 600);
    let idx = SearchIndex::new(&cat);
    let usage = HashMap::from([
        (cat.items[7].code.clone(), 3),
        (cat.items[99].code.clone(), 8),
    ]);
    let favs = [cat.items[5].code.clone()];
    let queries = all_queries(&idx);
    let mut rng = fastrand::Rng::with_seed(17);
    for _ in 0..600 {
        let q = &queries[rng.usize(..queries.len())];
        assert_eq!(
            idx.search(q, &usage, &favs),
            reference_search(&idx, q, &usage, &favs),
            "{q}"
        );
    }
}

#[test]
fn d3_long_typod_pinyin_finds_its_item() {
    let idx = SearchIndex::new(&catalog());
    let none = HashMap::new();
    for q in [
        "hujizhenm",
        "hujizhenming",
        "hujizhengmnig",
        "shehuibaozangka",
    ] {
        let hits = idx.search(q, &none, &[]);
        assert!(
            ["户籍证明", "社会保障卡申领"].contains(&hits[0].name.as_str()),
            "{q}: {:?}",
            names(&hits)
        );
        assert_eq!(hits[0].matched, "近似", "{q}");
    }
}

#[test]
fn d3_bounded_distance_agrees_up_to_the_budget() {
    for q in ["abc", "hujizhenm", "shebaozhuangyi"] {
        let p = Pattern::new(q);
        for t in [
            "",
            "xxabcxx",
            "hujizhengming",
            "shebaozhuanyi",
            "zzz",
            "hjzm",
        ] {
            let full = p.distance(t.chars());
            for k in 0..3 {
                let d = p.distance_bytes(t.as_bytes(), k);
                if full <= k {
                    assert_eq!(d, full, "{q} in {t}, k={k}");
                } else {
                    assert!(d > k, "{q} in {t}, k={k}");
                }
            }
        }
    }
}

#[test]
fn d3_byte_contains_agrees_with_str_contains() {
    for h in ["", "a", "户籍证明", "hujizhengming", "社保卡（2类）", "ab"] {
        for n in [
            "",
            "a",
            "户",
            "证明",
            "明",
            "ming",
            "2类",
            "（",
            "abc",
            "hujizhengmingx",
        ] {
            assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
        }
    }
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
