//! The licence library (issue 20, L1–L3, A6): electronic licences (电子证照) a clerk finds for
//! the item at hand once the citizen's ID card has been read.
//!
//! - **The library** sits behind [`LicenceLibrary`], so a hall can point at the provincial
//!   电子证照库 later; [`store::LocalLibrary`] is our own, over the hall database: licences with
//!   their GB/T 36904 identifier, holder (keyed hash for the lookup, sealed clear value), issuer,
//!   validity, revocation, the file (PDF or OFD, a sealed blob) and the issuer's signature as
//!   imported. IT fills it with `licence import` ([`import`]).
//! - **Lookup after a card read** ([`handlers`]): a clerk at an enrolled workstation asks for the
//!   licences of the holder whose card was read, for the licence types of the current item; the
//!   request carries the workstation's signed `card.read` audit entry
//!   ([`yichuang_pki::card_read::CardReadProof`]), checked against the workstation's key, the
//!   clerk, the holder and [`PROOF_WINDOW_MS`]. The answer is per type: 成功 with the licences,
//!   无证件信息, or 失败:权限不足 when the clerk's department may not see that type
//!   (`licence_type_grants`). Preview and download need the same proof; 反馈 is kept for the
//!   issuing department. Every lookup, preview, download and feedback is a row of
//!   `licence_access_log` (clerk, workstation, item, purpose, the holder's keyed hash only).

pub mod admin;
pub mod handlers;
pub mod import;
pub mod store;

use std::future::Future;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, ErrorCode, Result};

/// How old a card read may be to open a lookup: 30 minutes, the length of one visit at the
/// window (a later lookup needs the card read again).
pub const PROOF_WINDOW_MS: i64 = yichuang_pki::card_read::PROOF_WINDOW_MS;
/// Most licence types asked at once.
pub const MAX_TYPES: usize = 64;

/// Why a licence request was refused (one code each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceProblem {
    /// No card-read proof with the request.
    ProofMissing,
    /// Not a card read, edited, or not signed by this workstation's key.
    ProofInvalid,
    /// The card was read by another clerk (or before login).
    ProofOtherClerk,
    /// The card read is not the holder asked about.
    ProofOtherHolder,
    /// The card was read too long ago.
    ProofStale,
    /// No such licence (or not the proven holder's).
    Unknown,
    /// The clerk's department may not see this licence type.
    TypeDenied,
    /// An import row, identifier, holder or feedback that is not right.
    Invalid,
    /// The licence library does not answer.
    LibraryUnavailable,
}

impl LicenceProblem {
    pub fn code(self) -> ErrorCode {
        match self {
            LicenceProblem::ProofMissing => ErrorCode::LicenceProofMissing,
            LicenceProblem::ProofInvalid => ErrorCode::LicenceProofInvalid,
            LicenceProblem::ProofOtherClerk => ErrorCode::LicenceProofOtherClerk,
            LicenceProblem::ProofOtherHolder => ErrorCode::LicenceProofOtherHolder,
            LicenceProblem::ProofStale => ErrorCode::LicenceProofStale,
            LicenceProblem::Unknown => ErrorCode::LicenceUnknown,
            LicenceProblem::TypeDenied => ErrorCode::LicenceTypeDenied,
            LicenceProblem::Invalid => ErrorCode::LicenceInvalid,
            LicenceProblem::LibraryUnavailable => ErrorCode::LicenceLibraryUnavailable,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            LicenceProblem::Unknown => StatusCode::NOT_FOUND,
            LicenceProblem::Invalid => StatusCode::BAD_REQUEST,
            LicenceProblem::LibraryUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

pub(crate) fn problem(problem: LicenceProblem, detail: impl Into<String>) -> Error {
    Error::Licence {
        problem,
        detail: detail.into(),
    }
}

/// Who holds a licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// A person, by ID number (the card read).
    Person,
    /// An organisation, by 统一社会信用代码 (its representative's card read).
    Organisation,
}

impl HolderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HolderKind::Person => "person",
            HolderKind::Organisation => "organisation",
        }
    }

    pub fn parse(text: &str) -> Option<HolderKind> {
        match text {
            "person" => Some(HolderKind::Person),
            "organisation" => Some(HolderKind::Organisation),
            _ => None,
        }
    }
}

/// A holder: kind and number (upper case, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub kind: HolderKind,
    pub number: String,
}

impl Holder {
    /// Checks the number: a 统一社会信用代码 with its check character for an organisation; 6–32
    /// letters and digits for a person (resident ID numbers, permanent residence cards, HK/Macao/
    /// Taiwan residence permits).
    pub fn new(kind: HolderKind, number: &str) -> Result<Holder> {
        let number = number.trim().to_uppercase();
        match kind {
            HolderKind::Organisation => {
                yichuang_pki::ident::Uscc::parse(&number)
                    .map_err(|e| problem(LicenceProblem::Invalid, format!("holder: {e}")))?;
            }
            HolderKind::Person => {
                if !(6..=32).contains(&number.len())
                    || !number.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(problem(
                        LicenceProblem::Invalid,
                        "holder: 6 to 32 letters and digits expected",
                    ));
                }
            }
        }
        Ok(Holder { kind, number })
    }
}

/// A licence's state on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Valid,
    Revoked,
    /// Past its valid-until date (computed from the date, never stored).
    Expired,
}

/// What the library holds about one licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub holder: Holder,
    pub holder_name: String,
    pub issuer_code: String,
    pub issuer_name: String,
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub revoked_reason: Option<String>,
    pub revoked: bool,
    pub file_sha256: String,
    pub file_size: u64,
    pub file_format: String,
    pub signature_check: String,
}

impl Licence {
    /// Revoked, else expired when `today` (YYYY-MM-DD) is past the valid-until date, else valid.
    pub fn status(&self, today: &str) -> LicenceStatus {
        if self.revoked {
            LicenceStatus::Revoked
        } else if self.valid_until.as_deref().is_some_and(|u| u < today) {
            LicenceStatus::Expired
        } else {
            LicenceStatus::Valid
        }
    }
}

/// 反馈 on a licence's data, for the issuing department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub identifier: Option<String>,
    pub type_code: String,
    pub category: String,
    pub comment: String,
    pub clerk: String,
    pub workstation: String,
    pub item: String,
    /// Unix ms.
    pub at: i64,
}

/// A licence library: ours ([`store::LocalLibrary`]) or an adapter to the provincial one.
/// Permissions, proofs and the access log stay on this server whichever library answers.
pub trait LicenceLibrary: Send + Sync {
    /// The holder's licences of `types`.
    fn lookup(
        &self,
        holder: &Holder,
        types: &[String],
    ) -> impl Future<Output = Result<Vec<Licence>>> + Send;
    /// One licence by identifier.
    fn licence(&self, identifier: &str) -> impl Future<Output = Result<Option<Licence>>> + Send;
    /// The licence's file.
    fn file(
        &self,
        licence: &Licence,
    ) -> impl Future<Output = Result<crate::sync::blobs::BlobBody>> + Send;
    /// Keeps a feedback for the issuing department; returns its id.
    fn feedback(&self, feedback: &NewFeedback) -> impl Future<Output = Result<String>> + Send;
}

/// The date in China (UTC+8) of `now_ms`, `YYYY-MM-DD`: validity dates are civil dates there.
pub fn china_date(now_ms: i64) -> String {
    crate::admin::utc(now_ms + 8 * 3_600_000)[..10].to_owned()
}

/// Whether `text` is a calendar date `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l2_status_follows_revocation_then_the_date() {
        let mut l = Licence {
            identifier: String::new(),
            type_code: String::new(),
            type_name: String::new(),
            holder: Holder {
                kind: HolderKind::Person,
                number: "X".into(),
            },
            holder_name: String::new(),
            issuer_code: String::new(),
            issuer_name: String::new(),
            issued_on: "2020-01-01".into(),
            valid_until: Some("2026-12-07".into()),
            revoked_reason: None,
            revoked: false,
            file_sha256: String::new(),
            file_size: 0,
            file_format: "pdf".into(),
            signature_check: "unchecked".into(),
        };
        assert_eq!(l.status("2026-12-07"), LicenceStatus::Valid);
        assert_eq!(l.status("2026-12-08"), LicenceStatus::Expired);
        l.revoked = true;
        assert_eq!(l.status("2026-01-01"), LicenceStatus::Revoked);
        l.valid_until = None;
        l.revoked = false;
        assert_eq!(l.status("2999-01-01"), LicenceStatus::Valid);
    }

    #[test]
    fn dates_parse_strictly() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-13-01"));
        assert!(!is_date("2023-1-01"));
        assert!(!is_date("２０２３-01-01"));
        assert_eq!(china_date(1_796_515_200_000 - 3_600_000), "2026-12-06");
        assert_eq!(china_date(1_796_515_200_000 - 8 * 3_600_000), "2026-12-06");
        assert_eq!(china_date(1_796_515_200_000 + 16 * 3_600_000), "2026-12-07");
    }
}
