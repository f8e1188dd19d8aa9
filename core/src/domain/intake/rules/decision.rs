//! The decision (E4–E6): what may be decided on a draft, with which deadline, and the hash that
//! binds a printed notice to it.

use super::form::field_problem;
use super::party::{check_applicant, check_party};
use super::situation::resolve_situation;
use crate::domain::catalog::Item;
use crate::domain::intake::context::CatalogView;
use crate::domain::intake::labels;
use crate::domain::intake::model::{
    CaseDraft, Decision, DecisionInput, DecisionKind, MaterialEntry,
};
use crate::domain::intake::{DecisionProblem, DeferProblem, IntakeError};
use serde::Serialize;
use yichuang_drivers::idcard::Date;

/// Validates a draft for a decision: the situation, the applicant, the form. Materials are
/// checked by the decision itself.
pub fn validate_for_decision(item: &Item, draft: &CaseDraft) -> Result<(), IntakeError> {
    if resolve_situation(item, &draft.answers)?.is_none() && !item.questions.is_empty() {
        return Err(IntakeError::Situation("Q&A not finished".into()));
    }
    check_applicant(draft)?;
    if let Some(agent) = &draft.agent {
        check_party(labels::agent_role(draft), agent, false)?;
    }
    if let Some(pickup) = &draft.pickup {
        check_party(labels::ROLE_PICKUP, pickup, false)?;
    }
    for f in &item.fields {
        let value = draft.form.get(&f.id).map(String::as_str).unwrap_or("");
        if let Some(problem) = field_problem(f, value) {
            return Err(IntakeError::Field {
                field: f.label.clone(),
                problem,
            });
        }
    }
    Ok(())
}

/// The date in China of a unix-ms instant.
pub fn china_date(at_ms: i64) -> Date {
    crate::infra::clock::date_from_unix(crate::infra::clock::hall_secs(at_ms))
}

/// The working day `n` working days after `today` (supplement and 容缺 default: 5).
pub const DEFAULT_SUPPLEMENT_DAYS: u32 = 5;

/// The decision `input` would record for `draft`, checked against the item's rules: accept
/// only with every required material in; 容缺 only where the item allows it, for deferrable
/// materials, with a promise and a deadline; reject with a reason; supplement with the list of
/// what is missing and a deadline.
pub fn plan_decision(
    view: &CatalogView,
    item: &Item,
    draft: &CaseDraft,
    input: &DecisionInput,
    clerk_id: &str,
    at_ms: i64,
) -> Result<Decision, IntakeError> {
    let today = china_date(at_ms);
    let missing_required: Vec<&MaterialEntry> = draft
        .materials
        .iter()
        .filter(|m| m.required && !m.is_in())
        .collect();
    let names = |v: &[&MaterialEntry]| v.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
    let deadline = |input: &DecisionInput| -> Result<String, IntakeError> {
        match input
            .deadline
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(d) => {
                let date = crate::domain::catalog::calendar::parse_date(d)
                    .ok_or(IntakeError::Decision(DecisionProblem::BadDeadline))?;
                if date <= today {
                    return Err(IntakeError::Decision(DecisionProblem::DeadlineNotLater));
                }
                Ok(date.to_string())
            }
            None => Ok(view
                .calendar
                .add_working_days(today, DEFAULT_SUPPLEMENT_DAYS)
                .to_string()),
        }
    };
    let mut decision = Decision {
        kind: input.kind,
        reason: input.reason.trim().to_string(),
        promise: input.promise.trim().to_string(),
        deadline: None,
        missing: vec![],
        at: at_ms,
        clerk_id: clerk_id.to_string(),
    };
    match input.kind {
        DecisionKind::Accept => {
            validate_for_decision(item, draft)?;
            if !missing_required.is_empty() {
                return Err(IntakeError::MaterialsMissing(names(&missing_required)));
            }
            decision.deadline = Some(
                view.calendar
                    .add_working_days(today, item.promised_days)
                    .to_string(),
            );
        }
        DecisionKind::Deferred => {
            validate_for_decision(item, draft)?;
            if !item.deferrable {
                return Err(IntakeError::NotDeferrable(DeferProblem::NotApplicable));
            }
            if missing_required.is_empty() {
                return Err(IntakeError::NotDeferrable(DeferProblem::NothingMissing));
            }
            let hard: Vec<&MaterialEntry> = missing_required
                .iter()
                .copied()
                .filter(|m| !m.deferrable)
                .collect();
            if !hard.is_empty() {
                return Err(IntakeError::NotDeferrable(DeferProblem::HardMaterials(
                    names(&hard),
                )));
            }
            if decision.promise.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::PromiseRequired));
            }
            decision.missing = names(&missing_required);
            decision.deadline = Some(deadline(input)?);
        }
        DecisionKind::Reject => {
            // Addressed to the applicant: a notice for nobody is never printed.
            check_applicant(draft)?;
            if decision.reason.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::RejectReasonRequired));
            }
        }
        DecisionKind::Supplement => {
            check_applicant(draft)?;
            let missing: Vec<&MaterialEntry> =
                draft.materials.iter().filter(|m| !m.is_in()).collect();
            if missing.is_empty() && decision.reason.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::SupplementNeedsList));
            }
            decision.missing = names(&missing);
            decision.deadline = Some(deadline(input)?);
        }
    }
    Ok(decision)
}

/// The hash binding a printed notice to a decision and the case content it was taken on: any
/// change to the draft or the decision after printing needs a new notice.
pub fn decision_hash(draft: &CaseDraft, d: &Decision) -> String {
    #[derive(Serialize)]
    struct Bound<'a> {
        draft: &'a CaseDraft,
        kind: DecisionKind,
        reason: &'a str,
        promise: &'a str,
        deadline: &'a Option<String>,
        missing: &'a [String],
    }
    let mut draft = draft.clone();
    draft.id = None;
    let bytes = serde_json::to_vec(&Bound {
        draft: &draft,
        kind: d.kind,
        reason: &d.reason,
        promise: &d.promise,
        deadline: &d.deadline,
        missing: &d.missing,
    })
    .unwrap_or_default();
    crate::infra::blobs::sha256_hex(&bytes)
}

/// Reads a reason-less check that the reason is given (for the UI's early validation).
pub fn require_reason(reason: &str) -> Result<(), IntakeError> {
    if reason.trim().is_empty() {
        Err(IntakeError::ReasonRequired)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn accept_refused_with_a_required_material_missing() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let mut draft = walk_in(&v);
        draft.materials[1].received = ReceivedAs::Missing;
        let err = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap_err();
        assert!(matches!(err, IntakeError::MaterialsMissing(ref m) if m == &["居民户口簿"]));
        assert!(err.message().contains("居民户口簿"));
        // 户籍证明 does not allow 容缺.
        let mut draft = walk_in(&v);
        draft.materials[1].received = ReceivedAs::Missing;
        let deferred = DecisionInput {
            kind: DecisionKind::Deferred,
            reason: String::new(),
            promise: "承诺补交".into(),
            deadline: None,
        };
        assert!(matches!(
            cases::prepare_notice(&mut s, &v, &desk(), draft, &deferred, NOW).unwrap_err(),
            IntakeError::NotDeferrable(_)
        ));
    }

    #[test]
    fn supplement_lists_what_is_missing_with_a_five_working_day_deadline() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let mut draft = walk_in(&v);
        draft.materials[1].received = ReceivedAs::Missing;
        let input = DecisionInput {
            kind: DecisionKind::Supplement,
            reason: String::new(),
            promise: String::new(),
            deadline: None,
        };
        let p = cases::prepare_notice(&mut s, &v, &desk(), draft, &input, NOW).unwrap();
        let text = p.notice.paragraphs.join("\n");
        assert!(text.contains("1. 居民户口簿"), "{text}");
        assert!(!text.contains("说明："), "no empty remark line: {text}");
        // Monday 2026-11-23 + 5 working days = Monday 2026-11-30.
        assert!(text.contains("2026年11月30日"), "{text}");
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &input, NOW).unwrap();
        assert_eq!(c.state, CaseState::Supplement);
        assert_eq!(c.due_date.as_deref(), Some("2026-11-30"));
        assert_eq!(c.decision.unwrap().missing, ["居民户口簿"]);
        // The citizen comes back with the book the next day (the card is read again): the same
        // case is accepted.
        card_read(&mut s, ID, NOW + 86_400_000);
        let mut back = c.draft.clone();
        back.materials[1].received = ReceivedAs::Paper;
        let p2 =
            cases::prepare_notice(&mut s, &v, &desk(), back, &accept(), NOW + 86_400_000).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p2, "j2", NOW + 86_400_000).unwrap();
        let c =
            cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW + 86_400_000).unwrap();
        assert_eq!(c.state, CaseState::Accepted);
    }

    #[test]
    fn reject_needs_a_reason_and_deferred_needs_a_promise() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let mut input = DecisionInput {
            kind: DecisionKind::Reject,
            reason: " ".into(),
            promise: String::new(),
            deadline: None,
        };
        assert!(matches!(
            cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &input, NOW).unwrap_err(),
            IntakeError::Decision(_)
        ));
        input.reason = "申请事项不属于本机关职权范围".into();
        let p = cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &input, NOW).unwrap();
        assert!(p
            .notice
            .paragraphs
            .join("")
            .contains("不属于本机关职权范围"));
        assert_eq!(p.notice.title, "不予受理通知书");

        // 容缺: 市外迁入（购房入户）, 随迁 situation, the deferrable relation proof missing.
        let item = v.item("GA-HJ-0404").unwrap();
        let mut d = new_draft(item);
        d.answers = vec![Answer {
            question_id: "q1".into(),
            option: 1,
        }];
        let mut d = cases::refresh(&v, d).unwrap();
        d.applicant = walk_in(&v).applicant;
        d.form.insert("move_in_addr".into(), "城区香洲路1号".into());
        d.form.insert("phone".into(), "13800138000".into());
        for m in &mut d.materials {
            m.received = if m.deferrable {
                ReceivedAs::Missing
            } else {
                ReceivedAs::Paper
            };
        }
        let mut deferred = DecisionInput {
            kind: DecisionKind::Deferred,
            reason: String::new(),
            promise: String::new(),
            deadline: Some("2026-12-04".into()),
        };
        assert!(cases::prepare_notice(&mut s, &v, &desk(), d.clone(), &deferred, NOW).is_err());
        deferred.promise = "申请人承诺于期限内补交结婚证".into();
        let p = cases::prepare_notice(&mut s, &v, &desk(), d, &deferred, NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &deferred, NOW).unwrap();
        assert_eq!(c.state, CaseState::Deferred);
        assert_eq!(c.due_date.as_deref(), Some("2026-12-04"));
        // The promise on the overdue list (E9 follow-up) once its date has passed, not before.
        let overdue = |s: &mut crate::infra::store::Store, day: &str| {
            use crate::domain::intake::history::{self, HistoryQuery};
            let q = HistoryQuery {
                overdue: true,
                ..HistoryQuery::default()
            };
            let today = crate::domain::catalog::calendar::parse_date(day).unwrap();
            let page = history::search(s, &v.calendar, "c001", &q, today).unwrap();
            page.rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
        };
        assert!(overdue(&mut s, "2026-12-04").is_empty());
        assert_eq!(overdue(&mut s, "2026-12-07"), std::slice::from_ref(&c.id));
        // The promised certificate comes in late: the same case is accepted, off the list.
        let mut kept = c.draft.clone();
        for m in &mut kept.materials {
            m.received = ReceivedAs::Paper;
        }
        let later = NOW + 14 * 86_400_000;
        card_read(&mut s, ID, later);
        let p = cases::prepare_notice(&mut s, &v, &desk(), kept, &accept(), later).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", later).unwrap();
        let done = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), later).unwrap();
        assert_eq!(
            (done.state, &done.case_no),
            (CaseState::Accepted, &c.case_no)
        );
        assert!(overdue(&mut s, "2026-12-07").is_empty());
        let text = c.notices[0].paragraphs.join("\n");
        assert!(
            text.contains("2026年12月4日") && text.contains("关系证明"),
            "{text}"
        );
        // Second case of the day gets the next number.
        assert_eq!(c.case_no.as_deref(), Some("441500202611230030002"));
    }
}
