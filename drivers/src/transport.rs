//! The one transport family every byte-level driver talks through.
//!
//! - [`ByteSource`]: bytes in, with bounded waits (a scanner gun only talks);
//! - [`ByteStream`]: a duplex byte stream (the ID-card reader's SAM, the receipt printer);
//! - [`FrameSource`]: whole frames out of a byte source; [`Framed`] makes one from any
//!   [`ByteSource`] and a streaming [`Deframer`] (the SAM frame decoder, the scan framer).
//!
//! Implemented by the serial link ([`crate::serial::SerialLink`]: COM ports, USB-CDC, pty
//! pairs), the USB bulk pipe of the ID-card reader ([`crate::idcard::usb::UsbTransport`]),
//! and the receipt printer's raw TCP and USB printer-class links
//! ([`crate::escpos::printer`]).

use std::io;
use std::time::{Duration, Instant};

/// Bytes in, with bounded waits.
pub trait ByteSource {
    /// Receives what is available, waiting at most `timeout`; `Ok(0)` when nothing came. An
    /// error means the link is gone (a closed link is `UnexpectedEof`).
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Drops input nobody asked for (late replies, line noise, scans before start-up).
    fn discard_input(&mut self) -> io::Result<()> {
        Ok(())
    }
    /// Where the link goes, for IT (`serial /dev/ttyUSB0`, `tcp 10.1.2.3:9100`).
    fn describe(&self) -> String;
}

/// A duplex byte stream with bounded waits.
pub trait ByteStream: ByteSource {
    /// Sends all of `bytes` (each link bounds its own write wait).
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
}

impl<T: ByteSource + ?Sized> ByteSource for Box<T> {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        (**self).recv(buf, timeout)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        (**self).discard_input()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: ByteStream + ?Sized> ByteStream for Box<T> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        (**self).send(bytes)
    }
}

/// A pure streaming decoder: bytes in, frames out.
pub trait Deframer {
    /// What comes out: a frame, or why the bytes were not one.
    type Frame;
    fn push(&mut self, bytes: &[u8]);
    /// The next complete frame, if any.
    fn next_frame(&mut self) -> Option<Self::Frame>;
    /// Forgets everything pushed so far.
    fn clear(&mut self);
    /// While a frame is unfinished: how long a quiet line may last before [`idle`] is called
    /// (e.g. a scanner without a suffix ends a scan by pausing). `None`: no such gap.
    ///
    /// [`idle`]: Deframer::idle
    fn idle_gap(&self) -> Option<Duration> {
        None
    }
    /// The line has been quiet for [`idle_gap`](Deframer::idle_gap).
    fn idle(&mut self) {}
}

/// Whole frames with bounded waits.
pub trait FrameSource {
    type Frame;
    /// Waits at most `timeout` for the next frame; `Ok(None)` when none came in time. An
    /// error means the link is gone.
    fn next_frame(&mut self, timeout: Duration) -> io::Result<Option<Self::Frame>>;
    /// Drops the input received so far, decoded or not.
    fn discard(&mut self) -> io::Result<()>;
}

/// The longest single wait on the link, so deadlines and quiet gaps are noticed in time.
const SLICE: Duration = Duration::from_millis(50);

/// A [`FrameSource`] from a [`ByteSource`] and a [`Deframer`].
#[derive(Debug)]
pub struct Framed<S, D> {
    source: S,
    deframer: D,
    /// When the last byte arrived, while a frame is unfinished.
    last_byte: Option<Instant>,
}

impl<S: ByteSource, D: Deframer> Framed<S, D> {
    pub fn new(source: S, deframer: D) -> Self {
        Framed {
            source,
            deframer,
            last_byte: None,
        }
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    pub fn deframer(&self) -> &D {
        &self.deframer
    }

    pub fn into_source(self) -> S {
        self.source
    }
}

impl<S: ByteStream, D: Deframer> Framed<S, D> {
    /// Sends `bytes` on the link.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.source.send(bytes)
    }
}

impl<S: ByteSource, D: Deframer> FrameSource for Framed<S, D> {
    type Frame = D::Frame;

    fn next_frame(&mut self, timeout: Duration) -> io::Result<Option<D::Frame>> {
        let start = Instant::now();
        let mut buf = [0u8; 1024];
        loop {
            if let Some(frame) = self.deframer.next_frame() {
                return Ok(Some(frame));
            }
            let now = Instant::now();
            let quiet = self
                .last_byte
                .zip(self.deframer.idle_gap())
                .map(|(last, gap)| (now.duration_since(last), gap));
            if let Some((quiet, gap)) = quiet {
                if quiet >= gap {
                    // Quiet long enough to end (or drop) the unfinished frame.
                    self.last_byte = None;
                    self.deframer.idle();
                    continue;
                }
            }
            let elapsed = now.duration_since(start);
            if elapsed >= timeout {
                return Ok(None);
            }
            let mut wait = (timeout - elapsed).min(SLICE);
            if let Some((quiet, gap)) = quiet {
                wait = wait.min((gap - quiet).max(Duration::from_millis(1)));
            }
            let n = self.source.recv(&mut buf, wait)?;
            if let Some(bytes) = buf.get(..n).filter(|b| !b.is_empty()) {
                self.deframer.push(bytes);
                self.last_byte = self.deframer.idle_gap().map(|_| Instant::now());
            }
        }
    }

    fn discard(&mut self) -> io::Result<()> {
        self.deframer.clear();
        self.last_byte = None;
        self.source.discard_input()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Bytes that arrive in the given chunks, one per receive; then nothing.
    struct Chunks(VecDeque<Vec<u8>>);

    impl ByteSource for Chunks {
        fn recv(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
            let Some(chunk) = self.0.pop_front() else {
                return Ok(0);
            };
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            Ok(n)
        }
        fn describe(&self) -> String {
            "chunks".into()
        }
    }

    /// Lines ended by `\n`; with `gap`, a quiet line also ends one.
    #[derive(Default)]
    struct Lines {
        pending: Vec<u8>,
        done: VecDeque<String>,
        gap: Option<Duration>,
    }

    impl Deframer for Lines {
        type Frame = String;
        fn push(&mut self, bytes: &[u8]) {
            for &b in bytes {
                if b == b'\n' {
                    let line = std::mem::take(&mut self.pending);
                    self.done.push_back(String::from_utf8_lossy(&line).into());
                } else {
                    self.pending.push(b);
                }
            }
        }
        fn next_frame(&mut self) -> Option<String> {
            self.done.pop_front()
        }
        fn clear(&mut self) {
            self.pending.clear();
            self.done.clear();
        }
        fn idle_gap(&self) -> Option<Duration> {
            self.gap.filter(|_| !self.pending.is_empty())
        }
        fn idle(&mut self) {
            self.push(b"\n");
        }
    }

    fn framed(chunks: &[&[u8]], gap: Option<Duration>) -> Framed<Chunks, Lines> {
        let chunks = Chunks(chunks.iter().map(|c| c.to_vec()).collect());
        Framed::new(
            chunks,
            Lines {
                gap,
                ..Lines::default()
            },
        )
    }

    #[test]
    fn frames_split_across_reads_come_out_whole_and_in_order() {
        let mut f = framed(&[b"A0", b"23\nYC", b"BJ\n"], None);
        let t = Duration::from_secs(1);
        assert_eq!(f.next_frame(t).unwrap().as_deref(), Some("A023"));
        assert_eq!(f.next_frame(t).unwrap().as_deref(), Some("YCBJ"));
    }

    #[test]
    fn nothing_in_time_is_none_and_an_unfinished_frame_waits_without_a_gap() {
        let mut f = framed(&[b"half"], None);
        assert_eq!(f.next_frame(Duration::from_millis(20)).unwrap(), None);
        assert_eq!(f.deframer().pending, b"half");
    }

    #[test]
    fn a_quiet_line_ends_an_unfinished_frame_when_the_deframer_has_a_gap() {
        let mut f = framed(&[b"A023"], Some(Duration::from_millis(10)));
        assert_eq!(
            f.next_frame(Duration::from_secs(5)).unwrap().as_deref(),
            Some("A023")
        );
    }

    #[test]
    fn discard_forgets_decoded_and_pending_input() {
        let mut f = framed(&[b"old\nha"], None);
        assert_eq!(
            f.next_frame(Duration::from_millis(20)).unwrap().as_deref(),
            Some("old")
        );
        f.discard().unwrap();
        assert!(f.deframer().pending.is_empty());
        assert_eq!(f.next_frame(Duration::from_millis(20)).unwrap(), None);
    }
}
