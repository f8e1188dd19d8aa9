//! Exactly-once sync of the workstation to the central backend (issue 6).
//!
//! At-least-once on the wire, exactly-once in effect: every record in the outbox has a
//! client-made id (UUIDv7) and a version; the client pushes batches and the server answers with
//! one acknowledgement per record. An accepted record leaves the outbox in the same
//! transaction that records it as synced ([`outbox::apply_acks`]), and only at the version that
//! was sent (`WHERE id = ? AND version = ?`), so a change written while the batch was in flight
//! stays and goes next. A lost answer means the batch goes again; the server acknowledges a
//! version it already holds without storing anything twice.
//!
//! - Retryable failures (network, 5xx, 429, 408) back off exponentially with full jitter;
//!   [`SyncService::sync_now`] (「立即同步」) cuts the wait short.
//! - Records the server refuses (4xx) are parked with the reason ([`outbox::parked`]) and never
//!   block the rest.
//! - Material files ([`crate::infra::blobs`]) upload in chunks and resume where the server stopped.
//! - The catalog, clerks and configuration are pulled with ETags ([`pull`]); the cache serves
//!   offline.
//! - [`read_status`] reads the status from the store itself, so it never says "synced" while
//!   anything waits.

pub mod audit_head;
pub mod client;
pub mod engine;
pub mod outbox;
pub mod progress;
pub mod pull;

use crate::ErrorCode;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

pub use client::SyncClient;
pub use engine::{CycleReport, SyncEngine, SyncService};
pub use outbox::{read_status, ParkedBlob, ParkedRecord};

/// How the sync client behaves.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The backend's base URL (`http(s)://host:port[/prefix]`).
    pub base_url: Url,
    /// This workstation's enrolled credential: every request is signed with it and the
    /// server takes the workstation's id from it.
    pub credential: crate::infra::credential::WorkstationCredential,
    /// Records per push.
    pub batch_size: usize,
    /// Bytes per blob chunk (a multiple of 64 KiB is cheapest).
    pub chunk_size: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// First back-off step; doubles per failure up to `backoff_max`, fully jittered.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How often an idle loop looks for new outbox rows.
    pub idle_poll: Duration,
    /// How often documents are pulled (catalog, clerks, config).
    pub pull_interval: Duration,
    /// The hall CA and pin (`[backend]` ca_file / pin_sha256).
    pub tls: crate::infra::http::BackendTls,
}

impl SyncConfig {
    pub fn new(base_url: Url, credential: crate::infra::credential::WorkstationCredential) -> Self {
        Self {
            base_url,
            credential,
            batch_size: 200,
            chunk_size: 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(60),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(300),
            idle_poll: Duration::from_secs(2),
            pull_interval: Duration::from_secs(600),
            tls: Default::default(),
        }
    }

    /// The enrolled workstation id.
    pub fn workstation_id(&self) -> &str {
        self.credential.workstation_id()
    }
}

/// What the loop is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// No backend configured: records wait in the outbox.
    NotConfigured,
    /// A backend is configured but this workstation is not enrolled (「未注册」): records
    /// wait in the outbox until IT enrolls it.
    NotEnrolled,
    /// Nothing to send, or waiting for the next look.
    Idle,
    /// Pushing records or uploading files.
    Syncing,
    /// The last attempt failed; the next one is at `next_retry_at`.
    WaitingRetry,
}

/// The last failure, for the clerk (message) and IT (detail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncErrorInfo {
    /// An [`ErrorCode`]; a plain string in TypeScript until the UI's fixtures
    /// (ui/tests/sync.spec.ts) type their codes.
    #[specta(type = String)]
    pub code: ErrorCode,
    /// Chinese, for the clerk.
    pub message: String,
    pub detail: String,
    /// Unix ms.
    #[specta(type = f64)]
    pub at: i64,
}

/// A large upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UploadProgress {
    pub sha256: String,
    /// Bytes the server holds.
    #[specta(type = f64)]
    pub sent: u64,
    #[specta(type = f64)]
    pub total: u64,
}

/// The sync page and the status bar. Counts come from the store at the moment of reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SyncStatus {
    pub phase: SyncPhase,
    /// Outbox records not yet acknowledged.
    pub pending_records: u32,
    /// Material files not yet completely uploaded.
    pub pending_blobs: u32,
    #[specta(type = f64)]
    pub pending_blob_bytes: u64,
    /// Refused by the server or unreadable here: need a person (see the sync page).
    pub parked_records: u32,
    pub parked_blobs: u32,
    /// Unix ms of the oldest record or file still waiting (its age is the "how stale" figure).
    #[specta(type = Option<f64>)]
    pub oldest_pending_at: Option<i64>,
    /// Unix ms of the last cycle that sent everything it had.
    #[specta(type = Option<f64>)]
    pub last_success_at: Option<i64>,
    #[specta(type = Option<f64>)]
    pub last_attempt_at: Option<i64>,
    pub last_error: Option<SyncErrorInfo>,
    #[specta(type = Option<f64>)]
    pub next_retry_at: Option<i64>,
    pub upload: Option<UploadProgress>,
    /// True only when nothing is pending and nothing is parked: the one case where the UI may
    /// say 「已同步」.
    pub all_synced: bool,
}

/// Failures of a sync step: each with a stable code, a Chinese message and a detail.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("network: {detail}")]
    Network { detail: String },
    #[error("server answered HTTP {status}: {detail}")]
    Server { status: u16, detail: String },
    #[error("server asked to slow down (HTTP {status})")]
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("server refused the request (HTTP {status} {code}): {detail}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        detail: String,
    },
    /// The request as a whole was refused, whatever records it held (an authentication or
    /// authorisation failure, a wrong address, a proxy's refusal): nothing is parked.
    #[error("server refused every request (HTTP {status} {code}): {detail}")]
    RequestRefused {
        status: u16,
        code: String,
        detail: String,
    },
    #[error("unexpected answer from the server: {detail}")]
    Protocol { detail: String },
    /// This workstation has no enrolled credential yet: nothing can be sent until IT enrolls it.
    #[error("workstation not enrolled: {detail}")]
    NotEnrolled { detail: String },
    /// The TLS connection was refused (untrusted certificate, pin mismatch…): a
    /// configuration problem for IT, retried with back-off, nothing parked.
    #[error("TLS: {0}")]
    Tls(#[from] crate::infra::http::TlsProblem),
    #[error("store: {0}")]
    Store(#[from] crate::infra::store::StoreError),
    #[error("blob: {0}")]
    Blob(#[from] crate::infra::blobs::BlobError),
    #[error("local database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl SyncError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::Network { .. } => ErrorCode::SyncNetwork,
            SyncError::Server { .. } => ErrorCode::SyncServer,
            SyncError::Throttled { .. } => ErrorCode::SyncThrottled,
            SyncError::Refused { .. } => ErrorCode::SyncRefused,
            SyncError::RequestRefused { .. } | SyncError::NotEnrolled { .. } => {
                ErrorCode::SyncRequestRefused
            }
            SyncError::Protocol { .. } => ErrorCode::SyncProtocol,
            SyncError::Tls(p) => p.code(),
            SyncError::Store(_) | SyncError::Sqlite(_) => ErrorCode::SyncStore,
            SyncError::Blob(_) => ErrorCode::SyncBlob,
        }
    }

    /// Worth trying again later without anyone doing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            SyncError::Network { .. }
                | SyncError::Server { .. }
                | SyncError::Throttled { .. }
                | SyncError::RequestRefused { .. }
                | SyncError::Protocol { .. }
                | SyncError::Tls(_)
                | SyncError::Store(_)
                | SyncError::Sqlite(_)
        )
    }

    /// For the clerk, in Chinese, from the message table.
    pub fn message(&self) -> String {
        match self {
            SyncError::Refused { message, .. } if !message.is_empty() => {
                crate::messages::refused_by_server(message)
            }
            SyncError::Store(e) => e.message(),
            SyncError::Blob(e) => e.message(),
            other => other.code().message().into(),
        }
    }

    pub fn info(&self, at: i64) -> SyncErrorInfo {
        SyncErrorInfo {
            code: self.code(),
            message: self.message(),
            detail: self.to_string(),
            at,
        }
    }

    pub fn to_user(&self) -> crate::UserError {
        crate::UserError::with_message(self.code(), self.message(), self.to_string())
    }
}

/// A jittered exponential back-off ("full jitter"): attempt n waits a uniformly random time
/// in `[0, min(max, base·2ⁿ)]`. The random source is injected (seeded in tests).
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration, rng: fastrand::Rng) -> Self {
        Self {
            base,
            max,
            attempt: 0,
            rng,
        }
    }

    /// The wait before the next attempt; counts one more failure.
    pub fn next_delay(&mut self) -> Duration {
        let cap = self
            .base
            .saturating_mul(1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let ms = cap.as_millis().min(u64::MAX as u128) as u64;
        // Never zero: a tight loop against a failing server helps nobody.
        Duration::from_millis(self.rng.u64(ms / 10..=ms.max(1)))
    }

    /// The wait after a 429 with Retry-After: at least what the server asked.
    pub fn after_throttle(&mut self, retry_after: Option<Duration>) -> Duration {
        let d = self.next_delay();
        retry_after.map_or(d, |r| d.max(r))
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn failures(&self) -> u32 {
        self.attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_within_the_cap_and_resets() {
        let mut b = Backoff::new(
            Duration::from_millis(100),
            Duration::from_secs(2),
            fastrand::Rng::with_seed(7),
        );
        let delays: Vec<_> = (0..10).map(|_| b.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            let cap = Duration::from_millis(100 * (1 << n.min(20))).min(Duration::from_secs(2));
            assert!(
                *d <= cap && *d >= cap / 10,
                "attempt {n}: {d:?} cap {cap:?}"
            );
        }
        assert!(delays[9] >= Duration::from_millis(200));
        let distinct: std::collections::HashSet<_> = delays[5..].iter().collect();
        assert!(distinct.len() > 1, "jittered: {delays:?}");
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
        assert!(b.after_throttle(Some(Duration::from_secs(9))) >= Duration::from_secs(9));
    }

    #[test]
    fn errors_are_classified_and_speak_chinese() {
        let n = SyncError::Network {
            detail: "connection refused".into(),
        };
        assert!(n.is_retryable());
        assert!(n.message().contains("中心服务"));
        let r = SyncError::Refused {
            status: 400,
            code: "bad_request".into(),
            message: "请求格式错误".into(),
            detail: "x".into(),
        };
        assert!(!r.is_retryable());
        assert_eq!(r.code(), ErrorCode::SyncRefused);
        assert!(r.to_string().contains("bad_request"));
        assert!(r.message().contains("拒收"));
        let w = SyncError::RequestRefused {
            status: 401,
            code: "http".into(),
            detail: "<html>".into(),
        };
        assert!(w.is_retryable(), "a whole-request refusal is retried");
        assert_eq!(w.code(), ErrorCode::SyncRequestRefused);
        assert!(w.message().contains("自动重试"));
    }
}
