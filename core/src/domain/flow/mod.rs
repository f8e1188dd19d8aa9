//! The material flow (物料流转, F3, issue 18; seed 004 §(24)–(25), 出证窗/流转岗物料签收).
//!
//! The paper the window kept (originals and copies) leaves for the department that decides the
//! case. The window clerk gathers the decided cases whose paper has not left yet into a package
//! for one department, numbered `WL` + hall code + date + window + sequence, and prints its
//! slip (物料流转单) with the package number as a QR code. At the receiving end a clerk scans
//! the slip (scanner gun or document camera, or types the number), sees what the package holds
//! and signs for all of it or for some cases. Each step is one SQLite transaction with its
//! audit entry and its record for the hall server (`flow`, `flow_signoff`); the server keeps the
//! package, marks the cases' materials received and tells the window that sent them through its
//! case feed, so the flow state shows on the case at both ends.

pub mod document;
pub mod wording;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::domain::audit::{self, AuditEntry};
use crate::domain::intake::{Case, CaseState, Desk, ReceivedAs};
use crate::domain::issuing::mask;
use crate::infra::store::Store;

/// A paper material travelling with its case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FlowMaterial {
    pub name: String,
    /// 「原件」 or 「复印件」, as received.
    pub form: String,
    pub pages: u32,
}

/// A case on the package: what it sends and whether the receiving end signed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FlowEntry {
    pub case_id: String,
    pub case_no: String,
    pub item_name: String,
    /// The applicant, masked (「张* 4415**********123X」).
    pub applicant: String,
    pub materials: Vec<FlowMaterial>,
    #[specta(type = Option<f64>)]
    pub received_at: Option<i64>,
    /// The clerk who signed for it.
    pub received_by: Option<String>,
}

/// A package of materials (物料流转包) and its slip's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MaterialFlow {
    pub no: String,
    /// The department the materials go to.
    pub department: String,
    /// The workstation that sent them (`441500-4`).
    pub from: String,
    pub clerk_id: String,
    #[specta(type = f64)]
    pub created_at: i64,
    pub entries: Vec<FlowEntry>,
}

impl MaterialFlow {
    pub fn received(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.received_at.is_some())
            .count()
    }
}

/// A decided case whose paper has not left the window yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FlowCandidate {
    pub case_id: String,
    pub case_no: String,
    pub item_name: String,
    pub applicant: String,
    pub department: String,
    pub materials: Vec<FlowMaterial>,
    #[specta(type = f64)]
    pub decided_at: i64,
}

/// A package made at this window, for the list of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FlowSummary {
    pub no: String,
    pub department: String,
    #[specta(type = f64)]
    pub created_at: i64,
    pub cases: u32,
    /// Cases the receiving end signed for (as far as this workstation knows).
    pub received: u32,
    pub print_count: u32,
}

/// Where a case's paper is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FlowState {
    /// On a package, not signed for yet (流转中).
    Sent,
    /// Signed for at the receiving end (已签收).
    Received,
}

impl FlowState {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Sent => "sent",
            FlowState::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<FlowState> {
        match s {
            "sent" => Some(FlowState::Sent),
            "received" => Some(FlowState::Received),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no case chosen")]
    NothingChosen,
    #[error("case {0} has no paper waiting to leave the window")]
    NotPending(String),
    #[error("the chosen cases go to different departments")]
    MixedDepartments,
    #[error("no package numbered {0}")]
    Unknown(String),
    #[error("every chosen case of package {0} was already signed for")]
    AlreadySigned(String),
    #[error("store: {0}")]
    Store(String),
}

impl From<rusqlite::Error> for FlowError {
    fn from(e: rusqlite::Error) -> Self {
        FlowError::Store(e.to_string())
    }
}

impl From<serde_json::Error> for FlowError {
    fn from(e: serde_json::Error) -> Self {
        FlowError::Store(e.to_string())
    }
}

impl FlowError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            FlowError::NothingChosen => C::FlowNothingChosen,
            FlowError::NotPending(_) => C::FlowNotPending,
            FlowError::MixedDepartments => C::FlowMixedDepartments,
            FlowError::Unknown(_) => C::FlowUnknown,
            FlowError::AlreadySigned(_) => C::FlowAlreadySigned,
            FlowError::Store(_) => C::FlowStore,
        }
    }
}

impl From<FlowError> for crate::UserError {
    fn from(e: FlowError) -> Self {
        crate::UserError::new(e.code(), e.to_string())
    }
}

/// A package number as [`create`] makes it: `WL`, 6-digit hall code, `yyyymmdd`, 3-digit
/// window, 3-digit sequence.
pub fn is_flow_no(t: &str) -> bool {
    t.len() == 22
        && t.starts_with("WL")
        && t[2..].bytes().all(|b| b.is_ascii_digit())
        && &t[8..10] == "20"
}

/// The paper of a case: what was received as an original or a copy.
fn paper(case: &Case) -> Vec<FlowMaterial> {
    case.draft
        .materials
        .iter()
        .filter_map(|m| {
            let form = match m.received {
                ReceivedAs::Paper => wording::ORIGINAL,
                ReceivedAs::Copy => wording::COPY,
                _ => return None,
            };
            Some(FlowMaterial {
                name: m.name.clone(),
                form: form.to_owned(),
                pages: m.pages.max(1),
            })
        })
        .collect()
}

fn candidate(case: &Case) -> Option<FlowCandidate> {
    let materials = paper(case);
    let open = matches!(case.state, CaseState::Accepted | CaseState::Deferred);
    if !open || materials.is_empty() {
        return None;
    }
    Some(FlowCandidate {
        case_id: case.id.clone(),
        case_no: case.case_no.clone()?,
        item_name: case.item_name.clone(),
        applicant: mask(&case.draft.applicant.name, &case.draft.applicant.id_number),
        department: case.department.clone(),
        materials,
        decided_at: case.decided_at.unwrap_or(case.updated_at),
    })
}

fn pending_in(
    conn: &rusqlite::Connection,
    only: Option<&[String]>,
) -> Result<Vec<FlowCandidate>, FlowError> {
    let mut stmt = conn.prepare(
        "SELECT id, data FROM cases
         WHERE flow_no IS NULL AND case_no IS NOT NULL AND state IN ('accepted', 'deferred')
         ORDER BY decided_at, id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, data) = row?;
        if only.is_some_and(|ids| !ids.contains(&id)) {
            continue;
        }
        let case: Case = serde_json::from_str(&data)?;
        out.extend(candidate(&case));
    }
    Ok(out)
}

/// The decided cases of this window whose paper has not left yet, oldest first.
pub fn pending(store: &mut Store) -> Result<Vec<FlowCandidate>, FlowError> {
    pending_in(store.conn(), None)
}

fn allocate_no(tx: &Transaction<'_>, desk: &Desk, at_ms: i64) -> Result<String, FlowError> {
    let (day, seq) = crate::infra::store::next_of_day(tx, "flow_seq", at_ms)?;
    Ok(format!(
        "WL{}{}{:03}{:03}",
        desk.hall_code, day, desk.window_number, seq
    ))
}

/// Makes a package of the chosen cases' paper for their department (F3): one transaction with
/// the package, the cases marked 流转中, the audit entry and the `flow` record for the server.
pub fn create(
    store: &mut Store,
    desk: &Desk,
    from: &str,
    case_ids: &[String],
    at_ms: i64,
) -> Result<MaterialFlow, FlowError> {
    if case_ids.is_empty() {
        return Err(FlowError::NothingChosen);
    }
    let tx = store
        .conn()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let chosen = pending_in(&tx, Some(case_ids))?;
    if let Some(missing) = case_ids
        .iter()
        .find(|id| !chosen.iter().any(|c| &c.case_id == *id))
    {
        return Err(FlowError::NotPending(missing.clone()));
    }
    let department = chosen[0].department.clone();
    if chosen.iter().any(|c| c.department != department) {
        return Err(FlowError::MixedDepartments);
    }
    let no = allocate_no(&tx, desk, at_ms)?;
    tx.execute(
        "INSERT INTO material_flows (no, department, clerk_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![no, department, desk.clerk_id, at_ms],
    )?;
    for c in &chosen {
        tx.execute(
            "INSERT INTO material_flow_cases (flow_no, case_id, materials) VALUES (?1, ?2, ?3)",
            params![no, c.case_id, serde_json::to_string(&c.materials)?],
        )?;
        tx.execute(
            "UPDATE cases SET flow_no = ?1, flow_state = 'sent', flow_at = ?2 WHERE id = ?3",
            params![no, at_ms, c.case_id],
        )?;
    }
    let payload = serde_json::json!({
        "no": no,
        "department": department,
        "clerk_id": desk.clerk_id,
        "created_at": at_ms,
        "cases": chosen.iter().map(|c| serde_json::json!({
            "case_id": c.case_id,
            "case_no": c.case_no,
            "materials": c.materials,
        })).collect::<Vec<_>>(),
    });
    let record = uuid::Uuid::now_v7().to_string();
    crate::infra::sync::outbox::enqueue_record(&tx, "flow", &record, 1, &payload, at_ms)
        .map_err(|e| FlowError::Store(e.to_string()))?;
    audit::record(
        &tx,
        at_ms,
        AuditEntry {
            actor: Some(desk.clerk_id.clone()),
            action: "flow.create".into(),
            subject: Some(no.clone()),
            detail: serde_json::json!({
                "department": department,
                "cases": chosen.iter().map(|c| &c.case_no).collect::<Vec<_>>(),
            }),
        },
    )?;
    tx.commit()?;
    Ok(MaterialFlow {
        no,
        department,
        from: from.to_owned(),
        clerk_id: desk.clerk_id.clone(),
        created_at: at_ms,
        entries: chosen
            .into_iter()
            .map(|c| FlowEntry {
                case_id: c.case_id,
                case_no: c.case_no,
                item_name: c.item_name,
                applicant: c.applicant,
                materials: c.materials,
                received_at: None,
                received_by: None,
            })
            .collect(),
    })
}

/// A package made at this workstation.
pub fn load(store: &mut Store, no: &str, from: &str) -> Result<Option<MaterialFlow>, FlowError> {
    let conn = store.conn();
    let head = conn
        .query_row(
            "SELECT department, clerk_id, created_at FROM material_flows WHERE no = ?1",
            [no],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((department, clerk_id, created_at)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT f.case_id, f.materials, f.received_at, f.received_by, c.data
         FROM material_flow_cases f JOIN cases c ON c.id = f.case_id
         WHERE f.flow_no = ?1 ORDER BY c.case_no",
    )?;
    let rows = stmt.query_map([no], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (case_id, materials, received_at, received_by, data) = row?;
        let case: Case = serde_json::from_str(&data)?;
        entries.push(FlowEntry {
            case_id,
            case_no: case.case_no.clone().unwrap_or_default(),
            item_name: case.item_name.clone(),
            applicant: mask(&case.draft.applicant.name, &case.draft.applicant.id_number),
            materials: serde_json::from_str(&materials)?,
            received_at,
            received_by,
        });
    }
    Ok(Some(MaterialFlow {
        no: no.to_owned(),
        department,
        from: from.to_owned(),
        clerk_id,
        created_at,
        entries,
    }))
}

/// The packages made here since `since_ms`, newest first.
pub fn list(store: &mut Store, since_ms: i64) -> Result<Vec<FlowSummary>, FlowError> {
    let mut stmt = store.conn().prepare(
        "SELECT f.no, f.department, f.created_at, f.print_count,
                (SELECT count(*) FROM material_flow_cases c WHERE c.flow_no = f.no),
                (SELECT count(*) FROM cases c WHERE c.flow_no = f.no AND c.flow_state = 'received')
         FROM material_flows f WHERE f.created_at >= ?1 ORDER BY f.created_at DESC, f.no DESC",
    )?;
    let rows = stmt.query_map([since_ms], |r| {
        Ok(FlowSummary {
            no: r.get(0)?,
            department: r.get(1)?,
            created_at: r.get(2)?,
            print_count: r.get(3)?,
            cases: r.get(4)?,
            received: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Counts a printed slip, with its audit entry.
pub fn record_print(
    store: &mut Store,
    clerk_id: &str,
    no: &str,
    job: &str,
    at_ms: i64,
) -> Result<(), FlowError> {
    store
        .transact(|tx| {
            tx.execute(
                "UPDATE material_flows SET print_count = print_count + 1 WHERE no = ?1",
                [no],
            )?;
            audit::record(
                tx,
                at_ms,
                AuditEntry {
                    actor: Some(clerk_id.to_owned()),
                    action: "flow.print".into(),
                    subject: Some(no.to_owned()),
                    detail: serde_json::json!({ "job": job }),
                },
            )?;
            Ok(())
        })
        .map_err(|e| FlowError::Store(e.to_string()))
}

/// Signs for the chosen cases of a package at the receiving end: one transaction with a
/// `flow_signoff` record per case for the server, the audit entry, and — for a package made
/// here — the local entries and cases at 已签收. Cases already signed for are passed over;
/// returns how many were signed now.
pub fn sign(
    store: &mut Store,
    clerk_id: &str,
    flow: &MaterialFlow,
    case_ids: &[String],
    at_ms: i64,
) -> Result<Vec<String>, FlowError> {
    if case_ids.is_empty() {
        return Err(FlowError::NothingChosen);
    }
    let todo: Vec<&FlowEntry> = flow
        .entries
        .iter()
        .filter(|e| case_ids.contains(&e.case_id) && e.received_at.is_none())
        .collect();
    if todo.is_empty() {
        return Err(FlowError::AlreadySigned(flow.no.clone()));
    }
    let tx = store
        .conn()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    for e in &todo {
        let id = uuid::Uuid::now_v7().to_string();
        let payload = serde_json::json!({
            "flow_no": flow.no,
            "case_id": e.case_id,
            "case_no": e.case_no,
            "clerk_id": clerk_id,
            "signed_at": at_ms,
        });
        crate::infra::sync::outbox::enqueue_record(&tx, "flow_signoff", &id, 1, &payload, at_ms)
            .map_err(|e| FlowError::Store(e.to_string()))?;
        tx.execute(
            "UPDATE material_flow_cases SET received_at = ?1, received_by = ?2
             WHERE flow_no = ?3 AND case_id = ?4 AND received_at IS NULL",
            params![at_ms, clerk_id, flow.no, e.case_id],
        )?;
        mark_received(&tx, &e.case_id, &flow.no, at_ms)?;
    }
    let nos: Vec<String> = todo.iter().map(|e| e.case_no.clone()).collect();
    audit::record(
        &tx,
        at_ms,
        AuditEntry {
            actor: Some(clerk_id.to_owned()),
            action: "flow.sign".into(),
            subject: Some(flow.no.clone()),
            detail: serde_json::json!({
                "cases": nos,
                "of": flow.entries.len(),
                "from": flow.from,
            }),
        },
    )?;
    tx.commit()?;
    Ok(nos)
}

/// A case held here whose paper was signed for (here, or at the receiving end as the case
/// feed reports it).
pub fn mark_received(
    tx: &rusqlite::Transaction<'_>,
    case_id: &str,
    flow_no: &str,
    at_ms: i64,
) -> rusqlite::Result<usize> {
    tx.execute(
        "UPDATE material_flow_cases SET received_at = coalesce(received_at, ?1)
         WHERE flow_no = ?2 AND case_id = ?3",
        params![at_ms, flow_no, case_id],
    )?;
    tx.execute(
        "UPDATE cases SET flow_state = 'received', flow_at = ?1
         WHERE id = ?2 AND flow_no = ?3 AND flow_state = 'sent'",
        params![at_ms, case_id, flow_no],
    )
}

#[cfg(test)]
mod tests;
