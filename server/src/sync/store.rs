//! The sync tables: idempotent upsert of pushed records, audit links, blob rows.
//!
//! Portable SQL with `$n` placeholders (SQLite and PostgreSQL through sqlx `Any`).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::audit;
use super::{check_record, Ack, AckOutcome, PushRecord, RecordProblem};
use crate::error::Result;

/// Upserts every record of a batch in one transaction and returns one acknowledgement per
/// record, in order. The same batch sent again yields the same acknowledgements.
pub async fn push(
    pool: &sqlx::AnyPool,
    workstation: &str,
    records: &[PushRecord],
    now_ms: i64,
) -> Result<(Vec<Ack>, u64)> {
    let mut tx = pool.begin().await?;
    let mut acks = Vec::with_capacity(records.len());
    let mut replays = 0u64;
    for r in records {
        let text = match check_record(r) {
            Ok(text) => text,
            Err(problem) => {
                acks.push(problem.ack(&r.id, r.version));
                continue;
            }
        };
        match upsert(&mut tx, workstation, r, text, now_ms).await? {
            Upsert::Stored => {}
            Upsert::Replay => replays += 1,
            Upsert::Conflict => {
                acks.push(RecordProblem::IdConflict.ack(&r.id, r.version));
                continue;
            }
        }
        if r.kind == "audit" {
            audit::record_link(&mut tx, workstation, r, now_ms).await?;
        }
        acks.push(Ack {
            id: r.id.clone(),
            version: r.version,
            outcome: AckOutcome::Accepted,
            code: None,
            message: None,
        });
    }
    tx.commit().await?;
    Ok((acks, replays))
}

enum Upsert {
    Stored,
    Replay,
    Conflict,
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
           AND sync_records.kind = excluded.kind",
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
        return Ok(Upsert::Conflict);
    }
    Ok(Upsert::Replay)
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

/// Marks a verified blob as held.
pub async fn blob_stored(
    pool: &sqlx::AnyPool,
    sha: &str,
    size: u64,
    workstation: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_blobs (sha256, size, workstation, stored_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha)
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(workstation)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(())
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
