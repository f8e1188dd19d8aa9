//! Electronic licences at the window (L1, A6, issue 20): the licences of the citizen whose ID
//! card was read, for the licence types of the item at hand, from the hall server's licence
//! library; preview or download of one; 反馈 on wrong data. The proof the server asks for is
//! the audit entry of the last card read in this session, signed with the workstation's
//! credential ([`card_read_proof`]); no ID number typed by hand ever opens a lookup. Each
//! lookup, preview and download is audited here too (`licence.lookup`, `licence.preview`,
//! `licence.download`, `licence.feedback`). When the server cannot be reached the clerk is
//! told to go on with paper.

use serde::Deserialize;
use serde_json::json;
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof};

use crate::domain::audit::AuditRecord;
use crate::infra::credential::WorkstationCredential;
use crate::infra::hall_api::HallApiError;
use crate::infra::licence_api::{
    FeedbackRequest, FileRequest, HolderKind, LicenceFile, LookupAnswer, LookupRequest,
};
use crate::{ErrorCode, UserError};

use super::Workstation;

/// A lookup for the item at hand.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct LicenceQuery {
    /// The item's code.
    pub item: String,
    /// 受理, 证照查询, …
    pub purpose: String,
    /// The licence type codes the item's materials name.
    pub types: Vec<String>,
    /// An organisation's 统一社会信用代码 when the applicant is one (its representative's card
    /// was read); `None`: the person on the card.
    pub organisation: Option<String>,
}

/// Preview or download of one licence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct LicenceFileQuery {
    pub identifier: String,
    pub item: String,
    pub purpose: String,
    /// `true`: download (attachment); `false`: preview.
    pub download: bool,
    pub organisation: Option<String>,
}

/// The proof of `entry` (a `card.read` of this workstation's chain) signed by `credential`:
/// exactly what the server checks.
pub fn card_read_proof(credential: &WorkstationCredential, entry: &AuditRecord) -> CardReadProof {
    credential.sign_card_read(AuditEntryProof {
        id: entry.id.clone(),
        at: entry.at,
        actor: entry.actor.clone(),
        action: entry.action.clone(),
        subject: entry.subject.clone(),
        detail: entry.detail.clone(),
        prev_hash: entry.prev_hash.clone(),
        hash: entry.hash.clone(),
    })
}

/// A refusal or failure of the hall server, in the clerk's words.
fn licence_error(e: HallApiError) -> UserError {
    match e {
        HallApiError::Refused {
            code,
            message,
            detail,
        } => {
            let detail = format!("{code}: {detail}");
            if code == "licence_library_unavailable" {
                UserError::new(ErrorCode::LicenceUnreachable, detail)
            } else if message.is_empty() {
                UserError::new(ErrorCode::LicenceRefused, detail)
            } else {
                UserError::with_message(ErrorCode::LicenceRefused, message, detail)
            }
        }
        HallApiError::Unreachable(detail) => UserError::new(ErrorCode::LicenceUnreachable, detail),
    }
}

/// `(kind, number)` of the holder: the organisation when given (check character verified),
/// else the person on the card.
fn holder(
    entry: &AuditRecord,
    organisation: Option<&str>,
) -> Result<(HolderKind, String), UserError> {
    match organisation.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => yichuang_pki::ident::Uscc::parse(code)
            .map(|c| (HolderKind::Organisation, c.to_string()))
            .map_err(|e| UserError::new(ErrorCode::LicenceInvalid, e.message())),
        None => entry
            .subject
            .clone()
            .map(|s| (HolderKind::Person, s.trim().to_uppercase()))
            .ok_or_else(|| UserError::new(ErrorCode::LicenceNoCard, "card read without a number")),
    }
}

impl Workstation {
    /// What every licence call needs: the server, the session's token, the credential and the
    /// proof of the card read.
    fn licence_call(
        &self,
    ) -> Result<
        (
            crate::infra::hall_api::HallApi,
            String,
            AuditRecord,
            CardReadProof,
        ),
        UserError,
    > {
        let entry = self.reads.card_read_entry(self.now())?;
        let (api, token) = self.hall_api().ok_or_else(|| {
            UserError::new(
                ErrorCode::LicenceUnreachable,
                "no online session or no backend",
            )
        })?;
        let proof = card_read_proof(api.credential(), &entry);
        Ok((api, token, entry, proof))
    }

    /// The licences of the holder whose card was read, per licence type of the item (L1).
    pub fn licence_lookup(&self, q: &LicenceQuery) -> Result<LookupAnswer, UserError> {
        let (api, token, entry, proof) = self.licence_call()?;
        let (kind, number) = holder(&entry, q.organisation.as_deref())?;
        let answer = api.licence_lookup(
            &token,
            &LookupRequest {
                item: &q.item,
                purpose: &q.purpose,
                holder_kind: kind,
                holder: &number,
                types: &q.types,
                proof: &proof,
            },
        );
        let outcome = match &answer {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        self.audit(
            "licence.lookup",
            Some(number),
            json!({"item": q.item, "purpose": q.purpose, "types": q.types,
                   "card_read": entry.id, "outcome": outcome}),
        )?;
        answer.map_err(licence_error)
    }

    /// A licence's file, to preview or download (audited on both sides).
    pub fn licence_file(&self, q: &LicenceFileQuery) -> Result<LicenceFile, UserError> {
        let (api, token, entry, proof) = self.licence_call()?;
        let (kind, number) = holder(&entry, q.organisation.as_deref())?;
        let disposition = if q.download { "download" } else { "preview" };
        let file = api.licence_file(
            &token,
            &FileRequest {
                identifier: &q.identifier,
                item: &q.item,
                purpose: &q.purpose,
                disposition,
                holder_kind: kind,
                holder: &number,
                proof: &proof,
            },
        );
        self.audit(
            &format!("licence.{disposition}"),
            Some(number),
            json!({"item": q.item, "purpose": q.purpose, "identifier": q.identifier,
                   "card_read": entry.id, "outcome": file.as_ref().map_or_else(|e| e.to_string(), |_| "ok".into())}),
        )?;
        file.map_err(licence_error)
    }

    /// 反馈 on wrong licence data, kept on the server for the issuing department.
    pub fn licence_feedback(&self, f: &FeedbackRequest) -> Result<String, UserError> {
        let (api, token) = self.hall_api().ok_or_else(|| {
            UserError::new(
                ErrorCode::LicenceUnreachable,
                "no online session or no backend",
            )
        })?;
        let id = api.licence_feedback(&token, f).map_err(licence_error)?;
        self.audit(
            "licence.feedback",
            None,
            json!({"item": f.item, "type_code": f.type_code, "identifier": f.identifier,
                   "category": f.category, "feedback": id}),
        )?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{self, AuditEntry};
    use crate::infra::store::Store;
    use yichuang_pki::card_read::{ProofRefusal, PROOF_WINDOW_MS};
    use yichuang_pki::credential::signing_key_from_seed;

    #[test]
    fn l1_the_proof_of_a_recorded_card_read_passes_the_servers_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("ws.db")).unwrap();
        let conn = store.conn();
        let tx = conn.transaction().unwrap();
        audit::record(
            &tx,
            500,
            AuditEntry {
                actor: None,
                action: "login.ok".into(),
                subject: None,
                detail: json!({}),
            },
        )
        .unwrap();
        let entry = audit::record(&tx, 1_000, AuditEntry {
            actor: Some("C001".into()),
            action: "card.read".into(),
            subject: Some("11010519491231002X".into()),
            detail: json!({"card_kind": "resident", "expired": false, "source": "id_card_reader", "simulated": true}),
        })
        .unwrap();
        tx.commit().unwrap();
        let key = signing_key_from_seed([3; 32]);
        let credential = WorkstationCredential::new("441500-5", key.clone());
        let proof = card_read_proof(&credential, &entry);
        assert_eq!(
            proof.entry.computed_hash(),
            entry.hash,
            "the chain's own hash"
        );
        let check = |clerk: &str, holder: &str, now: i64| {
            proof.check(
                &key.verifying_key(),
                "441500-5",
                clerk,
                Some(holder),
                now,
                PROOF_WINDOW_MS,
                5_000,
            )
        };
        assert_eq!(check("C001", "11010519491231002X", 2_000), Ok(()));
        assert_eq!(
            check("C002", "11010519491231002X", 2_000),
            Err(ProofRefusal::OtherClerk)
        );
        assert_eq!(
            check("C001", "110105194912310037", 2_000),
            Err(ProofRefusal::OtherHolder)
        );
        assert_eq!(
            check("C001", "11010519491231002X", 1_000 + PROOF_WINDOW_MS + 1),
            Err(ProofRefusal::Stale)
        );
    }

    #[test]
    fn l1_a_company_applicants_uscc_is_the_licence_holder() {
        use crate::domain::intake::testkit::{company, view, walk_in, ID, USCC};
        let entry = AuditRecord {
            id: "e1".into(),
            at: 1_000,
            actor: Some("c001".into()),
            action: "card.read".into(),
            subject: Some(ID.into()),
            detail: json!({}),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let v = view();
        // The organisation's code (as the draft keeps it, even typed in lower case) asks for
        // the organisation's licences; its legal representative's card read proves the visit.
        let mut d = company(&v);
        d.organisation.as_mut().unwrap().uscc = USCC.to_lowercase();
        let q = LicenceQuery {
            item: d.item_code.clone(),
            purpose: "受理".into(),
            types: vec![],
            organisation: d.organisation_uscc(),
        };
        assert_eq!(
            holder(&entry, q.organisation.as_deref()).unwrap(),
            (HolderKind::Organisation, USCC.to_string())
        );
        // A person: the one on the card.
        assert_eq!(walk_in(&v).organisation_uscc(), None);
        assert_eq!(
            holder(&entry, None).unwrap(),
            (HolderKind::Person, ID.to_string())
        );
        // A code whose check character does not verify never reaches the library.
        d.organisation.as_mut().unwrap().uscc = "91350100M000100Y44".into();
        assert_eq!(d.organisation_uscc(), None);
        let e = holder(&entry, Some("91350100M000100Y44")).unwrap_err();
        assert_eq!(e.code, ErrorCode::LicenceInvalid);
    }

    #[test]
    fn l1_an_unreachable_library_tells_the_clerk_to_go_on_with_paper() {
        let e = licence_error(HallApiError::Unreachable("connect refused".into()));
        assert_eq!(e.code, ErrorCode::LicenceUnreachable);
        assert!(e.message.contains("纸质材料"), "{}", e.message);
        let e = licence_error(HallApiError::Refused {
            code: "licence_proof_missing".into(),
            message: "请先读取办事人身份证，再查询电子证照".into(),
            detail: "no proof".into(),
        });
        assert_eq!(e.code, ErrorCode::LicenceRefused);
        assert!(e.message.contains("读取办事人身份证"));
        assert!(e.detail.contains("licence_proof_missing"));
    }
}
