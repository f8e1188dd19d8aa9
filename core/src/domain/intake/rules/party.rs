//! The parties (applicant, agent, pickup person): what a party needs before a decision, and
//! where its identity came from (A6).

use super::form::is_phone;
use crate::domain::intake::labels;
use crate::domain::intake::model::{CaseDraft, IdSource, Party};
use crate::domain::intake::{IntakeError, PartyProblem};
use rusqlite::{params, OptionalExtension, Transaction};

/// How long a card read counts for filling a party from it (A6): the citizen is at the window.
pub const CARD_READ_VALID_MS: i64 = 12 * 3600 * 1000;

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
        (labels::ROLE_APPLICANT, Some(&draft.applicant)),
        (labels::ROLE_AGENT, draft.agent.as_ref()),
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
