//! The hall's call screen (大厅综合屏) in a real headless Chromium through chromedriver,
//! paired with the server as a hall device the way IT pairs the big display: a one-time code
//! from the admin CLI typed into `/hall/pair`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder};

use crate::{free_port, wait_for_port, ChildGuard, Server};

pub const HINT: &str = "scripts/setup.sh installs Debian's chromium and chromium-driver";

/// A chromedriver process and a headless Chromium showing the hall's call screen.
pub struct HallScreen {
    pub client: Client,
    _driver: ChildGuard,
}

impl HallScreen {
    /// A one-time pairing code for a screen of `hall` (admin CLI `device enroll`).
    pub fn pairing_code(server: &Server, hall: &str) -> Result<String> {
        let out = server.admin(&["device", "enroll", "--hall", hall, "--kind", "screen"])?;
        out.lines()
            .find_map(|l| l.strip_prefix("code "))
            .map(|c| c.trim().to_owned())
            .with_context(|| format!("no `code …` line in {out:?}"))
    }

    /// Starts the browser, pairs it with `code` as a screen of the server at `base` and waits
    /// until the page is connected to its event stream.
    pub async fn open(base: &str, code: &str) -> Result<HallScreen> {
        let _ = rustls::crypto::ring::default_provider().install_default();

        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting chromedriver ({HINT})"))?;
        let driver = ChildGuard {
            child,
            name: "chromedriver",
        };
        wait_for_port(port, Duration::from_secs(20))?;
        let binary = [
            "/usr/bin/chromium",
            "/usr/bin/chromium-browser",
            "/usr/bin/google-chrome",
        ]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("/usr/bin/chromium");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-extensions", "--no-first-run",
                         "--no-proxy-server", "--autoplay-policy=no-user-gesture-required",
                         "--window-size=1920,1080"]
            }),
        );
        let client = ClientBuilder::rustls()
            .context("rustls client")?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("a chromedriver session")?;
        let screen = HallScreen {
            client,
            _driver: driver,
        };
        screen.client.goto(&format!("{base}/hall/pair")).await?;
        let code = serde_json::to_string(code)?;
        screen
            .client
            .execute(
                &format!("document.getElementById('code').value = {code}; document.getElementById('submit').click(); return true;"),
                vec![],
            )
            .await?;
        screen
            .wait_for(
                "return location.pathname === '/hall/screen' && document.body.dataset.connected === '1'",
                Duration::from_secs(15),
            )
            .await
            .context("the call screen did not pair and connect")?;
        Ok(screen)
    }

    /// Polls `script` (returns a truthy value when the condition holds) every 5 ms until
    /// `within`; the time it took.
    pub async fn wait_for(&self, script: &str, within: Duration) -> Result<Duration> {
        let started = Instant::now();
        loop {
            let v = self.client.execute(script, vec![]).await?;
            if v.as_bool() == Some(true) {
                return Ok(started.elapsed());
            }
            if started.elapsed() > within {
                bail!("not within {within:?}: {script}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Whether the screen shows `number` called to `window` (last call and the window's row).
    pub fn shows_call(number: &str, window: u16) -> String {
        format!(
            "const l = document.getElementById('last'); \
             const row = document.querySelector('#calls tr[data-window=\"{window}\"]'); \
             return !!l && l.dataset.number === '{number}' && l.dataset.window === '{window}' \
               && !!row && row.dataset.number === '{number}' && row.textContent.includes('{window}号窗口');"
        )
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
