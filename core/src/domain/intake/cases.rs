//! The clerk's actions on cases, where the shell and the tools reach them
//! (`intake::cases::decide` …). Each lives in its own module of [`super::ops`]; every one that
//! writes is one transaction with its audit entry and, once the case is decided, its outbox
//! row (see [`super::tx`]).

pub(crate) use super::ops::attach::attach_with;
pub use super::ops::attach::{attach, MAX_ATTACHMENT_BYTES};
pub use super::ops::change::{change, ChangeInput};
pub use super::ops::conclude::{prepare_conclusion, record_conclusion, PreparedConclusion};
pub use super::ops::decide::decide;
pub use super::ops::draft::{discard_draft, drafts, save, save_draft, ParkReason};
pub use super::ops::load;
pub use super::ops::notice::{prepare_notice, preview_notice, record_notice_print};
pub use super::ops::receipt::{receipt_slip, receipt_slip_printed, record_receipt_slip};
pub use super::ops::reprint::{prepare_reprint, record_reprint};
pub use super::ops::trail::{trail, CaseEvent};
pub use super::ops::usage::{set_favourite, usage, Usage};
pub use super::ops::withdraw::{prepare_withdraw_form, record_withdraw_form};
pub use super::rules::decision::require_reason;
pub use super::rules::party::{check_uscc, CARD_READ_VALID_MS};
pub use super::rules::situation::refresh;
