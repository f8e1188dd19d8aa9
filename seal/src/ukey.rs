//! [`UkeySealSigner`]: the seal key on a UKey, through the drivers' [`Ukey`] trait. The seal
//! PIN is verified with [`Ukey::login`] before stamping (a wrong one counts down and locks
//! like the login PIN: the key keeps the counter); the SKF backend signs `SM3(Z‖M)` with the
//! default user ID, PKCS#11 signs SHA-256(M) — the message is the DER of the signed
//! attributes.

use yichuang_drivers::ukey::{KeyAlgorithm, SignatureAlgorithm, Ukey, UkeyError};

use crate::signer::{SealAlgorithm, SealSigner};

/// A seal certificate on a key, ready to sign once the seal PIN was verified.
pub struct UkeySealSigner<'a> {
    ukey: &'a mut dyn Ukey,
    key: String,
    cert_id: String,
    certificates: Vec<Vec<u8>>,
    algorithm: SealAlgorithm,
}

impl<'a> UkeySealSigner<'a> {
    /// The certificate `cert_id` of key `key` (see `CertInfo::id`), with `chain` (DER, the
    /// issuers to embed; may be empty). Refused when the key has no such signing certificate.
    pub fn new(
        ukey: &'a mut dyn Ukey,
        key: &str,
        cert_id: &str,
        chain: Vec<Vec<u8>>,
    ) -> Result<UkeySealSigner<'a>, UkeyError> {
        let cert = ukey
            .certificates(key)?
            .into_iter()
            .find(|c| c.id == cert_id && c.can_sign)
            .ok_or_else(|| UkeyError::CertificateNotFound { id: cert_id.into() })?;
        let algorithm = match cert.algorithm {
            KeyAlgorithm::Sm2 => SealAlgorithm::Sm2Sm3,
            KeyAlgorithm::EcdsaP256 => SealAlgorithm::EcdsaP256Sha256,
            KeyAlgorithm::Rsa { .. } => SealAlgorithm::RsaPkcs1Sha256,
            KeyAlgorithm::Other { oid } => {
                return Err(UkeyError::UnsupportedAlgorithm { detail: oid });
            }
        };
        let mut certificates = vec![cert.der];
        certificates.extend(chain);
        Ok(UkeySealSigner {
            ukey,
            key: key.into(),
            cert_id: cert_id.into(),
            certificates,
            algorithm,
        })
    }

    /// Verifies the seal PIN (the key's user PIN of the seal application or token).
    pub fn unlock(&mut self, seal_pin: &str) -> Result<(), UkeyError> {
        self.ukey.login(&self.key, seal_pin)
    }
}

impl SealSigner for UkeySealSigner<'_> {
    type Error = UkeyError;

    fn certificates(&self) -> Vec<Vec<u8>> {
        self.certificates.clone()
    }

    fn algorithm(&self) -> SealAlgorithm {
        self.algorithm
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, UkeyError> {
        let sig = self.ukey.sign(&self.key, &self.cert_id, message)?;
        let expected = match self.algorithm {
            SealAlgorithm::Sm2Sm3 => SignatureAlgorithm::Sm2Sm3,
            SealAlgorithm::EcdsaP256Sha256 => SignatureAlgorithm::EcdsaP256Sha256,
            SealAlgorithm::RsaPkcs1Sha256 => SignatureAlgorithm::RsaPkcs1Sha256,
        };
        if sig.algorithm != expected {
            return Err(UkeyError::BadData {
                detail: format!(
                    "the key signed with {:?}, expected {expected:?}",
                    sig.algorithm
                ),
            });
        }
        Ok(sig.bytes)
    }
}
