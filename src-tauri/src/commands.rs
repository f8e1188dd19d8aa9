//! Thin command wrappers: each reads app state or calls `yichuang-core` in a few lines.

use crate::state::AppState;
use serde::Serialize;
use tauri::State;
use yichuang_core::devices::printer::PrintOutcome;
use yichuang_core::infra::status::ShellStatus;
use yichuang_core::{ErrorCode, UserError};

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
pub fn get_app_info(state: State<'_, AppState>) -> AppInfo {
    state.app_info()
}

#[tauri::command]
#[specta::specta]
pub fn get_shell_status(state: State<'_, AppState>) -> ShellStatus {
    state.status()
}

/// The UI reports that a view has painted; used for the startup benchmark and the log.
#[tauri::command]
#[specta::specta]
pub fn ui_rendered(window: tauri::Window, state: State<'_, AppState>, view: String) {
    state.record_rendered(window.label(), &view);
}

/// Places a sample card on the simulated ID-card reader (driver = "simulator"; `make run`).
#[tauri::command]
#[specta::specta]
pub fn simulate_card(state: State<'_, AppState>, sample: String) -> Result<(), UserError> {
    state.with_id_card(|svc| svc.simulator_place(&sample))
}

/// Takes the card off the simulated ID-card reader.
#[tauri::command]
#[specta::specta]
pub fn simulate_card_removal(state: State<'_, AppState>) -> Result<(), UserError> {
    state.with_id_card(|svc| svc.simulator_remove())
}

/// Prints the standard ticket slip on the receipt printer (device self-test, K2).
#[tauri::command]
#[specta::specta]
pub async fn print_test_slip(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<PrintOutcome, UserError> {
    let printer = state.printer()?;
    let hall = state.config.hall.name.clone();
    let result = tauri::async_runtime::spawn_blocking(move || {
        printer.print_test_slip(&hall, yichuang_core::infra::clock::slip_time_in_china())
    })
    .await
    .map_err(|e| UserError::new(ErrorCode::Internal, e.to_string()))?;
    state.refresh_printer_state(&app);
    result
}

/// Prints the A4 test page through the OS spooler (device self-test, K2), following the job
/// to completion.
#[tauri::command]
#[specta::specta]
pub async fn print_test_page(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<yichuang_core::devices::a4_printer::A4PrintOutcome, UserError> {
    let printer = state.a4_printer()?;
    let hall = state.config.hall.name.clone();
    let window = format!(
        "{}号窗口 {}",
        state.config.window.number,
        state.config.window.name.clone().unwrap_or_default()
    );
    let result = blocking(move || {
        printer.print_test_page(&hall, &window, yichuang_core::infra::clock::slip_time_in_china())
    })
    .await;
    if let Ok(outcome) = &result {
        let detail = serde_json::json!({ "document": "A4打印机测试页", "job": outcome.job_id });
        if let Err(e) = state.audit(&app, "print.test_page", None, detail) {
            tracing::error!(error = %e.detail, "print not audited");
        }
    }
    state.refresh_a4_state(&app);
    result
}

/// Sets or clears a fault ("paper-out", "near-end", "cover-open", "offline") on the
/// simulated receipt printer.
#[tauri::command]
#[specta::specta]
pub fn simulate_printer_fault(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    fault: String,
    on: bool,
) -> Result<(), UserError> {
    state.printer()?.simulator_fault(&fault, on)?;
    state.refresh_printer_state(&app);
    Ok(())
}

/// Sends a scan from the simulated serial scanner gun.
#[tauri::command]
#[specta::specta]
pub fn simulate_scan(state: State<'_, AppState>, text: String) -> Result<(), UserError> {
    state.with_scanner(|svc| svc.simulator_scan(&text))
}

/// The UKeys plugged in, with PIN state and their certificates (login view, A1–A3).
#[tauri::command]
#[specta::specta]
pub async fn login_keys(
    state: State<'_, AppState>,
) -> Result<Vec<yichuang_core::devices::ukey::LoginKey>, UserError> {
    let ukey = state.ukey()?;
    blocking(move || ukey.login_keys(yichuang_core::domain::audit::now_ms() / 1000)).await
}

/// Logs in with a certificate on a UKey and its PIN: online against the server, offline with
/// a stored grant when the server is unreachable. A login while locked replaces the locked
/// session (another clerk at this window).
#[tauri::command]
#[specta::specta]
pub async fn login(
    app: tauri::AppHandle,
    key_id: String,
    cert_id: String,
    pin: String,
) -> Result<ShellStatus, UserError> {
    blocking(move || crate::session::login(&app, &key_id, &cert_id, &pin)).await
}

/// Unlocks the workstation after the clerk's key was pulled: the same key and its PIN.
#[tauri::command]
#[specta::specta]
pub async fn unlock(app: tauri::AppHandle, pin: String) -> Result<ShellStatus, UserError> {
    blocking(move || crate::session::unlock(&app, &pin)).await
}

/// Ends the session (the clerk leaves the window).
#[tauri::command]
#[specta::specta]
pub fn logout(app: tauri::AppHandle) -> ShellStatus {
    crate::session::logout(&app)
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
