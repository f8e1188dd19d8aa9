//! The CMS (RFC 5652) detached SignedData inside a PDF signature's `/Contents`: built for
//! stamping and parsed for verification, with RustCrypto's `cms` types.
//!
//! - ECDSA P-256 and RSA: standard CMS (`id-signedData` 1.2.840.113549.1.7.2, `id-data`
//!   1.2.840.113549.1.7.1, SHA-256), what poppler's `pdfsig` and `openssl cms` verify.
//! - SM2: GM/T 0010-2012 "SM2 cryptographic message syntax" (the same text as
//!   GB/T 35275-2017 §5): data 1.2.156.10197.6.1.4.2.1, signedData 1.2.156.10197.6.1.4.2.2,
//!   digest SM3 1.2.156.10197.1.401. As the signature algorithm we write SM2-with-SM3
//!   1.2.156.10197.1.501 (what OpenSSL and most CA toolkits write); the standard's
//!   SM2-1 1.2.156.10197.1.301.1 is accepted on reading, as is the bare SM2 OID .301.
//!   (OIDs as listed by GmSSL `doc/gmssl/oid.md`, ofdrw `ofdrw-gm` `sm2strut/OIDs.java`
//!   "GMT 35275-2017 5. OID 定义" and emmansun/gmsm `pkcs7`.)
//!
//! Signed attributes: contentType, signingTime, messageDigest; the signature is over their
//! DER (`SET OF`), as RFC 5652 §5.4 says. The signer is named by issuer and serial number.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, OctetStringRef, SetOfVec};
use der::{Any, Decode, Encode, Reader, SliceReader};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;
use yichuang_pki::{verify_message, Cert, KeyAlgorithm, PkiError};

use crate::signer::SealAlgorithm;

pub const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
pub const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// GM/T 0010 §… / GB/T 35275 §5 `data`.
pub const OID_GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");
/// GM/T 0010 / GB/T 35275 §5 `signedData`.
pub const OID_GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
const OID_SM2_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
const OID_SM2_1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");
const OID_SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

fn malformed(detail: impl std::fmt::Display) -> PkiError {
    PkiError::Malformed {
        what: "CMS signature",
        detail: detail.to_string(),
    }
}

/// The digest the algorithm's CMS uses: SM3 for SM2, SHA-256 otherwise.
pub fn digest(algorithm: SealAlgorithm, parts: &[&[u8]]) -> Vec<u8> {
    match algorithm {
        SealAlgorithm::Sm2Sm3 => {
            let mut h = sm3::Sm3::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        _ => {
            let mut h = Sha256::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
    }
}

fn alg(oid: ObjectIdentifier, null_params: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null_params.then(|| Any::from(der::asn1::Null)),
    }
}

fn data_oid(algorithm: SealAlgorithm) -> ObjectIdentifier {
    match algorithm {
        SealAlgorithm::Sm2Sm3 => OID_GM_DATA,
        _ => OID_DATA,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> der::Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// The signed attributes (contentType, signingTime, messageDigest) for a document digest,
/// and their DER (`SET OF Attribute`), which is what the key signs.
pub fn signed_attributes(
    algorithm: SealAlgorithm,
    document_digest: &[u8],
    signing_time: i64,
) -> Result<(SetOfVec<Attribute>, Vec<u8>), PkiError> {
    let build = || -> der::Result<(SetOfVec<Attribute>, Vec<u8>)> {
        let secs = u64::try_from(signing_time).map_err(|_| der::ErrorKind::DateTime)?;
        let d = std::time::Duration::from_secs(secs);
        let time = match der::asn1::UtcTime::from_unix_duration(d) {
            Ok(t) => Time::UtcTime(t),
            Err(_) => Time::GeneralTime(der::asn1::GeneralizedTime::from_unix_duration(d)?),
        };
        let attrs = SetOfVec::try_from(vec![
            attribute(OID_CONTENT_TYPE, Any::encode_from(&data_oid(algorithm))?)?,
            attribute(OID_SIGNING_TIME, Any::encode_from(&time)?)?,
            attribute(
                OID_MESSAGE_DIGEST,
                Any::encode_from(&OctetStringRef::new(document_digest)?)?,
            )?,
        ])?;
        let der = attrs.to_der()?;
        Ok((attrs, der))
    };
    build().map_err(malformed)
}

/// The DER `ContentInfo` of a detached SignedData: one signer (the first certificate),
/// every certificate embedded.
pub fn assemble(
    algorithm: SealAlgorithm,
    certificates: &[Vec<u8>],
    attrs: SetOfVec<Attribute>,
    signature: &[u8],
) -> Result<Vec<u8>, PkiError> {
    let certs = certificates
        .iter()
        .map(|der| x509_cert::Certificate::from_der(der))
        .collect::<der::Result<Vec<_>>>()
        .map_err(|e| malformed(format!("seal certificate: {e}")))?;
    let signer = certs
        .first()
        .ok_or_else(|| malformed("the seal key has no certificate"))?;
    let (digest_alg, sig_alg, content_type) = match algorithm {
        SealAlgorithm::Sm2Sm3 => (
            alg(OID_SM3, false),
            alg(OID_SM2_SM3, false),
            OID_GM_SIGNED_DATA,
        ),
        SealAlgorithm::EcdsaP256Sha256 => (
            alg(OID_SHA256, false),
            alg(OID_ECDSA_SHA256, false),
            OID_SIGNED_DATA,
        ),
        SealAlgorithm::RsaPkcs1Sha256 => {
            (alg(OID_SHA256, false), alg(OID_RSA, true), OID_SIGNED_DATA)
        }
    };
    let build = || -> der::Result<Vec<u8>> {
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: signer.tbs_certificate.issuer.clone(),
                serial_number: signer.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: sig_alg,
            signature: OctetString::new(signature)?,
            unsigned_attrs: None,
        };
        let signed = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: data_oid(algorithm),
                econtent: None,
            },
            certificates: Some(CertificateSet(SetOfVec::try_from(
                certs
                    .iter()
                    .cloned()
                    .map(CertificateChoices::Certificate)
                    .collect::<Vec<_>>(),
            )?)),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
        };
        ContentInfo {
            content_type,
            content: Any::encode_from(&signed)?,
        }
        .to_der()
    };
    build().map_err(malformed)
}

/// A parsed and signature-checked CMS: who signed, when, over which digest.
#[derive(Debug, Clone)]
pub struct CheckedCms {
    pub algorithm: SealAlgorithm,
    /// The signing certificate.
    pub signer: Cert,
    /// The other embedded certificates (possible chain).
    pub others: Vec<Cert>,
    /// The signed `messageDigest`: the digest of the signed byte ranges.
    pub message_digest: Vec<u8>,
    /// The signed `signingTime`, Unix seconds.
    pub signing_time: Option<i64>,
}

/// Parses `/Contents` (DER, possibly zero-padded) and checks the signer's signature over the
/// signed attributes. The document digest is compared by the caller
/// ([`CheckedCms::message_digest`]). Never panics.
pub fn parse_and_check(contents: &[u8]) -> Result<CheckedCms, PkiError> {
    let mut reader = SliceReader::new(contents).map_err(malformed)?;
    let info = ContentInfo::decode(&mut reader).map_err(malformed)?;
    let used = usize::try_from(u32::from(reader.position())).unwrap_or(usize::MAX);
    if contents
        .get(used..)
        .is_none_or(|rest| rest.iter().any(|b| *b != 0))
    {
        return Err(malformed("bytes after the CMS structure"));
    }
    if info.content_type != OID_SIGNED_DATA && info.content_type != OID_GM_SIGNED_DATA {
        return Err(PkiError::UnsupportedAlgorithm {
            detail: format!("CMS content type {}", info.content_type),
        });
    }
    let signed: SignedData = info.content.decode_as().map_err(malformed)?;
    let mut certs = Vec::new();
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        if let CertificateChoices::Certificate(c) = choice {
            let der = c.to_der().map_err(malformed)?;
            certs.push((c, Cert::from_der(&der)?));
        }
    }
    let mut infos = signed.signer_infos.0.iter();
    let info = match (infos.next(), infos.next()) {
        (Some(i), None) => i,
        (None, _) => return Err(malformed("no signer")),
        (Some(_), Some(_)) => return Err(malformed("more than one signer")),
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &info.sid else {
        return Err(malformed("signer named by key identifier"));
    };
    let position = certs
        .iter()
        .position(|(c, _)| {
            c.tbs_certificate.issuer == sid.issuer
                && c.tbs_certificate.serial_number == sid.serial_number
        })
        .ok_or_else(|| malformed("the signer's certificate is not embedded"))?;
    let signer = certs.remove(position).1;
    let others = certs.into_iter().map(|(_, c)| c).collect();

    let digest_oid = info.digest_alg.oid;
    let sig_oid = info.signature_algorithm.oid;
    let algorithm = match signer.key_algorithm() {
        KeyAlgorithm::Sm2
            if digest_oid == OID_SM3 && [OID_SM2_SM3, OID_SM2_1, OID_SM2].contains(&sig_oid) =>
        {
            SealAlgorithm::Sm2Sm3
        }
        KeyAlgorithm::EcdsaP256
            if digest_oid == OID_SHA256
                && [OID_ECDSA_SHA256, OID_EC_PUBLIC_KEY].contains(&sig_oid) =>
        {
            SealAlgorithm::EcdsaP256Sha256
        }
        KeyAlgorithm::Rsa { .. }
            if digest_oid == OID_SHA256 && [OID_RSA, OID_RSA_SHA256].contains(&sig_oid) =>
        {
            SealAlgorithm::RsaPkcs1Sha256
        }
        key => {
            return Err(PkiError::UnsupportedAlgorithm {
                detail: format!(
                    "{} key with digest {digest_oid} and signature {sig_oid}",
                    key.name()
                ),
            })
        }
    };
    let attrs = info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| malformed("no signed attributes"))?;
    let mut message_digest = None;
    let mut signing_time = None;
    for attr in attrs.iter() {
        let mut values = attr.values.iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(malformed(format!(
                "attribute {} without one value",
                attr.oid
            )));
        };
        if attr.oid == OID_MESSAGE_DIGEST {
            let d: OctetString = value.decode_as().map_err(malformed)?;
            message_digest = Some(d.into_bytes());
        } else if attr.oid == OID_SIGNING_TIME {
            let t = Time::from_der(&value.to_der().map_err(malformed)?).map_err(malformed)?;
            signing_time = i64::try_from(t.to_unix_duration().as_secs()).ok();
        } else if attr.oid == OID_CONTENT_TYPE {
            let ct: ObjectIdentifier = value.decode_as().map_err(malformed)?;
            if ct != OID_DATA && ct != OID_GM_DATA {
                return Err(malformed(format!("signed content type {ct}")));
            }
        }
    }
    let message_digest = message_digest.ok_or_else(|| malformed("no messageDigest"))?;
    let signed_attrs_der = attrs.to_der().map_err(malformed)?;
    verify_message(&signer, &signed_attrs_der, info.signature.as_bytes())?;
    Ok(CheckedCms {
        algorithm,
        signer,
        others,
        message_digest,
        signing_time,
    })
}
