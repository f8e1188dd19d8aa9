//! A4 printer through the OS print spooler (CUPS on Linux): hand a PDF to a named queue and
//! follow the job to completion or error.
//!
//! The client speaks IPP/1.1 over HTTP to the CUPS server directly (no libcups), so a
//! printer's problems arrive typed: `printer-state-reasons` such as `media-empty-error`
//! become [`Condition::PaperOut`] → 「打印机缺纸」.
//!
//! - [`ipp`]: IPP message encoder and total decoder (pure).
//! - [`http`]: the HTTP POST it rides on, over TCP or the CUPS domain socket.
//! - [`client`]: [`Spooler`]: queues, Print-Job, Get-Job-Attributes, Cancel-Job.
//! - [`error`]: [`SpoolerError`], its [`crate::ErrorKind`] and its Chinese text.
//!
//! - [`gdi`]: Windows: the document drawn with GDI on the printer's device context and the job
//!   followed through winspool (no IPP there unless `address` names an IPP server or printer,
//!   which works on every OS).

pub mod client;
pub mod error;
pub mod gdi;
pub mod http;
pub mod ipp;

pub use client::{
    job_state, validate_queue_name, JobStatus, PrintedJob, QueueInfo, Spooler, SpoolerConfig,
};
pub use error::{Condition, SpoolerError, SpoolerProblem, DEVICE_NAME};
pub use http::Server;

/// Whether an A4 printer configured with `address` is a Windows printer reached through the
/// Windows spooler ([`gdi`]): on Windows, when no `address` names an IPP server or printer.
/// Everywhere else, and with an address, the queue is an IPP/CUPS queue.
pub fn uses_windows_spooler(address: Option<&str>) -> bool {
    cfg!(windows) && address.is_none()
}

/// Checks a configured queue name by the rules of where it will be printed: a Windows
/// printer name ([`gdi::validate_printer_name`]) or a CUPS queue ([`validate_queue_name`]).
pub fn validate_queue_for(address: Option<&str>, queue: &str) -> Result<(), String> {
    if uses_windows_spooler(address) {
        gdi::validate_printer_name(queue)
    } else {
        validate_queue_name(queue)
    }
}
