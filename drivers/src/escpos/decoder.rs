//! ESC/POS byte stream → typed commands: the printer's side of the encoder, used by the
//! simulator and by tests to see what a job asks the printer to do.
//!
//! Streaming and total: bytes may arrive in any split, unknown commands are skipped by
//! their known length (or two bytes), and no input makes it panic. Raster images are
//! recognised and their data skipped without being buffered.

use super::encoder::{Align, CharSize, Cut, DLE, EOT, ESC, FS, GS, LF};

/// Longest NUL-terminated barcode (`GS k m`, m ≤ 6) before we give up on the terminator.
const MAX_NUL_BARCODE: usize = 255;

/// One command (or run of text) the printer received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ESC @`
    Init,
    /// `FS &` / `FS .`
    ChineseMode(bool),
    /// Printable bytes (GB18030 in Chinese mode), as received.
    Text(Vec<u8>),
    /// `LF`
    LineFeed,
    /// `ESC d n`
    FeedLines(u8),
    /// `ESC E n`
    Bold(bool),
    /// `ESC a n`
    Align(Align),
    /// `GS ! n`
    Size(CharSize),
    /// `ESC ! n` (print mode: bit 3 bold, bit 4 double height, bit 5 double width)
    PrintMode(u8),
    /// `GS ( k` function 165
    QrModel(u8),
    /// `GS ( k` function 167
    QrModuleSize(u8),
    /// `GS ( k` function 169
    QrErrorLevel(u8),
    /// `GS ( k` function 180: the payload stored in the symbol buffer
    QrStore(Vec<u8>),
    /// `GS ( k` function 181
    QrPrint,
    /// `GS h n`
    BarcodeHeight(u8),
    /// `GS w n`
    BarcodeWidth(u8),
    /// `GS k m ...`: barcode system `m` and its data as sent (CODE128 keeps its `{B`)
    Barcode { system: u8, data: Vec<u8> },
    /// `GS V m` (and the feed-then-cut forms)
    Cut(Cut),
    /// `DLE EOT n`
    StatusQuery(u8),
    /// `GS v 0`: a raster image, data skipped
    Raster { width_bytes: u16, height: u16 },
    /// Anything else, with the bytes it took.
    Other(Vec<u8>),
}

enum Step {
    Done(Command, usize),
    /// A raster header of `usize` bytes whose `u64` data bytes follow.
    Skip(Command, usize, u64),
    Incomplete,
}

/// Incremental decoder: push bytes as they arrive, get the commands completed so far.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    skip: u64,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Feeds received bytes; appends every command they complete to `out`.
    pub fn push(&mut self, mut bytes: &[u8], out: &mut Vec<Command>) {
        if self.skip > 0 {
            let n = usize::try_from(self.skip)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            self.skip -= n as u64;
            bytes = &bytes[n..];
        }
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        while start < self.buf.len() {
            match step(&self.buf[start..]) {
                Step::Done(cmd, used) => {
                    out.push(cmd);
                    start += used.max(1);
                }
                Step::Skip(cmd, used, data) => {
                    out.push(cmd);
                    start += used;
                    let here = (self.buf.len() - start) as u64;
                    let n = data.min(here);
                    start += n as usize;
                    self.skip = data - n;
                }
                Step::Incomplete => break,
            }
        }
        self.buf.drain(..start.min(self.buf.len()));
    }

    /// Decodes a whole job at once.
    pub fn decode_all(bytes: &[u8]) -> Vec<Command> {
        let mut out = Vec::new();
        Decoder::new().push(bytes, &mut out);
        out
    }
}

fn at(b: &[u8], i: usize) -> Option<u8> {
    b.get(i).copied()
}

/// Fixed-length command of `len` bytes, made from its bytes once all are there.
fn fixed(b: &[u8], len: usize, make: impl FnOnce(&[u8]) -> Command) -> Step {
    match b.get(..len) {
        Some(bytes) => Step::Done(make(bytes), len),
        None => Step::Incomplete,
    }
}

fn other(b: &[u8], len: usize) -> Step {
    fixed(b, len, |bytes| Command::Other(bytes.to_vec()))
}

fn step(b: &[u8]) -> Step {
    let Some(first) = at(b, 0) else {
        return Step::Incomplete;
    };
    match first {
        LF => Step::Done(Command::LineFeed, 1),
        DLE => dle(b),
        ESC => esc(b),
        FS => fs(b),
        GS => gs(b),
        0x00..=0x1F | 0x7F => Step::Done(Command::Other(vec![first]), 1),
        _ => {
            let len = b
                .iter()
                .position(|&c| c < 0x20 || c == 0x7F)
                .unwrap_or(b.len());
            Step::Done(Command::Text(b[..len].to_vec()), len)
        }
    }
}

fn dle(b: &[u8]) -> Step {
    match at(b, 1) {
        None => Step::Incomplete,
        Some(EOT) => fixed(b, 3, |x| Command::StatusQuery(x[2])),
        Some(0x05) => other(b, 3), // DLE ENQ n
        Some(0x14) => other(b, 5), // DLE DC4 fn m t
        Some(_) => other(b, 2),
    }
}

fn esc(b: &[u8]) -> Step {
    let Some(c) = at(b, 1) else {
        return Step::Incomplete;
    };
    match c {
        b'@' => Step::Done(Command::Init, 2),
        b'E' => fixed(b, 3, |x| Command::Bold(x[2] & 1 != 0)),
        b'a' => fixed(b, 3, |x| match Align::from_code(x[2]) {
            Some(a) => Command::Align(a),
            None => Command::Other(x.to_vec()),
        }),
        b'd' => fixed(b, 3, |x| Command::FeedLines(x[2])),
        b'!' => fixed(b, 3, |x| Command::PrintMode(x[2])),
        b'$' | b'\\' => other(b, 4),
        b'p' => other(b, 5),
        b'c' => other(b, 4),
        b'i' | b'm' | b'2' | b'<' => other(b, 2),
        b'-' | b'3' | b' ' | b'G' | b'J' | b'M' | b'R' | b't' | b'V' | b'{' | b'r' | b'U'
        | b'K' | b'e' => other(b, 3),
        _ => other(b, 2),
    }
}

fn fs(b: &[u8]) -> Step {
    let Some(c) = at(b, 1) else {
        return Step::Incomplete;
    };
    match c {
        b'&' => Step::Done(Command::ChineseMode(true), 2),
        b'.' => Step::Done(Command::ChineseMode(false), 2),
        b'!' | b'-' | b'C' | b'W' => other(b, 3),
        b'S' | b'p' => other(b, 4),
        b'(' => param_block(b, |x| Command::Other(x.to_vec())),
        _ => other(b, 2),
    }
}

/// `xx ( fn pL pH data`: 5 + (pL + 256·pH) bytes.
fn param_block(b: &[u8], make: impl FnOnce(&[u8]) -> Command) -> Step {
    let (Some(pl), Some(ph)) = (at(b, 3), at(b, 4)) else {
        return Step::Incomplete;
    };
    // At most 65 540 bytes: pL/pH is 16-bit, so buffering a block stays bounded.
    let len = 5 + usize::from(u16::from_le_bytes([pl, ph]));
    fixed(b, len, make)
}

fn gs(b: &[u8]) -> Step {
    let Some(c) = at(b, 1) else {
        return Step::Incomplete;
    };
    match c {
        b'!' => fixed(b, 3, |x| Command::Size(CharSize::from_byte(x[2]))),
        b'V' => match at(b, 2) {
            None => Step::Incomplete,
            Some(0 | 48) => Step::Done(Command::Cut(Cut::Full), 3),
            Some(1 | 49) => Step::Done(Command::Cut(Cut::Partial), 3),
            Some(65 | 97 | 103) => fixed(b, 4, |_| Command::Cut(Cut::Full)),
            Some(66 | 98 | 104) => fixed(b, 4, |_| Command::Cut(Cut::Partial)),
            Some(_) => other(b, 3),
        },
        b'h' => fixed(b, 3, |x| Command::BarcodeHeight(x[2])),
        b'w' => fixed(b, 3, |x| Command::BarcodeWidth(x[2])),
        b'k' => barcode(b),
        b'(' => match at(b, 2) {
            None => Step::Incomplete,
            Some(b'k') => param_block(b, qr_function),
            Some(_) => param_block(b, |x| Command::Other(x.to_vec())),
        },
        b'v' => raster(b),
        b'H' | b'f' | b'B' | b'a' | b'r' | b'I' | b'b' | b'E' => other(b, 3),
        b'L' | b'W' | b'P' | b'$' | b'\\' => other(b, 4),
        _ => other(b, 2),
    }
}

fn barcode(b: &[u8]) -> Step {
    let Some(m) = at(b, 2) else {
        return Step::Incomplete;
    };
    if m <= 6 {
        // Function A: data up to a NUL.
        let tail = &b[3..];
        return match tail.iter().position(|&c| c == 0) {
            Some(end) => Step::Done(
                Command::Barcode {
                    system: m,
                    data: tail[..end].to_vec(),
                },
                3 + end + 1,
            ),
            None if tail.len() > MAX_NUL_BARCODE => Step::Done(Command::Other(b[..3].to_vec()), 3),
            None => Step::Incomplete,
        };
    }
    let Some(n) = at(b, 3) else {
        return Step::Incomplete;
    };
    fixed(b, 4 + usize::from(n), |x| Command::Barcode {
        system: m,
        data: x[4..].to_vec(),
    })
}

/// `GS ( k pL pH cn fn ...` with cn = 49 (QR code).
fn qr_function(x: &[u8]) -> Command {
    let (cn, fnc) = (at(x, 5), at(x, 6));
    match (cn, fnc) {
        (Some(49), Some(65)) => Command::QrModel(at(x, 7).unwrap_or(0)),
        (Some(49), Some(67)) => Command::QrModuleSize(at(x, 7).unwrap_or(0)),
        (Some(49), Some(69)) => Command::QrErrorLevel(at(x, 7).unwrap_or(0)),
        (Some(49), Some(80)) => Command::QrStore(x.get(8..).unwrap_or_default().to_vec()),
        (Some(49), Some(81)) => Command::QrPrint,
        _ => Command::Other(x.to_vec()),
    }
}

/// `GS v 0 m xL xH yL yH data`: (xL + 256·xH) · (yL + 256·yH) data bytes.
fn raster(b: &[u8]) -> Step {
    let Some(h) = b.get(..8) else {
        return Step::Incomplete;
    };
    let width_bytes = u16::from_le_bytes([h[4], h[5]]);
    let height = u16::from_le_bytes([h[6], h[7]]);
    let data = u64::from(width_bytes) * u64::from(height);
    Step::Skip(
        Command::Raster {
            width_bytes,
            height,
        },
        8,
        data,
    )
}

#[cfg(test)]
mod tests {
    use super::super::encoder::{BarcodeText, Encoder, PaperWidth, QrErrorLevel};
    use super::*;

    fn sample_job() -> Vec<u8> {
        let mut e = Encoder::new(PaperWidth::Mm58);
        e.init()
            .chinese_mode(true)
            .align(Align::Center)
            .size(CharSize::DOUBLE)
            .bold(true)
            .line("一窗受理")
            .size(CharSize::NORMAL)
            .bold(false);
        e.qr("T-20250301-A023", 6, QrErrorLevel::M).unwrap();
        e.code128("A023", 60, 2, BarcodeText::Below).unwrap();
        e.feed(3).cut(Cut::Partial);
        e.into_bytes()
    }

    #[test]
    fn decodes_what_the_encoder_writes() {
        let cmds = Decoder::decode_all(&sample_job());
        let want = vec![
            Command::Init,
            Command::ChineseMode(true),
            Command::Align(Align::Center),
            Command::Size(CharSize::DOUBLE),
            Command::Bold(true),
            Command::Text(encoding_rs::GB18030.encode("一窗受理").0.into_owned()),
            Command::LineFeed,
            Command::Size(CharSize::NORMAL),
            Command::Bold(false),
            Command::QrModel(50),
            Command::QrModuleSize(6),
            Command::QrErrorLevel(49),
            Command::QrStore(b"T-20250301-A023".to_vec()),
            Command::QrPrint,
            Command::BarcodeHeight(60),
            Command::BarcodeWidth(2),
            Command::Other(vec![GS, b'H', 2]),
            Command::Barcode {
                system: 73,
                data: b"{BA023".to_vec(),
            },
            Command::FeedLines(3),
            Command::Cut(Cut::Partial),
        ];
        assert_eq!(cmds, want);
    }

    #[test]
    fn any_split_gives_the_same_commands() {
        let job = sample_job();
        let whole = Decoder::decode_all(&job);
        for chunk in [1, 2, 3, 7, 64] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for part in job.chunks(chunk) {
                d.push(part, &mut out);
            }
            // Text runs may be split into several pieces; join them to compare.
            let mut joined: Vec<Command> = Vec::new();
            for c in out {
                match (joined.last_mut(), c) {
                    (Some(Command::Text(prev)), Command::Text(more)) => prev.extend(more),
                    (_, c) => joined.push(c),
                }
            }
            assert_eq!(joined, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn raster_data_is_skipped_across_pushes() {
        let mut job = vec![GS, b'v', b'0', 0, 2, 0, 3, 0];
        job.extend([0xAA; 6]);
        job.extend(b"ok\n");
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.push(&job[..10], &mut out);
        d.push(&job[10..], &mut out);
        assert_eq!(
            out,
            [
                Command::Raster {
                    width_bytes: 2,
                    height: 3
                },
                Command::Text(b"ok".to_vec()),
                Command::LineFeed
            ]
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap deterministic fuzz: xorshift bytes, several split patterns.
        let mut x: u32 = 0x9E37_79B9;
        let mut data = Vec::new();
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Bias towards command bytes so the command paths are exercised.
            let b = (x & 0xFF) as u8;
            data.push(match x >> 29 {
                0 => ESC,
                1 => GS,
                2 => DLE,
                _ => b,
            });
        }
        for chunk in [1, 5, 333, 20_000] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for part in data.chunks(chunk) {
                d.push(part, &mut out);
            }
        }
    }
}
