//! The receipt printer's error type: what went wrong, the [`ErrorKind`] the app groups it
//! under, and the [`ReceiptPrinterProblem`] whose Chinese text the clerk reads (in
//! [`crate::messages::receipt_printer`]).

use super::encoder::EncodeError;
use super::status::{PrinterProblem, StatusParseError};
use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// The device's Chinese name, as [`DeviceError::device`] carries it.
pub const DEVICE_NAME: &str = messages::device::RECEIPT_PRINTER;

/// What the clerk is told; one Chinese text per problem, in
/// [`crate::messages::receipt_printer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReceiptPrinterProblem {
    PaperOut,
    PaperNearEnd,
    CoverOpen,
    Offline,
    CutterError,
    Fault,
    /// No specific text: the clerk reads the shared one for the kind.
    Other(ErrorKind),
}

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

    pub fn problem(&self) -> ReceiptPrinterProblem {
        match self {
            PrinterError::PaperOut => ReceiptPrinterProblem::PaperOut,
            PrinterError::PaperNearEnd => ReceiptPrinterProblem::PaperNearEnd,
            PrinterError::CoverOpen => ReceiptPrinterProblem::CoverOpen,
            PrinterError::Offline(_) => ReceiptPrinterProblem::Offline,
            PrinterError::CutterError => ReceiptPrinterProblem::CutterError,
            PrinterError::Fault(_) => ReceiptPrinterProblem::Fault,
            other => ReceiptPrinterProblem::Other(other.kind()),
        }
    }

    /// What the clerk reads, in Simplified Chinese (from [`crate::messages`]).
    pub fn message(&self) -> String {
        messages::receipt_printer(self.problem())
    }

    /// The shared shape the app hands on: kind, device, and the clerk text plus the detail
    /// for IT in `detail`.
    pub fn to_device_error(&self) -> DeviceError {
        DeviceError {
            kind: self.kind(),
            device: DEVICE_NAME,
            detail: messages::with_detail(&self.message(), self),
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
