//! Enrollment of the workstation (issue 15): the login page's commands and the
//! `yichuang-workstation --enroll CODE` command line IT uses for silent provisioning. The
//! workflow is `yichuang_core::workstation::enroll`.

use std::process::ExitCode;

use crate::commands::{blocking, Ws};
use yichuang_core::workstation::enroll::EnrollmentStatus;
use yichuang_core::UserError;

/// Whether this workstation is enrolled, and why not (login page).
#[tauri::command]
#[specta::specta]
pub fn enrollment_status(ws: Ws<'_>) -> EnrollmentStatus {
    ws.enrollment_status()
}

/// Enrolls with the one-time code IT typed; the sync loop starts on success.
#[tauri::command]
#[specta::specta]
pub async fn enroll(ws: Ws<'_>, code: String) -> Result<EnrollmentStatus, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.enroll(&code)).await
}

/// `--enroll CODE`: enrolls without opening a window. Exit 0 and one line on success; on
/// failure the Chinese reason on stderr and exit 1 (2 for usage, 3 when the app is running).
pub fn run_cli(code: Option<&String>) -> ExitCode {
    let Some(code) = code else {
        eprintln!("usage: yichuang-workstation --enroll <code>");
        return ExitCode::from(2);
    };
    let started = match crate::open_workstation() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let ws = &started.workstation;
    if let Some(e) = ws.startup_error() {
        eprintln!("{}", e.message);
        tracing::error!(detail = %e.detail, "enrollment: workstation did not start");
        return ExitCode::FAILURE;
    }
    match ws.provision(code) {
        Ok(status) => {
            let id = status.workstation_id.unwrap_or_default();
            println!("{}", yichuang_core::shell_text::enrolled(&id));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.message);
            tracing::error!(code = %e.code.as_str(), detail = %e.detail, "enrollment failed");
            ExitCode::FAILURE
        }
    }
}
