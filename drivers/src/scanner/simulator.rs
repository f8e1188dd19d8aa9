//! The scanner end of the line, for `make run`, the tests and `diagnose --simulate`: a pure
//! [`ScanSimulator`] that turns a scan into the writes a scanner makes (AIM identifier,
//! encoding, suffix; optionally in random chunks with pauses, as USB packets and slow UARTs
//! deliver them; optionally line noise), and [`spawn`] / [`pty_pair`] to serve it from a
//! thread behind a serial port, where the driver reads the other end of a real pty.
//!
//! [`SimulatorHandle`] is the control surface: [`scan`](SimulatorHandle::scan) is what a
//! "send a scan" button or a loopback command calls; [`unplug`](SimulatorHandle::unplug)
//! closes the line like pulling the cable.

use std::time::Duration;

use crate::simulator::LineDevice;

use super::codec::{Suffix, TextEncoding};
/// Sample payloads of the kinds a service hall scans, for `diagnose` and the control surface.
pub use super::samples::SAMPLE_SCANS;

/// xorshift64*: a small deterministic PRNG for chunking, noise and the property tests.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// Any seed; 0 is replaced (xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    pub fn byte(&mut self) -> u8 {
        (self.next_u64() >> 32) as u8
    }
}

/// How scans are delivered in pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// Largest chunk written at once (at least 1).
    pub max_chunk: usize,
    /// Longest pause between chunks.
    pub max_pause: Duration,
}

/// What the simulated scanner is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    pub suffix: Suffix,
    pub encoding: TextEncoding,
    /// AIM identifier sent before each scan (e.g. `]Q1`), if the scanner is set to send it.
    pub aim: Option<String>,
    /// Deliver each scan in random chunks; `None` writes it at once.
    pub split: Option<Split>,
    /// With [`Suffix::None`]: the quiet time written after each scan (longer than the
    /// driver's idle gap); chunk pauses are kept below a third of it.
    pub gap_after: Duration,
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            suffix: Suffix::Cr,
            encoding: TextEncoding::Utf8,
            aim: None,
            split: None,
            gap_after: Duration::from_millis(150),
            seed: 0x5CA4_4E12,
        }
    }
}

#[cfg(unix)]
pub use crate::simulator::pty_pair;
pub use crate::simulator::{link_pair, loopback_pair, spawn, Emit};

/// The simulated scanner (pure: returns what to write, writes nothing).
#[derive(Debug, Clone)]
pub struct ScanSimulator {
    config: SimConfig,
    rng: XorShift,
}

impl Default for ScanSimulator {
    fn default() -> Self {
        Self::new(SimConfig::default())
    }
}

impl ScanSimulator {
    pub fn new(config: SimConfig) -> Self {
        let rng = XorShift::new(config.seed);
        Self { config, rng }
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Changes the settings (as scanning a programming barcode would); keeps the PRNG state.
    pub fn set_config(&mut self, config: SimConfig) {
        self.config = config;
    }

    /// The bytes of one scan: AIM identifier, payload in the configured encoding, suffix.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        if let Some(aim) = &self.config.aim {
            bytes.extend_from_slice(aim.as_bytes());
        }
        bytes.extend_from_slice(&self.config.encoding.encode(text));
        bytes.extend_from_slice(self.config.suffix.bytes());
        bytes
    }

    /// The writes for scanning `text`.
    pub fn scan(&mut self, text: &str) -> Vec<Emit> {
        let bytes = self.encode(text);
        self.deliver(bytes)
    }

    /// The writes for `bytes` exactly as given (no identifier, no suffix added; still split
    /// and, without a suffix, followed by the quiet gap).
    pub fn raw(&mut self, bytes: &[u8]) -> Vec<Emit> {
        self.deliver(bytes.to_vec())
    }

    /// A line of `len` junk bytes (at least 1) that is valid in no encoding (it starts with
    /// `FF`, which neither UTF-8 nor GB18030 allows), ended like a scan.
    pub fn noise(&mut self, len: usize) -> Vec<Emit> {
        let mut bytes = vec![0xFF];
        bytes.extend((1..len).map(|_| 0x80 | self.rng.byte()));
        bytes.extend_from_slice(self.config.suffix.bytes());
        self.deliver(bytes)
    }

    fn deliver(&mut self, bytes: Vec<u8>) -> Vec<Emit> {
        let mut out = Vec::new();
        match self.config.split {
            None => out.push(Emit::Bytes(bytes)),
            Some(split) => {
                let mut max_pause = split.max_pause;
                if self.config.suffix == Suffix::None {
                    max_pause = max_pause.min(self.config.gap_after / 3);
                }
                let max_pause_us = u64::try_from(max_pause.as_micros()).unwrap_or(u64::MAX);
                let mut rest = bytes.as_slice();
                while !rest.is_empty() {
                    let n = 1 + self.rng.below(split.max_chunk.max(1).min(rest.len()));
                    let (chunk, tail) = rest.split_at(n.min(rest.len()));
                    out.push(Emit::Bytes(chunk.to_vec()));
                    rest = tail;
                    if !rest.is_empty() && max_pause_us > 0 {
                        let us = self.rng.next_u64() % (max_pause_us + 1);
                        out.push(Emit::Pause(Duration::from_micros(us)));
                    }
                }
            }
        }
        if self.config.suffix == Suffix::None {
            out.push(Emit::Pause(self.config.gap_after));
        }
        out
    }
}

/// The scanner served from a thread behind a serial port (see [`crate::simulator`]); it
/// only talks, so it ignores what the host writes.
pub type SimulatorHandle = crate::simulator::SimHandle<ScanSimulator>;

impl LineDevice for ScanSimulator {}

impl SimulatorHandle {
    /// Scans `text` (queued; writes happen on the simulator's thread, in order).
    pub fn scan(&self, text: &str) {
        self.act(|sim| sim.scan(text));
    }

    /// Writes `bytes` as they are.
    pub fn send_raw(&self, bytes: &[u8]) {
        self.act(|sim| sim.raw(bytes));
    }

    /// Writes a junk line of `len` bytes.
    pub fn noise(&self, len: usize) {
        self.act(|sim| sim.noise(len));
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::{FramerConfig, ScanFramer};
    use super::*;

    fn bytes(emits: &[Emit]) -> Vec<u8> {
        emits
            .iter()
            .flat_map(|e| match e {
                Emit::Bytes(b) => b.clone(),
                Emit::Pause(_) => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn encodes_identifier_payload_and_suffix() {
        let sim = ScanSimulator::new(SimConfig {
            suffix: Suffix::CrLf,
            encoding: TextEncoding::Gb18030,
            aim: Some("]Q1".into()),
            ..SimConfig::default()
        });
        assert_eq!(sim.encode("张"), b"]Q1\xd5\xc5\r\n");
    }

    #[test]
    fn split_delivery_keeps_the_bytes_and_bounds_the_pauses() {
        let mut sim = ScanSimulator::new(SimConfig {
            suffix: Suffix::None,
            split: Some(Split {
                max_chunk: 3,
                max_pause: Duration::from_millis(500),
            }),
            gap_after: Duration::from_millis(90),
            ..SimConfig::default()
        });
        let text = SAMPLE_SCANS[1];
        let emits = sim.scan(text);
        assert_eq!(bytes(&emits), text.as_bytes());
        assert_eq!(emits.last(), Some(&Emit::Pause(Duration::from_millis(90))));
        for e in &emits[..emits.len() - 1] {
            match e {
                Emit::Bytes(b) => assert!((1..=3).contains(&b.len())),
                Emit::Pause(d) => assert!(*d <= Duration::from_millis(30)),
            }
        }
    }

    #[test]
    fn noise_is_one_undecodable_line() {
        for encoding in [
            TextEncoding::Utf8,
            TextEncoding::Gb18030,
            TextEncoding::Auto,
        ] {
            let mut sim = ScanSimulator::new(SimConfig {
                encoding,
                ..SimConfig::default()
            });
            let mut f = ScanFramer::new(FramerConfig {
                encoding,
                ..FramerConfig::default()
            });
            f.push(&bytes(&sim.noise(12)));
            let r: Vec<_> = std::iter::from_fn(|| f.next_scan()).collect();
            assert_eq!(r.len(), 1);
            assert!(r[0].is_err(), "{encoding:?}");
        }
    }
}
