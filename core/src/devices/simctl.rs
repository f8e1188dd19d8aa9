//! The simulated devices' control surface: a line protocol on a loopback TCP port, so a tester,
//! a demo or a script can act as the world outside the counter — put a card on the reader,
//! pull the trigger of the scanner gun, open the printer's paper bin — while the app drives
//! the simulators over the same pty / TCP links as real devices.
//!
//! Enabled only by `simulator.control = "127.0.0.1:8721"` in `workstation.toml` (never on by
//! default, never on a non-loopback address), with `simulator.token` (at least 16
//! characters). Every line starts with that token, then one command; one reply line each. A
//! line whose first word is not the token is refused (`error simctl.unauthorized: …`) and
//! nothing is done; the examples below leave the token out:
//!
//! ```text
//! card place resident        → ok
//! card remove                → ok
//! scan 粤居码:4401…           → ok
//! printer fault paper_out on → ok
//! printer paper              → ok A023 | 社保 | …   (the text lines printed so far, joined by " | ")
//! camera show QT|A023|…      → ok   (a queue ticket with this QR code slides under the camera)
//! camera show-document       → ok   (an A4 page under the camera)
//! camera show-personal-code  → ok   (the sample personal code, signed with the test key)
//! camera clear               → ok
//! camera unplug              → ok   (the stream fails: 高拍仪未连接)
//! camera plug                → ok
//! help                       → ok card place <样例>|card remove|scan <文本>|printer fault <故障> on|off
//! card place nobody          → error id_card.unknown_sample: 未知的样例证件：nobody
//! ```
//! `yichuang-sim` (this crate's binary) sends one command and prints the reply.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::devices::runtime::{Signal, Worker};
use crate::labels::simctl as text;
use crate::{ErrorCode, UserError};

/// The default port `make run` configures.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8721";

/// Longest accepted command line; anything longer is refused, not buffered.
const MAX_LINE: usize = 4096;

/// What the control surface can do to the simulated devices.
pub trait SimControl: Send + Sync + 'static {
    fn place_card(&self, sample: &str) -> Result<(), UserError>;
    fn remove_card(&self) -> Result<(), UserError>;
    fn scan(&self, text: &str) -> Result<(), UserError>;
    fn printer_fault(&self, fault: &str, on: bool) -> Result<(), UserError>;
    /// The simulated receipt printer's text lines so far.
    fn printer_paper(&self) -> Result<Vec<String>, UserError> {
        Err(UserError::new(
            ErrorCode::ReceiptPrinterNotSimulated,
            "this control surface has no simulated receipt printer",
        ))
    }
    /// The simulated document camera; shells that have none keep this default.
    fn camera(&self, action: &CameraAction) -> Result<(), UserError> {
        let _ = action;
        Err(UserError::new(
            ErrorCode::CameraNotSimulated,
            "this control surface has no simulated document camera",
        ))
    }
}

/// What `camera …` does to the simulated document camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CameraAction {
    Unplug,
    Plug,
    /// A queue ticket whose QR code holds this text.
    ShowTicket(String),
    ShowDocument,
    /// The sample personal code, signed with the test issuer's key
    /// ([`crate::devices::camera::signed::sample_personal_code`]), valid for a day.
    ShowPersonalCode,
    Clear,
}

impl CameraAction {
    /// Applies the action to a simulated camera.
    pub fn apply(&self, sim: &yichuang_drivers::camera::CameraSimulator) {
        match self {
            CameraAction::Unplug => sim.unplug(),
            CameraAction::Plug => sim.plug(),
            CameraAction::ShowTicket(text) => sim.show_ticket(text),
            CameraAction::ShowDocument => sim.show_document(),
            CameraAction::ShowPersonalCode => {
                let now_s = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                sim.show_ticket(&crate::devices::camera::signed::sample_personal_code(now_s));
            }
            CameraAction::Clear => sim.clear(),
        }
    }
}

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    PlaceCard(String),
    RemoveCard,
    Scan(String),
    PrinterFault { fault: String, on: bool },
    PrinterPaper,
    Camera(CameraAction),
    Help,
}

pub const HELP: &str = text::HELP;

/// Parses one line; the error is the reply's text.
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (verb, rest) = line
        .trim_start()
        .split_once(' ')
        .unwrap_or((line.trim(), ""));
    match verb {
        "help" | "?" => Ok(Command::Help),
        // The scan text is everything after "scan ", spaces included.
        "scan" if !rest.is_empty() => Ok(Command::Scan(rest.to_string())),
        "scan" => Err(text::SCAN_NEEDS_TEXT.into()),
        "card" => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.as_slice() {
                ["place", sample] => Ok(Command::PlaceCard((*sample).to_string())),
                ["remove"] => Ok(Command::RemoveCard),
                _ => Err(text::card_usage(rest)),
            }
        }
        "printer" => {
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.as_slice() {
                ["fault", fault, "on"] => Ok(Command::PrinterFault {
                    fault: fault.replace('_', "-"),
                    on: true,
                }),
                ["fault", fault, "off"] => Ok(Command::PrinterFault {
                    fault: fault.replace('_', "-"),
                    on: false,
                }),
                ["paper"] => Ok(Command::PrinterPaper),
                _ => Err(text::printer_usage(rest)),
            }
        }
        "camera" => {
            // The ticket text is everything after "camera show ", spaces included.
            if let Some(text) = rest.strip_prefix("show ").filter(|t| !t.trim().is_empty()) {
                return Ok(Command::Camera(CameraAction::ShowTicket(text.to_string())));
            }
            match rest.trim() {
                "unplug" => Ok(Command::Camera(CameraAction::Unplug)),
                "plug" => Ok(Command::Camera(CameraAction::Plug)),
                "show-document" => Ok(Command::Camera(CameraAction::ShowDocument)),
                "show-personal-code" => Ok(Command::Camera(CameraAction::ShowPersonalCode)),
                "clear" => Ok(Command::Camera(CameraAction::Clear)),
                _ => Err(text::camera_usage(rest)),
            }
        }
        "" => Err(text::EMPTY_COMMAND.into()),
        other => Err(text::unknown_command(other)),
    }
}

/// Runs one line `<token> <command>`: a line without the right token is refused, unparsed.
pub fn execute_authorized(control: &dyn SimControl, token: &str, line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']).trim_start();
    let (given, command) = line.split_once(' ').unwrap_or((line, ""));
    if !same_token(given.as_bytes(), token.as_bytes()) {
        let e = UserError::new(ErrorCode::SimctlUnauthorized, "wrong or missing token");
        return format!("error {}: {}", e.code, e.message);
    }
    execute(control, command)
}

/// Compares in time independent of where the first difference is.
fn same_token(given: &[u8], token: &[u8]) -> bool {
    given.len() == token.len()
        && given
            .iter()
            .zip(token)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Runs one command; the reply line without its newline.
pub fn execute(control: &dyn SimControl, line: &str) -> String {
    let result = match parse(line) {
        Err(usage) => return format!("error usage: {usage}"),
        Ok(Command::Help) => return format!("ok {HELP}"),
        Ok(Command::PlaceCard(sample)) => control.place_card(&sample),
        Ok(Command::RemoveCard) => control.remove_card(),
        Ok(Command::Scan(text)) => control.scan(&text),
        Ok(Command::PrinterFault { fault, on }) => control.printer_fault(&fault, on),
        Ok(Command::PrinterPaper) => {
            return match control.printer_paper() {
                Ok(lines) => format!("ok {}", lines.join(" | ").replace('\n', " ")),
                Err(e) => format!("error {}: {}", e.code, e.message.replace('\n', " ")),
            }
        }
        Ok(Command::Camera(action)) => control.camera(&action),
    };
    match result {
        Ok(()) => "ok".into(),
        Err(e) => format!("error {}: {}", e.code, e.message.replace('\n', " ")),
    }
}

/// Why the control surface did not start.
#[derive(Debug, thiserror::Error)]
pub enum SimctlError {
    #[error("simulator.control must be a loopback address, got {0}")]
    NotLoopback(SocketAddr),
    #[error("simulator.token is missing or too short")]
    WeakToken,
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// The running control surface; stops when dropped.
pub struct SimctlServer {
    addr: SocketAddr,
    _worker: Worker,
}

impl SimctlServer {
    /// Listens on `addr` (loopback only) and serves `control` until dropped, to lines that
    /// start with `token`.
    pub fn start(
        addr: SocketAddr,
        token: &str,
        control: Arc<dyn SimControl>,
    ) -> Result<Self, SimctlError> {
        if !addr.ip().is_loopback() {
            return Err(SimctlError::NotLoopback(addr));
        }
        if token.len() < crate::infra::config::MIN_CONTROL_TOKEN {
            return Err(SimctlError::WeakToken);
        }
        let token: Arc<str> = token.into();
        let listener =
            TcpListener::bind(addr).map_err(|source| SimctlError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SimctlError::Bind { addr, source })?;
        listener
            .set_nonblocking(true)
            .map_err(|source| SimctlError::Bind { addr, source })?;
        let worker = Worker::spawn("simctl", move |signal| {
            accept_loop(&listener, &token, &control, signal)
        })
        .map_err(|source| SimctlError::Bind { addr, source })?;
        tracing::info!(%addr, "simulator control surface listening");
        Ok(Self {
            addr,
            _worker: worker,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

fn accept_loop(
    listener: &TcpListener,
    token: &Arc<str>,
    control: &Arc<dyn SimControl>,
    signal: &Signal,
) {
    while !signal.is_stopped() {
        match listener.accept() {
            Ok((stream, peer)) => {
                let (control, token) = (control.clone(), token.clone());
                // One short-lived thread per connection: a stuck client never blocks others.
                let spawned = std::thread::Builder::new()
                    .name("simctl-conn".into())
                    .spawn(move || {
                        if let Err(e) = serve_connection(stream, &token, control.as_ref()) {
                            tracing::debug!(%peer, error = %e, "simctl connection ended");
                        }
                    });
                if let Err(e) = spawned {
                    tracing::warn!(error = %e, "simctl: cannot serve a connection");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                signal.wait(Duration::from_millis(20));
            }
            Err(e) => {
                tracing::warn!(error = %e, "simctl accept failed");
                signal.wait(Duration::from_millis(100));
            }
        }
    }
}

fn serve_connection(stream: TcpStream, token: &str, control: &dyn SimControl) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let n = Read::by_ref(&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut raw)?;
        if n == 0 {
            return Ok(());
        }
        let reply = if raw.len() > MAX_LINE {
            // Too long: refuse and drop the connection rather than resynchronise.
            writeln!(writer, "error usage: {}", text::LINE_TOO_LONG)?;
            return Ok(());
        } else {
            match std::str::from_utf8(&raw) {
                Ok(line) if line.trim().is_empty() => continue,
                Ok(line) => execute_authorized(control, token, line),
                Err(_) => format!("error usage: {}", text::NOT_UTF8),
            }
        };
        writeln!(writer, "{reply}")?;
        writer.flush()?;
    }
}

/// Sends one command, led by `token`, to a control surface and returns its reply line (the
/// `yichuang-sim` client, and tests).
pub fn send(addr: &str, token: &str, command: &str) -> io::Result<String> {
    let addrs: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(addr)?.collect();
    let first = addrs
        .first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address"))?;
    let mut stream = TcpStream::connect_timeout(first, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    writeln!(stream, "{token} {}", command.replace('\n', " "))?;
    stream.flush()?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    Ok(reply.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl SimControl for Recorder {
        fn place_card(&self, sample: &str) -> Result<(), UserError> {
            if sample == "nobody" {
                return Err(UserError::with_message(
                    ErrorCode::IdCardUnknownSample,
                    format!("未知的样例证件：{sample}"),
                    String::new(),
                ));
            }
            self.0.lock().unwrap().push(format!("place {sample}"));
            Ok(())
        }
        fn remove_card(&self) -> Result<(), UserError> {
            self.0.lock().unwrap().push("remove".into());
            Ok(())
        }
        fn scan(&self, text: &str) -> Result<(), UserError> {
            self.0.lock().unwrap().push(format!("scan {text}"));
            Ok(())
        }
        fn printer_fault(&self, fault: &str, on: bool) -> Result<(), UserError> {
            self.0.lock().unwrap().push(format!("fault {fault} {on}"));
            Ok(())
        }
    }

    #[test]
    fn k2_commands_parse_and_bad_ones_say_how() {
        assert_eq!(
            parse("card place hk_macao_taiwan\r\n"),
            Ok(Command::PlaceCard("hk_macao_taiwan".into()))
        );
        assert_eq!(parse("card remove"), Ok(Command::RemoveCard));
        assert_eq!(
            parse("scan 办件码 A 001"),
            Ok(Command::Scan("办件码 A 001".into()))
        );
        assert_eq!(
            parse("printer fault paper_out on"),
            Ok(Command::PrinterFault {
                fault: "paper-out".into(),
                on: true
            })
        );
        assert_eq!(
            parse("camera show QT|A023 20261122"),
            Ok(Command::Camera(CameraAction::ShowTicket(
                "QT|A023 20261122".into()
            )))
        );
        for (line, action) in [
            ("camera unplug", CameraAction::Unplug),
            ("camera plug", CameraAction::Plug),
            ("camera show-document", CameraAction::ShowDocument),
            ("camera clear", CameraAction::Clear),
            ("camera show-personal-code", CameraAction::ShowPersonalCode),
        ] {
            assert_eq!(parse(line), Ok(Command::Camera(action)), "{line}");
        }
        for bad in [
            "camera",
            "camera show ",
            "camera explode",
            "",
            "card",
            "card place",
            "printer fault x maybe",
            "scan",
            "reboot",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    const TOKEN: &str = "test-token-0123456789";

    fn sendt(addr: &str, command: &str) -> io::Result<String> {
        send(addr, TOKEN, command)
    }

    #[test]
    fn k2_control_surface_serves_commands_over_loopback_tcp() {
        let rec = Arc::new(Recorder::default());
        let server =
            SimctlServer::start("127.0.0.1:0".parse().unwrap(), TOKEN, rec.clone()).unwrap();
        let addr = server.addr().to_string();
        assert_eq!(sendt(&addr, "card place expired").unwrap(), "ok");
        assert_eq!(sendt(&addr, "scan 粤居码 123").unwrap(), "ok");
        assert_eq!(sendt(&addr, "printer fault cover_open off").unwrap(), "ok");
        assert_eq!(
            sendt(&addr, "card place nobody").unwrap(),
            "error id_card.unknown_sample: 未知的样例证件：nobody"
        );
        // The recorder has no camera: the trait's default refuses.
        assert!(sendt(&addr, "camera unplug")
            .unwrap()
            .starts_with("error camera.not_simulated"));
        assert!(sendt(&addr, "dance")
            .unwrap()
            .starts_with("error usage: 未知命令"));
        assert_eq!(
            *rec.0.lock().unwrap(),
            vec![
                "place expired".to_string(),
                "scan 粤居码 123".into(),
                "fault cover-open false".into()
            ]
        );

        // Several commands on one connection; junk bytes get an error, not a crash.
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(format!("{TOKEN} card remove\n").as_bytes())
            .unwrap();
        s.write_all(b"\xff\xfe\n").unwrap();
        s.write_all(format!("{TOKEN} help\n").as_bytes()).unwrap();
        let mut lines = BufReader::new(s.try_clone().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ok");
        assert!(lines.next().unwrap().unwrap().starts_with("error usage"));
        assert!(lines.next().unwrap().unwrap().starts_with("ok card place"));
        // An overlong line is refused and the connection closed.
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(&vec![b'a'; MAX_LINE + 10]).unwrap();
        let mut reply = String::new();
        BufReader::new(s).read_line(&mut reply).unwrap();
        assert_eq!(reply.trim_end(), "error usage: 命令过长");
    }

    #[test]
    fn k2_control_surface_refuses_non_loopback_addresses() {
        let rec: Arc<dyn SimControl> = Arc::new(Recorder::default());
        let e = SimctlServer::start("0.0.0.0:0".parse().unwrap(), TOKEN, rec.clone())
            .err()
            .unwrap();
        assert!(matches!(e, SimctlError::NotLoopback(_)), "{e}");
        let e = SimctlServer::start("127.0.0.1:0".parse().unwrap(), "short", rec)
            .err()
            .unwrap();
        assert!(matches!(e, SimctlError::WeakToken), "{e}");
    }

    #[test]
    fn k2_commands_without_the_right_token_are_refused_and_not_run() {
        let rec = Arc::new(Recorder::default());
        let server =
            SimctlServer::start("127.0.0.1:0".parse().unwrap(), TOKEN, rec.clone()).unwrap();
        let addr = server.addr().to_string();
        let refused = "error simctl.unauthorized: 模拟设备控制口令不正确或缺失，命令未执行。";
        assert_eq!(
            send(&addr, "wrong-token-0123456789", "card place expired").unwrap(),
            refused
        );
        assert_eq!(
            send(&addr, "test-token-012345678", "card remove").unwrap(),
            refused
        );
        assert_eq!(
            send(&addr, &format!("{TOKEN}x"), "card remove").unwrap(),
            refused
        );
        // No token at all: the command's first word is taken for one.
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(b"card place expired\nscan x\n").unwrap();
        let mut lines = BufReader::new(s.try_clone().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), refused);
        assert_eq!(lines.next().unwrap().unwrap(), refused);
        assert!(rec.0.lock().unwrap().is_empty(), "nothing acted upon");
        // The token alone is an empty command, not a refusal.
        assert!(sendt(&addr, "").unwrap().starts_with("error usage"));
        assert_eq!(sendt(&addr, "card remove").unwrap(), "ok");
    }
}
