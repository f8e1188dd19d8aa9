//! One X.509 certificate, parsed once: subject and issuer text, serial, validity, SHA-256
//! fingerprint and public key algorithm. Parsing never panics; anything that does not decode
//! is [`PkiError::Malformed`].

use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{BmpString, Ia5StringRef, ObjectIdentifier, PrintableStringRef};
use x509_cert::der::asn1::{TeletexStringRef, Utf8StringRef};
use x509_cert::der::{Decode, Encode, Header, Reader, SliceReader, Tag, Tagged};
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use crate::error::PkiError;
use crate::pem;

pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const OID_SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");

/// The algorithm of a certificate's public key, which decides how its signatures verify.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum KeyAlgorithm {
    /// SM2 (GM/T 0003) on the SM2 curve: signatures over SM3(Z‖M), default user ID.
    Sm2,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// RSA, PKCS#1 v1.5 with SHA-256.
    Rsa { bits: u32 },
    /// Anything else, by OID (its signatures are refused).
    Other { oid: String },
}

impl KeyAlgorithm {
    /// Short name for logs and the admin CLI: `SM2`, `ECDSA-P256`, `RSA-2048`, or the OID.
    pub fn name(&self) -> String {
        match self {
            KeyAlgorithm::Sm2 => "SM2".into(),
            KeyAlgorithm::EcdsaP256 => "ECDSA-P256".into(),
            KeyAlgorithm::Rsa { bits } => format!("RSA-{bits}"),
            KeyAlgorithm::Other { oid } => oid.clone(),
        }
    }
}

/// A parsed certificate with its original DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cert {
    der: Vec<u8>,
    pub(crate) inner: x509_cert::Certificate,
    algorithm: KeyAlgorithm,
    not_before: i64,
    not_after: i64,
}

impl Cert {
    /// Parses one certificate, DER or PEM (the first `CERTIFICATE` block).
    pub fn parse(bytes: &[u8]) -> Result<Cert, PkiError> {
        if pem::looks_like_pem(bytes) {
            let blocks = pem::blocks(bytes, &["CERTIFICATE", "X509 CERTIFICATE"])?;
            match blocks.into_iter().next() {
                Some(der) => Cert::from_der(&der),
                None => Err(PkiError::malformed(
                    "certificate",
                    "no CERTIFICATE PEM block",
                )),
            }
        } else {
            Cert::from_der(bytes)
        }
    }

    /// Every certificate in `bytes`: all `CERTIFICATE` blocks of a PEM file, or one DER.
    pub fn parse_all(bytes: &[u8]) -> Result<Vec<Cert>, PkiError> {
        if pem::looks_like_pem(bytes) {
            pem::blocks(bytes, &["CERTIFICATE", "X509 CERTIFICATE"])?
                .iter()
                .map(|der| Cert::from_der(der))
                .collect()
        } else {
            Ok(vec![Cert::from_der(bytes)?])
        }
    }

    /// Parses a DER certificate; trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Cert, PkiError> {
        let inner = x509_cert::Certificate::from_der(der)
            .map_err(|e| PkiError::malformed("certificate", e))?;
        let tbs = &inner.tbs_certificate;
        let not_before = unix_seconds(&tbs.validity.not_before)?;
        let not_after = unix_seconds(&tbs.validity.not_after)?;
        let algorithm = key_algorithm(&tbs.subject_public_key_info);
        Ok(Cert {
            der: der.to_vec(),
            inner,
            algorithm,
            not_before,
            not_after,
        })
    }

    /// The certificate as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject DN (RFC 4514 text).
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate.subject.to_string()
    }

    /// The subject's common name, empty when there is none.
    pub fn subject_cn(&self) -> String {
        common_name(&self.inner.tbs_certificate.subject).unwrap_or_default()
    }

    /// The issuer DN (RFC 4514 text), as stored in certificate bindings.
    pub fn issuer(&self) -> String {
        self.inner.tbs_certificate.issuer.to_string()
    }

    pub(crate) fn issuer_name(&self) -> &Name {
        &self.inner.tbs_certificate.issuer
    }

    pub(crate) fn subject_name(&self) -> &Name {
        &self.inner.tbs_certificate.subject
    }

    /// Serial number as upper-case hex of its DER integer bytes (as the UKey drivers print it).
    pub fn serial_hex(&self) -> String {
        hex_upper(self.serial_bytes())
    }

    /// Serial number, the DER integer bytes.
    pub fn serial_bytes(&self) -> &[u8] {
        self.inner.tbs_certificate.serial_number.as_bytes()
    }

    /// `notBefore`, Unix seconds.
    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    /// `notAfter`, Unix seconds.
    pub fn not_after(&self) -> i64 {
        self.not_after
    }

    /// SHA-256 of the DER, lower-case hex.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.der)
    }

    /// The public key algorithm.
    pub fn key_algorithm(&self) -> &KeyAlgorithm {
        &self.algorithm
    }

    /// The SubjectPublicKeyInfo, DER.
    pub fn public_key_der(&self) -> Result<Vec<u8>, PkiError> {
        self.inner
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| PkiError::malformed("public key", e))
    }

    pub(crate) fn spki(&self) -> &SubjectPublicKeyInfoOwned {
        &self.inner.tbs_certificate.subject_public_key_info
    }

    /// Valid at `now` (Unix seconds): [`PkiError::NotYetValid`] or [`PkiError::Expired`] if not.
    pub fn check_validity(&self, now: i64) -> Result<(), PkiError> {
        if now < self.not_before {
            Err(PkiError::NotYetValid {
                not_before: self.not_before,
                now,
            })
        } else if now > self.not_after {
            Err(PkiError::Expired {
                not_after: self.not_after,
                now,
            })
        } else {
            Ok(())
        }
    }

    /// Whether the certificate says it is a CA (basic constraints `cA` true).
    pub fn is_ca(&self) -> bool {
        self.inner
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == OID_BASIC_CONSTRAINTS)
            .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
            .is_some_and(|bc| bc.ca)
    }

    /// The exact to-be-signed bytes as they appear in the DER (not re-encoded).
    pub(crate) fn tbs_bytes(&self) -> Result<&[u8], PkiError> {
        first_element_of_sequence(&self.der).map_err(|e| PkiError::malformed("certificate", e))
    }
}

/// SHA-256 of `der`, lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The TLV bytes of the first element inside the outer SEQUENCE of `der`.
pub(crate) fn first_element_of_sequence(der: &[u8]) -> Result<&[u8], x509_cert::der::Error> {
    let mut reader = SliceReader::new(der)?;
    let outer = Header::decode(&mut reader)?;
    outer.tag.assert_eq(Tag::Sequence)?;
    reader.tlv_bytes()
}

pub(crate) fn unix_seconds(t: &x509_cert::time::Time) -> Result<i64, PkiError> {
    i64::try_from(t.to_unix_duration().as_secs())
        .map_err(|_| PkiError::malformed("certificate", "time out of range"))
}

fn key_algorithm(spki: &SubjectPublicKeyInfoOwned) -> KeyAlgorithm {
    let oid = spki.algorithm.oid;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if oid == OID_SM2 || (oid == OID_EC_PUBLIC_KEY && curve == Some(OID_SM2)) {
        KeyAlgorithm::Sm2
    } else if oid == OID_EC_PUBLIC_KEY && curve == Some(OID_P256) {
        KeyAlgorithm::EcdsaP256
    } else if oid == OID_RSA {
        use rsa::pkcs1::DecodeRsaPublicKey;
        use rsa::traits::PublicKeyParts;
        match rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.raw_bytes()) {
            Ok(key) => KeyAlgorithm::Rsa {
                bits: u32::try_from(key.size() * 8).unwrap_or(u32::MAX),
            },
            Err(_) => KeyAlgorithm::Other {
                oid: format!("{oid} (undecodable key)"),
            },
        }
    } else {
        KeyAlgorithm::Other {
            oid: match curve {
                Some(c) => format!("{oid}/{c}"),
                None => oid.to_string(),
            },
        }
    }
}

fn common_name(name: &Name) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .find(|atv| atv.oid == OID_CN)
        .and_then(|atv| {
            let v = &atv.value;
            match v.tag() {
                Tag::Utf8String => Utf8StringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::PrintableString => PrintableStringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::Ia5String => Ia5StringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::TeletexString => TeletexStringRef::try_from(v).ok().map(|s| s.to_string()),
                Tag::BmpString => BmpString::from_der(&v.to_der().ok()?)
                    .ok()
                    .map(|s| s.to_string()),
                _ => None,
            }
        })
}
