//! The desk's queue at the workstation (B1, B5): the clerk's verbs go to the configured
//! [`QueueApi`] — the hall's server with the online session, or a field office's own queue in
//! the local store — and what they do reaches the visit and the citizen window: a call opens
//! the visit with its ticket and shows the number; 服务结束 sends the visit's cases with the
//! finish and asks for the rating; a pause shows its reason. 取号 issues a ticket and prints
//! it on the receipt printer when there is one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{lock, Workstation};
use crate::domain::queue::hall::HallQueue;
use crate::domain::queue::local::LocalQueue;
use crate::domain::queue::{
    DeskState, QueueApi, QueueError, Ticket, Verb, VerbRequest, VerbResult,
};
use crate::domain::visit::{self, TicketRef, VisitMode};
use crate::infra::config::QueueMode;
use crate::UserError;

/// The desk's queue, built on first use once the workstation is enrolled.
#[derive(Default)]
pub(super) struct QueueParts {
    api: Mutex<Option<Arc<dyn QueueApi>>>,
}

/// A ticket just issued, and what became of its slip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct IssuedTicket {
    pub ticket: Ticket,
    /// 「已取号 A003，小票已打印。」 or why the slip did not print.
    pub message: String,
}

/// One desk action as the clerk asks for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(tag = "verb", rename_all = "kebab-case")]
pub enum DeskAction {
    CallNext,
    Recall,
    Call {
        ticket: String,
    },
    Transfer {
        to_window: Option<u32>,
        to_group: Option<String>,
    },
    Pause {
        reason: String,
    },
    Resume,
    Reprint {
        ticket: String,
    },
}

impl Workstation {
    fn queue(&self) -> Result<Arc<dyn QueueApi>, QueueError> {
        let mut api = lock(&self.queue.api);
        if let Some(api) = api.as_ref() {
            return Ok(api.clone());
        }
        // Not cached until built: a workstation enrolled later in the session gets its queue.
        if self.config.queue.mode != QueueMode::Hall {
            return Err(QueueError::NotConfigured);
        }
        let url = self.config.backend.url.clone();
        let (Some(url), Some(credential)) = (url, self.credential()) else {
            return Err(QueueError::NotConfigured);
        };
        let built: Arc<dyn QueueApi> =
            Arc::new(HallQueue::new(url, credential, &self.config.backend.tls())?);
        *api = Some(built.clone());
        Ok(built)
    }

    /// Follows the hall queue's pushed events for the life of the workstation: each one tells
    /// the desk to reload its state (`Events::desk_changed`). A lost stream is resumed after the
    /// last event seen (`Last-Event-ID`), so a desk that reconnects gets what it missed.
    pub(super) fn start_desk_watch(self: &Arc<Self>) {
        if self.config.queue.mode != QueueMode::Hall {
            return;
        }
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("yichuang-desk-events".into())
            .spawn(move || {
                let mut last: Option<i64> = None;
                let mut wait = Duration::from_secs(1);
                loop {
                    let Some(api) = weak.upgrade().map(|ws| ws.queue()) else {
                        break;
                    };
                    let Ok(api) = api else {
                        std::thread::sleep(Duration::from_secs(5));
                        continue;
                    };
                    let started = Instant::now();
                    let result = api.follow(last, &mut |id| {
                        last = Some(id);
                        if let Some(ws) = weak.upgrade() {
                            ws.emit(|e| e.desk_changed());
                        }
                    });
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "desk event stream ended");
                    }
                    wait = if started.elapsed() > Duration::from_secs(30) {
                        Duration::from_secs(1)
                    } else {
                        (wait * 2).min(Duration::from_secs(10))
                    };
                    std::thread::sleep(wait);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "desk event stream not started");
        }
    }

    /// The online session's token (the queue needs the clerk at the server).
    fn queue_token(&self) -> Result<String, QueueError> {
        lock(&self.session)
            .session()
            .and_then(|s| s.token.clone())
            .ok_or(QueueError::NoSession)
    }

    /// Runs `f` on this desk's queue: the field office's own (any session, online or not), or
    /// the configured remote one with the online session's token.
    fn with_queue<T>(
        &self,
        f: impl FnOnce(&dyn QueueApi, &str) -> Result<T, QueueError>,
    ) -> Result<T, UserError> {
        if self.config.queue.mode == QueueMode::Local {
            let clerk = self.visit_clerk()?.0;
            let window = self.desk.as_ref().map_err(Clone::clone)?.window_number;
            let q = self.config.queue.clone();
            let local = LocalQueue {
                store: self.store()?,
                now: self.now(),
                window: u32::from(window),
                clerk_id: &clerk,
                groups: &q.groups,
                recall_limit: q.recall_limit,
                return_minutes: q.return_minutes,
            };
            return Ok(f(&local, "")?);
        }
        let api = self.queue()?;
        let token = self.queue_token()?;
        Ok(f(api.as_ref(), &token)?)
    }

    fn visit_mode(&self) -> VisitMode {
        match self.config.queue.mode {
            QueueMode::Local => VisitMode::Local,
            _ => VisitMode::Hall,
        }
    }

    /// Whether this desk calls tickets (the page shows the queue panel).
    pub fn queue_enabled(&self) -> bool {
        self.config.queue.mode != QueueMode::None
    }

    /// The desk's state: groups, pause, current ticket, waiting and called lists.
    pub fn desk_state(&self) -> Result<DeskState, UserError> {
        let mut state = self.with_queue(|q, token| q.desk(token))?;
        if state.hall_code.is_empty() {
            state.hall_code = self.config.hall.code.clone().unwrap_or_default();
        }
        Ok(state)
    }

    /// 取号: a ticket of item group `group` (green channel when `green`), printed on the receipt printer when one is
    /// installed. The ticket stands even when the print fails; the message says so.
    pub fn desk_issue(&self, group: &str, green: bool) -> Result<IssuedTicket, UserError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let ticket = self.with_queue(|q, token| q.issue(token, group, green, &request_id))?;
        let waiting = self
            .desk_state()
            .map(|s| {
                s.waiting
                    .iter()
                    .filter(|t| t.issued_at < ticket.issued_at)
                    .count() as u32
            })
            .unwrap_or(0);
        let message = self.print_ticket(&ticket, waiting);
        Ok(IssuedTicket { ticket, message })
    }

    /// One desk verb, with what it means for the visit and the citizen window.
    pub fn desk_act(&self, action: DeskAction) -> Result<VerbResult, UserError> {
        let mut req = VerbRequest::new();
        let verb = match action {
            DeskAction::CallNext => Verb::CallNext,
            DeskAction::Recall => Verb::Recall,
            DeskAction::Call { ticket } => {
                req.ticket = Some(ticket);
                Verb::Call
            }
            DeskAction::Transfer {
                to_window,
                to_group,
            } => {
                req.to_window = to_window;
                req.to_group = to_group;
                Verb::Transfer
            }
            DeskAction::Pause { reason } => {
                req.reason = Some(reason);
                Verb::Pause
            }
            DeskAction::Resume => Verb::Resume,
            DeskAction::Reprint { ticket } => {
                req.ticket = Some(ticket);
                Verb::Reprint
            }
        };
        let result = self.with_queue(|q, token| q.verb(token, verb, &req))?;
        self.after_verb(verb, &req, &result)?;
        Ok(result)
    }

    fn after_verb(
        &self,
        verb: Verb,
        req: &VerbRequest,
        result: &VerbResult,
    ) -> Result<(), UserError> {
        match (result.outcome.as_str(), &result.ticket) {
            ("called", Some(t)) => {
                let clerk = self.visit_clerk()?.0;
                let ticket = TicketRef {
                    id: Some(t.id.clone()),
                    number: t.number.clone(),
                };
                let now = self.now();
                self.with_store(|s| {
                    Ok(visit::open(
                        s,
                        &clerk,
                        Some(&ticket),
                        self.visit_mode(),
                        now,
                    )?)
                })?;
                self.citizen_called(t.number.clone());
            }
            ("recalled", Some(t)) => self.citizen_called(t.number.clone()),
            ("paused", _) => {
                self.desk_pause(req.reason.clone().unwrap_or_default());
            }
            ("resumed", _) => {
                self.desk_resume();
            }
            // 补打 (B6): the same number on a new slip.
            ("reprinted", Some(t)) => {
                let printed = self.print_ticket(t, 0);
                tracing::info!(outcome = %printed, "ticket reprinted");
            }
            _ => {}
        }
        tracing::info!(verb = verb.path(), outcome = %result.outcome, replayed = result.replayed, "desk verb");
        Ok(())
    }

    /// 服务结束 and 请评价: with a hall ticket being served, the visit's cases go to the queue
    /// with the finish (the ticket links them); then the rating question, as for a walk-in.
    pub fn desk_finish(&self) -> Result<super::visit::CitizenView, UserError> {
        let view = self.visit_request_rating()?;
        let ticketed = {
            let clerk = self.visit_clerk()?.0;
            self.with_store(|s| {
                Ok(visit::current(s.conn(), &clerk).map_err(visit::VisitError::from)?)
            })?
            .filter(|v| v.mode == "hall" || v.mode == "local")
        };
        if let Some(v) = ticketed {
            let mut req = VerbRequest::new();
            req.cases = v.cases.iter().map(|c| c.case_no.clone()).collect();
            if let Err(e) = self.with_queue(|q, token| q.verb(token, Verb::Finish, &req)) {
                // The visit record carries the ticket and its cases to the server anyway.
                tracing::warn!(error = %e.detail, "queue finish not sent");
            }
        }
        Ok(view)
    }
}
