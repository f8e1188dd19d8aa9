//! Thin command wrappers: each reads app state or calls `yichuang-core` in a few lines.

use crate::state::AppState;
use serde::Serialize;
use tauri::State;
use yichuang_core::printer::PrintOutcome;
use yichuang_core::status::ShellStatus;
use yichuang_core::UserError;

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
        printer.print_test_slip(&hall, yichuang_core::clock::slip_time_in_china())
    })
    .await
    .map_err(|e| UserError {
        code: "internal".into(),
        message: "打印任务异常中止，请重试。".into(),
        detail: e.to_string(),
    })?;
    state.refresh_printer_state(&app);
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
