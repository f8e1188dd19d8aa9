//! Database access through sqlx's `Any` driver.
//!
//! Every query is written once, with `$1` placeholders, and runs unchanged on SQLite
//! and PostgreSQL. Migrations in `server/migrations/` must stay portable too.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};

use crate::config::{DatabaseKind, ServerConfig};
use crate::error::{Error, Result};

/// File name of the SQLite database inside the data directory.
pub const SQLITE_FILE: &str = "server.db";

/// `server_meta` key holding the id generated at the first start.
pub const INSTANCE_ID_KEY: &str = "instance_id";

/// Upper bound for a health probe and for acquiring a connection.
pub const DB_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// An open, migrated database.
#[derive(Debug, Clone)]
pub struct Database {
    pub pool: AnyPool,
    pub kind: DatabaseKind,
}

impl Database {
    /// Opens the database selected by `config` and applies pending migrations.
    pub async fn open(config: &ServerConfig) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let kind = config.database_kind()?;
        let url = match &config.database_url {
            Some(url) => url.clone(),
            None => sqlite_url_in(&config.data_dir)?,
        };
        tracing::info!(database = %kind, url = %redact_url(&url), "opening database");

        let mut options = AnyPoolOptions::new().acquire_timeout(DB_TIMEOUT);
        options = match kind {
            DatabaseKind::Sqlite => options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; NORMAL is durable with WAL.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    Ok(())
                })
            }),
            DatabaseKind::Postgres => options.max_connections(10),
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(Error::DatabaseConnect)?;

        let db = Database { pool, kind };
        if let Err(e) = db.migrate().await {
            db.pool.close().await;
            return Err(e);
        }
        Ok(db)
    }

    /// Applies pending migrations; a no-op on an up-to-date database.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Returns this instance's id, creating it on the first start.
    pub async fn instance_id(&self) -> Result<String> {
        let fresh = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(INSTANCE_ID_KEY)
        .bind(&fresh)
        .execute(&self.pool)
        .await?;
        let row: AnyRow = sqlx::query("SELECT value FROM server_meta WHERE key = $1")
            .bind(INSTANCE_ID_KEY)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<String, _>("value")?)
    }

    /// Runs `SELECT 1`, bounded by [`DB_TIMEOUT`].
    pub async fn ping(&self) -> Result<()> {
        match tokio::time::timeout(DB_TIMEOUT, sqlx::query("SELECT 1").execute(&self.pool)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Error::Database(e)),
            Err(_) => Err(Error::DatabaseTimeout {
                seconds: DB_TIMEOUT.as_secs(),
            }),
        }
    }

    /// Closes every connection; waits for checked-out ones to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the writer lock is
/// taken at its start (waiting up to the busy timeout) — a deferred transaction that reads
/// first fails on its first write (`SQLITE_BUSY_SNAPSHOT`, "database is locked") when another
/// writer (the upstream sender, a queue verb) committed in between. A plain `BEGIN` elsewhere.
pub async fn begin_write(pool: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
    } else {
        Ok(pool.begin().await?)
    }
}

/// Creates `data_dir` if needed and returns the URL of `<data_dir>/server.db`.
pub fn sqlite_url_in(data_dir: &Path) -> Result<String> {
    let dir_err = |source| Error::DataDir {
        path: data_dir.to_path_buf(),
        source,
    };
    crate::files::private_dir(data_dir).map_err(dir_err)?;
    let dir = std::fs::canonicalize(data_dir).map_err(dir_err)?;
    let file = dir.join(SQLITE_FILE);
    // Created 0600 before SQLite opens it; its -wal and -shm files take the same mode.
    crate::files::private_file(&file).map_err(dir_err)?;
    // `Url::from_file_path` percent-encodes the path (spaces, `?`, `#`, `%`, CJK),
    // which sqlx's SQLite driver decodes again.
    let file_url = url::Url::from_file_path(&file).map_err(|()| Error::InvalidDatabaseUrl {
        detail: format!("cannot express {} as a URL", file.display()),
    })?;
    Ok(format!("sqlite://{}?mode=rwc", file_url.path()))
}

/// The URL with any password replaced, for logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparsable url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_is_percent_encoded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("数据 dir#1");
        let url = sqlite_url_in(&dir).unwrap();
        assert!(dir.is_dir());
        assert!(url.starts_with("sqlite:///"), "{url}");
        assert!(url.ends_with("/server.db?mode=rwc"), "{url}");
        assert!(!url.contains(' ') && !url.contains('#'), "{url}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
