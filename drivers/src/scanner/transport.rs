//! The byte pipe a scanner talks through. A scanner only talks (configuration is done with
//! programming barcodes), so [`Transport`] only receives. The serial implementation covers
//! USB-CDC (`/dev/ttyACM*`, a `COMn` on Windows), RS-232 scanners behind USB-serial adapters,
//! and pty pairs. HID-POS (usage page 0x8C) would be another `Transport`; not built yet.

use std::io;
use std::time::Duration;

use serialport::SerialPort;

use super::error::ScannerError;
use crate::serial::SerialLink;

/// A byte source with bounded waits.
pub trait Transport {
    /// Receives what is available, waiting at most `timeout`; `Ok(0)` when nothing came. An
    /// error means the link is gone.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Drops input received before the app was ready for it.
    fn discard_input(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        (**self).recv(buf, timeout)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
}

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

/// A scanner on a serial port (or any `serialport::SerialPort`, e.g. one end of a pty pair).
#[derive(Debug)]
pub struct SerialTransport {
    link: SerialLink,
}

impl SerialTransport {
    /// Opens `path` (e.g. `/dev/ttyACM0`, `COM5`) 8N1 without flow control. A missing port is
    /// [`ScannerError::NotFound`] (「扫码枪未连接」), anything else [`ScannerError::Open`].
    pub fn open(path: &str, config: &SerialConfig) -> Result<Self, ScannerError> {
        let link = SerialLink::open(path, config.baud).map_err(|e| {
            if e.missing {
                ScannerError::NotFound {
                    port: e.port,
                    detail: e.detail,
                }
            } else {
                ScannerError::Open {
                    port: e.port,
                    detail: e.detail,
                }
            }
        })?;
        Ok(Self { link })
    }

    /// Wraps an already open port.
    pub fn from_port(port: Box<dyn SerialPort>) -> Self {
        Self {
            link: SerialLink::from_port(port),
        }
    }

    pub fn name(&self) -> Option<String> {
        self.link.name()
    }
}

impl Transport for SerialTransport {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.link.recv(buf, timeout)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.link.discard_input()
    }
}
