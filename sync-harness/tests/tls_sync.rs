//! The workstation's side of TLS (issue 15 item 3) against the real server over HTTPS: sync
//! with the hall CA works; a server certificate of another CA and a pin mismatch are refused
//! with typed errors and Chinese messages, on the sync client, the login client and the
//! reachability monitor alike; nothing is parked for a refused connection.

use std::time::Duration;

use serde_json::json;
use yichuang_core::domain::login::{AuthApi, AuthClient, AuthFailure, GrantKey};
use yichuang_core::infra::backend::{self, BackendStatus};
use yichuang_core::infra::credential::WorkstationCredential;
use yichuang_core::infra::http::{self, BackendTls, TlsProblem};
use yichuang_core::infra::keystore::StoreKey;
use yichuang_core::infra::store::Store;
use yichuang_core::infra::sync::{outbox, SyncConfig, SyncEngine, SyncError};
use yichuang_core::ErrorCode;
use yichuang_server::ServerConfig;
use yichuang_sync_harness::bench::background_server_url;
use yichuang_sync_harness::enroll::Admin;
use yichuang_sync_harness::tls::HarnessTls;

/// Windows handed out to the tests' workstations (one server per test, several engines).
static NEXT_WINDOW: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
use yichuang_testkit::pki::TestCa;

struct Env {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    url: url::Url,
    tls: HarnessTls,
    config: ServerConfig,
    stop: Option<Box<dyn FnOnce()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let tls = HarnessTls::in_dir(&root.join("tls")).unwrap();
    let mut config = ServerConfig::sqlite("127.0.0.1:0".parse().unwrap(), root.join("server"));
    tls.apply(&mut config);
    let ((url, _), stop) = background_server_url(config.clone()).unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    Env {
        _dir: dir,
        root,
        url: url::Url::parse(&url).unwrap(),
        tls,
        config,
        stop: Some(Box::new(stop)),
    }
}

impl Env {
    /// A store with one pending record, and an engine with `tls`.
    fn engine(&self, name: &str, tls: BackendTls) -> (Store, SyncEngine) {
        let key = StoreKey::from_bytes([3; 32]);
        let db = self.root.join(format!("{name}.db"));
        let mut store = Store::open_encrypted(&db, &key).unwrap();
        let id = uuid::Uuid::now_v7().to_string();
        store
            .transact(|tx| outbox::enqueue_record(tx, "memo", &id, 1, &json!({"n": 1}), 1_000))
            .unwrap();
        let mut cfg = SyncConfig::new(self.url.clone(), self.enroll());
        cfg.tls = tls;
        let engine = SyncEngine::new(Store::open_encrypted(&db, &key).unwrap(), None, cfg)
            .unwrap()
            .without_pull();
        (store, engine)
    }

    /// A workstation enrolled through the real route (with the right hall CA: enrollment
    /// itself is over TLS).
    fn enroll(&self) -> WorkstationCredential {
        let window = NEXT_WINDOW.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Admin::open(&self.config, self.url.clone())
            .unwrap()
            .with_tls(self.tls.client())
            .enroll("TLS", window)
            .unwrap()
    }

    /// A login client with `tls` (the grant key is never reached: the connection fails first).
    fn auth(&self, tls: &BackendTls) -> AuthClient {
        let grant = GrantKey {
            key_id: "unused".into(),
            public_key: "unused".into(),
        };
        AuthClient::new(self.url.clone(), tls, self.enroll(), grant).unwrap()
    }

    /// The SHA-256 pin of the server certificate the harness made.
    fn server_pin(&self) -> [u8; 32] {
        let pem = std::fs::read_to_string(&self.tls.server.cert_file).unwrap();
        let der = yichuang_pki::Cert::parse(pem.as_bytes()).unwrap();
        http::spki_sha256(der.der()).unwrap()
    }
}

fn other_ca_file(env: &Env) -> std::path::PathBuf {
    let other = TestCa::new("another CA");
    let path = env.root.join("other-ca.pem");
    std::fs::write(&path, &other.cert_pem).unwrap();
    path
}

#[test]
fn i15_sync_over_tls_with_the_hall_ca_and_its_pin() {
    let env = env();
    let (store, mut engine) = env.engine("hall", env.tls.client());
    assert_eq!(engine.run_once().unwrap().pushed, 1);
    assert_eq!(store.pending_sync_count().unwrap(), 0);

    let pinned = BackendTls {
        pin_sha256: Some(env.server_pin()),
        ..env.tls.client()
    };
    let (store, mut engine) = env.engine("pinned", pinned);
    assert_eq!(engine.run_once().unwrap().pushed, 1);
    assert_eq!(store.pending_sync_count().unwrap(), 0);
}

#[test]
fn i15_server_certificate_of_another_ca_is_refused() {
    let env = env();
    let tls = BackendTls {
        ca_file: Some(other_ca_file(&env)),
        pin_sha256: None,
    };
    let (store, mut engine) = env.engine("other", tls.clone());
    let e = engine.run_once().unwrap_err();
    assert!(
        matches!(e, SyncError::Tls(TlsProblem::Untrusted(_))),
        "{e:?}"
    );
    assert_eq!(e.code(), ErrorCode::TlsUntrusted);
    assert!(e.message().contains("证书不受信任"), "{}", e.message());
    assert!(e.is_retryable());
    engine.record_error(&e);
    assert_eq!(store.pending_sync_count().unwrap(), 1, "nothing sent");
    let st = engine.status(None).unwrap();
    assert_eq!(st.parked_records, 0, "nothing parked");
    assert_eq!(
        st.last_error.as_ref().map(|e| e.code),
        Some(ErrorCode::TlsUntrusted),
        "{st:?}"
    );

    // Login: a typed refusal, not a fall-back to "unreachable".
    let auth = env.auth(&tls);
    match auth.challenge("440100-1") {
        Err(AuthFailure::Refused(e)) => {
            assert_eq!(e.code, ErrorCode::TlsUntrusted);
            assert!(e.message.contains("证书不受信任"), "{}", e.message);
        }
        other => panic!("expected a TLS refusal, got {other:?}"),
    }

    // The status bar: unreachable with the Chinese reason.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        let client = http::async_client(&tls, reqwest::Client::builder()).unwrap();
        backend::probe(&client, &env.url, Duration::from_secs(5)).await
    });
    match status {
        BackendStatus::Unreachable { reason } => {
            assert_eq!(reason, ErrorCode::TlsUntrusted.message())
        }
        other => panic!("{other:?}"),
    }
    // Without a CA file the public web roots do not know the hall CA either.
    let (_, mut engine) = env.engine("public-roots", BackendTls::default());
    assert!(matches!(
        engine.run_once().unwrap_err(),
        SyncError::Tls(TlsProblem::Untrusted(_))
    ));
}

#[test]
fn i15_pin_mismatch_is_refused_even_with_a_valid_chain() {
    let env = env();
    let mut wrong = env.server_pin();
    wrong[0] ^= 0xff;
    let tls = BackendTls {
        pin_sha256: Some(wrong),
        ..env.tls.client()
    };
    let (store, mut engine) = env.engine("wrong-pin", tls.clone());
    let e = engine.run_once().unwrap_err();
    assert!(
        matches!(e, SyncError::Tls(TlsProblem::PinMismatch)),
        "{e:?}"
    );
    assert_eq!(e.code(), ErrorCode::TlsPinMismatch);
    assert!(e.message().contains("指纹"), "{}", e.message());
    assert_eq!(store.pending_sync_count().unwrap(), 1);

    let auth = env.auth(&tls);
    assert!(matches!(
        auth.challenge("440100-1"),
        Err(AuthFailure::Refused(e)) if e.code == ErrorCode::TlsPinMismatch
    ));
}
