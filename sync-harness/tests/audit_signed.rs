//! Audit that cannot be rewritten (issue 15, item 4), against the real server over loopback
//! HTTP, on SQLite and (when `YICHUANG_TEST_PG_URL` is set) PostgreSQL: audit records are
//! insert-only (a re-send with other content is kept aside and flagged, never applied), every
//! push carries the workstation's signature over its chain head, and the chain check reports a
//! chain the workstation's key did not sign as forged.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use yichuang_core::domain::audit::{self, AuditEntry, AuditRecord};
use yichuang_core::infra::credential::{generate_key, EnrollRequest, WorkstationCredential};
use yichuang_core::infra::store::Store;
use yichuang_server::ServerConfig;
use yichuang_sync_harness::bench::background_server_with;

struct Hall {
    _dir: tempfile::TempDir,
    root: PathBuf,
    base: url::Url,
    db_url: String,
    rt: tokio::runtime::Runtime,
    stop: Option<Box<dyn FnOnce()>>,
}

impl Drop for Hall {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

fn pg_url() -> Option<String> {
    yichuang_testkit::require_env(
        "YICHUANG_TEST_PG_URL",
        "make unit starts a test cluster with scripts/pg-test.sh and exports its URL",
    )
}

fn hall(database_url: Option<String>) -> Hall {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), root.join("server"));
    config.database_url = database_url.clone();
    let (addr, stop) = background_server_with(config).unwrap();
    let db_url = database_url.unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            root.join("server").join("server.db").to_str().unwrap()
        )
    });
    sqlx::any::install_default_drivers();
    Hall {
        _dir: dir,
        base: url::Url::parse(&format!("http://{addr}")).unwrap(),
        root,
        db_url,
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        stop: Some(Box::new(stop)),
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
}

fn now_ms() -> i64 {
    audit::now_ms()
}

impl Hall {
    /// Runs statements straight against the server's database (what an intruder with database
    /// access, or IT at the admin console, could do).
    fn sql(&self, statements: &[(&str, Vec<Value>)]) {
        self.rt.block_on(async {
            let pool = sqlx::AnyPool::connect(&self.db_url).await.unwrap();
            for (q, args) in statements {
                let mut query = sqlx::query(q);
                for a in args {
                    query = match a {
                        Value::Number(n) => query.bind(n.as_i64().unwrap()),
                        Value::String(s) => query.bind(s.clone()),
                        other => query.bind(other.to_string()),
                    };
                }
                query.execute(&pool).await.unwrap();
            }
            pool.close().await;
        });
    }

    fn scalar(&self, q: &str, arg: &str) -> String {
        self.rt.block_on(async {
            let pool = sqlx::AnyPool::connect(&self.db_url).await.unwrap();
            let v: String = sqlx::query_scalar(q)
                .bind(arg)
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            v
        })
    }

    /// Enrolls `ws` with a fresh key through `POST /api/v1/enroll`, with a one-time code
    /// issued as the admin CLI does (the key it had before, if any, ends now).
    fn enroll(&self, ws: &str) -> WorkstationCredential {
        let code = format!("{}", uuid::Uuid::new_v4().simple()).to_uppercase();
        let now = now_ms();
        self.sql(&[
            (
                "INSERT INTO workstations (id, hall_code, window_no, enabled, created_at)
                 VALUES ($1, '441500', 5, 1, $2) ON CONFLICT (id) DO NOTHING",
                vec![json!(ws), json!(now)],
            ),
            (
                "INSERT INTO enrollment_codes (code_hash, workstation_id, created_at, expires_at)
                 VALUES ($1, $2, $3, $4)",
                vec![
                    json!(yichuang_server::workstation::code_hash(&code)),
                    json!(ws),
                    json!(now),
                    json!(now + 600_000),
                ],
            ),
        ]);
        let key = generate_key().unwrap();
        let r = http()
            .post(self.base.join("api/v1/enroll").unwrap())
            .json(&EnrollRequest::new(&code, &key))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
        let cred = WorkstationCredential::new(ws, key);
        // The server caches a workstation's key for up to a second: wait until this one signs.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.get(&cred, &format!("api/v1/sync/audit/{ws}")).0 != 200 {
            assert!(Instant::now() < deadline, "the new key is never taken");
            std::thread::sleep(Duration::from_millis(50));
        }
        cred
    }

    fn send(
        &self,
        cred: &WorkstationCredential,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let url = self.base.join(path).unwrap();
        let builder = http()
            .request(method.clone(), url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        let r = cred
            .apply(builder, method.as_str(), &self.base, &url, Some(&body))
            .body(body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    fn post(&self, cred: &WorkstationCredential, path: &str, body: &Value) -> (u16, Value) {
        self.send(
            cred,
            reqwest::Method::POST,
            path,
            body.to_string().into_bytes(),
        )
    }

    fn get(&self, cred: &WorkstationCredential, path: &str) -> (u16, Value) {
        self.send(cred, reqwest::Method::GET, path, Vec::new())
    }

    /// Pushes audit entries (each at `version`) with the given head; the acks.
    fn push(
        &self,
        cred: &WorkstationCredential,
        entries: &[(Value, i64)],
        head: Option<Value>,
    ) -> Vec<Value> {
        let records: Vec<Value> = entries
            .iter()
            .map(|(p, v)| json!({"id": p["id"], "kind": "audit", "version": v, "payload": p}))
            .collect();
        let mut body = json!({"records": records});
        if let Some(h) = head {
            body["audit_head"] = h;
        }
        let (status, answer) = self.post(cred, "api/v1/sync/push", &body);
        assert_eq!(status, 200, "{answer}");
        answer["acks"].as_array().unwrap().clone()
    }

    fn check(&self, cred: &WorkstationCredential) -> Value {
        let (status, check) = self.get(
            cred,
            &format!("api/v1/sync/audit/{}", cred.workstation_id()),
        );
        assert_eq!(status, 200, "{check}");
        check
    }

    fn held_payload(&self, id: &str) -> Value {
        serde_json::from_str(&self.scalar("SELECT payload FROM sync_records WHERE id = $1", id))
            .unwrap()
    }
}

/// `n` chained entries made by the workstation's real audit code (entry `i` has seq `i + 1`).
fn chain(dir: &std::path::Path, n: usize) -> Vec<AuditRecord> {
    let mut store = Store::open(&dir.join(format!("ws-{}.db", uuid::Uuid::new_v4()))).unwrap();
    store
        .transact(|tx| {
            (0..n)
                .map(|i| {
                    audit::record(
                        tx,
                        1_000 + i as i64,
                        AuditEntry {
                            actor: Some("C001".into()),
                            action: "card.read".into(),
                            subject: Some(format!("subject {i}")),
                            detail: json!({"i": i}),
                        },
                    )
                })
                .collect()
        })
        .unwrap()
}

fn payload(r: &AuditRecord) -> Value {
    serde_json::to_value(r).unwrap()
}

/// The head over entry `seq` (1-based) of `recs`, signed with `cred`.
fn head(cred: &WorkstationCredential, recs: &[AuditRecord], seq: usize) -> Value {
    let hash = &recs[seq - 1].hash;
    json!({"seq": seq, "hash": hash, "signature": cred.sign_audit_head(seq as i64, hash)})
}

fn accepted(acks: &[Value]) -> bool {
    acks.iter().all(|a| a["outcome"] == "accepted")
}

fn new_ws() -> String {
    format!("441500-{}", uuid::Uuid::new_v4().simple())
}

fn resent_with_changed_content_is_kept_aside(h: &Hall) {
    let cred = h.enroll(&new_ws());
    let recs = chain(&h.root, 3);
    let all: Vec<(Value, i64)> = recs.iter().map(|r| (payload(r), 1)).collect();
    assert!(accepted(&h.push(&cred, &all, Some(head(&cred, &recs, 3)))));
    let check = h.check(&cred);
    assert_eq!(check["intact"], true, "{check}");
    assert_eq!(check["signed_through"], 3, "{check}");

    // The attack of the issue: the same id at a higher version, other content, the old hash
    // (and a head the workstation itself signs over it).
    let mut changed = payload(&recs[1]);
    changed["subject"] = json!("someone else");
    let acks = h.push(&cred, &[(changed, 2)], Some(head(&cred, &recs, 2)));
    assert_eq!(acks[0]["outcome"], "rejected", "{acks:?}");
    assert_eq!(acks[0]["code"], "audit_conflict", "{acks:?}");
    assert!(
        acks[0]["message"].as_str().unwrap().contains("审计记录"),
        "{acks:?}"
    );
    // Never applied: the record held is the original.
    assert_eq!(h.held_payload(&recs[1].id), payload(&recs[1]));
    // The same content again, at any version: accepted, nothing new flagged.
    let acks = h.push(
        &cred,
        &[(payload(&recs[1]), 7)],
        Some(head(&cred, &recs, 2)),
    );
    assert!(accepted(&acks), "{acks:?}");

    let check = h.check(&cred);
    assert_eq!(check["intact"], false, "{check}");
    assert_eq!(check["forged"], false, "{check}");
    let conflicts = check["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{check}");
    assert_eq!(conflicts[0]["entry_id"], json!(recs[1].id));
    assert_eq!(conflicts[0]["version"], 2);
    assert_eq!(
        check["edits"],
        json!([]),
        "the chain held is untouched: {check}"
    );
    assert_eq!(check["linked"], 3, "{check}");
}

fn heads_that_do_not_verify_are_refused(h: &Hall) {
    let cred = h.enroll(&new_ws());
    let recs = chain(&h.root, 2);
    let all: Vec<(Value, i64)> = recs.iter().map(|r| (payload(r), 1)).collect();
    let code = |acks: &[Value]| {
        assert_eq!(acks.len(), 2);
        assert!(
            acks.iter().all(|a| a["code"] == acks[0]["code"]),
            "{acks:?}"
        );
        acks[0]["code"].as_str().unwrap().to_owned()
    };
    assert_eq!(code(&h.push(&cred, &all, None)), "audit_head_missing");
    // A head over the first entry while the second follows it in the batch.
    assert_eq!(
        code(&h.push(&cred, &all, Some(head(&cred, &recs, 1)))),
        "audit_head_mismatch"
    );
    let stranger = WorkstationCredential::new(cred.workstation_id(), generate_key().unwrap());
    assert_eq!(
        code(&h.push(&cred, &all, Some(head(&stranger, &recs, 2)))),
        "audit_head_invalid"
    );
    let mut bent = head(&cred, &recs, 2);
    bent["seq"] = json!(5);
    assert_eq!(code(&h.push(&cred, &all, Some(bent))), "audit_head_invalid");
    // Nothing of it was stored.
    let check = h.check(&cred);
    assert_eq!(
        (check["entries"].as_u64(), check["heads"].as_u64()),
        (Some(0), Some(0))
    );
    // The genuine head: accepted.
    assert!(accepted(&h.push(&cred, &all, Some(head(&cred, &recs, 2)))));
    assert_eq!(h.check(&cred)["intact"], true);
}

fn forged_chains_are_reported(h: &Hall) {
    // Rows written straight into the database for an enrolled workstation: no head covers them.
    let cred = h.enroll(&new_ws());
    let ws = cred.workstation_id().to_owned();
    let recs = chain(&h.root, 3);
    let insert = |r: &AuditRecord| {
        vec![
            (
                "INSERT INTO sync_records (id, workstation, kind, version, payload, received_at, updated_at)
                 VALUES ($1, $2, 'audit', 1, $3, 1, 1)",
                vec![json!(r.id), json!(ws), json!(payload(r).to_string())],
            ),
            (
                "INSERT INTO sync_audit (id, workstation, at, prev_hash, hash, hash_ok)
                 VALUES ($1, $2, 1, $3, $4, 1)",
                vec![json!(r.id), json!(ws), json!(r.prev_hash), json!(r.hash)],
            ),
        ]
    };
    h.sql(&recs.iter().flat_map(insert).collect::<Vec<_>>());
    let check = h.check(&cred);
    assert_eq!(check["linked"], 3, "{check}");
    assert_eq!(check["forged"], true, "{check}");
    assert_eq!(check["forgeries"][0]["kind"], "unsigned_chain", "{check}");
    assert_eq!(check["intact"], false);
    // A head written in too, signed by another key: still forged, and says so.
    let stranger = WorkstationCredential::new(&ws, generate_key().unwrap());
    let fake = head(&stranger, &recs, 3);
    let key_id = h.scalar(
        "SELECT id FROM workstation_keys WHERE workstation_id = $1",
        &ws,
    );
    h.sql(&[(
        "INSERT INTO audit_heads (id, workstation, seq, hash, signature, key_id, received_at)
         VALUES ($1, $2, 3, $3, $4, $5, $6)",
        vec![
            json!(uuid::Uuid::now_v7().to_string()),
            json!(ws),
            fake["hash"].clone(),
            fake["signature"].clone(),
            json!(key_id),
            json!(now_ms()),
        ],
    )]);
    let check = h.check(&cred);
    assert_eq!(check["forged"], true, "{check}");
    let kinds: Vec<&str> = check["forgeries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["head_signature", "unsigned_chain"], "{check}");

    // A genuine chain, then its last entry rewritten in the database (re-hashed so the
    // links hold): the signed head no longer matches the chain.
    let cred = h.enroll(&new_ws());
    let recs = chain(&h.root, 3);
    let all: Vec<(Value, i64)> = recs.iter().map(|r| (payload(r), 1)).collect();
    assert!(accepted(&h.push(&cred, &all, Some(head(&cred, &recs, 3)))));
    let mut rewritten = payload(&recs[2]);
    rewritten["subject"] = json!("someone else");
    rewritten["hash"] = json!(rehash(&rewritten));
    assert_ne!(rewritten["hash"], json!(recs[2].hash));
    h.sql(&[(
        "UPDATE sync_records SET payload = $1 WHERE id = $2",
        vec![json!(rewritten.to_string()), json!(recs[2].id)],
    )]);
    let check = h.check(&cred);
    assert_eq!(check["forged"], true, "{check}");
    assert_eq!(check["forgeries"][0]["kind"], "head_off_chain", "{check}");
    assert_eq!(check["edits"], json!([]), "consistent hashes: {check}");

    // Rows appended after the last signed head: unsigned.
    let cred = h.enroll(&new_ws());
    let ws = cred.workstation_id().to_owned();
    let recs = chain(&h.root, 3);
    let first: Vec<(Value, i64)> = recs[..2].iter().map(|r| (payload(r), 1)).collect();
    assert!(accepted(&h.push(
        &cred,
        &first,
        Some(head(&cred, &recs, 2))
    )));
    h.sql(&insert_for(&ws, &recs[2]));
    let check = h.check(&cred);
    assert_eq!(
        (check["signed_through"].as_u64(), check["unsigned"].as_u64()),
        (Some(2), Some(1)),
        "{check}"
    );
    assert_eq!(check["intact"], false, "{check}");
}

fn insert_for(ws: &str, r: &AuditRecord) -> Vec<(&'static str, Vec<Value>)> {
    vec![(
        "INSERT INTO sync_records (id, workstation, kind, version, payload, received_at, updated_at)
         VALUES ($1, $2, 'audit', 1, $3, 1, 1)",
        vec![json!(r.id), json!(ws), json!(payload(r).to_string())],
    )]
}

/// The hash the workstation's audit code gives an entry (SHA-256 of its canonical fields).
fn rehash(p: &Value) -> String {
    use sha2::Digest;
    let canonical = json!({
        "id": p["id"], "at": p["at"], "actor": p["actor"], "action": p["action"],
        "subject": p["subject"], "detail": p["detail"], "prev_hash": p["prev_hash"],
    });
    // serde_json without preserve_order sorts keys; the workstation writes them in field
    // order, so build the text in that order.
    let text = format!(
        "{{\"id\":{},\"at\":{},\"actor\":{},\"action\":{},\"subject\":{},\"detail\":{},\"prev_hash\":{}}}",
        canonical["id"], canonical["at"], canonical["actor"], canonical["action"],
        canonical["subject"], canonical["detail"], canonical["prev_hash"]
    );
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn chain_verifies_across_reenrollment(h: &Hall) {
    let ws = new_ws();
    let first_key = h.enroll(&ws);
    let recs = chain(&h.root, 4);
    let first: Vec<(Value, i64)> = recs[..2].iter().map(|r| (payload(r), 1)).collect();
    assert!(accepted(&h.push(
        &first_key,
        &first,
        Some(head(&first_key, &recs, 2))
    )));
    // Re-enrollment: a new key from now on; heads already kept stay signed by the old one.
    let second_key = h.enroll(&ws);
    let rest: Vec<(Value, i64)> = recs[2..].iter().map(|r| (payload(r), 1)).collect();
    let acks = h.push(&second_key, &rest, Some(head(&first_key, &recs, 4)));
    assert!(
        acks.iter().all(|a| a["code"] == "audit_head_invalid"),
        "the retired key signs no more: {acks:?}"
    );
    assert!(accepted(&h.push(
        &second_key,
        &rest,
        Some(head(&second_key, &recs, 4))
    )));
    let check = h.check(&second_key);
    assert_eq!(check["intact"], true, "{check}");
    assert_eq!(check["heads"], 2, "{check}");
    assert_eq!(check["signed_through"], 4, "{check}");
    assert_eq!(check["forged"], false, "{check}");
}

#[test]
fn i15_audit_resent_with_changed_content_is_kept_aside_and_flagged() {
    resent_with_changed_content_is_kept_aside(&hall(None));
}

#[test]
fn i15_audit_heads_that_do_not_verify_are_refused() {
    heads_that_do_not_verify_are_refused(&hall(None));
}

#[test]
fn i15_audit_chain_not_signed_by_the_workstation_key_is_reported_forged() {
    forged_chains_are_reported(&hall(None));
}

#[test]
fn i15_audit_chain_verifies_across_reenrollment() {
    chain_verifies_across_reenrollment(&hall(None));
}

#[test]
fn i15_audit_signed_chain_on_postgres() {
    let Some(url) = pg_url() else { return };
    let h = hall(Some(url));
    resent_with_changed_content_is_kept_aside(&h);
    heads_that_do_not_verify_are_refused(&h);
    forged_chains_are_reported(&h);
    chain_verifies_across_reenrollment(&h);
}
