//! The document camera (高拍仪) in the shell (issue 7): wiring only. The camera service and
//! the captured pages live in `yichuang_core::workstation`; this module
//! - serves preview frames and captured pages as binary JPEG over the `yccam` URI scheme
//!   (`yccam://localhost/frame?after=<seq>` long-polls for the next frame; `/page/<id>` is one
//!   captured page), so no frame ever travels as base64 JSON;
//! - declares the window events for a code read (audited first in core, A6) and a failure;
//! - offers the camera commands, one `Workstation` call each.

use crate::commands::{blocking, Ws};
use std::time::{Duration, Instant};
use tauri::http::{Request, Response, StatusCode};
use tauri::Manager;
use yichuang_core::devices::camera::{CodeTarget, PageInfo};
use yichuang_core::domain::intake::Attachment;
use yichuang_core::workstation::services::ScanSource;
use yichuang_core::workstation::WorkstationHandle;
use yichuang_core::UserError;

/// The URI scheme of preview frames and captured pages.
pub const SCHEME: &str = "yccam";

/// A QR code was read from the preview (the preview has stopped).
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct CameraCodeRead(pub CodeTarget);

/// The camera failed while in use (「高拍仪未连接…」 after an unplug).
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct CameraFailed(pub UserError);

/// Starts (`on`) or stops the live preview.
#[tauri::command]
#[specta::specta]
pub fn camera_preview(ws: Ws<'_>, on: bool) -> Result<(), UserError> {
    ws.camera_preview(on)
}

/// Starts reading QR codes from the preview (the preview starts too; both stop on the first
/// code, reported as `CameraCodeRead`), or stops reading.
#[tauri::command]
#[specta::specta]
pub fn camera_scan(ws: Ws<'_>, on: bool) -> Result<(), UserError> {
    ws.camera_scan(on)
}

/// A scanner gun's scan on the intake page (D1): what it opens, as a code under the camera.
#[tauri::command]
#[specta::specta]
pub fn scan_code(ws: Ws<'_>, text: String, source: ScanSource) -> CodeTarget {
    ws.scanned_code(&text, source)
}

/// Captures the newest full-resolution frame as a page: the document found, cropped and
/// deskewed, turned by `quarter_turns` × 90° clockwise. Returns every page captured so far.
#[tauri::command]
#[specta::specta]
pub async fn camera_capture(ws: Ws<'_>, quarter_turns: u8) -> Result<Vec<PageInfo>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.camera_capture(quarter_turns)).await
}

/// The pages captured so far for `material`; pages left over from another material (its
/// panel closed without attaching) are dropped.
#[tauri::command]
#[specta::specta]
pub fn camera_pages(ws: Ws<'_>, material: String) -> Vec<PageInfo> {
    ws.camera_pages(&material)
}

/// Acts on the simulated document camera from the device panel: `show <text>`,
/// `show-document`, `show-personal-code`, `clear`, `unplug`, `plug` (the `camera …` commands
/// of the control surface).
#[tauri::command]
#[specta::specta]
pub fn simulate_camera(ws: Ws<'_>, action: String) -> Result<(), UserError> {
    ws.simulate_camera(&action)
}

/// Turns one page by 90° clockwise (the page gets a new id).
#[tauri::command]
#[specta::specta]
pub async fn camera_page_turn(ws: Ws<'_>, id: u32) -> Result<Vec<PageInfo>, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.camera_page_turn(id)).await
}

/// Removes one page.
#[tauri::command]
#[specta::specta]
pub fn camera_page_delete(ws: Ws<'_>, id: u32) -> Vec<PageInfo> {
    ws.camera_page_delete(id)
}

/// Assembles the captured pages into one PDF for the material `name` and attaches it like an
/// imported file (encrypted store, upload queue, audit); the pages are then cleared.
#[tauri::command]
#[specta::specta]
pub async fn camera_attach(ws: Ws<'_>, name: String) -> Result<Attachment, UserError> {
    let ws = ws.inner().clone();
    blocking(move || ws.camera_attach(&name)).await
}

/// How long a frame request waits for a newer frame before answering 204.
const FRAME_WAIT: Duration = Duration::from_millis(1500);

/// Answers one `yccam` request (on a blocking thread: a frame request waits).
pub fn serve(app: &tauri::AppHandle, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or("");
    let ws = app.state::<WorkstationHandle>();
    if path == "/frame" {
        let after: u64 = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("after="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let deadline = Instant::now() + FRAME_WAIT;
        loop {
            match ws.camera_frame() {
                // A new stream restarts its numbering, so any other number is newer.
                Ok(frame) if frame.seq != after => match frame.to_jpeg(85) {
                    Ok(jpeg) => {
                        return jpeg_response(jpeg.to_vec(), &[("x-frame-seq", frame.seq)]);
                    }
                    Err(e) => {
                        let e = yichuang_core::devices::camera::camera_error(&e);
                        return error_response(StatusCode::SERVICE_UNAVAILABLE, &e);
                    }
                },
                Ok(_) => {}
                Err(e) if e.code != "camera.not_previewing" => {
                    return error_response(StatusCode::SERVICE_UNAVAILABLE, &e);
                }
                Err(_) => {}
            }
            if Instant::now() >= deadline {
                return status_response(StatusCode::NO_CONTENT);
            }
            std::thread::sleep(Duration::from_millis(4));
        }
    }
    if let Some(id) = path.strip_prefix("/page/").and_then(|s| s.parse().ok()) {
        return match ws.camera_page(id) {
            Ok(jpeg) => jpeg_response(jpeg.to_vec(), &[]),
            Err(e) => error_response(StatusCode::NOT_FOUND, &e),
        };
    }
    status_response(StatusCode::NOT_FOUND)
}

fn base(status: StatusCode) -> tauri::http::response::Builder {
    Response::builder()
        .status(status)
        .header("Access-Control-Allow-Origin", "*")
        .header("Access-Control-Expose-Headers", "x-frame-seq")
        .header("Cache-Control", "no-store")
}

fn jpeg_response(jpeg: Vec<u8>, headers: &[(&str, u64)]) -> Response<Vec<u8>> {
    let mut b = base(StatusCode::OK).header("Content-Type", "image/jpeg");
    for (k, v) in headers {
        b = b.header(*k, v.to_string());
    }
    b.body(jpeg).unwrap_or_else(|_| Response::new(Vec::new()))
}

fn status_response(status: StatusCode) -> Response<Vec<u8>> {
    base(status)
        .body(Vec::new())
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

fn error_response(status: StatusCode, e: &UserError) -> Response<Vec<u8>> {
    base(status)
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(e).unwrap_or_default())
        .unwrap_or_else(|_| Response::new(Vec::new()))
}
