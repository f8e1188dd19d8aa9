//! Printing a notice (E6) in two steps around the printer: [`prepare_notice`] checks the
//! decision, gives the case its number (E8) and lays the notice out; [`record_notice_print`]
//! records the print on the case once it came out.

use super::draft::{new_case, save_draft};
use super::load_conn;
use crate::domain::document::{preview, DocumentPreview};
use crate::domain::intake::context::{CatalogView, Desk};
use crate::domain::intake::model::{Case, CaseDraft, DecisionInput};
use crate::domain::intake::notice::{self, PreparedNotice};
use crate::domain::intake::rules::decision::{china_date, plan_decision};
use crate::domain::intake::rules::situation::refresh;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::wording;
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::{params, Transaction};
use serde_json::json;

/// Allocates the next case number of this window (E8): hall division code, date, window
/// number, sequence of the day. Window numbers are unique in a hall and hall codes unique in
/// the country, so numbers made offline at different workstations never collide.
fn allocate_case_no(tx: &Transaction<'_>, desk: &Desk, at_ms: i64) -> Result<String, IntakeError> {
    let d = china_date(at_ms);
    let day = format!("{:04}{:02}{:02}", d.year, d.month, d.day);
    let seq: i64 = tx.query_row(
        "INSERT INTO case_seq (day, next) VALUES (?1, 2)
         ON CONFLICT(day) DO UPDATE SET next = next + 1
         RETURNING next - 1",
        params![day],
        |r| r.get(0),
    )?;
    Ok(format!(
        "{}{}{:03}{:04}",
        desk.hall_code, day, desk.window_number, seq
    ))
}

/// Step one of printing a notice (E6): checks the decision against the case, gives the case
/// its number if it has none (committed at once: a number printed is never reused) and lays
/// the notice out. The shell prints it without holding the store, then calls
/// [`record_notice_print`].
pub fn prepare_notice(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<PreparedNotice, IntakeError> {
    // The notice is printed for what is on screen: save it first (same rules as a draft).
    let case = save_draft(store, view, desk, draft, false, at_ms)?;
    let item = view.item(&case.item_code)?;
    let decision = plan_decision(view, item, &case.draft, input, &desk.clerk_id, at_ms)?;
    let case = if case.case_no.is_none() {
        transact(store, &desk.clerk_id, at_ms, |tx| {
            let mut c = load_conn(tx, &case.id, &desk.clerk_id)?;
            c.case_no = Some(allocate_case_no(tx, desk, at_ms)?);
            Ok(Effects {
                value: c,
                audit: vec![],
                outbox: Outbox::Nothing,
            })
        })?
    } else {
        case
    };
    Ok(notice::prepare(view, item, desk, &case, &decision, at_ms))
}

/// The notice F8 would print for the case as it is on screen (preview, issue 14): the same
/// checks and wording as [`prepare_notice`], but nothing is saved or numbered. An unnumbered
/// case shows a placeholder where the number will be.
pub fn preview_notice(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<DocumentPreview, IntakeError> {
    let draft = refresh(view, draft)?;
    let item = view.item(&draft.item_code)?;
    let decision = plan_decision(view, item, &draft, input, &desk.clerk_id, at_ms)?;
    let mut case = match &draft.id {
        Some(id) => super::load(store, id, &desk.clerk_id)?,
        None => new_case(item, view, desk, at_ms),
    };
    case.draft = draft;
    if case.case_no.is_none() {
        case.case_no = Some(wording::PREVIEW_NUMBER.to_string());
    }
    let prepared = notice::prepare(view, item, desk, &case, &decision, at_ms);
    Ok(preview(&prepared.document))
}

/// Step two: the notice came out of the printer; records it on the case, counts the print and
/// audits it, in one transaction.
pub fn record_notice_print(
    store: &mut Store,
    desk: &Desk,
    prepared: &PreparedNotice,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut c = load_conn(tx, &prepared.case_id, &desk.clerk_id)?;
        let n = &prepared.notice;
        match c
            .notices
            .iter_mut()
            .find(|x| x.decision_hash == n.decision_hash)
        {
            Some(existing) => existing.prints += 1,
            None => c.notices.push(n.clone()),
        }
        c.print_count += 1;
        c.updated_at = at_ms;
        let audit = Audit::new(
            "print.notice",
            c.case_no.clone(),
            json!({ "title": n.title, "decision": n.kind, "hash": n.decision_hash, "job": job }),
        );
        Ok(Effects {
            value: c,
            audit: vec![audit],
            outbox: Outbox::Nothing,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::testkit::*;

    #[test]
    fn case_numbers_restart_daily_and_carry_hall_and_window() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW + 86_400_000);
        card_read(&mut s, ID, NOW);
        let a = decided(&mut s, &v, "张三", NOW);
        let b = decided(&mut s, &v, "张三", NOW + 86_400_000);
        assert_eq!(a.case_no.as_deref(), Some("441500202611230030001"));
        assert_eq!(b.case_no.as_deref(), Some("441500202611240030001"));
    }
}
