//! The receipt printer's error type: what went wrong, the [`ErrorKind`] the app groups it
//! under, and the specific Chinese text for the clerk (one table, in [`PrinterError::message`]).

use super::encoder::EncodeError;
use super::status::{PrinterProblem, StatusParseError};
use crate::error::{DeviceError, ErrorKind};

/// The device's Chinese name, as [`DeviceError::device`] carries it.
pub const DEVICE_NAME: &str = "小票打印机";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrinterError {
    #[error("paper out")]
    PaperOut,
    /// Only raised when the caller refuses to print on a near-end roll.
    #[error("paper near end")]
    PaperNearEnd,
    #[error("cover open")]
    CoverOpen,
    /// The printer reports offline, or the connection was refused, closed or reset.
    #[error("offline: {0}")]
    Offline(String),
    #[error("autocutter error")]
    CutterError,
    #[error("printer error ({0})")]
    Fault(&'static str),
    /// No answer to a status query in time.
    #[error("no answer within {0} ms")]
    Timeout(u64),
    #[error("cannot open {target}: {source}")]
    Open {
        target: String,
        #[source]
        source: std::io::Error,
    },
    #[error("i/o error: {0}")]
    Io(#[source] std::io::Error),
    #[error(transparent)]
    Status(#[from] StatusParseError),
    #[error("invalid print job: {0}")]
    Encode(#[from] EncodeError),
    #[error("invalid printer configuration: {0}")]
    Config(String),
}

impl PrinterError {
    /// The error for a condition the status answers reported.
    pub fn from_problem(problem: PrinterProblem) -> PrinterError {
        match problem {
            PrinterProblem::CoverOpen => PrinterError::CoverOpen,
            PrinterProblem::PaperOut => PrinterError::PaperOut,
            PrinterProblem::CutterError => PrinterError::CutterError,
            PrinterProblem::UnrecoverableError => PrinterError::Fault("unrecoverable"),
            PrinterProblem::RecoverableError => PrinterError::Fault("recoverable"),
            PrinterProblem::Offline => PrinterError::Offline("printer reports offline".into()),
        }
    }

    /// Classifies an I/O error from the transport.
    pub fn from_io(err: std::io::Error, timeout_ms: u64) -> PrinterError {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::TimedOut | K::WouldBlock => PrinterError::Timeout(timeout_ms),
            K::ConnectionRefused
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::NotConnected
            | K::UnexpectedEof => PrinterError::Offline(err.to_string()),
            _ => PrinterError::Io(err),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            PrinterError::PaperOut | PrinterError::PaperNearEnd | PrinterError::CoverOpen => {
                ErrorKind::NeedsAttention
            }
            PrinterError::Offline(_) => ErrorKind::NotConnected,
            PrinterError::CutterError | PrinterError::Fault(_) => ErrorKind::DeviceFault,
            PrinterError::Timeout(_) => ErrorKind::Timeout,
            // No such device file or port: nothing is plugged in there.
            PrinterError::Open { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotConnected
            }
            PrinterError::Open { .. } => ErrorKind::OpenFailed,
            PrinterError::Io(_) => ErrorKind::NotConnected,
            PrinterError::Status(_) => ErrorKind::Protocol,
            PrinterError::Encode(_) | PrinterError::Config(_) => ErrorKind::Misconfigured,
        }
    }

    /// What the clerk reads, in Simplified Chinese.
    pub fn message(&self) -> String {
        match self {
            PrinterError::PaperOut => "打印机缺纸，请装入新的纸卷后重试。".into(),
            PrinterError::PaperNearEnd => "打印机纸将用尽，请准备更换纸卷。".into(),
            PrinterError::CoverOpen => "打印机盖未合上，请合上纸仓盖后重试。".into(),
            PrinterError::Offline(_) => "打印机离线，请检查电源和连接线后重试。".into(),
            PrinterError::CutterError => "打印机切刀故障，请关闭电源后检查切刀。".into(),
            PrinterError::Fault(_) => "打印机故障，请重启打印机；多次失败请联系运维人员。".into(),
            other => other.kind().message(DEVICE_NAME),
        }
    }

    /// The shared shape the app hands on: kind, device, and the clerk text plus the detail
    /// for IT in `detail`.
    pub fn to_device_error(&self) -> DeviceError {
        DeviceError {
            kind: self.kind(),
            device: DEVICE_NAME,
            detail: format!("{}（{self}）", self.message()),
        }
    }
}

impl From<PrinterError> for DeviceError {
    fn from(err: PrinterError) -> DeviceError {
        err.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f2_problems_map_to_kinds_and_specific_chinese_texts() {
        let cases = [
            (
                PrinterError::PaperOut,
                ErrorKind::NeedsAttention,
                "打印机缺纸",
            ),
            (
                PrinterError::PaperNearEnd,
                ErrorKind::NeedsAttention,
                "打印机纸将用尽",
            ),
            (
                PrinterError::CoverOpen,
                ErrorKind::NeedsAttention,
                "打印机盖未合上",
            ),
            (
                PrinterError::Offline("x".into()),
                ErrorKind::NotConnected,
                "打印机离线",
            ),
            (
                PrinterError::CutterError,
                ErrorKind::DeviceFault,
                "打印机切刀故障",
            ),
            (
                PrinterError::Fault("x"),
                ErrorKind::DeviceFault,
                "打印机故障",
            ),
            (
                PrinterError::Timeout(500),
                ErrorKind::Timeout,
                "小票打印机无响应",
            ),
        ];
        for (err, kind, text) in cases {
            assert_eq!(err.kind(), kind, "{err:?}");
            assert!(err.message().starts_with(text), "{}", err.message());
            let dev = err.to_device_error();
            assert_eq!(dev.device, DEVICE_NAME);
            assert!(dev.detail.contains(text));
        }
    }

    #[test]
    fn io_errors_are_classified() {
        use std::io::{Error, ErrorKind as K};
        assert!(matches!(
            PrinterError::from_io(Error::from(K::TimedOut), 9),
            PrinterError::Timeout(9)
        ));
        assert!(matches!(
            PrinterError::from_io(Error::from(K::ConnectionReset), 9),
            PrinterError::Offline(_)
        ));
        assert!(matches!(
            PrinterError::from_io(Error::other("x"), 9),
            PrinterError::Io(_)
        ));
    }
}
