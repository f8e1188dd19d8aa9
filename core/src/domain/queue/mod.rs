//! The desk's queue (B1): call the next ticket, recall, call a given one, transfer, pause,
//! finish. The hall's server is the queue ([`hall::HallQueue`]); a hall running a vendor's
//! queue system plugs in another [`QueueApi`]. Every verb carries a request id chosen once per
//! click, so a retry after a lost answer never calls twice.
//!
//! The shapes mirror the server's wire types (`server/src/queue/types.rs`, the OpenAPI
//! document); the E2E tests run them against the real server.

pub mod hall;
pub mod local;

use serde::{Deserialize, Serialize};

/// A ticket as the desk sees it: number, group, where it is, timings — no citizen data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Ticket {
    pub id: String,
    pub number: String,
    pub group: String,
    /// `normal`, `appointment` or `green`.
    pub priority: String,
    /// `waiting`, `called`, `skipped` or `finished`.
    pub status: String,
    pub window: Option<u32>,
    pub target_window: Option<u32>,
    pub recalls: u32,
    #[specta(type = f64)]
    pub issued_at: i64,
    #[serde(default)]
    #[specta(type = Option<f64>)]
    pub called_at: Option<i64>,
    #[serde(default)]
    pub cases: Vec<String>,
}

/// An item group this window serves, with its waiting count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct GroupCount {
    pub code: String,
    pub prefix: String,
    pub name: String,
    pub waiting: u32,
}

/// The desk's state: groups, pause, the ticket being served, who waits and who was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DeskState {
    pub hall_code: String,
    pub window: u32,
    pub groups: Vec<GroupCount>,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub current: Option<Ticket>,
    pub waiting_count: u32,
    pub waiting: Vec<Ticket>,
    pub called: Vec<Ticket>,
    pub recall_limit: u32,
}

/// The desk verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Verb {
    /// 顺呼.
    CallNext,
    /// 重呼 (past the recall limit the ticket is skipped).
    Recall,
    /// 特呼: a given ticket.
    Call,
    /// 转移: to another window or item group.
    Transfer,
    /// 暂停 with a reason.
    Pause,
    /// 恢复.
    Resume,
    /// 一号联办: cases added to the current ticket.
    Attach,
    /// 补打.
    Reprint,
    /// 服务结束.
    Finish,
}

impl Verb {
    pub fn path(self) -> &'static str {
        match self {
            Verb::CallNext => "call-next",
            Verb::Recall => "recall",
            Verb::Call => "call",
            Verb::Transfer => "transfer",
            Verb::Pause => "pause",
            Verb::Resume => "resume",
            Verb::Attach => "attach",
            Verb::Reprint => "reprint",
            Verb::Finish => "finish",
        }
    }
}

/// One click of a verb; `request_id` stays the same across its retries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VerbRequest {
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_window: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
}

impl VerbRequest {
    pub fn new() -> VerbRequest {
        VerbRequest {
            request_id: uuid::Uuid::new_v4().to_string(),
            ..VerbRequest::default()
        }
    }
}

/// What a verb did (`called`, `recalled`, `skipped`, …) and the ticket after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct VerbResult {
    pub outcome: String,
    pub window: u32,
    pub ticket: Option<Ticket>,
    #[serde(default)]
    pub replayed: bool,
}

/// Why a verb or the desk state failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    /// No queue at this desk (`queue.mode = "none"` or no backend).
    #[error("no queue is configured at this desk")]
    NotConfigured,
    #[error("the queue needs a clerk logged in online")]
    NoSession,
    /// The server could not be reached (after the retries); nothing was lost.
    #[error("queue server unreachable: {0}")]
    Unreachable(String),
    /// The server refused, with its own code and Chinese message.
    #[error("queue refused {code}: {detail}")]
    Refused {
        code: String,
        message: String,
        detail: String,
    },
    /// The workstation's own queue (field office) refused.
    #[error("local queue: {problem:?}: {detail}")]
    Local {
        problem: local::LocalProblem,
        detail: String,
    },
}

impl From<QueueError> for crate::UserError {
    fn from(e: QueueError) -> Self {
        use crate::ErrorCode as C;
        match &e {
            QueueError::NotConfigured => {
                crate::UserError::new(C::QueueNotConfigured, e.to_string())
            }
            QueueError::NoSession => crate::UserError::new(C::QueueNoSession, e.to_string()),
            QueueError::Unreachable(_) => crate::UserError::new(C::QueueUnreachable, e.to_string()),
            QueueError::Refused { message, .. } if !message.is_empty() => {
                crate::UserError::with_message(C::QueueRefused, message.clone(), e.to_string())
            }
            QueueError::Refused { .. } => crate::UserError::new(C::QueueRefused, e.to_string()),
            QueueError::Local { problem, .. } => {
                use local::LocalProblem as P;
                let code = match problem {
                    P::TicketUnknown => C::QueueTicketUnknown,
                    P::TicketDone => C::QueueTicketDone,
                    P::Empty => C::QueueEmpty,
                    P::DeskBusy => C::QueueDeskBusy,
                    P::DeskIdle => C::QueueDeskIdle,
                    P::WindowPaused => C::QueueWindowPaused,
                    P::GroupUnknown => C::QueueGroupUnknown,
                    P::TransferNeedsGroup => C::QueueTransferNeedsGroup,
                    P::ReasonRequired => C::QueueReasonRequired,
                    P::Store => C::QueueStore,
                };
                crate::UserError::new(code, e.to_string())
            }
        }
    }
}

/// A queue the desk can drive: the hall's server, or a vendor's system behind an adapter.
pub trait QueueApi: Send + Sync {
    /// The desk's state now.
    fn desk(&self, session_token: &str) -> Result<DeskState, QueueError>;
    /// One verb; the same `request` sent again acts at most once.
    fn verb(
        &self,
        session_token: &str,
        verb: Verb,
        request: &VerbRequest,
    ) -> Result<VerbResult, QueueError>;
    /// Issues a ticket of item group `group` (取号 at a reception PC or a field office's
    /// desk), in the green channel when `green`; the same `request_id` issues one ticket
    /// however often it is sent.
    fn issue(
        &self,
        session_token: &str,
        group: &str,
        green: bool,
        request_id: &str,
    ) -> Result<Ticket, QueueError>;
    /// Follows the queue's events from after `last_event_id` (all of them, or a snapshot,
    /// when `None`), calling `on_event` with each event's id, until the stream ends or fails.
    /// A queue without pushed events answers [`QueueError::NotConfigured`].
    fn follow(
        &self,
        last_event_id: Option<i64>,
        on_event: &mut dyn FnMut(i64),
    ) -> Result<(), QueueError> {
        let _ = (last_event_id, on_event);
        Err(QueueError::NotConfigured)
    }
}
