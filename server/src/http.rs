//! The HTTP layer's limits: the connection loop (plain HTTP, or TLS accepted with the
//! configuration current at each handshake) with the header read timeout, the request
//! concurrency limit (503 + `Retry-After` at once when full), the body read timeout, the JSON
//! shape of every error (axum's own rejections included), and the clean-up of stale uploads.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::{BoxError, ServiceBuilder, ServiceExt};

use crate::config::LimitsConfig;
use crate::error::Error;
use crate::sync::BlobBackend;

/// Seconds a client is told to wait when the server is full.
pub const RETRY_AFTER_SECS: u64 = 1;

/// Largest JSON body of the routes that take one through axum's extractors (login,
/// enrollment…); push and blob chunks read their bodies themselves, under their own caps.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// Wraps every route: JSON errors, load shedding over the concurrency limit, the body read
/// timeout, the extractor body limit.
pub fn limit_layers(router: Router, limits: &LimitsConfig) -> Router {
    let permits = Arc::new(tokio::sync::Semaphore::new(
        limits.max_concurrent_requests.max(1),
    ));
    let guard = ServiceBuilder::new()
        .layer(axum::error_handling::HandleErrorLayer::new(overloaded))
        .load_shed()
        .layer(tower::limit::GlobalConcurrencyLimitLayer::with_semaphore(
            permits,
        ))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            limits.body_read_timeout,
        ))
        .map_request(|req: Request<tower_http::timeout::TimeoutBody<Body>>| req.map(Body::new));
    router
        .layer(axum::extract::DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(guard)
        .layer(axum::middleware::map_response(json_errors))
}

async fn overloaded(e: BoxError) -> Response {
    if e.is::<tower::load_shed::error::Overloaded>() {
        tracing::warn!("request refused: concurrency limit reached");
        Error::Overloaded {
            retry_after_secs: RETRY_AFTER_SECS,
        }
        .into_response()
    } else {
        Error::Serve(std::io::Error::other(e.to_string())).into_response()
    }
}

/// Turns any error answer that is not JSON yet (axum's extractor rejections: path, query,
/// JSON, body limit) into an [`crate::ErrorBody`] with a code.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, 16 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
        Err(_) => String::new(),
    };
    let detail = if text.is_empty() {
        status.to_string()
    } else {
        text
    };
    let err = match status {
        StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge { detail },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType { detail },
        StatusCode::REQUEST_TIMEOUT => Error::RequestTimeout { detail },
        StatusCode::SERVICE_UNAVAILABLE => Error::Overloaded {
            retry_after_secs: RETRY_AFTER_SECS,
        },
        s if s.is_client_error() => Error::BadRequest { detail },
        _ => Error::Serve(std::io::Error::other(detail)),
    };
    let mut out = err.into_response();
    // The status stays what the layer below chose (e.g. 422 of a JSON rejection).
    *out.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Accepts connections until `shutdown` resolves, then lets the open ones finish. A client
/// that has not sent a complete request head within the header read timeout is disconnected.
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    limits: &LimitsConfig,
    tls: Option<Arc<arc_swap::ArcSwap<rustls::ServerConfig>>>,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app
            .clone()
            .map_request(move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                req.map(Body::new)
            });
        let service = TowerToHyperService::new(service);
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let handshake_timeout = limits.header_read_timeout;
        let acceptor = tls
            .as_ref()
            .map(|current| tokio_rustls::TlsAcceptor::from(current.load_full()));
        tokio::spawn(async move {
            let served = match acceptor {
                None => {
                    let conn =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
                // The handshake counts against the header read timeout: a client that opens a
                // connection and says nothing is dropped all the same.
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => {
                            let conn = builder
                                .serve_connection_with_upgrades(TokioIo::new(tls_stream), service);
                            watcher.watch(conn.into_owned()).await
                        }
                        Ok(Err(e)) => {
                            return tracing::debug!(%remote, error = %e, "TLS handshake failed")
                        }
                        Err(_) => return tracing::debug!(%remote, "TLS handshake timed out"),
                    }
                }
            };
            if let Err(e) = served {
                tracing::debug!(%remote, error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Removes stale partial uploads now, then every quarter of `stale_after` (between a second
/// and an hour) until the task is aborted.
pub fn spawn_stale_upload_cleaner(
    blobs: Arc<BlobBackend>,
    stale_after: Duration,
) -> tokio::task::JoinHandle<()> {
    let every = (stale_after / 4).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match blobs.remove_stale(stale_after).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "stale partial uploads removed"),
                Err(e) => tracing::warn!(detail = %e.detail(), "stale upload clean-up failed"),
            }
        }
    })
}
