//! Signed audit chain heads (issue 15, item 4).
//!
//! Every push that carries audit entries carries the workstation's Ed25519 signature over the
//! last of them ([`AuditHead`]: its position in the chain and its hash, signed as
//! `yichuang_pki::credential::audit_head_message`). One signature covers the whole chain up to
//! that entry, since every entry's hash covers its predecessor's. The server checks it on
//! arrival with the workstation's current key (one verification per push, not per entry) and
//! keeps it with the key's id; the chain check verifies every kept head again with the key
//! that was valid for the workstation when the head was received, so rows written straight
//! into the database, or a head signed by any other key, show as forged.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};
use yichuang_pki::credential::{audit_head_message, parse_public_key_b64, verify_b64};

use super::{is_sha256_hex, AuditForgery, AuditHead, PushRecord, RecordProblem};
use crate::error::Result;

/// A head whose signature verified on arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedHead {
    pub head: AuditHead,
    pub key_id: String,
}

/// What may happen to the audit records of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// The batch holds no audit record.
    NoAudit,
    /// Every audit record of the batch is rejected with this problem.
    Refuse(RecordProblem),
    /// The audit records may be stored; the head is kept when its entry is.
    Admit(VerifiedHead),
}

/// `(hash, prev_hash)` of an audit payload, when it has both as text.
fn links(payload: &serde_json::value::RawValue) -> Option<(&str, &str)> {
    let l: Links<'_> = serde_json::from_str(payload.get()).ok()?;
    Some((l.hash, l.prev_hash))
}

/// The chain fields of an audit payload, borrowed from its raw JSON text (hex digests hold no
/// escapes; anything else does not parse and is treated as no entry).
#[derive(serde::Deserialize)]
struct Links<'a> {
    hash: &'a str,
    prev_hash: &'a str,
}

/// The `hash` of an audit payload, if it has one.
pub fn entry_hash(payload: &serde_json::value::RawValue) -> Option<&str> {
    links(payload).map(|(hash, _)| hash)
}

/// The workstation's key valid at `at_ms`: `(key id, public key)`.
async fn key_at(pool: &sqlx::AnyPool, workstation: &str, at_ms: i64) -> Result<Option<Key>> {
    Ok(keys_of(pool, workstation)
        .await?
        .into_iter()
        .find(|k| k.valid_at(at_ms)))
}

/// One of a workstation's keys, current or past.
#[derive(Debug, Clone)]
struct Key {
    id: String,
    public_key: String,
    valid_from: i64,
    valid_to: Option<i64>,
}

impl Key {
    fn valid_at(&self, at_ms: i64) -> bool {
        self.valid_from <= at_ms && self.valid_to.is_none_or(|to| at_ms < to)
    }
}

async fn keys_of(pool: &sqlx::AnyPool, workstation: &str) -> Result<Vec<Key>> {
    let rows = sqlx::query(
        "SELECT id, public_key, valid_from, valid_to FROM workstation_keys
         WHERE workstation_id = $1 ORDER BY valid_from",
    )
    .bind(workstation)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Key {
                id: r.try_get(0)?,
                public_key: r.try_get(1)?,
                valid_from: r.try_get(2)?,
                valid_to: r.try_get(3)?,
            })
        })
        .collect()
}

fn verifies(key: &Key, workstation: &str, seq: i64, hash: &str, signature: &str) -> bool {
    let Ok(public) = parse_public_key_b64(&key.public_key) else {
        return false;
    };
    verify_b64(
        &public,
        audit_head_message(workstation, seq, hash).as_bytes(),
        signature,
    )
    .is_ok()
}

/// Decides, before the push transaction, what happens to the batch's audit records: the head
/// must be there, name an audit entry of the batch that no other entry of the batch follows
/// (the last one), and verify with the key the workstation holds now.
pub async fn admit(
    pool: &sqlx::AnyPool,
    workstation: &str,
    records: &[PushRecord],
    head: Option<&AuditHead>,
    now_ms: i64,
) -> Result<Gate> {
    let audit: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r.kind == "audit")
        .filter_map(|r| links(&r.payload))
        .collect();
    if !records.iter().any(|r| r.kind == "audit") {
        return Ok(Gate::NoAudit);
    }
    let Some(head) = head else {
        return Ok(Gate::Refuse(RecordProblem::AuditHeadMissing));
    };
    let is_entry = audit.iter().any(|(hash, _)| *hash == head.hash);
    let is_followed = audit.iter().any(|(_, prev)| *prev == head.hash);
    if head.seq < 1 || !is_sha256_hex(&head.hash) || !is_entry || is_followed {
        return Ok(Gate::Refuse(RecordProblem::AuditHeadMismatch));
    }
    let Some(key) = key_at(pool, workstation, now_ms).await? else {
        return Ok(Gate::Refuse(RecordProblem::AuditHeadInvalid));
    };
    if !verifies(&key, workstation, head.seq, &head.hash, &head.signature) {
        tracing::warn!(workstation, seq = head.seq, "audit head signature refused");
        return Ok(Gate::Refuse(RecordProblem::AuditHeadInvalid));
    }
    Ok(Gate::Admit(VerifiedHead {
        head: head.clone(),
        key_id: key.id,
    }))
}

/// Keeps a verified head (inside the push transaction).
pub async fn store_head(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    v: &VerifiedHead,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_heads (id, workstation, seq, hash, signature, key_id, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(workstation)
    .bind(v.head.seq)
    .bind(&v.head.hash)
    .bind(&v.head.signature)
    .bind(&v.key_id)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What the heads say about a chain.
#[derive(Debug, Default)]
pub struct Coverage {
    pub heads: u64,
    /// Heads whose signature verifies.
    pub verified: u64,
    /// The chain up to this position is covered by a verified head.
    pub signed_through: u64,
    pub forgeries: Vec<AuditForgery>,
}

/// Verifies every head kept for `workstation` against the key valid when it was received and
/// against the chain. `positions` maps each entry hash linked from the genesis to its position
/// (1-based); `stored` says whether a hash is any received entry's (linked or not).
pub async fn coverage(
    pool: &sqlx::AnyPool,
    workstation: &str,
    positions: &HashMap<String, u64>,
    stored: impl Fn(&str) -> bool,
) -> Result<Coverage> {
    let keys = keys_of(pool, workstation).await?;
    let rows = sqlx::query(
        "SELECT seq, hash, signature, key_id, received_at FROM audit_heads
         WHERE workstation = $1 ORDER BY seq, received_at, id",
    )
    .bind(workstation)
    .fetch_all(pool)
    .await?;
    let mut out = Coverage::default();
    for r in &rows {
        let (seq, hash, signature, key_id, received_at): (i64, String, String, String, i64) = (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
        );
        out.heads += 1;
        let forgery = |kind: &str| AuditForgery {
            kind: kind.to_owned(),
            seq,
            hash: hash.clone(),
            received_at,
        };
        let key = keys
            .iter()
            .find(|k| k.id == key_id && k.valid_at(received_at));
        if !key.is_some_and(|k| verifies(k, workstation, seq, &hash, &signature)) {
            out.forgeries.push(forgery("head_signature"));
            continue;
        }
        out.verified += 1;
        match positions.get(&hash) {
            Some(&pos) if i64::try_from(pos).is_ok_and(|p| p == seq) => {
                out.signed_through = out.signed_through.max(pos);
            }
            // Received but beyond a gap: the gap is reported; the head covers nothing yet.
            None if stored(&hash) => {}
            _ => out.forgeries.push(forgery("head_off_chain")),
        }
    }
    Ok(out)
}
