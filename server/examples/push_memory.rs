//! Memory cost of large pushes (issue 15 item 5): the server's peak resident set growth for
//! one 16 MiB push, then for four at once, on SQLite in a temporary directory.
//!
//!   cargo run --release -p yichuang-server --example push_memory
//!
//! Prints `bench: push_16mib_peak_rss_growth_mib <n> MiB` and the same for four concurrent
//! pushes. Linux only (reads /proc/self/status, resets the peak through /proc/self/clear_refs).
//! The client runs in the same process with the bodies built beforehand and shared, so what
//! grows is the server's handling.

use std::time::Duration;

use yichuang_server::{Server, ServerConfig};

const TARGET_BYTES: usize = 16_000_000;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("status field")
}

fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
}

/// A batch of case-like records (many small fields, as a filled form is) of about 16 MB.
fn body(workstation: &str) -> Vec<u8> {
    let mut records = Vec::new();
    let mut size = 0;
    let mut n = 0;
    while size < TARGET_BYTES - 40_000 && records.len() < 1000 {
        let fields: Vec<serde_json::Value> = (0..200)
            .map(|i| serde_json::json!({"k": format!("field_{i}"), "v": format!("value {n}-{i}"), "ok": true}))
            .collect();
        let rec = serde_json::json!({
            "id": uuid::Uuid::now_v7().to_string(),
            "kind": "memo",
            "version": 1,
            "payload": {"fields": fields, "note": "x".repeat(7300)},
        });
        size += rec.to_string().len() + 1;
        records.push(rec);
        n += 1;
    }
    serde_json::to_vec(&serde_json::json!({"workstation": workstation, "records": records}))
        .unwrap()
}

#[tokio::main]
async fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::bind(ServerConfig::sqlite(
        "127.0.0.1:0".parse().unwrap(),
        tmp.path(),
    ))
    .await
    .expect("server binds");
    let url = format!("http://{}/api/v1/sync/push", server.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(300))
        .build()
        .unwrap();
    let bodies: Vec<axum::body::Bytes> = (0..5)
        .map(|i| axum::body::Bytes::from(body(&format!("441500-{i}"))))
        .collect();
    let mib = |kib: u64| kib as f64 / 1024.0;
    eprintln!("push body: {:.1} MiB", bodies[0].len() as f64 / 1048576.0);
    let send = |b: axum::body::Bytes| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let r = client
                .post(url)
                .header("content-type", "application/json")
                .body(b)
                .send()
                .await
                .expect("push sent");
            assert!(r.status().is_success(), "push answered {}", r.status());
            r.bytes().await.unwrap();
        }
    };
    // Warm-up (pool, allocator arenas), then one push, then four at once.
    send(bodies[4].clone()).await;
    let base = status_kib("VmRSS:");
    reset_peak();
    send(bodies[0].clone()).await;
    let one = status_kib("VmHWM:").saturating_sub(base);
    let base4 = status_kib("VmRSS:");
    reset_peak();
    let four: Vec<_> = bodies[..4]
        .iter()
        .map(|b| tokio::spawn(send(b.clone())))
        .collect();
    for t in four {
        t.await.unwrap();
    }
    let four = status_kib("VmHWM:").saturating_sub(base4);
    println!("bench: push_16mib_peak_rss_growth_mib {:.0} MiB", mib(one));
    println!(
        "bench: push_16mib_x4_peak_rss_growth_mib {:.0} MiB",
        mib(four)
    );
    let _ = stop.send(());
    let _ = task.await;
}
