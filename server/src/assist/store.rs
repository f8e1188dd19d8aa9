//! The 协查 tables (`assist_requests`, `assist_log`) and the hall's departments. One query text
//! for SQLite and PostgreSQL; the citizen's data goes in and out sealed under the hall's key.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use super::{problem, ApplicantKind, AssistProblem, AssistState};
use crate::cases::IndexKey;
use crate::error::Result;

/// The applicant as the request names them (sealed at rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Applicant {
    pub kind: ApplicantKind,
    /// The ID number read from the card (the person, or the company's representative).
    pub person_number: String,
    /// The name read from the card.
    pub person_name: String,
    /// The company's 统一社会信用代码 (organisation only).
    pub organisation_code: Option<String>,
    /// The company's name (organisation only).
    pub organisation_name: Option<String>,
}

/// What a request asks, sealed as one JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub applicant: Applicant,
    pub proofs: Vec<String>,
    pub note: String,
}

/// A new request as checked by the handler.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub id: String,
    pub body_sha256: String,
    pub hall_code: String,
    pub from_department: String,
    pub from_workstation: String,
    pub from_clerk: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub content: Content,
    pub card_read_entry: String,
    pub card_read_hash: String,
    pub created_at: i64,
}

/// A stored request, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub id: String,
    pub body_sha256: String,
    pub from_department: String,
    pub from_workstation: String,
    pub from_clerk: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub content: Content,
    pub state: AssistState,
    pub created_at: i64,
    pub received_at: i64,
    pub updated_at: i64,
    pub proof_sha256: Option<String>,
    pub proof_size: Option<i64>,
    pub proof_clerk: Option<String>,
    pub proof_at: Option<i64>,
    pub stamped_sha256: Option<String>,
    pub stamped_size: Option<i64>,
    pub stamped_clerk: Option<String>,
    pub stamped_at: Option<i64>,
    pub signer_name: Option<String>,
    pub signer_issuer: Option<String>,
    pub signer_serial: Option<String>,
    pub signed_at: Option<i64>,
    pub return_reason: Option<String>,
    pub returned_clerk: Option<String>,
    pub returned_at: Option<i64>,
}

/// The keyed hash of an applicant's number.
pub fn applicant_index(key: &IndexKey, kind: ApplicantKind, number: &str) -> String {
    key.id_number(&format!("assist:{}:{number}", kind.as_str()))
}

const COLUMNS: &str = "id, body_sha256, from_department, from_workstation, from_clerk, \
     to_department, item_code, item_name, content_sealed, state, created_at, received_at, \
     updated_at, proof_sha256, proof_size, proof_clerk, proof_at, stamped_sha256, stamped_size, \
     stamped_clerk, stamped_at, signer_name, signer_issuer, signer_serial, signed_at, \
     return_reason_sealed, returned_clerk, returned_at";

fn unsealed(detail: &str) -> crate::error::Error {
    crate::error::Error::Database(sqlx::Error::Decode(
        format!("{detail} does not open under this hall's key").into(),
    ))
}

fn stored(key: &IndexKey, r: &AnyRow) -> Result<Stored> {
    let sealed: String = r.try_get("content_sealed")?;
    let content: Content = key
        .open(&sealed)
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or_else(|| unsealed("content_sealed"))?;
    let state: String = r.try_get("state")?;
    let reason: Option<String> = r.try_get("return_reason_sealed")?;
    let return_reason = match reason {
        Some(s) => Some(
            key.open(&s)
                .ok_or_else(|| unsealed("return_reason_sealed"))?,
        ),
        None => None,
    };
    Ok(Stored {
        id: r.try_get("id")?,
        body_sha256: r.try_get("body_sha256")?,
        from_department: r.try_get("from_department")?,
        from_workstation: r.try_get("from_workstation")?,
        from_clerk: r.try_get("from_clerk")?,
        to_department: r.try_get("to_department")?,
        item_code: r.try_get("item_code")?,
        item_name: r.try_get("item_name")?,
        content,
        state: AssistState::parse(&state).ok_or_else(|| unsealed("state"))?,
        created_at: r.try_get("created_at")?,
        received_at: r.try_get("received_at")?,
        updated_at: r.try_get("updated_at")?,
        proof_sha256: r.try_get("proof_sha256")?,
        proof_size: r.try_get("proof_size")?,
        proof_clerk: r.try_get("proof_clerk")?,
        proof_at: r.try_get("proof_at")?,
        stamped_sha256: r.try_get("stamped_sha256")?,
        stamped_size: r.try_get("stamped_size")?,
        stamped_clerk: r.try_get("stamped_clerk")?,
        stamped_at: r.try_get("stamped_at")?,
        signer_name: r.try_get("signer_name")?,
        signer_issuer: r.try_get("signer_issuer")?,
        signer_serial: r.try_get("signer_serial")?,
        signed_at: r.try_get("signed_at")?,
        return_reason,
        returned_clerk: r.try_get("returned_clerk")?,
        returned_at: r.try_get("returned_at")?,
    })
}

/// Stores `n` unless its id is taken; returns whether it was stored now and the request stored
/// under the id (the new one, or the one already there: the caller compares body and
/// workstation).
pub async fn insert(
    pool: &AnyPool,
    key: &IndexKey,
    n: &NewRequest,
    now: i64,
) -> Result<(bool, Stored)> {
    let content = serde_json::to_string(&n.content)
        .map_err(|e| problem(AssistProblem::Invalid, format!("content: {e}")))?;
    let a = &n.content.applicant;
    let number = match a.kind {
        ApplicantKind::Person => a.person_number.as_str(),
        ApplicantKind::Organisation => a.organisation_code.as_deref().unwrap_or_default(),
    };
    let done = sqlx::query(
        "INSERT INTO assist_requests (id, body_sha256, hall_code, from_department, \
         from_workstation, from_clerk, to_department, item_code, item_name, applicant_kind, \
         applicant_index, content_sealed, card_read_entry, card_read_hash, state, created_at, \
         received_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&n.id)
    .bind(&n.body_sha256)
    .bind(&n.hall_code)
    .bind(&n.from_department)
    .bind(&n.from_workstation)
    .bind(&n.from_clerk)
    .bind(&n.to_department)
    .bind(&n.item_code)
    .bind(&n.item_name)
    .bind(a.kind.as_str())
    .bind(applicant_index(key, a.kind, number))
    .bind(key.seal(&content))
    .bind(&n.card_read_entry)
    .bind(&n.card_read_hash)
    .bind(AssistState::Pending.as_str())
    .bind(n.created_at)
    .bind(now)
    .execute(pool)
    .await?;
    let stored = get(pool, key, &n.id)
        .await?
        .ok_or_else(|| problem(AssistProblem::Unknown, n.id.clone()))?;
    Ok((done.rows_affected() == 1, stored))
}

pub async fn get(pool: &AnyPool, key: &IndexKey, id: &str) -> Result<Option<Stored>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM assist_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?
    .map(|r| stored(key, &r))
    .transpose()
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mailbox {
    /// Requests the clerk's department sent.
    Sent,
    /// Requests to the clerk's department.
    Inbox,
}

/// The newest `limit` requests of `department`'s mailbox, in `state` when given.
pub async fn list(
    pool: &AnyPool,
    key: &IndexKey,
    mailbox: Mailbox,
    department: &str,
    state: Option<AssistState>,
    limit: i64,
) -> Result<Vec<Stored>> {
    let column = match mailbox {
        Mailbox::Sent => "from_department",
        Mailbox::Inbox => "to_department",
    };
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM assist_requests WHERE {column} = $1 AND ($2 = '' OR state = $2) \
         ORDER BY received_at DESC, id DESC LIMIT $3"
    ))
    .bind(department)
    .bind(state.map_or("", AssistState::as_str))
    .bind(limit.clamp(1, 500))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| stored(key, r))
    .collect()
}

/// Attaches (or replaces) the proof while the request waits for it or for its seal.
pub async fn set_proof(
    pool: &AnyPool,
    id: &str,
    sha: &str,
    size: u64,
    clerk: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE assist_requests SET state = $1, proof_sha256 = $2, proof_size = $3, \
         proof_clerk = $4, proof_at = $5, updated_at = $5 \
         WHERE id = $6 AND state IN ('pending', 'awaiting_seal')",
    )
    .bind(AssistState::AwaitingSeal.as_str())
    .bind(sha)
    .bind(size as i64)
    .bind(clerk)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The verified stamped proof and its seal.
#[derive(Debug, Clone)]
pub struct StampedProof<'a> {
    pub sha256: &'a str,
    pub size: u64,
    pub clerk: &'a str,
    pub signer_name: &'a str,
    pub signer_issuer: &'a str,
    pub signer_serial: &'a str,
    pub signed_at: Option<i64>,
}

/// Records the stamped proof of the proof `proof_sha256` (unchanged since it was checked).
pub async fn set_stamped(
    pool: &AnyPool,
    id: &str,
    proof_sha256: &str,
    s: &StampedProof<'_>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE assist_requests SET state = $1, stamped_sha256 = $2, stamped_size = $3, \
         stamped_clerk = $4, stamped_at = $5, signer_name = $6, signer_issuer = $7, \
         signer_serial = $8, signed_at = $9, updated_at = $5 \
         WHERE id = $10 AND state = 'awaiting_seal' AND proof_sha256 = $11",
    )
    .bind(AssistState::Sealed.as_str())
    .bind(s.sha256)
    .bind(s.size as i64)
    .bind(s.clerk)
    .bind(now)
    .bind(s.signer_name)
    .bind(s.signer_issuer)
    .bind(s.signer_serial)
    .bind(s.signed_at)
    .bind(id)
    .bind(proof_sha256)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// 退回 with `reason` while the request is not stamped.
pub async fn set_returned(
    pool: &AnyPool,
    key: &IndexKey,
    id: &str,
    reason: &str,
    clerk: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE assist_requests SET state = $1, return_reason_sealed = $2, returned_clerk = $3, \
         returned_at = $4, updated_at = $4 \
         WHERE id = $5 AND state IN ('pending', 'awaiting_seal')",
    )
    .bind(AssistState::Returned.as_str())
    .bind(key.seal(reason))
    .bind(clerk)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The hall's departments: those of its active clerks, in order.
pub async fn departments(pool: &AnyPool) -> Result<Vec<String>> {
    sqlx::query(
        "SELECT DISTINCT department FROM clerks WHERE active = 1 AND department <> '' \
         ORDER BY department",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok(r.try_get(0)?))
    .collect()
}

/// One row of `assist_log`.
#[derive(Debug, Clone, Default)]
pub struct Log<'a> {
    pub action: &'a str,
    pub request: Option<&'a str>,
    pub clerk: &'a str,
    pub workstation: &'a str,
    pub department: &'a str,
    pub outcome: &'a str,
}

pub async fn log(pool: &AnyPool, l: &Log<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO assist_log (id, at, action, request_id, clerk_id, workstation_id, \
         department, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(now)
    .bind(l.action)
    .bind(l.request)
    .bind(l.clerk)
    .bind(l.workstation)
    .bind(l.department)
    .bind(l.outcome)
    .execute(pool)
    .await?;
    Ok(())
}
