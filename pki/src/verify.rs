//! Signature checks: a message signed by a certificate's key ([`verify_message`], what a
//! UKey produces at login) and a certificate signed by its CA ([`verify_issued_by`]).
//!
//! - SM2: SM2DSA over SM3(Z‖M) with the GM/T 0009 default user ID "1234567812345678";
//!   signature DER `SEQUENCE { r, s }`. Certificates signed SM2-with-SM3 (OID
//!   1.2.156.10197.1.501) use the same default ID (what OpenSSL 3 uses when none is set, and
//!   what `scripts/ukey-test.sh` passes as `distid`).
//! - ECDSA P-256 with SHA-256; signature DER.
//! - RSA PKCS#1 v1.5 with SHA-256; the raw signature.

use x509_cert::der::asn1::{ObjectIdentifier, UintRef};
use x509_cert::der::{Decode, Reader, SliceReader};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::cert::{Cert, KeyAlgorithm};
use crate::error::PkiError;

/// GM/T 0009 default user ID for SM2 signatures.
pub const SM2_DEFAULT_ID: &str = "1234567812345678";

const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_SM2_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");

/// Verifies `signature` (DER for SM2 and ECDSA, raw for RSA) over `message` with the
/// certificate's public key; the algorithm follows from the key.
pub fn verify_message(cert: &Cert, message: &[u8], signature: &[u8]) -> Result<(), PkiError> {
    verify_with_key(cert.spki(), cert.key_algorithm(), message, signature)
}

/// Verifies that `ca` signed `cert`: names match, `ca` is a CA, and the signature
/// (ecdsa-with-SHA256, sha256WithRSAEncryption or SM2-with-SM3) verifies with its key.
/// Validity of either certificate is not checked here.
pub fn verify_issued_by(cert: &Cert, ca: &Cert) -> Result<(), PkiError> {
    if cert.issuer_name() != ca.subject_name() {
        return Err(PkiError::UntrustedIssuer {
            detail: format!(
                "issuer `{}` is not the CA `{}`",
                cert.issuer(),
                ca.subject()
            ),
        });
    }
    if !ca.is_ca() {
        return Err(PkiError::UntrustedIssuer {
            detail: format!("`{}` is not a CA certificate", ca.subject()),
        });
    }
    let outer = &cert.inner.signature_algorithm;
    if outer.oid != cert.inner.tbs_certificate.signature.oid {
        return Err(PkiError::malformed(
            "certificate",
            "signature algorithm differs inside and outside the signed part",
        ));
    }
    let signature = cert
        .inner
        .signature
        .as_bytes()
        .ok_or_else(|| PkiError::malformed("certificate", "signature has unused bits"))?;
    verify_signed_data(ca, &outer.oid, cert.tbs_bytes()?, signature).map_err(|e| match e {
        PkiError::BadSignature { detail } => PkiError::UntrustedIssuer {
            detail: format!("certificate signature does not verify with the CA key: {detail}"),
        },
        other => other,
    })
}

/// Verifies a signature made by `signer` over `data` with the X.509 signature algorithm `alg`.
pub(crate) fn verify_signed_data(
    signer: &Cert,
    alg: &ObjectIdentifier,
    data: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let key_alg = signer.key_algorithm();
    let fits = match key_alg {
        KeyAlgorithm::Sm2 => *alg == OID_SM2_SM3,
        KeyAlgorithm::EcdsaP256 => *alg == OID_ECDSA_SHA256,
        KeyAlgorithm::Rsa { .. } => *alg == OID_RSA_SHA256,
        KeyAlgorithm::Other { .. } => false,
    };
    if !fits {
        return Err(PkiError::unsupported(format!(
            "signature algorithm {alg} with a {} key",
            key_alg.name()
        )));
    }
    verify_with_key(signer.spki(), key_alg, data, signature)
}

fn verify_with_key(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &KeyAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    use p256::ecdsa::signature::Verifier;
    let key_bytes = spki.subject_public_key.raw_bytes();
    match alg {
        KeyAlgorithm::Sm2 => {
            let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, key_bytes)
                .map_err(|e| PkiError::malformed("SM2 public key", e))?;
            let rs = raw_rs_from_der(signature, 32)?;
            let sig = sm2::dsa::Signature::from_slice(&rs)
                .map_err(|e| PkiError::bad_signature(format!("SM2 signature values: {e}")))?;
            key.verify(message, &sig)
                .map_err(|_| PkiError::bad_signature("SM2 signature does not verify"))
        }
        KeyAlgorithm::EcdsaP256 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
                .map_err(|e| PkiError::malformed("P-256 public key", e))?;
            let rs = raw_rs_from_der(signature, 32)?;
            let sig = p256::ecdsa::Signature::from_slice(&rs)
                .map_err(|e| PkiError::bad_signature(format!("ECDSA signature values: {e}")))?;
            key.verify(message, &sig)
                .map_err(|_| PkiError::bad_signature("ECDSA P-256 signature does not verify"))
        }
        KeyAlgorithm::Rsa { .. } => {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let key = rsa::RsaPublicKey::from_pkcs1_der(key_bytes)
                .map_err(|e| PkiError::malformed("RSA public key", e))?;
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key);
            let sig = rsa::pkcs1v15::Signature::try_from(signature)
                .map_err(|e| PkiError::bad_signature(format!("RSA signature: {e}")))?;
            key.verify(message, &sig)
                .map_err(|_| PkiError::bad_signature("RSA PKCS#1 v1.5 signature does not verify"))
        }
        KeyAlgorithm::Other { oid } => Err(PkiError::unsupported(format!("public key {oid}"))),
    }
}

/// `r‖s`, each left-padded to `width` bytes, from DER `SEQUENCE { INTEGER r, INTEGER s }`.
/// Trailing bytes, negative or oversized integers are refused.
pub fn raw_rs_from_der(der: &[u8], width: usize) -> Result<Vec<u8>, PkiError> {
    let bad = |e: &dyn std::fmt::Display| PkiError::bad_signature(format!("signature DER: {e}"));
    let mut reader = SliceReader::new(der).map_err(|e| bad(&e))?;
    let (r, s) = reader
        .sequence(|seq| {
            let r = UintRef::decode(seq)?;
            let s = UintRef::decode(seq)?;
            Ok((r, s))
        })
        .map_err(|e| bad(&e))?;
    if !reader.is_finished() {
        return Err(bad(&"trailing bytes"));
    }
    let mut out = vec![0u8; width * 2];
    for (i, v) in [r.as_bytes(), s.as_bytes()].into_iter().enumerate() {
        if v.len() > width {
            return Err(bad(&"integer longer than the curve order"));
        }
        let end = (i + 1) * width;
        out[end - v.len()..end].copy_from_slice(v);
    }
    Ok(out)
}
