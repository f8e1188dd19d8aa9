//! The A4 printer as the app uses it: render a document to PDF and print it through the OS
//! spooler to the queue named in the config, following the job to completion; the device
//! panel's 「打印测试页」 prints [`crate::domain::document::test_page`].
//!
//! With `driver = "spooler"` the PDF goes to `devices.a4_printer.queue` on the CUPS server at
//! `address` / `$CUPS_SERVER` / localhost:631 (see `yichuang_drivers::spooler`). On Windows,
//! without an address, `queue` names a Windows printer and the same laid-out pages are drawn
//! on it with GDI through the Windows spooler (`yichuang_drivers::spooler::gdi`). With
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
    #[cfg(windows)]
    Windows(yichuang_drivers::spooler::gdi::WinSpooler),
    Simulator {
        dir: PathBuf,
        count: AtomicU32,
    },
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
            #[cfg(windows)]
            DeviceDriver::Spooler
                if yichuang_drivers::spooler::uses_windows_spooler(config.address.as_deref()) =>
            {
                let printer = config.queue.as_deref().unwrap_or_default();
                Target::Windows(
                    yichuang_drivers::spooler::gdi::WinSpooler::new(printer)
                        .map_err(|e| user_error(&e))?,
                )
            }
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
            #[cfg(windows)]
            Target::Windows(printer) => match printer.check_ready() {
                Ok(()) => DeviceState::Connected,
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
            #[cfg(windows)]
            Target::Windows(_) => Err(user_error(&SpoolerError::Unsupported(
                "a finished PDF cannot be drawn with GDI; Windows printers print documents",
            ))),
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
        #[cfg(windows)]
        if let Target::Windows(printer) = &self.target {
            let pages = crate::domain::document::device::device_pages(doc)?;
            let job = printer
                .print_pages(
                    &doc.title,
                    &pages,
                    crate::domain::document::device::PRINT_FONT,
                )
                .map_err(|e| user_error(&e))?;
            return Ok(A4PrintOutcome {
                message: labels::print::a4_printed(&doc.title),
                job_id: Some(job),
                pdf_bytes: 0,
                saved_to: None,
            });
        }
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
            #[cfg(windows)]
            Target::Windows(p) => p.printer().to_string(),
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

    /// K1 on Windows (under Wine in `make windows-test`): the test page is drawn with GDI on a
    /// Windows printer and reaches it through the spooler. Wine's spooler hands the job to the
    /// CUPS queue `yichuang-ps` of scripts/cups-test.sh, whose device writes it to a file; Wine
    /// has no real printer driver, so its PostScript driver stands in for the printer's.
    #[cfg(windows)]
    #[test]
    fn k1_the_test_page_drawn_with_gdi_reaches_the_windows_printer() {
        let hint = "run by `make windows-test`, which starts scripts/cups-test.sh";
        let (Some(printer), Some(printed)) = (
            yichuang_testkit::require_env("YICHUANG_TEST_WIN_PRINTER", hint),
            yichuang_testkit::require_env("YICHUANG_TEST_WIN_PRINTED", hint),
        ) else {
            return;
        };
        let _ = std::fs::remove_file(&printed);
        let cfg = DeviceConfig {
            driver: DeviceDriver::Spooler,
            queue: Some(printer.clone()),
            ..DeviceConfig::default()
        };
        let svc = A4PrinterService::from_config(&cfg, PathBuf::new())
            .unwrap()
            .unwrap();
        assert_eq!(svc.state(), DeviceState::Connected, "{printer}");
        let out = svc
            .print_test_page("测试政务服务中心", "1号窗口", at())
            .unwrap();
        assert!(out.job_id.is_some_and(|id| id > 0), "{out:?}");
        assert!(out.message.contains("A4打印机测试页"), "{out:?}");
        let job = yichuang_testkit::wait_for(std::time::Duration::from_secs(60), || {
            std::fs::read(&printed)
                .ok()
                .filter(|b| b.windows(5).any(|w| w == b"%%EOF"))
        })
        .unwrap_or_else(|| panic!("{printed} never held a whole job"));
        let text = String::from_utf8_lossy(&job);
        assert!(
            text.starts_with("%!PS-Adobe"),
            "{}",
            &text[..64.min(text.len())]
        );
        assert!(text.contains("%%Pages: 1"), "one page");
        // The page was drawn: the bundled font went along (not a blank page).
        assert!(text.contains("WenQuanYi"), "the font is embedded");
        let unknown = DeviceConfig {
            queue: Some("没有这台打印机".into()),
            ..cfg
        };
        let svc = A4PrinterService::from_config(&unknown, PathBuf::new())
            .unwrap()
            .unwrap();
        let err = svc.print_test_page("x", "1号窗口", at()).unwrap_err();
        assert_eq!(err.code, ErrorCode::A4PrinterMisconfigured, "{err:?}");
    }
}
