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
    group_counts(&rows)
}

fn group_counts(rows: &[AnyRow]) -> Result<Vec<GroupCount>> {
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

/// PostgreSQL, under the hall's lock: moves one waiting count and reads the hall's counts in
/// the same statement (the moved row from the upsert's `RETURNING`, the others as committed:
/// only holders of the hall's lock change them, and this statement starts holding it).
async fn move_and_count_pg(
    tx: &mut Tx,
    hall: &str,
    day: i64,
    (ticket_day, group, n): (i64, &str, i64),
) -> Result<Vec<GroupCount>> {
    let rows = sqlx::query(
        "WITH u AS (INSERT INTO queue_waiting (hall_code, day, group_code, n) \
           VALUES ($1, $3, $4, $5) ON CONFLICT (hall_code, day, group_code) \
           DO UPDATE SET n = queue_waiting.n + excluded.n RETURNING day, group_code, n) \
         SELECT g.code, g.prefix, g.name, \
           COALESCE((SELECT u.n FROM u WHERE u.day = $2 AND u.group_code = g.code), \
             (SELECT w.n FROM queue_waiting w WHERE w.hall_code = g.hall_code \
                AND w.day = $2 AND w.group_code = g.code), 0) AS n \
         FROM queue_groups g WHERE g.hall_code = $1 ORDER BY g.code",
    )
    .bind(hall)
    .bind(day)
    .bind(ticket_day)
    .bind(group)
    .bind(n)
    .fetch_all(&mut **tx)
    .await?;
    group_counts(&rows)
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

/// An event numbered and encoded under the hall's lock, not yet written.
#[derive(Debug)]
pub struct PendingEvent {
    pub id: i64,
    kind: EventKind,
    payload: String,
}

/// A verb's answer, stored with its event on PostgreSQL (one statement).
pub struct StoredAnswer<'a> {
    pub actor: &'a str,
    pub request_id: &'a str,
    pub verb: &'a str,
    pub response: &'a str,
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
    let pending = prepare_event(tx, kind_db, hall, day, kind, data, now).await?;
    let id = pending.id;
    write_event(tx, kind_db, hall, pending, now, None).await?;
    Ok(id)
}

/// The first half of [`emit`]: takes the hall's lock (the event id), moves the waiting counts
/// and encodes the event; [`write_event`] appends it.
pub async fn prepare_event(
    tx: &mut Tx,
    kind_db: DatabaseKind,
    hall: &str,
    day: i64,
    kind: EventKind,
    data: EventData<'_>,
    now: i64,
) -> Result<PendingEvent> {
    let row = sqlx::query(
        "UPDATE queue_halls SET last_event = last_event + 1 WHERE hall_code = $1 \
         RETURNING last_event",
    )
    .bind(hall)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    let counted = matches!(
        kind,
        EventKind::Issued | EventKind::Called | EventKind::Transferred
    );
    let mut counts = None;
    match data.waiting {
        [one] if counted && kind_db == DatabaseKind::Postgres => {
            counts = Some(move_and_count_pg(tx, hall, day, *one).await?);
        }
        moves => {
            for (ticket_day, group, n) in moves {
                sqlx::query(
                    "INSERT INTO queue_waiting (hall_code, day, group_code, n) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (hall_code, day, group_code) \
                     DO UPDATE SET n = queue_waiting.n + excluded.n",
                )
                .bind(hall)
                .bind(*ticket_day)
                .bind(*group)
                .bind(*n)
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    if counted && counts.is_none() {
        counts = Some(waiting_counts(&mut **tx, hall, day).await?);
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
        waiting: counts,
    };
    let payload = serde_json::to_string(&event).map_err(|e| Error::BadRequest {
        detail: format!("event: {e}"),
    })?;
    Ok(PendingEvent { id, kind, payload })
}

/// Appends a prepared event and, when given, the verb's answer (on PostgreSQL in the same
/// statement, which also notifies every instance at commit).
pub async fn write_event(
    tx: &mut Tx,
    kind_db: DatabaseKind,
    hall: &str,
    event: PendingEvent,
    now: i64,
    answer: Option<StoredAnswer<'_>>,
) -> Result<()> {
    const EVENT: &str = "INSERT INTO queue_events (hall_code, seq, kind, payload, at) \
        SELECT $1, $2, $3, $4, $5";
    let sql = match (kind_db, &answer) {
        (DatabaseKind::Postgres, Some(_)) => format!(
            "WITH e AS ({EVENT} FROM (SELECT pg_notify($6, $1)) AS n) \
             INSERT INTO queue_requests (workstation, request_id, verb, response, created_at) \
             VALUES ($7, $8, $9, $10, $5)"
        ),
        (DatabaseKind::Postgres, None) => format!("{EVENT} FROM (SELECT pg_notify($6, $1)) AS n"),
        (DatabaseKind::Sqlite, _) => format!("{EVENT} WHERE $6 <> ''"),
    };
    let mut q = sqlx::query(&sql)
        .bind(hall)
        .bind(event.id)
        .bind(event.kind.as_str())
        .bind(&event.payload)
        .bind(now)
        .bind(super::NOTIFY_CHANNEL);
    if let (DatabaseKind::Postgres, Some(a)) = (kind_db, &answer) {
        q = q
            .bind(a.actor)
            .bind(a.request_id)
            .bind(a.verb)
            .bind(a.response);
    }
    q.execute(&mut **tx).await?;
    if let (DatabaseKind::Sqlite, Some(a)) = (kind_db, answer) {
        store_answer(tx, &a, now).await?;
    }
    Ok(())
}

/// Stores a verb's answer by its request id.
pub async fn store_answer(tx: &mut Tx, a: &StoredAnswer<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO queue_requests (workstation, request_id, verb, response, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(a.actor)
    .bind(a.request_id)
    .bind(a.verb)
    .bind(a.response)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
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
