//! The byte pipe a scanner talks through. A scanner only talks (configuration is done with
//! programming barcodes), so [`Transport`] only receives. The serial implementation covers
//! USB-CDC (`/dev/ttyACM*`, a `COMn` on Windows), RS-232 scanners behind USB-serial adapters,
//! and pty pairs. HID-POS (usage page 0x8C) would be another `Transport`; not built yet.

use std::io::{self, Read};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use super::error::ScannerError;

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
    /// Opens `path` (e.g. `/dev/ttyACM0`, `COM5`) 8N1 without flow control. A missing port is
    /// [`ScannerError::NotFound`] (「扫码枪未连接」), anything else [`ScannerError::Open`].
    pub fn open(path: &str, config: &SerialConfig) -> Result<Self, ScannerError> {
        let port = serialport::new(path, config.baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map_err(|e| {
                let detail = e.to_string();
                let port = path.to_string();
                match e.kind() {
                    serialport::ErrorKind::Io(io::ErrorKind::NotFound) => {
                        ScannerError::NotFound { port, detail }
                    }
                    _ => ScannerError::Open { port, detail },
                }
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
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))?;
        match self.port.read(buf) {
            // The port was readable but gave nothing: end of file, the device is gone.
            Ok(0) if !buf.is_empty() => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "serial port closed",
            )),
            Ok(n) => Ok(n),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.port.clear(ClearBuffer::Input).map_err(io::Error::from)
    }
}
