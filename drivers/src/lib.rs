//! Counter devices of 一窗受理工作站: ID-card reader, UKey, document camera, scanner gun,
//! receipt printer, and A4 printers through the OS spooler.
//!
//! Each device kind gets a module with a trait for what the app needs, a pure codec
//! (bytes ⇄ typed frames, never panicking on any input), injected transports and a simulator
//! that is the other end of the same protocol. What all of them share lives here: the
//! [`ErrorKind`] every driver error maps to, [`messages`], the one table of every Chinese
//! sentence the clerk reads, the one transport family ([`transport`]: byte source, duplex
//! byte stream, frame source; [`serial`] is its serial member) and the one pty simulator
//! handle ([`simulator`]).

pub mod camera;
pub mod error;
pub mod escpos;
pub mod idcard;
pub mod messages;
pub mod scanner;
pub mod serial;
pub mod simulator;
pub mod spooler;
pub mod transport;
pub mod ukey;

pub use error::{DeviceError, ErrorKind};
