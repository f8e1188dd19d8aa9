//! Pure framing for a scanner on a serial line (USB-CDC / RS-232): bytes in, one typed
//! [`ScanEvent`] per scan out. No clock and no I/O here: the driver tells the framer when the
//! line has gone quiet ([`ScanFramer::idle`]).
//!
//! A scanner in serial mode sends `[AIM id] payload suffix` per scan (HARDWARE.md §4):
//! - the suffix is configured on the scanner by programming barcodes — CR on most models, often
//!   LF, CR LF or Tab, sometimes nothing at all (then a pause on the line ends the scan);
//! - the payload is the raw bytes of the symbol: UTF-8 on current 电子证照 / 办件码 QR codes,
//!   GB18030 (GBK) on older ones;
//! - the optional AIM symbology identifier (ISO/IEC 15424) is `]` + code character +
//!   modifier character, e.g. `]Q1` (QR) or `]E0` (EAN-13).
//!
//! [`ScanFramer`] is total: any byte sequence, split anywhere, yields the same events and never
//! panics, and it holds at most [`FramerConfig::max_len`] bytes of an unfinished scan.

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::ErrorKind;
use serde::{Deserialize, Serialize};

/// What ends a scan on the line.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Suffix {
    /// `0D` (the factory default of most scanners).
    #[default]
    Cr,
    /// `0A`.
    Lf,
    /// `0D 0A`; with [`FramerConfig::strict_suffix`] a lone `0D` inside the payload stays data.
    CrLf,
    /// `09`.
    Tab,
    /// No suffix: a quiet line for [`FramerConfig::idle_gap`] ends the scan.
    None,
}

impl Suffix {
    /// The bytes the scanner appends.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Suffix::Cr => b"\r",
            Suffix::Lf => b"\n",
            Suffix::CrLf => b"\r\n",
            Suffix::Tab => b"\t",
            Suffix::None => b"",
        }
    }

    /// Parses a config / command-line name: `cr`, `lf`, `crlf`, `tab`, `none`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "cr" => Suffix::Cr,
            "lf" => Suffix::Lf,
            "crlf" | "cr_lf" => Suffix::CrLf,
            "tab" => Suffix::Tab,
            "none" => Suffix::None,
            _ => return None,
        })
    }

    pub const NAMES: [&'static str; 5] = ["cr", "lf", "crlf", "tab", "none"];
}

/// How the payload bytes are decoded to text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    #[default]
    Utf8,
    /// GB 18030 (a superset of GBK and GB 2312).
    Gb18030,
    /// UTF-8 when the bytes are valid UTF-8, GB18030 otherwise (for halls whose codes mix both;
    /// a GB18030 payload that happens to be valid UTF-8 is misread, so prefer a fixed choice).
    Auto,
}

impl TextEncoding {
    /// Parses a config / command-line name: `utf8`, `gb18030` (or `gbk`), `auto`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().replace('-', "").as_str() {
            "utf8" => TextEncoding::Utf8,
            "gb18030" | "gbk" | "gb2312" => TextEncoding::Gb18030,
            "auto" => TextEncoding::Auto,
            _ => return None,
        })
    }

    pub const NAMES: [&'static str; 3] = ["utf8", "gb18030", "auto"];

    /// Strict decoding: malformed bytes are an error, never U+FFFD.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        let gb = || {
            encoding_rs::GB18030
                .decode_without_bom_handling_and_without_replacement(bytes)
                .map(|s| s.into_owned())
        };
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
            TextEncoding::Gb18030 => gb(),
            TextEncoding::Auto => std::str::from_utf8(bytes)
                .ok()
                .map(str::to_owned)
                .or_else(gb),
        }
    }

    /// The bytes a scanner set to this encoding sends for `text` (`Auto` sends UTF-8).
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            TextEncoding::Utf8 | TextEncoding::Auto => text.as_bytes().to_vec(),
            TextEncoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        }
    }
}

/// The symbology an AIM identifier's code character names (ISO/IEC 15424).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SymbologyKind {
    /// `]A`
    Code39,
    /// `]C`
    Code128,
    /// `]E` (EAN-13, EAN-8, UPC-A, UPC-E)
    EanUpc,
    /// `]F`
    Codabar,
    /// `]G`
    Code93,
    /// `]H`
    Code11,
    /// `]I`
    Interleaved2Of5,
    /// `]L` (PDF417 and MicroPDF417)
    Pdf417,
    /// `]M`
    Msi,
    /// `]Q` (QR and Micro QR)
    Qr,
    /// `]U`
    MaxiCode,
    /// `]d`
    DataMatrix,
    /// `]e` (GS1 DataBar / RSS)
    Gs1DataBar,
    /// `]h` (汉信码, GB/T 21049 / ISO/IEC 20830; code character to be verified on hardware)
    HanXin,
    /// `]z`
    Aztec,
    /// Any other code character (including `]X`, "other / unknown").
    Other,
}

impl SymbologyKind {
    pub fn from_code(code: u8) -> Self {
        match code {
            b'A' => SymbologyKind::Code39,
            b'C' => SymbologyKind::Code128,
            b'E' => SymbologyKind::EanUpc,
            b'F' => SymbologyKind::Codabar,
            b'G' => SymbologyKind::Code93,
            b'H' => SymbologyKind::Code11,
            b'I' => SymbologyKind::Interleaved2Of5,
            b'L' => SymbologyKind::Pdf417,
            b'M' => SymbologyKind::Msi,
            b'Q' => SymbologyKind::Qr,
            b'U' => SymbologyKind::MaxiCode,
            b'd' => SymbologyKind::DataMatrix,
            b'e' => SymbologyKind::Gs1DataBar,
            b'h' => SymbologyKind::HanXin,
            b'z' => SymbologyKind::Aztec,
            _ => SymbologyKind::Other,
        }
    }

    /// The name IT sees in `diagnose`.
    pub fn name(self) -> &'static str {
        super::labels::symbology(self)
    }
}

/// A symbology as its AIM identifier announced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, specta::Type)]
pub struct Symbology {
    pub kind: SymbologyKind,
    /// The identifier as sent, e.g. `]Q1`; the modifier (last character) carries options such
    /// as GS1 / ECI and is kept as is.
    pub aim: String,
}

impl Symbology {
    /// Reads a leading AIM identifier: `]`, an ASCII letter, an ASCII letter or digit.
    pub fn parse_prefix(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [b']', code, modifier, ..]
                if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
            {
                Some(Symbology {
                    kind: SymbologyKind::from_code(*code),
                    aim: format!("]{}{}", char::from(*code), char::from(*modifier)),
                })
            }
            _ => None,
        }
    }
}

/// One scan, as the app and the UI receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ScanEvent {
    /// The decoded payload, AIM identifier and suffix removed. May contain control characters
    /// the symbol carries (GS for GS1, line breaks in a multi-line QR).
    pub text: String,
    /// From the AIM identifier when [`FramerConfig::aim_prefix`] is on and one was present.
    pub symbology: Option<Symbology>,
    /// Bytes on the line for this scan, AIM identifier included, suffix excluded.
    pub raw_len: u32,
}

/// Why a scan was dropped. The framer carries on with the next scan after each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// More than `limit` bytes without a suffix; they were discarded up to the next suffix (or
    /// quiet line).
    #[error("scan longer than {limit} bytes without a suffix; discarded")]
    TooLong { limit: usize },
    /// The payload is not valid text in the configured encoding.
    #[error("{len}-byte scan is not valid {encoding:?} (starts {preview})")]
    Decode {
        encoding: TextEncoding,
        len: usize,
        /// Hex of the first bytes, for IT.
        preview: String,
    },
    /// The line went quiet with `len` bytes but no suffix: the scanner's suffix setting does
    /// not match the configuration (or the scan was cut off).
    #[error("{len} bytes then silence, no {suffix:?} suffix; discarded")]
    MissingSuffix { suffix: Suffix, len: usize },
    /// A HID-POS input report that does not follow the scanned-data layout (data length over
    /// 56, or shorter than it says); that scan was dropped.
    #[error("malformed {len}-byte HID-POS report (starts {preview}); scan dropped")]
    BadReport { len: usize, preview: String },
}

impl FrameError {
    /// A missing suffix means the scanner's setting does not match the configuration; the
    /// rest are bad scans.
    pub fn kind(&self) -> ErrorKind {
        match self {
            FrameError::MissingSuffix { .. } => ErrorKind::Misconfigured,
            FrameError::TooLong { .. }
            | FrameError::Decode { .. }
            | FrameError::BadReport { .. } => ErrorKind::Protocol,
        }
    }
}

/// How the framer splits and decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramerConfig {
    /// What the desk is set to. CR, LF and CR LF are one family: unless
    /// [`strict_suffix`](Self::strict_suffix) is on, any of them set here accepts all three
    /// (a CR LF scanner on a desk set to CR gives clean scans, not a stray LF at the start of
    /// the next one).
    pub suffix: Suffix,
    /// Only the exact bytes of [`suffix`](Self::suffix) end a scan; the other line ends are
    /// data (e.g. line breaks inside a multi-line QR payload with a CR LF scanner).
    pub strict_suffix: bool,
    pub encoding: TextEncoding,
    /// Strip a leading AIM identifier into [`ScanEvent::symbology`]. Off by default: a payload
    /// may itself start with `]`, so only turn it on when the scanner is set to send the id.
    pub aim_prefix: bool,
    /// Longest payload kept (AIM identifier included). QR tops out at 2953 bytes.
    pub max_len: usize,
    /// With [`Suffix::None`]: quiet time that ends a scan.
    pub idle_gap: Duration,
    /// With a suffix: quiet time after which an unfinished scan is dropped
    /// ([`FrameError::MissingSuffix`]).
    pub stale_after: Duration,
}

impl Default for FramerConfig {
    fn default() -> Self {
        Self {
            suffix: Suffix::Cr,
            strict_suffix: false,
            encoding: TextEncoding::Utf8,
            aim_prefix: false,
            max_len: Self::DEFAULT_MAX_LEN,
            idle_gap: Duration::from_millis(50),
            stale_after: Duration::from_millis(1000),
        }
    }
}

impl FramerConfig {
    pub const DEFAULT_MAX_LEN: usize = 4096;
    /// Upper bound accepted by [`FramerConfig::validate`].
    pub const MAX_MAX_LEN: usize = 1 << 20;

    /// Checks the values the framer cannot work with; the message is for IT.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_len == 0 || self.max_len > Self::MAX_MAX_LEN {
            return Err(format!(
                "max_len {} outside 1..={}",
                self.max_len,
                Self::MAX_MAX_LEN
            ));
        }
        if self.suffix == Suffix::None && self.idle_gap.is_zero() {
            return Err("suffix none needs a non-zero idle_gap".into());
        }
        if self.suffix != Suffix::None && self.stale_after.is_zero() {
            return Err("stale_after must be non-zero".into());
        }
        Ok(())
    }

    /// The quiet time after which [`ScanFramer::idle`] should be called.
    pub fn idle_timeout(&self) -> Duration {
        match self.suffix {
            Suffix::None => self.idle_gap,
            _ => self.stale_after,
        }
    }
}

/// The streaming framer. Feed bytes with [`push`](Self::push), take results with
/// [`next_scan`](Self::next_scan), and call [`idle`](Self::idle) when the line has been quiet
/// for [`FramerConfig::idle_timeout`] while [`is_mid_scan`](Self::is_mid_scan).
#[derive(Debug, Clone)]
pub struct ScanFramer {
    config: FramerConfig,
    /// Payload of the scan in progress; never longer than `max_len`.
    buf: Vec<u8>,
    /// CR LF mode: a CR was seen and not yet known to be data or the suffix's first half.
    pending_cr: bool,
    /// Dropping the rest of an over-long scan until its end.
    discarding: bool,
    out: VecDeque<Result<ScanEvent, FrameError>>,
}

impl ScanFramer {
    /// A framer for `config`; a `max_len` of 0 is treated as 1 (use
    /// [`FramerConfig::validate`] to reject it).
    pub fn new(mut config: FramerConfig) -> Self {
        config.max_len = config.max_len.clamp(1, FramerConfig::MAX_MAX_LEN);
        Self {
            config,
            buf: Vec::new(),
            pending_cr: false,
            discarding: false,
            out: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &FramerConfig {
        &self.config
    }

    /// Feeds bytes as they came off the line.
    pub fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push_byte(b);
        }
    }

    /// CR, LF or CR LF set without [`FramerConfig::strict_suffix`]: a CR and an LF each end
    /// the scan, and the LF of a CR LF then ends an empty one, which is no scan.
    fn any_line_end(&self) -> bool {
        !self.config.strict_suffix
            && matches!(self.config.suffix, Suffix::Cr | Suffix::Lf | Suffix::CrLf)
    }

    fn push_byte(&mut self, b: u8) {
        if self.any_line_end() {
            if b == b'\r' || b == b'\n' {
                self.end_of_scan();
            } else {
                self.keep(b);
            }
            return;
        }
        match self.config.suffix {
            Suffix::Cr | Suffix::Lf | Suffix::Tab => {
                if Some(&b) == self.config.suffix.bytes().first() {
                    self.end_of_scan();
                } else {
                    self.keep(b);
                }
            }
            Suffix::CrLf => match (self.pending_cr, b) {
                (true, b'\n') => {
                    self.pending_cr = false;
                    self.end_of_scan();
                }
                (true, b'\r') => self.keep(b'\r'),
                (true, other) => {
                    self.pending_cr = false;
                    self.keep(b'\r');
                    self.keep(other);
                }
                (false, b'\r') => self.pending_cr = true,
                (false, other) => self.keep(other),
            },
            Suffix::None => self.keep(b),
        }
    }

    fn keep(&mut self, b: u8) {
        if self.discarding {
            return;
        }
        if self.buf.len() >= self.config.max_len {
            self.out.push_back(Err(FrameError::TooLong {
                limit: self.config.max_len,
            }));
            self.buf = Vec::new();
            self.discarding = true;
        } else {
            self.buf.push(b);
        }
    }

    fn end_of_scan(&mut self) {
        if std::mem::take(&mut self.discarding) {
            self.buf.clear();
            return;
        }
        let payload = std::mem::take(&mut self.buf);
        // A suffix with nothing before it (e.g. the LF of a CR LF in CR mode) is not a scan.
        if !payload.is_empty() {
            let event = decode_scan(&payload, &self.config);
            self.out.push_back(event);
        }
    }

    /// The line has been quiet for [`FramerConfig::idle_timeout`]: with [`Suffix::None`] this
    /// ends the scan; with a suffix, an unfinished scan is dropped as
    /// [`FrameError::MissingSuffix`].
    pub fn idle(&mut self) {
        if self.pending_cr {
            self.pending_cr = false;
            self.keep(b'\r');
        }
        if self.config.suffix == Suffix::None {
            self.end_of_scan();
            return;
        }
        if std::mem::take(&mut self.discarding) {
            self.buf.clear();
            return;
        }
        let len = self.buf.len();
        self.buf.clear();
        if len > 0 {
            self.out.push_back(Err(FrameError::MissingSuffix {
                suffix: self.config.suffix,
                len,
            }));
        }
    }

    /// The next finished scan or dropped scan, oldest first.
    pub fn next_scan(&mut self) -> Option<Result<ScanEvent, FrameError>> {
        self.out.pop_front()
    }

    /// Whether part of a scan is buffered (so [`idle`](Self::idle) would do something).
    pub fn is_mid_scan(&self) -> bool {
        !self.buf.is_empty() || self.pending_cr || self.discarding
    }

    /// Bytes of the unfinished scan held (at most `max_len`).
    pub fn pending(&self) -> usize {
        self.buf.len() + usize::from(self.pending_cr)
    }

    /// Results not yet taken with [`next_scan`](Self::next_scan).
    pub fn ready(&self) -> usize {
        self.out.len()
    }

    /// Forgets everything buffered (after reopening the port).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.pending_cr = false;
        self.discarding = false;
        self.out.clear();
    }
}

/// Decodes one scan's payload (suffix already removed).
pub fn decode_scan(payload: &[u8], config: &FramerConfig) -> Result<ScanEvent, FrameError> {
    let symbology = if config.aim_prefix {
        Symbology::parse_prefix(payload)
    } else {
        None
    };
    let data = if symbology.is_some() {
        payload.get(3..).unwrap_or(&[])
    } else {
        payload
    };
    let text = config
        .encoding
        .decode(data)
        .ok_or_else(|| FrameError::Decode {
            encoding: config.encoding,
            len: data.len(),
            preview: hex_preview(data, 16),
        })?;
    Ok(ScanEvent {
        text,
        symbology,
        raw_len: u32::try_from(payload.len()).unwrap_or(u32::MAX),
    })
}

/// `"e5 8a 9e …"`: the first `max` bytes in hex.
pub fn hex_preview(bytes: &[u8], max: usize) -> String {
    let mut s: String = bytes
        .iter()
        .take(max)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    if bytes.len() > max {
        s.push_str(" …");
    }
    s
}

/// The whole framer contract over arbitrary input, for a cargo-fuzz target
/// (`fuzz_target!(|data: &[u8]| yichuang_drivers::scanner::codec::fuzz_framing(data))`):
/// the first byte picks the configuration, the second the chunk size; the rest is the stream.
/// Panics (so the fuzzer reports it) if splitting changes the result or the buffer exceeds
/// its bound.
pub fn fuzz_framing(data: &[u8]) {
    let (head, stream) = data.split_at(data.len().min(2));
    let sel = head.first().copied().unwrap_or(0);
    let chunk = usize::from(head.get(1).copied().unwrap_or(1)).max(1);
    let config = FramerConfig {
        suffix: [
            Suffix::Cr,
            Suffix::Lf,
            Suffix::CrLf,
            Suffix::Tab,
            Suffix::None,
        ][usize::from(sel % 5)],
        encoding: [
            TextEncoding::Utf8,
            TextEncoding::Gb18030,
            TextEncoding::Auto,
        ][usize::from((sel / 5) % 3)],
        aim_prefix: sel & 0x40 != 0,
        strict_suffix: sel & 0x80 != 0,
        max_len: 1 + usize::from(sel >> 3),
        ..FramerConfig::default()
    };
    let run = |size: usize| {
        let mut f = ScanFramer::new(config.clone());
        let mut results = Vec::new();
        for piece in stream.chunks(size) {
            f.push(piece);
            assert!(f.pending() <= f.config().max_len + 1, "buffer bound");
            while let Some(r) = f.next_scan() {
                results.push(r);
            }
        }
        f.idle();
        while let Some(r) = f.next_scan() {
            results.push(r);
        }
        results
    };
    assert_eq!(
        run(chunk),
        run(stream.len().max(1)),
        "split changed the result"
    );
}

#[cfg(test)]
mod tests;
