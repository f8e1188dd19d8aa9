//! Harness for end-to-end tests and benchmarks of the real workstation: a virtual display
//! when there is none, the real central server on a loopback port, tauri-driver +
//! WebKitWebDriver driving the real app window, and screenshots when a scenario fails.
//!
//! Binaries are taken from `YICHUANG_APP_BIN` / `YICHUANG_SERVER_BIN`, else from the
//! release directory of the target dir (`CARGO_TARGET_DIR` or `<workspace>/target`); the
//! Makefile builds them before running these tests.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use yichuang_core::infra::config::{BackendConfig, HallConfig, WindowConfig, WorkstationConfig};
use yichuang_core::infra::credential::WorkstationCredential;

pub mod app;
pub mod clerk;
pub mod desk;
pub mod devices;
pub mod hall_screen;
pub mod issuing;
mod printed;
pub use printed::pdf_texts;
pub mod memory;
pub mod webdriver;

pub use app::{App, AppBuilder, Ukey};
pub use memory::tree_memory_kb;
pub use yichuang_testkit::wait_until;

/// The checkout the tests run in (cargo sets `CARGO_MANIFEST_DIR` at run time; the compiled-in
/// one names the checkout that built the binary, which may be another one of the same tree).
pub fn workspace_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

fn release_bin(name: &str, env_var: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("release").join(name)
}

pub fn app_bin() -> PathBuf {
    release_bin("yichuang-workstation", "YICHUANG_APP_BIN")
}

pub fn server_bin() -> PathBuf {
    release_bin("yichuang-server", "YICHUANG_SERVER_BIN")
}

/// The bench's floor app (`tests/pss-floor`), built by the bench itself.
pub fn pss_floor_bin() -> PathBuf {
    release_bin("yichuang-pss-floor", "YICHUANG_PSS_FLOOR_BIN")
}

/// Where failure screenshots and logs go: `<workspace>/.artifacts/<kind>/`.
pub fn artifacts_dir(kind: &str) -> PathBuf {
    let dir = workspace_root().join(".artifacts").join(kind);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn wait_for_port(port: u16, within: Duration) -> Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    if !wait_until(within, || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }) {
        bail!("nothing listening on 127.0.0.1:{port} after {within:?}")
    }
    Ok(())
}

/// A child process that is terminated (SIGTERM, then SIGKILL) when dropped.
pub struct ChildGuard {
    pub child: Child,
    pub name: &'static str,
}

impl ChildGuard {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM and wait up to `grace`; SIGKILL after that. Returns the exit status.
    pub fn terminate(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let mut status = None;
        if wait_until(grace, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        }) {
            return status;
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.terminate(Duration::from_secs(3));
    }
}

/// A virtual X display when the environment has none; otherwise the existing one.
pub struct Display {
    pub name: String,
    _xvfb: Option<ChildGuard>,
}

impl Display {
    pub fn ensure() -> Result<Display> {
        if let Ok(name) = std::env::var("DISPLAY") {
            if !name.is_empty() {
                return Ok(Display { name, _xvfb: None });
            }
        }
        let n = (100..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .context("no free X display number")?;
        let name = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&name, "-screen", "0", "1366x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb (install package xvfb: make setup)")?;
        let guard = ChildGuard {
            child,
            name: "Xvfb",
        };
        let socket = format!("/tmp/.X11-unix/X{n}");
        if !wait_until(Duration::from_secs(10), || Path::new(&socket).exists()) {
            bail!("Xvfb did not create {socket}");
        }
        Ok(Display {
            name,
            _xvfb: Some(guard),
        })
    }

    /// Screenshot of the whole display (both windows), via ImageMagick's `import`.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let status = Command::new("import")
            .args(["-display", &self.name, "-window", "root"])
            .arg(path)
            .status()
            .context("running import (package imagemagick)")?;
        if !status.success() {
            bail!("import failed: {status}");
        }
        Ok(())
    }
}

/// The real central server on a fixed loopback port, so it can be stopped and restarted
/// at the same address while the app keeps its configured URL.
pub struct Server {
    pub port: u16,
    data_dir: PathBuf,
    proc: Option<ChildGuard>,
    env: Vec<(String, String)>,
}

impl Server {
    pub fn start(data_dir: &Path) -> Result<Server> {
        Self::start_with_env(data_dir, &[])
    }

    /// A server with extra environment (e.g. `YICHUANG_CA_DIR` for certificate login).
    pub fn start_with_env(data_dir: &Path, env: &[(&str, &str)]) -> Result<Server> {
        let mut s = Server {
            port: free_port(),
            data_dir: data_dir.to_owned(),
            proc: None,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        s.restart()?;
        Ok(s)
    }

    pub fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme(), self.port)
    }

    /// The server's data directory (its SQLite database `server.db`, its blobs).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// `https` when the server was started with a certificate (`YICHUANG_TLS_CERT`).
    pub fn scheme(&self) -> &'static str {
        if self.tls_ca().is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The hall CA the server's certificate chains to, when it serves HTTPS.
    pub fn tls_ca(&self) -> Option<PathBuf> {
        self.env
            .iter()
            .find(|(k, _)| k == HALL_CA_ENV)
            .map(|(_, v)| PathBuf::from(v))
    }

    pub fn restart(&mut self) -> Result<()> {
        let bin = server_bin();
        let mut child = Command::new(&bin)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .env_remove("YICHUANG_DATABASE_URL")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let guard = ChildGuard {
            child,
            name: "yichuang-server",
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .context("reading the server's listening line")?;
        if !line.contains("listening on") {
            bail!("unexpected first line from server: {line:?}");
        }
        self.proc = Some(guard);
        Ok(())
    }

    /// Runs the admin CLI on this server's data directory; returns stdout.
    pub fn admin(&self, args: &[&str]) -> Result<String> {
        server_admin(&self.data_dir, args)
    }

    /// `workstation enroll --hall H --window N`: the one-time code IT types (issue 15).
    pub fn enrollment_code(&self, hall: &str, window: u16) -> Result<String> {
        let out = self.admin(&[
            "workstation",
            "enroll",
            "--hall",
            hall,
            "--window",
            &window.to_string(),
        ])?;
        out.lines()
            .find_map(|l| l.strip_prefix("code "))
            .map(|c| c.trim().to_owned())
            .with_context(|| format!("no `code …` line in {out:?}"))
    }

    /// GET `path` (e.g. `/api/v1/sync/stats`) signed as `credential` (every route but health
    /// and version needs a workstation signature), over plain HTTP/1.0; status and body.
    pub fn get(&self, path: &str, credential: &WorkstationCredential) -> Result<(u16, String)> {
        let base = url::Url::parse(&self.url())?;
        let url = base.join(path)?;
        let headers = credential.sign("GET", &base, &url, Some(b"")).headers();
        self.get_with(path, &headers)
    }

    /// POST `body` (JSON) to `path` signed as `credential`; status and body.
    pub fn post_json(
        &self,
        path: &str,
        credential: &WorkstationCredential,
        body: &serde_json::Value,
    ) -> Result<(u16, String)> {
        self.signed("POST", path, credential, Some(body), None)
    }

    /// POST `body` (JSON) to `path` without a signature (the enrollment route, whose credential
    /// is the one-time code in the body).
    pub fn unsigned_post(&self, path: &str, body: &serde_json::Value) -> Result<(u16, String)> {
        self.bearer_post(path, body, None)
    }

    /// POST `body` (JSON) to `path` with `Authorization: Bearer <token>` when given and no
    /// workstation signature (an approval system's token, issue 18).
    pub fn bearer_post(
        &self,
        path: &str,
        body: &serde_json::Value,
        bearer: Option<&str>,
    ) -> Result<(u16, String)> {
        let url = url::Url::parse(&self.url())?.join(path)?;
        let bytes = serde_json::to_vec(body)?;
        let bearer = bearer.map(str::to_owned);
        let tls = yichuang_core::infra::http::BackendTls {
            ca_file: self.tls_ca(),
            pin_sha256: None,
        };
        std::thread::spawn(move || -> Result<(u16, String)> {
            let client = yichuang_core::infra::http::blocking_client(
                &tls,
                reqwest::blocking::Client::builder(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut req = client
                .post(url)
                .header("content-type", "application/json")
                .body(bytes);
            if let Some(token) = bearer {
                req = req.bearer_auth(token);
            }
            let resp = req.send()?;
            let status = resp.status().as_u16();
            Ok((status, resp.text()?))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("request thread panicked"))?
    }

    /// `method` on `path` signed as `credential`, with a JSON `body` and a clerk session
    /// (`bearer`) when given; status and body.
    pub fn signed(
        &self,
        method: &str,
        path: &str,
        credential: &WorkstationCredential,
        body: Option<&serde_json::Value>,
        bearer: Option<&str>,
    ) -> Result<(u16, String)> {
        let base = url::Url::parse(&self.url())?;
        let url = base.join(path)?;
        let bytes = body
            .map(serde_json::to_vec)
            .transpose()?
            .unwrap_or_default();
        let headers = credential.sign(method, &base, &url, Some(&bytes)).headers();
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let bearer = bearer.map(str::to_owned);
        let has_body = body.is_some();
        let tls = yichuang_core::infra::http::BackendTls {
            ca_file: self.tls_ca(),
            pin_sha256: None,
        };
        // The blocking client has its own runtime: on a thread of its own, so a test's async
        // context can call this.
        std::thread::spawn(move || -> Result<(u16, String)> {
            let client = yichuang_core::infra::http::blocking_client(
                &tls,
                reqwest::blocking::Client::builder(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut req = client.request(method, url);
            if has_body {
                req = req.header("content-type", "application/json").body(bytes);
            }
            if let Some(token) = bearer {
                req = req.bearer_auth(token);
            }
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let resp = req.send()?;
            let status = resp.status().as_u16();
            Ok((status, resp.text()?))
        })
        .join()
        .map_err(|_| anyhow::anyhow!("request thread panicked"))?
    }

    /// GET `path` with these extra headers and nothing else.
    pub fn get_with<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        headers: &[(K, V)],
    ) -> Result<(u16, String)> {
        use std::io::{Read, Write};
        if let Some(ca_file) = self.tls_ca() {
            let tls = yichuang_core::infra::http::BackendTls {
                ca_file: Some(ca_file),
                pin_sha256: None,
            };
            let url = format!("{}{path}", self.url());
            let headers: Vec<(String, String)> = headers
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                .collect();
            // The blocking client has its own runtime: on a thread of its own, so a test's
            // async context can call this.
            return std::thread::spawn(move || -> Result<(u16, String)> {
                let client = yichuang_core::infra::http::blocking_client(
                    &tls,
                    reqwest::blocking::Client::builder(),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                let mut req = client.get(url);
                for (k, v) in &headers {
                    req = req.header(k, v);
                }
                let resp = req.send()?;
                let status = resp.status().as_u16();
                Ok((status, resp.text()?))
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the HTTPS GET thread panicked"))?;
        }
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let extra: String = headers
            .iter()
            .map(|(k, v)| format!("{}: {}\r\n", k.as_ref(), v.as_ref()))
            .collect();
        write!(
            stream,
            "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n{extra}Connection: close\r\n\r\n",
            self.port
        )?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let (head, body) = answer
            .split_once("\r\n\r\n")
            .context("HTTP answer without a header end")?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("HTTP answer without a status")?;
        Ok((status, body.to_owned()))
    }

    /// Graceful stop; returns whether the server exited with status 0.
    pub fn stop(&mut self) -> bool {
        match self.proc.take() {
            Some(mut p) => p
                .terminate(Duration::from_secs(10))
                .is_some_and(|s| s.success()),
            None => true,
        }
    }
}

/// The typed configuration of a test workstation: hall 「测试市政务服务中心」 (division code
/// 441500), window `number`
/// 「综合受理窗口」, every device simulated, no backend. Tests adjust the fields they need;
/// [`Workstation::from_config`] writes it as `workstation.toml`.
pub fn workstation_config(number: u16) -> WorkstationConfig {
    WorkstationConfig {
        hall: HallConfig {
            name: "测试市政务服务中心".into(),
            code: Some("441500".into()),
        },
        window: WindowConfig {
            number,
            name: Some("综合受理窗口".into()),
        },
        backend: BackendConfig::default(),
        citizen_screen: Default::default(),
        queue: Default::default(),
        update: Default::default(),
        // Explicit: a missing `[devices.*]` section means the device is not installed.
        devices: yichuang_core::infra::config::DevicesConfig::all_simulated(),
        simulator: Default::default(),
        // The test issuer's key: the simulated camera's sample personal code verifies.
        codes: yichuang_core::infra::config::CodesConfig {
            personal_code_keys: vec![yichuang_core::devices::camera::signed::TEST_PUBLIC_KEY.into()],
        },
    }
}

/// The backend part of a config: `url`, probed every 500 ms (the tests watch it change), and
/// the hall CA when the server speaks HTTPS.
pub fn backend_config(url: &str) -> Result<BackendConfig> {
    Ok(BackendConfig {
        url: Some(url.parse().with_context(|| format!("backend URL {url}"))?),
        probe_interval_ms: 500,
        ca_file: None,
        pin_sha256: None,
    })
}

/// The environment a test server needs to not be read as a setting: the hall CA of a TLS run
/// (the server ignores it; [`Server::tls_ca`] reads it back).
pub const HALL_CA_ENV: &str = "YICHUANG_E2E_HALL_CA";

/// A hall CA and a server certificate for 127.0.0.1 made in `dir` (nothing committed): the
/// environment that makes a test server speak HTTPS (issue 15 item 3).
pub fn tls_env(dir: &Path) -> Result<Vec<(String, String)>> {
    let ca = yichuang_testkit::pki::TestCa::new("一窗受理 E2E hall CA");
    let (cert, key, ca_file) = (
        dir.join("server.pem"),
        dir.join("server.key"),
        dir.join("ca.pem"),
    );
    ca.server_cert(&[]).write_pem(&cert, &key);
    std::fs::write(&ca_file, ca.cert_pem.as_bytes())?;
    let s = |p: &Path| p.to_string_lossy().into_owned();
    Ok(vec![
        ("YICHUANG_TLS_CERT".into(), s(&cert)),
        ("YICHUANG_TLS_KEY".into(), s(&key)),
        (HALL_CA_ENV.into(), s(&ca_file)),
    ])
}

/// The environment of a webview process on `display`, ours or the bench's floor app: no
/// DMA-BUF renderer (Xvfb has no GPU) and no accessibility bus.
pub fn webview_env(display: &Display) -> Vec<(String, String)> {
    vec![
        ("DISPLAY".into(), display.name.clone()),
        ("WEBKIT_DISABLE_DMABUF_RENDERER".into(), "1".into()),
        ("NO_AT_BRIDGE".into(), "1".into()),
    ]
}

/// A fresh data dir and config for one app run.
pub struct Workstation {
    pub dir: tempfile::TempDir,
}

impl Workstation {
    /// `config` serialised to TOML as the app reads it.
    pub fn from_config(config: &WorkstationConfig) -> Result<Workstation> {
        Self::with_config_text(&toml::to_string(config).context("workstation config to TOML")?)
    }

    pub fn with_config_text(text: &str) -> Result<Workstation> {
        let dir = tempfile::Builder::new().prefix("yichuang-ws-").tempdir()?;
        std::fs::write(dir.path().join("workstation.toml"), text)?;
        Ok(Workstation { dir })
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("workstation.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The environment the app process needs for this workstation.
    pub fn env(&self, display: &Display) -> Vec<(String, String)> {
        let mut env = webview_env(display);
        env.extend([
            (
                "YICHUANG_CONFIG".into(),
                self.config_path().display().to_string(),
            ),
            (
                "YICHUANG_DATA_DIR".into(),
                self.data_dir().display().to_string(),
            ),
            // The documented headless fallback for the data key (`core::keystore`): the
            // test machine has no Secret Service, and the tests read the key to open the store.
            ("YICHUANG_KEYSTORE".into(), "file".into()),
        ]);
        env
    }

    /// `yichuang-workstation --enroll CODE` for this workstation, as IT provisions it: exit 0
    /// and the workstation enrolled, or the Chinese reason.
    pub fn enroll(&self, code: &str) -> Result<()> {
        let out = Command::new(app_bin())
            .arg("--enroll")
            .arg(code)
            .envs(self.cli_env())
            .output()
            .context("running yichuang-workstation --enroll")?;
        if !out.status.success() {
            bail!(
                "--enroll exited {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// The environment of a command-line run (no display).
    fn cli_env(&self) -> Vec<(String, String)> {
        vec![
            (
                "YICHUANG_CONFIG".into(),
                self.config_path().display().to_string(),
            ),
            (
                "YICHUANG_DATA_DIR".into(),
                self.data_dir().display().to_string(),
            ),
            ("YICHUANG_KEYSTORE".into(), "file".into()),
        ]
    }

    /// The enrolled credential, from `enrollment.json` and the fallback `workstation.key`.
    pub fn credential(&self) -> Result<WorkstationCredential> {
        let dir = self.data_dir();
        let record: yichuang_core::infra::credential::Enrollment = serde_json::from_str(
            &std::fs::read_to_string(dir.join("enrollment.json")).context("enrollment.json")?,
        )?;
        let key = yichuang_core::infra::keystore::StoreKey::from_hex(
            &std::fs::read_to_string(dir.join("workstation.key")).context("workstation.key")?,
        )
        .context("workstation.key is not 64 hex digits")?;
        Ok(WorkstationCredential::new(
            record.workstation_id,
            yichuang_pki::credential::SigningKey::from_bytes(&key.to_bytes()),
        ))
    }

    /// The app's encrypted store, opened with the data key from the fallback key file.
    pub fn open_store(&self) -> Result<yichuang_core::infra::store::Store> {
        let key_file = self.data_dir().join("store.key");
        let text = std::fs::read_to_string(&key_file)
            .with_context(|| format!("reading {}", key_file.display()))?;
        let key = yichuang_core::infra::keystore::StoreKey::from_hex(&text)
            .context("store.key is not 64 hex digits")?;
        Ok(yichuang_core::infra::store::Store::open_encrypted(
            &self.data_dir().join("workstation.db"),
            &key,
        )?)
    }

    /// Starts the app directly (no WebDriver), stdout piped.
    pub fn spawn_app(&self, display: &Display, extra_env: &[(&str, &str)]) -> Result<ChildGuard> {
        let bin = app_bin();
        let mut cmd = Command::new(&bin);
        cmd.envs(self.env(display))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(ChildGuard {
            child,
            name: "yichuang-workstation",
        })
    }
}

/// Test UKeys in a temporary directory: `scripts/ukey-test.sh setup DIR` (SoftHSM2 tokens,
/// test CAs, the simulated SKF key) and the `NAME=value` settings it prints.
pub struct TestKeys {
    dir: tempfile::TempDir,
    vars: std::collections::HashMap<String, String>,
}

impl TestKeys {
    pub fn setup() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let out = Command::new(workspace_root().join("scripts/ukey-test.sh"))
            .arg("setup")
            .arg(dir.path())
            .stderr(Stdio::inherit())
            .output()
            .context("running scripts/ukey-test.sh")?;
        if !out.status.success() {
            bail!("scripts/ukey-test.sh setup failed: {}", out.status);
        }
        let vars = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| {
                k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Self { dir, vars })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn var(&self, name: &str) -> Result<String> {
        self.vars
            .get(name)
            .cloned()
            .with_context(|| format!("ukey-test.sh printed no {name}"))
    }
}

/// Runs the server binary's admin CLI against `data_dir`; returns stdout.
pub fn server_admin(data_dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(server_bin())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("YICHUANG_DATABASE_URL")
        .output()
        .context("running the server admin CLI")?;
    if !out.status.success() {
        bail!(
            "yichuang-server {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A central server set up for certificate login: it trusts the test CAs made by
/// `scripts/ukey-test.sh` in `keys_dir`, knows the clerks in `clerks_csv` (the admin CLI's
/// import format) and has each `(clerk id, certificate file under keys_dir)` bound.
pub struct AuthServer {
    pub server: Server,
    _dir: tempfile::TempDir,
}

impl AuthServer {
    pub fn start(keys_dir: &Path, clerks_csv: &str, bindings: &[(&str, &str)]) -> Result<Self> {
        Self::start_with(keys_dir, clerks_csv, bindings, &[])
    }

    /// As [`AuthServer::start`] with extra server environment (e.g. [`tls_env`]).
    pub fn start_with(
        keys_dir: &Path,
        clerks_csv: &str,
        bindings: &[(&str, &str)],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let ca_dir = dir.path().join("ca");
        std::fs::create_dir_all(&ca_dir)?;
        for ca in ["ecdsa-ca.pem", "sm2-ca.pem"] {
            std::fs::copy(keys_dir.join("ca").join(ca), ca_dir.join(ca))?;
        }
        let ca = ca_dir.to_str().context("utf-8 path")?;
        let data = dir.path().join("data");
        let csv = dir.path().join("clerks.csv");
        std::fs::write(&csv, clerks_csv)?;
        server_admin(
            &data,
            &["clerk", "import", csv.to_str().context("utf-8 path")?],
        )?;
        for (clerk, cert) in bindings {
            let cert = keys_dir.join(cert);
            let cert = cert.to_str().context("utf-8 path")?;
            server_admin(
                &data,
                &["cert", "bind", "--clerk", clerk, "--ca-dir", ca, cert],
            )?;
        }
        let mut server_env = vec![("YICHUANG_CA_DIR", ca)];
        server_env.extend_from_slice(env);
        let server = Server::start_with_env(&data, &server_env)?;
        Ok(Self { server, _dir: dir })
    }
}

/// Pulls (`remove`) or re-inserts (`insert`) the simulated SKF key of `keys`.
pub fn skf_key(keys: &TestKeys, command: &str) -> Result<()> {
    let status = Command::new(keys.var("YICHUANG_SKF_SIM_BIN")?)
        .args(["--state", &keys.var("YICHUANG_SKF_SIM_STATE")?, command])
        .status()
        .context("running yichuang-skf-sim")?;
    if !status.success() {
        bail!("yichuang-skf-sim {command} failed: {status}");
    }
    Ok(())
}
