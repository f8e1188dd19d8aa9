//! The byte pipe between the reader and the SAM. [`Transport`] is all the reader needs; the
//! serial implementation covers COM ports, USB-serial adapters and pty pairs. The USB "部标"
//! bulk interface carries the same frames and would be another `Transport` (not built yet).

use std::io::{self, Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use super::error::IdCardError;

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
pub struct SerialTransport {
    port: Box<dyn SerialPort>,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialTransport")
            .field("port", &self.port.name())
            .finish()
    }
}

impl SerialTransport {
    /// Opens `path` (e.g. `/dev/ttyUSB0`, `COM3`) 8N1 without flow control.
    pub fn open(path: &str, config: &SerialConfig) -> Result<Self, IdCardError> {
        let port = serialport::new(path, config.baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| IdCardError::Open {
                port: path.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Self { port })
    }

    /// Wraps an already open port.
    pub fn from_port(port: Box<dyn SerialPort>) -> Self {
        Self { port }
    }

    pub fn name(&self) -> Option<String> {
        self.port.name()
    }
}

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.write_all(bytes)?;
        self.port.flush()
    }

    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e)
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock =>
            {
                Ok(0)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.port.clear(ClearBuffer::Input).map_err(io::Error::from)
    }
}
