//! The byte pipe a scanner talks through: any [`ByteSource`] of the drivers' transport family
//! (a scanner only talks; configuration is done with programming barcodes). A serial port
//! ([`SerialLink`]: USB-CDC `/dev/ttyACM*` or `COMn`, RS-232 scanners behind USB-serial
//! adapters, pty pairs) is opened with [`open_serial`]. HID-POS (usage page 0x8C) would be
//! another `ByteSource`; not built yet.

use super::error::ScannerError;
pub use crate::serial::SerialLink;
pub use crate::transport::ByteSource;

/// Serial settings. USB-CDC ignores the baud rate; RS-232 scanners ship at 9600 8N1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialConfig {
    pub baud: u32,
}

impl Default for SerialConfig {
    fn default() -> Self {
        Self { baud: 9600 }
    }
}

/// Opens a scanner on `path` (e.g. `/dev/ttyACM0`, `COM5`) 8N1 without flow control. A
/// missing port is [`ScannerError::NotFound`] (「扫码枪未连接」), anything else
/// [`ScannerError::Open`].
pub fn open_serial(path: &str, config: &SerialConfig) -> Result<SerialLink, ScannerError> {
    let missing = |port, detail| ScannerError::NotFound { port, detail };
    let refused = |port, detail| ScannerError::Open { port, detail };
    SerialLink::open(path, config.baud).map_err(|e| e.into_error(missing, refused))
}
