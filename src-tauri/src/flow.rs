//! Material-flow commands (F3, issue 18): one `Workstation` call each; the rules live in core.

use crate::commands::{blocking, Ws};
use yichuang_core::domain::flow::{FlowCandidate, FlowSummary};
use yichuang_core::workstation::flow::{FlowDone, FlowFound, FlowSigned};
use yichuang_core::UserError;

/// The decided cases of this window whose paper has not left yet.
#[tauri::command]
#[specta::specta]
pub async fn flow_pending(ws: Ws<'_>) -> Result<Vec<FlowCandidate>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_pending()).await
}

/// The packages this window made today.
#[tauri::command]
#[specta::specta]
pub async fn flow_list(ws: Ws<'_>) -> Result<Vec<FlowSummary>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_list()).await
}

/// Makes a package of the chosen cases' paper and prints its 物料流转单.
#[tauri::command]
#[specta::specta]
pub async fn flow_create(ws: Ws<'_>, case_ids: Vec<String>) -> Result<FlowDone, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_create(&case_ids)).await
}

/// Prints a package's slip again.
#[tauri::command]
#[specta::specta]
pub async fn flow_reprint(ws: Ws<'_>, no: String) -> Result<FlowDone, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_reprint(&no)).await
}

/// Finds a package by the number scanned from its slip (the receiving end).
#[tauri::command]
#[specta::specta]
pub async fn flow_find(ws: Ws<'_>, no: String) -> Result<FlowFound, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_find(&no)).await
}

/// Signs for the chosen cases of a package.
#[tauri::command]
#[specta::specta]
pub async fn flow_sign(
    ws: Ws<'_>,
    no: String,
    case_ids: Vec<String>,
) -> Result<FlowSigned, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.flow_sign(&no, &case_ids)).await
}
