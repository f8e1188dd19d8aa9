//! The app under test: one builder for everything an E2E scenario needs — a typed workstation
//! config written as `workstation.toml`, the central server (plain, down, or set up for
//! certificate login), the test UKeys, the virtual display, tauri-driver with a WebDriver
//! session on the real app, screenshots when the scenario fails — and teardown on drop, in
//! order: the session (which ends the app), tauri-driver, the server, the keys, the data
//! directory, the display.
//!
//! ```ignore
//! let app = App::builder("sync-offline").window(7).server_down().simulator_control().start().await?;
//! let result = app.scenario(async { /* drive app.client */ Ok(()) }).await;
//! app.close().await; // the app has exited; its data dir is still there to inspect
//! result?;
//! ```

use crate::webdriver::{switch_to_window_with, wait_attr, wait_text, wd, with_screenshots, Driver};
use crate::{
    backend_config, workstation_config, AuthServer, Display, Server, TestKeys, Workstation,
};
use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use yichuang_core::infra::config::{
    DeviceConfig, DeviceDriver, SealConfig, UkeyLibraryConfig, WorkstationConfig,
};

/// Which test UKey the workstation's `[devices.ukey]` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ukey {
    /// SoftHSM2 tokens through PKCS#11 (ECDSA P-256 and RSA certificates).
    Pkcs11,
    /// The simulated SKF key (SM2), through the SKF library loaded at run time.
    Skf,
}

enum Backend {
    None,
    /// Running when the app starts.
    Up,
    /// Started once to own a port, stopped before the app starts.
    Down,
    /// Certificate login: the test CAs trusted, these clerks imported (the admin CLI's CSV)
    /// and `(clerk id, certificate under the keys dir)` bound.
    Auth {
        clerks_csv: String,
        bindings: Vec<(String, String)>,
    },
}

pub struct AppBuilder {
    name: String,
    config: WorkstationConfig,
    backend: Backend,
    ukey: Option<Ukey>,
    /// Further UKey libraries of the desk (`[[devices.ukeys]]`, A2).
    more_ukeys: Vec<Ukey>,
    control: bool,
    env: Vec<(String, String)>,
    /// Enrolled with the server before the app starts (issue 15), as IT provisions it.
    enrolled: bool,
    /// The server speaks HTTPS with a hall CA the workstation is configured to trust.
    tls: bool,
    /// The desk's seal UKey (电子印章, L4/A7): the simulated SKF seal key beside the clerk keys.
    seal: bool,
}

impl AppBuilder {
    /// The workstation is not enrolled when the app starts (the enrollment scenarios).
    pub fn unenrolled(mut self) -> Self {
        self.enrolled = false;
        self
    }

    /// The server speaks HTTPS (a hall CA made for the run) and the workstation trusts that
    /// CA only (`backend.ca_file`), as a hall is set up (issue 15 item 3).
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// The window number (shown on both windows; the workstation id's suffix).
    pub fn window(mut self, number: u16) -> Self {
        self.config.window.number = number;
        self
    }

    /// Any change to the typed config (devices, hall code, a deliberately bad value…).
    pub fn config(mut self, change: impl FnOnce(&mut WorkstationConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// The central server running on a loopback port when the app starts.
    pub fn server(mut self) -> Self {
        self.backend = Backend::Up;
        self
    }

    /// A configured server that is down when the app starts ([`App::restart_server`] brings
    /// it up at the same address).
    pub fn server_down(mut self) -> Self {
        self.backend = Backend::Down;
        self
    }

    /// A server for certificate login (implies the test keys): it trusts the test CAs, knows
    /// the clerks in `clerks_csv` and has each `(clerk id, certificate file)` bound.
    pub fn auth_server(mut self, clerks_csv: &str, bindings: &[(&str, &str)]) -> Self {
        self.backend = Backend::Auth {
            clerks_csv: clerks_csv.into(),
            bindings: bindings
                .iter()
                .map(|(c, f)| (c.to_string(), f.to_string()))
                .collect(),
        };
        self
    }

    /// The workstation's UKey is this test key (set up by `scripts/ukey-test.sh`).
    pub fn ukey(mut self, kind: Ukey) -> Self {
        self.ukey = Some(kind);
        self
    }

    /// A further UKey library of the desk (`[[devices.ukeys]]`, A2), beside [`Self::ukey`].
    pub fn also_ukey(mut self, kind: Ukey) -> Self {
        self.more_ukeys.push(kind);
        self
    }

    /// The simulated devices' control surface on a free loopback port ([`App::sim`]).
    pub fn simulator_control(mut self) -> Self {
        self.control = true;
        self
    }

    /// The department's seal UKey at this desk (`[devices.seal]`): the simulated SKF seal key
    /// (SM2, 某市市场监督管理局, seal PIN `YICHUANG_SEAL_PIN`) trusted through the test SM2 CA;
    /// the server verifies seals against the same CA (`YICHUANG_SEAL_CA_DIR`).
    pub fn seal(mut self) -> Self {
        self.seal = true;
        self
    }

    /// Extra environment for the app process.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets everything up and opens a WebDriver session on the app (its windows open).
    pub async fn start(self) -> Result<App> {
        let AppBuilder {
            name,
            mut config,
            backend,
            ukey,
            more_ukeys,
            control,
            mut env,
            enrolled,
            tls,
            seal,
        } = self;
        let tls_dir = if tls {
            Some(tempfile::tempdir()?)
        } else {
            None
        };
        let tls_env = match &tls_dir {
            Some(d) => crate::tls_env(d.path())?,
            None => Vec::new(),
        };
        let display = Display::ensure()?;
        let needs_keys = seal
            || ukey.is_some()
            || !more_ukeys.is_empty()
            || matches!(backend, Backend::Auth { .. });
        let keys = if needs_keys {
            Some(TestKeys::setup()?)
        } else {
            None
        };
        let mut tls_env = tls_env;
        if let (true, Some(keys)) = (seal, &keys) {
            let cas = keys.path().join("seal-cas");
            std::fs::create_dir_all(&cas)?;
            std::fs::copy(keys.var("YICHUANG_TEST_SM2_CA")?, cas.join("sm2-ca.pem"))?;
            let cas = cas.to_str().context("utf-8 path")?.to_owned();
            tls_env.push(("YICHUANG_SEAL_CA_DIR".into(), cas));
        }
        let server_env: Vec<(&str, &str)> = tls_env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let down = matches!(backend, Backend::Down);
        let (server, server_dir) = match backend {
            Backend::None => (None, None),
            Backend::Up | Backend::Down => {
                let dir = tempfile::tempdir()?;
                let server = Server::start_with_env(dir.path(), &server_env)?;
                (Some(server), Some(dir))
            }
            Backend::Auth {
                clerks_csv,
                bindings,
            } => {
                let keys = keys.as_ref().context("keys")?;
                let bindings: Vec<(&str, &str)> = bindings
                    .iter()
                    .map(|(c, f)| (c.as_str(), f.as_str()))
                    .collect();
                let auth =
                    AuthServer::start_with(keys.path(), &clerks_csv, &bindings, &server_env)?;
                (Some(auth.server), Some(auth._dir))
            }
        };
        if let Some(server) = &server {
            config.backend = backend_config(&server.url())?;
            config.backend.ca_file = server.tls_ca();
        }
        if let Some(keys) = &keys {
            if let Some(kind) = ukey {
                config.devices.ukey = ukey_library(kind, keys, &mut env)?;
            }
            for (i, kind) in more_ukeys.iter().enumerate() {
                let d = ukey_library(*kind, keys, &mut env)?;
                config.devices.ukeys.push(UkeyLibraryConfig {
                    driver: d.driver,
                    module: d.module.context("module")?,
                    vendor: d.vendor,
                    name: Some(format!("测试库{}", i + 1)),
                });
            }
            if seal {
                config.devices.seal = SealConfig {
                    driver: DeviceDriver::Skf,
                    module: Some(keys.var("YICHUANG_SKF_LIB")?),
                    vendor: Some("standard".into()),
                    key: Some("YCSIM-SEAL-01".into()),
                    caption: Some("协查专用章".into()),
                    trusted_cas: vec![keys.var("YICHUANG_TEST_SM2_CA")?],
                    ..SealConfig::default()
                };
                // The SKF simulator serves every state file of its path list: the clerk's key
                // and the seal key.
                let both = std::env::join_paths([
                    keys.var("YICHUANG_SKF_SIM_STATE")?,
                    keys.var("YICHUANG_SKF_SEAL_STATE")?,
                ])?;
                env.retain(|(k, _)| k != "YICHUANG_SKF_SIM_STATE");
                env.push((
                    "YICHUANG_SKF_SIM_STATE".into(),
                    both.to_str().context("utf-8 path")?.to_owned(),
                ));
            }
        }
        let control = if control {
            let addr = crate::free_port();
            let addr = format!("127.0.0.1:{addr}");
            let token = sim_token();
            config.simulator.control = Some(addr.clone());
            config.simulator.token = Some(token.clone());
            Some((addr, token))
        } else {
            None
        };
        let ws = Workstation::from_config(&config)?;
        if let (Some(server), true) = (&server, enrolled) {
            // As IT provisions a counter: a code from the admin CLI, `--enroll CODE`.
            let hall = config
                .hall
                .code
                .as_deref()
                .context("enrollment needs hall.code")?;
            ws.enroll(&server.enrollment_code(hall, config.window.number)?)?;
        }
        let mut server = server;
        if let (Some(s), true) = (server.as_mut(), down) {
            ensure!(s.stop(), "server did not shut down gracefully");
        }
        let mut process_env = ws.env(&display);
        process_env.extend(env);
        let driver = Driver::start(&process_env)?;
        let client = driver.session().await?;
        Ok(App {
            client,
            closed: false,
            driver: Some(driver),
            server: server.map(Mutex::new),
            _server_dir: server_dir,
            _tls_dir: tls_dir,
            keys,
            ukey,
            control,
            name,
            config,
            ws,
            display,
        })
    }
}

/// The desk config of one test UKey library, and the environment its library reads.
fn ukey_library(
    kind: Ukey,
    keys: &TestKeys,
    env: &mut Vec<(String, String)>,
) -> Result<DeviceConfig> {
    Ok(match kind {
        Ukey::Pkcs11 => {
            env.push(("SOFTHSM2_CONF".into(), keys.var("SOFTHSM2_CONF")?));
            DeviceConfig {
                driver: DeviceDriver::Pkcs11,
                module: Some(keys.var("YICHUANG_PKCS11_MODULE")?),
                ..Default::default()
            }
        }
        Ukey::Skf => {
            env.push((
                "YICHUANG_SKF_SIM_STATE".into(),
                keys.var("YICHUANG_SKF_SIM_STATE")?,
            ));
            DeviceConfig {
                driver: DeviceDriver::Skf,
                module: Some(keys.var("YICHUANG_SKF_LIB")?),
                vendor: Some("standard".into()),
                ..Default::default()
            }
        }
    })
}

/// The running app with everything around it. Fields drop in declaration order, which is the
/// teardown order.
pub struct App {
    /// The WebDriver session on the app's windows.
    pub client: Client,
    closed: bool,
    driver: Option<Driver>,
    server: Option<Mutex<Server>>,
    _server_dir: Option<tempfile::TempDir>,
    _tls_dir: Option<tempfile::TempDir>,
    keys: Option<TestKeys>,
    ukey: Option<Ukey>,
    /// The control surface's address and token.
    control: Option<(String, String)>,
    name: String,
    /// The config the app was started with.
    pub config: WorkstationConfig,
    /// The workstation's config file and data directory.
    pub ws: Workstation,
    pub display: Display,
}

impl App {
    /// A builder for the app under test; `name` names the screenshots of a failed scenario.
    /// Default: window 1, every device simulated, no server, no keys.
    pub fn builder(name: &str) -> AppBuilder {
        AppBuilder {
            name: name.into(),
            config: workstation_config(1),
            backend: Backend::None,
            ukey: None,
            more_ukeys: Vec::new(),
            control: false,
            env: Vec::new(),
            enrolled: true,
            tls: false,
            seal: false,
        }
    }

    /// The intake counter most scenarios start from: simulated devices on a control port,
    /// hall code 441500 (in case numbers), a PKCS#11 key and the server for certificate
    /// login; 张三 (综合窗口: every department; accept, query, export, reprint, change) logged
    /// in, on the intake page.
    pub async fn counter(name: &str, window: u16) -> Result<App> {
        App::counter_with(name, window, |b| b).await
    }

    /// [`counter`](Self::counter) with more set up by `change` before the app starts.
    pub async fn counter_with(
        name: &str,
        window: u16,
        change: impl FnOnce(AppBuilder) -> AppBuilder,
    ) -> Result<App> {
        let app = App::builder(name)
            .window(window)
            .config(|c| c.hall.code = Some("441500".into()))
            .ukey(Ukey::Pkcs11)
            .auth_server(
                "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept;query;export;reprint;change\n",
                &[("T-ZS", "ca/clerk-ecdsa.pem")],
            )
            .simulator_control();
        let app = change(app).start().await?;
        app.login("张三").await?;
        wd(app.client.find(Locator::Css("[data-testid=item-search]")))
            .await
            .context("张三 not logged in: no intake page")?;
        Ok(app)
    }

    /// Runs the scenario (bounded in time); on failure the window's and the display's
    /// screenshots go to `.artifacts/e2e/<name>-*.png`.
    pub async fn scenario<T>(
        &self,
        scenario: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        with_screenshots(&self.name, &self.display, &self.client, scenario).await
    }

    /// Ends the WebDriver session (the app exits) and stops tauri-driver; the server, keys
    /// and data directory stay for checks after the run.
    pub async fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            wd(self.client.clone().close()).await.ok();
        }
        self.driver.take();
    }

    /// The app's encrypted store (after [`App::close`], or read-only glances while it runs).
    pub fn open_store(&self) -> Result<yichuang_core::infra::store::Store> {
        self.ws.open_store()
    }

    pub fn server(&self) -> Result<MutexGuard<'_, Server>> {
        let server = self.server.as_ref().context("this app has no server")?;
        Ok(server.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// GET `path` on the server, signed as this workstation (its enrolled credential).
    pub fn server_get(&self, path: &str) -> Result<(u16, String)> {
        let credential = self.ws.credential()?;
        self.server()?.get(path, &credential)
    }

    /// POST JSON to `path` on the server, signed as this workstation.
    pub fn server_post(&self, path: &str, body: &serde_json::Value) -> Result<(u16, String)> {
        let credential = self.ws.credential()?;
        self.server()?.post_json(path, &credential, body)
    }

    pub fn server_url(&self) -> Result<String> {
        Ok(self.server()?.url())
    }

    /// Graceful stop; whether the server exited with status 0.
    pub fn stop_server(&self) -> Result<bool> {
        Ok(self.server()?.stop())
    }

    /// The server again, at the same address.
    pub fn restart_server(&self) -> Result<()> {
        self.server()?.restart()
    }

    pub fn keys(&self) -> Result<&TestKeys> {
        self.keys.as_ref().context("this app has no test keys")
    }

    /// The test UKey's PIN.
    pub fn pin(&self) -> Result<String> {
        match self.ukey {
            Some(kind) => self.pin_of(kind),
            None => bail!("this app has no UKey"),
        }
    }

    /// The PIN of a test UKey of this kind (as `scripts/ukey-test.sh` set it).
    pub fn pin_of(&self, kind: Ukey) -> Result<String> {
        match kind {
            Ukey::Pkcs11 => self.keys()?.var("YICHUANG_PKCS11_PIN"),
            Ukey::Skf => self.keys()?.var("YICHUANG_SKF_PIN"),
        }
    }

    /// The simulated devices' control address.
    pub fn control(&self) -> Result<&str> {
        Ok(&self.control_and_token()?.0)
    }

    /// The simulated devices' control address and token (`simulator.token`).
    pub fn control_and_token(&self) -> Result<&(String, String)> {
        self.control
            .as_ref()
            .context("this app has no simulator control surface")
    }

    /// One command to the simulated devices; the reply (`ok`, `error …`).
    pub fn sim_reply(&self, command: &str) -> Result<String> {
        let (addr, token) = self.control_and_token()?;
        Ok(yichuang_core::devices::simctl::send(addr, token, command)?)
    }

    /// One command to the simulated devices that must answer `ok`.
    pub fn sim(&self, command: &str) -> Result<()> {
        let reply = self.sim_reply(command)?;
        ensure!(reply == "ok", "simctl {command}: {reply}");
        Ok(())
    }

    /// Switches to the clerk window showing the login view.
    pub async fn login_view(&self) -> Result<()> {
        ensure!(
            switch_to_window_with(
                &self.client,
                "[data-testid=login-view]",
                Duration::from_secs(15)
            )
            .await?,
            "no window shows the login view"
        );
        Ok(())
    }

    /// Waits for the status bar to show the server `state` (`reachable`, `unreachable`).
    pub async fn backend_state(&self, state: &str, within: Duration) -> Result<Duration> {
        let (_, took) = wait_attr(
            &self.client,
            "[data-testid=status-backend]",
            "data-state",
            within,
            |s| s == state,
        )
        .await
        .with_context(|| format!("status bar never showed the server {state}"))?;
        Ok(took)
    }

    /// From the login view, with the server reachable: `who` logs in with the test key's PIN
    /// and reaches the workbench.
    pub async fn login(&self, who: &str) -> Result<()> {
        self.login_view().await?;
        self.backend_state("reachable", Duration::from_secs(10))
            .await?;
        crate::clerk::login_with(&self.client, who, &self.pin()?).await?;
        let shown = wait_text(
            &self.client,
            "[data-testid=workbench-clerk]",
            Duration::from_secs(10),
        )
        .await
        .with_context(|| format!("{who} not logged in"))?;
        ensure!(shown.contains(who), "workbench shows {shown}");
        Ok(())
    }

    /// The app's process id (launched by the WebDriver session below tauri-driver).
    pub fn app_pid(&self) -> Result<u32> {
        let driver = self.driver.as_ref().context("the session is closed")?;
        crate::memory::descendant_running(driver.pid(), &crate::app_bin())
            .context("no app process below tauri-driver")
    }

    /// Whether an element matching `css` is in the current window's document now.
    pub async fn exists(&self, css: &str) -> bool {
        wd(self.client.find(Locator::Css(css))).await.is_ok()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A scenario that returned early with `?`: end the session here, so the app exits
        // before tauri-driver is killed. Blocking is possible on the tests' multi-thread
        // runtime only; elsewhere the session ends when its client is dropped.
        if self.closed {
            return;
        }
        self.closed = true;
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                let client = self.client.clone();
                tokio::task::block_in_place(|| {
                    handle.block_on(async { wd(client.close()).await.ok() });
                });
            }
        }
    }
}

/// A fresh control token for one app run (a random UUID's 32 hex digits).
fn sim_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
