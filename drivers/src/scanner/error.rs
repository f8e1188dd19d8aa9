//! [`ScannerError`]: every way getting a scan can fail, each with a [`crate::ErrorKind`] for
//! the app and a [`ScannerProblem`] whose Chinese sentence the clerk reads
//! ([`ScannerError::message`], from [`crate::messages::scanner`]); the `Display` text is the
//! detail for IT.

use super::codec::FrameError;
use super::DEVICE_NAME;
use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// What the clerk is told; one Chinese sentence per problem, in [`crate::messages::scanner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScannerProblem {
    NotConnected,
    OpenFailed,
    /// A scan longer than the configured limit was dropped.
    TooLong,
    /// A scan did not decode in the configured encoding.
    Undecodable,
    /// Scans arrive without the configured suffix.
    SuffixMismatch,
    Misconfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScannerError {
    /// The configured port does not exist (scanner unplugged, or not in USB-CDC mode).
    #[error("port {port} not found: {detail}")]
    NotFound { port: String, detail: String },
    /// The port exists but cannot be opened (in use, permissions, driver).
    #[error("cannot open {port}: {detail}")]
    Open { port: String, detail: String },
    /// The link broke (unplugged, port closed).
    #[error("link error: {0}")]
    Io(String),
    /// One scan was dropped (too long, undecodable, no suffix). The scanner stays usable.
    #[error("bad scan: {0}")]
    Frame(#[from] FrameError),
    /// The configuration cannot work (e.g. `max_len` 0).
    #[error("invalid scanner configuration: {0}")]
    Config(String),
}

impl ScannerError {
    /// The shared kind the app maps to its message table.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScannerError::NotFound { .. } | ScannerError::Io(_) => ErrorKind::NotConnected,
            ScannerError::Open { .. } => ErrorKind::OpenFailed,
            ScannerError::Frame(FrameError::MissingSuffix { .. }) | ScannerError::Config(_) => {
                ErrorKind::Misconfigured
            }
            ScannerError::Frame(_) => ErrorKind::Protocol,
        }
    }

    /// What the clerk is told, as a key into [`crate::messages::scanner`].
    pub fn problem(&self) -> ScannerProblem {
        match self {
            ScannerError::NotFound { .. } | ScannerError::Io(_) => ScannerProblem::NotConnected,
            ScannerError::Open { .. } => ScannerProblem::OpenFailed,
            ScannerError::Frame(FrameError::TooLong { .. }) => ScannerProblem::TooLong,
            ScannerError::Frame(FrameError::Decode { .. } | FrameError::BadReport { .. }) => {
                ScannerProblem::Undecodable
            }
            ScannerError::Frame(FrameError::MissingSuffix { .. }) => ScannerProblem::SuffixMismatch,
            ScannerError::Config(_) => ScannerProblem::Misconfigured,
        }
    }

    /// One Chinese sentence telling the clerk what to do.
    pub fn message(&self) -> &'static str {
        messages::scanner(self.problem())
    }

    /// Whether the scanner is gone or unusable (reopen / reconfigure), as opposed to one bad
    /// scan after which reading simply continues.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, ScannerError::Frame(_))
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

impl From<ScannerError> for DeviceError {
    fn from(e: ScannerError) -> Self {
        e.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::{Suffix, TextEncoding};
    use super::*;

    #[test]
    fn errors_map_to_kinds_and_chinese_hints() {
        let cases = [
            (
                ScannerError::NotFound {
                    port: "/dev/ttyACM0".into(),
                    detail: "No such file".into(),
                },
                ErrorKind::NotConnected,
            ),
            (ScannerError::Io("EIO".into()), ErrorKind::NotConnected),
            (
                ScannerError::Open {
                    port: "COM3".into(),
                    detail: "busy".into(),
                },
                ErrorKind::OpenFailed,
            ),
            (
                ScannerError::Frame(FrameError::TooLong { limit: 4096 }),
                ErrorKind::Protocol,
            ),
            (
                ScannerError::Frame(FrameError::Decode {
                    encoding: TextEncoding::Utf8,
                    len: 2,
                    preview: "ff ff".into(),
                }),
                ErrorKind::Protocol,
            ),
            (
                ScannerError::Frame(FrameError::MissingSuffix {
                    suffix: Suffix::Cr,
                    len: 3,
                }),
                ErrorKind::Misconfigured,
            ),
            (ScannerError::Config("x".into()), ErrorKind::Misconfigured),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e}");
            assert!(e.message().starts_with("扫码") || e.message().starts_with("条码"));
            let d = e.to_device_error();
            assert!(d.message().starts_with(DEVICE_NAME));
            assert_eq!(e.is_fatal(), !matches!(e, ScannerError::Frame(_)));
        }
        assert_eq!(
            ScannerError::Io("x".into()).kind().message(DEVICE_NAME),
            "扫码枪未连接，请检查连接线后重试。"
        );
        assert!(ScannerError::Io("x".into())
            .message()
            .starts_with("扫码枪未连接"));
    }
}
