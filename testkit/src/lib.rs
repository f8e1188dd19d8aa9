//! Shared by every test crate of the workspace (a dev-dependency only).
//!
//! **Missing tools and services.** Some tests need something outside the Rust build: a
//! PostgreSQL cluster (`YICHUANG_TEST_PG_URL`), a CUPS server (`YICHUANG_TEST_CUPS`), SoftHSM2
//! and OpenSSL, poppler's `pdftotext`. `make unit` provides all of them. A test whose
//! requirement is missing
//! - **fails** when `CI` is set (non-empty, not `0`/`false`; `.ci/run` exports `CI=1`), with a
//!   message naming what is missing and how to provide it, so CI can never pass by skipping;
//! - otherwise **skips**: it prints `skipped: <test>: <reason>` on stderr and returns early.
//!
//! Use it as `let Some(url) = yichuang_testkit::require_env("YICHUANG_TEST_PG_URL", HINT) else
//! { return };` or `if !yichuang_testkit::require_tool("pdftotext", HINT) { return; }`.
//!
//! **Waiting.** [`wait_until`] polls a condition up to a deadline, in place of a fixed sleep.

use std::path::Path;
use std::time::{Duration, Instant};

/// Whether the tests run in CI: `CI` set, non-empty and not `0` / `false` (any case).
pub fn in_ci() -> bool {
    ci_value_means_ci(std::env::var("CI").ok().as_deref())
}

fn ci_value_means_ci(value: Option<&str>) -> bool {
    match value.map(str::trim) {
        None | Some("") | Some("0") => false,
        Some(v) => !v.eq_ignore_ascii_case("false"),
    }
}

/// The name of the running test (the test harness names its thread after it).
fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("test")
        .to_string()
}

/// The one place a missing requirement is decided: panics in CI, prints the reason and
/// returns otherwise (the caller then returns early).
///
/// `what` names what is missing, `hint` how to provide it (e.g. "make unit starts one").
#[track_caller]
pub fn missing(what: &str, hint: &str) {
    let name = test_name();
    if in_ci() {
        panic!("{name}: {what} is missing, and CI is set, so this test may not be skipped. {hint}");
    }
    // Straight to the process's stderr: the test harness captures `eprintln!` of passing
    // tests, and a skip must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {name}: {what} is missing ({hint}); with CI=1 this is a failure"
    );
}

/// The value of environment variable `name` when it is set and not blank; otherwise
/// [`missing`] (a failure in CI, a skip with the reason elsewhere) and `None`.
#[track_caller]
pub fn require_env(name: &str, hint: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Some(v),
        _ => {
            missing(&format!("environment variable {name}"), hint);
            None
        }
    }
}

/// Whether `tool` is an executable on `PATH` (or an executable path); when it is not,
/// [`missing`] (a failure in CI, a skip with the reason elsewhere) and `false`.
#[track_caller]
pub fn require_tool(tool: &str, hint: &str) -> bool {
    if find_tool(tool).is_some() {
        return true;
    }
    missing(&format!("the tool `{tool}`"), hint);
    false
}

/// Every one of `tools` (see [`require_tool`]); reports all the missing ones at once.
#[track_caller]
pub fn require_tools(tools: &[&str], hint: &str) -> bool {
    let absent: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find_tool(t).is_none())
        .collect();
    if absent.is_empty() {
        return true;
    }
    missing(&format!("the tools {}", absent.join(", ")), hint);
    false
}

/// Whether the file `path` exists (a library, a module); otherwise [`missing`] and `false`.
#[track_caller]
pub fn require_file(path: &str, hint: &str) -> bool {
    if Path::new(path).exists() {
        return true;
    }
    missing(&format!("the file {path}"), hint);
    false
}

/// The path of `tool`: itself when it contains a `/`, else the first executable of that
/// name on `PATH` (on Windows: with `.exe`; there any file counts as executable).
pub fn find_tool(tool: &str) -> Option<std::path::PathBuf> {
    let executable = |p: &Path| {
        p.metadata().is_ok_and(|m| {
            #[cfg(unix)]
            let runnable = {
                use std::os::unix::fs::PermissionsExt;
                m.permissions().mode() & 0o111 != 0
            };
            #[cfg(not(unix))]
            let runnable = true;
            m.is_file() && runnable
        })
    };
    if tool.contains('/') {
        let p = Path::new(tool);
        return executable(p).then(|| p.to_owned());
    }
    let name = format!("{tool}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&name))
        .find(|p| executable(p))
}

/// Polls `condition` every 20 ms (first at once) until it holds or `timeout` has passed;
/// returns whether it held. For the tests' "wait for X" in place of fixed sleeps.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Like [`wait_until`] for a condition that yields a value: the first `Some`, or `None` after
/// `timeout`.
pub fn wait_for<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let mut found = None;
    wait_until(timeout, || {
        found = probe();
        found.is_some()
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_values() {
        for v in ["1", "true", "TRUE", "yes", "github"] {
            assert!(ci_value_means_ci(Some(v)), "{v}");
        }
        for v in [
            None,
            Some(""),
            Some(" "),
            Some("0"),
            Some("false"),
            Some("False"),
        ] {
            assert!(!ci_value_means_ci(v), "{v:?}");
        }
    }

    #[test]
    fn tools_are_found_on_the_path() {
        assert!(find_tool("sh").is_some());
        assert!(find_tool("/bin/sh").is_some());
        assert!(find_tool("yichuang-no-such-tool").is_none());
    }

    #[test]
    fn wait_until_returns_when_the_condition_holds_and_gives_up_after_the_timeout() {
        let mut n = 0;
        assert!(wait_until(Duration::from_secs(5), || {
            n += 1;
            n == 3
        }));
        assert_eq!(n, 3);
        let started = Instant::now();
        assert!(!wait_until(Duration::from_millis(60), || false));
        assert!(started.elapsed() >= Duration::from_millis(60));
        assert_eq!(wait_for(Duration::from_secs(1), || Some(7)), Some(7));
    }
}
pub mod pki;
