//! The real document camera through nokhwa: V4L2 on Linux, Media Foundation on Windows.
//!
//! Opening lists the camera's formats and asks for exactly the one [`choose_mode`] picks
//! (highest-resolution MJPEG, else the best uncompressed mode); when a driver cannot list its
//! formats (a known Media Foundation failure) it falls back to nokhwa's
//! `AbsoluteHighestResolution` over every format we decode. Frames are taken as the
//! camera's own bytes: MJPEG stays JPEG until someone needs pixels.
//!
//! A frame read that fails is checked against the device list: a camera no longer listed is
//! [`CameraError::Unplugged`]; one still listed is a timeout, and several in a row are
//! treated as unplugged too (a wedged USB link).

use super::frame::{Frame, PixelFormat};
use super::source::{choose_mode, CameraBackend, CameraInfo, Capture, StreamMode};
use super::CameraError;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};
use nokhwa::Camera;

/// Which camera to open: the config's `port` — empty for the first camera, a number for that
/// index, anything else for the first camera whose name contains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSelector {
    First,
    Index(u32),
    NameContains(String),
}

impl DeviceSelector {
    pub fn parse(port: Option<&str>) -> DeviceSelector {
        match port.map(str::trim) {
            None | Some("") => DeviceSelector::First,
            Some(p) => match p.strip_prefix("/dev/video").unwrap_or(p).parse::<u32>() {
                Ok(i) => DeviceSelector::Index(i),
                Err(_) => DeviceSelector::NameContains(p.to_string()),
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            DeviceSelector::First => "(first camera)".into(),
            DeviceSelector::Index(i) => format!("#{i}"),
            DeviceSelector::NameContains(s) => format!("{s:?}"),
        }
    }

    /// The camera this selects among `cameras`.
    pub fn pick<'a>(&self, cameras: &'a [CameraInfo]) -> Option<&'a CameraInfo> {
        match self {
            DeviceSelector::First => cameras.iter().min_by_key(|c| c.index),
            DeviceSelector::Index(i) => cameras.iter().find(|c| c.index == *i),
            DeviceSelector::NameContains(s) => cameras.iter().find(|c| c.name.contains(s.as_str())),
        }
    }
}

/// The nokhwa backend for the configured camera.
#[derive(Debug, Clone)]
pub struct NativeBackend {
    pub selector: DeviceSelector,
}

fn pixel_format(f: FrameFormat) -> Option<PixelFormat> {
    match f {
        FrameFormat::MJPEG => Some(PixelFormat::Mjpeg),
        FrameFormat::YUYV => Some(PixelFormat::Yuyv),
        FrameFormat::NV12 => Some(PixelFormat::Nv12),
        FrameFormat::GRAY => Some(PixelFormat::Gray),
        FrameFormat::RAWRGB => Some(PixelFormat::Rgb),
        FrameFormat::RAWBGR => None,
    }
}

fn frame_format(f: PixelFormat) -> FrameFormat {
    match f {
        PixelFormat::Mjpeg => FrameFormat::MJPEG,
        PixelFormat::Yuyv => FrameFormat::YUYV,
        PixelFormat::Nv12 => FrameFormat::NV12,
        PixelFormat::Gray => FrameFormat::GRAY,
        PixelFormat::Rgb => FrameFormat::RAWRGB,
    }
}

const DECODABLE: [FrameFormat; 5] = [
    FrameFormat::MJPEG,
    FrameFormat::YUYV,
    FrameFormat::NV12,
    FrameFormat::GRAY,
    FrameFormat::RAWRGB,
];

fn list_cameras() -> Result<Vec<CameraInfo>, CameraError> {
    let found = nokhwa::query(ApiBackend::Auto).map_err(|e| CameraError::NotFound {
        device: "*".into(),
        detail: e.to_string(),
    })?;
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(n, c)| CameraInfo {
            index: c.index().as_index().unwrap_or(n as u32),
            name: c.human_name(),
            description: c.description().to_string(),
        })
        .collect())
}

impl CameraBackend for NativeBackend {
    fn list(&self) -> Result<Vec<CameraInfo>, CameraError> {
        list_cameras()
    }

    fn open(&self) -> Result<Box<dyn Capture>, CameraError> {
        let device = self.selector.describe();
        let cameras = list_cameras()?;
        let info = self
            .selector
            .pick(&cameras)
            .ok_or_else(|| CameraError::NotFound {
                device: device.clone(),
                detail: format!("{} camera(s) attached", cameras.len()),
            })?
            .clone();
        let index = CameraIndex::Index(info.index);
        let open_err = |e: nokhwa::NokhwaError| CameraError::Open {
            device: info.name.clone(),
            detail: e.to_string(),
        };
        let mut camera = Camera::new(
            index.clone(),
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
        )
        .map_err(open_err)?;
        let offers: Vec<(StreamMode, CameraFormat)> = camera
            .compatible_camera_formats()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| {
                let format = pixel_format(f.format())?;
                Some((
                    StreamMode {
                        width: f.width(),
                        height: f.height(),
                        format,
                        fps: f.frame_rate(),
                    },
                    f,
                ))
            })
            .collect();
        let modes: Vec<StreamMode> = offers.iter().map(|(m, _)| *m).collect();
        let request = match choose_mode(&modes) {
            Some(mode) => {
                let format = CameraFormat::new_from(
                    mode.width,
                    mode.height,
                    frame_format(mode.format),
                    mode.fps,
                );
                RequestedFormat::with_formats(RequestedFormatType::Exact(format), &DECODABLE)
            }
            // The driver could not list its formats: let nokhwa take the largest it can.
            None => RequestedFormat::with_formats(
                RequestedFormatType::AbsoluteHighestResolution,
                &DECODABLE,
            ),
        };
        camera.set_camera_requset(request).map_err(open_err)?;
        camera.open_stream().map_err(open_err)?;
        let negotiated = camera.camera_format();
        let format =
            pixel_format(negotiated.format()).ok_or_else(|| CameraError::NoUsableFormat {
                device: info.name.clone(),
                offered: format!("{negotiated}"),
            })?;
        Ok(Box::new(NativeCapture {
            camera,
            info,
            mode: StreamMode {
                width: negotiated.width(),
                height: negotiated.height(),
                format,
                fps: negotiated.frame_rate(),
            },
            seq: 0,
            failures: 0,
        }))
    }
}

struct NativeCapture {
    camera: Camera,
    info: CameraInfo,
    mode: StreamMode,
    seq: u64,
    failures: u32,
}

/// Consecutive failed reads of a still-listed camera after which it counts as unplugged.
const MAX_FAILURES: u32 = 5;

impl Capture for NativeCapture {
    fn mode(&self) -> StreamMode {
        self.mode
    }

    fn next_frame(&mut self) -> Result<Frame, CameraError> {
        match self.camera.frame() {
            Ok(buffer) => {
                self.failures = 0;
                self.seq += 1;
                let res = buffer.resolution();
                // Some Windows cameras deliver another format than they report (nokhwa#19):
                // trust the bytes' own format over the negotiated one.
                let format = pixel_format(buffer.source_frame_format()).unwrap_or(self.mode.format);
                let data: std::sync::Arc<[u8]> = buffer.buffer().into();
                if format == PixelFormat::Mjpeg {
                    return Frame::from_jpeg(data, self.seq);
                }
                Ok(Frame {
                    width: res.width(),
                    height: res.height(),
                    format,
                    data,
                    seq: self.seq,
                })
            }
            Err(e) => {
                self.failures += 1;
                let still_there = list_cameras()
                    .map(|cams| cams.iter().any(|c| c.index == self.info.index))
                    .unwrap_or(false);
                if !still_there || self.failures >= MAX_FAILURES {
                    Err(CameraError::Unplugged {
                        device: self.info.name.clone(),
                        detail: e.to_string(),
                    })
                } else {
                    Err(CameraError::Timeout { waited_ms: 1000 })
                }
            }
        }
    }
}

impl Drop for NativeCapture {
    fn drop(&mut self) {
        let _ = self.camera.stop_stream();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_setting_selects_a_camera() {
        assert_eq!(DeviceSelector::parse(None), DeviceSelector::First);
        assert_eq!(DeviceSelector::parse(Some(" ")), DeviceSelector::First);
        assert_eq!(DeviceSelector::parse(Some("2")), DeviceSelector::Index(2));
        assert_eq!(
            DeviceSelector::parse(Some("/dev/video4")),
            DeviceSelector::Index(4)
        );
        let cams = [
            CameraInfo {
                index: 2,
                name: "USB Document Camera".into(),
                description: String::new(),
            },
            CameraInfo {
                index: 0,
                name: "Integrated Webcam".into(),
                description: String::new(),
            },
        ];
        assert_eq!(DeviceSelector::First.pick(&cams).unwrap().index, 0);
        assert_eq!(
            DeviceSelector::parse(Some("Document"))
                .pick(&cams)
                .unwrap()
                .index,
            2
        );
        assert!(DeviceSelector::Index(7).pick(&cams).is_none());
    }

    #[test]
    fn without_a_camera_opening_is_a_typed_not_found() {
        // These machines have no /dev/video*: the real backend must say so, not panic.
        let backend = NativeBackend {
            selector: DeviceSelector::Index(63),
        };
        // (A machine with 64 cameras opens it: nothing to check there.)
        if let Err(e) = backend.open() {
            assert_eq!(e.kind(), crate::ErrorKind::NotConnected, "{e}");
        }
    }
}
