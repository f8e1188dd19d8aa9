//! The department's electronic seal (电子印章, A7) as the app uses it: the seal key's UKey
//! library from `[devices.seal]`, which key and certificate are the seal, stamping a PDF
//! with the seal PIN (`yichuang-seal`), and verifying the seals and signatures of a document
//! against the CAs the desk trusts (`trusted_cas`). Every failure is a [`UserError`] with
//! the clerk's Chinese sentence; a wrong seal PIN says how many tries the key has left.
//!
//! No store, no session, no audit here: [`crate::workstation::seal`] adds those. The seal
//! PIN is verified for each stamp and the key is logged out right after, so a seal key left
//! in the desk never stamps without its PIN.

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use yichuang_drivers::ukey::{self as driver, CertInfo, KeyInfo, PinInfo, Ukey, UkeyError};
use yichuang_pki::{PkiErrorKind, TrustStore};
use yichuang_seal::ukey::UkeySealSigner;
use yichuang_seal::{SealAppearance, SignatureVerdict, StampError};

use crate::devices::ukey::{driver_config, ukey_error};
use crate::infra::config::{DeviceDriver, SealConfig};
use crate::{messages, ErrorCode, UserError};

/// Largest document stamped or verified (the whole file is read into memory).
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// A seal key present, as the window lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SealKey {
    /// The key's id in its library (SKF device name, PKCS#11 token serial).
    pub key: String,
    pub label: String,
    /// The seal certificate's id on the key.
    pub certificate: String,
    /// The department, from the certificate (its common name, else its subject).
    pub department: String,
    pub issuer: String,
    /// Upper-case hex.
    pub serial: String,
    /// `SM2`, `ECDSA-P256` or `RSA`.
    pub algorithm: String,
    /// Unix seconds.
    #[specta(type = f64)]
    pub not_after: i64,
    /// Outside its validity period now: it cannot stamp.
    pub expired: bool,
    /// The seal PIN's state (tries left, locked).
    pub pin: PinInfo,
}

/// Where a stamp goes; the seal shows the department of its certificate, never a name the
/// caller chose.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, specta::Type)]
pub struct StampOptions {
    /// 0-based page; absent: the last page.
    #[serde(default)]
    pub page: Option<u32>,
    /// Lower-left corner in PDF points; absent: lower right, 1 inch from the edges.
    #[serde(default)]
    pub position: Option<SealPosition>,
    /// Under the star; absent: `devices.seal.caption`.
    #[serde(default)]
    pub caption: Option<String>,
    /// The signature's reason, e.g. 部门协查盖章.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, specta::Type)]
pub struct SealPosition {
    pub x: f32,
    pub y: f32,
}

/// A stamped document and what its audit entry records.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamped {
    pub pdf: Vec<u8>,
    pub key: SealKey,
    /// SHA-256 of the document before and after stamping, hex.
    pub original_sha256: String,
    pub stamped_sha256: String,
}

/// One seal or signature of a verified document, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SealVerdict {
    pub valid: bool,
    /// The clerk's sentence: who stamped when and that the document is unchanged, or why not.
    pub message: String,
    pub signer_name: String,
    pub signer_issuer: String,
    pub signer_serial: String,
    /// Unix seconds.
    #[specta(type = Option<f64>)]
    pub signing_time: Option<i64>,
    pub algorithm: Option<String>,
    /// Why it is not valid (the pki code: `altered`, `untrusted_issuer`, …).
    pub problem: Option<String>,
    /// Bytes after the signed revision; covered by a later valid seal when `later_signed`.
    #[specta(type = f64)]
    pub appended_bytes: u64,
    pub later_signed: bool,
}

impl From<&SignatureVerdict> for SealVerdict {
    fn from(v: &SignatureVerdict) -> SealVerdict {
        SealVerdict {
            valid: v.is_valid(),
            message: v.message(),
            signer_name: v.signer_name.clone(),
            signer_issuer: v.signer_issuer.clone(),
            signer_serial: v.signer_serial.clone(),
            signing_time: v.signing_time,
            algorithm: v.algorithm.map(|a| a.name().to_string()),
            problem: v.problem_code.map(str::to_string),
            appended_bytes: v.appended_bytes as u64,
            later_signed: v.later_signed,
        }
    }
}

/// SHA-256, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The seal-specific sentence for a UKey failure while stamping: a wrong, locked or
/// malformed seal PIN and a missing seal key say 印章; the rest are the UKey's own.
pub fn seal_ukey_error(e: &UkeyError) -> UserError {
    match e {
        UkeyError::PinIncorrect { retries_left, .. } => UserError::with_message(
            ErrorCode::SealPinIncorrect,
            messages::seal_pin_incorrect(*retries_left),
            e.detail(),
        ),
        UkeyError::PinLocked { .. } => UserError::new(ErrorCode::SealPinLocked, e.detail()),
        UkeyError::PinInvalid { .. } => UserError::new(ErrorCode::SealPinInvalid, e.detail()),
        UkeyError::NoKey => UserError::new(ErrorCode::SealNoKey, e.detail()),
        _ => ukey_error(e),
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The seal library (when the desk has a seal key) and the trusted CAs.
pub struct SealService {
    ukey: Option<Mutex<Box<dyn Ukey>>>,
    /// Why the library is unusable, when it did not load.
    load_error: Option<UkeyError>,
    config: SealConfig,
    trust: TrustStore,
}

impl SealService {
    /// Loads the seal library of `config` (none for `driver = "none"`) and the trusted CAs.
    /// A library that does not load is reported on every stamp; verifying goes on.
    pub fn open(config: &SealConfig) -> SealService {
        let mut trust = TrustStore::new();
        match config.read_trusted_cas() {
            Ok(cas) => {
                for ca in cas {
                    if let Err(e) = trust.add_ca(ca) {
                        tracing::error!(error = %e, "trusted CA for seals not added");
                    }
                }
            }
            Err((i, detail)) => tracing::error!(index = i, %detail, "devices.seal.trusted_cas"),
        }
        let (ukey, load_error) = match driver_config(&config.device()) {
            None => (None, None),
            Some(Err(e)) => (None, Some(e)),
            Some(Ok(c)) => match driver::open(&c) {
                Ok(u) => (Some(Mutex::new(u)), None),
                Err(e) => {
                    tracing::error!(detail = %e.detail(), "seal UKey library not loaded");
                    (None, Some(e))
                }
            },
        };
        SealService {
            ukey,
            load_error,
            config: config.clone(),
            trust,
        }
    }

    /// Whether the desk has a seal key configured (it may still be unplugged).
    pub fn has_seal_key(&self) -> bool {
        self.config.driver != DeviceDriver::None
    }

    fn library(&self) -> Result<MutexGuard<'_, Box<dyn Ukey>>, UserError> {
        if let Some(e) = &self.load_error {
            return Err(ukey_error(e));
        }
        self.ukey.as_ref().map(|m| lock(m)).ok_or_else(|| {
            UserError::new(
                ErrorCode::SealNotConfigured,
                "devices.seal.driver = \"none\" or no [devices.seal]",
            )
        })
    }

    /// Whether `key` is the configured seal key (any key when none is configured).
    /// The seal key named in `devices.seal.key`, when a seal is configured: the login list
    /// leaves it out (the department's seal UKey stamps; no clerk logs in with it).
    pub fn configured_key(&self) -> Option<&str> {
        if self.config.driver == DeviceDriver::None {
            return None;
        }
        self.config
            .key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }

    fn is_seal_key(&self, key: &KeyInfo) -> bool {
        self.config
            .key
            .as_deref()
            .map(str::trim)
            .is_none_or(|want| key.id == want || key.label == want || key.serial == want)
    }

    /// The seal certificate of `certs`: the configured one, else the first that signs
    /// documents (non-repudiation); a configured seal key may use any signing certificate.
    fn seal_certificate(&self, certs: Vec<CertInfo>) -> Option<CertInfo> {
        if let Some(want) = self.config.certificate.as_deref().map(str::trim) {
            return certs.into_iter().find(|c| c.id == want && c.can_sign);
        }
        let documents = certs.iter().position(|c| c.can_sign && c.usage.signing);
        let any = self
            .config
            .key
            .is_some()
            .then(|| certs.iter().position(|c| c.can_sign));
        let i = documents.or(any.flatten())?;
        certs.into_iter().nth(i)
    }

    /// The seal keys plugged in, each with its seal certificate (keys without one are left
    /// out).
    fn seal_keys(&self, u: &mut dyn Ukey, now: i64) -> Result<Vec<SealKey>, UkeyError> {
        let mut out = Vec::new();
        for key in u.keys()? {
            if !self.is_seal_key(&key) {
                continue;
            }
            let Some(cert) = self.seal_certificate(u.certificates(&key.id)?) else {
                continue;
            };
            let algorithm = match &cert.algorithm {
                driver::KeyAlgorithm::Sm2 => "SM2".to_string(),
                driver::KeyAlgorithm::EcdsaP256 => "ECDSA-P256".to_string(),
                driver::KeyAlgorithm::Rsa { .. } => "RSA".to_string(),
                driver::KeyAlgorithm::Other { oid } => oid.clone(),
            };
            out.push(SealKey {
                pin: u.pin_info(&key.id).unwrap_or_default(),
                key: key.id,
                label: key.label,
                certificate: cert.id.clone(),
                department: if cert.subject_cn.trim().is_empty() {
                    cert.subject.clone()
                } else {
                    cert.subject_cn.clone()
                },
                issuer: cert.issuer.clone(),
                serial: cert.serial.clone(),
                algorithm,
                not_after: cert.not_after,
                expired: cert.check_validity(now).is_err(),
            });
        }
        Ok(out)
    }

    /// The seal keys plugged in now (`now`: Unix seconds), for the window's seal picker.
    pub fn keys(&self, now: i64) -> Result<Vec<SealKey>, UserError> {
        let mut u = self.library()?;
        self.seal_keys(u.as_mut(), now).map_err(|e| ukey_error(&e))
    }

    /// Stamps `pdf` with the seal key (the first one present when several are) after
    /// verifying `seal_pin`; `now` (Unix seconds) is the signing time. The key is logged
    /// out again whatever happens.
    pub fn stamp(
        &self,
        pdf: &[u8],
        options: &StampOptions,
        seal_pin: &str,
        now: i64,
    ) -> Result<Stamped, UserError> {
        if pdf.len() > MAX_DOCUMENT_BYTES {
            return Err(UserError::new(
                ErrorCode::SealDocumentTooLarge,
                format!("{} bytes", pdf.len()),
            ));
        }
        let mut u = self.library()?;
        let key = self
            .seal_keys(u.as_mut(), now)
            .map_err(|e| seal_ukey_error(&e))?
            .into_iter()
            .next()
            .ok_or_else(|| UserError::new(ErrorCode::SealNoKey, self.wanted()))?;
        let cert = u
            .certificates(&key.key)
            .map_err(|e| seal_ukey_error(&e))?
            .into_iter()
            .find(|c| c.id == key.certificate)
            .ok_or_else(|| UserError::new(ErrorCode::SealNoCertificate, key.certificate.clone()))?;
        match cert.check_validity(now) {
            Err(UkeyError::CertificateExpired { not_after }) => {
                return Err(UserError::new(
                    ErrorCode::SealCertExpired,
                    format!("seal certificate {} expired at {not_after}", cert.serial),
                ))
            }
            Err(e) => return Err(UserError::new(ErrorCode::SealCertNotYetValid, e.detail())),
            Ok(()) => {}
        }
        let mut look = SealAppearance::new(key.department.clone(), self.caption(options));
        look.page = options.page.map(|p| p as usize);
        look.position = options.position.map(|p| (p.x, p.y));
        look.reason = options.reason.clone().filter(|r| !r.trim().is_empty());
        let result = {
            let mut signer = UkeySealSigner::new(u.as_mut(), &key.key, &key.certificate, vec![])
                .map_err(|e| seal_ukey_error(&e))?;
            signer
                .unlock(seal_pin)
                .map_err(|e| seal_ukey_error(&e))
                .and_then(|()| {
                    yichuang_seal::stamp(pdf, &look, &mut signer, now).map_err(|e| match e {
                        StampError::Document(pki) => {
                            UserError::new(ErrorCode::SealDocumentRefused, pki.to_string())
                        }
                        StampError::Signer(ukey) => seal_ukey_error(&ukey),
                    })
                })
        };
        // Logged out whatever happened: the next stamp asks for the seal PIN again.
        let _ = u.logout(&key.key);
        let stamped = result?;
        // The PIN state after the good PIN (the counter refilled).
        let key = SealKey {
            pin: u.pin_info(&key.key).unwrap_or(key.pin),
            ..key
        };
        Ok(Stamped {
            original_sha256: sha256_hex(pdf),
            stamped_sha256: sha256_hex(&stamped),
            pdf: stamped,
            key,
        })
    }

    fn caption(&self, options: &StampOptions) -> String {
        options
            .caption
            .clone()
            .or_else(|| self.config.caption.clone())
            .unwrap_or_default()
    }

    /// What the configuration looks for, for the detail of a missing key.
    fn wanted(&self) -> String {
        match &self.config.key {
            Some(k) => format!("seal key {k} not present"),
            None => "no key with a document-signing certificate present".into(),
        }
    }

    /// Every seal and signature of `pdf`, checked against the trusted CAs at `now` (Unix
    /// seconds). A document with none, or one that cannot be read, is an error.
    pub fn verify(&self, pdf: &[u8], now: i64) -> Result<Vec<SealVerdict>, UserError> {
        if pdf.len() > MAX_DOCUMENT_BYTES {
            return Err(UserError::new(
                ErrorCode::SealDocumentTooLarge,
                format!("{} bytes", pdf.len()),
            ));
        }
        let verdicts = yichuang_seal::verify(pdf, &self.trust, now).map_err(|e| {
            let code = match e.kind() {
                PkiErrorKind::Unsigned => ErrorCode::SealUnsigned,
                _ => ErrorCode::SealDocumentUnreadable,
            };
            UserError::new(code, e.to_string())
        })?;
        Ok(verdicts.iter().map(SealVerdict::from).collect())
    }
}
