//! Command line and runtime configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8720";

/// Command line of the `yichuang-server` binary.
#[derive(Debug, Clone, Parser)]
#[command(name = "yichuang-server", version, about = "一窗受理工作站 中心服务")]
pub struct Cli {
    /// 监听地址，例如 127.0.0.1:8720（端口 0 表示由系统分配空闲端口）
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// 数据目录（未指定数据库地址时，SQLite 数据库位于 <DIR>/server.db）
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// 数据库地址，例如 postgres://user@host:5432/db；不指定则使用数据目录中的 SQLite
    #[arg(
        long,
        value_name = "URL",
        env = "YICHUANG_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl Cli {
    /// Turns the parsed command line into a [`ServerConfig`], filling in defaults.
    pub fn into_config(self) -> ServerConfig {
        ServerConfig {
            listen: self.listen,
            data_dir: self.data_dir.unwrap_or_else(default_data_dir),
            database_url: self.database_url.filter(|u| !u.trim().is_empty()),
        }
    }
}

/// `yichuang-server` under the platform data directory, or `./data` if there is none.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("yichuang-server"))
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; port 0 lets the OS choose.
    pub listen: SocketAddr,
    /// Directory for server state (the SQLite database when no URL is given).
    pub data_dir: PathBuf,
    /// `postgres://…` (or `sqlite:…`) URL; `None` means SQLite in `data_dir`.
    pub database_url: Option<String>,
}

impl ServerConfig {
    /// SQLite in `data_dir`, listening on `listen`.
    pub fn sqlite(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen,
            data_dir: data_dir.into(),
            database_url: None,
        }
    }

    /// Which database this configuration selects.
    pub fn database_kind(&self) -> Result<DatabaseKind> {
        match &self.database_url {
            None => Ok(DatabaseKind::Sqlite),
            Some(url) => DatabaseKind::from_url(url),
        }
    }
}

/// The database engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// Detects the engine from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .ok_or_else(|| Error::InvalidDatabaseUrl {
                detail: "missing URL scheme (expected postgres:// or sqlite:)".into(),
            })?;
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(DatabaseKind::Postgres),
            "sqlite" => Ok(DatabaseKind::Sqlite),
            other => Err(Error::InvalidDatabaseUrl {
                detail: format!("unsupported scheme `{other}` (expected postgres:// or sqlite:)"),
            }),
        }
    }

    /// Lower-case name as used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["yichuang-server"]).unwrap();
        assert_eq!(cli.listen, DEFAULT_LISTEN.parse().unwrap());
        assert!(cli.data_dir.is_none());
    }

    #[test]
    fn explicit_arguments() {
        let cli = Cli::try_parse_from([
            "yichuang-server",
            "--listen",
            "[::1]:0",
            "--data-dir",
            "/srv/yc",
            "--database-url",
            "postgres://u@h/db",
        ])
        .unwrap();
        let config = cli.into_config();
        assert_eq!(config.listen, "[::1]:0".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("/srv/yc"));
        assert_eq!(config.database_kind().unwrap(), DatabaseKind::Postgres);
    }

    #[test]
    fn bad_listen_address_is_rejected() {
        assert!(Cli::try_parse_from(["yichuang-server", "--listen", "nope"]).is_err());
    }

    #[test]
    fn database_kind_from_url() {
        assert_eq!(
            DatabaseKind::from_url("postgresql://x/y").unwrap(),
            DatabaseKind::Postgres
        );
        assert_eq!(
            DatabaseKind::from_url("sqlite:///tmp/a.db").unwrap(),
            DatabaseKind::Sqlite
        );
        let err = DatabaseKind::from_url("mysql://x/y").unwrap_err();
        assert_eq!(err.code(), "invalid_database_url");
        assert!(DatabaseKind::from_url("nonsense").is_err());
    }
}
