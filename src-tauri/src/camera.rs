//! The document camera (高拍仪) in the shell (issue 7): wiring only. The camera service in
//! `yichuang_core::devices::camera` owns the device; this module
//! - serves preview frames and captured pages as binary JPEG over the `yccam` URI scheme
//!   (`yccam://localhost/frame?after=<seq>` long-polls for the next frame; `/page/<id>` is one
//!   captured page), so no frame ever travels as base64 JSON;
//! - turns a QR code read from the preview into a [`CodeTarget`] for the window (a personal
//!   code's read is audited first, A6), and camera failures into `CameraFailed` events;
//! - keeps the pages captured for the material being photographed, and assembles them into
//!   one PDF attached to the case's material list.

use crate::state::AppState;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, State};
use tauri_specta::Event;
use yichuang_core::devices::camera::{
    CameraEvent, CameraService, CodeTarget, PageInfo, PageSet, ServiceTiming,
};
use yichuang_core::{ErrorCode, UserError};

/// The URI scheme of preview frames and captured pages.
pub const SCHEME: &str = "yccam";

/// A QR code was read from the preview (the preview has stopped).
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct CameraCodeRead(pub CodeTarget);

/// The camera failed while in use (「高拍仪未连接…」 after an unplug).
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct CameraFailed(pub UserError);

/// The camera's part of the shell state.
#[derive(Default)]
pub struct CameraState {
    service: Mutex<Option<Arc<CameraService>>>,
    /// Pages captured for the material being photographed (a page's JPEG is at
    /// `yccam://localhost/page/<id>`).
    pages: Mutex<PageSet>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl CameraState {
    pub fn service(&self) -> Result<Arc<CameraService>, UserError> {
        lock(&self.service).clone().ok_or_else(|| UserError::new(ErrorCode::CameraNotInstalled, "devices.camera.driver = \"none\" or the service failed to start"))
    }
}

/// Starts the camera service for the configured device.
pub fn start(app: &tauri::AppHandle) {
    let state = app.state::<AppState>();
    let handle = app.clone();
    let service = CameraService::start(
        &state.config.devices.camera,
        ServiceTiming::default(),
        move |event| on_event(&handle, event),
    );
    let camera = app.state::<CameraState>();
    *lock(&camera.service) = service.map(Arc::new);
}

fn on_event(app: &tauri::AppHandle, event: CameraEvent) {
    match event {
        CameraEvent::State(s) => {
            crate::state::set_device_state(app, yichuang_core::devices::camera::SLOT, s)
        }
        CameraEvent::Error(e) => {
            if let Err(err) = CameraFailed(e).emit(app) {
                tracing::warn!(error = %err, "could not emit camera failure");
            }
        }
        // The window pulls frames over the `yccam` scheme at its own pace.
        CameraEvent::Frame(_) => {}
        CameraEvent::Code(code) => {
            let target = code.target();
            let state = app.state::<AppState>();
            let detail = serde_json::json!({
                "kind": target.code.kind,
                "ticket": target.ticket,
                "appointment": target.appointment,
                "item": target.item_code,
                "source": "document_camera",
            });
            // A6: a personal code is a read of the citizen's identity, audited like a card
            // read before the window sees it; intake accepts the party only with this entry.
            let (action, subject) = match &target.party {
                Some(p) => ("code.read", Some(p.id_number.clone())),
                None => ("camera.code", None),
            };
            let target = match state.audit(app, action, subject, detail) {
                Ok(()) => target,
                Err(e) => {
                    tracing::error!(error = %e.detail, "code read not audited; person dropped");
                    CodeTarget {
                        party: None,
                        ..target
                    }
                }
            };
            if let Err(e) = CameraCodeRead(target).emit(app) {
                tracing::warn!(error = %e, "could not emit code");
            }
        }
    }
}

/// Starts (`on`) or stops the live preview.
#[tauri::command]
#[specta::specta]
pub fn camera_preview(camera: State<'_, CameraState>, on: bool) -> Result<(), UserError> {
    let svc = camera.service()?;
    if on {
        svc.start_preview();
    } else {
        svc.stop_preview();
    }
    Ok(())
}

/// Starts reading QR codes from the preview (the preview starts too; both stop on the first
/// code, reported as `CameraCodeRead`), or stops reading.
#[tauri::command]
#[specta::specta]
pub fn camera_scan(camera: State<'_, CameraState>, on: bool) -> Result<(), UserError> {
    let svc = camera.service()?;
    if on {
        svc.start_scan();
    } else {
        svc.stop_scan();
    }
    Ok(())
}

/// Captures the newest full-resolution frame as a page: the document found, cropped and
/// deskewed, turned by `quarter_turns` × 90° clockwise. Returns every page captured so far.
#[tauri::command]
#[specta::specta]
pub async fn camera_capture(
    app: tauri::AppHandle,
    quarter_turns: u8,
) -> Result<Vec<PageInfo>, UserError> {
    crate::commands::blocking(move || {
        let camera = app.state::<CameraState>();
        let page = camera.service()?.capture(quarter_turns % 4)?;
        let pages = lock(&camera.pages).add(page);
        Ok(pages)
    })
    .await
}

/// The pages captured so far for `material`; pages left over from another material (its
/// panel closed without attaching) are dropped.
#[tauri::command]
#[specta::specta]
pub fn camera_pages(camera: State<'_, CameraState>, material: String) -> Vec<PageInfo> {
    lock(&camera.pages).for_material(&material)
}

/// Acts on the simulated document camera from the device panel: `show <text>`,
/// `show-document`, `clear`, `unplug`, `plug` (the `camera …` commands of the control
/// surface).
#[tauri::command]
#[specta::specta]
pub fn simulate_camera(camera: State<'_, CameraState>, action: String) -> Result<(), UserError> {
    use yichuang_core::devices::simctl::{parse, Command};
    let action = match parse(&format!("camera {action}")) {
        Ok(Command::Camera(a)) => a,
        other => {
            return Err(UserError::new(ErrorCode::CameraSimAction, format!("camera {action}: {other:?}")))
        }
    };
    camera.service()?.simulator_control(&action)
}

/// Turns one page by 90° clockwise (the page gets a new id).
#[tauri::command]
#[specta::specta]
pub async fn camera_page_turn(app: tauri::AppHandle, id: u32) -> Result<Vec<PageInfo>, UserError> {
    crate::commands::blocking(move || {
        let camera = app.state::<CameraState>();
        let jpeg = lock(&camera.pages).jpeg(id)?;
        // Decoded and encoded outside the lock: the window keeps loading pages meanwhile.
        let turned = yichuang_core::devices::camera::turn_page(&jpeg)?;
        let pages = lock(&camera.pages).replace(id, turned);
        Ok(pages)
    })
    .await
}

/// Removes one page.
#[tauri::command]
#[specta::specta]
pub fn camera_page_delete(camera: State<'_, CameraState>, id: u32) -> Vec<PageInfo> {
    lock(&camera.pages).remove(id)
}

/// Assembles the captured pages into one PDF for the material `name` and attaches it like an
/// imported file (encrypted store, upload queue, audit); the pages are then cleared.
#[tauri::command]
#[specta::specta]
pub async fn camera_attach(
    app: tauri::AppHandle,
    name: String,
) -> Result<yichuang_core::domain::intake::Attachment, UserError> {
    crate::commands::blocking(move || {
        let camera = app.state::<CameraState>();
        let (file, pdf) = {
            let mut pages = lock(&camera.pages);
            pages.for_material(&name);
            pages.pdf()?
        };
        let att = crate::intake::attach_file(&app, &file, &pdf)?;
        lock(&camera.pages).clear();
        Ok(att)
    })
    .await
}

/// How long a frame request waits for a newer frame before answering 204.
const FRAME_WAIT: Duration = Duration::from_millis(1500);

/// Answers one `yccam` request (on a blocking thread: a frame request waits).
pub fn serve(app: &tauri::AppHandle, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    let path = request.uri().path();
    let query = request.uri().query().unwrap_or("");
    let camera = app.state::<CameraState>();
    if path == "/frame" {
        let after: u64 = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("after="))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let svc = match camera.service() {
            Ok(s) => s,
            Err(e) => return error_response(StatusCode::SERVICE_UNAVAILABLE, &e),
        };
        let deadline = Instant::now() + FRAME_WAIT;
        loop {
            match svc.latest_frame() {
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
                Err(e) if e.code != ErrorCode::CameraNotPreviewing => {
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
        return match lock(&camera.pages).jpeg(id) {
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
