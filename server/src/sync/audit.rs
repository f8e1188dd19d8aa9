//! Continuity of each workstation's audit chain (issue 6, item 7).
//!
//! Every audit entry carries the hash of the one before it and its own hash over its fields
//! (see `yichuang_core::domain::audit`). On arrival the server recomputes the hash (a mismatch is an
//! edit), keeps the link, and flags an entry that comes again with other content. The check
//! walks the links from the genesis: a `prev_hash` that no received entry has as its hash is a
//! gap (entries deleted on the workstation, or not synced yet), two entries naming the same
//! predecessor are a fork. The check reads the entries back from the records held (not from
//! the link table), so a row changed in the database after arrival shows as an edit, and it
//! verifies the signed chain heads ([`super::audit_sign`]).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};

use super::{audit_sign, hex, AuditCheck, AuditConflict, AuditFlag, AuditForgery, PushRecord};
use crate::error::Result;

/// The `prev_hash` of a workstation's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields an audit entry's hash covers, in the workstation's canonical order.
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

#[derive(serde::Deserialize)]
struct Entry {
    id: String,
    at: i64,
    actor: Option<String>,
    action: String,
    subject: Option<String>,
    detail: serde_json::Value,
    prev_hash: String,
    hash: String,
}

/// The SHA-256 the workstation should have written for `payload`, and the entry.
fn recompute(payload: &serde_json::value::RawValue) -> Option<(Entry, String)> {
    let e: Entry = serde_json::from_str(payload.get()).ok()?;
    let bytes = serde_json::to_vec(&Canonical {
        id: &e.id,
        at: e.at,
        actor: &e.actor,
        action: &e.action,
        subject: &e.subject,
        detail: &e.detail,
        prev_hash: &e.prev_hash,
    })
    .ok()?;
    let h = hex(&Sha256::digest(&bytes));
    Some((e, h))
}

async fn flag(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    entry_id: &str,
    kind: &str,
    detail: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_audit_flags (id, workstation, entry_id, kind, detail, flagged_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(workstation)
    .bind(entry_id)
    .bind(kind)
    .bind(detail)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    tracing::warn!(workstation, entry_id, kind, detail, "audit chain flagged");
    Ok(())
}

/// Records the link of an accepted `audit` record (inside the push transaction).
pub async fn record_link(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    r: &PushRecord,
    now_ms: i64,
) -> Result<()> {
    let Some((entry, computed)) = recompute(&r.payload) else {
        return flag(
            tx,
            workstation,
            &r.id,
            "unreadable",
            "payload is not an audit entry",
            now_ms,
        )
        .await;
    };
    let hash_ok = entry.id == r.id && computed == entry.hash;
    let done = sqlx::query(
        "INSERT INTO sync_audit (id, workstation, at, prev_hash, hash, hash_ok)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&r.id)
    .bind(workstation)
    .bind(entry.at)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .bind(i64::from(hash_ok))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        let row = sqlx::query("SELECT hash, prev_hash FROM sync_audit WHERE id = $1")
            .bind(&r.id)
            .fetch_one(&mut **tx)
            .await?;
        let (old_hash, old_prev): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        if old_hash != entry.hash || old_prev != entry.prev_hash {
            flag(
                tx,
                workstation,
                &r.id,
                "edited",
                &format!("re-sent with hash {} (was {old_hash})", entry.hash),
                now_ms,
            )
            .await?;
        }
        return Ok(());
    }
    if !hash_ok {
        flag(
            tx,
            workstation,
            &r.id,
            "edited",
            &format!("stored hash {} but fields hash to {computed}", entry.hash),
            now_ms,
        )
        .await?;
    }
    Ok(())
}

/// One received entry as the check sees it: read back from the record the server holds (not
/// from the link table), its hash recomputed.
struct Held {
    id: String,
    prev_hash: String,
    hash: String,
    /// The fields hash to `hash` and the payload's id is the record's.
    hash_ok: bool,
}

async fn held_entries(pool: &sqlx::AnyPool, workstation: &str) -> Result<Vec<Held>> {
    let rows = sqlx::query(
        "SELECT id, payload FROM sync_records WHERE workstation = $1 AND kind = 'audit'
         ORDER BY received_at, id",
    )
    .bind(workstation)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, payload): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        let parsed = serde_json::from_str::<Box<serde_json::value::RawValue>>(&payload)
            .ok()
            .and_then(|v| recompute(&v));
        out.push(match parsed {
            Some((e, computed)) => Held {
                hash_ok: e.id == id && computed == e.hash,
                id,
                prev_hash: e.prev_hash,
                hash: e.hash,
            },
            None => Held {
                id,
                prev_hash: String::new(),
                hash: String::new(),
                hash_ok: false,
            },
        });
    }
    Ok(out)
}

/// Walks a workstation's chain as the server holds it and reports gaps, edits, forks,
/// conflicting re-sends, and how far signed heads cover it (forgeries, unsigned entries).
pub async fn check(pool: &sqlx::AnyPool, workstation: &str) -> Result<AuditCheck> {
    let rows = held_entries(pool, workstation).await?;
    let mut by_prev: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut hashes: HashSet<&str> = HashSet::new();
    for r in rows.iter().filter(|r| !r.hash.is_empty()) {
        by_prev.entry(&r.prev_hash).or_default().push(&r.hash);
        hashes.insert(&r.hash);
    }
    let mut gaps: Vec<String> = by_prev
        .keys()
        .filter(|p| **p != GENESIS && !hashes.contains(*p))
        .map(|p| (*p).to_owned())
        .collect();
    gaps.sort();
    let mut forks: Vec<String> = by_prev
        .iter()
        .filter(|(_, next)| next.len() > 1)
        .map(|(p, _)| (*p).to_owned())
        .collect();
    forks.sort();
    let mut positions: HashMap<String, u64> = HashMap::new();
    let mut cur = GENESIS;
    while let Some(next) = by_prev.get(cur).and_then(|n| n.first()) {
        if positions.contains_key(*next) {
            break;
        }
        positions.insert((*next).to_owned(), positions.len() as u64 + 1);
        cur = next;
    }
    let linked = positions.len() as u64;
    let flags = sqlx::query(
        "SELECT entry_id, kind, detail, flagged_at FROM sync_audit_flags
         WHERE workstation = $1 ORDER BY flagged_at, id",
    )
    .bind(workstation)
    .fetch_all(pool)
    .await?;
    let mut edits = flags
        .iter()
        .map(|r| {
            Ok(AuditFlag {
                entry_id: r.try_get(0)?,
                kind: r.try_get(1)?,
                detail: r.try_get(2)?,
                flagged_at: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // An entry changed in the database after it was received.
    for r in rows.iter().filter(|r| !r.hash_ok) {
        if !edits.iter().any(|e| e.entry_id == r.id) {
            edits.push(AuditFlag {
                entry_id: r.id.clone(),
                kind: "edited".into(),
                detail: "the entry held does not hash to its hash".into(),
                flagged_at: 0,
            });
        }
    }
    let conflicts = conflicts(pool, workstation).await?;
    let cover = audit_sign::coverage(pool, workstation, &positions, |h| hashes.contains(h)).await?;
    let mut forgeries = cover.forgeries;
    if !rows.is_empty() && cover.verified == 0 {
        let first = by_prev.get(GENESIS).and_then(|n| n.first()).copied();
        forgeries.push(AuditForgery {
            kind: "unsigned_chain".into(),
            seq: 0,
            hash: first.unwrap_or_default().to_owned(),
            received_at: 0,
        });
    }
    let unsigned = linked.saturating_sub(cover.signed_through);
    let forged = !forgeries.is_empty();
    let intact = gaps.is_empty()
        && edits.is_empty()
        && forks.is_empty()
        && conflicts.is_empty()
        && !forged
        && unsigned == 0;
    Ok(AuditCheck {
        workstation: workstation.to_owned(),
        entries: rows.len() as u64,
        linked,
        gaps,
        edits,
        forks,
        conflicts,
        heads: cover.heads,
        signed_through: cover.signed_through,
        unsigned,
        forgeries,
        forged,
        intact,
    })
}

async fn conflicts(pool: &sqlx::AnyPool, workstation: &str) -> Result<Vec<AuditConflict>> {
    let rows = sqlx::query(
        "SELECT entry_id, version, payload_sha256, received_at FROM audit_conflicts
         WHERE workstation = $1 ORDER BY received_at, id",
    )
    .bind(workstation)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditConflict {
                entry_id: r.try_get(0)?,
                version: r.try_get(1)?,
                payload_sha256: r.try_get(2)?,
                received_at: r.try_get(3)?,
            })
        })
        .collect()
}
