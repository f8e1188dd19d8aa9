//! What can go wrong in intake, as one error type with a code for the UI.

use super::CaseState;
use crate::{ErrorCode, UserError};

/// What went wrong in intake; each has a message for the clerk.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("unknown item {0}")]
    UnknownItem(String),
    #[error("unknown case {0}")]
    UnknownCase(String),
    #[error("situation not determined: {0}")]
    Situation(String),
    #[error("invalid field {field}: {problem:?}")]
    Field {
        field: String,
        problem: FieldProblem,
    },
    #[error("invalid party {role}: {problem:?}")]
    Party {
        role: &'static str,
        problem: PartyProblem,
    },
    #[error("required materials missing: {0:?}")]
    MaterialsMissing(Vec<String>),
    #[error("deferral not allowed: {0:?}")]
    NotDeferrable(DeferProblem),
    #[error("decision incomplete: {0:?}")]
    Decision(DecisionProblem),
    #[error("notice not printed for this decision")]
    NoticeNotPrinted,
    #[error("case is {0:?}, not allowed here")]
    WrongState(CaseState),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the card for {0} was not read at this window")]
    CardNotRead(&'static str),
    #[error("the personal code for {0} was not read at this window")]
    CodeNotRead(&'static str),
    #[error("the card for {0} has expired and no override was recorded")]
    CardExpired(&'static str),
    #[error("store: {0}")]
    Store(#[from] crate::infra::store::StoreError),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored case is unreadable: {0}")]
    Corrupt(String),
    #[error("history search by a typed ID number without that card read in this session")]
    IdSearchNeedsCard,
    #[error("export: {0}")]
    Export(String),
    #[error("attachment: {0:?}")]
    Attachment(AttachmentProblem),
    #[error("blob: {0}")]
    Blob(#[from] crate::infra::blobs::BlobError),
    #[error("the item is not an instant item: it is not closed at the counter")]
    NotInstant,
    #[error("the case was already concluded")]
    Concluded,
    #[error("a withdrawal needs the citizen's signed request captured at this workstation")]
    WithdrawRequestMissing,
}

/// Why a form field's value is not accepted; the sentence is in [`crate::messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    TooLong { max: u32 },
    NotANumber,
    NotADate,
    NotAPhone,
    NotAnIdNumber,
    NotAnOption { options: Vec<String> },
}

/// Why a party (applicant, agent, pickup) is not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyProblem {
    Missing,
    NameEmpty,
    BadIdNumber,
    BadPhone,
    /// An organisation without its 单位名称.
    OrganisationNameEmpty,
    /// An organisation without its 统一社会信用代码.
    UsccMissing,
    /// A 统一社会信用代码 that is not one (length, characters, check character).
    BadUscc(yichuang_pki::ident::IdentError),
}

/// Why 容缺受理 is not possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeferProblem {
    /// The item does not allow it.
    NotApplicable,
    /// Nothing required is missing: accept instead.
    NothingMissing,
    /// These missing materials cannot be deferred.
    HardMaterials(Vec<String>),
}

/// What a decision (or a change, or a query) lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionProblem {
    BadDeadline,
    DeadlineNotLater,
    PromiseRequired,
    RejectReasonRequired,
    SupplementNeedsList,
    NothingToChange,
    NoSuchNotice,
    /// 不予许可 without its reason.
    DenyReasonRequired,
    BadDate {
        text: String,
    },
}

/// Why an imported file is not taken as an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentProblem {
    Empty,
    TooLarge { max_mb: usize },
    UnsupportedType,
}

impl IntakeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            IntakeError::UnknownItem(_) => ErrorCode::IntakeUnknownItem,
            IntakeError::UnknownCase(_) => ErrorCode::IntakeUnknownCase,
            IntakeError::Situation(_) => ErrorCode::IntakeSituation,
            IntakeError::Field { .. } => ErrorCode::IntakeField,
            IntakeError::Party { .. } => ErrorCode::IntakeParty,
            IntakeError::MaterialsMissing(_) => ErrorCode::IntakeMaterialsMissing,
            IntakeError::NotDeferrable(_) => ErrorCode::IntakeNotDeferrable,
            IntakeError::Decision(_) => ErrorCode::IntakeDecision,
            IntakeError::NoticeNotPrinted => ErrorCode::IntakeNoticeNotPrinted,
            IntakeError::WrongState(_) => ErrorCode::IntakeWrongState,
            IntakeError::ReasonRequired => ErrorCode::IntakeReasonRequired,
            IntakeError::CardNotRead(_) => ErrorCode::IntakeCardNotRead,
            IntakeError::CardExpired(_) => ErrorCode::IntakeCardExpired,
            IntakeError::CodeNotRead(_) => ErrorCode::IntakeCodeNotRead,
            IntakeError::Store(_) | IntakeError::Sqlite(_) => ErrorCode::IntakeStore,
            IntakeError::Corrupt(_) => ErrorCode::IntakeCorrupt,
            IntakeError::Export(_) => ErrorCode::IntakeExport,
            IntakeError::IdSearchNeedsCard => ErrorCode::IntakeIdSearchNeedsCard,
            IntakeError::Attachment(_) => ErrorCode::IntakeAttachment,
            IntakeError::Blob(_) => ErrorCode::IntakeBlob,
            IntakeError::NotInstant => ErrorCode::IntakeNotInstant,
            IntakeError::Concluded => ErrorCode::IntakeConcluded,
            IntakeError::WithdrawRequestMissing => ErrorCode::IntakeWithdrawRequest,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        crate::messages::intake_message(self)
    }

    pub fn to_user(&self) -> UserError {
        UserError::with_message(self.code(), self.message(), self.to_string())
    }
}

impl From<IntakeError> for UserError {
    fn from(e: IntakeError) -> Self {
        e.to_user()
    }
}
