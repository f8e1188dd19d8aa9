//! Resident ID-card reader (居民身份证阅读器), spoken natively over the GA/T 467 SAM protocol so
//! the counter needs no vendor DLL, IE plug-in or WebSocket bridge.
//!
//! Layers, each in its own file:
//! - [`codec`]: pure bytes ⇄ typed SAM frames, a streaming [`FrameDecoder`] that never panics;
//! - [`identity`]: the 256-byte text block of the three card types, dates and the GB 11643
//!   check digit; the WLT photo kept raw behind [`PhotoDecoder`]; its tables are data files of
//!   their own: `nations.rs` (GB 3304 民族 names) and `labels.rs` (card, sex and field names,
//!   the SAM's status wording);
//! - [`transport`]: the byte pipe the reader talks through (a [`crate::transport::ByteStream`])
//!   and its serial settings; [`usb`]: the USB "部标" bulk interface carrying the same frames;
//! - [`reader`]: the find → select → read loop with card-present / card-removed events;
//! - [`simulator`]: the SAM end of the same protocol, with sample cards (their identities in
//!   `samples.rs`) and fault injection;
//! - [`error`]: [`IdCardError`], whose [`kind`](IdCardError::kind) maps to
//!   [`crate::ErrorKind`] and whose [`message`](IdCardError::message) is the clerk's Chinese sentence
//!   (from [`crate::messages`]).

pub mod codec;
pub mod error;
pub mod identity;
pub mod labels;
mod nations;
pub mod photo;
pub mod reader;
mod samples;
pub mod simulator;
pub mod transport;
pub mod usb;

pub use codec::{FrameDecoder, FrameError, Request, Response, SamStatus};
pub use error::{IdCardError, IdCardProblem};
pub use identity::{
    CardDetails, CardKind, Date, Identity, IdentityError, Nation, PhotoDecoder, Sex, Validity,
    WltPhoto,
};
pub use reader::{CardRead, IdCardReader, ReaderConfig, ReaderEvent, SamId};
pub use simulator::{Fault, SamSimulator, SampleCard};
pub use transport::{open_serial, SerialConfig};
pub use usb::{UsbConfig, UsbTransport};

/// The device's Chinese name, used in every clerk-facing message.
pub const DEVICE_NAME: &str = crate::messages::device::ID_CARD_READER;
