//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test crate uses a different subset

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use sha2::Digest as _;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yichuang_server::{Server, ServerConfig};

/// Port 0 on loopback.
pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An HTTP client that never goes through a proxy from the environment. Its timeout is long
/// enough for a request queued behind 50 desks on a 2-core machine that is also compiling
/// (the 50-desk PostgreSQL test saw transport errors at 10 s); a hung server still fails.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// A server running in-process on its own task.
pub struct Running {
    pub base: String,
    pub instance_id: String,
    pub state: yichuang_server::AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<yichuang_server::Result<()>>>,
}

impl Running {
    pub async fn start(config: ServerConfig) -> Self {
        let server = Server::bind(config).await.expect("server binds");
        let base = server.url();
        let state = server.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Running {
            base,
            instance_id: state.instance_id.to_string(),
            state,
            stop: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Triggers graceful shutdown and waits for it to complete.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("server stops within 10 s")
            .expect("server task does not panic")
            .expect("server stops cleanly");
        assert!(self.state.db.pool.is_closed(), "pool closed after shutdown");
    }
}

pub async fn get_json(url: &str) -> (reqwest::StatusCode, Value) {
    let resp = client().get(url).send().await.expect("request succeeds");
    let status = resp.status();
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        ctype.starts_with("application/json"),
        "{url}: content-type {ctype}"
    );
    let body = resp.json::<Value>().await.expect("JSON body");
    (status, body)
}

/// Checks /health, /version, /openapi.json (signed by an enrolled workstation; refused
/// without) and the error shape of an unknown route.
pub async fn check_endpoints(server: &Running, database: &str) {
    let base = server.base.as_str();
    let (status, health) = get_json(&format!("{base}/api/v1/health")).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(
        health,
        serde_json::json!({"status": "ok", "database": database})
    );

    let (status, version) = get_json(&format!("{base}/api/v1/version")).await;
    assert_eq!(status, 200);
    assert_eq!(
        version,
        serde_json::json!({
            "name": "yichuang-server",
            "version": env!("CARGO_PKG_VERSION"),
            "api": "v1",
        })
    );

    let (status, err) = get_json(&format!("{base}/api/v1/openapi.json")).await;
    assert_eq!(
        (status.as_u16(), err["code"].as_str()),
        (401, Some("request_unsigned")),
        "{err}"
    );
    let ws = Ws::enroll(server, &random_hall(), 1).await;
    let (status, doc) = ws.get_json("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    assert_eq!(
        doc["info"]["title"],
        "Yichuang counter workstation: central service"
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    for path in ["/api/v1/health", "/api/v1/version", "/api/v1/openapi.json"] {
        assert!(doc["paths"][path]["get"].is_object(), "missing {path}");
    }
    for schema in [
        "HealthResponse",
        "HealthStatus",
        "DatabaseKind",
        "VersionResponse",
        "ErrorBody",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "missing schema {schema}"
        );
    }
    assert!(doc["paths"]["/api/v1/health"]["get"]["responses"]["503"].is_object());

    let (status, err) = get_json(&format!("{base}/api/v1/no-such-thing")).await;
    assert_eq!(status, 404);
    assert_eq!(err["code"], "not_found");
    assert_eq!(err["message"], "请求的接口不存在");
    assert!(err["detail"]
        .as_str()
        .unwrap()
        .contains("/api/v1/no-such-thing"));

    let resp = client()
        .post(format!("{base}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let err: Value = resp.json().await.unwrap();
    assert_eq!(err["code"], "method_not_allowed");
}

/// Number of applied migrations recorded by sqlx.
pub async fn applied_migrations(state: &yichuang_server::AppState) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations")
        .fetch_one(&state.db.pool)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

/// `YICHUANG_TEST_PG_URL`, or `None` to skip outside CI; in CI a missing URL fails the test
/// (`yichuang_testkit::require_env`).
pub fn pg_url() -> Option<String> {
    yichuang_testkit::require_env(
        "YICHUANG_TEST_PG_URL",
        "make unit starts a test cluster with scripts/pg-test.sh and exports its URL",
    )
}

/// A server configuration per database to test on: SQLite in `dir`, and PostgreSQL when
/// `YICHUANG_TEST_PG_URL` names a test cluster (required in CI); enrollment not rate-limited.
pub fn databases(dir: &std::path::Path) -> Vec<ServerConfig> {
    let mut out = vec![ServerConfig::sqlite(any_port(), dir.join("sqlite"))];
    if let Some(url) = pg_url() {
        let mut pg = ServerConfig::sqlite(any_port(), dir.join("pg"));
        pg.database_url = Some(url);
        out.push(pg);
    }
    for c in &mut out {
        c.auth.rate_limits.enroll_per_address.max = 1000;
    }
    out
}

/// The built `yichuang-server` binary, running as a child process.
pub struct Spawned {
    pub child: std::process::Child,
    /// `http://127.0.0.1:<port>` as announced on stdout.
    pub base: String,
    /// Where the child's stderr (its logs) goes.
    pub log: std::path::PathBuf,
}

impl Spawned {
    /// Starts the binary on port 0 with `data_dir` and reads its listening line.
    /// `YICHUANG_DATABASE_URL` is removed from the environment unless given in `envs`.
    pub fn start(data_dir: &std::path::Path, envs: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};

        let log = data_dir.with_extension("stderr.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yichuang-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env_remove("YICHUANG_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn yichuang-server");

        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "no listening line within 30 s; stderr:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
        };
        let Some(base) = line
            .trim_end()
            .strip_prefix("yichuang-server listening on ")
            .map(str::to_owned)
        else {
            let _ = child.kill();
            panic!(
                "unexpected first stdout line {line:?}; stderr:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        assert!(
            base.starts_with("http://127.0.0.1:") || base.starts_with("https://127.0.0.1:"),
            "{base}"
        );
        assert!(!base.ends_with(":0"), "the real port is announced: {base}");
        Spawned { child, base, log }
    }

    /// Sends `signal` to the child.
    #[cfg(unix)]
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).expect("send signal");
    }

    /// Waits up to `limit` for the child to exit; kills it and panics on timeout.
    pub async fn wait(mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "yichuang-server did not exit within {limit:?}; stderr:\n{}",
                    self.stderr()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // Never leave a server behind when an assertion fails midway.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A random hall code (the PostgreSQL test database outlives a run; tests must not collide).
pub fn random_hall() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase()
}

/// An enrolled test workstation: its key, made here, enrolled through `POST /api/v1/enroll`
/// with a code from the admin function; every request it sends is signed.
#[derive(Clone)]
pub struct Ws {
    pub id: String,
    pub hall: String,
    pub base: String,
    pub key: yichuang_pki::credential::SigningKey,
    /// The answer of the enrollment.
    pub enrollment: Value,
}

/// Issues a code for `hall`/`window` on the server's database (what `workstation enroll`
/// does) and returns it as printed.
pub async fn issue_code(server: &Running, hall: &str, window: u32) -> (String, String) {
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let (id, code, _) = yichuang_server::admin::issue_code(&server.state.db, hall, window, 24, now)
        .await
        .expect("code issued");
    (id, code)
}

/// The enrollment body for `code` and `key` (the shape of core's `EnrollRequest`).
pub fn enroll_body(code: &str, key: &yichuang_pki::credential::SigningKey) -> Value {
    use yichuang_pki::credential::{enrollment_message, public_key_b64, sign_b64};
    let code: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let pk = public_key_b64(&key.verifying_key());
    let proof = sign_b64(key, enrollment_message(&code, &pk).as_bytes());
    serde_json::json!({ "code": code, "public_key": pk, "proof": proof })
}

pub fn new_key() -> yichuang_pki::credential::SigningKey {
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    yichuang_pki::credential::signing_key_from_seed(seed)
}

impl Ws {
    /// Enrolls window `window` of `hall`.
    pub async fn enroll(server: &Running, hall: &str, window: u32) -> Ws {
        let (id, code) = issue_code(server, hall, window).await;
        let key = new_key();
        let resp = client()
            .post(server.url("/api/v1/enroll"))
            .json(&enroll_body(&code, &key))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "enrollment of {id}");
        let enrollment: Value = resp.json().await.unwrap();
        assert_eq!(enrollment["workstation_id"], id.as_str());
        Ws {
            id,
            hall: hall.to_ascii_uppercase(),
            base: server.base.clone(),
            key,
            enrollment,
        }
    }

    /// A request to `path` (from `/api/v1`, with its query) signed over `body`
    /// (`None`: `UNSIGNED-PAYLOAD`).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> reqwest::RequestBuilder {
        self.request_at(method, path, body, self.now_ms(), fresh_nonce())
    }

    pub fn now_ms(&self) -> i64 {
        yichuang_server::Clock::now_ms(&yichuang_server::config::SystemClock)
    }

    /// As [`Ws::request`] with a given timestamp and nonce (replay and staleness probes).
    pub fn request_at(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&[u8]>,
        timestamp_ms: i64,
        nonce: String,
    ) -> reqwest::RequestBuilder {
        let sig = yichuang_pki::credential::sign_request(
            &self.key,
            &self.id,
            method.as_str(),
            path,
            timestamp_ms,
            nonce,
            body,
        );
        let mut b = client().request(method, format!("{}{path}", self.base));
        for (name, value) in sig.headers() {
            b = b.header(name, value);
        }
        if let Some(body) = body {
            if !body.is_empty() {
                b = b.body(body.to_vec());
            }
        }
        b
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path, Some(b""))
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let resp = self.get(path).await;
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A clerk's request: the bearer token with this workstation's signature.
    pub async fn get_with_session(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .request(reqwest::Method::GET, path, Some(b""))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let resp = self
            .request(reqwest::Method::POST, path, Some(&bytes))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// A random request nonce.
pub fn fresh_nonce() -> String {
    yichuang_pki::credential::nonce_from(*uuid::Uuid::new_v4().as_bytes())
}

/// SHA-256 of `bytes`, lower-case hex (a blob's name).
pub fn sha_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Content no other test (or run) uploads: blobs are shared on the PostgreSQL cluster.
pub fn unique_content(len: usize) -> Vec<u8> {
    let seed = uuid::Uuid::now_v7();
    let mut out = Vec::with_capacity(len);
    let mut i = 0u64;
    while out.len() < len {
        out.extend_from_slice(&sha2::Sha256::digest(format!("{seed}-{i}")));
        i += 1;
    }
    out.truncate(len);
    out
}

/// A clerk session at `ws` (what a certificate login leaves behind): an active clerk with
/// `permissions`, a certificate binding and a session row; returns the bearer token. The
/// routes that need a clerk (blob reads, stats) are tested here for other things than login.
pub async fn clerk_session(server: &Running, ws: &Ws, permissions: &[&str]) -> String {
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let clerk = yichuang_server::auth::store::Clerk {
        id: format!("T-{}", &suffix[..12]),
        name: "test".into(),
        department: "d".into(),
        post: "p".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    };
    let db = &server.state.db;
    yichuang_server::Database::upsert_clerk(&db.pool, &clerk, now)
        .await
        .unwrap();
    let fingerprint = sha_hex(suffix.as_bytes());
    sqlx::query(
        "INSERT INTO cert_bindings (id, clerk_id, issuer, serial, fingerprint, cert_der, bound_at) \
         VALUES ($1, $2, 'CN=test', $3, $4, '', $5)",
    )
    .bind(&suffix)
    .bind(&clerk.id)
    .bind(&suffix[..16])
    .bind(&fingerprint)
    .bind(now)
    .execute(&db.pool)
    .await
    .unwrap();
    let token = format!("token-{suffix}");
    db.create_session(
        &yichuang_server::auth::token_hash(&token),
        &clerk.id,
        &ws.id,
        &fingerprint,
        now,
        now + 3_600_000,
    )
    .await
    .unwrap();
    token
}
pub mod cases;
pub mod chromium;
pub mod queue;
