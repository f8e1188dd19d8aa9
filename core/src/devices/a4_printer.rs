//! The A4 printer as the app uses it: render a document to PDF and print it through the OS
//! spooler to the queue named in the config, following the job to completion; the device
//! panel's 「打印测试页」 prints [`crate::domain::document::test_page`].
//!
//! With `driver = "spooler"` the PDF goes to `devices.a4_printer.queue` on the CUPS server at
//! `address` / `$CUPS_SERVER` / localhost:631 (see `yichuang_drivers::spooler`). With
//! `driver = "simulator"` (`make run`) the PDF is written to a directory instead and the
//! print reports the file, so the whole path up to the spooler runs without a printer.

use crate::domain::document::{render_pdf, test_page, Document, TestPage};
use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use crate::labels;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use yichuang_drivers::escpos::SlipTime;
use yichuang_drivers::spooler::{Spooler, SpoolerConfig, SpoolerError};

pub const SLOT: &str = "a4_printer";

fn user_error(e: &SpoolerError) -> UserError {
    UserError::with_message(
        ErrorCode::of_kind(
            e.kind(),
            [
                ErrorCode::A4PrinterNotConnected,
                ErrorCode::A4PrinterOpenFailed,
                ErrorCode::A4PrinterTimeout,
                ErrorCode::A4PrinterProtocol,
                ErrorCode::A4PrinterNeedsAttention,
                ErrorCode::A4PrinterDeviceFault,
                ErrorCode::A4PrinterMisconfigured,
            ],
        ),
        e.message(),
        e.to_string(),
    )
}

/// What the clerk is told after a successful print.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
pub struct A4PrintOutcome {
    pub message: String,
    /// The spooler's job id (none for the simulator).
    pub job_id: Option<i32>,
    pub pdf_bytes: u32,
    /// Where the simulator wrote the PDF.
    pub saved_to: Option<String>,
}

enum Target {
    Spooler(Spooler),
    Simulator { dir: PathBuf, count: AtomicU32 },
}

pub struct A4PrinterService {
    target: Target,
}

impl A4PrinterService {
    /// The service for `config`, or `None` when no A4 printer is installed. `sim_dir` is
    /// where the simulator writes its PDFs.
    pub fn from_config(
        config: &DeviceConfig,
        sim_dir: PathBuf,
    ) -> Result<Option<A4PrinterService>, UserError> {
        let target = match config.driver {
            DeviceDriver::None => return Ok(None),
            DeviceDriver::Simulator => Target::Simulator {
                dir: sim_dir,
                count: AtomicU32::new(0),
            },
            DeviceDriver::Spooler => {
                let queue = config.queue.as_deref().unwrap_or_default();
                let spooler_config = SpoolerConfig::new(config.address.as_deref(), queue)
                    .map_err(|e| user_error(&e))?;
                Target::Spooler(Spooler::new(spooler_config))
            }
            other => {
                return Err(UserError::new(
                    ErrorCode::A4PrinterDriver,
                    format!("driver {other:?} is not supported for the A4 printer"),
                ))
            }
        };
        Ok(Some(A4PrinterService { target }))
    }

    /// A service printing through `spooler` (tests, diagnostics).
    pub fn with_spooler(spooler: Spooler) -> A4PrinterService {
        A4PrinterService {
            target: Target::Spooler(spooler),
        }
    }

    /// The printer's condition now, as the status bar shows it.
    pub fn state(&self) -> DeviceState {
        match &self.target {
            Target::Simulator { .. } => DeviceState::Connected,
            Target::Spooler(spooler) => match spooler.check_ready() {
                Ok(_) => DeviceState::Connected,
                Err(e) => DeviceState::failed(e.kind(), e.message()),
            },
        }
    }

    /// Prints a PDF and waits until the spooler reports the job completed.
    pub fn print_pdf(&self, pdf: &[u8], job_name: &str) -> Result<A4PrintOutcome, UserError> {
        let pdf_bytes = pdf.len().min(u32::MAX as usize) as u32;
        match &self.target {
            Target::Spooler(spooler) => {
                let job = spooler
                    .print_pdf(pdf, job_name)
                    .map_err(|e| user_error(&e))?;
                Ok(A4PrintOutcome {
                    message: labels::print::a4_printed(job_name),
                    job_id: Some(job.id),
                    pdf_bytes,
                    saved_to: None,
                })
            }
            Target::Simulator { dir, count } => {
                let n = count.fetch_add(1, Ordering::Relaxed) + 1;
                let path = dir.join(format!("a4-{}-{n:04}.pdf", std::process::id()));
                std::fs::create_dir_all(dir)
                    .and_then(|()| std::fs::write(&path, pdf))
                    .map_err(|e| {
                        UserError::new(
                            ErrorCode::A4PrinterSimulator,
                            format!("{}: {e}", path.display()),
                        )
                    })?;
                Ok(A4PrintOutcome {
                    message: labels::print::a4_printed_simulated(job_name),
                    job_id: None,
                    pdf_bytes,
                    saved_to: Some(path.display().to_string()),
                })
            }
        }
    }

    /// Renders and prints a document.
    pub fn print_document(&self, doc: &Document) -> Result<A4PrintOutcome, UserError> {
        let pdf = render_pdf(doc)?;
        self.print_pdf(&pdf, &doc.title)
    }

    /// The device panel's test page.
    pub fn print_test_page(
        &self,
        hall_name: &str,
        window: &str,
        at: SlipTime,
    ) -> Result<A4PrintOutcome, UserError> {
        let printer = match &self.target {
            Target::Spooler(s) => {
                labels::devices::spooler_queue(&s.config().queue, &s.config().server)
            }
            Target::Simulator { .. } => labels::devices::A4_SIMULATOR.into(),
        };
        let doc = test_page(&TestPage {
            hall_name: hall_name.to_string(),
            window: window.to_string(),
            printer,
            at,
        });
        self.print_document(&doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> SlipTime {
        SlipTime::new(2026, 11, 23, 9, 30)
    }

    #[test]
    fn simulator_writes_the_test_page_pdf() {
        let dir = tempfile::tempdir().unwrap();
        let svc = A4PrinterService::from_config(
            &DeviceConfig::driver(DeviceDriver::Simulator),
            dir.path().into(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(svc.state(), DeviceState::Connected);
        let out = svc
            .print_test_page("测试政务服务中心", "1号窗口", at())
            .unwrap();
        assert_eq!(out.message, "A4打印机测试页已打印（模拟打印机）。");
        let pdf = std::fs::read(out.saved_to.unwrap()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pdf.len() as u32, out.pdf_bytes);
    }

    #[test]
    fn unreachable_spooler_is_disconnected_and_print_fails_in_chinese() {
        let cfg = DeviceConfig {
            driver: DeviceDriver::Spooler,
            queue: Some("a4".into()),
            address: Some("127.0.0.1:1".into()),
            ..DeviceConfig::default()
        };
        let svc = A4PrinterService::from_config(&cfg, PathBuf::new())
            .unwrap()
            .unwrap();
        assert_eq!(svc.state(), DeviceState::Disconnected);
        let err = svc.print_test_page("x", "1号窗口", at()).unwrap_err();
        assert!(err.message.contains("打印服务未运行"), "{err:?}");
        assert_eq!(err.code, ErrorCode::A4PrinterNotConnected);
        assert!(A4PrinterService::from_config(
            &DeviceConfig {
                driver: DeviceDriver::None,
                ..DeviceConfig::default()
            },
            PathBuf::new()
        )
        .unwrap()
        .is_none());
    }
}
