//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test crate uses a different subset

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use yichuang_server::{Server, ServerConfig};

/// Port 0 on loopback.
pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An HTTP client that never goes through a proxy from the environment.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
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

/// Checks /health, /version, /openapi.json and the error shape of an unknown route.
pub async fn check_endpoints(base: &str, database: &str) {
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

    let (status, doc) = get_json(&format!("{base}/api/v1/openapi.json")).await;
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
