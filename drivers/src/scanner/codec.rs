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
    /// `0D 0A`; a lone `0D` inside the payload stays data.
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
        match self {
            SymbologyKind::Code39 => "Code 39",
            SymbologyKind::Code128 => "Code 128",
            SymbologyKind::EanUpc => "EAN/UPC",
            SymbologyKind::Codabar => "Codabar",
            SymbologyKind::Code93 => "Code 93",
            SymbologyKind::Code11 => "Code 11",
            SymbologyKind::Interleaved2Of5 => "交叉25码",
            SymbologyKind::Pdf417 => "PDF417",
            SymbologyKind::Msi => "MSI",
            SymbologyKind::Qr => "QR 码",
            SymbologyKind::MaxiCode => "MaxiCode",
            SymbologyKind::DataMatrix => "Data Matrix",
            SymbologyKind::Gs1DataBar => "GS1 DataBar",
            SymbologyKind::HanXin => "汉信码",
            SymbologyKind::Aztec => "Aztec",
            SymbologyKind::Other => "其他",
        }
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
}

/// How the framer splits and decodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramerConfig {
    pub suffix: Suffix,
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

    fn push_byte(&mut self, b: u8) {
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
mod tests {
    use super::super::simulator::XorShift;
    use super::*;

    fn config(suffix: Suffix, encoding: TextEncoding) -> FramerConfig {
        FramerConfig {
            suffix,
            encoding,
            ..FramerConfig::default()
        }
    }

    fn drain(f: &mut ScanFramer) -> Vec<Result<ScanEvent, FrameError>> {
        std::iter::from_fn(|| f.next_scan()).collect()
    }

    fn texts(results: &[Result<ScanEvent, FrameError>]) -> Vec<String> {
        results
            .iter()
            .map(|r| match r {
                Ok(e) => e.text.clone(),
                Err(e) => format!("ERR {e}"),
            })
            .collect()
    }

    #[test]
    fn scan_event_is_a_ui_type() {
        fn ui_type<T: Serialize + specta::Type + Clone + Eq>() {}
        ui_type::<ScanEvent>();
        ui_type::<Symbology>();
        ui_type::<Suffix>();
        ui_type::<TextEncoding>();
    }

    #[test]
    fn each_suffix_splits_scans() {
        for suffix in [Suffix::Cr, Suffix::Lf, Suffix::CrLf, Suffix::Tab] {
            let mut f = ScanFramer::new(config(suffix, TextEncoding::Utf8));
            let mut stream = Vec::new();
            for s in ["ABC123", "办件编号 2025-0001", "x"] {
                stream.extend_from_slice(s.as_bytes());
                stream.extend_from_slice(suffix.bytes());
            }
            f.push(&stream);
            assert_eq!(
                texts(&drain(&mut f)),
                ["ABC123", "办件编号 2025-0001", "x"],
                "{suffix:?}"
            );
            assert!(!f.is_mid_scan());
        }
    }

    #[test]
    fn no_suffix_ends_a_scan_on_idle() {
        let mut f = ScanFramer::new(config(Suffix::None, TextEncoding::Utf8));
        f.push(b"6901234567892");
        assert!(f.next_scan().is_none());
        assert!(f.is_mid_scan());
        f.idle();
        let r = drain(&mut f);
        assert_eq!(texts(&r), ["6901234567892"]);
        f.idle();
        assert!(
            f.next_scan().is_none(),
            "idle with nothing buffered is silent"
        );
    }

    #[test]
    fn crlf_keeps_lone_cr_and_handles_split_suffix() {
        let mut f = ScanFramer::new(config(Suffix::CrLf, TextEncoding::Utf8));
        f.push(b"a\rb\r\r");
        assert!(f.next_scan().is_none());
        f.push(b"\n");
        assert_eq!(texts(&drain(&mut f)), ["a\rb\r"]);
        // A CR left hanging at idle is data of an unfinished scan.
        f.push(b"zz\r");
        f.idle();
        assert_eq!(
            drain(&mut f),
            [Err(FrameError::MissingSuffix {
                suffix: Suffix::CrLf,
                len: 3
            })]
        );
    }

    #[test]
    fn empty_scans_are_skipped() {
        let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
        f.push(b"\r\r12345\r\r");
        assert_eq!(texts(&drain(&mut f)), ["12345"]);
    }

    #[test]
    fn gb18030_payload_decodes() {
        let text = "不动产权证书 京(2025)东城区不动产权第0001234号";
        let bytes = TextEncoding::Gb18030.encode(text);
        assert_ne!(bytes, text.as_bytes());
        let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Gb18030));
        f.push(&bytes);
        f.push(b"\r");
        let r = drain(&mut f);
        assert_eq!(texts(&r), [text]);
        assert_eq!(r[0].as_ref().map(|e| e.raw_len as usize), Ok(bytes.len()));
        // The same bytes under UTF-8 are a typed decode error, not mojibake.
        let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
        f.push(&bytes);
        f.push(b"\r");
        assert!(matches!(
            drain(&mut f).as_slice(),
            [Err(FrameError::Decode {
                encoding: TextEncoding::Utf8,
                ..
            })]
        ));
    }

    #[test]
    fn auto_encoding_takes_utf8_then_gb18030() {
        let text = "申请人张伟";
        for bytes in [
            TextEncoding::Utf8.encode(text),
            TextEncoding::Gb18030.encode(text),
        ] {
            assert_eq!(TextEncoding::Auto.decode(&bytes).as_deref(), Some(text));
        }
        assert_eq!(TextEncoding::Auto.decode(&[0xFF, 0xFF]), None);
    }

    #[test]
    fn aim_prefix_becomes_a_typed_symbology() {
        let mut cfg = config(Suffix::Cr, TextEncoding::Utf8);
        cfg.aim_prefix = true;
        let mut f = ScanFramer::new(cfg);
        f.push("]Q1办件码:BJ20250001\r]E06901234567892\r]C".as_bytes());
        f.push(b"\r]\r");
        let r = drain(&mut f);
        let ok: Vec<&ScanEvent> = r.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok.len(), 4);
        assert_eq!(ok[0].text, "办件码:BJ20250001");
        assert_eq!(
            ok[0].symbology,
            Some(Symbology {
                kind: SymbologyKind::Qr,
                aim: "]Q1".into()
            })
        );
        assert_eq!(ok[0].raw_len as usize, "]Q1办件码:BJ20250001".len());
        assert_eq!(ok[1].text, "6901234567892");
        assert_eq!(
            ok[1].symbology.as_ref().map(|s| s.kind),
            Some(SymbologyKind::EanUpc)
        );
        // Too short to be an identifier: kept as text.
        assert_eq!(
            (ok[2].text.as_str(), ok[2].symbology.is_none()),
            ("]C", true)
        );
        assert_eq!(
            (ok[3].text.as_str(), ok[3].symbology.is_none()),
            ("]", true)
        );
        // With the option off, the identifier stays in the text.
        let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
        f.push(b"]Q1abc\r");
        assert_eq!(texts(&drain(&mut f)), ["]Q1abc"]);
    }

    #[test]
    fn over_long_scan_is_an_error_and_the_next_scan_survives() {
        let mut cfg = config(Suffix::Cr, TextEncoding::Utf8);
        cfg.max_len = 8;
        let mut f = ScanFramer::new(cfg);
        f.push(b"12345678\r"); // exactly the limit is fine
        f.push(b"123456789abcdefghijklmnop");
        assert!(f.pending() <= 8);
        f.push(b"qrstuvwxyz\rOK\r");
        assert_eq!(
            drain(&mut f),
            [
                Ok(ScanEvent {
                    text: "12345678".into(),
                    symbology: None,
                    raw_len: 8
                }),
                Err(FrameError::TooLong { limit: 8 }),
                Ok(ScanEvent {
                    text: "OK".into(),
                    symbology: None,
                    raw_len: 2
                }),
            ]
        );
        // Without a suffix the over-long scan ends at the quiet line.
        let mut cfg = config(Suffix::None, TextEncoding::Utf8);
        cfg.max_len = 4;
        let mut f = ScanFramer::new(cfg);
        f.push(b"abcdefgh");
        f.idle();
        f.push(b"ok");
        f.idle();
        assert_eq!(
            texts(&drain(&mut f)),
            [
                "ERR scan longer than 4 bytes without a suffix; discarded",
                "ok"
            ]
        );
    }

    #[test]
    fn crlf_suffix_does_not_count_towards_the_limit() {
        let mut cfg = config(Suffix::CrLf, TextEncoding::Utf8);
        cfg.max_len = 4;
        let mut f = ScanFramer::new(cfg);
        f.push(b"abcd\r\n");
        assert_eq!(texts(&drain(&mut f)), ["abcd"]);
    }

    #[test]
    fn missing_suffix_is_reported_on_idle() {
        let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
        f.push(b"ABC\n");
        f.idle();
        assert_eq!(
            drain(&mut f),
            [Err(FrameError::MissingSuffix {
                suffix: Suffix::Cr,
                len: 4
            })]
        );
        assert!(!f.is_mid_scan());
    }

    #[test]
    fn config_validation_and_names() {
        assert!(FramerConfig::default().validate().is_ok());
        let bad = FramerConfig {
            max_len: 0,
            ..FramerConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = FramerConfig {
            suffix: Suffix::None,
            idle_gap: Duration::ZERO,
            ..FramerConfig::default()
        };
        assert!(bad.validate().is_err());
        for name in Suffix::NAMES {
            assert!(Suffix::from_name(name).is_some());
        }
        for name in TextEncoding::NAMES {
            assert!(TextEncoding::from_name(name).is_some());
        }
        assert_eq!(
            TextEncoding::from_name("GB-18030"),
            Some(TextEncoding::Gb18030)
        );
        assert_eq!(Suffix::from_name("CRLF"), Some(Suffix::CrLf));
        // max_len 0 is clamped rather than panicking.
        let mut f = ScanFramer::new(bad_max_len());
        f.push(b"ab\r");
        assert_eq!(drain(&mut f).len(), 1);
    }

    fn bad_max_len() -> FramerConfig {
        FramerConfig {
            max_len: 0,
            ..FramerConfig::default()
        }
    }

    /// Runs `stream` through a fresh framer in random chunks, with `idle` at the end.
    fn frame_in_chunks(
        stream: &[u8],
        config: &FramerConfig,
        rng: &mut XorShift,
    ) -> Vec<Result<ScanEvent, FrameError>> {
        let mut f = ScanFramer::new(config.clone());
        let mut results = Vec::new();
        let mut rest = stream;
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(40));
            let (chunk, tail) = rest.split_at(n);
            f.push(chunk);
            assert!(f.pending() <= config.max_len + 1, "bounded buffer");
            results.extend(std::iter::from_fn(|| f.next_scan()));
            rest = tail;
        }
        f.idle();
        results.extend(std::iter::from_fn(|| f.next_scan()));
        results
    }

    fn random_config(rng: &mut XorShift) -> FramerConfig {
        FramerConfig {
            suffix: [
                Suffix::Cr,
                Suffix::Lf,
                Suffix::CrLf,
                Suffix::Tab,
                Suffix::None,
            ][rng.below(5)],
            encoding: [
                TextEncoding::Utf8,
                TextEncoding::Gb18030,
                TextEncoding::Auto,
            ][rng.below(3)],
            aim_prefix: rng.below(2) == 0,
            max_len: 1 + rng.below(300),
            ..FramerConfig::default()
        }
    }

    /// Bytes biased towards suffixes, `]` and multi-byte lead bytes.
    fn nasty_bytes(rng: &mut XorShift, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| match rng.below(10) {
                0 => b'\r',
                1 => b'\n',
                2 => b'\t',
                3 => b']',
                4 => 0xE5,
                5 => 0x81,
                _ => rng.byte(),
            })
            .collect()
    }

    #[test]
    fn random_bytes_never_panic_and_splitting_never_changes_the_result() {
        let mut rng = XorShift::new(0x5CA7_7E12);
        for _ in 0..2000 {
            let config = random_config(&mut rng);
            let len = rng.below(600);
            let stream = nasty_bytes(&mut rng, len);
            let whole = {
                let mut f = ScanFramer::new(config.clone());
                f.push(&stream);
                f.idle();
                drain(&mut f)
            };
            assert_eq!(frame_in_chunks(&stream, &config, &mut rng), whole);
            assert_eq!(frame_in_chunks(&stream, &config, &mut rng), whole);
            fuzz_framing(&stream);
        }
    }

    #[test]
    fn random_scans_round_trip_through_random_splits() {
        let alphabet: Vec<char> = "0123456789ABCXYZabc-:/ ]办件编号申请人张伟北京市东城区€😀"
            .chars()
            .collect();
        let mut rng = XorShift::new(0xC0DE);
        for _ in 0..500 {
            let mut config = random_config(&mut rng);
            config.max_len = FramerConfig::DEFAULT_MAX_LEN;
            // Only the idle gap separates scans without a suffix; send one per stream then.
            let count = if config.suffix == Suffix::None {
                1
            } else {
                1 + rng.below(6)
            };
            let enc = match config.encoding {
                TextEncoding::Auto => TextEncoding::Utf8,
                e => e,
            };
            let mut stream = Vec::new();
            let mut expected = Vec::new();
            for _ in 0..count {
                let n = 1 + rng.below(40);
                let mut text: String = (0..n)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect();
                if config.aim_prefix && text.starts_with(']') {
                    text.insert(0, '0');
                }
                let aim = config.aim_prefix && rng.below(2) == 0;
                let mut bytes = Vec::new();
                if aim {
                    bytes.extend_from_slice(b"]Q1");
                }
                bytes.extend_from_slice(&enc.encode(&text));
                stream.extend_from_slice(&bytes);
                stream.extend_from_slice(config.suffix.bytes());
                expected.push(Ok(ScanEvent {
                    text,
                    symbology: aim.then(|| Symbology {
                        kind: SymbologyKind::Qr,
                        aim: "]Q1".into(),
                    }),
                    raw_len: bytes.len() as u32,
                }));
            }
            assert_eq!(
                frame_in_chunks(&stream, &config, &mut rng),
                expected,
                "{config:?}"
            );
        }
    }
}
