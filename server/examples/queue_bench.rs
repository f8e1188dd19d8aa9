//! The hall queue's benchmarks (issue 17), run by `make bench`:
//!
//! - `bench: queue_calls_per_s`: one hall on PostgreSQL, `--desks` (100) desks calling next
//!   and finishing at once through the real HTTP API (signed, with clerk sessions) for
//!   `--secs` (10) seconds; calls per second over the run (target ≥ 200).
//! - `bench: queue_call_to_screen_p99_ms`: a desk's call-next sent → the call screen in headless
//!   Chromium shows it (the page's own timestamp), 60 calls; needs chromedriver.
//!
//! `cargo run --release -p yichuang-server --example queue_bench -- --database-url postgres://…`

#[path = "../tests/common/chromium.rs"]
mod chromium;
#[path = "common/desk.rs"]
mod desk;
use desk::{arg, now_ms};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yichuang_server::{Server, ServerConfig};

/// `n` waiting tickets of group A, inserted in one transaction (the bench measures calls).
async fn backlog(state: &yichuang_server::AppState, hall: &str, n: i64) {
    let day = yichuang_server::queue::hall_day(now_ms());
    let mut tx = state.db.pool.begin().await.unwrap();
    let now = now_ms();
    for i in 1..=n {
        sqlx::query(
            "INSERT INTO queue_tickets (id, hall_code, day, number, seq, group_code, priority, status, issued_at, cases) \
             VALUES ($1, $2, $3, $4, $5, 'A', 'normal', 'waiting', $6, '[]')",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(hall)
        .bind(day)
        .bind(format!("A{i:05}"))
        .bind(i)
        .bind(now + i)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO queue_counters (hall_code, day, prefix, last_no) VALUES ($1, $2, 'A', $3)",
    )
    .bind(hall)
    .bind(day)
    .bind(n)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO queue_waiting (hall_code, day, group_code, n) VALUES ($1, $2, 'A', $3)",
    )
    .bind(hall)
    .bind(day)
    .bind(n)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let url = arg("--database-url")
        .or_else(|| std::env::var("YICHUANG_BENCH_PG_URL").ok())
        .expect("--database-url postgres://… (make bench starts scripts/pg-test.sh)");
    let desks_n: u32 = arg("--desks").and_then(|s| s.parse().ok()).unwrap_or(100);
    let secs: u64 = arg("--secs").and_then(|s| s.parse().ok()).unwrap_or(10);
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), tmp.path());
    config.database_url = Some(url);
    config.auth.rate_limits.enroll_per_address.max = 100_000;
    // The bench's own load is the point: let every desk's request in.
    config.limits.max_concurrent_requests = config.limits.max_concurrent_requests.max(1024);
    let server = Server::bind(config).await.expect("server binds");
    let base = server.url();
    let state = server.state().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let hall = uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase();
    yichuang_server::queue::admin::add_group(&state.db, &hall, "A", "A", "bench")
        .await
        .unwrap();
    let mut desks = Vec::new();
    for w in 1..=desks_n {
        yichuang_server::queue::admin::set_window(&state.db, &hall, w, &["A".to_owned()])
            .await
            .unwrap();
        desks.push(Arc::new(
            desk::enroll(&state, &base, &hall, w, &http, &["intake"]).await,
        ));
    }
    let backlog_n = (secs as i64 * 1_500).max(2_000);
    backlog(&state, &hall, backlog_n).await;

    let calls = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for d in &desks {
        let d = d.clone();
        let calls = calls.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let (status, r) = d.verb("call-next").await;
                if status != 200 {
                    assert_eq!(status, 404, "call-next: {r}");
                    break;
                }
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                calls.fetch_add(1, Ordering::Relaxed);
                let (status, r) = d.verb("finish").await;
                assert_eq!(status, 200, "finish: {r}");
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let n = calls.load(Ordering::Relaxed);
    eprintln!(
        "queue bench: {n} calls (each followed by a finish) by {desks_n} desks in {elapsed:.1} s; call-next p50 {:.1} ms, p99 {:.1} ms",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    println!("bench: queue_calls_per_s {:.0} calls/s", n as f64 / elapsed);

    // Call → screen, in headless Chromium.
    if which("chromedriver") {
        let (_, code, _) = yichuang_server::queue::admin::issue_device_code(
            &state.db,
            &hall,
            yichuang_server::queue::devices::DeviceKind::Screen,
            1,
            now_ms(),
        )
        .await
        .unwrap();
        let browser = chromium::Browser::start().await;
        browser.pair(&base, &code, "/hall/screen").await;
        browser
            .wait_for(
                "return document.body.dataset.connected === '1'",
                Duration::from_secs(10),
            )
            .await
            .expect("screen connected");
        let d = &desks[0];
        let mut samples = Vec::new();
        for _ in 0..60 {
            let sent = now_ms();
            let (status, r) = d.verb("call-next").await;
            assert_eq!(status, 200, "{r}");
            let key = format!(
                "{}@{}",
                r["ticket"]["number"].as_str().unwrap(),
                r["window"]
            );
            let shown = browser
                .wait_for(
                    &format!(
                        "return window.__shown[{}] || 0",
                        serde_json::to_string(&key).unwrap()
                    ),
                    Duration::from_secs(5),
                )
                .await
                .expect("the screen shows the call");
            samples.push((shown.as_i64().unwrap() - sent) as f64);
            d.verb("finish").await;
        }
        samples.sort_by(f64::total_cmp);
        eprintln!(
            "call → screen: p50 {:.0} ms, max {:.0} ms over {} calls",
            percentile(&samples, 0.5),
            samples[samples.len() - 1],
            samples.len()
        );
        println!(
            "bench: queue_call_to_screen_p99_ms {:.0} ms",
            percentile(&samples, 0.99)
        );
    } else {
        eprintln!("queue bench: chromedriver missing (scripts/setup.sh installs it): queue_call_to_screen_p99_ms not measured");
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}

fn which(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}
