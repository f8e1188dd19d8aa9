//! The desk verbs and ticket issuing: each one transaction under the hall's lock, idempotent
//! by the client's request id.

use sqlx::Row;

use super::store::{
    self, emit, lock_hall, lock_window, queue_err, EventData, PendingEvent, StoredAnswer, Tx,
};
use super::{
    hall_day, DeskState, EventKind, IssueRequest, Outcome, Priority, Ticket, TicketStatus, Verb,
    VerbRequest, VerbResult,
};
use crate::error::{Error, QueueProblem, Result};
use crate::AppState;

/// Who acts: a window of a hall, through its workstation, with a clerk (none for devices).
#[derive(Debug, Clone)]
pub struct Desk {
    pub hall: String,
    pub window: u32,
    /// The idempotency scope: the workstation id, or `device:<id>`.
    pub actor: String,
    pub clerk_id: Option<String>,
}

fn bad(detail: impl Into<String>) -> Error {
    Error::BadRequest {
        detail: detail.into(),
    }
}

fn check_request_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("request_id: 1..=64 printable ASCII characters"));
    }
    Ok(())
}

fn check_cases(cases: &[String]) -> Result<()> {
    if cases.len() > 50 || cases.iter().any(|c| c.trim().is_empty() || c.len() > 64) {
        return Err(bad("cases: at most 50 case numbers of 1..=64 bytes"));
    }
    Ok(())
}

/// Runs `f` in one transaction; commits and wakes the event streams.
///
/// Locks, always in this order (so transactions never wait on each other in a cycle): the
/// desk's window row first when `window` is given (a desk's verbs run one at a time), then the
/// ticket rows a verb changes (guarded by their status, and on PostgreSQL chosen with
/// `SKIP LOCKED`), and last, in [`emit`], the hall's row: the event sequence, held only from
/// there to the commit. On SQLite (one instance) an in-process lock serialises the writers.
async fn locked<T, F>(state: &AppState, hall: &str, window: Option<u32>, f: F) -> Result<T>
where
    F: for<'t> FnOnce(&'t mut Tx) -> futures_util::future::BoxFuture<'t, Result<T>>,
{
    state.queue.ensure_hall(&state.db.pool, hall).await?;
    let _writer = match state.db.kind {
        crate::config::DatabaseKind::Sqlite => Some(state.queue.sqlite_writer().lock().await),
        crate::config::DatabaseKind::Postgres => None,
    };
    let mut tx = state.db.pool.begin().await?;
    match window {
        Some(w) => lock_window(&mut tx, hall, w).await?,
        // SQLite: a write first, so the transaction waits for the writer lock (busy timeout)
        // rather than failing on an upgrade. PostgreSQL: nothing to take before `emit`.
        None if state.db.kind == crate::config::DatabaseKind::Sqlite => {
            lock_hall(&mut tx, hall).await?
        }
        None => {}
    }
    let out = f(&mut tx).await?;
    tx.commit().await?;
    state.queue.wake(hall);
    Ok(out)
}

async fn stored<'e, E>(ex: E, actor: &str, request_id: &str, verb: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query(
        "SELECT verb, response FROM queue_requests WHERE workstation = $1 AND request_id = $2",
    )
    .bind(actor)
    .bind(request_id)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let held: String = row.try_get(0)?;
    if held != verb {
        return Err(queue_err(
            QueueProblem::RequestReused,
            format!("request id {request_id} was a {held}"),
        ));
    }
    Ok(Some(row.try_get(1)?))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| bad(format!("encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| bad(format!("stored answer: {e}")))
}

/// Issues a ticket of `req.group` (kiosk, reception PC).
pub async fn issue(state: &AppState, desk: &Desk, req: IssueRequest) -> Result<Ticket> {
    if let Some(id) = &req.request_id {
        check_request_id(id)?;
    }
    if req.priority == Priority::Appointment
        && !matches!((req.slot_start, req.slot_end), (Some(a), Some(b)) if a <= b)
    {
        return Err(bad("appointment: slot_start <= slot_end required"));
    }
    let now = state.auth.now_ms();
    let day = hall_day(now);
    let kind = state.db.kind;
    let desk = desk.clone();
    let hall = desk.hall.clone();
    locked(state, &hall, None, move |tx| {
        Box::pin(async move {
            if let Some(rid) = &req.request_id {
                if let Some(held) = stored(&mut **tx, &desk.actor, rid, "issue").await? {
                    return from_json(&held);
                }
            }
            let row = sqlx::query(
                "SELECT prefix FROM queue_groups WHERE hall_code = $1 AND code = $2",
            )
            .bind(&desk.hall)
            .bind(req.group.trim())
            .fetch_optional(&mut **tx)
            .await?;
            let Some(row) = row else {
                return Err(queue_err(
                    QueueProblem::NotConfigured,
                    format!("no item group {} in hall {}", req.group, desk.hall),
                ));
            };
            let prefix: String = row.try_get(0)?;
            let row = sqlx::query(
                "INSERT INTO queue_counters (hall_code, day, prefix, last_no) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (hall_code, day, prefix) DO UPDATE SET last_no = queue_counters.last_no + 1 \
                 RETURNING last_no",
            )
            .bind(&desk.hall)
            .bind(day)
            .bind(&prefix)
            .fetch_one(&mut **tx)
            .await?;
            let seq: i64 = row.try_get(0)?;
            let id = uuid::Uuid::now_v7().to_string();
            let (slot_start, slot_end) = match req.priority {
                Priority::Appointment => (req.slot_start, req.slot_end),
                _ => (None, None),
            };
            sqlx::query(
                "INSERT INTO queue_tickets (id, hall_code, day, number, seq, group_code, priority, \
                   slot_start, slot_end, status, issued_at, cases) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $10, '[]')",
            )
            .bind(&id)
            .bind(&desk.hall)
            .bind(day)
            .bind(format!("{prefix}{seq:03}"))
            .bind(seq)
            .bind(req.group.trim())
            .bind(req.priority.as_str())
            .bind(slot_start)
            .bind(slot_end)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            let t = store::ticket(tx, &id).await?;
            let moves = [(day, t.group.as_str(), 1)];
            emit(tx, kind, &desk.hall, day, EventKind::Issued, EventData { ticket: Some(&t), waiting: &moves, ..Default::default() }, now).await?;
            if let Some(rid) = &req.request_id {
                let response = to_json(&t)?;
                let answer = StoredAnswer { actor: &desk.actor, request_id: rid, verb: "issue", response: &response };
                store::store_answer(tx, &answer, now).await?;
            }
            Ok(t)
        })
    })
    .await
}

/// Runs a desk verb.
pub async fn run(
    state: &AppState,
    desk: &Desk,
    verb: Verb,
    req: VerbRequest,
) -> Result<VerbResult> {
    check_request_id(&req.request_id)?;
    check_cases(&req.cases)?;
    let now = state.auth.now_ms();
    let config = state.queue.config;
    let kind = state.db.kind;
    let pool = &state.db.pool;
    // Outside the hall's lock: an answer already stored is final; the window's row; a call
    // with nothing to call (a desk polling an empty queue must not queue on the lock).
    if let Some(held) = stored(pool, &desk.actor, &req.request_id, verb.as_str()).await? {
        let mut r: VerbResult = from_json(&held)?;
        r.replayed = true;
        return Ok(r);
    }
    state
        .queue
        .ensure_window(pool, &desk.hall, desk.window)
        .await?;
    if verb == Verb::CallNext
        && !store::has_callable(pool, &desk.hall, hall_day(now), desk.window).await?
    {
        let groups = store::window_groups(pool, &desk.hall, desk.window).await?;
        let problem = if groups.is_empty() {
            QueueProblem::NotConfigured
        } else {
            QueueProblem::Empty
        };
        return Err(queue_err(
            problem,
            format!("nothing to call for window {}", desk.window),
        ));
    }
    let desk = desk.clone();
    let hall = desk.hall.clone();
    let window = desk.window;
    locked(state, &hall, Some(window), move |tx| {
        Box::pin(async move {
            if let Some(held) =
                stored(&mut **tx, &desk.actor, &req.request_id, verb.as_str()).await?
            {
                let mut r: VerbResult = from_json(&held)?;
                r.replayed = true;
                return Ok(r);
            }
            let ctx = Ctx {
                desk: &desk,
                day: hall_day(now),
                now,
                kind,
                pending: std::sync::Mutex::new(None),
            };
            let (outcome, ticket, event_id) = match verb {
                Verb::CallNext => ctx.call_next(tx).await?,
                Verb::Call => {
                    ctx.call_given(tx, req.ticket.as_deref(), config.return_ms)
                        .await?
                }
                Verb::Recall => ctx.recall(tx, config.recall_limit).await?,
                Verb::Transfer => ctx.transfer(tx, &req).await?,
                Verb::Pause => ctx.pause(tx, req.reason.as_deref()).await?,
                Verb::Resume => ctx.resume(tx).await?,
                Verb::Attach => ctx.attach(tx, &req.cases, false).await?,
                Verb::Finish => ctx.attach(tx, &req.cases, true).await?,
                Verb::Reprint => ctx.reprint(tx, req.ticket.as_deref()).await?,
            };
            let result = VerbResult {
                verb,
                outcome,
                window: desk.window,
                ticket,
                event_id,
                replayed: false,
            };
            let response = to_json(&result)?;
            let answer = StoredAnswer {
                actor: &desk.actor,
                request_id: &req.request_id,
                verb: verb.as_str(),
                response: &response,
            };
            // The event and the answer: on PostgreSQL one statement under the hall's lock.
            match ctx.take_pending() {
                Some(event) => {
                    store::write_event(tx, kind, &desk.hall, event, now, Some(answer)).await?
                }
                None => store::store_answer(tx, &answer, now).await?,
            }
            Ok(result)
        })
    })
    .await
}

type Step = (Outcome, Option<Ticket>, Option<i64>);

struct Ctx<'a> {
    desk: &'a Desk,
    day: i64,
    now: i64,
    kind: crate::config::DatabaseKind,
    /// The verb's event, numbered under the hall's lock, written with the verb's answer.
    pending: std::sync::Mutex<Option<PendingEvent>>,
}

impl Ctx<'_> {
    async fn event(
        &self,
        tx: &mut Tx,
        kind: EventKind,
        t: Option<&Ticket>,
        reason: Option<&str>,
    ) -> Result<i64> {
        self.event_moving(tx, kind, t, reason, &[]).await
    }

    /// An event of a change that moves tickets into or out of waiting lists.
    async fn event_moving(
        &self,
        tx: &mut Tx,
        kind: EventKind,
        t: Option<&Ticket>,
        reason: Option<&str>,
        waiting: &[(i64, &str, i64)],
    ) -> Result<i64> {
        let data = EventData {
            ticket: t,
            window: Some(self.desk.window),
            reason,
            waiting,
        };
        let hall = &self.desk.hall;
        let event =
            store::prepare_event(tx, self.kind, hall, self.day, kind, data, self.now).await?;
        let id = event.id;
        // A verb emits one event; should one ever emit a second, the first is written now.
        if let Some(earlier) = self.take_pending() {
            store::write_event(tx, self.kind, hall, earlier, self.now, None).await?;
        }
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(event);
        Ok(id)
    }

    fn take_pending(&self) -> Option<PendingEvent> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    async fn current(&self, tx: &mut Tx) -> Result<Option<Ticket>> {
        store::current(&mut **tx, &self.desk.hall, self.desk.window).await
    }

    async fn need_current(&self, tx: &mut Tx) -> Result<Ticket> {
        self.current(tx).await?.ok_or_else(|| {
            queue_err(
                QueueProblem::DeskIdle,
                format!("window {} serves no ticket", self.desk.window),
            )
        })
    }

    async fn ready_to_call(&self, tx: &mut Tx) -> Result<()> {
        let (paused, _) = store::window_pause(&mut **tx, &self.desk.hall, self.desk.window).await?;
        if paused {
            return Err(queue_err(
                QueueProblem::WindowPaused,
                format!("window {} is paused", self.desk.window),
            ));
        }
        if let Some(t) = self.current(tx).await? {
            return Err(queue_err(
                QueueProblem::DeskBusy,
                format!("window {} still serves {}", self.desk.window, t.number),
            ));
        }
        Ok(())
    }

    async fn mark_called(&self, tx: &mut Tx, id: &str, from: &str) -> Result<Ticket> {
        let row = sqlx::query(&format!(
            "UPDATE queue_tickets SET status = 'called', window_no = $1, target_window = NULL, \
               called_at = $2, first_called_at = COALESCE(first_called_at, $2), recalls = 0, \
               skipped_at = NULL, clerk_id = $3, workstation = $4 \
             WHERE id = $5 AND status = $6 RETURNING {}",
            store::TICKET_COLUMNS
        ))
        .bind(i64::from(self.desk.window))
        .bind(self.now)
        .bind(&self.desk.clerk_id)
        .bind(&self.desk.actor)
        .bind(id)
        .bind(from)
        .fetch_optional(&mut **tx)
        .await?;
        match row {
            Some(row) => store::ticket_from_row(&row),
            None => Err(queue_err(
                QueueProblem::TicketBusy,
                format!("ticket {id} changed meanwhile"),
            )),
        }
    }

    async fn call_next(&self, tx: &mut Tx) -> Result<Step> {
        self.ready_to_call(tx).await?;
        if self.kind == crate::config::DatabaseKind::Postgres {
            let called = store::call_next_pg(
                tx,
                &self.desk.hall,
                self.day,
                self.desk.window,
                self.now,
                self.desk.clerk_id.as_deref(),
                &self.desk.actor,
            )
            .await?;
            if let Some(t) = called {
                let id = self.called_from_waiting(tx, &t).await?;
                return Ok((Outcome::Called, Some(t), Some(id)));
            }
            return Err(self.nothing_to_call(tx).await);
        }
        // A ticket another desk took between the choice and the update: choose again.
        for _ in 0..5 {
            let next = store::next_callable(
                tx,
                self.kind,
                &self.desk.hall,
                self.day,
                self.desk.window,
                self.now,
            )
            .await?;
            let Some(next) = next else { break };
            match self.mark_called(tx, &next.id, "waiting").await {
                Ok(t) => {
                    let id = self.called_from_waiting(tx, &t).await?;
                    return Ok((Outcome::Called, Some(t), Some(id)));
                }
                Err(Error::Queue {
                    problem: QueueProblem::TicketBusy,
                    ..
                }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(self.nothing_to_call(tx).await)
    }

    /// The `called` event of a ticket taken from its waiting list.
    async fn called_from_waiting(&self, tx: &mut Tx, t: &Ticket) -> Result<i64> {
        let moves = [(hall_day(t.issued_at), t.group.as_str(), -1)];
        self.event_moving(tx, EventKind::Called, Some(t), None, &moves)
            .await
    }

    /// The error of a call with nothing to call: no item group served, or none waiting.
    async fn nothing_to_call(&self, tx: &mut Tx) -> Error {
        let groups = match store::window_groups(&mut **tx, &self.desk.hall, self.desk.window).await
        {
            Ok(g) => g,
            Err(e) => return e,
        };
        let problem = if groups.is_empty() {
            QueueProblem::NotConfigured
        } else {
            QueueProblem::Empty
        };
        queue_err(
            problem,
            format!("nothing to call for window {}", self.desk.window),
        )
    }

    async fn call_given(&self, tx: &mut Tx, key: Option<&str>, return_ms: i64) -> Result<Step> {
        let key = key.ok_or_else(|| bad("call: ticket required"))?;
        let t = store::find_ticket(&mut **tx, &self.desk.hall, self.day, key).await?;
        match t.status {
            TicketStatus::Called => {
                return Err(queue_err(
                    QueueProblem::TicketBusy,
                    format!("{} is being served at window {:?}", t.number, t.window),
                ))
            }
            TicketStatus::Finished => {
                return Err(queue_err(
                    QueueProblem::TicketDone,
                    format!("{} is finished", t.number),
                ))
            }
            TicketStatus::Skipped if t.skipped_at.is_some_and(|at| at + return_ms < self.now) => {
                return Err(queue_err(
                    QueueProblem::TicketDone,
                    format!("{} was skipped more than {return_ms} ms ago", t.number),
                ))
            }
            TicketStatus::Skipped | TicketStatus::Waiting => {}
        }
        let groups = store::window_groups(&mut **tx, &self.desk.hall, self.desk.window).await?;
        let mine = t.target_window == Some(self.desk.window)
            || (t.target_window.is_none() && groups.contains(&t.group))
            || (t.status == TicketStatus::Skipped && t.window == Some(self.desk.window));
        if !mine {
            return Err(queue_err(
                QueueProblem::TicketElsewhere,
                format!(
                    "{} (group {}) is not served by window {}",
                    t.number, t.group, self.desk.window
                ),
            ));
        }
        self.ready_to_call(tx).await?;
        let was_waiting = t.status == TicketStatus::Waiting;
        let t = self.mark_called(tx, &t.id, t.status.as_str()).await?;
        let id = if was_waiting {
            self.called_from_waiting(tx, &t).await?
        } else {
            self.event(tx, EventKind::Called, Some(&t), None).await?
        };
        Ok((Outcome::Called, Some(t), Some(id)))
    }

    async fn recall(&self, tx: &mut Tx, limit: u32) -> Result<Step> {
        let t = self.need_current(tx).await?;
        if t.recalls >= limit {
            sqlx::query(
                "UPDATE queue_tickets SET status = 'skipped', skipped_at = $1 WHERE id = $2",
            )
            .bind(self.now)
            .bind(&t.id)
            .execute(&mut **tx)
            .await?;
            let t = store::ticket(tx, &t.id).await?;
            let id = self.event(tx, EventKind::Skipped, Some(&t), None).await?;
            return Ok((Outcome::Skipped, Some(t), Some(id)));
        }
        sqlx::query("UPDATE queue_tickets SET recalls = recalls + 1, called_at = $1 WHERE id = $2")
            .bind(self.now)
            .bind(&t.id)
            .execute(&mut **tx)
            .await?;
        let t = store::ticket(tx, &t.id).await?;
        let id = self.event(tx, EventKind::Recalled, Some(&t), None).await?;
        Ok((Outcome::Recalled, Some(t), Some(id)))
    }

    async fn transfer(&self, tx: &mut Tx, req: &VerbRequest) -> Result<Step> {
        let t = match &req.ticket {
            Some(key) => {
                let t = store::find_ticket(&mut **tx, &self.desk.hall, self.day, key).await?;
                match t.status {
                    TicketStatus::Waiting => t,
                    TicketStatus::Called if t.window == Some(self.desk.window) => t,
                    TicketStatus::Called => {
                        return Err(queue_err(
                            QueueProblem::TicketBusy,
                            format!("{} is served elsewhere", t.number),
                        ))
                    }
                    _ => {
                        return Err(queue_err(
                            QueueProblem::TicketDone,
                            format!("{} is {}", t.number, t.status.as_str()),
                        ))
                    }
                }
            }
            None => self.need_current(tx).await?,
        };
        let (group, target) = match (&req.to_window, &req.to_group) {
            (Some(w), None) => {
                let known = sqlx::query(
                    "SELECT 1 FROM queue_windows WHERE hall_code = $1 AND window_no = $2",
                )
                .bind(&self.desk.hall)
                .bind(i64::from(*w))
                .fetch_optional(&mut **tx)
                .await?;
                if known.is_none() || *w == self.desk.window {
                    return Err(queue_err(
                        QueueProblem::NotConfigured,
                        format!("no other window {w} in the hall"),
                    ));
                }
                (t.group.clone(), Some(i64::from(*w)))
            }
            (None, Some(g)) => {
                let known =
                    sqlx::query("SELECT 1 FROM queue_groups WHERE hall_code = $1 AND code = $2")
                        .bind(&self.desk.hall)
                        .bind(g.trim())
                        .fetch_optional(&mut **tx)
                        .await?;
                if known.is_none() {
                    return Err(queue_err(
                        QueueProblem::NotConfigured,
                        format!("no item group {g}"),
                    ));
                }
                (g.trim().to_owned(), None)
            }
            _ => return Err(bad("transfer: exactly one of to_window, to_group")),
        };
        sqlx::query(
            "UPDATE queue_tickets SET status = 'waiting', window_no = NULL, target_window = $1, \
               group_code = $2, recalls = 0 WHERE id = $3 AND status = $4",
        )
        .bind(target)
        .bind(&group)
        .bind(&t.id)
        .bind(t.status.as_str())
        .execute(&mut **tx)
        .await?
        .rows_affected()
        .eq(&1)
        .then_some(())
        .ok_or_else(|| {
            queue_err(
                QueueProblem::TicketBusy,
                format!("{} changed meanwhile", t.number),
            )
        })?;
        let day = hall_day(t.issued_at);
        let mut moves = vec![(day, group.as_str(), 1)];
        if t.status == TicketStatus::Waiting {
            moves.push((day, t.group.as_str(), -1));
        }
        let after = store::ticket(tx, &t.id).await?;
        let id = self
            .event_moving(tx, EventKind::Transferred, Some(&after), None, &moves)
            .await?;
        let t = after;
        Ok((Outcome::Transferred, Some(t), Some(id)))
    }

    async fn pause(&self, tx: &mut Tx, reason: Option<&str>) -> Result<Step> {
        let reason = reason.map(str::trim).unwrap_or_default();
        if reason.is_empty() || reason.chars().count() > 60 {
            return Err(bad("pause: reason of 1..=60 characters required"));
        }
        self.set_pause(tx, true, Some(reason)).await?;
        let id = self
            .event(tx, EventKind::Paused, None, Some(reason))
            .await?;
        Ok((Outcome::Paused, None, Some(id)))
    }

    async fn resume(&self, tx: &mut Tx) -> Result<Step> {
        self.set_pause(tx, false, None).await?;
        let id = self.event(tx, EventKind::Resumed, None, None).await?;
        Ok((Outcome::Resumed, None, Some(id)))
    }

    async fn set_pause(&self, tx: &mut Tx, paused: bool, reason: Option<&str>) -> Result<()> {
        sqlx::query(
            "UPDATE queue_windows SET paused = $1, pause_reason = $2, paused_at = $3 \
             WHERE hall_code = $4 AND window_no = $5",
        )
        .bind(i64::from(paused))
        .bind(reason)
        .bind(paused.then_some(self.now))
        .bind(&self.desk.hall)
        .bind(i64::from(self.desk.window))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn attach(&self, tx: &mut Tx, cases: &[String], finish: bool) -> Result<Step> {
        let t = self.need_current(tx).await?;
        let mut all = t.cases.clone();
        for c in cases {
            let c = c.trim().to_owned();
            if !all.contains(&c) {
                all.push(c);
            }
        }
        let cases = to_json(&all)?;
        let row = sqlx::query(&format!(
            "UPDATE queue_tickets SET cases = $1, status = $2, finished_at = $3 WHERE id = $4 \
             RETURNING {}",
            store::TICKET_COLUMNS
        ))
        .bind(&cases)
        .bind(if finish { "finished" } else { "called" })
        .bind(finish.then_some(self.now))
        .bind(&t.id)
        .fetch_one(&mut **tx)
        .await?;
        let t = store::ticket_from_row(&row)?;
        if finish {
            let id = self.event(tx, EventKind::Finished, Some(&t), None).await?;
            return Ok((Outcome::Finished, Some(t), Some(id)));
        }
        Ok((Outcome::Attached, Some(t), None))
    }

    async fn reprint(&self, tx: &mut Tx, key: Option<&str>) -> Result<Step> {
        let key = key.ok_or_else(|| bad("reprint: ticket required"))?;
        let t = store::find_ticket(&mut **tx, &self.desk.hall, self.day, key).await?;
        sqlx::query("UPDATE queue_tickets SET reprints = reprints + 1 WHERE id = $1")
            .bind(&t.id)
            .execute(&mut **tx)
            .await?;
        Ok((
            Outcome::Reprinted,
            Some(store::ticket(tx, &t.id).await?),
            None,
        ))
    }
}

/// The desk's state.
pub async fn desk_state(state: &AppState, hall: &str, window: u32) -> Result<DeskState> {
    let now = state.auth.now_ms();
    let day = hall_day(now);
    let pool = &state.db.pool;
    let last_event_id = store::last_event(pool, hall).await?;
    let served = store::window_groups(pool, hall, window).await?;
    let groups = store::waiting_counts(pool, hall, day)
        .await?
        .into_iter()
        .filter(|g| served.contains(&g.code))
        .collect();
    let (paused, pause_reason) = store::window_pause(pool, hall, window).await?;
    let current = store::current(pool, hall, window).await?;
    let waiting = store::callable(pool, hall, day, window, now, 50).await?;
    let waiting_count = store::callable_count(pool, hall, day, window).await?;
    let called = sqlx::query(&format!(
        "SELECT {} FROM queue_tickets WHERE hall_code = $1 AND day = $2 AND window_no = $3 \
         AND called_at IS NOT NULL ORDER BY called_at DESC LIMIT 20",
        store::TICKET_COLUMNS
    ))
    .bind(hall)
    .bind(day)
    .bind(i64::from(window))
    .fetch_all(pool)
    .await?
    .iter()
    .map(store::ticket_from_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(DeskState {
        hall_code: hall.to_owned(),
        window,
        groups,
        paused,
        pause_reason,
        current,
        waiting_count,
        waiting,
        called,
        last_event_id,
        recall_limit: state.queue.config.recall_limit,
    })
}
