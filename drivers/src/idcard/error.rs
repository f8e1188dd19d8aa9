//! [`IdCardError`]: every way reading a card can fail, each with a [`crate::ErrorKind`] for the
//! app and an [`IdCardProblem`] whose Chinese sentence the clerk reads ([`IdCardError::message`],
//! from [`crate::messages::id_card`]); the `Display` text is the detail for IT.

use super::codec::{FrameError, PayloadError, SamStatus};
use super::identity::IdentityError;
use super::DEVICE_NAME;
use crate::error::{DeviceError, ErrorKind};
use crate::messages;

/// What the clerk is told; one Chinese sentence per problem, in [`crate::messages::id_card`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdCardProblem {
    NoCard,
    CardPulled,
    /// Selecting, reading or authenticating the card failed.
    ReadFailed,
    UnrecognisedCard,
    /// The card's text block did not parse.
    BadCardData,
    OpenFailed,
    LinkBroken,
    NotFound,
    NoAnswer,
    /// Broken frames or transfer errors between the reader and the host.
    Garbled,
    /// The SAM failed its self-test or is not authorised.
    SecurityModule,
    ReaderFault,
}

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

    /// What the clerk is told, as a key into [`crate::messages::id_card`].
    pub fn problem(&self) -> IdCardProblem {
        use SamStatus as S;
        match self {
            IdCardError::NoCard | IdCardError::Status(S::NoCard) => IdCardProblem::NoCard,
            IdCardError::CardPulled => IdCardProblem::CardPulled,
            IdCardError::Status(
                S::SelectFailed
                | S::ReadFailed
                | S::CardAuthenticateSamFailed
                | S::SamAuthenticateCardFailed
                | S::VerifyFailed,
            ) => IdCardProblem::ReadFailed,
            IdCardError::Status(S::UnrecognisedCardType) => IdCardProblem::UnrecognisedCard,
            IdCardError::Identity(_) => IdCardProblem::BadCardData,
            IdCardError::Open { .. } => IdCardProblem::OpenFailed,
            IdCardError::Io(_) => IdCardProblem::LinkBroken,
            IdCardError::NotFound { .. } => IdCardProblem::NotFound,
            IdCardError::Timeout { .. } | IdCardError::Status(S::ReceiveTimeout) => {
                IdCardProblem::NoAnswer
            }
            IdCardError::Frame(_)
            | IdCardError::Payload(_)
            | IdCardError::Status(
                S::TransferError | S::ChecksumError | S::LengthError | S::InfoLengthError,
            ) => IdCardProblem::Garbled,
            IdCardError::Status(S::SelfTestFailed | S::SamNotAuthorised) => {
                IdCardProblem::SecurityModule
            }
            IdCardError::Status(_) => IdCardProblem::ReaderFault,
        }
    }

    /// One Chinese sentence telling the clerk what to do.
    pub fn message(&self) -> &'static str {
        messages::id_card(self.problem())
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
            assert!(!e.message().is_empty());
            let d = e.to_device_error();
            assert!(d.message().starts_with(DEVICE_NAME));
        }
        assert!(IdCardError::Status(SamStatus::ReadFailed)
            .to_string()
            .contains("0x41"));
    }
}
