//! Diagnostics bundles (K3): a workstation uploads the zip it made (logs with citizen data
//! masked, config without secrets, device self-tests, versions, OS facts, sync status); IT
//! lists them per workstation and saves one with `diagnostics list|get`. The workstation
//! comes from the request's signature; the same bundle sent twice (a retry after a lost
//! answer) is kept once.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use utoipa::ToSchema;

use super::{problem, MaintenanceProblem};
use crate::error::{ErrorBody, Result};
use crate::workstation::guard::SignedBody;
use crate::AppState;

/// A zip file's local header signature.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// What the server kept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct BundleReceipt {
    pub id: String,
    pub workstation: String,
    pub size: u64,
    pub sha256: String,
    /// Unix ms.
    pub received_at: i64,
}

/// Receives a bundle.
#[utoipa::path(
    post,
    path = "/api/v1/diagnostics",
    tag = "maintenance",
    request_body(content = Vec<u8>, content_type = "application/zip", description = "The bundle, at most the push size limit"),
    security(("workstation_signature" = [])),
    responses(
        (status = 201, description = "Kept", body = BundleReceipt),
        (status = 200, description = "The same bundle was already kept (a retry)", body = BundleReceipt),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 413, description = "payload_too_large", body = ErrorBody),
        (status = 415, description = "diagnostics_invalid: not application/zip or not a zip file", body = ErrorBody),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: SignedBody,
) -> Result<Response> {
    let zip_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "application/zip");
    if !zip_type || !signed.body.starts_with(ZIP_MAGIC) {
        return Err(problem(
            MaintenanceProblem::DiagnosticsInvalid,
            "Content-Type application/zip and a zip file expected",
        ));
    }
    let ws = signed.ws.workstation;
    let sha256 = crate::sync::hex(&<sha2::Sha256 as sha2::Digest>::digest(&signed.body));
    if let Some(kept) = by_sha(&state.db.pool, &ws, &sha256).await? {
        return Ok((StatusCode::OK, Json(kept)).into_response());
    }
    let (sha256, size) = state.sync.blobs.store_bytes(&signed.body).await?;
    let receipt = BundleReceipt {
        id: uuid::Uuid::now_v7().to_string(),
        workstation: ws,
        size,
        sha256,
        received_at: state.auth.now_ms(),
    };
    sqlx::query(
        "INSERT INTO diagnostic_bundles (id, workstation_id, sha256, size, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workstation_id, sha256) DO NOTHING",
    )
    .bind(&receipt.id)
    .bind(&receipt.workstation)
    .bind(&receipt.sha256)
    .bind(size as i64)
    .bind(receipt.received_at)
    .execute(&state.db.pool)
    .await?;
    // Two instances racing on the same retry keep one row: answer with it.
    let kept = by_sha(&state.db.pool, &receipt.workstation, &receipt.sha256)
        .await?
        .unwrap_or(receipt);
    tracing::info!(workstation = %kept.workstation, id = %kept.id, size, "diagnostics bundle received");
    Ok((StatusCode::CREATED, Json(kept)).into_response())
}

fn receipt(r: sqlx::any::AnyRow) -> Result<BundleReceipt> {
    Ok(BundleReceipt {
        id: r.try_get("id")?,
        workstation: r.try_get("workstation_id")?,
        size: r.try_get::<i64, _>("size")?.max(0) as u64,
        sha256: r.try_get("sha256")?,
        received_at: r.try_get("received_at")?,
    })
}

async fn by_sha(pool: &AnyPool, ws: &str, sha: &str) -> Result<Option<BundleReceipt>> {
    sqlx::query(
        "SELECT id, workstation_id, sha256, size, received_at FROM diagnostic_bundles \
         WHERE workstation_id = $1 AND sha256 = $2",
    )
    .bind(ws)
    .bind(sha)
    .fetch_optional(pool)
    .await?
    .map(receipt)
    .transpose()
}

/// Bundles of one workstation (all when `None`), newest first.
pub async fn list(pool: &AnyPool, ws: Option<&str>, limit: i64) -> Result<Vec<BundleReceipt>> {
    sqlx::query(
        "SELECT id, workstation_id, sha256, size, received_at FROM diagnostic_bundles \
         WHERE ($1 = '' OR workstation_id = $1) ORDER BY received_at DESC, id DESC LIMIT $2",
    )
    .bind(ws.unwrap_or(""))
    .bind(limit.max(1))
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(receipt)
    .collect()
}

/// One bundle by id.
pub async fn get(pool: &AnyPool, id: &str) -> Result<BundleReceipt> {
    sqlx::query(
        "SELECT id, workstation_id, sha256, size, received_at FROM diagnostic_bundles \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .map(receipt)
    .transpose()?
    .ok_or_else(|| problem(MaintenanceProblem::DiagnosticsUnknown, id.to_owned()))
}
