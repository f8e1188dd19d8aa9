//! The shell's managed state: what was loaded at start, and the status bar's current value.

use crate::commands::AppInfo;
use crate::ipc::ShellStatusChanged;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;
use tauri_specta::Event;
use yichuang_core::infra::backend::BackendStatus;
use yichuang_core::infra::config::WorkstationConfig;
use yichuang_core::devices::id_card::IdCardService;
use yichuang_core::devices::printer::ReceiptPrinterService;
use yichuang_core::devices::scanner::ScannerService;
use yichuang_core::infra::status::{DeviceStatus, ShellStatus};
use yichuang_core::infra::store::Store;
use yichuang_core::{ErrorCode, UserError};

pub struct AppState {
    started: Instant,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    /// The loaded config; on a startup error, the defaults (the UI then shows the error).
    pub config: WorkstationConfig,
    startup_error: Option<UserError>,
    store: Option<Mutex<Store>>,
    status: Mutex<ShellStatus>,
    id_card: Mutex<Option<IdCardService>>,
    printer: Mutex<Option<std::sync::Arc<ReceiptPrinterService>>>,
    scanner: Mutex<Option<ScannerService>>,
    simctl: Mutex<Option<yichuang_core::devices::simctl::SimctlServer>>,
    ukey: Mutex<Option<std::sync::Arc<yichuang_core::devices::ukey::UkeyService>>>,
    a4: Mutex<Option<std::sync::Arc<yichuang_core::devices::a4_printer::A4PrinterService>>>,
    session: Mutex<Option<yichuang_core::domain::login::Session>>,
    /// When set, `ui_rendered` prints a line on stdout (startup benchmark).
    startup_probe: bool,
}

impl AppState {
    pub fn new(
        started: Instant,
        config_path: PathBuf,
        data_dir: PathBuf,
        config: Result<WorkstationConfig, UserError>,
        store: Result<Store, UserError>,
    ) -> Self {
        let mut startup_error = None;
        let config = config.unwrap_or_else(|e| {
            startup_error = Some(e);
            WorkstationConfig::default()
        });
        let store = match store {
            Ok(s) => Some(Mutex::new(s)),
            Err(e) => {
                startup_error.get_or_insert(e);
                None
            }
        };
        let status = ShellStatus {
            hall_name: config.hall.name.clone(),
            window_number: config.window.number,
            window_name: config.window.name.clone(),
            clerk: None,
            backend: if config.backend.url.is_some() {
                BackendStatus::Checking
            } else {
                BackendStatus::NotConfigured
            },
            devices: DeviceStatus::initial(&config),
            pending_sync: 0,
            locked: false,
        };
        Self {
            started,
            config_path,
            data_dir,
            config,
            startup_error,
            store,
            status: Mutex::new(status),
            id_card: Mutex::new(None),
            printer: Mutex::new(None),
            scanner: Mutex::new(None),
            simctl: Mutex::new(None),
            ukey: Mutex::new(None),
            a4: Mutex::new(None),
            session: Mutex::new(None),
            startup_probe: std::env::var_os("YICHUANG_STARTUP_PROBE").is_some(),
        }
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            product: "一窗受理工作站".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            config_path: self.config_path.display().to_string(),
            data_dir: self.data_dir.display().to_string(),
            startup_error: self.startup_error.clone(),
        }
    }

    pub fn status(&self) -> ShellStatus {
        lock(&self.status).clone()
    }

    /// Applies `change` and, if the status differs afterwards, tells every window.
    pub fn update_status(&self, app: &tauri::AppHandle, change: impl FnOnce(&mut ShellStatus)) {
        let changed = {
            let mut status = lock(&self.status);
            let before = status.clone();
            change(&mut status);
            (*status != before).then(|| status.clone())
        };
        if let Some(status) = changed {
            if let Err(e) = ShellStatusChanged(status).emit(app) {
                tracing::warn!(error = %e, "could not emit status change");
            }
        }
    }

    pub fn pending_sync_count(&self) -> Option<u32> {
        let store = lock(self.store.as_ref()?);
        match store.pending_sync_count() {
            Ok(n) => Some(n.min(u32::MAX as u64) as u32),
            Err(e) => {
                tracing::error!(error = %e, "cannot count pending sync records");
                None
            }
        }
    }

    /// Writes one audit entry (with its outbox row) in its own transaction, then refreshes the
    /// status bar's pending count. The actor is the clerk logged in, if any.
    pub fn audit(
        &self,
        app: &tauri::AppHandle,
        action: &str,
        subject: Option<String>,
        detail: serde_json::Value,
    ) -> Result<(), UserError> {
        use yichuang_core::domain::audit::{self, AuditEntry};
        let store = self.store.as_ref().ok_or_else(|| UserError::new(ErrorCode::StoreUnavailable, "the store failed to open at start"))?;
        let actor = lock(&self.status).clerk.as_ref().map(|c| c.id.clone());
        let entry = AuditEntry {
            actor,
            action: action.into(),
            subject,
            detail,
        };
        lock(store)
            .transact(|tx| audit::record(tx, audit::now_ms(), entry))
            .map_err(|e| UserError::new(ErrorCode::StoreAudit, e.to_string()))?;
        if let Some(n) = self.pending_sync_count() {
            self.update_status(app, |s| s.pending_sync = n);
        }
        Ok(())
    }

    pub fn set_id_card(&self, service: Option<IdCardService>) {
        *lock(&self.id_card) = service;
    }

    pub fn with_id_card<T>(
        &self,
        f: impl FnOnce(&IdCardService) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        match lock(&self.id_card).as_ref() {
            Some(svc) => f(svc),
            None => Err(UserError::new(ErrorCode::IdCardNotInstalled, "devices.id_card.driver = \"none\" or the service failed to start")),
        }
    }

    pub fn set_a4_printer(&self, service: Option<yichuang_core::devices::a4_printer::A4PrinterService>) {
        *lock(&self.a4) = service.map(std::sync::Arc::new);
    }

    pub fn a4_printer(
        &self,
    ) -> Result<std::sync::Arc<yichuang_core::devices::a4_printer::A4PrinterService>, UserError> {
        lock(&self.a4).clone().ok_or_else(|| UserError::new(ErrorCode::A4PrinterNotInstalled, "devices.a4_printer.driver = \"none\" or the service failed to start"))
    }

    /// Re-reads the A4 printer's condition (queue state over IPP) into the status bar.
    pub fn refresh_a4_state(&self, app: &tauri::AppHandle) {
        let Ok(printer) = self.a4_printer() else {
            return;
        };
        let app = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let state = printer.state();
            set_device_state(&app, yichuang_core::devices::a4_printer::SLOT, state);
        });
    }

    pub fn set_ukey(&self, service: Option<yichuang_core::devices::ukey::UkeyService>) {
        *lock(&self.ukey) = service.map(std::sync::Arc::new);
    }

    pub fn ukey(&self) -> Result<std::sync::Arc<yichuang_core::devices::ukey::UkeyService>, UserError> {
        lock(&self.ukey).clone().ok_or_else(|| UserError::new(ErrorCode::UkeyNotInstalled, "devices.ukey.driver = \"none\""))
    }

    pub fn session(&self) -> Option<yichuang_core::domain::login::Session> {
        lock(&self.session).clone()
    }

    pub fn set_session(&self, session: Option<yichuang_core::domain::login::Session>) {
        *lock(&self.session) = session;
    }

    /// Runs `f` on the store (one action, one transaction inside `f`).
    pub fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        let store = self.store.as_ref().ok_or_else(|| UserError::new(ErrorCode::StoreUnavailable, "the store failed to open at start"))?;
        f(&mut lock(store))
    }

    /// Re-reads the outbox count into the status bar.
    pub fn refresh_pending(&self, app: &tauri::AppHandle) {
        if let Some(n) = self.pending_sync_count() {
            self.update_status(app, |s| s.pending_sync = n);
        }
    }

    pub fn set_simctl(&self, server: yichuang_core::devices::simctl::SimctlServer) {
        *lock(&self.simctl) = Some(server);
    }

    pub fn set_scanner(&self, service: Option<ScannerService>) {
        *lock(&self.scanner) = service;
    }

    pub fn with_scanner<T>(
        &self,
        f: impl FnOnce(&ScannerService) -> Result<T, UserError>,
    ) -> Result<T, UserError> {
        match lock(&self.scanner).as_ref() {
            Some(svc) => f(svc),
            None => Err(UserError::new(ErrorCode::ScannerNotSerial, "devices.scanner.driver is not \"serial\" or \"simulator\"")),
        }
    }

    pub fn set_printer(&self, service: Option<std::sync::Arc<ReceiptPrinterService>>) {
        *lock(&self.printer) = service;
    }

    pub fn printer(&self) -> Result<std::sync::Arc<ReceiptPrinterService>, UserError> {
        lock(&self.printer).clone().ok_or_else(|| UserError::new(ErrorCode::ReceiptPrinterNotInstalled, "devices.receipt_printer.driver = \"none\" or the service failed to start"))
    }

    /// Re-reads the printer's condition right after a job or a simulated fault, so the
    /// status bar does not wait for the next poll.
    pub fn refresh_printer_state(&self, app: &tauri::AppHandle) {
        let Ok(printer) = self.printer() else { return };
        let app = app.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let state = printer.state();
            set_device_state(&app, yichuang_core::devices::printer::SLOT, state);
        });
    }

    pub fn record_rendered(&self, window: &str, view: &str) {
        let ms = self.started.elapsed().as_millis();
        tracing::info!(window, view, ms, "view rendered");
        if self.startup_probe {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "yichuang-rendered {window} {view} {ms}");
            let _ = out.flush();
        }
    }
}

/// Puts one device's state into the status bar.
pub fn set_device_state(
    app: &tauri::AppHandle,
    slot: &str,
    state: yichuang_core::infra::status::DeviceState,
) {
    use tauri::Manager;
    app.state::<AppState>().update_status(app, |s| {
        if let Some(d) = s.devices.iter_mut().find(|d| d.slot == slot) {
            d.state = state;
        }
    })
}

/// A poisoned lock only means another thread panicked mid-update of plain data; the data is
/// still usable, and the workstation must keep running.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
