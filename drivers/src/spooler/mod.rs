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
//! Windows: the Windows print API (winspool) is not implemented; without a configured IPP
//! server address [`SpoolerConfig::new`] returns [`SpoolerError::Unsupported`] there. The IPP
//! path itself works on every OS when `address` names an IPP server or printer.

pub mod client;
pub mod error;
pub mod http;
pub mod ipp;

pub use client::{
    job_state, validate_queue_name, JobStatus, PrintedJob, QueueInfo, Spooler, SpoolerConfig,
};
pub use error::{Condition, SpoolerError, SpoolerProblem, DEVICE_NAME};
pub use http::Server;
