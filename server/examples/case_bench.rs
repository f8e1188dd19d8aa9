//! The case record's benchmark (issue 18), run by `make bench`:
//!
//! - `bench: server_case_query_p99_ms`: a clerk finds a case by number, ID number or name
//!   through the real HTTP API (signed request, clerk session) among 1,000,000 cases of one
//!   hall on PostgreSQL; p99 over 600 searches (200 of each kind).
//!
//! The million rows are made once per database by one `INSERT … SELECT generate_series` with
//! hash-like index values (the bench PostgreSQL cluster keeps them between runs); a thousand
//! real cases are pushed through `/sync/push` on top, and the searches look for those, so
//! their index values are the server's own keyed hashes. 30 % of the filler rows share 100
//! common names (about 3,000 rows each), as 张伟 or 王芳 do in a city.
//!
//! `cargo run --release -p yichuang-server --example case_bench -- --database-url postgres://…`

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Row;
use yichuang_server::{Server, ServerConfig};

#[path = "common/desk.rs"]
mod desk;
use desk::{arg, now_ms};

const HALL: &str = "BENCH1M";
const ROWS: i64 = 1_000_000;
const COMMON: usize = 100;

/// The common names, as the server indexes them.
fn common_names() -> Vec<String> {
    let (family, given) = ("王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋");
    family
        .chars()
        .flat_map(|f| given.chars().map(move |g| format!("{f}{g}")))
        .take(COMMON)
        .collect()
}

/// Makes the million filler rows once.
async fn fill(state: &yichuang_server::AppState) {
    let have: i64 =
        sqlx::query("SELECT count(*) FROM cases WHERE hall_code = $1 AND workstation = 'filler'")
            .bind(HALL)
            .fetch_one(&state.db.pool)
            .await
            .unwrap()
            .get(0);
    if have >= ROWS {
        eprintln!("case bench: {have} filler cases already in the database");
        return;
    }
    let t = Instant::now();
    sqlx::query("DELETE FROM cases WHERE hall_code = $1 AND workstation = 'filler'")
        .bind(HALL)
        .execute(&state.db.pool)
        .await
        .unwrap();
    let key = &state.auth.case_index;
    let names: Vec<String> = common_names().iter().map(|n| key.name(n)).collect();
    let array = names
        .iter()
        .map(|h| format!("'{h}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "INSERT INTO cases (id, case_no, hall_code, workstation, window_no, department, item_code, \
           item_name, state, progress, clerk_id, applicant_masked, applicant_id_index, \
           applicant_name_index, created_at, decided_at, due_date, version, updated_at) \
         SELECT 'filler-' || i, 'F' || lpad(i::text, 12, '0'), '{HALL}', 'filler', 1 + i % 40, 'Dept', \
           'ITEM-' || (i % 500), 'Item', 'accepted', 'received', 'C001', '*', \
           md5('id' || (i % 700000)) || md5('di' || (i % 700000)), \
           CASE WHEN i % 10 < 3 THEN (ARRAY[{array}])[1 + (i / 10) % {COMMON}] \
                ELSE md5('n' || (i % 300000)) || md5('nn' || (i % 300000)) END, \
           1700000000000 + i * 1000, 1700000000000 + i * 1000, NULL, 1, 1700000000000 \
         FROM generate_series(1, {ROWS}) AS i"
    );
    sqlx::query(&sql).execute(&state.db.pool).await.unwrap();
    sqlx::query("ANALYZE cases")
        .execute(&state.db.pool)
        .await
        .unwrap();
    eprintln!(
        "case bench: {ROWS} filler cases made in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let url = arg("--database-url")
        .or_else(|| std::env::var("YICHUANG_BENCH_PG_URL").ok())
        .expect("--database-url postgres://… (make bench starts scripts/pg-test.sh)");
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), tmp.path());
    config.database_url = Some(url);
    // The same grant key every run: the filler rows' common-name hashes stay valid.
    config.auth.grant_key_file = Some(std::env::temp_dir().join("yichuang-case-bench-grant.key"));
    config.auth.rate_limits.enroll_per_address.max = 100_000;
    let server = Server::bind(config).await.expect("server binds");
    let base = server.url();
    let state = server.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    fill(&state).await;
    let window = 1 + (now_ms() % 9000) as u32;
    let desk = desk::enroll(&state, &base, HALL, window, &http, &["query", "all_items"]).await;

    // A thousand real cases pushed on top: the ones the searches look for.
    let names = common_names();
    let run = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let mut probes = Vec::new();
    for batch in 0..10 {
        let mut records = Vec::new();
        for j in 0..100 {
            let n = batch * 100 + j;
            let id = uuid::Uuid::now_v7().to_string();
            let no = format!("P{run}{n:05}");
            let id_number = format!("4415021990{:08}", n);
            let name = if n % 3 == 0 {
                names[n % COMMON].clone()
            } else {
                format!("测{run}{n}")
            };
            records.push(json!({ "id": id, "kind": "case", "version": 1, "payload": {
                "id": id, "case_no": no, "state": "accepted", "item_code": "GA-HJ-0301",
                "item_name": "户籍证明", "department": "汕尾市公安局", "clerk_id": "C001",
                "created_at": now_ms(), "decided_at": now_ms(), "due_date": null,
                "draft": { "applicant": { "name": name, "id_number": id_number },
                           "agent": null, "pickup": null, "materials": [] } } }));
            probes.push((no, id_number, name));
        }
        let body = serde_json::to_vec(&json!({ "records": records })).unwrap();
        let (status, acks) = desk.send("POST", "/api/v1/sync/push", &body).await;
        assert_eq!(status, 200, "{acks}");
        assert!(
            acks["acks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["outcome"] == "accepted"),
            "{acks}"
        );
    }

    let mut lat = Vec::new();
    let started = Instant::now();
    for (i, (no, id_number, name)) in probes.iter().enumerate().take(200) {
        for q in [
            format!("case_no={no}"),
            format!("id_number={id_number}"),
            format!("name={}", enc(name)),
        ] {
            let t0 = Instant::now();
            let (status, found) = desk.send("GET", &format!("/api/v1/cases?{q}"), b"").await;
            lat.push(t0.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, 200, "{found}");
            let hit = found
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["case_no"] == no.as_str());
            // A common name answers its newest 50: an older probe may be past them.
            assert!(
                hit || (i % 3 == 0 && q.starts_with("name=")),
                "{q}: {found}"
            );
        }
    }
    lat.sort_by(f64::total_cmp);
    eprintln!(
        "case bench: {} searches among {} cases in {:.1} s; p50 {:.1} ms, max {:.1} ms",
        lat.len(),
        ROWS + probes.len() as i64,
        started.elapsed().as_secs_f64(),
        percentile(&lat, 0.5),
        lat[lat.len() - 1]
    );
    println!(
        "bench: server_case_query_p99_ms {:.1} ms",
        percentile(&lat, 0.99)
    );
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}
