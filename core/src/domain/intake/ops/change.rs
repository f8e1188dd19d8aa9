//! Changes after the decision (E9): contact data, notes or the pickup person corrected, or the
//! case withdrawn — always with a reason.

use super::load_conn;
use super::withdraw::{check_withdrawable, signed_request};
use crate::domain::intake::context::Desk;
use crate::domain::intake::labels;
use crate::domain::intake::model::CaseState;
use crate::domain::intake::model::{Attachment, Case, CaseChange, CaseDraft, IdSource, Party};
use crate::domain::intake::rules::form::is_phone;
use crate::domain::intake::rules::party::check_card_sources;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::{DecisionProblem, IntakeError, PartyProblem};
use crate::infra::store::Store;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What a change after the decision does (E9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeInput {
    /// Corrects contact data or notes; fields left `None` stay.
    Edit {
        phone: Option<String>,
        notes: Option<String>,
        pickup: Option<Box<Party>>,
    },
    /// Withdraws the case (撤回), e.g. the citizen withdrew the application — on the
    /// citizen's signed request, captured with the document camera (required).
    Withdraw {
        #[serde(default)]
        request: Option<Attachment>,
    },
}

/// Changes a decided case with a reason: recorded with the clerk in `case_changes`, on the
/// case, in the audit trail and in the outbox — one transaction.
pub fn change(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    input: &ChangeInput,
    reason: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IntakeError::ReasonRequired);
    }
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut c = load_conn(tx, case_id, &desk.clerk_id)?;
        if matches!(c.state, CaseState::Draft | CaseState::Withdrawn) {
            return Err(IntakeError::WrongState(c.state));
        }
        let mut files = vec![];
        let (kind, detail) = match input {
            ChangeInput::Withdraw { request } => {
                check_withdrawable(tx, &c)?;
                let signed = signed_request(tx, request.as_ref())?;
                let before = c.state;
                c.state = CaseState::Withdrawn;
                let detail = [
                    labels::change_withdrawn(before.label()),
                    labels::change_withdraw_request(signed.pages),
                ]
                .join(labels::CHANGE_SEPARATOR);
                files.push(signed);
                ("withdraw", detail)
            }
            ChangeInput::Edit {
                phone,
                notes,
                pickup,
            } => {
                let mut parts = vec![];
                if let Some(phone) = phone {
                    let phone = phone.trim();
                    if !phone.is_empty() && !is_phone(phone) {
                        return Err(IntakeError::Party {
                            role: labels::ROLE_APPLICANT,
                            problem: PartyProblem::BadPhone,
                        });
                    }
                    parts.push(labels::change_phone(&c.draft.applicant.phone, phone));
                    c.draft.applicant.phone = phone.to_string();
                }
                if let Some(notes) = notes {
                    parts.push(labels::CHANGE_NOTES.to_string());
                    c.draft.notes = notes.clone();
                }
                if let Some(p) = pickup {
                    if matches!(p.id_source, IdSource::Card | IdSource::Code) {
                        let d = CaseDraft {
                            pickup: Some(p.as_ref().clone()),
                            ..c.draft.clone()
                        };
                        check_card_sources(tx, &d, at_ms)?;
                    }
                    parts.push(labels::change_pickup(&p.name));
                    c.draft.pickup = (!p.is_empty()).then(|| p.as_ref().clone());
                }
                if parts.is_empty() {
                    return Err(IntakeError::Decision(DecisionProblem::NothingToChange));
                }
                ("edit", parts.join(labels::CHANGE_SEPARATOR))
            }
        };
        tx.execute(
            "INSERT INTO case_changes (id, case_id, at, clerk_id, kind, reason, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                uuid::Uuid::now_v7().to_string(),
                c.id,
                at_ms,
                desk.clerk_id,
                kind,
                reason,
                detail
            ],
        )?;
        c.changes.push(CaseChange {
            at: at_ms,
            clerk_id: desk.clerk_id.clone(),
            kind: kind.into(),
            reason: reason.into(),
            detail: detail.clone(),
            files: files.clone(),
        });
        c.updated_at = at_ms;
        let audit = Audit::new(
            "intake.change",
            c.case_no.clone(),
            json!({ "kind": kind, "reason": reason, "detail": detail,
                    "files": files.iter().map(|f| &f.sha256).collect::<Vec<_>>() }),
        );
        Ok(Effects {
            value: c,
            audit: vec![audit],
            outbox: Outbox::Case,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases::{self, ChangeInput};
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 signed withdrawal request";

    fn blob_store() -> (tempfile::TempDir, crate::infra::blobs::BlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::infra::keystore::StoreKey::random().unwrap();
        let blobs = crate::infra::blobs::BlobStore::open(&dir.path().join("blobs"), &key).unwrap();
        (dir, blobs)
    }

    #[test]
    fn changes_and_reprints_carry_a_reason_and_are_audited() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = decided(&mut s, &v, "张三", NOW);
        let edit = ChangeInput::Edit {
            phone: Some("13900139000".into()),
            notes: None,
            pickup: None,
        };
        assert!(matches!(
            cases::change(&mut s, &desk(), &c.id, &edit, "  ", NOW).unwrap_err(),
            IntakeError::ReasonRequired
        ));
        let c2 = cases::change(&mut s, &desk(), &c.id, &edit, "申请人更换手机号", NOW).unwrap();
        assert_eq!(c2.draft.applicant.phone, "13900139000");
        assert_eq!(c2.changes.len(), 1);
        assert!(c2.version > c.version);
        let v_out: i64 = s
            .conn()
            .query_row("SELECT version FROM outbox WHERE id = ?1", [&c.id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(v_out, c2.version as i64);
        let p = cases::prepare_reprint(&mut s, &desk(), &c.id, 0).unwrap();
        assert!(matches!(
            cases::record_reprint(&mut s, &desk(), &p, "", "j", NOW).unwrap_err(),
            IntakeError::ReasonRequired
        ));
        let c3 = cases::record_reprint(&mut s, &desk(), &p, "群众遗失回执", "j9", NOW).unwrap();
        assert_eq!(c3.print_count, 2);
        let detail: String = s
            .conn()
            .query_row(
                "SELECT detail FROM audit_log WHERE action = 'print.reprint'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(detail.contains("群众遗失回执"));
        let (_dir, blobs) = blob_store();
        let signed = cases::attach(&mut s, &blobs, &desk(), "撤件申请.jpg", JPEG, NOW).unwrap();
        let withdraw = ChangeInput::Withdraw {
            request: Some(signed),
        };
        let c4 = cases::change(&mut s, &desk(), &c.id, &withdraw, "申请人撤回申请", NOW).unwrap();
        assert_eq!(c4.state, CaseState::Withdrawn);
        assert_eq!(count(&mut s, "SELECT count(*) FROM case_changes"), 2);
    }
}

#[cfg(test)]
mod withdraw_tests {
    use crate::domain::intake::cases::{self, ChangeInput};
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    /// E5 item 5 / E9: a withdrawal is made on the citizen's signed request, captured at this
    /// workstation (encrypted blob, queued for upload) and kept with the case; without it the
    /// case stays as it was.
    #[test]
    fn e5_withdraw_needs_signed_request() {
        let v = view();
        let (dir, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = decided(&mut s, &v, "张三", NOW);
        let audited = count(&mut s, "SELECT count(*) FROM audit_log");

        // Without the request, and with a file this workstation never stored: refused.
        let forged = Attachment {
            sha256: "ab".repeat(32),
            name: "x.jpg".into(),
            size: 10,
            pages: 1,
            mime: "image/jpeg".into(),
        };
        for request in [None, Some(forged)] {
            let e = cases::change(
                &mut s,
                &desk(),
                &c.id,
                &ChangeInput::Withdraw { request },
                "申请人撤回申请",
                NOW,
            )
            .unwrap_err();
            assert!(matches!(e, IntakeError::WithdrawRequestMissing), "{e}");
            assert_eq!(e.code(), crate::ErrorCode::IntakeWithdrawRequest);
            assert!(e.message().contains("撤件申请"), "{}", e.message());
        }
        assert_eq!(
            cases::load(&mut s, &c.id, "c001").unwrap().state,
            CaseState::Accepted
        );
        assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log"), audited);
        assert_eq!(count(&mut s, "SELECT count(*) FROM case_changes"), 0);

        // The printed form for the citizen to sign names the case and is audited.
        let (_, doc) = cases::prepare_withdraw_form(&mut s, &desk(), &c.id, NOW).unwrap();
        let no = c.case_no.clone().unwrap();
        let text = format!("{doc:?}");
        assert!(text.contains("撤件申请书") && text.contains(&no), "{text}");
        assert!(text.contains("张三") && text.contains("户籍证明"), "{text}");
        cases::record_withdraw_form(&mut s, &desk(), &c, "job-w", NOW).unwrap();

        // Captured with the document camera (as a material page is): stored encrypted, queued.
        let key = crate::infra::keystore::StoreKey::random().unwrap();
        let blobs = crate::infra::blobs::BlobStore::open(&dir.path().join("blobs"), &key).unwrap();
        let jpeg = b"\xFF\xD8\xFF\xE0 the signed request, page 1";
        let signed = cases::attach(&mut s, &blobs, &desk(), "撤件申请", jpeg, NOW).unwrap();
        let raw = std::fs::read(blobs.path_of(&signed.sha256)).unwrap();
        assert!(
            !raw.windows(12).any(|w| w == b"signed reque"),
            "encrypted at rest"
        );
        let w = cases::change(
            &mut s,
            &desk(),
            &c.id,
            &ChangeInput::Withdraw {
                request: Some(signed.clone()),
            },
            "申请人撤回申请",
            NOW + 1000,
        )
        .unwrap();
        assert_eq!(w.state, CaseState::Withdrawn);
        let change = w.changes.last().unwrap();
        assert_eq!(change.files, vec![signed.clone()]);
        // Kept with the case as synced, and the scan on its way like the material scans.
        let payload: String = s
            .conn()
            .query_row("SELECT payload FROM outbox WHERE id = ?1", [&c.id], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(payload.contains(&signed.sha256), "{payload}");
        assert_eq!(
            count(
                &mut s,
                &format!(
                    "SELECT count(*) FROM blob_outbox WHERE sha256 = '{}'",
                    signed.sha256
                )
            ),
            1
        );
        let trail = cases::trail(&mut s, "c001", &c.id).unwrap();
        assert!(trail.iter().any(|e| e.action == "print.withdraw_form"));
        assert!(trail
            .iter()
            .any(|e| e.action == "intake.change" && e.detail.contains(&signed.sha256)));
        // Withdrawn: no second withdrawal, no form.
        assert!(matches!(
            cases::prepare_withdraw_form(&mut s, &desk(), &c.id, NOW).unwrap_err(),
            IntakeError::WrongState(CaseState::Withdrawn)
        ));
    }
}
