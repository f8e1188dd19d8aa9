//! Printing a notice (E6) in two steps around the printer: [`prepare_notice`] checks the
//! decision, gives the case its number (E8) and lays the notice out; [`record_notice_print`]
//! records the print on the case once it came out.

use super::draft::{compose, new_case};
use super::load_conn;
use crate::domain::document::{preview, DocumentPreview};
use crate::domain::intake::context::{CatalogView, Desk};
use crate::domain::intake::model::{Case, CaseDraft, DecisionInput};
use crate::domain::intake::notice::{self, PreparedNotice};
use crate::domain::intake::rules::decision::plan_decision;
use crate::domain::intake::rules::situation::refresh;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::wording;
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::Transaction;
use serde_json::json;

/// Allocates the next case number of this window (E8): hall division code, date, window
/// number, sequence of the day. Window numbers are unique in a hall and hall codes unique in
/// the country, so numbers made offline at different workstations never collide.
fn allocate_case_no(tx: &Transaction<'_>, desk: &Desk, at_ms: i64) -> Result<String, IntakeError> {
    let (day, seq) = crate::infra::store::next_of_day(tx, "case_seq", at_ms)?;
    Ok(format!(
        "{}{}{:03}{:04}",
        desk.hall_code, day, desk.window_number, seq
    ))
}

/// Step one of printing a notice (E6): composes the case from what is on screen, checks the
/// decision against it and lays the notice out — all before anything is written, so a refused
/// notice leaves no case behind (no phantom draft). Only the case number of a case that has
/// none is committed here (a number that may reach paper is never reused). The shell prints
/// without holding the store, then calls [`record_notice_print`], which writes the case.
pub fn prepare_notice(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<PreparedNotice, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut case = compose(tx, view, desk, draft, at_ms)?;
        let item = view.item(&case.item_code)?;
        let decision = plan_decision(view, item, &case.draft, input, &desk.clerk_id, at_ms)?;
        if case.case_no.is_none() {
            case.case_no = Some(allocate_case_no(tx, desk, at_ms)?);
        }
        Ok(Effects {
            value: notice::prepare(view, item, desk, &case, &decision, at_ms),
            audit: vec![],
            outbox: Outbox::Nothing,
        })
    })
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

/// Step two: the notice came out of the printer; writes the case as it was printed for (new,
/// or the clerk's draft it continues), records the notice on it, counts the print and audits
/// it, in one transaction. A print that failed never gets here: the store stays as it was.
pub fn record_notice_print(
    store: &mut Store,
    desk: &Desk,
    prepared: &PreparedNotice,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let printed = &prepared.case;
        let mut c = match load_conn(tx, &prepared.case_id, &desk.clerk_id) {
            Ok(mut c) => {
                if !c.state.open_for_intake() {
                    return Err(IntakeError::WrongState(c.state));
                }
                c.draft = printed.draft.clone();
                c.situation_name = printed.situation_name.clone();
                c.case_no = c.case_no.or_else(|| printed.case_no.clone());
                c
            }
            Err(IntakeError::UnknownCase(_)) => printed.clone(),
            Err(e) => return Err(e),
        };
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
    use crate::domain::intake::*;

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

    /// Nothing a refused F8 leaves behind: no case row, no draft, no outbox row, no audit
    /// entry, nothing in today's figures.
    fn assert_untouched(s: &mut crate::infra::store::Store, before: (i64, i64)) {
        assert_eq!(count(s, "SELECT count(*) FROM cases"), 0);
        assert!(cases::drafts(s, "c001").unwrap().is_empty());
        assert_eq!(count(s, "SELECT count(*) FROM outbox"), before.0);
        assert_eq!(count(s, "SELECT count(*) FROM audit_log"), before.1);
        let f = history::today_figures(s, "c001", china_date(NOW)).unwrap();
        assert_eq!((f.total, f.drafts, f.prints), (0, 0, 0));
    }

    #[test]
    fn l2_a_licence_received_instead_of_paper_is_named_on_the_notice_and_dropped_for_paper() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 60_000);
        let mut d = walk_in(&v);
        let hukou = d
            .materials
            .iter_mut()
            .find(|m| m.name.contains("户口簿"))
            .unwrap();
        assert_eq!(hukou.licence_type.as_deref(), Some("居民户口簿电子证照"));
        let id = "1.2.156.3005.2.11100000000013338W002.11441500MB2C12345T.2019000123.001.X";
        hukou.received = ReceivedAs::Electronic;
        hukou.files = vec![Attachment {
            sha256: "ab".repeat(32),
            name: "居民户口簿电子证照.pdf".into(),
            size: 2048,
            pages: 1,
            mime: "application/pdf".into(),
        }];
        hukou.licence = Some(AttachedLicence {
            identifier: id.into(),
            type_code: "11100000000013338W002".into(),
            type_name: "居民户口簿电子证照".into(),
            issuer_name: "某市公安局".into(),
            issued_on: "2019-05-01".into(),
            valid_until: None,
            signature_check: "verified".into(),
            sha256: "ab".repeat(32),
        });
        let text = |p: &crate::domain::document::DocumentPreview| {
            p.lines.iter().map(|l| l.text.as_str()).collect::<String>()
        };
        let shown = cases::preview_notice(&mut s, &v, &desk(), d.clone(), &accept(), NOW).unwrap();
        assert!(
            text(&shown).contains(&format!("电子证照：居民户口簿电子证照，证照标识 {id}")),
            "{}",
            text(&shown)
        );
        // The clerk takes the paper after all: the licence is not kept, nor named.
        let hukou = d
            .materials
            .iter_mut()
            .find(|m| m.licence.is_some())
            .unwrap();
        hukou.received = ReceivedAs::Paper;
        let refreshed = cases::refresh(&v, d.clone()).unwrap();
        assert!(refreshed.materials.iter().all(|m| m.licence.is_none()));
        let shown = cases::preview_notice(&mut s, &v, &desk(), d, &accept(), NOW).unwrap();
        assert!(!text(&shown).contains("证照标识"));
    }

    #[test]
    fn e6_refused_print_leaves_no_draft() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 60_000);
        let audited = (
            count(&mut s, "SELECT count(*) FROM outbox"),
            count(&mut s, "SELECT count(*) FROM audit_log"),
        );
        let reject = DecisionInput {
            kind: DecisionKind::Reject,
            reason: " ".into(),
            promise: String::new(),
            deadline: None,
        };
        // 不予受理 without a reason.
        let e = cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &reject, NOW).unwrap_err();
        assert!(
            matches!(
                e,
                IntakeError::Decision(DecisionProblem::RejectReasonRequired)
            ),
            "{e}"
        );
        assert_untouched(&mut s, audited);
        // Without an applicant, whatever the decision.
        let mut nobody = walk_in(&v);
        nobody.applicant = Party::default();
        let with_reason = DecisionInput {
            reason: "不属于本机关职权范围".into(),
            ..reject.clone()
        };
        let supplement = DecisionInput {
            kind: DecisionKind::Supplement,
            ..with_reason.clone()
        };
        for input in [accept(), with_reason, supplement] {
            let e = cases::prepare_notice(&mut s, &v, &desk(), nobody.clone(), &input, NOW)
                .unwrap_err();
            assert!(matches!(e, IntakeError::Party { .. }), "{e}");
        }
        assert_untouched(&mut s, audited);
        // 受理 with a required material missing.
        let mut short = walk_in(&v);
        short.materials[0].received = ReceivedAs::Missing;
        let e = cases::prepare_notice(&mut s, &v, &desk(), short, &accept(), NOW).unwrap_err();
        assert!(matches!(e, IntakeError::MaterialsMissing(_)), "{e}");
        assert_untouched(&mut s, audited);
        // Prepared but never printed (printer failed): still nothing but the number's reservation.
        cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &accept(), NOW).unwrap();
        assert_untouched(&mut s, audited);
    }

    #[test]
    fn e7_a_parked_draft_printed_later_keeps_its_row() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let parked = cases::save_draft(&mut s, &v, &desk(), walk_in(&v), true, NOW).unwrap();
        let mut d = parked.draft.clone();
        d.notes = "补充说明".into();
        let p = cases::prepare_notice(&mut s, &v, &desk(), d, &accept(), NOW).unwrap();
        // Not printed: the parked draft is as it was, without a number.
        let still = cases::load(&mut s, &parked.id, "c001").unwrap();
        assert_eq!(
            (still.case_no.as_deref(), still.draft.notes.as_str()),
            (None, "")
        );
        let c = cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        assert_eq!(c.id, parked.id);
        assert_eq!(c.draft.notes, "补充说明");
        assert_eq!(c.version, parked.version + 1);
        assert!(c.case_no.is_some());
        assert_eq!(count(&mut s, "SELECT count(*) FROM cases"), 1);
    }
}
