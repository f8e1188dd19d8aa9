//! HTTP handlers under `/api/v1` and the OpenAPI document that describes them.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::auth::handlers::{
    ChallengeResponse, GrantKeyResponse, LoginRequest, LoginResponse, SignedGrantBody,
};
use crate::auth::store::Clerk;
use crate::workstation::guard::Signed;
use crate::workstation::handlers::{EnrollRequestBody, EnrollmentBody};

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
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "This OpenAPI 3.1 document (also printed by `yichuang-server openapi`)", body = Object, content_type = "application/json"),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn openapi_json(State(state): State<AppState>, _ws: Signed) -> impl IntoResponse {
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
        crate::workstation::handlers::enroll,
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
        crate::queue::handlers::desk_state,
        crate::queue::handlers::desk_verb,
        crate::queue::handlers::desk_events,
        crate::queue::handlers::issue_desk,
        crate::queue::handlers::visit,
        crate::queue::handlers::today,
        crate::queue::handlers::ratings,
        crate::queue::handlers::pair,
        crate::queue::handlers::hall_snapshot,
        crate::queue::handlers::hall_events,
        crate::queue::handlers::issue_kiosk,
        crate::queue::handlers::pair_page,
        crate::queue::handlers::screen_page,
        crate::queue::handlers::kiosk_page,
        crate::cases::handlers::search,
        crate::cases::handlers::detail,
        crate::cases::handlers::report,
        crate::cases::handlers::feed,
        crate::cases::handlers::pickup_check,
        crate::cases::handlers::flow,
        crate::maintenance::releases::offer,
        crate::maintenance::releases::file,
        crate::maintenance::diagnostics::upload,
        crate::licence::handlers::lookup,
        crate::licence::handlers::file,
        crate::licence::handlers::feedback,
        crate::assist::handlers::departments,
        crate::assist::handlers::create,
        crate::assist::handlers::list,
        crate::assist::handlers::get_one,
        crate::assist::handlers::attach_proof,
        crate::assist::handlers::upload_stamped,
        crate::assist::handlers::return_request,
        crate::assist::handlers::document,
    ),
    components(schemas(
        HealthResponse,
        HealthStatus,
        DatabaseKind,
        VersionResponse,
        ErrorBody,
        crate::maintenance::releases::ReleaseOffer,
        crate::maintenance::diagnostics::BundleReceipt,
        crate::licence::handlers::LookupRequest,
        crate::licence::handlers::LookupAnswer,
        crate::licence::handlers::FileRequest,
        crate::licence::handlers::FeedbackRequest,
        crate::licence::handlers::FeedbackReceipt,
        crate::assist::handlers::CreateRequest,
        crate::assist::handlers::AssistView,
        crate::assist::handlers::AssistList,
        crate::assist::handlers::Departments,
        crate::assist::handlers::ReturnRequest,
        crate::error::ErrorCode,
        EnrollRequestBody,
        EnrollmentBody,
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
        crate::sync::AuditHead,
        crate::sync::AuditConflict,
        crate::sync::AuditForgery,
        crate::sync::pull::PullDocument,
        crate::sync::handlers::SyncStats,
        crate::queue::Priority,
        crate::queue::TicketStatus,
        crate::queue::Ticket,
        crate::queue::IssueRequest,
        crate::queue::Verb,
        crate::queue::VerbRequest,
        crate::queue::Outcome,
        crate::queue::VerbResult,
        crate::queue::GroupCount,
        crate::queue::CallView,
        crate::queue::WindowView,
        crate::queue::HallSnapshot,
        crate::queue::DeskState,
        crate::queue::EventKind,
        crate::queue::EventTicket,
        crate::queue::HallEvent,
        crate::queue::devices::DeviceKind,
        crate::queue::devices::PairRequest,
        crate::queue::devices::Paired,
        crate::queue::visits::RatingLevel,
        crate::queue::visits::RatingReason,
        crate::queue::visits::VisitMode,
        crate::queue::visits::VisitPayload,
        crate::queue::visits::RatingPayload,
        crate::queue::visits::VisitRow,
        crate::queue::visits::RatingRow,
        crate::queue::visits::VisitRecord,
        crate::queue::visits::LevelCounts,
        crate::queue::visits::WindowFigures,
        crate::queue::visits::TodayFigures,
        crate::queue::visits::KeyedCounts,
        crate::queue::visits::RatingFigures,
        crate::cases::Progress,
        crate::cases::CaseSummary,
        crate::cases::CaseMaterial,
        crate::cases::CaseEvent,
        crate::cases::CaseDetail,
        crate::cases::ProgressReport,
        crate::cases::ProgressResult,
        crate::cases::CaseEvents,
        crate::cases::pickup::Relation,
        crate::cases::pickup::Method,
        crate::cases::pickup::PickupPerson,
        crate::cases::pickup::PickupCheck,
        crate::cases::pickup::PickupAllowed,
        crate::cases::pickup::PickupPayload,
        crate::cases::pickup::PickupView,
        crate::cases::flow::FlowMaterial,
        crate::cases::flow::FlowPayload,
        crate::cases::flow::FlowPayloadCase,
        crate::cases::flow::SignoffPayload,
        crate::cases::flow::FlowEntry,
        crate::cases::flow::FlowView,
        crate::cases::flow::CaseFlow,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "system", description = "Service status and metadata"),
        (name = "auth", description = "Clerk login with a UKey certificate, sessions and offline grants"),
        (name = "queue", description = "The hall's queue at the desk: the verbs (idempotent by request_id, serialised per hall), the desk state, the hall's event stream (SSE: `snapshot`, or with Last-Event-ID the missed events, then live ones), tickets from a reception PC, visits and ratings (the `visit` and `rating` sync record kinds: their payload schemas are VisitPayload and RatingPayload)"),
        (name = "hall", description = "Hall devices (call screen, kiosk): pairing with a one-time code for a cookie, their pages (text/html), the hall snapshot and event stream, tickets from the kiosk. Only ticket and window numbers are ever shown"),
        (name = "cases", description = "The hall's case record: cases arrive as `case` sync records (the workstation's case JSON; a case number the hall holds for another case is refused with `case_no_clash` and kept aside for IT; a `conclusion` — an instant item closed at the counter, `approved` or `denied` with its reason — is allowed only on an accepted case and moves its progress to that step unless it is already there or past; a `withdrawn` case must carry the withdrawal's change with the citizen's signed request as a file (SHA-256 of an uploaded blob); a record failing these is refused with `invalid_case`); clerks with `query` or `issue` search them by number, ID number or name within their departments; approval systems report progress with a system token; each workstation pulls the progress of the cases it holds; an issuing window asks `pickup-check` before a handover and records it as a `pickup` sync record (schema PickupPayload; refused per record with `invalid_pickup` or `pickup_case_unknown`, a handover the rules refuse on arrival is kept with its `flag`; a window sends its paper to a department in a material-flow package, a `flow` sync record (schema FlowPayload), and the receiving end finds it with `GET /flows/{no}` and signs for it with one `flow_signoff` record per case (schema SignoffPayload; refused per record with `invalid_flow` or `flow_unknown`); a sign-off reaches the sending workstation through its feed as a step carrying `flow`)"),
        (name = "maintenance", description = "Keeping workstations running: signed releases (minisign; the signature's trusted comment `yichuang-release target=<t> version=<v>` names what was signed; the workstation verifies file, claim and that it is newer against the key pinned in its own config) offered per target and version, 204 when up to date; diagnostics bundles (zip) uploaded by a workstation for IT, kept once per workstation and content"),
        (name = "licences", description = "The licence library (the electronic licence library) after a card read (A6): the request carries the workstation's `card.read` audit entry as its chain holds it and the workstation's Ed25519 signature over `yichuang-card-read-v1|{workstation}|{entry hash}`; the server checks the entry's hash, the signature with the workstation's key, that the clerk asking read the card, that the card is the holder asked about (a person; for an organisation the representative's card), and that the read is at most 30 minutes old. Lookup answers per licence type of the item: found, none or denied (the clerk's department may not see the type). Every lookup, preview, download and feedback is audited on the server with clerk, workstation, item and purpose"),
        (name = "assist", description = "Department assistance (L4): a clerk with `accept` asks another department of the hall (one of `/assist/departments`: the departments of active clerks) for proofs about an applicant — a person whose card was read (the `card_read` proof as for licences, made at most 30 minutes before the request's `created_at`, which may be up to 7 days old: requests made offline are sent later, idempotent by the client-made `id`), or a company by its unified social credit code with its representative's card read. Clerks of the providing department with `assist` see the request in their inbox, attach the proof (PDF), stamp it with the department's e-seal at their window and upload the stamped PDF, which the server verifies (signature, chain to the hall's seal CAs, unchanged, an incremental update of the attached proof) and records with signer and time; or they return it with a reason. States: pending → awaiting_seal → sealed; pending or awaiting_seal → returned. Applicant data and documents are sealed at rest; every call is audited in `assist_log`"),
        (name = "sync", description = "Workstation data sync: idempotent record push with per-record acknowledgement, resumable chunked upload of material files, catalog and configuration pull, audit chain continuity check"),
    )
)]
pub struct ApiDoc;

/// Declares the security schemes: the workstation request signature (every route but
/// health, version and enrollment, whose credential is the one-time code in its body) and
/// the clerk's bearer session.
struct BearerAuth;

/// How the signature headers are made, for integrators.
const SIGNATURE_SCHEME: &str = "Ed25519 request signature of an enrolled workstation. Send \
`x-yichuang-workstation` (the id from enrollment), `x-yichuang-timestamp` (Unix ms, within 5 min \
of the server clock), `x-yichuang-nonce` (random, used once), `x-yichuang-content-sha256` \
(lower-case hex SHA-256 of the body; `UNSIGNED-PAYLOAD` only on blob chunk PUTs) and \
`x-yichuang-signature`: standard base64 Ed25519 signature of the lines `yichuang-request-v1`, \
METHOD, path and query from /api/v1, workstation, timestamp, nonce, content hash, joined by \
`\\n`. Refused with 401 (request_unsigned, request_signature_invalid, request_stale, \
request_replayed, workstation_unknown) or 403 (workstation_disabled).";

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Clerk session from /auth/login; valid only with the signature of the \
                         workstation that logged in",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "hall_device",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::queue::devices::COOKIE,
                "Device token of a paired hall device (call screen or kiosk): set by \
                 POST /api/v1/hall/pair with a one-time code from `yichuang-server device enroll`; \
                 HttpOnly, SameSite=Strict, Secure under TLS; revoked by `device disable`. \
                 Refused with 401 device_unauthorized.",
            ))),
        );
        components.add_security_scheme(
            "system_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Token of an approval system (`ycs_…`) from `yichuang-server system add`, \
                         bound to one hall; revoked by `system disable`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "workstation_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-yichuang-signature",
                SIGNATURE_SCHEME,
            ))),
        );
    }
}
