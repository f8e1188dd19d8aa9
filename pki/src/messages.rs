//! Every clerk-facing Chinese sentence of the pki layer, in one table (issue 13), keyed by
//! [`PkiErrorKind`]; [`crate::PkiError::message`] looks its text up here.

use crate::error::PkiErrorKind;
use crate::ident::IdentError;

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
        PkiErrorKind::DocumentMalformed => "文档格式错误，无法读取其中的电子签章",
        PkiErrorKind::DocumentTruncated => "文档不完整（可能在传输中被截断）",
        PkiErrorKind::Unsigned => "文档没有电子签章",
        PkiErrorKind::Altered => "文档在盖章后被修改，签章无效",
        PkiErrorKind::ModifiedAfterSigning => {
            "文档在盖章后被追加修改，追加的内容不在签章保护范围内"
        }
    }
}

/// The clerk's sentence for a refused identifier.
pub fn ident(e: IdentError) -> &'static str {
    match e {
        IdentError::UsccLength => "统一社会信用代码应为18位",
        IdentError::UsccCharacter => "统一社会信用代码含有无效字符",
        IdentError::UsccCheck => "统一社会信用代码校验位不符，请核对",
        IdentError::LicenceShape => "电子证照标识格式错误",
        IdentError::LicenceType => "电子证照标识中的证照类型代码无效",
        IdentError::LicenceIssuer => "电子证照标识中的颁发机构代码无效",
        IdentError::LicenceSerial => "电子证照标识中的流水号无效",
        IdentError::LicenceVersion => "电子证照标识中的版本号无效",
        IdentError::LicenceCheck => "电子证照标识校验位不符，请核对",
    }
}
