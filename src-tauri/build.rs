// App commands are listed here so tauri-build generates an `allow-<command>` permission for
// each; a window can then call only the commands its capability file grants (least
// capabilities: the citizen screen cannot call clerk commands).
const COMMANDS: &[&str] = &[
    "get_app_info",
    "get_shell_status",
    "ui_rendered",
    "simulate_card",
    "simulate_card_removal",
    "print_test_slip",
    "simulate_printer_fault",
    "simulate_scan",
    "print_test_page",
    "login_keys",
    "login",
    "unlock",
    "logout",
    "enrollment_status",
    "enroll",
    "catalog_home",
    "catalog_search",
    "catalog_department",
    "catalog_item",
    "catalog_favourite",
    "intake_new",
    "intake_refresh",
    "intake_party_from_card",
    "intake_save",
    "intake_park_for_switch",
    "intake_drafts",
    "intake_discard",
    "intake_print_notice",
    "intake_preview_notice",
    "intake_decide",
    "case_get",
    "case_change",
    "history_search",
    "history_reprint",
    "history_export",
    "stats_today",
    "case_trail",
    "material_attach",
    "intake_labels",
    "intake_current_question",
    "camera_preview",
    "camera_scan",
    "camera_capture",
    "camera_pages",
    "camera_page_turn",
    "camera_page_delete",
    "camera_attach",
    "simulate_camera",
    "sync_status",
    "sync_now",
    "sync_retry_parked",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}
