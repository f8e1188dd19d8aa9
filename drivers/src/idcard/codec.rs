//! GA/T 467 SAM frames as pure functions: bytes ⇄ typed [`Request`] / [`Response`], and a
//! streaming [`FrameDecoder`] for bytes that arrive in arbitrary chunks over serial or USB.
//!
//! Wire format (HARDWARE.md §1.2):
//! - request:  `AA AA AA 96 69` · LEN (u16 BE) · CMD · PARA · DATA… · CHK
//! - response: `AA AA AA 96 69` · LEN (u16 BE) · SW1 · SW2 · SW3 · DATA… · CHK
//!
//! LEN counts every byte after itself, CHK included. CHK is the XOR of LEN-hi through the last
//! data byte. Both directions share that envelope, so the decoder yields a direction-neutral
//! [`Frame`] (the bytes between LEN and CHK) and [`Request::from_frame`] /
//! [`Response::from_frame`] give it meaning. Nothing here panics on any input.

use crate::error::ErrorKind;
use serde::Serialize;

/// The five bytes every frame starts with.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

/// The smallest legal LEN: CMD + PARA + CHK of a request (a response needs 4).
pub const MIN_LEN: u16 = 3;

/// The largest LEN the decoder accepts. The biggest known reply (text + photo + fingerprint,
/// `30 10`) has LEN 2314; anything far above is a corrupted length word.
pub const MAX_LEN: u16 = 4096;

/// Bytes of preamble + LEN in front of the body.
const HEADER: usize = PREAMBLE.len() + 2;

/// Why bytes could not become a frame. Returned by the one-shot decoders and reported (then
/// skipped) by the streaming decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame does not start with the SAM preamble AA AA AA 96 69")]
    NoPreamble,
    #[error("frame is truncated: {have} of {need} bytes")]
    Truncated { have: usize, need: usize },
    #[error("frame length {len} is outside {min}..={max}")]
    BadLength { len: u16, min: u16, max: u16 },
    #[error("frame checksum mismatch: computed {computed:#04x}, received {received:#04x}")]
    BadChecksum { computed: u8, received: u8 },
    #[error("{extra} unexpected bytes after the frame")]
    TrailingBytes { extra: usize },
}

impl FrameError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

/// A frame with a valid envelope: the bytes between LEN and CHK (CMD PARA DATA for a request,
/// SW1 SW2 SW3 DATA for a response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
}

/// XOR checksum over the LEN word and the body.
pub fn checksum(len: u16, body: &[u8]) -> u8 {
    let [hi, lo] = len.to_be_bytes();
    body.iter().fold(hi ^ lo, |acc, b| acc ^ b)
}

/// Wraps a body into a complete frame. Bodies longer than [`MAX_LEN`] - 1 are a programming
/// error on our side, never device input; they are truncated to stay encodable.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let body = body.get(..usize::from(MAX_LEN - 1)).unwrap_or(body);
    // Cannot overflow: body.len() < MAX_LEN.
    let len = u16::try_from(body.len() + 1).unwrap_or(MAX_LEN);
    let mut out = Vec::with_capacity(HEADER + body.len() + 1);
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    out.push(checksum(len, body));
    out
}

/// Decodes exactly one frame occupying all of `bytes`.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, FrameError> {
    let (frame, used) = decode_frame_prefix(bytes)?;
    if used < bytes.len() {
        return Err(FrameError::TrailingBytes {
            extra: bytes.len() - used,
        });
    }
    Ok(frame)
}

/// Decodes one frame at the start of `bytes`; returns it and the number of bytes it used.
fn decode_frame_prefix(bytes: &[u8]) -> Result<(Frame, usize), FrameError> {
    match bytes.get(..PREAMBLE.len()) {
        Some(p) if p == PREAMBLE => {}
        Some(_) => return Err(FrameError::NoPreamble),
        None if PREAMBLE.starts_with(bytes) => {
            return Err(FrameError::Truncated {
                have: bytes.len(),
                need: HEADER,
            })
        }
        None => return Err(FrameError::NoPreamble),
    }
    let len = match (bytes.get(5), bytes.get(6)) {
        (Some(&hi), Some(&lo)) => u16::from_be_bytes([hi, lo]),
        _ => {
            return Err(FrameError::Truncated {
                have: bytes.len(),
                need: HEADER,
            })
        }
    };
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(FrameError::BadLength {
            len,
            min: MIN_LEN,
            max: MAX_LEN,
        });
    }
    let total = HEADER + usize::from(len);
    let (body, chk) = match (bytes.get(HEADER..total - 1), bytes.get(total - 1)) {
        (Some(body), Some(&chk)) => (body, chk),
        _ => {
            return Err(FrameError::Truncated {
                have: bytes.len(),
                need: total,
            })
        }
    };
    let computed = checksum(len, body);
    if computed != chk {
        return Err(FrameError::BadChecksum {
            computed,
            received: chk,
        });
    }
    Ok((
        Frame {
            body: body.to_vec(),
        },
        total,
    ))
}

/// Streaming decoder: push chunks as they arrive, pull frames (or the errors met on the way).
///
/// Bytes before a preamble are noise and are dropped silently (counted in
/// [`skipped`](Self::skipped)). A bad length or bad checksum is reported once and the decoder
/// resynchronises by searching for the next preamble one byte after the rejected one, so a
/// real frame hidden behind a corrupted one is still found. The buffer never grows beyond one
/// maximal frame plus the last chunk.
#[derive(Debug, Default, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    skipped: u64,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete frame or framing error, or `None` when more bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, FrameError>> {
        loop {
            let start = match find_preamble(&self.buf) {
                Some(i) => i,
                None => {
                    // Keep a tail that could be the start of a preamble split across chunks.
                    let keep = partial_preamble_suffix(&self.buf);
                    let drop = self.buf.len() - keep;
                    self.skip(drop);
                    return None;
                }
            };
            self.skip(start);
            match decode_frame_prefix(&self.buf) {
                Ok((frame, used)) => {
                    self.buf.drain(..used);
                    return Some(Ok(frame));
                }
                Err(FrameError::Truncated { .. }) => return None,
                Err(e @ (FrameError::BadLength { .. } | FrameError::BadChecksum { .. })) => {
                    // Resync: the next search starts one byte after this preamble.
                    self.skip(1);
                    return Some(Err(e));
                }
                // Cannot happen with a preamble at 0 and no trailing check; skip defensively.
                Err(FrameError::NoPreamble | FrameError::TrailingBytes { .. }) => {
                    self.skip(1);
                    continue;
                }
            }
        }
    }

    /// Bytes received but not yet part of a frame (a frame in progress, or a preamble prefix).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Whether a frame has started (a full preamble is buffered) but not yet completed.
    pub fn in_frame(&self) -> bool {
        find_preamble(&self.buf).is_some()
    }

    /// Noise bytes dropped so far (bytes before a preamble, and rejected frame starts).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Forgets everything buffered (before sending a new command).
    pub fn clear(&mut self) {
        self.skip(self.buf.len());
    }

    fn skip(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        self.skipped = self.skipped.saturating_add(n as u64);
    }
}

fn find_preamble(buf: &[u8]) -> Option<usize> {
    buf.windows(PREAMBLE.len()).position(|w| w == PREAMBLE)
}

/// Length of the longest suffix of `buf` that is a proper prefix of the preamble.
fn partial_preamble_suffix(buf: &[u8]) -> usize {
    (1..PREAMBLE.len())
        .rev()
        .find(|&k| {
            k <= buf.len()
                && buf
                    .get(buf.len() - k..)
                    .is_some_and(|tail| PREAMBLE.starts_with(tail))
        })
        .unwrap_or(0)
}

/// Command codes (CMD, PARA) of HARDWARE.md §1.3.
pub mod cmd {
    pub const RESET_SAM: (u8, u8) = (0x10, 0xFF);
    pub const SAM_STATUS: (u8, u8) = (0x11, 0xFF);
    pub const READ_SAM_ID: (u8, u8) = (0x12, 0xFF);
    pub const FIND_CARD: (u8, u8) = (0x20, 0x01);
    pub const SELECT_CARD: (u8, u8) = (0x20, 0x02);
    pub const READ_TEXT_PHOTO: (u8, u8) = (0x30, 0x01);
    pub const READ_TEXT_PHOTO_FINGERPRINT: (u8, u8) = (0x30, 0x10);
    pub const SET_MAX_RF_BYTES: (u8, u8) = (0x61, 0xFF);
}

/// A host → SAM command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub cmd: u8,
    pub para: u8,
    pub data: Vec<u8>,
}

impl Request {
    pub fn new((cmd, para): (u8, u8)) -> Self {
        Self {
            cmd,
            para,
            data: Vec::new(),
        }
    }
    pub fn reset_sam() -> Self {
        Self::new(cmd::RESET_SAM)
    }
    pub fn sam_status() -> Self {
        Self::new(cmd::SAM_STATUS)
    }
    pub fn read_sam_id() -> Self {
        Self::new(cmd::READ_SAM_ID)
    }
    pub fn find_card() -> Self {
        Self::new(cmd::FIND_CARD)
    }
    pub fn select_card() -> Self {
        Self::new(cmd::SELECT_CARD)
    }
    pub fn read_text_photo() -> Self {
        Self::new(cmd::READ_TEXT_PHOTO)
    }
    pub fn read_text_photo_fingerprint() -> Self {
        Self::new(cmd::READ_TEXT_PHOTO_FINGERPRINT)
    }
    pub fn set_max_rf_bytes(n: u8) -> Self {
        Self {
            data: vec![n],
            ..Self::new(cmd::SET_MAX_RF_BYTES)
        }
    }

    /// (CMD, PARA), to match against [`cmd`] constants.
    pub fn code(&self) -> (u8, u8) {
        (self.cmd, self.para)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(2 + self.data.len());
        body.push(self.cmd);
        body.push(self.para);
        body.extend_from_slice(&self.data);
        encode_frame(&body)
    }

    pub fn from_frame(frame: &Frame) -> Result<Self, FrameError> {
        match frame.body.as_slice() {
            [cmd, para, data @ ..] => Ok(Self {
                cmd: *cmd,
                para: *para,
                data: data.to_vec(),
            }),
            _ => Err(short_body(frame, 2)),
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        Self::from_frame(&decode_frame(bytes)?)
    }
}

/// A SAM → host reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub sw1: u8,
    pub sw2: u8,
    pub sw3: u8,
    pub data: Vec<u8>,
}

impl Response {
    pub fn new(sw3: u8, data: Vec<u8>) -> Self {
        Self {
            sw1: 0,
            sw2: 0,
            sw3,
            data,
        }
    }

    /// The result code (SW3) as a typed status.
    pub fn status(&self) -> SamStatus {
        SamStatus::from_code(self.sw3)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(3 + self.data.len());
        body.extend_from_slice(&[self.sw1, self.sw2, self.sw3]);
        body.extend_from_slice(&self.data);
        encode_frame(&body)
    }

    pub fn from_frame(frame: &Frame) -> Result<Self, FrameError> {
        match frame.body.as_slice() {
            [sw1, sw2, sw3, data @ ..] => Ok(Self {
                sw1: *sw1,
                sw2: *sw2,
                sw3: *sw3,
                data: data.to_vec(),
            }),
            _ => Err(short_body(frame, 3)),
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, FrameError> {
        Self::from_frame(&decode_frame(bytes)?)
    }
}

fn short_body(frame: &Frame, min_body: u16) -> FrameError {
    FrameError::BadLength {
        len: u16::try_from(frame.body.len() + 1).unwrap_or(u16::MAX),
        min: min_body + 1,
        max: MAX_LEN,
    }
}

/// The payload of a `30 01` / `30 10` read reply: length words, then text, photo and
/// (optionally) fingerprint blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPayload {
    pub text: Vec<u8>,
    pub photo: Vec<u8>,
    pub fingerprint: Option<Vec<u8>>,
}

/// Why a read reply's payload is inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "read reply payload of {actual} bytes does not match its length words (expected {expected})"
)]
pub struct PayloadError {
    pub expected: usize,
    pub actual: usize,
}

impl PayloadError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

impl ReadPayload {
    /// Splits a read reply's data. `with_fingerprint` selects the `30 10` layout (three length
    /// words) over `30 01` (two).
    pub fn parse(data: &[u8], with_fingerprint: bool) -> Result<Self, PayloadError> {
        let words = if with_fingerprint { 3 } else { 2 };
        let word = |i: usize| -> Option<usize> {
            let b = data.get(2 * i..2 * i + 2)?;
            Some(usize::from(u16::from_be_bytes([*b.first()?, *b.get(1)?])))
        };
        let bad = |expected| PayloadError {
            expected,
            actual: data.len(),
        };
        let text_len = word(0).ok_or(bad(2 * words))?;
        let photo_len = word(1).ok_or(bad(2 * words))?;
        let fp_len = if with_fingerprint {
            word(2).ok_or(bad(2 * words))?
        } else {
            0
        };
        let expected = 2 * words + text_len + photo_len + fp_len;
        if data.len() != expected {
            return Err(bad(expected));
        }
        let t0 = 2 * words;
        let p0 = t0 + text_len;
        let f0 = p0 + photo_len;
        let slice = |a: usize, b: usize| data.get(a..b).map(<[u8]>::to_vec).ok_or(bad(expected));
        Ok(Self {
            text: slice(t0, p0)?,
            photo: slice(p0, f0)?,
            fingerprint: if with_fingerprint {
                Some(slice(f0, expected)?)
            } else {
                None
            },
        })
    }

    /// The data of a read reply carrying these blocks (used by the simulator).
    pub fn encode(&self) -> Vec<u8> {
        let w = |n: usize| u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes();
        let mut out = Vec::new();
        out.extend_from_slice(&w(self.text.len()));
        out.extend_from_slice(&w(self.photo.len()));
        if let Some(fp) = &self.fingerprint {
            out.extend_from_slice(&w(fp.len()));
        }
        out.extend_from_slice(&self.text);
        out.extend_from_slice(&self.photo);
        if let Some(fp) = &self.fingerprint {
            out.extend_from_slice(fp);
        }
        out
    }
}

/// SW3 result codes (HARDWARE.md §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SamStatus {
    /// 0x90
    Success,
    /// 0x91: the requested file (e.g. fingerprint) is absent on the card.
    FieldAbsent,
    /// 0x9F: find-card succeeded.
    CardFound,
    /// 0x80: find-card found nothing.
    NoCard,
    /// 0x81: select-card failed.
    SelectFailed,
    /// 0x01
    PortOpenFailed,
    /// 0x02
    ReceiveTimeout,
    /// 0x03
    TransferError,
    /// 0x05
    SamSerialUnavailable,
    /// 0x09
    FileOpenFailed,
    /// 0x10: the SAM saw a bad checksum in our frame.
    ChecksumError,
    /// 0x11: the SAM saw a bad length in our frame.
    LengthError,
    /// 0x21
    BadCommand,
    /// 0x23
    NotAuthorised,
    /// 0x24
    UnknownError,
    /// 0x31
    CardAuthenticateSamFailed,
    /// 0x32
    SamAuthenticateCardFailed,
    /// 0x33
    VerifyFailed,
    /// 0x37
    FingerprintVerifyFailed,
    /// 0x3F
    InfoLengthError,
    /// 0x40
    UnrecognisedCardType,
    /// 0x41
    ReadFailed,
    /// 0x47
    GetRandomFailed,
    /// 0x60
    SelfTestFailed,
    /// 0x66
    SamNotAuthorised,
    /// Any other code.
    Other(u8),
}

impl SamStatus {
    pub fn from_code(code: u8) -> Self {
        use SamStatus::*;
        match code {
            0x90 => Success,
            0x91 => FieldAbsent,
            0x9F => CardFound,
            0x80 => NoCard,
            0x81 => SelectFailed,
            0x01 => PortOpenFailed,
            0x02 => ReceiveTimeout,
            0x03 => TransferError,
            0x05 => SamSerialUnavailable,
            0x09 => FileOpenFailed,
            0x10 => ChecksumError,
            0x11 => LengthError,
            0x21 => BadCommand,
            0x23 => NotAuthorised,
            0x24 => UnknownError,
            0x31 => CardAuthenticateSamFailed,
            0x32 => SamAuthenticateCardFailed,
            0x33 => VerifyFailed,
            0x37 => FingerprintVerifyFailed,
            0x3F => InfoLengthError,
            0x40 => UnrecognisedCardType,
            0x41 => ReadFailed,
            0x47 => GetRandomFailed,
            0x60 => SelfTestFailed,
            0x66 => SamNotAuthorised,
            other => Other(other),
        }
    }

    pub fn code(self) -> u8 {
        use SamStatus::*;
        match self {
            Success => 0x90,
            FieldAbsent => 0x91,
            CardFound => 0x9F,
            NoCard => 0x80,
            SelectFailed => 0x81,
            PortOpenFailed => 0x01,
            ReceiveTimeout => 0x02,
            TransferError => 0x03,
            SamSerialUnavailable => 0x05,
            FileOpenFailed => 0x09,
            ChecksumError => 0x10,
            LengthError => 0x11,
            BadCommand => 0x21,
            NotAuthorised => 0x23,
            UnknownError => 0x24,
            CardAuthenticateSamFailed => 0x31,
            SamAuthenticateCardFailed => 0x32,
            VerifyFailed => 0x33,
            FingerprintVerifyFailed => 0x37,
            InfoLengthError => 0x3F,
            UnrecognisedCardType => 0x40,
            ReadFailed => 0x41,
            GetRandomFailed => 0x47,
            SelfTestFailed => 0x60,
            SamNotAuthorised => 0x66,
            Other(c) => c,
        }
    }

    /// The vendor wording of the code, in Chinese, for IT (diagnose output, logs).
    pub fn describe(self) -> &'static str {
        super::labels::sam_status(self)
    }

    /// Codes that mean "the command did what was asked".
    pub fn is_ok(self) -> bool {
        matches!(self, SamStatus::Success | SamStatus::CardFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIND: [u8; 10] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22];

    #[test]
    fn c1_requests_match_the_documented_bytes() {
        assert_eq!(Request::find_card().encode(), FIND);
        let tail = |r: Request| r.encode().get(5..).map(<[u8]>::to_vec).unwrap_or_default();
        assert_eq!(tail(Request::reset_sam()), [0x00, 0x03, 0x10, 0xFF, 0xEC]);
        assert_eq!(tail(Request::sam_status()), [0x00, 0x03, 0x11, 0xFF, 0xED]);
        assert_eq!(tail(Request::read_sam_id()), [0x00, 0x03, 0x12, 0xFF, 0xEE]);
        assert_eq!(tail(Request::select_card()), [0x00, 0x03, 0x20, 0x02, 0x21]);
        assert_eq!(
            tail(Request::read_text_photo()),
            [0x00, 0x03, 0x30, 0x01, 0x32]
        );
        assert_eq!(
            tail(Request::read_text_photo_fingerprint()),
            [0x00, 0x03, 0x30, 0x10, 0x23]
        );
        assert_eq!(
            tail(Request::set_max_rf_bytes(0x50)),
            [0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA]
        );
    }

    #[test]
    fn c1_documented_replies_decode() {
        let status = [
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94,
        ];
        let r = Response::decode(&status).unwrap();
        assert_eq!(r.status(), SamStatus::Success);
        assert!(r.data.is_empty());
        let found = [
            0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00,
            0x97,
        ];
        let r = Response::decode(&found).unwrap();
        assert_eq!(r.status(), SamStatus::CardFound);
        assert_eq!(r.data, [0, 0, 0, 0]);
        assert_eq!(r.encode(), found);
    }

    #[test]
    fn c1_read_reply_is_1295_bytes_with_the_documented_prefix() {
        let payload = ReadPayload {
            text: vec![0x20; 256],
            photo: vec![0x11; 1024],
            fingerprint: None,
        };
        let bytes = Response::new(0x90, payload.encode()).encode();
        assert_eq!(bytes.len(), 1295);
        assert_eq!(
            bytes.get(..14).unwrap(),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00]
        );
        let r = Response::decode(&bytes).unwrap();
        assert_eq!(ReadPayload::parse(&r.data, false).unwrap(), payload);
        assert!(ReadPayload::parse(&r.data, true).is_err());
        assert!(ReadPayload::parse(r.data.get(..100).unwrap(), false).is_err());
    }

    #[test]
    fn c1_one_shot_decode_errors_are_typed() {
        assert_eq!(
            decode_frame(&[]),
            Err(FrameError::Truncated { have: 0, need: 7 })
        );
        assert_eq!(decode_frame(&[0x00; 10]), Err(FrameError::NoPreamble));
        let mut bad = FIND;
        bad[9] ^= 0xFF;
        assert!(matches!(
            decode_frame(&bad),
            Err(FrameError::BadChecksum { computed: 0x22, .. })
        ));
        let mut long = FIND;
        long[5] = 0xFF;
        assert!(matches!(
            decode_frame(&long),
            Err(FrameError::BadLength { len: 0xFF03, .. })
        ));
        let mut zero = FIND;
        zero[6] = 0x00;
        assert!(matches!(
            decode_frame(&zero),
            Err(FrameError::BadLength { len: 0, .. })
        ));
        assert!(matches!(
            decode_frame(FIND.get(..8).unwrap()),
            Err(FrameError::Truncated { need: 10, .. })
        ));
        let mut trailing = FIND.to_vec();
        trailing.push(0);
        assert_eq!(
            decode_frame(&trailing),
            Err(FrameError::TrailingBytes { extra: 1 })
        );
        // A request-sized frame is too short to be a response.
        assert!(matches!(
            Response::from_frame(&decode_frame(&encode_frame(&[0x00, 0x90])).unwrap()),
            Err(FrameError::BadLength { .. })
        ));
    }

    #[test]
    fn c1_streaming_byte_by_byte_with_noise_and_resync() {
        let mut d = FrameDecoder::new();
        let mut stream = vec![0x00, 0xAA, 0xAA, 0x13, 0xAA];
        let mut bad = FIND;
        bad[9] = 0x00;
        stream.extend_from_slice(&bad);
        stream.extend_from_slice(&FIND);
        let mut events = Vec::new();
        for b in stream {
            d.push(&[b]);
            while let Some(e) = d.next_frame() {
                events.push(e);
            }
        }
        assert_eq!(events.len(), 2);
        assert!(matches!(
            events.first(),
            Some(Err(FrameError::BadChecksum { .. }))
        ));
        assert_eq!(
            events.get(1).cloned(),
            Some(Ok(Frame {
                body: vec![0x20, 0x01]
            }))
        );
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn c1_a_real_frame_behind_a_corrupted_length_is_found() {
        // A preamble whose LEN claims 40 bytes swallows the real frame that follows; the
        // checksum then fails and the rescan finds the real frame inside the buffer.
        let mut stream = PREAMBLE.to_vec();
        stream.extend_from_slice(&[0x00, 40]);
        stream.extend_from_slice(&FIND);
        stream.extend_from_slice(&[0x55; 40]);
        let mut d = FrameDecoder::new();
        d.push(&stream);
        let events: Vec<_> = std::iter::from_fn(|| d.next_frame()).collect();
        assert!(events.contains(&Ok(Frame {
            body: vec![0x20, 0x01]
        })));
    }

    #[test]
    fn c1_status_codes_round_trip() {
        for code in 0..=255u8 {
            assert_eq!(SamStatus::from_code(code).code(), code);
        }
        assert!(SamStatus::from_code(0x9F).is_ok());
        assert!(!SamStatus::from_code(0x80).is_ok());
    }
}
