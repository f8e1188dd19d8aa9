//! Label table of the ID-card reader: the Chinese words the card and the GA/T 467 SAM
//! protocol use (card types, sexes, the text block's field names, 「长期」, the SAM's status
//! wording). Only the labels; the types they name live in [`super::identity`] and
//! [`super::codec`].

use super::codec::SamStatus;
use super::identity::{CardKind, Sex};

/// The validity end of a card that never expires, as the text block holds it and the card
/// prints it.
pub const LONG_TERM: &str = "长期";

/// Follows a nation's name as the card prints it (「汉」 → 「汉族」).
pub const NATION_SUFFIX: &str = "族";

/// The text block's field names, as IT reads them in
/// [`super::identity::IdentityError::InvalidField`].
pub mod field {
    pub const NATION: &str = "民族";
    pub const SEX: &str = "性别";
    pub const BIRTH: &str = "出生日期";
    pub const VALID_FROM: &str = "有效期起始日期";
    pub const VALID_UNTIL: &str = "有效期截止日期";
    /// 'I' card: the issue date.
    pub const ISSUED: &str = "签发日期";
    /// 'I' card: the end of validity.
    pub const EXPIRES: &str = "终止日期";
    /// 'J' card: how many times the permit was issued.
    pub const ISSUE_COUNT: &str = "签发次数";
    /// 'Y' card: how many times the card was renewed.
    pub const RENEWAL_COUNT: &str = "换证次数";
}

/// GB/T 2261.1 sex names.
pub fn sex(sex: Sex) -> &'static str {
    match sex {
        Sex::Unknown => "未知",
        Sex::Male => "男",
        Sex::Female => "女",
        Sex::Unspecified => "未说明",
    }
}

/// The card types' names.
pub fn card_kind(kind: CardKind) -> &'static str {
    match kind {
        CardKind::Resident => "居民身份证",
        CardKind::ForeignPermanent => "外国人永久居留身份证",
        CardKind::HkMacaoTaiwan => "港澳台居民居住证",
        CardKind::ForeignPermanent2023 => "外国人永久居留身份证（2023版）",
    }
}

/// The vendor wording of a SAM status code, for IT (diagnose output, logs).
pub fn sam_status(status: SamStatus) -> &'static str {
    use SamStatus::*;
    match status {
        Success => "操作成功",
        FieldAbsent => "卡内无此项信息（如无指纹）",
        CardFound => "找卡成功",
        NoCard => "未找到卡",
        SelectFailed => "选卡失败",
        PortOpenFailed => "端口打开失败",
        ReceiveTimeout => "接收数据超时",
        TransferError => "数据传输错误",
        SamSerialUnavailable => "SAM 串口不可用",
        FileOpenFailed => "打开文件失败",
        ChecksumError => "校验和错误",
        LengthError => "长度错误",
        BadCommand => "命令或参数错误",
        NotAuthorised => "越权操作",
        UnknownError => "未知错误",
        CardAuthenticateSamFailed => "证/卡认证 SAM 失败",
        SamAuthenticateCardFailed => "SAM 认证证/卡失败",
        VerifyFailed => "信息验证失败",
        FingerprintVerifyFailed => "指纹信息验证错误",
        InfoLengthError => "信息长度错误",
        UnrecognisedCardType => "无法识别的卡类型",
        ReadFailed => "读卡操作失败",
        GetRandomFailed => "取随机数失败",
        SelfTestFailed => "SAM 自检失败",
        SamNotAuthorised => "SAM 未经授权",
        Other(_) => "未知状态码",
    }
}
