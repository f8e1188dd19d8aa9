//! 撤件 (E9, E5 follow-up): the withdrawal request the citizen signs — printed on A4 with the
//! case number ([`prepare_withdraw_form`], [`record_withdraw_form`]) — and the check that the
//! signed request was captured with the document camera before the case is withdrawn
//! ([`signed_request`], used by [`super::change::change`]).

use super::load;
use crate::domain::document::Document;
use crate::domain::intake::context::Desk;
use crate::domain::intake::labels;
use crate::domain::intake::model::{Attachment, Case, CaseProgress, CaseState};
use crate::domain::intake::notice::layout;
use crate::domain::intake::rules::decision::china_date;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::wording;
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::OptionalExtension;
use serde_json::json;

/// Whether the case may still be withdrawn: decided, not withdrawn, not 办结 (at the counter
/// or by the back office).
pub(crate) fn check_withdrawable(conn: &rusqlite::Connection, c: &Case) -> Result<(), IntakeError> {
    if matches!(c.state, CaseState::Draft | CaseState::Withdrawn) {
        return Err(IntakeError::WrongState(c.state));
    }
    let progress: Option<Option<String>> = conn
        .query_row("SELECT progress FROM cases WHERE id = ?1", [&c.id], |r| {
            r.get(0)
        })
        .optional()?;
    let closed = progress
        .flatten()
        .as_deref()
        .and_then(CaseProgress::parse)
        .is_some_and(CaseProgress::is_closed);
    if c.conclusion.is_some() || closed {
        return Err(IntakeError::Concluded);
    }
    Ok(())
}

/// The signed request a withdrawal is made on: a file captured (or imported) at this
/// workstation — held in the encrypted blob store and queued for upload like the material
/// scans. Missing, or a file this workstation never stored: refused.
pub(crate) fn signed_request(
    conn: &rusqlite::Connection,
    request: Option<&Attachment>,
) -> Result<Attachment, IntakeError> {
    let Some(a) = request else {
        return Err(IntakeError::WithdrawRequestMissing);
    };
    let held = conn
        .query_row("SELECT 1 FROM blobs WHERE sha256 = ?1", [&a.sha256], |_| {
            Ok(())
        })
        .optional()?
        .is_some();
    if !held || a.size == 0 {
        return Err(IntakeError::WithdrawRequestMissing);
    }
    Ok(a.clone())
}

/// The 撤件申请书 for the citizen to sign (A4, with the case number's QR code). Nothing is
/// written.
pub fn prepare_withdraw_form(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    at_ms: i64,
) -> Result<(Case, Document), IntakeError> {
    let c = load(store, case_id, &desk.clerk_id)?;
    check_withdrawable(store.conn(), &c)?;
    let case_no = c.case_no.clone().unwrap_or_default();
    let a = &c.draft.applicant;
    let applicant = match a.name.trim() {
        "" => wording::APPLICANT.to_string(),
        name => name.to_string(),
    };
    let mut paragraphs: Vec<String> = wording::WITHDRAW_FORM_BODY
        .split('\n')
        .map(|line| {
            line.replace("{department}", &c.department)
                .replace("{applicant}", &applicant)
                .replace("{id_number}", a.id_number.trim())
                .replace("{applied}", &wording::date(china_date(c.created_at)))
                .replace("{item}", &c.item_name)
                .replace("{case_no}", &case_no)
                .replace("{hall}", &desk.hall_name)
                .replace("{date}", &wording::date(china_date(at_ms)))
        })
        .collect();
    // An organisation's case: the organisation named under the salutation; its legal
    // representative signs.
    if let Some(line) = crate::domain::intake::notice::organisation_line(&c.draft) {
        paragraphs.insert(paragraphs.len().min(1), line);
    }
    let document = layout(
        &case_no,
        labels::WITHDRAW_FORM_TITLE,
        &desk.hall_name,
        &paragraphs,
        wording::WITHDRAW_SIGNATURE,
    );
    Ok((c, document))
}

/// The form came out of the printer: audited (print job), nothing else changes.
pub fn record_withdraw_form(
    store: &mut Store,
    desk: &Desk,
    case: &Case,
    job: &str,
    at_ms: i64,
) -> Result<(), IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |_| {
        Ok(Effects {
            value: (),
            audit: vec![Audit::new(
                "print.withdraw_form",
                case.case_no.clone(),
                json!({ "title": labels::WITHDRAW_FORM_TITLE, "job": job }),
            )],
            outbox: Outbox::Nothing,
        })
    })
}
