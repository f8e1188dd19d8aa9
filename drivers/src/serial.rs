//! The serial link every serial device shares: COM ports, USB-serial adapters, USB-CDC
//! (`/dev/ttyACM*`) and the pty pairs the simulators sit behind. A [`SerialLink`] is a
//! [`ByteStream`] of the drivers' transport family; each device maps [`OpenError`] to its own
//! typed error.

use std::io::{self, Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort};

use crate::transport::{ByteSource, ByteStream};

/// Why a serial port did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenError {
    pub port: String,
    /// The port does not exist (unplugged adapter, wrong name), as opposed to existing but
    /// refusing (busy, permissions, bad settings).
    pub missing: bool,
    pub detail: String,
}

impl OpenError {
    /// The device's typed error for this failure: `missing(port, detail)` when the port is
    /// not there, `refused(port, detail)` when it is but did not open.
    pub fn into_error<E>(
        self,
        missing: fn(String, String) -> E,
        refused: fn(String, String) -> E,
    ) -> E {
        let make = if self.missing { missing } else { refused };
        make(self.port, self.detail)
    }
}

/// Whether an open failure means the port is not there. On Windows the serialport crate
/// reports a missing COM port as `NoDevice`; it folds "access denied" (a port held by another
/// program) into the same kind, so there a busy port also reads as missing.
fn is_missing(e: &serialport::Error) -> bool {
    match e.kind() {
        serialport::ErrorKind::Io(io::ErrorKind::NotFound) => true,
        serialport::ErrorKind::NoDevice => cfg!(windows),
        _ => false,
    }
}

/// One open serial port, 8N1 without flow control.
pub struct SerialLink {
    port: Box<dyn SerialPort>,
    /// How long a send may wait; `None`: whatever the last receive set.
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for SerialLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialLink")
            .field("port", &self.port.name())
            .finish()
    }
}

impl SerialLink {
    /// Opens `path` (e.g. `/dev/ttyUSB0`, `COM3`) at `baud`, 8N1, no flow control.
    pub fn open(path: &str, baud: u32) -> Result<Self, OpenError> {
        serialport::new(path, baud)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(Duration::from_millis(100))
            .open()
            .map(Self::from_port)
            .map_err(|e| OpenError {
                port: path.to_string(),
                missing: is_missing(&e),
                detail: e.to_string(),
            })
    }

    /// Wraps a port opened elsewhere (e.g. the slave side of a pty pair).
    pub fn from_port(port: Box<dyn SerialPort>) -> Self {
        Self {
            port,
            write_timeout: None,
        }
    }

    /// Bounds each send to `timeout` (a printer's job), whatever receives wait.
    pub fn with_write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = Some(timeout);
        self
    }

    pub fn name(&self) -> Option<String> {
        self.port.name()
    }

    /// Sets the timeout of blocking reads and writes.
    pub fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.port
            .set_timeout(timeout.max(Duration::from_millis(1)))
            .map_err(io::Error::from)
    }
}

impl ByteSource for SerialLink {
    /// Receives what is available, waiting at most `timeout`; `Ok(0)` when nothing came. A
    /// port that is readable but yields nothing has hung up (the device is gone): that is an
    /// `UnexpectedEof` error, so callers reconnect instead of polling a dead port.
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.set_timeout(timeout)?;
        match self.port.read(buf) {
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

    /// Drops input nobody asked for (late replies, line noise, scans before start-up).
    fn discard_input(&mut self) -> io::Result<()> {
        self.port.clear(ClearBuffer::Input).map_err(io::Error::from)
    }

    fn describe(&self) -> String {
        format!("serial {}", self.name().unwrap_or_default())
    }
}

impl ByteStream for SerialLink {
    /// Sends all of `bytes` and waits until they left the driver's buffer.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Some(timeout) = self.write_timeout {
            self.set_timeout(timeout)?;
        }
        self.port.write_all(bytes)?;
        self.port.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_port_is_reported_as_missing() {
        let e = SerialLink::open("/dev/does-not-exist-yichuang0", 9600).unwrap_err();
        assert!(e.missing, "{e:?}");
        assert_eq!(e.port, "/dev/does-not-exist-yichuang0");
    }

    #[cfg(unix)]
    #[test]
    fn bytes_cross_a_pty_pair_and_timeouts_read_as_nothing() {
        let (master, slave) = serialport::TTYPort::pair().unwrap();
        let mut a = SerialLink::from_port(Box::new(master));
        let mut b = SerialLink::from_port(Box::new(slave));
        let mut buf = [0u8; 16];
        assert_eq!(b.recv(&mut buf, Duration::from_millis(20)).unwrap(), 0);
        a.send(b"\xAA\xAA\xAA\x96\x69").unwrap();
        let mut got = Vec::new();
        while got.len() < 5 {
            let n = b.recv(&mut buf, Duration::from_millis(500)).unwrap();
            assert!(n > 0, "timed out with {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"\xAA\xAA\xAA\x96\x69");
    }
}
