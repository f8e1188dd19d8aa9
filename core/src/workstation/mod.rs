//! The workstation: everything one counter does, without the webview. The desktop app is a
//! thin host (the Spacedrive shape): it builds one [`Workstation`] from the config, hands it
//! an [`Events`] sink that turns notifications into window events, and each command calls
//! one method here.
//!
//! It owns the store, the clock and ids (injected, so tests are deterministic), the desk
//! (one derivation of hall, window and workstation id), the catalog source, the A6 read
//! register, the clerk's session, the device services, the notice and reprint sequences,
//! the sync service and the status bar's state, whose pending-sync count has one writer,
//! [`Workstation::refresh_pending`].

pub mod access;
pub mod assist;
pub mod camera;
pub mod catalog;
pub mod desk;
pub mod desk_queue;
pub mod diagnostics;
pub mod enroll;
pub mod flow;
pub mod intake;
pub mod issuing;
pub mod licence_files;
pub mod licences;
pub mod notices;
pub mod reads;
pub mod receipt;
pub mod seal;
pub mod services;
pub mod session;
pub mod sync;
pub mod update;
pub mod visit;

/// The UKey test keys of `scripts/ukey-test.sh`, for the seal and 协查 tests.
// The UKey test keys (SoftHSM, the simulated SKF library) are Linux builds: the tests that
// use them do not run in the Windows (Wine) unit run.
#[cfg(all(test, unix))]
#[path = "../../../drivers/tests/ukey_support/mod.rs"]
mod ukey_support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use yichuang_drivers::idcard::Date;
use yichuang_drivers::scanner::ScanEvent;
use yichuang_drivers::ukey::PresenceEvent;

use crate::devices::camera::{CodeTarget, PageSet};
use crate::devices::id_card::CardEvent;
use crate::domain::login::SessionState;
use crate::infra::backend::BackendStatus;
use crate::infra::config::WorkstationConfig;
use crate::infra::status::{DeviceState, DeviceStatus, ShellStatus};
use crate::infra::store::Store;
use crate::infra::sync::SyncStatus;
use crate::{ErrorCode, UserError};

pub use desk::DeskId;

/// Calendar and wall time; the system clock in the app, a fixed one in tests.
pub trait Clock: Send + Sync {
    /// Unix ms.
    fn now_ms(&self) -> i64;
    /// Today in China Standard Time.
    fn today(&self) -> Date {
        crate::infra::clock::date_from_unix(crate::infra::clock::hall_secs(self.now_ms()))
    }
    /// Date and time as printed on slips and in file names (China Standard Time).
    fn slip_time(&self) -> yichuang_drivers::escpos::SlipTime {
        crate::infra::clock::slip_time_from_unix(crate::infra::clock::hall_secs(self.now_ms()))
    }
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::domain::audit::now_ms()
    }
}

/// Random bytes (local login challenges); seeded or fixed in tests.
pub trait Ids: Send + Sync {
    fn nonce(&self) -> [u8; 32];
}

/// Nonces from v4 UUIDs (the OS random source).
pub struct RandomIds;

impl Ids for RandomIds {
    fn nonce(&self) -> [u8; 32] {
        let mut n = [0u8; 32];
        n[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        n[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        n
    }
}

/// What the workstation tells the windows; the shell turns each into a typed event.
pub trait Events: Send + Sync {
    fn status(&self, status: &ShellStatus);
    fn card(&self, event: CardEvent);
    fn scanned(&self, scan: ScanEvent);
    fn ukey(&self, presence: PresenceEvent);
    fn camera_code(&self, target: CodeTarget);
    fn camera_failed(&self, error: UserError);
    fn sync(&self, status: SyncStatus);
    /// The citizen window's view changed (a call, the rating question, thanks, a pause).
    fn citizen(&self, view: &visit::CitizenView);
    /// The hall's queue pushed an event: the desk reloads its state.
    fn desk_changed(&self) {}
}

/// How the host starts a workstation.
pub struct Setup {
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    /// The loaded config; on a startup error, the defaults (the UI then shows the error).
    pub config: Result<WorkstationConfig, UserError>,
    /// A catalog directory replacing the bundled one (`YICHUANG_CATALOG_DIR`).
    pub catalog_dir: Option<PathBuf>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
}

/// The one handle the host keeps.
pub type WorkstationHandle = Arc<Workstation>;

pub struct Workstation {
    pub config: WorkstationConfig,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    startup_error: Option<UserError>,
    store: Option<Mutex<Store>>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
    desk: Result<DeskId, UserError>,
    catalog: catalog::CatalogSource,
    reads: reads::ReadRegister,
    session: Mutex<SessionState>,
    status: Mutex<ShellStatus>,
    events: OnceLock<Arc<dyn Events>>,
    devices: services::Services,
    /// Pages captured for the material being photographed.
    pages: Mutex<PageSet>,
    sync: sync::SyncParts,
    enrollment: Mutex<enroll::EnrollState>,
    /// The session the server ended, kept only so its open case can be parked (issue 15).
    ended: Mutex<Option<crate::domain::login::Session>>,
    visit: visit::VisitParts,
    queue: desk_queue::QueueParts,
    update: update::UpdateParts,
}

impl Workstation {
    /// Opens the store (data key from the OS keystore, `sync::open_store`) and builds the
    /// workstation; devices and sync start with [`Workstation::start`].
    pub fn open(setup: Setup) -> WorkstationHandle {
        let opened = sync::open_store(&setup.data_dir);
        let ws = Self::new(setup, opened.store);
        ws.sync.set_key(opened.key);
        Arc::new(ws)
    }

    /// A workstation over an opened store (tests, and [`Workstation::open`]).
    pub fn new(setup: Setup, store: Result<Store, UserError>) -> Self {
        let mut startup_error = None;
        let config = setup.config.unwrap_or_else(|e| {
            tracing::error!(error = %e, "workstation config rejected");
            startup_error = Some(e);
            WorkstationConfig::default()
        });
        let store = match store {
            Ok(s) => Some(Mutex::new(s)),
            Err(e) => {
                tracing::error!(error = %e, "store could not be opened");
                startup_error.get_or_insert(e);
                None
            }
        };
        let status = ShellStatus {
            hall_name: config.hall.name.clone(),
            window_number: config.window.number,
            window_name: config.window.name.clone(),
            utc_offset_minutes: crate::infra::clock::HALL_UTC_OFFSET_MINUTES,
            clerk: None,
            backend: if config.backend.url.is_some() {
                BackendStatus::Checking
            } else {
                BackendStatus::NotConfigured
            },
            devices: DeviceStatus::initial(&config),
            pending_sync: 0,
            locked: false,
            session_ended: None,
            update_available: None,
        };
        let desk = desk::derive(&config, &setup.config_path);
        let enrollment = enroll::load(&setup.data_dir, desk.as_ref().map_err(Clone::clone));
        Self {
            desk,
            enrollment: Mutex::new(enrollment),
            ended: Mutex::new(None),
            config,
            config_path: setup.config_path,
            data_dir: setup.data_dir,
            startup_error,
            store,
            clock: setup.clock,
            ids: setup.ids,
            catalog: catalog::CatalogSource::new(setup.catalog_dir),
            reads: reads::ReadRegister::default(),
            session: Mutex::new(SessionState::default()),
            status: Mutex::new(status),
            events: OnceLock::new(),
            devices: services::Services::default(),
            pages: Mutex::new(PageSet::default()),
            sync: sync::SyncParts::default(),
            visit: visit::VisitParts::default(),
            queue: desk_queue::QueueParts::default(),
            update: update::UpdateParts::default(),
        }
    }

    /// Connects the windows, then starts the sync service and the devices.
    pub fn start(self: &Arc<Self>, events: Arc<dyn Events>) {
        if self.events.set(events).is_err() {
            tracing::warn!("workstation started twice");
            return;
        }
        self.start_sync();
        self.start_devices();
        self.start_session_watch();
        self.start_visit_clock();
        self.start_desk_watch();
        self.start_update_watch();
    }

    pub fn startup_error(&self) -> Option<UserError> {
        self.startup_error.clone()
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The desk as configured (hall, window, workstation id).
    pub fn desk_id(&self) -> Result<&DeskId, UserError> {
        self.desk.as_ref().map_err(Clone::clone)
    }

    pub fn status(&self) -> ShellStatus {
        lock(&self.status).clone()
    }

    fn emit(&self, f: impl FnOnce(&dyn Events)) {
        if let Some(events) = self.events.get() {
            f(&**events);
        }
    }

    /// Applies `change` and, if the status differs afterwards, tells every window.
    pub fn update_status(&self, change: impl FnOnce(&mut ShellStatus)) {
        let changed = {
            let mut status = lock(&self.status);
            let before = status.clone();
            change(&mut status);
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = changed {
            self.emit(|e| e.status(&status));
        }
    }

    /// Puts one device's state into the status bar.
    pub fn set_device_state(&self, slot: &str, state: DeviceState) {
        self.update_status(|s| {
            if let Some(d) = s.devices.iter_mut().find(|d| d.slot == slot) {
                d.state = state;
            }
        })
    }

    /// The backend monitor's latest word: status bar, and an immediate sync when the server
    /// is back.
    pub fn set_backend(&self, backend: BackendStatus) {
        self.sync_on_backend(&backend);
        self.update_status(|s| s.backend = backend);
    }

    /// The only writer of the status bar's pending-sync count: re-read from the outbox.
    pub fn refresh_pending(&self) {
        let Ok(n) = self.with_store(|s| {
            s.pending_sync_count()
                .map_err(|e| crate::CoreError::from(e).into())
        }) else {
            return;
        };
        let n = n.min(u32::MAX as u64) as u32;
        self.update_status(|s| s.pending_sync = n);
    }

    /// Runs `f` on the store (one action, one transaction inside `f`).
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        f(&mut lock(self.store()?))
    }

    fn store(&self) -> Result<&Mutex<Store>, UserError> {
        self.store.as_ref().ok_or_else(|| {
            UserError::new(
                ErrorCode::StoreUnavailable,
                "the store failed to open at start",
            )
        })
    }

    /// The clerk logged in, for the audit trail's actor.
    fn actor(&self) -> Option<String> {
        lock(&self.session).session().map(|s| s.clerk.id.clone())
    }

    /// Writes one audit entry in its own transaction, then refreshes the pending count.
    pub fn audit(
        &self,
        action: &str,
        subject: Option<String>,
        detail: serde_json::Value,
    ) -> Result<(), UserError> {
        let (actor, now) = (self.actor(), self.now());
        self.with_store(|s| reads::audit_read(s, now, actor, action, subject, detail))?;
        self.refresh_pending();
        Ok(())
    }
}

/// A poisoned lock only means another thread panicked mid-update of plain data; the data is
/// still usable, and the workstation must keep running.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A clock stopped at one instant.
    pub struct FixedClock(pub i64);

    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            self.0
        }
    }

    /// 2026-12-06 16:30 UTC is already 00:30 on the 7th in the hall: today's figures, slips
    /// and case dates follow the hall's day, not UTC's (the figures read 0 after midnight).
    #[test]
    fn i3_the_hall_day_starts_at_midnight_china_time_not_utc() {
        let at = 1_796_574_600_000; // 2026-12-06T16:30:00Z
        let clock = FixedClock(at);
        assert_eq!(
            clock.today(),
            Date {
                year: 2026,
                month: 12,
                day: 7
            }
        );
        let t = clock.slip_time();
        assert_eq!((t.day, t.hour, t.minute), (7, 0, 30));
        let before = FixedClock(at - 60 * 60_000); // 15:30Z, 23:30 in the hall
        assert_eq!(
            before.today(),
            Date {
                year: 2026,
                month: 12,
                day: 6
            }
        );
    }
}
