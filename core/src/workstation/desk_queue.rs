//! The desk's queue at the workstation (B1, B5): the clerk's verbs go to the configured
//! [`QueueApi`] with the online session, and what they do reaches the visit and the citizen
//! window — a call opens the visit with its ticket and shows the number; 服务结束 sends the
//! visit's cases with the finish and asks for the rating; a pause shows its reason.

use std::sync::{Arc, OnceLock};

use super::{lock, Workstation};
use crate::domain::queue::hall::HallQueue;
use crate::domain::queue::{DeskState, QueueApi, QueueError, Verb, VerbRequest, VerbResult};
use crate::domain::visit::{self, TicketRef, VisitMode};
use crate::infra::config::QueueMode;
use crate::UserError;

/// The desk's queue, built on first use (it needs the enrollment).
#[derive(Default)]
pub(super) struct QueueParts {
    api: OnceLock<Option<Arc<dyn QueueApi>>>,
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
        let api = self.queue.api.get_or_init(|| {
            if self.config.queue.mode != QueueMode::Hall {
                return None;
            }
            let url = self.config.backend.url.clone()?;
            let credential = self.credential()?;
            match HallQueue::new(url, credential, &self.config.backend.tls()) {
                Ok(q) => Some(Arc::new(q) as Arc<dyn QueueApi>),
                Err(e) => {
                    tracing::error!(error = %e, "queue client not built");
                    None
                }
            }
        });
        api.clone().ok_or(QueueError::NotConfigured)
    }

    /// The online session's token (the queue needs the clerk at the server).
    fn queue_token(&self) -> Result<String, QueueError> {
        lock(&self.session)
            .session()
            .and_then(|s| s.token.clone())
            .ok_or(QueueError::NoSession)
    }

    /// Whether this desk calls tickets (the page shows the queue panel).
    pub fn queue_enabled(&self) -> bool {
        self.config.queue.mode != QueueMode::None
    }

    /// The desk's state: groups, pause, current ticket, waiting and called lists.
    pub fn desk_state(&self) -> Result<DeskState, UserError> {
        let api = self.queue()?;
        Ok(api.desk(&self.queue_token()?)?)
    }

    /// One desk verb, with what it means for the visit and the citizen window.
    pub fn desk_act(&self, action: DeskAction) -> Result<VerbResult, UserError> {
        let api = self.queue()?;
        let token = self.queue_token()?;
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
        let result = api.verb(&token, verb, &req)?;
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
                    Ok(visit::open(s, &clerk, Some(&ticket), VisitMode::Hall, now)?)
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
            .filter(|v| v.mode == "hall")
        };
        if let Some(v) = ticketed {
            if let (Ok(api), Ok(token)) = (self.queue(), self.queue_token()) {
                let mut req = VerbRequest::new();
                req.cases = v.cases.iter().map(|c| c.case_no.clone()).collect();
                if let Err(e) = api.verb(&token, Verb::Finish, &req) {
                    // The visit record carries the ticket and its cases to the server anyway.
                    tracing::warn!(error = %e, "queue finish not sent");
                }
            }
        }
        Ok(view)
    }
}
