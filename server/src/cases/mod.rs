//! Cases as the hall's record (issue 18, I1 / I2 / H1).
//!
//! - **Arrival**: the workstations push each decided case as a sync record of kind `case`
//!   (the workstation's `Case` JSON). In the push's transaction it is checked
//!   ([`payload::check`]) and extracted into `cases`, `case_parties` and `case_materials`
//!   ([`store::extract`]); hall and window come from the pushing workstation's enrollment.
//!   A case number the hall already holds for another case is a clash: the record is kept
//!   whole in `case_clashes` for IT and refused (`case_no_clash`), never merged.
//! - **Identities**: an applicant's ID number and name are kept only as keyed hashes
//!   (HMAC-SHA256, [`IndexKey`]) for the search and as masked text for lists.
//! - **Progress**: approval systems (a [`systems`] bearer token, one hall) and IT (the admin
//!   CLI) report 审批中, 办结（准予/不予许可）, 结果已制证待领取; each step is one row of
//!   `case_events`, numbered per workstation that holds the case, which the workstation pulls
//!   (`GET /sync/case-events?after=`) so its time-limit lights follow the real status.
//! - **Search**: clerks with `query` or `issue` find the hall's cases by number, ID number or
//!   name (`GET /cases`), within their departments.

pub mod admin;
pub mod flow;
pub mod handlers;
pub mod payload;
pub mod pickup;
pub mod store;
pub mod systems;

use axum::http::StatusCode;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::error::ErrorCode;

/// Why a case request was refused (one code each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseProblem {
    /// No such case in this hall.
    Unknown,
    /// The case is of a department the clerk does not serve.
    OutOfScope,
    /// The desk did not take the case in (rejected, 补正, withdrawn): nothing to report on.
    NotTakenIn,
    /// A step back, a step the back office may not report (已领取), or a race lost.
    ProgressInvalid,
    /// Handover: the result is not ready.
    NotReady,
    /// Handover: neither the applicant, nor the pickup person named at intake, nor an agent
    /// with the applicant's authorisation.
    PersonMismatch,
    /// Handover: the locker code holds another result.
    LockerInUse,
    /// Handover: the result was already handed over.
    AlreadyPickedUp,
    /// Material flow: no such package in this hall.
    FlowUnknown,
}

impl CaseProblem {
    pub fn code(self) -> ErrorCode {
        match self {
            CaseProblem::Unknown => ErrorCode::CaseUnknown,
            CaseProblem::OutOfScope => ErrorCode::CaseOutOfScope,
            CaseProblem::NotTakenIn => ErrorCode::CaseNotTakenIn,
            CaseProblem::ProgressInvalid => ErrorCode::CaseProgressInvalid,
            CaseProblem::NotReady => ErrorCode::PickupNotReady,
            CaseProblem::PersonMismatch => ErrorCode::PickupPersonMismatch,
            CaseProblem::LockerInUse => ErrorCode::PickupLockerInUse,
            CaseProblem::AlreadyPickedUp => ErrorCode::PickupAlreadyDone,
            CaseProblem::FlowUnknown => ErrorCode::FlowUnknown,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            CaseProblem::Unknown | CaseProblem::FlowUnknown => StatusCode::NOT_FOUND,
            CaseProblem::OutOfScope => StatusCode::FORBIDDEN,
            CaseProblem::PersonMismatch => StatusCode::FORBIDDEN,
            _ => StatusCode::CONFLICT,
        }
    }
}

/// Where a case stands after the desk's decision, as the back office reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// 已受理: the desk's decision arrived; nothing reported yet.
    Received,
    /// 审批中.
    InReview,
    /// 办结（准予许可）.
    Approved,
    /// 办结（不予许可）.
    Denied,
    /// 结果已制证待领取.
    Ready,
    /// 已领取 (recorded by an issuing window).
    PickedUp,
}

impl Progress {
    pub const ALL: [Progress; 6] = [
        Progress::Received,
        Progress::InReview,
        Progress::Approved,
        Progress::Denied,
        Progress::Ready,
        Progress::PickedUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Received => "received",
            Progress::InReview => "in_review",
            Progress::Approved => "approved",
            Progress::Denied => "denied",
            Progress::Ready => "ready",
            Progress::PickedUp => "picked_up",
        }
    }

    pub fn parse(s: &str) -> Option<Progress> {
        Progress::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The Chinese label, from the message table.
    pub fn label(self) -> &'static str {
        crate::messages::progress_label(self)
    }

    /// 办结: the time limit stops.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Progress::Approved | Progress::Denied | Progress::Ready | Progress::PickedUp
        )
    }

    /// Whether the back office may report `to` on a case at `self` (a report of the step the
    /// case is already at is a replay, answered without a change). A result — the licence or
    /// the 不予许可 decision — is made after 办结; 已领取 comes only from an issuing window.
    pub fn may_report(self, to: Progress) -> bool {
        use Progress::*;
        match to {
            Received | PickedUp => false,
            InReview => matches!(self, Received),
            Approved | Denied => matches!(self, Received | InReview),
            Ready => matches!(self, Received | InReview | Approved | Denied),
        }
    }
}

/// The hall's citizen-data key: the keyed hash of citizen identities (HMAC-SHA256) and the
/// seal of stored record payloads (AES-256-GCM), both under keys derived from the grant key,
/// so every server instance of a hall (which share the grant key) computes the same index and
/// opens the same seals.
#[derive(Clone)]
pub struct IndexKey([u8; 32], [u8; 32]);

impl std::fmt::Debug for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexKey(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

/// The start of a sealed payload.
pub const SEAL_PREFIX: &str = "seal:v1:";

impl IndexKey {
    /// Derives the index key from the grant key's seed.
    pub fn derive(grant_seed: &[u8; 32]) -> IndexKey {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut mac = <HmacSha256 as Mac>::new_from_slice(grant_seed).expect("any key length");
            mac.update(label);
            mac.finalize().into_bytes().into()
        };
        IndexKey(
            derive(b"yichuang case identity index v1"),
            derive(b"yichuang record payload seal v1"),
        )
    }

    /// Seals a record's payload for storage: `seal:v1:` and base64 of nonce and AES-256-GCM
    /// ciphertext. Citizen data (names, ID numbers, addresses) is never stored in clear.
    pub fn seal(&self, payload: &str) -> String {
        use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
        use base64::Engine;
        let cipher = aes_gcm::Aes256Gcm::new((&self.1).into());
        let nonce = aes_gcm::Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, payload.as_bytes())
            .expect("AES-GCM encrypts any payload under 64 GiB");
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!(
            "{SEAL_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    /// Opens a stored payload (a payload stored before sealing is returned as it is); `None`
    /// when the seal does not open under this hall's key.
    pub fn open(&self, stored: &str) -> Option<String> {
        use aes_gcm::aead::{Aead, KeyInit};
        use base64::Engine;
        let Some(b64) = stored.strip_prefix(SEAL_PREFIX) else {
            return Some(stored.to_owned());
        };
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(12);
        let cipher = aes_gcm::Aes256Gcm::new((&self.1).into());
        let plain = cipher.decrypt(nonce.into(), sealed).ok()?;
        String::from_utf8(plain).ok()
    }

    fn hash(&self, domain: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(domain.as_bytes());
        mac.update(b"|");
        mac.update(value.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The index of an ID number (trimmed, upper-case: a final `x` is the check letter X).
    pub fn id_number(&self, id: &str) -> String {
        self.hash("id", &id.trim().to_uppercase())
    }

    /// The index of a name (without spaces).
    pub fn name(&self, name: &str) -> String {
        let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        self.hash("name", &n)
    }
}

/// A name and ID number masked for lists: the first character of the name, the first four and
/// last four characters of the number.
pub fn mask(name: &str, id: &str) -> String {
    let name = name.trim();
    let mut masked: String = name.chars().take(1).collect();
    masked.extend(name.chars().skip(1).map(|_| '*'));
    let id: Vec<char> = id.trim().to_uppercase().chars().collect();
    if id.len() > 8 {
        let hidden = "*".repeat(id.len() - 8);
        let head: String = id[..4].iter().collect();
        let tail: String = id[id.len() - 4..].iter().collect();
        format!("{masked} {head}{hidden}{tail}")
    } else if id.is_empty() {
        masked
    } else {
        format!("{masked} {}", "*".repeat(id.len()))
    }
}

/// One case as the hall's record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    /// The workstation's case id (the sync record id).
    pub id: String,
    pub case_no: Option<String>,
    pub hall_code: String,
    pub window: u32,
    pub department: String,
    pub item_code: String,
    pub item_name: String,
    /// The desk's decision: accepted, deferred, rejected, supplement, withdrawn.
    pub state: String,
    pub progress: Progress,
    pub progress_label: String,
    pub clerk_id: String,
    /// 「张*  4415**********123X」; an organisation by its name and 统一社会信用代码 with its
    /// legal representative masked.
    pub applicant: String,
    pub decided_at: Option<i64>,
    /// yyyy-mm-dd: the promised completion (or supplement) date.
    pub due_date: Option<String>,
}

/// A material line of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseMaterial {
    pub material_id: String,
    pub name: String,
    pub required: bool,
    /// missing, paper, copy, electronic, scanned
    pub received: String,
    pub pages: u32,
    pub files: u32,
    /// The electronic licence received in place of paper (L2): its GB/T 36904 identifier.
    pub licence: Option<String>,
}

/// One progress step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseEvent {
    /// The feed position for the workstation that holds the case.
    pub seq: i64,
    pub case_id: String,
    pub case_no: Option<String>,
    pub progress: Progress,
    pub note: String,
    /// desk, backoffice:<system id>, admin, issuing:<workstation>, flow:<workstation>
    pub source: String,
    pub at: i64,
    /// A material-flow sign-off (F3): the package whose paper of this case was signed for;
    /// `progress` is then the case's, unchanged.
    pub flow: Option<String>,
}

/// A case with its materials and progress history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    pub case: CaseSummary,
    pub materials: Vec<CaseMaterial>,
    pub history: Vec<CaseEvent>,
    /// Handovers at issuing windows (H2).
    pub pickups: Vec<pickup::PickupView>,
    /// The packages its paper travelled in (F3), with the receiving end's sign-off.
    pub flows: Vec<flow::CaseFlow>,
}

/// A progress report of the back office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgressReport {
    /// in_review, approved, denied or ready.
    pub progress: Progress,
    /// Free text for the clerk (e.g. 「证照已制好，请到 7 号窗口领取」), at most 500 characters.
    #[serde(default)]
    pub note: String,
}

/// What a progress report did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgressResult {
    pub case: CaseSummary,
    /// False when the case already was at that step (a repeated report changes nothing).
    pub changed: bool,
}

/// The workstation's feed of progress steps of the cases it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaseEvents {
    pub events: Vec<CaseEvent>,
    /// Ask again with `after` = this.
    pub last_seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i1_identities_are_masked_and_indexed_alike_however_typed() {
        let k = IndexKey::derive(&[7; 32]);
        assert_eq!(
            k.id_number("44150219900101123x"),
            k.id_number(" 44150219900101123X")
        );
        assert_eq!(k.name("张 三"), k.name("张三"));
        assert_ne!(k.name("张三"), k.id_number("张三"));
        assert_ne!(IndexKey::derive(&[8; 32]).name("张三"), k.name("张三"));
        assert_eq!(
            mask("张三丰", "44150219900101123X"),
            "张** 4415**********123X"
        );
        assert_eq!(mask("李四", ""), "李*");
    }

    #[test]
    fn i2_the_back_office_moves_a_case_forward_only() {
        use Progress::*;
        assert!(Received.may_report(InReview));
        assert!(InReview.may_report(Approved));
        assert!(Approved.may_report(Ready));
        assert!(!Ready.may_report(InReview));
        assert!(Denied.may_report(Ready) && !Ready.may_report(Approved));
        assert!(!Received.may_report(PickedUp));
        assert!(Approved.is_closed() && !InReview.is_closed());
    }
}
