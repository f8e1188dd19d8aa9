//! The UKey error type: what went wrong, the [`UkeyProblem`] the app shows a specific Chinese
//! text for, the shared [`ErrorKind`], and the IT detail (the library's `CKR_*` / `SAR_*` code
//! name and the function that returned it).

use serde::Serialize;

use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// The device's name, as [`DeviceError::device`] carries it.
pub const DEVICE_NAME: &str = messages::device::UKEY;

/// What the clerk is told; one Chinese text per problem, in [`crate::messages::ukey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UkeyProblem {
    NoKey,
    ModuleMissing,
    KeyRemoved,
    PinIncorrect,
    PinLocked,
    PinInvalid,
    NotLoggedIn,
    CertificateNotFound,
    CertificateExpired,
    CertificateNotYetValid,
    UnsupportedAlgorithm,
    SignFailed,
    DeviceFault,
    BadData,
    Misconfigured,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UkeyError {
    /// No key is plugged in (or none of the configured kind).
    #[error("no UKey present")]
    NoKey,
    /// The PKCS#11 module or SKF library cannot be loaded, or lacks a required function.
    #[error("cannot load UKey library {path}: {detail}")]
    ModuleLoad { path: String, detail: String },
    /// The key went away (unplugged) between two calls, or the named key is not present.
    #[error("UKey removed: {detail}")]
    KeyRemoved { detail: String },
    /// Wrong PIN; `retries_left` when the library says how many tries remain.
    #[error("PIN incorrect ({code}), retries left: {retries_left:?}")]
    PinIncorrect {
        retries_left: Option<u32>,
        code: String,
    },
    #[error("PIN locked ({code})")]
    PinLocked { code: String },
    /// The PIN has the wrong length or characters (the key did not count a try).
    #[error("PIN rejected as malformed ({code})")]
    PinInvalid { code: String },
    /// Signing was asked for before a successful [`super::Ukey::login`] on this key.
    #[error("not logged in to the UKey")]
    NotLoggedIn,
    #[error("certificate not found: {id}")]
    CertificateNotFound { id: String },
    /// `not_after` in Unix seconds.
    #[error("certificate expired at {not_after}")]
    CertificateExpired { not_after: i64 },
    /// `not_before` in Unix seconds.
    #[error("certificate not valid before {not_before}")]
    CertificateNotYetValid { not_before: i64 },
    #[error("unsupported key algorithm: {detail}")]
    UnsupportedAlgorithm { detail: String },
    #[error("signing failed in {function}: {code}")]
    SignFailed { function: String, code: String },
    /// Any other failure the library reported.
    #[error("{function} failed: {code}")]
    Library { function: String, code: String },
    /// The library returned data that cannot be understood (a bad certificate, length, blob).
    #[error("malformed data from the UKey library: {detail}")]
    BadData { detail: String },
    #[error("UKey configuration: {detail}")]
    Config { detail: String },
}

impl UkeyError {
    pub fn problem(&self) -> UkeyProblem {
        match self {
            UkeyError::NoKey => UkeyProblem::NoKey,
            UkeyError::ModuleLoad { .. } => UkeyProblem::ModuleMissing,
            UkeyError::KeyRemoved { .. } => UkeyProblem::KeyRemoved,
            UkeyError::PinIncorrect { .. } => UkeyProblem::PinIncorrect,
            UkeyError::PinLocked { .. } => UkeyProblem::PinLocked,
            UkeyError::PinInvalid { .. } => UkeyProblem::PinInvalid,
            UkeyError::NotLoggedIn => UkeyProblem::NotLoggedIn,
            UkeyError::CertificateNotFound { .. } => UkeyProblem::CertificateNotFound,
            UkeyError::CertificateExpired { .. } => UkeyProblem::CertificateExpired,
            UkeyError::CertificateNotYetValid { .. } => UkeyProblem::CertificateNotYetValid,
            UkeyError::UnsupportedAlgorithm { .. } => UkeyProblem::UnsupportedAlgorithm,
            UkeyError::SignFailed { .. } => UkeyProblem::SignFailed,
            UkeyError::Library { .. } => UkeyProblem::DeviceFault,
            UkeyError::BadData { .. } => UkeyProblem::BadData,
            UkeyError::Config { .. } => UkeyProblem::Misconfigured,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self.problem() {
            UkeyProblem::NoKey | UkeyProblem::KeyRemoved => ErrorKind::NotConnected,
            UkeyProblem::ModuleMissing => ErrorKind::OpenFailed,
            UkeyProblem::PinIncorrect
            | UkeyProblem::PinLocked
            | UkeyProblem::PinInvalid
            | UkeyProblem::NotLoggedIn
            | UkeyProblem::CertificateNotFound
            | UkeyProblem::CertificateExpired
            | UkeyProblem::CertificateNotYetValid => ErrorKind::NeedsAttention,
            UkeyProblem::SignFailed | UkeyProblem::DeviceFault => ErrorKind::DeviceFault,
            UkeyProblem::BadData => ErrorKind::Protocol,
            UkeyProblem::UnsupportedAlgorithm | UkeyProblem::Misconfigured => {
                ErrorKind::Misconfigured
            }
        }
    }

    /// What the clerk reads, in Simplified Chinese (from [`crate::messages`]).
    pub fn message(&self) -> String {
        let retries_left = match self {
            UkeyError::PinIncorrect { retries_left, .. } => *retries_left,
            _ => None,
        };
        messages::ukey(self.problem(), retries_left)
    }

    /// The detail for IT: the error in English with the library's code name and the
    /// library path where there is one.
    pub fn detail(&self) -> String {
        self.to_string()
    }

    /// The shared shape the app hands on: kind, device, and the clerk text plus the detail.
    pub fn to_device_error(&self) -> DeviceError {
        DeviceError {
            kind: self.kind(),
            device: DEVICE_NAME,
            detail: messages::with_detail(&self.message(), self.detail()),
        }
    }
}

impl From<UkeyError> for DeviceError {
    fn from(err: UkeyError) -> DeviceError {
        err.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_has_its_own_chinese_text() {
        let cases = [
            (UkeyError::NoKey, "未检测到UKey"),
            (
                UkeyError::ModuleLoad {
                    path: "/x.so".into(),
                    detail: "not found".into(),
                },
                "UKey驱动（模块）未找到或加载失败",
            ),
            (UkeyError::KeyRemoved { detail: "".into() }, "UKey已拔出"),
            (
                UkeyError::PinIncorrect {
                    retries_left: Some(3),
                    code: "SAR_PIN_INCORRECT".into(),
                },
                "PIN码错误，还可重试3次",
            ),
            (
                UkeyError::PinLocked {
                    code: "SAR_PIN_LOCKED".into(),
                },
                "UKey已锁定，请联系管理员解锁",
            ),
            (
                UkeyError::CertificateNotFound { id: "c".into() },
                "证书不存在",
            ),
            (UkeyError::CertificateExpired { not_after: 0 }, "证书已过期"),
            (
                UkeyError::SignFailed {
                    function: "SKF_ECCSignData".into(),
                    code: "SAR_FAIL".into(),
                },
                "签名失败",
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (err, text) in cases {
            assert!(err.message().starts_with(text), "{}", err.message());
            assert!(seen.insert(err.problem()));
            assert!(err.to_device_error().detail.contains(text));
        }
    }

    #[test]
    fn module_error_detail_names_the_library_path() {
        let err = UkeyError::ModuleLoad {
            path: "/opt/vendor/libskf.so".into(),
            detail: "No such file".into(),
        };
        assert!(err.detail().contains("/opt/vendor/libskf.so"));
        assert_eq!(err.kind(), ErrorKind::OpenFailed);
    }
}
