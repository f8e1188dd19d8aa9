//! The data key policy and the sync service at the workstation (issue 6). The store is
//! encrypted at rest with a key from the OS keystore (or its documented headless fallback
//! file); the keystore entry is named after the data directory, never after the configured
//! hall and window, so editing the config cannot make existing data unreadable. The sync
//! loop runs against the configured backend under the desk's workstation id.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use crate::infra::backend::BackendStatus;
use crate::infra::blobs::BlobStore;
use crate::infra::keystore::{self, KeystoreConfig, StoreKey};
use crate::infra::store::Store;
use crate::infra::sync::{
    outbox, ParkedBlob, ParkedRecord, SyncConfig, SyncPhase, SyncService, SyncStatus,
};
use crate::{CoreError, ErrorCode, UserError};

use super::{lock, Workstation};

const DB_FILE: &str = "workstation.db";
const BLOB_DIR: &str = "blobs";

/// What the sync page shows: the status and the records and files that need a person.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncOverview {
    pub status: SyncStatus,
    /// Records the server refused, newest first, each with its reason in Chinese.
    pub parked_records: Vec<ParkedRecord>,
    /// Material files that cannot be uploaded as they are.
    pub parked_blobs: Vec<ParkedBlob>,
}

/// The data key and the store it opened; the key is `None` when the keystore failed (the
/// store result then carries that error).
pub struct OpenedStore {
    pub store: Result<Store, UserError>,
    pub key: Option<StoreKey>,
}

/// Opens `<data_dir>/workstation.db` with SQLCipher; a new database gets a new key, a plain
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
            let store = Err(CoreError::from(e).into());
            return OpenedStore { store, key: None };
        }
    };
    let store = Store::open_encrypted(&db, &key).map_err(|e| CoreError::from(e).into());
    OpenedStore {
        store,
        key: Some(key),
    }
}

/// The keystore entry: named after the data directory.
pub(super) fn keystore_account(data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_owned());
    let hash = crate::infra::blobs::sha256_hex(dir.to_string_lossy().as_bytes());
    format!("data-{}", &hash[..16])
}

fn blob_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BLOB_DIR)
}

/// The sync side of the workstation.
#[derive(Default)]
pub struct SyncParts {
    key: Mutex<Option<StoreKey>>,
    pub(super) service: OnceLock<SyncService>,
    /// The encrypted material store; intake writes imported and captured files through it.
    blobs: OnceLock<Arc<BlobStore>>,
    last: Mutex<Option<SyncStatus>>,
    backend_reachable: Mutex<bool>,
}

impl SyncParts {
    pub(super) fn set_key(&self, key: Option<StoreKey>) {
        *lock(&self.key) = key;
    }

    pub(super) fn blobs(&self) -> Option<Arc<BlobStore>> {
        self.blobs.get().cloned()
    }
}

fn read_error(detail: String) -> UserError {
    UserError::new(ErrorCode::SyncStatusUnreadable, detail)
}

impl Workstation {
    /// Opens the material store and starts the sync loop (a backend configured, the store
    /// and the desk in order).
    pub(super) fn start_sync(&self) {
        let Some(key) = lock(&self.sync.key).clone() else {
            return;
        };
        if self.store.is_none() || self.sync.service.get().is_some() {
            return;
        }
        if self.sync.blobs.get().is_none() {
            match BlobStore::open(&blob_dir(&self.data_dir), &key) {
                Ok(b) => {
                    let _ = self.sync.blobs.set(Arc::new(b));
                }
                Err(e) => tracing::error!(error = %e, "material store not opened"),
            }
        }
        let Some(url) = self.config.backend.url.clone() else {
            return;
        };
        if let Err(e) = self.desk_id() {
            return tracing::error!(error = %e.detail, "sync not started");
        }
        // Every request is signed with the enrolled key; not enrolled, nothing is sent.
        let Some(credential) = self.credential() else {
            return tracing::warn!("workstation not enrolled: sync not started");
        };
        let db = self.data_dir.join(DB_FILE);
        let cfg = SyncConfig {
            tls: self.config.backend.tls(),
            ..SyncConfig::new(url, credential)
        };
        match SyncService::start_at(&db, &key, &blob_dir(&self.data_dir), cfg) {
            Ok(service) => {
                let _ = self.sync.service.set(service);
            }
            Err(e) => tracing::error!(error = %e, "sync service not started"),
        }
    }

    /// Notified on every change of the sync loop's status (`None`: no loop runs).
    pub fn sync_changes(&self) -> Option<tokio::sync::watch::Receiver<SyncStatus>> {
        self.sync.service.get().map(|s| s.subscribe())
    }

    /// The server is reachable again: sync at once rather than after the back-off.
    pub(super) fn sync_on_backend(&self, backend: &BackendStatus) {
        let reachable = matches!(backend, BackendStatus::Reachable { .. });
        let was = std::mem::replace(&mut *lock(&self.sync.backend_reachable), reachable);
        if let (true, false, Some(service)) = (reachable, was, self.sync.service.get()) {
            tracing::info!("backend reachable again: syncing now");
            service.sync_now();
        }
        if reachable && !was {
            self.retry_diagnostics();
            self.retry_assist();
        }
    }

    /// The status now: counts from the store, phase, retry and upload from the loop.
    pub fn sync_status(&self) -> Result<SyncStatus, UserError> {
        let (phase, next_retry_at, upload) = match self.sync.service.get() {
            Some(s) => {
                let s = s.status();
                (s.phase, s.next_retry_at, s.upload)
            }
            None if self.config.backend.url.is_some() && self.credential().is_none() => {
                (SyncPhase::NotEnrolled, None, None)
            }
            None => (SyncPhase::NotConfigured, None, None),
        };
        self.with_store(|store| {
            outbox::read_status(store.conn(), phase, next_retry_at, upload)
                .map_err(|e| read_error(e.to_string()))
        })
    }

    /// Re-reads the status; when it changed, the pending count and the sync page learn it.
    pub fn refresh_sync(&self) {
        let status = match self.sync_status() {
            Ok(s) => s,
            Err(e) => return tracing::warn!(error = %e.detail, "sync status unreadable"),
        };
        {
            let mut last = lock(&self.sync.last);
            if last.as_ref() == Some(&status) {
                return;
            }
            *last = Some(status.clone());
        }
        self.refresh_pending();
        self.emit(|e| e.sync(status));
    }

    /// The sync page: pending count, oldest pending, last success and error, refused records.
    pub fn sync_overview(&self) -> Result<SyncOverview, UserError> {
        let status = self.sync_status()?;
        let (parked_records, parked_blobs) = self.with_store(|store| {
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

    /// 「重新提交」: the refused records and files go back to the queue (after IT fixed the
    /// cause), in one transaction with its audit entry; the next cycle sends them.
    pub fn sync_retry_parked(&self) -> Result<SyncOverview, UserError> {
        let actor = self.session().map(|s| s.clerk.id);
        let now = self.now();
        let (records, files) = self.with_store(|store| {
            store
                .transact(|tx| {
                    let (records, files) = outbox::retry_all_parked(tx)?;
                    if records + files > 0 {
                        crate::domain::audit::record(
                            tx,
                            now,
                            crate::domain::audit::AuditEntry {
                                actor,
                                action: "sync.retry_parked".into(),
                                subject: None,
                                detail: serde_json::json!({ "records": records, "files": files }),
                            },
                        )?;
                    }
                    Ok((records, files))
                })
                .map_err(|e| UserError::new(ErrorCode::SyncRetryParked, e.to_string()))
        })?;
        tracing::info!(records, files, "parked sync work queued again");
        self.refresh_pending();
        if let Some(service) = self.sync.service.get() {
            service.sync_now();
        }
        self.sync_overview()
    }

    /// 「立即同步」: runs a sync cycle now instead of waiting for the next try.
    pub fn sync_now(&self) -> Result<SyncOverview, UserError> {
        match self.sync.service.get() {
            Some(service) => service.sync_now(),
            None if self.config.backend.url.is_none() => {
                return Err(UserError::new(
                    ErrorCode::SyncNotConfigured,
                    "backend.url is not set in the workstation config",
                ))
            }
            None if self.credential().is_none() => {
                return Err(UserError::new(
                    ErrorCode::NotEnrolled,
                    "sync needs the workstation enrolled (yichuang-workstation --enroll CODE)",
                ))
            }
            None => {
                return Err(UserError::new(
                    ErrorCode::SyncNotStarted,
                    "see the log: sync service not started (store, data key or hall.code)",
                ))
            }
        }
        self.sync_overview()
    }
}
