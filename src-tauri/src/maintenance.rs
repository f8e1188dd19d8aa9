//! Update and diagnostics commands (issue 19, K1/K3): one `Workstation` call each; the rules
//! live in core.

use crate::commands::{blocking, Ws};
use yichuang_core::workstation::diagnostics::DiagnosticsDone;
use yichuang_core::workstation::update::UpdateState;
use yichuang_core::UserError;

/// What the update panel shows (running version, the offer, what is verified).
#[tauri::command]
#[specta::specta]
pub async fn update_state(ws: Ws<'_>) -> Result<UpdateState, UserError> {
    Ok(ws.update_state())
}

/// Asks the hall server for a newer release now.
#[tauri::command]
#[specta::specta]
pub async fn update_check(ws: Ws<'_>) -> Result<UpdateState, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.update_check()).await
}

/// Downloads the offered release and verifies its signature.
#[tauri::command]
#[specta::specta]
pub async fn update_download(ws: Ws<'_>) -> Result<UpdateState, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.update_download()).await
}

/// Starts the verified release's installer.
#[tauri::command]
#[specta::specta]
pub async fn update_install(ws: Ws<'_>) -> Result<UpdateState, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.update_install()).await
}

/// Writes a diagnostics bundle and uploads it to the hall server.
#[tauri::command]
#[specta::specta]
pub async fn diagnostics_bundle(ws: Ws<'_>) -> Result<DiagnosticsDone, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.diagnostics_bundle()).await
}
