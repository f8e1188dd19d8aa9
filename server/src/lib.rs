//! 一窗受理工作站 central REST backend.
//!
//! [`Server::bind`] opens (and migrates) the database and binds the socket;
//! [`Server::run`] serves until the shutdown future resolves, then closes the pool.
//! The `yichuang-server` binary is a thin wrapper around this library.

pub mod admin;
pub mod api;
pub mod assist;
pub mod auth;
pub mod cases;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod http;
pub mod licence;
pub mod maintenance;
pub mod messages;
pub mod queue;
pub mod redact;
pub mod sync;
pub mod tls;
pub mod upstream;
pub mod workstation;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::Method;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use utoipa::OpenApi;

pub use auth::AuthState;
pub use config::{AdminCommand, Cli, Clock, DatabaseKind, ManualClock, ServerConfig, TlsConfig};
pub use db::Database;
pub use error::{Error, ErrorBody, Result};

/// Shared state handed to every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Database,
    /// Id generated at the first start and kept in `server_meta`.
    pub instance_id: Arc<str>,
    /// The serialized OpenAPI document, built once.
    pub openapi_json: Arc<str>,
    /// Certificate login: trusted CAs, CRLs, grant key, clock.
    pub auth: AuthState,
    /// Sync: blob store, served catalog.
    pub sync: sync::SyncState,
    /// The hall queue: its rules and event wake-ups.
    pub queue: queue::QueueState,
    /// Forwarding to the upstream platform is on (taken-in cases are enqueued): the sender's
    /// wake-up, rung after a push of cases or handovers.
    pub upstream: Option<Arc<tokio::sync::Notify>>,
}

impl AppState {
    /// Builds the state around an open database.
    pub async fn new(db: Database, auth: AuthState, sync: sync::SyncState) -> Result<Self> {
        let instance_id = db.instance_id().await?;
        let openapi_json = api::ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document always serializes");
        Ok(Self {
            db,
            instance_id: instance_id.into(),
            openapi_json: openapi_json.into(),
            auth,
            sync,
            queue: queue::QueueState::default(),
            upstream: None,
        })
    }
}

/// All routes of the server.
pub fn router(state: AppState) -> Router {
    let v1 = Router::new()
        .route("/health", get(api::health))
        .route("/version", get(api::version))
        .route("/openapi.json", get(api::openapi_json))
        .route("/enroll", post(workstation::handlers::enroll))
        .route("/auth/challenge", post(auth::handlers::challenge))
        .route("/auth/login", post(auth::handlers::login))
        .route("/auth/grant-key", get(auth::handlers::grant_key))
        .route("/auth/session", get(auth::handlers::session))
        .route("/sync/push", post(sync::handlers::push))
        .route(
            "/sync/blobs/{sha256}",
            get(sync::handlers::get_blob).put(sync::handlers::put_chunk),
        )
        .route(
            "/sync/blobs/{sha256}/status",
            get(sync::handlers::blob_status),
        )
        .route("/sync/catalog", get(sync::handlers::catalog))
        .route("/sync/clerks", get(sync::handlers::clerks))
        .route("/sync/config/{workstation}", get(sync::handlers::config))
        .route(
            "/sync/audit/{workstation}",
            get(sync::handlers::audit_check),
        )
        .route("/sync/stats", get(sync::handlers::stats))
        .route("/sync/case-events", get(cases::handlers::feed))
        .route("/cases", get(cases::handlers::search))
        .route("/cases/{case}", get(cases::handlers::detail))
        .route("/flows/{no}", get(cases::handlers::flow))
        .route(
            "/cases/{case}/pickup-check",
            post(cases::handlers::pickup_check),
        )
        .route(
            "/backoffice/cases/{case_no}/progress",
            post(cases::handlers::report),
        )
        .route("/queue/desk", get(queue::handlers::desk_state))
        .route("/queue/desk/{verb}", post(queue::handlers::desk_verb))
        .route("/queue/events", get(queue::handlers::desk_events))
        .route("/queue/tickets", post(queue::handlers::issue_desk))
        .route("/queue/visits/{ticket}", get(queue::handlers::visit))
        .route("/queue/figures/today", get(queue::handlers::today))
        .route("/queue/ratings", get(queue::handlers::ratings))
        .route("/updates/{target}", get(maintenance::releases::offer))
        .route(
            "/updates/{target}/{version}/file",
            get(maintenance::releases::file),
        )
        .route("/diagnostics", post(maintenance::diagnostics::upload))
        .route("/licences/lookup", post(licence::handlers::lookup))
        .route("/licences/file", post(licence::handlers::file))
        .route("/licences/feedback", post(licence::handlers::feedback))
        .route("/assist/departments", get(assist::handlers::departments))
        .route(
            "/assist/requests",
            get(assist::handlers::list).post(assist::handlers::create),
        )
        .route("/assist/requests/{id}", get(assist::handlers::get_one))
        .route(
            "/assist/requests/{id}/proof",
            post(assist::handlers::attach_proof),
        )
        .route(
            "/assist/requests/{id}/stamped",
            post(assist::handlers::upload_stamped),
        )
        .route(
            "/assist/requests/{id}/return",
            post(assist::handlers::return_request),
        )
        .route(
            "/assist/requests/{id}/document",
            get(assist::handlers::document),
        )
        .route("/hall/pair", post(queue::handlers::pair))
        .route("/hall/snapshot", get(queue::handlers::hall_snapshot))
        .route("/hall/events", get(queue::handlers::hall_events))
        .route("/hall/tickets", post(queue::handlers::issue_kiosk));
    let pages = Router::new()
        .route("/pair", get(queue::handlers::pair_page))
        .route("/screen", get(queue::handlers::screen_page))
        .route("/kiosk", get(queue::handlers::kiosk_page));
    let limits = state.sync.limits.clone();
    let app = Router::new()
        .nest(api::API_PREFIX, v1)
        .nest("/hall", pages)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    http::limit_layers(app, &limits)
}

async fn not_found(req: Request) -> Error {
    Error::NotFound {
        path: req.uri().path().to_owned(),
    }
}

async fn method_not_allowed(method: Method, req: Request) -> Error {
    Error::MethodNotAllowed {
        method: method.to_string(),
        path: req.uri().path().to_owned(),
    }
}

/// A server with its database open and its socket bound, not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    /// HTTPS: the files and the configuration loaded from them at bind.
    tls: Option<(TlsConfig, Arc<rustls::ServerConfig>)>,
    /// Where the CAs and CRLs are re-read from, and how often the TLS files and CRLs are
    /// checked.
    reload: Reload,
}

/// What the reload tasks of [`Server::run`] watch.
#[derive(Debug)]
struct Reload {
    interval: std::time::Duration,
    ca_dir: Option<std::path::PathBuf>,
    crl_dir: Option<std::path::PathBuf>,
    /// PostgreSQL: the URL the queue's LISTEN connection opens.
    pg_url: Option<String>,
    /// The upstream forwarding's sender runs with this.
    upstream: Option<upstream::UpstreamConfig>,
}

impl Server {
    /// Loads the trusted CAs, CRLs and grant key, opens and migrates the database, then
    /// binds `config.listen`.
    pub async fn bind(config: ServerConfig) -> Result<Self> {
        // A hall's server never serves plain HTTP by accident: loopback is for development.
        if config.tls.is_none() && !config.insecure_http && !config.listen.ip().is_loopback() {
            return Err(Error::PlainHttpRefused {
                addr: config.listen,
            });
        }
        if let Some(upstream) = &config.upstream {
            upstream.check()?;
            upstream::adapter::JsonHttpAdapter::new(upstream)?;
        }
        let tls = match &config.tls {
            Some(files) => Some((files.clone(), tls::load(files)?)),
            None => None,
        };
        let reload = Reload {
            interval: config.reload_interval,
            ca_dir: config.auth.ca_dir.clone(),
            crl_dir: config.auth.crl_dir.clone(),
            pg_url: None,
            upstream: config.upstream.clone(),
        };
        // Everything the server writes lives under a directory only its account can enter.
        files::private_dir(&config.data_dir).map_err(|source| Error::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let auth = AuthState::load(&config)?;
        let blobs = sync::BlobBackend::from_config(&config)?;
        let stale = blobs.remove_stale(config.limits.stale_upload_after).await?;
        if stale > 0 {
            tracing::info!(removed = stale, "stale partial uploads removed at start");
        }
        let sync = sync::SyncState::new(blobs, config.sync.catalog_dir.clone())
            .with_limits(config.limits.clone());
        let db = Database::open(&config).await?;
        match Self::bind_with(db.clone(), auth, sync, config.listen).await {
            Ok(mut server) => {
                server.state.queue.config = config.queue;
                server.state.queue.tls = tls.is_some();
                server.state.upstream = config.upstream.as_ref().map(|_| Arc::default());
                server.tls = tls;
                server.reload = reload;
                if let (DatabaseKind::Postgres, Some(url)) = (db.kind, &config.database_url) {
                    server.reload.pg_url = Some(url.clone());
                }
                Ok(server)
            }
            Err(e) => {
                db.close().await;
                Err(e)
            }
        }
    }

    async fn bind_with(
        db: Database,
        auth: AuthState,
        sync: sync::SyncState,
        listen: SocketAddr,
    ) -> Result<Self> {
        let state = AppState::new(db, auth, sync).await?;
        let bind_err = |source| Error::Bind {
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        tracing::info!(
            %local_addr,
            database = %state.db.kind,
            instance_id = %state.instance_id,
            "server bound"
        );
        Ok(Self {
            listener,
            local_addr,
            state,
            tls: None,
            reload: Reload {
                interval: std::time::Duration::from_secs(config::DEFAULT_RELOAD_SECS),
                ca_dir: None,
                crl_dir: None,
                pg_url: None,
                upstream: None,
            },
        })
    }

    /// The address actually bound (resolves port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The shared application state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// `https` when the server speaks TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The base URL clients use: `<scheme>://<local address>`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme(), self.local_addr)
    }

    /// Serves until `shutdown` resolves, lets in-flight requests finish, then closes
    /// the database pool.
    pub async fn run<F>(self, shutdown: F) -> Result<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Server {
            listener,
            state,
            tls,
            reload,
            ..
        } = self;
        let db = state.db.clone();
        let limits = state.sync.limits.clone();
        let cleaner =
            http::spawn_stale_upload_cleaner(state.sync.blobs.clone(), limits.stale_upload_after);
        // SIGHUP (and the interval) re-read the TLS pair and the CAs/CRLs.
        let (hup, hup_rx) = tokio::sync::watch::channel(0u64);
        let hup_task = tokio::spawn(forward_sighup(hup));
        let crl_task = tokio::spawn(auth::reload::watch(
            state.auth.clone(),
            reload.ca_dir,
            reload.crl_dir,
            reload.interval,
            hup_rx.clone(),
        ));
        let listener_task = reload
            .pg_url
            .map(|url| queue::spawn_pg_listener(url, state.queue.clone()));
        let wake = state.upstream.clone().unwrap_or_default();
        let forwarder = reload.upstream.and_then(|config| {
            upstream::worker::spawn(db.clone(), config, state.auth.clock.clone(), wake)
                .inspect_err(|e| {
                    tracing::error!(code = %e.code(), detail = %e.detail(), "upstream forwarding not started");
                })
                .ok()
        });
        let (acceptor, tls_task) = match tls {
            None => (None, None),
            Some((files, initial)) => {
                let current = Arc::new(arc_swap::ArcSwap::new(initial));
                let task =
                    tokio::spawn(tls::watch(files, current.clone(), reload.interval, hup_rx));
                (Some(current), Some(task))
            }
        };
        let queue = state.queue.clone();
        let shutdown = async move {
            shutdown.await;
            queue.close();
        };
        let served = http::serve(listener, router(state), &limits, acceptor, shutdown)
            .await
            .map_err(Error::Serve);
        cleaner.abort();
        hup_task.abort();
        crl_task.abort();
        if let Some(task) = tls_task {
            task.abort();
        }
        if let Some(task) = listener_task {
            task.abort();
        }
        // The sender finishes the delivery under way (bounded by its timeout) and stops; if it
        // does not, its claim's lease runs out and the row is sent again later.
        if let Some((stop, task)) = forwarder {
            let _ = stop.send(true);
            let abort = task.abort_handle();
            if tokio::time::timeout(std::time::Duration::from_secs(60), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        tracing::info!("shutting down, closing database pool");
        db.close().await;
        served
    }
}

/// Binds and serves `config` until `shutdown` resolves.
pub async fn serve<F>(config: ServerConfig, shutdown: F) -> Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    Server::bind(config).await?.run(shutdown).await
}

/// Counts SIGHUPs into `tx` (the reload tasks watch it); never returns on Unix.
async fn forward_sighup(tx: tokio::sync::watch::Sender<u64>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::hangup()) {
            Ok(mut hup) => {
                while hup.recv().await.is_some() {
                    tracing::info!("received SIGHUP: reloading TLS certificate, CAs and CRLs");
                    tx.send_modify(|n| *n += 1);
                }
            }
            Err(e) => tracing::warn!(detail = %e, "SIGHUP handler not installed"),
        }
    }
    // Keep the sender alive so the watchers do not see a closed channel.
    std::future::pending::<()>().await;
    drop(tx);
}

/// Registers the shutdown signals now and returns a future that resolves on the first
/// Ctrl-C (SIGINT) or, on Unix, SIGTERM.
///
/// Registration is eager on purpose: once this returns, a signal can no longer kill the
/// process with the default action, so a supervisor may send SIGTERM as soon as it has
/// read the listening line. Must be called inside a Tokio runtime.
pub fn shutdown_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = signal(SignalKind::terminate()).map_err(Error::Signal)?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(Error::Signal)?;
        Ok(async move {
            tokio::select! {
                _ = terminate.recv() => tracing::info!("received SIGTERM"),
                _ = interrupt.recv() => tracing::info!("received Ctrl-C (SIGINT)"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        let mut ctrl_c = tokio::signal::windows::ctrl_c().map_err(Error::Signal)?;
        Ok(async move {
            ctrl_c.recv().await;
            tracing::info!("received Ctrl-C");
        })
    }
}
