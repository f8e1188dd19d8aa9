//! The capture seam: a [`CameraBackend`] lists and opens cameras, an open [`Capture`] hands
//! out frames. The real camera (nokhwa) and the simulator implement the same two traits, so
//! the app's camera service, its QR loop and its capture path never know which one runs.
//!
//! [`choose_mode`] is the pure part of opening a real camera: given what the device offers,
//! take the highest MJPEG resolution (document cameras deliver 5–8 MP only as MJPEG), and
//! fall back to the best uncompressed mode when MJPEG is not offered.

use super::frame::{Frame, PixelFormat};
use super::CameraError;

/// A camera the system knows about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct CameraInfo {
    /// The backend's index (V4L2: /dev/videoN; Media Foundation: enumeration order).
    pub index: u32,
    pub name: String,
    pub description: String,
}

/// One format a camera offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct StreamMode {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub fps: u32,
}

/// Lists and opens cameras of one kind (real or simulated).
pub trait CameraBackend: Send + Sync {
    /// The cameras attached now.
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError>;
    /// Opens the configured camera and starts its stream.
    fn open(&self) -> Result<Box<dyn Capture>, CameraError>;
}

/// An open camera stream.
pub trait Capture {
    /// The mode the stream runs in.
    fn mode(&self) -> StreamMode;
    /// The next frame; blocks for at most about a second. A fatal error
    /// ([`CameraError::is_fatal`], e.g. [`CameraError::Unplugged`]) means: drop this capture
    /// and open the camera again.
    fn next_frame(&mut self) -> Result<Frame, CameraError>;
    /// A still at the stream's full resolution. Document cameras stream at their highest
    /// MJPEG resolution already, so this is the next frame unless a backend knows better.
    fn capture_still(&mut self) -> Result<Frame, CameraError> {
        self.next_frame()
    }
}

/// Modes below this many frames per second are used only when nothing faster is offered.
pub const MIN_PREVIEW_FPS: u32 = 10;

/// The mode to open: the highest-resolution MJPEG mode (ties: higher frame rate); without
/// MJPEG, the highest-resolution uncompressed mode that still previews at
/// [`MIN_PREVIEW_FPS`], else the highest-resolution one at all. `None` when nothing is
/// decodable.
pub fn choose_mode(offers: &[StreamMode]) -> Option<StreamMode> {
    let area = |m: &StreamMode| m.width as u64 * m.height as u64;
    let best = |it: &mut dyn Iterator<Item = &StreamMode>| {
        it.max_by_key(|m| (area(m), m.fps, format_rank(m.format)))
            .copied()
    };
    let usable = |m: &&StreamMode| m.width > 0 && m.height > 0;
    best(
        &mut offers
            .iter()
            .filter(usable)
            .filter(|m| m.format == PixelFormat::Mjpeg),
    )
    .or_else(|| {
        best(
            &mut offers
                .iter()
                .filter(usable)
                .filter(|m| m.fps >= MIN_PREVIEW_FPS),
        )
    })
    .or_else(|| best(&mut offers.iter().filter(usable)))
}

/// Preference between uncompressed formats of equal size and rate.
fn format_rank(f: PixelFormat) -> u8 {
    match f {
        PixelFormat::Mjpeg => 4,
        PixelFormat::Yuyv => 3,
        PixelFormat::Nv12 => 2,
        PixelFormat::Rgb => 1,
        PixelFormat::Gray => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(width: u32, height: u32, format: PixelFormat, fps: u32) -> StreamMode {
        StreamMode {
            width,
            height,
            format,
            fps,
        }
    }

    #[test]
    fn highest_mjpeg_resolution_wins() {
        let offers = [
            m(640, 480, PixelFormat::Yuyv, 30),
            m(2592, 1944, PixelFormat::Yuyv, 2),
            m(1920, 1080, PixelFormat::Mjpeg, 30),
            m(3264, 2448, PixelFormat::Mjpeg, 15),
            m(3264, 2448, PixelFormat::Mjpeg, 10),
        ];
        assert_eq!(
            choose_mode(&offers),
            Some(m(3264, 2448, PixelFormat::Mjpeg, 15))
        );
    }

    #[test]
    fn without_mjpeg_the_largest_fluid_mode_then_the_largest() {
        let offers = [
            m(640, 480, PixelFormat::Yuyv, 30),
            m(1280, 720, PixelFormat::Nv12, 10),
            m(2592, 1944, PixelFormat::Yuyv, 3),
        ];
        assert_eq!(
            choose_mode(&offers),
            Some(m(1280, 720, PixelFormat::Nv12, 10))
        );
        assert_eq!(
            choose_mode(&[m(2592, 1944, PixelFormat::Yuyv, 3)]),
            Some(m(2592, 1944, PixelFormat::Yuyv, 3))
        );
        assert_eq!(choose_mode(&[]), None);
        assert_eq!(choose_mode(&[m(0, 0, PixelFormat::Mjpeg, 30)]), None);
    }
}
