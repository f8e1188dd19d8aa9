//! The workstation's audit trail (A6): every card read, query, print, download and export,
//! and every login, lock and unlock, as one row of `audit_log`.
//!
//! Entries form a hash chain: each carries the hash of the one before it, and its own hash
//! covers its fields and that link, so an edited or deleted row breaks [`verify_chain`] (and
//! the server's continuity check once entries are synced). An entry is written inside the
//! caller's transaction together with its outbox row, so the action, its audit entry and the
//! record to sync commit or vanish together.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The clerk's id; `None` before login (e.g. IT testing the reader in the device panel).
    pub actor: Option<String>,
    /// A dotted action name: `card.read`, `login.ok`, `print.notice`, …
    pub action: String,
    /// What the action was about: a citizen's ID number, a case number.
    pub subject: Option<String>,
    /// Further facts as JSON (card type, where it happened, reason for a reprint).
    pub detail: serde_json::Value,
}

/// An entry as stored: the canonical form its hash covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub id: String,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the canonical JSON of every field but `hash`.
fn entry_hash(r: &AuditRecord) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        id: &'a str,
        at: i64,
        actor: &'a Option<String>,
        action: &'a str,
        subject: &'a Option<String>,
        detail: &'a serde_json::Value,
        prev_hash: &'a str,
    }
    let canonical = Canonical {
        id: &r.id,
        at: r.at,
        actor: &r.actor,
        action: &r.action,
        subject: &r.subject,
        detail: &r.detail,
        prev_hash: &r.prev_hash,
    };
    // Serialising these plain fields cannot fail; an empty body would still hash.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex(&Sha256::digest(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Appends `entry` at `at_ms` (unix ms) inside `tx`, with its outbox row (kind `audit`).
pub fn record(
    tx: &Transaction<'_>,
    at_ms: i64,
    entry: AuditEntry,
) -> rusqlite::Result<AuditRecord> {
    let prev_hash: String = tx
        .query_row(
            "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .unwrap_or_else(|| GENESIS.to_string());
    let mut rec = AuditRecord {
        id: uuid::Uuid::now_v7().to_string(),
        at: at_ms,
        actor: entry.actor,
        action: entry.action,
        subject: entry.subject,
        detail: entry.detail,
        prev_hash,
        hash: String::new(),
    };
    rec.hash = entry_hash(&rec);
    tx.execute(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            rec.id,
            rec.at,
            rec.actor,
            rec.action,
            rec.subject,
            rec.detail.to_string(),
            rec.prev_hash,
            rec.hash
        ],
    )?;
    let payload = serde_json::to_string(&rec).unwrap_or_default();
    tx.execute(
        "INSERT INTO outbox (id, kind, version, payload, created_at) VALUES (?1, 'audit', 1, ?2, ?3)",
        params![rec.id, payload, rec.at],
    )?;
    Ok(rec)
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("audit entry seq {seq}: stored hash does not match its fields (edited)")]
    Edited { seq: i64 },
    #[error(
        "audit entry seq {seq}: prev_hash does not match the entry before it (gap or reorder)"
    )]
    Broken { seq: i64 },
    #[error("audit entry seq {seq}: detail is not JSON: {detail}")]
    Unreadable { seq: i64, detail: String },
    #[error("reading the audit log: {0}")]
    Sql(String),
}

/// Checks every entry's hash and link, oldest first; returns the number of entries.
pub fn verify_chain(conn: &rusqlite::Connection) -> Result<u64, ChainError> {
    let sql = |e: rusqlite::Error| ChainError::Sql(e.to_string());
    let mut stmt = conn
        .prepare(
            "SELECT seq, id, at, actor, action, subject, detail, prev_hash, hash
             FROM audit_log ORDER BY seq",
        )
        .map_err(sql)?;
    let mut rows = stmt.query([]).map_err(sql)?;
    let mut expected_prev = GENESIS.to_string();
    let mut n = 0u64;
    while let Some(row) = rows.next().map_err(sql)? {
        let seq: i64 = row.get(0).map_err(sql)?;
        let detail_text: String = row.get(6).map_err(sql)?;
        let detail = serde_json::from_str(&detail_text).map_err(|e| ChainError::Unreadable {
            seq,
            detail: e.to_string(),
        })?;
        let rec = AuditRecord {
            id: row.get(1).map_err(sql)?,
            at: row.get(2).map_err(sql)?,
            actor: row.get(3).map_err(sql)?,
            action: row.get(4).map_err(sql)?,
            subject: row.get(5).map_err(sql)?,
            detail,
            prev_hash: row
                .get::<_, Option<String>>(7)
                .map_err(sql)?
                .unwrap_or_default(),
            hash: row
                .get::<_, Option<String>>(8)
                .map_err(sql)?
                .unwrap_or_default(),
        };
        if rec.prev_hash != expected_prev {
            return Err(ChainError::Broken { seq });
        }
        if entry_hash(&rec) != rec.hash {
            return Err(ChainError::Edited { seq });
        }
        expected_prev = rec.hash;
        n += 1;
    }
    Ok(n)
}

/// The most recent entries, newest first (device panel, tests).
pub fn recent(conn: &rusqlite::Connection, limit: u32) -> rusqlite::Result<Vec<AuditRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, action, subject, detail, prev_hash, hash
         FROM audit_log ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |row| {
        let detail: String = row.get(5)?;
        Ok(AuditRecord {
            id: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            prev_hash: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
            hash: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
        })
    })?;
    rows.collect()
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::store::Store;

    fn entry(action: &str, subject: &str) -> AuditEntry {
        AuditEntry {
            actor: None,
            action: action.into(),
            subject: Some(subject.into()),
            detail: serde_json::json!({ "card_kind": "resident", "where": "device_panel" }),
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ws.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn a6_entries_chain_and_enter_the_outbox_in_one_transaction() {
        let (_dir, mut store) = store();
        let conn = store.conn();
        let tx = conn.transaction().unwrap();
        let a = record(&tx, 1_000, entry("card.read", "11010519491231002X")).unwrap();
        let b = record(&tx, 2_000, entry("card.read", "USA110085031201")).unwrap();
        tx.commit().unwrap();
        assert_eq!(a.prev_hash, GENESIS);
        assert_eq!(b.prev_hash, a.hash);
        assert_eq!(verify_chain(conn).unwrap(), 2);
        let outbox: Vec<(String, String)> = conn
            .prepare("SELECT id, kind FROM outbox ORDER BY created_at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            outbox,
            vec![
                (a.id.clone(), "audit".into()),
                (b.id.clone(), "audit".into())
            ]
        );
        let newest = recent(conn, 1).unwrap();
        assert_eq!(newest, vec![b]);
    }

    #[test]
    fn a6_a_rolled_back_action_leaves_no_audit_entry_and_no_outbox_row() {
        let (_dir, mut store) = store();
        let conn = store.conn();
        {
            let tx = conn.transaction().unwrap();
            record(&tx, 1_000, entry("card.read", "x")).unwrap();
            // dropped without commit
        }
        assert_eq!(verify_chain(conn).unwrap(), 0);
        assert_eq!(store.pending_sync_count().unwrap(), 0);
    }

    #[test]
    fn a6_edits_and_deletions_break_the_chain() {
        let (_dir, mut store) = store();
        let conn = store.conn();
        let tx = conn.transaction().unwrap();
        for i in 0..3 {
            record(&tx, i, entry("card.read", &format!("id{i}"))).unwrap();
        }
        tx.commit().unwrap();
        conn.execute(
            "UPDATE audit_log SET subject = 'someone else' WHERE seq = 2",
            [],
        )
        .unwrap();
        assert_eq!(verify_chain(conn), Err(ChainError::Edited { seq: 2 }));
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .unwrap();
        assert_eq!(verify_chain(conn), Err(ChainError::Broken { seq: 3 }));
    }
}
