//! The scanner gun as the app uses it (D1), in serial mode (USB-CDC or RS-232,
//! `driver = "serial"`) or USB HID-POS mode (`driver = "hid_pos"`; `port` empty for the first
//! HID-POS scanner, `VID:PID`, or a `/dev/hidrawN` node): on the device [`runtime`], each poll
//! step waits for one scan and hands it on as one event; the runtime reopens the link after
//! an unplug. Keyboard-wedge scanners never reach this module: the UI detects their bursts
//! (`ui/src/scanner/wedge.ts`) and keeps them out of text fields.
//!
//! With `driver = "simulator"` the real driver reads from the in-process scan simulator over a
//! real pty.

use crate::devices::runtime::{self, Report, Step, Worker};
use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use std::time::Duration;
use yichuang_drivers::scanner::{
    self, FramerConfig, ScanEvent, ScanSimulator, ScanSource, Scanner, ScannerConfig, ScannerError,
    SerialConfig, SimConfig, Suffix, TextEncoding,
};

pub const SLOT: &str = "scanner";

pub enum ScannerEvent {
    State(DeviceState),
    Scanned(ScanEvent),
}

pub struct ScannerService {
    /// First field: dropped (stopped and joined) before the simulator it may be reading.
    _worker: Worker,
    simulator: Option<scanner::SimulatorHandle>,
}

/// A scanner link of either mode.
pub(crate) type Link = Box<dyn ScanSource + Send>;
pub(crate) type Opener = Box<dyn FnMut(&ScannerConfig) -> Result<Link, ScannerError> + Send>;

impl ScannerService {
    /// Starts the service, or `None` when no serial scanner is installed.
    pub fn start(
        config: &DeviceConfig,
        reopen_after: Duration,
        emit: impl Fn(ScannerEvent) + Send + 'static,
    ) -> Option<ScannerService> {
        let mut simulator = None;
        let opener: Opener = match config.driver {
            DeviceDriver::None => return None,
            DeviceDriver::Simulator => {
                match scanner::simulator::link_pair(ScanSimulator::new(SimConfig::default())) {
                    Ok((transport, handle)) => {
                        simulator = Some(handle);
                        let mut transport = Some(transport);
                        Box::new(move |config: &ScannerConfig| {
                            let link = transport.take().ok_or(ScannerError::Io(
                                "simulator link closed; restart the workstation".into(),
                            ))?;
                            Ok(Box::new(Scanner::new(link, config.clone())?) as Link)
                        })
                    }
                    Err(e) => {
                        let msg = format!("cannot create simulator link: {e}");
                        Box::new(move |_: &ScannerConfig| Err(ScannerError::Io(msg.clone())))
                    }
                }
            }
            DeviceDriver::Serial => {
                let port = config.port.clone().unwrap_or_default();
                let serial = SerialConfig {
                    baud: config.baud.unwrap_or(SerialConfig::default().baud),
                };
                Box::new(move |config: &ScannerConfig| {
                    let link = scanner::open_serial(&port, &serial)?;
                    Ok(Box::new(Scanner::new(link, config.clone())?) as Link)
                })
            }
            #[cfg(target_os = "linux")]
            DeviceDriver::HidPos => {
                let port = config.port.clone().unwrap_or_default();
                Box::new(move |config: &ScannerConfig| open_hid_pos(&port, config))
            }
            other => {
                tracing::info!(driver = ?other, "scanner is not a serial scanner; keyboard-wedge detection only");
                return None;
            }
        };
        // Names were checked when the config was loaded; unknown ones cannot reach here.
        let framing = FramerConfig {
            suffix: config
                .suffix
                .as_deref()
                .and_then(Suffix::from_name)
                .unwrap_or(FramerConfig::default().suffix),
            strict_suffix: config.strict_suffix,
            encoding: config
                .encoding
                .as_deref()
                .and_then(TextEncoding::from_name)
                .unwrap_or(FramerConfig::default().encoding),
            ..FramerConfig::default()
        };
        Self::start_with(
            opener,
            ScannerConfig { framing },
            reopen_after,
            emit,
            simulator,
        )
    }

    /// [`start`](Self::start) with the link's opener given.
    pub(crate) fn start_with(
        opener: Opener,
        config: ScannerConfig,
        reopen_after: Duration,
        emit: impl Fn(ScannerEvent) + Send + 'static,
        simulator: Option<scanner::SimulatorHandle>,
    ) -> Option<ScannerService> {
        let scanner = SerialScanner {
            open: opener,
            config,
            emit: Box::new(emit),
        };
        let worker = Worker::device(scanner, runtime::Timing::reopen_after(reopen_after)).ok()?;
        Some(ScannerService {
            _worker: worker,
            simulator,
        })
    }

    /// Sends a scan from the in-process simulator (driver = "simulator").
    pub fn simulator_scan(&self, text: &str) -> Result<(), UserError> {
        let sim = self.simulator.as_ref().ok_or_else(|| {
            UserError::new(
                ErrorCode::ScannerNotSimulated,
                "devices.scanner.driver is not \"simulator\"",
            )
        })?;
        sim.scan(text);
        Ok(())
    }
}

/// Opens the HID-POS scanner `port` names: empty for the first one, `VID:PID`, or a hidraw
/// node.
#[cfg(target_os = "linux")]
fn open_hid_pos(port: &str, config: &ScannerConfig) -> Result<Link, ScannerError> {
    use yichuang_drivers::idcard::UsbConfig;
    use yichuang_drivers::scanner::hidpos::{find_hidraw, HidPosScanner, Hidraw};
    let path = if port.starts_with('/') {
        std::path::PathBuf::from(port)
    } else {
        let id = UsbConfig::parse(port).map_err(ScannerError::Config)?.id;
        find_hidraw(std::path::Path::new("/sys/class/hidraw"), id).ok_or_else(|| {
            ScannerError::NotFound {
                port: if port.is_empty() {
                    "HID-POS".into()
                } else {
                    port.into()
                },
                detail: "no HID device with the bar code scanner usage page (0x8C)".into(),
            }
        })?
    };
    let hidraw = Hidraw::open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ScannerError::NotFound {
            port: path.display().to_string(),
            detail: e.to_string(),
        },
        _ => ScannerError::Open {
            port: path.display().to_string(),
            detail: e.to_string(),
        },
    })?;
    Ok(Box::new(HidPosScanner::new(
        hidraw,
        config.framing.clone(),
    )?))
}

/// What is particular to the serial scanner in the device loop ([`runtime::Device`]): a poll
/// step waits for one scan.
struct SerialScanner {
    open: Opener,
    config: ScannerConfig,
    emit: Box<dyn Fn(ScannerEvent) + Send>,
}

impl runtime::Device for SerialScanner {
    type Link = Link;
    type Error = ScannerError;
    const NAME: &'static str = "scanner";

    fn open(&mut self) -> Result<Self::Link, ScannerError> {
        (self.open)(&self.config)
    }

    fn poll(&mut self, scanner: &mut Self::Link) -> Result<Step, ScannerError> {
        match scanner.next_scan(Duration::from_millis(200)) {
            Ok(Some(scan)) => (self.emit)(ScannerEvent::Scanned(scan)),
            Ok(None) => {}
            Err(e) if e.is_fatal() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "one scan dropped"),
        }
        Ok(Step::Again)
    }

    fn report(&mut self, report: Report<'_, ScannerError>) {
        let state = match report {
            // A framing setting the driver refuses: the port is not the problem.
            Report::OpenFailed(e @ ScannerError::Config(_)) => DeviceState::Error {
                message: e.message().to_string(),
            },
            Report::OpenFailed(_) | Report::Lost(_) => DeviceState::Disconnected,
            Report::Unhealthy(e) => DeviceState::Error {
                message: e.message().to_string(),
            },
            Report::Connected => DeviceState::Connected,
            Report::Panicked(_) | Report::Closed => return,
        };
        (self.emit)(ScannerEvent::State(state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn d1_simulated_serial_scan_arrives_as_one_event() {
        let (tx, rx) = mpsc::channel();
        let svc = ScannerService::start(
            &DeviceConfig::driver(DeviceDriver::Simulator),
            Duration::from_millis(100),
            move |e| {
                let _ = tx.send(e);
            },
        )
        .expect("simulator");
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ScannerEvent::State(DeviceState::Connected)
        ));
        svc.simulator_scan("YY-20261123-0042 预约").unwrap();
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            ScannerEvent::Scanned(scan) => assert_eq!(scan.text, "YY-20261123-0042 预约"),
            ScannerEvent::State(s) => panic!("{s:?}"),
        }
        assert!(
            rx.recv_timeout(Duration::from_millis(500)).is_err(),
            "exactly one event"
        );
    }

    /// A HID-POS scanner (usage page 0x8C) through the service: the real driver reads the
    /// device's input reports from a datagram socket, one report per read as from a hidraw
    /// node. A malformed report drops only its scan.
    #[cfg(target_os = "linux")]
    #[test]
    fn d1_a_hid_pos_scan_arrives_as_one_event_after_a_malformed_report() {
        use std::os::unix::net::UnixDatagram;
        use yichuang_drivers::scanner::hidpos::{scan_reports, HidPosScanner, Hidraw};
        let (ours, device) = UnixDatagram::pair().unwrap();
        let file = std::fs::File::from(std::os::fd::OwnedFd::from(ours));
        let mut hidraw = Some(Hidraw::from_file(file, "socketpair"));
        let opener: Opener = Box::new(move |config: &ScannerConfig| {
            let hidraw = hidraw
                .take()
                .ok_or(ScannerError::Io("the scanner is gone".into()))?;
            Ok(Box::new(HidPosScanner::new(hidraw, config.framing.clone())?) as Link)
        });
        let (tx, rx) = mpsc::channel();
        let _svc = ScannerService::start_with(
            opener,
            ScannerConfig::default(),
            Duration::from_millis(100),
            move |e| {
                let _ = tx.send(e);
            },
            None,
        )
        .expect("service");
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            ScannerEvent::State(DeviceState::Connected)
        ));
        let mut bad = scan_reports(*b"]Q1", b"A001")[0];
        bad[1] = 60;
        device.send(&bad).unwrap();
        let ticket = "T-441500-A023 社保窗口 ".repeat(4);
        for report in scan_reports(*b"]Q1", ticket.as_bytes()) {
            device.send(&report).unwrap();
        }
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            ScannerEvent::Scanned(scan) => assert_eq!(scan.text, ticket),
            ScannerEvent::State(s) => panic!("{s:?}"),
        }
    }

    // The serial-port-by-name tests need a pty (a path the service opens like a COM port);
    // Windows has none (it would need a virtual COM pair such as com0com), so they are Unix-only.
    #[cfg(unix)]
    struct Desk {
        _svc: ScannerService,
        sim: scanner::SimulatorHandle,
        rx: mpsc::Receiver<ScannerEvent>,
        /// The pty's slave end, open while the service opens the same path.
        _slave: serialport::TTYPort,
    }

    /// A CR LF scanner on a pty, served by the driver's simulator; the desk's config as given.
    #[cfg(unix)]
    fn crlf_scanner_on_desk(tweak: impl FnOnce(&mut DeviceConfig)) -> Desk {
        use serialport::SerialPort;
        let (master, slave) = serialport::TTYPort::pair().expect("pty pair");
        let path = slave.name().expect("pty path");
        let sim = scanner::simulator::spawn(
            Box::new(master),
            ScanSimulator::new(SimConfig {
                suffix: Suffix::CrLf,
                ..SimConfig::default()
            }),
        );
        let mut cfg = DeviceConfig {
            driver: DeviceDriver::Serial,
            port: Some(path),
            suffix: Some("cr".into()),
            ..DeviceConfig::default()
        };
        tweak(&mut cfg);
        let (tx, rx) = mpsc::channel();
        let svc = ScannerService::start(&cfg, Duration::from_millis(100), move |e| {
            let _ = tx.send(e);
        })
        .expect("serial scanner");
        Desk {
            _svc: svc,
            sim,
            rx,
            _slave: slave,
        }
    }

    #[cfg(unix)]
    fn next_scan(rx: &mpsc::Receiver<ScannerEvent>) -> String {
        loop {
            match rx
                .recv_timeout(Duration::from_secs(5))
                .expect("a scan in time")
            {
                ScannerEvent::Scanned(scan) => return scan.text,
                ScannerEvent::State(_) => {}
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn d1_a_crlf_scanner_on_a_cr_desk_gives_clean_scans() {
        let desk = crlf_scanner_on_desk(|_| {});
        for text in ["A023", "YCBJ:2026-000123", "办件 42"] {
            desk.sim.scan(text);
            assert_eq!(next_scan(&desk.rx), text);
        }
        // strict_suffix = true: the desk takes only CR, and the scanner's LF is data.
        let strict = crlf_scanner_on_desk(|c| c.strict_suffix = true);
        strict.sim.scan("A023");
        strict.sim.scan("A024");
        assert_eq!(next_scan(&strict.rx), "A023");
        assert_eq!(next_scan(&strict.rx), "\nA024");
    }

    #[test]
    fn keyboard_wedge_scanner_needs_no_service() {
        let cfg = DeviceConfig {
            driver: DeviceDriver::Usb,
            ..DeviceConfig::default()
        };
        assert!(ScannerService::start(&cfg, Duration::from_millis(100), |_| {}).is_none());
    }
}
