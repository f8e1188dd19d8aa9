//! The API against PostgreSQL, when `YICHUANG_TEST_PG_URL` is set.
//!
//! Start a throw-away cluster with `scripts/pg-test.sh <dir>` and export the URL it
//! prints. Outside CI the test skips without a URL; with `CI` set it fails.

mod common;

use std::time::Duration;

use common::{any_port, applied_migrations, check_endpoints, pg_url, Running, Spawned};
use yichuang_server::ServerConfig;

#[tokio::test]
async fn endpoints_and_instance_id_on_postgres() {
    let Some(url) = pg_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.database_url = Some(url);

    let first = Running::start(config.clone()).await;
    check_endpoints(&first, "postgres").await;
    let id = first.instance_id.clone();
    let migrations = applied_migrations(&first.state).await;
    assert!(migrations >= 1);
    first.stop().await;

    let second = Running::start(config).await;
    assert_eq!(second.instance_id, id, "instance id survives a restart");
    assert_eq!(applied_migrations(&second.state).await, migrations);
    second.stop().await;

    assert!(
        !tmp.path().join("server.db").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn binary_uses_postgres_from_env() {
    let Some(url) = pg_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let server = Spawned::start(&data_dir, &[("YICHUANG_DATABASE_URL", url.as_str())]);
    let (status, health) = common::get_json(&format!("{}/api/v1/health", server.base)).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["database"], "postgres");

    server.signal(nix::sys::signal::Signal::SIGTERM);
    let status = server.wait(Duration::from_secs(10)).await;
    assert!(status.success(), "exit status {status}");
}
