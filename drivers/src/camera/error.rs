//! [`CameraError`]: every way the document camera can fail, each with a [`crate::ErrorKind`]
//! for the app and a [`CameraProblem`] whose Chinese sentence the clerk reads
//! ([`CameraError::message`], from [`crate::messages::camera`]); the `Display` text is the detail
//! for IT.

use super::jpeg::JpegError;
use super::DEVICE_NAME;
use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// What the clerk is told; one Chinese sentence per problem, in [`crate::messages::camera`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CameraProblem {
    NotConnected,
    OpenFailed,
    UnsupportedFormat,
    NoPicture,
    BadPicture,
    Misconfigured,
    /// The QR decoder failed on a code in the picture (a damaged or crafted code).
    UnreadableCode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CameraError {
    /// No camera matches the configured device (none attached, wrong index or name).
    #[error("no camera {device}: {detail}")]
    NotFound { device: String, detail: String },
    /// The camera went away while streaming (USB unplugged).
    #[error("camera {device} disconnected: {detail}")]
    Unplugged { device: String, detail: String },
    /// The camera is there but cannot be opened (in use, permissions, driver).
    #[error("cannot open camera {device}: {detail}")]
    Open { device: String, detail: String },
    /// The camera offers no format this driver can decode.
    #[error("camera {device} offers no usable format: {offered}")]
    NoUsableFormat { device: String, offered: String },
    /// No frame arrived in time.
    #[error("no frame within {waited_ms} ms")]
    Timeout { waited_ms: u64 },
    /// A frame did not decode (a corrupt MJPEG frame; the next one usually does).
    #[error("bad frame: {0}")]
    Decode(#[from] JpegError),
    /// A frame's size or format is inconsistent with its bytes.
    #[error("bad frame: {0}")]
    Frame(String),
    /// The configuration cannot work (unknown device selector, bad simulator directory).
    #[error("invalid camera configuration: {0}")]
    Config(String),
    /// The QR decoder panicked on this frame (a damaged or crafted code hitting a bug in the
    /// decoder); caught, so the preview goes on with the next frame.
    #[error("QR decoder failed on this frame: {0}")]
    QrDecoder(String),
}

impl CameraError {
    /// The shared kind the app maps to its message table.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CameraError::NotFound { .. } | CameraError::Unplugged { .. } => ErrorKind::NotConnected,
            CameraError::Open { .. } => ErrorKind::OpenFailed,
            CameraError::NoUsableFormat { .. } | CameraError::Config(_) => ErrorKind::Misconfigured,
            CameraError::Timeout { .. } => ErrorKind::Timeout,
            CameraError::Decode(_) | CameraError::Frame(_) | CameraError::QrDecoder(_) => {
                ErrorKind::Protocol
            }
        }
    }

    /// What the clerk is told, as a key into [`crate::messages::camera`].
    pub fn problem(&self) -> CameraProblem {
        match self {
            CameraError::NotFound { .. } | CameraError::Unplugged { .. } => {
                CameraProblem::NotConnected
            }
            CameraError::Open { .. } => CameraProblem::OpenFailed,
            CameraError::NoUsableFormat { .. } => CameraProblem::UnsupportedFormat,
            CameraError::Timeout { .. } => CameraProblem::NoPicture,
            CameraError::Decode(_) | CameraError::Frame(_) => CameraProblem::BadPicture,
            CameraError::Config(_) => CameraProblem::Misconfigured,
            CameraError::QrDecoder(_) => CameraProblem::UnreadableCode,
        }
    }

    /// One Chinese sentence telling the clerk what to do.
    pub fn message(&self) -> &'static str {
        messages::camera(self.problem())
    }

    /// Whether the camera is gone or unusable (close and reopen), as opposed to one bad
    /// frame after which streaming simply continues.
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            CameraError::Decode(_)
                | CameraError::Frame(_)
                | CameraError::Timeout { .. }
                | CameraError::QrDecoder(_)
        )
    }

    /// The app-level error: kind, device name and this error as the IT detail.
    pub fn to_device_error(&self) -> DeviceError {
        DeviceError {
            kind: self.kind(),
            device: DEVICE_NAME,
            detail: self.to_string(),
        }
    }
}

impl From<CameraError> for DeviceError {
    fn from(e: CameraError) -> Self {
        e.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unplugged_says_not_connected_in_chinese() {
        let e = CameraError::Unplugged {
            device: "0".into(),
            detail: "ENODEV".into(),
        };
        assert_eq!(e.kind(), ErrorKind::NotConnected);
        assert!(e.message().starts_with("高拍仪未连接"));
        assert!(e.to_device_error().message().starts_with("高拍仪未连接"));
        assert!(e.is_fatal());
        let bad = CameraError::Decode(JpegError::Decode("x".into()));
        assert_eq!(bad.kind(), ErrorKind::Protocol);
        assert!(!bad.is_fatal());
        for e in [
            CameraError::Open {
                device: "0".into(),
                detail: "busy".into(),
            },
            CameraError::NoUsableFormat {
                device: "0".into(),
                offered: "H264".into(),
            },
            CameraError::Timeout { waited_ms: 2000 },
            CameraError::Config("x".into()),
            CameraError::QrDecoder("index out of bounds".into()),
        ] {
            assert!(e.message().starts_with("高拍仪"), "{e}");
        }
    }
}
