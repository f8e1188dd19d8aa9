//! The one way out to the upstream platform: [`UpstreamAdapter`], and its default, the generic
//! JSON/HTTP adapter.

use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{Failure, FailureKind, UpstreamConfig, UpstreamEvent};

/// The header carrying the outbox row id on every attempt of one event, so that the upstream
/// can drop a repeat (an answer lost on the way back, two attempts crossing).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Delivers one event to the upstream platform. `Ok` with the HTTP status (or 0 for a
/// transport without one) when the upstream took it; a [`Failure`] says whether to retry.
pub trait UpstreamAdapter: Send + Sync + std::fmt::Debug {
    fn deliver<'a>(&'a self, event: &'a UpstreamEvent) -> BoxFuture<'a, Result<u16, Failure>>;
}

/// POSTs the event as JSON to the configured URL with `Idempotency-Key: <event_id>`,
/// `Authorization: Bearer <token>` (when configured) and the configured timeout; follows no
/// redirect. 2xx is delivered; 408, 425, 429 and 5xx are retried (after `Retry-After` when
/// given in seconds); any other status is a refusal.
#[derive(Debug, Clone)]
pub struct JsonHttpAdapter {
    client: reqwest::Client,
    url: url::Url,
    token: Option<String>,
}

impl JsonHttpAdapter {
    pub fn new(config: &UpstreamConfig) -> crate::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("yichuang-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| crate::Error::UpstreamUrlRefused {
                detail: format!("HTTP client: {}", e.without_url()),
            })?;
        Ok(Self {
            client,
            url: config.url.clone(),
            token: config.token.clone(),
        })
    }
}

impl UpstreamAdapter for JsonHttpAdapter {
    fn deliver<'a>(&'a self, event: &'a UpstreamEvent) -> BoxFuture<'a, Result<u16, Failure>> {
        Box::pin(async move {
            let mut req = self
                .client
                .post(self.url.clone())
                .header(IDEMPOTENCY_HEADER, &event.event_id)
                .json(event);
            if let Some(token) = &self.token {
                req = req.bearer_auth(token);
            }
            let resp = req.send().await.map_err(transport)?;
            let status = resp.status();
            if status.is_success() {
                return Ok(status.as_u16());
            }
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            // The answer's body is not read: it may echo the case.
            Err(classify(status.as_u16(), retry_after))
        })
    }
}

/// What an HTTP status that is not 2xx means for the delivery.
pub fn classify(status: u16, retry_after: Option<Duration>) -> Failure {
    let kind = match status {
        408 | 425 | 429 => FailureKind::Throttled,
        500..=599 => FailureKind::ServerError,
        _ => FailureKind::Refused,
    };
    let mut f = Failure::new(kind, format!("HTTP {status}"));
    f.status = Some(status);
    f.retry_after = retry_after;
    f
}

fn transport(e: reqwest::Error) -> Failure {
    let kind = if e.is_timeout() {
        FailureKind::Timeout
    } else {
        FailureKind::Network
    };
    // Without the URL; the chain of causes names the transport problem (refused, reset, TLS).
    let e = e.without_url();
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    Failure::new(kind, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i18_upstream_statuses_split_into_retryable_and_refused() {
        assert!(classify(503, None).kind.retryable());
        assert!(classify(500, None).kind.retryable());
        assert_eq!(classify(429, None).kind, FailureKind::Throttled);
        assert!(classify(408, None).kind.retryable());
        assert_eq!(classify(400, None).kind, FailureKind::Refused);
        assert!(!classify(404, None).kind.retryable());
        assert!(!classify(301, None).kind.retryable());
        assert_eq!(classify(422, None).detail, "HTTP 422");
    }
}
