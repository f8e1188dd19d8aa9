//! The serial (USB-CDC) scanner gun as the app uses it (D1): on the device
//! [`runtime`], each poll step waits for one scan and hands it on as
//! one event; the runtime reopens the port after an unplug. Keyboard-
//! wedge scanners never reach this module: the UI detects their bursts
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
use yichuang_drivers::serial::SerialLink;

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

type Opener = Box<dyn FnMut() -> Result<SerialLink, ScannerError> + Send>;

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
                match scanner::simulator::pty_pair(ScanSimulator::new(SimConfig::default())) {
                    Ok((transport, handle)) => {
                        simulator = Some(handle);
                        let mut transport = Some(transport);
                        Box::new(move || {
                            transport.take().ok_or(ScannerError::Io(
                                "simulator link closed; restart the workstation".into(),
                            ))
                        })
                    }
                    Err(e) => {
                        let msg = format!("cannot create simulator pty: {e}");
                        Box::new(move || Err(ScannerError::Io(msg.clone())))
                    }
                }
            }
            DeviceDriver::Serial => {
                let port = config.port.clone().unwrap_or_default();
                let serial = SerialConfig {
                    baud: config.baud.unwrap_or(SerialConfig::default().baud),
                };
                Box::new(move || scanner::open_serial(&port, &serial))
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
        let scanner = SerialScanner {
            open: opener,
            config: ScannerConfig { framing },
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

/// What is particular to the serial scanner in the device loop ([`runtime::Device`]): a poll
/// step waits for one scan.
struct SerialScanner {
    open: Opener,
    config: ScannerConfig,
    emit: Box<dyn Fn(ScannerEvent) + Send>,
}

impl runtime::Device for SerialScanner {
    type Link = Scanner<SerialLink>;
    type Error = ScannerError;
    const NAME: &'static str = "scanner";

    fn open(&mut self) -> Result<Self::Link, ScannerError> {
        Scanner::new((self.open)()?, self.config.clone())
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

    struct Desk {
        _svc: ScannerService,
        sim: scanner::SimulatorHandle,
        rx: mpsc::Receiver<ScannerEvent>,
        /// The pty's slave end, open while the service opens the same path.
        _slave: serialport::TTYPort,
    }

    /// A CR LF scanner on a pty, served by the driver's simulator; the desk's config as given.
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
