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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use yichuang_drivers::camera::{
    self, CameraBackend, CameraError, CameraSimulator, Frame, GrayImage, QrCode, QrReader,
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
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                run(
                    backend.as_ref(),
                    &timing,
                    decoder.as_ref(),
                    &thread_shared,
                    &emit,
                )
            })
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
    decoder: &(dyn Fn(&GrayImage) -> Option<QrCode> + Send + Sync),
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
        // A decoder failure is reported once per scan, not on every frame showing the code.
        let mut decoder_failed = false;
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
                        decoder_failed = false;
                        continue;
                    }
                    let Ok(luma) = frame.to_luma() else { continue };
                    match camera::qr::decode_guarded(|| decoder(&luma)) {
                        Ok(Some(code)) => {
                            if last_code.as_deref() != Some(code.text.as_str()) {
                                last_code = Some(code.text.clone());
                                // Scanning ends on success, and with it the preview.
                                shared.scanning.store(false, Ordering::SeqCst);
                                shared.preview.store(false, Ordering::SeqCst);
                                emit(CameraEvent::Code(ScannedCode::classify(&code.text)));
                            }
                        }
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, seq = frame.seq, "QR decoder failed on a frame; preview continues");
                            if !std::mem::replace(&mut decoder_failed, true) {
                                emit(CameraEvent::Error(camera_error(&e)));
                            }
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
