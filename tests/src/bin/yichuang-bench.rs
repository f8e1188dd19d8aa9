//! App benchmarks, one line per figure: `bench: <name> <value> <unit>`.
//!
//! - `startup_to_login_ms`: from spawning the release binary to the clerk window reporting
//!   the login view painted (two animation frames after mount), under the current display or
//!   Xvfb; median of 5 runs after one warm-up (the warm-up fills the OS file cache, as on a
//!   workstation that has started before).
//! - `idle_rss_mb`: both windows open and painted, then idle 10 s; resident memory summed
//!   over the app and its WebKit processes. RSS counts pages shared between those processes
//!   once per process, so `idle_pss_mb` (shared pages divided among sharers) is printed too.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use yichuang_e2e::{tree_memory_kb, ChildGuard, Display, Workstation};

const RUNS: usize = 5;

/// Starts the app and returns it with a channel of its stdout lines.
fn start(display: &Display) -> Result<(ChildGuard, Instant, mpsc::Receiver<String>, Workstation)> {
    let ws = Workstation::new(None, 1)?;
    let t0 = Instant::now();
    let mut app = ws.spawn_app(
        display,
        &[("YICHUANG_STARTUP_PROBE", "1"), ("RUST_LOG", "warn")],
    )?;
    let stdout = app.child.stdout.take().context("stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok((app, t0, rx, ws))
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

fn main() -> Result<()> {
    let display = Display::ensure()?;

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
    std::thread::sleep(Duration::from_secs(10));
    let (rss, pss) = tree_memory_kb(app.pid());
    app.terminate(Duration::from_secs(5));
    println!("bench: idle_rss_mb {:.1} MB", rss as f64 / 1024.0);
    println!("bench: idle_pss_mb {:.1} MB", pss as f64 / 1024.0);
    Ok(())
}
