//! Electronic seals (电子印章, FEATURES A7; verification for L3/L4) on PDF documents:
//!
//! - [`stamp`]: a visible seal ([`SealAppearance`]) and a PDF signature made by the seal key
//!   ([`SealSigner`]; over a UKey: `ukey::UkeySealSigner`, feature `ukey`), as an incremental
//!   update (`/adbe.pkcs7.detached`; CMS per GM/T 0010 for SM2, RFC 5652 otherwise).
//! - [`verify`]: every signature of a PDF — signature, certificate chain, unchanged bytes,
//!   nothing appended — as [`SignatureVerdict`]s with the clerk's Chinese sentence.
//!
//! Errors are [`yichuang_pki::PkiError`]s (one code enum and message table for the pki
//! layer); nothing here panics on any input. A separate crate from `yichuang-pki` because it
//! brings a PDF reader and CMS that login checks do not need, and the UKey adapter needs the
//! drivers, which pki (shared with the server) must not depend on.

pub mod appearance;
pub mod cms;
mod pdfobj;
pub mod scan;
pub mod signer;
pub mod stamp;
pub mod text;
pub mod time;
#[cfg(feature = "ukey")]
pub mod ukey;
pub mod verify;
pub mod wording;

pub use appearance::SealAppearance;
pub use signer::{SealAlgorithm, SealSigner};
pub use stamp::{stamp, StampError};
pub use verify::{verify, SignatureVerdict};
