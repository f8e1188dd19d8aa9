//! The background sender of the outbox: one per server instance.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use super::adapter::UpstreamAdapter;
use super::{store, Failure, FailureKind, UpstreamConfig};
use crate::config::Clock;
use crate::db::Database;
use crate::error::Result;

/// Everything the sender needs.
#[derive(Debug, Clone)]
pub struct Worker {
    pub db: Database,
    /// This process's claim name (unique per start: instances share the database's id).
    pub instance: String,
    pub adapter: Arc<dyn UpstreamAdapter>,
    pub config: UpstreamConfig,
    pub clock: Arc<dyn Clock>,
    /// Rung after a push that may have enqueued a row: no wait for the next poll.
    pub wake: Arc<Notify>,
}

/// The shortest pause of an idle sender.
const MIN_WAIT: Duration = Duration::from_millis(20);

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// No due row.
    Idle,
    Sent,
    /// Failed; retried later.
    Retry(FailureKind),
    /// Failed for good.
    Dead(FailureKind),
    /// The lease ran out before the outcome was written; another instance owns the row now.
    LeaseLost,
}

impl Worker {
    /// How long a claim holds: the delivery's timeout twice, and half a minute for the database.
    pub fn lease(&self) -> Duration {
        self.config.timeout.saturating_mul(2) + Duration::from_secs(30)
    }

    /// Claims one due row, sends it and writes the outcome.
    pub async fn step(&self) -> Result<Step> {
        let pool = &self.db.pool;
        let lease_ms = i64::try_from(self.lease().as_millis()).unwrap_or(i64::MAX);
        let now = self.clock.now_ms();
        let Some(claimed) = store::claim(pool, self.db.kind, &self.instance, now, lease_ms).await?
        else {
            return Ok(Step::Idle);
        };
        let outcome = match store::body(pool, &claimed).await? {
            Some(event) => self.adapter.deliver(&event).await,
            None => Err(Failure::new(FailureKind::CaseMissing, "case not held")),
        };
        let now = self.clock.now_ms();
        match outcome {
            Ok(status) => {
                if !store::mark_sent(pool, &claimed, &self.instance, status, now).await? {
                    return Ok(Step::LeaseLost);
                }
                tracing::info!(outbox = %claimed.id, event = claimed.event.as_str(),
                    attempts = claimed.attempts, status, "case event forwarded upstream");
                Ok(Step::Sent)
            }
            Err(failure) => {
                let dead =
                    !failure.kind.retryable() || claimed.attempts >= self.config.max_attempts;
                let delay = self
                    .config
                    .delay(claimed.attempts, failure.retry_after, jitter());
                let next_at =
                    now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
                let written = store::mark_failed(
                    pool,
                    &claimed,
                    &self.instance,
                    &failure,
                    dead,
                    next_at,
                    now,
                )
                .await?;
                if dead {
                    tracing::error!(outbox = %claimed.id, event = claimed.event.as_str(),
                        attempts = claimed.attempts, code = failure.kind.code(),
                        status = failure.status, detail = %failure.detail,
                        "upstream delivery given up: see `upstream list --state dead`");
                } else {
                    tracing::warn!(outbox = %claimed.id, event = claimed.event.as_str(),
                        attempts = claimed.attempts, code = failure.kind.code(),
                        status = failure.status, detail = %failure.detail,
                        "upstream delivery failed, will retry");
                }
                Ok(match (written, dead) {
                    (false, _) => Step::LeaseLost,
                    (true, true) => Step::Dead(failure.kind),
                    (true, false) => Step::Retry(failure.kind),
                })
            }
        }
    }

    /// Sends until `stop` turns true; a delivery under way is finished first (its outcome
    /// written), so a stop loses no claim — and a process killed mid-send leaves a lease that
    /// runs out.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(url = %super::redact(&self.config.url), "upstream forwarding on");
        loop {
            if *stop.borrow() {
                break;
            }
            let idle = match self.step().await {
                Ok(Step::Idle) => true,
                Ok(_) => false,
                Err(e) => {
                    tracing::warn!(code = %e.code(), detail = %e.detail(), "upstream outbox unavailable");
                    true
                }
            };
            if idle {
                // Until the next row falls due, a push wakes it, or the poll (rows of other
                // instances' leases, `upstream retry` from the admin command).
                let wait = match store::next_due(&self.db.pool).await {
                    Ok(Some(at)) => {
                        let ms = u64::try_from(at.saturating_sub(self.clock.now_ms())).unwrap_or(0);
                        // Never a busy loop: a due row another instance is claiming right now
                        // is skipped, and looked at again shortly.
                        Duration::from_millis(ms).clamp(MIN_WAIT, self.config.poll.max(MIN_WAIT))
                    }
                    _ => self.config.poll,
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = self.wake.notified() => {}
                    _ = stop.changed() => {}
                }
            }
        }
        tracing::info!("upstream forwarding stopped");
    }
}

/// Starts the sender of `config` on `db`; stop it with the returned sender and await the task.
pub fn spawn(
    db: Database,
    config: UpstreamConfig,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
) -> Result<(watch::Sender<bool>, JoinHandle<()>)> {
    let adapter = Arc::new(super::adapter::JsonHttpAdapter::new(&config)?);
    let worker = Worker {
        db,
        instance: uuid::Uuid::new_v4().to_string(),
        adapter,
        config,
        clock,
        wake,
    };
    let (tx, rx) = watch::channel(false);
    Ok((tx, tokio::spawn(worker.run(rx))))
}

/// A uniform random number in [0, 1].
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::getrandom(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
        Err(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i18_upstream_backoff_doubles_up_to_its_cap_with_jitter() {
        let mut c = UpstreamConfig::new("https://up.example/cases".parse().unwrap());
        c.backoff = Duration::from_secs(10);
        c.backoff_max = Duration::from_secs(60);
        assert_eq!(c.delay(1, None, 1.0), Duration::from_secs(10));
        assert_eq!(c.delay(2, None, 1.0), Duration::from_secs(20));
        assert_eq!(c.delay(3, None, 0.0), Duration::from_secs(20));
        assert_eq!(c.delay(9, None, 1.0), Duration::from_secs(60));
        assert_eq!(c.delay(200, None, 1.0), Duration::from_secs(60));
        let r = Some(Duration::from_secs(45));
        assert_eq!(c.delay(1, r, 1.0), Duration::from_secs(45));
        assert!(jitter() <= 1.0);
    }

    #[test]
    fn i18_upstream_refuses_plain_http_off_this_machine() {
        let c = |u: &str| UpstreamConfig::new(u.parse().unwrap());
        assert!(c("https://up.example/x").check().is_ok());
        assert!(c("http://127.0.0.1:9/x").check().is_ok());
        assert!(c("http://localhost/x").check().is_ok());
        let e = c("http://up.example/x").check().unwrap_err();
        assert_eq!(e.code(), "upstream_url_refused");
        assert!(c("ftp://up.example/x").check().is_err());
        let mut test_env = c("http://10.0.0.5/x");
        test_env.allow_http = true;
        assert!(test_env.check().is_ok());
        let with_token = UpstreamConfig {
            token: Some("secret".into()),
            ..c("https://u:p@up.example/x?k=v")
        };
        let shown = format!("{with_token:?}");
        assert!(!shown.contains("secret") && !shown.contains(":p@") && !shown.contains("k=v"));
    }
}
