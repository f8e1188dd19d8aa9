//! Intake commands (issue 5): one `Workstation` call each; the rules live in core.

use crate::commands::{blocking, Ws};
use yichuang_core::domain::catalog::search::ItemHit;
use yichuang_core::domain::catalog::Item;
use yichuang_core::domain::document::DocumentPreview;
use yichuang_core::domain::intake::cases::{CaseEvent, ChangeInput};
use yichuang_core::domain::intake::history::{
    ExportFormat, ExportResult, HistoryPage, HistoryQuery, TodayFigures,
};
use yichuang_core::domain::intake::{
    Attachment, Case, CaseDraft, ConclusionInput, DecisionInput, Party,
};
use yichuang_core::workstation::intake::CatalogHome;
use yichuang_core::UserError;

#[tauri::command]
#[specta::specta]
pub fn catalog_home(ws: Ws<'_>) -> Result<CatalogHome, UserError> {
    ws.catalog_home()
}

/// Item search (D3): name, type, department, full pinyin, initials, small typos.
#[tauri::command]
#[specta::specta]
pub fn catalog_search(ws: Ws<'_>, query: String) -> Result<Vec<ItemHit>, UserError> {
    ws.catalog_search(&query)
}

/// The items of one department (按部门, D3).
#[tauri::command]
#[specta::specta]
pub fn catalog_department(ws: Ws<'_>, code: String) -> Result<Vec<ItemHit>, UserError> {
    ws.catalog_department(&code)
}

#[tauri::command]
#[specta::specta]
pub fn catalog_item(ws: Ws<'_>, code: String) -> Result<Item, UserError> {
    ws.catalog_item(&code)
}

#[tauri::command]
#[specta::specta]
pub fn catalog_favourite(ws: Ws<'_>, code: String, favourite: bool) -> Result<(), UserError> {
    ws.catalog_favourite(&code, favourite)
}

/// A fresh draft for an item (form defaults; the checklist when it has one situation).
#[tauri::command]
#[specta::specta]
pub fn intake_new(ws: Ws<'_>, item_code: String) -> Result<CaseDraft, UserError> {
    ws.intake_new(&item_code)
}

/// Re-resolves the situation after an answer and rebuilds the checklist.
#[tauri::command]
#[specta::specta]
pub fn intake_refresh(ws: Ws<'_>, draft: CaseDraft) -> Result<CaseDraft, UserError> {
    ws.intake_refresh(draft)
}

/// The party on the card just read (A6: citizen data only from a card read at this window).
#[tauri::command]
#[specta::specta]
pub fn intake_party_from_card(ws: Ws<'_>) -> Result<Party, UserError> {
    ws.party_from_card()
}

/// C2: the party on an expired card, with the clerk's reason for the exception (audited).
#[tauri::command]
#[specta::specta]
pub fn intake_party_from_expired_card(ws: Ws<'_>, reason: String) -> Result<Party, UserError> {
    ws.party_from_expired_card(&reason)
}

/// Saves the draft; `park` sets it aside to serve the next person (E7).
#[tauri::command]
#[specta::specta]
pub async fn intake_save(ws: Ws<'_>, draft: CaseDraft, park: bool) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.intake_save(draft, park)).await
}

/// Another clerk logs in at the locked window: the open case is parked for its clerk (A5).
#[tauri::command]
#[specta::specta]
pub async fn intake_park_for_switch(ws: Ws<'_>, draft: CaseDraft) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.intake_park_for_switch(draft)).await
}

#[tauri::command]
#[specta::specta]
pub fn intake_drafts(ws: Ws<'_>) -> Result<Vec<Case>, UserError> {
    ws.intake_drafts()
}

#[tauri::command]
#[specta::specta]
pub fn intake_discard(ws: Ws<'_>, case_id: String) -> Result<(), UserError> {
    ws.intake_discard(&case_id)
}

/// Prints the notice of the decision on the A4 printer (E6): the case is saved and numbered,
/// the notice printed, and the print recorded and audited. The decision button then accepts
/// this decision.
#[tauri::command]
#[specta::specta]
pub async fn intake_print_notice(
    ws: Ws<'_>,
    draft: CaseDraft,
    decision: DecisionInput,
) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.print_notice(draft, &decision)).await
}

/// The notice F8 would print now, as lines for the preview; nothing is saved.
#[tauri::command]
#[specta::specta]
pub fn intake_preview_notice(
    ws: Ws<'_>,
    draft: CaseDraft,
    decision: DecisionInput,
) -> Result<DocumentPreview, UserError> {
    ws.preview_notice(draft, &decision)
}

/// Takes the decision whose notice was printed: one transaction with audit and outbox.
#[tauri::command]
#[specta::specta]
pub async fn intake_decide(
    ws: Ws<'_>,
    case_id: String,
    decision: DecisionInput,
) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.intake_decide(&case_id, &decision)).await
}

#[tauri::command]
#[specta::specta]
pub fn case_get(ws: Ws<'_>, case_id: String) -> Result<Case, UserError> {
    ws.case_get(&case_id)
}

/// Changes a decided case with a reason (E9).
#[tauri::command]
#[specta::specta]
pub fn case_change(
    ws: Ws<'_>,
    case_id: String,
    change: ChangeInput,
    reason: String,
) -> Result<Case, UserError> {
    ws.case_change(&case_id, &change, &reason)
}

/// Closes an accepted 即办件 at the counter (E11): prints the decision (准予 / 不予许可), then
/// 办结 with its audit entry and outbox row.
#[tauri::command]
#[specta::specta]
pub async fn intake_conclude(
    ws: Ws<'_>,
    case_id: String,
    input: ConclusionInput,
) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.intake_conclude(&case_id, &input)).await
}

/// Prints the 撤件申请书 for the citizen to sign before a withdrawal (E9), audited.
#[tauri::command]
#[specta::specta]
pub async fn case_withdraw_form(ws: Ws<'_>, case_id: String) -> Result<(), UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.print_withdraw_form(&case_id)).await
}

/// Prints the case receipt on the thermal printer (受理回执小票, F2): the first print, or a
/// reprint with its reason; audited.
#[tauri::command]
#[specta::specta]
pub async fn case_receipt_slip(
    ws: Ws<'_>,
    case_id: String,
    reason: String,
) -> Result<(), UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.print_receipt_slip(&case_id, &reason)).await
}

#[tauri::command]
#[specta::specta]
pub fn history_search(ws: Ws<'_>, query: HistoryQuery) -> Result<HistoryPage, UserError> {
    ws.history_search(&query)
}

/// Reprints a notice with a reason (I2): print counter and audit entry.
#[tauri::command]
#[specta::specta]
pub async fn history_reprint(
    ws: Ws<'_>,
    case_id: String,
    notice_index: u32,
    reason: String,
) -> Result<Case, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.reprint(&case_id, notice_index, &reason)).await
}

/// Exports the clerk's cases matching the query to the data directory's `exports/` (audited).
#[tauri::command]
#[specta::specta]
pub async fn history_export(
    ws: Ws<'_>,
    query: HistoryQuery,
    format: ExportFormat,
) -> Result<ExportResult, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.history_export(&query, format)).await
}

#[tauri::command]
#[specta::specta]
pub fn stats_today(ws: Ws<'_>) -> Result<TodayFigures, UserError> {
    ws.stats_today()
}

/// The case's trail from the audit log: prints, reprints with reasons, decision, changes.
#[tauri::command]
#[specta::specta]
pub fn case_trail(ws: Ws<'_>, case_id: String) -> Result<Vec<CaseEvent>, UserError> {
    ws.case_trail(&case_id)
}

/// Imports a file (JPG, PNG or PDF) for a material: stored encrypted, queued for upload,
/// audited; the UI adds the returned attachment to the material's files.
#[tauri::command]
#[specta::specta]
pub async fn material_attach(
    ws: Ws<'_>,
    name: String,
    bytes: Vec<u8>,
) -> Result<Attachment, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.attach_file(&name, &bytes)).await
}
