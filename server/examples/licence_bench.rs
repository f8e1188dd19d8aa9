//! The licence library's benchmark (issue 20), run by `make bench`:
//!
//! - `bench: licence_lookup_p99_ms`: a clerk looks up, with a signed card-read proof, the
//!   licences of one holder for an item's 10 licence types through the real HTTP API (signed
//!   request, clerk session, proof verified, access row written) on PostgreSQL, among
//!   1,000,000 licences; the holder has 50 (5 of each type). p99 over 500 lookups.
//!
//! The million filler rows are made once per database by one `INSERT … SELECT generate_series`
//! (the bench PostgreSQL cluster keeps them between runs; nothing is committed to the
//! repository): 200 types, about 300,000 holders, sealed columns under the bench's fixed grant
//! key. The holder's 50 licences are imported each run through `licence import` (50 PDF files
//! and their `licences.json`), so their identifiers, seals and keyed hashes are the server's own.
//!
//! `cargo run --release -p yichuang-server --example licence_bench -- --database-url postgres://…`

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Row;
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof};
use yichuang_pki::ident::{uscc_check_char, LicenceId, Uscc};
use yichuang_server::config::AdminCommand;
use yichuang_server::licence::admin::LicenceCommand;
use yichuang_server::{Server, ServerConfig};

#[path = "common/desk.rs"]
mod desk;
use desk::{arg, now_ms};

const ROWS: i64 = 1_000_000;
const TYPES: usize = 10;
const PER_TYPE: usize = 5;
const LOOKUPS: usize = 500;

fn uscc(seed: u64) -> Uscc {
    let body = format!("11{:06}{:09}", 330100 + seed % 900, seed % 1_000_000_000);
    let check = uscc_check_char(&body).expect("digits");
    Uscc::parse(&format!("{body}{check}")).expect("valid")
}

/// The item's licence types: one defining department, numbers 001..=010.
fn types() -> Vec<String> {
    let dept = uscc(1);
    (1..=TYPES).map(|n| format!("{dept}{n:03}")).collect()
}

/// Makes the million filler rows once.
async fn fill(state: &yichuang_server::AppState) {
    let pool = &state.db.pool;
    let have: i64 = sqlx::query("SELECT count(*) FROM licences WHERE identifier LIKE 'FILLER-%'")
        .fetch_one(pool)
        .await
        .unwrap()
        .get(0);
    if have >= ROWS {
        eprintln!("licence bench: {have} filler licences already in the database");
        return;
    }
    let t = Instant::now();
    sqlx::query("DELETE FROM licences WHERE identifier LIKE 'FILLER-%'")
        .execute(pool)
        .await
        .unwrap();
    let sealed = state.auth.case_index.seal("filler");
    let dept = uscc(2).to_string();
    let sql = format!(
        "INSERT INTO licences (identifier, type_code, type_name, holder_kind, holder_index, \
           holder_sealed, holder_name_sealed, issuer_code, issuer_name, issued_on, valid_until, \
           file_sha256, file_size, file_format, signature, signature_check, imported_at) \
         SELECT 'FILLER-' || i, '{dept}' || lpad((i % 200)::text, 3, '0'), '证照', 'person', \
           md5('h' || (i % 300000)) || md5('hh' || (i % 300000)), '{sealed}', '{sealed}', \
           '{dept}', '某局', '2020-01-01', '2030-01-01', md5('f' || i) || md5('ff' || i), 1000, \
           'pdf', NULL, 'unchecked', 1700000000000 \
         FROM generate_series(1, {ROWS}) AS i"
    );
    sqlx::query(&sql).execute(pool).await.unwrap();
    sqlx::query("ANALYZE licences").execute(pool).await.unwrap();
    eprintln!(
        "licence bench: {ROWS} filler licences made in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The holder's 50 licences, imported the way IT imports them.
async fn import(config: &ServerConfig, holder: &str) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = uscc(3);
    let mut meta = Vec::new();
    for (t, type_code) in types().iter().enumerate() {
        for k in 0..PER_TYPE {
            let serial = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
            let id = LicenceId::new(type_code, &issuer, &serial, 1).unwrap();
            let name = format!("{t}-{k}.pdf");
            std::fs::write(dir.path().join(&name), format!("%PDF-1.7\n{id}\n")).unwrap();
            meta.push(json!({
                "identifier": id.to_string(), "type_name": format!("证照{t}"),
                "holder_kind": "person", "holder": holder, "holder_name": "测试",
                "issuer_name": "某市某局", "issued_on": "2021-03-01",
                "valid_until": if k == 0 { Some("2022-03-01") } else { None }, "file": name,
            }));
        }
    }
    std::fs::write(
        dir.path().join("licences.json"),
        serde_json::to_vec(&meta).unwrap(),
    )
    .unwrap();
    let cmd = AdminCommand::Licence(LicenceCommand::Import {
        dir: dir.path().to_owned(),
        issuer_ca: vec![],
    });
    yichuang_server::admin::run(config, &cmd)
        .await
        .expect("licences imported");
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let url = arg("--database-url")
        .or_else(|| std::env::var("YICHUANG_BENCH_PG_URL").ok())
        .expect("--database-url postgres://… (make bench starts scripts/pg-test.sh)");
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), tmp.path());
    config.database_url = Some(url);
    // The same grant key every run: the filler rows' seals stay valid.
    config.auth.grant_key_file =
        Some(std::env::temp_dir().join("yichuang-licence-bench-grant.key"));
    config.auth.rate_limits.enroll_per_address.max = 100_000;
    let server = Server::bind(config.clone()).await.expect("server binds");
    let base = server.url();
    let state = server.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    fill(&state).await;
    let holder = format!("B{}", &uuid::Uuid::new_v4().simple().to_string()[..17]).to_uppercase();
    import(&config, &holder).await;
    let window = 1 + (now_ms() % 9000) as u32;
    let desk = desk::enroll(&state, &base, "LICBENCH", window, &http, &["accept"]).await;

    let mut entry = AuditEntryProof {
        id: uuid::Uuid::now_v7().to_string(),
        at: now_ms(),
        actor: Some(desk.clerk.clone()),
        action: "card.read".into(),
        subject: Some(holder.clone()),
        detail: json!({"card_kind": "resident", "expired": false, "source": "id_card_reader"}),
        prev_hash: "0".repeat(64),
        hash: String::new(),
    };
    entry.hash = entry.computed_hash();
    let proof = CardReadProof::sign(entry, &desk.id, &desk.key);
    let body = serde_json::to_vec(&json!({
        "item": "BENCH-ITEM", "purpose": "受理", "holder_kind": "person", "holder": holder,
        "types": types(), "proof": proof,
    }))
    .unwrap();

    let mut lat = Vec::with_capacity(LOOKUPS);
    let started = Instant::now();
    for _ in 0..LOOKUPS {
        let t0 = Instant::now();
        let (status, answer) = desk.send("POST", "/api/v1/licences/lookup", &body).await;
        lat.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{answer}");
        let found: usize = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["licences"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(found, TYPES * PER_TYPE, "{answer}");
    }
    lat.sort_by(f64::total_cmp);
    eprintln!(
        "licence bench: {LOOKUPS} lookups of {} licences among {} in {:.1} s; p50 {:.1} ms, max {:.1} ms",
        TYPES * PER_TYPE,
        ROWS,
        started.elapsed().as_secs_f64(),
        percentile(&lat, 0.5),
        lat[lat.len() - 1]
    );
    println!(
        "bench: licence_lookup_p99_ms {:.1} ms",
        percentile(&lat, 0.99)
    );
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}
