//! The shell in the real app window (tauri-driver + WebKitWebDriver): the Chinese login
//! screen and the citizen window, the status bar following the central server, a bad config,
//! a second instance. Run by `make e2e`, which builds the release binaries first.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::io::Read;
use std::time::Duration;
use yichuang_e2e::webdriver::{switch_to_window_with, wait_text, wd};
use yichuang_e2e::{wait_until, workstation_config, App, Display, Workstation};

const BACKEND: &str = "[data-testid=status-backend]";

/// Issue 2's first scenario: the app opens on the Chinese login screen, the citizen window
/// shows its idle screen, and the status bar follows the server going away and coming back.
/// (How fast it follows is `make bench`'s business.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_login_citizen_idle_and_backend_reachability() -> Result<()> {
    let mut app = App::builder("shell").window(12).server().start().await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            // The clerk window: Chinese login screen.
            app.login_view().await?;
            let login =
                wait_text(client, "[data-testid=login-view]", Duration::from_secs(15)).await?;
            ensure!(
                login.contains("一窗受理工作站") && login.contains("UKey 证书登录"),
                "login text: {login}"
            );
            ensure!(login.contains("12号窗口"), "window number missing: {login}");
            let lang = wd(client.find(Locator::Css("html")))
                .await?
                .attr("lang")
                .await?;
            ensure!(lang.as_deref() == Some("zh-CN"), "html lang = {lang:?}");
            let title = wd(client.title()).await?;
            ensure!(title == "一窗受理工作站", "document title {title:?}");

            // Status bar: server reachable.
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;
            let text = wd(client.find(Locator::Css(BACKEND))).await?.text().await?;
            ensure!(text == "中心服务：已连接", "backend label {text:?}");
            let pending = wd(client.find(Locator::Css("[data-testid=status-pending]")))
                .await?
                .attr("data-count")
                .await?;
            ensure!(pending.as_deref() == Some("0"), "pending {pending:?}");

            // The citizen window exists and shows its idle screen.
            let clerk_handle = wd(client.window()).await?;
            ensure!(
                wd(client.windows()).await?.len() == 2,
                "expected two windows"
            );
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-idle]",
                    Duration::from_secs(10)
                )
                .await?,
                "no window shows the citizen idle screen"
            );
            let idle = wait_text(
                client,
                "[data-testid=citizen-idle]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(
                idle.contains("12号窗口") && idle.contains("欢迎您"),
                "citizen idle text: {idle}"
            );
            wd(client.switch_to_window(clerk_handle)).await?;

            // Server stopped: shown unreachable.
            ensure!(app.stop_server()?, "server did not shut down gracefully");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            let text = wd(client.find(Locator::Css(BACKEND))).await?.text().await?;
            ensure!(text.contains("无法连接"), "backend label {text:?}");

            // Server restarted on the same port: reachable again.
            app.restart_server()?;
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// A config with a bad value opens the app on a Chinese error that names the key, not on a
/// half-configured login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_names_the_key_in_chinese() -> Result<()> {
    let mut app = App::builder("bad-config")
        .config(|c| c.window.number = 0)
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=startup-error]",
                    Duration::from_secs(15)
                )
                .await?,
                "no window shows the startup error"
            );
            let text = wait_text(
                client,
                "[data-testid=startup-error]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(text.contains("工作站无法启动"), "{text}");
            ensure!(text.contains("「window.number」"), "key not named: {text}");
            ensure!(
                !app.exists("[data-testid=login-view]").await,
                "login shown despite a bad config"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// Two instances on one workstation must never run at once: the second exits at once with
/// a Chinese message while the first keeps running. (No WebDriver: both are plain processes.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_instance_is_refused() -> Result<()> {
    let display = Display::ensure()?;
    let ws = Workstation::from_config(&workstation_config(3))?;
    let mut first = ws.spawn_app(&display, &[("YICHUANG_STARTUP_PROBE", "1")])?;
    // Wait until the first instance has rendered, i.e. certainly holds the lock.
    let mut stdout = first.child.stdout.take().context("stdout")?;
    let rendered = std::thread::spawn(move || {
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains("yichuang-rendered clerk login") {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => return Err(seen),
                Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
        Ok(stdout)
    });
    ensure!(
        wait_until(Duration::from_secs(30), || rendered.is_finished()),
        "first instance never rendered"
    );
    let _stdout = rendered
        .join()
        .expect("reader thread")
        .map_err(|seen| anyhow::anyhow!("first instance exited early: {seen}"))?;

    let mut second = ws.spawn_app(&display, &[])?;
    let mut status = None;
    ensure!(
        wait_until(Duration::from_secs(10), || {
            status = second.child.try_wait().ok().flatten();
            status.is_some()
        }),
        "second instance is still running"
    );
    let status = status.context("exit status")?;
    let mut err = String::new();
    second
        .child
        .stderr
        .take()
        .context("stderr")?
        .read_to_string(&mut err)?;
    ensure!(
        status.code() == Some(3),
        "second instance exit status {status}"
    );
    ensure!(
        err.contains("已在本机运行"),
        "second instance stderr: {err}"
    );
    ensure!(first.child.try_wait()?.is_none(), "first instance died");
    Ok(())
}

/// The fixture's typed config, written as TOML, is read back by the app's own parser as the
/// same config (so every scenario's setup is what it says).
#[test]
fn fixture_config_round_trips_through_the_app_parser() -> Result<()> {
    let mut config = workstation_config(12);
    config.backend = yichuang_e2e::backend_config("http://127.0.0.1:9")?;
    let ws = Workstation::from_config(&config)?;
    let parsed = yichuang_core::infra::config::WorkstationConfig::load(&ws.config_path())?;
    ensure!(parsed == config, "parsed {parsed:?}");
    Ok(())
}

/// Issue 17 item 7: the citizen window shares the clerk window's web process (one
/// WebKitWebProcess for both), and when that process dies both pages come back instead of
/// leaving dead screens, again on one web process. WebKitWebDriver ends its session when a
/// page crashes, so after the kill the pages are followed through the app's log, where each
/// page reports itself rendered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g1_one_web_process_for_both_windows_and_a_killed_one_brings_both_back() -> Result<()> {
    let mut app = App::counter("web-process-crash", 7).await?;
    let client = &app.client;
    let logs = app.ws.data_dir().join("logs");
    let rendered = |window: &str| -> usize {
        let needle = format!("view rendered window=\"{window}\"");
        std::fs::read_dir(&logs)
            .map(|dir| {
                dir.flatten()
                    .filter_map(|f| std::fs::read_to_string(f.path()).ok())
                    .map(|text| text.matches(&needle).count())
                    .sum()
            })
            .unwrap_or(0)
    };
    let result = app
        .scenario(async {
            let web_processes = || -> Result<Vec<u32>> {
                Ok(yichuang_e2e::memory::tree_memory(app.app_pid()?)
                    .into_iter()
                    .filter(|p| p.name.starts_with("WebKitWebProces"))
                    .map(|p| p.pid)
                    .collect())
            };
            let before = web_processes()?;
            ensure!(
                before.len() == 1,
                "web processes for the two windows: {before:?}"
            );
            ensure!(
                switch_to_window_with(client, "[data-testid=citizen-idle]", Duration::from_secs(5))
                    .await?,
                "no citizen window"
            );
            let (clerk, citizen) = (rendered("clerk"), rendered("citizen"));
            ensure!(
                clerk > 0 && citizen > 0,
                "the log does not show the pages rendered"
            );
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &before[0].to_string()])
                .status()?;
            ensure!(killed.success(), "kill {}", before[0]);
            let mut now = Vec::new();
            ensure!(
                wait_until(Duration::from_secs(30), || {
                    now = web_processes().unwrap_or_default();
                    rendered("clerk") > clerk
                        && rendered("citizen") > citizen
                        && now.len() == 1
                        && now != before
                }),
                "after the crash: clerk page rendered {} times (was {clerk}), citizen page {} (was \
                 {citizen}), web processes {now:?} (was {before:?})",
                rendered("clerk"),
                rendered("citizen")
            );
            Ok(())
        })
        .await;
    app.close().await;
    result
}
