//! The one way intake writes: [`transact`] opens the transaction, runs the operation's change,
//! writes the case row it leaves behind, its audit entries and its outbox row, and commits —
//! all or nothing. Operations say what to record in [`Effects`]; they never write the audit
//! log, the outbox or the case row themselves, so none can forget one.

use super::model::Case;
use super::IntakeError;
use crate::domain::audit::{self, AuditEntry};
use crate::infra::blobs::BlobRef;
use crate::infra::store::Store;
use rusqlite::{params, Transaction, TransactionBehavior};

/// One audit entry of an action; the actor is the clerk the action runs for.
pub(crate) struct Audit {
    pub action: &'static str,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

impl Audit {
    pub fn new(action: &'static str, subject: Option<String>, detail: serde_json::Value) -> Audit {
        Audit {
            action,
            subject,
            detail,
        }
    }
}

/// What goes to the backend with an action.
pub(crate) enum Outbox {
    /// Nothing: a draft, the clerk's own preferences.
    Nothing,
    /// The case as written by this action (decided cases).
    Case,
    /// A material file, queued for upload.
    Blob(BlobRef),
}

/// What an operation's change leaves behind for [`transact`] to record.
pub(crate) struct Effects<T> {
    /// What the operation returns. When it is a case, that case is the row written (its
    /// version counted up) and the one queued for the backend.
    pub value: T,
    /// The action's audit entries, in order; empty only where the action is not audited
    /// (a draft saved without parking, a case number given, a favourite ticked).
    pub audit: Vec<Audit>,
    pub outbox: Outbox,
}

/// A value an action returns that may be a case whose row [`transact`] writes.
pub(crate) trait Outcome {
    fn case_mut(&mut self) -> Option<&mut Case>;
}

impl Outcome for Case {
    fn case_mut(&mut self) -> Option<&mut Case> {
        Some(self)
    }
}

impl Outcome for () {
    fn case_mut(&mut self) -> Option<&mut Case> {
        None
    }
}

/// Runs one clerk action as one immediate transaction: `change` reads and writes its own rows
/// (the checks, the case number, the change log, the item usage) and returns its [`Effects`];
/// then the case row is written with its version counted up, the audit entries are recorded
/// for `clerk_id` at `at_ms`, the outbox row is queued, and everything commits together. An
/// error anywhere rolls the whole action back.
pub(crate) fn transact<T: Outcome>(
    store: &mut Store,
    clerk_id: &str,
    at_ms: i64,
    change: impl FnOnce(&Transaction<'_>) -> Result<Effects<T>, IntakeError>,
) -> Result<T, IntakeError> {
    let tx = store
        .conn()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Effects {
        mut value,
        audit,
        outbox,
    } = change(&tx)?;
    let case = value.case_mut();
    if let Some(c) = case {
        c.version += 1;
        write_case(&tx, c)?;
    }
    for a in audit {
        let entry = AuditEntry {
            actor: Some(clerk_id.to_string()),
            action: a.action.into(),
            subject: a.subject,
            detail: a.detail,
        };
        audit::record(&tx, at_ms, entry)?;
    }
    match outbox {
        Outbox::Nothing => {}
        Outbox::Case => {
            let c = value
                .case_mut()
                .ok_or_else(|| IntakeError::Corrupt("no case to queue".into()))?;
            let payload =
                serde_json::to_value(&*c).map_err(|e| IntakeError::Corrupt(e.to_string()))?;
            crate::infra::sync::outbox::enqueue_record(
                &tx,
                "case",
                &c.id,
                c.version as i64,
                &payload,
                at_ms,
            )?;
        }
        Outbox::Blob(blob) => crate::infra::blobs::enqueue(&tx, &blob, at_ms)?,
    }
    tx.commit()?;
    Ok(value)
}

/// Writes the case row (insert or replace), columns mirrored from the case.
fn write_case(tx: &Transaction<'_>, c: &Case) -> Result<(), IntakeError> {
    let data = serde_json::to_string(c).map_err(|e| IntakeError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO cases (id, case_no, version, state, item_code, item_name, department,
             clerk_id, applicant_name, applicant_id_no, created_at, updated_at, decided_at,
             due_date, print_count, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET case_no = excluded.case_no, version = excluded.version,
             state = excluded.state, applicant_name = excluded.applicant_name,
             applicant_id_no = excluded.applicant_id_no, updated_at = excluded.updated_at,
             decided_at = excluded.decided_at, due_date = excluded.due_date,
             print_count = excluded.print_count, data = excluded.data",
        params![
            c.id,
            c.case_no,
            c.version,
            c.state.as_str(),
            c.item_code,
            c.item_name,
            c.department,
            c.clerk_id,
            c.draft.applicant.name.trim(),
            c.draft.applicant.id_number.trim(),
            c.created_at,
            c.updated_at,
            c.decided_at,
            c.due_date,
            c.print_count,
            data
        ],
    )?;
    Ok(())
}
