//! The 协查 routes (L4): departments, create, the two mailboxes, one request, attach the proof,
//! upload the stamped proof, return, and the documents. Every route takes the workstation's
//! signature and the clerk's session; every call that gets past them is one row of
//! `assist_log`, refusals included.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::checks::{check_card_read, checked_content, verified_seal};
use super::store::{self, Applicant, Mailbox, NewRequest, Stored};
use super::{line, problem, ApplicantKind, AssistProblem, AssistState, MAX_DOCUMENT_BYTES};
use crate::error::{Error, ErrorBody, Result};
use crate::licence::handlers::CardReadProofBody;
use crate::queue::handlers::ClerkBody;
use crate::workstation::guard::ClerkSession;
use crate::AppState;

/// A new request for a proof.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateRequest {
    /// Made by the workstation (a UUID): sending the same body again is the same request.
    pub id: String,
    /// The providing department (one of `GET /assist/departments`).
    pub to_department: String,
    /// 事项编码 and 事项名称 of the item at hand.
    pub item_code: String,
    pub item_name: String,
    pub applicant_kind: ApplicantKind,
    /// The ID number read from the card (the person, or the company's representative).
    pub person_number: String,
    pub person_name: String,
    /// 统一社会信用代码 (check character verified) and name: organisation only.
    pub organisation_code: Option<String>,
    pub organisation_name: Option<String>,
    /// The proofs needed (1 to 20 lines, e.g. 无犯罪记录证明).
    pub proofs: Vec<String>,
    /// At most 500 characters; may be empty.
    #[serde(default)]
    pub note: String,
    /// Unix ms when the clerk made it (it may have waited offline up to 7 days).
    pub created_at: i64,
    /// The card read, made at most 30 minutes before `created_at` by the same clerk.
    pub card_read: Option<CardReadProofBody>,
}

/// A document kept with a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentInfo {
    pub sha256: String,
    pub size: u64,
    /// The clerk who attached or stamped it.
    pub clerk: String,
    /// Unix ms.
    pub at: i64,
}

/// The seal of the stamped proof as this server verified it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SealInfo {
    /// The department on the seal certificate (its common name).
    pub signer_name: String,
    pub signer_issuer: String,
    /// Upper-case hex.
    pub signer_serial: String,
    /// The seal's signing time, Unix seconds.
    pub signed_at: Option<i64>,
}

/// A request as both departments see it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistView {
    pub id: String,
    pub state: AssistState,
    /// 待处理 / 待盖章 / 已盖章 / 已退回.
    pub state_label: String,
    pub from_department: String,
    pub from_clerk: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant: Applicant,
    pub proofs: Vec<String>,
    pub note: String,
    /// Unix ms: made at the workstation, received here, last changed.
    pub created_at: i64,
    pub received_at: i64,
    pub updated_at: i64,
    pub proof: Option<DocumentInfo>,
    pub stamped: Option<DocumentInfo>,
    pub seal: Option<SealInfo>,
    pub return_reason: Option<String>,
    pub returned_clerk: Option<String>,
    pub returned_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AssistList {
    pub requests: Vec<AssistView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Departments {
    pub departments: Vec<String>,
}

/// 退回 with a reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReturnRequest {
    /// 1 to 500 characters.
    pub reason: String,
}

/// Which mailbox to list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `sent` (my department's requests) or `inbox` (to my department).
    pub mailbox: Mailbox,
    /// Only this state (`pending`, `awaiting_seal`, `sealed`, `returned`).
    pub state: Option<String>,
    /// At most this many, newest first (1 to 500; 100 when absent).
    pub limit: Option<i64>,
}

/// Which document.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct DocumentQuery {
    /// `proof` (as attached) or `stamped`.
    pub which: String,
}

fn view(s: Stored) -> AssistView {
    let doc = |sha: Option<String>, size: Option<i64>, clerk: Option<String>, at: Option<i64>| {
        Some(DocumentInfo {
            sha256: sha?,
            size: size.unwrap_or(0).max(0) as u64,
            clerk: clerk.unwrap_or_default(),
            at: at.unwrap_or(0),
        })
    };
    let seal = s.signer_name.clone().map(|signer_name| SealInfo {
        signer_name,
        signer_issuer: s.signer_issuer.clone().unwrap_or_default(),
        signer_serial: s.signer_serial.clone().unwrap_or_default(),
        signed_at: s.signed_at,
    });
    AssistView {
        state_label: s.state.label().to_owned(),
        proof: doc(s.proof_sha256, s.proof_size, s.proof_clerk, s.proof_at),
        stamped: doc(
            s.stamped_sha256,
            s.stamped_size,
            s.stamped_clerk,
            s.stamped_at,
        ),
        seal,
        id: s.id,
        state: s.state,
        from_department: s.from_department,
        from_clerk: s.from_clerk,
        to_department: s.to_department,
        item_code: s.item_code,
        item_name: s.item_name,
        applicant: s.content.applicant,
        proofs: s.content.proofs,
        note: s.content.note,
        created_at: s.created_at,
        received_at: s.received_at,
        updated_at: s.updated_at,
        return_reason: s.return_reason,
        returned_clerk: s.returned_clerk,
        returned_at: s.returned_at,
    }
}

fn has(s: &ClerkSession, permission: &str) -> bool {
    s.clerk.permissions.iter().any(|p| p == permission)
}

fn need(s: &ClerkSession, permission: &str) -> Result<()> {
    if has(s, permission) {
        Ok(())
    } else {
        Err(Error::PermissionDenied {
            detail: format!("clerk {} does not hold {permission}", s.clerk.id),
        })
    }
}

/// Runs `work` and writes its `assist_log` row (`ok` or the refusal's code).
async fn logged<T>(
    state: &AppState,
    s: &ClerkSession,
    action: &str,
    request: Option<&str>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let out = work.await;
    let outcome = match &out {
        Ok(_) => "ok",
        Err(e) => e.code().as_str(),
    };
    let entry = store::Log {
        action,
        request,
        clerk: &s.clerk.id,
        workstation: &s.ws.workstation,
        department: &s.clerk.department,
        outcome,
    };
    store::log(&state.db.pool, &entry, state.auth.now_ms()).await?;
    out
}

async fn load(state: &AppState, id: &str) -> Result<Stored> {
    store::get(&state.db.pool, &state.auth.case_index, id)
        .await?
        .ok_or_else(|| problem(AssistProblem::Unknown, id.to_owned()))
}

/// The request, for a clerk of the requesting department (`accept`) or of the providing one
/// (`assist`).
async fn visible(state: &AppState, s: &ClerkSession, id: &str) -> Result<Stored> {
    let r = load(state, id).await?;
    let requester = has(s, "accept") && r.from_department == s.clerk.department;
    let provider = has(s, "assist") && r.to_department == s.clerk.department;
    if requester || provider {
        Ok(r)
    } else {
        Err(problem(
            AssistProblem::OtherDepartment,
            format!("request {id} is between other departments"),
        ))
    }
}

/// The request, for a clerk of the providing department holding `assist`.
async fn handled(state: &AppState, s: &ClerkSession, id: &str) -> Result<Stored> {
    need(s, "assist")?;
    let r = load(state, id).await?;
    if r.to_department != s.clerk.department {
        return Err(problem(
            AssistProblem::OtherDepartment,
            format!("request {id} is for another department"),
        ));
    }
    Ok(r)
}

/// The departments a request may go to: those of the hall's active clerks.
#[utoipa::path(
    get,
    path = "/api/v1/assist/departments",
    tag = "assist",
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The hall's departments, in order", body = Departments),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (neither accept nor assist) / workstation_disabled", body = ErrorBody),
        (status = 503, description = "database", body = ErrorBody),
    )
)]
pub async fn departments(
    State(state): State<AppState>,
    s: ClerkSession,
) -> Result<Json<Departments>> {
    if !has(&s, "assist") {
        need(&s, "accept")?;
    }
    let departments = store::departments(&state.db.pool).await?;
    Ok(Json(Departments { departments }))
}

/// Asks another department for a proof (待处理). Idempotent by `id`.
#[utoipa::path(
    post,
    path = "/api/v1/assist/requests",
    tag = "assist",
    request_body(content = CreateRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 201, description = "Made (pending)", body = AssistView),
        (status = 200, description = "The same request was already made (the body sent again)", body = AssistView),
        (status = 400, description = "bad_request / assist_invalid (a field not as described) / assist_department_unknown", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (no accept) / workstation_disabled / assist_card_read_missing / assist_card_read_invalid / assist_card_read_other_clerk / assist_card_read_other_holder / assist_card_read_stale", body = ErrorBody),
        (status = 409, description = "assist_id_reused: the id names another request", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 503, description = "database", body = ErrorBody),
    )
)]
pub async fn create(State(state): State<AppState>, req: ClerkBody) -> Result<Response> {
    let s = &req.session;
    need(s, "accept")?;
    let body: CreateRequest = req.json()?;
    let id = body.id.trim().to_ascii_lowercase();
    let work = async {
        uuid::Uuid::parse_str(&id)
            .map_err(|_| problem(AssistProblem::Invalid, "id: a UUID expected"))?;
        let content = checked_content(&body)?;
        let to_department = line("to_department", &body.to_department, 100)?;
        if !store::departments(&state.db.pool)
            .await?
            .contains(&to_department)
        {
            return Err(problem(
                AssistProblem::DepartmentUnknown,
                "no active clerk belongs to that department",
            ));
        }
        let (entry, hash) = check_card_read(
            &state,
            s,
            &content.applicant.person_number,
            body.created_at,
            body.card_read.as_ref(),
        )
        .await?;
        let new = NewRequest {
            id: id.clone(),
            body_sha256: hex(&Sha256::digest(&req.body)),
            hall_code: s.ws.hall_code.clone(),
            from_department: s.clerk.department.clone(),
            from_workstation: s.ws.workstation.clone(),
            from_clerk: s.clerk.id.clone(),
            to_department,
            item_code: line("item_code", &body.item_code, 64)?,
            item_name: line("item_name", &body.item_name, 200)?,
            content,
            card_read_entry: entry,
            card_read_hash: hash,
            created_at: body.created_at,
        };
        let now = state.auth.now_ms();
        let (fresh, stored) =
            store::insert(&state.db.pool, &state.auth.case_index, &new, now).await?;
        if stored.from_workstation != new.from_workstation || stored.body_sha256 != new.body_sha256
        {
            return Err(problem(
                AssistProblem::IdReused,
                format!("request {id} was made with another body"),
            ));
        }
        Ok((fresh, stored))
    };
    let (fresh, stored) = logged(&state, s, "create", Some(&id), work).await?;
    let status = if fresh {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view(stored))).into_response())
}

/// My department's requests (`sent`, clerks with `accept`) or those to it (`inbox`, clerks
/// with `assist`).
#[utoipa::path(
    get,
    path = "/api/v1/assist/requests",
    tag = "assist",
    params(ListQuery),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = AssistList),
        (status = 400, description = "bad_request / assist_invalid: mailbox, state or limit not as described", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (sent needs accept, inbox needs assist) / workstation_disabled", body = ErrorBody),
        (status = 503, description = "database", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    s: ClerkSession,
    Query(q): Query<ListQuery>,
) -> Result<Json<AssistList>> {
    let (action, permission) = match q.mailbox {
        Mailbox::Sent => ("list_sent", "accept"),
        Mailbox::Inbox => ("list_inbox", "assist"),
    };
    let work = async {
        need(&s, permission)?;
        let wanted = match q.state.as_deref() {
            None | Some("") => None,
            Some(t) => Some(
                AssistState::parse(t)
                    .ok_or_else(|| problem(AssistProblem::Invalid, format!("state {t:?}")))?,
            ),
        };
        store::list(
            &state.db.pool,
            &state.auth.case_index,
            q.mailbox,
            &s.clerk.department,
            wanted,
            q.limit.unwrap_or(100),
        )
        .await
    };
    let rows = logged(&state, &s, action, None, work).await?;
    Ok(Json(AssistList {
        requests: rows.into_iter().map(view).collect(),
    }))
}

/// One request, for either department.
#[utoipa::path(
    get,
    path = "/api/v1/assist/requests/{id}",
    tag = "assist",
    params(("id" = String, Path, description = "The request's id")),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The request", body = AssistView),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "assist_other_department: neither the requesting department (accept) nor the providing one (assist) / workstation_disabled", body = ErrorBody),
        (status = 404, description = "assist_unknown", body = ErrorBody),
        (status = 503, description = "database", body = ErrorBody),
    )
)]
pub async fn get_one(
    State(state): State<AppState>,
    s: ClerkSession,
    Path(id): Path<String>,
) -> Result<Json<AssistView>> {
    let r = logged(&state, &s, "view", Some(&id), visible(&state, &s, &id)).await?;
    Ok(Json(view(r)))
}

/// The PDF of an upload: `application/pdf`, at most 16 MiB, starting `%PDF-`.
fn pdf_body<'a>(headers: &HeaderMap, body: &'a [u8]) -> Result<&'a [u8]> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/pdf") {
        return Err(problem(
            AssistProblem::NotPdf,
            format!("content type {content_type:?}, application/pdf expected"),
        ));
    }
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::PayloadTooLarge {
            detail: format!("{} bytes, at most {MAX_DOCUMENT_BYTES}", body.len()),
        });
    }
    if !body.starts_with(b"%PDF-") {
        return Err(problem(
            AssistProblem::NotPdf,
            "the body does not start %PDF-",
        ));
    }
    Ok(body)
}

/// Attaches the proof (待盖章); a proof already attached and not stamped is replaced.
#[utoipa::path(
    post,
    path = "/api/v1/assist/requests/{id}/proof",
    tag = "assist",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The proof, at most 16 MiB"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Attached (awaiting_seal)", body = AssistView),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (no assist) / assist_other_department / workstation_disabled", body = ErrorBody),
        (status = 404, description = "assist_unknown", body = ErrorBody),
        (status = 409, description = "assist_state: already stamped or returned", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "assist_not_pdf", body = ErrorBody),
        (status = 503, description = "blob_store / database", body = ErrorBody),
    )
)]
pub async fn attach_proof(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: ClerkBody,
) -> Result<Json<AssistView>> {
    let s = &req.session;
    let work = async {
        handled(&state, s, &id).await?;
        let pdf = pdf_body(&headers, &req.body)?;
        let (sha, size) = state.sync.blobs.store_bytes(pdf).await?;
        let now = state.auth.now_ms();
        if !store::set_proof(&state.db.pool, &id, &sha, size, &s.clerk.id, now).await? {
            return Err(problem(AssistProblem::State, "already stamped or returned"));
        }
        load(&state, &id).await
    };
    let r = logged(&state, s, "attach", Some(&id), work).await?;
    Ok(Json(view(r)))
}

/// Uploads the stamped proof (已盖章): refused unless its seal verifies against the hall's
/// seal CAs, the document is unchanged since, and it is the attached proof stamped.
#[utoipa::path(
    post,
    path = "/api/v1/assist/requests/{id}/stamped",
    tag = "assist",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Vec<u8>, content_type = "application/pdf", description = "The attached proof stamped with the department's seal, at most 16 MiB"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Verified and kept (sealed), with the signer and time", body = AssistView),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (no assist) / assist_other_department / workstation_disabled", body = ErrorBody),
        (status = 404, description = "assist_unknown", body = ErrorBody),
        (status = 409, description = "assist_state: no proof attached, already stamped or returned", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "assist_not_pdf", body = ErrorBody),
        (status = 422, description = "assist_seal_missing / assist_seal_invalid (altered, broken, expired) / assist_seal_untrusted / assist_seal_other_document", body = ErrorBody),
        (status = 503, description = "blob_store / database", body = ErrorBody),
    )
)]
pub async fn upload_stamped(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    req: ClerkBody,
) -> Result<Json<AssistView>> {
    let s = &req.session;
    let work = async {
        let r = handled(&state, s, &id).await?;
        let pdf = pdf_body(&headers, &req.body)?;
        let proof_sha = match (&r.state, &r.proof_sha256) {
            (AssistState::AwaitingSeal, Some(sha)) => sha.clone(),
            _ => {
                return Err(problem(
                    AssistProblem::State,
                    "no proof waiting for its seal",
                ))
            }
        };
        let proof = read_blob(&state, &proof_sha).await?;
        let verdict = verified_seal(&state, &proof, pdf)?;
        let (sha, size) = state.sync.blobs.store_bytes(pdf).await?;
        let stamped = store::StampedProof {
            sha256: &sha,
            size,
            clerk: &s.clerk.id,
            signer_name: &verdict.signer_name,
            signer_issuer: &verdict.signer_issuer,
            signer_serial: &verdict.signer_serial,
            signed_at: verdict.signing_time,
        };
        let now = state.auth.now_ms();
        if !store::set_stamped(&state.db.pool, &id, &proof_sha, &stamped, now).await? {
            return Err(problem(AssistProblem::State, "changed while stamping"));
        }
        load(&state, &id).await
    };
    let r = logged(&state, s, "stamp", Some(&id), work).await?;
    Ok(Json(view(r)))
}

/// 退回 with a reason, while not stamped.
#[utoipa::path(
    post,
    path = "/api/v1/assist/requests/{id}/return",
    tag = "assist",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = ReturnRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Returned (returned)", body = AssistView),
        (status = 400, description = "bad_request / assist_invalid: the reason", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "permission_denied (no assist) / assist_other_department / workstation_disabled", body = ErrorBody),
        (status = 404, description = "assist_unknown", body = ErrorBody),
        (status = 409, description = "assist_state: already stamped or returned", body = ErrorBody),
        (status = 503, description = "database", body = ErrorBody),
    )
)]
pub async fn return_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    req: ClerkBody,
) -> Result<Json<AssistView>> {
    let s = &req.session;
    let work = async {
        handled(&state, s, &id).await?;
        let body: ReturnRequest = req.json()?;
        let reason = line("reason", &body.reason, 500)?;
        let now = state.auth.now_ms();
        let key = &state.auth.case_index;
        if !store::set_returned(&state.db.pool, key, &id, &reason, &s.clerk.id, now).await? {
            return Err(problem(AssistProblem::State, "already stamped or returned"));
        }
        load(&state, &id).await
    };
    let r = logged(&state, s, "return", Some(&id), work).await?;
    Ok(Json(view(r)))
}

async fn read_blob(state: &AppState, sha: &str) -> Result<Vec<u8>> {
    let blob = state.sync.blobs.read(sha).await?;
    axum::body::to_bytes(blob.body, MAX_DOCUMENT_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|e| Error::BlobStore {
            detail: format!("read {sha}: {e}"),
        })
}

/// The proof as attached, or the stamped proof, for either department.
#[utoipa::path(
    get,
    path = "/api/v1/assist/requests/{id}/document",
    tag = "assist",
    params(("id" = String, Path, description = "The request's id"), DocumentQuery),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "assist_invalid: which is neither proof nor stamped", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "assist_other_department / workstation_disabled", body = ErrorBody),
        (status = 404, description = "assist_unknown: no such request, or no such document yet", body = ErrorBody),
        (status = 503, description = "blob_store / database", body = ErrorBody),
    )
)]
pub async fn document(
    State(state): State<AppState>,
    s: ClerkSession,
    Path(id): Path<String>,
    Query(q): Query<DocumentQuery>,
) -> Result<Response> {
    let work = async {
        let r = visible(&state, &s, &id).await?;
        let sha = match q.which.as_str() {
            "proof" => r.proof_sha256,
            "stamped" => r.stamped_sha256,
            other => return Err(problem(AssistProblem::Invalid, format!("which {other:?}"))),
        };
        let sha = sha.ok_or_else(|| problem(AssistProblem::Unknown, format!("no {}", q.which)))?;
        state.sync.blobs.read(&sha).await
    };
    let action = match q.which.as_str() {
        "proof" => "download_proof",
        "stamped" => "download_stamped",
        _ => "download",
    };
    let blob = logged(&state, &s, action, Some(&id), work).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_LENGTH, blob.len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"assist-{id}-{}.pdf\"", q.which),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        blob.body,
    )
        .into_response())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
