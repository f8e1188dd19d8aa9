//! Thin command wrappers: each calls one `Workstation` method in a few lines.

use serde::Serialize;
use std::sync::OnceLock;
use std::time::Instant;
use tauri::State;
use yichuang_core::devices::a4_printer::A4PrintOutcome;
use yichuang_core::devices::printer::PrintOutcome;
use yichuang_core::devices::ukey::LoginKey;
use yichuang_core::infra::status::ShellStatus;
use yichuang_core::workstation::WorkstationHandle;
use yichuang_core::{ErrorCode, UserError};
use yichuang_drivers::ukey::LibraryStatus;

/// The managed handle as commands take it.
pub type Ws<'a> = State<'a, WorkstationHandle>;

/// When the process started (startup benchmark), and whether to print render lines.
pub(crate) static STARTED: OnceLock<Instant> = OnceLock::new();

/// Facts the UI needs once at start.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    pub product: String,
    pub version: String,
    pub config_path: String,
    pub data_dir: String,
    /// Set when the workstation config could not be loaded or the store could not be
    /// opened: the UI shows it and offers no login.
    pub startup_error: Option<UserError>,
}

#[tauri::command]
#[specta::specta]
pub fn get_app_info(ws: Ws<'_>) -> AppInfo {
    AppInfo {
        product: yichuang_core::shell_text::APP_NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        config_path: ws.config_path.display().to_string(),
        data_dir: ws.data_dir.display().to_string(),
        startup_error: ws.startup_error(),
    }
}

#[tauri::command]
#[specta::specta]
pub fn get_shell_status(ws: Ws<'_>) -> ShellStatus {
    ws.status()
}

/// The UI reports that a view has painted; used for the startup benchmark and the log.
#[tauri::command]
#[specta::specta]
pub fn ui_rendered(window: tauri::Window, view: String) {
    let ms = STARTED.get().map(|t| t.elapsed().as_millis()).unwrap_or(0);
    tracing::info!(window = window.label(), view, ms, "view rendered");
    if std::env::var_os("YICHUANG_STARTUP_PROBE").is_some() {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "yichuang-rendered {} {view} {ms}", window.label());
        let _ = out.flush();
    }
}

/// Places a sample card on the simulated ID-card reader (driver = "simulator"; `make run`).
#[tauri::command]
#[specta::specta]
pub fn simulate_card(ws: Ws<'_>, sample: String) -> Result<(), UserError> {
    ws.devices().id_card()?.simulator_place(&sample)
}

/// Takes the card off the simulated ID-card reader.
#[tauri::command]
#[specta::specta]
pub fn simulate_card_removal(ws: Ws<'_>) -> Result<(), UserError> {
    ws.devices().id_card()?.simulator_remove()
}

/// Prints the standard ticket slip on the receipt printer (device self-test, K2).
#[tauri::command]
#[specta::specta]
pub async fn print_test_slip(ws: Ws<'_>) -> Result<PrintOutcome, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.print_test_slip()).await
}

/// Prints the A4 test page through the OS spooler (device self-test, K2), following the job
/// to completion.
#[tauri::command]
#[specta::specta]
pub async fn print_test_page(ws: Ws<'_>) -> Result<A4PrintOutcome, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.print_test_page()).await
}

/// Sets or clears a fault ("paper-out", "near-end", "cover-open", "offline") on the
/// simulated receipt printer.
#[tauri::command]
#[specta::specta]
pub fn simulate_printer_fault(ws: Ws<'_>, fault: String, on: bool) -> Result<(), UserError> {
    ws.simulate_printer_fault(&fault, on)
}

/// Sends a scan from the simulated serial scanner gun.
#[tauri::command]
#[specta::specta]
pub fn simulate_scan(ws: Ws<'_>, text: String) -> Result<(), UserError> {
    ws.devices().scanner()?.simulator_scan(&text)
}

/// The UKeys plugged in, with PIN state and their certificates (login view, A1–A3).
#[tauri::command]
#[specta::specta]
pub async fn login_keys(ws: Ws<'_>) -> Result<Vec<LoginKey>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.login_keys()).await
}

/// Logs in with a certificate on a UKey and its PIN: online against the server, offline with
/// a stored grant when the server is unreachable. A login while locked replaces the locked
/// session (another clerk at this window).
#[tauri::command]
#[specta::specta]
pub async fn login(
    ws: Ws<'_>,
    key_id: String,
    cert_id: String,
    pin: String,
) -> Result<ShellStatus, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.login(&key_id, &cert_id, &pin)).await
}

/// Unlocks the workstation after the clerk's key was pulled: the same key and its PIN.
#[tauri::command]
#[specta::specta]
pub async fn unlock(ws: Ws<'_>, pin: String) -> Result<ShellStatus, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.unlock(&pin)).await
}

/// Changes the logged-in clerk's UKey PIN (A3): old PIN, new PIN twice.
#[tauri::command]
#[specta::specta]
pub async fn ukey_change_pin(
    ws: Ws<'_>,
    old_pin: String,
    new_pin: String,
    confirm: String,
) -> Result<ShellStatus, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.change_pin(&old_pin, &new_pin, &confirm)).await
}

/// The desk's UKey libraries and why any did not load (device panel, login view; A2).
#[tauri::command]
#[specta::specta]
pub fn ukey_libraries(ws: Ws<'_>) -> Result<Vec<LibraryStatus>, UserError> {
    ws.ukey_libraries()
}

/// Ends the session (the clerk leaves the window).
#[tauri::command]
#[specta::specta]
pub fn logout(ws: Ws<'_>) -> ShellStatus {
    ws.logout()
}

/// Runs `f` off the UI thread (every command that touches a device, the store or the
/// network).
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, UserError> + Send + 'static,
) -> Result<T, UserError> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| UserError::new(ErrorCode::Internal, e.to_string()))?
}
