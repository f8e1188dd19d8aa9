//! The case and what it is made of: its state, parties, materials, draft, decision, notices and
//! changes. Plain data, stored as JSON in the case row and sent to the backend as it is.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// State of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// 暂存 / being taken in.
    Draft,
    /// 已受理.
    Accepted,
    /// 容缺受理 (materials promised by a deadline).
    Deferred,
    /// 不予受理.
    Rejected,
    /// 补正补齐 (the citizen comes back with the listed materials).
    Supplement,
    /// 已撤回 (after the decision, with a reason).
    Withdrawn,
}

impl CaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Draft => "draft",
            CaseState::Accepted => "accepted",
            CaseState::Deferred => "deferred",
            CaseState::Rejected => "rejected",
            CaseState::Supplement => "supplement",
            CaseState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        [
            CaseState::Draft,
            CaseState::Accepted,
            CaseState::Deferred,
            CaseState::Rejected,
            CaseState::Supplement,
            CaseState::Withdrawn,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        crate::domain::intake::labels::case_state(self)
    }

    /// Whether intake may still work on the case: a draft, a 补正 case the citizen came back
    /// to (E5), or a 容缺 case whose promised materials came in (E9): saved, printed and
    /// decided again on the same case number.
    pub fn open_for_intake(self) -> bool {
        matches!(
            self,
            CaseState::Draft | CaseState::Supplement | CaseState::Deferred
        )
    }
}

/// Where a decided case stands in the back office (issue 18), as the hall server reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CaseProgress {
    /// 已受理 (at the server; nothing reported yet).
    Received,
    /// 审批中.
    InReview,
    /// 办结（准予许可）.
    Approved,
    /// 办结（不予许可）.
    Denied,
    /// 结果已制证待领取.
    Ready,
    /// 已领取.
    PickedUp,
}

impl CaseProgress {
    pub const ALL: [CaseProgress; 6] = [
        CaseProgress::Received,
        CaseProgress::InReview,
        CaseProgress::Approved,
        CaseProgress::Denied,
        CaseProgress::Ready,
        CaseProgress::PickedUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseProgress::Received => "received",
            CaseProgress::InReview => "in_review",
            CaseProgress::Approved => "approved",
            CaseProgress::Denied => "denied",
            CaseProgress::Ready => "ready",
            CaseProgress::PickedUp => "picked_up",
        }
    }

    pub fn parse(s: &str) -> Option<CaseProgress> {
        CaseProgress::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// 办结 or after: the time limit stops.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            CaseProgress::Approved
                | CaseProgress::Denied
                | CaseProgress::Ready
                | CaseProgress::PickedUp
        )
    }
}

/// Where a party's identity came from (A6): a card read on this reader, a personal identity
/// code (粤居码-style) read by the document camera at this window, typed by the clerk (flagged
/// in the audit), or not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    Card,
    Code,
    Typed,
    #[default]
    None,
}

/// An applicant, agent (代办人) or pickup person (领取人).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Party {
    pub name: String,
    pub id_number: String,
    pub id_source: IdSource,
    pub sex: String,
    pub nation: String,
    /// yyyy-mm-dd.
    pub birth: String,
    pub address: String,
    pub phone: String,
}

impl Party {
    pub fn is_empty(&self) -> bool {
        self.name.trim().is_empty() && self.id_number.trim().is_empty()
    }
}

/// Who applies (申请对象, seed 003 §3.3.2): a person (个人), or an organisation (法人或其他组织,
/// 「申请单位」) named with its 统一社会信用代码 and represented by its legal representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    #[default]
    Person,
    Organisation,
}

/// An organisation applying (企业、法人或其他组织; seed 000 §1.3.1, seed 003 §3.3.2). The person
/// standing for it is the draft's `applicant`: its legal representative (法定代表人), read by
/// card or typed like any party (A6); whoever handles the case for it (经办人) is the agent.
/// A 统一社会信用代码 is not personal data: it is stored and synced as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
pub struct Organisation {
    /// 单位名称.
    pub name: String,
    /// 统一社会信用代码 (GB 32100, 18 characters, check character verified before a decision),
    /// upper case once checked.
    pub uscc: String,
}

/// How a material was handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReceivedAs {
    /// Not (yet) handed in.
    #[default]
    Missing,
    /// 纸质原件 checked and returned / kept.
    Paper,
    /// 复印件 kept.
    Copy,
    /// 电子证照 / 电子材料 (file or e-licence).
    Electronic,
    /// Captured with the document camera (高拍仪).
    Scanned,
}

/// A file attached to a material (imported or captured), stored as an encrypted blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Attachment {
    pub sha256: String,
    pub name: String,
    /// Bytes (specta: number).
    pub size: u32,
    pub pages: u32,
    pub mime: String,
}

/// One line of the materials checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MaterialEntry {
    pub material_id: String,
    pub name: String,
    pub required: bool,
    /// 「原件」「复印件」…
    pub form: String,
    pub count: u32,
    /// May be missing at a 容缺 acceptance.
    pub deferrable: bool,
    pub received: ReceivedAs,
    pub pages: u32,
    pub files: Vec<Attachment>,
    pub note: String,
    /// The 电子证照 type that can replace the paper (the catalog's name), if any (E3).
    #[serde(default)]
    pub licence_type: Option<String>,
    /// The electronic licence received instead of paper (L2): its file is in `files`.
    #[serde(default)]
    pub licence: Option<AttachedLicence>,
}

/// An electronic licence taken from the licence library in place of paper (L2): valid when it
/// was attached, its file stored like any material file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AttachedLicence {
    /// GB/T 36904 identifier (证照标识).
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub issuer_name: String,
    pub issued_on: String,
    /// `None`: 长期.
    pub valid_until: Option<String>,
    /// The issuer's signature as the library checked it at import: `verified` or `unchecked`.
    pub signature_check: String,
    /// The attachment holding the licence file (its SHA-256).
    pub sha256: String,
}

impl MaterialEntry {
    pub fn is_in(&self) -> bool {
        self.received != ReceivedAs::Missing
    }
}

/// An answer of the situation Q&A.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Answer {
    pub question_id: String,
    pub option: u32,
}

/// What the clerk has typed, picked and ticked: everything but the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaseDraft {
    /// Set once the draft was saved.
    pub id: Option<String>,
    pub item_code: String,
    pub answers: Vec<Answer>,
    /// The situation the answers lead to; `None` while the Q&A is not finished.
    pub situation_id: Option<String>,
    /// The applicant; for an organisation, its legal representative (法定代表人).
    pub applicant: Party,
    /// The organisation applying, `None` for a person. Absent from drafts and cases stored
    /// before organisations could apply, and left out of a person's JSON, so their stored
    /// text, their notices' hashes and the server's reading of them are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Organisation>,
    pub agent: Option<Party>,
    pub pickup: Option<Party>,
    pub form: BTreeMap<String, String>,
    pub materials: Vec<MaterialEntry>,
    /// 收件备注.
    pub notes: String,
}

impl CaseDraft {
    /// 个人 or 法人或其他组织.
    pub fn applicant_kind(&self) -> ApplicantKind {
        match self.organisation {
            Some(_) => ApplicantKind::Organisation,
            None => ApplicantKind::Person,
        }
    }

    /// Whom the case is for, as lists and notices name it: the organisation's name, else the
    /// applicant's (trimmed; may be empty).
    pub fn applicant_name(&self) -> &str {
        match &self.organisation {
            Some(o) => o.name.trim(),
            None => self.applicant.name.trim(),
        }
    }

    /// The organisation's 统一社会信用代码 when it is a valid one (upper case): the holder of
    /// the licences to look up for this case (`LicenceQuery::organisation`).
    pub fn organisation_uscc(&self) -> Option<String> {
        let o = self.organisation.as_ref()?;
        yichuang_pki::ident::Uscc::parse(&o.uscc)
            .ok()
            .map(|c| c.to_string())
    }
}

/// The decision the clerk is about to take or took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Accept,
    /// 容缺受理.
    Deferred,
    Reject,
    Supplement,
}

impl DecisionKind {
    pub fn state(self) -> CaseState {
        match self {
            DecisionKind::Accept => CaseState::Accepted,
            DecisionKind::Deferred => CaseState::Deferred,
            DecisionKind::Reject => CaseState::Rejected,
            DecisionKind::Supplement => CaseState::Supplement,
        }
    }

    pub fn notice_kind(self) -> crate::domain::catalog::NoticeKind {
        use crate::domain::catalog::NoticeKind as N;
        match self {
            DecisionKind::Accept => N::Accept,
            DecisionKind::Deferred => N::Deferred,
            DecisionKind::Reject => N::Reject,
            DecisionKind::Supplement => N::Supplement,
        }
    }

    pub fn notice_title(self) -> &'static str {
        crate::domain::intake::labels::notice_title(self)
    }
}

/// The clerk's decision as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DecisionInput {
    pub kind: DecisionKind,
    /// Reject: the reason (required). Supplement / 容缺: optional remark.
    pub reason: String,
    /// 容缺: the citizen's written promise (承诺内容); required.
    pub promise: String,
    /// Supplement / 容缺: the deadline, yyyy-mm-dd; default 5 working days from today.
    pub deadline: Option<String>,
}

/// A decision as recorded, with what it was taken on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Decision {
    pub kind: DecisionKind,
    pub reason: String,
    pub promise: String,
    /// yyyy-mm-dd: supplement / 容缺 deadline; accepted: the promised completion date.
    pub deadline: Option<String>,
    /// The materials missing (supplement, 容缺), by name.
    pub missing: Vec<String>,
    /// Unix ms.
    #[specta(type = f64)]
    pub at: i64,
    pub clerk_id: String,
}

/// A printed notice (E6), kept so it can be reprinted exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PrintedNotice {
    pub kind: DecisionKind,
    pub title: String,
    /// The hall (running header) and the issuing department, as printed.
    pub hall: String,
    pub issuer: String,
    /// Hash of the decision and case content it was printed for: the decision button accepts
    /// only the decision whose notice was printed.
    pub decision_hash: String,
    pub paragraphs: Vec<String>,
    /// Unix ms of the first print.
    #[specta(type = f64)]
    pub printed_at: i64,
    pub prints: u32,
}

/// A change after the decision (E9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaseChange {
    #[specta(type = f64)]
    pub at: i64,
    pub clerk_id: String,
    pub kind: String,
    pub reason: String,
    pub detail: String,
    /// What the change was made on: a withdrawal's signed request (撤件申请) as captured with
    /// the document camera (an encrypted blob, uploaded like the material scans).
    #[serde(default)]
    pub files: Vec<Attachment>,
}

/// The result of a 即办件 given at the counter (E11): 准予许可 or 不予许可.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ConclusionResult {
    Approved,
    Denied,
}

impl ConclusionResult {
    /// The progress the case is at once concluded (办结).
    pub fn progress(self) -> CaseProgress {
        match self {
            ConclusionResult::Approved => CaseProgress::Approved,
            ConclusionResult::Denied => CaseProgress::Denied,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.progress().as_str()
    }
}

/// The clerk's conclusion of a 即办件 as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConclusionInput {
    pub result: ConclusionResult,
    /// 不予许可: the reason (required); 准予许可: an optional remark.
    pub reason: String,
}

/// A 即办件 closed at the counter (E11, I2): the result, its printed decision, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Conclusion {
    pub result: ConclusionResult,
    pub reason: String,
    /// The printed decision (准予许可决定书 / 不予许可决定书), kept for the record.
    pub title: String,
    pub paragraphs: Vec<String>,
    #[specta(type = f64)]
    pub at: i64,
    pub clerk_id: String,
}

/// A whole case as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Case {
    pub id: String,
    pub case_no: Option<String>,
    pub version: u32,
    pub state: CaseState,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub situation_name: Option<String>,
    pub clerk_id: String,
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = f64)]
    pub updated_at: i64,
    #[specta(type = Option<f64>)]
    pub decided_at: Option<i64>,
    pub due_date: Option<String>,
    pub print_count: u32,
    pub draft: CaseDraft,
    pub decision: Option<Decision>,
    pub notices: Vec<PrintedNotice>,
    pub changes: Vec<CaseChange>,
    /// A 即办件 closed at the counter (E11); `None` otherwise.
    #[serde(default)]
    pub conclusion: Option<Conclusion>,
}
