//! QR / barcode scanner gun (扫码枪) in serial mode (USB-CDC virtual COM port, or RS-232):
//! each scan arrives as one typed [`ScanEvent`] with its text decoded from UTF-8 or GB18030.
//! (Keyboard-wedge scanners are detected in the UI, `ui/src/scanner/wedge.ts`.)
//!
//! Layers, each in its own file:
//! - [`codec`]: the pure streaming [`ScanFramer`]: suffix (CR, LF, CR LF, Tab, or none + quiet
//!   line), encoding, AIM symbology identifier, bounded buffer; never panics;
//! - [`transport`]: the byte source (a [`crate::transport::ByteSource`]) and its serial settings;
//! - [`driver`]: [`Scanner`], the [`ScanSource`] the app reads scans from;
//! - [`hidpos`]: USB HID-POS scanners (usage page 0x8C): reports put together into scans;
//! - [`simulator`]: the scanner's end of the line behind a pty, with split writes and noise;
//! - [`error`]: [`ScannerError`], whose [`kind`](ScannerError::kind) maps to
//!   [`crate::ErrorKind`] and whose [`message`](ScannerError::message) is the clerk's Chinese sentence
//!   (from [`crate::messages`]).

pub mod codec;
pub mod driver;
pub mod error;
pub mod hidpos;
mod labels;
mod samples;
pub mod simulator;
pub mod transport;

pub use codec::{
    FrameError, FramerConfig, ScanEvent, ScanFramer, Suffix, Symbology, SymbologyKind, TextEncoding,
};
pub use driver::{ScanSource, Scanner, ScannerConfig};
pub use error::{ScannerError, ScannerProblem};
pub use simulator::{Emit, ScanSimulator, SimConfig, SimulatorHandle, Split, XorShift};
pub use transport::{open_serial, SerialConfig};

/// The device's Chinese name, used in every clerk-facing message.
pub const DEVICE_NAME: &str = crate::messages::device::SCANNER;
