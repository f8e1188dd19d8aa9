//! Issuing commands (H1–H2, issue 18): one `Workstation` call each; the rules live in core.

use crate::commands::{blocking, Ws};
use yichuang_core::domain::intake::Attachment;
use yichuang_core::domain::issuing::{HandoverDone, HandoverInput, IssueFound};
use yichuang_core::workstation::issuing::IssueQuery;
use yichuang_core::UserError;

/// Finds results to hand over by case number (typed or scanned) or the card on the reader.
#[tauri::command]
#[specta::specta]
pub async fn issue_find(ws: Ws<'_>, query: IssueQuery) -> Result<IssueFound, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.issue_find(&query)).await
}

/// Hands the chosen results over to the person on the reader; prints the pickup slips.
#[tauri::command]
#[specta::specta]
pub async fn issue_handover(ws: Ws<'_>, input: HandoverInput) -> Result<HandoverDone, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.issue_handover(&input)).await
}

/// Takes the handover photo with the document camera.
#[tauri::command]
#[specta::specta]
pub async fn issue_photo(ws: Ws<'_>) -> Result<Attachment, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.issue_photo()).await
}
