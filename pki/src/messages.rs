//! Every clerk-facing Chinese sentence of the pki layer, in one table (issue 13), keyed by
//! [`PkiErrorKind`]; [`crate::PkiError::message`] looks its text up here.

use crate::error::PkiErrorKind;

/// The clerk's sentence for a refusal.
pub fn message(kind: PkiErrorKind) -> &'static str {
    match kind {
        PkiErrorKind::Malformed => "证书或签名数据格式错误",
        PkiErrorKind::UnsupportedAlgorithm => "不支持该证书的密钥算法",
        PkiErrorKind::BadSignature => "签名验证失败",
        PkiErrorKind::UntrustedIssuer => "证书不是受信任的CA签发",
        PkiErrorKind::Expired => "证书已过期",
        PkiErrorKind::NotYetValid => "证书尚未生效",
        PkiErrorKind::Revoked => "证书已被吊销",
        PkiErrorKind::InvalidGrant => "离线登录授权无效，请联网登录",
    }
}
