//! The built binary: listening line, health, and a clean exit on SIGTERM / Ctrl-C.
#![cfg(unix)]

mod common;

use std::time::Duration;

use common::{get_json, Spawned};
use nix::sys::signal::Signal;

async fn run_and_stop(signal: Signal) {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let server = Spawned::start(&data_dir, &[]);

    let (status, health) = get_json(&format!("{}/api/v1/health", server.base)).await;
    assert_eq!(status, 200, "{health}; stderr:\n{}", server.stderr());
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "sqlite");
    assert!(data_dir.join("server.db").is_file());

    server.signal(signal);
    let log = server.log.clone();
    let status = server.wait(Duration::from_secs(10)).await;
    assert_eq!(
        status.code(),
        Some(0),
        "exit status {status}; stderr:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

#[tokio::test]
async fn sigterm_exits_cleanly() {
    run_and_stop(Signal::SIGTERM).await;
}

#[tokio::test]
async fn ctrl_c_exits_cleanly() {
    run_and_stop(Signal::SIGINT).await;
}

#[tokio::test]
async fn restart_keeps_data_and_bad_url_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    // SIGTERM right after the listening line: the handlers must already be installed.
    for _ in 0..2 {
        let server = Spawned::start(&data_dir, &[]);
        server.signal(Signal::SIGTERM);
        assert!(server.wait(Duration::from_secs(10)).await.success());
    }

    // A start-up error is reported in Chinese on stderr with a non-zero exit code.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yichuang-server"))
        .args(["--listen", "127.0.0.1:0", "--database-url", "mysql://x/y"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("数据库地址无效"), "{stderr}");
}
