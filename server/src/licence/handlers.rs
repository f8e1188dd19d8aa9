//! The licence routes (L1, A6): lookup, file (preview or download) and feedback. Each takes a
//! workstation-signed JSON body with the clerk's session; lookup and file also take the proof
//! of the card read. Every call that gets past the credential checks leaves one row in
//! `licence_access_log`, refusals included.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_pki::card_read::{AuditEntryProof, CardReadProof, ProofRefusal};
use yichuang_pki::credential::{parse_public_key_b64, MAX_CLOCK_SKEW_MS};

use super::store::{self, holder_index, Access, LocalLibrary};
use super::{
    problem, Holder, HolderKind, Licence, LicenceLibrary, LicenceProblem, LicenceStatus,
    NewFeedback, MAX_TYPES, PROOF_WINDOW_MS,
};
use crate::error::{ErrorBody, Result};
use crate::queue::handlers::ClerkBody;
use crate::workstation::guard::ClerkSession;
use crate::AppState;

/// The workstation's `card.read` audit entry, as its chain holds it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CardReadEntry {
    pub id: String,
    /// Unix ms of the read.
    pub at: i64,
    /// The clerk logged in at the read.
    pub actor: Option<String>,
    /// `card.read`.
    pub action: String,
    /// The ID number read.
    pub subject: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    /// SHA-256 hex over the canonical JSON of the other fields (the chain's entry hash).
    pub hash: String,
}

/// Proof of the card read: the entry and the workstation's Ed25519 signature (standard base64)
/// over `yichuang-card-read-v1|{workstation id}|{entry hash}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CardReadProofBody {
    pub entry: CardReadEntry,
    pub signature: String,
}

impl CardReadProofBody {
    pub(crate) fn proof(&self) -> CardReadProof {
        let e = &self.entry;
        CardReadProof {
            entry: AuditEntryProof {
                id: e.id.clone(),
                at: e.at,
                actor: e.actor.clone(),
                action: e.action.clone(),
                subject: e.subject.clone(),
                detail: e.detail.clone(),
                prev_hash: e.prev_hash.clone(),
                hash: e.hash.clone(),
            },
            signature: self.signature.clone(),
        }
    }
}

/// A lookup for the item at hand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// The item's code (事项编码).
    pub item: String,
    /// Why (受理, 证照查询, …).
    pub purpose: String,
    pub holder_kind: HolderKind,
    /// The ID number read (person) or the organisation's 统一社会信用代码.
    pub holder: String,
    /// The licence type codes the item's materials name (at most 64).
    pub types: Vec<String>,
    /// The card read; a lookup without one is refused (`licence_proof_missing`).
    pub proof: Option<CardReadProofBody>,
}

/// Outcome for one type: 成功, 无证件信息, 失败:权限不足.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TypeOutcome {
    Found,
    None,
    Denied,
}

/// A licence as the clerk sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LicenceView {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_name: String,
    pub issuer_code: String,
    pub issuer_name: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// YYYY-MM-DD; absent: 长期.
    pub valid_until: Option<String>,
    pub status: LicenceStatus,
    /// 有效 / 已吊销 / 已过期.
    pub status_label: String,
    pub revoked_reason: Option<String>,
    /// `pdf` or `ofd`.
    pub file_format: String,
    pub file_size: u64,
    /// The issuer's signature: `unchecked` (not verified by this server yet), `verified`,
    /// `invalid`.
    pub signature_check: String,
}

/// The answer for one requested type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TypeResult {
    pub type_code: String,
    pub outcome: TypeOutcome,
    /// 成功 / 无证件信息 / 失败:权限不足.
    pub label: String,
    pub licences: Vec<LicenceView>,
    /// Time the library took for this type (耗时).
    pub elapsed_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LookupAnswer {
    pub results: Vec<TypeResult>,
}

/// Preview (inline) or download (attachment) of a licence file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FileRequest {
    pub identifier: String,
    pub item: String,
    pub purpose: String,
    /// `preview` or `download`.
    pub disposition: String,
    pub holder_kind: HolderKind,
    pub holder: String,
    pub proof: Option<CardReadProofBody>,
}

/// 反馈 on wrong licence data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// The licence, when the feedback is about one (else about a type without licences).
    pub identifier: Option<String>,
    pub type_code: String,
    pub item: String,
    /// `wrong_data`, `missing`, `outdated` or `other`.
    pub category: String,
    /// At most 1000 characters.
    pub comment: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedbackReceipt {
    pub id: String,
}

pub const FEEDBACK_CATEGORIES: [&str; 4] = ["wrong_data", "missing", "outdated", "other"];

pub(crate) fn library(state: &AppState) -> LocalLibrary {
    LocalLibrary {
        pool: state.db.pool.clone(),
        blobs: state.sync.blobs.clone(),
        key: state.auth.case_index.clone(),
    }
}

/// A clerk who may call licences up: `accept` (intake) or `query`.
fn caller(s: &ClerkSession) -> Result<()> {
    if s.clerk
        .permissions
        .iter()
        .any(|p| p == "accept" || p == "query")
    {
        Ok(())
    } else {
        Err(crate::error::Error::PermissionDenied {
            detail: format!("clerk {} holds neither accept nor query", s.clerk.id),
        })
    }
}

fn short(what: &str, text: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(problem(
            LicenceProblem::Invalid,
            format!("{what}: 1 to {max} characters expected"),
        ));
    }
    Ok(t.to_owned())
}

/// Checks the proof for the session's clerk and `holder`.
async fn proven(
    state: &AppState,
    s: &ClerkSession,
    holder: &Holder,
    proof: Option<&CardReadProofBody>,
) -> Result<CardReadProof> {
    let proof = proof
        .ok_or_else(|| problem(LicenceProblem::ProofMissing, "no card-read proof"))?
        .proof();
    let key = state
        .db
        .workstation_key(&s.ws.workstation)
        .await?
        .and_then(|k| k.public_key)
        .and_then(|pk| parse_public_key_b64(&pk).ok())
        .ok_or_else(|| problem(LicenceProblem::ProofInvalid, "workstation has no key"))?;
    let person = (holder.kind == HolderKind::Person).then_some(holder.number.as_str());
    let now = state.auth.now_ms();
    proof
        .check(
            &key,
            &s.ws.workstation,
            &s.clerk.id,
            person,
            now,
            PROOF_WINDOW_MS,
            MAX_CLOCK_SKEW_MS,
        )
        .map_err(|r| {
            let (p, d) = match r {
                ProofRefusal::Invalid => (
                    LicenceProblem::ProofInvalid,
                    "not a card.read entry of this workstation's chain signed by its key",
                ),
                ProofRefusal::OtherClerk => (
                    LicenceProblem::ProofOtherClerk,
                    "the card was read by another clerk",
                ),
                ProofRefusal::OtherHolder => (
                    LicenceProblem::ProofOtherHolder,
                    "the card read is not the holder asked about",
                ),
                ProofRefusal::Stale => (
                    LicenceProblem::ProofStale,
                    "the card read is older than 30 minutes",
                ),
            };
            problem(p, format!("{d} (entry {})", proof.entry.id))
        })?;
    Ok(proof)
}

fn view(l: &Licence, today: &str) -> LicenceView {
    let status = l.status(today);
    LicenceView {
        identifier: l.identifier.clone(),
        type_code: l.type_code.clone(),
        type_name: l.type_name.clone(),
        holder_name: l.holder_name.clone(),
        issuer_code: l.issuer_code.clone(),
        issuer_name: l.issuer_name.clone(),
        issued_on: l.issued_on.clone(),
        valid_until: l.valid_until.clone(),
        status,
        status_label: crate::messages::licence_status(status).to_owned(),
        revoked_reason: l.revoked_reason.clone(),
        file_format: l.file_format.clone(),
        file_size: l.file_size,
        signature_check: l.signature_check.clone(),
    }
}

/// The licences of the holder whose card was read, per requested type.
#[utoipa::path(
    post,
    path = "/api/v1/licences/lookup",
    tag = "licences",
    request_body(content = LookupRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Per requested type: found (with the licences and their status), none or denied (the clerk's department may not see the type)", body = LookupAnswer),
        (status = 400, description = "bad_request / licence_invalid: body, holder, item, purpose or types not as described", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (neither accept nor query) / workstation_disabled / licence_proof_missing / licence_proof_invalid / licence_proof_other_clerk / licence_proof_other_holder / licence_proof_stale", body = ErrorBody),
        (status = 503, description = "licence_library_unavailable / database", body = ErrorBody),
    )
)]
pub async fn lookup(State(state): State<AppState>, req: ClerkBody) -> Result<Json<LookupAnswer>> {
    let s = &req.session;
    caller(s)?;
    let body: LookupRequest = req.json()?;
    let item = short("item", &body.item, 64)?;
    let purpose = short("purpose", &body.purpose, 64)?;
    let holder = Holder::new(body.holder_kind, &body.holder)?;
    let mut types: Vec<String> = Vec::new();
    for t in &body.types {
        let t = t.trim().to_ascii_uppercase();
        if !yichuang_pki::ident::is_licence_type_code(&t) {
            return Err(problem(LicenceProblem::Invalid, format!("type {t:?}")));
        }
        if !types.contains(&t) {
            types.push(t);
        }
    }
    if types.is_empty() || types.len() > MAX_TYPES {
        return Err(problem(LicenceProblem::Invalid, "1 to 64 types expected"));
    }
    let now = state.auth.now_ms();
    let index = holder_index(&state.auth.case_index, &holder);
    let mut access = Access {
        action: "lookup",
        clerk: &s.clerk.id,
        workstation: &s.ws.workstation,
        item: &item,
        purpose: &purpose,
        holder_index: Some(index),
        type_codes: types.join(","),
        ..Access::default()
    };
    let proof = match proven(&state, s, &holder, body.proof.as_ref()).await {
        Ok(p) => p,
        Err(e) => {
            access.outcome = e.code().as_str();
            store::log_access(&state.db.pool, &access, now).await?;
            return Err(e);
        }
    };
    let lib = library(&state);
    let today = super::china_date(now);
    let mut allowed = Vec::new();
    for t in &types {
        if store::may_see(&state.db.pool, &s.clerk.department, t).await? {
            allowed.push(t.clone());
        }
    }
    let started = Instant::now();
    let found = lib.lookup(&holder, &allowed).await?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let results: Vec<TypeResult> = types
        .iter()
        .map(|t| {
            let licences: Vec<LicenceView> = found
                .iter()
                .filter(|l| &l.type_code == t)
                .map(|l| view(l, &today))
                .collect();
            let outcome = if !allowed.contains(t) {
                TypeOutcome::Denied
            } else if licences.is_empty() {
                TypeOutcome::None
            } else {
                TypeOutcome::Found
            };
            TypeResult {
                type_code: t.clone(),
                outcome,
                label: crate::messages::licence_outcome(outcome).to_owned(),
                licences,
                elapsed_ms,
            }
        })
        .collect();
    access.outcome = "ok";
    access.card_read = Some((&proof.entry.id, &proof.entry.hash));
    store::log_access(&state.db.pool, &access, now).await?;
    Ok(Json(LookupAnswer { results }))
}

/// A licence file, for preview (inline) or download (attachment).
#[utoipa::path(
    post,
    path = "/api/v1/licences/file",
    tag = "licences",
    request_body(content = FileRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The licence file (PDF)", content_type = "application/pdf", body = Vec<u8>),
        (status = 200, description = "The licence file (OFD)", content_type = "application/ofd", body = Vec<u8>),
        (status = 400, description = "bad_request / licence_invalid", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied / workstation_disabled / licence_type_denied / licence_proof_missing / licence_proof_invalid / licence_proof_other_clerk / licence_proof_other_holder / licence_proof_stale", body = ErrorBody),
        (status = 404, description = "licence_unknown: no such licence of this holder", body = ErrorBody),
        (status = 503, description = "licence_library_unavailable / blob_store / database", body = ErrorBody),
    )
)]
pub async fn file(State(state): State<AppState>, req: ClerkBody) -> Result<Response> {
    let s = &req.session;
    caller(s)?;
    let body: FileRequest = req.json()?;
    let item = short("item", &body.item, 64)?;
    let purpose = short("purpose", &body.purpose, 64)?;
    let inline = match body.disposition.as_str() {
        "preview" => true,
        "download" => false,
        other => {
            return Err(problem(
                LicenceProblem::Invalid,
                format!("disposition {other:?}"),
            ))
        }
    };
    let holder = Holder::new(body.holder_kind, &body.holder)?;
    let identifier = body.identifier.trim().to_ascii_uppercase();
    let now = state.auth.now_ms();
    let mut access = Access {
        action: if inline { "preview" } else { "download" },
        clerk: &s.clerk.id,
        workstation: &s.ws.workstation,
        item: &item,
        purpose: &purpose,
        holder_index: Some(holder_index(&state.auth.case_index, &holder)),
        identifier: Some(&identifier),
        ..Access::default()
    };
    let outcome = async {
        let proof = proven(&state, s, &holder, body.proof.as_ref()).await?;
        let lib = library(&state);
        let licence = lib
            .licence(&identifier)
            .await?
            .filter(|l| l.holder == holder)
            .ok_or_else(|| problem(LicenceProblem::Unknown, identifier.clone()))?;
        if !store::may_see(&state.db.pool, &s.clerk.department, &licence.type_code).await? {
            return Err(problem(
                LicenceProblem::TypeDenied,
                licence.type_code.clone(),
            ));
        }
        let blob = lib.file(&licence).await?;
        Ok((proof, licence, blob))
    }
    .await;
    let (proof, licence, blob) = match outcome {
        Ok(v) => v,
        Err(e) => {
            access.outcome = e.code().as_str();
            store::log_access(&state.db.pool, &access, now).await?;
            return Err(e);
        }
    };
    access.outcome = "ok";
    access.type_codes = licence.type_code.clone();
    access.card_read = Some((&proof.entry.id, &proof.entry.hash));
    store::log_access(&state.db.pool, &access, now).await?;
    let (mime, ext) = match licence.file_format.as_str() {
        "ofd" => ("application/ofd", "ofd"),
        _ => ("application/pdf", "pdf"),
    };
    let disposition = format!(
        "{}; filename=\"{}.{ext}\"",
        if inline { "inline" } else { "attachment" },
        licence.identifier
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_LENGTH, blob.len.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        blob.body,
    )
        .into_response())
}

/// 反馈: wrong licence data, kept for the issuing department.
#[utoipa::path(
    post,
    path = "/api/v1/licences/feedback",
    tag = "licences",
    request_body(content = FeedbackRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 201, description = "Kept", body = FeedbackReceipt),
        (status = 400, description = "bad_request / licence_invalid: category, type, item or comment not as described", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied / workstation_disabled", body = ErrorBody),
        (status = 404, description = "licence_unknown", body = ErrorBody),
        (status = 503, description = "licence_library_unavailable / database", body = ErrorBody),
    )
)]
pub async fn feedback(State(state): State<AppState>, req: ClerkBody) -> Result<Response> {
    let s = &req.session;
    caller(s)?;
    let body: FeedbackRequest = req.json()?;
    if !FEEDBACK_CATEGORIES.contains(&body.category.as_str()) {
        return Err(problem(LicenceProblem::Invalid, "category"));
    }
    let type_code = body.type_code.trim().to_ascii_uppercase();
    if !yichuang_pki::ident::is_licence_type_code(&type_code) {
        return Err(problem(LicenceProblem::Invalid, "type_code"));
    }
    let now = state.auth.now_ms();
    let f = NewFeedback {
        identifier: body.identifier.map(|i| i.trim().to_ascii_uppercase()),
        type_code,
        category: body.category,
        comment: short("comment", &body.comment, 1000)?,
        clerk: s.clerk.id.clone(),
        workstation: s.ws.workstation.clone(),
        item: short("item", &body.item, 64)?,
        at: now,
    };
    let id = library(&state).feedback(&f).await?;
    let access = Access {
        action: "feedback",
        clerk: &s.clerk.id,
        workstation: &s.ws.workstation,
        item: &f.item,
        purpose: "feedback",
        type_codes: f.type_code.clone(),
        identifier: f.identifier.as_deref(),
        outcome: "ok",
        ..Access::default()
    };
    store::log_access(&state.db.pool, &access, now).await?;
    Ok((StatusCode::CREATED, Json(FeedbackReceipt { id })).into_response())
}
