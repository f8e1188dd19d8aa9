//! The visit's commands: the clerk's 「请评价」 and pause, the citizen window's view and
//! rating (workflow in `yichuang_core::workstation::visit`).

use crate::commands::Ws;
use serde::Serialize;
use tauri_specta::Event;
use yichuang_core::domain::queue::{DeskState, VerbResult};
use yichuang_core::domain::visit::labels::CitizenLabels;
use yichuang_core::domain::visit::{RatingLevel, RatingReason};
use yichuang_core::workstation::desk_queue::{DeskAction, IssuedTicket};
use yichuang_core::workstation::visit::CitizenView;
use yichuang_core::UserError;

/// The citizen window's view changed (a call, the rating question, thanks, a pause).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct CitizenViewChanged(pub CitizenView);

/// The hall's queue pushed an event: the desk panel reloads its state.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct DeskChanged;

/// What the citizen window shows now (on load and after a reload).
#[tauri::command]
#[specta::specta]
pub fn citizen_view(ws: Ws<'_>) -> CitizenView {
    ws.citizen_view()
}

/// The rating levels, reasons and prompts the citizen window shows.
#[tauri::command]
#[specta::specta]
pub fn citizen_labels() -> CitizenLabels {
    CitizenLabels::new()
}

/// The citizen touched a level (a dissatisfied one then asks for the reasons).
#[tauri::command]
#[specta::specta]
pub fn citizen_pick(ws: Ws<'_>, level: RatingLevel) -> Result<CitizenView, UserError> {
    ws.citizen_pick(level)
}

/// The citizen's answer with the reasons of a dissatisfied level.
#[tauri::command]
#[specta::specta]
pub fn citizen_rate(
    ws: Ws<'_>,
    level: RatingLevel,
    reasons: Vec<RatingReason>,
) -> Result<CitizenView, UserError> {
    ws.citizen_rate(level, reasons)
}

/// 「请评价」: the rating question on the citizen window for this visit's cases.
#[tauri::command]
#[specta::specta]
pub fn visit_request_rating(ws: Ws<'_>) -> Result<CitizenView, UserError> {
    ws.visit_request_rating()
}

/// 暂停服务 with a reason on the citizen window.
#[tauri::command]
#[specta::specta]
pub fn desk_pause(ws: Ws<'_>, reason: String) -> CitizenView {
    ws.desk_pause(reason)
}

/// Back to service after a pause.
#[tauri::command]
#[specta::specta]
pub fn desk_resume(ws: Ws<'_>) -> CitizenView {
    ws.desk_resume()
}

/// Whether this desk calls tickets (`[queue] mode`).
#[tauri::command]
#[specta::specta]
pub fn queue_enabled(ws: Ws<'_>) -> bool {
    ws.queue_enabled()
}

/// The desk's queue: groups, pause, current ticket, waiting and called lists (B1).
#[tauri::command]
#[specta::specta]
pub fn desk_state(ws: Ws<'_>) -> Result<DeskState, UserError> {
    ws.desk_state()
}

/// One desk verb: call next, recall, call a ticket, transfer, pause, resume, reprint.
#[tauri::command]
#[specta::specta]
pub fn desk_act(ws: Ws<'_>, action: DeskAction) -> Result<VerbResult, UserError> {
    ws.desk_act(action)
}

/// 取号: a ticket of an item group (green channel when asked), printed on the receipt printer.
#[tauri::command]
#[specta::specta]
pub fn desk_issue(ws: Ws<'_>, group: String, green: bool) -> Result<IssuedTicket, UserError> {
    ws.desk_issue(&group, green)
}

/// 服务结束并请评价: the ticket's cases to the queue, the rating question on the citizen window.
#[tauri::command]
#[specta::specta]
pub fn desk_finish(ws: Ws<'_>) -> Result<CitizenView, UserError> {
    ws.desk_finish()
}
