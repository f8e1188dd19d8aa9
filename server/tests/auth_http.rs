//! UKey certificate login (issue 4) over real HTTP, on SQLite and (with
//! `YICHUANG_TEST_PG_URL`) PostgreSQL. The keys are the test UKeys of
//! `scripts/ukey-test.sh setup`: SoftHSM2 tokens (ECDSA 张三, RSA 李四, unbound 王五, expired
//! 赵六) signed through the PKCS#11 driver, and the simulated SKF key (SM2 钱七) through the SKF
//! driver. Clerks are imported and certificates bound with the admin CLI of the built binary.

mod common;
#[path = "../../drivers/tests/ukey_support/mod.rs"]
mod ukey_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use yichuang_drivers::ukey::{self, Backend, Ukey, UkeyConfig};
use yichuang_pki::{verify_grant, Cert, SignedGrant, VerifyingKey, MAX_GRANT_MS};
use yichuang_server::{ManualClock, ServerConfig};

use common::{any_port, pg_url, random_hall, Running, Ws};
use ukey_support::Setup;

/// One scenario at a time: a PKCS#11 login is per process and token, the SKF key is one device.
static KEYS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const SKF_DEVICE: &str = "YCSIM-UKEY-01";

fn keys_dir(s: &Setup) -> PathBuf {
    Path::new(s.var("SOFTHSM2_CONF"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run command");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").args(args).current_dir(dir));
}

/// The server binary as the admin CLI, on the test's database.
fn admin(data_dir: &Path, db_url: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yichuang-server"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("YICHUANG_DATABASE_URL")
        .env_remove("YICHUANG_CA_DIR")
        .env("RUST_LOG", "warn");
    if let Some(url) = db_url {
        cmd.env("YICHUANG_DATABASE_URL", url);
    }
    run(&mut cmd)
}

/// A UKey library and the key and certificate of one clerk on it.
struct Signer {
    ukey: Box<dyn Ukey>,
    key: String,
    cert_id: String,
    cert_der: Vec<u8>,
}

impl Signer {
    fn pkcs11(s: &Setup, label: &str) -> Signer {
        let mut u = ukey::open(&UkeyConfig {
            backend: Backend::Pkcs11,
            module: s.path("YICHUANG_PKCS11_MODULE"),
            vendor: None,
            skf_overrides: Default::default(),
        })
        .expect("open SoftHSM2");
        let key = u
            .keys()
            .unwrap()
            .into_iter()
            .find(|k| k.label == label)
            .unwrap_or_else(|| panic!("token {label}"))
            .id;
        let cert = u.certificates(&key).unwrap().remove(0);
        u.login(&key, s.var("YICHUANG_PKCS11_PIN")).unwrap();
        Signer {
            ukey: u,
            key,
            cert_id: cert.id,
            cert_der: cert.der,
        }
    }

    fn skf(s: &Setup) -> Signer {
        for cmd in ["insert", "unlock"] {
            run(Command::new(s.var("YICHUANG_SKF_SIM_BIN")).args([
                "--state",
                s.var("YICHUANG_SKF_SIM_STATE"),
                cmd,
            ]));
        }
        let mut u = ukey::open(&UkeyConfig {
            backend: Backend::Skf,
            module: s.path("YICHUANG_SKF_LIB"),
            vendor: Some("standard".into()),
            skf_overrides: Default::default(),
        })
        .expect("load the SKF library");
        u.keys().unwrap();
        let cert = u.certificates(SKF_DEVICE).unwrap().remove(0);
        u.login(SKF_DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
        Signer {
            ukey: u,
            key: SKF_DEVICE.into(),
            cert_id: cert.id,
            cert_der: cert.der,
        }
    }

    fn sign(&mut self, message: &[u8]) -> Vec<u8> {
        self.ukey
            .sign(&self.key, &self.cert_id, message)
            .expect("UKey signs")
            .bytes
    }
}

async fn challenge(ws: &Ws) -> (String, String) {
    let (status, body) = ws.post_json("/api/v1/auth/challenge", &json!({})).await;
    assert_eq!(status, 200, "{body}");
    let nonce = body["nonce"].as_str().unwrap().to_owned();
    assert_eq!(B64.decode(&nonce).unwrap().len(), 32);
    (body["challenge_id"].as_str().unwrap().to_owned(), nonce)
}

/// A login request signed by `signer` with `cert_der` (normally the key's own certificate).
async fn signed_login(
    _server: &Running,
    ws: &Ws,
    signer: &mut Signer,
    cert_der: Option<&[u8]>,
) -> Value {
    let (id, nonce) = challenge(ws).await;
    let sig = signer.sign(format!("yichuang-login|{id}|{nonce}").as_bytes());
    json!({
        "challenge_id": id,
        "certificate": B64.encode(cert_der.unwrap_or(&signer.cert_der)),
        "signature": B64.encode(sig),
    })
}

/// Posts a login and checks the refusal code and its Chinese message.
async fn refused(ws: &Ws, req: &Value, status: u16, code: &str, message: &str) {
    let (got, body) = ws.post_json("/api/v1/auth/login", req).await;
    assert_eq!(
        (got, body["code"].as_str().unwrap()),
        (status, code),
        "{body}"
    );
    assert_eq!(body["message"], message, "{body}");
    assert!(!body["detail"].as_str().unwrap().is_empty());
}

async fn grant_key(ws: &Ws) -> VerifyingKey {
    let (status, body) = ws.get_json("/api/v1/auth/grant-key").await;
    assert_eq!(status, 200);
    let bytes: [u8; 32] = B64
        .decode(body["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&bytes).unwrap();
    assert_eq!(body["key_id"], yichuang_pki::grant_key_id(&key));
    // The key the workstation pinned at enrollment.
    assert_eq!(ws.enrollment["grant_public_key"], body["public_key"]);
    assert_eq!(ws.enrollment["grant_key_id"], body["key_id"]);
    key
}

/// Logs in successfully and checks the clerk, session and offline grant.
async fn logs_in(server: &Running, ws: &Ws, req: &Value, clerk_id: &str, now_ms: i64) -> String {
    let (status, body) = ws.post_json("/api/v1/auth/login", req).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clerk"]["id"], clerk_id);
    let token = body["session_token"].as_str().unwrap().to_owned();
    assert_eq!(
        body["expires_at"].as_i64().unwrap(),
        now_ms + 12 * 3_600_000
    );

    let grant: SignedGrant = serde_json::from_value(body["offline_grant"].clone()).unwrap();
    let grant = verify_grant(&grant_key(ws).await, &grant, now_ms).unwrap();
    let cert = Cert::from_der(&B64.decode(req["certificate"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(grant.cert_fingerprint, cert.fingerprint());
    assert_eq!(grant.clerk_id, clerk_id);
    assert_eq!(grant.clerk_name, body["clerk"]["name"]);
    assert_eq!(grant.server_id, server.instance_id);
    assert_eq!(grant.issued_at, now_ms);
    assert!(grant.expires_at - grant.issued_at <= MAX_GRANT_MS);
    assert_eq!(grant.expires_at - grant.issued_at, 7 * 86_400_000);
    assert_eq!(grant.certificate().unwrap(), cert);

    let (status, clerk) = ws.get_with_session("/api/v1/auth/session", &token).await;
    assert_eq!(status, 200, "{clerk}");
    assert_eq!(clerk, body["clerk"]);
    token
}

/// Revokes `cert` with the test ECDSA CA and writes the CRL (PEM) into `crl_dir`.
fn make_crl(keys: &Path, work: &Path, cert: &Path, crl_dir: &Path) {
    std::fs::create_dir_all(work).unwrap();
    std::fs::write(work.join("index.txt"), "").unwrap();
    std::fs::write(
        work.join("ca.conf"),
        format!(
            "[ca]\ndefault_ca = t\n[t]\ndatabase = {}/index.txt\ndefault_md = sha256\ndefault_crl_days = 30\n",
            work.display()
        ),
    )
    .unwrap();
    let ca = keys.join("ca/ecdsa-ca.pem");
    let key = keys.join("ca/ecdsa-ca.key");
    let base = [
        "ca",
        "-config",
        "ca.conf",
        "-cert",
        ca.to_str().unwrap(),
        "-keyfile",
        key.to_str().unwrap(),
    ];
    let mut revoke = base.to_vec();
    revoke.extend(["-revoke", cert.to_str().unwrap()]);
    openssl(work, &revoke);
    let out = crl_dir.join("ecdsa.crl.pem");
    let mut gen = base.to_vec();
    gen.extend(["-gencrl", "-out", out.to_str().unwrap()]);
    openssl(work, &gen);
}

/// A CA with the real ECDSA CA's name but its own key, issuing 张三's public key.
fn forge_cert(keys: &Path, work: &Path) -> Vec<u8> {
    std::fs::create_dir_all(work).unwrap();
    openssl(
        work,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "rogue.key",
        ],
    );
    openssl(
        work,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rogue.key",
            "-sha256",
            "-days",
            "30",
            "-utf8",
            "-subj",
            "/C=CN/O=一窗受理测试/CN=一窗受理测试ECDSA根CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            "rogue.pem",
        ],
    );
    let csr = keys.join("ca/clerk-ecdsa.csr");
    let pubkey = keys.join("ca/clerk-ecdsa.pub.pem");
    openssl(
        work,
        &[
            "x509",
            "-req",
            "-in",
            csr.to_str().unwrap(),
            "-CA",
            "rogue.pem",
            "-CAkey",
            "rogue.key",
            "-CAcreateserial",
            "-force_pubkey",
            pubkey.to_str().unwrap(),
            "-days",
            "30",
            "-sha256",
            "-outform",
            "DER",
            "-out",
            "forged.der",
        ],
    );
    std::fs::read(work.join("forged.der")).unwrap()
}

async fn certificate_login(db_url: Option<String>) {
    let Some(s) = ukey_support::setup("server-auth") else {
        return;
    };
    let _keys = KEYS.lock().await;
    let keys = keys_dir(s);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ca_dir = tmp.path().join("ca");
    std::fs::create_dir_all(&ca_dir).unwrap();
    for ca in ["ecdsa-ca.pem", "sm2-ca.pem"] {
        std::fs::copy(keys.join("ca").join(ca), ca_dir.join(ca)).unwrap();
    }
    let db = db_url.as_deref();

    // Admin CLI: clerks and bindings (王五 stays unbound). Importing twice is an update.
    let csv = tmp.path().join("clerks.csv");
    std::fs::write(
        &csv,
        "id,name,department,post,permissions\n\
         T-ZS,张三,市政务服务中心,综合窗口,accept;query\n\
         T-LS,李四,市政务服务中心,不动产窗口,accept\n\
         T-QQ,钱七,区政务服务中心,综合窗口,accept;query;print\n",
    )
    .unwrap();
    for _ in 0..2 {
        let out = admin(&data, db, &["clerk", "import", csv.to_str().unwrap()]);
        assert!(out.contains("已导入 3 名工作人员"), "{out}");
    }
    for (clerk, cert) in [
        ("T-ZS", keys.join("ca/clerk-ecdsa.pem")),
        ("T-LS", keys.join("ca/clerk-rsa.der")),
        ("T-QQ", keys.join("skf/clerk.pem")),
    ] {
        let ca = ca_dir.to_str().unwrap();
        let out = admin(
            &data,
            db,
            &[
                "cert",
                "bind",
                "--clerk",
                clerk,
                "--ca-dir",
                ca,
                cert.to_str().unwrap(),
            ],
        );
        assert!(out.starts_with("bound "), "{out}");
    }
    let list = admin(&data, db, &["clerk", "list"]);
    assert!(
        list.contains("T-QQ\t钱七\t区政务服务中心\t综合窗口\taccept;query;print\tactive"),
        "{list}"
    );

    let clock = Arc::new(ManualClock::starting_now());
    let mut config = ServerConfig::sqlite(any_port(), &data);
    config.database_url = db_url.clone();
    config.auth.ca_dir = Some(ca_dir.clone());
    config.clock = clock.clone();
    // This scenario makes more logins a minute than a window would (the limits have their
    // own test).
    config.auth.rate_limits.login_per_workstation.max = 1000;
    config.auth.rate_limits.challenge_per_workstation.max = 1000;
    config.auth.rate_limits.login_per_address.max = 1000;
    config.auth.rate_limits.challenge_per_address.max = 1000;
    let server = Running::start(config.clone()).await;
    // A fresh hall per run: the PostgreSQL database outlives the test.
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let now = || yichuang_server::Clock::now_ms(clock.as_ref());
    let mut attempts = Vec::new();

    // The three algorithms log in.
    let mut zhang = Signer::pkcs11(s, "clerk-ecdsa");
    let mut li = Signer::pkcs11(s, "clerk-rsa");
    let mut qian = Signer::skf(s);
    let zhang_req = signed_login(&server, &ws, &mut zhang, None).await;
    let token = logs_in(&server, &ws, &zhang_req, "T-ZS", now()).await;
    let req = signed_login(&server, &ws, &mut li, None).await;
    logs_in(&server, &ws, &req, "T-LS", now()).await;
    let req = signed_login(&server, &ws, &mut qian, None).await;
    logs_in(&server, &ws, &req, "T-QQ", now()).await;
    attempts.extend(["ok", "ok", "ok"]);

    // Replaying a used challenge.
    refused(
        &ws,
        &zhang_req,
        400,
        "challenge_invalid",
        "登录请求已过期，请重试",
    )
    .await;
    // Unknown challenge.
    let mut req = zhang_req.clone();
    req["challenge_id"] = json!(uuid::Uuid::new_v4().to_string());
    refused(
        &ws,
        &req,
        400,
        "challenge_invalid",
        "登录请求已过期，请重试",
    )
    .await;
    attempts.extend(["challenge_invalid", "challenge_invalid"]);

    // Unbound (王五) and expired (赵六).
    let mut wang = Signer::pkcs11(s, "clerk-unbound");
    let req = signed_login(&server, &ws, &mut wang, None).await;
    refused(
        &ws,
        &req,
        403,
        "cert_not_bound",
        "该证书未绑定工作人员账号，请联系管理员",
    )
    .await;
    let mut zhao = Signer::pkcs11(s, "clerk-expired");
    let req = signed_login(&server, &ws, &mut zhao, None).await;
    refused(&ws, &req, 403, "cert_expired", "证书已过期").await;
    attempts.extend(["cert_not_bound", "cert_expired"]);

    // Tampered signature: one bit of `s` flipped, and a signature over another message.
    let mut req = signed_login(&server, &ws, &mut zhang, None).await;
    let mut sig = B64.decode(req["signature"].as_str().unwrap()).unwrap();
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    req["signature"] = json!(B64.encode(&sig));
    refused(&ws, &req, 401, "signature_invalid", "签名验证失败").await;
    let mut req = signed_login(&server, &ws, &mut qian, None).await;
    req["signature"] = json!(B64.encode(qian.sign(b"yichuang-login|other|message")));
    refused(&ws, &req, 401, "signature_invalid", "签名验证失败").await;
    // 张三's key signing with 李四's certificate.
    let req = signed_login(&server, &ws, &mut zhang, Some(&li.cert_der.clone())).await;
    refused(&ws, &req, 401, "signature_invalid", "签名验证失败").await;
    attempts.extend([
        "signature_invalid",
        "signature_invalid",
        "signature_invalid",
    ]);

    // Untrusted CA: a forged certificate for 张三's key from a CA with the same name.
    let forged = forge_cert(&keys, &tmp.path().join("rogue"));
    let req = signed_login(&server, &ws, &mut zhang, Some(&forged)).await;
    refused(&ws, &req, 403, "cert_untrusted", "证书不是受信任的CA签发").await;
    attempts.push("cert_untrusted");

    // Malformed certificate and body.
    let mut req = signed_login(&server, &ws, &mut zhang, None).await;
    req["certificate"] = json!(B64.encode(b"not a certificate"));
    refused(&ws, &req, 400, "cert_malformed", "证书格式错误，请检查UKey").await;
    attempts.push("cert_malformed");
    let (status, body) = ws
        .post_json("/api/v1/auth/login", &json!({ "challenge_id": 1 }))
        .await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (400, "bad_request"),
        "{body}"
    );
    attempts.push("bad_request");

    // An expired challenge (60 s).
    let req = signed_login(&server, &ws, &mut zhang, None).await;
    clock.advance_ms(61_000);
    refused(
        &ws,
        &req,
        400,
        "challenge_invalid",
        "登录请求已过期，请重试",
    )
    .await;
    attempts.push("challenge_invalid");

    // Sessions: a bad token, then the good one after 12 h.
    let (status, err) = ws.get_with_session("/api/v1/auth/session", "nope").await;
    assert_eq!((status, err["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = ws.get_json("/api/v1/auth/session").await;
    assert_eq!(status, 401);
    // The session is bound to the workstation that logged in: another workstation's
    // signature with it is refused.
    let other = Ws::enroll(&server, &ws.hall, 2).await;
    let (status, err) = other.get_with_session("/api/v1/auth/session", &token).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("unauthorized")),
        "{err}"
    );
    // The challenge and the login are the signing workstation's: a challenge issued to
    // another workstation does not log in here.
    let (id, nonce) = challenge(&other).await;
    let req = json!({
        "challenge_id": id,
        "certificate": B64.encode(&zhang.cert_der),
        "signature": B64.encode(zhang.sign(format!("yichuang-login|{id}|{nonce}").as_bytes())),
    });
    refused(
        &ws,
        &req,
        400,
        "challenge_invalid",
        "登录请求已过期，请重试",
    )
    .await;
    attempts.push("challenge_invalid");
    clock.advance_ms(12 * 3_600_000);
    let (status, _) = ws.get_with_session("/api/v1/auth/session", &token).await;
    assert_eq!(status, 401, "session expires after 12 h");

    // The OpenAPI document has the endpoints.
    let (_, doc) = ws.get_json("/api/v1/openapi.json").await;
    for (path, method) in [
        ("/api/v1/auth/challenge", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/grant-key", "get"),
        ("/api/v1/auth/session", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "missing {path}");
    }
    for schema in [
        "LoginRequest",
        "LoginResponse",
        "Clerk",
        "SignedGrant",
        "ChallengeResponse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "missing {schema}"
        );
    }
    let grant_key_before = grant_key(&ws).await;
    server.stop().await;

    // Revocation: 李四 is revoked in a CRL loaded at start; 张三 still logs in. The grant key
    // survives the restart.
    let crl_dir = tmp.path().join("crl");
    std::fs::create_dir_all(&crl_dir).unwrap();
    make_crl(
        &keys,
        &tmp.path().join("crl-work"),
        &keys.join("ca/clerk-rsa.pem"),
        &crl_dir,
    );
    config.auth.crl_dir = Some(crl_dir);
    let server = Running::start(config).await;
    // The same enrolled key on the restarted server.
    let ws = Ws {
        base: server.base.clone(),
        ..ws
    };
    assert_eq!(grant_key(&ws).await, grant_key_before);
    let req = signed_login(&server, &ws, &mut li, None).await;
    refused(&ws, &req, 403, "cert_revoked", "证书已被吊销").await;
    let req = signed_login(&server, &ws, &mut zhang, None).await;
    let token = logs_in(&server, &ws, &req, "T-ZS", now()).await;
    attempts.extend(["cert_revoked", "ok"]);

    // One audit row per attempt, all with the workstation of the credential.
    let audit = server.state.db.audit_for_workstation(&ws.id).await.unwrap();
    let outcomes: Vec<&str> = audit.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, attempts);
    assert!(audit.iter().all(|a| a
        .remote_addr
        .as_deref()
        .is_some_and(|r| r.starts_with("127.0.0.1:"))));
    let zhang_cert = Cert::from_der(&zhang.cert_der).unwrap();
    assert_eq!(audit[0].clerk_id.as_deref(), Some("T-ZS"));
    assert_eq!(
        audit[0].cert_fingerprint.as_deref(),
        Some(zhang_cert.fingerprint().as_str())
    );
    assert_eq!(
        audit[0].serial.as_deref(),
        Some(zhang_cert.serial_hex().as_str())
    );
    assert_eq!(audit[5].clerk_id, None, "王五 is bound to nobody");

    // Unbinding ends the logins of that certificate.
    let serial = zhang_cert.serial_hex();
    let out = admin(
        &data,
        db,
        &["cert", "unbind", "--clerk", "T-ZS", "--serial", &serial],
    );
    assert!(out.contains("unbound 1"), "{out}");
    // ... and the session opened with it, at once (the CLI is another process).
    let (status, err) = ws.get_with_session("/api/v1/auth/session", &token).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("session_ended")),
        "{err}"
    );
    let req = signed_login(&server, &ws, &mut zhang, None).await;
    refused(
        &ws,
        &req,
        403,
        "cert_not_bound",
        "该证书未绑定工作人员账号，请联系管理员",
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a1_certificate_login_on_sqlite() {
    certificate_login(None).await;
}

#[tokio::test]
async fn a1_certificate_login_on_postgres() {
    let Some(url) = pg_url() else { return };
    certificate_login(Some(url)).await;
}
