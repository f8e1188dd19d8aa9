//! The queue's tables through sqlx `Any` (one query text for SQLite and PostgreSQL): the hall
//! lock, events, tickets, snapshots.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{
    CallView, EventKind, EventTicket, GroupCount, HallEvent, HallSnapshot, Priority, Ticket,
    TicketStatus, WindowView,
};
use crate::config::DatabaseKind;
use crate::error::{Error, QueueProblem, Result};

pub type Tx = Transaction<'static, Any>;

pub const TICKET_COLUMNS: &str = "id, number, group_code, priority, status, window_no, \
    target_window, recalls, reprints, slot_start, slot_end, issued_at, called_at, \
    first_called_at, skipped_at, finished_at, clerk_id, cases, hall_code";

fn u32_of(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

pub fn ticket_from_row(r: &AnyRow) -> Result<Ticket> {
    let cases: String = r.try_get("cases")?;
    Ok(Ticket {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        group: r.try_get("group_code")?,
        priority: Priority::parse(&r.try_get::<String, _>("priority")?),
        status: TicketStatus::parse(&r.try_get::<String, _>("status")?),
        window: u32_of(r.try_get("window_no")?),
        target_window: u32_of(r.try_get("target_window")?),
        recalls: u32_of(Some(r.try_get("recalls")?)).unwrap_or(0),
        reprints: u32_of(Some(r.try_get("reprints")?)).unwrap_or(0),
        slot_start: r.try_get("slot_start")?,
        slot_end: r.try_get("slot_end")?,
        issued_at: r.try_get("issued_at")?,
        called_at: r.try_get("called_at")?,
        first_called_at: r.try_get("first_called_at")?,
        skipped_at: r.try_get("skipped_at")?,
        finished_at: r.try_get("finished_at")?,
        clerk_id: r.try_get("clerk_id")?,
        cases: serde_json::from_str(&cases).unwrap_or_default(),
    })
}

pub fn queue_err(problem: QueueProblem, detail: impl Into<String>) -> Error {
    Error::Queue {
        problem,
        detail: detail.into(),
    }
}

/// Takes the hall's lock for the rest of the transaction (creating its row the first time).
/// Must be the transaction's first statement: on SQLite a write first waits for the writer
/// lock (busy timeout) instead of failing on an upgrade.
pub async fn lock_hall(tx: &mut Tx, hall: &str) -> Result<()> {
    let done = sqlx::query("UPDATE queue_halls SET last_event = last_event WHERE hall_code = $1")
        .bind(hall)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO queue_halls (hall_code, last_event) VALUES ($1, 0) \
             ON CONFLICT (hall_code) DO NOTHING",
        )
        .bind(hall)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE queue_halls SET last_event = last_event WHERE hall_code = $1")
            .bind(hall)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Takes the desk's window row for the rest of the transaction (the row exists: the verb
/// creates it before).
pub async fn lock_window(tx: &mut Tx, hall: &str, window: u32) -> Result<()> {
    sqlx::query("UPDATE queue_windows SET paused = paused WHERE hall_code = $1 AND window_no = $2")
        .bind(hall)
        .bind(i64::from(window))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Waiting counts per item group of the hall (kept in `queue_waiting` by [`emit`]).
pub async fn waiting_counts<'e, E>(ex: E, hall: &str, day: i64) -> Result<Vec<GroupCount>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT g.code, g.prefix, g.name, \
           COALESCE((SELECT w.n FROM queue_waiting w WHERE w.hall_code = g.hall_code \
              AND w.day = $2 AND w.group_code = g.code), 0) AS n \
         FROM queue_groups g WHERE g.hall_code = $1 ORDER BY g.code",
    )
    .bind(hall)
    .bind(day)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(GroupCount {
                code: r.try_get("code")?,
                prefix: r.try_get("prefix")?,
                name: r.try_get("name")?,
                waiting: u32_of(Some(r.try_get("n")?)).unwrap_or(0),
            })
        })
        .collect()
}

/// What an event says besides its kind.
#[derive(Debug, Default)]
pub struct EventData<'a> {
    pub ticket: Option<&'a Ticket>,
    pub window: Option<u32>,
    pub reason: Option<&'a str>,
    /// How the change moves tickets into (+) or out of (-) a waiting list: (day, group, n).
    pub waiting: &'a [(i64, &'a str, i64)],
}

/// Appends an event to the hall's sequence (taking the hall's lock until the commit), moves
/// the waiting counts by `data.waiting` and, on PostgreSQL, notifies every instance at
/// commit. Returns the event id. Every change of a waiting list goes through here, so the
/// counts are serialised with the events that carry them.
pub async fn emit(
    tx: &mut Tx,
    kind_db: DatabaseKind,
    hall: &str,
    day: i64,
    kind: EventKind,
    data: EventData<'_>,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "UPDATE queue_halls SET last_event = last_event + 1 WHERE hall_code = $1 \
         RETURNING last_event",
    )
    .bind(hall)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    for (ticket_day, group, n) in data.waiting {
        sqlx::query(
            "INSERT INTO queue_waiting (hall_code, day, group_code, n) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hall_code, day, group_code) \
             DO UPDATE SET n = queue_waiting.n + excluded.n",
        )
        .bind(hall)
        .bind(*ticket_day)
        .bind(*group)
        .bind(*n)
        .execute(&mut **tx)
        .await?;
    }
    let event = HallEvent {
        id,
        kind,
        at: now,
        hall_code: hall.to_owned(),
        ticket: data.ticket.map(|t| EventTicket {
            id: t.id.clone(),
            number: t.number.clone(),
            group: t.group.clone(),
            status: t.status,
            window: t.window,
            target_window: t.target_window,
            recalls: t.recalls,
        }),
        window: data.window,
        reason: data.reason.map(str::to_owned),
        waiting: match kind {
            EventKind::Issued | EventKind::Called | EventKind::Transferred => {
                Some(waiting_counts(&mut **tx, hall, day).await?)
            }
            _ => None,
        },
    };
    let payload = serde_json::to_string(&event).map_err(|e| Error::BadRequest {
        detail: format!("event: {e}"),
    })?;
    // On PostgreSQL the notification (delivered at commit) rides on the same statement.
    let sql = match kind_db {
        DatabaseKind::Postgres => {
            "INSERT INTO queue_events (hall_code, seq, kind, payload, at) \
             SELECT $1, $2, $3, $4, $5 FROM (SELECT pg_notify($6, $1)) AS n"
        }
        DatabaseKind::Sqlite => {
            "INSERT INTO queue_events (hall_code, seq, kind, payload, at) \
             SELECT $1, $2, $3, $4, $5 WHERE $6 <> ''"
        }
    };
    sqlx::query(sql)
        .bind(hall)
        .bind(id)
        .bind(kind.as_str())
        .bind(&payload)
        .bind(now)
        .bind(super::NOTIFY_CHANNEL)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The hall's events after `after`, in order (at most `limit`).
pub async fn events_after(
    pool: &sqlx::AnyPool,
    hall: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT seq, kind, payload FROM queue_events WHERE hall_code = $1 AND seq > $2 \
         ORDER BY seq LIMIT $3",
    )
    .bind(hall)
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect()
}

/// The hall's last event id (0 before the first).
pub async fn last_event<'e, E>(ex: E, hall: &str) -> Result<i64>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT last_event FROM queue_halls WHERE hall_code = $1")
        .bind(hall)
        .fetch_optional(ex)
        .await?;
    Ok(match row {
        Some(r) => r.try_get(0)?,
        None => 0,
    })
}

/// The item groups a window serves.
pub async fn window_groups<'e, E>(ex: E, hall: &str, window: u32) -> Result<Vec<String>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query(
        "SELECT group_code FROM queue_window_groups WHERE hall_code = $1 AND window_no = $2 \
         ORDER BY group_code",
    )
    .bind(hall)
    .bind(i64::from(window))
    .fetch_all(ex)
    .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// Whether the window is paused, and why.
pub async fn window_pause<'e, E>(ex: E, hall: &str, window: u32) -> Result<(bool, Option<String>)>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(
        "SELECT paused, pause_reason FROM queue_windows WHERE hall_code = $1 AND window_no = $2",
    )
    .bind(hall)
    .bind(i64::from(window))
    .fetch_optional(ex)
    .await?;
    Ok(match row {
        Some(r) => (r.try_get::<i64, _>(0)? != 0, r.try_get(1)?),
        None => (false, None),
    })
}

fn call_view(t: &Ticket) -> Option<CallView> {
    Some(CallView {
        number: t.number.clone(),
        window: t.window?,
        called_at: t.called_at?,
        recalls: t.recalls,
    })
}

/// The hall as the call screen shows it. Read in one transaction so `last_event_id` matches.
pub async fn snapshot(pool: &sqlx::AnyPool, hall: &str, day: i64) -> Result<HallSnapshot> {
    let mut tx = pool.begin().await?;
    let last_event_id = last_event(&mut *tx, hall).await?;
    let rows = sqlx::query(
        "SELECT window_no, paused, pause_reason FROM queue_windows WHERE hall_code = $1 \
         ORDER BY window_no",
    )
    .bind(hall)
    .fetch_all(&mut *tx)
    .await?;
    let current = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE hall_code = $1 AND day = $2 \
         AND status = 'called'"
    ))
    .bind(hall)
    .bind(day)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(ticket_from_row)
    .collect::<Result<Vec<_>>>()?;
    let mut windows = Vec::with_capacity(rows.len());
    for r in &rows {
        let window = u32_of(Some(r.try_get(0)?)).unwrap_or(0);
        windows.push(WindowView {
            window,
            groups: window_groups(&mut *tx, hall, window).await?,
            paused: r.try_get::<i64, _>(1)? != 0,
            pause_reason: r.try_get(2)?,
            current: current
                .iter()
                .find(|t| t.window == Some(window))
                .and_then(call_view),
        });
    }
    let recent = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE hall_code = $1 AND day = $2 \
         AND called_at IS NOT NULL ORDER BY called_at DESC, id DESC LIMIT 10"
    ))
    .bind(hall)
    .bind(day)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(ticket_from_row)
    .collect::<Result<Vec<_>>>()?
    .iter()
    .filter_map(call_view)
    .collect();
    let groups = waiting_counts(&mut *tx, hall, day).await?;
    tx.commit().await?;
    Ok(HallSnapshot {
        hall_code: hall.to_owned(),
        last_event_id,
        windows,
        groups,
        recent,
    })
}

/// The condition and order of the tickets `window` may call (`$1` hall, `$2` day,
/// `$3` window, `$4` now): those transferred to it first, then green channel, appointments
/// within their slot, then issue order.
pub const CALLABLE_WHERE: &str = "hall_code = $1 AND day = $2 AND status = 'waiting' \
    AND (target_window = $3 OR (target_window IS NULL AND group_code IN \
        (SELECT group_code FROM queue_window_groups WHERE hall_code = $1 AND window_no = $3)))";
pub const CALLABLE_ORDER: &str = "ORDER BY CASE WHEN target_window = $3 THEN 0 ELSE 1 END, \
      CASE WHEN priority = 'green' THEN 0 \
           WHEN priority = 'appointment' AND slot_start <= $4 AND slot_end >= $4 THEN 1 \
           ELSE 2 END, issued_at, id";

/// The next ticket `window` may call, its row locked for this transaction; on PostgreSQL rows
/// other desks are taking are skipped (`FOR UPDATE SKIP LOCKED`).
pub async fn next_callable(
    tx: &mut Tx,
    kind: DatabaseKind,
    hall: &str,
    day: i64,
    window: u32,
    now: i64,
) -> Result<Option<Ticket>> {
    let lock = match kind {
        DatabaseKind::Postgres => " FOR UPDATE SKIP LOCKED",
        DatabaseKind::Sqlite => "",
    };
    sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE {CALLABLE_WHERE} {CALLABLE_ORDER} LIMIT 1{lock}"
    ))
    .bind(hall)
    .bind(day)
    .bind(i64::from(window))
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .as_ref()
    .map(ticket_from_row)
    .transpose()
}

/// PostgreSQL: chooses the next ticket `window` may call and marks it called, in one
/// statement (`$1` hall, `$2` day, `$3` window, `$4` now, `$5` clerk, `$6` workstation).
/// Each kind of candidate (transferred to the window, green channel, appointment within its
/// slot, the rest in issue order) is read from its partial index, first row only, skipping
/// rows other desks are taking (`FOR UPDATE SKIP LOCKED`); the first kind that has one
/// wins, which is [`CALLABLE_ORDER`]. The status guard keeps a ticket from being called twice.
const PG_CALL_NEXT: &str = "WITH g AS (SELECT group_code FROM queue_window_groups \
     WHERE hall_code = $1 AND window_no = $3) \
     , t AS (SELECT id FROM queue_tickets WHERE hall_code = $1 AND day = $2 AND \
     status = 'waiting' AND target_window = $3 ORDER BY CASE WHEN priority = \
     'green' THEN 0 WHEN priority = 'appointment' AND slot_start <= $4 AND slot_end \
     >= $4 THEN 1 ELSE 2 END, issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     , gr AS (SELECT id FROM queue_tickets WHERE hall_code = $1 AND day = $2 AND \
     status = 'waiting' AND target_window IS NULL AND priority = 'green' AND \
     group_code IN (SELECT group_code FROM g) ORDER BY issued_at, id LIMIT 1 FOR \
     UPDATE SKIP LOCKED) \
     , ap AS (SELECT id FROM queue_tickets WHERE hall_code = $1 AND day = $2 AND \
     status = 'waiting' AND target_window IS NULL AND priority = 'appointment' AND \
     slot_start <= $4 AND slot_end >= $4 AND group_code IN (SELECT group_code FROM \
     g) ORDER BY issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     , n AS (SELECT id FROM queue_tickets WHERE hall_code = $1 AND day = $2 AND \
     status = 'waiting' AND target_window IS NULL AND group_code IN (SELECT \
     group_code FROM g) ORDER BY issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     , pick AS (SELECT id FROM (SELECT id, 0 AS k FROM t UNION ALL SELECT id, 1 \
     FROM gr UNION ALL SELECT id, 2 FROM ap UNION ALL SELECT id, 3 FROM n) AS c \
     ORDER BY k LIMIT 1) \
     UPDATE queue_tickets SET status = 'called', window_no = $3, target_window = \
     NULL, called_at = $4, first_called_at = COALESCE(first_called_at, $4), recalls \
     = 0, skipped_at = NULL, clerk_id = $5, workstation = $6 \
     WHERE id = (SELECT id FROM pick) AND status = 'waiting' RETURNING ";

/// PostgreSQL: the next ticket `window` may call, marked called by it (see [`PG_CALL_NEXT`]);
/// `None` when there is none (or every candidate is being taken by another desk).
#[allow(clippy::too_many_arguments)]
pub async fn call_next_pg(
    tx: &mut Tx,
    hall: &str,
    day: i64,
    window: u32,
    now: i64,
    clerk: Option<&str>,
    workstation: &str,
) -> Result<Option<Ticket>> {
    sqlx::query(&format!("{PG_CALL_NEXT}{TICKET_COLUMNS}"))
        .bind(hall)
        .bind(day)
        .bind(i64::from(window))
        .bind(now)
        .bind(clerk)
        .bind(workstation)
        .fetch_optional(&mut **tx)
        .await?
        .as_ref()
        .map(ticket_from_row)
        .transpose()
}

/// Whether `window` has anything to call (one index probe, no count).
pub async fn has_callable<'e, E>(ex: E, hall: &str, day: i64, window: u32) -> Result<bool>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    // Two probes of the partial indexes (an `OR` of both would scan the hall's tickets).
    let row = sqlx::query(
        "SELECT 1 FROM queue_tickets WHERE hall_code = $1 AND day = $2 \
           AND status = 'waiting' AND target_window = $3 \
         UNION ALL SELECT 1 FROM queue_window_groups g \
           WHERE g.hall_code = $1 AND g.window_no = $3 AND EXISTS (SELECT 1 FROM queue_tickets t \
             WHERE t.hall_code = $1 AND t.day = $2 AND t.status = 'waiting' \
               AND t.target_window IS NULL AND t.group_code = g.group_code) \
         LIMIT 1",
    )
    .bind(hall)
    .bind(day)
    .bind(i64::from(window))
    .fetch_optional(ex)
    .await?;
    Ok(row.is_some())
}

/// The tickets `window` may call, in calling order.
pub async fn callable<'e, E>(
    ex: E,
    hall: &str,
    day: i64,
    window: u32,
    now: i64,
    limit: i64,
) -> Result<Vec<Ticket>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE {CALLABLE_WHERE} {CALLABLE_ORDER} LIMIT $5"
    ))
    .bind(hall)
    .bind(day)
    .bind(i64::from(window))
    .bind(now)
    .bind(limit)
    .fetch_all(ex)
    .await?
    .iter()
    .map(ticket_from_row)
    .collect()
}

/// How many tickets `window` may call.
pub async fn callable_count<'e, E>(ex: E, hall: &str, day: i64, window: u32) -> Result<u32>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) FROM queue_tickets WHERE {CALLABLE_WHERE}"
    ))
    .bind(hall)
    .bind(day)
    .bind(i64::from(window))
    .fetch_one(ex)
    .await?;
    Ok(u32_of(Some(row.try_get(0)?)).unwrap_or(0))
}

/// The ticket the window serves now, if any.
pub async fn current<'e, E>(ex: E, hall: &str, window: u32) -> Result<Option<Ticket>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE hall_code = $1 AND window_no = $2 \
         AND status = 'called' ORDER BY called_at DESC LIMIT 1"
    ))
    .bind(hall)
    .bind(i64::from(window))
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(ticket_from_row)
    .transpose()
}

/// A ticket by id, or by today's number in `hall`; `Err(TicketElsewhere)` for an id of
/// another hall.
pub async fn find_ticket<'e, E>(ex: E, hall: &str, day: i64, key: &str) -> Result<Ticket>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let key = key.trim();
    let row = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE id = $1 \
         OR (hall_code = $2 AND day = $3 AND number = $4) LIMIT 1"
    ))
    .bind(key)
    .bind(hall)
    .bind(day)
    .bind(key.to_ascii_uppercase())
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else {
        return Err(queue_err(
            QueueProblem::TicketUnknown,
            format!("no ticket {key} today in hall {hall}"),
        ));
    };
    if row.try_get::<String, _>("hall_code")? != hall {
        return Err(queue_err(
            QueueProblem::TicketElsewhere,
            format!("ticket {key} belongs to another hall"),
        ));
    }
    ticket_from_row(&row)
}

/// A ticket by id (inside the transaction, after a change).
pub async fn ticket(tx: &mut Tx, id: &str) -> Result<Ticket> {
    let row = sqlx::query(&format!(
        "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    ticket_from_row(&row)
}
