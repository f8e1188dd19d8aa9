//! 部门协查 at the window (L4, seed 000 §1.3, issue 20 item 4).
//!
//! - **Requesting department** (`accept`): after the applicant's ID card is read, the clerk
//!   asks another department of the hall for proofs ([`Workstation::assist_request`]). The
//!   request, with the signed proof of the card read, is written in one transaction with its
//!   audit entry (`assist.request`) and its row of `assist_outbox`, then sent; when the hall
//!   server cannot be reached it waits there (待发送) and goes with the next
//!   [`Workstation::assist_flush`] (the 协查 lists flush first). The server takes the same id
//!   and body once. Later the clerk receives the stamped proof, verified here (signature, chain
//!   to `devices.seal.trusted_cas`, unchanged) with the verdict's sentence, and takes it as an
//!   electronic material of the case at hand ([`Workstation::assist_take_as_material`]).
//! - **Providing department** (`assist`): the department's inbox, the proof attached as a PDF
//!   or written here and laid out with the document layout, stamped with the department's
//!   seal key and seal PIN through the seal service (a wrong PIN counts down and is audited),
//!   uploaded for the server to verify; or returned with a reason.
//!
//! Every step is audited here too (`assist.*`: ids, hashes, departments; the ID number only as
//! the subject of the request's entry, like a card read). Requests and proofs print on the A4
//! printer; the request form also previews.

use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::devices::a4_printer::A4PrintOutcome;
use crate::devices::seal::{sha256_hex, SealVerdict, StampOptions};
use crate::domain::access::Permission;
use crate::domain::audit::{self, AuditEntry};
use crate::domain::document::{self, DocumentPreview};
use crate::domain::intake::{Attachment, ReceivedAs};
use crate::infra::assist_api::{
    Applicant, ApplicantKind, CreateRequest, DocumentInfo, Mailbox, SealInfo, ServerView,
};
use crate::infra::hall_api::{HallApi, HallApiError};
use crate::labels::assist as words;
use crate::{ErrorCode, UserError};

use super::Workstation;

/// A request's state; `Queued` is this workstation's own (not at the server yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AssistState {
    Queued,
    Pending,
    AwaitingSeal,
    Sealed,
    Returned,
}

impl AssistState {
    fn parse(text: &str) -> Option<AssistState> {
        Some(match text {
            "pending" => AssistState::Pending,
            "awaiting_seal" => AssistState::AwaitingSeal,
            "sealed" => AssistState::Sealed,
            "returned" => AssistState::Returned,
            _ => return None,
        })
    }

    fn wire(self) -> &'static str {
        match self {
            AssistState::Queued => "queued",
            AssistState::Pending => "pending",
            AssistState::AwaitingSeal => "awaiting_seal",
            AssistState::Sealed => "sealed",
            AssistState::Returned => "returned",
        }
    }
}

/// A state with its label, for the window's filter tabs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AssistStateLabel {
    pub state: AssistState,
    pub label: String,
}

/// Every state in order with its label (待发送, 待处理, 待盖章, 已盖章, 已退回).
pub fn state_labels() -> Vec<AssistStateLabel> {
    [
        AssistState::Queued,
        AssistState::Pending,
        AssistState::AwaitingSeal,
        AssistState::Sealed,
        AssistState::Returned,
    ]
    .into_iter()
    .map(|state| AssistStateLabel {
        state,
        label: words::state(state).to_owned(),
    })
    .collect()
}

/// The company, when the applicant is one (its representative's card was read).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct OrganisationInput {
    /// 统一社会信用代码 (check character verified).
    pub code: String,
    pub name: String,
}

/// What the clerk fills in for a request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct AssistDraft {
    /// One of [`Workstation::assist_departments`].
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    /// `None`: the person whose card was read.
    pub organisation: Option<OrganisationInput>,
    /// The proofs needed, one per line (无犯罪记录证明, …).
    pub proofs: Vec<String>,
    #[serde(default)]
    pub note: String,
}

/// A request as the window lists and shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AssistRequest {
    pub id: String,
    pub state: AssistState,
    /// 待发送 / 待处理 / 待盖章 / 已盖章 / 已退回.
    pub state_label: String,
    pub from_department: String,
    pub from_clerk: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant: Applicant,
    /// 「张三（证件号码 …）」 or the company with its code and representative.
    pub applicant_label: String,
    pub proofs: Vec<String>,
    pub note: String,
    /// Unix ms.
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = f64)]
    pub updated_at: i64,
    pub proof: Option<DocumentInfo>,
    pub stamped: Option<DocumentInfo>,
    pub seal: Option<SealInfo>,
    /// 「某市公安局 于 … 盖章」 from the server's check of the seal.
    pub sealed_by: Option<String>,
    pub return_reason: Option<String>,
    #[specta(type = Option<f64>)]
    pub returned_at: Option<i64>,
    /// A queued request the server refused: its Chinese reason (not sent again).
    pub error: Option<String>,
}

/// A mailbox as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AssistList {
    pub requests: Vec<AssistRequest>,
    /// The hall server did not answer: only what this workstation holds is listed, and why.
    pub offline: Option<String>,
}

/// The stamped proof as received and verified at this window.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AssistReceived {
    pub request: AssistRequest,
    /// Every seal valid, chained to a trusted CA, the document unchanged.
    pub valid: bool,
    /// The verdicts' sentences in one line (who stamped when, unchanged — or why not).
    pub sentence: String,
    pub verdicts: Vec<SealVerdict>,
}

/// A verified stamped proof stored as a material file: the window adds `attachment` to the
/// material and marks it received as `received_as` (电子材料).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AssistMaterial {
    pub attachment: Attachment,
    pub received_as: ReceivedAs,
    pub received: AssistReceived,
}

/// A proof written at the window: laid out as an A4 PDF under the department's name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
pub struct AssistProofText {
    /// Absent or empty: 「证明」.
    #[serde(default)]
    pub title: Option<String>,
    /// Paragraphs, one per line.
    pub body: String,
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AssistPrint {
    /// The request form (部门协查申请单).
    Request,
    /// The proof as attached.
    Proof,
    /// The stamped proof.
    Stamped,
}

fn store_err(e: impl std::fmt::Display) -> UserError {
    UserError::new(ErrorCode::AssistStore, e.to_string())
}

/// A refusal or failure of the hall server, in the clerk's words.
fn server_error(e: HallApiError) -> UserError {
    match e {
        HallApiError::Refused {
            code,
            message,
            detail,
        } => {
            let detail = format!("{code}: {detail}");
            if message.is_empty() {
                UserError::new(ErrorCode::AssistRefused, detail)
            } else {
                UserError::with_message(ErrorCode::AssistRefused, message, detail)
            }
        }
        HallApiError::Unreachable(detail) => UserError::new(ErrorCode::AssistUnreachable, detail),
    }
}

fn view(v: ServerView) -> AssistRequest {
    let state = AssistState::parse(&v.state).unwrap_or(AssistState::Pending);
    let a = &v.applicant;
    let organisation = a
        .organisation_code
        .as_deref()
        .zip(a.organisation_name.as_deref());
    let sealed_by = v.seal.as_ref().map(|s| {
        let when = s
            .signed_at
            .map(yichuang_seal::time::chinese)
            .unwrap_or_default();
        words::sealed_by(&s.signer_name, &when)
    });
    AssistRequest {
        state_label: words::state(state).to_owned(),
        applicant_label: words::applicant(&a.person_name, &a.person_number, organisation),
        sealed_by,
        state,
        id: v.id,
        from_department: v.from_department,
        from_clerk: v.from_clerk,
        to_department: v.to_department,
        item_code: v.item_code,
        item_name: v.item_name,
        applicant: v.applicant,
        proofs: v.proofs,
        note: v.note,
        created_at: v.created_at,
        updated_at: v.updated_at,
        proof: v.proof,
        stamped: v.stamped,
        seal: v.seal,
        return_reason: v.return_reason,
        returned_at: v.returned_at,
        error: None,
    }
}

/// A queued request as the window shows it.
fn queued(c: CreateRequest, department: &str, clerk: &str, error: Option<String>) -> AssistRequest {
    let organisation = c.organisation_code.clone().zip(c.organisation_name.clone());
    let mut v = view(ServerView {
        id: c.id,
        state: String::new(),
        from_department: department.to_owned(),
        from_clerk: clerk.to_owned(),
        to_department: c.to_department,
        item_code: c.item_code,
        item_name: c.item_name,
        applicant: Applicant {
            kind: c.applicant_kind,
            person_number: c.person_number,
            person_name: c.person_name,
            organisation_code: organisation.as_ref().map(|o| o.0.clone()),
            organisation_name: organisation.map(|o| o.1),
        },
        proofs: c.proofs,
        note: c.note,
        created_at: c.created_at,
        received_at: c.created_at,
        updated_at: c.created_at,
        proof: None,
        stamped: None,
        seal: None,
        return_reason: None,
        returned_clerk: None,
        returned_at: None,
    });
    v.state = AssistState::Queued;
    v.state_label = words::state(AssistState::Queued).to_owned();
    v.error = error;
    v
}

fn lines(text: &[String], what: &str, max: usize) -> Result<Vec<String>, UserError> {
    let out: Vec<String> = text
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if out.is_empty() || out.len() > max || out.iter().any(|t| t.chars().count() > 100) {
        return Err(UserError::new(
            ErrorCode::AssistInvalid,
            format!("{what}: 1 to {max} lines of at most 100 characters"),
        ));
    }
    Ok(out)
}

impl Workstation {
    /// The hall server and the session's token, or why not.
    fn assist_api(&self) -> Result<(HallApi, String), UserError> {
        self.hall_api().ok_or_else(|| {
            UserError::new(
                ErrorCode::AssistUnreachable,
                "no online session or no backend",
            )
        })
    }

    /// The department of the clerk logged in.
    fn assist_department(&self) -> String {
        self.session()
            .map(|s| s.clerk.department)
            .unwrap_or_default()
    }

    /// The departments a request may go to (the hall's, from the server).
    pub fn assist_departments(&self) -> Result<Vec<String>, UserError> {
        if self.permit(Permission::Assist, None, None).is_err() {
            self.permit(Permission::Accept, Some("assist.departments"), None)?;
        }
        let (api, token) = self.assist_api()?;
        api.assist_departments(&token).map_err(server_error)
    }

    /// Asks `draft.to_department` for proofs about the applicant whose card was read: one
    /// transaction with the audit entry and the outbox row, then sent; when the server cannot
    /// be reached the request is kept and shown 待发送.
    pub fn assist_request(&self, draft: &AssistDraft) -> Result<AssistRequest, UserError> {
        let clerk = self.permit(Permission::Accept, Some("assist.request"), None)?;
        let now = self.now();
        let no_card = |e: UserError| UserError::new(ErrorCode::AssistNoCard, e.detail);
        let entry = self.reads.card_read_entry(now).map_err(no_card)?;
        let card = self.reads.last_card(now).map_err(no_card)?;
        let credential = self.credential().ok_or_else(|| {
            UserError::new(ErrorCode::AssistUnreachable, "workstation not enrolled")
        })?;
        let (kind, organisation) = match &draft.organisation {
            None => (ApplicantKind::Person, None),
            Some(o) => {
                let code = yichuang_pki::ident::Uscc::parse(o.code.trim())
                    .map_err(|e| UserError::new(ErrorCode::AssistInvalid, e.message()))?;
                let name = lines(std::slice::from_ref(&o.name), "organisation", 1)?.remove(0);
                (ApplicantKind::Organisation, Some((code.to_string(), name)))
            }
        };
        let person_number = entry.subject.clone().unwrap_or_default();
        let request = CreateRequest {
            id: uuid::Uuid::now_v7().to_string(),
            to_department: draft.to_department.trim().to_owned(),
            item_code: draft.item_code.trim().to_owned(),
            item_name: draft.item_name.trim().to_owned(),
            applicant_kind: kind,
            person_number: person_number.clone(),
            person_name: card.identity.name.clone(),
            organisation_code: organisation.as_ref().map(|o| o.0.clone()),
            organisation_name: organisation.map(|o| o.1),
            proofs: lines(&draft.proofs, "proofs", 20)?,
            note: draft.note.trim().to_owned(),
            created_at: now,
            card_read: super::licences::card_read_proof(&credential, &entry),
        };
        if request.to_department.is_empty() || request.item_code.is_empty() {
            return Err(UserError::new(
                ErrorCode::AssistInvalid,
                "department and item expected",
            ));
        }
        let payload = serde_json::to_string(&request).map_err(store_err)?;
        let actor = clerk.desk.clerk_id.clone();
        let detail = json!({"id": request.id, "to_department": request.to_department,
            "item": request.item_code, "proofs": request.proofs.len(),
            "applicant_kind": kind, "card_read": entry.id});
        self.with_store(|s| {
            s.transact(|tx| {
                audit::record(
                    tx,
                    now,
                    AuditEntry {
                        actor: Some(actor.clone()),
                        action: "assist.request".into(),
                        subject: Some(person_number.clone()),
                        detail,
                    },
                )?;
                tx.execute(
                    "INSERT INTO assist_outbox (id, clerk_id, payload, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![request.id, actor, payload, now],
                )?;
                Ok(())
            })
            .map_err(store_err)
        })?;
        self.refresh_pending();
        match self.assist_send(&request.id, &payload) {
            Ok(v) => Ok(v),
            Err(e) if e.code == ErrorCode::AssistUnreachable => {
                Ok(queued(request, &self.assist_department(), &actor, None))
            }
            Err(e) => Err(e),
        }
    }

    /// Sends one queued request; the row goes once the server has it, a refusal stays on it.
    fn assist_send(&self, id: &str, payload: &str) -> Result<AssistRequest, UserError> {
        let (api, token) = self.assist_api()?;
        let answer = api.assist_create(&token, payload);
        let now = self.now();
        self.with_store(|s| {
            let conn = s.conn();
            match &answer {
                Ok(_) => conn.execute("DELETE FROM assist_outbox WHERE id = ?1", [id]),
                Err(HallApiError::Refused { code, message, .. }) => conn.execute(
                    "UPDATE assist_outbox SET attempts = attempts + 1, refused_code = ?2,
                     last_error = ?3 WHERE id = ?1",
                    params![id, code, message],
                ),
                Err(HallApiError::Unreachable(_)) => conn.execute(
                    "UPDATE assist_outbox SET attempts = attempts + 1 WHERE id = ?1",
                    [id],
                ),
            }
            .map_err(store_err)
        })?;
        let outcome = match &answer {
            Ok(_) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        if !matches!(answer, Err(HallApiError::Unreachable(_))) {
            self.audit(
                "assist.sent",
                None,
                json!({"id": id, "at": now, "outcome": outcome}),
            )?;
        }
        answer.map(view).map_err(server_error)
    }

    /// Sends the requests waiting in the outbox that the clerk logged in made; stops at the
    /// first that cannot reach the server. Returns how many the server now has.
    pub fn assist_flush(&self) -> Result<u32, UserError> {
        let clerk = self.permit(Permission::Accept, None, None)?.desk.clerk_id;
        let waiting: Vec<(String, String)> = self.with_store(|s| {
            let conn = s.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT id, payload FROM assist_outbox
                     WHERE clerk_id = ?1 AND refused_code IS NULL ORDER BY created_at, id",
                )
                .map_err(store_err)?;
            let rows = stmt
                .query_map([&clerk], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(store_err)?;
            rows.collect::<Result<_, _>>().map_err(store_err)
        })?;
        let mut sent = 0;
        for (id, payload) in waiting {
            match self.assist_send(&id, &payload) {
                Ok(_) => sent += 1,
                Err(e) if e.code == ErrorCode::AssistUnreachable => return Ok(sent),
                Err(_) => {}
            }
        }
        Ok(sent)
    }

    /// When the server is back: sends the queued requests of the clerk logged in online with
    /// `accept` (the others wait for their clerk). Failures stay on their rows.
    pub(super) fn retry_assist(&self) {
        let requester = self.session().is_some_and(|s| {
            s.token.is_some()
                && crate::domain::access::parse_permissions(&s.clerk.permissions)
                    .contains(&Permission::Accept)
        });
        if !requester {
            return;
        }
        match self.assist_flush() {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "queued assist requests sent"),
            Err(e) => tracing::warn!(code = e.code.as_str(), "queued assist requests not sent"),
        }
    }

    /// The requests of this workstation still in the outbox.
    fn assist_queued(&self) -> Result<Vec<AssistRequest>, UserError> {
        let department = self.assist_department();
        let rows: Vec<(String, String, Option<String>)> = self.with_store(|s| {
            let conn = s.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT clerk_id, payload, last_error FROM assist_outbox
                     ORDER BY created_at DESC, id DESC",
                )
                .map_err(store_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(store_err)?;
            rows.collect::<Result<_, _>>().map_err(store_err)
        })?;
        rows.into_iter()
            .map(|(clerk, payload, error)| {
                let c: CreateRequest = serde_json::from_str(&payload).map_err(store_err)?;
                Ok(queued(c, &department, &clerk, error))
            })
            .collect()
    }

    /// My department's requests (`accept`): those still queued here first, then the server's
    /// (in `state` when given). Queued requests are sent first when the server answers.
    pub fn assist_sent(&self, state: Option<AssistState>) -> Result<AssistList, UserError> {
        self.permit(Permission::Accept, Some("assist.list_sent"), None)?;
        // A refusal is kept on its row and shown; an unreachable server leaves the rest queued.
        self.assist_flush()?;
        let mut requests = match state {
            None | Some(AssistState::Queued) => self.assist_queued()?,
            Some(_) => Vec::new(),
        };
        let listed = match (state, self.assist_api()) {
            (Some(AssistState::Queued), _) => Ok(Vec::new()),
            (_, Ok((api, token))) => api
                .assist_list(&token, Mailbox::Sent, state.map(AssistState::wire))
                .map_err(server_error),
            (_, Err(e)) => Err(e),
        };
        let offline = match listed {
            Ok(list) => {
                requests.extend(list.into_iter().map(view));
                None
            }
            Err(e) if e.code == ErrorCode::AssistUnreachable => Some(e.message),
            Err(e) => return Err(e),
        };
        self.audit("assist.list_sent", None, json!({"count": requests.len()}))?;
        Ok(AssistList { requests, offline })
    }

    /// Requests to my department (`assist`), newest first.
    pub fn assist_inbox(&self, state: Option<AssistState>) -> Result<AssistList, UserError> {
        self.permit(Permission::Assist, Some("assist.inbox"), None)?;
        let (api, token) = self.assist_api()?;
        let list = api
            .assist_list(&token, Mailbox::Inbox, state.map(AssistState::wire))
            .map_err(server_error)?;
        self.audit("assist.inbox", None, json!({"count": list.len()}))?;
        Ok(AssistList {
            requests: list.into_iter().map(view).collect(),
            offline: None,
        })
    }

    /// One request, for either department (audited: it shows the applicant).
    pub fn assist_get(&self, id: &str) -> Result<AssistRequest, UserError> {
        if self.permit(Permission::Assist, None, None).is_err() {
            self.permit(Permission::Accept, Some("assist.view"), None)?;
        }
        if let Some(q) = self.assist_queued()?.into_iter().find(|q| q.id == id) {
            return Ok(q);
        }
        let (api, token) = self.assist_api()?;
        let v = api.assist_get(&token, id).map_err(server_error)?;
        self.audit("assist.view", None, json!({"id": id}))?;
        Ok(view(v))
    }

    /// Attaches `pdf` as the proof (待盖章); a proof not stamped yet is replaced.
    pub fn assist_attach_proof(&self, id: &str, pdf: &[u8]) -> Result<AssistRequest, UserError> {
        self.permit(Permission::Assist, Some("assist.proof"), None)?;
        if !pdf.starts_with(b"%PDF-") {
            return Err(UserError::new(ErrorCode::AssistNotPdf, "no %PDF- header"));
        }
        let (api, token) = self.assist_api()?;
        let v = api
            .assist_upload(&token, id, false, pdf.to_vec())
            .map_err(server_error)?;
        self.audit(
            "assist.proof",
            None,
            json!({"id": id, "sha256": sha256_hex(pdf), "bytes": pdf.len()}),
        )?;
        Ok(view(v))
    }

    /// Lays out a proof written at the window (the department's name and the date where the
    /// seal goes) and attaches it.
    pub fn assist_write_proof(
        &self,
        id: &str,
        text: &AssistProofText,
    ) -> Result<AssistRequest, UserError> {
        self.permit(Permission::Assist, Some("assist.proof"), None)?;
        let request = self.assist_get(id)?;
        let pdf = document::render_pdf(&proof_document(
            &request,
            text,
            &self.assist_department(),
            &yichuang_seal::time::chinese(self.now().div_euclid(1000)),
        ))?;
        self.assist_attach_proof(id, &pdf)
    }

    /// Stamps the attached proof with the department's seal (seal key and seal PIN, through
    /// the seal service: a wrong PIN counts down) and uploads it for the server to verify.
    pub fn assist_stamp(
        &self,
        id: &str,
        seal_pin: &str,
        options: &StampOptions,
    ) -> Result<AssistRequest, UserError> {
        self.permit(Permission::Assist, Some("assist.stamp"), None)?;
        let (api, token) = self.assist_api()?;
        let proof = api
            .assist_document(&token, id, false)
            .map_err(server_error)?;
        let mut options = options.clone();
        options.reason = options.reason.or(Some(words::REQUEST_TITLE.to_owned()));
        let stamped = self.stamp_document(&proof, &options, seal_pin)?;
        let sha = sha256_hex(&stamped);
        let v = api
            .assist_upload(&token, id, true, stamped)
            .map_err(server_error)?;
        self.audit(
            "assist.stamp",
            None,
            json!({"id": id, "stamped_sha256": sha}),
        )?;
        Ok(view(v))
    }

    /// 退回 with a reason.
    pub fn assist_return(&self, id: &str, reason: &str) -> Result<AssistRequest, UserError> {
        self.permit(Permission::Assist, Some("assist.return"), None)?;
        let reason = lines(&[reason.to_owned()], "reason", 1)?.remove(0);
        let (api, token) = self.assist_api()?;
        let v = api
            .assist_return(&token, id, &reason)
            .map_err(server_error)?;
        self.audit("assist.return", None, json!({"id": id}))?;
        Ok(view(v))
    }

    /// The stamped proof, downloaded and verified here; `pdf` is the file.
    fn assist_fetch_stamped(&self, id: &str) -> Result<(AssistReceived, Vec<u8>), UserError> {
        self.permit(Permission::Accept, Some("assist.receive"), None)?;
        let (api, token) = self.assist_api()?;
        let request = view(api.assist_get(&token, id).map_err(server_error)?);
        if request.state != AssistState::Sealed {
            return Err(UserError::new(
                ErrorCode::AssistNotSealed,
                format!("request {id} is {}", request.state.wire()),
            ));
        }
        let pdf = api
            .assist_document(&token, id, true)
            .map_err(server_error)?;
        let verdicts = self.verify_document(&pdf)?;
        let valid = !verdicts.is_empty() && verdicts.iter().all(|v| v.valid);
        let sentence = verdicts
            .iter()
            .map(|v| v.message.as_str())
            .collect::<Vec<_>>()
            .join(words::VERDICT_SEPARATOR);
        self.audit(
            "assist.receive",
            None,
            json!({"id": id, "sha256": sha256_hex(&pdf), "valid": valid}),
        )?;
        Ok((
            AssistReceived {
                request,
                valid,
                sentence,
                verdicts,
            },
            pdf,
        ))
    }

    /// Receives the stamped proof and says whether its seal holds (the window shows the
    /// sentence; an altered document is reported as altered).
    pub fn assist_receive(&self, id: &str) -> Result<AssistReceived, UserError> {
        self.assist_fetch_stamped(id).map(|(r, _)| r)
    }

    /// Receives the stamped proof and, when its seal holds, stores it as a material file of
    /// the case at hand (received as 电子材料); an invalid seal is refused with its sentence.
    pub fn assist_take_as_material(&self, id: &str) -> Result<AssistMaterial, UserError> {
        let (received, pdf) = self.assist_fetch_stamped(id)?;
        if !received.valid {
            return Err(UserError::with_message(
                ErrorCode::AssistSealInvalid,
                received.sentence.clone(),
                format!("request {id}: a seal does not verify"),
            ));
        }
        let attachment = self.attach_file(&words::material_file(id), &pdf)?;
        Ok(AssistMaterial {
            attachment,
            received_as: ReceivedAs::Electronic,
            received,
        })
    }

    /// The PDF of the request form, the proof or the stamped proof (to show in the window).
    pub fn assist_pdf(&self, id: &str, which: AssistPrint) -> Result<Vec<u8>, UserError> {
        let request = self.assist_get(id)?;
        let pdf = match which {
            AssistPrint::Request => document::render_pdf(&request_document(&request))?,
            AssistPrint::Proof | AssistPrint::Stamped => {
                let (api, token) = self.assist_api()?;
                api.assist_document(&token, id, which == AssistPrint::Stamped)
                    .map_err(server_error)?
            }
        };
        Ok(pdf)
    }

    /// The request form as the preview shows it (the same document that prints).
    pub fn assist_preview(&self, id: &str) -> Result<DocumentPreview, UserError> {
        Ok(document::preview(&request_document(&self.assist_get(id)?)))
    }

    /// Prints the request form, the proof or the stamped proof on the A4 printer (audited).
    pub fn assist_print(&self, id: &str, which: AssistPrint) -> Result<A4PrintOutcome, UserError> {
        let pdf = self.assist_pdf(id, which)?;
        let printer = self.devices.a4_printer()?;
        let out = printer.print_pdf(&pdf, &format!("assist-{id}"));
        self.refresh_a4_state();
        let out = out?;
        self.audit(
            "assist.print",
            None,
            json!({"id": id, "which": format!("{which:?}"), "sha256": sha256_hex(&pdf)}),
        )?;
        Ok(out)
    }
}

#[path = "assist_documents.rs"]
mod documents;
use documents::{proof_document, request_document};

#[cfg(all(test, unix))]
use super::ukey_support;

#[cfg(all(test, unix))]
#[path = "assist_tests.rs"]
mod tests;
