//! Issue 15: an HTTP probe of the running server as an attacker on the hall network would try
//! it, on SQLite and (with `YICHUANG_TEST_PG_URL`) PostgreSQL: no credential, a bad signature,
//! a tampered body, a replayed nonce, a stale timestamp, another workstation's credential on
//! its resources, a disabled workstation, an unbound or disabled clerk's session. Each is
//! refused with its status and a JSON error code, and nothing is read or written. Enrollment
//! codes are single use, expire, and are rate-limited; re-enrollment replaces the key.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use sqlx::Row;
use yichuang_server::auth::store::Clerk;
use yichuang_server::{ManualClock, ServerConfig};

use common::{
    any_port, client, enroll_body, fresh_nonce, issue_code, new_key, pg_url, random_hall,
};
use common::{Running, Ws};

/// The server binary as the admin CLI (another process) on the test's database.
fn admin(data_dir: &Path, db_url: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yichuang-server"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("YICHUANG_DATABASE_URL")
        .env("RUST_LOG", "warn");
    if let Some(url) = db_url {
        cmd.env("YICHUANG_DATABASE_URL", url);
    }
    let out = cmd.output().expect("run the admin CLI");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn count(server: &Running, sql: &str, arg: &str) -> i64 {
    sqlx::query(sql)
        .bind(arg)
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap()
}

async fn records_of(server: &Running, ws: &str) -> i64 {
    count(
        server,
        "SELECT COUNT(*) FROM sync_records WHERE workstation = $1",
        ws,
    )
    .await
}

/// Status and JSON body; every refusal is `ErrorBody` with a code.
async fn answer(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("a JSON body");
    (status, body)
}

fn refused(got: &(u16, Value), status: u16, code: &str) {
    assert_eq!(
        (got.0, got.1["code"].as_str()),
        (status, Some(code)),
        "{}",
        got.1
    );
    assert!(!got.1["message"].as_str().unwrap_or_default().is_empty());
}

fn push_body(id: &str, n: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({"records": [
        {"id": id, "kind": "memo", "version": n, "payload": {"n": n}}
    ]}))
    .unwrap()
}

async fn probe(db_url: Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let clock = Arc::new(ManualClock::starting_now());
    let mut config = ServerConfig::sqlite(any_port(), &data);
    config.database_url = db_url.clone();
    config.clock = clock.clone();
    config.auth.rate_limits.challenge_per_workstation.max = 3;
    config.auth.rate_limits.enroll_per_address.max = 1000;
    let server = Running::start(config).await;
    let db = db_url.as_deref();
    let hall = random_hall();
    let a = Ws::enroll(&server, &hall, 1).await;
    let b = Ws::enroll(&server, &hall, 2).await;
    let elsewhere = Ws::enroll(&server, &random_hall(), 1).await;
    assert_eq!(a.id, format!("{hall}-1"));
    assert_eq!(a.enrollment["window"], 1);
    assert_eq!(
        a.enrollment["server_instance_id"],
        server.instance_id.as_str()
    );

    // A's record, stored under A's id from the credential.
    let id = uuid::Uuid::now_v7().to_string();
    let (status, acks) = a
        .post_json(
            "/api/v1/sync/push",
            &json!({"records": [
        {"id": id, "kind": "memo", "version": 1, "payload": {"n": 1}}]}),
        )
        .await;
    assert_eq!(status, 200, "{acks}");
    assert_eq!(acks["acks"][0]["outcome"], "accepted");
    assert_eq!(records_of(&server, &a.id).await, 1);

    // 1. No credential: every route but health, version and enrollment.
    for (method, path) in [
        (Method::GET, "/api/v1/sync/catalog"),
        (Method::GET, "/api/v1/sync/clerks"),
        (Method::GET, "/api/v1/openapi.json"),
        (Method::GET, "/api/v1/auth/grant-key"),
        (Method::GET, "/api/v1/auth/session"),
        (Method::POST, "/api/v1/auth/challenge"),
        (Method::POST, "/api/v1/sync/push"),
        (Method::GET, "/api/v1/sync/stats"),
    ] {
        let got = answer(
            client()
                .request(method.clone(), server.url(path))
                .body(push_body(&id, 9))
                .send()
                .await
                .unwrap(),
        )
        .await;
        refused(&got, 401, "request_unsigned");
    }
    let sha = "ab".repeat(32);
    let got = answer(
        client()
            .put(server.url(&format!("/api/v1/sync/blobs/{sha}?offset=0&total=4")))
            .body(vec![1u8, 2, 3, 4])
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(&got, 401, "request_unsigned");
    for path in [&a.id, &b.id] {
        let got = answer(
            client()
                .get(server.url(&format!("/api/v1/sync/audit/{path}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        refused(&got, 401, "request_unsigned");
    }
    assert_eq!(
        common::get_json(&server.url("/api/v1/health")).await.0,
        200,
        "health stays open"
    );

    // 2. A bad signature: A's id signed with another key; a body that is not the one signed;
    // a stale timestamp; an unknown workstation.
    let forger = Ws {
        key: new_key(),
        ..a.clone()
    };
    let body = push_body(&id, 5);
    let got = answer(
        forger
            .request(Method::POST, "/api/v1/sync/push", Some(&body))
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(&got, 401, "request_signature_invalid");
    let got = answer(
        a.request(Method::POST, "/api/v1/sync/push", Some(&push_body(&id, 1)))
            .body(body.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    refused(&got, 401, "request_signature_invalid");
    let got = answer(
        a.request_at(
            Method::POST,
            "/api/v1/sync/push",
            Some(&body),
            a.now_ms() - 6 * 60 * 1000,
            fresh_nonce(),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    refused(&got, 401, "request_stale");
    let stranger = Ws {
        id: format!("{hall}-99"),
        ..a.clone()
    };
    let got = answer(stranger.get("/api/v1/sync/catalog").await).await;
    refused(&got, 401, "workstation_unknown");

    // 3. A replayed request: the exact headers and body again.
    let nonce = fresh_nonce();
    let ts = a.now_ms();
    let catalog =
        |nonce: String| a.request_at(Method::GET, "/api/v1/sync/clerks", Some(b""), ts, nonce);
    assert_eq!(catalog(nonce.clone()).send().await.unwrap().status(), 200);
    let got = answer(catalog(nonce).send().await.unwrap()).await;
    refused(&got, 401, "request_replayed");
    let replayed = push_body(&uuid::Uuid::now_v7().to_string(), 1);
    let nonce = fresh_nonce();
    let send = |nonce: String| {
        a.request_at(
            Method::POST,
            "/api/v1/sync/push",
            Some(&replayed),
            ts,
            nonce,
        )
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .send()
    };
    assert_eq!(send(nonce.clone()).await.unwrap().status(), 200);
    assert_eq!(records_of(&server, &a.id).await, 2);
    let got = answer(send(nonce).await.unwrap()).await;
    refused(&got, 401, "request_replayed");

    // Nothing of the refused requests was written: A's record is at version 1.
    assert_eq!(records_of(&server, &a.id).await, 2);
    let version = sqlx::query("SELECT version FROM sync_records WHERE id = $1")
        .bind(&id)
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
        .try_get::<i64, _>(0)
        .unwrap();
    assert_eq!(version, 1);

    // 4. Another workstation's credential on A's resources.
    for path in [
        format!("/api/v1/sync/config/{}", a.id),
        format!("/api/v1/sync/audit/{}", a.id),
    ] {
        refused(&b.get_json(&path).await, 403, "forbidden");
        assert_eq!(a.get_json(&path).await.0, 200, "{path}: its own");
    }
    let (_, acks) = b
        .post_json(
            "/api/v1/sync/push",
            &json!({"records": [
            {"id": id, "kind": "memo", "version": 7, "payload": {"n": 7}}]}),
        )
        .await;
    assert_eq!(acks["acks"][0]["code"], "id_conflict", "{acks}");
    assert_eq!(records_of(&server, &b.id).await, 0);
    // A partial upload of A: B may neither write into it nor restart it, and sees none of it.
    // Unique per run: the PostgreSQL test database outlives a run.
    let content: Vec<u8> = format!("{:<100}", uuid::Uuid::new_v4().to_string()).into_bytes();
    let sha = yichuang_pki::credential::sha256_hex(&content);
    let put = |ws: &Ws, offset: usize, bytes: &[u8]| {
        ws.request(
            Method::PUT,
            &format!(
                "/api/v1/sync/blobs/{sha}?offset={offset}&total={}",
                content.len()
            ),
            None,
        )
        .body(bytes.to_vec())
        .send()
    };
    let first = answer(put(&a, 0, &content[..40]).await.unwrap()).await;
    assert_eq!(
        (first.0, first.1["received"].as_u64()),
        (200, Some(40)),
        "{}",
        first.1
    );
    refused(
        &answer(put(&b, 0, &[0u8; 40]).await.unwrap()).await,
        409,
        "upload_owned_elsewhere",
    );
    refused(
        &answer(put(&b, 40, &content[40..]).await.unwrap()).await,
        409,
        "upload_owned_elsewhere",
    );
    let (status, st) = b
        .get_json(&format!("/api/v1/sync/blobs/{sha}/status"))
        .await;
    assert_eq!((status, st["received"].as_u64()), (200, Some(0)));
    let (_, st) = a
        .get_json(&format!("/api/v1/sync/blobs/{sha}/status"))
        .await;
    assert_eq!(st["received"], 40, "A's bytes untouched");
    // A body hash where UNSIGNED-PAYLOAD belongs (and the reverse) is refused.
    let got = answer(
        a.request(
            Method::PUT,
            &format!("/api/v1/sync/blobs/{sha}?offset=40&total=100"),
            Some(&content[40..]),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    refused(&got, 401, "request_signature_invalid");
    let done = answer(put(&a, 40, &content[40..]).await.unwrap()).await;
    assert_eq!(done.1["complete"], true, "{}", done.1);

    // 5. Clerk sessions: bound to the workstation, re-checked against the binding at use.
    let now = yichuang_server::Clock::now_ms(clock.as_ref());
    let clerk = |id: &str, permissions: &[&str]| Clerk {
        id: id.into(),
        name: "probe".into(),
        department: "d".into(),
        post: "p".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    };
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (admin_id, plain_id) = (format!("P-ADM-{suffix}"), format!("P-CLK-{suffix}"));
    let cert = make_cert(tmp.path());
    let mut sessions = Vec::new();
    for (cid, perms) in [(&admin_id, &["admin"][..]), (&plain_id, &["accept"][..])] {
        yichuang_server::Database::upsert_clerk(&server.state.db.pool, &clerk(cid, perms), now)
            .await
            .unwrap();
        let c = yichuang_pki::Cert::parse(
            &std::fs::read(cert.join(format!("{}.pem", perms[0]))).unwrap(),
        )
        .unwrap();
        server.state.db.bind_cert(cid, &c, now).await.unwrap();
        let token = format!("token-{cid}");
        server
            .state
            .db
            .create_session(
                &yichuang_server::auth::token_hash(&token),
                cid,
                &a.id,
                &c.fingerprint(),
                now,
                now + 3_600_000,
            )
            .await
            .unwrap();
        sessions.push((token, c));
    }
    let (admin_token, plain_token) = (&sessions[0].0, &sessions[1].0);
    let (status, me) = a
        .get_with_session("/api/v1/auth/session", admin_token)
        .await;
    assert_eq!((status, me["id"].as_str()), (200, Some(admin_id.as_str())));
    // Another workstation presenting A's clerk's token.
    refused(
        &b.get_with_session("/api/v1/auth/session", admin_token)
            .await,
        401,
        "unauthorized",
    );
    // Stats: the admin permission only.
    assert_eq!(
        a.get_with_session("/api/v1/sync/stats", admin_token)
            .await
            .0,
        200
    );
    refused(
        &a.get_with_session("/api/v1/sync/stats", plain_token).await,
        403,
        "permission_denied",
    );
    refused(&a.get_json("/api/v1/sync/stats").await, 401, "unauthorized");
    // Blobs: a clerk of the hall that uploaded it reads it; another hall's clerk does not.
    let got = a
        .request(Method::GET, &format!("/api/v1/sync/blobs/{sha}"), Some(b""))
        .bearer_auth(plain_token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), content.as_slice());
    refused(
        &a.get_json(&format!("/api/v1/sync/blobs/{sha}")).await,
        401,
        "unauthorized",
    );
    let other_hall_session = {
        let token = format!("token-elsewhere-{suffix}");
        server
            .state
            .db
            .create_session(
                &yichuang_server::auth::token_hash(&token),
                &plain_id,
                &elsewhere.id,
                &sessions[1].1.fingerprint(),
                now,
                now + 3_600_000,
            )
            .await
            .unwrap();
        token
    };
    let (status, err) = elsewhere
        .get_with_session(&format!("/api/v1/sync/blobs/{sha}"), &other_hall_session)
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("blob_not_found")),
        "{err}"
    );

    // Unbinding (the CLI, another process) ends the session at once; disabling a clerk too.
    let serial = sessions[0].1.serial_hex();
    let out = admin(
        &data,
        db,
        &["cert", "unbind", "--clerk", &admin_id, "--serial", &serial],
    );
    assert!(out.contains("unbound 1"), "{out}");
    refused(
        &a.get_with_session("/api/v1/auth/session", admin_token)
            .await,
        401,
        "session_ended",
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM auth_sessions WHERE clerk_id = $1 AND ended_at IS NULL",
            &admin_id
        )
        .await,
        0,
        "the unbinding ended the session"
    );
    let out = admin(&data, db, &["clerk", "disable", &plain_id]);
    assert!(out.contains("disabled"), "{out}");
    refused(
        &a.get_with_session("/api/v1/sync/stats", plain_token).await,
        401,
        "session_ended",
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM auth_sessions WHERE clerk_id = $1 AND ended_at IS NULL",
            &plain_id
        )
        .await,
        0
    );

    // 6. Rate limits on the login challenge: 429 with Retry-After and a JSON body.
    for _ in 0..3 {
        assert_eq!(
            b.post_json("/api/v1/auth/challenge", &json!({})).await.0,
            200
        );
    }
    let resp = b
        .request(Method::POST, "/api/v1/auth/challenge", Some(b""))
        .send()
        .await
        .unwrap();
    let retry: u64 = resp.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    refused(&answer(resp).await, 429, "rate_limited");

    // 7. A disabled workstation (the admin CLI, another process): refused within the key
    // cache's lifetime, and nothing written; enabled again, it works.
    let out = admin(&data, db, &["workstation", "disable", &a.id]);
    assert!(out.contains(&format!("disabled {}", a.id)), "{out}");
    let disabled_at = Instant::now();
    loop {
        let got = a.get_json("/api/v1/sync/clerks").await;
        if got.0 == 403 {
            refused(&got, 403, "workstation_disabled");
            break;
        }
        assert!(
            disabled_at.elapsed() < Duration::from_secs(3),
            "still served {:?} after disable",
            disabled_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = records_of(&server, &a.id).await;
    let got = a
        .post_json("/api/v1/sync/push", &json!({"records": [
            {"id": uuid::Uuid::now_v7().to_string(), "kind": "memo", "version": 1, "payload": {}}]}))
        .await;
    refused(&got, 403, "workstation_disabled");
    assert_eq!(records_of(&server, &a.id).await, before);
    let list = admin(&data, db, &["workstation", "list"]);
    assert!(
        list.contains(&format!("{}\thall={hall}\twindow=1\tdisabled", a.id)),
        "{list}"
    );
    admin(&data, db, &["workstation", "enable", &a.id]);
    let enabled_at = Instant::now();
    while a.get_json("/api/v1/sync/clerks").await.0 != 200 {
        assert!(enabled_at.elapsed() < Duration::from_secs(3));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // 8. Enrollment codes: single use, unknown, expired, bad proof; re-enrollment replaces the key.
    let out = admin(
        &data,
        db,
        &["workstation", "enroll", "--hall", &hall, "--window", "1"],
    );
    let code = out
        .lines()
        .find_map(|l| l.strip_prefix("code "))
        .expect("the code is printed")
        .to_owned();
    assert_eq!(code.len(), 14, "ABCD-EFGH-JKMN: {code}");
    let enroll = |body: Value| {
        client()
            .post(server.url("/api/v1/enroll"))
            .json(&body)
            .send()
    };
    let new = new_key();
    let mut bad = enroll_body(&code, &new);
    bad["proof"] = enroll_body(&code, &new_key())["proof"].clone();
    refused(
        &answer(enroll(bad).await.unwrap()).await,
        401,
        "enrollment_code_invalid",
    );
    let got = answer(
        enroll(enroll_body(&code.to_lowercase(), &new))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (got.0, got.1["workstation_id"].as_str()),
        (200, Some(a.id.as_str()))
    );
    refused(
        &answer(enroll(enroll_body(&code, &new_key())).await.unwrap()).await,
        401,
        "enrollment_code_invalid",
    );
    refused(
        &answer(
            enroll(enroll_body("AAAA-BBBB-CCCC", &new_key()))
                .await
                .unwrap(),
        )
        .await,
        401,
        "enrollment_code_invalid",
    );
    let (_, stale) = issue_code(&server, &hall, 3).await;
    clock.advance_ms(25 * 3_600_000);
    refused(
        &answer(enroll(enroll_body(&stale, &new_key())).await.unwrap()).await,
        401,
        "enrollment_code_invalid",
    );
    // The old key of A is refused (within the key cache's lifetime), the new one works; the old
    // stays in the key history.
    let replaced_at = Instant::now();
    loop {
        let got = a.get_json("/api/v1/sync/clerks").await;
        if got.0 == 401 {
            refused(&got, 401, "request_signature_invalid");
            break;
        }
        assert!(
            replaced_at.elapsed() < Duration::from_secs(3),
            "old key still served"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let renewed = Ws {
        key: new,
        ..a.clone()
    };
    let renewed_wait = Instant::now();
    loop {
        let got = renewed.get_json("/api/v1/sync/clerks").await;
        if got.0 == 200 {
            break;
        }
        assert!(
            renewed_wait.elapsed() < Duration::from_secs(3),
            "{}",
            got.1["code"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM workstation_keys WHERE workstation_id = $1",
            &a.id
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM workstation_keys WHERE workstation_id = $1 AND valid_to IS NULL",
            &a.id
        )
        .await,
        1
    );
    // Only the hash of a code is kept.
    let plain = code.replace('-', "");
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM enrollment_codes WHERE code_hash = $1",
            &plain
        )
        .await,
        0
    );
    server.stop().await;
}

/// Two self-signed P-256 certificates, `admin.pem` and `accept.pem` (the probe's clerks).
fn make_cert(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("certs");
    std::fs::create_dir_all(&out).unwrap();
    for name in ["admin", "accept"] {
        let status = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
                "-subj",
            ])
            .arg(format!("/CN=probe-{name}"))
            .arg("-keyout")
            .arg(out.join(format!("{name}.key")))
            .arg("-out")
            .arg(out.join(format!("{name}.pem")))
            .output()
            .expect("openssl");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
    out
}

#[tokio::test]
async fn i15_http_probe_is_refused_and_changes_nothing_on_sqlite() {
    probe(None).await;
}

#[tokio::test]
async fn i15_http_probe_is_refused_and_changes_nothing_on_postgres() {
    let Some(url) = pg_url() else { return };
    probe(Some(url)).await;
}
