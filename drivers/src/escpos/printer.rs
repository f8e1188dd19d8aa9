//! The receipt printer driver: checks status, sends a job, checks status again, over any
//! transport that reads and writes with timeouts.
//!
//! Three real transports, chosen by [`PrinterConfig`]: raw TCP port 9100 (network
//! printers), a serial port (RS-232 or USB-CDC, via `serialport`), and the Linux USB printer
//! class device (`/dev/usb/lp0`, a plain file opened read/write).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::encoder::PaperWidth;
use super::error::PrinterError;
use super::slip::TicketSlip;
use super::status::{parse_reply, PrinterStatus, StatusParseError, StatusQuery, StatusReply};
use crate::serial::SerialLink;
use crate::transport::{ByteSource, ByteStream};

/// Turns a blocking read's outcome into [`ByteSource::recv`]'s: a timeout is `Ok(0)`, and a
/// link that reads as ended (`Ok(0)`) is `UnexpectedEof`.
fn recv_result(read: io::Result<usize>, wanted: usize) -> io::Result<usize> {
    match read {
        Ok(0) if wanted > 0 => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        )),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            ) =>
        {
            Ok(0)
        }
        other => other,
    }
}

/// Raw TCP (port 9100 by convention).
pub struct TcpTransport {
    stream: TcpStream,
    peer: String,
}

impl TcpTransport {
    /// Connects to `address` (`host:port`; `:9100` is added when no port is given); writes
    /// give up after `timeout`.
    pub fn connect(address: &str, timeout: Duration) -> Result<TcpTransport, PrinterError> {
        let target = if address
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            address.to_string()
        } else {
            format!("{address}:9100")
        };
        let open_err = |source| PrinterError::Open {
            target: format!("tcp {target}"),
            source,
        };
        let addrs: Vec<_> = target.to_socket_addrs().map_err(open_err)?.collect();
        let mut last = io::Error::new(io::ErrorKind::NotFound, "address resolves to nothing");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(PrinterError::Io)?;
                    let t = Some(timeout.max(Duration::from_millis(1)));
                    stream.set_write_timeout(t).map_err(PrinterError::Io)?;
                    return Ok(TcpTransport {
                        stream,
                        peer: target.clone(),
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(match last.kind() {
            io::ErrorKind::ConnectionRefused | io::ErrorKind::TimedOut => {
                PrinterError::Offline(format!("tcp {target}: {last}"))
            }
            _ => open_err(last),
        })
    }
}

impl ByteSource for TcpTransport {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        recv_result(self.stream.read(buf), buf.len())
    }

    fn describe(&self) -> String {
        format!("tcp {}", self.peer)
    }
}

impl ByteStream for TcpTransport {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }
}

/// Opens a serial port (RS-232, USB-CDC) at `baud`, 8N1, no flow control; writes give up
/// after `timeout`.
pub fn open_serial(path: &str, baud: u32, timeout: Duration) -> Result<SerialLink, PrinterError> {
    let link = SerialLink::open(path, baud).map_err(|e| PrinterError::Open {
        target: format!("serial {path}"),
        source: io::Error::new(
            if e.missing {
                io::ErrorKind::NotFound
            } else {
                io::ErrorKind::Other
            },
            e.detail,
        ),
    })?;
    Ok(link.with_write_timeout(timeout))
}

/// The USB printer class device file (`/dev/usb/lp0` on Linux), opened non-blocking so
/// that reads of the status back channel time out instead of hanging.
pub struct UsbLpTransport {
    file: File,
    path: String,
    timeout: Duration,
}

impl UsbLpTransport {
    /// Opens the device file; writes give up after `timeout`.
    pub fn open(path: &str, timeout: Duration) -> Result<UsbLpTransport, PrinterError> {
        let mut options = OpenOptions::new();
        options.read(true).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(|source| PrinterError::Open {
            target: format!("usb {path}"),
            source,
        })?;
        Ok(UsbLpTransport {
            file,
            path: path.to_string(),
            timeout,
        })
    }

    /// Retries a non-blocking call that would block until `timeout` passes.
    fn retry<R>(
        &mut self,
        timeout: Duration,
        mut op: impl FnMut(&mut File) -> io::Result<R>,
    ) -> io::Result<R> {
        let deadline = Instant::now() + timeout;
        loop {
            match op(&mut self.file) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, e));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }
}

impl ByteSource for UsbLpTransport {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let read = self.retry(timeout, |f| f.read(buf));
        recv_result(read, buf.len())
    }

    fn describe(&self) -> String {
        format!("usb {}", self.path)
    }
}

impl ByteStream for UsbLpTransport {
    fn send(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            match self.retry(self.timeout, |f| f.write(bytes))? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => bytes = bytes.get(n..).unwrap_or_default(),
            }
        }
        self.retry(self.timeout, |f| f.flush())
    }
}

/// Which transport, from config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transport", rename_all = "snake_case")]
pub enum TransportConfig {
    /// `address = "10.1.2.3:9100"`
    Tcp { address: String },
    /// `path = "/dev/ttyUSB0"` (or `COM3`), `baud = 115200`
    Serial {
        path: String,
        #[serde(default = "default_baud")]
        baud: u32,
    },
    /// `path = "/dev/usb/lp0"`
    UsbLp { path: String },
}

fn default_baud() -> u32 {
    115_200
}

fn default_timeout_ms() -> u64 {
    2_000
}

fn default_true() -> bool {
    true
}

impl TransportConfig {
    pub fn open(&self, timeout: Duration) -> Result<Box<dyn ByteStream + Send>, PrinterError> {
        Ok(match self {
            TransportConfig::Tcp { address } => Box::new(TcpTransport::connect(address, timeout)?),
            TransportConfig::Serial { path, baud } => Box::new(open_serial(path, *baud, timeout)?),
            TransportConfig::UsbLp { path } => Box::new(UsbLpTransport::open(path, timeout)?),
        })
    }
}

/// The receipt printer section of the workstation config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterConfig {
    #[serde(flatten)]
    pub transport: TransportConfig,
    #[serde(default)]
    pub paper: PaperWidth,
    /// Per status answer and per write.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Off only for printers whose back channel never answers `DLE EOT`.
    #[serde(default = "default_true")]
    pub check_status: bool,
}

impl PrinterConfig {
    pub fn new(transport: TransportConfig, paper: PaperWidth) -> PrinterConfig {
        PrinterConfig {
            transport,
            paper,
            timeout_ms: default_timeout_ms(),
            check_status: true,
        }
    }
}

/// How a print went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintReport {
    pub bytes_sent: usize,
    /// Status after the job; `None` when status checks are off.
    pub status_after: Option<PrinterStatus>,
}

impl PrintReport {
    /// The roll is nearly used up: the clerk should be told 「打印机纸将用尽」.
    pub fn paper_near_end(&self) -> bool {
        self.status_after.is_some_and(|s| s.paper_near_end())
    }
}

/// What the app needs from a receipt printer, whatever the transport: the device manager
/// and the device panel hold a `Box<dyn SlipPrinter>`.
pub trait SlipPrinter: Send {
    /// Reads the printer's condition (all four `DLE EOT` statuses).
    fn status(&mut self) -> Result<PrinterStatus, PrinterError>;
    /// Prints an already encoded job, checking status before and after.
    fn print_job(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError>;
    /// Prints the standard ticket slip.
    fn print_slip(&mut self, slip: &TicketSlip) -> Result<PrintReport, PrinterError>;
    /// Where it is connected, for IT.
    fn describe(&self) -> String;
}

impl<T: ByteStream + Send> SlipPrinter for ReceiptPrinter<T> {
    fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        ReceiptPrinter::status(self)
    }

    fn print_job(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        self.print(job)
    }

    fn print_slip(&mut self, slip: &TicketSlip) -> Result<PrintReport, PrinterError> {
        ReceiptPrinter::print_slip(self, slip)
    }

    fn describe(&self) -> String {
        ReceiptPrinter::describe(self)
    }
}

/// An ESC/POS receipt printer on some transport.
pub struct ReceiptPrinter<T: ByteStream> {
    transport: T,
    paper: PaperWidth,
    timeout: Duration,
    check_status: bool,
}

impl ReceiptPrinter<Box<dyn ByteStream + Send>> {
    /// Opens the configured transport.
    pub fn open(config: &PrinterConfig) -> Result<Self, PrinterError> {
        let timeout = Duration::from_millis(config.timeout_ms.max(1));
        let transport = config.transport.open(timeout)?;
        let mut printer = ReceiptPrinter::new(transport, config.paper, timeout)?;
        printer.check_status = config.check_status;
        Ok(printer)
    }
}

impl<T: ByteStream> ReceiptPrinter<T> {
    /// The printer on `transport`; a status answer is awaited at most `timeout`.
    pub fn new(transport: T, paper: PaperWidth, timeout: Duration) -> Result<Self, PrinterError> {
        Ok(ReceiptPrinter {
            transport,
            paper,
            timeout,
            check_status: true,
        })
    }

    /// Turns the before/after status checks on or off.
    pub fn set_check_status(&mut self, on: bool) {
        self.check_status = on;
    }

    pub fn paper(&self) -> PaperWidth {
        self.paper
    }

    pub fn describe(&self) -> String {
        self.transport.describe()
    }

    pub fn into_inner(self) -> T {
        self.transport
    }

    fn timeout_ms(&self) -> u64 {
        u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    fn io_err(&self, e: io::Error) -> PrinterError {
        PrinterError::from_io(e, self.timeout_ms())
    }

    /// Sends `DLE EOT n` and reads its answer. Bytes that are not status answers (a late
    /// answer, line noise) are skipped until the timeout.
    pub fn query(&mut self, query: StatusQuery) -> Result<StatusReply, PrinterError> {
        self.transport
            .send(&query.request())
            .map_err(|e| self.io_err(e))?;
        let deadline = Instant::now() + self.timeout;
        let mut bad: Option<StatusParseError> = None;
        let mut byte = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.transport.recv(&mut byte, left) {
                Ok(0) => {
                    return Err(match bad {
                        Some(e) => PrinterError::Status(e),
                        None => PrinterError::Timeout(self.timeout_ms()),
                    });
                }
                Ok(_) => match parse_reply(query, byte[0]) {
                    Ok(reply) => return Ok(reply),
                    Err(e) => bad = Some(e),
                },
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(PrinterError::Offline(format!(
                        "{}: connection closed",
                        self.describe()
                    )))
                }
                Err(e) => return Err(self.io_err(e)),
            }
        }
    }

    /// Asks all four statuses.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        let mut status = PrinterStatus::default();
        for q in StatusQuery::ALL {
            status.apply(self.query(q)?);
        }
        Ok(status)
    }

    /// The status, or the error for what stops the printer from printing.
    pub fn check_ready(&mut self) -> Result<PrinterStatus, PrinterError> {
        let status = self.status()?;
        match status.problem() {
            Some(p) => Err(PrinterError::from_problem(p)),
            None => Ok(status),
        }
    }

    /// Checks the printer is ready, sends `job`, and checks again. Nothing is sent when
    /// the first check fails; an error after sending means the slip may be incomplete.
    pub fn print(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        if self.check_status {
            self.check_ready()?;
        }
        self.transport.send(job).map_err(|e| self.io_err(e))?;
        let status_after = if self.check_status {
            Some(self.check_ready()?)
        } else {
            None
        };
        Ok(PrintReport {
            bytes_sent: job.len(),
            status_after,
        })
    }

    /// Renders the ticket slip for this printer's paper and prints it.
    pub fn print_slip(&mut self, slip: &TicketSlip) -> Result<PrintReport, PrinterError> {
        let job = slip.render(self.paper)?;
        self.print(&job)
    }

    /// Renders a business slip for this printer's paper and prints it.
    pub fn print_business(
        &mut self,
        slip: &super::BusinessSlip,
    ) -> Result<PrintReport, PrinterError> {
        let job = slip.render(self.paper)?;
        self.print(&job)
    }
}

#[cfg(test)]
mod tests {
    use super::super::decoder::Decoder;
    use super::super::simulator::{Fault, Simulator};
    use super::*;
    use std::sync::{Arc, Mutex};

    /// An in-memory transport wired straight to a simulator, with a scripted fallback.
    struct Loopback {
        sim: Arc<Simulator>,
        decoder: Decoder,
        inbox: Arc<Mutex<Vec<u8>>>,
        extra: Vec<u8>,
    }

    impl ByteSource for Loopback {
        fn recv(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
            let mut inbox = self.inbox.lock().unwrap();
            inbox.append(&mut self.extra);
            if inbox.is_empty() || buf.is_empty() {
                // Nothing will come: the simulator answers as soon as it is written to.
                return Ok(0);
            }
            buf[0] = inbox.remove(0);
            Ok(1)
        }
        fn describe(&self) -> String {
            "loopback".into()
        }
    }

    impl ByteStream for Loopback {
        fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            let answers = self.sim.receive(&mut self.decoder, bytes);
            self.inbox.lock().unwrap().extend(answers);
            Ok(())
        }
    }

    fn printer(sim: &Arc<Simulator>) -> ReceiptPrinter<Loopback> {
        let t = Loopback {
            sim: Arc::clone(sim),
            decoder: Decoder::new(),
            inbox: Arc::default(),
            extra: Vec::new(),
        };
        ReceiptPrinter::new(t, PaperWidth::Mm80, Duration::from_millis(50)).unwrap()
    }

    #[test]
    fn f2_each_fault_becomes_its_typed_error_and_nothing_is_sent() {
        let sim = Arc::new(Simulator::new(PaperWidth::Mm80));
        let mut p = printer(&sim);
        type Expect = fn(&PrinterError) -> bool;
        let cases: [(Fault, Expect); 3] = [
            (Fault::PaperOut, |e| matches!(e, PrinterError::PaperOut)),
            (Fault::CoverOpen, |e| matches!(e, PrinterError::CoverOpen)),
            (Fault::Offline, |e| matches!(e, PrinterError::Timeout(_))),
        ];
        for (fault, is_expected) in cases {
            sim.set_fault(fault, true);
            let err = p.print_slip(&TicketSlip::sample()).unwrap_err();
            assert!(is_expected(&err), "{fault:?}: {err:?}");
            sim.set_fault(fault, false);
        }
        assert_eq!(sim.received_commands(), 0);
        sim.set_fault(Fault::PaperNearEnd, true);
        let report = p.print_slip(&TicketSlip::sample()).unwrap();
        assert!(report.paper_near_end());
        assert_eq!(
            sim.paper().qr_payloads(),
            [TicketSlip::sample().ticket_code.as_str()]
        );
    }

    #[test]
    fn noise_before_the_answer_is_skipped_and_noise_alone_is_a_protocol_error() {
        let sim = Arc::new(Simulator::new(PaperWidth::Mm80));
        let mut p = printer(&sim);
        p.transport.extra = vec![0xFF, 0x00];
        assert_eq!(
            p.query(StatusQuery::PaperSensor).unwrap(),
            StatusReply::PaperSensor {
                near_end: false,
                paper_out: false
            }
        );
        sim.set_fault(Fault::Offline, true);
        p.transport.extra = vec![0xFF];
        let err = p.query(StatusQuery::Printer).unwrap_err();
        assert!(matches!(err, PrinterError::Status(_)), "{err:?}");
        assert_eq!(err.kind(), crate::error::ErrorKind::Protocol);
    }

    #[test]
    fn the_driver_is_usable_as_a_boxed_slip_printer() {
        let sim = Arc::new(Simulator::new(PaperWidth::Mm80));
        let mut p: Box<dyn SlipPrinter> = Box::new(printer(&sim));
        assert_eq!(p.describe(), "loopback");
        assert_eq!(p.status().unwrap().problem(), None);
        p.print_slip(&TicketSlip::sample()).unwrap();
        assert_eq!(sim.paper().cuts(), 1);
    }

    #[test]
    fn config_defaults() {
        let c = PrinterConfig::new(
            TransportConfig::Serial {
                path: "/dev/ttyUSB0".into(),
                baud: default_baud(),
            },
            PaperWidth::Mm58,
        );
        assert_eq!(c.timeout_ms, 2000);
        assert!(c.check_status);
    }

    #[test]
    fn opening_a_missing_device_is_not_connected() {
        let err = UsbLpTransport::open("/nonexistent/usb/lp9", Duration::from_millis(10))
            .err()
            .unwrap();
        assert_eq!(err.kind(), crate::error::ErrorKind::NotConnected);
        let err = open_serial("/nonexistent/ttyUSB9", 9600, Duration::from_millis(10))
            .err()
            .unwrap();
        assert_eq!(err.kind(), crate::error::ErrorKind::NotConnected);
    }
}
