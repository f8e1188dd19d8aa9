//! UKey (USB key holding the clerk's certificate) for certificate login: list the keys
//! present, their certificates, PIN state; verify the PIN; sign a server challenge.
//!
//! - [`Ukey`]: the trait the app uses, object-safe (`Box<dyn Ukey>`), one per configured
//!   backend; [`open`] builds it from a [`UkeyConfig`].
//! - [`pkcs11`]: PKCS#11 tokens through `cryptoki` (ECDSA P-256 and RSA; SoftHSM2 in tests).
//! - [`skf`]: GM/T 0016 SKF vendor libraries loaded at run time (SM2 with SM3 and the
//!   GM/T 0009 default user ID), with a per-vendor algorithm-ID table.
//! - [`presence`]: insert/remove events from successive [`Ukey::poll_presence`] results.
//! - [`codec`]: pure conversions (signature encodings, SKF multi-strings, SM2 `Z`).
//! - [`cert`]: certificate fields (CN, issuer, serial, validity, usage, algorithm).
//! - [`error`]: [`UkeyError`], its [`UkeyProblem`] and Chinese text.
//!
//! `sign` always takes the **message** (for login: the server's challenge bytes); the backend
//! hashes as its algorithm requires: SM2 signs `e = SM3(Z‖M)` with the default user ID
//! "1234567812345678", ECDSA P-256 signs SHA-256(M), RSA signs PKCS#1 v1.5 with SHA-256.

pub mod cert;
pub mod codec;
pub mod error;
pub mod multi;
pub mod pkcs11;
pub mod presence;
pub mod skf;

use std::path::PathBuf;

use serde::Serialize;

pub use cert::{CertUsage, KeyAlgorithm};
pub use error::{UkeyError, UkeyProblem, DEVICE_NAME};
pub use multi::{LibraryStatus, MultiUkey, NamedLibrary};
pub use presence::{PresenceEvent, PresenceWatcher};
pub use skf::SkfAlgTable;

/// Which kind of library a backend drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Pkcs11,
    Skf,
}

/// One key that is plugged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct KeyInfo {
    /// What the other calls take to name this key: the token serial (PKCS#11) or the device
    /// name (SKF). Stable across re-plugging the same key.
    pub id: String,
    pub backend: Backend,
    pub serial: String,
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    /// Signature algorithms the key reports it can do (e.g. `SM2`, `SM3`, `ECDSA`, `RSA`).
    pub algorithms: Vec<String>,
}

/// One certificate on a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CertInfo {
    /// What [`Ukey::sign`] takes: the hex `CKA_ID` (PKCS#11) or `container#sign` /
    /// `container#exchange` (SKF).
    pub id: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
    pub subject: String,
    pub subject_cn: String,
    pub issuer: String,
    /// Upper-case hex.
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub usage: CertUsage,
    pub algorithm: KeyAlgorithm,
    /// Whether the key holds the matching private key (so [`Ukey::sign`] can use it).
    pub can_sign: bool,
}

impl CertInfo {
    /// Whether the certificate is valid at `now` (Unix seconds; the caller's clock).
    pub fn check_validity(&self, now: i64) -> Result<(), UkeyError> {
        if now < self.not_before {
            Err(UkeyError::CertificateNotYetValid {
                not_before: self.not_before,
            })
        } else if now > self.not_after {
            Err(UkeyError::CertificateExpired {
                not_after: self.not_after,
            })
        } else {
            Ok(())
        }
    }

    /// A certificate the clerk can log in with: authentication usage and a private key.
    pub fn is_login_certificate(&self) -> bool {
        self.usage.authentication && self.can_sign
    }
}

/// PIN state of a key. PKCS#11 only exposes flags, so counts are `None` there unless the
/// flags pin them down (final try = 1 left, locked = 0 left).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct PinInfo {
    pub max_retries: Option<u32>,
    pub retries_left: Option<u32>,
    pub locked: bool,
    /// The token says wrong PINs were entered since the last good one (PKCS#11 COUNT_LOW).
    pub count_low: bool,
    /// The PIN is still the initial one and must be changed: SKF `SKF_GetPINInfo`'s
    /// default-PIN flag, PKCS#11 `CKF_USER_PIN_TO_BE_CHANGED`.
    pub default_pin: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SignatureAlgorithm {
    /// SM2 over `e = SM3(Z‖M)`, default user ID; DER `SEQUENCE { r, s }`.
    Sm2Sm3,
    /// ECDSA P-256 over SHA-256(M); DER `SEQUENCE { r, s }`.
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256; the raw signature (modulus length).
    RsaPkcs1Sha256,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Signature {
    pub algorithm: SignatureAlgorithm,
    pub bytes: Vec<u8>,
}

/// What the app needs from a UKey library. Keys are named by [`KeyInfo::id`], certificates
/// by [`CertInfo::id`]. Calls take `&mut self` because libraries keep per-device state
/// (sessions, open applications); the app keeps one instance behind a mutex.
pub trait Ukey: Send {
    fn backend(&self) -> Backend;

    /// The keys present now (empty when none is plugged in; use [`first_key`] for a
    /// [`UkeyError::NoKey`]).
    fn keys(&mut self) -> Result<Vec<KeyInfo>, UkeyError>;

    fn certificates(&mut self, key: &str) -> Result<Vec<CertInfo>, UkeyError>;

    fn pin_info(&mut self, key: &str) -> Result<PinInfo, UkeyError>;

    /// Verifies the user PIN and keeps the key logged in for [`Ukey::sign`]. Wrong PIN is
    /// [`UkeyError::PinIncorrect`] (with the retries left where the library tells),
    /// a locked PIN [`UkeyError::PinLocked`].
    fn login(&mut self, key: &str, pin: &str) -> Result<(), UkeyError>;

    /// Changes the user PIN from `old` to `new` (PKCS#11 `C_SetPIN`, SKF `SKF_ChangePIN`).
    /// A wrong `old` is [`UkeyError::PinIncorrect`] with the retries left where the library
    /// tells, a locked PIN [`UkeyError::PinLocked`], a `new` the key refuses
    /// [`UkeyError::PinInvalid`].
    fn change_pin(&mut self, key: &str, old: &str, new: &str) -> Result<(), UkeyError>;

    /// Ends the logged-in state (best effort; a removed key is already logged out).
    fn logout(&mut self, key: &str) -> Result<(), UkeyError>;

    /// Signs `message` (not a digest) with the private key of certificate `cert`.
    fn sign(&mut self, key: &str, cert: &str, message: &[u8]) -> Result<Signature, UkeyError>;

    /// The keys present now, for [`PresenceWatcher`]; cheap enough to call every second.
    fn poll_presence(&mut self) -> Result<Vec<KeyInfo>, UkeyError> {
        self.keys()
    }
}

/// The only or first key present, or [`UkeyError::NoKey`].
pub fn first_key(ukey: &mut dyn Ukey) -> Result<KeyInfo, UkeyError> {
    ukey.keys()?.into_iter().next().ok_or(UkeyError::NoKey)
}

/// How to reach the keys at this counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UkeyConfig {
    pub backend: Backend,
    /// The PKCS#11 module or SKF library (e.g. `/usr/lib/softhsm/libsofthsm2.so`, the
    /// vendor's `libskf.so` / `ShuttleCsp11_3000GM.dll`).
    pub module: PathBuf,
    /// SKF only: the vendor's name for its algorithm-ID table (see [`SkfAlgTable::for_vendor`]);
    /// `None` for the GM/T 0016 vendor-header table.
    pub vendor: Option<String>,
    /// SKF only: overrides of single table entries.
    pub skf_overrides: skf::SkfOverrides,
}

/// Loads the configured library.
pub fn open(config: &UkeyConfig) -> Result<Box<dyn Ukey>, UkeyError> {
    match config.backend {
        Backend::Pkcs11 => Ok(Box::new(pkcs11::Pkcs11Ukey::open(&config.module)?)),
        Backend::Skf => {
            let table = SkfAlgTable::for_vendor(config.vendor.as_deref())?
                .with_overrides(&config.skf_overrides);
            Ok(Box::new(skf::SkfUkey::open(&config.module, table)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(not_before: i64, not_after: i64) -> CertInfo {
        CertInfo {
            id: "01".into(),
            der: vec![],
            subject: String::new(),
            subject_cn: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before,
            not_after,
            usage: CertUsage::UNRESTRICTED_SIGNATURE,
            algorithm: KeyAlgorithm::Sm2,
            can_sign: true,
        }
    }

    #[test]
    fn validity_uses_the_callers_clock() {
        let c = cert(100, 200);
        assert_eq!(c.check_validity(150), Ok(()));
        assert_eq!(
            c.check_validity(201),
            Err(UkeyError::CertificateExpired { not_after: 200 })
        );
        assert_eq!(
            c.check_validity(99),
            Err(UkeyError::CertificateNotYetValid { not_before: 100 })
        );
    }
}
