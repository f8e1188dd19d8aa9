//! TLS and CRL reload (issue 15 items 3 and 6) over real sockets: the server speaks HTTPS
//! with a certificate of a hall CA made at run time (`yichuang_testkit::pki`), picks up a new
//! certificate without a restart, keeps the old one when the new files are broken, refuses
//! plain HTTP on a non-loopback address, revokes a clerk certificate when a new CRL is dropped
//! into the CRL directory, and refuses logins of a CA whose CRL is out of date after the grace.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use reqwest::Method;
use serde_json::{json, Value};
use yichuang_server::config::{AdminCommand, CertCommand, ClerkCommand};
use yichuang_server::{ManualClock, Server, ServerConfig, TlsConfig};
use yichuang_testkit::pki::{Duration as TimeSpan, Issued, OffsetDateTime, TestCa};

use common::{any_port, Running, Spawned};

/// A client that trusts only `ca` (no public web roots), on a fresh connection pool.
fn client_trusting(ca: &TestCa) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `Ok(status)` of GET /health over a new connection trusting only `ca`, or the error text.
async fn health(ca: &TestCa, base: &str) -> Result<u16, String> {
    client_trusting(ca)
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

/// Waits (up to 20 s) for `probe` to hold, polling every 50 ms.
async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !probe().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn tls_files(dir: &Path, pair: &Issued) -> TlsConfig {
    let files = TlsConfig {
        cert_file: dir.join("server.pem"),
        key_file: dir.join("server.key"),
    };
    pair.write_pem(&files.cert_file, &files.key_file);
    files
}

#[tokio::test]
async fn i15_https_with_hall_ca_and_reload_without_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let (hall, other) = (TestCa::new("hall CA"), TestCa::new("other CA"));
    let files = tls_files(tmp.path(), &hall.server_cert(&[]));
    let mut config = ServerConfig::sqlite(any_port(), tmp.path().join("data"));
    config.tls = Some(files.clone());
    config.reload_interval = Duration::from_millis(100);
    let server = Running::start(config).await;
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );

    // The hall CA verifies; another CA and plain HTTP do not get an answer.
    assert_eq!(health(&hall, &server.base).await, Ok(200));
    let err = health(&other, &server.base).await.unwrap_err();
    assert!(err.contains("UnknownIssuer"), "{err}");
    let plain = server.base.replacen("https://", "http://", 1);
    let resp = common::client()
        .get(format!("{plain}/api/v1/health"))
        .send()
        .await;
    assert!(
        resp.is_err() || !resp.unwrap().status().is_success(),
        "plain HTTP refused"
    );

    // A new pair from the other CA replaces the files: new connections see it, no restart.
    other
        .server_cert(&[])
        .write_pem(&files.cert_file, &files.key_file);
    eventually("the other CA's certificate is served", || async {
        health(&other, &server.base).await == Ok(200)
    })
    .await;
    assert!(health(&hall, &server.base).await.is_err());

    server.stop().await;
}

#[tokio::test]
async fn i15_broken_pair_on_sighup_keeps_the_old_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let hall = TestCa::new("hall CA");
    let files = tls_files(tmp.path(), &hall.server_cert(&[]));
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let spawned = Spawned::start(
        &data,
        &[
            ("YICHUANG_TLS_CERT", files.cert_file.to_str().unwrap()),
            ("YICHUANG_TLS_KEY", files.key_file.to_str().unwrap()),
            ("YICHUANG_RELOAD_SECS", "3600"),
        ],
    );
    assert!(spawned.base.starts_with("https://"), "{}", spawned.base);
    assert_eq!(health(&hall, &spawned.base).await, Ok(200));

    yichuang_testkit::pki::write_atomic(&files.cert_file, b"garbage");
    spawned.signal(nix::sys::signal::Signal::SIGHUP);
    eventually("the broken pair is reported", || async {
        spawned.stderr().contains("still serving the previous pair")
    })
    .await;
    assert_eq!(health(&hall, &spawned.base).await, Ok(200));

    // A good pair of another CA on SIGHUP (the poll interval is an hour).
    let other = TestCa::new("other CA");
    other
        .server_cert(&[])
        .write_pem(&files.cert_file, &files.key_file);
    spawned.signal(nix::sys::signal::Signal::SIGHUP);
    eventually("SIGHUP loads the new pair", || async {
        health(&other, &spawned.base).await == Ok(200)
    })
    .await;
    spawned.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(spawned.wait(Duration::from_secs(10)).await.success());
}

#[tokio::test]
async fn i15_plain_http_is_refused_on_a_non_loopback_address() {
    let tmp = tempfile::tempdir().unwrap();
    let config = ServerConfig::sqlite("0.0.0.0:0".parse().unwrap(), tmp.path());
    let err = Server::bind(config.clone()).await.unwrap_err();
    assert_eq!(err.code(), "plain_http_refused");
    assert!(err.message().contains("--tls-cert"), "{}", err.message());

    let mut insecure = config;
    insecure.insecure_http = true;
    let server = Server::bind(insecure)
        .await
        .expect("explicit --insecure-http");
    assert!(server.url().starts_with("http://"));

    // A broken certificate file stops the start with a typed error.
    let mut broken = ServerConfig::sqlite(any_port(), tmp.path());
    let files = TlsConfig {
        cert_file: tmp.path().join("none.pem"),
        key_file: tmp.path().join("none.key"),
    };
    broken.tls = Some(files);
    let err = Server::bind(broken).await.unwrap_err();
    assert_eq!(err.code(), "tls_config");
}

// ---- CRLs -------------------------------------------------------------------------------

/// The enrolled workstation of the current test server.
static WS: tokio::sync::Mutex<std::collections::BTreeMap<String, common::Ws>> =
    tokio::sync::Mutex::const_new(std::collections::BTreeMap::new());

async fn login(server: &Running, clerk: &Issued) -> (u16, Value) {
    // The workstation is enrolled once per server (window 1 of a random hall).
    let ws = {
        let mut enrolled = WS.lock().await;
        match enrolled.get(&server.base) {
            Some(ws) => ws.clone(),
            None => {
                let ws = common::Ws::enroll(server, &common::random_hall(), 1).await;
                enrolled.insert(server.base.clone(), ws.clone());
                ws
            }
        }
    };
    let post = |path: &'static str, body: Value| {
        let bytes = serde_json::to_vec(&body).unwrap();
        // Request signatures are checked against the real clock (the manual one only moves
        // certificate and CRL time).
        ws.request(Method::POST, path, Some(&bytes))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .send()
    };
    let challenge: Value = post("/api/v1/auth/challenge", json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = challenge["challenge_id"]
        .as_str()
        .unwrap_or_else(|| panic!("challenge refused: {challenge}"));
    let nonce = challenge["nonce"].as_str().unwrap();
    let signature = clerk.sign(format!("yichuang-login|{id}|{nonce}").as_bytes());
    let resp = post(
        "/api/v1/auth/login",
        json!({
            "challenge_id": id,
            "certificate": B64.encode(&clerk.cert_der),
            "signature": B64.encode(signature),
        }),
    )
    .await
    .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// A server trusting `ca` (from `ca_dir`) with CRLs in `crl_dir`, and clerk `T-1` bound to a
/// fresh certificate of `ca` with serial 0x1501.
async fn crl_server(tmp: &Path, ca: &TestCa, clock: Arc<ManualClock>) -> (Running, Issued) {
    let (ca_dir, crl_dir) = (tmp.join("ca"), tmp.join("crl"));
    std::fs::create_dir_all(&ca_dir).unwrap();
    std::fs::create_dir_all(&crl_dir).unwrap();
    std::fs::write(ca_dir.join("hall.pem"), &ca.cert_pem).unwrap();
    let clerk = ca.clerk_cert("clerk one", &[0x15, 0x01]);
    let mut config = ServerConfig::sqlite(any_port(), tmp.join("data"));
    // The tests poll logins until the reloaded CRL shows, on a manual clock that does not
    // move the rate limiter's window: no limit in the way.
    let many = yichuang_server::workstation::ratelimit::Limit::per_minute(100_000);
    config.auth.rate_limits.challenge_per_workstation = many;
    config.auth.rate_limits.challenge_per_address = many;
    config.auth.rate_limits.login_per_workstation = many;
    config.auth.rate_limits.login_per_address = many;
    config.auth.ca_dir = Some(ca_dir);
    config.auth.crl_dir = Some(crl_dir);
    config.auth.crl_grace_ms = 3_600_000;
    config.reload_interval = Duration::from_millis(100);
    config.clock = clock;
    let csv = tmp.join("clerks.csv");
    std::fs::write(
        &csv,
        "id,name,department,post,permissions\nT-1,Clerk One,Hall,Window,accept\n",
    )
    .unwrap();
    let cert = tmp.join("clerk.der");
    std::fs::write(&cert, &clerk.cert_der).unwrap();
    for cmd in [
        AdminCommand::Clerk(ClerkCommand::Import { file: csv }),
        AdminCommand::Cert(CertCommand::Bind {
            clerk: "T-1".into(),
            file: cert,
        }),
    ] {
        yichuang_server::admin::run(&config, &cmd).await.unwrap();
    }
    (Running::start(config).await, clerk)
}

#[tokio::test]
async fn i15_new_crl_in_the_directory_revokes_without_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::new("hall clerk CA");
    let now = OffsetDateTime::now_utc();
    let clock = Arc::new(ManualClock::starting_now());
    let (server, clerk) = crl_server(tmp.path(), &ca, clock).await;
    let (status, body) = login(&server, &clerk).await;
    assert_eq!(status, 200, "{body}");

    // IT drops a CRL listing the clerk's serial.
    let crl = ca.crl(&[&[0x15, 0x01]], 2, now, now + TimeSpan::days(7));
    yichuang_testkit::pki::write_atomic(&tmp.path().join("crl/hall.crl.pem"), crl.as_bytes());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let last = loop {
        let (status, body) = login(&server, &clerk).await;
        if status == 403 && body["code"] == "cert_revoked" {
            break body;
        }
        assert_eq!(status, 200, "{body}");
        assert!(
            tokio::time::Instant::now() < deadline,
            "the CRL was not loaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(last["message"], "证书已被吊销", "{last}");
    server.stop().await;
}

#[tokio::test]
async fn i15_outdated_crl_refuses_logins_after_the_grace() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = TestCa::new("hall clerk CA");
    let now = OffsetDateTime::now_utc();
    std::fs::create_dir_all(tmp.path().join("crl")).unwrap();
    // A CRL (revoking someone else) due for update in one hour.
    let crl = ca.crl(
        &[&[0x99]],
        1,
        now - TimeSpan::days(1),
        now + TimeSpan::hours(1),
    );
    std::fs::write(tmp.path().join("crl/hall.crl.pem"), crl).unwrap();
    let clock = Arc::new(ManualClock::starting_now());
    let (server, clerk) = crl_server(tmp.path(), &ca, clock.clone()).await;
    assert_eq!(login(&server, &clerk).await.0, 200);

    // Past nextUpdate but within the one-hour grace: still allowed.
    clock.advance_ms(90 * 60 * 1000);
    let (status, body) = login(&server, &clerk).await;
    assert_eq!(status, 200, "{body}");

    // Past the grace: a clear refusal naming the cause.
    clock.advance_ms(60 * 60 * 1000);
    let (status, body) = login(&server, &clerk).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("crl_outdated")),
        "{body}"
    );
    assert_eq!(
        body["message"],
        "证书吊销列表已过期，请联系信息技术人员更新后再登录"
    );

    // IT publishes a fresh CRL: logins work again without a restart.
    let crl = ca.crl(&[&[0x99]], 2, now, now + TimeSpan::days(7));
    yichuang_testkit::pki::write_atomic(&tmp.path().join("crl/hall.crl.pem"), crl.as_bytes());
    eventually("the fresh CRL is loaded", || async {
        login(&server, &clerk).await.0 == 200
    })
    .await;
    server.stop().await;
}
