//! The print sequences of notices (E6) and reprints (I2): prepare → print → record. The
//! print is recorded (print counter, audit, outbox) only after the printer took the job; a
//! failed print leaves the case as it was, so the decision stays refused until a notice is
//! really printed. The store is not held while the printer works.

use std::sync::Mutex;

use crate::devices::a4_printer::A4PrinterService;
use crate::domain::document::Document;
use crate::domain::intake::{
    cases, Case, CaseDraft, CatalogView, ConclusionInput, DecisionInput, Desk,
};
use crate::infra::store::Store;
use crate::UserError;

use super::Clock;

/// The A4 side of a notice: prints one document and names the job (spooler job id, or the
/// file a simulated printer saved it to).
pub trait NoticePrinter: Send + Sync {
    fn print(&self, document: &Document) -> Result<String, UserError>;
}

impl NoticePrinter for A4PrinterService {
    fn print(&self, document: &Document) -> Result<String, UserError> {
        let outcome = self.print_document(document)?;
        Ok(outcome
            .job_id
            .map(|j| j.to_string())
            .or(outcome.saved_to)
            .unwrap_or_default())
    }
}

fn with<T>(
    store: &Mutex<Store>,
    f: impl FnOnce(&mut Store) -> Result<T, crate::domain::intake::IntakeError>,
) -> Result<T, UserError> {
    f(&mut store.lock().unwrap_or_else(|p| p.into_inner())).map_err(|e| e.to_user())
}

/// Saves and numbers the case, prints its notice, records the print.
pub fn print_notice(
    store: &Mutex<Store>,
    printer: &dyn NoticePrinter,
    clock: &dyn Clock,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    decision: &DecisionInput,
) -> Result<Case, UserError> {
    let prepared = with(store, |s| {
        cases::prepare_notice(s, view, desk, draft, decision, clock.now_ms())
    })?;
    let job = printer.print(&prepared.document)?;
    with(store, |s| {
        cases::record_notice_print(s, desk, &prepared, &job, clock.now_ms())
    })
}

/// Reprints notice `index` of a case with a reason; counted and audited after the print.
pub fn reprint(
    store: &Mutex<Store>,
    printer: &dyn NoticePrinter,
    clock: &dyn Clock,
    desk: &Desk,
    case_id: &str,
    index: usize,
    reason: &str,
) -> Result<Case, UserError> {
    cases::require_reason(reason).map_err(|e| e.to_user())?;
    let prepared = with(store, |s| cases::prepare_reprint(s, desk, case_id, index))?;
    let job = printer.print(&prepared.document)?;
    with(store, |s| {
        cases::record_reprint(s, desk, &prepared, reason, &job, clock.now_ms())
    })
}

/// Closes a 即办件 at the counter (E11): lays its decision out, prints it, then records the
/// conclusion (办结, audit, outbox) — a failed print records nothing.
pub fn conclude(
    store: &Mutex<Store>,
    printer: &dyn NoticePrinter,
    clock: &dyn Clock,
    view: &CatalogView,
    desk: &Desk,
    case_id: &str,
    input: &ConclusionInput,
) -> Result<Case, UserError> {
    let prepared = with(store, |s| {
        cases::prepare_conclusion(s, view, desk, case_id, input, clock.now_ms())
    })?;
    let job = printer.print(&prepared.document)?;
    with(store, |s| {
        cases::record_conclusion(s, view, desk, &prepared, &job, clock.now_ms())
    })
}

/// Prints the 撤件申请书 for the citizen to sign (E9); audited once printed.
pub fn withdraw_form(
    store: &Mutex<Store>,
    printer: &dyn NoticePrinter,
    clock: &dyn Clock,
    desk: &Desk,
    case_id: &str,
) -> Result<(), UserError> {
    let (case, document) = with(store, |s| {
        cases::prepare_withdraw_form(s, desk, case_id, clock.now_ms())
    })?;
    let job = printer.print(&document)?;
    with(store, |s| {
        cases::record_withdraw_form(s, desk, &case, &job, clock.now_ms())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{self, AuditEntry};
    use crate::domain::intake::{new_draft, Answer, DecisionKind, IdSource, Party, ReceivedAs};
    use crate::workstation::tests::FixedClock;
    use crate::ErrorCode;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    const ID: &str = "11010519491231002X";
    const NOW: i64 = 1_795_399_200_000;

    /// The device side: an A4 printer that takes jobs or is out of paper.
    #[derive(Default)]
    struct TestPrinter {
        out_of_paper: AtomicBool,
        jobs: AtomicU32,
    }

    impl NoticePrinter for TestPrinter {
        fn print(&self, document: &Document) -> Result<String, UserError> {
            assert!(!document.title.is_empty());
            if self.out_of_paper.load(Ordering::SeqCst) {
                return Err(UserError::new(
                    ErrorCode::A4PrinterNeedsAttention,
                    "media-empty",
                ));
            }
            Ok(format!(
                "job-{}",
                self.jobs.fetch_add(1, Ordering::SeqCst) + 1
            ))
        }
    }

    fn view() -> CatalogView {
        CatalogView::new(crate::domain::catalog::bundled().unwrap())
    }

    fn desk() -> Desk {
        Desk {
            clerk_id: "c001".into(),
            clerk_name: "钱七".into(),
            hall_name: "汕尾市政务服务中心".into(),
            hall_code: "441500".into(),
            window_number: 3,
            window_label: "3号窗口".into(),
        }
    }

    fn store() -> (tempfile::TempDir, Mutex<Store>) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("w.db")).unwrap();
        s.transact(|tx| {
            audit::record(
                tx,
                NOW - 60_000,
                AuditEntry {
                    actor: Some("c001".into()),
                    action: "card.read".into(),
                    subject: Some(ID.into()),
                    detail: serde_json::json!({}),
                },
            )
        })
        .unwrap();
        (dir, Mutex::new(s))
    }

    fn walk_in(v: &CatalogView) -> CaseDraft {
        let mut d = new_draft(v.item("GA-HJ-0301").unwrap());
        d.answers = vec![Answer {
            question_id: "q1".into(),
            option: 0,
        }];
        let mut d = cases::refresh(v, d).unwrap();
        d.applicant = Party {
            name: "张三".into(),
            id_number: ID.into(),
            id_source: IdSource::Card,
            ..Party::default()
        };
        for m in &mut d.materials {
            m.received = ReceivedAs::Paper;
            m.pages = 1;
        }
        d
    }

    fn accept() -> DecisionInput {
        DecisionInput {
            kind: DecisionKind::Accept,
            reason: String::new(),
            promise: String::new(),
            deadline: None,
        }
    }

    #[test]
    fn e6_a_failed_print_leaves_no_case_and_records_nothing() {
        let (v, (_d, s), clock) = (view(), store(), FixedClock(NOW));
        let printer = TestPrinter::default();
        printer.out_of_paper.store(true, Ordering::SeqCst);
        let err =
            print_notice(&s, &printer, &clock, &v, &desk(), walk_in(&v), &accept()).unwrap_err();
        assert_eq!(err.code, ErrorCode::A4PrinterNeedsAttention);
        let mut st = s.lock().unwrap();
        // The clerk never parked it: no case, no draft, nothing counted or queued.
        assert!(cases::drafts(&mut st, "c001").unwrap().is_empty());
        let cases_rows: i64 = st
            .conn()
            .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))
            .unwrap();
        assert_eq!(cases_rows, 0, "a failed print leaves no case");
        let today = crate::domain::intake::china_date(NOW);
        let f = crate::domain::intake::history::today_figures(&mut st, "c001", today).unwrap();
        assert_eq!((f.total, f.drafts, f.prints), (0, 0, 0));
        drop(st);

        printer.out_of_paper.store(false, Ordering::SeqCst);
        let case = print_notice(&s, &printer, &clock, &v, &desk(), walk_in(&v), &accept()).unwrap();
        assert_eq!(case.print_count, 1);
        // The failed print's number is not reused: it may have reached paper.
        assert_eq!(case.case_no.as_deref(), Some("441500202611230030002"));
        let mut st = s.lock().unwrap();
        assert!(cases::decide(&mut st, &v, &desk(), &case.id, &accept(), NOW + 1).is_ok());
    }

    #[test]
    fn i2_a_reprint_counts_only_when_printed_and_needs_a_reason() {
        let (v, (_d, s), clock) = (view(), store(), FixedClock(NOW));
        let printer = TestPrinter::default();
        let case = print_notice(&s, &printer, &clock, &v, &desk(), walk_in(&v), &accept()).unwrap();
        let err = reprint(&s, &printer, &clock, &desk(), &case.id, 0, " ").unwrap_err();
        assert_eq!(
            printer.jobs.load(Ordering::SeqCst),
            1,
            "no reason, no print: {err}"
        );
        printer.out_of_paper.store(true, Ordering::SeqCst);
        assert!(reprint(&s, &printer, &clock, &desk(), &case.id, 0, "群众遗失").is_err());
        printer.out_of_paper.store(false, Ordering::SeqCst);
        let again = reprint(&s, &printer, &clock, &desk(), &case.id, 0, "群众遗失").unwrap();
        assert_eq!(again.print_count, case.print_count + 1);
    }

    #[test]
    fn e6_the_preview_shows_what_f8_prints_and_saves_nothing() {
        let (v, (_d, s), clock) = (view(), store(), FixedClock(NOW));
        let printer = TestPrinter::default();
        let before = cases::preview_notice(
            &mut s.lock().unwrap(),
            &v,
            &desk(),
            walk_in(&v),
            &accept(),
            NOW,
        )
        .unwrap();
        assert!(cases::drafts(&mut s.lock().unwrap(), "c001")
            .unwrap()
            .is_empty());
        assert_eq!(printer.jobs.load(Ordering::SeqCst), 0);
        let case = print_notice(&s, &printer, &clock, &v, &desk(), walk_in(&v), &accept()).unwrap();
        let printed = &case.notices[0];
        assert_eq!(before.lines[0].text, printed.title);
        let mut d = case.draft.clone();
        d.id = Some(case.id.clone());
        let after =
            cases::preview_notice(&mut s.lock().unwrap(), &v, &desk(), d, &accept(), NOW).unwrap();
        let no = case.case_no.clone().unwrap();
        assert!(after.lines.iter().any(|l| l.text.contains(&no)), "numbered");
        for p in &printed.paragraphs {
            assert!(after.lines.iter().any(|l| &l.text == p), "{p} previewed");
        }
        let refused = DecisionInput {
            kind: DecisionKind::Reject,
            ..accept()
        };
        assert!(
            cases::preview_notice(
                &mut s.lock().unwrap(),
                &v,
                &desk(),
                walk_in(&v),
                &refused,
                NOW
            )
            .is_err(),
            "the same checks as F8: a refusal needs its reason"
        );
    }

    /// E11: the decision of a 即办件 is printed first; a failed print leaves the case open
    /// (no conclusion, no audit entry, nothing queued), a printed one closes it.
    #[test]
    fn e9_instant_decision_printed_before_banjie() {
        use crate::domain::intake::{CaseProgress, ConclusionResult};
        let (v, (_d, s), clock) = (view(), store(), FixedClock(NOW));
        let printer = TestPrinter::default();
        let case = print_notice(&s, &printer, &clock, &v, &desk(), walk_in(&v), &accept()).unwrap();
        let case = cases::decide(
            &mut s.lock().unwrap(),
            &v,
            &desk(),
            &case.id,
            &accept(),
            NOW,
        )
        .unwrap();
        let input = ConclusionInput {
            result: ConclusionResult::Approved,
            reason: String::new(),
        };
        printer.out_of_paper.store(true, Ordering::SeqCst);
        let err = conclude(&s, &printer, &clock, &v, &desk(), &case.id, &input).unwrap_err();
        assert_eq!(err.code, ErrorCode::A4PrinterNeedsAttention);
        let progress = |s: &Mutex<Store>| -> Option<String> {
            s.lock()
                .unwrap()
                .conn()
                .query_row("SELECT progress FROM cases", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(progress(&s), None);
        printer.out_of_paper.store(false, Ordering::SeqCst);
        let done = conclude(&s, &printer, &clock, &v, &desk(), &case.id, &input).unwrap();
        assert_eq!(done.conclusion.unwrap().result, ConclusionResult::Approved);
        assert_eq!(
            progress(&s).as_deref(),
            Some(CaseProgress::Approved.as_str())
        );
        assert_eq!(printer.jobs.load(Ordering::SeqCst), 2);
        withdraw_form(&s, &printer, &clock, &desk(), &case.id).unwrap_err();
    }
}
