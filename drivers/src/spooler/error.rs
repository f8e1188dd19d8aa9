//! The spooler's error type: what went wrong with a queue or a job, the [`ErrorKind`] the
//! app groups it under, and the [`SpoolerProblem`] whose Chinese text the clerk reads (in
//! [`crate::messages::spooler`]).

use super::http::HttpError;
use super::ipp::DecodeError;
use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// The device's Chinese name, as [`DeviceError::device`] carries it.
pub const DEVICE_NAME: &str = messages::device::A4_PRINTER;

/// A condition the printer reports through `printer-state-reasons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    PaperOut,
    PaperJam,
    CoverOpen,
    TonerEmpty,
    /// The device cannot be reached by the spooler (unplugged, switched off).
    Offline,
    /// The queue is stopped (paused by an administrator or after a backend failure).
    Stopped,
}

impl Condition {
    /// The most pressing condition among `reasons` (keywords such as `media-empty-error`),
    /// ignoring mere reports and warnings; `stopped` says whether the queue is stopped.
    pub fn from_reasons<S: AsRef<str>>(reasons: &[S], stopped: bool) -> Option<Condition> {
        let has = |prefix: &str| {
            reasons.iter().any(|r| {
                let r = r.as_ref();
                r.starts_with(prefix) && !r.ends_with("-report") && !r.ends_with("-warning")
            })
        };
        let any = |prefix: &str| reasons.iter().any(|r| r.as_ref().starts_with(prefix));
        if has("media-empty") || has("media-needed") || has("input-tray-missing") {
            Some(Condition::PaperOut)
        } else if has("media-jam") {
            Some(Condition::PaperJam)
        } else if has("door-open") || has("cover-open") || has("interlock-open") {
            Some(Condition::CoverOpen)
        } else if has("toner-empty") || has("marker-supply-empty") {
            Some(Condition::TonerEmpty)
        } else if any("offline") || any("connecting-to-device") && stopped || has("shutdown") {
            Some(Condition::Offline)
        } else if stopped {
            Some(Condition::Stopped)
        } else {
            None
        }
    }
}

/// What the clerk is told; one Chinese text per problem, in [`crate::messages::spooler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SpoolerProblem {
    ServerUnreachable,
    QueueNotFound,
    Printer(Condition),
    NotAccepting,
    JobAborted,
    JobCancelled,
    Timeout,
    Refused,
    Unsupported,
    /// No specific text: the clerk reads the shared one for the kind.
    Other(ErrorKind),
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolerError {
    /// No print server answers at the address.
    #[error("print server {server} unreachable: {detail}")]
    ServerUnreachable { server: String, detail: String },
    #[error("queue {queue:?} not found on {server}")]
    QueueNotFound { queue: String, server: String },
    /// The printer reports a condition that keeps it from printing.
    #[error("queue {queue:?}: {condition:?} (printer-state-reasons: {reasons})")]
    Printer {
        queue: String,
        condition: Condition,
        reasons: String,
    },
    /// The queue rejects new jobs (`cupsreject`).
    #[error("queue {queue:?} is not accepting jobs")]
    NotAccepting { queue: String },
    #[error("job {job} aborted by the system: {reasons}")]
    JobAborted { job: i32, reasons: String },
    #[error("job {job} was cancelled: {reasons}")]
    JobCancelled { job: i32, reasons: String },
    /// The job did not finish in time; `state` is its last job-state.
    #[error("job {job} not finished after {waited_ms} ms (job-state {state}, {reasons})")]
    Timeout {
        job: i32,
        state: i32,
        reasons: String,
        waited_ms: u64,
    },
    /// The server refused the request (authentication, policy).
    #[error("server refused {operation}: status {status:#06x} {message}")]
    Refused {
        operation: &'static str,
        status: u16,
        message: String,
    },
    /// The server's answer does not follow IPP or HTTP.
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("invalid printer configuration: {0}")]
    Config(String),
    /// No way to print to the OS spooler on this platform.
    #[error("printing through the OS spooler is not supported on this OS: {0}")]
    Unsupported(&'static str),
}

impl From<DecodeError> for SpoolerError {
    fn from(e: DecodeError) -> SpoolerError {
        SpoolerError::Protocol(format!("IPP: {e}"))
    }
}

impl SpoolerError {
    pub(crate) fn from_http(e: HttpError, server: &str) -> SpoolerError {
        match e {
            HttpError::Connect { source, .. } => SpoolerError::ServerUnreachable {
                server: server.to_string(),
                detail: source.to_string(),
            },
            HttpError::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::WouldBlock
                ) =>
            {
                SpoolerError::ServerUnreachable {
                    server: server.to_string(),
                    detail: source.to_string(),
                }
            }
            HttpError::Status { code: 401, reason } | HttpError::Status { code: 403, reason } => {
                SpoolerError::Refused {
                    operation: "HTTP",
                    status: 0x0401,
                    message: reason,
                }
            }
            other => SpoolerError::Protocol(other.to_string()),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            SpoolerError::ServerUnreachable { .. } => ErrorKind::NotConnected,
            SpoolerError::QueueNotFound { .. } | SpoolerError::Config(_) => {
                ErrorKind::Misconfigured
            }
            SpoolerError::Printer { condition, .. } => match condition {
                Condition::Offline => ErrorKind::NotConnected,
                Condition::Stopped => ErrorKind::DeviceFault,
                _ => ErrorKind::NeedsAttention,
            },
            SpoolerError::NotAccepting { .. } => ErrorKind::DeviceFault,
            SpoolerError::JobAborted { .. } => ErrorKind::DeviceFault,
            SpoolerError::JobCancelled { .. } => ErrorKind::NeedsAttention,
            SpoolerError::Timeout { .. } => ErrorKind::Timeout,
            SpoolerError::Refused { .. } | SpoolerError::Unsupported(_) => ErrorKind::OpenFailed,
            SpoolerError::Protocol(_) => ErrorKind::Protocol,
        }
    }

    pub fn problem(&self) -> SpoolerProblem {
        match self {
            SpoolerError::ServerUnreachable { .. } => SpoolerProblem::ServerUnreachable,
            SpoolerError::QueueNotFound { .. } => SpoolerProblem::QueueNotFound,
            SpoolerError::Printer { condition, .. } => SpoolerProblem::Printer(*condition),
            SpoolerError::NotAccepting { .. } => SpoolerProblem::NotAccepting,
            SpoolerError::JobAborted { .. } => SpoolerProblem::JobAborted,
            SpoolerError::JobCancelled { .. } => SpoolerProblem::JobCancelled,
            SpoolerError::Timeout { .. } => SpoolerProblem::Timeout,
            SpoolerError::Refused { .. } => SpoolerProblem::Refused,
            SpoolerError::Unsupported(_) => SpoolerProblem::Unsupported,
            SpoolerError::Protocol(_) | SpoolerError::Config(_) => {
                SpoolerProblem::Other(self.kind())
            }
        }
    }

    /// What the clerk reads, in Simplified Chinese (from [`crate::messages`]).
    pub fn message(&self) -> String {
        let queue = match self {
            SpoolerError::QueueNotFound { queue, .. } => queue.as_str(),
            _ => "",
        };
        messages::spooler(self.problem(), queue)
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

impl From<SpoolerError> for DeviceError {
    fn from(err: SpoolerError) -> DeviceError {
        err.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_state_reasons_map_to_conditions() {
        let c = |r: &[&str], stopped| Condition::from_reasons(r, stopped);
        assert_eq!(c(&["media-empty-error"], false), Some(Condition::PaperOut));
        assert_eq!(c(&["media-empty"], true), Some(Condition::PaperOut));
        assert_eq!(c(&["media-empty-report"], false), None);
        assert_eq!(c(&["media-jam-error"], false), Some(Condition::PaperJam));
        assert_eq!(c(&["door-open-error"], false), Some(Condition::CoverOpen));
        assert_eq!(
            c(&["toner-empty-error"], false),
            Some(Condition::TonerEmpty)
        );
        assert_eq!(c(&["offline-report"], false), Some(Condition::Offline));
        assert_eq!(c(&["paused"], true), Some(Condition::Stopped));
        assert_eq!(c(&["none"], false), None);
        assert_eq!(c(&["toner-low-warning"], false), None);
    }

    #[test]
    fn errors_have_kinds_and_specific_chinese_texts() {
        let printer = |condition| SpoolerError::Printer {
            queue: "a4".into(),
            condition,
            reasons: String::new(),
        };
        let cases = [
            (
                printer(Condition::PaperOut),
                ErrorKind::NeedsAttention,
                "打印机缺纸",
            ),
            (
                printer(Condition::Offline),
                ErrorKind::NotConnected,
                "打印机未连接",
            ),
            (
                printer(Condition::Stopped),
                ErrorKind::DeviceFault,
                "打印机已暂停",
            ),
            (
                SpoolerError::QueueNotFound {
                    queue: "hp".into(),
                    server: "x".into(),
                },
                ErrorKind::Misconfigured,
                "未找到打印机「hp」",
            ),
            (
                SpoolerError::ServerUnreachable {
                    server: "x".into(),
                    detail: "refused".into(),
                },
                ErrorKind::NotConnected,
                "打印服务未运行",
            ),
            (
                SpoolerError::JobAborted {
                    job: 1,
                    reasons: String::new(),
                },
                ErrorKind::DeviceFault,
                "打印失败",
            ),
            (
                SpoolerError::Timeout {
                    job: 1,
                    state: 3,
                    reasons: String::new(),
                    waited_ms: 5,
                },
                ErrorKind::Timeout,
                "打印机长时间未完成打印",
            ),
            (
                SpoolerError::Protocol("x".into()),
                ErrorKind::Protocol,
                "A4打印机通信异常",
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
}
