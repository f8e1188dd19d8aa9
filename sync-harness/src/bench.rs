//! Sync benchmarks: the backlog drain of one workstation, and the server's ingest rate and
//! latency under many concurrent workstations. Each prints `bench: <name> <value> <unit>`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use yichuang_core::infra::blobs::{self, BlobStore};
use yichuang_core::infra::credential::WorkstationCredential;
use yichuang_core::infra::http::BackendTls;
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;
use yichuang_core::infra::sync::{outbox, SyncConfig, SyncEngine};
use yichuang_server::{Server, ServerConfig};

use crate::tls::HarnessTls;

/// Result of a load run.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub workstations: usize,
    pub batch: usize,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl LoadReport {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn print(&self) {
        println!(
            "ingest: {} workstations, {} records per push, {} pushes in {:.1} s ({:.0} pushes/s), {} errors, p50 {:.1} ms",
            self.workstations,
            self.batch,
            self.requests,
            self.seconds,
            self.rps(),
            self.errors,
            self.p50_ms
        );
        // The figure is records ingested (acknowledged) per second; p99 is per push request.
        println!(
            "bench: server_ingest_rps {:.0} records/s",
            self.rps() * self.batch as f64
        );
        println!("bench: server_ingest_p99_ms {:.1} ms", self.p99_ms);
    }
}

fn payload(rng: &mut fastrand::Rng) -> serde_json::Value {
    serde_json::json!({
        "case_no": format!("440100-{:08}", rng.u32(..)),
        "item": "户籍证明",
        "applicant": { "name": "测试申请人", "id_number": "110105194912310021", "phone": "13800000000" },
        "materials": [{ "name": "居民身份证", "sha256": format!("{:064x}", rng.u128(..)) }],
        "fields": { "reason": "办理入学手续需要开具户籍证明", "copies": 1 },
    })
}

/// One task per enrolled workstation of `creds`, each pushing `batch` fresh records per signed
/// request until `duration` ends.
pub async fn loadgen(
    url: url::Url,
    creds: Vec<WorkstationCredential>,
    batch: usize,
    duration: Duration,
    tls: &BackendTls,
) -> LoadReport {
    let workstations = creds.len();
    let client = yichuang_core::infra::http::async_client(
        tls,
        reqwest::Client::builder()
            .pool_max_idle_per_host(workstations)
            .timeout(Duration::from_secs(30)),
    )
    .expect("http client");
    let push = url.join("api/v1/sync/push").expect("push url");
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for (w, cred) in creds.into_iter().enumerate() {
        let client = client.clone();
        let push = push.clone();
        let base = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(w as u64 + 1);
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let records: Vec<_> = (0..batch)
                    .map(|_| {
                        serde_json::json!({
                            "id": uuid::Uuid::now_v7().to_string(),
                            "kind": "memo",
                            "version": 1,
                            "payload": payload(&mut rng),
                        })
                    })
                    .collect();
                let body = serde_json::json!({ "records": records }).to_string();
                let t = Instant::now();
                let mut req = client
                    .post(push.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json");
                for (name, value) in cred
                    .sign("POST", &base, &push, Some(body.as_bytes()))
                    .headers()
                {
                    req = req.header(name, value);
                }
                let ok = match req.body(body).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if ok {
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                } else {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return f64::NAN;
        }
        all[((all.len() as f64 - 1.0) * p).round() as usize]
    };
    LoadReport {
        workstations,
        batch,
        requests: all.len() as u64,
        errors,
        seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

/// A server on `database_url` in this process, loaded by [`loadgen`].
pub async fn ingest_bench(
    database_url: &str,
    workstations: usize,
    batch: usize,
    duration: Duration,
    tls: bool,
) -> Result<LoadReport, String> {
    let tmp = tempdir()?;
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().expect("addr"), tmp.clone());
    config.database_url = Some(database_url.to_owned());
    // All senders enroll from one address at once; a hall's IT enrolls a handful a minute.
    config.auth.rate_limits.enroll_per_address =
        yichuang_server::workstation::ratelimit::Limit::per_minute(10_000);
    let tls = match tls {
        true => Some(HarnessTls::in_dir(&tmp.join("tls"))?),
        false => None,
    };
    if let Some(tls) = &tls {
        tls.apply(&mut config);
    }
    let client_tls = tls.map(|t| t.client()).unwrap_or_default();
    let server = Server::bind(config)
        .await
        .map_err(|e| format!("{}: {}", e.message(), e.detail()))?;
    let url = url::Url::parse(&format!("{}/", server.url())).map_err(|e| e.to_string())?;
    let db = server.state().db.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stop_rx.await;
    }));
    // Every sender is an enrolled workstation signing each push.
    let hall = crate::enroll::random_hall();
    let mut creds = Vec::with_capacity(workstations);
    for w in 0..workstations {
        creds.push(crate::enroll::enroll(&db, &url, &hall, w as u32 + 1, &client_tls).await?);
    }
    // Warm-up: connections and prepared statements.
    let warm = Duration::from_millis(500);
    let _ = loadgen(url.clone(), creds.clone(), batch, warm, &client_tls).await;
    let report = loadgen(url, creds, batch, duration, &client_tls).await;
    let _ = stop_tx.send(());
    let _ = task.await;
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(report)
}

fn tempdir() -> Result<PathBuf, String> {
    let dir =
        std::env::temp_dir().join(format!("yichuang-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Starts a SQLite server on its own thread; returns its address and a stopper.
pub fn background_server(data_dir: PathBuf) -> Result<(SocketAddr, impl FnOnce()), String> {
    background_server_with(ServerConfig::sqlite(
        "127.0.0.1:0".parse().expect("addr"),
        data_dir,
    ))
}

/// Starts a server with `config` on its own thread (blocking callers may use it).
pub fn background_server_with(config: ServerConfig) -> Result<(SocketAddr, impl FnOnce()), String> {
    background_server_url(config).map(|(url, stop)| (url.1, stop))
}

/// [`background_server_with`], also returning the base URL (`https://…` when `config.tls`).
#[allow(clippy::type_complexity)]
pub fn background_server_url(
    config: ServerConfig,
) -> Result<((String, SocketAddr), impl FnOnce()), String> {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            match Server::bind(config).await {
                Ok(server) => {
                    let _ = addr_tx.send(Ok((server.url(), server.local_addr())));
                    let _ = server
                        .run(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                }
                Err(e) => {
                    let _ = addr_tx.send(Err(format!("{}: {}", e.message(), e.detail())));
                }
            }
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())??;
    Ok((addr, move || {
        let _ = stop_tx.send(());
        let _ = handle.join();
    }))
}

/// `intakes` case records and `material_mb` MiB of material files (4 MiB each) queued on a
/// workstation, then drained to a loopback server; prints `bench: backlog_drain_s`.
pub fn drain_bench(
    intakes: usize,
    material_mb: usize,
    dir: Option<PathBuf>,
    tls: bool,
) -> Result<(), String> {
    let root = match dir {
        Some(d) => d,
        None => tempdir()?,
    };
    let s = |e: &dyn std::fmt::Display| e.to_string();
    let key = StoreKey::random().map_err(|e| s(&e))?;
    let db = root.join("ws/workstation.db");
    let mut store = Store::open_encrypted(&db, &key).map_err(|e| s(&e))?;
    let blob_store = BlobStore::open(&root.join("ws/blobs"), &key).map_err(|e| s(&e))?;
    let mut rng = fastrand::Rng::with_seed(42);
    let t = Instant::now();
    let now = yichuang_core::domain::audit::now_ms();
    for chunk in 0..intakes.div_ceil(500) {
        store
            .transact(|tx| {
                for i in chunk * 500..((chunk + 1) * 500).min(intakes) {
                    let id = uuid::Uuid::now_v7().to_string();
                    outbox::enqueue_record(tx, "memo", &id, 1, &payload(&mut rng), now + i as i64)?;
                }
                Ok(())
            })
            .map_err(|e| s(&e))?;
    }
    let file = 4 * 1024 * 1024;
    let files = (material_mb * 1024 * 1024).div_ceil(file);
    let mut bytes = vec![0u8; file];
    let mut total = 0u64;
    for _ in 0..files {
        rng.fill(&mut bytes);
        let r = blob_store.put(&bytes).map_err(|e| s(&e))?;
        total += r.size;
        store
            .transact(|tx| blobs::enqueue(tx, &r, now))
            .map_err(|e| s(&e))?;
    }
    println!(
        "drain: backlog of {intakes} records and {files} files ({} MiB) built in {:.1} s",
        total / (1024 * 1024),
        t.elapsed().as_secs_f64()
    );
    let mut config =
        ServerConfig::sqlite("127.0.0.1:0".parse().expect("addr"), root.join("server"));
    let tls = match tls {
        true => Some(HarnessTls::in_dir(&root.join("tls"))?),
        false => None,
    };
    if let Some(tls) = &tls {
        tls.apply(&mut config);
    }
    let client_tls = tls.map(|t| t.client()).unwrap_or_default();
    let ((url, _), stop) = background_server_url(config.clone())?;
    let base = url::Url::parse(&url).map_err(|e| s(&e))?;
    let cred = crate::enroll::Admin::open(&config, base.clone())?
        .with_tls(client_tls.clone())
        .enroll(&crate::enroll::random_hall(), 1)?;
    let mut cfg = SyncConfig::new(base, cred);
    cfg.tls = client_tls;
    cfg.batch_size = 500;
    cfg.chunk_size = 4 * 1024 * 1024;
    let mut engine = SyncEngine::new(store, Some(blob_store), cfg)
        .map_err(|e| s(&e))?
        .without_pull();
    let t = Instant::now();
    let mut report = yichuang_core::infra::sync::CycleReport::default();
    loop {
        let r = engine.run_once().map_err(|e| s(&e))?;
        report.pushed += r.pushed;
        report.blobs_uploaded += r.blobs_uploaded;
        report.blob_bytes_sent += r.blob_bytes_sent;
        let st = engine.status(None).map_err(|e| s(&e))?;
        if st.all_synced {
            break;
        }
        if t.elapsed() > Duration::from_secs(900) {
            return Err(format!("not drained after 900 s: {st:?}"));
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "drain: {} records and {} files ({} MiB) acknowledged in {secs:.1} s",
        report.pushed,
        report.blobs_uploaded,
        report.blob_bytes_sent / (1024 * 1024)
    );
    println!("bench: backlog_drain_s {secs:.1} s");
    stop();
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}
