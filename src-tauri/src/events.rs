//! The workstation's notifications as typed window events (tauri-specta).

use tauri_specta::Event;
use yichuang_core::devices::camera::CodeTarget;
use yichuang_core::devices::id_card::CardEvent;
use yichuang_core::infra::status::ShellStatus;
use yichuang_core::infra::sync::SyncStatus;
use yichuang_core::workstation::visit::CitizenView;
use yichuang_core::workstation::Events;
use yichuang_core::UserError;
use yichuang_drivers::scanner::ScanEvent;
use yichuang_drivers::ukey::PresenceEvent;

use crate::camera::{CameraCodeRead, CameraFailed};
use crate::ipc::{IdCardChanged, Scanned, ShellStatusChanged, SyncStatusChanged, UkeyChanged};

/// Emits to every window of the app.
pub struct ShellEvents(pub tauri::AppHandle);

fn emit(result: tauri::Result<()>, what: &str) {
    if let Err(e) = result {
        tracing::warn!(error = %e, what, "could not emit event");
    }
}

impl Events for ShellEvents {
    fn status(&self, status: &ShellStatus) {
        emit(ShellStatusChanged(status.clone()).emit(&self.0), "status");
    }

    fn card(&self, event: CardEvent) {
        emit(IdCardChanged(event).emit(&self.0), "card");
    }

    fn scanned(&self, scan: ScanEvent) {
        emit(Scanned(scan).emit(&self.0), "scan");
    }

    fn ukey(&self, presence: PresenceEvent) {
        emit(UkeyChanged(presence).emit(&self.0), "ukey");
    }

    fn camera_code(&self, target: CodeTarget) {
        emit(CameraCodeRead(target).emit(&self.0), "camera code");
    }

    fn camera_failed(&self, error: UserError) {
        emit(CameraFailed(error).emit(&self.0), "camera failure");
    }

    fn sync(&self, status: SyncStatus) {
        emit(SyncStatusChanged(status).emit(&self.0), "sync status");
    }

    fn citizen(&self, view: &CitizenView) {
        emit(
            crate::visit::CitizenViewChanged(view.clone()).emit(&self.0),
            "citizen view",
        );
    }

    fn desk_changed(&self) {
        emit(crate::visit::DeskChanged.emit(&self.0), "desk changed");
    }
}
