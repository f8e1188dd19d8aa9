//! Document camera (高拍仪): live preview frames, captured pages with auto-crop and deskew,
//! and QR codes read from the preview (queue tickets, appointments, personal codes).
//!
//! Layers, each in its own file:
//! - [`source`]: the seam — [`CameraBackend`] (list, open) and [`Capture`] (frames) — and
//!   [`choose_mode`], which picks the highest MJPEG resolution a camera offers;
//! - [`native`]: the real camera through nokhwa (V4L2 on Linux, Media Foundation on Windows);
//! - [`simulator`]: a synthetic scene or a JPEG sequence behind the same traits, with unplug;
//! - [`frame`]: one frame as the camera sent it; MJPEG bytes kept as-is for the preview,
//!   decoded to luma or RGB on demand;
//! - [`jpeg`]: pure JPEG decode (straight to luma) and encode;
//! - [`qr`]: QR reading that finds the paper before decoding;
//! - [`binarize`]: ZXing's hybrid binariser for the QR readers, built a word at a time;
//! - [`crop`]: auto-crop and deskew of a page (largest quadrilateral + perspective warp);
//! - [`scene`]: synthetic desks, tickets and pages for the simulator, tests and benches;
//! - [`image`]: the pixel buffers;
//! - [`error`]: [`CameraError`], whose [`kind`](CameraError::kind) maps to
//!   [`crate::ErrorKind`] and whose [`message`](CameraError::message) is the clerk's sentence.

pub mod binarize;
pub mod crop;
pub mod error;
pub mod frame;
pub mod image;
pub mod jpeg;
#[cfg(any(target_os = "linux", target_os = "windows"))]
pub mod native;
pub mod qr;
pub mod scene;
pub mod simulator;
pub mod source;

pub use crop::{auto_crop, find_document, warp, Quad};
pub use error::{CameraError, CameraProblem};
pub use frame::{Frame, PixelFormat};
pub use image::{GrayImage, RgbImage};
pub use jpeg::JpegError;
#[cfg(any(target_os = "linux", target_os = "windows"))]
pub use native::{DeviceSelector, NativeBackend};
pub use qr::{QrCode, QrReader, QrReaderConfig};
pub use simulator::{CameraSimulator, Scene, SimConfig};
pub use source::{choose_mode, CameraBackend, CameraInfo, Capture, StreamMode};

/// The device's Chinese name, used in every clerk-facing message.
pub const DEVICE_NAME: &str = crate::messages::device::CAMERA;
