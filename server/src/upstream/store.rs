//! The outbox table: enqueue (in the push's transaction), claim under a lease, outcomes, the
//! admin's list and retry, and the event body built from the case tables.
//!
//! Portable SQL with `$n` placeholders (SQLite and PostgreSQL through sqlx `Any`).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{EventKind, Failure, OutboxState, UpstreamCase, UpstreamEvent, UpstreamParty, SCHEMA};
use crate::config::DatabaseKind;
use crate::error::Result;

/// Adds the row of `event` of `case_id` unless the case already has one (a re-pushed record,
/// a later version of the same decision): at most one row per case and event.
pub async fn enqueue(
    tx: &mut Transaction<'static, Any>,
    case_id: &str,
    event: EventKind,
    occurred_at: i64,
    now_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO upstream_outbox (id, case_id, event, occurred_at, state, attempts, next_at, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5, $5) \
         ON CONFLICT (case_id, event) DO NOTHING",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(case_id)
    .bind(event.as_str())
    .bind(occurred_at)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A row claimed for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub case_id: String,
    pub event: EventKind,
    pub occurred_at: i64,
    /// This attempt's number (1 for the first).
    pub attempts: u32,
}

/// Claims the oldest due pending row (of a case's rows, the earliest first: a withdrawal
/// waits for its acceptance while that is still pending) for `instance` until
/// `now + lease_ms` and counts the attempt. A row claimed by another instance whose lease is still running is not due; on
/// PostgreSQL a row another instance is claiming at this moment is skipped
/// (`FOR UPDATE SKIP LOCKED`), so two instances never take the same row.
pub async fn claim(
    pool: &sqlx::AnyPool,
    kind: DatabaseKind,
    instance: &str,
    now_ms: i64,
    lease_ms: i64,
) -> Result<Option<Claimed>> {
    let lock = match kind {
        DatabaseKind::Postgres => " FOR UPDATE SKIP LOCKED",
        DatabaseKind::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "UPDATE upstream_outbox SET claimed_by = $1, lease_until = $2, attempts = attempts + 1, \
           updated_at = $3 \
         WHERE id = (SELECT o.id FROM upstream_outbox o WHERE o.state = 'pending' \
           AND o.next_at <= $3 AND (o.lease_until IS NULL OR o.lease_until < $3) \
           AND NOT EXISTS (SELECT 1 FROM upstream_outbox e WHERE e.case_id = o.case_id \
             AND e.state = 'pending' AND (e.created_at < o.created_at \
             OR (e.created_at = o.created_at AND e.id < o.id))) \
           ORDER BY o.next_at, o.id LIMIT 1{lock}) \
           AND state = 'pending' AND (lease_until IS NULL OR lease_until < $3) \
         RETURNING id, case_id, event, occurred_at, attempts"
    ))
    .bind(instance)
    .bind(now_ms.saturating_add(lease_ms))
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let event: String = row.try_get(2)?;
    Ok(Some(Claimed {
        id: row.try_get(0)?,
        case_id: row.try_get(1)?,
        event: EventKind::parse(&event).unwrap_or(EventKind::Accepted),
        occurred_at: row.try_get(3)?,
        attempts: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(u32::MAX),
    }))
}

/// When the next pending row falls due (its backoff or a claim's lease ends), if any; a row
/// waiting behind an earlier row of its case counts only through that one.
pub async fn next_due(pool: &sqlx::AnyPool) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT MIN(CASE WHEN o.lease_until IS NOT NULL AND o.lease_until > o.next_at \
           THEN o.lease_until ELSE o.next_at END) FROM upstream_outbox o \
         WHERE o.state = 'pending' AND NOT EXISTS (SELECT 1 FROM upstream_outbox e \
           WHERE e.case_id = o.case_id AND e.state = 'pending' AND (e.created_at < o.created_at \
             OR (e.created_at = o.created_at AND e.id < o.id)))",
    )
    .fetch_one(pool)
    .await?;
    Ok(row.try_get::<Option<i64>, _>(0)?)
}

/// Delivered: `sent`, the claim ended. False when the claim was no longer this instance's.
pub async fn mark_sent(
    pool: &sqlx::AnyPool,
    c: &Claimed,
    instance: &str,
    status: u16,
    now_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE upstream_outbox SET state = 'sent', sent_at = $1, updated_at = $1, \
           last_status = $2, sent_by = claimed_by, claimed_by = NULL, lease_until = NULL \
         WHERE id = $3 AND claimed_by = $4 AND state = 'pending'",
    )
    .bind(now_ms)
    .bind(i64::from(status))
    .bind(&c.id)
    .bind(instance)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Failed: pending again at `next_at`, or `dead`; the failure kept (code and short text).
pub async fn mark_failed(
    pool: &sqlx::AnyPool,
    c: &Claimed,
    instance: &str,
    failure: &Failure,
    dead: bool,
    next_at: i64,
    now_ms: i64,
) -> Result<bool> {
    let state = if dead {
        OutboxState::Dead
    } else {
        OutboxState::Pending
    };
    let done = sqlx::query(
        "UPDATE upstream_outbox SET state = $1, next_at = $2, updated_at = $3, last_code = $4, \
           last_error = $5, last_status = $6, claimed_by = NULL, lease_until = NULL \
         WHERE id = $7 AND claimed_by = $8 AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(next_at)
    .bind(now_ms)
    .bind(failure.kind.code())
    .bind(&failure.detail)
    .bind(failure.status.map(i64::from))
    .bind(&c.id)
    .bind(instance)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One outbox row as the admin lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub case_id: String,
    pub case_no: Option<String>,
    pub event: String,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_code: Option<String>,
    pub last_error: Option<String>,
    pub last_status: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// Most rows one list shows.
pub const LIST_LIMIT: i64 = 500;

/// The rows in `state` (every state when `None`), oldest first, at most `limit`.
pub async fn list(
    pool: &sqlx::AnyPool,
    state: Option<OutboxState>,
    limit: i64,
) -> Result<Vec<Entry>> {
    sqlx::query(
        "SELECT o.id, o.case_id, c.case_no, o.event, o.state, o.attempts, o.next_at, o.last_code, \
           o.last_error, o.last_status, o.created_at, o.sent_at \
         FROM upstream_outbox o LEFT JOIN cases c ON c.id = o.case_id \
         WHERE ($1 = '' OR o.state = $1) ORDER BY o.created_at, o.id LIMIT $2",
    )
    .bind(state.map(OutboxState::as_str).unwrap_or(""))
    .bind(limit.clamp(1, LIST_LIMIT))
    .fetch_all(pool)
    .await?
    .iter()
    .map(entry)
    .collect()
}

fn entry(r: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        id: r.try_get(0)?,
        case_id: r.try_get(1)?,
        case_no: r.try_get(2)?,
        event: r.try_get(3)?,
        state: r.try_get(4)?,
        attempts: r.try_get(5)?,
        next_at: r.try_get(6)?,
        last_code: r.try_get(7)?,
        last_error: r.try_get(8)?,
        last_status: r.try_get(9)?,
        created_at: r.try_get(10)?,
        sent_at: r.try_get(11)?,
    })
}

/// The row `id` as the sender would take it (for `upstream show`).
pub async fn get(pool: &sqlx::AnyPool, id: &str) -> Result<Option<Claimed>> {
    let row = sqlx::query(
        "SELECT id, case_id, event, occurred_at, attempts FROM upstream_outbox WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let event: String = row.try_get(2)?;
    Ok(Some(Claimed {
        id: row.try_get(0)?,
        case_id: row.try_get(1)?,
        event: EventKind::parse(&event).unwrap_or(EventKind::Accepted),
        occurred_at: row.try_get(3)?,
        attempts: u32::try_from(row.try_get::<i64, _>(4)?).unwrap_or(u32::MAX),
    }))
}

/// Rows per state.
pub async fn counts(pool: &sqlx::AnyPool) -> Result<Vec<(String, i64)>> {
    sqlx::query("SELECT state, COUNT(*) FROM upstream_outbox GROUP BY state ORDER BY state")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Sends again: the row `id` (dead, or pending: at once), or every dead row when `id` is
/// `None` — pending, due now, attempts from zero; the last failure stays until the next
/// outcome. Returns the rows changed.
pub async fn retry(pool: &sqlx::AnyPool, id: Option<&str>, now_ms: i64) -> Result<u64> {
    let done = match id {
        Some(id) => {
            sqlx::query(
                "UPDATE upstream_outbox SET state = 'pending', attempts = 0, next_at = $1, \
                   updated_at = $1 \
                 WHERE id = $2 AND (state = 'dead' OR (state = 'pending' AND \
                   (lease_until IS NULL OR lease_until < $1)))",
            )
            .bind(now_ms)
            .bind(id)
            .execute(pool)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE upstream_outbox SET state = 'pending', attempts = 0, next_at = $1, \
                   updated_at = $1 WHERE state = 'dead'",
            )
            .bind(now_ms)
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected())
}

/// The event's body from the case tables as they are now; `None` when the case is gone.
pub async fn body(pool: &sqlx::AnyPool, c: &Claimed) -> Result<Option<UpstreamEvent>> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM cases WHERE id = $1",
        crate::cases::store::SUMMARY
    ))
    .bind(&c.case_id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let s = crate::cases::store::summary(&row)?;
    let parties =
        sqlx::query("SELECT role, masked FROM case_parties WHERE case_id = $1 ORDER BY role")
            .bind(&c.case_id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(UpstreamParty {
                    role: r.try_get(0)?,
                    masked: r.try_get(1)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
    let materials = crate::cases::store::materials(pool, &c.case_id).await?;
    let pickup = crate::cases::pickup::of_case(pool, &c.case_id)
        .await?
        .into_iter()
        .find(|p| p.flag.is_none());
    Ok(Some(UpstreamEvent {
        schema: SCHEMA.to_owned(),
        event_id: c.id.clone(),
        event: c.event,
        occurred_at: c.occurred_at,
        case: UpstreamCase {
            id: s.id,
            case_no: s.case_no,
            hall_code: s.hall_code,
            window: s.window,
            department: s.department,
            item_code: s.item_code,
            item_name: s.item_name,
            decision: s.state,
            decided_at: s.decided_at,
            due_date: s.due_date,
            clerk_id: s.clerk_id,
            applicant: s.applicant,
            parties,
            materials,
            pickup,
        },
    }))
}
