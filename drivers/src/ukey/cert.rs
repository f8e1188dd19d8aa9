//! What the app needs from a certificate on a key: subject and issuer text (CN included,
//! Chinese names in UTF8String or BMPString), serial, validity, the usages from the key usage
//! bits and the public key algorithm. Parsing is total: a certificate that does not decode is
//! a [`UkeyError::BadData`], never a panic.

use serde::Serialize;
use x509_cert::der::asn1::ObjectIdentifier;
use x509_cert::der::{Decode, Tag, Tagged};
use x509_cert::ext::pkix::KeyUsage;
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::codec::hex;
use super::error::UkeyError;

/// What a certificate may be used for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct CertUsage {
    /// Login / client authentication (key usage `digitalSignature`).
    pub authentication: bool,
    /// Document signing (key usage `nonRepudiation` / `contentCommitment`).
    pub signing: bool,
    /// Encryption / key exchange (`keyEncipherment`, `dataEncipherment`, `keyAgreement`).
    pub encryption: bool,
}

impl CertUsage {
    /// Usage when a certificate has no key usage extension: any signature use.
    pub const UNRESTRICTED_SIGNATURE: CertUsage = CertUsage {
        authentication: true,
        signing: true,
        encryption: false,
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum KeyAlgorithm {
    Sm2,
    EcdsaP256,
    Rsa {
        bits: u32,
    },
    /// Anything else, by OID (signing is refused).
    Other {
        oid: String,
    },
}

/// The parsed fields of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCert {
    pub subject: String,
    pub subject_cn: String,
    pub issuer: String,
    /// Serial number, upper-case hex without leading zero bytes removed.
    pub serial: String,
    /// Validity in Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// From the key usage extension; `None` when the certificate has none.
    pub key_usage: Option<CertUsage>,
    pub algorithm: KeyAlgorithm,
    /// The SubjectPublicKeyInfo's key bits (SEC1 point for EC, `RSAPublicKey` for RSA).
    pub public_key: Vec<u8>,
}

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

pub fn parse_certificate(der: &[u8]) -> Result<ParsedCert, UkeyError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| UkeyError::BadData {
        detail: format!("certificate {what}: {e}"),
    };
    let cert = Certificate::from_der(der).map_err(|e| bad("does not decode", &e))?;
    let tbs = &cert.tbs_certificate;
    let spki = &tbs.subject_public_key_info;
    let public_key = spki.subject_public_key.raw_bytes().to_vec();
    let algorithm = if spki.algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        match curve {
            Some(c) if c == OID_SM2_CURVE => KeyAlgorithm::Sm2,
            Some(c) if c == OID_P256 => KeyAlgorithm::EcdsaP256,
            other => KeyAlgorithm::Other {
                oid: format!(
                    "{} curve {}",
                    spki.algorithm.oid,
                    other.map(|o| o.to_string()).unwrap_or_default()
                ),
            },
        }
    } else if spki.algorithm.oid == OID_SM2_CURVE {
        // Some SM2 certificates put the SM2 OID in the algorithm field itself.
        KeyAlgorithm::Sm2
    } else if spki.algorithm.oid == OID_RSA {
        KeyAlgorithm::Rsa {
            bits: rsa_modulus_bits(&public_key).unwrap_or(0),
        }
    } else {
        KeyAlgorithm::Other {
            oid: spki.algorithm.oid.to_string(),
        }
    };
    let mut key_usage = None;
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == OID_KEY_USAGE {
            let ku =
                KeyUsage::from_der(ext.extn_value.as_bytes()).map_err(|e| bad("key usage", &e))?;
            key_usage = Some(CertUsage {
                authentication: ku.digital_signature(),
                signing: ku.non_repudiation(),
                encryption: ku.key_encipherment() || ku.data_encipherment() || ku.key_agreement(),
            });
        }
    }
    let secs = |t: x509_cert::time::Time| -> i64 {
        i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    Ok(ParsedCert {
        subject: name_text(&tbs.subject),
        subject_cn: name_attr(&tbs.subject, OID_CN).unwrap_or_default(),
        issuer: name_text(&tbs.issuer),
        serial: hex(tbs.serial_number.as_bytes()),
        not_before: secs(tbs.validity.not_before),
        not_after: secs(tbs.validity.not_after),
        key_usage,
        algorithm,
        public_key,
    })
}

/// Bit length of the modulus in a DER `RSAPublicKey { n INTEGER, e INTEGER }`.
fn rsa_modulus_bits(der: &[u8]) -> Option<u32> {
    use x509_cert::der::asn1::UintRef;
    use x509_cert::der::{Reader, SliceReader};
    let mut reader = SliceReader::new(der).ok()?;
    let n_len = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            let _e = UintRef::decode(r)?;
            Ok(n.as_bytes().len())
        })
        .ok()?;
    u32::try_from(n_len * 8).ok()
}

fn short_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "2.5.4.3" => "CN".into(),
        "2.5.4.6" => "C".into(),
        "2.5.4.7" => "L".into(),
        "2.5.4.8" => "ST".into(),
        "2.5.4.10" => "O".into(),
        "2.5.4.11" => "OU".into(),
        "2.5.4.5" => "serialNumber".into(),
        "1.2.840.113549.1.9.1" => "emailAddress".into(),
        other => other.to_string(),
    }
}

/// `C=CN, O=…, CN=…` in the order of the certificate.
fn name_text(name: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            parts.push(format!(
                "{}={}",
                short_name(&atv.oid),
                attr_value_text(&atv.value)
            ));
        }
    }
    parts.join(", ")
}

fn name_attr(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(|atv| atv.oid == oid)
        .map(|atv| attr_value_text(&atv.value))
        .next_back()
}

fn attr_value_text(value: &x509_cert::der::Any) -> String {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            String::from_utf8_lossy(bytes).into_owned()
        }
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => format!("#{}", hex(bytes)),
    }
}
