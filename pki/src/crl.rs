//! Certificate revocation lists (RFC 5280 §5): parse DER or PEM, check the CA's signature,
//! look up a serial.

use x509_cert::crl::RevokedCert;
use x509_cert::der::asn1::{BitString, ObjectIdentifier};
use x509_cert::der::{Decode, Reader, SliceReader, Tag};
use x509_cert::name::Name;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::time::Time;

use crate::cert::{hex_upper, unix_seconds, Cert};
use crate::error::PkiError;
use crate::pem;
use crate::verify::verify_signed_data;

/// A parsed CRL with its original DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    der: Vec<u8>,
    issuer: Name,
    /// The signature algorithm inside and outside the signed part (must agree).
    inner_alg: ObjectIdentifier,
    outer_alg: ObjectIdentifier,
    signature: BitString,
    this_update: i64,
    next_update: Option<i64>,
    /// (serial bytes, revocation time in Unix seconds)
    revoked: Vec<(Vec<u8>, i64)>,
}

impl Crl {
    /// Parses one CRL, DER or PEM (`X509 CRL` block).
    pub fn parse(bytes: &[u8]) -> Result<Crl, PkiError> {
        if pem::looks_like_pem(bytes) {
            let blocks = pem::blocks(bytes, &["X509 CRL"])?;
            match blocks.into_iter().next() {
                Some(der) => Crl::from_der(&der),
                None => Err(PkiError::malformed("CRL", "no X509 CRL PEM block")),
            }
        } else {
            Crl::from_der(bytes)
        }
    }

    /// Parses a DER CRL, v1 (no version field, as `openssl ca -gencrl` writes without
    /// extensions) or v2. CRL and entry extensions are not interpreted.
    pub fn from_der(der: &[u8]) -> Result<Crl, PkiError> {
        let parsed = decode(der).map_err(|e| PkiError::malformed("CRL", e))?;
        let this_update = unix_seconds(&parsed.this_update)?;
        let next_update = parsed.next_update.as_ref().map(unix_seconds).transpose()?;
        let revoked = parsed
            .revoked
            .iter()
            .map(|r| {
                Ok((
                    r.serial_number.as_bytes().to_vec(),
                    unix_seconds(&r.revocation_date)?,
                ))
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        Ok(Crl {
            der: der.to_vec(),
            issuer: parsed.issuer,
            inner_alg: parsed.inner_alg,
            outer_alg: parsed.outer_alg,
            signature: parsed.signature,
            this_update,
            next_update,
            revoked,
        })
    }

    fn tbs_bytes(&self) -> Result<&[u8], PkiError> {
        crate::cert::first_element_of_sequence(&self.der).map_err(|e| PkiError::malformed("CRL", e))
    }

    /// The CRL as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The issuing CA's DN (RFC 4514 text).
    pub fn issuer(&self) -> String {
        self.issuer.to_string()
    }

    /// `thisUpdate`, Unix seconds.
    pub fn this_update(&self) -> i64 {
        self.this_update
    }

    /// `nextUpdate`, Unix seconds, if given.
    pub fn next_update(&self) -> Option<i64> {
        self.next_update
    }

    /// Number of revoked serials listed.
    pub fn len(&self) -> usize {
        self.revoked.len()
    }

    /// Whether no serial is listed.
    pub fn is_empty(&self) -> bool {
        self.revoked.is_empty()
    }

    /// Whether this CRL names `ca` as its issuer.
    pub fn is_from(&self, ca: &Cert) -> bool {
        &self.issuer == ca.subject_name()
    }

    /// Verifies that `ca` signed this CRL.
    pub fn verify_issued_by(&self, ca: &Cert) -> Result<(), PkiError> {
        if !self.is_from(ca) {
            return Err(PkiError::UntrustedIssuer {
                detail: format!("CRL issuer `{}` is not `{}`", self.issuer(), ca.subject()),
            });
        }
        let alg = &self.outer_alg;
        if *alg != self.inner_alg {
            return Err(PkiError::malformed(
                "CRL",
                "signature algorithm differs inside and outside the signed part",
            ));
        }
        let signature = self
            .signature
            .as_bytes()
            .ok_or_else(|| PkiError::malformed("CRL", "signature has unused bits"))?;
        let tbs = self.tbs_bytes()?;
        verify_signed_data(ca, alg, tbs, signature).map_err(|e| match e {
            PkiError::BadSignature { detail } => PkiError::UntrustedIssuer {
                detail: format!("CRL signature does not verify with the CA key: {detail}"),
            },
            other => other,
        })
    }

    /// The revocation time (Unix seconds) of `cert`, when this CRL is from its issuer and
    /// lists its serial.
    pub fn revoked_at(&self, cert: &Cert) -> Option<i64> {
        if cert.issuer_name() != &self.issuer {
            return None;
        }
        self.revoked_serial(cert.serial_bytes())
    }

    /// The revocation time of `serial` (DER integer bytes) in this CRL.
    pub fn revoked_serial(&self, serial: &[u8]) -> Option<i64> {
        let want = strip_leading_zeros(serial);
        self.revoked
            .iter()
            .find(|(s, _)| strip_leading_zeros(s) == want)
            .map(|(_, at)| *at)
    }

    /// Revoked serials as upper-case hex, for diagnostics.
    pub fn revoked_serials(&self) -> Vec<String> {
        self.revoked.iter().map(|(s, _)| hex_upper(s)).collect()
    }
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

struct Parsed {
    issuer: Name,
    inner_alg: ObjectIdentifier,
    outer_alg: ObjectIdentifier,
    signature: BitString,
    this_update: Time,
    next_update: Option<Time>,
    revoked: Vec<RevokedCert>,
}

/// `CertificateList` by hand: x509-cert 0.2 requires the `version` field, which v1 CRLs omit.
fn decode(der: &[u8]) -> Result<Parsed, x509_cert::der::Error> {
    let mut outer = SliceReader::new(der)?;
    let (tbs, outer_alg, signature) = outer.sequence(|r| {
        let tbs = r.tlv_bytes()?;
        let alg = AlgorithmIdentifierOwned::decode(r)?;
        let signature = BitString::decode(r)?;
        Ok((tbs, alg, signature))
    })?;
    outer.finish(())?;

    let mut reader = SliceReader::new(tbs)?;
    let parsed = reader.sequence(|r| {
        if r.peek_tag()? == Tag::Integer {
            let version = u8::decode(r)?;
            if version != 1 {
                return Err(Tag::Integer.value_error());
            }
        }
        let inner_alg = AlgorithmIdentifierOwned::decode(r)?;
        let issuer = Name::decode(r)?;
        let this_update = Time::decode(r)?;
        let next_update =
            if !r.is_finished() && matches!(r.peek_tag()?, Tag::UtcTime | Tag::GeneralizedTime) {
                Some(Time::decode(r)?)
            } else {
                None
            };
        let revoked = if !r.is_finished() && r.peek_tag()? == Tag::Sequence {
            Vec::<RevokedCert>::decode(r)?
        } else {
            Vec::new()
        };
        // crlExtensions [0] EXPLICIT, not interpreted.
        if !r.is_finished() {
            let rest = r.remaining_len();
            r.read_slice(rest)?;
        }
        Ok(Parsed {
            issuer,
            inner_alg: inner_alg.oid,
            outer_alg: outer_alg.oid,
            signature,
            this_update,
            next_update,
            revoked,
        })
    })?;
    reader.finish(parsed)
}
