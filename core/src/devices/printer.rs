//! The receipt printer as the app uses it (F2, K2): a test slip from the device panel, and the
//! printer's condition (paper out, cover open, offline) kept current in the status bar by a
//! status poll. Each job opens the configured transport, checks status, prints and checks
//! again (see `yichuang_drivers::escpos::ReceiptPrinter`), so a printer that was switched off
//! and on needs no reconnect logic of its own.
//!
//! With `driver = "simulator"` an in-process ESC/POS printer simulator listens on a loopback
//! TCP port and the real driver prints to it over TCP.

use crate::devices::runtime::Worker;
use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use yichuang_drivers::escpos::{
    Fault, PaperWidth, PrinterConfig, PrinterError, ReceiptPrinter, Simulator, SlipTime,
    TicketSlip, TransportConfig,
};

pub const SLOT: &str = "receipt_printer";

fn user_error(e: &PrinterError) -> UserError {
    UserError::with_message(
        ErrorCode::of_kind(
            e.kind(),
            [
                ErrorCode::ReceiptPrinterNotConnected,
                ErrorCode::ReceiptPrinterOpenFailed,
                ErrorCode::ReceiptPrinterTimeout,
                ErrorCode::ReceiptPrinterProtocol,
                ErrorCode::ReceiptPrinterNeedsAttention,
                ErrorCode::ReceiptPrinterDeviceFault,
                ErrorCode::ReceiptPrinterMisconfigured,
            ],
        ),
        e.message(),
        e.to_string(),
    )
}

/// What the clerk is told after a successful print.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
pub struct PrintOutcome {
    pub message: String,
    pub bytes_sent: u32,
}

pub struct ReceiptPrinterService {
    config: PrinterConfig,
    simulator: Option<Simulator>,
    /// The status poll; stopped with the service.
    poll: OnceLock<Worker>,
}

impl ReceiptPrinterService {
    /// Builds the service for `config` and starts the status poll, or `None` when no printer
    /// is installed. `emit` receives the printer's state whenever it is polled.
    pub fn start(
        config: &DeviceConfig,
        poll_every: Duration,
        emit: impl Fn(&'static str, DeviceState) + Send + 'static,
    ) -> Result<Option<Arc<ReceiptPrinterService>>, UserError> {
        let mut simulator = None;
        let transport = match config.driver {
            DeviceDriver::None => return Ok(None),
            DeviceDriver::Simulator => {
                let sim = Simulator::new(PaperWidth::Mm80);
                let addr = sim.listen("127.0.0.1:0").map_err(|e| {
                    UserError::new(ErrorCode::ReceiptPrinterSimulator, e.to_string())
                })?;
                simulator = Some(sim);
                TransportConfig::Tcp {
                    address: addr.to_string(),
                }
            }
            DeviceDriver::Tcp => TransportConfig::Tcp {
                address: config.address.clone().unwrap_or_default(),
            },
            DeviceDriver::Serial => TransportConfig::Serial {
                path: config.port.clone().unwrap_or_default(),
                baud: config.baud.unwrap_or(115_200),
            },
            DeviceDriver::Usb => TransportConfig::UsbLp {
                path: config.port.clone().unwrap_or_else(|| "/dev/usb/lp0".into()),
            },
            other => {
                return Err(UserError::new(
                    ErrorCode::ReceiptPrinterDriver,
                    format!("driver {other:?} is not supported for the receipt printer"),
                ))
            }
        };
        let mut printer_config = PrinterConfig::new(transport, PaperWidth::Mm80);
        printer_config.timeout_ms = 1500;
        let service = Arc::new(ReceiptPrinterService {
            config: printer_config,
            simulator,
            poll: OnceLock::new(),
        });
        // The poll holds only a weak reference: it ends once the service is dropped.
        let polled = Arc::downgrade(&service);
        match Worker::every("receipt-printer", poll_every, move || {
            let Some(service) = polled.upgrade() else {
                return false;
            };
            emit(SLOT, service.state());
            true
        }) {
            Ok(worker) => {
                let _ = service.poll.set(worker);
            }
            Err(e) => tracing::error!(error = %e, "cannot start the receipt printer status poll"),
        }
        Ok(Some(service))
    }

    /// The printer's condition now, as the status bar shows it.
    pub fn state(&self) -> DeviceState {
        let checked = ReceiptPrinter::open(&self.config).and_then(|mut p| p.check_ready());
        match checked {
            Ok(_) => DeviceState::Connected,
            Err(e) => DeviceState::failed(e.kind(), e.message()),
        }
    }

    /// Prints the standard ticket slip as a test page (K2).
    pub fn print_test_slip(
        &self,
        hall_name: &str,
        at: SlipTime,
    ) -> Result<PrintOutcome, UserError> {
        let slip = TicketSlip {
            hall_name: hall_name.to_string(),
            issued_at: at,
            ..TicketSlip::sample()
        };
        let mut printer = ReceiptPrinter::open(&self.config).map_err(|e| user_error(&e))?;
        let report = printer.print_slip(&slip).map_err(|e| user_error(&e))?;
        Ok(PrintOutcome {
            message: if report.paper_near_end() {
                crate::labels::print::TEST_SLIP_PRINTED_PAPER_NEAR_END.into()
            } else {
                crate::labels::print::TEST_SLIP_PRINTED.into()
            },
            bytes_sent: report.bytes_sent.min(u32::MAX as usize) as u32,
        })
    }

    /// Prints a queue ticket's slip.
    pub fn print_ticket(&self, slip: &TicketSlip) -> Result<(), UserError> {
        let mut printer = ReceiptPrinter::open(&self.config).map_err(|e| user_error(&e))?;
        printer.print_slip(slip).map_err(|e| user_error(&e))?;
        Ok(())
    }

    /// Prints a business slip (pickup slip, locker code, case receipt).
    pub fn print_business(
        &self,
        slip: &yichuang_drivers::escpos::BusinessSlip,
    ) -> Result<(), UserError> {
        let mut printer = ReceiptPrinter::open(&self.config).map_err(|e| user_error(&e))?;
        printer.print_business(slip).map_err(|e| user_error(&e))?;
        Ok(())
    }

    /// What the in-process simulator has printed (tests, the simulator control surface);
    /// `None` when the printer is not simulated.
    pub fn simulated_paper(&self) -> Option<yichuang_drivers::escpos::Paper> {
        self.simulator.as_ref().map(|s| s.paper())
    }

    /// Sets or clears a fault on the in-process simulator (`make run`).
    pub fn simulator_fault(&self, fault: &str, on: bool) -> Result<(), UserError> {
        let sim = self.simulator.as_ref().ok_or_else(|| {
            UserError::new(
                ErrorCode::ReceiptPrinterNotSimulated,
                "devices.receipt_printer.driver is not \"simulator\"",
            )
        })?;
        let fault = Fault::from_name(fault).ok_or_else(|| {
            UserError::new(
                ErrorCode::ReceiptPrinterFault,
                format!("unknown fault {fault:?}"),
            )
        })?;
        sim.set_fault(fault, on);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn at() -> SlipTime {
        SlipTime::new(2026, 11, 23, 9, 30)
    }

    #[test]
    fn f2_simulated_printer_prints_reports_paper_out_and_recovers() {
        let (tx, rx) = mpsc::channel();
        let svc = ReceiptPrinterService::start(
            &DeviceConfig::driver(DeviceDriver::Simulator),
            Duration::from_millis(100),
            move |slot, state| {
                let _ = tx.send((slot, state));
            },
        )
        .unwrap()
        .expect("simulator installed");
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            (SLOT, DeviceState::Connected)
        );
        let ok = svc.print_test_slip("测试政务服务中心", at()).unwrap();
        assert_eq!(ok.message, "测试小票已打印。");
        assert!(ok.bytes_sent > 100);

        svc.simulator_fault("paper-out", true).unwrap();
        let err = svc.print_test_slip("测试政务服务中心", at()).unwrap_err();
        assert!(err.message.contains("打印机缺纸"), "{err:?}");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let (_, state) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
            if matches!(&state, DeviceState::Error { message } if message.contains("缺纸")) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "status never showed paper out"
            );
        }
        svc.simulator_fault("paper-out", false).unwrap();
        svc.print_test_slip("测试政务服务中心", at()).unwrap();
        assert!(svc.simulator_fault("jam", true).is_err());
    }

    #[test]
    fn unreachable_tcp_printer_is_disconnected_and_print_fails_in_chinese() {
        let cfg = DeviceConfig {
            driver: DeviceDriver::Tcp,
            address: Some("127.0.0.1:1".into()),
            ..DeviceConfig::default()
        };
        let svc = ReceiptPrinterService::start(&cfg, Duration::from_secs(60), |_, _| {})
            .unwrap()
            .unwrap();
        assert_eq!(svc.state(), DeviceState::Disconnected);
        let err = svc.print_test_slip("x", at()).unwrap_err();
        assert!(err.message.contains("打印机"), "{err:?}");
        assert!(svc.simulator_fault("paper-out", true).is_err());
    }
}
