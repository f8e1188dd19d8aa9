//! App benchmarks, one line per figure: `bench: <name> <value> <unit>`.
//!
//! - `startup_to_login_ms`: from spawning the release binary to the clerk window reporting
//!   the login view painted (two animation frames after mount), under the current display or
//!   Xvfb; median of 5 runs after one warm-up (the warm-up fills the OS file cache, as on a
//!   workstation that has started before).
//! - `idle_pss_mb` (and `idle_rss_mb`): both windows at work, idle 10 s, memory summed over
//!   the app and its WebKit processes. A clerk (PKCS#11 test key) is logged in with the hall
//!   queue on the server, the desk's queue panel shows a called ticket and the citizen window
//!   asks for the rating (「服务结束，请评价」, countdown 30 s, so it still asks when measured);
//!   the app runs under tauri-driver (WebDriver), which puts its page in automation mode. RSS
//!   counts pages shared between the processes once per process; PSS divides them among
//!   their sharers.
//! - `idle_pss_floor_mb`: the floor of the stack in the same run, a minimal Tauri 2 app with
//!   one 1366×768 window and a small page (`tests/pss-floor`: same Tauri, wry and WebKitGTK
//!   through the workspace's Cargo.lock, release profile, no plugins), built with cargo by
//!   this bench before measuring; started directly, idle 10 s after its page reports itself
//!   painted, PSS summed over its process tree the same way. `idle_pss_vs_floor` is the
//!   ratio (target ≤ 1.0). Each process's share is printed to stderr.
//! - `idle_pss_floor_two_windows_mb`: the same floor app with a second window opened the way
//!   Tauri opens one by default; what two windows cost without sharing a web process.
//! - `idle_tree_mb`, `idle_tree_floor_mb`, `idle_tree_vs_floor`,
//!   `idle_tree_floor_two_windows_mb`, `citizen_window_tree_mb`,
//!   `floor_second_window_tree_mb`: the same comparisons in the physical memory each process
//!   tree holds, shared pages counted once (`memory::tree_unique_kb`). PSS divides a
//!   library's pages among every process on the machine that maps them, so another WebKit
//!   program running during the bench moves PSS figures by tens of MB; these do not move.
//! - `citizen_window_pss_mb`: what our citizen window adds, measured as `idle_pss_mb` minus
//!   the same app after the citizen window is closed and 10 s idle (a lower bound: a closed
//!   page's memory goes back to the OS as WebKit's allocator gets to it). Compare
//!   `floor_second_window_pss_mb`, `idle_pss_floor_two_windows_mb` minus `idle_pss_floor_mb`.
//!   Each process's largest mappings are printed to stderr, to see where a figure goes.
//!
//! The timings the E2E tests used to assert, measured here in the real window through
//! WebDriver (so each includes up to one 100 ms poll of the page); the functional tests only
//! check the behaviour:
//! - `card_shown_ms`: an ID card placed on the serial reader (SAM simulator on a pty) until
//!   the device panel shows it; median of 8 placements (target ≤ 1500).
//! - `backend_unreachable_ms` / `backend_reachable_ms`: the server stopped / restarted until
//!   the status bar says so (probe every 500 ms; target ≤ 5000).
//! - `ukey_lock_ms`: the simulated SKF key pulled while a clerk is logged in until the lock
//!   screen shows; median of 3 (target ≤ 1000).
//! - `camera_preview_fps`: the device panel's preview of the simulated 1080p camera over 3 s
//!   (target ≥ 15).

use anyhow::{bail, ensure, Context, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use yichuang_core::infra::config::QueueMode;
use yichuang_e2e::clerk::click_when_enabled;
use yichuang_e2e::desk::{call_next, desk_with_queue, queue_app};
use yichuang_e2e::memory::{tree_memory, tree_unique_kb, ProcessMemory};
use yichuang_e2e::webdriver::{
    click, open_device_panel_when_connected, switch_to_window_with, until, wait_attr, wait_text, wd,
};
use yichuang_e2e::{
    pss_floor_bin, tree_memory_kb, webview_env, workspace_root, workstation_config, App,
    ChildGuard, Display, Ukey, Workstation,
};

const RUNS: usize = 5;

/// A channel of the process's stdout lines.
fn stdout_lines(process: &mut ChildGuard) -> Result<mpsc::Receiver<String>> {
    let stdout = process.child.stdout.take().context("stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

/// Starts the app and returns it with a channel of its stdout lines.
fn start(display: &Display) -> Result<(ChildGuard, Instant, mpsc::Receiver<String>, Workstation)> {
    let ws = Workstation::from_config(&workstation_config(1))?;
    let t0 = Instant::now();
    let mut app = ws.spawn_app(
        display,
        &[("YICHUANG_STARTUP_PROBE", "1"), ("RUST_LOG", "warn")],
    )?;
    let rx = stdout_lines(&mut app)?;
    Ok((app, t0, rx, ws))
}

/// How long both the app and the floor idle before their memory is read.
const IDLE: Duration = Duration::from_secs(10);

/// Builds the floor app (`tests/pss-floor`) with cargo, release profile: the workspace's
/// Cargo.lock gives it the same Tauri, wry and WebKitGTK as the app.
fn build_floor() -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-q", "-p", "yichuang-pss-floor"])
        .current_dir(workspace_root())
        .status()
        .context("running cargo to build the floor app")?;
    ensure!(status.success(), "building yichuang-pss-floor: {status}");
    Ok(())
}

/// The floor app's processes after it painted its `windows` (1 or 2) and idled.
fn floor_memory(display: &Display, windows: u8) -> Result<Tree> {
    let bin = pss_floor_bin();
    let child = Command::new(&bin)
        .envs(webview_env(display))
        .env("PSS_FLOOR_WINDOWS", windows.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut floor = ChildGuard {
        child,
        name: "yichuang-pss-floor",
    };
    let rx = stdout_lines(&mut floor)?;
    // Each window reports itself once, in either order.
    let mut painted = 0;
    while painted < windows {
        wait_line(&rx, "pss-floor-rendered", Duration::from_secs(60))?;
        painted += 1;
    }
    std::thread::sleep(IDLE);
    let memory = measure(floor.pid());
    floor.terminate(Duration::from_secs(5));
    Ok(memory)
}

/// The app's processes with both windows at work (see the module doc), after idling.
/// Then the citizen window is closed and, after idling again, the clerk window alone is
/// measured: the difference is what the citizen window costs (`citizen_window_pss_mb`).
async fn working_memory() -> Result<(Tree, Tree)> {
    let mut app = queue_app("bench-idle-pss", 5, QueueMode::Hall)
        // The rating view stays up through the idle time and the measurement.
        .config(|c| c.citizen_screen.rating_seconds = 30)
        .start()
        .await?;
    let client = &app.client;
    let memory = app
        .scenario(async {
            desk_with_queue(&app, "A", "社保", 5, 2).await?;
            call_next(client, "A001").await?;
            click_when_enabled(client, "[data-testid=request-rating]").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-rating]",
                    Duration::from_secs(5)
                )
                .await?,
                "the citizen window does not ask for the rating"
            );
            // Idle: no WebDriver call until the memory is read.
            tokio::time::sleep(IDLE).await;
            let memory = measure(app.app_pid()?);
            // What was measured: the rating still asked, the desk's queue panel still there.
            ensure!(
                app.exists("[data-testid=citizen-rating]").await,
                "the rating view ended before the measurement"
            );
            // The citizen window closed (WebDriver is on it); the clerk window alone.
            wd(client.close_window()).await?;
            ensure!(
                switch_to_window_with(client, "[data-testid=queue-panel]", Duration::from_secs(5))
                    .await?,
                "no queue panel in the clerk window"
            );
            tokio::time::sleep(IDLE).await;
            let clerk_only = measure(app.app_pid()?);
            ensure!(
                wd(client.windows()).await?.len() == 1,
                "the citizen window did not close"
            );
            Ok((memory, clerk_only))
        })
        .await;
    app.close().await;
    memory
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// A process tree's memory at one moment: each process's PSS and RSS, and the physical
/// memory of the tree as a whole ([`tree_unique_kb`]).
struct Tree {
    processes: Vec<ProcessMemory>,
    unique_kb: Option<u64>,
}

fn measure(root: u32) -> Tree {
    Tree {
        processes: tree_memory(root),
        unique_kb: tree_unique_kb(root),
    }
}

/// Each process's share to stderr; the PSS sum and the tree's physical memory in kB.
fn report_processes(what: &str, tree: &Tree) -> (u64, Option<u64>) {
    let processes = &tree.processes;
    if let Some(kb) = tree.unique_kb {
        eprintln!("{what}: the tree holds {:.1} MB of physical memory", mb(kb));
    }
    for p in processes {
        eprintln!(
            "{what}: {} ({}) PSS {:.1} MB, RSS {:.1} MB",
            p.name,
            p.pid,
            mb(p.pss_kb),
            mb(p.rss_kb)
        );
        let parts: Vec<String> = p
            .largest
            .iter()
            .map(|(name, kb)| format!("{name} {:.1}", mb(*kb)))
            .collect();
        eprintln!("    largest (MB): {}", parts.join(", "));
    }
    (processes.iter().map(|p| p.pss_kb).sum(), tree.unique_kb)
}

fn wait_line(rx: &mpsc::Receiver<String>, prefix: &str, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with(prefix) => return Ok(()),
            Ok(_) => {}
            Err(_) => bail!("no {prefix:?} line within {within:?}"),
        }
    }
}

fn startup_once(display: &Display) -> Result<Duration> {
    let (mut app, t0, rx, _ws) = start(display)?;
    wait_line(
        &rx,
        "yichuang-rendered clerk login",
        Duration::from_secs(60),
    )?;
    let took = t0.elapsed();
    app.terminate(Duration::from_secs(5));
    Ok(took)
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

async fn card_shown() -> Result<Duration> {
    use yichuang_drivers::idcard::simulator::{self, SampleCard};
    let reader = yichuang_e2e::devices::SerialIdCardReader::open()?;
    let mut app = App::builder("bench-card")
        .config(|c| c.devices.id_card = reader.config())
        .start()
        .await?;
    let client = &app.client;
    let runs = app
        .scenario(async {
            open_device_panel_when_connected(client, "id_card").await?;
            let mut runs = Vec::new();
            for i in 0..8 {
                let (identity, kind) = if i % 2 == 0 {
                    (simulator::sample_resident(), "resident")
                } else {
                    (simulator::sample_foreign_permanent(), "foreign_permanent")
                };
                let t0 = Instant::now();
                reader.sim.place_card(SampleCard::from_identity(&identity));
                wait_attr(
                    client,
                    "[data-testid=id-card]",
                    "data-kind",
                    Duration::from_secs(10),
                    |k| k == kind,
                )
                .await?;
                runs.push(t0.elapsed());
                reader.sim.remove_card();
                wait_text(
                    client,
                    "[data-testid=id-card] .removed",
                    Duration::from_secs(5),
                )
                .await?;
            }
            Ok(runs)
        })
        .await;
    app.close().await;
    Ok(median(runs?))
}

async fn backend_state_changes() -> Result<(Duration, Duration)> {
    let mut app = App::builder("bench-backend").server().start().await?;
    let took = app
        .scenario(async {
            app.login_view().await?;
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;
            app.stop_server()?;
            let down = app
                .backend_state("unreachable", Duration::from_secs(10))
                .await?;
            app.restart_server()?;
            let up = app
                .backend_state("reachable", Duration::from_secs(10))
                .await?;
            Ok((down, up))
        })
        .await;
    app.close().await;
    took
}

async fn ukey_lock() -> Result<Duration> {
    let mut app = App::builder("bench-ukey-lock")
        .ukey(Ukey::Skf)
        .auth_server(
            "id,name,department,post,permissions\nT-QQ,钱七,区政务服务中心,综合窗口,accept\n",
            &[("T-QQ", "skf/clerk.pem")],
        )
        .start()
        .await?;
    let client = &app.client;
    let runs = app
        .scenario(async {
            let pin = app.pin()?;
            app.login_view().await?;
            let mut runs = Vec::new();
            for round in 0..3 {
                let (field, submit) = if round == 0 {
                    ("login-pin", "login-submit")
                } else {
                    ("unlock-pin", "unlock-submit")
                };
                yichuang_e2e::clerk::submit_pin(client, field, submit, &pin).await?;
                let a = &app;
                until(Duration::from_secs(10), "the workbench", || async move {
                    Ok(!a.exists("[data-testid=lock-screen]").await
                        && a.exists("[data-testid=workbench-clerk]").await)
                })
                .await?;
                let t0 = Instant::now();
                yichuang_e2e::skf_key(app.keys()?, "remove")?;
                wait_text(client, "[data-testid=lock-screen]", Duration::from_secs(10)).await?;
                runs.push(t0.elapsed());
                yichuang_e2e::skf_key(app.keys()?, "insert")?;
            }
            Ok(runs)
        })
        .await;
    app.close().await;
    Ok(median(runs?))
}

async fn camera_preview_fps() -> Result<f64> {
    let mut app = App::builder("bench-camera").start().await?;
    let client = &app.client;
    let frames = || async move {
        let el = wd(client.find(fantoccini::Locator::Css("[data-testid=camera-fps]"))).await?;
        Ok::<u64, anyhow::Error>(
            wd(el.attr("data-frames"))
                .await?
                .and_then(|f| f.parse().ok())
                .unwrap_or(0),
        )
    };
    let fps = app
        .scenario(async {
            open_device_panel_when_connected(client, "camera").await?;
            click(client, "[data-testid=camera-selftest]").await?;
            until(Duration::from_secs(15), "the preview", || async move {
                Ok(frames().await? >= 3)
            })
            .await?;
            // The measurement window.
            let (f0, t0) = (frames().await?, Instant::now());
            tokio::time::sleep(Duration::from_secs(3)).await;
            Ok((frames().await? - f0) as f64 / t0.elapsed().as_secs_f64())
        })
        .await;
    app.close().await;
    fps
}

/// The window timings, through WebDriver.
/// `issue_scan_to_case_ms` (issue 18): at the issuing window, a receipt's QR code scanned with
/// the serial gun → its result listed as ready (the scan over the pty, the lookup on the hall
/// server, the page). Median of 8, another scan with no result between two.
async fn issue_scan_to_case() -> Result<Duration> {
    use yichuang_e2e::issuing;
    let mut app = issuing::issuing_app("bench-issue", 4).start().await?;
    app.login("张三").await?;
    let runs = app
        .scenario(async {
            let case_no = issuing::take_in(&app).await?;
            issuing::report_ready(&app, &case_no)?;
            issuing::open_issuing_as(&app, "李四").await?;
            let mut runs = Vec::new();
            for _ in 0..8 {
                runs.push(issuing::scan_until_ready(&app, &case_no).await?);
                app.sim("scan 000000000000000000000")?;
                wait_text(
                    &app.client,
                    "[data-testid=issue-none]",
                    Duration::from_secs(10),
                )
                .await?;
            }
            Ok(runs)
        })
        .await;
    app.close().await;
    let runs = runs?;
    eprintln!(
        "issue scan → case (ms): {:?}",
        runs.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    );
    Ok(median(runs))
}

async fn window_timings() -> Result<()> {
    let card = card_shown().await.context("card_shown_ms")?;
    println!("bench: card_shown_ms {} ms", card.as_millis());
    let (down, up) = backend_state_changes().await.context("backend state")?;
    println!("bench: backend_unreachable_ms {} ms", down.as_millis());
    println!("bench: backend_reachable_ms {} ms", up.as_millis());
    let lock = ukey_lock().await.context("ukey_lock_ms")?;
    println!("bench: ukey_lock_ms {} ms", lock.as_millis());
    let fps = camera_preview_fps().await.context("camera_preview_fps")?;
    println!("bench: camera_preview_fps {fps:.1} fps");
    let issue = issue_scan_to_case()
        .await
        .context("issue_scan_to_case_ms")?;
    println!("bench: issue_scan_to_case_ms {} ms", issue.as_millis());
    Ok(())
}

fn main() -> Result<()> {
    // Before any measurement, so the compiler's load is over when the clocks run.
    build_floor()?;
    let display = Display::ensure()?;
    // One display for every app of this run (the fixture reuses an existing DISPLAY).
    std::env::set_var("DISPLAY", &display.name);
    // `YICHUANG_BENCH_ONLY=issue`: only `issue_scan_to_case_ms` (a developer's quick run).
    if std::env::var("YICHUANG_BENCH_ONLY").as_deref() == Ok("issue") {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let issue = runtime.block_on(issue_scan_to_case())?;
        println!("bench: issue_scan_to_case_ms {} ms", issue.as_millis());
        return Ok(());
    }

    startup_once(&display).context("warm-up run")?;
    let mut runs = (0..RUNS)
        .map(|_| startup_once(&display))
        .collect::<Result<Vec<_>>>()?;
    runs.sort();
    let median = runs[RUNS / 2];
    eprintln!(
        "startup runs (ms): {:?}",
        runs.iter().map(|d| d.as_millis()).collect::<Vec<_>>()
    );
    println!("bench: startup_to_login_ms {} ms", median.as_millis());

    // Both windows on the login screen, without WebDriver: context for the figures below.
    let (mut app, _t0, rx, _ws) = start(&display)?;
    let deadline = Duration::from_secs(60);
    let mut seen = (false, false);
    let started = Instant::now();
    while !(seen.0 && seen.1) {
        let line = rx
            .recv_timeout(deadline.saturating_sub(started.elapsed()))
            .context("both windows did not render")?;
        seen.0 |= line.starts_with("yichuang-rendered clerk login");
        seen.1 |= line.starts_with("yichuang-rendered citizen citizen-idle");
    }
    std::thread::sleep(IDLE);
    let (_, login_pss) = tree_memory_kb(app.pid());
    app.terminate(Duration::from_secs(5));
    eprintln!("login screen, no WebDriver: PSS {:.1} MB", mb(login_pss));

    let (floor, floor_unique) = report_processes(
        "floor",
        &floor_memory(&display, 1).context("the floor app")?,
    );
    let (floor_two, floor_two_unique) = report_processes(
        "floor, two windows",
        &floor_memory(&display, 2).context("the floor app with two windows")?,
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (working, clerk_only) = runtime.block_on(working_memory()).context("idle_pss_mb")?;
    let rss: u64 = working.processes.iter().map(|p| p.rss_kb).sum();
    let (pss, unique) = report_processes("app", &working);
    let (pss_clerk_only, unique_clerk_only) =
        report_processes("app, citizen window closed", &clerk_only);
    println!("bench: idle_rss_mb {:.1} MB", mb(rss));
    println!("bench: idle_pss_mb {:.1} MB", mb(pss));
    println!("bench: idle_pss_floor_mb {:.1} MB", mb(floor));
    println!(
        "bench: idle_pss_vs_floor {:.2} x",
        pss as f64 / floor as f64
    );
    println!(
        "bench: idle_pss_floor_two_windows_mb {:.1} MB",
        mb(floor_two)
    );
    // What a second window adds: ours shares the web process (with_related_view), the floor's
    // has its own, as Tauri opens one by default.
    println!(
        "bench: citizen_window_pss_mb {:.1} MB",
        mb(pss.saturating_sub(pss_clerk_only))
    );
    println!(
        "bench: floor_second_window_pss_mb {:.1} MB",
        mb(floor_two.saturating_sub(floor))
    );
    // The same comparisons in physical memory held by each tree, which other programs on
    // the machine do not move (PSS shares a library's pages among all its users).
    match (unique, unique_clerk_only, floor_unique, floor_two_unique) {
        (Some(ours), Some(clerk_only), Some(floor), Some(floor_two)) => {
            println!("bench: idle_tree_mb {:.1} MB", mb(ours));
            println!("bench: idle_tree_floor_mb {:.1} MB", mb(floor));
            println!(
                "bench: idle_tree_vs_floor {:.2} x",
                ours as f64 / floor as f64
            );
            println!(
                "bench: idle_tree_floor_two_windows_mb {:.1} MB",
                mb(floor_two)
            );
            println!(
                "bench: citizen_window_tree_mb {:.1} MB",
                mb(ours.saturating_sub(clerk_only))
            );
            println!(
                "bench: floor_second_window_tree_mb {:.1} MB",
                mb(floor_two.saturating_sub(floor))
            );
        }
        _ => eprintln!("tree memory not measured: page frame numbers need root"),
    }

    runtime.block_on(window_timings())
}
