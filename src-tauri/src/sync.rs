//! The sync commands and the task that keeps the sync page and the status bar current; the
//! data key, the store and the sync loop are `yichuang_core::workstation::sync`.

use crate::commands::Ws;
use std::time::Duration;
use yichuang_core::workstation::sync::SyncOverview;
use yichuang_core::workstation::WorkstationHandle;
use yichuang_core::UserError;

/// How often the status is re-read from the store, so a record written by any command shows
/// as pending within this time even while the sync loop sleeps in a back-off.
const REFRESH: Duration = Duration::from_secs(1);

/// Re-reads the sync status on every change of the loop and every second.
pub fn spawn_refresh(ws: WorkstationHandle) {
    tauri::async_runtime::spawn(async move {
        let mut ticker = tokio::time::interval(REFRESH);
        match ws.sync_changes() {
            Some(mut rx) => loop {
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() { break },
                    _ = ticker.tick() => {}
                }
                ws.refresh_sync();
            },
            None => loop {
                ticker.tick().await;
                ws.refresh_sync();
            },
        }
    });
}

/// The sync page: pending count, oldest pending, last success and error, refused records.
#[tauri::command]
#[specta::specta]
pub fn sync_status(ws: Ws<'_>) -> Result<SyncOverview, UserError> {
    ws.sync_overview()
}

/// 「立即同步」: runs a sync cycle now instead of waiting for the next try.
#[tauri::command]
#[specta::specta]
pub fn sync_now(ws: Ws<'_>) -> Result<SyncOverview, UserError> {
    ws.sync_now()
}

/// 「重新提交」: refused records and files go back to the queue and a cycle runs.
#[tauri::command]
#[specta::specta]
pub fn sync_retry_parked(ws: Ws<'_>) -> Result<SyncOverview, UserError> {
    ws.sync_retry_parked()
}
