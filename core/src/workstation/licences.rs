//! Electronic licences at the window (L1, A6, issue 20): the licences of the citizen whose ID
//! card was read, for the licence types of the item at hand, from the hall server's licence
//! library; preview or download of one; 反馈 on wrong data. The proof the server asks for is
//! the audit entry of the last card read in this session, signed with the workstation's
//! credential ([`card_read_proof`]); no ID number typed by hand ever opens a lookup. Each
//! lookup, preview and download is audited here too (`licence.lookup`, `licence.preview`,
//! `licence.download`, `licence.feedback`). When the server cannot be reached the clerk is
//! told to go on with paper.

use serde::{Deserialize, Serialize};
use serde_json::json;
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof};

use crate::domain::access::Permission;
use crate::domain::audit::AuditRecord;
use crate::domain::catalog::Item;
use crate::domain::intake::tx::Audit;
use crate::domain::intake::{cases, AttachedLicence, Attachment};
use crate::infra::credential::WorkstationCredential;
use crate::infra::hall_api::HallApiError;
use crate::infra::licence_api::{
    FeedbackRequest, FileRequest, HolderKind, LicenceFile, LicenceStatus, LicenceView,
    LookupAnswer, LookupRequest, TypeOutcome,
};
use crate::{labels, messages, ErrorCode, UserError};

use super::Workstation;

/// Why the licences are asked for; both sides audit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LicencePurpose {
    /// In intake, for the materials of the case (needs `accept`).
    Intake,
    /// On the 证照查询 page, without a case (needs `query`).
    Query,
}

impl LicencePurpose {
    /// 受理 / 证照查询, as the audit on both sides records it.
    pub fn label(self) -> &'static str {
        match self {
            LicencePurpose::Intake => labels::licence::PURPOSE_INTAKE,
            LicencePurpose::Query => labels::licence::PURPOSE_QUERY,
        }
    }

    fn permission(self) -> Permission {
        match self {
            LicencePurpose::Intake => Permission::Accept,
            LicencePurpose::Query => Permission::Query,
        }
    }
}

/// A lookup for the item at hand: the licence types its materials name (from the catalog,
/// never from the caller).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct LicenceQuery {
    /// The item's code.
    pub item: String,
    pub purpose: LicencePurpose,
    /// An organisation's 统一社会信用代码 when the applicant is one (its representative's card
    /// was read); `None`: the person on the card.
    pub organisation: Option<String>,
    /// In intake, the case's applicant's ID number as read from the card: the card read last
    /// must be theirs (an agent's card read after it does not fetch the agent's licences).
    #[serde(default)]
    pub applicant: Option<String>,
}

/// One licence type of the item: the library's answer and the materials it can replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LicenceTypeResult {
    pub type_code: String,
    pub type_name: String,
    /// The item's materials this licence type can replace.
    pub material_ids: Vec<String>,
    pub outcome: TypeOutcome,
    /// 成功 / 无证件信息 / 失败:权限不足.
    pub label: String,
    pub licences: Vec<LicenceView>,
}

/// The licences of the holder for one item (L1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ItemLicences {
    pub item: String,
    pub item_name: String,
    pub results: Vec<LicenceTypeResult>,
    /// The library's time for the lookup.
    pub elapsed_ms: u32,
}

/// Preview or download of one licence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct LicenceFileQuery {
    pub identifier: String,
    pub item: String,
    pub purpose: LicencePurpose,
    /// `true`: download (attachment); `false`: preview.
    pub download: bool,
    pub organisation: Option<String>,
}

/// A licence to receive in place of a material's paper (L2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct LicenceAttachQuery {
    pub item: String,
    pub material_id: String,
    pub identifier: String,
    pub organisation: Option<String>,
    /// As [`LicenceQuery::applicant`].
    #[serde(default)]
    pub applicant: Option<String>,
}

/// The licence received: its file stored like any material file, and what the case keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LicenceAttached {
    pub attachment: Attachment,
    pub licence: AttachedLicence,
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

/// The server, the session's token, the holder and the card read with its proof, if any.
type LicenceCall = (
    crate::infra::hall_api::HallApi,
    String,
    (HolderKind, String),
    Option<(AuditRecord, CardReadProof)>,
);

/// `(kind, number)` of the holder: the organisation when given (check character verified),
/// else the person on the card.
fn holder(
    entry: Option<&AuditRecord>,
    organisation: Option<&str>,
) -> Result<(HolderKind, String), UserError> {
    match organisation.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => yichuang_pki::ident::Uscc::parse(code)
            .map(|c| (HolderKind::Organisation, c.to_string()))
            .map_err(|e| UserError::new(ErrorCode::LicenceInvalid, e.message())),
        None => entry
            .and_then(|e| e.subject.clone())
            .map(|s| (HolderKind::Person, s.trim().to_uppercase()))
            .ok_or_else(|| UserError::new(ErrorCode::LicenceNoCard, "card read without a number")),
    }
}

impl Workstation {
    /// What every licence call needs: the server, the session's token, the holder and the
    /// proof of the card read. A person is known only from the card read here (A6); for an
    /// organisation (its code is no citizen's identity) the call goes out without a proof
    /// when no card was read, and the server, which decides, refuses it and audits the try.
    fn licence_call(&self, organisation: Option<&str>) -> Result<LicenceCall, UserError> {
        let organisation = organisation.map(str::trim).filter(|o| !o.is_empty());
        let entry = match self.reads.card_read_entry(self.now()) {
            Ok(entry) => Some(entry),
            Err(e) if organisation.is_none() => return Err(e),
            Err(_) => None,
        };
        let (api, token) = self.hall_api().ok_or_else(|| {
            UserError::new(
                ErrorCode::LicenceUnreachable,
                "no online session or no backend",
            )
        })?;
        let holder = holder(entry.as_ref(), organisation)?;
        let proof = entry.map(|e| {
            let p = card_read_proof(api.credential(), &e);
            (e, p)
        });
        Ok((api, token, holder, proof))
    }

    /// The licence types `item`'s materials name, by type code, each with its materials.
    fn item_types(
        view: &crate::domain::intake::CatalogView,
        item: &Item,
        only: Option<&str>,
    ) -> Vec<(String, String, Vec<String>)> {
        let mut types: Vec<(String, String, Vec<String>)> = Vec::new();
        for m in &item.materials {
            if only.is_some_and(|id| id != m.id) {
                continue;
            }
            let Some(name) = &m.licence_type else {
                continue;
            };
            let Some(code) = view.catalog.licence_type_code(name) else {
                continue;
            };
            match types.iter_mut().find(|(c, ..)| c == code) {
                Some((_, _, ids)) => ids.push(m.id.clone()),
                None => types.push((code.to_owned(), name.clone(), vec![m.id.clone()])),
            }
        }
        types
    }

    /// The server's lookup for `types`, audited here as `licence.lookup`.
    fn lookup_types(
        &self,
        item: &str,
        purpose: LicencePurpose,
        organisation: Option<&str>,
        applicant: Option<&str>,
        types: &[String],
    ) -> Result<LookupAnswer, UserError> {
        let (api, token, (kind, number), read) = self.licence_call(organisation)?;
        let applicant = applicant.map(|a| a.trim().to_uppercase());
        if let Some(a) = applicant.filter(|a| !a.is_empty() && kind == HolderKind::Person) {
            if a != number {
                return Err(UserError::new(
                    ErrorCode::LicenceOtherHolder,
                    "the card read last is not the applicant's",
                ));
            }
        }
        let answer = api.licence_lookup(
            &token,
            &LookupRequest {
                item,
                purpose: purpose.label(),
                holder_kind: kind,
                holder: &number,
                types,
                proof: read.as_ref().map(|(_, p)| p),
            },
        );
        let outcome = match &answer {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        self.audit(
            "licence.lookup",
            Some(number),
            json!({"item": item, "purpose": purpose.label(), "types": types,
                   "card_read": read.as_ref().map(|(e, _)| &e.id), "outcome": outcome}),
        )?;
        answer.map_err(licence_error)
    }

    /// The licences of the holder whose card was read, for the licence types of the item's
    /// materials (L1): `accept` in intake, `query` on the 证照查询 page; an item of the
    /// clerk's departments.
    pub fn licence_lookup(&self, q: &LicenceQuery) -> Result<ItemLicences, UserError> {
        let clerk = self.permit(q.purpose.permission(), Some("licence.lookup"), None)?;
        let item = clerk.item(&q.item)?;
        let types = Self::item_types(&clerk.view, item, None);
        if types.is_empty() {
            return Err(UserError::new(
                ErrorCode::LicenceNotForItem,
                format!("item {} names no known licence type", item.code),
            ));
        }
        let codes: Vec<String> = types.iter().map(|(c, ..)| c.clone()).collect();
        let answer = self.lookup_types(
            &item.code,
            q.purpose,
            q.organisation.as_deref(),
            q.applicant.as_deref(),
            &codes,
        )?;
        let elapsed_ms = answer
            .results
            .iter()
            .map(|r| r.elapsed_ms)
            .max()
            .unwrap_or(0);
        let results = types
            .into_iter()
            .map(|(code, name, material_ids)| {
                let r = answer.results.iter().find(|r| r.type_code == code);
                LicenceTypeResult {
                    outcome: r.map_or(TypeOutcome::None, |r| r.outcome),
                    label: r.map(|r| r.label.clone()).unwrap_or_default(),
                    licences: r.map(|r| r.licences.clone()).unwrap_or_default(),
                    type_code: code,
                    type_name: name,
                    material_ids,
                }
            })
            .collect();
        Ok(ItemLicences {
            item: item.code.clone(),
            item_name: item.name.clone(),
            results,
            elapsed_ms,
        })
    }

    /// A licence's file, to preview or download (audited on both sides).
    pub fn licence_file(&self, q: &LicenceFileQuery) -> Result<LicenceFile, UserError> {
        let clerk = self.permit(q.purpose.permission(), Some("licence.file"), None)?;
        clerk.item(&q.item)?;
        let (api, token, (kind, number), read) = self.licence_call(q.organisation.as_deref())?;
        let disposition = if q.download { "download" } else { "preview" };
        let file = api.licence_file(
            &token,
            &FileRequest {
                identifier: &q.identifier,
                item: &q.item,
                purpose: q.purpose.label(),
                disposition,
                holder_kind: kind,
                holder: &number,
                proof: read.as_ref().map(|(_, p)| p),
            },
        );
        self.audit(
            &format!("licence.{disposition}"),
            Some(number),
            json!({"item": q.item, "purpose": q.purpose.label(), "identifier": q.identifier,
                   "card_read": read.as_ref().map(|(e, _)| &e.id), "outcome": file.as_ref().map_or_else(|e| e.to_string(), |_| "ok".into())}),
        )?;
        file.map_err(licence_error)
    }

    /// Receives a valid electronic licence in place of a material's paper (L2, E3): the
    /// material's licence type is asked for again, the licence must be among the answer and
    /// valid (a revoked or expired one is refused with its reason), its file is fetched and
    /// stored like any material file; the file, its licence and the audit entries
    /// (`intake.attach`, `licence.attach`) are one transaction with the upload queued.
    pub fn licence_attach(&self, q: &LicenceAttachQuery) -> Result<LicenceAttached, UserError> {
        let clerk = self.permit(Permission::Accept, Some("licence.attach"), None)?;
        let item = clerk.item(&q.item)?;
        let Some((code, _, _)) = Self::item_types(&clerk.view, item, Some(&q.material_id))
            .into_iter()
            .next()
        else {
            return Err(UserError::new(
                ErrorCode::LicenceNotForItem,
                format!(
                    "material {} of {} names no known licence type",
                    q.material_id, item.code
                ),
            ));
        };
        let answer = self.lookup_types(
            &item.code,
            LicencePurpose::Intake,
            q.organisation.as_deref(),
            q.applicant.as_deref(),
            std::slice::from_ref(&code),
        )?;
        let identifier = q.identifier.trim().to_ascii_uppercase();
        let licence: LicenceView = answer
            .results
            .iter()
            .flat_map(|r| r.licences.iter())
            .find(|l| l.identifier.eq_ignore_ascii_case(&identifier) && l.type_code == code)
            .cloned()
            .ok_or_else(|| {
                UserError::new(
                    ErrorCode::LicenceInvalid,
                    format!("licence {identifier} not among the holder's {code}"),
                )
            })?;
        if licence.status != LicenceStatus::Valid {
            let message = messages::licence_not_valid(
                &licence.status_label,
                licence.revoked_reason.as_deref(),
                licence.valid_until.as_deref(),
            );
            self.audit(
                "licence.attach_refused",
                None,
                json!({"item": item.code, "material": q.material_id, "identifier": identifier,
                       "status": licence.status}),
            )?;
            return Err(UserError::with_message(
                ErrorCode::LicenceNotValid,
                message,
                format!("licence {identifier} is {:?}", licence.status),
            ));
        }
        let file = self.licence_file(&LicenceFileQuery {
            identifier: identifier.clone(),
            item: item.code.clone(),
            purpose: LicencePurpose::Intake,
            download: true,
            organisation: q.organisation.clone(),
        })?;
        let blobs = self.sync.blobs().ok_or_else(|| {
            UserError::new(
                ErrorCode::IntakeNoBlobStore,
                "the blob store was not opened at start",
            )
        })?;
        let name = format!("{}.{}", licence.type_name, licence.file_format);
        let also = Audit::new(
            "licence.attach",
            None,
            json!({"item": item.code, "material": q.material_id, "identifier": identifier,
                   "type_code": code, "valid_until": licence.valid_until}),
        );
        let desk = clerk.desk.clone();
        let now = self.now();
        let attachment = self
            .write(|s| cases::attach_with(s, &blobs, &desk, &name, &file.bytes, now, Some(also)))?;
        Ok(LicenceAttached {
            licence: AttachedLicence {
                identifier: licence.identifier,
                type_code: licence.type_code,
                type_name: licence.type_name,
                issuer_name: licence.issuer_name,
                issued_on: licence.issued_on,
                valid_until: licence.valid_until,
                signature_check: licence.signature_check,
                sha256: attachment.sha256.clone(),
            },
            attachment,
        })
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
            purpose: LicencePurpose::Intake,
            organisation: d.organisation_uscc(),
            applicant: None,
        };
        assert_eq!(
            holder(Some(&entry), q.organisation.as_deref()).unwrap(),
            (HolderKind::Organisation, USCC.to_string())
        );
        // A person: the one on the card.
        assert_eq!(walk_in(&v).organisation_uscc(), None);
        assert_eq!(
            holder(Some(&entry), None).unwrap(),
            (HolderKind::Person, ID.to_string())
        );
        // A code whose check character does not verify never reaches the library.
        d.organisation.as_mut().unwrap().uscc = "91350100M000100Y44".into();
        assert_eq!(d.organisation_uscc(), None);
        let e = holder(Some(&entry), Some("91350100M000100Y44")).unwrap_err();
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
