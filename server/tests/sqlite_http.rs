//! The API over real HTTP against SQLite in a temporary data directory.

mod common;

use common::{any_port, applied_migrations, check_endpoints, get_json, Running};
use sqlx::Row;
use yichuang_server::ServerConfig;

#[tokio::test]
async fn endpoints_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Running::start(ServerConfig::sqlite(any_port(), tmp.path())).await;
    check_endpoints(&server, "sqlite").await;

    assert!(tmp.path().join("server.db").is_file());
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
    server.stop().await;
}

#[tokio::test]
async fn data_dir_is_created_when_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("嵌套 目录").join("data");
    let server = Running::start(ServerConfig::sqlite(any_port(), &dir)).await;
    assert!(dir.join("server.db").is_file());
    server.stop().await;
}

#[tokio::test]
async fn reopening_keeps_instance_id() {
    let tmp = tempfile::tempdir().unwrap();
    let config = ServerConfig::sqlite(any_port(), tmp.path());

    let first = Running::start(config.clone()).await;
    let id = first.instance_id.clone();
    assert_eq!(id.len(), 36, "uuid: {id}");
    let migrations = applied_migrations(&first.state).await;
    assert!(migrations >= 1);
    first.stop().await;

    let second = Running::start(config).await;
    assert_eq!(second.instance_id, id, "instance id survives a restart");
    assert_eq!(applied_migrations(&second.state).await, migrations);
    second.stop().await;

    let other = tempfile::tempdir().unwrap();
    let third = Running::start(ServerConfig::sqlite(any_port(), other.path())).await;
    assert_ne!(third.instance_id, id, "a new data dir is a new instance");
    third.stop().await;
}

#[tokio::test]
async fn health_degrades_when_database_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Running::start(ServerConfig::sqlite(any_port(), tmp.path())).await;
    server.state.db.pool.close().await;

    let (status, body) = get_json(&server.url("/api/v1/health")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "sqlite");
    assert_eq!(body["error"]["code"], "database");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    assert!(!body["error"]["detail"].as_str().unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn invalid_database_url_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.database_url = Some("mysql://localhost/x".into());
    let err = yichuang_server::Server::bind(config).await.unwrap_err();
    assert_eq!(err.code(), "invalid_database_url");
    assert_eq!(err.message(), "数据库地址无效，请检查服务配置");
}

#[tokio::test]
async fn busy_port_is_a_typed_error() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let config = ServerConfig::sqlite(taken.local_addr().unwrap(), tmp.path());
    let err = yichuang_server::Server::bind(config).await.unwrap_err();
    assert_eq!(err.code(), "bind");
}
