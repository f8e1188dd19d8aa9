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

use crate::devices::runtime::{self, Report, Step, Worker};
use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use yichuang_drivers::camera::{
    self, CameraBackend, CameraError, CameraSimulator, Capture, Frame, GrayImage, QrCode, QrReader,
    SimConfig,
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

mod codes;
mod pages;
pub mod signed;
#[cfg(test)]
mod tests;

pub use codes::*;
pub use pages::*;

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
        e.message().to_string(),
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

/// The QR decoder the service runs on each frame while scanning: [`QrReader::read`] unless a
/// test puts a decoder with a known fault in its place
/// ([`CameraService::with_decoder`]). Whatever it is, it runs with its panics caught.
pub type QrDecoder = Arc<dyn Fn(&GrayImage) -> Option<QrCode> + Send + Sync>;

#[derive(Default)]
struct Shared {
    preview: AtomicBool,
    scanning: AtomicBool,
    /// The newest frame while streaming; `None` when not streaming.
    latest: Mutex<Option<Frame>>,
    /// The last failure, while the camera is not streaming because of it.
    failure: Mutex<Option<UserError>>,
}

/// The running camera service; stops its thread when dropped.
pub struct CameraService {
    /// First field: dropped (stopped and joined) before the simulator it may be reading.
    worker: Worker,
    shared: Arc<Shared>,
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
        let reader = QrReader::default();
        let decoder: QrDecoder = Arc::new(move |luma| reader.read(luma));
        Self::with_decoder(backend, simulator, timing, decoder, emit)
    }

    /// [`with_backend`](Self::with_backend) with another QR decoder.
    pub fn with_decoder(
        backend: Arc<dyn CameraBackend>,
        simulator: Option<CameraSimulator>,
        timing: ServiceTiming,
        decoder: QrDecoder,
        emit: impl Fn(CameraEvent) + Send + 'static,
    ) -> Option<CameraService> {
        let shared = Arc::new(Shared::default());
        let camera = Camera {
            backend,
            decoder,
            shared: shared.clone(),
            emit: Box::new(emit),
            last_state: None,
            last_code: None,
            decoder_failed: false,
        };
        let timing = runtime::Timing::reopen_after(timing.reopen);
        let worker = Worker::device(camera, timing).ok()?;
        Some(CameraService {
            worker,
            shared,
            simulator,
        })
    }

    /// Opens the camera and streams preview frames.
    pub fn start_preview(&self) {
        self.shared.preview.store(true, Ordering::SeqCst);
        self.worker.wake();
    }

    /// Stops the preview (and scanning) and closes the camera.
    pub fn stop_preview(&self) {
        self.shared.scanning.store(false, Ordering::SeqCst);
        self.shared.preview.store(false, Ordering::SeqCst);
        self.worker.wake();
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What is particular to the camera in the device loop ([`runtime::Device`]): it is wanted
/// only while previewing (idle, only its presence is watched), and a poll step takes one
/// frame, shows it and, while scanning, reads it.
struct Camera {
    backend: Arc<dyn CameraBackend>,
    decoder: QrDecoder,
    shared: Arc<Shared>,
    emit: Box<dyn Fn(CameraEvent) + Send>,
    last_state: Option<DeviceState>,
    /// The code last reported in this stream.
    last_code: Option<String>,
    /// A decoder failure is reported once per scan, not on every frame showing the code.
    decoder_failed: bool,
}

impl Camera {
    fn state(&mut self, s: DeviceState) {
        if self.last_state.as_ref() != Some(&s) {
            self.last_state = Some(s.clone());
            (self.emit)(CameraEvent::State(s));
        }
    }

    /// Keeps `user` as the reason there is no frame; reports it when it is new or `always`.
    fn failed(&mut self, user: UserError, always: bool) {
        let report = always || lock(&self.shared.failure).as_ref() != Some(&user);
        *lock(&self.shared.failure) = Some(user.clone());
        *lock(&self.shared.latest) = None;
        if report {
            (self.emit)(CameraEvent::Error(user));
        }
        self.state(DeviceState::Disconnected);
    }

    fn read_code(&mut self, frame: &Frame) {
        let Ok(luma) = frame.to_luma() else { return };
        match camera::qr::decode_guarded(|| (self.decoder)(&luma)) {
            Ok(Some(code)) => {
                if self.last_code.as_deref() != Some(code.text.as_str()) {
                    self.last_code = Some(code.text.clone());
                    // Scanning ends on success, and with it the preview.
                    self.shared.scanning.store(false, Ordering::SeqCst);
                    self.shared.preview.store(false, Ordering::SeqCst);
                    (self.emit)(CameraEvent::Code(ScannedCode::classify(&code.text)));
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, seq = frame.seq, "QR decoder failed on a frame; preview continues");
                if !std::mem::replace(&mut self.decoder_failed, true) {
                    (self.emit)(CameraEvent::Error(camera_error(&e)));
                }
            }
        }
    }
}

impl runtime::Device for Camera {
    type Link = Box<dyn Capture>;
    type Error = CameraError;
    const NAME: &'static str = "camera";

    fn wanted(&mut self) -> bool {
        self.shared.preview.load(Ordering::SeqCst)
    }

    /// Idle: only watch whether the camera is attached.
    fn idle(&mut self) {
        let present = self.backend.list().map(|l| !l.is_empty()).unwrap_or(false);
        if present {
            *lock(&self.shared.failure) = None;
        }
        self.state(if present {
            DeviceState::Connected
        } else {
            DeviceState::Disconnected
        });
    }

    fn open(&mut self) -> Result<Self::Link, CameraError> {
        let capture = self.backend.open()?;
        tracing::info!(mode = ?capture.mode(), "document camera streaming");
        Ok(capture)
    }

    fn poll(&mut self, capture: &mut Self::Link) -> Result<Step, CameraError> {
        match capture.next_frame() {
            Ok(frame) => {
                *lock(&self.shared.latest) = Some(frame.clone());
                if let Ok(jpeg) = frame.to_jpeg(85) {
                    (self.emit)(CameraEvent::Frame(PreviewFrame {
                        jpeg,
                        width: frame.width,
                        height: frame.height,
                        seq: frame.seq,
                    }));
                }
                if self.shared.scanning.load(Ordering::SeqCst) {
                    self.read_code(&frame);
                } else {
                    self.last_code = None;
                    self.decoder_failed = false;
                }
            }
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => tracing::debug!(error = %e, "bad camera frame; skipped"),
        }
        Ok(Step::Again)
    }

    fn report(&mut self, report: Report<'_, CameraError>) {
        match report {
            Report::OpenFailed(e) | Report::Unhealthy(e) => self.failed(camera_error(e), false),
            Report::Lost(e) => self.failed(camera_error(e), true),
            Report::Connected => {
                *lock(&self.shared.failure) = None;
                self.last_code = None;
                self.decoder_failed = false;
                self.state(DeviceState::Connected);
            }
            Report::Panicked(p) => {
                if !std::mem::replace(&mut self.decoder_failed, true) {
                    (self.emit)(CameraEvent::Error(p.user_error()));
                }
            }
            Report::Closed => *lock(&self.shared.latest) = None,
        }
    }
}
