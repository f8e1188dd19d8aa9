//! The workstation's local store: one SQLite file in the data directory.
//!
//! WAL journal (readers never block the writer, survives power loss with `synchronous=FULL`),
//! foreign keys on, and versioned migrations tracked in `PRAGMA user_version`. Migrations are
//! SQL files in `core/migrations/`, applied in order inside one transaction each, so a crash
//! mid-migration leaves the previous version intact. A database newer than this build is
//! refused rather than touched.

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};

/// Every migration of the store, in order. Index + 1 is the schema version it produces.
/// Append only: a shipped migration is never edited.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../migrations/0001_init.sql")),
    (
        "0002_audit",
        include_str!("../../migrations/0002_audit.sql"),
    ),
    (
        "0003_login",
        include_str!("../../migrations/0003_login.sql"),
    ),
    (
        "0004_intake",
        include_str!("../../migrations/0004_intake.sql"),
    ),
    ("0005_sync", include_str!("../../migrations/0005_sync.sql")),
    (
        "0006_clerk",
        include_str!("../../migrations/0006_clerk.sql"),
    ),
    (
        "0007_visit",
        include_str!("../../migrations/0007_visit.sql"),
    ),
    (
        "0008_local_queue",
        include_str!("../../migrations/0008_local_queue.sql"),
    ),
    (
        "0009_case_progress",
        include_str!("../../migrations/0009_case_progress.sql"),
    ),
    (
        "0010_material_flow",
        include_str!("../../migrations/0010_material_flow.sql"),
    ),
    (
        "0011_assist",
        include_str!("../../migrations/0011_assist.sql"),
    ),
];

/// The next number of the hall's day (`yyyymmdd`, China time) in a per-day sequence table
/// (`case_seq`, `flow_seq`: `day TEXT PRIMARY KEY, next INTEGER`), inside the caller's
/// transaction: the day and its number, 1 for the first of the day.
pub fn next_of_day(
    tx: &rusqlite::Transaction<'_>,
    table: &'static str,
    at_ms: i64,
) -> rusqlite::Result<(String, i64)> {
    let d = crate::infra::clock::date_from_unix(crate::infra::clock::hall_secs(at_ms));
    let day = format!("{:04}{:02}{:02}", d.year, d.month, d.day);
    let seq = tx.query_row(
        &format!(
            "INSERT INTO {table} (day, next) VALUES (?1, 2)
             ON CONFLICT(day) DO UPDATE SET next = next + 1
             RETURNING next - 1"
        ),
        [&day],
        |r| r.get(0),
    )?;
    Ok((day, seq))
}

pub fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite error on {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("migration {name} failed on {path}: {source}")]
    Migration {
        path: PathBuf,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("database {path} cannot be opened with this key (wrong key or not a database)")]
    WrongKey { path: PathBuf },
    #[error("encrypting the plain database {path}: {detail}")]
    Encrypt { path: PathBuf, detail: String },
    #[error("database {path} has schema version {found}, newer than this build ({supported})")]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
}

impl StoreError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            StoreError::Sqlite { .. } => C::StoreSqlite,
            StoreError::Migration { .. } => C::StoreMigration,
            StoreError::WrongKey { .. } => C::StoreWrongKey,
            StoreError::Encrypt { .. } => C::StoreEncrypt,
            StoreError::TooNew { .. } => C::StoreTooNew,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) and migrates to the latest version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_to(path, latest_version())
    }

    /// Opens and migrates up to `target` (tests use this to build older databases).
    pub fn open_to(path: &Path, target: u32) -> Result<Self, StoreError> {
        Self::open_inner(path, target, None)
    }

    /// Opens (creating if needed) the SQLCipher-encrypted store with `key` and migrates it.
    /// A plain database left by an earlier build is encrypted in place first (through a
    /// temporary copy, so a crash leaves either the plain or the encrypted file whole).
    pub fn open_encrypted(
        path: &Path,
        key: &crate::infra::keystore::StoreKey,
    ) -> Result<Self, StoreError> {
        let sql_key = hex::encode(key.derive(b"store/sqlcipher"));
        if is_plain_sqlite(path) {
            encrypt_plain(path, &sql_key)?;
        }
        Self::open_inner(path, latest_version(), Some(&sql_key))
    }

    fn open_inner(path: &Path, target: u32, sql_key: Option<&str>) -> Result<Self, StoreError> {
        let sql = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| sql(io_to_sqlite(e)))?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        if let Some(k) = sql_key {
            // A raw 256-bit key: no passphrase derivation on every open.
            conn.execute_batch(&format!("PRAGMA key = \"x'{k}'\";"))
                .map_err(sql)?;
            if conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .is_err()
            {
                return Err(StoreError::WrongKey {
                    path: path.to_owned(),
                });
            }
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        // journal_mode returns a row; pragma_update would fail on it.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(sql)?;
        debug_assert_eq!(mode.to_lowercase(), "wal");
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;")
            .map_err(sql)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate(target)?;
        Ok(store)
    }

    fn migrate(&mut self, target: u32) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        if current > latest_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
                supported: latest_version(),
            });
        }
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let version = i as u32 + 1;
            if version <= current || version > target {
                continue;
            }
            let fail = |source| StoreError::Migration {
                path: self.path.clone(),
                name,
                source,
            };
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(fail)?;
            tx.execute_batch(sql).map_err(fail)?;
            tx.pragma_update(None, "user_version", version)
                .map_err(fail)?;
            tx.commit().map_err(fail)?;
            tracing::info!(migration = name, version, "store migrated");
        }
        Ok(())
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|source| self.err(source))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records waiting for the backend; the status bar's 「待同步」 figure.
    pub fn pending_sync_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .map_err(|source| self.err(source))
    }

    /// The raw connection, for modules of this crate that own their tables.
    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Runs `action` in one immediate transaction: everything it writes commits together or
    /// not at all (one user action, one transaction).
    pub fn transact<T>(
        &mut self,
        action: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let out = action(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }
}

/// Whether `path` is an unencrypted SQLite file (its header is readable).
fn is_plain_sqlite(path: &Path) -> bool {
    // Asked of SQLite, never by opening the file ourselves: closing any descriptor of the file
    // drops every POSIX lock this process holds on it, so another process (a second instance
    // check, a support tool, the E2E tests) would believe it is alone, checkpoint and truncate
    // the WAL under our open connections, and writes made after that would be lost to it
    // (core/tests/store_peers.rs). `metadata` is a `stat`, no descriptor.
    if std::fs::metadata(path).map_or(true, |m| m.len() < 16) {
        return false;
    }
    let Ok(conn) = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return false;
    };
    // Without a key, an encrypted file is "not a database"; a plain one reads.
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .is_ok()
}

/// Copies a plain database into an encrypted one with `sqlcipher_export` and swaps the files.
fn encrypt_plain(path: &Path, sql_key: &str) -> Result<(), StoreError> {
    let fail = |detail: String| StoreError::Encrypt {
        path: path.to_owned(),
        detail,
    };
    let tmp = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&tmp);
    let conn = Connection::open(path).map_err(|e| fail(e.to_string()))?;
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| fail(e.to_string()))?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(|e| fail(e.to_string()))?;
    let tmp_sql = tmp.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{tmp_sql}' AS enc KEY \"x'{sql_key}'\";
         SELECT sqlcipher_export('enc');
         PRAGMA enc.user_version = {version};
         DETACH DATABASE enc;"
    ))
    .map_err(|e| fail(e.to_string()))?;
    drop(conn);
    if let Ok(f) = std::fs::File::open(&tmp) {
        let _ = f.sync_all();
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&tmp, path).map_err(|e| fail(e.to_string()))?;
    tracing::info!(path = %path.display(), "plain store encrypted");
    Ok(())
}

fn io_to_sqlite(e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(store: &mut Store) -> Vec<String> {
        let mut stmt = store
            .conn()
            .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn new_database_is_created_at_latest_version_with_wal_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("sub/workstation.db")).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest_version());
        assert_eq!(
            tables(&mut store),
            [
                "assist_outbox",
                "audit_log",
                "blob_outbox",
                "blobs",
                "case_changes",
                "case_seq",
                "cases",
                "catalog_cache",
                "clerk",
                "flow_seq",
                "item_usage",
                "local_queue_requests",
                "local_tickets",
                "local_windows",
                "material_flow_cases",
                "material_flows",
                "meta",
                "offline_grant",
                "outbox",
                "pull_cache",
                "ratings",
                "sync_acked",
                "sync_parked",
                "sync_state",
                "visits"
            ]
        );
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        assert_eq!(store.pending_sync_count().unwrap(), 0);
    }

    #[test]
    fn reopening_keeps_data_and_does_not_reapply_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            let mut s = Store::open(&path).unwrap();
            s.conn()
                .execute(
                    "INSERT INTO outbox(id, kind, payload, created_at) VALUES ('a','case','{}',1)",
                    [],
                )
                .unwrap();
        }
        let s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), latest_version());
        assert_eq!(s.pending_sync_count().unwrap(), 1);
    }

    #[test]
    fn existing_older_database_is_migrated_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            let mut v1 = Store::open_to(&path, 1).unwrap();
            assert_eq!(v1.schema_version().unwrap(), 1);
            assert_eq!(tables(&mut v1), ["meta", "outbox"]);
            v1.conn()
                .execute(
                    "INSERT INTO meta(key, value) VALUES ('workstation_id', 'ws-1')",
                    [],
                )
                .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), latest_version());
        assert_eq!(
            tables(&mut s),
            [
                "assist_outbox",
                "audit_log",
                "blob_outbox",
                "blobs",
                "case_changes",
                "case_seq",
                "cases",
                "catalog_cache",
                "clerk",
                "flow_seq",
                "item_usage",
                "local_queue_requests",
                "local_tickets",
                "local_windows",
                "material_flow_cases",
                "material_flows",
                "meta",
                "offline_grant",
                "outbox",
                "pull_cache",
                "ratings",
                "sync_acked",
                "sync_parked",
                "sync_state",
                "visits"
            ]
        );
        let id: String = s
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key='workstation_id'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(id, "ws-1");
    }

    #[test]
    fn database_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            let s = Store::open(&path).unwrap();
            s.conn
                .pragma_update(None, "user_version", latest_version() + 1)
                .unwrap();
        }
        let e = Store::open(&path).unwrap_err();
        assert!(matches!(e, StoreError::TooNew { .. }));
        assert!(e.message().contains("更新版本"));
    }

    #[test]
    fn failed_migration_leaves_previous_version_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        {
            let mut v1 = Store::open_to(&path, 1).unwrap();
            // A table the second migration wants to create already exists: it must fail
            // and roll back completely.
            v1.conn()
                .execute_batch("CREATE TABLE audit_log(x INTEGER)")
                .unwrap();
        }
        let e = Store::open(&path).unwrap_err();
        assert!(matches!(
            e,
            StoreError::Migration {
                name: "0002_audit",
                ..
            }
        ));
        let s = Store::open_to(&path, 1).unwrap();
        assert_eq!(s.schema_version().unwrap(), 1);
    }
}
