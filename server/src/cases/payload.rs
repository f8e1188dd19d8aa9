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
}

#[derive(Debug, Clone, Deserialize)]
pub struct DraftPayload {
    pub applicant: PartyPayload,
    pub agent: Option<PartyPayload>,
    pub pickup: Option<PartyPayload>,
    #[serde(default)]
    pub materials: Vec<MaterialPayload>,
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

/// Parses and checks a `case` record: its id is the case's, the fields the hall's record
/// reads are there and in range.
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
        })
        && parties
            .into_iter()
            .all(|p| p.name.chars().count() <= 100 && p.id_number.chars().count() <= 40);
    if ok {
        Ok(c)
    } else {
        Err(RecordProblem::InvalidCase)
    }
}
