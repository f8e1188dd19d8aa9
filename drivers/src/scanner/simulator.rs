//! The scanner end of the line, for `make run`, the tests and `diagnose --simulate`: a pure
//! [`ScanSimulator`] that turns a scan into the writes a scanner makes (AIM identifier,
//! encoding, suffix; optionally in random chunks with pauses, as USB packets and slow UARTs
//! deliver them; optionally line noise), and [`spawn`] / [`pty_pair`] to serve it from a
//! thread behind a serial port, where the driver reads the other end of a real pty.
//!
//! [`SimulatorHandle`] is the control surface: [`scan`](SimulatorHandle::scan) is what a
//! "send a scan" button or a loopback command calls; [`unplug`](SimulatorHandle::unplug)
//! closes the line like pulling the cable.

use std::io::Write;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::SerialPort;

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

/// One step of what the scanner does on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    Bytes(Vec<u8>),
    Pause(Duration),
}

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

enum Command {
    Write(Vec<Emit>),
    Sync(Sender<()>),
}

/// A simulator writing from a thread into a serial port.
pub struct SimulatorHandle {
    sim: Arc<Mutex<ScanSimulator>>,
    tx: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorHandle").finish_non_exhaustive()
    }
}

fn lock(sim: &Mutex<ScanSimulator>) -> MutexGuard<'_, ScanSimulator> {
    sim.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn serve(mut port: Box<dyn SerialPort>, rx: Receiver<Command>) {
    let _ = port.set_timeout(Duration::from_millis(500));
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::Write(emits) => {
                for emit in emits {
                    match emit {
                        Emit::Bytes(b) => {
                            if port.write_all(&b).and_then(|()| port.flush()).is_err() {
                                return;
                            }
                        }
                        Emit::Pause(d) => std::thread::sleep(d),
                    }
                }
            }
            Command::Sync(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Serves `sim` on `port` (the scanner's end) until the handle is dropped or unplugged.
pub fn spawn(port: Box<dyn SerialPort>, sim: ScanSimulator) -> SimulatorHandle {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || serve(port, rx));
    SimulatorHandle {
        sim: Arc::new(Mutex::new(sim)),
        tx: Some(tx),
        thread: Some(thread),
    }
}

impl SimulatorHandle {
    fn send(&self, emits: Vec<Emit>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Command::Write(emits));
        }
    }

    /// Scans `text` (queued; writes happen on the simulator's thread, in order).
    pub fn scan(&self, text: &str) {
        let emits = lock(&self.sim).scan(text);
        self.send(emits);
    }

    /// Writes `bytes` as they are.
    pub fn send_raw(&self, bytes: &[u8]) {
        let emits = lock(&self.sim).raw(bytes);
        self.send(emits);
    }

    /// Writes a junk line of `len` bytes.
    pub fn noise(&self, len: usize) {
        let emits = lock(&self.sim).noise(len);
        self.send(emits);
    }

    /// Runs `f` on the simulator (e.g. change its suffix or encoding).
    pub fn with<R>(&self, f: impl FnOnce(&mut ScanSimulator) -> R) -> R {
        f(&mut lock(&self.sim))
    }

    /// Waits until everything queued so far has been written; false if the line is gone.
    pub fn flush(&self) -> bool {
        let (done_tx, done_rx) = mpsc::channel();
        match &self.tx {
            Some(tx) if tx.send(Command::Sync(done_tx)).is_ok() => done_rx.recv().is_ok(),
            _ => false,
        }
    }

    /// Finishes the queued writes, then closes the scanner's end of the line, like pulling
    /// the cable: the driver's next read fails with 「扫码枪未连接」.
    pub fn unplug(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.unplug();
    }
}

/// A pty pair with the simulator writing into the master end; returns the slave end as the
/// driver's transport (it behaves like a real serial port, including split reads).
#[cfg(unix)]
pub fn pty_pair(
    sim: ScanSimulator,
) -> std::io::Result<(crate::serial::SerialLink, SimulatorHandle)> {
    let (master, slave) = serialport::TTYPort::pair().map_err(std::io::Error::from)?;
    let handle = spawn(Box::new(master), sim);
    Ok((
        crate::serial::SerialLink::from_port(Box::new(slave)),
        handle,
    ))
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
