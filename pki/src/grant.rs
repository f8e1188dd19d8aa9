//! Offline login grants: after an online login the server signs (Ed25519) who the clerk is,
//! which certificate they used and until when (at most 7 days) they may log in offline.
//! Offline, the workstation checks the grant with the server's grant key and then checks that
//! the clerk's key signs a local challenge that verifies with the grant's certificate.
//!
//! The signed bytes are the grant as canonical JSON: keys sorted, no whitespace. The
//! verifier checks the signature over the bytes it received, so it never re-serializes.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::cert::Cert;
use crate::error::PkiError;
use crate::verify::verify_message;

/// Longest allowed grant lifetime: 7 days, in milliseconds.
pub const MAX_GRANT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// How far the workstation clock may run behind the server's at `issued_at`.
pub const GRANT_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// What the server vouches for. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineGrant {
    pub clerk_id: String,
    pub clerk_name: String,
    pub department: String,
    /// The clerk's post (岗位); it decides which departments' items they serve offline too
    /// (A4). Absent in grants issued before it was added.
    #[serde(default)]
    pub post: String,
    pub permissions: Vec<String>,
    /// SHA-256 of the certificate DER, lower-case hex.
    pub cert_fingerprint: String,
    /// The certificate DER, standard base64.
    pub cert_der_b64: String,
    pub issued_at: i64,
    pub expires_at: i64,
    /// The issuing server's instance id.
    pub server_id: String,
}

/// A grant as sent over the wire: the exact signed bytes, the signature and the signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedGrant {
    /// The canonical JSON of the [`OfflineGrant`], standard base64.
    pub payload_b64: String,
    /// Ed25519 signature over the payload bytes, standard base64.
    pub signature_b64: String,
    /// [`grant_key_id`] of the signing key.
    pub key_id: String,
}

impl OfflineGrant {
    /// The canonical JSON bytes (sorted keys, no whitespace).
    pub fn canonical_json(&self) -> Result<Vec<u8>, PkiError> {
        // serde_json's Value keeps object keys sorted (BTreeMap).
        let value =
            serde_json::to_value(self).map_err(|e| PkiError::malformed("offline grant", e))?;
        serde_json::to_vec(&value).map_err(|e| PkiError::malformed("offline grant", e))
    }

    /// The grant's certificate, checked against `cert_fingerprint`.
    pub fn certificate(&self) -> Result<Cert, PkiError> {
        let der = B64
            .decode(&self.cert_der_b64)
            .map_err(|e| PkiError::malformed("grant certificate", e))?;
        let cert = Cert::from_der(&der)?;
        if cert.fingerprint() != self.cert_fingerprint.to_ascii_lowercase() {
            return Err(PkiError::InvalidGrant {
                detail: "certificate does not match the grant's fingerprint".into(),
            });
        }
        Ok(cert)
    }

    /// Offline login: `signature` by the clerk's key over `message` (a local challenge)
    /// verifies with the grant's certificate.
    pub fn verify_local_signature(&self, message: &[u8], signature: &[u8]) -> Result<(), PkiError> {
        verify_message(&self.certificate()?, message, signature)
    }

    fn check_lifetime(&self) -> Result<(), PkiError> {
        let life = self.expires_at.checked_sub(self.issued_at);
        match life {
            Some(l) if (1..=MAX_GRANT_MS).contains(&l) => Ok(()),
            _ => Err(PkiError::InvalidGrant {
                detail: format!(
                    "lifetime {} ms is not within 1 ms..=7 days",
                    life.map_or_else(|| "overflowing".into(), |l| l.to_string())
                ),
            }),
        }
    }
}

/// Short id of a grant key: the first 8 bytes of SHA-256 of the public key, hex.
pub fn grant_key_id(key: &VerifyingKey) -> String {
    Sha256::digest(key.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs `grant` (refused when its lifetime exceeds 7 days).
pub fn sign_grant(key: &SigningKey, grant: &OfflineGrant) -> Result<SignedGrant, PkiError> {
    grant.check_lifetime()?;
    let payload = grant.canonical_json()?;
    let signature = key.sign(&payload);
    Ok(SignedGrant {
        payload_b64: B64.encode(&payload),
        signature_b64: B64.encode(signature.to_bytes()),
        key_id: grant_key_id(&key.verifying_key()),
    })
}

/// Checks a grant: signed by `key`, lifetime at most 7 days, and `now` (Unix ms) within it
/// (allowing [`GRANT_CLOCK_SKEW_MS`] before `issued_at`). Returns the grant.
pub fn verify_grant(
    key: &VerifyingKey,
    signed: &SignedGrant,
    now: i64,
) -> Result<OfflineGrant, PkiError> {
    let expected_id = grant_key_id(key);
    if signed.key_id != expected_id {
        return Err(PkiError::UntrustedIssuer {
            detail: format!(
                "grant signed by key {}, expected {expected_id}",
                signed.key_id
            ),
        });
    }
    let payload = B64
        .decode(&signed.payload_b64)
        .map_err(|e| PkiError::malformed("grant payload", e))?;
    let sig_bytes = B64
        .decode(&signed.signature_b64)
        .map_err(|e| PkiError::malformed("grant signature", e))?;
    let signature = ed25519_dalek::Signature::from_slice(&sig_bytes)
        .map_err(|e| PkiError::malformed("grant signature", e))?;
    key.verify(&payload, &signature)
        .map_err(|_| PkiError::bad_signature("grant signature does not verify"))?;
    let grant: OfflineGrant =
        serde_json::from_slice(&payload).map_err(|e| PkiError::malformed("grant payload", e))?;
    grant.check_lifetime()?;
    if now < grant.issued_at.saturating_sub(GRANT_CLOCK_SKEW_MS) {
        return Err(PkiError::NotYetValid {
            not_before: grant.issued_at,
            now,
        });
    }
    if now >= grant.expires_at {
        return Err(PkiError::Expired {
            not_after: grant.expires_at,
            now,
        });
    }
    Ok(grant)
}
