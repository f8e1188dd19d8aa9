//! tauri-driver + WebKitWebDriver sessions on the real app binary.

use crate::{app_bin, artifacts_dir, free_port, wait_for_port, ChildGuard, Display};
use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn tauri_driver_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return p.into();
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let p = cargo_home.join("bin/tauri-driver");
    if p.exists() {
        p
    } else {
        "tauri-driver".into()
    }
}

/// One tauri-driver process; the app it launches inherits `env`.
pub struct Driver {
    port: u16,
    _proc: ChildGuard,
}

impl Driver {
    pub fn start(env: &[(String, String)]) -> Result<Driver> {
        // Two rustls providers are compiled into this crate; pick one (a second call is a
        // harmless Err).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let port = free_port();
        let native = free_port();
        let bin = tauri_driver_bin();
        let child = Command::new(&bin)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} (make setup installs it)", bin.display()))?;
        let guard = ChildGuard {
            child,
            name: "tauri-driver",
        };
        wait_for_port(port, Duration::from_secs(20))?;
        Ok(Driver { port, _proc: guard })
    }

    /// tauri-driver's process id (the app of a session runs below it).
    pub fn pid(&self) -> u32 {
        self._proc.pid()
    }

    /// A WebDriver session: launches the app and attaches to its first window.
    pub async fn session(&self) -> Result<Client> {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_bin() }),
        );
        let client = ClientBuilder::rustls()
            .context("rustls client")?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("starting a WebDriver session on the app")?;
        Ok(client)
    }
}

/// Longest a single WebDriver call may take; a hung WebKitWebDriver fails the test instead
/// of stalling it.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest a whole scenario may take.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

/// One WebDriver call, bounded by [`CALL_TIMEOUT`].
pub async fn wd<T, E: Into<anyhow::Error>>(
    call: impl std::future::Future<Output = std::result::Result<T, E>>,
) -> Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => bail!("WebDriver call did not answer within {CALL_TIMEOUT:?}"),
    }
}

/// Polls `condition` (an async check; an error counts as "not yet") every 50 ms until it
/// holds; returns how long that took, or fails naming `what` after `within`. The E2E tests'
/// wait on a condition, in place of fixed sleeps.
pub async fn until<F, Fut>(within: Duration, what: &str, mut condition: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let started = Instant::now();
    let mut last_error = None;
    loop {
        match condition().await {
            Ok(true) => return Ok(started.elapsed()),
            Ok(false) => {}
            Err(e) => last_error = Some(e),
        }
        if started.elapsed() >= within {
            match last_error {
                Some(e) => bail!("{what}: not within {within:?} (last error: {e:#})"),
                None => bail!("{what}: not within {within:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until no CSS transition or finite animation runs in the document and no Vue
/// transition is in progress (a drawer that slides in or out, a dialog that fades): a click
/// then lands where the element stands. Two quiet polls in a row, so a transition that is
/// about to start is not missed.
pub async fn settled(client: &Client) -> Result<()> {
    let quiet = std::cell::Cell::new(0);
    let quiet = &quiet;
    until(
        Duration::from_secs(5),
        "animations to finish",
        || async move {
            let running = wd(client.execute(
                "const running = document.getAnimations ? document.getAnimations().filter(a =>
               a.playState === 'running'
               && !(a.effect && a.effect.getTiming().iterations === Infinity)).length : 0;
             const moving = document.querySelectorAll(
               '[class*=\"-enter-active\"], [class*=\"-leave-active\"]').length;
             return running + moving;",
                vec![],
            ))
            .await?;
            quiet.set(if running.as_u64() == Some(0) {
                quiet.get() + 1
            } else {
                0
            });
            Ok(quiet.get() >= 2)
        },
    )
    .await?;
    Ok(())
}

/// Polls `css` until `attr` satisfies `pred`; returns the value and how long it took.
pub async fn wait_attr(
    client: &Client,
    css: &str,
    attr: &str,
    within: Duration,
    pred: impl Fn(&str) -> bool,
) -> Result<(String, Duration)> {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < within {
        if let Ok(el) = wd(client.find(Locator::Css(css))).await {
            if let Ok(Some(v)) = wd(el.attr(attr)).await {
                if pred(&v) {
                    return Ok((v, started.elapsed()));
                }
                last = Some(v);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{css}[{attr}] did not reach the expected value within {within:?}; last: {last:?}")
}

/// Waits for an element and returns its visible text.
pub async fn wait_text(client: &Client, css: &str, within: Duration) -> Result<String> {
    let started = Instant::now();
    loop {
        if let Ok(el) = wd(client.find(Locator::Css(css))).await {
            let text = wd(el.text()).await?;
            if !text.trim().is_empty() {
                return Ok(text);
            }
        }
        if started.elapsed() > within {
            bail!("{css} not shown within {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `css` shows exactly `want` (trimmed); the last text seen is in the error.
pub async fn wait_text_eq(client: &Client, css: &str, want: &str, within: Duration) -> Result<()> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        if let Ok(el) = wd(client.find(Locator::Css(css))).await {
            last = wd(el.text()).await?;
            if last.trim() == want {
                return Ok(());
            }
        }
        if started.elapsed() > within {
            bail!("{css} shows {last:?}, not {want:?}, after {within:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Switches to the window whose document contains `css`; returns false if none does.
pub async fn switch_to_window_with(client: &Client, css: &str, within: Duration) -> Result<bool> {
    let started = Instant::now();
    while started.elapsed() < within {
        for handle in wd(client.windows()).await? {
            wd(client.switch_to_window(handle)).await?;
            if wd(client.find(Locator::Css(css))).await.is_ok() {
                return Ok(true);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(false)
}

/// Runs a scenario and saves the window as it left it (`<name>-done-window.png`); on failure
/// saves the window's and the whole display's screenshots to
/// `.artifacts/e2e/` before returning the error.
pub async fn with_screenshots<T>(
    name: &str,
    display: &Display,
    client: &Client,
    scenario: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let outcome = match tokio::time::timeout(SCENARIO_TIMEOUT, scenario).await {
        Ok(r) => r,
        Err(_) => Err(anyhow::anyhow!(
            "scenario did not finish within {SCENARIO_TIMEOUT:?}"
        )),
    };
    match outcome {
        Ok(v) => {
            // The window as the scenario left it, for a person to look at (1366×768).
            let dir = artifacts_dir("e2e");
            match wd(client.screenshot()).await {
                Ok(png) => {
                    let _ = std::fs::write(dir.join(format!("{name}-done-window.png")), png);
                }
                Err(e) => {
                    // WebKitWebDriver sometimes never answers a screenshot: the display's.
                    eprintln!("e2e: no WebDriver screenshot as {name} left the window: {e:#}");
                    let _ = display.screenshot(&dir.join(format!("{name}-done-display.png")));
                }
            }
            Ok(v)
        }
        Err(e) => {
            let dir = artifacts_dir("e2e");
            if let Ok(png) = wd(client.screenshot()).await {
                let _ = std::fs::write(dir.join(format!("{name}-window.png")), png);
            }
            let _ = display.screenshot(&dir.join(format!("{name}-display.png")));
            Err(e.context(format!(
                "scenario {name} failed; screenshots in {}",
                dir.display()
            )))
        }
    }
}

/// The device tests' common start: the clerk window's login view, the device in `slot`
/// connected in the status bar, then the device panel opened from the login screen.
pub async fn open_device_panel_when_connected(client: &Client, slot: &str) -> Result<()> {
    if !switch_to_window_with(client, "[data-testid=login-view]", Duration::from_secs(15)).await? {
        bail!("no window shows the login view");
    }
    let css = format!("[data-testid=status-devices] [data-slot={slot}]");
    wait_attr(client, &css, "data-state", Duration::from_secs(10), |s| {
        s == "connected"
    })
    .await
    .with_context(|| format!("{slot} not connected in the status bar"))?;
    wd(
        wd(client.find(Locator::Css("[data-testid=open-device-panel]")))
            .await?
            .click(),
    )
    .await?;
    wait_text(client, "[data-testid=device-panel]", Duration::from_secs(5)).await?;
    Ok(())
}

/// Scrolls the element into the middle of its scroll container, then clicks it, as a clerk
/// would: a button at the bottom edge of a scrolled page is otherwise "in view" for the
/// driver but covered by the status bar.
pub async fn click(client: &Client, css: &str) -> Result<()> {
    let element = wd(client.find(Locator::Css(css)))
        .await
        .with_context(|| format!("no element {css}"))?;
    let arg = serde_json::to_value(&element)?;
    wd(client.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg])).await?;
    wd(element.click())
        .await
        .with_context(|| format!("click on {css}"))?;
    Ok(())
}
