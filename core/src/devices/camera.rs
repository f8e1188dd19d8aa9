//! The document camera (高拍仪) as the app uses it (D1, E3, C4). Like the other device
//! services it runs in its own thread, owns its driver, reopens the camera after an unplug,
//! and reports through one callback; the shell forwards events to the window and nothing
//! here knows Tauri.
//!
//! - Preview: [`CameraService::start_preview`] opens the camera; every frame is reported as
//!   [`CameraEvent::Frame`] with JPEG bytes (an MJPEG camera's own bytes, not re-encoded), and
//!   the newest is kept for [`CameraService::latest_frame`].
//!   [`stop_preview`](CameraService::stop_preview) closes the camera.
//! - QR: [`CameraService::start_scan`] also decodes every frame; the first code is reported
//!   once as [`CameraEvent::Code`] (classified as queue ticket, appointment or personal code),
//!   then scanning and the preview stop.
//! - Capture: [`CameraService::capture`] takes the newest full-resolution frame, finds and
//!   deskews the page, turns it and returns it as JPEG; [`crate::domain::document::jpeg_pages_to_pdf`]
//!   assembles a material's pages.
//! - Unplug: the stream fails with the driver's typed error; the service reports
//!   [`CameraEvent::Error`] (「高拍仪未连接…」) and `Disconnected`, and reopens the camera when it
//!   is back.
//!
//! With `driver = "simulator"` the camera is the in-process simulator (a synthetic scene, or
//! the JPEG files of the directory named by `port`), controlled through
//! [`CameraService::simulator`] and the `camera …` commands of [`crate::devices::simctl`].

use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use yichuang_drivers::camera::{
    self, CameraBackend, CameraError, CameraSimulator, Frame, QrReader, SimConfig,
};

pub const SLOT: &str = "camera";

/// One preview frame for the window.
#[derive(Debug, Clone)]
pub struct PreviewFrame {
    /// A complete JPEG image.
    pub jpeg: Arc<[u8]>,
    pub width: u32,
    pub height: u32,
    pub seq: u64,
}

/// What a QR code held up to the camera is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A queue ticket (取号凭条): opens the ticket's item.
    QueueTicket,
    /// An online appointment (预约): opens the appointment's item.
    Appointment,
    /// A personal identity code (粤居码-style): fills the applicant's fields.
    PersonalCode,
    /// Anything else; shown to the clerk as text.
    Other,
}

/// A decoded code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ScannedCode {
    pub text: String,
    pub kind: CodeKind,
}

impl ScannedCode {
    /// Classifies a code's text by the shapes the hall's systems issue: ticket codes
    /// (`QT|A023|…`, `YC-20250301-A023-…`, ticket URLs, `{"t":…}`), appointments
    /// (`{"appt":…}`, `AP` + 10 digits, check-in URLs) and personal codes (a `…码:` prefix
    /// such as 「粤居码:」 or JSON carrying an ID number).
    pub fn classify(text: &str) -> ScannedCode {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let json_has = |key: &str| t.starts_with('{') && t.contains(&format!("\"{key}\""));
        let kind = if t.starts_with("QT|")
            || (t.starts_with("YC-") && t.split('-').count() >= 4)
            || lower.contains("/ticket?")
            || json_has("t") && !json_has("appt")
        {
            CodeKind::QueueTicket
        } else if json_has("appt")
            || lower.contains("/checkin?id=ap")
            || (t.len() == 12 && t.starts_with("AP") && t[2..].bytes().all(|b| b.is_ascii_digit()))
        {
            CodeKind::Appointment
        } else if t
            .split_once([':', '：'])
            .is_some_and(|(head, _)| head.ends_with('码') && head.chars().count() <= 6)
            || json_has("id_number")
            || json_has("idNo")
        {
            CodeKind::PersonalCode
        } else {
            CodeKind::Other
        };
        ScannedCode {
            text: t.to_string(),
            kind,
        }
    }
}

/// What a code read under the camera opens at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CodeTarget {
    pub code: ScannedCode,
    /// The queue ticket's number (取号号码), e.g. `A023`.
    pub ticket: Option<String>,
    /// The online appointment's number, e.g. `AP1234567890`.
    pub appointment: Option<String>,
    /// The service item the ticket or appointment was issued for (catalog code).
    pub item_code: Option<String>,
    /// The person a personal identity code names, with [`IdSource::Code`]; only when the ID
    /// number passes its check digit.
    ///
    /// [`IdSource::Code`]: crate::domain::intake::IdSource::Code
    pub party: Option<crate::domain::intake::Party>,
}

impl ScannedCode {
    /// Reads the fields the hall's systems put into their codes. Tickets and appointments name
    /// their item as `item=<code>` (a URL query parameter or a `|`-separated field) or as the
    /// JSON key `"item"`; personal codes carry `姓名|证件号码` after their `…码:` prefix or a
    /// JSON object with `name` and `id_number`/`idNo`.
    pub fn target(&self) -> CodeTarget {
        let t = self.text.as_str();
        let json: Option<serde_json::Value> = t
            .find('{')
            .and_then(|i| serde_json::from_str(&t[i..]).ok())
            .filter(serde_json::Value::is_object);
        let json_str = |keys: &[&str]| -> Option<String> {
            let obj = json.as_ref()?.as_object()?;
            keys.iter().find_map(|k| {
                obj.get(*k).and_then(|v| match v {
                    serde_json::Value::String(s) => Some(s.trim().to_string()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
        };
        // `key=value` pairs from a URL query or from `|` fields.
        let pairs: Vec<(&str, &str)> = t
            .split(['?', '&', '|'])
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let pair = |keys: &[&str]| {
            pairs
                .iter()
                .find(|(k, v)| keys.contains(k) && !v.is_empty())
                .map(|(_, v)| v.to_string())
        };
        let plain = |s: &String| !s.is_empty() && s.len() <= 64 && !s.contains(char::is_whitespace);
        let item_code = json_str(&["item", "item_code"])
            .or_else(|| pair(&["item", "item_code"]))
            .filter(plain);
        let mut ticket = None;
        let mut appointment = None;
        let mut party = None;
        match self.kind {
            CodeKind::QueueTicket => {
                ticket = if let Some(rest) = t.strip_prefix("QT|") {
                    rest.split('|').next().map(str::to_string)
                } else if t.starts_with("YC-") {
                    t.split('-').nth(2).map(str::to_string)
                } else {
                    json_str(&["t"]).or_else(|| pair(&["no", "t", "ticket"]))
                }
                .filter(plain);
            }
            CodeKind::Appointment => {
                appointment = json_str(&["appt"])
                    .or_else(|| pair(&["id"]))
                    .or_else(|| t.starts_with("AP").then(|| t.to_string()))
                    .filter(plain);
            }
            CodeKind::PersonalCode => {
                let (name, id) = match json_str(&["name"]) {
                    Some(name) => (Some(name), json_str(&["id_number", "idNo"])),
                    None => {
                        let body = t.split_once([':', '：']).map(|(_, b)| b).unwrap_or(t);
                        let mut f = body.split('|').map(str::trim);
                        (f.next().map(str::to_string), f.next().map(str::to_string))
                    }
                };
                party = match (name, id) {
                    (Some(name), Some(id)) if !name.is_empty() => code_party(&name, &id),
                    _ => None,
                };
            }
            CodeKind::Other => {}
        }
        CodeTarget {
            code: self.clone(),
            ticket,
            appointment,
            item_code,
            party,
        }
    }
}

/// A party from a personal code: the name and ID number it carries, sex and birth date from
/// the number.
fn code_party(name: &str, id: &str) -> Option<crate::domain::intake::Party> {
    let id = id.trim().to_ascii_uppercase();
    yichuang_drivers::idcard::identity::validate_id_number(&id).ok()?;
    let b = id.as_bytes();
    let sex = if (b[16] - b'0') % 2 == 1 {
        "男"
    } else {
        "女"
    };
    Some(crate::domain::intake::Party {
        name: name.chars().take(40).collect(),
        birth: format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]),
        id_number: id,
        id_source: crate::domain::intake::IdSource::Code,
        sex: sex.into(),
        ..Default::default()
    })
}

/// A captured, cropped page.
#[derive(Debug, Clone)]
pub struct CapturedPage {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A document was found and deskewed (otherwise the whole frame is kept).
    pub cropped: bool,
}

pub enum CameraEvent {
    /// For the status bar.
    State(DeviceState),
    /// The camera failed while in use (e.g. unplugged: 「高拍仪未连接…」).
    Error(UserError),
    /// A preview frame.
    Frame(PreviewFrame),
    /// A QR code was read; scanning and the preview have stopped.
    Code(ScannedCode),
}

/// Clerk-facing error from a camera error: the driver's Chinese hint, its kind as the code.
pub fn camera_error(e: &CameraError) -> UserError {
    UserError::with_message(
        ErrorCode::of_kind(
            e.kind(),
            [
                ErrorCode::CameraNotConnected,
                ErrorCode::CameraOpenFailed,
                ErrorCode::CameraTimeout,
                ErrorCode::CameraProtocol,
                ErrorCode::CameraNeedsAttention,
                ErrorCode::CameraDeviceFault,
                ErrorCode::CameraMisconfigured,
            ],
        ),
        e.hint().to_string(),
        e.to_string(),
    )
}

/// Timing of the service loop.
#[derive(Debug, Clone)]
pub struct ServiceTiming {
    /// How often an idle (not previewing) camera's presence is checked, and how long to
    /// wait before reopening after a failure.
    pub reopen: Duration,
}

impl Default for ServiceTiming {
    fn default() -> Self {
        ServiceTiming {
            reopen: Duration::from_secs(2),
        }
    }
}

#[derive(Default)]
struct Shared {
    preview: AtomicBool,
    scanning: AtomicBool,
    stop: AtomicBool,
    /// The newest frame while streaming; `None` when not streaming.
    latest: Mutex<Option<Frame>>,
    /// The last failure, while the camera is not streaming because of it.
    failure: Mutex<Option<UserError>>,
}

/// The running camera service; stops its thread when dropped.
pub struct CameraService {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    simulator: Option<CameraSimulator>,
}

impl CameraService {
    /// Starts the service for `config`, or returns `None` when no camera is installed.
    /// `driver = "simulator"`: the simulator (`port`: a directory of JPEG files to play);
    /// `driver = "camera"`: the real camera (`port`: index, /dev/videoN or part of its name).
    pub fn start(
        config: &DeviceConfig,
        timing: ServiceTiming,
        emit: impl Fn(CameraEvent) + Send + 'static,
    ) -> Option<CameraService> {
        let mut simulator = None;
        let backend: Arc<dyn CameraBackend> = match config.driver {
            DeviceDriver::None => return None,
            DeviceDriver::Simulator => {
                // 1080p at 30 fps, like a document camera's preview mode: the window has
                // to keep up with at least half of it (≥ 15 fps).
                let sim = CameraSimulator::new(SimConfig {
                    sequence: config.port.as_ref().map(Into::into),
                    fps: 30,
                    ..SimConfig::default()
                });
                simulator = Some(sim.clone());
                Arc::new(sim)
            }
            #[cfg(any(target_os = "linux", target_os = "windows"))]
            DeviceDriver::Camera => Arc::new(camera::NativeBackend {
                selector: camera::DeviceSelector::parse(config.port.as_deref()),
            }),
            other => {
                tracing::warn!(driver = ?other, "driver not supported for the document camera");
                return None;
            }
        };
        Self::with_backend(backend, simulator, timing, emit)
    }

    /// Starts the service on any backend (tests, or a backend the shell builds itself).
    pub fn with_backend(
        backend: Arc<dyn CameraBackend>,
        simulator: Option<CameraSimulator>,
        timing: ServiceTiming,
        emit: impl Fn(CameraEvent) + Send + 'static,
    ) -> Option<CameraService> {
        let shared = Arc::new(Shared::default());
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || run(backend.as_ref(), &timing, &thread_shared, &emit))
            .ok()?;
        Some(CameraService {
            shared,
            thread: Some(thread),
            simulator,
        })
    }

    /// Opens the camera and streams preview frames.
    pub fn start_preview(&self) {
        self.shared.preview.store(true, Ordering::SeqCst);
    }

    /// Stops the preview (and scanning) and closes the camera.
    pub fn stop_preview(&self) {
        self.shared.scanning.store(false, Ordering::SeqCst);
        self.shared.preview.store(false, Ordering::SeqCst);
    }

    /// Starts the preview and reads QR codes until one is found.
    pub fn start_scan(&self) {
        self.shared.scanning.store(true, Ordering::SeqCst);
        self.start_preview();
    }

    /// Stops reading QR codes; the preview goes on.
    pub fn stop_scan(&self) {
        self.shared.scanning.store(false, Ordering::SeqCst);
    }

    pub fn is_previewing(&self) -> bool {
        self.shared.preview.load(Ordering::SeqCst)
    }

    pub fn is_scanning(&self) -> bool {
        self.shared.scanning.load(Ordering::SeqCst)
    }

    /// The newest frame, or why there is none (「高拍仪未连接…」 after an unplug).
    pub fn latest_frame(&self) -> Result<Frame, UserError> {
        if let Some(f) = lock(&self.shared.latest).clone() {
            return Ok(f);
        }
        Err(lock(&self.shared.failure).clone().unwrap_or_else(|| {
            UserError::new(
                ErrorCode::CameraNotPreviewing,
                "no frame: the preview is not running or has not delivered a frame yet",
            )
        }))
    }

    /// The newest frame as a page: auto-cropped and deskewed when a document is found,
    /// turned clockwise by `quarter_turns × 90°`, JPEG at quality 90. Heavy (tens of ms at
    /// 5 MP): call it off the UI thread.
    pub fn capture(&self, quarter_turns: u8) -> Result<CapturedPage, UserError> {
        let frame = self.latest_frame()?;
        capture_page(&frame, quarter_turns)
    }

    /// Runs a `camera …` control command on the simulated camera (what the shell's
    /// [`crate::devices::simctl::SimControl::camera`] calls).
    pub fn simulator_control(
        &self,
        action: &crate::devices::simctl::CameraAction,
    ) -> Result<(), UserError> {
        action.apply(self.simulator()?);
        Ok(())
    }

    /// The simulated camera, when `driver = "simulator"`.
    pub fn simulator(&self) -> Result<&CameraSimulator, UserError> {
        self.simulator.as_ref().ok_or_else(|| {
            UserError::new(
                ErrorCode::CameraNotSimulated,
                "devices.camera.driver is not \"simulator\"",
            )
        })
    }
}

/// A frame → a cropped, turned JPEG page.
pub fn capture_page(frame: &Frame, quarter_turns: u8) -> Result<CapturedPage, UserError> {
    let rgb = frame.to_rgb().map_err(|e| camera_error(&e))?;
    let (page, quad) = camera::auto_crop(&rgb);
    let page = page.rotated(quarter_turns);
    let jpeg =
        camera::jpeg::encode_rgb(&page, 90).map_err(|e| camera_error(&CameraError::Decode(e)))?;
    Ok(CapturedPage {
        jpeg,
        width: page.width,
        height: page.height,
        cropped: quad.is_some(),
    })
}

/// One captured page, as the window lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PageInfo {
    /// Unique per page version: a turned page gets a new id.
    pub id: u32,
    pub width: u32,
    pub height: u32,
    /// The document was found, cropped and deskewed (else the whole frame was kept).
    pub cropped: bool,
}

/// The pages captured for one material, in order, until they are attached as its PDF.
#[derive(Debug, Default)]
pub struct PageSet {
    material: String,
    pages: Vec<(PageInfo, Arc<[u8]>)>,
    last_id: u32,
}

impl PageSet {
    pub fn infos(&self) -> Vec<PageInfo> {
        self.pages.iter().map(|(i, _)| i.clone()).collect()
    }

    /// Switches to `material`: pages left over from another material (its panel closed
    /// without attaching) are dropped.
    pub fn for_material(&mut self, material: &str) -> Vec<PageInfo> {
        if self.material != material {
            self.pages.clear();
            self.material = material.to_string();
        }
        self.infos()
    }

    fn next_id(&mut self) -> u32 {
        self.last_id += 1;
        self.last_id
    }

    pub fn add(&mut self, page: CapturedPage) -> Vec<PageInfo> {
        let info = PageInfo {
            id: self.next_id(),
            width: page.width,
            height: page.height,
            cropped: page.cropped,
        };
        self.pages.push((info, page.jpeg.into()));
        self.infos()
    }

    /// A page's JPEG.
    pub fn jpeg(&self, id: u32) -> Result<Arc<[u8]>, UserError> {
        self.pages
            .iter()
            .find(|(i, _)| i.id == id)
            .map(|(_, j)| j.clone())
            .ok_or_else(|| {
                UserError::new(ErrorCode::CameraNoPage, format!("no captured page {id}"))
            })
    }

    /// Puts a turned page (from [`turn_page`]) in place of page `id`, under a new id.
    pub fn replace(&mut self, id: u32, page: CapturedPage) -> Vec<PageInfo> {
        let new_id = self.next_id();
        if let Some((info, jpeg)) = self.pages.iter_mut().find(|(i, _)| i.id == id) {
            *info = PageInfo {
                id: new_id,
                width: page.width,
                height: page.height,
                cropped: info.cropped,
            };
            *jpeg = page.jpeg.into();
        }
        self.infos()
    }

    pub fn remove(&mut self, id: u32) -> Vec<PageInfo> {
        self.pages.retain(|(i, _)| i.id != id);
        self.infos()
    }

    /// The pages as one PDF named after the material: (file name, bytes).
    pub fn pdf(&self) -> Result<(String, Vec<u8>), UserError> {
        if self.pages.is_empty() {
            return Err(UserError::new(
                ErrorCode::CameraNoPages,
                "no captured pages to attach",
            ));
        }
        let title: String = self.material.trim().chars().take(60).collect();
        let refs: Vec<&[u8]> = self.pages.iter().map(|(_, j)| &j[..]).collect();
        let pdf = crate::domain::document::jpeg_pages_to_pdf(&title, &refs)
            .map_err(|e| UserError::new(ErrorCode::CameraPdf, e.to_string()))?;
        let name = if title.is_empty() {
            "高拍仪拍摄"
        } else {
            &title
        };
        Ok((format!("{name}.pdf"), pdf))
    }

    pub fn clear(&mut self) {
        self.pages.clear();
    }
}

/// A captured page's JPEG turned 90° clockwise (heavy: decode and encode; call it off the UI
/// thread and outside any lock).
pub fn turn_page(jpeg: &[u8]) -> Result<CapturedPage, UserError> {
    let bad = |e: camera::JpegError| UserError::new(ErrorCode::CameraPage, e.to_string());
    let turned = camera::jpeg::decode_rgb(jpeg).map_err(bad)?.rotated(1);
    Ok(CapturedPage {
        jpeg: camera::jpeg::encode_rgb(&turned, 90).map_err(bad)?,
        width: turned.width,
        height: turned.height,
        cropped: true,
    })
}

impl Drop for CameraService {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn run(
    backend: &dyn CameraBackend,
    timing: &ServiceTiming,
    shared: &Shared,
    emit: &dyn Fn(CameraEvent),
) {
    let stopped = || shared.stop.load(Ordering::SeqCst);
    let sleep = |d: Duration| {
        let step = Duration::from_millis(25);
        let mut left = d;
        while !left.is_zero() && !stopped() {
            std::thread::sleep(step.min(left));
            left = left.saturating_sub(step);
        }
    };
    let mut last_state: Option<DeviceState> = None;
    let mut state = |s: DeviceState| {
        if last_state.as_ref() != Some(&s) {
            last_state = Some(s.clone());
            emit(CameraEvent::State(s));
        }
    };
    let reader = QrReader::default();
    while !stopped() {
        if !shared.preview.load(Ordering::SeqCst) {
            // Idle: only watch whether the camera is attached.
            let present = backend.list().map(|l| !l.is_empty()).unwrap_or(false);
            if present {
                *lock(&shared.failure) = None;
            }
            state(if present {
                DeviceState::Connected
            } else {
                DeviceState::Disconnected
            });
            // Wake up quickly when the preview is started.
            let mut waited = Duration::ZERO;
            while waited < timing.reopen && !stopped() && !shared.preview.load(Ordering::SeqCst) {
                sleep(Duration::from_millis(25));
                waited += Duration::from_millis(25);
            }
            continue;
        }
        let mut capture = match backend.open() {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "document camera cannot be opened");
                let user = camera_error(&e);
                let report = lock(&shared.failure).as_ref() != Some(&user);
                *lock(&shared.failure) = Some(user.clone());
                state(DeviceState::Disconnected);
                if report {
                    emit(CameraEvent::Error(user));
                }
                sleep(timing.reopen);
                continue;
            }
        };
        *lock(&shared.failure) = None;
        state(DeviceState::Connected);
        tracing::info!(mode = ?capture.mode(), "document camera streaming");
        let mut last_code: Option<String> = None;
        while !stopped() && shared.preview.load(Ordering::SeqCst) {
            match capture.next_frame() {
                Ok(frame) => {
                    *lock(&shared.latest) = Some(frame.clone());
                    if let Ok(jpeg) = frame.to_jpeg(85) {
                        emit(CameraEvent::Frame(PreviewFrame {
                            jpeg,
                            width: frame.width,
                            height: frame.height,
                            seq: frame.seq,
                        }));
                    }
                    if !shared.scanning.load(Ordering::SeqCst) {
                        last_code = None;
                        continue;
                    }
                    let Ok(luma) = frame.to_luma() else { continue };
                    if let Some(code) = reader.read(&luma) {
                        if last_code.as_deref() != Some(code.text.as_str()) {
                            last_code = Some(code.text.clone());
                            // Scanning ends on success, and with it the preview.
                            shared.scanning.store(false, Ordering::SeqCst);
                            shared.preview.store(false, Ordering::SeqCst);
                            emit(CameraEvent::Code(ScannedCode::classify(&code.text)));
                        }
                    }
                }
                Err(e) if e.is_fatal() => {
                    tracing::warn!(error = %e, "document camera lost; reopening");
                    let user = camera_error(&e);
                    *lock(&shared.failure) = Some(user.clone());
                    *lock(&shared.latest) = None;
                    emit(CameraEvent::Error(user));
                    state(DeviceState::Disconnected);
                    break;
                }
                Err(e) => tracing::debug!(error = %e, "bad camera frame; skipped"),
            }
        }
        drop(capture);
        *lock(&shared.latest) = None;
        if shared.preview.load(Ordering::SeqCst) {
            sleep(timing.reopen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;

    fn small_sim() -> CameraSimulator {
        CameraSimulator::new(SimConfig {
            width: 640,
            height: 480,
            fps: 30,
            slide_frames: 3,
            ..SimConfig::default()
        })
    }

    fn fast() -> ServiceTiming {
        ServiceTiming {
            reopen: Duration::from_millis(100),
        }
    }

    /// The next event that `pick` accepts, skipping others.
    fn wait_for<T>(
        rx: &mpsc::Receiver<CameraEvent>,
        within: Duration,
        mut pick: impl FnMut(CameraEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let e = rx.recv_timeout(left).expect("event in time");
            if let Some(t) = pick(e) {
                return t;
            }
        }
    }

    fn start(sim: &CameraSimulator) -> (CameraService, mpsc::Receiver<CameraEvent>) {
        let (tx, rx) = mpsc::channel();
        let svc = CameraService::with_backend(
            Arc::new(sim.clone()),
            Some(sim.clone()),
            fast(),
            move |e| {
                let _ = tx.send(e);
            },
        )
        .unwrap();
        (svc, rx)
    }

    #[test]
    fn d1_a_ticket_under_the_camera_is_read_once_and_the_preview_stops() {
        let sim = small_sim();
        let (svc, rx) = start(&sim);
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::State(DeviceState::Connected) => Some(()),
            _ => None,
        });
        svc.start_scan();
        let frame = wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::Frame(f) => Some(f),
            _ => None,
        });
        assert_eq!((frame.width, frame.height), (640, 480));
        assert_eq!(&frame.jpeg[..2], &[0xFF, 0xD8]);
        sim.show_ticket("QT|A023|20261122|W3|7f3k");
        let code = wait_for(&rx, Duration::from_secs(10), |e| match e {
            CameraEvent::Code(c) => Some(c),
            _ => None,
        });
        assert_eq!(code.text, "QT|A023|20261122|W3|7f3k");
        assert_eq!(code.kind, CodeKind::QueueTicket);
        assert!(!svc.is_scanning() && !svc.is_previewing());
        // No second report of the same code.
        std::thread::sleep(Duration::from_millis(300));
        assert!(rx.try_iter().all(|e| !matches!(e, CameraEvent::Code(_))));
    }

    #[test]
    fn e3_capture_crops_the_page_and_pages_make_a_pdf() {
        let sim = small_sim();
        let (svc, rx) = start(&sim);
        assert!(svc.capture(0).is_err(), "no frame before the preview");
        sim.show_document();
        svc.start_preview();
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::Frame(_) => Some(()),
            _ => None,
        });
        let page = svc.capture(1).unwrap();
        assert!(page.cropped);
        // The simulated page is A4 portrait, 264 px wide; a quarter turn makes it landscape.
        assert!(page.width > page.height, "{}×{}", page.width, page.height);
        assert!(page.height.abs_diff(264) < 16, "{}", page.height);
        let pdf = crate::domain::document::jpeg_pages_to_pdf("身份证明", &[&page.jpeg, &page.jpeg])
            .unwrap();
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
    }

    #[test]
    fn c5_unplug_reports_not_connected_in_chinese_and_replug_recovers() {
        let sim = small_sim();
        let (svc, rx) = start(&sim);
        svc.start_preview();
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::Frame(_) => Some(()),
            _ => None,
        });
        sim.unplug();
        let err = wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::Error(u) => Some(u),
            _ => None,
        });
        assert!(err.message.starts_with("高拍仪未连接"), "{err:?}");
        assert_eq!(err.code, ErrorCode::CameraNotConnected);
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::State(DeviceState::Disconnected) => Some(()),
            _ => None,
        });
        let e = svc.latest_frame().unwrap_err();
        assert!(e.message.starts_with("高拍仪未连接"), "{e:?}");
        sim.plug();
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::State(DeviceState::Connected) => Some(()),
            _ => None,
        });
        wait_for(&rx, Duration::from_secs(5), |e| match e {
            CameraEvent::Frame(_) => Some(()),
            _ => None,
        });
        assert!(svc.latest_frame().is_ok());
    }

    #[test]
    fn e3_pages_belong_to_their_material_turn_and_make_one_pdf() {
        let page = |w: u32, h: u32| {
            let img = yichuang_drivers::camera::GrayImage::filled(w, h, 200);
            CapturedPage {
                jpeg: camera::jpeg::encode_gray(&img, 90).unwrap(),
                width: w,
                height: h,
                cropped: true,
            }
        };
        let mut set = PageSet::default();
        assert!(set.for_material("居民户口簿").is_empty());
        assert!(set.pdf().is_err(), "nothing to attach yet");
        set.add(page(40, 60));
        let infos = set.add(page(40, 60));
        assert_eq!(infos.len(), 2);
        let turned = turn_page(&set.jpeg(infos[1].id).unwrap()).unwrap();
        let infos = set.replace(infos[1].id, turned);
        assert_eq!((infos[1].width, infos[1].height), (60, 40));
        assert_ne!(infos[1].id, 2, "a turned page gets a new id");
        assert!(set.jpeg(2).is_err());
        let (name, pdf) = set.pdf().unwrap();
        assert_eq!(name, "居民户口簿.pdf");
        assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
        assert_eq!(set.remove(infos[0].id).len(), 1);
        // The same material keeps its pages; another one starts empty.
        assert_eq!(set.for_material("居民户口簿").len(), 1);
        assert!(set.for_material("居民身份证").is_empty());
    }

    #[test]
    fn codes_name_their_ticket_appointment_item_and_person() {
        let t = ScannedCode::classify("QT|A023|20261123|W3|item=1144010000001|7f3k").target();
        assert_eq!(t.ticket.as_deref(), Some("A023"));
        assert_eq!(t.item_code.as_deref(), Some("1144010000001"));
        assert!(t.party.is_none());
        let t = ScannedCode::classify(
            "https://appt.hall.example.gov.cn/v1/checkin?id=AP1234567890&item=HJ-001",
        )
        .target();
        assert_eq!(t.code.kind, CodeKind::Appointment);
        assert_eq!(t.appointment.as_deref(), Some("AP1234567890"));
        assert_eq!(t.item_code.as_deref(), Some("HJ-001"));
        let t = ScannedCode::classify(r#"{"appt":"AP1234567890","item":"HJ-002"}"#).target();
        assert_eq!(t.item_code.as_deref(), Some("HJ-002"));
        // A ticket without an item opens nothing but still names the ticket.
        let t = ScannedCode::classify("YC-20250301-A023-7F3K").target();
        assert_eq!((t.ticket.as_deref(), t.item_code), (Some("A023"), None));

        let t = ScannedCode::classify("粤居码:张三|11010519491231002X").target();
        let p = t.party.expect("a valid personal code names its person");
        assert_eq!(
            (p.name.as_str(), p.id_number.as_str()),
            ("张三", "11010519491231002X")
        );
        assert_eq!((p.sex.as_str(), p.birth.as_str()), ("女", "1949-12-31"));
        assert_eq!(p.id_source, crate::domain::intake::IdSource::Code);
        let t = ScannedCode::classify(r#"{"name":"李四","idNo":"110105194912310038"}"#).target();
        assert_eq!(t.party.map(|p| p.name), Some("李四".to_string()));
        // A wrong check digit names nobody.
        assert!(ScannedCode::classify("粤居码:张三|110105194912310020")
            .target()
            .party
            .is_none());
    }

    #[test]
    fn codes_are_classified_by_their_shape() {
        let cases = [
            ("QT|A023|20261122|W3|7f3k", CodeKind::QueueTicket),
            ("YC-20250301-A023-7F3K", CodeKind::QueueTicket),
            (
                "https://q.hall.example.gov.cn/ticket?no=A001&sig=1",
                CodeKind::QueueTicket,
            ),
            (r#"{"t":"A001","dept":"NK01"}"#, CodeKind::QueueTicket),
            (
                r#"{"appt":"AP1234567890","slot":"09:30"}"#,
                CodeKind::Appointment,
            ),
            ("AP1234567890", CodeKind::Appointment),
            (
                "https://appt.hall.example.gov.cn/v1/checkin?id=AP1234567890&t=A1",
                CodeKind::Appointment,
            ),
            ("粤居码:4401…", CodeKind::PersonalCode),
            (
                r#"{"name":"张三","id_number":"11010519491231002X"}"#,
                CodeKind::PersonalCode,
            ),
            ("hello", CodeKind::Other),
        ];
        for (text, kind) in cases {
            assert_eq!(ScannedCode::classify(text).kind, kind, "{text}");
        }
    }

    #[test]
    fn no_camera_installed_starts_nothing_and_a_real_camera_without_device_is_disconnected() {
        let none = DeviceConfig {
            driver: DeviceDriver::None,
            ..DeviceConfig::default()
        };
        assert!(CameraService::start(&none, fast(), |_| {}).is_none());
        let real = DeviceConfig {
            driver: DeviceDriver::Camera,
            port: Some("63".into()),
            ..DeviceConfig::default()
        };
        let (tx, rx) = mpsc::channel();
        let svc = CameraService::start(&real, fast(), move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
        assert!(svc.simulator().is_err());
        svc.start_preview();
        let err = wait_for(&rx, Duration::from_secs(10), |e| match e {
            CameraEvent::Error(u) => Some(u),
            _ => None,
        });
        assert!(err.message.starts_with("高拍仪"), "{err:?}");
    }
}
