//! [`PkiError`]: every way a certificate, signature, CRL or grant can be refused, each with a
//! [`PkiErrorKind`] (its stable code), a Chinese message for the clerk (from
//! [`crate::messages`]) and a technical detail for IT.

/// The kind of a refusal: the pki layer's one error-code enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PkiErrorKind {
    Malformed,
    UnsupportedAlgorithm,
    BadSignature,
    UntrustedIssuer,
    Expired,
    NotYetValid,
    Revoked,
    InvalidGrant,
    DocumentMalformed,
    DocumentTruncated,
    Unsigned,
    Altered,
    ModifiedAfterSigning,
}

impl PkiErrorKind {
    /// Stable machine-readable code, `snake_case`.
    pub fn code(self) -> &'static str {
        match self {
            PkiErrorKind::Malformed => "malformed",
            PkiErrorKind::UnsupportedAlgorithm => "unsupported_algorithm",
            PkiErrorKind::BadSignature => "bad_signature",
            PkiErrorKind::UntrustedIssuer => "untrusted_issuer",
            PkiErrorKind::Expired => "expired",
            PkiErrorKind::NotYetValid => "not_yet_valid",
            PkiErrorKind::Revoked => "revoked",
            PkiErrorKind::InvalidGrant => "invalid_grant",
            PkiErrorKind::DocumentMalformed => "document_malformed",
            PkiErrorKind::DocumentTruncated => "document_truncated",
            PkiErrorKind::Unsigned => "unsigned",
            PkiErrorKind::Altered => "altered",
            PkiErrorKind::ModifiedAfterSigning => "modified_after_signing",
        }
    }

    /// Message for the clerk, Simplified Chinese.
    pub fn message(self) -> &'static str {
        crate::messages::message(self)
    }
}

/// Why a certificate, signature, CRL or offline grant was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The bytes do not decode as what they should be (certificate, CRL, signature, grant).
    #[error("malformed {what}: {detail}")]
    Malformed { what: &'static str, detail: String },

    /// A key or signature algorithm this crate does not verify.
    #[error("unsupported algorithm: {detail}")]
    UnsupportedAlgorithm { detail: String },

    /// The signature does not verify with the given key.
    #[error("bad signature: {detail}")]
    BadSignature { detail: String },

    /// The certificate (or CRL) was not issued by a trusted CA.
    #[error("untrusted issuer: {detail}")]
    UntrustedIssuer { detail: String },

    /// Past `notAfter` (certificate) or `expires_at` (grant). Unix seconds for certificates,
    /// Unix milliseconds for grants.
    #[error("expired at {not_after} (now {now})")]
    Expired { not_after: i64, now: i64 },

    /// Before `notBefore` (certificate) or `issued_at` (grant).
    #[error("not valid before {not_before} (now {now})")]
    NotYetValid { not_before: i64, now: i64 },

    /// Listed in the issuer's CRL.
    #[error("certificate serial {serial} revoked at {revoked_at}")]
    Revoked { serial: String, revoked_at: i64 },

    /// An offline grant that breaks the rules (lifetime over 7 days, fingerprint mismatch).
    #[error("invalid offline grant: {detail}")]
    InvalidGrant { detail: String },

    /// A signed document (PDF) whose structure or signature dictionary cannot be read.
    #[error("malformed document: {detail}")]
    DocumentMalformed { detail: String },

    /// A document cut short (the end of file, or the end of a signed range, is missing).
    #[error("truncated document: {detail}")]
    DocumentTruncated { detail: String },

    /// A document with no signature at all.
    #[error("the document carries no signature")]
    Unsigned,

    /// The bytes a signature covers were changed after signing (digest mismatch).
    #[error("document altered after signing: {detail}")]
    Altered { detail: String },

    /// Bytes were appended after the signed revision and no later signature covers them.
    #[error("{appended} bytes appended after the signed revision")]
    ModifiedAfterSigning { appended: u64 },
}

impl PkiError {
    pub fn kind(&self) -> PkiErrorKind {
        match self {
            PkiError::Malformed { .. } => PkiErrorKind::Malformed,
            PkiError::UnsupportedAlgorithm { .. } => PkiErrorKind::UnsupportedAlgorithm,
            PkiError::BadSignature { .. } => PkiErrorKind::BadSignature,
            PkiError::UntrustedIssuer { .. } => PkiErrorKind::UntrustedIssuer,
            PkiError::Expired { .. } => PkiErrorKind::Expired,
            PkiError::NotYetValid { .. } => PkiErrorKind::NotYetValid,
            PkiError::Revoked { .. } => PkiErrorKind::Revoked,
            PkiError::InvalidGrant { .. } => PkiErrorKind::InvalidGrant,
            PkiError::DocumentMalformed { .. } => PkiErrorKind::DocumentMalformed,
            PkiError::DocumentTruncated { .. } => PkiErrorKind::DocumentTruncated,
            PkiError::Unsigned => PkiErrorKind::Unsigned,
            PkiError::Altered { .. } => PkiErrorKind::Altered,
            PkiError::ModifiedAfterSigning { .. } => PkiErrorKind::ModifiedAfterSigning,
        }
    }

    /// Stable machine-readable code, `snake_case`.
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// Message for the clerk, Simplified Chinese.
    pub fn message(&self) -> &'static str {
        self.kind().message()
    }

    pub(crate) fn malformed(what: &'static str, detail: impl std::fmt::Display) -> Self {
        PkiError::Malformed {
            what,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn bad_signature(detail: impl std::fmt::Display) -> Self {
        PkiError::BadSignature {
            detail: detail.to_string(),
        }
    }

    pub(crate) fn unsupported(detail: impl std::fmt::Display) -> Self {
        PkiError::UnsupportedAlgorithm {
            detail: detail.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_code_and_chinese_message() {
        let errors = [
            PkiError::malformed("certificate", "x"),
            PkiError::unsupported("x"),
            PkiError::bad_signature("x"),
            PkiError::UntrustedIssuer { detail: "x".into() },
            PkiError::Expired {
                not_after: 0,
                now: 1,
            },
            PkiError::NotYetValid {
                not_before: 1,
                now: 0,
            },
            PkiError::Revoked {
                serial: "01".into(),
                revoked_at: 0,
            },
            PkiError::InvalidGrant { detail: "x".into() },
            PkiError::DocumentMalformed { detail: "x".into() },
            PkiError::DocumentTruncated { detail: "x".into() },
            PkiError::Unsigned,
            PkiError::Altered { detail: "x".into() },
            PkiError::ModifiedAfterSigning { appended: 1 },
        ];
        let codes: std::collections::HashSet<_> = errors.iter().map(PkiError::code).collect();
        let messages: std::collections::HashSet<_> = errors.iter().map(PkiError::message).collect();
        assert_eq!(codes.len(), errors.len());
        assert_eq!(messages.len(), errors.len());
        assert_eq!(errors[4].code(), "expired");
        assert_eq!(errors[4].message(), "证书已过期");
        assert_eq!(errors[6].kind(), PkiErrorKind::Revoked);
        assert_eq!(errors[6].message(), "证书已被吊销");
        assert_eq!(errors[11].code(), "altered");
        assert_eq!(errors[11].message(), "文档在盖章后被修改，签章无效");
    }
}
