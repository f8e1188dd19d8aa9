//! Electronic licence commands (L1, L2): one `Workstation` call each; the lookup rules, the
//! card-read proof and the audit live in core.

use crate::commands::{blocking, Ws};
use yichuang_core::infra::licence_api::FeedbackRequest;
use yichuang_core::workstation::licence_files::{LicenceDownload, LicencePreview};
use yichuang_core::workstation::licences::{
    ItemLicences, LicenceAttachQuery, LicenceAttached, LicenceFileQuery, LicenceQuery,
};
use yichuang_core::UserError;

/// The licences of the holder whose card was read, for the item's licence types.
#[tauri::command]
#[specta::specta]
pub async fn licence_lookup(ws: Ws<'_>, query: LicenceQuery) -> Result<ItemLicences, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.licence_lookup(&query)).await
}

/// A licence's text and verified seals, for the preview.
#[tauri::command]
#[specta::specta]
pub async fn licence_preview(
    ws: Ws<'_>,
    query: LicenceFileQuery,
) -> Result<LicencePreview, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.licence_preview(&query)).await
}

/// Saves a licence's file to the data folder's `exports/`.
#[tauri::command]
#[specta::specta]
pub async fn licence_download(
    ws: Ws<'_>,
    query: LicenceFileQuery,
) -> Result<LicenceDownload, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.licence_download(&query)).await
}

/// 反馈 on wrong licence data; returns the feedback's number.
#[tauri::command]
#[specta::specta]
pub async fn licence_feedback(ws: Ws<'_>, feedback: FeedbackRequest) -> Result<String, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.licence_feedback(&feedback)).await
}

/// Receives a valid licence in place of a material's paper; the UI puts the returned
/// attachment and licence on the material.
#[tauri::command]
#[specta::specta]
pub async fn licence_attach(
    ws: Ws<'_>,
    query: LicenceAttachQuery,
) -> Result<LicenceAttached, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.licence_attach(&query)).await
}
