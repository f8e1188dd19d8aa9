//! The queue's wire shapes (JSON, OpenAPI schemas).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A ticket's priority in its waiting list: green channel first, then appointments within
/// their slot, then everyone else in issue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    Appointment,
    Green,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::Appointment => "appointment",
            Priority::Green => "green",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "green" => Priority::Green,
            "appointment" => Priority::Appointment,
            _ => Priority::Normal,
        }
    }
}

/// Where a ticket is: waiting, called to a window (being served), skipped (no-show), finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Skipped,
    Finished,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Skipped => "skipped",
            TicketStatus::Finished => "finished",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "called" => TicketStatus::Called,
            "skipped" => TicketStatus::Skipped,
            "finished" => TicketStatus::Finished,
            _ => TicketStatus::Waiting,
        }
    }
}

/// A ticket as the desk sees it (no citizen data is ever held: number, group, timings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ticket {
    pub id: String,
    /// Prefix of the item group and the day's sequence, e.g. `A023`.
    #[schema(example = "A023")]
    pub number: String,
    /// Item group code.
    pub group: String,
    pub priority: Priority,
    pub status: TicketStatus,
    /// The window serving it (called, finished) or that skipped it.
    pub window: Option<u32>,
    /// Set by a transfer to a window: only that window calls it.
    pub target_window: Option<u32>,
    pub recalls: u32,
    pub reprints: u32,
    /// Appointment slot (Unix ms), for `appointment` tickets.
    pub slot_start: Option<i64>,
    pub slot_end: Option<i64>,
    /// Unix ms.
    pub issued_at: i64,
    pub called_at: Option<i64>,
    pub first_called_at: Option<i64>,
    pub skipped_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub clerk_id: Option<String>,
    /// Case numbers of the visit (一号联办: several cases on one ticket).
    pub cases: Vec<String>,
}

/// Body of the ticket issuing routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssueRequest {
    /// Item group code (see the hall snapshot's `groups`).
    #[schema(example = "A", min_length = 1, max_length = 16)]
    pub group: String,
    #[serde(default)]
    pub priority: Priority,
    /// Appointment slot (Unix ms), required for `appointment`.
    #[serde(default)]
    pub slot_start: Option<i64>,
    #[serde(default)]
    pub slot_end: Option<i64>,
    /// Client request id: the same id issues one ticket however often it is sent.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64)]
    pub request_id: Option<String>,
}

/// The desk verbs, `POST /api/v1/queue/desk/{verb}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Verb {
    /// 顺呼: the next waiting ticket for this window.
    CallNext,
    /// 重呼: announce the current ticket again; past the recall limit it is skipped.
    Recall,
    /// 特呼: call the ticket `ticket` (waiting, or skipped within the return period).
    Call,
    /// 转移: the current ticket (or `ticket`) to `to_window` or `to_group`.
    Transfer,
    /// 暂停: with `reason`.
    Pause,
    /// 恢复.
    Resume,
    /// 一号联办: add `cases` to the current ticket.
    Attach,
    /// 补打: the ticket `ticket` (same number) for printing again.
    Reprint,
    /// 服务结束: finish the current ticket (with `cases`, added to those attached).
    Finish,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
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

/// Body of every desk verb; which fields a verb reads is said on each.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct VerbRequest {
    /// Client-chosen id of this click (a UUID): a retry with the same id gets the stored answer
    /// and never acts twice.
    #[schema(min_length = 1, max_length = 64)]
    pub request_id: String,
    /// `call`, `reprint`: the ticket number (e.g. `A023`) or id; `transfer`: optional, the
    /// current ticket when absent.
    #[serde(default)]
    pub ticket: Option<String>,
    /// `transfer`: the window to send it to.
    #[serde(default)]
    pub to_window: Option<u32>,
    /// `transfer`: the item group to send it to.
    #[serde(default)]
    pub to_group: Option<String>,
    /// `pause`: why (shown on the citizen screen), 1..=60 characters.
    #[serde(default)]
    #[schema(max_length = 60)]
    pub reason: Option<String>,
    /// `attach`, `finish`: case numbers of this visit.
    #[serde(default)]
    pub cases: Vec<String>,
}

/// What a verb did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Called,
    Recalled,
    Skipped,
    Transferred,
    Paused,
    Resumed,
    Attached,
    Reprinted,
    Finished,
}

/// Answer of a desk verb (stored under the request id; a retry gets it with `replayed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerbResult {
    pub verb: Verb,
    pub outcome: Outcome,
    pub window: u32,
    /// The ticket acted on (after the verb).
    pub ticket: Option<Ticket>,
    /// The hall event the verb produced (its SSE id), if any.
    pub event_id: Option<i64>,
    /// `true` when this is the stored answer of an earlier request with the same id.
    #[serde(default)]
    pub replayed: bool,
}

/// An item group with its waiting count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GroupCount {
    pub code: String,
    pub prefix: String,
    pub name: String,
    pub waiting: u32,
}

/// A call as a display shows it: number and window only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CallView {
    pub number: String,
    pub window: u32,
    pub called_at: i64,
    pub recalls: u32,
}

/// One window on the call screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WindowView {
    pub window: u32,
    pub groups: Vec<String>,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub current: Option<CallView>,
}

/// The hall at one event id: what a display needs (no citizen data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallSnapshot {
    pub hall_code: String,
    /// The last event included; live events continue after it.
    pub last_event_id: i64,
    pub windows: Vec<WindowView>,
    pub groups: Vec<GroupCount>,
    /// The latest calls, newest first (at most 10).
    pub recent: Vec<CallView>,
}

/// The desk's state (`GET /api/v1/queue/desk`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeskState {
    pub hall_code: String,
    pub window: u32,
    /// The item groups this window serves.
    pub groups: Vec<GroupCount>,
    pub paused: bool,
    pub pause_reason: Option<String>,
    pub current: Option<Ticket>,
    /// Tickets this window may call (its groups, and those transferred to it).
    pub waiting_count: u32,
    /// The first 50 of them, in calling order.
    pub waiting: Vec<Ticket>,
    /// Today's tickets called at this window, newest first (at most 20).
    pub called: Vec<Ticket>,
    pub last_event_id: i64,
    pub recall_limit: u32,
}

/// The kind of a hall event (the SSE `event:` name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// First message of a stream opened without `Last-Event-ID`: `data` is a `HallSnapshot`.
    Snapshot,
    Issued,
    Called,
    Recalled,
    Skipped,
    Transferred,
    Finished,
    Paused,
    Resumed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Snapshot => "snapshot",
            EventKind::Issued => "issued",
            EventKind::Called => "called",
            EventKind::Recalled => "recalled",
            EventKind::Skipped => "skipped",
            EventKind::Transferred => "transferred",
            EventKind::Finished => "finished",
            EventKind::Paused => "paused",
            EventKind::Resumed => "resumed",
        }
    }
}

/// A ticket in an event: number, group, where it is (no citizen data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventTicket {
    pub id: String,
    pub number: String,
    pub group: String,
    pub status: TicketStatus,
    pub window: Option<u32>,
    pub target_window: Option<u32>,
    pub recalls: u32,
}

/// `data` of every hall event but `snapshot` (the SSE `id:` is `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HallEvent {
    /// The hall's event sequence: strictly increasing, no gaps.
    pub id: i64,
    pub kind: EventKind,
    /// Unix ms.
    pub at: i64,
    pub hall_code: String,
    pub ticket: Option<EventTicket>,
    /// The window that acted (called, paused, …).
    pub window: Option<u32>,
    /// `paused`: the reason.
    pub reason: Option<String>,
    /// Waiting counts per item group after the change; only on the events that change them
    /// (`issued`, `called`, `transferred`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Vec<GroupCount>>,
}

/// Query of `GET …/events`: `last_event_id` stands in for the `Last-Event-ID` header.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
pub struct EventsQuery {
    pub last_event_id: Option<i64>,
}
