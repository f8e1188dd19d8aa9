//! HTTP handlers of `/api/v1/sync/*`.

use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::body::{body_error, content_length};
use super::pull::{self, PullDocument};
use super::{
    audit, audit_sign, is_sha256_hex, store, AuditCheck, BlobStatus, PushRequest, PushResponse,
    MAX_BATCH, MAX_CHUNK_BYTES,
};
use crate::error::{Error, ErrorBody, Result};
use crate::workstation::guard::{ClerkSession, Signed, SignedBody, SignedChunk};
use crate::AppState;

/// Only the workstation itself reads its configuration and audit check.
fn own(ws: &Signed, workstation: &str) -> Result<()> {
    if ws.workstation != workstation {
        return Err(Error::Forbidden {
            detail: format!(
                "workstation {} may not read the data of {workstation}",
                ws.workstation
            ),
        });
    }
    Ok(())
}

fn check_sha(sha: &str) -> Result<()> {
    if !is_sha256_hex(sha) {
        return Err(Error::BadRequest {
            detail: "blob name must be 64 lower-case hex digits (SHA-256)".into(),
        });
    }
    Ok(())
}

/// Pushes a batch of outbox records; one acknowledgement per record, in order.
#[utoipa::path(
    post,
    path = "/api/v1/sync/push",
    tag = "sync",
    request_body = PushRequest,
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "One acknowledgement per record (accepted: may be deleted locally; rejected: needs manual handling); the records are stored as the signing workstation's. `audit` records are insert-only: a re-send with other content is kept aside and rejected with `audit_conflict`; they are stored only with an `audit_head` that names the batch's last audit entry and verifies with the workstation's key (else `audit_head_missing` / `audit_head_mismatch` / `audit_head_invalid`)", body = PushResponse),
        (status = 400, description = "bad_request (the whole batch is malformed)", body = ErrorBody),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 408, description = "request_timeout: the body stopped arriving (body read timeout)", body = ErrorBody),
        (status = 413, description = "payload_too_large: the body is over the push limit (`--max-push-mib`, 32 MiB by default)", body = ErrorBody),
        (status = 415, description = "unsupported_media_type: the body is not `application/json`", body = ErrorBody),
        (status = 503, description = "Database temporarily unavailable, or overloaded (with `Retry-After`); retry later", body = ErrorBody),
    )
)]
pub async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed: SignedBody,
) -> Result<Json<PushResponse>> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(Error::UnsupportedMediaType {
            detail: "a push is `application/json`".into(),
        });
    }
    // Each record's payload stays raw JSON text: no tree of the whole batch.
    let req: PushRequest = signed.json()?;
    if req.records.len() > MAX_BATCH {
        return Err(Error::BadRequest {
            detail: format!("{} records, at most {MAX_BATCH}", req.records.len()),
        });
    }
    let now = state.auth.now_ms();
    let ws = &signed.ws.workstation;
    let gate = audit_sign::admit(
        &state.db.pool,
        ws,
        &req.records,
        req.audit_head.as_ref(),
        now,
    )
    .await?;
    let (acks, replays) = store::push(
        &state.db.pool,
        &state.auth.case_index,
        state.upstream.is_some(),
        ws,
        &req.records,
        &gate,
        now,
    )
    .await?;
    if replays > 0 {
        state.sync.replays.fetch_add(replays, Ordering::Relaxed);
    }
    if let Some(wake) = &state.upstream {
        if req
            .records
            .iter()
            .any(|r| r.kind == "case" || r.kind == "pickup")
        {
            wake.notify_one();
        }
    }
    Ok(Json(PushResponse { acks }))
}

/// Query of a chunk upload.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct ChunkQuery {
    /// Where the chunk starts in the blob.
    pub offset: u64,
    /// Size of the whole blob.
    pub total: u64,
}

async fn blob_status_of(state: &AppState, sha: &str) -> Result<BlobStatus> {
    if let Some(size) = store::blob_size(&state.db.pool, sha).await? {
        return Ok(BlobStatus {
            sha256: sha.to_owned(),
            received: size,
            complete: true,
        });
    }
    Ok(BlobStatus {
        sha256: sha.to_owned(),
        received: state.sync.blobs.staged_len(sha).await?,
        complete: false,
    })
}

/// How much of a blob the server holds: where an upload resumes.
#[utoipa::path(
    get,
    path = "/api/v1/sync/blobs/{sha256}/status",
    tag = "sync",
    params(("sha256" = String, Path, description = "SHA-256 of the content, hex")),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Bytes received so far (a partial upload of another workstation counts as none)", body = BlobStatus),
        (status = 400, description = "bad_request (invalid SHA-256 name)", body = ErrorBody),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn blob_status(
    State(state): State<AppState>,
    ws: Signed,
    Path(sha): Path<String>,
) -> Result<Json<BlobStatus>> {
    check_sha(&sha)?;
    let mut status = blob_status_of(&state, &sha).await?;
    if !status.complete {
        let owner = store::upload_owner(&state.db.pool, &sha).await?;
        if owner.is_some_and(|(o, _)| o != ws.workstation) {
            status.received = 0;
        }
    }
    Ok(Json(status))
}

/// Uploads one chunk at `offset`; the last chunk completes the blob after its hash is checked.
#[utoipa::path(
    put,
    path = "/api/v1/sync/blobs/{sha256}",
    tag = "sync",
    params(("sha256" = String, Path, description = "SHA-256 of the content, hex"), ChunkQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Bytes received so far; `complete` means the content was verified and stored", body = BlobStatus),
        (status = 400, description = "bad_request: invalid name or query; chunk beyond `total`", body = ErrorBody),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown (the chunk is signed with `x-yichuang-content-sha256: UNSIGNED-PAYLOAD`)", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 408, description = "request_timeout: the body stopped arriving; the chunk was discarded", body = ErrorBody),
        (status = 409, description = "blob_offset: the chunk starts beyond the bytes received; resume at the offset given in `detail`. upload_owned_elsewhere: another workstation is uploading this blob; only it may continue it, another may restart it from offset 0 once it has been left alone for an hour", body = ErrorBody),
        (status = 413, description = "blob_too_large: the declared `total` is over the per-file cap (`--max-blob-mib`, 64 MiB by default); payload_too_large: the chunk is over 16 MiB", body = ErrorBody),
        (status = 422, description = "blob_hash_mismatch: the content does not match the SHA-256; it was discarded, upload again from the start", body = ErrorBody),
        (status = 503, description = "Storage temporarily unavailable", body = ErrorBody),
    )
)]
pub async fn put_chunk(
    State(state): State<AppState>,
    SignedChunk(ws): SignedChunk,
    Path(sha): Path<String>,
    Query(q): Query<ChunkQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BlobStatus>> {
    check_sha(&sha)?;
    put_chunk_as(&state, sha, &ws.workstation, &q, &headers, body).await
}

/// A chunk upload by `workstation` (the authenticated sender).
async fn put_chunk_as(
    state: &AppState,
    sha: String,
    workstation: &str,
    q: &ChunkQuery,
    headers: &HeaderMap,
    body: Body,
) -> Result<Json<BlobStatus>> {
    let max_blob = state.sync.limits.max_blob_bytes;
    if q.total > max_blob {
        return Err(Error::BlobTooLarge {
            total: q.total,
            max: max_blob,
        });
    }
    // What this chunk may hold: up to the end of the blob, at most one chunk.
    let room = q
        .total
        .checked_sub(q.offset)
        .ok_or_else(|| Error::BadRequest {
            detail: format!("offset {} beyond total {}", q.offset, q.total),
        })?;
    let max_len = room.min(MAX_CHUNK_BYTES as u64);
    if let Some(len) = content_length(headers) {
        if len > MAX_CHUNK_BYTES as u64 {
            return Err(Error::PayloadTooLarge {
                detail: format!("chunk of {len} bytes, at most {MAX_CHUNK_BYTES}"),
            });
        }
        if len > room {
            return Err(Error::BadRequest {
                detail: format!("chunk {}+{len} beyond total {}", q.offset, q.total),
            });
        }
    }
    let lock = state.sync.upload_lock(&sha);
    let _guard = lock.lock().await;
    if let Some(size) = store::blob_size(&state.db.pool, &sha).await? {
        return Ok(Json(BlobStatus {
            sha256: sha,
            received: size,
            complete: true,
        }));
    }
    store::claim_upload(
        &state.db.pool,
        &sha,
        workstation,
        q.offset,
        state.auth.now_ms(),
        state.sync.limits.stale_upload_after,
    )
    .await?;
    let stream = body.into_data_stream().map(|r| r.map_err(body_error));
    let received = state
        .sync
        .blobs
        .write_chunk(&sha, workstation, q.offset, max_len, stream)
        .await?;
    if received < q.total {
        return Ok(Json(BlobStatus {
            sha256: sha,
            received,
            complete: false,
        }));
    }
    let size = state.sync.blobs.finish(&sha).await?;
    store::blob_stored(&state.db.pool, &sha, size, workstation, state.auth.now_ms()).await?;
    Ok(Json(BlobStatus {
        sha256: sha,
        received: size,
        complete: true,
    }))
}

/// The content of a complete blob.
#[utoipa::path(
    get,
    path = "/api/v1/sync/blobs/{sha256}",
    tag = "sync",
    params(("sha256" = String, Path, description = "SHA-256 of the content, hex")),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The file content, streamed (a clerk session at a workstation of the hall whose workstation uploaded it)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "bad_request: the name is not a SHA-256", body = ErrorBody),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 404, description = "Unknown blob, its upload is not complete, or no workstation of this hall uploaded it", body = ErrorBody),
        (status = 503, description = "Storage temporarily unavailable", body = ErrorBody),
    )
)]
pub async fn get_blob(
    State(state): State<AppState>,
    session: ClerkSession,
    Path(sha): Path<String>,
) -> Result<Response> {
    check_sha(&sha)?;
    if store::blob_size(&state.db.pool, &sha).await?.is_none()
        || !store::held_in_hall(&state.db.pool, &sha, &session.ws.hall_code).await?
    {
        return Err(Error::BlobNotFound { detail: sha });
    }
    let blob = state.sync.blobs.read(&sha).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, blob.len.to_string()),
        ],
        blob.body,
    )
        .into_response())
}

fn pulled(doc: PullDocument, headers: &HeaderMap) -> Response {
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == doc.etag || t.trim() == "*")
        });
    let etag = doc.etag.clone();
    if not_modified {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    ([(header::ETAG, etag)], Json(doc)).into_response()
}

/// The service catalog (items, situations, materials, notice templates, calendar).
#[utoipa::path(
    get,
    path = "/api/v1/sync/catalog",
    tag = "sync",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the previous pull")),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "The service catalog", body = PullDocument),
        (status = 304, description = "Not modified"),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 503, description = "The catalog is unavailable", body = ErrorBody),
    )
)]
pub async fn catalog(
    State(state): State<AppState>,
    _ws: Signed,
    headers: HeaderMap,
) -> Result<Response> {
    let dir = state.sync.catalog_dir.clone();
    let doc = tokio::task::spawn_blocking(move || pull::catalog(dir.as_deref()))
        .await
        .map_err(|e| Error::Catalog {
            detail: e.to_string(),
        })??;
    Ok(pulled(doc, &headers))
}

/// Active clerks and the fingerprints of their bound certificates.
#[utoipa::path(
    get,
    path = "/api/v1/sync/clerks",
    tag = "sync",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the previous pull")),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Clerks and their certificate bindings", body = PullDocument),
        (status = 304, description = "Not modified"),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn clerks(
    State(state): State<AppState>,
    _ws: Signed,
    headers: HeaderMap,
) -> Result<Response> {
    Ok(pulled(pull::clerks(&state.db).await?, &headers))
}

/// The workstation's configuration (defaults with its own keys over them).
#[utoipa::path(
    get,
    path = "/api/v1/sync/config/{workstation}",
    tag = "sync",
    params(
        ("workstation" = String, Path, description = "Workstation ID"),
        ("If-None-Match" = Option<String>, Header, description = "ETag of the previous pull"),
    ),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "The workstation configuration", body = PullDocument),
        (status = 304, description = "Not modified"),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled / forbidden (another workstation's configuration)", body = ErrorBody),
    )
)]
pub async fn config(
    State(state): State<AppState>,
    ws: Signed,
    Path(workstation): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    own(&ws, &workstation)?;
    Ok(pulled(
        pull::config(&state.db, &workstation).await?,
        &headers,
    ))
}

/// Continuity check of a workstation's audit chain: gaps, edits, forks.
#[utoipa::path(
    get,
    path = "/api/v1/sync/audit/{workstation}",
    tag = "sync",
    params(("workstation" = String, Path, description = "Workstation ID")),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Result of the audit chain check", body = AuditCheck),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled / forbidden (another workstation's chain)", body = ErrorBody),
    )
)]
pub async fn audit_check(
    State(state): State<AppState>,
    ws: Signed,
    Path(workstation): Path<String>,
) -> Result<Json<AuditCheck>> {
    own(&ws, &workstation)?;
    Ok(Json(audit::check(&state.db.pool, &workstation).await?))
}

/// Counts of what the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncStats {
    /// Records per kind.
    pub records: std::collections::BTreeMap<String, i64>,
    /// Records received again at a version already held, since the server started.
    pub replays_since_start: u64,
    /// `local` or `s3`.
    pub blob_store: String,
}

/// Query of `/sync/stats`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Only this workstation.
    pub workstation: Option<String>,
}

/// What the server holds, per kind.
#[utoipa::path(
    get,
    path = "/api/v1/sync/stats",
    tag = "sync",
    params(StatsQuery),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Sync statistics", body = SyncStats),
        (status = 401, description = "unauthorized / session_ended / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled / permission_denied (the clerk lacks `admin`)", body = ErrorBody),
    )
)]
pub async fn stats(
    State(state): State<AppState>,
    session: ClerkSession,
    Query(q): Query<StatsQuery>,
) -> Result<Json<SyncStats>> {
    if !session.clerk.permissions.iter().any(|p| p == "admin") {
        return Err(Error::PermissionDenied {
            detail: format!("clerk {} lacks the admin permission", session.clerk.id),
        });
    }
    let records = store::count_records(&state.db.pool, q.workstation.as_deref())
        .await?
        .into_iter()
        .collect();
    Ok(Json(SyncStats {
        records,
        replays_since_start: state.sync.replays.load(Ordering::Relaxed),
        blob_store: state.sync.blobs.kind().to_owned(),
    }))
}
