//! [`IdCardError`]: every way reading a card can fail, each with a [`crate::ErrorKind`] for the
//! app and one Chinese sentence for the clerk ([`IdCardError::hint`]); the `Display` text is
//! the detail for IT.

use super::codec::{FrameError, PayloadError, SamStatus};
use super::identity::IdentityError;
use super::DEVICE_NAME;
use crate::error::{DeviceError, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdCardError {
    /// The port could not be opened.
    #[error("cannot open {port}: {detail}")]
    Open { port: String, detail: String },
    /// No such device: the serial port or USB reader is not there (unplugged, wrong name).
    #[error("no reader at {port}: {detail}")]
    NotFound { port: String, detail: String },
    /// The link broke (unplugged, port closed).
    #[error("link error: {0}")]
    Io(String),
    /// No complete reply in time. `partial` is true when a reply had started.
    #[error("SAM did not reply within {waited_ms} ms (partial reply: {partial})")]
    Timeout { waited_ms: u64, partial: bool },
    /// The reply's envelope was broken (checksum, length).
    #[error("bad frame from SAM: {0}")]
    Frame(#[from] FrameError),
    /// A read reply whose length words disagree with its size.
    #[error("bad read reply: {0}")]
    Payload(#[from] PayloadError),
    /// No card on the reader.
    #[error("no card on the reader")]
    NoCard,
    /// The card left the field while it was being read.
    #[error("card removed during the read")]
    CardPulled,
    /// The SAM answered with a failure code.
    #[error("SAM status {code:#04x} ({desc})", code = .0.code(), desc = .0.describe())]
    Status(SamStatus),
    /// The card's text block did not parse.
    #[error("card data: {0}")]
    Identity(#[from] IdentityError),
}

impl IdCardError {
    /// The shared kind the app maps to its message table.
    pub fn kind(&self) -> ErrorKind {
        use SamStatus as S;
        match self {
            IdCardError::Open { .. } => ErrorKind::OpenFailed,
            IdCardError::NotFound { .. } | IdCardError::Io(_) => ErrorKind::NotConnected,
            IdCardError::Timeout { .. } => ErrorKind::Timeout,
            IdCardError::Frame(_) | IdCardError::Payload(_) | IdCardError::Identity(_) => {
                ErrorKind::Protocol
            }
            IdCardError::NoCard | IdCardError::CardPulled => ErrorKind::NeedsAttention,
            IdCardError::Status(s) => match s {
                S::NoCard
                | S::SelectFailed
                | S::ReadFailed
                | S::CardAuthenticateSamFailed
                | S::SamAuthenticateCardFailed
                | S::VerifyFailed
                | S::UnrecognisedCardType
                | S::FieldAbsent
                | S::FingerprintVerifyFailed => ErrorKind::NeedsAttention,
                S::ReceiveTimeout => ErrorKind::Timeout,
                S::TransferError
                | S::ChecksumError
                | S::LengthError
                | S::BadCommand
                | S::InfoLengthError => ErrorKind::Protocol,
                S::PortOpenFailed | S::SamSerialUnavailable => ErrorKind::NotConnected,
                _ => ErrorKind::DeviceFault,
            },
        }
    }

    /// One Chinese sentence telling the clerk what to do.
    pub fn hint(&self) -> &'static str {
        use SamStatus as S;
        match self {
            IdCardError::NoCard | IdCardError::Status(S::NoCard) => "请将身份证放在读卡器感应区。",
            IdCardError::CardPulled => "读卡过程中身份证被移开，请重新放置并保持不动。",
            IdCardError::Status(
                S::SelectFailed
                | S::ReadFailed
                | S::CardAuthenticateSamFailed
                | S::SamAuthenticateCardFailed
                | S::VerifyFailed,
            ) => "读卡失败，请将身份证重新放置后再试。",
            IdCardError::Status(S::UnrecognisedCardType) => {
                "无法识别该证件，请确认是否为有效身份证件。"
            }
            IdCardError::Identity(_) => "证件信息无法解析，请重新放置；多次失败请联系运维人员。",
            IdCardError::Open { .. } => {
                "身份证读卡器无法打开，请检查端口设置或是否被其他程序占用。"
            }
            IdCardError::Io(_) => "身份证读卡器连接中断，请检查连接线。",
            IdCardError::NotFound { .. } => "未检测到身份证读卡器，请检查USB连接线或端口设置。",
            IdCardError::Timeout { .. } | IdCardError::Status(S::ReceiveTimeout) => {
                "身份证读卡器无响应，请重试；多次失败请联系运维人员。"
            }
            IdCardError::Frame(_)
            | IdCardError::Payload(_)
            | IdCardError::Status(
                S::TransferError | S::ChecksumError | S::LengthError | S::InfoLengthError,
            ) => "身份证读卡器通信异常，请重试。",
            IdCardError::Status(S::SelfTestFailed | S::SamNotAuthorised) => {
                "身份证读卡器安全模块异常，请联系运维人员。"
            }
            IdCardError::Status(_) => "身份证读卡器故障，请联系运维人员。",
        }
    }

    /// Whether repeating the same command may succeed (transient link or SAM trouble).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            IdCardError::Timeout { .. }
                | IdCardError::Frame(_)
                | IdCardError::Payload(_)
                | IdCardError::Status(
                    SamStatus::ChecksumError
                        | SamStatus::LengthError
                        | SamStatus::TransferError
                        | SamStatus::ReceiveTimeout
                )
        )
    }

    /// The app-level error: kind, device name and this error as the IT detail.
    pub fn to_device_error(&self) -> DeviceError {
        DeviceError {
            kind: self.kind(),
            device: DEVICE_NAME,
            detail: self.to_string(),
        }
    }
}

impl From<IdCardError> for DeviceError {
    fn from(e: IdCardError) -> Self {
        e.to_device_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_errors_map_to_kinds_and_chinese_hints() {
        let cases = [
            (IdCardError::NoCard, ErrorKind::NeedsAttention),
            (IdCardError::CardPulled, ErrorKind::NeedsAttention),
            (
                IdCardError::Timeout {
                    waited_ms: 500,
                    partial: false,
                },
                ErrorKind::Timeout,
            ),
            (
                IdCardError::Frame(FrameError::BadChecksum {
                    computed: 1,
                    received: 2,
                }),
                ErrorKind::Protocol,
            ),
            (
                IdCardError::Status(SamStatus::SelfTestFailed),
                ErrorKind::DeviceFault,
            ),
            (
                IdCardError::Status(SamStatus::ReadFailed),
                ErrorKind::NeedsAttention,
            ),
            (IdCardError::Io("gone".into()), ErrorKind::NotConnected),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind, "{e}");
            assert!(!e.hint().is_empty());
            let d = e.to_device_error();
            assert!(d.message().starts_with(DEVICE_NAME));
        }
        assert!(IdCardError::Status(SamStatus::ReadFailed)
            .to_string()
            .contains("0x41"));
    }
}
