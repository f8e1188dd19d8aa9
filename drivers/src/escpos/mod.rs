//! ESC/POS thermal receipt printer (小票打印机): queue tickets and small slips in printer text
//! mode, with GB18030 Chinese, printer-drawn QR codes and barcodes.
//!
//! - [`encoder`]: builds the bytes of a job (pure); [`slip`]: the standard ticket slip (its
//!   printed wording in `wording.rs`).
//! - [`status`]: `DLE EOT` requests and the parser of their answers (pure, total).
//! - [`decoder`]: the printer's side of the encoder (pure, streaming, total).
//! - [`printer`]: the [`SlipPrinter`] trait the app uses, and the driver over raw TCP 9100,
//!   serial and the USB printer-class device.
//! - [`simulator`]: the other end of the protocol, with fault injection.
//! - [`error`]: [`PrinterError`], its [`crate::ErrorKind`] and its Chinese text.

pub mod decoder;
pub mod encoder;
pub mod error;
pub mod printer;
pub mod simulator;
pub mod slip;
pub mod status;
mod wording;

pub use encoder::{Align, CharSize, Cut, EncodeError, Encoder, PaperWidth, QrErrorLevel};
pub use error::{PrinterError, ReceiptPrinterProblem, DEVICE_NAME};
pub use printer::{PrintReport, PrinterConfig, ReceiptPrinter, SlipPrinter, TransportConfig};
pub use simulator::{Fault, Paper, Simulator};
pub use slip::{BusinessSlip, SlipTime, TicketSlip};
pub use status::{PaperState, PrinterProblem, PrinterStatus, StatusQuery};
