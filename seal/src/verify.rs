//! [`verify`]: every signature of a PDF — the CMS signature, the certificate chain to the
//! trust store, that the signed bytes are unchanged (digest) and that nothing was appended
//! after the signed revision unless a later valid signature covers it — with the signer's
//! name and signing time, in Chinese for the clerk.

use serde::Serialize;
use yichuang_pki::{verify_issued_by, Cert, PkiError, TrustStore};

use crate::cms::{digest, parse_and_check, CheckedCms};
use crate::scan::{check_file, ends_revision, find_signatures};
use crate::signer::SealAlgorithm;

/// How deep an embedded chain may be followed to a trusted CA.
const MAX_CHAIN: usize = 4;

/// The outcome for one signature of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureVerdict {
    /// `[0, b, c, d]` as in the file.
    pub byte_range: [usize; 4],
    /// Where the signed revision ends (`c + d`).
    pub signed_end: usize,
    /// The signer's common name (the department, for a seal); empty when unreadable.
    pub signer_name: String,
    pub signer_subject: String,
    pub signer_issuer: String,
    /// Upper-case hex.
    pub signer_serial: String,
    /// The signed signingTime, Unix seconds.
    pub signing_time: Option<i64>,
    pub algorithm: Option<SealAlgorithm>,
    /// Bytes after the signed revision.
    pub appended_bytes: usize,
    /// The appended bytes are later revisions covered by a later valid signature.
    pub later_signed: bool,
    /// Why this signature is not valid; `None` when it is.
    #[serde(skip)]
    pub problem: Option<PkiError>,
    /// [`PkiError::code`] of the problem, for the window.
    pub problem_code: Option<&'static str>,
}

impl SignatureVerdict {
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }

    /// The clerk's sentence: who stamped when and that the document is unchanged, or why not.
    pub fn message(&self) -> String {
        let who = if self.signer_name.is_empty() {
            crate::wording::UNKNOWN_SIGNER.to_string()
        } else {
            self.signer_name.clone()
        };
        let when = self
            .signing_time
            .map(|t| crate::wording::at(&crate::time::chinese(t)))
            .unwrap_or_default();
        match &self.problem {
            None if self.later_signed => crate::wording::valid_later_signed(&who, &when),
            None => crate::wording::valid(&who, &when),
            Some(e) => crate::wording::invalid(&who, &when, e.message()),
        }
    }
}

/// Verifies every signature of `pdf`. `trust` holds the CAs seals must chain to; `now`
/// (Unix seconds) is when certificates must be valid. Whole-document refusals are errors:
/// not a PDF ([`PkiError::DocumentMalformed`]), cut short ([`PkiError::DocumentTruncated`]),
/// no signature ([`PkiError::Unsigned`]). Per-signature problems are in the verdicts,
/// ordered by revision. Never panics.
pub fn verify(pdf: &[u8], trust: &TrustStore, now: i64) -> Result<Vec<SignatureVerdict>, PkiError> {
    check_file(pdf)?;
    let slots = find_signatures(pdf);
    if slots.is_empty() {
        return Err(PkiError::Unsigned);
    }
    let mut verdicts: Vec<SignatureVerdict> = slots
        .iter()
        .map(|slot| {
            let mut v = SignatureVerdict {
                byte_range: slot.byte_range,
                signed_end: slot.signed_end(),
                signer_name: String::new(),
                signer_subject: String::new(),
                signer_issuer: String::new(),
                signer_serial: String::new(),
                signing_time: None,
                algorithm: None,
                appended_bytes: pdf.len().saturating_sub(slot.signed_end()),
                later_signed: false,
                problem: None,
                problem_code: None,
            };
            let checked = slot
                .contents
                .clone()
                .and_then(|contents| {
                    if ends_revision(pdf, v.signed_end) {
                        Ok(contents)
                    } else {
                        Err(PkiError::DocumentMalformed {
                            detail: "the signed range does not end a revision".into(),
                        })
                    }
                })
                .and_then(|contents| parse_and_check(&contents));
            match checked {
                Ok(cms) => {
                    v.signer_name = cms.signer.subject_cn();
                    v.signer_subject = cms.signer.subject();
                    v.signer_issuer = cms.signer.issuer();
                    v.signer_serial = cms.signer.serial_hex();
                    v.signing_time = cms.signing_time;
                    v.algorithm = Some(cms.algorithm);
                    v.problem = check_signed_bytes(pdf, slot.byte_range, &cms)
                        .and_then(|()| check_chain(&cms, trust, now))
                        .err();
                }
                Err(e) => v.problem = Some(e),
            }
            v
        })
        .collect();
    verdicts.sort_by_key(|v| v.signed_end);
    // From the last revision back: appended bytes are vouched for when a later signature is
    // valid and its own tail is.
    let mut clean_later = false;
    for v in verdicts.iter_mut().rev() {
        let tail_clean = v.appended_bytes == 0 || clean_later;
        if v.problem.is_none() {
            if tail_clean {
                v.later_signed = v.appended_bytes > 0;
                clean_later = true;
            } else {
                v.problem = Some(PkiError::ModifiedAfterSigning {
                    appended: v.appended_bytes as u64,
                });
            }
        }
    }
    for v in &mut verdicts {
        v.problem_code = v.problem.as_ref().map(PkiError::code);
    }
    Ok(verdicts)
}

/// The digest of the two signed ranges against the signed `messageDigest`.
fn check_signed_bytes(pdf: &[u8], br: [usize; 4], cms: &CheckedCms) -> Result<(), PkiError> {
    let (first, second) = match (
        pdf.get(..br[1]),
        pdf.get(br[2]..br[2].saturating_add(br[3])),
    ) {
        (Some(f), Some(s)) => (f, s),
        _ => {
            return Err(PkiError::DocumentTruncated {
                detail: "the signed range reaches past the end".into(),
            })
        }
    };
    if digest(cms.algorithm, &[first, second]) == cms.message_digest {
        Ok(())
    } else {
        Err(PkiError::Altered {
            detail: "the digest of the signed bytes differs from the signed messageDigest".into(),
        })
    }
}

/// The signer chains to a trusted CA, directly or through embedded intermediates.
fn check_chain(cms: &CheckedCms, trust: &TrustStore, now: i64) -> Result<(), PkiError> {
    let mut cert: &Cert = &cms.signer;
    let mut last = None;
    for _ in 0..MAX_CHAIN {
        match trust.verify_certificate(cert, now) {
            Ok(_) => return Ok(()),
            Err(e @ PkiError::UntrustedIssuer { .. }) => last = Some(e),
            Err(other) => return Err(other),
        }
        let Some(issuer) = cms
            .others
            .iter()
            .find(|c| c.is_ca() && verify_issued_by(cert, c).is_ok())
        else {
            break;
        };
        cert.check_validity(now)?;
        trust.check_revocation(cert)?;
        cert = issuer;
    }
    Err(last.unwrap_or(PkiError::UntrustedIssuer {
        detail: "certificate chain too long".into(),
    }))
}
