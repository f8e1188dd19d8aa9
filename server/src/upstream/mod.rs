//! Forwarding taken-in cases to an upstream (provincial) platform (issue 18, item 2).
//!
//! - **Outbox**: in the push's transaction, when a synced case is taken in (受理 `accepted` or
//!   容缺受理 `deferred`), a taken-in case is withdrawn (撤回) or its result is handed over at an
//!   issuing window (送达, a `pickup` record), [`store::enqueue`] adds one row to
//!   `upstream_outbox` — at most one per case and event (`UNIQUE (case_id, event)`), so a
//!   re-pushed record never enqueues twice. Only when forwarding is configured. The back
//!   office's steps (审批中, 办结) are not forwarded: they come from the approval side.
//! - **Adapter**: one trait, [`adapter::UpstreamAdapter`]; the default
//!   [`adapter::JsonHttpAdapter`] POSTs the [`UpstreamEvent`] JSON with an `Idempotency-Key`
//!   header (the outbox row id, the same on every attempt), a bearer token, a timeout. Its
//!   failures are typed ([`Failure`]): retryable (network, timeout, 408/425/429, 5xx) or
//!   permanent (other 4xx, a case no longer held).
//! - **Worker**: [`worker::spawn`] claims one due row at a time (on PostgreSQL with
//!   `FOR UPDATE SKIP LOCKED`, so instances never send the same row at once) under a lease that
//!   expires (a sender that died leaves it to another), builds the body from the case tables,
//!   sends, and marks the row sent, pending again with an exponential backoff (capped,
//!   jittered), or dead (a permanent failure, or `max_attempts` reached).
//! - **What the upstream gets**: the case as the hall's record holds it — numbers, item,
//!   department, window, decision, dates, materials — and the parties masked
//!   (「张* 4415**********123X」): the server keeps no clear identity outside the pushed record.
//! - **Admin**: `upstream list [--state]`, `upstream show <id>`, `upstream retry <id>|--dead`
//!   ([`admin`]).

pub mod adapter;
pub mod admin;
pub mod store;
pub mod worker;

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default timeout of one delivery.
pub const DEFAULT_TIMEOUT_SECS: u64 = 10;
/// Default number of attempts before a row is given up (dead).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 12;
/// Default first retry delay.
pub const DEFAULT_BACKOFF_MS: u64 = 30_000;
/// Default longest retry delay.
pub const DEFAULT_BACKOFF_MAX_SECS: u64 = 3600;
/// How often an idle worker looks for due rows.
pub const DEFAULT_POLL_MS: u64 = 2000;

/// The `--upstream-*` settings; forwarding is off (and nothing is enqueued) without them.
#[derive(Clone, PartialEq, Eq)]
pub struct UpstreamConfig {
    /// Where the JSON adapter POSTs each event.
    pub url: url::Url,
    /// Sent as `Authorization: Bearer <token>` when set (`YICHUANG_UPSTREAM_TOKEN`).
    pub token: Option<String>,
    /// Of one delivery, connection to answer.
    pub timeout: Duration,
    /// Attempts before a row is dead (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles per attempt up to `backoff_max`.
    pub backoff: Duration,
    pub backoff_max: Duration,
    /// How often an idle worker looks for due rows.
    pub poll: Duration,
    /// Plain `http://` to a non-loopback host, said explicitly (test environments only).
    pub allow_http: bool,
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("url", &redact(&self.url))
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("backoff_max", &self.backoff_max)
            .field("poll", &self.poll)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl UpstreamConfig {
    /// `url` with the defaults.
    pub fn new(url: url::Url) -> Self {
        Self {
            url,
            token: None,
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: Duration::from_millis(DEFAULT_BACKOFF_MS),
            backoff_max: Duration::from_secs(DEFAULT_BACKOFF_MAX_SECS),
            poll: Duration::from_millis(DEFAULT_POLL_MS),
            allow_http: false,
        }
    }

    /// Refuses what a hall's server must not do: another scheme than http(s), and plain
    /// `http://` to a host that is not this machine unless `allow_http` (as the server refuses
    /// to serve plain HTTP off loopback without `--insecure-http`).
    pub fn check(&self) -> crate::Result<()> {
        let refuse = |detail: String| Err(crate::Error::UpstreamUrlRefused { detail });
        match self.url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_http || is_loopback(&self.url) => Ok(()),
            "http" => refuse(format!(
                "plain http to {} without --upstream-allow-http",
                redact(&self.url)
            )),
            other => refuse(format!("scheme `{other}` (expected https)")),
        }
    }

    /// The delay before attempt `attempts + 1`: `backoff · 2^(attempts-1)`, at most
    /// `backoff_max`, then a random point of its upper half (jitter: instances that failed
    /// together do not retry together). `retry_after` (the upstream's `Retry-After`) is a floor.
    pub fn delay(&self, attempts: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(30);
        let full = self
            .backoff
            .saturating_mul(1u32 << exp)
            .min(self.backoff_max);
        let jittered = full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(r) => jittered.max(r.min(self.backoff_max)),
            None => jittered,
        }
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The URL without user, password and query (for logs and errors).
pub fn redact(url: &url::Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.to_string()
}

/// What happened to a case that the upstream hears of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 受理 or 容缺受理 (the case's `decision` tells which).
    Accepted,
    /// 撤回: a taken-in case withdrawn.
    Withdrawn,
    /// 送达: the result handed over at an issuing window (the case's `pickup` tells how).
    PickedUp,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Accepted => "accepted",
            EventKind::Withdrawn => "withdrawn",
            EventKind::PickedUp => "picked_up",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        [
            EventKind::Accepted,
            EventKind::Withdrawn,
            EventKind::PickedUp,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    Sent,
    Dead,
}

impl OutboxState {
    pub const ALL: [OutboxState; 3] = [OutboxState::Pending, OutboxState::Sent, OutboxState::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sent => "sent",
            OutboxState::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a delivery failed (one code each; the sentence is in [`crate::messages`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No connection, reset, TLS failure: retried.
    Network,
    /// No answer within the timeout: retried.
    Timeout,
    /// 408, 425 or 429: retried (after `Retry-After` when given).
    Throttled,
    /// 5xx: retried.
    ServerError,
    /// Another 4xx (or a redirect): the upstream refused the event; dead.
    Refused,
    /// The case is no longer in the hall's record: nothing to send; dead.
    CaseMissing,
}

impl FailureKind {
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Network => "upstream_network",
            FailureKind::Timeout => "upstream_timeout",
            FailureKind::Throttled => "upstream_throttled",
            FailureKind::ServerError => "upstream_server_error",
            FailureKind::Refused => "upstream_refused",
            FailureKind::CaseMissing => "upstream_case_missing",
        }
    }

    pub fn parse(code: &str) -> Option<FailureKind> {
        use FailureKind::*;
        [
            Network,
            Timeout,
            Throttled,
            ServerError,
            Refused,
            CaseMissing,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }

    /// Whether a later attempt may succeed.
    pub fn retryable(self) -> bool {
        !matches!(self, FailureKind::Refused | FailureKind::CaseMissing)
    }

    /// The Chinese sentence, from the message table.
    pub fn label(self) -> &'static str {
        crate::messages::upstream_failure(self)
    }
}

/// A failed delivery: its kind, the HTTP status if one came, a short technical text (never a
/// body), and the upstream's `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub status: Option<u16>,
    pub detail: String,
    pub retry_after: Option<Duration>,
}

impl Failure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Self {
        let mut detail: String = detail.into();
        if detail.len() > 200 {
            let mut cut = 200;
            while !detail.is_char_boundary(cut) {
                cut -= 1;
            }
            detail.truncate(cut);
        }
        Self {
            kind,
            status: None,
            detail,
            retry_after: None,
        }
    }
}

/// The JSON body of one event, as the [`adapter::JsonHttpAdapter`] POSTs it
/// (`schema` `yichuang.upstream.case-event.v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamEvent {
    pub schema: String,
    /// The outbox row id, also the `Idempotency-Key` header.
    pub event_id: String,
    pub event: EventKind,
    /// Unix ms.
    pub occurred_at: i64,
    pub case: UpstreamCase,
}

/// The case as the hall's record holds it at send time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamCase {
    /// The workstation's case id.
    pub id: String,
    pub case_no: Option<String>,
    pub hall_code: String,
    pub window: u32,
    pub department: String,
    pub item_code: String,
    pub item_name: String,
    /// accepted (受理), deferred (容缺受理), withdrawn (撤回).
    pub decision: String,
    /// Unix ms.
    pub decided_at: Option<i64>,
    /// yyyy-mm-dd: the promised completion date.
    pub due_date: Option<String>,
    pub clerk_id: String,
    /// Masked: 「张* 4415**********123X」.
    pub applicant: String,
    /// The agent and the pickup person, masked.
    pub parties: Vec<UpstreamParty>,
    pub materials: Vec<crate::cases::CaseMaterial>,
    /// The handover that counted (person masked, method, tracking number, locker code, the
    /// photo's SHA-256 name, time), once the result is handed over.
    pub pickup: Option<crate::cases::pickup::PickupView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamParty {
    /// agent, pickup
    pub role: String,
    pub masked: String,
}

/// The body's `schema`.
pub const SCHEMA: &str = "yichuang.upstream.case-event.v1";
