//! The sync loop: one cycle pushes every outbox record, uploads every queued file and pulls the
//! documents when due; [`SyncService`] runs cycles on a thread of its own (with its own store
//! connection), backs off after failures and publishes the status.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::audit_head;
use super::client::{ChunkError, SyncClient};
use super::outbox::{self, state_key, OutboxRecord};
use super::{pull, Backoff, SyncConfig, SyncError, SyncPhase, SyncStatus, UploadProgress};
use crate::devices::runtime::{Signal, Waited, Worker};
use crate::infra::blobs::BlobStore;
use crate::infra::keystore::StoreKey;
use crate::infra::store::Store;

/// Unix ms; injected so tests control time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What one cycle did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub pushed: usize,
    pub parked: usize,
    pub batches: usize,
    pub blobs_uploaded: usize,
    pub blob_bytes_sent: u64,
    pub pulled: bool,
    /// Local cases whose back-office progress changed.
    pub progress: usize,
}

pub struct SyncEngine {
    store: Store,
    blobs: Option<BlobStore>,
    client: SyncClient,
    cfg: SyncConfig,
    clock: Clock,
    publisher: Option<watch::Sender<SyncStatus>>,
    next_pull: Option<Instant>,
    phase: SyncPhase,
    next_retry_at: Option<i64>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("store", &self.store)
            .field("base_url", &self.cfg.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// An engine over its own store connection. `blobs` is needed to upload material files.
    pub fn new(store: Store, blobs: Option<BlobStore>, cfg: SyncConfig) -> Result<Self, SyncError> {
        Ok(Self {
            client: SyncClient::new(&cfg)?,
            store,
            blobs,
            cfg,
            clock: Arc::new(crate::domain::audit::now_ms),
            publisher: None,
            next_pull: None,
            phase: SyncPhase::Idle,
            next_retry_at: None,
        })
    }

    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Skip the document pull (tests and the fault suite that run without a catalog).
    pub fn without_pull(mut self) -> Self {
        self.next_pull = Some(Instant::now() + Duration::from_secs(10 * 365 * 86_400));
        self
    }

    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The status now, from the store.
    pub fn status(&mut self, upload: Option<UploadProgress>) -> Result<SyncStatus, SyncError> {
        Ok(outbox::read_status(
            self.store.conn(),
            self.phase,
            self.next_retry_at,
            upload,
        )?)
    }

    fn publish(&mut self, upload: Option<UploadProgress>) {
        if self.publisher.is_none() {
            return;
        }
        match self.status(upload) {
            Ok(s) => {
                if let Some(p) = &self.publisher {
                    p.send_replace(s);
                }
            }
            Err(e) => tracing::warn!(error = %e, "sync status unreadable"),
        }
    }

    /// One cycle: push everything, upload every file, pull when due.
    pub fn run_once(&mut self) -> Result<CycleReport, SyncError> {
        let now = self.now();
        outbox::set_state(self.store.conn(), state_key::LAST_ATTEMPT, &now.to_string())?;
        let mut report = CycleReport::default();
        self.push_all(&mut report)?;
        self.upload_all(&mut report)?;
        // The back office's progress of this workstation's cases: every cycle (one small GET
        // when nothing moved), so a light turns soon after the approval system reports. A feed
        // that cannot be read fails nothing: the push decides whether the cycle succeeded, and
        // the next cycle reads the feed from where it stopped.
        match super::progress::pull_case_events(&self.client, &mut self.store) {
            Ok(n) => report.progress = n,
            Err(e) => tracing::debug!(error = %e, "case progress feed not read this cycle"),
        }
        if self.next_pull.is_none_or(|t| Instant::now() >= t) {
            let now = self.now();
            pull::pull_all(&self.client, &mut self.store, now)?;
            self.next_pull = Some(Instant::now() + self.cfg.pull_interval);
            report.pulled = true;
        }
        let now = self.now();
        let conn = self.store.conn();
        outbox::set_state(conn, state_key::LAST_SUCCESS, &now.to_string())?;
        outbox::clear_state(conn, state_key::LAST_ERROR)?;
        Ok(report)
    }

    /// Records a failed cycle for the status (last error in Chinese, kept across restarts).
    pub fn record_error(&mut self, e: &SyncError) {
        let info = e.info(self.now());
        let text = serde_json::to_string(&info).unwrap_or_default();
        if let Err(err) = outbox::set_state(self.store.conn(), state_key::LAST_ERROR, &text) {
            tracing::warn!(error = %err, "could not record the sync error");
        }
    }

    fn push_all(&mut self, report: &mut CycleReport) -> Result<(), SyncError> {
        loop {
            let batch = outbox::next_batch(self.store.conn(), self.cfg.batch_size)?;
            if batch.is_empty() {
                return Ok(());
            }
            let mut good = Vec::with_capacity(batch.len());
            for rec in batch {
                if serde_json::from_str::<serde_json::Value>(&rec.payload).is_ok() {
                    good.push(rec);
                } else {
                    let now = self.now();
                    outbox::park(
                        &mut self.store,
                        &rec,
                        "local_invalid_json",
                        crate::messages::PARKED_LOCAL_INVALID,
                        now,
                    )?;
                    report.parked += 1;
                }
            }
            if good.is_empty() {
                continue;
            }
            self.publish(None);
            report.batches += 1;
            let head = audit_head::of_batch(self.store.conn(), &good)?;
            match self.client.push(&good, head.as_ref()) {
                Ok(acks) => {
                    let now = self.now();
                    let applied = outbox::apply_acks(&mut self.store, &good, &acks, now)?;
                    report.pushed += applied.accepted;
                    report.parked += applied.rejected;
                    if applied.accepted + applied.rejected == 0 {
                        let e = SyncError::Protocol {
                            detail: format!(
                                "{} acks for {} records, none matching",
                                acks.len(),
                                good.len()
                            ),
                        };
                        outbox::note_failure(&mut self.store, &good, &e.to_string())?;
                        return Err(e);
                    }
                }
                Err(SyncError::Refused { .. }) if good.len() > 1 => {
                    // The batch as a whole was refused: find the culprit(s) one by one.
                    for rec in good {
                        self.push_single(rec, report)?;
                    }
                }
                Err(SyncError::Refused {
                    status,
                    code,
                    message,
                    ..
                }) => {
                    let rec = &good[0];
                    let now = self.now();
                    let reason = park_reason(status, message);
                    outbox::park(&mut self.store, rec, &code, &reason, now)?;
                    report.parked += 1;
                }
                Err(e) => {
                    outbox::note_failure(&mut self.store, &good, &e.to_string())?;
                    return Err(e);
                }
            }
        }
    }

    fn push_single(
        &mut self,
        rec: OutboxRecord,
        report: &mut CycleReport,
    ) -> Result<(), SyncError> {
        let one = [rec];
        let head = audit_head::of_batch(self.store.conn(), &one)?;
        match self.client.push(&one, head.as_ref()) {
            Ok(acks) => {
                let now = self.now();
                let applied = outbox::apply_acks(&mut self.store, &one, &acks, now)?;
                report.pushed += applied.accepted;
                report.parked += applied.rejected;
                Ok(())
            }
            Err(SyncError::Refused {
                status,
                code,
                message,
                ..
            }) => {
                let reason = park_reason(status, message);
                let now = self.now();
                outbox::park(&mut self.store, &one[0], &code, &reason, now)?;
                report.parked += 1;
                Ok(())
            }
            Err(e) => {
                outbox::note_failure(&mut self.store, &one, &e.to_string())?;
                Err(e)
            }
        }
    }

    fn upload_all(&mut self, report: &mut CycleReport) -> Result<(), SyncError> {
        if self.blobs.is_none() {
            return Ok(());
        }
        loop {
            let pending = outbox::pending_blobs(self.store.conn(), 16)?;
            if pending.is_empty() {
                return Ok(());
            }
            for (sha, size) in pending {
                if let Err(e) = self.upload_one(&sha, size, report) {
                    let _ = outbox::note_blob_failure(&mut self.store, &sha, &e.to_string());
                    return Err(e);
                }
            }
        }
    }

    /// Uploads one blob from wherever the server stopped.
    fn upload_one(
        &mut self,
        sha: &str,
        size: u64,
        report: &mut CycleReport,
    ) -> Result<(), SyncError> {
        let Some(blobs) = self.blobs.take() else {
            return Ok(());
        };
        let result = self.upload_with(&blobs, sha, size, report);
        self.blobs = Some(blobs);
        result
    }

    fn upload_with(
        &mut self,
        blobs: &BlobStore,
        sha: &str,
        size: u64,
        report: &mut CycleReport,
    ) -> Result<(), SyncError> {
        let mut reader = match blobs.reader(sha) {
            Ok(r) if r.size() == size => r,
            Ok(r) => {
                let reason = crate::messages::parked_blob_size(size, r.size());
                outbox::park_blob(&mut self.store, sha, &reason)?;
                return Ok(());
            }
            Err(e) => {
                outbox::park_blob(&mut self.store, sha, &e.message())?;
                return Ok(());
            }
        };
        let mut status = self.client.blob_status(sha)?;
        let mut mismatches = 0;
        let mut last_publish = Instant::now();
        loop {
            if status.complete {
                let now = self.now();
                outbox::blob_uploaded(&mut self.store, sha, now)?;
                report.blobs_uploaded += 1;
                self.publish(None);
                return Ok(());
            }
            // More than the blob (cannot happen with a sane server): start over, which truncates.
            let offset = if status.received > size {
                0
            } else {
                status.received
            };
            let chunk = match reader.read_at(offset, self.cfg.chunk_size) {
                Ok(c) => c,
                Err(e) => {
                    outbox::park_blob(&mut self.store, sha, &e.message())?;
                    return Ok(());
                }
            };
            let len = chunk.len() as u64;
            match self.client.put_chunk(sha, offset, size, chunk) {
                Ok(st) => {
                    if st.sha256 != sha || (!st.complete && st.received != offset + len) {
                        return Err(SyncError::Protocol {
                            detail: format!(
                                "chunk {offset}+{len} of {sha}: server reports {} received",
                                st.received
                            ),
                        });
                    }
                    report.blob_bytes_sent += len;
                    status = st;
                }
                Err(ChunkError::Offset) => status = self.client.blob_status(sha)?,
                Err(ChunkError::HashMismatch(detail)) => {
                    mismatches += 1;
                    if mismatches >= 2 {
                        outbox::park_blob(&mut self.store, sha, crate::messages::PARKED_BLOB_HASH)?;
                        tracing::warn!(sha, detail, "blob parked after repeated hash mismatch");
                        return Ok(());
                    }
                    status = self.client.blob_status(sha)?;
                }
                Err(ChunkError::Other(SyncError::Refused { message, .. })) => {
                    outbox::park_blob(
                        &mut self.store,
                        sha,
                        &crate::messages::refused_by_server(&message),
                    )?;
                    return Ok(());
                }
                Err(ChunkError::Other(e)) => return Err(e),
            }
            if last_publish.elapsed() >= Duration::from_millis(200) {
                last_publish = Instant::now();
                self.publish(Some(UploadProgress {
                    sha256: sha.to_owned(),
                    sent: status.received,
                    total: size,
                }));
            }
        }
    }
}

/// The running sync loop. Dropping it stops the loop (after the current step).
pub struct SyncService {
    status: watch::Receiver<SyncStatus>,
    /// The loop; woken by 「立即同步」.
    worker: Option<Worker>,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService").finish_non_exhaustive()
    }
}

impl SyncService {
    /// Opens a second connection to the encrypted store at `db_path` and the blob directory,
    /// and starts the loop. This is what the app calls once at start-up.
    pub fn start_at(
        db_path: &Path,
        key: &StoreKey,
        blob_dir: &Path,
        cfg: SyncConfig,
    ) -> Result<Self, SyncError> {
        let store = Store::open_encrypted(db_path, key)?;
        let blobs = BlobStore::open(blob_dir, key)?;
        Ok(Self::start(SyncEngine::new(store, Some(blobs), cfg)?, 0))
    }

    /// Starts the loop around `engine`; `seed` feeds the back-off jitter (0 = from the clock).
    pub fn start(mut engine: SyncEngine, seed: u64) -> Self {
        let initial = engine.status(None).unwrap_or(SyncStatus {
            phase: SyncPhase::Idle,
            pending_records: 0,
            pending_blobs: 0,
            pending_blob_bytes: 0,
            parked_records: 0,
            parked_blobs: 0,
            oldest_pending_at: None,
            last_success_at: None,
            last_attempt_at: None,
            last_error: None,
            next_retry_at: None,
            upload: None,
            all_synced: false,
        });
        let (status_tx, status_rx) = watch::channel(initial);
        engine.publisher = Some(status_tx);
        let rng = if seed == 0 {
            fastrand::Rng::new()
        } else {
            fastrand::Rng::with_seed(seed)
        };
        let worker = Worker::spawn("yichuang-sync", move |signal| run_loop(engine, signal, rng));
        if let Err(e) = &worker {
            tracing::error!(error = %e, "cannot start the sync loop");
        }
        Self {
            status: status_rx,
            worker: worker.ok(),
        }
    }

    /// 「立即同步」: run a cycle now, without waiting for the back-off.
    pub fn sync_now(&self) {
        if let Some(worker) = &self.worker {
            worker.wake();
        }
    }

    /// The latest published status.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// Status changes, for the status bar and the sync page.
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Stops the loop and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(mut worker) = self.worker.take() {
            worker.stop();
        }
    }
}

impl Drop for SyncService {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run_loop(mut engine: SyncEngine, signal: &Signal, rng: fastrand::Rng) {
    let mut backoff = Backoff::new(engine.cfg.backoff_base, engine.cfg.backoff_max, rng);
    loop {
        engine.phase = SyncPhase::Syncing;
        engine.next_retry_at = None;
        engine.publish(None);
        let wait = match engine.run_once() {
            Ok(report) => {
                if report.pushed + report.blobs_uploaded > 0 {
                    tracing::info!(?report, "sync cycle");
                }
                backoff.reset();
                engine.phase = SyncPhase::Idle;
                engine.cfg.idle_poll
            }
            Err(e) => {
                engine.record_error(&e);
                let wait = match &e {
                    SyncError::Throttled { retry_after, .. } => {
                        backoff.after_throttle(*retry_after)
                    }
                    _ => backoff.next_delay(),
                };
                tracing::warn!(error = %e, ?wait, failures = backoff.failures(), "sync failed; retrying later");
                engine.phase = SyncPhase::WaitingRetry;
                engine.next_retry_at = Some(engine.now() + wait.as_millis() as i64);
                wait
            }
        };
        engine.publish(None);
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match signal.wait_or_wake(left.min(engine.cfg.idle_poll)) {
                Waited::Woken => {
                    backoff.reset();
                    // A sync asked for (「立即同步」, the server back) refreshes the pulled
                    // documents too: the clerk list offline login checks (issue 15).
                    engine.next_pull = None;
                    break;
                }
                Waited::Stopped => return,
                Waited::Elapsed => {
                    engine.publish(None);
                    if Instant::now() >= deadline {
                        break;
                    }
                }
            }
        }
    }
}

/// Why a record the server (or a proxy on the way) refused is parked, in Chinese.
fn park_reason(status: u16, message: String) -> String {
    if status == 413 {
        crate::messages::PARKED_TOO_LARGE.to_owned()
    } else if message.is_empty() {
        crate::messages::PARKED_REFUSED.to_owned()
    } else {
        message
    }
}
