//! Public-key infrastructure for UKey certificate login, shared by the server and the
//! workstation (no server, UI or device dependencies):
//!
//! - [`Cert`]: an X.509 certificate (DER or PEM) with subject, issuer, serial, validity,
//!   SHA-256 fingerprint and key algorithm.
//! - [`verify_message`]: a UKey's login signature (SM2 with the default user ID, ECDSA P-256,
//!   RSA PKCS#1 v1.5, all with the message hashed as the algorithm requires).
//! - [`verify_issued_by`], [`Crl`], [`TrustStore`]: the certificate was issued by a trusted
//!   CA (ecdsa-with-SHA256, sha256WithRSAEncryption, SM2-with-SM3), is valid and not revoked.
//! - [`grant`]: Ed25519-signed offline login grants.
//! - [`credential`]: the workstation's enrolled Ed25519 key and the request signatures made
//!   with it.
//! - [`release`]: minisign-signed releases, their target and version claim.
//! - [`ident`]: GB 32100 统一社会信用代码 and GB/T 36904 电子证照标识, check characters verified.
//! - [`PkiError`]: every refusal, typed; no input makes this crate panic.

pub mod card_read;
pub mod cert;
pub mod credential;
pub mod crl;
pub mod error;
pub mod grant;
pub mod ident;
pub mod messages;
mod pem;
pub mod release;
pub mod trust;
pub mod verify;

pub use cert::{fingerprint, Cert, KeyAlgorithm};
pub use crl::Crl;
pub use error::{PkiError, PkiErrorKind};
pub use grant::{
    grant_key_id, sign_grant, verify_grant, OfflineGrant, SignedGrant, SigningKey, VerifyingKey,
    MAX_GRANT_MS,
};
pub use trust::TrustStore;
pub use verify::{raw_rs_from_der, verify_issued_by, verify_message, SM2_DEFAULT_ID};
