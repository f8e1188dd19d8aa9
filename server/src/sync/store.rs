//! The sync tables: idempotent upsert of pushed records, audit links, blob rows.
//!
//! Portable SQL with `$n` placeholders (SQLite and PostgreSQL through sqlx `Any`).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use sha2::{Digest, Sha256};

use super::audit;
use super::audit_sign::{self, Gate};
use super::{check_record, Ack, AckOutcome, PushRecord, RecordProblem};
use crate::error::Result;

/// Upserts every record of a batch in one transaction and returns one acknowledgement per
/// record, in order. The same batch sent again yields the same acknowledgements.
///
/// `forward`: taken-in, withdrawn and handed-over cases are enqueued for the upstream
/// platform.
///
/// `audit` records are insert-only: one already held is acknowledged when re-sent with the
/// same content (at any version) and otherwise kept aside in `audit_conflicts`, never applied
/// (`audit_conflict`). `gate` says whether the batch's audit records may be stored at all (a
/// signed head that verified) and which head to keep.
pub async fn push(
    pool: &sqlx::AnyPool,
    case_index: &crate::cases::IndexKey,
    forward: bool,
    workstation: &str,
    records: &[PushRecord],
    gate: &Gate,
    now_ms: i64,
) -> Result<(Vec<Ack>, u64)> {
    let mut tx = crate::db::begin_write(pool).await?;
    let mut acks = Vec::with_capacity(records.len());
    let mut replays = 0u64;
    let mut head_entry_held = false;
    for r in records {
        let text = match check_record(r)
            .and_then(|text| crate::queue::visits::check(r, text).map(|()| text))
        {
            Ok(text) => text,
            Err(problem) => {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
        };
        let case = if r.kind == "case" {
            match crate::cases::payload::check(r, text) {
                Ok(c) => Some(c),
                Err(problem) => {
                    acks.push(problem.ack(&r.id, r.version));
                    continue;
                }
            }
        } else {
            None
        };
        let pickup = if r.kind == "pickup" {
            let checked = match crate::cases::pickup::check_record(text) {
                Ok(p) => p,
                Err(problem) => {
                    acks.push(problem.ack(&r.id, r.version));
                    continue;
                }
            };
            let hall = hall_of(&mut tx, workstation).await?;
            if let Some(problem) = crate::cases::pickup::precheck(&mut tx, &hall, &checked).await? {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
            Some((hall, checked))
        } else {
            None
        };
        let flow = if r.kind == "flow" || r.kind == "flow_signoff" {
            let checked = match crate::cases::flow::check_record(&r.kind, text) {
                Ok(f) => f,
                Err(problem) => {
                    acks.push(problem.ack(&r.id, r.version));
                    continue;
                }
            };
            let hall = hall_of(&mut tx, workstation).await?;
            if let Some(problem) = crate::cases::flow::precheck(&mut tx, &hall, &checked).await? {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
            Some((hall, checked))
        } else {
            None
        };
        if let Some(c) = &case {
            let clash = crate::cases::store::clash(
                &mut tx,
                workstation,
                r,
                c,
                &case_index.seal(text),
                now_ms,
            )
            .await?;
            if let Some(problem) = clash {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
        }
        let outcome = if r.kind == "audit" {
            if let Gate::Refuse(problem) = gate {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
            insert_audit(&mut tx, workstation, r, text, now_ms).await?
        } else {
            // Sealed: a record may carry citizen data (audit entries never do, and their chain
            // is checked on the stored text).
            upsert(&mut tx, workstation, r, &case_index.seal(text), now_ms).await?
        };
        match outcome {
            Upsert::Stored => {
                if r.kind == "audit" {
                    audit::record_link(&mut tx, workstation, r, now_ms).await?;
                }
                crate::queue::visits::extract(&mut tx, workstation, r, text).await?;
                if let Some(c) = &case {
                    crate::cases::store::extract(
                        &mut tx,
                        case_index,
                        workstation,
                        c,
                        forward,
                        now_ms,
                    )
                    .await?;
                }
                if let Some((hall, f)) = &flow {
                    crate::cases::flow::extract(&mut tx, workstation, hall, f, now_ms).await?;
                }
                if let Some((hall, p)) = &pickup {
                    let handed_over = crate::cases::pickup::extract(
                        &mut tx,
                        case_index,
                        workstation,
                        hall,
                        &r.id,
                        p,
                        now_ms,
                    )
                    .await?;
                    // 送达: the upstream platform hears of the result handed over.
                    if forward && handed_over {
                        crate::upstream::store::enqueue(
                            &mut tx,
                            &p.case_id,
                            crate::upstream::EventKind::PickedUp,
                            p.picked_at,
                            now_ms,
                        )
                        .await?;
                    }
                }
            }
            Upsert::Replay => replays += 1,
            Upsert::Conflict(problem) => {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
        }
        if let Gate::Admit(v) = gate {
            if r.kind == "audit"
                && super::audit_sign::entry_hash(&r.payload) == Some(v.head.hash.as_str())
            {
                head_entry_held = true;
            }
        }
        acks.push(Ack {
            id: r.id.clone(),
            version: r.version,
            outcome: AckOutcome::Accepted,
            code: None,
            message: None,
        });
    }
    if let (Gate::Admit(v), true) = (gate, head_entry_held) {
        audit_sign::store_head(&mut tx, workstation, v, now_ms).await?;
    }
    tx.commit().await?;
    Ok((acks, replays))
}

enum Upsert {
    Stored,
    Replay,
    Conflict(RecordProblem),
}

async fn upsert(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    r: &PushRecord,
    payload: &str,
    now_ms: i64,
) -> Result<Upsert> {
    let done = sqlx::query(
        "INSERT INTO sync_records (id, workstation, kind, version, payload, received_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, payload = excluded.payload,
             updated_at = excluded.updated_at
         WHERE sync_records.version < excluded.version
           AND sync_records.workstation = excluded.workstation
           AND sync_records.kind = excluded.kind
           AND sync_records.kind <> 'audit'",
    )
    .bind(&r.id)
    .bind(workstation)
    .bind(&r.kind)
    .bind(r.version)
    .bind(payload)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Upsert::Stored);
    }
    let row: AnyRow = sqlx::query("SELECT workstation, kind FROM sync_records WHERE id = $1")
        .bind(&r.id)
        .fetch_one(&mut **tx)
        .await?;
    let (ws, kind): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    if ws != workstation || kind != r.kind {
        return Ok(Upsert::Conflict(RecordProblem::IdConflict));
    }
    Ok(Upsert::Replay)
}

/// Stores an audit record once; a re-send with the same content is a replay, one with other
/// content is kept aside in `audit_conflicts` and refused.
async fn insert_audit(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    r: &PushRecord,
    payload: &str,
    now_ms: i64,
) -> Result<Upsert> {
    let done = sqlx::query(
        "INSERT INTO sync_records (id, workstation, kind, version, payload, received_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&r.id)
    .bind(workstation)
    .bind(&r.kind)
    .bind(r.version)
    .bind(payload)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(Upsert::Stored);
    }
    let row: AnyRow =
        sqlx::query("SELECT workstation, kind, payload FROM sync_records WHERE id = $1")
            .bind(&r.id)
            .fetch_one(&mut **tx)
            .await?;
    let (ws, kind, held): (String, String, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if ws != workstation || kind != r.kind {
        return Ok(Upsert::Conflict(RecordProblem::IdConflict));
    }
    let same = held == payload
        || serde_json::from_str::<serde_json::Value>(&held).is_ok_and(|h| {
            serde_json::from_str::<serde_json::Value>(r.payload.get()).is_ok_and(|p| p == h)
        });
    if same {
        return Ok(Upsert::Replay);
    }
    let sha = super::hex(&Sha256::digest(payload.as_bytes()));
    sqlx::query(
        "INSERT INTO audit_conflicts
             (id, workstation, entry_id, version, payload, payload_sha256, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(workstation)
    .bind(&r.id)
    .bind(r.version)
    .bind(payload)
    .bind(&sha)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    tracing::warn!(
        workstation,
        entry_id = %r.id,
        version = r.version,
        payload_sha256 = %sha,
        "audit entry re-sent with other content: kept aside"
    );
    Ok(Upsert::Conflict(RecordProblem::AuditConflict))
}

/// Number of records held, per kind (`None` = every workstation).
pub async fn count_records(
    pool: &sqlx::AnyPool,
    workstation: Option<&str>,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, COUNT(*) AS n FROM sync_records
         WHERE ($1 = '' OR workstation = $1) GROUP BY kind ORDER BY kind",
    )
    .bind(workstation.unwrap_or(""))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect()
}

/// Marks a verified blob as held, and `workstation` as one that uploaded it; ends the
/// upload's ownership.
pub async fn blob_stored(
    pool: &sqlx::AnyPool,
    sha: &str,
    size: u64,
    workstation: &str,
    now_ms: i64,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO sync_blobs (sha256, size, workstation, stored_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(workstation)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO sync_blob_holders (sha256, workstation, stored_at) VALUES ($1, $2, $3)
         ON CONFLICT (sha256, workstation) DO NOTHING",
    )
    .bind(sha)
    .bind(workstation)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sync_blob_uploads WHERE sha256 = $1")
        .bind(sha)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A partial upload left alone this long may be restarted (from offset 0) by another
/// workstation.
pub const UPLOAD_ABANDONED_MS: i64 = 60 * 60 * 1000;

/// The workstation uploading a partial blob, and when it last sent a chunk.
pub async fn upload_owner(pool: &sqlx::AnyPool, sha: &str) -> Result<Option<(String, i64)>> {
    let row =
        sqlx::query("SELECT workstation, updated_at FROM sync_blob_uploads WHERE sha256 = $1")
            .bind(sha)
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
        None => None,
    })
}

/// Makes `workstation` the uploader of a partial blob, or refuses: only the uploading
/// workstation writes to (or restarts) its upload; another one may restart it from offset 0
/// once it has been left alone for [`UPLOAD_ABANDONED_MS`], or for `stale_after` when that is
/// shorter (its staged bytes are then removed as stale, so nothing is left to continue).
pub async fn claim_upload(
    pool: &sqlx::AnyPool,
    sha: &str,
    workstation: &str,
    offset: u64,
    now_ms: i64,
    stale_after: std::time::Duration,
) -> Result<()> {
    let stale_ms = i64::try_from(stale_after.as_millis()).unwrap_or(i64::MAX);
    let abandoned_ms = UPLOAD_ABANDONED_MS.min(stale_ms);
    let done = sqlx::query(
        "INSERT INTO sync_blob_uploads (sha256, workstation, started_at, updated_at)
         VALUES ($1, $2, $3, $3)
         ON CONFLICT (sha256) DO UPDATE SET workstation = excluded.workstation,
             updated_at = excluded.updated_at,
             started_at = CASE WHEN sync_blob_uploads.workstation = excluded.workstation
                               THEN sync_blob_uploads.started_at ELSE excluded.started_at END
         WHERE sync_blob_uploads.workstation = excluded.workstation
            OR (sync_blob_uploads.updated_at < $4 AND $5 = 0)",
    )
    .bind(sha)
    .bind(workstation)
    .bind(now_ms)
    .bind(now_ms.saturating_sub(abandoned_ms))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(crate::error::Error::UploadOwnedElsewhere {
            detail: format!("blob {sha} is being uploaded by another workstation"),
        });
    }
    Ok(())
}

/// Whether a workstation of `hall_code` uploaded the blob.
pub async fn held_in_hall(pool: &sqlx::AnyPool, sha: &str, hall_code: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) FROM sync_blob_holders h JOIN workstations w ON w.id = h.workstation
         WHERE h.sha256 = $1 AND w.hall_code = $2",
    )
    .bind(sha)
    .bind(hall_code)
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}

/// Size of a held blob, if complete.
pub async fn blob_size(pool: &sqlx::AnyPool, sha: &str) -> Result<Option<u64>> {
    let row = sqlx::query("SELECT size FROM sync_blobs WHERE sha256 = $1")
        .bind(sha)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(r) => Some(u64::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0)),
        None => None,
    })
}

/// The hall of an enrolled workstation ("" when it has none: nothing of a hall matches).
async fn hall_of(tx: &mut Transaction<'static, Any>, workstation: &str) -> Result<String> {
    Ok(
        sqlx::query("SELECT hall_code FROM workstations WHERE id = $1")
            .bind(workstation)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or_default(),
    )
}
