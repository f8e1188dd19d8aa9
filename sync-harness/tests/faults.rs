//! Fault injection (issue 6, item 8): `kill -9` of the workstation process at random points
//! while it commits intakes, pushes batches and uploads blobs; `kill -9` of the server mid-
//! request; a fault proxy that drops connections, cuts requests, loses answers after the server
//! committed, delays and answers 5xx; two senders on one store at once. Afterwards every record
//! the workstation accepted must be on the server exactly once at its last version, and every
//! blob byte-identical.
//!
//! `YICHUANG_FAULT_KILLS` sets the number of workstation kills (default 20; `make faults-long`
//! runs 200). The counts are printed as one `faults:` line.
//!
//! Everything runs over TLS (issue 15): the server speaks HTTPS with a hall CA made for the
//! run, the workstations trust only that CA, and the TCP proxy faults the encrypted stream
//! (its own 503 answers arrive as garbage in the TLS stream, another transport fault).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::Digest;
use yichuang_core::infra::blobs::BlobStore;
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;
use yichuang_server::ServerConfig;
use yichuang_sync_harness::enroll;
use yichuang_sync_harness::proxy::{FaultMix, FaultProxy};
use yichuang_sync_harness::workload;

const BIN: &str = env!("CARGO_BIN_EXE_yichuang-sync-harness");
/// The enrolled workstation: hall `FAULT`, window 1.
const WS: &str = "FAULT-1";
/// Its key's seed, hex (set once the server is up and the workstation enrolled).
static WS_KEY_HEX: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The run's PKI (issue 15 item 3): set once, used by every server and worker start.
static TLS: std::sync::OnceLock<yichuang_sync_harness::tls::HarnessTls> =
    std::sync::OnceLock::new();

/// `https` with the run's hall CA, `http` without.
fn scheme() -> &'static str {
    if TLS.get().is_some() {
        "https"
    } else {
        "http"
    }
}

/// A client for the final checks, trusting the run's hall CA.
fn check_client() -> reqwest::blocking::Client {
    let mut b = reqwest::blocking::Client::builder().no_proxy();
    if let Some(tls) = TLS.get() {
        let pem = std::fs::read(&tls.ca_file).unwrap();
        b = b
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

fn kill9(child: &mut Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
}

struct ServerProc {
    child: Child,
    addr: SocketAddr,
}

fn start_server(data_dir: &Path) -> ServerProc {
    let mut cmd = Command::new(BIN);
    cmd.args(["server", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir);
    if let Some(tls) = TLS.get() {
        cmd.arg("--tls-dir").arg(tls.ca_file.parent().unwrap());
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut line = String::new();
        let _ = r.read_line(&mut line);
        let _ = tx.send(line);
        let _ = std::io::copy(&mut r, &mut std::io::sink());
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server starts");
    let addr = line
        .trim()
        .strip_prefix("yichuang-server listening on ")
        .and_then(|url| url.split_once("://").map(|(_, addr)| addr))
        .unwrap_or_else(|| panic!("unexpected server line {line:?}"))
        .parse()
        .unwrap();
    ServerProc { child, addr }
}

struct Worker {
    child: Child,
    intakes_seen: Arc<AtomicU64>,
    /// The intake loop had finished: a kill then hits the sync loop (push or blob upload).
    intakes_done: Arc<AtomicBool>,
}

fn start_worker(
    dir: &Path,
    key: &StoreKey,
    server: &str,
    intakes: usize,
    seed: u64,
    extra: &[&str],
) -> Worker {
    let mut child = Command::new(BIN)
        .arg("work")
        .arg("--db")
        .arg(dir.join("workstation.db"))
        .arg("--blob-dir")
        .arg(dir.join("blobs"))
        .args([
            "--key-hex",
            &key.to_hex(),
            "--server",
            server,
            "--workstation",
            WS,
            "--ws-key-hex",
            WS_KEY_HEX.get().expect("enrolled first"),
        ])
        .args([
            "--intakes",
            &intakes.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .args(extra)
        .args(
            TLS.get()
                .map(|t| ["--ca-file".into(), t.ca_file.clone()])
                .into_iter()
                .flatten(),
        )
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn worker");
    let seen = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(intakes == 0));
    let stdout = child.stdout.take().unwrap();
    let (s, d) = (seen.clone(), done.clone());
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("intake ") {
                s.fetch_add(1, Ordering::Relaxed);
            } else if line == "intakes done" {
                d.store(true, Ordering::Relaxed);
            }
        }
    });
    Worker {
        child,
        intakes_seen: seen,
        intakes_done: done,
    }
}

/// What the server's database holds after the run.
struct ServerRows {
    /// Pushed case records: id, version, rows with that id.
    records: Vec<(String, i64, i64)>,
    audits: Vec<String>,
    /// Case ids of the hall's case record (issue 18: extracted in the push's transaction).
    extracted: Vec<String>,
    /// Handovers stored: record id, case id.
    pickups: Vec<(String, String)>,
    /// The workstation's case feed (issue 18): steps, distinct cases in it, last seq, the
    /// head's seq.
    feed: (i64, i64, i64, i64),
}

fn server_db_rows(server_dir: &Path) -> ServerRows {
    let conn = rusqlite::Connection::open(server_dir.join("server.db")).unwrap();
    let records = conn
        .prepare("SELECT id, version, count(*) FROM sync_records WHERE kind = 'case' GROUP BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let audits = conn
        .prepare("SELECT id FROM sync_records WHERE kind = 'audit'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let extracted = conn
        .prepare("SELECT id FROM cases")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let pickups = conn
        .prepare("SELECT id, case_id FROM case_pickups ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let feed = conn
        .query_row(
            "SELECT count(*), count(DISTINCT case_id), coalesce(max(seq), 0),
                    coalesce((SELECT last_seq FROM case_feed_heads WHERE workstation = ?1), 0)
             FROM case_events WHERE workstation = ?1",
            [WS],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    ServerRows {
        records,
        audits,
        extracted,
        pickups,
        feed,
    }
}

#[test]
fn j1_kill9_and_network_faults_lose_nothing_and_double_nothing() {
    let kills_target: usize = std::env::var("YICHUANG_FAULT_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("YICHUANG_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261123);
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let ws_dir = tmp.path().join("ws");
    let server_dir = tmp.path().join("server");
    let key = StoreKey::from_bytes([0x5a; 32]);
    let tls = yichuang_sync_harness::tls::HarnessTls::in_dir(&tmp.path().join("tls")).unwrap();
    let _ = TLS.set(tls);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut server = start_server(&server_dir);
    // The workstation is enrolled through the real route before anything is sent.
    let (ws_key, ws_key_hex) = enroll::new_key().unwrap();
    let cred = {
        let config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), &server_dir);
        let base = url::Url::parse(&format!("{}://{}", scheme(), server.addr)).unwrap();
        let tls = TLS.get().map(|t| t.client()).unwrap_or_default();
        enroll::Admin::open(&config, base)
            .unwrap()
            .with_tls(tls)
            .enroll_key("FAULT", 1, ws_key)
            .unwrap()
    };
    assert_eq!(cred.workstation_id(), WS);
    WS_KEY_HEX.set(ws_key_hex).unwrap();
    let proxy = rt
        .block_on(FaultProxy::start(server.addr, FaultMix::HARSH, seed))
        .unwrap();
    let proxy_url = proxy.url().replacen("http", scheme(), 1);

    let mut rng = fastrand::Rng::with_seed(seed);
    let (mut ws_kills, mut server_kills, mut second_senders, mut intakes_reported) =
        (0usize, 0usize, 0usize, 0u64);
    let (mut kills_in_intake, mut kills_in_sync) = (0usize, 0usize);
    for round in 0..kills_target {
        let mut workers = vec![start_worker(
            &ws_dir,
            &key,
            &proxy_url,
            rng.usize(5..40),
            seed + round as u64 * 2,
            &[
                "--blob-every",
                "3",
                "--blob-max-bytes",
                "400000",
                "--intake-pause-ms",
                "10",
            ],
        )];
        if rng.u32(0..4) == 0 {
            // A second sender on the same store (sync only).
            workers.push(start_worker(
                &ws_dir,
                &key,
                &proxy_url,
                0,
                seed + round as u64 * 2 + 1,
                &[],
            ));
            second_senders += 1;
        }
        let life = Duration::from_millis(rng.u64(40..700));
        if rng.u32(0..5) == 0 {
            // The server dies mid-request while the workstation works, then comes back.
            std::thread::sleep(life / 2);
            kill9(&mut server.child);
            server_kills += 1;
            std::thread::sleep(Duration::from_millis(rng.u64(0..200)));
            server = start_server(&server_dir);
            proxy.set_upstream(server.addr);
            std::thread::sleep(life / 2);
        } else {
            std::thread::sleep(life);
        }
        for w in &mut workers {
            if w.intakes_done.load(Ordering::Relaxed) {
                kills_in_sync += 1;
            } else {
                kills_in_intake += 1;
            }
            kill9(&mut w.child);
            ws_kills += 1;
            intakes_reported += w.intakes_seen.load(Ordering::Relaxed);
        }
    }

    // Drain through the proxy with faults still on, then verify.
    let drain_started = Instant::now();
    let mut drainer = start_worker(
        &ws_dir,
        &key,
        &proxy_url,
        0,
        seed ^ 0xdead,
        &["--until-drained", "--timeout-s", "240"],
    );
    let status = drainer.child.wait().unwrap();
    assert!(
        status.success(),
        "the drain did not complete: {status} (faults {})",
        proxy.counts.summary()
    );
    let drain_s = drain_started.elapsed().as_secs_f64();

    // What the workstation accepted.
    let mut store = Store::open_encrypted(&ws_dir.join("workstation.db"), &key).unwrap();
    let ledger = workload::ledger(&mut store).unwrap();
    assert_eq!(store.pending_sync_count().unwrap(), 0);
    let st = yichuang_core::infra::sync::read_status(
        store.conn(),
        yichuang_core::infra::sync::SyncPhase::Idle,
        None,
        None,
    )
    .unwrap();
    assert!(st.all_synced, "{st:?}");
    assert_eq!(st.parked_records + st.parked_blobs, 0, "{st:?}");
    yichuang_core::domain::audit::verify_chain(store.conn()).expect("local audit chain intact");

    // The server's audit check over HTTP, then its database with the server stopped.
    let base = url::Url::parse(&format!("{}://{}", scheme(), server.addr)).unwrap();
    let audit_url = base.join(&format!("api/v1/sync/audit/{WS}")).unwrap();
    let http = check_client();
    let check: serde_json::Value = cred
        .apply(
            http.get(audit_url.clone()),
            "GET",
            &base,
            &audit_url,
            Some(b""),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    // Reading a blob back takes a clerk session (issue 15); the stored files are compared on
    // the server's disk instead.
    let blobs = BlobStore::open(&ws_dir.join("blobs"), &key).unwrap();
    let mut corrupt_blobs = 0;
    // Sealed at rest: opened with the server's blob key, then compared.
    let seal = yichuang_server::sync::blob_seal::BlobSeal::for_data_dir(&server_dir).unwrap();
    for sha in &ledger.blobs {
        let local = blobs.read(sha).unwrap();
        let opened =
            std::fs::read(server_dir.join("blobs").join(&sha[..2]).join(sha)).and_then(|stored| {
                if stored != local.as_slice() {
                    seal.open_bytes(&stored)
                } else {
                    Err(std::io::Error::other("stored in clear"))
                }
            });
        let ok = match opened {
            Ok(body) => {
                body == local.as_slice() && hex::encode(sha2::Sha256::digest(&body)) == *sha
            }
            Err(_) => false,
        };
        if !ok {
            corrupt_blobs += 1;
        }
    }
    kill9(&mut server.child);
    let ServerRows {
        records: server_cases,
        audits: server_audits,
        extracted: case_record,
        pickups: server_pickups,
        feed: (feed_steps, feed_cases, feed_last, feed_head),
    } = server_db_rows(&server_dir);
    let feed_held = yichuang_core::infra::sync::progress::position(&mut store).unwrap();

    let local: std::collections::HashMap<&str, i64> =
        ledger.cases.iter().map(|(i, v)| (i.as_str(), *v)).collect();
    let remote: std::collections::HashMap<&str, (i64, i64)> = server_cases
        .iter()
        .map(|(i, v, n)| (i.as_str(), (*v, *n)))
        .collect();
    let lost = local
        .iter()
        .filter(|(id, v)| remote.get(*id).is_none_or(|(rv, _)| rv != *v))
        .count();
    let duplicates = server_cases.iter().filter(|(_, _, n)| *n != 1).count()
        + remote.keys().filter(|id| !local.contains_key(*id)).count();
    // Every pushed case is in the hall's case record once, and nothing else is.
    let case_set: std::collections::HashSet<&str> =
        case_record.iter().map(String::as_str).collect();
    let unextracted = local.keys().filter(|id| !case_set.contains(*id)).count()
        + case_set
            .iter()
            .filter(|id| !local.contains_key(*id))
            .count();
    // Every handover is stored once, for its case, and nothing else is (the primary key makes a
    // double impossible; a lost or extra one shows here).
    let pickup_mismatch = {
        let mut mine = ledger.pickups.clone();
        let mut theirs = server_pickups.clone();
        mine.sort();
        theirs.sort();
        usize::from(mine != theirs) * mine.len().abs_diff(theirs.len()).max(1)
    };
    let n_pickups = ledger.pickups.len();
    let audit_set: std::collections::HashSet<&String> = server_audits.iter().collect();
    let lost_audit = ledger
        .audit_ids
        .iter()
        .filter(|id| !audit_set.contains(id))
        .count();
    let extra_audit = server_audits.len().saturating_sub(ledger.audit_ids.len());

    println!(
        "faults: kills={} (workstation={ws_kills} [during_intake={kills_in_intake} sync_only={kills_in_sync}] server={server_kills}) intakes_committed_seen={intakes_reported} second_senders={second_senders} \
         faults={} [{}] records={} (cases={} audit={}) blobs={} duplicates={} lost={} lost_audit={} \
         extra_audit={extra_audit} unextracted_cases={unextracted} pickups={n_pickups} pickup_mismatch={pickup_mismatch} feed_steps={feed_steps} feed_held={feed_held}/{feed_last} corrupt_blobs={corrupt_blobs} audit_intact={} drain={drain_s:.1}s total={:.1}s",
        ws_kills + server_kills,
        proxy.counts.faults(),
        proxy.counts.summary(),
        ledger.cases.len() + ledger.audit_ids.len(),
        ledger.cases.len(),
        ledger.audit_ids.len(),
        ledger.blobs.len(),
        duplicates,
        lost,
        lost_audit,
        check["intact"],
        started.elapsed().as_secs_f64(),
    );
    assert!(ws_kills >= kills_target, "kills {ws_kills}");
    assert!(!ledger.cases.is_empty(), "the workstation accepted intakes");
    assert!(!ledger.blobs.is_empty(), "blobs were part of the run");
    assert!(proxy.counts.faults() > 0);
    assert_eq!(duplicates, 0, "duplicates");
    assert_eq!(lost, 0, "lost records");
    assert_eq!(
        unextracted, 0,
        "cases missing from (or extra in) the hall's case record"
    );
    assert!(n_pickups > 0, "handovers were part of the run");
    assert_eq!(pickup_mismatch, 0, "handovers lost, doubled or misplaced");
    // The progress feed: one 已受理 step per case taken in (none lost, none doubled), numbered
    // without gaps, and the workstation read it to its end through the faults.
    assert_eq!(
        (feed_steps, feed_cases),
        (ledger.cases.len() as i64, ledger.cases.len() as i64),
        "progress steps lost or doubled"
    );
    assert_eq!(
        (feed_last, feed_head),
        (feed_steps, feed_steps),
        "feed numbering"
    );
    assert_eq!(feed_held, feed_last, "the workstation's feed position");
    assert_eq!((lost_audit, extra_audit), (0, 0), "audit entries");
    assert_eq!(corrupt_blobs, 0, "blobs byte-identical");
    assert_eq!(check["intact"], true, "server audit check: {check}");
    assert_eq!(check["entries"], ledger.audit_ids.len() as u64);
}
