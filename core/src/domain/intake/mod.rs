//! Intake at the window (issue 5; E1–E9, A6, I1–I3): a case goes from a draft (item,
//! situation, parties, form, materials) through a printed notice to a decision — accept,
//! 容缺 accept, reject, or ask for a supplement — and may be changed or withdrawn later with a
//! reason.
//!
//! - [`model`]: the case and its parts (plain data); [`context`]: what the shell supplies —
//!   who is at the window ([`Desk`]) and the catalog ([`CatalogView`]).
//! - [`rules`]: the situation Q&A, form and party checks, what may be decided when, the
//!   notice that must be printed first (E6).
//! - [`ops`]: the clerk's actions (draft, notice, decide, change, reprint, attach, usage,
//!   trail), reached as `intake::cases::…`. Every action that writes is one transaction
//!   through [`tx::transact`]: the case row, its audit entries and its outbox row commit
//!   together.
//! - [`notice`]: the notice's layout; [`history`]: the clerk's own cases (I1–I3).

pub mod cases;
mod context;
pub mod error;
pub mod history;
pub mod labels;
mod model;
pub mod notice;
mod ops;
mod rules;
#[cfg(test)]
pub(crate) mod testkit;
pub(crate) mod tx;
pub mod walk;
mod wording;

pub use context::{CatalogView, DepartmentEntry, Desk};
pub use error::{
    AttachmentProblem, DecisionProblem, DeferProblem, FieldProblem, IntakeError, PartyProblem,
};
pub use labels::IntakeLabels;
pub use model::{
    Answer, ApplicantKind, AttachedLicence, Attachment, Case, CaseChange, CaseDraft, CaseProgress,
    CaseState, Conclusion, ConclusionInput, ConclusionResult, Decision, DecisionInput,
    DecisionKind, IdSource, MaterialEntry, Organisation, Party, PrintedNotice, ReceivedAs,
};
pub use rules::decision::{
    china_date, decision_hash, plan_decision, validate_for_decision, DEFAULT_SUPPLEMENT_DAYS,
};
pub use rules::form::{field_problem, is_phone};
pub use rules::situation::{checklist, new_draft, resolve_situation};
pub use walk::current_question;
