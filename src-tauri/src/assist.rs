//! 部门协查 commands (L4): one `Workstation` call each; the rules live in core
//! (`yichuang_core::workstation::assist`).

use crate::commands::{blocking, Ws};
use yichuang_core::devices::a4_printer::A4PrintOutcome;
use yichuang_core::devices::seal::{SealKey, SealVerdict, StampOptions};
use yichuang_core::domain::document::DocumentPreview;
use yichuang_core::workstation::assist::{
    self, AssistDraft, AssistList, AssistMaterial, AssistPrint, AssistProofText, AssistReceived,
    AssistRequest, AssistState, AssistStateLabel,
};
use yichuang_core::UserError;

/// The states with their labels (filter tabs).
#[tauri::command]
#[specta::specta]
pub fn assist_state_labels() -> Vec<AssistStateLabel> {
    assist::state_labels()
}

/// The departments a request may go to.
#[tauri::command]
#[specta::specta]
pub async fn assist_departments(ws: Ws<'_>) -> Result<Vec<String>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_departments()).await
}

/// Asks another department for proofs about the applicant whose card was read (待发送 when
/// the server cannot be reached).
#[tauri::command]
#[specta::specta]
pub async fn assist_request(ws: Ws<'_>, draft: AssistDraft) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_request(&draft)).await
}

/// Sends the requests waiting in the outbox; how many the server now has.
#[tauri::command]
#[specta::specta]
pub async fn assist_flush(ws: Ws<'_>) -> Result<u32, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_flush()).await
}

/// My department's requests (queued ones first), in `state` when given.
#[tauri::command]
#[specta::specta]
pub async fn assist_sent(ws: Ws<'_>, state: Option<AssistState>) -> Result<AssistList, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_sent(state)).await
}

/// Requests to my department, in `state` when given.
#[tauri::command]
#[specta::specta]
pub async fn assist_inbox(ws: Ws<'_>, state: Option<AssistState>) -> Result<AssistList, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_inbox(state)).await
}

/// One request.
#[tauri::command]
#[specta::specta]
pub async fn assist_get(ws: Ws<'_>, id: String) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_get(&id)).await
}

/// Attaches a PDF file as the proof (待盖章).
#[tauri::command]
#[specta::specta]
pub async fn assist_attach_proof(
    ws: Ws<'_>,
    id: String,
    bytes: Vec<u8>,
) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_attach_proof(&id, &bytes)).await
}

/// Lays out a proof written at the window and attaches it (待盖章).
#[tauri::command]
#[specta::specta]
pub async fn assist_write_proof(
    ws: Ws<'_>,
    id: String,
    text: AssistProofText,
) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_write_proof(&id, &text)).await
}

/// The seal keys plugged in (department, seal PIN tries left).
#[tauri::command]
#[specta::specta]
pub async fn assist_seal_keys(ws: Ws<'_>) -> Result<Vec<SealKey>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.seal_keys()).await
}

/// Stamps the proof with the department's seal and seal PIN (已盖章).
#[tauri::command]
#[specta::specta]
pub async fn assist_stamp(
    ws: Ws<'_>,
    id: String,
    seal_pin: String,
    options: StampOptions,
) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_stamp(&id, &seal_pin, &options)).await
}

/// 退回 with a reason.
#[tauri::command]
#[specta::specta]
pub async fn assist_return(
    ws: Ws<'_>,
    id: String,
    reason: String,
) -> Result<AssistRequest, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_return(&id, &reason)).await
}

/// The stamped proof received and verified (the verdict's sentence).
#[tauri::command]
#[specta::specta]
pub async fn assist_receive(ws: Ws<'_>, id: String) -> Result<AssistReceived, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_receive(&id)).await
}

/// The verified stamped proof stored as a material file of the case at hand (电子材料).
#[tauri::command]
#[specta::specta]
pub async fn assist_take_as_material(ws: Ws<'_>, id: String) -> Result<AssistMaterial, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_take_as_material(&id)).await
}

/// The PDF of the request form, the proof or the stamped proof (to show it).
#[tauri::command]
#[specta::specta]
pub async fn assist_pdf(ws: Ws<'_>, id: String, which: AssistPrint) -> Result<Vec<u8>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_pdf(&id, which)).await
}

/// The request form as it prints.
#[tauri::command]
#[specta::specta]
pub async fn assist_preview(ws: Ws<'_>, id: String) -> Result<DocumentPreview, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_preview(&id)).await
}

/// Prints the request form, the proof or the stamped proof on the A4 printer.
#[tauri::command]
#[specta::specta]
pub async fn assist_print(
    ws: Ws<'_>,
    id: String,
    which: AssistPrint,
) -> Result<A4PrintOutcome, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.assist_print(&id, which)).await
}

/// 验章: every seal and signature of a PDF the clerk opens (a proof or licence brought on a
/// stick, a stamped file from elsewhere), verified against the trusted CAs (A7).
#[tauri::command]
#[specta::specta]
pub async fn seal_verify_file(ws: Ws<'_>, bytes: Vec<u8>) -> Result<Vec<SealVerdict>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.verify_document(&bytes)).await
}
