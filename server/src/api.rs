//! HTTP handlers under `/api/v1` and the OpenAPI document that describes them.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::auth::handlers::{
    ChallengeRequest, ChallengeResponse, GrantKeyResponse, LoginRequest, LoginResponse,
    SignedGrantBody,
};
use crate::auth::store::Clerk;

use crate::config::DatabaseKind;
use crate::error::ErrorBody;
use crate::AppState;

/// Path prefix of the versioned API.
pub const API_PREFIX: &str = "/api/v1";

/// Overall service state reported by `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Everything works.
    Ok,
    /// The service runs but its database does not answer.
    Degraded,
}

/// Body of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    pub status: HealthStatus,
    pub database: DatabaseKind,
    /// Present only when `status` is `degraded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// Body of `GET /api/v1/version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionResponse {
    #[schema(example = "yichuang-server")]
    pub name: String,
    #[schema(example = "0.1.0")]
    pub version: String,
    #[schema(example = "v1")]
    pub api: String,
}

/// Liveness and database check (runs `SELECT 1`).
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "system",
    responses(
        (status = 200, description = "The service and its database are up", body = HealthResponse),
        (status = 503, description = "The database is unavailable (`status` is `degraded`)", body = HealthResponse),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthResponse>) {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(HealthResponse {
                status: HealthStatus::Ok,
                database: state.db.kind,
                error: None,
            }),
        ),
        Err(e) => {
            tracing::warn!(code = %e.code(), detail = %e.detail(), "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(HealthResponse {
                    status: HealthStatus::Degraded,
                    database: state.db.kind,
                    error: Some(e.body()),
                }),
            )
        }
    }
}

/// Server name, version and API generation.
#[utoipa::path(
    get,
    path = "/api/v1/version",
    tag = "system",
    responses((status = 200, description = "Server name, version and API generation", body = VersionResponse))
)]
pub async fn version() -> Json<VersionResponse> {
    Json(VersionResponse {
        name: env!("CARGO_PKG_NAME").to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api: "v1".to_owned(),
    })
}

/// This OpenAPI document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "system",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = Object, content_type = "application/json"))
)]
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.to_string(),
    )
}

/// The OpenAPI description of the server.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yichuang counter workstation: central service",
        description = "The central REST service of the Yichuang counter workstations: service catalog, clerk authentication, data sync, queue calling, ratings and statistics.\n\nEvery route may also answer 503 `overloaded` with `Retry-After` (too many requests in progress), 408 `request_timeout` (the body stopped arriving), 413 `payload_too_large` (a JSON body over 1 MiB; push and blob chunks have their own caps) and 400 `bad_request` (path or query not as described); every error is an `ErrorBody`."
    ),
    paths(
        health,
        version,
        openapi_json,
        crate::auth::handlers::challenge,
        crate::auth::handlers::login,
        crate::auth::handlers::grant_key,
        crate::auth::handlers::session,
        crate::sync::handlers::push,
        crate::sync::handlers::blob_status,
        crate::sync::handlers::put_chunk,
        crate::sync::handlers::get_blob,
        crate::sync::handlers::catalog,
        crate::sync::handlers::clerks,
        crate::sync::handlers::config,
        crate::sync::handlers::audit_check,
        crate::sync::handlers::stats,
    ),
    components(schemas(
        HealthResponse,
        HealthStatus,
        DatabaseKind,
        VersionResponse,
        ErrorBody,
        crate::error::ErrorCode,
        ChallengeRequest,
        ChallengeResponse,
        LoginRequest,
        LoginResponse,
        Clerk,
        SignedGrantBody,
        GrantKeyResponse,
        crate::sync::PushRequest,
        crate::sync::PushRecord,
        crate::sync::PushResponse,
        crate::sync::Ack,
        crate::sync::AckOutcome,
        crate::sync::BlobStatus,
        crate::sync::AuditCheck,
        crate::sync::AuditFlag,
        crate::sync::pull::PullDocument,
        crate::sync::handlers::SyncStats,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "system", description = "Service status and metadata"),
        (name = "auth", description = "Clerk login with a UKey certificate, sessions and offline grants"),
        (name = "sync", description = "Workstation data sync: idempotent record push with per-record acknowledgement, resumable chunked upload of material files, catalog and configuration pull, audit chain continuity check"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme used by `/auth/session`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
