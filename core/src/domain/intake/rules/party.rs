//! The parties (applicant, agent, pickup person): what a party needs before a decision, and
//! where its identity came from (A6).

use super::form::is_phone;
use crate::domain::intake::labels;
use crate::domain::intake::model::{CaseDraft, IdSource, Organisation, Party};
use crate::domain::intake::{IntakeError, PartyProblem};
use rusqlite::{params, OptionalExtension, Transaction};
use yichuang_pki::ident::Uscc;

/// How long a card read counts for filling a party from it (A6): the citizen is at the window.
pub const CARD_READ_VALID_MS: i64 = 12 * 3600 * 1000;

/// The applicant a decision needs: a person; or an organisation with its name, a valid
/// 统一社会信用代码 and its legal representative (named and identified like any party).
pub(crate) fn check_applicant(draft: &CaseDraft) -> Result<(), IntakeError> {
    if let Some(o) = &draft.organisation {
        check_organisation(o)?;
    }
    check_party(labels::applicant_role(draft), &draft.applicant, true)
}

/// An organisation applying: its name, and a 统一社会信用代码 whose check character verifies.
pub(crate) fn check_organisation(o: &Organisation) -> Result<(), IntakeError> {
    let problem = |problem| IntakeError::Party {
        role: labels::ROLE_ORGANISATION,
        problem,
    };
    if o.name.trim().is_empty() {
        return Err(problem(PartyProblem::OrganisationNameEmpty));
    }
    check_uscc(&o.uscc).map(|_| ())
}

/// A 统一社会信用代码 as typed (GB 32100): the code upper case when its check character
/// verifies, else the reason, naming the field — what the form shows under it as the clerk
/// types.
pub fn check_uscc(text: &str) -> Result<String, IntakeError> {
    let problem = |problem| IntakeError::Party {
        role: labels::ROLE_ORGANISATION,
        problem,
    };
    if text.trim().is_empty() {
        return Err(problem(PartyProblem::UsccMissing));
    }
    Uscc::parse(text)
        .map(|c| c.to_string())
        .map_err(|e| problem(PartyProblem::BadUscc(e)))
}

/// Keeps a valid 统一社会信用代码 as the standard writes it (upper case, no spaces) and the
/// organisation's name trimmed, so lists, notices and licence lookups read one spelling.
pub(crate) fn normalise_organisation(draft: &mut CaseDraft) {
    if let Some(o) = draft.organisation.as_mut() {
        if let Ok(code) = Uscc::parse(&o.uscc) {
            o.uscc = code.to_string();
        }
        let name = o.name.trim();
        if name.len() != o.name.len() {
            o.name = name.to_string();
        }
    }
}

pub(crate) fn check_party(
    role: &'static str,
    p: &Party,
    required: bool,
) -> Result<(), IntakeError> {
    if p.is_empty() {
        return if required {
            Err(IntakeError::Party {
                role,
                problem: PartyProblem::Missing,
            })
        } else {
            Ok(())
        };
    }
    if p.name.trim().is_empty() {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::NameEmpty,
        });
    }
    if p.id_source == IdSource::Typed
        && yichuang_drivers::idcard::identity::validate_id_number(p.id_number.trim()).is_err()
    {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::BadIdNumber,
        });
    }
    if !p.phone.trim().is_empty() && !is_phone(p.phone.trim()) {
        return Err(IntakeError::Party {
            role,
            problem: PartyProblem::BadPhone,
        });
    }
    Ok(())
}

/// A party filled from a card (or a personal code under the camera) must come from a read at
/// this workstation (A6): the audit trail holds every read (`card.read`, `code.read`).
pub(crate) fn check_card_sources(
    tx: &Transaction<'_>,
    draft: &CaseDraft,
    at_ms: i64,
) -> Result<(), IntakeError> {
    let parties = [
        (labels::applicant_role(draft), Some(&draft.applicant)),
        (labels::agent_role(draft), draft.agent.as_ref()),
        (labels::ROLE_PICKUP, draft.pickup.as_ref()),
    ];
    for (role, p) in parties {
        let Some(p) = p else { continue };
        let action = match p.id_source {
            IdSource::Card => "card.read",
            IdSource::Code => "code.read",
            IdSource::Typed | IdSource::None => continue,
        };
        let read: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM audit_log WHERE action = ?1 AND subject = ?2 AND at >= ?3
                 LIMIT 1",
                params![action, p.id_number, at_ms - CARD_READ_VALID_MS],
                |r| r.get(0),
            )
            .optional()?;
        if read.is_none() {
            return Err(match p.id_source {
                IdSource::Code => IntakeError::CodeNotRead(role),
                _ => IntakeError::CardNotRead(role),
            });
        }
        if p.id_source == IdSource::Card {
            check_not_expired(tx, role, &p.id_number, at_ms)?;
        }
    }
    Ok(())
}

/// C2: a party whose last card read showed an expired card stands only with an audited
/// override (`card.expired_override`, with its reason) made after that read.
fn check_not_expired(
    tx: &Transaction<'_>,
    role: &'static str,
    id_number: &str,
    at_ms: i64,
) -> Result<(), IntakeError> {
    let last: Option<(i64, Option<bool>)> = tx
        .query_row(
            "SELECT at, json_extract(detail, '$.expired') FROM audit_log
             WHERE action = 'card.read' AND subject = ?1 AND at >= ?2 ORDER BY seq DESC LIMIT 1",
            params![id_number, at_ms - CARD_READ_VALID_MS],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((read_at, Some(true))) = last else {
        return Ok(());
    };
    let overridden: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM audit_log WHERE action = 'card.expired_override' AND subject = ?1
             AND at >= ?2 LIMIT 1",
            params![id_number, read_at],
            |r| r.get(0),
        )
        .optional()?;
    match overridden {
        Some(_) => Ok(()),
        None => Err(IntakeError::CardExpired(role)),
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn e2_company_applicant_needs_a_valid_uscc() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 1000);
        let refused = |s: &mut crate::infra::store::Store, d: CaseDraft| {
            let e = cases::prepare_notice(s, &v, &desk(), d, &accept(), NOW).unwrap_err();
            (e.message(), e)
        };
        // A typed code with a wrong check character, named by its field.
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().uscc = "91350100M000100Y44".into();
        let (msg, e) = refused(&mut s, d);
        assert!(
            matches!(
                e,
                IntakeError::Party {
                    role: "申请单位",
                    problem: PartyProblem::BadUscc(yichuang_pki::ident::IdentError::UsccCheck)
                }
            ),
            "{e:?}"
        );
        assert_eq!(msg, "申请单位：统一社会信用代码校验位不符，请核对。");
        assert_eq!(e.code(), crate::ErrorCode::IntakeParty);
        // Too short, a letter GB 32100 leaves out, none at all, no name.
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().uscc = "91350100M000100Y4".into();
        assert_eq!(refused(&mut s, d).0, "申请单位：统一社会信用代码应为18位。");
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().uscc = "91350100M000100I43".into();
        assert_eq!(
            refused(&mut s, d).0,
            "申请单位：统一社会信用代码含有无效字符。"
        );
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().uscc = " ".into();
        assert_eq!(
            refused(&mut s, d).0,
            "申请单位：请填写统一社会信用代码（18位）。"
        );
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().name = "  ".into();
        assert_eq!(refused(&mut s, d).0, "申请单位：单位名称不能为空。");
        // No legal representative: the applicant party is named for what it is.
        let mut d = company(&v);
        d.applicant = Party::default();
        assert_eq!(
            refused(&mut s, d).0,
            "法定代表人：请读取身份证或填写姓名和证件号码。"
        );
        // A legal representative said to be read from a card that was not.
        let mut d = company(&v);
        d.applicant.id_number = "110105194912310037".into();
        assert!(matches!(
            refused(&mut s, d).1,
            IntakeError::CardNotRead("法定代表人")
        ));
        // Nothing is kept of a refused print.
        assert_eq!(count(&mut s, "SELECT count(*) FROM cases"), 0);
        // The check as the form runs it while the clerk types: lower case and spaces taken.
        assert_eq!(
            cases::check_uscc(" 91350100m000100y43 ").unwrap(),
            "91350100M000100Y43"
        );
        assert!(cases::check_uscc("91350100M000100Y44").is_err());
        // A valid code, a name and the legal representative's card read: accepted.
        let p = cases::prepare_notice(&mut s, &v, &desk(), company(&v), &accept(), NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        assert_eq!(c.state, CaseState::Accepted);
        assert_eq!(c.draft.applicant_kind(), ApplicantKind::Organisation);
    }

    #[test]
    fn e2_company_applicant_named_on_the_notice() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 1000);
        let mut d = company(&v);
        // Typed in lower case with spaces: kept as the standard writes it.
        d.organisation.as_mut().unwrap().uscc = " 91350100m000100y43".into();
        let p = cases::prepare_notice(&mut s, &v, &desk(), d, &accept(), NOW).unwrap();
        assert_eq!(p.case.draft.organisation.as_ref().unwrap().uscc, USCC);
        let paragraphs = &p.notice.paragraphs;
        assert_eq!(paragraphs[0], format!("{COMPANY}："));
        assert_eq!(
            paragraphs[1],
            format!("申请单位：{COMPANY}（统一社会信用代码：{USCC}），法定代表人：张三。")
        );
        let text = format!("{:?}", p.document.blocks);
        assert!(text.contains(USCC) && text.contains("法定代表人：张三"));
        // The receipt and the stored case say the same; a person's notice has no such line.
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        assert_eq!(c.notices[0].paragraphs[1], paragraphs[1]);
        // The withdrawal request its legal representative would sign names it too.
        let (_, form) = cases::prepare_withdraw_form(&mut s, &desk(), &c.id, NOW).unwrap();
        let form = format!("{:?}", form.blocks);
        assert!(form.contains(&paragraphs[1]), "{form}");
        // So does the decision of the 即办件 given at the counter (E11).
        let done = ConclusionInput {
            result: ConclusionResult::Approved,
            reason: String::new(),
        };
        let k = cases::prepare_conclusion(&mut s, &v, &desk(), &c.id, &done, NOW).unwrap();
        assert_eq!(k.conclusion.paragraphs[0], format!("{COMPANY}："));
        assert_eq!(k.conclusion.paragraphs[1], paragraphs[1]);
        let person = cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &accept(), NOW)
            .unwrap()
            .notice
            .paragraphs;
        assert_eq!(person[0], "张三：");
        assert!(person.iter().all(|l| !l.contains("统一社会信用代码")));
    }

    #[test]
    fn e2_company_applicant_listed_and_found_by_its_name() {
        use crate::domain::intake::history::{self, HistoryQuery};
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 1000);
        let p = cases::prepare_notice(&mut s, &v, &desk(), company(&v), &accept(), NOW).unwrap();
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        let q = |text: &str| HistoryQuery {
            text: text.into(),
            ..HistoryQuery::default()
        };
        let today = crate::domain::intake::china_date(NOW);
        let rows = history::search(&mut s, &v.calendar, "c001", &q("汕尾市海丰"), today)
            .unwrap()
            .rows;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].applicant_name, COMPANY);
        // Its legal representative's card still finds it (A6: by the card read).
        let rows = history::search(&mut s, &v.calendar, "c001", &q(ID), today)
            .unwrap()
            .rows;
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn e2_cases_stored_before_organisations_could_apply_still_read() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW - 1000);
        let person = decided(&mut s, &v, "张三", NOW);
        // A person's case is written as before: no organisation key, so its text and its
        // notice's hash are those of a case stored before organisations could apply.
        let json = serde_json::to_value(&person).unwrap();
        assert!(json["draft"].get("organisation").is_none(), "{json}");
        let old: Case = serde_json::from_value(json).unwrap();
        assert_eq!(old.draft.organisation, None);
        assert_eq!(old.draft.applicant_kind(), ApplicantKind::Person);
        assert_eq!(old.draft.applicant_name(), "张三");
        let reread = cases::load(&mut s, &person.id, "c001").unwrap();
        assert_eq!(reread.draft, person.draft);
        // An organisation's case carries it and reads back whole.
        let mut c = person.clone();
        c.draft.organisation = Some(Organisation {
            name: COMPANY.into(),
            uscc: USCC.into(),
        });
        let back: Case = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.draft.organisation_uscc().as_deref(), Some(USCC));
    }

    #[test]
    fn card_sourced_party_must_have_been_read_here() {
        let v = view();
        let (_d, mut s) = store();
        let draft = walk_in(&v);
        let err = cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).unwrap_err();
        assert!(matches!(err, IntakeError::CardNotRead("申请人")));
        // A read long ago does not count.
        card_read(&mut s, ID, NOW - cases::CARD_READ_VALID_MS - 1);
        assert!(cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).is_err());
        card_read(&mut s, ID, NOW - 1000);
        cases::save_draft(&mut s, &v, &desk(), draft, true, NOW).unwrap();
    }

    #[test]
    fn c2_an_expired_card_stands_only_with_an_audited_override_after_its_read() {
        use crate::domain::audit::{self, AuditEntry};
        let v = view();
        let (_d, mut s) = store();
        let draft = walk_in(&v);
        let record = |s: &mut crate::infra::store::Store,
                      action: &str,
                      detail: serde_json::Value,
                      at: i64| {
            s.transact(|tx| {
                audit::record(
                    tx,
                    at,
                    AuditEntry {
                        actor: Some("T-ZS".into()),
                        action: action.into(),
                        subject: Some(ID.into()),
                        detail,
                    },
                )
            })
            .unwrap();
        };
        record(
            &mut s,
            "card.read",
            serde_json::json!({ "expired": true }),
            NOW - 5000,
        );
        let err = cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).unwrap_err();
        assert!(matches!(err, IntakeError::CardExpired("申请人")), "{err:?}");
        // An override made before the read does not cover it.
        record(
            &mut s,
            "card.expired_override",
            serde_json::json!({ "reason": "补领" }),
            NOW - 6000,
        );
        assert!(cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).is_err());
        record(
            &mut s,
            "card.expired_override",
            serde_json::json!({ "reason": "补领" }),
            NOW - 4000,
        );
        cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).unwrap();
        // A later read of a valid card needs none.
        record(
            &mut s,
            "card.read",
            serde_json::json!({ "expired": false }),
            NOW - 1000,
        );
        cases::save_draft(&mut s, &v, &desk(), draft, true, NOW).unwrap();
    }
}
