//! The server's typed error.
//!
//! Every error carries a stable machine `code`, a user-facing Chinese `message` and an
//! IT-facing technical `detail`. Over HTTP it renders as [`ErrorBody`].

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::cases::CaseProblem;
pub use crate::queue::problem::QueueProblem;
pub use crate::redact::redact_paths;

/// Result alias for the server crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Declares [`ErrorCode`] from `Variant = "wire_name"` pairs, with [`ErrorCode::ALL`] and
/// [`ErrorCode::as_str`] kept in step with the serde names.
macro_rules! error_codes {
    ($( $variant:ident = $name:tt, )*) => {
        /// The stable machine-readable code of an API error; its serde name is the wire code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum ErrorCode {
            $( #[serde(rename = $name)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire name (the serde name).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    InvalidDatabaseUrl = "invalid_database_url",
    DataDir = "data_dir",
    DatabaseConnect = "database_connect",
    DatabaseMigrate = "database_migrate",
    Database = "database",
    DatabaseTimeout = "database_timeout",
    Bind = "bind",
    Serve = "serve",
    Signal = "signal",
    NotFound = "not_found",
    MethodNotAllowed = "method_not_allowed",
    BadRequest = "bad_request",
    ChallengeInvalid = "challenge_invalid",
    CertMalformed = "cert_malformed",
    CertUnsupported = "cert_unsupported",
    CertUntrusted = "cert_untrusted",
    CertExpired = "cert_expired",
    CertRevoked = "cert_revoked",
    SignatureInvalid = "signature_invalid",
    CertNotBound = "cert_not_bound",
    Unauthorized = "unauthorized",
    TrustConfig = "trust_config",
    GrantKey = "grant_key",
    InvalidInput = "invalid_input",
    BlobHashMismatch = "blob_hash_mismatch",
    BlobOffset = "blob_offset",
    BlobStore = "blob_store",
    BlobNotFound = "blob_not_found",
    Catalog = "catalog",
    RequestUnsigned = "request_unsigned",
    RequestSignatureInvalid = "request_signature_invalid",
    RequestStale = "request_stale",
    RequestReplayed = "request_replayed",
    WorkstationUnknown = "workstation_unknown",
    WorkstationDisabled = "workstation_disabled",
    EnrollmentCodeInvalid = "enrollment_code_invalid",
    RateLimited = "rate_limited",
    Forbidden = "forbidden",
    PermissionDenied = "permission_denied",
    SessionEnded = "session_ended",
    PayloadTooLarge = "payload_too_large",
    BlobTooLarge = "blob_too_large",
    UploadOwnedElsewhere = "upload_owned_elsewhere",
    Overloaded = "overloaded",
    RequestTimeout = "request_timeout",
    UnsupportedMediaType = "unsupported_media_type",
    TlsConfig = "tls_config",
    PlainHttpRefused = "plain_http_refused",
    CrlOutdated = "crl_outdated",
    QueueTicketUnknown = "queue_ticket_unknown",
    QueueTicketBusy = "queue_ticket_busy",
    QueueTicketElsewhere = "queue_ticket_elsewhere",
    QueueTicketDone = "queue_ticket_done",
    QueueEmpty = "queue_empty",
    QueueDeskBusy = "queue_desk_busy",
    QueueDeskIdle = "queue_desk_idle",
    QueueWindowPaused = "queue_window_paused",
    QueueNotConfigured = "queue_not_configured",
    QueueRequestReused = "queue_request_reused",
    DeviceCodeInvalid = "device_code_invalid",
    DeviceUnauthorized = "device_unauthorized",
    CaseUnknown = "case_unknown",
    CaseOutOfScope = "case_out_of_scope",
    CaseNotTakenIn = "case_not_taken_in",
    CaseProgressInvalid = "case_progress_invalid",
    PickupNotReady = "pickup_not_ready",
    PickupPersonMismatch = "pickup_person_mismatch",
    PickupLockerInUse = "pickup_locker_in_use",
    PickupAlreadyDone = "pickup_already_done",
    FlowUnknown = "flow_unknown",
    UpstreamUrlRefused = "upstream_url_refused",
    ReleaseUnknown = "release_unknown",
    ReleaseInvalid = "release_invalid",
    DiagnosticsInvalid = "diagnostics_invalid",
    DiagnosticsUnknown = "diagnostics_unknown",
    LicenceProofMissing = "licence_proof_missing",
    LicenceProofInvalid = "licence_proof_invalid",
    LicenceProofOtherClerk = "licence_proof_other_clerk",
    LicenceProofOtherHolder = "licence_proof_other_holder",
    LicenceProofStale = "licence_proof_stale",
    LicenceUnknown = "licence_unknown",
    LicenceTypeDenied = "licence_type_denied",
    LicenceInvalid = "licence_invalid",
    LicenceLibraryUnavailable = "licence_library_unavailable",
    AssistInvalid = "assist_invalid",
    AssistDepartmentUnknown = "assist_department_unknown",
    AssistUnknown = "assist_unknown",
    AssistOtherDepartment = "assist_other_department",
    AssistState = "assist_state",
    AssistIdReused = "assist_id_reused",
    AssistNotPdf = "assist_not_pdf",
    AssistCardReadMissing = "assist_card_read_missing",
    AssistCardReadInvalid = "assist_card_read_invalid",
    AssistCardReadOtherClerk = "assist_card_read_other_clerk",
    AssistCardReadOtherHolder = "assist_card_read_other_holder",
    AssistCardReadStale = "assist_card_read_stale",
    AssistSealMissing = "assist_seal_missing",
    AssistSealInvalid = "assist_seal_invalid",
    AssistSealUntrusted = "assist_seal_untrusted",
    AssistSealOtherDocument = "assist_seal_other_document",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What is wrong with an admin command's input; the sentence is in [`crate::messages`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminProblem {
    UnknownClerk {
        clerk_id: String,
    },
    CertBoundElsewhere {
        issuer: String,
        serial: String,
        owner: String,
    },
    CertUntrusted {
        detail: String,
    },
    NeedSerialOrFile,
    NoBinding {
        clerk: String,
        serial: String,
    },
    Unreadable {
        path: String,
        detail: String,
    },
    NotACert {
        path: String,
        detail: String,
    },
    SerialNotHex {
        input: String,
    },
    CsvUnreadable {
        line: usize,
        detail: String,
    },
    CsvColumns {
        line: usize,
        got: usize,
    },
    CsvMissingIdOrName {
        line: usize,
    },
    /// Stored permissions that do not encode.
    Permissions {
        detail: String,
    },
    CsvDuplicate {
        line: usize,
        id: String,
    },
    UnknownWorkstation {
        id: String,
    },
    /// A hall code must be 1..=12 ASCII letters or digits.
    BadHallCode {
        input: String,
    },
    /// Window numbers are 1..=9999; code lifetimes 1..=720 hours.
    OutOfRange {
        what: &'static str,
        value: u64,
    },
    /// A queue setting that does not parse (group code, prefix, name, window).
    BadQueueInput {
        what: &'static str,
        input: String,
    },
    /// An item group that is not configured in the hall.
    UnknownGroup {
        hall: String,
        code: String,
    },
    /// No hall device with this id.
    UnknownDevice {
        id: String,
    },
    /// No approval system with this id (or already disabled).
    UnknownSystem {
        id: String,
    },
    /// No upstream outbox row with this id that may be sent again.
    UnknownUpstreamEntry {
        id: String,
    },
}

/// Everything that can go wrong in the server, at start-up or while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--database-url` is not a URL this server understands.
    #[error("invalid database URL: {detail}")]
    InvalidDatabaseUrl { detail: String },

    /// The SQLite data directory could not be created or resolved.
    #[error("cannot create data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Opening the connection pool failed.
    #[error("cannot connect to the database: {0}")]
    DatabaseConnect(#[source] sqlx::Error),

    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A query failed.
    #[error("database query failed: {0}")]
    Database(#[from] sqlx::Error),

    /// The database did not answer in time.
    #[error("database did not answer within {seconds} s")]
    DatabaseTimeout { seconds: u64 },

    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },

    /// The HTTP server stopped with an I/O error.
    #[error("server failed: {0}")]
    Serve(#[source] io::Error),

    /// The shutdown signal handlers could not be installed.
    #[error("cannot install the shutdown signal handlers: {0}")]
    Signal(#[source] io::Error),

    /// No route matches the request path.
    #[error("no route for {path}")]
    NotFound { path: String },

    /// The route exists but not for this HTTP method.
    #[error("method {method} not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },

    /// The request body is not the JSON the endpoint expects.
    #[error("bad request: {detail}")]
    BadRequest { detail: String },

    /// Login challenge unknown, expired, already used or for another workstation.
    #[error("login challenge invalid: {detail}")]
    ChallengeInvalid { detail: String },

    /// The certificate does not decode.
    #[error("certificate malformed: {detail}")]
    CertMalformed { detail: String },

    /// The certificate's key algorithm cannot be verified.
    #[error("certificate algorithm unsupported: {detail}")]
    CertUnsupported { detail: String },

    /// Not issued by a trusted CA.
    #[error("certificate not issued by a trusted CA: {detail}")]
    CertUntrusted { detail: String },

    /// Outside its validity period (`not_yet_valid` tells which side).
    #[error("certificate outside its validity period: {detail}")]
    CertExpired { not_yet_valid: bool, detail: String },

    /// Listed in its CA's CRL.
    #[error("certificate revoked: {detail}")]
    CertRevoked { detail: String },

    /// The challenge signature does not verify with the certificate.
    #[error("signature does not verify: {detail}")]
    SignatureInvalid { detail: String },

    /// The certificate is bound to no active clerk.
    #[error("certificate bound to no clerk: {detail}")]
    CertNotBound { detail: String },

    /// Missing, unknown or expired session token.
    #[error("no valid session: {detail}")]
    Unauthorized { detail: String },

    /// The trusted CA or CRL directory could not be loaded.
    #[error("trusted CA or CRL configuration: {detail}")]
    TrustConfig { detail: String },

    /// The offline-grant signing key could not be read, created or used.
    #[error("offline-grant signing key: {detail}")]
    GrantKey { detail: String },

    /// An admin command got input it cannot use (bad CSV, unknown clerk, no such binding).
    #[error("invalid admin input: {problem:?}")]
    AdminInput { problem: AdminProblem },

    /// A complete blob upload does not hash to its name; the partial upload is discarded.
    #[error("blob hash mismatch: {detail}")]
    BlobHashMismatch { detail: String },

    /// A chunk does not continue the partial upload; `received` says where to go on.
    #[error("blob chunk offset mismatch: {detail}")]
    BlobOffset { received: u64, detail: String },

    /// The blob store (disk or S3) failed.
    #[error("blob store failed: {detail}")]
    BlobStore { detail: String },

    /// No such blob, or not completely uploaded.
    #[error("blob not found: {detail}")]
    BlobNotFound { detail: String },

    /// The served catalog directory cannot be read.
    #[error("catalog unavailable: {detail}")]
    Catalog { detail: String },

    /// A route that needs the workstation credential got a request without its headers.
    #[error("request not signed: {detail}")]
    RequestUnsigned { detail: String },

    /// The request signature, or the body hash it covers, does not verify.
    #[error("request signature invalid: {detail}")]
    RequestSignatureInvalid { detail: String },

    /// The request's timestamp is outside the accepted clock skew.
    #[error("request timestamp out of range: {detail}")]
    RequestStale { detail: String },

    /// The request's nonce was already used.
    #[error("request replayed: {detail}")]
    RequestReplayed { detail: String },

    /// No enrolled workstation (with a key) has this id.
    #[error("unknown workstation: {detail}")]
    WorkstationUnknown { detail: String },

    /// The workstation was disabled by IT.
    #[error("workstation disabled: {detail}")]
    WorkstationDisabled { detail: String },

    /// The enrollment code is unknown, expired or used, or its proof does not verify.
    #[error("enrollment code invalid: {detail}")]
    EnrollmentCodeInvalid { detail: String },

    /// Too many attempts; `retry_after_s` says when to try again.
    #[error("rate limited: {detail}")]
    RateLimited { retry_after_s: u64, detail: String },

    /// The credential is valid but the resource belongs to another workstation or hall.
    #[error("forbidden: {detail}")]
    Forbidden { detail: String },

    /// The clerk lacks the permission this route needs.
    #[error("permission denied: {detail}")]
    PermissionDenied { detail: String },

    /// The clerk's session was ended (certificate unbound or clerk disabled).
    #[error("session ended: {detail}")]
    SessionEnded { detail: String },
    /// The request body is larger than the route accepts.
    #[error("request body too large: {detail}")]
    PayloadTooLarge { detail: String },

    /// A blob upload declares a size over the per-file cap.
    #[error("blob of {total} bytes over the cap of {max} bytes")]
    BlobTooLarge { total: u64, max: u64 },

    /// A partial upload started by another workstation: only its sender may continue it.
    #[error("upload owned by another workstation: {detail}")]
    UploadOwnedElsewhere { detail: String },

    /// Too many requests in progress; retry after `retry_after_secs`.
    #[error("server busy, retry after {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },

    /// The request body did not arrive in time.
    #[error("request timed out: {detail}")]
    RequestTimeout { detail: String },

    /// The request body is not of the content type the route reads.
    #[error("unsupported media type: {detail}")]
    UnsupportedMediaType { detail: String },

    /// The HTTPS certificate or key cannot be loaded.
    #[error("TLS certificate or key: {detail}")]
    TlsConfig { detail: String },

    /// Plain HTTP on a non-loopback address without `--insecure-http`.
    #[error("refusing plain HTTP on {addr}: give --tls-cert/--tls-key (or --insecure-http)")]
    PlainHttpRefused { addr: SocketAddr },

    /// The CRL of the certificate's CA is past its nextUpdate plus the grace.
    #[error("CRL out of date: {detail}")]
    CrlOutdated { detail: String },

    /// The upstream platform's URL is not one the server sends cases to (plain http off this
    /// machine, another scheme).
    #[error("upstream URL refused: {detail}")]
    UpstreamUrlRefused { detail: String },

    /// A release or diagnostics bundle refused (K1, K3); `problem` gives the code.
    #[error("maintenance: {problem:?}: {detail}")]
    Maintenance {
        problem: crate::maintenance::MaintenanceProblem,
        detail: String,
    },

    /// A queue verb, ticket or hall device request refused; `problem` gives the code.
    #[error("queue: {problem:?}: {detail}")]
    Queue {
        problem: QueueProblem,
        detail: String,
    },

    /// A licence lookup, file, feedback or import refused (L1–L3); `problem` gives the code.
    #[error("licence: {problem:?}: {detail}")]
    Licence {
        problem: crate::licence::LicenceProblem,
        detail: String,
    },

    /// A 协查 request, proof, stamp or return refused (L4); `problem` gives the code.
    #[error("assist: {problem:?}: {detail}")]
    Assist {
        problem: crate::assist::AssistProblem,
        detail: String,
    },

    /// A case search, view or progress report refused; `problem` gives the code.
    #[error("case: {problem:?}: {detail}")]
    Case {
        problem: CaseProblem,
        detail: String,
    },
}

impl Error {
    /// Stable machine-readable code (its serde name is the wire code, `snake_case`).
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidDatabaseUrl { .. } => ErrorCode::InvalidDatabaseUrl,
            Error::DataDir { .. } => ErrorCode::DataDir,
            Error::DatabaseConnect(_) => ErrorCode::DatabaseConnect,
            Error::Migrate(_) => ErrorCode::DatabaseMigrate,
            Error::Database(_) => ErrorCode::Database,
            Error::DatabaseTimeout { .. } => ErrorCode::DatabaseTimeout,
            Error::Bind { .. } => ErrorCode::Bind,
            Error::Serve(_) => ErrorCode::Serve,
            Error::Signal(_) => ErrorCode::Signal,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Error::BadRequest { .. } => ErrorCode::BadRequest,
            Error::ChallengeInvalid { .. } => ErrorCode::ChallengeInvalid,
            Error::CertMalformed { .. } => ErrorCode::CertMalformed,
            Error::CertUnsupported { .. } => ErrorCode::CertUnsupported,
            Error::CertUntrusted { .. } => ErrorCode::CertUntrusted,
            Error::CertExpired { .. } => ErrorCode::CertExpired,
            Error::CertRevoked { .. } => ErrorCode::CertRevoked,
            Error::SignatureInvalid { .. } => ErrorCode::SignatureInvalid,
            Error::CertNotBound { .. } => ErrorCode::CertNotBound,
            Error::Unauthorized { .. } => ErrorCode::Unauthorized,
            Error::TrustConfig { .. } => ErrorCode::TrustConfig,
            Error::GrantKey { .. } => ErrorCode::GrantKey,
            Error::AdminInput { .. } => ErrorCode::InvalidInput,
            Error::BlobHashMismatch { .. } => ErrorCode::BlobHashMismatch,
            Error::BlobOffset { .. } => ErrorCode::BlobOffset,
            Error::BlobStore { .. } => ErrorCode::BlobStore,
            Error::BlobNotFound { .. } => ErrorCode::BlobNotFound,
            Error::Catalog { .. } => ErrorCode::Catalog,
            Error::RequestUnsigned { .. } => ErrorCode::RequestUnsigned,
            Error::RequestSignatureInvalid { .. } => ErrorCode::RequestSignatureInvalid,
            Error::RequestStale { .. } => ErrorCode::RequestStale,
            Error::RequestReplayed { .. } => ErrorCode::RequestReplayed,
            Error::WorkstationUnknown { .. } => ErrorCode::WorkstationUnknown,
            Error::WorkstationDisabled { .. } => ErrorCode::WorkstationDisabled,
            Error::EnrollmentCodeInvalid { .. } => ErrorCode::EnrollmentCodeInvalid,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Forbidden { .. } => ErrorCode::Forbidden,
            Error::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Error::SessionEnded { .. } => ErrorCode::SessionEnded,
            Error::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Error::BlobTooLarge { .. } => ErrorCode::BlobTooLarge,
            Error::UploadOwnedElsewhere { .. } => ErrorCode::UploadOwnedElsewhere,
            Error::Overloaded { .. } => ErrorCode::Overloaded,
            Error::RequestTimeout { .. } => ErrorCode::RequestTimeout,
            Error::UnsupportedMediaType { .. } => ErrorCode::UnsupportedMediaType,
            Error::TlsConfig { .. } => ErrorCode::TlsConfig,
            Error::PlainHttpRefused { .. } => ErrorCode::PlainHttpRefused,
            Error::CrlOutdated { .. } => ErrorCode::CrlOutdated,
            Error::UpstreamUrlRefused { .. } => ErrorCode::UpstreamUrlRefused,
            Error::Queue { problem, .. } => problem.code(),
            Error::Case { problem, .. } => problem.code(),
            Error::Maintenance { problem, .. } => problem.code(),
            Error::Licence { problem, .. } => problem.code(),
            Error::Assist { problem, .. } => problem.code(),
        }
    }

    /// User-facing message in Simplified Chinese, from the message table.
    pub fn message(&self) -> &'static str {
        match self {
            Error::CertExpired {
                not_yet_valid: true,
                ..
            } => crate::messages::CERT_NOT_YET_VALID,
            other => other.code().message(),
        }
    }

    /// Technical detail for IT staff and logs.
    pub fn detail(&self) -> String {
        match self {
            Error::InvalidDatabaseUrl { detail } => detail.clone(),
            Error::DataDir { path, source } => format!("{}: {source}", path.display()),
            Error::DatabaseConnect(e) | Error::Database(e) => e.to_string(),
            Error::Migrate(e) => e.to_string(),
            Error::DatabaseTimeout { seconds } => format!("no answer within {seconds} s"),
            Error::Bind { addr, source } => format!("bind {addr}: {source}"),
            Error::Serve(e) | Error::Signal(e) => e.to_string(),
            Error::NotFound { path } => format!("no route for {path}"),
            Error::MethodNotAllowed { method, path } => format!("{method} not allowed on {path}"),
            Error::BadRequest { detail }
            | Error::ChallengeInvalid { detail }
            | Error::CertMalformed { detail }
            | Error::CertUnsupported { detail }
            | Error::CertUntrusted { detail }
            | Error::CertExpired { detail, .. }
            | Error::CertRevoked { detail }
            | Error::SignatureInvalid { detail }
            | Error::CertNotBound { detail }
            | Error::Unauthorized { detail }
            | Error::TrustConfig { detail }
            | Error::GrantKey { detail }
            | Error::BlobHashMismatch { detail }
            | Error::BlobOffset { detail, .. }
            | Error::BlobStore { detail }
            | Error::BlobNotFound { detail }
            | Error::Catalog { detail }
            | Error::RequestUnsigned { detail }
            | Error::RequestSignatureInvalid { detail }
            | Error::RequestStale { detail }
            | Error::RequestReplayed { detail }
            | Error::WorkstationUnknown { detail }
            | Error::WorkstationDisabled { detail }
            | Error::EnrollmentCodeInvalid { detail }
            | Error::RateLimited { detail, .. }
            | Error::Forbidden { detail }
            | Error::PermissionDenied { detail }
            | Error::SessionEnded { detail } => detail.clone(),
            Error::PayloadTooLarge { detail }
            | Error::UploadOwnedElsewhere { detail }
            | Error::RequestTimeout { detail }
            | Error::UnsupportedMediaType { detail } => detail.clone(),
            Error::BlobTooLarge { total, max } => {
                format!("declared size {total} bytes, at most {max} bytes")
            }
            Error::Overloaded { retry_after_secs } => {
                format!("too many requests in progress, retry after {retry_after_secs} s")
            }
            Error::TlsConfig { detail }
            | Error::CrlOutdated { detail }
            | Error::UpstreamUrlRefused { detail } => detail.clone(),
            Error::Queue { detail, .. }
            | Error::Case { detail, .. }
            | Error::Maintenance { detail, .. }
            | Error::Licence { detail, .. }
            | Error::Assist { detail, .. } => detail.clone(),
            Error::PlainHttpRefused { addr } => {
                format!("plain HTTP on non-loopback address {addr} without --insecure-http")
            }
            Error::AdminInput { problem } => crate::messages::admin_problem(problem),
        }
    }

    /// HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Queue { problem, .. } => problem.status(),
            Error::Case { problem, .. } => problem.status(),
            Error::Maintenance { problem, .. } => problem.status(),
            Error::Licence { problem, .. } => problem.status(),
            Error::Assist { problem, .. } => problem.status(),
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::BadRequest { .. }
            | Error::ChallengeInvalid { .. }
            | Error::CertMalformed { .. }
            | Error::CertUnsupported { .. }
            | Error::AdminInput { .. } => StatusCode::BAD_REQUEST,
            Error::SignatureInvalid { .. }
            | Error::Unauthorized { .. }
            | Error::RequestUnsigned { .. }
            | Error::RequestSignatureInvalid { .. }
            | Error::RequestStale { .. }
            | Error::RequestReplayed { .. }
            | Error::WorkstationUnknown { .. }
            | Error::EnrollmentCodeInvalid { .. }
            | Error::SessionEnded { .. } => StatusCode::UNAUTHORIZED,
            Error::WorkstationDisabled { .. }
            | Error::Forbidden { .. }
            | Error::PermissionDenied { .. } => StatusCode::FORBIDDEN,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::BlobHashMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BlobOffset { .. } | Error::UploadOwnedElsewhere { .. } => StatusCode::CONFLICT,
            Error::PayloadTooLarge { .. } | Error::BlobTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Error::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Error::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::BlobNotFound { .. } => StatusCode::NOT_FOUND,
            Error::BlobStore { .. } | Error::Catalog { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::CertUntrusted { .. }
            | Error::CertExpired { .. }
            | Error::CertRevoked { .. }
            | Error::CertNotBound { .. }
            | Error::CrlOutdated { .. } => StatusCode::FORBIDDEN,
            Error::DatabaseConnect(_)
            | Error::Database(_)
            | Error::DatabaseTimeout { .. }
            | Error::Migrate(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::InvalidDatabaseUrl { .. }
            | Error::DataDir { .. }
            | Error::Bind { .. }
            | Error::Serve(_)
            | Error::Signal(_)
            | Error::TrustConfig { .. }
            | Error::TlsConfig { .. }
            | Error::PlainHttpRefused { .. }
            | Error::UpstreamUrlRefused { .. }
            | Error::GrantKey { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body for this error, as sent to clients: the detail of the errors that may
    /// name server files keeps only the file names (the full detail goes to the log).
    pub fn body(&self) -> ErrorBody {
        let detail = match self {
            Error::DataDir { .. }
            | Error::TrustConfig { .. }
            | Error::GrantKey { .. }
            | Error::BlobStore { .. }
            | Error::Catalog { .. }
            | Error::AdminInput { .. } => redact_paths(&self.detail()),
            _ => self.detail(),
        };
        ErrorBody {
            code: self.code(),
            message: self.message().to_owned(),
            detail,
        }
    }
}

/// JSON shape of every error the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: ErrorCode,
    /// User-facing message in Simplified Chinese.
    pub message: String,
    /// Technical detail for IT staff.
    #[schema(example = "no route for /api/v1/nope")]
    pub detail: String,
}

impl From<axum::extract::rejection::JsonRejection> for Error {
    /// A JSON body axum could not take: too large (413), not `application/json` (415), or
    /// not the expected JSON (400).
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        let detail = e.body_text();
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { detail },
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType { detail },
            _ => Error::BadRequest { detail },
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = %self.code(), detail = %self.detail(), "request failed");
        } else {
            tracing::debug!(code = %self.code(), detail = %self.detail(), "request rejected");
        }
        let retry_after = match &self {
            Error::RateLimited { retry_after_s, .. } => Some((*retry_after_s).max(1)),
            Error::Overloaded { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ => None,
        };
        let mut response = (status, Json(self.body())).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}
