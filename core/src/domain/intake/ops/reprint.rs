//! Reprinting a notice (I2) in two steps around the printer, with a reason.

use super::{load, load_conn};
use crate::domain::intake::context::Desk;
use crate::domain::intake::model::{Case, CaseState};
use crate::domain::intake::notice::{self, PreparedNotice};
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::{DecisionProblem, IntakeError};
use crate::infra::store::Store;
use serde_json::json;

/// Lays out a printed notice again for a reprint.
pub fn prepare_reprint(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    notice_index: usize,
) -> Result<PreparedNotice, IntakeError> {
    let c = load(store, case_id, &desk.clerk_id)?;
    let n = c
        .notices
        .get(notice_index)
        .cloned()
        .ok_or_else(|| IntakeError::Decision(DecisionProblem::NoSuchNotice))?;
    Ok(notice::reprint(&c, n))
}

/// Records a reprint (I2): its reason, the print counter, the audit entry.
pub fn record_reprint(
    store: &mut Store,
    desk: &Desk,
    prepared: &PreparedNotice,
    reason: &str,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IntakeError::ReasonRequired);
    }
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut c = load_conn(tx, &prepared.case_id, &desk.clerk_id)?;
        if let Some(n) = c
            .notices
            .iter_mut()
            .find(|x| x.decision_hash == prepared.notice.decision_hash)
        {
            n.prints += 1;
        }
        c.print_count += 1;
        c.updated_at = at_ms;
        let audit = Audit::new(
            "print.reprint",
            c.case_no.clone(),
            json!({ "title": prepared.notice.title, "reason": reason, "job": job,
                    "print_count": c.print_count }),
        );
        // A decided case goes to the backend with its new print count; a draft stays here.
        let outbox = if c.state != CaseState::Draft {
            Outbox::Case
        } else {
            Outbox::Nothing
        };
        Ok(Effects {
            value: c,
            audit: vec![audit],
            outbox,
        })
    })
}
