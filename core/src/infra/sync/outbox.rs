//! The outbox side of sync: reading batches, applying acknowledgements, parking refused
//! records, the blob upload queue, and the status read from these tables.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::client::{Ack, AckOutcome};
use super::{SyncErrorInfo, SyncPhase, SyncStatus};
use crate::infra::store::{Store, StoreError};

/// One outbox row as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub id: String,
    pub kind: String,
    pub version: i64,
    pub payload: String,
    pub created_at: i64,
}

/// A record the server refused, for the sync page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ParkedRecord {
    pub id: String,
    pub kind: String,
    #[specta(type = f64)]
    pub version: i64,
    pub code: String,
    /// Chinese reason.
    pub reason: String,
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = f64)]
    pub parked_at: i64,
}

/// A file that cannot be uploaded as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ParkedBlob {
    pub sha256: String,
    #[specta(type = f64)]
    pub size: u64,
    pub reason: String,
    #[specta(type = f64)]
    pub created_at: i64,
}

/// The oldest `limit` outbox rows.
pub fn next_batch(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<OutboxRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, version, payload, created_at FROM outbox
         ORDER BY created_at, id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(OutboxRecord {
            id: r.get(0)?,
            kind: r.get(1)?,
            version: r.get(2)?,
            payload: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// What [`apply_acks`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub accepted: usize,
    pub rejected: usize,
    /// Acks that match nothing that was sent (ignored).
    pub stray: usize,
    /// Sent records without an ack (left in the outbox).
    pub unanswered: usize,
}

fn park_tx(
    tx: &rusqlite::Transaction<'_>,
    rec: &OutboxRecord,
    code: &str,
    reason: &str,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO sync_parked (id, version, kind, payload, created_at, code, reason, parked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id, version) DO UPDATE SET code = excluded.code, reason = excluded.reason,
             parked_at = excluded.parked_at",
        params![
            rec.id,
            rec.version,
            rec.kind,
            rec.payload,
            rec.created_at,
            code,
            reason,
            now_ms
        ],
    )?;
    tx.execute(
        "DELETE FROM outbox WHERE id = ?1 AND version = ?2",
        params![rec.id, rec.version],
    )?;
    Ok(())
}

/// Applies the server's acknowledgements of `sent` in one transaction: accepted rows leave the
/// outbox (only at the version sent) and are recorded as synced; rejected rows are parked.
pub fn apply_acks(
    store: &mut Store,
    sent: &[OutboxRecord],
    acks: &[Ack],
    now_ms: i64,
) -> Result<Applied, StoreError> {
    let by_key: std::collections::HashMap<(&str, i64), &OutboxRecord> = sent
        .iter()
        .map(|r| ((r.id.as_str(), r.version), r))
        .collect();
    store.transact(|tx| {
        let mut out = Applied::default();
        let mut answered = std::collections::HashSet::new();
        for ack in acks {
            let Some(rec) = by_key.get(&(ack.id.as_str(), ack.version)) else {
                out.stray += 1;
                continue;
            };
            if !answered.insert((ack.id.as_str(), ack.version)) {
                continue;
            }
            match ack.outcome {
                AckOutcome::Accepted => {
                    tx.execute(
                        "DELETE FROM outbox WHERE id = ?1 AND version = ?2",
                        params![rec.id, rec.version],
                    )?;
                    tx.execute(
                        "INSERT INTO sync_acked (id, kind, version, acked_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT(id) DO UPDATE SET version = max(version, excluded.version),
                             acked_at = excluded.acked_at",
                        params![rec.id, rec.kind, rec.version, now_ms],
                    )?;
                    out.accepted += 1;
                }
                AckOutcome::Rejected => {
                    let code = ack.code.clone().unwrap_or_else(|| "rejected".into());
                    let reason = ack
                        .message
                        .clone()
                        .unwrap_or_else(|| crate::messages::PARKED_REFUSED.into());
                    park_tx(tx, rec, &code, &reason, now_ms)?;
                    out.rejected += 1;
                }
            }
        }
        out.unanswered = sent.len() - answered.len();
        Ok(out)
    })
}

/// Parks one record (refused on its own by a 4xx, or unreadable here).
pub fn park(
    store: &mut Store,
    rec: &OutboxRecord,
    code: &str,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    store.transact(|tx| park_tx(tx, rec, code, reason, now_ms))
}

/// Counts a failed attempt on the records of a batch.
pub fn note_failure(
    store: &mut Store,
    sent: &[OutboxRecord],
    error: &str,
) -> Result<(), StoreError> {
    store.transact(|tx| {
        let mut stmt = tx.prepare_cached(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?3
             WHERE id = ?1 AND version = ?2",
        )?;
        for r in sent {
            stmt.execute(params![r.id, r.version, error])?;
        }
        Ok(())
    })
}

/// Refused records, newest first.
pub fn parked(conn: &Connection) -> rusqlite::Result<Vec<ParkedRecord>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, version, code, reason, created_at, parked_at FROM sync_parked
         ORDER BY parked_at DESC, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ParkedRecord {
            id: r.get(0)?,
            kind: r.get(1)?,
            version: r.get(2)?,
            code: r.get(3)?,
            reason: r.get(4)?,
            created_at: r.get(5)?,
            parked_at: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// Puts a parked record back in the outbox (after IT fixed the cause). A newer version already
/// in the outbox wins; the parked one is then dropped.
pub fn retry_parked(store: &mut Store, id: &str, version: i64) -> Result<bool, StoreError> {
    store.transact(|tx| {
        let moved = tx.execute(
            "INSERT INTO outbox (id, kind, version, payload, created_at)
             SELECT id, kind, version, payload, created_at FROM sync_parked
             WHERE id = ?1 AND version = ?2
             ON CONFLICT(id) DO NOTHING",
            params![id, version],
        )?;
        tx.execute(
            "DELETE FROM sync_parked WHERE id = ?1 AND version = ?2",
            params![id, version],
        )?;
        Ok(moved == 1)
    })
}

/// 「重新提交」 on the sync page, inside the caller's transaction: every parked record goes
/// back to the outbox (a newer version already there wins) and every parked file back to the
/// upload queue. Returns how many records and files.
pub fn retry_all_parked(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<(usize, usize)> {
    tx.execute(
        "INSERT INTO outbox (id, kind, version, payload, created_at)
         SELECT id, kind, version, payload, created_at FROM sync_parked WHERE true
         ON CONFLICT(id) DO NOTHING",
        [],
    )?;
    let records = tx.execute("DELETE FROM sync_parked", [])?;
    let files = tx.execute(
        "UPDATE blob_outbox SET parked_reason = NULL WHERE parked_reason IS NOT NULL",
        [],
    )?;
    Ok((records, files))
}

/// Blobs waiting for upload, oldest first (parked ones excluded).
pub fn pending_blobs(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sha256, size FROM blob_outbox WHERE parked_reason IS NULL
         ORDER BY created_at, sha256 LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((r.get(0)?, u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0)))
    })?;
    rows.collect()
}

/// The server holds the blob completely: it leaves the queue.
pub fn blob_uploaded(store: &mut Store, sha: &str, now_ms: i64) -> Result<(), StoreError> {
    store.transact(|tx| {
        tx.execute("DELETE FROM blob_outbox WHERE sha256 = ?1", [sha])?;
        tx.execute(
            "UPDATE blobs SET uploaded_at = ?2 WHERE sha256 = ?1",
            params![sha, now_ms],
        )?;
        Ok(())
    })
}

pub fn park_blob(store: &mut Store, sha: &str, reason: &str) -> Result<(), StoreError> {
    store.transact(|tx| {
        tx.execute(
            "UPDATE blob_outbox SET parked_reason = ?2 WHERE sha256 = ?1",
            params![sha, reason],
        )?;
        Ok(())
    })
}

pub fn note_blob_failure(store: &mut Store, sha: &str, error: &str) -> Result<(), StoreError> {
    store.transact(|tx| {
        tx.execute(
            "UPDATE blob_outbox SET attempts = attempts + 1, last_error = ?2 WHERE sha256 = ?1",
            params![sha, error],
        )?;
        Ok(())
    })
}

pub fn parked_blobs(conn: &Connection) -> rusqlite::Result<Vec<ParkedBlob>> {
    let mut stmt = conn.prepare(
        "SELECT sha256, size, parked_reason, created_at FROM blob_outbox
         WHERE parked_reason IS NOT NULL ORDER BY created_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ParkedBlob {
            sha256: r.get(0)?,
            size: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            reason: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// Keys of `sync_state`.
pub mod state_key {
    pub const LAST_SUCCESS: &str = "last_success_at";
    pub const LAST_ATTEMPT: &str = "last_attempt_at";
    pub const LAST_ERROR: &str = "last_error";
}

pub fn set_state(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn clear_state(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM sync_state WHERE key = ?1", [key])?;
    Ok(())
}

pub fn state(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

/// The status from the store as it is now. `phase`, `next_retry_at` and `upload` are the
/// running loop's (pass `Idle`/`None` when no loop runs).
pub fn read_status(
    conn: &Connection,
    phase: SyncPhase,
    next_retry_at: Option<i64>,
    upload: Option<super::UploadProgress>,
) -> rusqlite::Result<SyncStatus> {
    let (pending_records, oldest_record): (i64, Option<i64>) =
        conn.query_row("SELECT count(*), min(created_at) FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (pending_blobs, pending_bytes, oldest_blob): (i64, i64, Option<i64>) = conn.query_row(
        "SELECT count(*), coalesce(sum(size), 0), min(created_at) FROM blob_outbox
         WHERE parked_reason IS NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let parked_records: i64 =
        conn.query_row("SELECT count(*) FROM sync_parked", [], |r| r.get(0))?;
    let parked_blobs: i64 = conn.query_row(
        "SELECT count(*) FROM blob_outbox WHERE parked_reason IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let num =
        |k| -> rusqlite::Result<Option<i64>> { Ok(state(conn, k)?.and_then(|v| v.parse().ok())) };
    let last_error: Option<SyncErrorInfo> =
        state(conn, state_key::LAST_ERROR)?.and_then(|v| serde_json::from_str(&v).ok());
    let oldest_pending_at = match (oldest_record, oldest_blob) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let all_synced =
        pending_records == 0 && pending_blobs == 0 && parked_records == 0 && parked_blobs == 0;
    let clamp = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(SyncStatus {
        phase,
        pending_records: clamp(pending_records),
        pending_blobs: clamp(pending_blobs),
        pending_blob_bytes: u64::try_from(pending_bytes).unwrap_or(0),
        parked_records: clamp(parked_records),
        parked_blobs: clamp(parked_blobs),
        oldest_pending_at,
        last_success_at: num(state_key::LAST_SUCCESS)?,
        last_attempt_at: num(state_key::LAST_ATTEMPT)?,
        last_error,
        next_retry_at,
        upload,
        all_synced,
    })
}

/// Writes (or replaces) the outbox row of a record inside the caller's transaction: the
/// contract intake uses for cases (`version` grows with each change). A newer version replaces
/// the row's content and clears its failure count; the sync client deletes only the version it
/// sent, so a change made while a push is in flight is never lost.
pub fn enqueue_record(
    tx: &rusqlite::Transaction<'_>,
    kind: &str,
    id: &str,
    version: i64,
    payload: &serde_json::Value,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO outbox (id, kind, version, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET version = excluded.version, payload = excluded.payload,
             attempts = 0, last_error = NULL",
        params![id, kind, version, payload.to_string(), now_ms],
    )?;
    Ok(())
}
