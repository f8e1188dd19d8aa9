//! The visit's rows and the one transaction that closes it with its rating.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use super::{RatingGiven, RatingLevel, RatingReason, TicketRef, VisitCase, VisitError, VisitMode};
use crate::domain::audit::{self, AuditEntry};
use crate::infra::store::Store;
use crate::infra::sync::outbox;

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub id: String,
    pub ticket: Option<TicketRef>,
    pub mode: String,
    pub clerk_id: String,
    pub called_at: Option<i64>,
    pub started_at: i64,
    pub state: String,
    pub rating_deadline: Option<i64>,
    pub picked_level: Option<RatingLevel>,
    pub cases: Vec<VisitCase>,
}

const COLUMNS: &str = "id, ticket_id, ticket_no, mode, clerk_id, called_at, started_at, state, \
                       rating_deadline, picked_level, cases";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VisitRow> {
    let ticket_id: Option<String> = r.get(1)?;
    let ticket_no: Option<String> = r.get(2)?;
    let picked: Option<String> = r.get(9)?;
    let cases: String = r.get(10)?;
    Ok(VisitRow {
        id: r.get(0)?,
        ticket: ticket_no.map(|number| TicketRef {
            id: ticket_id,
            number,
        }),
        mode: r.get(3)?,
        clerk_id: r.get(4)?,
        called_at: r.get(5)?,
        started_at: r.get(6)?,
        state: r.get(7)?,
        rating_deadline: r.get(8)?,
        picked_level: picked.as_deref().and_then(RatingLevel::from_key),
        cases: serde_json::from_str(&cases).unwrap_or_default(),
    })
}

/// The clerk's visit not yet closed (open, or waiting for the rating).
pub fn current(conn: &Connection, clerk_id: &str) -> rusqlite::Result<Option<VisitRow>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM visits WHERE clerk_id = ?1 AND state != 'closed'
             ORDER BY started_at DESC LIMIT 1"
        ),
        [clerk_id],
        row,
    )
    .optional()
}

/// Opens a visit for `ticket` (called now), or a walk-in's.
pub fn open(
    store: &mut Store,
    clerk_id: &str,
    ticket: Option<&TicketRef>,
    mode: VisitMode,
    now: i64,
) -> Result<VisitRow, VisitError> {
    let id = uuid::Uuid::now_v7().to_string();
    store.transact(|tx| {
        tx.execute(
            "INSERT INTO visits (id, ticket_id, ticket_no, mode, clerk_id, called_at, started_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open')",
            params![
                id,
                ticket.and_then(|t| t.id.clone()),
                ticket.map(|t| t.number.clone()),
                mode.key(),
                clerk_id,
                ticket.map(|_| now),
                now
            ],
        )?;
        Ok(())
    })?;
    current(store.conn(), clerk_id)?.ok_or(VisitError::NoneWaiting)
}

/// When `clerk_id` last logged in at this window (online or offline), if ever.
pub fn login_time(conn: &Connection, clerk_id: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MAX(at) FROM audit_log WHERE actor = ?1 AND action IN ('login.ok', 'login.offline')",
        [clerk_id],
        |r| r.get(0),
    )
}

/// When the clerk's previous visit ended (or `since`, their login), for a walk-in's cases.
fn walk_in_start(conn: &Connection, clerk_id: &str, since: i64) -> rusqlite::Result<i64> {
    let last: Option<i64> = conn.query_row(
        "SELECT MAX(finished_at) FROM visits WHERE clerk_id = ?1 AND state = 'closed'",
        [clerk_id],
        |r| r.get(0),
    )?;
    Ok(last.map_or(since, |l| l.max(since)))
}

/// The cases `clerk_id` decided since `from` (numbered, so printed and recorded).
fn decided_since(conn: &Connection, clerk_id: &str, from: i64) -> rusqlite::Result<Vec<VisitCase>> {
    let mut stmt = conn.prepare(
        "SELECT case_no, item_code, item_name FROM cases
         WHERE clerk_id = ?1 AND decided_at >= ?2 AND case_no IS NOT NULL ORDER BY decided_at",
    )?;
    let rows = stmt.query_map(params![clerk_id, from], |r| {
        Ok(VisitCase {
            case_no: r.get(0)?,
            item_code: r.get(1)?,
            item_name: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// 「请评价」: the visit (a walk-in's opened now, starting where the clerk's last one ended or
/// at `session_start`) takes the cases decided in it and waits for the rating until
/// `deadline`. Asking again while it waits only moves the deadline.
pub fn request_rating(
    store: &mut Store,
    clerk_id: &str,
    session_start: i64,
    deadline: i64,
    now: i64,
) -> Result<VisitRow, VisitError> {
    let existing = current(store.conn(), clerk_id)?;
    let (id, from) = match &existing {
        Some(v) => (v.id.clone(), v.started_at),
        None => {
            let from = walk_in_start(store.conn(), clerk_id, session_start)?;
            let id = uuid::Uuid::now_v7().to_string();
            (id, from)
        }
    };
    let cases = decided_since(store.conn(), clerk_id, from)?;
    let cases_json = serde_json::to_string(&cases).unwrap_or_else(|_| "[]".into());
    store.transact(|tx| {
        if existing.is_none() {
            tx.execute(
                "INSERT INTO visits (id, mode, clerk_id, started_at, state) VALUES (?1, 'walk_in', ?2, ?3, 'open')",
                params![id, clerk_id, from],
            )?;
        }
        tx.execute(
            "UPDATE visits SET state = 'rating', rating_deadline = ?2, cases = ?3 WHERE id = ?1",
            params![id, deadline, cases_json],
        )?;
        audit::record(
            tx,
            now,
            AuditEntry {
                actor: Some(clerk_id.to_owned()),
                action: "visit.rating_requested".into(),
                subject: None,
                detail: json!({ "visit": id, "cases": cases.len() }),
            },
        )?;
        Ok(())
    })?;
    current(store.conn(), clerk_id)?.ok_or(VisitError::NoneWaiting)
}

/// The citizen touched a dissatisfied level: the reasons are asked for, with a fresh countdown.
pub fn pick(
    store: &mut Store,
    clerk_id: &str,
    level: RatingLevel,
    deadline: i64,
) -> Result<VisitRow, VisitError> {
    let visit = waiting(store.conn(), clerk_id)?;
    store.transact(|tx| {
        tx.execute(
            "UPDATE visits SET picked_level = ?2, rating_deadline = ?3 WHERE id = ?1",
            params![visit.id, level.key(), deadline],
        )
    })?;
    current(store.conn(), clerk_id)?.ok_or(VisitError::NoneWaiting)
}

fn waiting(conn: &Connection, clerk_id: &str) -> Result<VisitRow, VisitError> {
    current(conn, clerk_id)?
        .filter(|v| v.state == "rating")
        .ok_or(VisitError::NoneWaiting)
}

/// Closes the waiting visit with `given`: the visit's end, the rating row, one audit entry
/// and the `visit` and `rating` records for the server, in one transaction (the server takes
/// the hall and window from the pushing workstation's credential).
pub fn close_with_rating(
    store: &mut Store,
    clerk_id: &str,
    given: &RatingGiven,
    now: i64,
) -> Result<VisitRow, VisitError> {
    if given.level.needs_reason() && given.reasons.is_empty() {
        return Err(VisitError::ReasonRequired(given.level));
    }
    let visit = waiting(store.conn(), clerk_id)?;
    let rating_id = uuid::Uuid::now_v7().to_string();
    let reasons: Vec<&str> = given.reasons.iter().map(|r| reason_key(*r)).collect();
    let case_nos: Vec<&str> = visit.cases.iter().map(|c| c.case_no.as_str()).collect();
    let items: Vec<&str> = visit.cases.iter().map(|c| c.item_code.as_str()).collect();
    let visit_record = json!({
        "ticket_id": visit.ticket.as_ref().and_then(|t| t.id.clone()),
        "ticket_no": visit.ticket.as_ref().map(|t| t.number.clone()),
        "mode": visit.mode,
        "called_at": visit.called_at,
        "started_at": visit.started_at,
        "finished_at": now,
        "clerk_id": clerk_id,
        "cases": case_nos,
    });
    let rating_record = json!({
        "visit_id": visit.id,
        "ticket_id": visit.ticket.as_ref().and_then(|t| t.id.clone()),
        "cases": case_nos,
        "clerk_id": clerk_id,
        "item_codes": items,
        "level": given.level.key(),
        "reasons": reasons,
        "timed_out": given.timed_out,
        "rated_at": now,
    });
    store.transact(|tx| {
        tx.execute(
            "UPDATE visits SET state = 'closed', finished_at = ?2, rating_deadline = NULL,
                 picked_level = NULL, version = version + 1 WHERE id = ?1",
            params![visit.id, now],
        )?;
        tx.execute(
            "INSERT INTO ratings (id, visit_id, clerk_id, level, reasons, timed_out, rated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                rating_id,
                visit.id,
                clerk_id,
                given.level.key(),
                serde_json::to_string(&reasons).unwrap_or_default(),
                given.timed_out,
                now
            ],
        )?;
        audit::record(
            tx,
            now,
            AuditEntry {
                actor: Some(clerk_id.to_owned()),
                action: "visit.rated".into(),
                subject: visit.ticket.as_ref().map(|t| t.number.clone()),
                detail: json!({
                    "visit": visit.id,
                    "level": given.level.key(),
                    "reasons": reasons,
                    "timed_out": given.timed_out,
                    "cases": case_nos.len(),
                }),
            },
        )?;
        outbox::enqueue_record(tx, "visit", &visit.id, 1, &visit_record, now)?;
        outbox::enqueue_record(tx, "rating", &rating_id, 1, &rating_record, now)?;
        Ok(())
    })?;
    Ok(visit)
}

/// The countdown ran out on `clerk_id`'s waiting visit: 满意 (timed out), or the dissatisfied
/// level the citizen picked with 其他. `None` when nothing was due.
pub fn expire_due(
    store: &mut Store,
    clerk_id: &str,
    now: i64,
) -> Result<Option<RatingGiven>, VisitError> {
    let Ok(visit) = waiting(store.conn(), clerk_id) else {
        return Ok(None);
    };
    if visit.rating_deadline.is_some_and(|d| d > now) {
        return Ok(None);
    }
    let given = match visit.picked_level {
        Some(level) => RatingGiven {
            level,
            reasons: vec![RatingReason::Other],
            timed_out: true,
        },
        None => RatingGiven {
            level: RatingLevel::Satisfied,
            reasons: Vec::new(),
            timed_out: true,
        },
    };
    close_with_rating(store, clerk_id, &given, now)?;
    Ok(Some(given))
}

pub(crate) fn reason_key(r: RatingReason) -> &'static str {
    match r {
        RatingReason::Efficiency => "efficiency",
        RatingReason::Competence => "competence",
        RatingReason::Attitude => "attitude",
        RatingReason::Guidance => "guidance",
        RatingReason::Environment => "environment",
        RatingReason::Other => "other",
    }
}
