//! Intake benchmarks for `make bench` (issue 5), one `bench: <name> <value> <unit>` line per
//! figure; other lines are context.
//!
//! - `catalog_search_p99_ms`: item search over a 20,000-item synthetic catalog
//!   (`catalog::synthetic`), once per keystroke: every prefix of Chinese names, full pinyin,
//!   initials and a mistyped pinyin, with a clerk's usage counts and favourites. Target ≤ 5.
//! - `intake_commit_p99_ms`: `cases::decide`, the clerk's commit action (case row, audit
//!   entry, outbox row and item usage in one transaction), on the encrypted store with the
//!   bundled catalog, over 600 walk-in cases (card read, draft, notice printed, decide).
//!   Target ≤ 5.
//! - `history_search_p99_ms`: `history::search` (25 of each query kind; a kind that has
//!   taken 3 s in all is not run further) over 1,000,000 cases of one clerk (plus
//!   100,000 of four others) in the encrypted store: newest page, name prefixes, case numbers
//!   and their day prefix, ID numbers, state, item and date filters. Target ≤ 50. The rows are
//!   bulk-inserted straight into `cases` (the secondary indexes are dropped and rebuilt with
//!   the migration's own SQL); the search then runs on a freshly opened store, as the app
//!   opens it.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use yichuang_core::domain::audit::{self, AuditEntry};
use yichuang_core::domain::catalog::search::SearchIndex;
use yichuang_core::domain::catalog::{self, synthetic};
use yichuang_core::domain::intake::history::{self, HistoryQuery};
use yichuang_core::domain::intake::{
    self, cases, Answer, CaseState, CatalogView, DecisionInput, DecisionKind, Desk, IdSource,
    Party, ReceivedAs,
};
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;

// 2026-11-23 10:00 China time (a Monday), as in the intake tests.
const NOW: i64 = 1_795_399_200_000;
const DAY_MS: i64 = 86_400_000;
const CST_MS: i64 = 8 * 3600 * 1000;

fn p99_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    let i = ((times.len() as f64 * 0.99).ceil() as usize).saturating_sub(1);
    times[i].as_secs_f64() * 1e3
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    println!(
        "intake_bench: {} CPUs available",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // `INTAKE_BENCH=search,commit,history` runs only the named parts (while iterating on
    // one); unset, every figure is printed.
    let only = std::env::var("INTAKE_BENCH").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only.split(',').any(|s| s.trim() == name);
    if run("search") {
        catalog_search();
    }
    if run("commit") {
        intake_commit();
    }
    if run("history") {
        history_search();
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Item search per keystroke.

fn catalog_search() {
    let started = Instant::now();
    let cat = synthetic::catalog(2026, 20_000);
    let generated = started.elapsed();
    catalog::validate(&cat).expect("the synthetic catalog is valid");
    let started = Instant::now();
    let index = SearchIndex::new(&cat);
    let built = started.elapsed();
    println!(
        "catalog_search: {} items, generated in {:.0} ms, index built in {:.0} ms",
        index.len(),
        ms(generated),
        ms(built)
    );

    // A clerk's history: 15 frequent items and a few favourites.
    let mut rng = fastrand::Rng::with_seed(5);
    let usage: HashMap<String, u32> = (0..15)
        .map(|_| {
            (
                cat.items[rng.usize(..cat.items.len())].code.clone(),
                rng.u32(1..200),
            )
        })
        .collect();
    let favs: Vec<String> = (0..5)
        .map(|_| cat.items[rng.usize(..cat.items.len())].code.clone())
        .collect();

    let queries = [
        "户籍证明",
        "居住证登记",
        "营业执照变更登记",
        "公积金提取",
        "不动产转移",
        "残疾人两项补贴",
        "hujizhengming",
        "hjzm",
        "hujizhenming",
        "yingyezhizhaobiangengdengji",
        "yyzzbgdj",
        "gongjijintiqu",
        "gjjtq",
        "budongchandengji",
        "juzhuzhengdengji",
        "jzzdj",
        "shebaozhuanyi",
        "shebaozhuangyi",
        "minban",
        "公安",
    ];
    let keystrokes: Vec<String> = queries
        .iter()
        .flat_map(|q| {
            let chars: Vec<char> = q.chars().collect();
            (1..=chars.len())
                .map(move |n| chars[..n].iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .collect();
    // One untimed pass, then three timed passes.
    for k in &keystrokes {
        std::hint::black_box(index.search(k, &usage, &favs));
    }
    let mut times = Vec::with_capacity(keystrokes.len() * 3);
    let mut slowest = (Duration::ZERO, String::new());
    for _ in 0..3 {
        for k in &keystrokes {
            let started = Instant::now();
            let hits = index.search(k, &usage, &favs);
            let t = started.elapsed();
            std::hint::black_box(hits);
            if t > slowest.0 {
                slowest = (t, k.clone());
            }
            times.push(t);
        }
    }
    for q in ["hjzm", "hujizhenming", "gjjtq", "shebaozhuangyi"] {
        let hits = index.search(q, &usage, &favs);
        let top = hits
            .first()
            .map(|h| format!("{} ({})", h.name, h.matched))
            .unwrap_or_else(|| "-".into());
        println!("catalog_search: {q} -> {top}, {} hits", hits.len());
    }
    let calls = times.len();
    let mean = times.iter().map(|t| ms(*t)).sum::<f64>() / calls as f64;
    let p99 = p99_ms(&mut times);
    let p50 = ms(times[calls / 2]);
    println!(
        "catalog_search: {calls} keystroke searches, mean {mean:.2} ms, p50 {p50:.2} ms, max \
         {:.2} ms (\"{}\")",
        ms(slowest.0),
        slowest.1
    );
    println!("bench: catalog_search_p99_ms {p99:.2} ms");
}

// ---------------------------------------------------------------------------------------------
// 2. The commit action.

/// An 18-digit resident ID number with a valid check digit.
fn id_number(rng: &mut fastrand::Rng) -> String {
    const REGIONS: &[&str] = &[
        "441502", "441521", "441523", "441581", "440304", "440106", "110105", "310115", "450102",
        "360702",
    ];
    let year = rng.u32(1940..=2008);
    let month = rng.u32(1..=12);
    let day = rng.u32(1..=28);
    let body = format!(
        "{}{year:04}{month:02}{day:02}{:03}",
        REGIONS[rng.usize(..REGIONS.len())],
        rng.u32(0..1000)
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "叶", "杜", "苏", "魏", "程", "吕", "丁", "沈",
    "任", "姚", "卢", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "欧阳", "司马", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "建", "国", "志", "红", "玉", "海", "兰",
    "婷", "宇", "浩", "欣", "怡", "子", "涵", "梓", "晨", "佳", "俊", "雪", "琳", "鹏", "辉", "波",
];

/// A Chinese name; common surnames far more often than rare ones.
fn person_name(rng: &mut fastrand::Rng) -> String {
    let s = SURNAMES[(rng.f64().powi(2) * SURNAMES.len() as f64) as usize];
    let mut n = s.to_string();
    for _ in 0..rng.usize(1..=2) {
        n.push_str(GIVEN[rng.usize(..GIVEN.len())]);
    }
    n
}

fn open_store(path: &Path, key: &StoreKey) -> Store {
    Store::open_encrypted(path, key).expect("the encrypted store opens")
}

fn desk() -> Desk {
    Desk {
        clerk_id: "c001".into(),
        clerk_name: "钱七".into(),
        hall_name: "汕尾市政务服务中心".into(),
        hall_code: "441500".into(),
        window_number: 3,
        window_label: "3号窗口".into(),
    }
}

fn intake_commit() {
    let view = CatalogView::new(
        catalog::load_dir(&catalog::bundled_dir()).expect("the bundled catalog loads"),
    );
    let dir = tempfile::tempdir().expect("a temporary directory");
    let key = StoreKey::random().expect("a random store key");
    let mut store = open_store(&dir.path().join("workstation.db"), &key);
    let desk = desk();
    let accept = DecisionInput {
        kind: DecisionKind::Accept,
        reason: String::new(),
        promise: String::new(),
        deadline: None,
    };
    let item = view.item("GA-HJ-0301").expect("户籍证明 is in the catalog");
    let mut rng = fastrand::Rng::with_seed(7);
    let cases_n = 600;
    let mut decide_times = Vec::with_capacity(cases_n);
    let mut walk_in_times = Vec::with_capacity(cases_n);
    for i in 0..cases_n as i64 {
        let at = NOW + i * 20_000;
        let id = id_number(&mut rng);
        let started = Instant::now();
        store
            .transact(|tx| {
                audit::record(
                    tx,
                    at,
                    AuditEntry {
                        actor: Some(desk.clerk_id.clone()),
                        action: "card.read".into(),
                        subject: Some(id.clone()),
                        detail: serde_json::json!({}),
                    },
                )
            })
            .expect("card read audited");
        let mut draft = intake::new_draft(item);
        draft.answers = vec![Answer {
            question_id: "q1".into(),
            option: 0,
        }];
        let mut draft = cases::refresh(&view, draft).expect("the situation resolves");
        draft.applicant = Party {
            name: person_name(&mut rng),
            id_number: id,
            id_source: IdSource::Card,
            ..Party::default()
        };
        for m in &mut draft.materials {
            m.received = ReceivedAs::Paper;
            m.pages = 1;
        }
        let prepared = cases::prepare_notice(&mut store, &view, &desk, draft, &accept, at + 5000)
            .expect("the notice is prepared");
        cases::record_notice_print(&mut store, &desk, &prepared, "job", at + 8000)
            .expect("the print is recorded");
        let t = Instant::now();
        let case = cases::decide(
            &mut store,
            &view,
            &desk,
            &prepared.case_id,
            &accept,
            at + 10_000,
        )
        .expect("the case is accepted");
        decide_times.push(t.elapsed());
        walk_in_times.push(started.elapsed());
        assert_eq!(case.state, CaseState::Accepted);
    }
    audit::verify_chain(store.conn()).expect("the audit chain holds");
    let mean = decide_times.iter().map(|t| ms(*t)).sum::<f64>() / cases_n as f64;
    let max = decide_times.iter().max().copied().unwrap_or_default();
    let walk_p99 = p99_ms(&mut walk_in_times);
    let p99 = p99_ms(&mut decide_times);
    println!(
        "intake_commit: {cases_n} walk-ins on the encrypted store (synchronous=FULL, WAL); \
         decide mean {mean:.2} ms, max {:.2} ms; whole walk-in (card read, save, number, \
         print record, decide) p99 {walk_p99:.2} ms",
        ms(max)
    );
    println!("bench: intake_commit_p99_ms {p99:.2} ms");
}

// ---------------------------------------------------------------------------------------------
// 3. History over a million cases.

fn ymd(unix_day: i64) -> (String, String) {
    let d = yichuang_core::infra::clock::date_from_unix(unix_day * 86_400);
    (
        format!("{:04}{:02}{:02}", d.year, d.month, d.day),
        format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
    )
}

struct Row {
    created_at: i64,
    window: u32,
    clerk: &'static str,
}

struct Sample {
    case_no: String,
    id_no: String,
    name: String,
    item_code: String,
}

fn history_search() {
    const MAIN: usize = 1_000_000;
    const OTHERS: usize = 100_000;
    const OTHER_CLERKS: [(&str, u32); 4] = [("c002", 1), ("c004", 2), ("c005", 4), ("c006", 5)];
    let view = CatalogView::new(
        catalog::load_dir(&catalog::bundled_dir()).expect("the bundled catalog loads"),
    );
    let items = &view.catalog.items;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("workstation.db");
    let key = StoreKey::random().expect("a random store key");
    let today_day = (NOW + CST_MS).div_euclid(DAY_MS);
    let today = intake::china_date(NOW);

    // Working days (Mon–Fri) of the last two years.
    let days: Vec<i64> = (today_day - 730..=today_day)
        .filter(|d| !matches!((d + 4).rem_euclid(7), 0 | 6))
        .collect();
    let mut rng = fastrand::Rng::with_seed(11);
    let mut samples: Vec<Sample> = Vec::new();
    let started = Instant::now();
    {
        let mut store = open_store(&path, &key);
        let conn = store.conn();
        // Bulk load: no journal, a big page cache, secondary indexes rebuilt afterwards with
        // the migration's SQL. The search below runs on a freshly opened store.
        conn.execute_batch(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-524288;",
        )
        .expect("bulk-load pragmas");
        let indexes: Vec<(String, String)> = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name = 'cases' AND sql IS NOT NULL",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()
            })
            .expect("the cases indexes");
        let tx = conn.transaction().expect("a transaction");
        for (name, _) in &indexes {
            tx.execute_batch(&format!("DROP INDEX {name}"))
                .expect("drop index");
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO cases (id, case_no, version, state, item_code, item_name,
                        department, clerk_id, applicant_name, applicant_id_no, created_at,
                        updated_at, decided_at, due_date, print_count, data)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                )
                .expect("insert statement");
            let mut counter: u64 = 0;
            let w = days.len();
            let mut day_rows: Vec<Row> = Vec::new();
            for (k, &day) in days.iter().enumerate() {
                let open = day * DAY_MS - CST_MS + 8 * 3600 * 1000 + 30 * 60 * 1000;
                let span = 9 * 3600 * 1000;
                let n_main = MAIN * (k + 1) / w - MAIN * k / w;
                let n_other = OTHERS * (k + 1) / w - OTHERS * k / w;
                day_rows.clear();
                for j in 0..n_main {
                    day_rows.push(Row {
                        created_at: open + span * j as i64 / n_main as i64,
                        window: 3,
                        clerk: "c001",
                    });
                }
                for _ in 0..n_other {
                    let (clerk, window) = OTHER_CLERKS[rng.usize(..OTHER_CLERKS.len())];
                    day_rows.push(Row {
                        created_at: open + rng.i64(0..span),
                        window,
                        clerk,
                    });
                }
                day_rows.sort_by_key(|r| r.created_at);
                let (compact, dashed) = ymd(day);
                let mut seq: HashMap<u32, u32> = HashMap::new();
                for r in &day_rows {
                    counter += 1;
                    let item = &items[(rng.f64().powi(3) * items.len() as f64) as usize];
                    let state = match rng.u32(..1000) {
                        0..=9 => CaseState::Draft,
                        10..=719 => CaseState::Accepted,
                        720..=799 => CaseState::Supplement,
                        800..=879 => CaseState::Rejected,
                        880..=979 => CaseState::Deferred,
                        _ => CaseState::Withdrawn,
                    };
                    let draft = state == CaseState::Draft;
                    let case_no = (!draft).then(|| {
                        let s = seq.entry(r.window).or_insert(0);
                        *s += 1;
                        format!("441500{compact}{:03}{:04}", r.window, s)
                    });
                    let name = person_name(&mut rng);
                    let id_no = id_number(&mut rng);
                    let decided_at = (!draft).then(|| r.created_at + rng.i64(60_000..900_000));
                    let due_date = match state {
                        CaseState::Draft | CaseState::Rejected | CaseState::Withdrawn => None,
                        CaseState::Supplement | CaseState::Deferred => Some(ymd(day + 7).1),
                        _ => Some(if item.promised_days == 0 {
                            dashed.clone()
                        } else {
                            ymd(day + item.promised_days as i64 * 7 / 5).1
                        }),
                    };
                    let ms = r.created_at;
                    let id = format!(
                        "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
                        ms >> 16,
                        ms & 0xffff,
                        counter & 0xfff,
                        (counter >> 12) & 0xfff,
                        counter
                    );
                    let data = format!(
                        r#"{{"id":"{id}","item_code":"{}","state":"{}","applicant":{{"name":"{name}","id_number":"{id_no}","id_source":"card"}},"synthetic":true}}"#,
                        item.code,
                        state.as_str()
                    );
                    insert
                        .execute(rusqlite::params![
                            id,
                            case_no,
                            if draft { 1 } else { 4 },
                            state.as_str(),
                            item.code,
                            item.name,
                            item.department,
                            r.clerk,
                            name,
                            id_no,
                            r.created_at,
                            decided_at.unwrap_or(r.created_at),
                            decided_at,
                            due_date,
                            i64::from(!draft),
                            data,
                        ])
                        .expect("insert a case");
                    if r.clerk == "c001" && !draft && rng.u32(..4000) == 0 {
                        samples.push(Sample {
                            case_no: case_no.clone().unwrap_or_default(),
                            id_no,
                            name,
                            item_code: item.code.clone(),
                        });
                    }
                }
            }
        }
        for (_, sql) in &indexes {
            tx.execute_batch(sql).expect("recreate index");
        }
        tx.commit().expect("commit the bulk load");
        conn.execute_batch("PRAGMA journal_mode=WAL;")
            .expect("back to WAL");
    }
    let generated = started.elapsed();
    let mut store = open_store(&path, &key);
    let (rows, mine): (i64, i64) = store
        .conn()
        .query_row(
            "SELECT count(*), sum(clerk_id = 'c001') FROM cases",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count the cases");
    let size_mb = std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "history_search: {rows} cases ({mine} of clerk c001, {} working days), generated \
         and indexed in {:.1} s, database {size_mb:.0} MB",
        days.len(),
        generated.as_secs_f64()
    );

    // The queries, by kind; 20 of each (varied where the kind has a parameter).
    let mut queries: Vec<(&str, HistoryQuery)> = Vec::new();
    let q = |text: &str| HistoryQuery {
        text: text.into(),
        ..HistoryQuery::default()
    };
    let pick = |rng: &mut fastrand::Rng| &samples[rng.usize(..samples.len())];
    for i in 0..25u32 {
        queries.push((
            "newest",
            HistoryQuery {
                offset: (i % 4) * 50,
                ..HistoryQuery::default()
            },
        ));
        queries.push(("surname", q(SURNAMES[i as usize % 10])));
        queries.push((
            "rare_surname",
            q(["欧阳", "司马", "诸葛", "姚"][i as usize % 4]),
        ));
        queries.push(("full_name", q(&pick(&mut rng).name)));
        queries.push(("case_no", q(&pick(&mut rng).case_no)));
        queries.push(("case_no_day", q(&pick(&mut rng).case_no[..14])));
        queries.push(("id_number", q(&pick(&mut rng).id_no)));
        let state = [
            CaseState::Accepted,
            CaseState::Supplement,
            CaseState::Rejected,
            CaseState::Deferred,
            CaseState::Withdrawn,
        ][i as usize % 5];
        queries.push((
            "state",
            HistoryQuery {
                state: Some(state),
                ..HistoryQuery::default()
            },
        ));
        queries.push((
            "item",
            HistoryQuery {
                item_code: Some(pick(&mut rng).item_code.clone()),
                ..HistoryQuery::default()
            },
        ));
        let from = days[rng.usize(..days.len() - 5)];
        queries.push((
            "date_range",
            HistoryQuery {
                from: Some(ymd(from).1),
                to: Some(ymd(from + 6).1),
                ..HistoryQuery::default()
            },
        ));
        queries.push((
            "name_and_dates",
            HistoryQuery {
                text: SURNAMES[i as usize % 10].into(),
                from: Some(ymd(from).1),
                to: Some(ymd(from + 30).1),
                ..HistoryQuery::default()
            },
        ));
    }
    rng.shuffle(&mut queries);
    let mut times = Vec::with_capacity(queries.len());
    let mut by_kind: HashMap<&str, Vec<Duration>> = HashMap::new();
    // Bounded run time: a kind that has used up 3 s is not run again (its figure is already
    // far over the target).
    let budget = Duration::from_secs(3);
    for (kind, hq) in &queries {
        if by_kind
            .get(kind)
            .is_some_and(|ts| ts.iter().sum::<Duration>() > budget)
        {
            continue;
        }
        let started = Instant::now();
        let page =
            history::search(&mut store, &view.calendar, "c001", hq, today).expect("history search");
        let t = started.elapsed();
        std::hint::black_box(page);
        times.push(t);
        by_kind.entry(kind).or_default().push(t);
    }
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, mut ts) in kinds {
        let max = ts.iter().max().copied().unwrap_or_default();
        println!(
            "history_search: {kind:<15} n={:<3} p99 {:>8.2} ms  max {:>8.2} ms",
            ts.len(),
            p99_ms(&mut ts),
            ms(max)
        );
    }
    let calls = times.len();
    let p99 = p99_ms(&mut times);
    println!(
        "history_search: {calls} searches of {} (a kind stops after 3 s)",
        queries.len()
    );
    println!("bench: history_search_p99_ms {p99:.2} ms");
}
