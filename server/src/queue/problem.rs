//! Why a queue request was refused: the problem behind `Error::Queue`.

use axum::http::StatusCode;

use crate::error::ErrorCode;

/// Why a queue verb, a ticket or a hall device request was refused (one code each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueProblem {
    /// No such ticket today in this hall.
    TicketUnknown,
    /// The ticket is being served at a window.
    TicketBusy,
    /// The ticket belongs to another hall, or to an item group this window does not serve.
    TicketElsewhere,
    /// The ticket is finished, or was skipped longer ago than the return period.
    TicketDone,
    /// Nobody waits for this window's item groups.
    Empty,
    /// The window still serves a ticket (finish or transfer it first).
    DeskBusy,
    /// The window serves no ticket (recall, transfer, attach, finish need one).
    DeskIdle,
    /// The window is paused.
    WindowPaused,
    /// Unknown item group, or the window serves none.
    NotConfigured,
    /// The request id was used for another verb.
    RequestReused,
    /// Device pairing code unknown, expired or used.
    DeviceCodeInvalid,
    /// No valid device cookie (missing, unknown, disabled, or the wrong kind of device).
    DeviceUnauthorized,
}

impl QueueProblem {
    pub fn code(self) -> ErrorCode {
        match self {
            QueueProblem::TicketUnknown => ErrorCode::QueueTicketUnknown,
            QueueProblem::TicketBusy => ErrorCode::QueueTicketBusy,
            QueueProblem::TicketElsewhere => ErrorCode::QueueTicketElsewhere,
            QueueProblem::TicketDone => ErrorCode::QueueTicketDone,
            QueueProblem::Empty => ErrorCode::QueueEmpty,
            QueueProblem::DeskBusy => ErrorCode::QueueDeskBusy,
            QueueProblem::DeskIdle => ErrorCode::QueueDeskIdle,
            QueueProblem::WindowPaused => ErrorCode::QueueWindowPaused,
            QueueProblem::NotConfigured => ErrorCode::QueueNotConfigured,
            QueueProblem::RequestReused => ErrorCode::QueueRequestReused,
            QueueProblem::DeviceCodeInvalid => ErrorCode::DeviceCodeInvalid,
            QueueProblem::DeviceUnauthorized => ErrorCode::DeviceUnauthorized,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            QueueProblem::TicketUnknown | QueueProblem::Empty => StatusCode::NOT_FOUND,
            QueueProblem::TicketElsewhere => StatusCode::FORBIDDEN,
            QueueProblem::DeviceCodeInvalid | QueueProblem::DeviceUnauthorized => {
                StatusCode::UNAUTHORIZED
            }
            _ => StatusCode::CONFLICT,
        }
    }
}
