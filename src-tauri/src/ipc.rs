//! The typed IPC surface: every command and event the UI can use, collected once. The same
//! builder registers the handlers at run time and writes `ui/src/bindings.ts`
//! (`yichuang-workstation --export-bindings <path>`), so the TypeScript types cannot drift
//! from the Rust ones without the bindings check failing.

use crate::{commands, intake};
use serde::{Deserialize, Serialize};
use tauri_specta::{collect_commands, collect_events, Builder, Event};
use yichuang_core::devices::id_card::CardEvent;
use yichuang_core::infra::status::ShellStatus;
use yichuang_drivers::scanner::ScanEvent;

/// Sent whenever any part of the status bar changes (backend, devices, pending sync, clerk).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
pub struct ShellStatusChanged(pub ShellStatus);

/// The ID-card reader saw a card placed, removed, or failing to read (C1).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct IdCardChanged(pub CardEvent);

/// The serial scanner gun read a code (D1); one event per scan.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct Scanned(pub ScanEvent);

/// A UKey was plugged in or pulled out (the login view refreshes its list; A5 locks).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct UkeyChanged(pub yichuang_drivers::ukey::PresenceEvent);

/// The sync status changed (pending count, phase, last error, upload progress; issue 6).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct SyncStatusChanged(pub yichuang_core::infra::sync::SyncStatus);

pub fn builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::get_app_info,
            commands::get_shell_status,
            commands::ui_rendered,
            commands::simulate_card,
            commands::simulate_card_removal,
            commands::print_test_slip,
            commands::simulate_printer_fault,
            commands::simulate_scan,
            commands::print_test_page,
            commands::login_keys,
            commands::login,
            commands::ukey_change_pin,
            commands::ukey_libraries,
            commands::unlock,
            commands::logout,
            crate::enroll::enrollment_status,
            crate::enroll::enroll,
            intake::catalog_home,
            intake::catalog_search,
            intake::catalog_department,
            intake::catalog_item,
            intake::catalog_favourite,
            intake::intake_new,
            intake::intake_refresh,
            intake::intake_party_from_card,
            intake::intake_party_from_expired_card,
            intake::intake_save,
            intake::intake_park_for_switch,
            intake::intake_drafts,
            intake::intake_discard,
            intake::intake_print_notice,
            intake::intake_preview_notice,
            intake::intake_decide,
            intake::case_get,
            intake::case_change,
            intake::intake_conclude,
            intake::case_withdraw_form,
            intake::case_receipt_slip,
            intake::history_search,
            intake::history_reprint,
            intake::history_export,
            intake::stats_today,
            intake::case_trail,
            intake::material_attach,
            crate::licences::licence_lookup,
            crate::licences::licence_preview,
            crate::licences::licence_download,
            crate::licences::licence_feedback,
            crate::licences::licence_attach,
            crate::issuing::issue_find,
            crate::issuing::issue_handover,
            crate::issuing::issue_photo,
            crate::flow::flow_pending,
            crate::flow::flow_list,
            crate::flow::flow_create,
            crate::flow::flow_reprint,
            crate::flow::flow_find,
            crate::flow::flow_sign,
            crate::assist::assist_state_labels,
            crate::assist::assist_departments,
            crate::assist::assist_request,
            crate::assist::assist_flush,
            crate::assist::assist_sent,
            crate::assist::assist_inbox,
            crate::assist::assist_get,
            crate::assist::assist_attach_proof,
            crate::assist::assist_write_proof,
            crate::assist::assist_seal_keys,
            crate::assist::assist_stamp,
            crate::assist::assist_return,
            crate::assist::assist_receive,
            crate::assist::assist_take_as_material,
            crate::assist::assist_pdf,
            crate::assist::assist_preview,
            crate::assist::assist_print,
            crate::assist::seal_verify_file,
            crate::maintenance::update_state,
            crate::maintenance::update_check,
            crate::maintenance::update_download,
            crate::maintenance::update_install,
            crate::maintenance::diagnostics_bundle,
            crate::labels::intake_labels,
            crate::labels::intake_current_question,
            crate::labels::intake_check_uscc,
            crate::camera::camera_preview,
            crate::camera::camera_scan,
            crate::camera::scan_code,
            crate::camera::camera_capture,
            crate::camera::camera_pages,
            crate::camera::camera_page_turn,
            crate::camera::camera_page_delete,
            crate::camera::camera_attach,
            crate::camera::simulate_camera,
            crate::sync::sync_status,
            crate::sync::sync_now,
            crate::sync::sync_retry_parked,
            crate::visit::citizen_view,
            crate::visit::citizen_labels,
            crate::visit::citizen_pick,
            crate::visit::citizen_rate,
            crate::visit::visit_request_rating,
            crate::visit::desk_pause,
            crate::visit::desk_resume,
            crate::visit::queue_enabled,
            crate::visit::desk_state,
            crate::visit::desk_act,
            crate::visit::desk_issue,
            crate::visit::desk_finish,
        ])
        .events(collect_events![
            ShellStatusChanged,
            IdCardChanged,
            Scanned,
            UkeyChanged,
            SyncStatusChanged,
            crate::camera::CameraCodeRead,
            crate::camera::CameraFailed,
            crate::visit::CitizenViewChanged,
            crate::visit::DeskChanged
        ])
        // Our IPC types travel one way each; one TypeScript type per Rust type, not a
        // serialize/deserialize pair.
        .disable_serde_phases()
}

const HEADER: &str = "// Generated from the Rust types by `make bindings` (yichuang-workstation --export-bindings).\n// Do not edit: change the Rust command or type and regenerate; `make test` fails on drift.";

pub fn export(path: &std::path::Path) -> Result<(), String> {
    builder()
        .export(
            specta_typescript::Typescript::default().header(HEADER),
            path,
        )
        .map_err(|e| e.to_string())
}
