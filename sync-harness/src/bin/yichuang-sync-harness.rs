//! `yichuang-sync-harness`: the processes of the sync fault suite and benchmarks.
//!
//! - `server`: the central server (in this process, so `kill -9` of it is a server crash);
//! - `work`: a workstation process that owns the encrypted store, commits synthetic intakes and
//!   runs the real sync loop — the process the suite kills at random points;
//! - `loadgen`: concurrent workstations pushing to a server (`bench: server_ingest_*`);
//! - `drain-bench`: a backlog of intakes and material files drained to a loopback server
//!   (`bench: backlog_drain_s`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use yichuang_core::infra::blobs::BlobStore;
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;
use yichuang_core::infra::sync::{SyncConfig, SyncEngine, SyncService};
use yichuang_server::{Server, ServerConfig};
use yichuang_sync_harness::{bench, workload};

#[derive(Parser)]
#[command(name = "yichuang-sync-harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server until SIGTERM; prints `yichuang-server listening on <url>`.
    Server {
        #[arg(long)]
        data_dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        #[arg(long)]
        database_url: Option<String>,
        /// Serve HTTPS with the harness PKI in this directory (made on first use).
        #[arg(long)]
        tls_dir: Option<PathBuf>,
    },
    /// A workstation: intakes and the sync loop.
    Work(WorkArgs),
    /// Concurrent workstations pushing small batches to `--url` for `--seconds`; each is
    /// enrolled first with a code issued on the server's database (`--database-url`, or the
    /// SQLite database in `--data-dir`).
    Loadgen {
        #[arg(long)]
        url: url::Url,
        #[arg(long)]
        database_url: Option<String>,
        #[arg(long, default_value = ".")]
        data_dir: PathBuf,
        #[arg(long, default_value_t = 32)]
        workstations: usize,
        #[arg(long, default_value_t = 10)]
        batch: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Trust only this hall CA (PEM).
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
    /// 10k intakes + 1 GB of materials drained to a loopback server.
    DrainBench {
        #[arg(long, default_value_t = 10_000)]
        intakes: usize,
        #[arg(long, default_value_t = 1024)]
        material_mb: usize,
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Over HTTPS with a hall CA made for the run.
        #[arg(long)]
        tls: bool,
    },
    /// Runs the PostgreSQL ingest benchmark: a server on `--database-url` plus `loadgen`.
    IngestBench {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 32)]
        workstations: usize,
        #[arg(long, default_value_t = 10)]
        batch: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Over HTTPS with a hall CA made for the run.
        #[arg(long)]
        tls: bool,
    },
}

#[derive(clap::Args)]
struct WorkArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long)]
    blob_dir: PathBuf,
    #[arg(long)]
    key_hex: String,
    /// Server base URL; without it no sync runs.
    #[arg(long)]
    server: Option<url::Url>,
    /// The enrolled workstation id (with `--ws-key-hex`, its key's seed).
    #[arg(long, default_value = "ws-fault-1")]
    workstation: String,
    #[arg(long, default_value = "")]
    ws_key_hex: String,
    /// Trust only this hall CA (PEM) for the server.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    intakes: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Exit 0 once the intakes are done and everything is synced.
    #[arg(long)]
    until_drained: bool,
    /// One intake in N carries a material file.
    #[arg(long, default_value_t = 4)]
    blob_every: u32,
    #[arg(long, default_value_t = 300_000)]
    blob_max_bytes: usize,
    #[arg(long, default_value_t = 2)]
    intake_pause_ms: u64,
    /// Give up after this many seconds (exit 3).
    #[arg(long, default_value_t = 600)]
    timeout_s: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Server {
            data_dir,
            listen,
            database_url,
            tls_dir,
        } => run_server(data_dir, listen, database_url, tls_dir),
        Command::Work(args) => work(args),
        Command::Loadgen {
            url,
            database_url,
            data_dir,
            workstations,
            batch,
            seconds,
            ca_file,
        } => {
            let rt = runtime();
            let tls = yichuang_core::infra::http::BackendTls {
                ca_file,
                pin_sha256: None,
            };
            let mut config = yichuang_server::ServerConfig::sqlite(
                "127.0.0.1:0".parse().expect("addr"),
                data_dir,
            );
            config.database_url = database_url;
            let creds = rt.block_on(async {
                let db = yichuang_server::Database::open(&config)
                    .await
                    .map_err(|e| format!("{}: {}", e.message(), e.detail()))?;
                let hall = yichuang_sync_harness::enroll::random_hall();
                let mut creds = Vec::new();
                for w in 0..workstations {
                    match yichuang_sync_harness::enroll::enroll(
                        &db,
                        &url,
                        &hall,
                        w as u32 + 1,
                        &tls,
                    )
                    .await
                    {
                        Ok(c) => creds.push(c),
                        Err(e) => {
                            db.close().await;
                            return Err(e);
                        }
                    }
                }
                db.close().await;
                Ok::<_, String>(creds)
            });
            let creds = match creds {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("loadgen: enroll: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let r = rt.block_on(bench::loadgen(
                url,
                creds,
                batch,
                Duration::from_secs(seconds),
                &tls,
            ));
            r.print();
            ExitCode::SUCCESS
        }
        Command::IngestBench {
            database_url,
            workstations,
            batch,
            seconds,
            tls,
        } => {
            let rt = runtime();
            match rt.block_on(bench::ingest_bench(
                &database_url,
                workstations,
                batch,
                Duration::from_secs(seconds),
                tls,
            )) {
                Ok(r) => {
                    r.print();
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("ingest-bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::DrainBench {
            intakes,
            material_mb,
            dir,
            tls,
        } => match bench::drain_bench(intakes, material_mb, dir, tls) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("drain-bench: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn run_server(
    data_dir: PathBuf,
    listen: SocketAddr,
    database_url: Option<String>,
    tls_dir: Option<PathBuf>,
) -> ExitCode {
    let rt = runtime();
    rt.block_on(async move {
        let mut config = ServerConfig::sqlite(listen, data_dir);
        config.database_url = database_url;
        if let Some(dir) = tls_dir {
            match yichuang_sync_harness::tls::HarnessTls::in_dir(&dir) {
                Ok(tls) => tls.apply(&mut config),
                Err(e) => {
                    eprintln!("server: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let shutdown = match yichuang_server::shutdown_signal() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let server = match Server::bind(config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("server: {}（{}）", e.message(), e.detail());
                return ExitCode::FAILURE;
            }
        };
        println!("yichuang-server listening on {}", server.url());
        let _ = std::io::stdout().flush();
        match server.run(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn work(a: WorkArgs) -> ExitCode {
    let Some(key) = StoreKey::from_hex(&a.key_hex) else {
        eprintln!("work: --key-hex must be 64 hex digits");
        return ExitCode::from(2);
    };
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        eprintln!("work: {what}: {e}");
        ExitCode::FAILURE
    };
    let mut store = match Store::open_encrypted(&a.db, &key) {
        Ok(s) => s,
        Err(e) => return fail("open store", &e),
    };
    if let Err(e) = workload::ensure_ledger(&mut store) {
        return fail("ledger", &e);
    }
    let blobs = match BlobStore::open(&a.blob_dir, &key) {
        Ok(b) => b,
        Err(e) => return fail("blobs", &e),
    };
    let service = match &a.server {
        Some(url) => {
            let ws_key = match yichuang_sync_harness::enroll::key_from_hex(&a.ws_key_hex) {
                Ok(k) => k,
                Err(e) => return fail("workstation key", &e),
            };
            let cred = yichuang_core::infra::credential::WorkstationCredential::new(
                a.workstation.clone(),
                ws_key,
            );
            let mut cfg = SyncConfig::new(url.clone(), cred);
            cfg.batch_size = 50;
            cfg.chunk_size = 64 * 1024;
            cfg.backoff_base = Duration::from_millis(20);
            cfg.backoff_max = Duration::from_millis(400);
            cfg.idle_poll = Duration::from_millis(50);
            cfg.request_timeout = Duration::from_secs(10);
            cfg.tls.ca_file = a.ca_file.clone();
            let engine = Store::open_encrypted(&a.db, &key)
                .map_err(yichuang_core::infra::sync::SyncError::from)
                .and_then(|s| {
                    let b = BlobStore::open(&a.blob_dir, &key)?;
                    SyncEngine::new(s, Some(b), cfg)
                });
            match engine {
                Ok(e) => Some(SyncService::start(e.without_pull(), a.seed.wrapping_add(1))),
                Err(e) => return fail("sync engine", &e),
            }
        }
        None => None,
    };
    let mut rng = fastrand::Rng::with_seed(a.seed);
    let mut out = std::io::stdout();
    for i in 0..a.intakes {
        match workload::commit_intake(
            &mut store,
            Some(&blobs),
            &mut rng,
            a.blob_every,
            a.blob_max_bytes,
            yichuang_core::domain::audit::now_ms(),
        ) {
            Ok((id, v)) => {
                let _ = writeln!(out, "intake {i} {id} {v}");
            }
            Err(e) => return fail("intake", &e),
        }
        if a.intake_pause_ms > 0 {
            std::thread::sleep(Duration::from_millis(a.intake_pause_ms));
        }
    }
    let _ = writeln!(out, "intakes done");
    let Some(service) = service else {
        return ExitCode::SUCCESS;
    };
    let started = Instant::now();
    loop {
        if a.until_drained {
            if let Ok(s) = yichuang_core::infra::sync::read_status(
                store.conn(),
                yichuang_core::infra::sync::SyncPhase::Idle,
                None,
                None,
            ) {
                if s.all_synced {
                    let _ = writeln!(out, "drained");
                    service.stop();
                    return ExitCode::SUCCESS;
                }
            }
        }
        if started.elapsed() > Duration::from_secs(a.timeout_s) {
            let s = service.status();
            eprintln!("work: not drained within {} s: {s:?}", a.timeout_s);
            return ExitCode::from(3);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
