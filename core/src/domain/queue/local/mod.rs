//! A field office's queue kept on the workstation (`queue.mode = "local"`, issue 17 item 6):
//! the same [`QueueApi`] as the hall's server, over the workstation's own SQLite store, so a
//! one-window office with no server at all issues, calls, recalls, skips, pauses and finishes
//! tickets, and its visits sync later like a hall's. Every verb is one transaction with its
//! audit entry and the ticket's outbox row (`queue_ticket`, no citizen data); a verb sent
//! again with the same request id answers what it did the first time.
//!
//! Rules as on the server: the green channel first, then issue order; a desk serving a ticket
//! cannot call another; past the recall limit a ticket is skipped and may be called again
//! (特呼) within the return period. A transfer goes to another item group (there is no other
//! window here).

use std::sync::Mutex;

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::json;

use super::{DeskState, GroupCount, QueueApi, QueueError, Ticket, Verb, VerbRequest, VerbResult};
use crate::domain::audit::{self, AuditEntry};
use crate::infra::config::LocalGroup;
use crate::infra::store::Store;
use crate::infra::sync::outbox;

/// China Standard Time offset: the queue's day starts at local midnight.
const CST_MS: i64 = 8 * 3_600_000;

/// Why the local queue refused a verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalProblem {
    /// No such ticket today.
    TicketUnknown,
    /// The ticket is finished, or skipped longer ago than the return period.
    TicketDone,
    /// Nobody is waiting.
    Empty,
    /// The desk still serves a ticket.
    DeskBusy,
    /// The verb needs a ticket being served.
    DeskIdle,
    /// The window is paused.
    WindowPaused,
    /// Not one of the office's item groups.
    GroupUnknown,
    /// A transfer to another window: this office's queue has only this one.
    TransferNeedsGroup,
    /// A pause without its reason (1–60 characters).
    ReasonRequired,
    /// The store failed; nothing was changed.
    Store,
}

pub fn today(now_ms: i64) -> i64 {
    (now_ms + CST_MS).div_euclid(86_400_000)
}

/// The local queue of `window`, used for one call (it borrows the workstation's store).
pub struct LocalQueue<'a> {
    pub store: &'a Mutex<Store>,
    pub now: i64,
    pub window: u32,
    pub clerk_id: &'a str,
    pub groups: &'a [LocalGroup],
    pub recall_limit: u32,
    pub return_minutes: u32,
}

fn refused(p: LocalProblem, detail: impl Into<String>) -> QueueError {
    QueueError::Local {
        problem: p,
        detail: detail.into(),
    }
}

fn sql(e: rusqlite::Error) -> QueueError {
    refused(LocalProblem::Store, e.to_string())
}

const COLUMNS: &str = "id, number, group_code, priority, status, window, recalls, issued_at, \
                       called_at, cases, skipped_at";

fn ticket_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Ticket, Option<i64>)> {
    let cases: String = r.get(9)?;
    Ok((
        Ticket {
            id: r.get(0)?,
            number: r.get(1)?,
            group: r.get(2)?,
            priority: r.get(3)?,
            status: r.get(4)?,
            window: r.get(5)?,
            target_window: None,
            recalls: r.get(6)?,
            issued_at: r.get(7)?,
            called_at: r.get(8)?,
            cases: serde_json::from_str(&cases).unwrap_or_default(),
        },
        r.get(10)?,
    ))
}

/// Calling order: green channel first, then issue order.
const ORDER: &str = "ORDER BY CASE priority WHEN 'green' THEN 0 ELSE 1 END, issued_at, number";

impl LocalQueue<'_> {
    fn day(&self) -> i64 {
        today(self.now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn served(&self) -> Vec<String> {
        self.groups.iter().map(|g| g.code.clone()).collect()
    }

    /// Issues a ticket of `group` (取号); the same `request_id` issues it once.
    pub fn issue_ticket(
        &self,
        group: &str,
        green: bool,
        request_id: &str,
    ) -> Result<Ticket, QueueError> {
        if !self.groups.iter().any(|g| g.code == group) {
            return Err(refused(LocalProblem::GroupUnknown, group.to_owned()));
        }
        let result = self.verb_tx(request_id, "issue", |q, tx| {
            let day = q.day();
            let seq: i64 = tx
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM local_tickets WHERE day = ?1 AND group_code = ?2",
                    params![day, group],
                    |r| r.get(0),
                )
                .map_err(sql)?;
            let number = format!("{group}{seq:03}");
            let id = uuid::Uuid::now_v7().to_string();
            tx.execute(
                "INSERT INTO local_tickets (id, day, seq, number, group_code, priority, status, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'waiting', ?7)",
                params![id, day, seq, number, group, if green { "green" } else { "normal" }, q.now],
            )
            .map_err(sql)?;
            let t = q.ticket_by_id(tx, &id)?;
            q.record(tx, "queue.issue", &t)?;
            Ok(("issued", Some(t)))
        })?;
        result
            .ticket
            .ok_or_else(|| refused(LocalProblem::Store, "issued ticket missing"))
    }

    /// How many are waiting ahead of a new ticket of `group` (for the slip).
    pub fn waiting_in(&self, group: &str) -> u32 {
        self.lock()
            .conn()
            .query_row(
                "SELECT count(*) FROM local_tickets WHERE day = ?1 AND status = 'waiting' AND group_code = ?2",
                params![self.day(), group],
                |r| r.get(0),
            )
            .unwrap_or(0)
    }

    fn ticket_by_id(&self, tx: &Transaction<'_>, id: &str) -> Result<Ticket, QueueError> {
        tx.query_row(
            &format!("SELECT {COLUMNS} FROM local_tickets WHERE id = ?1"),
            [id],
            ticket_row,
        )
        .map(|(t, _)| t)
        .map_err(sql)
    }

    fn by_number(
        &self,
        tx: &Transaction<'_>,
        number: &str,
    ) -> Result<(Ticket, Option<i64>), QueueError> {
        let number = number.trim().to_ascii_uppercase();
        tx.query_row(
            &format!("SELECT {COLUMNS} FROM local_tickets WHERE day = ?1 AND number = ?2"),
            params![self.day(), number],
            ticket_row,
        )
        .optional()
        .map_err(sql)?
        .ok_or_else(|| refused(LocalProblem::TicketUnknown, number))
    }

    fn current_in(&self, tx: &Transaction<'_>) -> Result<Option<Ticket>, QueueError> {
        tx.query_row(
            &format!(
                "SELECT {COLUMNS} FROM local_tickets WHERE status = 'called' AND window = ?1
                 ORDER BY called_at DESC LIMIT 1"
            ),
            [self.window],
            ticket_row,
        )
        .optional()
        .map(|t| t.map(|(t, _)| t))
        .map_err(sql)
    }

    fn paused(&self, tx: &Transaction<'_>) -> Result<(bool, Option<String>), QueueError> {
        Ok(tx
            .query_row(
                "SELECT paused, pause_reason FROM local_windows WHERE window = ?1",
                [self.window],
                |r| Ok((r.get::<_, i64>(0)? != 0, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?
            .unwrap_or((false, None)))
    }

    /// The ticket's audit entry and its outbox row, in the verb's transaction.
    fn record(&self, tx: &Transaction<'_>, action: &str, t: &Ticket) -> Result<(), QueueError> {
        audit::record(
            tx,
            self.now,
            AuditEntry {
                actor: Some(self.clerk_id.to_owned()),
                action: action.to_owned(),
                subject: Some(t.id.clone()),
                detail: json!({ "number": t.number, "window": self.window, "status": t.status }),
            },
        )
        .map_err(sql)?;
        let version: i64 = tx
            .query_row(
                "UPDATE local_tickets SET version = version + 1 WHERE id = ?1 RETURNING version",
                [&t.id],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let payload = json!({
            "id": t.id, "number": t.number, "group": t.group, "status": t.status,
            "window": t.window, "recalls": t.recalls, "issued_at": t.issued_at,
            "called_at": t.called_at, "cases": t.cases, "mode": "local",
        });
        outbox::enqueue_record(tx, "queue_ticket", &t.id, version, &payload, self.now).map_err(sql)
    }

    fn set(&self, tx: &Transaction<'_>, id: &str, assignments: &str) -> Result<Ticket, QueueError> {
        // `?2` is now and `?3` this window, bound only when the assignments use them.
        let sql_text = format!("UPDATE local_tickets SET {assignments} WHERE id = ?1");
        let done = if assignments.contains("?3") {
            tx.execute(&sql_text, params![id, self.now, self.window])
        } else if assignments.contains("?2") {
            tx.execute(&sql_text, params![id, self.now])
        } else {
            tx.execute(&sql_text, params![id])
        };
        done.map_err(sql)?;
        self.ticket_by_id(tx, id)
    }

    /// Runs one verb in one transaction, answering a repeated request id with its first answer.
    fn verb_tx(
        &self,
        request_id: &str,
        verb: &str,
        act: impl FnOnce(&Self, &Transaction<'_>) -> Result<(&'static str, Option<Ticket>), QueueError>,
    ) -> Result<VerbResult, QueueError> {
        let mut store = self.lock();
        let mut outcome: Result<VerbResult, QueueError> =
            Err(refused(LocalProblem::Store, "not run"));
        let ran = store.transact(|tx| {
            let done: Option<String> = tx
                .query_row(
                    "SELECT response FROM local_queue_requests WHERE request_id = ?1",
                    [request_id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(done) = done.and_then(|d| serde_json::from_str::<VerbResult>(&d).ok()) {
                outcome = Ok(VerbResult {
                    replayed: true,
                    ..done
                });
                return Ok(());
            }
            match act(self, tx) {
                Ok((what, ticket)) => {
                    let result = VerbResult {
                        outcome: what.to_owned(),
                        window: self.window,
                        ticket,
                        replayed: false,
                    };
                    tx.execute(
                        "INSERT INTO local_queue_requests (request_id, verb, response, at) VALUES (?1, ?2, ?3, ?4)",
                        params![
                            request_id,
                            verb,
                            serde_json::to_string(&result).unwrap_or_default(),
                            self.now
                        ],
                    )?;
                    outcome = Ok(result);
                    Ok(())
                }
                Err(e) => {
                    outcome = Err(e);
                    // Roll back whatever the verb did before it refused.
                    Err(rusqlite::Error::QueryReturnedNoRows)
                }
            }
        });
        match (ran, outcome) {
            (_, Err(e)) => Err(e),
            (Err(e), Ok(_)) => Err(refused(LocalProblem::Store, e.to_string())),
            (Ok(()), Ok(r)) => Ok(r),
        }
    }

    fn call_next(
        &self,
        tx: &Transaction<'_>,
    ) -> Result<(&'static str, Option<Ticket>), QueueError> {
        self.ready_to_call(tx)?;
        let served = serde_json::to_string(&self.served()).unwrap_or_default();
        let next: Option<String> = tx
            .query_row(
                &format!(
                    "SELECT id FROM local_tickets WHERE day = ?1 AND status = 'waiting'
                     AND group_code IN (SELECT value FROM json_each(?2)) {ORDER} LIMIT 1"
                ),
                params![self.day(), served],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        let id = next.ok_or_else(|| refused(LocalProblem::Empty, "nobody waiting"))?;
        let t = self.set(
            tx,
            &id,
            "status = 'called', window = ?3, called_at = ?2, recalls = 0, skipped_at = NULL",
        )?;
        self.record(tx, "queue.call", &t)?;
        Ok(("called", Some(t)))
    }

    fn ready_to_call(&self, tx: &Transaction<'_>) -> Result<(), QueueError> {
        if self.paused(tx)?.0 {
            return Err(refused(LocalProblem::WindowPaused, "paused"));
        }
        if let Some(t) = self.current_in(tx)? {
            return Err(refused(LocalProblem::DeskBusy, t.number));
        }
        Ok(())
    }

    fn need_current(&self, tx: &Transaction<'_>) -> Result<Ticket, QueueError> {
        self.current_in(tx)?
            .ok_or_else(|| refused(LocalProblem::DeskIdle, "no ticket being served"))
    }

    fn act(
        &self,
        tx: &Transaction<'_>,
        verb: Verb,
        req: &VerbRequest,
    ) -> Result<(&'static str, Option<Ticket>), QueueError> {
        match verb {
            Verb::CallNext => self.call_next(tx),
            Verb::Call => {
                self.ready_to_call(tx)?;
                let (t, skipped_at) =
                    self.by_number(tx, req.ticket.as_deref().unwrap_or_default())?;
                let returnable = t.status == "skipped"
                    && skipped_at
                        .is_some_and(|s| self.now - s <= i64::from(self.return_minutes) * 60_000);
                if t.status != "waiting" && !returnable {
                    return Err(refused(
                        LocalProblem::TicketDone,
                        format!("{} is {}", t.number, t.status),
                    ));
                }
                let t = self.set(tx, &t.id, "status = 'called', window = ?3, called_at = ?2, recalls = 0, skipped_at = NULL")?;
                self.record(tx, "queue.call", &t)?;
                Ok(("called", Some(t)))
            }
            Verb::Recall => {
                let t = self.need_current(tx)?;
                if t.recalls >= self.recall_limit {
                    let t = self.set(tx, &t.id, "status = 'skipped', skipped_at = ?2")?;
                    self.record(tx, "queue.skip", &t)?;
                    return Ok(("skipped", Some(t)));
                }
                let t = self.set(tx, &t.id, "recalls = recalls + 1, called_at = ?2")?;
                self.record(tx, "queue.recall", &t)?;
                Ok(("recalled", Some(t)))
            }
            Verb::Transfer => {
                let group = match (&req.to_group, req.to_window) {
                    (Some(g), _) => g.clone(),
                    (None, Some(w)) if w != self.window => {
                        return Err(refused(
                            LocalProblem::TransferNeedsGroup,
                            format!("window {w}"),
                        ))
                    }
                    _ => return Err(refused(LocalProblem::TransferNeedsGroup, "no target")),
                };
                if !self.groups.iter().any(|g| g.code == group) {
                    return Err(refused(LocalProblem::GroupUnknown, group));
                }
                let t = self.need_current(tx)?;
                tx.execute(
                    "UPDATE local_tickets SET group_code = ?2, status = 'waiting', window = NULL WHERE id = ?1",
                    params![t.id, group],
                )
                .map_err(sql)?;
                let t = self.ticket_by_id(tx, &t.id)?;
                self.record(tx, "queue.transfer", &t)?;
                Ok(("transferred", Some(t)))
            }
            Verb::Pause | Verb::Resume => {
                let reason = req.reason.as_deref().map(str::trim).unwrap_or_default();
                let pause = verb == Verb::Pause;
                if pause && (reason.is_empty() || reason.chars().count() > 60) {
                    return Err(refused(LocalProblem::ReasonRequired, "pause reason"));
                }
                tx.execute(
                    "INSERT INTO local_windows (window, paused, pause_reason) VALUES (?1, ?2, ?3)
                     ON CONFLICT(window) DO UPDATE SET paused = excluded.paused, pause_reason = excluded.pause_reason",
                    params![self.window, i64::from(pause), pause.then_some(reason)],
                )
                .map_err(sql)?;
                audit::record(
                    tx,
                    self.now,
                    AuditEntry {
                        actor: Some(self.clerk_id.to_owned()),
                        action: if pause { "queue.pause" } else { "queue.resume" }.to_owned(),
                        subject: None,
                        detail: json!({ "window": self.window, "reason": pause.then_some(reason) }),
                    },
                )
                .map_err(sql)?;
                Ok((if pause { "paused" } else { "resumed" }, None))
            }
            Verb::Attach | Verb::Finish => {
                let t = self.need_current(tx)?;
                let mut all = t.cases.clone();
                for c in &req.cases {
                    if !all.contains(c) {
                        all.push(c.clone());
                    }
                }
                tx.execute(
                    "UPDATE local_tickets SET cases = ?2 WHERE id = ?1",
                    params![t.id, serde_json::to_string(&all).unwrap_or_default()],
                )
                .map_err(sql)?;
                if verb == Verb::Attach {
                    let t = self.ticket_by_id(tx, &t.id)?;
                    self.record(tx, "queue.attach", &t)?;
                    return Ok(("attached", Some(t)));
                }
                let t = self.set(tx, &t.id, "status = 'finished', finished_at = ?2")?;
                self.record(tx, "queue.finish", &t)?;
                Ok(("finished", Some(t)))
            }
            Verb::Reprint => {
                let (t, _) = self.by_number(tx, req.ticket.as_deref().unwrap_or_default())?;
                let t = self.set(tx, &t.id, "reprints = reprints + 1")?;
                self.record(tx, "queue.reprint", &t)?;
                Ok(("reprinted", Some(t)))
            }
        }
    }
}

impl QueueApi for LocalQueue<'_> {
    fn desk(&self, _session_token: &str) -> Result<DeskState, QueueError> {
        let mut store = self.lock();
        let conn = store.conn();
        let day = self.day();
        let list = |status: &str, order: &str, limit: u32| -> Result<Vec<Ticket>, QueueError> {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM local_tickets WHERE day = ?1 AND status = ?2 {order} LIMIT ?3"
                ))
                .map_err(sql)?;
            let rows = stmt
                .query_map(params![day, status, limit], ticket_row)
                .map_err(sql)?
                .map(|r| r.map(|(t, _)| t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql)?;
            Ok(rows)
        };
        let waiting = list("waiting", ORDER, 500)?;
        let called = list("called", "ORDER BY called_at DESC", 20)?;
        let current = called
            .iter()
            .find(|t| t.window == Some(self.window))
            .cloned();
        let (paused, pause_reason) = conn
            .query_row(
                "SELECT paused, pause_reason FROM local_windows WHERE window = ?1",
                [self.window],
                |r| Ok((r.get::<_, i64>(0)? != 0, r.get(1)?)),
            )
            .optional()
            .map_err(sql)?
            .unwrap_or((false, None));
        let groups = self
            .groups
            .iter()
            .map(|g| GroupCount {
                code: g.code.clone(),
                prefix: g.code.clone(),
                name: g.name.clone(),
                waiting: waiting.iter().filter(|t| t.group == g.code).count() as u32,
            })
            .collect();
        Ok(DeskState {
            hall_code: String::new(),
            window: self.window,
            groups,
            paused,
            pause_reason,
            current,
            waiting_count: waiting.len() as u32,
            waiting,
            called,
            recall_limit: self.recall_limit,
        })
    }

    fn verb(
        &self,
        _session_token: &str,
        verb: Verb,
        request: &VerbRequest,
    ) -> Result<VerbResult, QueueError> {
        self.verb_tx(&request.request_id, verb.path(), |q, tx| {
            q.act(tx, verb, request)
        })
    }

    fn issue(
        &self,
        _session_token: &str,
        group: &str,
        green: bool,
        request_id: &str,
    ) -> Result<Ticket, QueueError> {
        self.issue_ticket(group, green, request_id)
    }
}

#[cfg(test)]
mod tests;
