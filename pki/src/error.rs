//! [`PkiError`]: every way a certificate, signature, CRL or grant can be refused, each with a
//! stable code, a Chinese message for the clerk and a technical detail for IT.

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
}

impl PkiError {
    /// Stable machine-readable code, `snake_case`.
    pub fn code(&self) -> &'static str {
        match self {
            PkiError::Malformed { .. } => "malformed",
            PkiError::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            PkiError::BadSignature { .. } => "bad_signature",
            PkiError::UntrustedIssuer { .. } => "untrusted_issuer",
            PkiError::Expired { .. } => "expired",
            PkiError::NotYetValid { .. } => "not_yet_valid",
            PkiError::Revoked { .. } => "revoked",
            PkiError::InvalidGrant { .. } => "invalid_grant",
        }
    }

    /// Message for the clerk, Simplified Chinese.
    pub fn message(&self) -> &'static str {
        match self {
            PkiError::Malformed { .. } => "证书或签名数据格式错误",
            PkiError::UnsupportedAlgorithm { .. } => "不支持该证书的密钥算法",
            PkiError::BadSignature { .. } => "签名验证失败",
            PkiError::UntrustedIssuer { .. } => "证书不是受信任的CA签发",
            PkiError::Expired { .. } => "证书已过期",
            PkiError::NotYetValid { .. } => "证书尚未生效",
            PkiError::Revoked { .. } => "证书已被吊销",
            PkiError::InvalidGrant { .. } => "离线登录授权无效，请联网登录",
        }
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
