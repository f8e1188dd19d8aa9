//! The byte pipe between the reader and the SAM. [`Transport`] is all the reader needs; the
//! serial implementation covers COM ports, USB-serial adapters and pty pairs; the USB "部标"
//! bulk interface carrying the same frames is in [`super::usb`].

use std::io;
use std::time::Duration;

use serialport::SerialPort;

use super::error::IdCardError;
use crate::serial::SerialLink;

/// A duplex byte stream with bounded waits.
pub trait Transport {
    /// Sends all of `bytes`.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Receives what is available, waiting at most `timeout`; `Ok(0)` when nothing came.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Drops input nobody asked for (late replies, line noise) before a new command.
    fn discard_input(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).send(bytes)
    }
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        (**self).recv(buf, timeout)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
}

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

/// A reader on a serial port (or any `serialport::SerialPort`, e.g. one end of a pty pair).
#[derive(Debug)]
pub struct SerialTransport {
    link: SerialLink,
}

impl SerialTransport {
    /// Opens `path` (e.g. `/dev/ttyUSB0`, `COM3`) 8N1 without flow control.
    pub fn open(path: &str, config: &SerialConfig) -> Result<Self, IdCardError> {
        let link = SerialLink::open(path, config.baud).map_err(|e| {
            if e.missing {
                IdCardError::NotFound {
                    port: e.port,
                    detail: e.detail,
                }
            } else {
                IdCardError::Open {
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
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.link.send(bytes)
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.link.recv(buf, timeout)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.link.discard_input()
    }
}
