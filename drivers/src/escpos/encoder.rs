//! ESC/POS command builder: turns "what the slip says" into printer bytes.
//!
//! Text mode only, never a raster image: a text slip is ~1.5 KB where a raster of the same
//! slip is ~86 KB (7.5 s at 115200 baud). Chinese text goes out as GB18030 with the printer's
//! Chinese (Kanji) mode switched on (`FS &`), which is what Chinese-market printers expect.
//! QR codes and CODE128 barcodes are drawn by the printer from their payloads.
//!
//! Widths: a half-width (ASCII) character takes one column, every other character two
//! (a Hanzi in Chinese mode is printed full width). 58 mm paper has 32 columns / 384 dots,
//! 80 mm paper 48 columns / 576 dots, at the usual 203 dpi with the 12×24 font.

use crate::error::ErrorKind;
use serde::{Deserialize, Serialize};

pub(crate) const LF: u8 = 0x0A;
pub(crate) const ESC: u8 = 0x1B;
pub(crate) const FS: u8 = 0x1C;
pub(crate) const GS: u8 = 0x1D;
pub(crate) const DLE: u8 = 0x10;
pub(crate) const EOT: u8 = 0x04;

/// Longest QR payload we send: version 40 in byte mode at error level L.
pub const QR_MAX_BYTES: usize = 2953;
/// Longest CODE128 payload after escaping (`GS k 73 n` carries n ≤ 255 including `{B`).
pub const CODE128_MAX_BYTES: usize = 253;

/// Roll width of the receipt paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperWidth {
    /// 58 mm roll: 32 half-width columns, 384 dots.
    Mm58,
    /// 80 mm roll: 48 half-width columns, 576 dots.
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Half-width columns per line at normal character size (font A, 12×24).
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// Printable dots per line at 203 dpi.
    pub fn dots(self) -> u16 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }
}

/// Horizontal alignment (`ESC a n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

impl Align {
    pub(crate) fn code(self) -> u8 {
        match self {
            Align::Left => 0,
            Align::Center => 1,
            Align::Right => 2,
        }
    }

    /// The alignment an `ESC a n` argument selects (`0`/`48`, `1`/`49`, `2`/`50`).
    pub fn from_code(n: u8) -> Option<Align> {
        match n {
            0 | 48 => Some(Align::Left),
            1 | 49 => Some(Align::Center),
            2 | 50 => Some(Align::Right),
            _ => None,
        }
    }
}

/// Character magnification (`GS ! n`): width and height multipliers, each 1–8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CharSize {
    width: u8,
    height: u8,
}

impl Default for CharSize {
    fn default() -> Self {
        CharSize::NORMAL
    }
}

impl CharSize {
    pub const NORMAL: CharSize = CharSize {
        width: 1,
        height: 1,
    };
    pub const DOUBLE: CharSize = CharSize {
        width: 2,
        height: 2,
    };
    pub const DOUBLE_HEIGHT: CharSize = CharSize {
        width: 1,
        height: 2,
    };

    /// Multipliers are clamped to 1–8, the range the command can express.
    pub fn new(width: u8, height: u8) -> CharSize {
        CharSize {
            width: width.clamp(1, 8),
            height: height.clamp(1, 8),
        }
    }

    pub fn width(self) -> u8 {
        self.width
    }

    pub fn height(self) -> u8 {
        self.height
    }

    /// The `n` of `GS ! n`: width−1 in bits 4–6, height−1 in bits 0–2.
    pub fn to_byte(self) -> u8 {
        ((self.width - 1) << 4) | (self.height - 1)
    }

    /// Decodes `GS ! n` (bits 3 and 7 are ignored, as printers do).
    pub fn from_byte(n: u8) -> CharSize {
        CharSize {
            width: ((n >> 4) & 0x07) + 1,
            height: (n & 0x07) + 1,
        }
    }
}

/// QR error-correction level (`GS ( k` function 169).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QrErrorLevel {
    L,
    #[default]
    M,
    Q,
    H,
}

impl QrErrorLevel {
    pub(crate) fn code(self) -> u8 {
        match self {
            QrErrorLevel::L => 48,
            QrErrorLevel::M => 49,
            QrErrorLevel::Q => 50,
            QrErrorLevel::H => 51,
        }
    }

    pub fn from_code(n: u8) -> Option<QrErrorLevel> {
        match n {
            48 => Some(QrErrorLevel::L),
            49 => Some(QrErrorLevel::M),
            50 => Some(QrErrorLevel::Q),
            51 => Some(QrErrorLevel::H),
            _ => None,
        }
    }
}

/// Paper cut (`GS V m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cut {
    Full,
    Partial,
}

/// Where the human-readable text of a barcode goes (`GS H n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BarcodeText {
    None,
    Above,
    #[default]
    Below,
    Both,
}

/// A request the printer cannot carry out as asked; nothing is written for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("QR payload is empty")]
    QrEmpty,
    #[error("QR payload is {0} bytes, more than {QR_MAX_BYTES}")]
    QrTooLong(usize),
    #[error("CODE128 payload is empty")]
    BarcodeEmpty,
    #[error("CODE128 code set B cannot encode {0:?}")]
    BarcodeCharacter(char),
    #[error("CODE128 payload is {0} bytes after escaping, more than {CODE128_MAX_BYTES}")]
    BarcodeTooLong(usize),
}

impl EncodeError {
    /// A job the printer cannot print is the caller's configuration or data.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Misconfigured
    }
}

/// Columns a character takes: 1 for printable ASCII, 0 for control characters, 2 otherwise.
pub fn char_width(ch: char) -> usize {
    match ch {
        ' '..='~' => 1,
        c if c.is_control() => 0,
        _ => 2,
    }
}

/// Columns a string takes on the printer (see [`char_width`]).
pub fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// The longest prefix of `s` that fits in `cols` columns.
pub fn truncate_to_width(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, ch) in s.char_indices() {
        let w = char_width(ch);
        if used + w > cols {
            return &s[..i];
        }
        used += w;
    }
    s
}

/// Wraps `text` into lines of at most `cols` columns. Breaks anywhere between Chinese
/// characters, and at the last space when a run of ASCII (a word, a number) would be split.
/// `\n` starts a new line; control characters are dropped.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for ch in paragraph.chars() {
            let w = char_width(ch);
            if w == 0 {
                continue;
            }
            if used + w > cols {
                let word_start = line
                    .rfind(' ')
                    .filter(|&pos| pos > 0 && ch.is_ascii_graphic())
                    .filter(|&pos| line[pos + 1..].chars().all(|c| c.is_ascii_graphic()));
                match word_start {
                    Some(pos) => {
                        let tail = line[pos + 1..].to_string();
                        line.truncate(pos);
                        out.push(line.trim_end().to_string());
                        used = text_width(&tail);
                        line = tail;
                    }
                    None => {
                        out.push(std::mem::take(&mut line));
                        used = 0;
                    }
                }
                if ch == ' ' && line.is_empty() {
                    continue;
                }
            }
            line.push(ch);
            used += w;
        }
        out.push(line);
    }
    out
}

/// `label` at the left and `value` at the right of a `cols`-wide line, space between.
/// When both do not fit on one line the label is wrapped first and the value goes
/// right-aligned on the line(s) after it.
pub fn label_value_lines(label: &str, value: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let (lw, vw) = (text_width(label), text_width(value));
    if lw + 1 + vw <= cols {
        return vec![format!("{label}{}{value}", " ".repeat(cols - lw - vw))];
    }
    let mut lines = wrap(label, cols);
    for v in wrap(value, cols) {
        let pad = cols.saturating_sub(text_width(&v));
        lines.push(format!("{}{v}", " ".repeat(pad)));
    }
    lines
}

/// Builds one ESC/POS job. Each method appends its command; text methods know the paper
/// width and the current character size, so wrapping stays inside the line.
///
/// ```
/// use yichuang_drivers::escpos::encoder::{Align, Cut, Encoder, PaperWidth};
/// let mut e = Encoder::new(PaperWidth::Mm58);
/// e.init().chinese_mode(true).align(Align::Center).line("欢迎").cut(Cut::Partial);
/// assert!(e.as_bytes().starts_with(&[0x1B, 0x40, 0x1C, 0x26]));
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
    paper: PaperWidth,
    size: CharSize,
}

impl Encoder {
    pub fn new(paper: PaperWidth) -> Encoder {
        Encoder {
            buf: Vec::with_capacity(1024),
            paper,
            size: CharSize::NORMAL,
        }
    }

    pub fn paper(&self) -> PaperWidth {
        self.paper
    }

    /// Columns per line at the current character width.
    pub fn columns(&self) -> usize {
        (self.paper.columns() / usize::from(self.size.width())).max(1)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Appends bytes as they are (for commands this builder does not know).
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// `ESC @`: clears the print buffer and resets modes.
    pub fn init(&mut self) -> &mut Self {
        self.size = CharSize::NORMAL;
        self.raw(&[ESC, b'@'])
    }

    /// `FS &` (on) / `FS .` (off): Chinese (Kanji) character mode, GB18030 double bytes.
    pub fn chinese_mode(&mut self, on: bool) -> &mut Self {
        self.raw(&[FS, if on { b'&' } else { b'.' }])
    }

    /// `GS ! n`: character magnification for ASCII and Chinese characters alike.
    pub fn size(&mut self, size: CharSize) -> &mut Self {
        self.size = size;
        self.raw(&[GS, b'!', size.to_byte()])
    }

    /// `ESC E n`: emphasized (bold) on or off.
    pub fn bold(&mut self, on: bool) -> &mut Self {
        self.raw(&[ESC, b'E', u8::from(on)])
    }

    /// `ESC a n`: alignment of the lines that follow.
    pub fn align(&mut self, align: Align) -> &mut Self {
        self.raw(&[ESC, b'a', align.code()])
    }

    /// Text as GB18030. Control characters that could act as printer commands are
    /// dropped, a tab becomes a space and `\n` a line feed.
    pub fn text(&mut self, text: &str) -> &mut Self {
        let clean: String = text
            .chars()
            .filter_map(|c| match c {
                '\n' => Some('\n'),
                '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        let (bytes, _, _) = encoding_rs::GB18030.encode(&clean);
        self.raw(&bytes)
    }

    /// `LF`: prints the buffer and feeds one line.
    pub fn newline(&mut self) -> &mut Self {
        self.raw(&[LF])
    }

    /// Text and a line feed.
    pub fn line(&mut self, text: &str) -> &mut Self {
        self.text(text).newline()
    }

    /// `ESC d n`: prints the buffer and feeds `n` lines.
    pub fn feed(&mut self, lines: u8) -> &mut Self {
        self.raw(&[ESC, b'd', lines])
    }

    /// Text wrapped to the current line width, one line feed per line.
    pub fn wrapped(&mut self, text: &str) -> &mut Self {
        for l in wrap(text, self.columns()) {
            self.line(&l);
        }
        self
    }

    /// A "label ......... value" line across the full width (see [`label_value_lines`]).
    pub fn label_value(&mut self, label: &str, value: &str) -> &mut Self {
        for l in label_value_lines(label, value, self.columns()) {
            self.line(&l);
        }
        self
    }

    /// A line of `ch` across the full width (a Chinese `ch` fills half as many times).
    pub fn separator(&mut self, ch: char) -> &mut Self {
        let w = char_width(ch).max(1);
        let ch = if char_width(ch) == 0 { '-' } else { ch };
        let line: String = std::iter::repeat_n(ch, self.columns() / w).collect();
        self.line(&line)
    }

    /// Printer-drawn QR code (model 2): `GS ( k` functions 165 (model), 167 (module size,
    /// clamped to 1–16 dots), 169 (error level), 180 (store), 181 (print).
    pub fn qr(
        &mut self,
        data: &str,
        module_size: u8,
        level: QrErrorLevel,
    ) -> Result<&mut Self, EncodeError> {
        let data = data.as_bytes();
        if data.is_empty() {
            return Err(EncodeError::QrEmpty);
        }
        if data.len() > QR_MAX_BYTES {
            return Err(EncodeError::QrTooLong(data.len()));
        }
        let [pl, ph] = ((data.len() + 3) as u16).to_le_bytes();
        self.raw(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0])
            .raw(&[GS, b'(', b'k', 3, 0, 49, 67, module_size.clamp(1, 16)])
            .raw(&[GS, b'(', b'k', 3, 0, 49, 69, level.code()])
            .raw(&[GS, b'(', b'k', pl, ph, 49, 80, 48])
            .raw(data)
            .raw(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
        Ok(self)
    }

    /// CODE128 in code set B (`GS k 73 n {B data`), with bar height in dots (`GS h`),
    /// module width 2–6 (`GS w`) and the human-readable text position (`GS H`).
    /// Printable ASCII only; `{` is escaped as `{{` as the command requires.
    pub fn code128(
        &mut self,
        data: &str,
        height: u8,
        module_width: u8,
        text: BarcodeText,
    ) -> Result<&mut Self, EncodeError> {
        if data.is_empty() {
            return Err(EncodeError::BarcodeEmpty);
        }
        let mut payload = Vec::with_capacity(data.len() + 2);
        for ch in data.chars() {
            if !(' '..='~').contains(&ch) {
                return Err(EncodeError::BarcodeCharacter(ch));
            }
            if ch == '{' {
                payload.push(b'{');
            }
            payload.push(ch as u8);
        }
        if payload.len() > CODE128_MAX_BYTES {
            return Err(EncodeError::BarcodeTooLong(payload.len()));
        }
        let hri = match text {
            BarcodeText::None => 0,
            BarcodeText::Above => 1,
            BarcodeText::Below => 2,
            BarcodeText::Both => 3,
        };
        self.raw(&[GS, b'h', height.max(1)])
            .raw(&[GS, b'w', module_width.clamp(2, 6)])
            .raw(&[GS, b'H', hri])
            .raw(&[GS, b'k', 73, (payload.len() + 2) as u8, b'{', b'B'])
            .raw(&payload);
        Ok(self)
    }

    /// `GS V 0` (full) or `GS V 1` (partial) cut.
    pub fn cut(&mut self, cut: Cut) -> &mut Self {
        let m = match cut {
            Cut::Full => 0,
            Cut::Partial => 1,
        };
        self.raw(&[GS, b'V', m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
        let mut e = Encoder::new(PaperWidth::Mm80);
        f(&mut e);
        e.into_bytes()
    }

    #[test]
    fn f2_basic_commands_have_their_exact_bytes() {
        assert_eq!(
            bytes(|e| {
                e.init();
            }),
            [0x1B, 0x40]
        );
        assert_eq!(
            bytes(|e| {
                e.chinese_mode(true);
            }),
            [0x1C, 0x26]
        );
        assert_eq!(
            bytes(|e| {
                e.chinese_mode(false);
            }),
            [0x1C, 0x2E]
        );
        assert_eq!(
            bytes(|e| {
                e.bold(true).bold(false);
            }),
            [0x1B, 0x45, 1, 0x1B, 0x45, 0]
        );
        assert_eq!(
            bytes(|e| {
                e.align(Align::Center);
            }),
            [0x1B, 0x61, 1]
        );
        assert_eq!(
            bytes(|e| {
                e.align(Align::Right);
            }),
            [0x1B, 0x61, 2]
        );
        assert_eq!(
            bytes(|e| {
                e.feed(3);
            }),
            [0x1B, 0x64, 3]
        );
        assert_eq!(
            bytes(|e| {
                e.cut(Cut::Full);
            }),
            [0x1D, 0x56, 0]
        );
        assert_eq!(
            bytes(|e| {
                e.cut(Cut::Partial);
            }),
            [0x1D, 0x56, 1]
        );
        assert_eq!(
            bytes(|e| {
                e.line("A1");
            }),
            [b'A', b'1', 0x0A]
        );
    }

    #[test]
    fn f2_character_size_is_gs_bang_with_width_high_and_height_low() {
        assert_eq!(
            bytes(|e| {
                e.size(CharSize::NORMAL);
            }),
            [0x1D, 0x21, 0x00]
        );
        assert_eq!(
            bytes(|e| {
                e.size(CharSize::DOUBLE);
            }),
            [0x1D, 0x21, 0x11]
        );
        assert_eq!(
            bytes(|e| {
                e.size(CharSize::DOUBLE_HEIGHT);
            }),
            [0x1D, 0x21, 0x01]
        );
        assert_eq!(
            bytes(|e| {
                e.size(CharSize::new(3, 4));
            }),
            [0x1D, 0x21, 0x23]
        );
        assert_eq!(CharSize::new(0, 99), CharSize::new(1, 8));
        for n in 0..=u8::MAX {
            let s = CharSize::from_byte(n);
            assert_eq!(s.to_byte(), n & 0x77);
        }
    }

    #[test]
    fn f2_chinese_text_is_gb18030() {
        // 「办」 is B0 EC and 「事」 is CA C2 in GB2312/GBK/GB18030.
        assert_eq!(
            bytes(|e| {
                e.text("办事");
            }),
            [0xB0, 0xEC, 0xCA, 0xC2]
        );
        // 「€」 is a GB18030 two-byte code (A2 E3); 「𠀀」 (U+20000) a four-byte one.
        assert_eq!(
            bytes(|e| {
                e.text("€");
            }),
            [0xA2, 0xE3]
        );
        assert_eq!(
            bytes(|e| {
                e.text("𠀀");
            }),
            [0x95, 0x32, 0x82, 0x36]
        );
    }

    #[test]
    fn text_cannot_smuggle_printer_commands() {
        assert_eq!(
            bytes(|e| {
                e.text("a\x1b@b\x1dV\x00c\td\ne");
            }),
            b"a@bVc d\ne"
        );
    }

    #[test]
    fn f2_qr_is_model_size_level_store_print() {
        let got = bytes(|e| {
            e.qr("AB", 6, QrErrorLevel::M).unwrap();
        });
        let want: Vec<u8> = [
            &[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00][..],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x06],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
            &[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'A', b'B'],
            &[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30],
        ]
        .concat();
        assert_eq!(got, want);
    }

    #[test]
    fn qr_store_length_is_little_endian_len_plus_three() {
        let data = "x".repeat(300);
        let got = bytes(|e| {
            e.qr(&data, 4, QrErrorLevel::L).unwrap();
        });
        let store = &got[25..33];
        assert_eq!(store, [0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30]);
        let mut e = Encoder::new(PaperWidth::Mm58);
        assert_eq!(
            e.qr("", 4, QrErrorLevel::L).err(),
            Some(EncodeError::QrEmpty)
        );
        let long = "x".repeat(QR_MAX_BYTES + 1);
        assert!(matches!(
            e.qr(&long, 4, QrErrorLevel::L),
            Err(EncodeError::QrTooLong(_))
        ));
        assert!(e.as_bytes().is_empty(), "a refused QR writes nothing");
    }

    #[test]
    fn f2_code128_uses_code_set_b_and_escapes_brace() {
        let got = bytes(|e| {
            e.code128("A{1", 80, 2, BarcodeText::Below).unwrap();
        });
        let want: Vec<u8> = [
            &[0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 2][..],
            &[0x1D, 0x6B, 73, 6, b'{', b'B', b'A', b'{', b'{', b'1'],
        ]
        .concat();
        assert_eq!(got, want);
        let mut e = Encoder::new(PaperWidth::Mm58);
        assert_eq!(
            e.code128("办", 80, 2, BarcodeText::None).err(),
            Some(EncodeError::BarcodeCharacter('办'))
        );
        assert_eq!(
            e.code128("", 80, 2, BarcodeText::None).err(),
            Some(EncodeError::BarcodeEmpty)
        );
        let long = "9".repeat(254);
        assert!(matches!(
            e.code128(&long, 80, 2, BarcodeText::None),
            Err(EncodeError::BarcodeTooLong(254))
        ));
    }

    #[test]
    fn f2_widths_count_a_chinese_character_as_two_columns() {
        assert_eq!(PaperWidth::Mm58.columns(), 32);
        assert_eq!(PaperWidth::Mm80.columns(), 48);
        assert_eq!(PaperWidth::Mm58.dots(), 384);
        assert_eq!(PaperWidth::Mm80.dots(), 576);
        assert_eq!(text_width("A023"), 4);
        assert_eq!(text_width("不动产登记"), 10);
        assert_eq!(text_width("第A023号"), 8);
        assert_eq!(truncate_to_width("不动产登记", 5), "不动");
        let mut e = Encoder::new(PaperWidth::Mm80);
        e.size(CharSize::DOUBLE);
        assert_eq!(e.columns(), 24);
    }

    #[test]
    fn wrap_keeps_every_line_inside_the_width() {
        let text = "不动产登记中心 Real Estate Registration Center 一窗受理综合窗口 ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef";
        for cols in [2, 3, 10, 16, 24, 32, 48] {
            let lines = wrap(text, cols);
            assert!(
                lines.iter().all(|l| text_width(l) <= cols),
                "{cols}: {lines:?}"
            );
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let original: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, original, "{cols}");
        }
        assert_eq!(wrap("hello world again", 11), ["hello world", "again"]);
        assert_eq!(
            wrap("办理事项：营业执照", 8),
            ["办理事项", "：营业执", "照"]
        );
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }

    #[test]
    fn label_value_fills_the_line_or_moves_the_value_down() {
        assert_eq!(
            label_value_lines("等候人数", "12 人", 20),
            ["等候人数       12 人"]
        );
        assert_eq!(
            text_width(&label_value_lines("等候人数", "12 人", 32)[0]),
            32
        );
        let long = label_value_lines("办理事项", "企业开办一件事（设立登记）", 20);
        assert_eq!(long.len(), 3);
        assert!(long.iter().all(|l| text_width(l) == 20 || l == "办理事项"));
    }

    #[test]
    fn separator_fills_the_current_width() {
        let mut e = Encoder::new(PaperWidth::Mm58);
        e.separator('-');
        assert_eq!(e.as_bytes().len(), 33);
        let mut e = Encoder::new(PaperWidth::Mm58);
        e.separator('═');
        assert_eq!(e.as_bytes().len(), 16 * 2 + 1);
        let mut e = Encoder::new(PaperWidth::Mm80);
        e.size(CharSize::DOUBLE).separator('=');
        assert_eq!(e.as_bytes().len(), 3 + 24 + 1);
    }
}
