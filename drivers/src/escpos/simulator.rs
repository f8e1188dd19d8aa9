//! A simulated ESC/POS receipt printer: the other end of the protocol, for tests, `make run`
//! and the `diagnose` example.
//!
//! It takes bytes from a TCP connection (raw port 9100 style) or from any byte stream (the
//! master side of a pty pair, so the serial transport is tested over a real tty), decodes the
//! commands and puts what a printer would print on a [`Paper`] model: text lines decoded from
//! GB18030, QR payloads, barcodes, cuts. It answers `DLE EOT n` from its state, and faults can
//! be injected: paper out, paper near end, cover open, offline (TCP connections are dropped
//! and refused; on a byte stream it falls silent).
//!
//! While paper is out, the cover is open or it is offline, the simulator prints nothing: what
//! arrives is counted in [`Simulator::discarded_commands`] and thrown away.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use super::decoder::{Command, Decoder};
use super::encoder::{char_width, Align, CharSize, Cut, PaperWidth};
use super::status::{PaperState, PrinterStatus, StatusQuery};

/// How often server threads look at the stop flag and the offline fault.
const POLL: Duration = Duration::from_millis(20);

/// One printed text line with the modes it was printed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedLine {
    pub text: String,
    pub align: Align,
    pub bold: bool,
    pub size: CharSize,
}

/// Something that came out of the printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaperItem {
    Line(PrintedLine),
    Qr {
        data: String,
        module_size: u8,
        error_level: u8,
    },
    Barcode {
        system: u8,
        data: String,
    },
    Raster {
        width_bytes: u16,
        height: u16,
    },
    Cut(Cut),
}

/// Everything printed since the simulator started (or since [`Simulator::take_paper`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paper {
    pub items: Vec<PaperItem>,
}

impl Paper {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn lines(&self) -> Vec<&PrintedLine> {
        self.items
            .iter()
            .filter_map(|i| match i {
                PaperItem::Line(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    /// All text lines, joined with `\n`.
    pub fn text(&self) -> String {
        self.lines()
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn qr_payloads(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                PaperItem::Qr { data, .. } => Some(data.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Barcode contents; CODE128 loses its `{B` code-set prefix and `{{` escapes.
    pub fn barcodes(&self) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|i| match i {
                PaperItem::Barcode { system: 73, data } => {
                    Some(data.strip_prefix("{B").unwrap_or(data).replace("{{", "{"))
                }
                PaperItem::Barcode { data, .. } => Some(data.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn cuts(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i, PaperItem::Cut(_)))
            .count()
    }
}

/// One line per item: the text of a line, `[QR data]`, `[BARCODE data]`, `[RASTER]`, `[CUT]`.
impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let barcodes = self.barcodes();
        let mut barcodes = barcodes.iter();
        for item in &self.items {
            match item {
                PaperItem::Line(l) => writeln!(f, "{}", l.text)?,
                PaperItem::Qr { data, .. } => writeln!(f, "[QR {data}]")?,
                PaperItem::Barcode { .. } => {
                    writeln!(f, "[BARCODE {}]", barcodes.next().map_or("", |b| b))?
                }
                PaperItem::Raster { .. } => writeln!(f, "[RASTER]")?,
                PaperItem::Cut(_) => writeln!(f, "[CUT]")?,
            }
        }
        Ok(())
    }
}

/// An injectable fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    PaperOut,
    PaperNearEnd,
    CoverOpen,
    /// TCP connections are dropped and refused; a byte stream gets no answers.
    Offline,
}

impl Fault {
    pub const ALL: [Fault; 4] = [
        Fault::PaperOut,
        Fault::PaperNearEnd,
        Fault::CoverOpen,
        Fault::Offline,
    ];

    /// The name used on the control port.
    pub fn name(self) -> &'static str {
        match self {
            Fault::PaperOut => "paper-out",
            Fault::PaperNearEnd => "near-end",
            Fault::CoverOpen => "cover-open",
            Fault::Offline => "offline",
        }
    }

    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Printer state shared by all connections.
#[derive(Debug)]
struct Model {
    paper_width: PaperWidth,
    paper_out: bool,
    near_end: bool,
    cover_open: bool,
    offline: bool,
    bold: bool,
    align: Align,
    size: CharSize,
    line: Vec<u8>,
    line_modes: Option<(Align, bool, CharSize)>,
    qr_size: u8,
    qr_level: u8,
    qr_data: Option<Vec<u8>>,
    paper: Paper,
    received: usize,
    discarded: usize,
}

impl Model {
    fn new(paper_width: PaperWidth) -> Model {
        Model {
            paper_width,
            paper_out: false,
            near_end: false,
            cover_open: false,
            offline: false,
            bold: false,
            align: Align::Left,
            size: CharSize::NORMAL,
            line: Vec::new(),
            line_modes: None,
            qr_size: 3,
            qr_level: 48,
            qr_data: None,
            paper: Paper::default(),
            received: 0,
            discarded: 0,
        }
    }

    fn status(&self) -> PrinterStatus {
        PrinterStatus {
            offline: self.offline,
            cover_open: self.cover_open,
            paper: if self.paper_out {
                PaperState::Out
            } else if self.near_end {
                PaperState::NearEnd
            } else {
                PaperState::Ok
            },
            ..PrinterStatus::default()
        }
    }

    fn can_print(&self) -> bool {
        !(self.paper_out || self.cover_open || self.offline)
    }

    fn reset_modes(&mut self) {
        self.bold = false;
        self.align = Align::Left;
        self.size = CharSize::NORMAL;
        self.line.clear();
        self.line_modes = None;
        self.qr_data = None;
    }

    /// Prints the line buffer, wrapping it as the printer would at the paper width.
    fn print_line(&mut self) {
        let (align, bold, size) = self
            .line_modes
            .take()
            .unwrap_or((self.align, self.bold, self.size));
        let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(&self.line);
        let cols = (self.paper_width.columns() / usize::from(size.width())).max(2);
        let mut current = String::new();
        let mut used = 0;
        let mut pieces = Vec::new();
        for ch in text.chars() {
            let w = char_width(ch);
            if used + w > cols {
                pieces.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push(ch);
            used += w;
        }
        pieces.push(current);
        for text in pieces {
            self.paper.items.push(PaperItem::Line(PrintedLine {
                text,
                align,
                bold,
                size,
            }));
        }
        self.line.clear();
    }

    fn flush_pending_line(&mut self) {
        if !self.line.is_empty() {
            self.print_line();
        }
    }

    /// Applies one command; returns the answer byte of a status query.
    fn apply(&mut self, cmd: Command) -> Option<u8> {
        if let Command::StatusQuery(n) = cmd {
            return StatusQuery::from_n(n).map(|q| self.status().reply_byte(q));
        }
        if !self.can_print() {
            return None;
        }
        match cmd {
            Command::Init => self.reset_modes(),
            Command::ChineseMode(_) | Command::Other(_) | Command::StatusQuery(_) => {}
            Command::Text(bytes) => {
                if self.line_modes.is_none() {
                    self.line_modes = Some((self.align, self.bold, self.size));
                }
                self.line.extend_from_slice(&bytes);
            }
            Command::LineFeed => self.print_line(),
            Command::FeedLines(n) => {
                for _ in 0..n {
                    self.print_line();
                }
            }
            Command::Bold(on) => self.bold = on,
            Command::Align(a) => self.align = a,
            Command::Size(s) => self.size = s,
            Command::PrintMode(n) => {
                self.bold = n & 0x08 != 0;
                self.size = CharSize::new(1 + (n >> 5 & 1), 1 + (n >> 4 & 1));
            }
            Command::QrModel(_) | Command::BarcodeHeight(_) | Command::BarcodeWidth(_) => {}
            Command::QrModuleSize(n) => self.qr_size = n,
            Command::QrErrorLevel(n) => self.qr_level = n,
            Command::QrStore(data) => self.qr_data = Some(data),
            Command::QrPrint => {
                self.flush_pending_line();
                if let Some(data) = &self.qr_data {
                    let item = PaperItem::Qr {
                        data: String::from_utf8_lossy(data).into_owned(),
                        module_size: self.qr_size,
                        error_level: self.qr_level,
                    };
                    self.paper.items.push(item);
                }
            }
            Command::Barcode { system, data } => {
                self.flush_pending_line();
                let data = String::from_utf8_lossy(&data).into_owned();
                self.paper.items.push(PaperItem::Barcode { system, data });
            }
            Command::Raster {
                width_bytes,
                height,
            } => {
                self.flush_pending_line();
                self.paper.items.push(PaperItem::Raster {
                    width_bytes,
                    height,
                });
            }
            Command::Cut(c) => {
                self.flush_pending_line();
                self.paper.items.push(PaperItem::Cut(c));
            }
        }
        None
    }

    /// Decodes received bytes and applies them; returns the bytes to send back.
    fn receive(&mut self, decoder: &mut Decoder, bytes: &[u8]) -> Vec<u8> {
        let mut cmds = Vec::new();
        decoder.push(bytes, &mut cmds);
        let mut answers = Vec::new();
        for cmd in cmds {
            let is_query = matches!(cmd, Command::StatusQuery(_));
            if self.offline {
                continue;
            }
            if !is_query {
                self.received += 1;
                if !self.can_print() {
                    self.discarded += 1;
                }
            }
            answers.extend(self.apply(cmd));
        }
        answers
    }
}

struct Shared {
    model: Mutex<Model>,
    stop: AtomicBool,
}

impl Shared {
    fn model(&self) -> MutexGuard<'_, Model> {
        // A panicking test thread must not take the simulator down with it.
        self.model.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn offline(&self) -> bool {
        self.model().offline
    }
}

/// The simulated printer. Dropping it stops its listener and connection threads.
pub struct Simulator {
    shared: Arc<Shared>,
}

impl Simulator {
    pub fn new(paper_width: PaperWidth) -> Simulator {
        Simulator {
            shared: Arc::new(Shared {
                model: Mutex::new(Model::new(paper_width)),
                stop: AtomicBool::new(false),
            }),
        }
    }

    /// Listens for raw-TCP print connections (use `127.0.0.1:0` for a free port) and
    /// returns the bound address. One thread per connection.
    pub fn listen(&self, addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let shared = Arc::clone(&self.shared);
        thread::Builder::new()
            .name("escpos-sim-listen".into())
            .spawn(move || accept_loop(shared, listener))?;
        Ok(local)
    }

    /// Serves one byte stream (e.g. the master side of a pty pair) on a new thread until
    /// it closes or the simulator is dropped. The stream must have a short read timeout
    /// (timeouts are treated as "no data yet").
    pub fn attach<S>(&self, stream: S) -> io::Result<thread::JoinHandle<()>>
    where
        S: Read + Write + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        thread::Builder::new()
            .name("escpos-sim-stream".into())
            .spawn(move || serve(&shared, stream, false))
    }

    /// Listens on a loopback control port for one-line commands (`<fault> on|off`,
    /// `clear`, `status`, `paper`, `reset-paper`), answering one line per command
    /// (`paper` answers the printed text lines and a final `.`).
    pub fn listen_control(&self, addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let shared = Arc::clone(&self.shared);
        thread::Builder::new()
            .name("escpos-sim-control".into())
            .spawn(move || {
                while !shared.stopped() {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let shared = Arc::clone(&shared);
                            let _ = thread::Builder::new()
                                .name("escpos-sim-control-conn".into())
                                .spawn(move || control_session(&shared, stream));
                        }
                        Err(_) => thread::sleep(POLL),
                    }
                }
            })?;
        Ok(local)
    }

    /// Feeds bytes straight in, as if received, with a decoder of the caller's; returns
    /// the answer bytes. For tests and in-process use without any transport.
    pub fn receive(&self, decoder: &mut Decoder, bytes: &[u8]) -> Vec<u8> {
        self.shared.model().receive(decoder, bytes)
    }

    pub fn set_fault(&self, fault: Fault, on: bool) {
        set_fault(&self.shared, fault, on);
    }

    pub fn clear_faults(&self) {
        for f in Fault::ALL {
            self.set_fault(f, false);
        }
    }

    pub fn faults(&self) -> Vec<Fault> {
        let m = self.shared.model();
        let on = [m.paper_out, m.near_end, m.cover_open, m.offline];
        Fault::ALL
            .into_iter()
            .zip(on)
            .filter_map(|(f, on)| on.then_some(f))
            .collect()
    }

    /// The condition its status answers describe.
    pub fn status(&self) -> PrinterStatus {
        self.shared.model().status()
    }

    /// A copy of what has been printed.
    pub fn paper(&self) -> Paper {
        self.shared.model().paper.clone()
    }

    /// What has been printed, leaving the paper empty.
    pub fn take_paper(&self) -> Paper {
        std::mem::take(&mut self.shared.model().paper)
    }

    /// Commands received other than status queries (printed or not).
    pub fn received_commands(&self) -> usize {
        self.shared.model().received
    }

    /// Commands thrown away because of a fault.
    pub fn discarded_commands(&self) -> usize {
        self.shared.model().discarded
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

fn set_fault(shared: &Shared, fault: Fault, on: bool) {
    let mut m = shared.model();
    match fault {
        Fault::PaperOut => m.paper_out = on,
        Fault::PaperNearEnd => m.near_end = on,
        Fault::CoverOpen => m.cover_open = on,
        Fault::Offline => m.offline = on,
    }
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                if shared.offline() {
                    drop(stream);
                    continue;
                }
                let shared = Arc::clone(&shared);
                let _ = thread::Builder::new()
                    .name("escpos-sim-conn".into())
                    .spawn(move || {
                        let ready = stream
                            .set_nonblocking(false)
                            .and_then(|()| stream.set_read_timeout(Some(POLL)))
                            .and_then(|()| stream.set_nodelay(true));
                        if ready.is_ok() {
                            serve(&shared, stream, true);
                        }
                    });
            }
            Err(_) => thread::sleep(POLL),
        }
    }
}

/// One connection: read, decode, answer, until EOF, error, stop, or (when `drop_offline`)
/// the offline fault.
fn serve<S: Read + Write>(shared: &Shared, mut stream: S, drop_offline: bool) {
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 4096];
    loop {
        if shared.stopped() || (drop_offline && shared.offline()) {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                let answers = shared.model().receive(&mut decoder, &buf[..n]);
                if !answers.is_empty() {
                    if stream.write_all(&answers).is_err() {
                        return;
                    }
                    // A pty master may not support tcdrain; the bytes are written anyway.
                    let _ = stream.flush();
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return,
        }
    }
}

fn control_session(shared: &Shared, stream: TcpStream) {
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !shared.stopped() {
        match reader.read_line(&mut line) {
            Ok(0) => return,
            Ok(_) => {
                let reply = control_command(shared, line.trim());
                line.clear();
                if out.write_all(reply.as_bytes()).is_err() {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

/// Runs one control-port command and returns its answer (newline-terminated).
fn control_command(shared: &Shared, cmd: &str) -> String {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    match words.as_slice() {
        [fault, state] if Fault::from_name(fault).is_some() => {
            let on = match *state {
                "on" => true,
                "off" => false,
                _ => return "error: expected on or off\n".into(),
            };
            if let Some(f) = Fault::from_name(fault) {
                set_fault(shared, f, on);
            }
            "ok\n".into()
        }
        ["clear"] => {
            for f in Fault::ALL {
                set_fault(shared, f, false);
            }
            "ok\n".into()
        }
        ["status"] => {
            let m = shared.model();
            let on: Vec<&str> = Fault::ALL
                .into_iter()
                .zip([m.paper_out, m.near_end, m.cover_open, m.offline])
                .filter_map(|(f, on)| on.then_some(f.name()))
                .collect();
            if on.is_empty() {
                "ok ready\n".into()
            } else {
                format!("ok {}\n", on.join(" "))
            }
        }
        ["paper"] => format!("{}.\n", shared.model().paper),
        ["reset-paper"] => {
            shared.model().paper = Paper::default();
            "ok\n".into()
        }
        _ => "error: unknown command (paper-out|near-end|cover-open|offline on|off, clear, status, paper, reset-paper)\n".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::encoder::{Encoder, QrErrorLevel};
    use super::*;

    fn job() -> Vec<u8> {
        let mut e = Encoder::new(PaperWidth::Mm58);
        e.init()
            .chinese_mode(true)
            .bold(true)
            .line("一窗受理")
            .bold(false);
        e.qr("CODE-1", 5, QrErrorLevel::M).unwrap();
        e.cut(Cut::Partial);
        e.into_bytes()
    }

    #[test]
    fn prints_lines_qr_and_cuts() {
        let sim = Simulator::new(PaperWidth::Mm58);
        let answers = sim.receive(&mut Decoder::new(), &job());
        assert!(answers.is_empty());
        let paper = sim.paper();
        assert_eq!(paper.text(), "一窗受理");
        assert!(paper.lines()[0].bold);
        assert_eq!(paper.qr_payloads(), ["CODE-1"]);
        assert_eq!(paper.cuts(), 1);
    }

    #[test]
    fn long_lines_wrap_at_the_paper_width() {
        let sim = Simulator::new(PaperWidth::Mm58);
        let line = "办".repeat(20);
        let mut e = Encoder::new(PaperWidth::Mm58);
        e.line(&line);
        sim.receive(&mut Decoder::new(), e.as_bytes());
        assert_eq!(
            sim.paper().text(),
            format!("{}\n{}", "办".repeat(16), "办".repeat(4))
        );
    }

    #[test]
    fn answers_status_from_faults_and_prints_nothing_while_out_of_paper() {
        let sim = Simulator::new(PaperWidth::Mm80);
        let mut d = Decoder::new();
        assert_eq!(sim.receive(&mut d, &[0x10, 0x04, 4]), [0x12]);
        sim.set_fault(Fault::PaperOut, true);
        assert_eq!(
            sim.receive(&mut d, &[0x10, 0x04, 4, 0x10, 0x04, 2]),
            [0x72, 0x32]
        );
        sim.receive(&mut d, &job());
        assert!(sim.paper().is_empty());
        assert!(sim.discarded_commands() > 0);
        sim.set_fault(Fault::PaperOut, false);
        sim.set_fault(Fault::PaperNearEnd, true);
        assert_eq!(sim.receive(&mut d, &[0x10, 0x04, 4]), [0x1E]);
        sim.set_fault(Fault::CoverOpen, true);
        assert_eq!(sim.receive(&mut d, &[0x10, 0x04, 2]), [0x16]);
        sim.set_fault(Fault::Offline, true);
        assert!(sim.receive(&mut d, &[0x10, 0x04, 1]).is_empty());
        assert_eq!(sim.faults().len(), 3);
        sim.clear_faults();
        assert!(sim.faults().is_empty());
    }

    #[test]
    fn control_commands_set_faults() {
        let sim = Simulator::new(PaperWidth::Mm80);
        assert_eq!(control_command(&sim.shared, "paper-out on"), "ok\n");
        assert_eq!(control_command(&sim.shared, "status"), "ok paper-out\n");
        assert!(control_command(&sim.shared, "paper-out maybe").starts_with("error"));
        assert!(control_command(&sim.shared, "fly").starts_with("error"));
        assert_eq!(control_command(&sim.shared, "clear"), "ok\n");
        assert_eq!(control_command(&sim.shared, "status"), "ok ready\n");
        sim.receive(&mut Decoder::new(), &job());
        assert_eq!(
            control_command(&sim.shared, "paper"),
            "一窗受理\n[QR CODE-1]\n[CUT]\n.\n"
        );
    }
}
