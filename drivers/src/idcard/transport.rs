//! The byte pipe between the reader and the SAM: any [`ByteStream`] of the drivers' transport
//! family. A serial port ([`SerialLink`]: COM ports, USB-serial adapters, pty pairs) is opened
//! with [`open_serial`]; the USB "部标" bulk interface carrying the same frames is in
//! [`super::usb`].

use super::error::IdCardError;
pub use crate::serial::SerialLink;
pub use crate::transport::ByteStream;

/// Serial settings. 115200 8N1 is the default of current readers; old modules use 9600.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialConfig {
    pub baud: u32,
}

impl SerialConfig {
    /// Baud rates readers accept (HARDWARE.md §1.5).
    pub const ALLOWED_BAUDS: [u32; 5] = [115_200, 57_600, 38_400, 19_200, 9_600];
}

impl Default for SerialConfig {
    fn default() -> Self {
        Self { baud: 115_200 }
    }
}

/// Opens a reader on `path` (e.g. `/dev/ttyUSB0`, `COM3`) 8N1 without flow control.
pub fn open_serial(path: &str, config: &SerialConfig) -> Result<SerialLink, IdCardError> {
    let missing = |port, detail| IdCardError::NotFound { port, detail };
    let refused = |port, detail| IdCardError::Open { port, detail };
    SerialLink::open(path, config.baud).map_err(|e| e.into_error(missing, refused))
}
