//! The real sync client against the real server over loopback HTTP (SQLite, and PostgreSQL
//! when `YICHUANG_TEST_PG_URL` is set): exactly-once push, parking, resumable blobs, ETag pull,
//! honest status, audit continuity, encryption at rest.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use yichuang_core::domain::audit::{self, AuditEntry};
use yichuang_core::infra::blobs::{self, BlobStore};
use yichuang_core::infra::credential::{generate_key, WorkstationCredential};
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;
use yichuang_core::infra::sync::client::{AckOutcome, SyncClient};
use yichuang_core::infra::sync::outbox::{self, OutboxRecord};
use yichuang_core::infra::sync::{pull, SyncConfig, SyncEngine, SyncPhase, SyncService};
use yichuang_server::ServerConfig;
use yichuang_sync_harness::bench::background_server_with;
use yichuang_sync_harness::enroll;
use yichuang_sync_harness::workload::{self, CITIZEN_ID, CITIZEN_NAME};

struct Env {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    base: url::Url,
    stop: Option<Box<dyn FnOnce()>>,
    key: StoreKey,
    /// The server's database from the test's side: enrollment codes, record counts.
    admin: enroll::Admin,
    /// This run's hall (the PostgreSQL test database outlives a run).
    hall: String,
    /// Test workstations by name, enrolled on first use (window 1, 2, …).
    creds: RefCell<HashMap<String, WorkstationCredential>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

/// `YICHUANG_TEST_PG_URL`, or `None` to skip outside CI; in CI a missing URL fails the test
/// (`yichuang_testkit::require_env`), as in the server's tests.
fn pg_url() -> Option<String> {
    yichuang_testkit::require_env(
        "YICHUANG_TEST_PG_URL",
        "make unit starts a test cluster with scripts/pg-test.sh and exports its URL",
    )
}

fn catalog_fixture(dir: &Path, version: &str) {
    let templates: Vec<Value> = ["accept", "deferred", "reject", "supplement"]
        .iter()
        .map(|k| json!({"kind": k, "title": "通知书", "body": "{applicant}：{item}"}))
        .collect();
    std::fs::create_dir_all(dir.join("items")).unwrap();
    std::fs::write(
        dir.join("catalog.json"),
        json!({"version": version, "departments": [],
               "templates": templates,
               "calendar": {"holidays": ["2026-10-01"], "workdays": []}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("items/a.json"), "[]").unwrap();
}

fn env_with(database_url: Option<String>) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    catalog_fixture(&root.join("catalog"), "2026.11-1");
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), root.join("server"));
    config.database_url = database_url;
    config.sync.catalog_dir = Some(root.join("catalog"));
    let (addr, stop) = background_server_with(config.clone()).unwrap();
    let base = url::Url::parse(&format!("http://{addr}")).unwrap();
    Env {
        _dir: dir,
        admin: enroll::Admin::open(&config, base.clone()).unwrap(),
        base,
        root,
        stop: Some(Box::new(stop)),
        key: StoreKey::from_bytes([9; 32]),
        hall: enroll::random_hall(),
        creds: RefCell::default(),
    }
}

fn env() -> Env {
    env_with(None)
}

impl Env {
    fn store(&self) -> Store {
        Store::open_encrypted(&self.root.join("ws/workstation.db"), &self.key).unwrap()
    }
    fn blobs(&self) -> BlobStore {
        BlobStore::open(&self.root.join("ws/blobs"), &self.key).unwrap()
    }
    /// The credential of test workstation `name`, enrolled through the real route on first use.
    fn cred(&self, name: &str) -> WorkstationCredential {
        let mut creds = self.creds.borrow_mut();
        let window = creds.len() as u32 + 1;
        creds
            .entry(name.to_owned())
            .or_insert_with(|| self.admin.enroll(&self.hall, window).unwrap())
            .clone()
    }
    /// The server's id of test workstation `name`.
    fn id(&self, name: &str) -> String {
        self.cred(name).workstation_id().to_owned()
    }
    fn cfg(&self, ws: &str) -> SyncConfig {
        let mut c = SyncConfig::new(self.base.clone(), self.cred(ws));
        c.backoff_base = Duration::from_millis(20);
        c.backoff_max = Duration::from_millis(200);
        c.idle_poll = Duration::from_millis(50);
        c.chunk_size = 64 * 1024;
        c
    }
    fn engine(&self, ws: &str) -> SyncEngine {
        SyncEngine::new(self.store(), Some(self.blobs()), self.cfg(ws)).unwrap()
    }
    /// A GET signed by test workstation `ws`.
    fn get(&self, ws: &str, path: &str) -> (u16, Value) {
        let url = self.base.join(path).unwrap();
        let r = self
            .cred(ws)
            .apply(http().get(url.clone()), "GET", &self.base, &url, Some(b""))
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }
    /// A JSON POST signed by test workstation `ws`.
    fn post(&self, ws: &str, path: &str, body: &Value) -> (u16, Value) {
        let url = self.base.join(path).unwrap();
        let bytes = serde_json::to_vec(body).unwrap();
        let r = self
            .cred(ws)
            .apply(
                http().post(url.clone()),
                "POST",
                &self.base,
                &url,
                Some(&bytes),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
}

fn enqueue(store: &mut Store, id: &str, version: i64, payload: Value) {
    store
        .transact(|tx| outbox::enqueue_record(tx, "memo", id, version, &payload, 1_000))
        .unwrap();
}

fn server_count(env: &Env, ws: &str, kind: &str) -> i64 {
    env.admin.count(&env.id(ws), kind)
}

fn exactly_once_push(env: &Env) {
    let ws = format!("ws-{}", uuid::Uuid::new_v4().simple());
    let mut store = env.store();
    let ids: Vec<String> = (0..5).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for id in &ids {
        enqueue(&mut store, id, 1, json!({"n": 1}));
    }
    let mut engine = env.engine(&ws).without_pull();
    let r = engine.run_once().unwrap();
    assert_eq!(r.pushed, 5);
    assert_eq!(store.pending_sync_count().unwrap(), 0);
    assert_eq!(server_count(env, &ws, "memo"), 5);

    // The same batch again (a lost answer, a second sender): identical acks, nothing doubled.
    let batch = json!({"records": ids.iter().map(|id| json!({
        "id": id, "kind": "memo", "version": 1, "payload": {"n": 1}})).collect::<Vec<_>>()});
    let (s1, a1) = env.post(&ws, "api/v1/sync/push", &batch);
    let (s2, a2) = env.post(&ws, "api/v1/sync/push", &batch);
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a1, a2, "replays get the same acknowledgements");
    assert!(a1["acks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["outcome"] == "accepted"));
    assert_eq!(server_count(env, &ws, "memo"), 5);

    // A newer version replaces, an older one is acknowledged without effect.
    enqueue(&mut store, &ids[0], 3, json!({"n": 3}));
    engine.run_once().unwrap();
    enqueue(&mut store, &ids[0], 2, json!({"n": 2}));
    engine.run_once().unwrap();
    assert_eq!(store.pending_sync_count().unwrap(), 0);
    let acked: i64 = store
        .conn()
        .query_row(
            "SELECT version FROM sync_acked WHERE id = ?1",
            [&ids[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(acked, 3, "sync_acked keeps the highest version");
    // Another workstation cannot take over the id.
    let (_, a) = env.post(
        "intruder",
        "api/v1/sync/push",
        &json!({"records": [{"id": ids[1], "kind": "memo", "version": 9, "payload": {}}]}),
    );
    assert_eq!(a["acks"][0]["outcome"], "rejected");
    assert_eq!(a["acks"][0]["code"], "id_conflict");
}

#[test]
fn j2_push_is_exactly_once_on_sqlite() {
    exactly_once_push(&env());
}

#[test]
fn j2_push_is_exactly_once_on_postgres() {
    let Some(url) = pg_url() else { return };
    let env = env_with(Some(url));
    exactly_once_push(&env);
    blob_resume(&env);
    audit_continuity(&env);
}

#[test]
fn j2_a_version_written_while_the_batch_was_in_flight_stays_in_the_outbox() {
    let env = env();
    let mut store = env.store();
    let id = uuid::Uuid::now_v7().to_string();
    enqueue(&mut store, &id, 1, json!({"v": 1}));
    let sent = outbox::next_batch(store.conn(), 10).unwrap();
    let client = SyncClient::new(&env.cfg("ws-inflight")).unwrap();
    let acks = client.push(&sent, None).unwrap();
    // Intake changes the case before the acknowledgement is applied.
    enqueue(&mut store, &id, 2, json!({"v": 2}));
    let applied = outbox::apply_acks(&mut store, &sent, &acks, 2_000).unwrap();
    assert_eq!(applied.accepted, 1);
    let left: Vec<OutboxRecord> = outbox::next_batch(store.conn(), 10).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].version, 2, "the newer version is still to be sent");
}

#[test]
fn j2_refused_records_are_parked_with_a_reason_and_never_block_the_rest() {
    let env = env();
    let mut store = env.store();
    enqueue(&mut store, "not-a-uuid", 1, json!({"x": 1}));
    for _ in 0..3 {
        enqueue(
            &mut store,
            &uuid::Uuid::now_v7().to_string(),
            1,
            json!({"x": 1}),
        );
    }
    let mut engine = env.engine("ws-park").without_pull();
    let r = engine.run_once().unwrap();
    assert_eq!((r.pushed, r.parked), (3, 1));
    let parked = outbox::parked(store.conn()).unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].code, "invalid_id");
    assert!(parked[0].reason.contains("拒收"), "{}", parked[0].reason);
    let st = engine.status(None).unwrap();
    assert_eq!((st.pending_records, st.parked_records), (0, 1));
    assert!(!st.all_synced, "a parked record is not synced");
}

/// A refusal of the whole request (an auth rollout's 401, a proxy's 413 page, a wrong path's
/// 404) is the workstation's configuration, never a record's fault: nothing is parked, the
/// error says so in Chinese and is retried; once the path is clear everything goes through.
/// Records the server itself refuses are parked, and 「重新提交」 puts them back.
#[test]
fn j3_a_whole_request_refusal_parks_nothing_and_parked_records_can_be_retried() {
    use yichuang_sync_harness::proxy::{FaultMix, FaultProxy};
    let env = env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let upstream = format!(
        "{}:{}",
        env.base.host_str().unwrap(),
        env.base.port().unwrap()
    );
    let proxy = rt
        .block_on(FaultProxy::start(
            upstream.parse().unwrap(),
            FaultMix::NONE,
            1,
        ))
        .unwrap();
    let mut store = env.store();
    for _ in 0..5 {
        enqueue(
            &mut store,
            &uuid::Uuid::now_v7().to_string(),
            1,
            json!({"x": 1}),
        );
    }
    let mut cfg = env.cfg("ws-refused");
    cfg.base_url = url::Url::parse(&proxy.url()).unwrap();
    let mut engine = SyncEngine::new(env.store(), Some(env.blobs()), cfg)
        .unwrap()
        .without_pull();
    for status in [401, 403, 404, 405] {
        proxy.refuse(Some(status));
        let e = match engine.run_once() {
            Err(e) => e,
            Ok(r) => panic!("HTTP {status} went as a cycle: {r:?}"),
        };
        assert!(e.is_retryable(), "HTTP {status} is retried: {e}");
        assert_eq!(
            e.code(),
            yichuang_core::ErrorCode::SyncRequestRefused,
            "HTTP {status}: {e}"
        );
        assert!(e.message().contains("工作站登记"), "{}", e.message());
        let st = engine.status(None).unwrap();
        assert_eq!(
            (st.pending_records, st.parked_records),
            (5, 0),
            "after HTTP {status} nothing is parked"
        );
    }

    // 413 is about the size of what was sent: the batch is split, and a record too large on
    // its own is parked with that reason.
    proxy.refuse(Some(413));
    let r = engine.run_once().unwrap();
    assert_eq!((r.pushed, r.parked), (0, 5));
    let parked = outbox::parked(store.conn()).unwrap();
    assert!(parked[0].reason.contains("大小"), "{}", parked[0].reason);

    // IT raised the limit; 「重新提交」 puts them back and all five arrive.
    proxy.refuse(None);
    let (records, files) = store.transact(outbox::retry_all_parked).unwrap();
    assert_eq!((records, files), (5, 0));
    let st = engine.status(None).unwrap();
    assert_eq!((st.pending_records, st.parked_records), (5, 0));
    let r = engine.run_once().unwrap();
    assert_eq!((r.pushed, r.parked), (5, 0));
    assert_eq!(server_count(&env, "ws-refused", "memo"), 5);
    drop(proxy);
}

fn blob_resume(env: &Env) {
    let ws = format!("ws-{}", uuid::Uuid::new_v4().simple());
    let mut store = env.store();
    let blobs = env.blobs();
    // Unique per run: the PostgreSQL test database outlives a run.
    let content: Vec<u8> = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .copied()
        .chain((16..700_000u32).map(|i| (i % 253) as u8))
        .collect();
    let r = blobs.put(&content).unwrap();
    store.transact(|tx| blobs::enqueue(tx, &r, 1)).unwrap();
    // A first chunk arrives (then the workstation "crashes").
    let client = SyncClient::new(&env.cfg(&ws)).unwrap();
    let first = blobs.reader(&r.sha256).unwrap().read_at(0, 65_536).unwrap();
    let st = client.put_chunk(&r.sha256, 0, r.size, first).unwrap();
    assert_eq!((st.received, st.complete), (65_536, false));
    let mut engine = env.engine(&ws).without_pull();
    let report = engine.run_once().unwrap();
    assert_eq!(report.blobs_uploaded, 1);
    assert_eq!(
        report.blob_bytes_sent,
        r.size - 65_536,
        "resumed where the server stopped"
    );
    // Reading it back takes a clerk session of the hall (issue 15): without one it is refused,
    // and the stored file is compared on the server's disk.
    let (status, err) = env.get(&ws, &format!("api/v1/sync/blobs/{}", r.sha256));
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("unauthorized")),
        "{err}"
    );
    let stored = std::fs::read(
        env.root
            .join("server/blobs")
            .join(&r.sha256[..2])
            .join(&r.sha256),
    )
    .unwrap();
    assert_ne!(stored, content, "sealed at rest on the server");
    let seal =
        yichuang_server::sync::blob_seal::BlobSeal::for_data_dir(&env.root.join("server")).unwrap();
    let got = seal.open_bytes(&stored).unwrap();
    assert_eq!(got, content, "byte-identical on the server");
    assert!(engine.status(None).unwrap().all_synced);
}

#[test]
fn j2_blob_upload_resumes_and_is_verified_by_hash() {
    let env = env();
    blob_resume(&env);
    // A wrong hash is refused and nothing is kept.
    let client = SyncClient::new(&env.cfg("ws-x")).unwrap();
    let fake = "ab".repeat(32);
    match client.put_chunk(&fake, 0, 3, b"abc".to_vec()) {
        Err(yichuang_core::infra::sync::client::ChunkError::HashMismatch(_)) => {}
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert_eq!(client.blob_status(&fake).unwrap().received, 0);
}

#[test]
fn j3_catalog_pull_uses_etags_and_the_cache_serves_offline() {
    let env = env();
    let mut store = env.store();
    let client = SyncClient::new(&env.cfg("ws-pull")).unwrap();
    assert_eq!(
        pull::pull_catalog(&client, &mut store, 1).unwrap(),
        pull::Pulled::Updated {
            version: "2026.11-1".into()
        }
    );
    assert_eq!(
        pull::pull_catalog(&client, &mut store, 2).unwrap(),
        pull::Pulled::Unchanged
    );
    catalog_fixture(&env.root.join("catalog"), "2026.12-1");
    assert!(matches!(
        pull::pull_catalog(&client, &mut store, 3).unwrap(),
        pull::Pulled::Updated { .. }
    ));
    pull::pull_all(&client, &mut store, 4).unwrap();
    assert!(pull::cached_document(store.conn(), "clerks")
        .unwrap()
        .is_some());
    // Offline: the cache still answers.
    let offline = SyncClient::new(&SyncConfig::new(
        url::Url::parse("http://127.0.0.1:9").unwrap(),
        env.cred("ws-pull"),
    ))
    .unwrap();
    assert!(pull::pull_catalog(&offline, &mut store, 5).is_err());
    let c = pull::cached_catalog(store.conn()).unwrap().unwrap();
    assert_eq!(c.version, "2026.12-1");
}

#[test]
fn j2_status_never_says_synced_while_anything_waits_and_reports_errors_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::from_bytes([1; 32]);
    let db = dir.path().join("ws.db");
    let mut store = Store::open_encrypted(&db, &key).unwrap();
    enqueue(&mut store, &uuid::Uuid::now_v7().to_string(), 1, json!({}));
    // No server listens here.
    let cred = WorkstationCredential::new("ws-down", generate_key().unwrap());
    let mut cfg = SyncConfig::new(url::Url::parse("http://127.0.0.1:9").unwrap(), cred);
    cfg.backoff_base = Duration::from_millis(20);
    cfg.backoff_max = Duration::from_millis(100);
    cfg.idle_poll = Duration::from_millis(20);
    let engine = SyncEngine::new(Store::open_encrypted(&db, &key).unwrap(), None, cfg)
        .unwrap()
        .without_pull();
    let service = SyncService::start(engine, 5);
    let mut rx = service.subscribe();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let st = rt
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(10),
                rx.wait_for(|s| s.last_error.is_some()),
            )
            .await
            .map(|r| r.map(|s| s.clone()))
        })
        .expect("error reported")
        .unwrap();
    assert!(!st.all_synced);
    assert_eq!(st.pending_records, 1);
    assert!(st.oldest_pending_at.is_some());
    let err = st.last_error.unwrap();
    assert_eq!(err.code, "sync_network");
    assert!(err.message.contains("中心服务"), "{}", err.message);
    service.sync_now();
    service.stop();
}

fn audit_continuity(env: &Env) {
    let ws = format!("ws-{}", uuid::Uuid::new_v4().simple());
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_encrypted(&dir.path().join("a.db"), &env.key).unwrap();
    let mut recs = Vec::new();
    store
        .transact(|tx| {
            for i in 0..4 {
                recs.push(audit::record(
                    tx,
                    i,
                    AuditEntry {
                        actor: Some("C001".into()),
                        action: "card.read".into(),
                        subject: Some(format!("subject {i}")),
                        detail: json!({"where": "test", "i": i}),
                    },
                )?);
            }
            Ok(())
        })
        .unwrap();
    let mut engine = SyncEngine::new(store, None, env.cfg(&ws))
        .unwrap()
        .without_pull();
    engine.run_once().unwrap();
    let (_, check) = env.get(&ws, &format!("api/v1/sync/audit/{}", env.id(&ws)));
    assert_eq!(check["intact"], true, "{check}");
    assert_eq!(check["linked"], 4);
    // The engine signed the chain head of its push (issue 15 item 4).
    assert_eq!(check["signed_through"], 4, "{check}");
    let head = |ws: &str, seq: i64, hash: &str| json!({"seq": seq, "hash": hash, "signature": env.cred(ws).sign_audit_head(seq, hash)});

    // An edited entry (subject changed, hash kept) and a gap (an entry that never arrives).
    let ws2 = format!("{ws}-b");
    let mut edited = serde_json::to_value(&recs[1]).unwrap();
    edited["subject"] = json!("someone else");
    let body = json!({"records": [
        {"id": recs[0].id, "kind": "audit", "version": 1, "payload": serde_json::to_value(&recs[0]).unwrap()},
        {"id": recs[1].id, "kind": "audit", "version": 1, "payload": edited},
        {"id": recs[3].id, "kind": "audit", "version": 1, "payload": serde_json::to_value(&recs[3]).unwrap()},
    ], "audit_head": head(&ws2, 4, &recs[3].hash)});
    // The ids belong to `ws` already: a replay under another workstation is refused as a whole.
    let (_, a) = env.post(&ws2, "api/v1/sync/push", &body);
    assert!(a["acks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["code"] == "id_conflict"));
    let mut fresh = Vec::new();
    let dir2 = tempfile::tempdir().unwrap();
    let mut s2 = Store::open_encrypted(&dir2.path().join("b.db"), &env.key).unwrap();
    s2.transact(|tx| {
        for i in 0..4 {
            fresh.push(audit::record(
                tx,
                i,
                AuditEntry {
                    actor: None,
                    action: "print.notice".into(),
                    subject: None,
                    detail: json!({}),
                },
            )?);
        }
        Ok(())
    })
    .unwrap();
    let mut edited = serde_json::to_value(&fresh[1]).unwrap();
    edited["action"] = json!("print.nothing");
    let (_, a) = env.post(
        &ws2,
        "api/v1/sync/push",
        &json!({"records": [
            {"id": fresh[0].id, "kind": "audit", "version": 1, "payload": serde_json::to_value(&fresh[0]).unwrap()},
            {"id": fresh[1].id, "kind": "audit", "version": 1, "payload": edited},
            {"id": fresh[3].id, "kind": "audit", "version": 1, "payload": serde_json::to_value(&fresh[3]).unwrap()},
        ], "audit_head": head(&ws2, 4, &fresh[3].hash)}),
    );
    assert!(
        a["acks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["outcome"] == "accepted"),
        "{a}"
    );
    let (_, check) = env.get(&ws2, &format!("api/v1/sync/audit/{}", env.id(&ws2)));
    assert_eq!(check["intact"], false, "{check}");
    assert_eq!(check["gaps"].as_array().unwrap().len(), 1, "{check}");
    assert_eq!(check["gaps"][0], json!(fresh[2].hash), "{check}");
    assert_eq!(check["edits"][0]["entry_id"], json!(fresh[1].id), "{check}");
    assert_eq!(check["edits"][0]["kind"], "edited");
}

#[test]
fn a6_server_flags_gaps_and_edits_in_the_audit_chain() {
    audit_continuity(&env());
}

#[test]
fn j1_database_file_holds_no_citizen_name_or_id_number_in_clear_text() {
    let env = env();
    let db = env.root.join("ws/workstation.db");
    {
        let mut store = env.store();
        workload::ensure_ledger(&mut store).unwrap();
        let blobs = env.blobs();
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..20 {
            workload::commit_intake(&mut store, Some(&blobs), &mut rng, 2, 10_000, 5).unwrap();
        }
        // Files as they are while the app runs (WAL not yet checkpointed) …
        assert_no_clear_text(&env.root.join("ws"));
    }
    // … and after it closed.
    assert_no_clear_text(&env.root.join("ws"));
    // The control: the same data in a plain store is found by the same grep.
    let plain = env.root.join("plain.db");
    {
        let mut s = Store::open(&plain).unwrap();
        workload::ensure_ledger(&mut s).unwrap();
        workload::commit_intake(&mut s, None, &mut fastrand::Rng::with_seed(1), 0, 0, 5).unwrap();
    }
    let found = grep_dir(env.root.as_path(), "plain.db");
    assert!(
        found,
        "control: the grep finds clear text in an unencrypted store"
    );
    // The wrong key cannot open it.
    let e = Store::open_encrypted(&db, &StoreKey::from_bytes([8; 32])).unwrap_err();
    assert!(e.message().contains("密钥"), "{}", e.message());
}

fn grep_dir(dir: &Path, name_prefix: &str) -> bool {
    let needles = [CITIZEN_ID.as_bytes(), CITIZEN_NAME.as_bytes()];
    walk(dir).into_iter().any(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(name_prefix))
            && {
                let bytes = std::fs::read(&p).unwrap_or_default();
                needles
                    .iter()
                    .any(|n| bytes.windows(n.len()).any(|w| w == *n))
            }
    })
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn assert_no_clear_text(ws_dir: &Path) {
    let files = walk(ws_dir);
    assert!(files.iter().any(|p| p.ends_with("workstation.db")));
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        for needle in [
            CITIZEN_ID.as_bytes(),
            CITIZEN_NAME.as_bytes(),
            b"SQLite format 3",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} contains {:?} in clear text",
                p.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
}

#[test]
fn j1_a_plain_store_from_an_earlier_build_is_encrypted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    {
        let mut s = Store::open(&path).unwrap();
        enqueue(
            &mut s,
            &uuid::Uuid::now_v7().to_string(),
            1,
            json!({"name": CITIZEN_NAME}),
        );
    }
    let key = StoreKey::from_bytes([5; 32]);
    let s = Store::open_encrypted(&path, &key).unwrap();
    assert_eq!(s.pending_sync_count().unwrap(), 1);
    drop(s);
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes
        .windows(CITIZEN_NAME.len())
        .any(|w| w == CITIZEN_NAME.as_bytes()));
    let _ = AckOutcome::Accepted;
    let _ = SyncPhase::Idle;
}
