//! 部门协查 (department assistance, L4, seed 000 §1.3): a clerk of the requesting department
//! asks another department of the hall for a proof (证明) about an applicant — a person whose
//! ID card was read at the window (proven like a licence lookup, [`yichuang_pki::card_read`]),
//! or a company by its 统一社会信用代码 with its representative's card read — for the item at
//! hand. Staff of the providing department (permission `assist`, their clerk department equal
//! to the request's target) see it in their inbox, attach the proof as a PDF (written at the
//! window or their own file), stamp it with the department's e-seal at their window and upload
//! the stamped PDF, which this server verifies against the hall's seal CAs (`--seal-ca-dir`)
//! before it records signer and time; or they return the request with a reason.
//!
//! States: 待处理 `pending` → 待盖章 `awaiting_seal` → 已盖章 `sealed`; `pending` or
//! `awaiting_seal` → 已退回 `returned`.
//!
//! Creation is idempotent by the client-made id (a request made offline is queued at the
//! workstation and sent later: the same body again is the same request). The applicant, the
//! proofs asked for, the note, the return reason are sealed at rest (`IndexKey::seal`); the
//! documents are sealed blobs. Every action that gets past the credentials leaves a row in
//! `assist_log` (clerk, workstation, department, request, outcome), refusals included.

mod checks;
pub mod handlers;
pub mod store;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, ErrorCode};

/// Largest proof or stamped proof accepted (a few pages of text, or a scanned certificate).
pub const MAX_DOCUMENT_BYTES: usize = 16 << 20;
/// How long a request may wait in a workstation's outbox before it is sent (its card read is
/// checked against the request's creation time, not the time it arrives).
pub const MAX_QUEUED_MS: i64 = 7 * 24 * 3_600_000;
/// Most proofs asked in one request.
pub const MAX_PROOFS: usize = 20;

/// Why a 协查 call was refused (one code each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssistProblem {
    /// A field not as described.
    Invalid,
    /// No department of the hall by that name (no active clerk belongs to it).
    DepartmentUnknown,
    /// No such request, or not one the clerk's department may see.
    Unknown,
    /// The request is another department's.
    OtherDepartment,
    /// Not possible in the request's state (already stamped, returned, no proof yet).
    State,
    /// The id is taken by another request (another body or another workstation).
    IdReused,
    /// The upload is not a PDF.
    NotPdf,
    /// No card-read proof with the request.
    CardReadMissing,
    /// Not a card read of this workstation's chain signed by its key.
    CardReadInvalid,
    /// The card was read by another clerk.
    CardReadOtherClerk,
    /// The card read is not the applicant named.
    CardReadOtherHolder,
    /// The card was read too long before the request was made, or the request is too old.
    CardReadStale,
    /// The stamped proof carries no seal.
    SealMissing,
    /// A seal that does not verify: altered after stamping, broken signature, expired.
    SealInvalid,
    /// A seal not chained to the hall's seal CAs.
    SealUntrusted,
    /// The stamped document is not the proof attached to this request.
    SealOtherDocument,
}

impl AssistProblem {
    pub fn code(self) -> ErrorCode {
        match self {
            AssistProblem::Invalid => ErrorCode::AssistInvalid,
            AssistProblem::DepartmentUnknown => ErrorCode::AssistDepartmentUnknown,
            AssistProblem::Unknown => ErrorCode::AssistUnknown,
            AssistProblem::OtherDepartment => ErrorCode::AssistOtherDepartment,
            AssistProblem::State => ErrorCode::AssistState,
            AssistProblem::IdReused => ErrorCode::AssistIdReused,
            AssistProblem::NotPdf => ErrorCode::AssistNotPdf,
            AssistProblem::CardReadMissing => ErrorCode::AssistCardReadMissing,
            AssistProblem::CardReadInvalid => ErrorCode::AssistCardReadInvalid,
            AssistProblem::CardReadOtherClerk => ErrorCode::AssistCardReadOtherClerk,
            AssistProblem::CardReadOtherHolder => ErrorCode::AssistCardReadOtherHolder,
            AssistProblem::CardReadStale => ErrorCode::AssistCardReadStale,
            AssistProblem::SealMissing => ErrorCode::AssistSealMissing,
            AssistProblem::SealInvalid => ErrorCode::AssistSealInvalid,
            AssistProblem::SealUntrusted => ErrorCode::AssistSealUntrusted,
            AssistProblem::SealOtherDocument => ErrorCode::AssistSealOtherDocument,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            AssistProblem::Invalid | AssistProblem::DepartmentUnknown => StatusCode::BAD_REQUEST,
            AssistProblem::Unknown => StatusCode::NOT_FOUND,
            AssistProblem::State | AssistProblem::IdReused => StatusCode::CONFLICT,
            AssistProblem::NotPdf => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AssistProblem::SealMissing
            | AssistProblem::SealInvalid
            | AssistProblem::SealUntrusted
            | AssistProblem::SealOtherDocument => StatusCode::UNPROCESSABLE_ENTITY,
            AssistProblem::OtherDepartment
            | AssistProblem::CardReadMissing
            | AssistProblem::CardReadInvalid
            | AssistProblem::CardReadOtherClerk
            | AssistProblem::CardReadOtherHolder
            | AssistProblem::CardReadStale => StatusCode::FORBIDDEN,
        }
    }
}

pub(crate) fn problem(problem: AssistProblem, detail: impl Into<String>) -> Error {
    Error::Assist {
        problem,
        detail: detail.into(),
    }
}

/// A request's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssistState {
    /// 待处理: waiting for the providing department.
    Pending,
    /// 待盖章: the proof is attached, not stamped yet.
    AwaitingSeal,
    /// 已盖章: the stamped proof is verified and kept.
    Sealed,
    /// 已退回: the providing department returned it with a reason.
    Returned,
}

impl AssistState {
    pub fn as_str(self) -> &'static str {
        match self {
            AssistState::Pending => "pending",
            AssistState::AwaitingSeal => "awaiting_seal",
            AssistState::Sealed => "sealed",
            AssistState::Returned => "returned",
        }
    }

    pub fn parse(text: &str) -> Option<AssistState> {
        [
            AssistState::Pending,
            AssistState::AwaitingSeal,
            AssistState::Sealed,
            AssistState::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// 待处理 / 待盖章 / 已盖章 / 已退回.
    pub fn label(self) -> &'static str {
        crate::messages::assist_state(self)
    }
}

/// Who the proof is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// The person whose card was read.
    Person,
    /// A company by 统一社会信用代码; its representative's card was read.
    Organisation,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Person => "person",
            ApplicantKind::Organisation => "organisation",
        }
    }

    pub fn parse(text: &str) -> Option<ApplicantKind> {
        match text {
            "person" => Some(ApplicantKind::Person),
            "organisation" => Some(ApplicantKind::Organisation),
            _ => None,
        }
    }
}

/// A line of text: trimmed, 1..=`max` characters, no control characters.
pub(crate) fn line(what: &str, text: &str, max: usize) -> Result<String, Error> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(problem(
            AssistProblem::Invalid,
            format!("{what}: 1 to {max} characters without control characters expected"),
        ));
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l4_states_round_trip_and_have_their_labels() {
        for s in [
            AssistState::Pending,
            AssistState::AwaitingSeal,
            AssistState::Sealed,
            AssistState::Returned,
        ] {
            assert_eq!(AssistState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AssistState::AwaitingSeal.label(), "待盖章");
        assert_eq!(AssistState::parse("done"), None);
    }

    #[test]
    fn l4_lines_refuse_empty_long_and_control_text() {
        assert_eq!(
            line("x", "  无犯罪记录证明 ", 10).unwrap(),
            "无犯罪记录证明"
        );
        assert!(line("x", " ", 10).is_err());
        assert!(line("x", "a\u{7}b", 10).is_err());
        assert!(line("x", &"证".repeat(11), 10).is_err());
    }
}
