//! `POST /api/v1/enroll`: a workstation enrolls its public key with the one-time code IT gave
//! it. The wire shapes are those of `yichuang_core::infra::credential` (`EnrollRequest`,
//! `Enrollment`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::Extensions;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_pki::credential::{enrollment_message, parse_public_key_b64, verify_b64};

use super::{code_hash, normalize_code};
use crate::error::{Error, ErrorBody, Result};
use crate::AppState;

/// Body of `POST /api/v1/enroll`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = EnrollRequest)]
pub struct EnrollRequestBody {
    /// The one-time code from `yichuang-server workstation enroll` (case, spaces and dashes
    /// do not matter).
    #[schema(example = "ABCD-EFGH-JKMN")]
    pub code: String,
    /// The workstation's Ed25519 public key, standard base64 of 32 bytes.
    pub public_key: String,
    /// Standard base64 Ed25519 signature of the UTF-8 text
    /// `yichuang-enroll-v1|{code}|{public_key}` (the code upper-cased, without separators).
    pub proof: String,
}

/// Answer of `POST /api/v1/enroll`: what the workstation keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Enrollment)]
pub struct EnrollmentBody {
    /// `{hall code}-{window}`: sent in `x-yichuang-workstation` from now on.
    #[schema(example = "441500-5")]
    pub workstation_id: String,
    #[schema(example = "441500")]
    pub hall_code: String,
    pub window: u32,
    /// The offline-grant verifying key (pinned by the workstation), standard base64.
    pub grant_public_key: String,
    pub grant_key_id: String,
    pub server_instance_id: String,
    /// Unix milliseconds, server clock.
    pub enrolled_at: i64,
}

/// Enrolls the workstation's key with a one-time code: single use, expires, rate-limited
/// per client address. A new enrollment of the same workstation replaces its key.
#[utoipa::path(
    post,
    path = "/api/v1/enroll",
    tag = "auth",
    request_body = EnrollRequestBody,
    security(()),
    responses(
        (status = 200, description = "Enrolled: the workstation's identity and the pinned grant key", body = EnrollmentBody),
        (status = 400, description = "bad_request (malformed body or public key)", body = ErrorBody),
        (status = 401, description = "enrollment_code_invalid: unknown, expired or used code, or the proof does not verify", body = ErrorBody),
        (status = 429, description = "rate_limited: too many attempts from this address; see Retry-After", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn enroll(
    State(state): State<AppState>,
    extensions: Extensions,
    body: axum::body::Bytes,
) -> Result<Json<EnrollmentBody>> {
    let addr = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string());
    let now = state.auth.now_ms();
    state.auth.guard.limiter.hit(
        &format!("enroll addr {addr}"),
        state.auth.guard.limits.enroll_per_address,
        now,
    )?;
    let req: EnrollRequestBody = serde_json::from_slice(&body).map_err(|e| Error::BadRequest {
        detail: format!("request body: {e}"),
    })?;
    let key = parse_public_key_b64(&req.public_key).map_err(|e| Error::BadRequest {
        detail: format!("public_key: {e}"),
    })?;
    let code = normalize_code(&req.code);
    verify_b64(
        &key,
        enrollment_message(&code, &req.public_key).as_bytes(),
        &req.proof,
    )
    .map_err(|e| Error::EnrollmentCodeInvalid {
        detail: format!("proof does not verify with the public key: {e}"),
    })?;
    let ws = state
        .db
        .enroll_with_code(&code_hash(&code), req.public_key.trim(), now)
        .await?
        .map_err(|problem| Error::EnrollmentCodeInvalid {
            detail: problem.detail().into(),
        })?;
    tracing::info!(workstation = %ws.id, %addr, "workstation enrolled");
    Ok(Json(EnrollmentBody {
        workstation_id: ws.id,
        hall_code: ws.hall_code,
        window: ws.window,
        grant_public_key: state.auth.grant_public_key_b64(),
        grant_key_id: state.auth.grant_key_id.clone(),
        server_instance_id: state.instance_id.to_string(),
        enrolled_at: now,
    }))
}
