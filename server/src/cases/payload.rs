//! The `case` record as the workstation pushes it (its `Case` JSON), the part the hall's
//! record reads; the rest stays in the pushed record.

use serde::Deserialize;

use crate::sync::{PushRecord, RecordProblem};

#[derive(Debug, Clone, Deserialize)]
pub struct CasePayload {
    pub id: String,
    pub case_no: Option<String>,
    pub state: String,
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub clerk_id: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub due_date: Option<String>,
    pub draft: DraftPayload,
    /// Changes after the decision (E9); a withdrawal carries the citizen's signed request.
    #[serde(default)]
    pub changes: Vec<ChangePayload>,
    /// A 即办件 closed at the counter (E11): 准予 or 不予许可, 办结 at once.
    #[serde(default)]
    pub conclusion: Option<ConclusionPayload>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChangePayload {
    pub kind: String,
    #[serde(default)]
    pub files: Vec<FilePayload>,
}

/// A file of a change (the signed withdrawal request): a blob named by its SHA-256, uploaded
/// like the material scans.
#[derive(Debug, Clone, Deserialize)]
pub struct FilePayload {
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConclusionPayload {
    /// approved or denied.
    pub result: String,
    #[serde(default)]
    pub reason: String,
    pub at: i64,
}

impl ConclusionPayload {
    /// The progress the conclusion puts the case at.
    pub fn progress(&self) -> Option<super::Progress> {
        match super::Progress::parse(&self.result)? {
            p @ (super::Progress::Approved | super::Progress::Denied) => Some(p),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DraftPayload {
    /// The applicant; for an organisation, its legal representative.
    pub applicant: PartyPayload,
    /// An organisation applying (E2, issue 20): absent from a person's case and from cases
    /// pushed before organisations could apply.
    #[serde(default)]
    pub organisation: Option<OrganisationPayload>,
    pub agent: Option<PartyPayload>,
    pub pickup: Option<PartyPayload>,
    #[serde(default)]
    pub materials: Vec<MaterialPayload>,
}

/// An organisation applying: its name and 统一社会信用代码 (not personal data; kept as they are).
#[derive(Debug, Clone, Deserialize)]
pub struct OrganisationPayload {
    pub name: String,
    pub uscc: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PartyPayload {
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MaterialPayload {
    pub material_id: String,
    pub name: String,
    pub required: bool,
    pub received: String,
    pub pages: u32,
    #[serde(default)]
    pub files: Vec<serde_json::Value>,
    /// The electronic licence received in place of paper (L2).
    #[serde(default)]
    pub licence: Option<LicencePayload>,
}

/// What the case keeps of an attached licence: its identifier (checked here).
#[derive(Debug, Clone, Deserialize)]
pub struct LicencePayload {
    pub identifier: String,
}

const STATES: [&str; 6] = [
    "draft",
    "accepted",
    "deferred",
    "rejected",
    "supplement",
    "withdrawn",
];
const RECEIVED: [&str; 5] = ["missing", "paper", "copy", "electronic", "scanned"];

fn text_ok(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max
}

/// A case number: 1–40 ASCII letters, digits or `-`.
pub fn case_no_ok(s: &str) -> bool {
    (1..=40).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn sha256_ok(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A conclusion only on an accepted case; 不予许可 with its reason.
fn conclusion_ok(c: &CasePayload) -> bool {
    let Some(k) = &c.conclusion else {
        return true;
    };
    let reason = k.reason.trim();
    k.progress().is_some()
        && c.state == "accepted"
        && k.at > 0
        && reason.chars().count() <= 500
        && (k.result != "denied" || !reason.is_empty())
}

/// Changes well formed; a withdrawn case carries the signed request of its withdrawal (E9).
fn changes_ok(c: &CasePayload) -> bool {
    let files = c.changes.iter().flat_map(|ch| ch.files.iter());
    c.changes.len() <= 200
        && c.changes
            .iter()
            .all(|ch| ch.files.len() <= 20 && text_ok(&ch.kind, 32))
        && files.into_iter().all(|f| sha256_ok(&f.sha256))
        && (c.state != "withdrawn"
            || c.changes
                .iter()
                .any(|ch| ch.kind == "withdraw" && !ch.files.is_empty()))
}

/// Parses and checks a `case` record: its id is the case's, the fields the hall's record
/// reads are there and in range; an organisation named, with a 统一社会信用代码 whose check
/// character verifies; a conclusion only on an accepted case, a withdrawal only
/// with the citizen's signed request.
pub fn check(r: &PushRecord, text: &str) -> Result<CasePayload, RecordProblem> {
    let c: CasePayload = serde_json::from_str(text).map_err(|_| RecordProblem::InvalidCase)?;
    let parties = std::iter::once(&c.draft.applicant)
        .chain(c.draft.agent.iter())
        .chain(c.draft.pickup.iter());
    let ok = c.id == r.id
        && c.case_no.as_deref().is_none_or(case_no_ok)
        && STATES.contains(&c.state.as_str())
        && text_ok(&c.item_code, 64)
        && text_ok(&c.item_name, 200)
        && c.department.chars().count() <= 200
        && text_ok(&c.clerk_id, 64)
        && c.created_at > 0
        && c.due_date.as_deref().is_none_or(|d| d.len() == 10)
        && c.draft.materials.len() <= 200
        && c.draft.materials.iter().all(|m| {
            text_ok(&m.material_id, 64)
                && text_ok(&m.name, 200)
                && RECEIVED.contains(&m.received.as_str())
                && m.licence
                    .as_ref()
                    .is_none_or(|l| yichuang_pki::ident::LicenceId::parse(&l.identifier).is_ok())
        })
        && parties
            .into_iter()
            .all(|p| p.name.chars().count() <= 100 && p.id_number.chars().count() <= 40)
        && c.draft.organisation.as_ref().is_none_or(|o| {
            text_ok(&o.name, 200) && yichuang_pki::ident::Uscc::parse(&o.uscc).is_ok()
        })
        && conclusion_ok(&c)
        && changes_ok(&c);
    if ok {
        Ok(c)
    } else {
        Err(RecordProblem::InvalidCase)
    }
}
