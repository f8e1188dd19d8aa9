//! Taking the decision (E4–E6) once the notice for it is printed.

use super::load_conn;
use crate::domain::intake::context::{CatalogView, Desk};
use crate::domain::intake::model::{Case, DecisionInput, IdSource};
use crate::domain::intake::rules::decision::{decision_hash, plan_decision};
use crate::domain::intake::rules::party::check_card_sources;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::params;
use serde_json::json;

/// Takes the decision (E4–E6) once its notice is printed: state, decision, due date, audit,
/// outbox and item usage in one transaction.
pub fn decide(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    case_id: &str,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut c = load_conn(tx, case_id, &desk.clerk_id)?;
        if !c.state.open_for_intake() {
            return Err(IntakeError::WrongState(c.state));
        }
        let item = view.item(&c.item_code)?;
        let decision = plan_decision(view, item, &c.draft, input, &desk.clerk_id, at_ms)?;
        let hash = decision_hash(&c.draft, &decision);
        if !c.notices.iter().any(|n| n.decision_hash == hash) {
            return Err(IntakeError::NoticeNotPrinted);
        }
        check_card_sources(tx, &c.draft, at_ms)?;
        c.state = decision.kind.state();
        c.due_date = decision.deadline.clone();
        c.decided_at = Some(at_ms);
        c.decision = Some(decision.clone());
        c.updated_at = at_ms;
        let case_no = c.case_no.clone();
        let mut audit = vec![Audit::new(
            "intake.decide",
            case_no.clone(),
            json!({
                "decision": decision.kind,
                "item": c.item_code,
                "notice_hash": hash,
                "missing": decision.missing,
                "deadline": decision.deadline,
            }),
        )];
        let parties = [
            ("applicant", Some(&c.draft.applicant)),
            ("agent", c.draft.agent.as_ref()),
            ("pickup", c.draft.pickup.as_ref()),
        ];
        for (role, p) in parties {
            if let Some(p) = p.filter(|p| p.id_source == IdSource::Typed) {
                // A6: an ID number typed instead of read from the card is intake data only,
                // and flagged.
                audit.push(Audit::new(
                    "intake.typed_id",
                    Some(p.id_number.trim().to_string()),
                    json!({ "case_no": case_no, "role": role }),
                ));
            }
        }
        tx.execute(
            "INSERT INTO item_usage (clerk_id, item_code, uses, last_used) VALUES (?1, ?2, 1, ?3)
             ON CONFLICT(clerk_id, item_code) DO UPDATE SET uses = uses + 1, last_used = ?3",
            params![desk.clerk_id, c.item_code, at_ms],
        )?;
        Ok(Effects {
            value: c,
            audit,
            outbox: Outbox::Case,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn walk_in_needs_its_notice_printed_before_the_decision() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 60_000);
        let draft = walk_in(&v);
        let prepared = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap();
        let case_id = prepared.case_id.clone();
        // Not printed yet: there is no case to decide and nothing is queued for sync.
        let err = cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW).unwrap_err();
        assert!(matches!(err, IntakeError::UnknownCase(_)), "{err}");
        assert_eq!(
            count(&mut s, "SELECT count(*) FROM outbox WHERE kind = 'case'"),
            0
        );

        let text = prepared.notice.paragraphs.join("\n");
        assert!(text.contains("张三"), "{text}");
        assert!(text.contains("户籍证明"));
        assert!(text.contains("本事项为即办件"), "即办件 wording: {text}");
        assert!(!text.contains("0个工作日"), "{text}");
        assert!(text.contains("1. 居民身份证（原件"), "{text}");
        assert!(!text.contains('{'), "unfilled placeholder: {text}");
        assert_eq!(prepared.notice.title, "户政业务受理回执");

        cases::record_notice_print(&mut s, &desk(), &prepared, "job-1", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW + 1000).unwrap();
        assert_eq!(c.state, CaseState::Accepted);
        let no = c.case_no.clone().unwrap();
        assert_eq!(no, "441500202611230030001");
        assert_eq!(c.print_count, 1);
        assert_eq!(c.due_date.as_deref(), Some("2026-11-23"));
        // One action, one transaction: the case row, its audit entry and its outbox row.
        let (kind, version): (String, i64) = s
            .conn()
            .query_row(
                "SELECT kind, version FROM outbox WHERE id = ?1",
                [&case_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((kind.as_str(), version), ("case", c.version as i64));
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'intake.decide'"
            ),
            1
        );
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'print.notice'"
            ),
            1
        );
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'intake.typed_id'"
            ),
            0
        );
        assert_eq!(
            count(
                &mut s,
                "SELECT uses FROM item_usage WHERE item_code = 'GA-HJ-0301'"
            ),
            1
        );
        // Decided: no second decision.
        assert!(matches!(
            cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW).unwrap_err(),
            IntakeError::WrongState(CaseState::Accepted)
        ));
        crate::domain::audit::verify_chain(s.conn()).unwrap();
    }

    #[test]
    fn a_change_after_printing_needs_a_new_notice() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let draft = walk_in(&v);
        let p = cases::prepare_notice(&mut s, &v, &desk(), draft.clone(), &accept(), NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        let mut changed = draft;
        changed.id = Some(p.case_id.clone());
        changed.form.insert("purpose".into(), "入学".into());
        cases::save_draft(&mut s, &v, &desk(), changed.clone(), false, NOW).unwrap();
        assert!(matches!(
            cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap_err(),
            IntakeError::NoticeNotPrinted
        ));
        // Reprinting for the new content keeps the same case number.
        let p2 = cases::prepare_notice(&mut s, &v, &desk(), changed, &accept(), NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p2, "j2", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        assert_eq!(c.case_no.as_deref(), Some("441500202611230030001"));
        assert_eq!(c.notices.len(), 2);
    }

    #[test]
    fn typed_id_is_allowed_as_intake_data_and_flagged() {
        let v = view();
        let (_d, mut s) = store();
        let mut draft = walk_in(&v);
        draft.applicant.id_source = IdSource::Typed;
        draft.applicant.id_number = "110105194912310021".into();
        assert!(matches!(
            cases::prepare_notice(&mut s, &v, &desk(), draft.clone(), &accept(), NOW).unwrap_err(),
            IntakeError::Party { .. }
        ));
        draft.applicant.id_number = ID.into();
        let p = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        let subject: String = s
            .conn()
            .query_row(
                "SELECT subject FROM audit_log WHERE action = 'intake.typed_id'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(subject, ID);
    }
}
