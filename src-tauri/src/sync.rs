//! The shell's sync wiring (issue 6): opens the encrypted store with the data key from the OS
//! keystore (or its documented headless fallback, `core::keystore`), opens the encrypted
//! material store, runs `core::sync::SyncService` against the configured backend, and keeps
//! the status bar and the sync page honest. All sync logic lives in `core::sync`; this file
//! only starts it, forwards its status as an event and offers the two commands.

use crate::ipc::SyncStatusChanged;
use crate::state::AppState;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{Manager, State};
use tauri_specta::Event;
use yichuang_core::infra::backend::BackendStatus;
use yichuang_core::infra::blobs::BlobStore;
use yichuang_core::infra::keystore::{self, KeystoreConfig, StoreKey};
use yichuang_core::infra::store::Store;
use yichuang_core::infra::sync::{
    outbox, ParkedBlob, ParkedRecord, SyncConfig, SyncPhase, SyncService, SyncStatus,
};
use yichuang_core::{CoreError, ErrorCode, UserError};

const DB_FILE: &str = "workstation.db";
const BLOB_DIR: &str = "blobs";

/// How often the status is re-read from the store, so a record written by any command shows
/// as pending within this time even while the sync loop sleeps in a back-off.
const REFRESH: Duration = Duration::from_secs(1);

/// What the sync page shows: the status and the records and files that need a person.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncOverview {
    pub status: SyncStatus,
    /// Records the server refused, newest first, each with its reason in Chinese.
    pub parked_records: Vec<ParkedRecord>,
    /// Material files that cannot be uploaded as they are.
    pub parked_blobs: Vec<ParkedBlob>,
}

/// The sync side of the managed state.
pub struct SyncState {
    service: Option<SyncService>,
    /// The encrypted material store; intake writes imported and captured files through it.
    blobs: Option<Arc<BlobStore>>,
    last: Mutex<Option<SyncStatus>>,
    backend_reachable: Mutex<bool>,
}

impl SyncState {
    /// The material store, when the data key could be read.
    pub fn blobs(&self) -> Option<Arc<BlobStore>> {
        self.blobs.clone()
    }
}

/// The data key and the store it opened; the key is `None` when the keystore failed (the
/// store result then carries that error).
pub struct OpenedStore {
    pub store: Result<Store, UserError>,
    pub key: Option<StoreKey>,
}

/// Opens `<data_dir>/workstation.db` with SQLCipher. The key is looked up in the OS keystore,
/// then in the fallback file `<data_dir>/store.key`; a new database gets a new key. A plain
/// database left by an earlier build is encrypted in place.
pub fn open_store(data_dir: &Path) -> OpenedStore {
    let db = data_dir.join(DB_FILE);
    let cfg = KeystoreConfig::new(data_dir, &keystore_account(data_dir));
    let key = match keystore::load_or_create(&cfg, db.exists()) {
        Ok((key, location)) => {
            tracing::info!(?location, "data key loaded");
            key
        }
        Err(e) => {
            tracing::error!(error = %e, "no data key");
            return OpenedStore {
                store: Err(CoreError::from(e).into()),
                key: None,
            };
        }
    };
    let store = Store::open_encrypted(&db, &key).map_err(|e| CoreError::from(e).into());
    OpenedStore {
        store,
        key: Some(key),
    }
}

/// The keystore entry is named after the data directory, not after the configured hall and
/// window: editing the config must never make the key of existing data unfindable.
fn keystore_account(data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let hash = yichuang_core::infra::blobs::sha256_hex(dir.to_string_lossy().as_bytes());
    format!("data-{}", &hash[..16])
}

fn blob_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BLOB_DIR)
}

/// Starts the sync loop (when a backend is configured and the store opened) and the task
/// that feeds the status bar. Called once from `setup`.
pub fn start(app: &tauri::AppHandle, key: Option<StoreKey>) {
    let state = app.state::<AppState>();
    let mut sync = SyncState {
        service: None,
        blobs: None,
        last: Mutex::new(None),
        backend_reachable: Mutex::new(false),
    };
    let store_ok = state.with_store(|_| Ok(())).is_ok();
    if let (Some(key), true) = (key, store_ok) {
        match BlobStore::open(&blob_dir(&state.data_dir), &key) {
            Ok(b) => sync.blobs = Some(Arc::new(b)),
            Err(e) => tracing::error!(error = %e, "material store not opened"),
        }
        if let Some(url) = state.config.backend.url.clone() {
            let cfg = SyncConfig::new(url, crate::session::workstation_id(&state));
            match SyncService::start_at(
                &state.data_dir.join(DB_FILE),
                &key,
                &blob_dir(&state.data_dir),
                cfg,
            ) {
                Ok(service) => sync.service = Some(service),
                Err(e) => tracing::error!(error = %e, "sync service not started"),
            }
        }
    }
    app.manage(sync);

    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let watch = handle
            .state::<SyncState>()
            .service
            .as_ref()
            .map(|s| s.subscribe());
        let mut ticker = tokio::time::interval(REFRESH);
        match watch {
            Some(mut rx) => loop {
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() { break },
                    _ = ticker.tick() => {}
                }
                refresh(&handle);
            },
            None => loop {
                ticker.tick().await;
                refresh(&handle);
            },
        }
    });
}

/// The backend monitor saw the server (again): sync at once rather than after the back-off.
pub fn on_backend_status(app: &tauri::AppHandle, backend: &BackendStatus) {
    let Some(sync) = app.try_state::<SyncState>() else {
        return;
    };
    let reachable = matches!(backend, BackendStatus::Reachable { .. });
    let was = std::mem::replace(&mut *lock(&sync.backend_reachable), reachable);
    if reachable && !was {
        if let Some(service) = &sync.service {
            tracing::info!("backend reachable again: syncing now");
            service.sync_now();
        }
    }
}

/// The status now: counts from the store at this moment, phase, retry time and upload
/// progress from the running loop.
fn current(app: &tauri::AppHandle) -> Result<SyncStatus, UserError> {
    let state = app.state::<AppState>();
    let sync = app.state::<SyncState>();
    let (phase, next_retry_at, upload) = match &sync.service {
        Some(s) => {
            let s = s.status();
            (s.phase, s.next_retry_at, s.upload)
        }
        None => (SyncPhase::NotConfigured, None, None),
    };
    state.with_store(|store| {
        outbox::read_status(store.conn(), phase, next_retry_at, upload)
            .map_err(|e| read_error(e.to_string()))
    })
}

/// Re-reads the status and, when it changed, tells the UI (event and the status bar count).
fn refresh(app: &tauri::AppHandle) {
    let status = match current(app) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e.detail, "sync status unreadable");
            return;
        }
    };
    let sync = app.state::<SyncState>();
    {
        let mut last = lock(&sync.last);
        if last.as_ref() == Some(&status) {
            return;
        }
        *last = Some(status.clone());
    }
    app.state::<AppState>()
        .update_status(app, |s| s.pending_sync = status.pending_records);
    if let Err(e) = SyncStatusChanged(status).emit(app) {
        tracing::warn!(error = %e, "could not emit sync status");
    }
}

fn overview(app: &tauri::AppHandle) -> Result<SyncOverview, UserError> {
    let status = current(app)?;
    let (parked_records, parked_blobs) = app.state::<AppState>().with_store(|store| {
        let conn = store.conn();
        let records = outbox::parked(conn).map_err(|e| read_error(e.to_string()))?;
        let blobs = outbox::parked_blobs(conn).map_err(|e| read_error(e.to_string()))?;
        Ok((records, blobs))
    })?;
    Ok(SyncOverview {
        status,
        parked_records,
        parked_blobs,
    })
}

fn read_error(detail: String) -> UserError {
    UserError::new(ErrorCode::SyncStatusUnreadable, detail)
}

/// The sync page: pending count, oldest pending, last success and error, refused records.
#[tauri::command]
#[specta::specta]
pub fn sync_status(app: tauri::AppHandle) -> Result<SyncOverview, UserError> {
    overview(&app)
}

/// 「立即同步」: runs a sync cycle now instead of waiting for the next try.
#[tauri::command]
#[specta::specta]
pub fn sync_now(
    app: tauri::AppHandle,
    sync: State<'_, SyncState>,
) -> Result<SyncOverview, UserError> {
    match &sync.service {
        Some(service) => service.sync_now(),
        None if app.state::<AppState>().config.backend.url.is_none() => {
            return Err(UserError::new(ErrorCode::SyncNotConfigured, "backend.url is not set in the workstation config"))
        }
        None => {
            return Err(UserError::new(ErrorCode::SyncNotStarted, "see the log: sync service not started"))
        }
    }
    overview(&app)
}

/// A poisoned lock only means another thread panicked mid-update of plain data.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
