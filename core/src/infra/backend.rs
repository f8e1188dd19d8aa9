//! Reachability of the central backend, as the status bar shows it.
//!
//! A monitor task probes `GET {url}/api/v1/health` every `probe_interval_ms` and publishes
//! the result on a `watch` channel, so the status bar changes within about one interval of
//! the server going away or coming back. "Reachable" means the server answered its health
//! check with 2xx, not merely that a TCP port is open.

use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BackendStatus {
    /// No backend URL in the workstation config: offline-only workstation.
    NotConfigured,
    /// Configured, first probe not answered yet.
    Checking,
    Reachable {
        latency_ms: u32,
    },
    Unreachable {
        reason: String,
    },
}

impl BackendStatus {
    pub fn is_reachable(&self) -> bool {
        matches!(self, BackendStatus::Reachable { .. })
    }

    /// Two statuses that differ only in measured latency are the same for the status bar.
    fn same_state(&self, other: &BackendStatus) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
            && match (self, other) {
                (
                    BackendStatus::Unreachable { reason: a },
                    BackendStatus::Unreachable { reason: b },
                ) => a == b,
                _ => true,
            }
    }
}

pub fn health_url(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}/api/v1/health", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// One probe of the backend's health endpoint.
pub async fn probe(client: &reqwest::Client, base: &Url, timeout: Duration) -> BackendStatus {
    let started = Instant::now();
    match client.get(health_url(base)).timeout(timeout).send().await {
        Ok(resp) if resp.status().is_success() => BackendStatus::Reachable {
            latency_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
        },
        Ok(resp) => BackendStatus::Unreachable {
            reason: format!("HTTP {}", resp.status().as_u16()),
        },
        Err(e) if crate::infra::http::tls_problem(&e).is_some() => BackendStatus::Unreachable {
            reason: crate::infra::http::tls_problem(&e)
                .map(|p| p.message().to_owned())
                .unwrap_or_default(),
        },
        Err(e) if e.is_timeout() => BackendStatus::Unreachable {
            reason: "timeout".into(),
        },
        Err(e) if e.is_connect() => BackendStatus::Unreachable {
            reason: "connection refused".into(),
        },
        Err(e) => BackendStatus::Unreachable {
            reason: e.to_string(),
        },
    }
}

/// Starts the monitor on the current tokio runtime. The task ends when every receiver is
/// dropped.
pub fn spawn_monitor(
    base: Option<Url>,
    tls: crate::infra::http::BackendTls,
    interval: Duration,
) -> watch::Receiver<BackendStatus> {
    let Some(base) = base else {
        let (_tx, rx) = watch::channel(BackendStatus::NotConfigured);
        return rx;
    };
    let (tx, rx) = watch::channel(BackendStatus::Checking);
    tokio::spawn(async move {
        let client = match crate::infra::http::async_client(&tls, reqwest::Client::builder()) {
            Ok(client) => client,
            Err(problem) => {
                tracing::error!(detail = %problem, "backend client not built");
                let _ = tx.send(BackendStatus::Unreachable {
                    reason: problem.message().to_owned(),
                });
                return;
            }
        };
        let timeout = interval.clamp(Duration::from_millis(500), Duration::from_secs(3));
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let status = probe(&client, &base, timeout).await;
            let changed = !tx.borrow().same_state(&status);
            if changed {
                tracing::info!(?status, "backend reachability changed");
                if tx.send(status).is_err() {
                    break;
                }
            } else if tx.is_closed() {
                break;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{routing::get, Router};
    use tokio::net::TcpListener;

    async fn serve_health(listener: TcpListener) -> tokio::task::JoinHandle<()> {
        let app = Router::new().route("/api/v1/health", get(|| async { "{\"status\":\"ok\"}" }));
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        })
    }

    async fn wait_for(
        rx: &mut watch::Receiver<BackendStatus>,
        want: impl Fn(&BackendStatus) -> bool,
        within: Duration,
    ) -> Duration {
        let started = Instant::now();
        let reached = tokio::time::timeout(within, rx.wait_for(|s| want(s)))
            .await
            .is_ok();
        assert!(
            reached,
            "status not reached within {within:?}: {:?}",
            *rx.borrow()
        );
        started.elapsed()
    }

    #[test]
    fn health_url_keeps_a_base_path() {
        let u = Url::parse("https://zw.example.cn/yichuang/").unwrap();
        assert_eq!(
            health_url(&u).as_str(),
            "https://zw.example.cn/yichuang/api/v1/health"
        );
        let u = Url::parse("http://127.0.0.1:8720").unwrap();
        assert_eq!(
            health_url(&u).as_str(),
            "http://127.0.0.1:8720/api/v1/health"
        );
    }

    #[tokio::test]
    async fn not_configured_without_url() {
        let rx = spawn_monitor(None, Default::default(), Duration::from_millis(250));
        assert_eq!(*rx.borrow(), BackendStatus::NotConfigured);
    }

    #[tokio::test]
    async fn follows_server_going_down_and_coming_back() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = serve_health(listener).await;
        let url = Url::parse(&format!("http://{addr}")).unwrap();
        let mut rx = spawn_monitor(Some(url), Default::default(), Duration::from_millis(250));

        wait_for(&mut rx, BackendStatus::is_reachable, Duration::from_secs(5)).await;
        server.abort();
        let _ = server.await;
        let took = wait_for(&mut rx, |s| !s.is_reachable(), Duration::from_secs(5)).await;
        assert!(took < Duration::from_secs(2), "took {took:?}");

        let listener = TcpListener::bind(addr).await.unwrap();
        let _server = serve_health(listener).await;
        wait_for(&mut rx, BackendStatus::is_reachable, Duration::from_secs(5)).await;
    }

    #[tokio::test]
    async fn non_2xx_health_is_unreachable() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/api/v1/health",
            get(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down") }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = reqwest::Client::new();
        let url = Url::parse(&format!("http://{addr}")).unwrap();
        let s = probe(&client, &url, Duration::from_secs(2)).await;
        assert_eq!(
            s,
            BackendStatus::Unreachable {
                reason: "HTTP 503".into()
            }
        );
    }
}
