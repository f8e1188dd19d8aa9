//! The error shape shared by every driver (after embedded-hal's `Error::kind()`): a driver's
//! own error type stays specific, and exposes a [`ErrorKind`] that the app maps to one Chinese
//! message per kind, so the clerk sees the same words for the same situation on every device.
//! The sentences themselves are in [`crate::messages`], the drivers layer's one table.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The device is not attached or was unplugged.
    NotConnected,
    /// The port or library exists but cannot be opened (permissions, in use, driver missing).
    OpenFailed,
    /// The device did not answer in time.
    Timeout,
    /// The device answered with bytes that do not follow its protocol.
    Protocol,
    /// The device reported a condition the clerk can fix (no card, paper out, cover open).
    NeedsAttention,
    /// The device reported a fault of its own.
    DeviceFault,
    /// Configuration does not match the device (wrong port, baud rate, model).
    Misconfigured,
}

impl ErrorKind {
    /// The clerk-facing message for this kind, in Simplified Chinese; `device` is the
    /// device's Chinese name (e.g. 「身份证读卡器」).
    pub fn message(self, device: &str) -> String {
        crate::messages::kind(self, device)
    }
}

/// A device failure as the app hands it on: the kind, the device, and the detail for IT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {kind:?}: {detail}")]
pub struct DeviceError {
    pub kind: ErrorKind,
    pub device: &'static str,
    pub detail: String,
}

impl DeviceError {
    pub fn message(&self) -> String {
        self.kind.message(self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_chinese_message_naming_the_device() {
        let kinds = [
            ErrorKind::NotConnected,
            ErrorKind::OpenFailed,
            ErrorKind::Timeout,
            ErrorKind::Protocol,
            ErrorKind::NeedsAttention,
            ErrorKind::DeviceFault,
            ErrorKind::Misconfigured,
        ];
        let msgs: std::collections::HashSet<String> =
            kinds.iter().map(|k| k.message("高拍仪")).collect();
        assert_eq!(msgs.len(), kinds.len());
        assert!(msgs.iter().all(|m| m.starts_with("高拍仪")));
    }
}
