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

impl Outcome for super::notice::PreparedNotice {
    fn case_mut(&mut self) -> Option<&mut Case> {
        None
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
    if let Some(c) = value.case_mut() {
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
            let c = value.case_mut().ok_or_else(|| {
                IntakeError::Corrupt("an action without a case asked to queue one".into())
            })?;
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
            // History lists and finds an organisation's case by the organisation's name; the
            // ID number is its legal representative's, read from the card.
            c.draft.applicant_name(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::cases;
    use crate::domain::intake::ops::load_conn;
    use crate::domain::intake::testkit::*;
    use serde_json::json;

    #[test]
    fn the_case_row_audit_and_outbox_commit_together_or_not_at_all() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let case = cases::save_draft(&mut s, &v, &desk(), walk_in(&v), false, NOW).unwrap();
        assert_eq!(case.version, 1);
        let audited = count(&mut s, "SELECT count(*) FROM audit_log");

        // A change that fails after writing rolls everything back.
        let err = transact(&mut s, "c001", NOW, |tx| -> Result<Effects<Case>, _> {
            tx.execute("DELETE FROM cases", [])?;
            Err(IntakeError::ReasonRequired)
        })
        .unwrap_err();
        assert!(matches!(err, IntakeError::ReasonRequired));
        assert_eq!(count(&mut s, "SELECT count(*) FROM cases"), 1);

        // One that succeeds writes the row with its version counted, the audit entry with the
        // clerk as actor, and the outbox row of that very version.
        let c = transact(&mut s, "c001", NOW, |tx| {
            let mut c = load_conn(tx, &case.id, "c001")?;
            c.draft.notes = "改".into();
            Ok(Effects {
                value: c,
                audit: vec![Audit::new("test.touch", None, json!({}))],
                outbox: Outbox::Case,
            })
        })
        .unwrap();
        assert_eq!(c.version, 2);
        assert_eq!(cases::load(&mut s, &case.id, "c001").unwrap(), c);
        assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log"), audited + 1);
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE actor = 'c001' AND action = 'test.touch'"
            ),
            1
        );
        assert_eq!(
            count(&mut s, "SELECT version FROM outbox WHERE kind = 'case'"),
            2
        );
        crate::domain::audit::verify_chain(s.conn()).unwrap();
    }

    /// The operations never write the audit log, the outbox or the case row themselves, nor
    /// open a transaction: everything goes through [`transact`].
    #[test]
    fn no_operation_writes_around_the_helper() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain/intake");
        let mut files = vec![];
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let forbidden = [
            "audit::record(",
            "enqueue_record(",
            "blobs::enqueue(",
            "transaction_with_behavior(",
            ".transact(",
            "INSERT INTO cases",
            "INSERT INTO outbox",
        ];
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if ["tx.rs", "testkit.rs"].contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for bad in forbidden {
                assert!(
                    !code.contains(bad),
                    "{} writes around tx::transact: {bad}",
                    f.display()
                );
            }
        }
    }
}
