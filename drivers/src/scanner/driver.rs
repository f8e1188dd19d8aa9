//! The scanner driver: reads its byte source through a [`Framed`] line with the
//! [`ScanFramer`] as deframer; the line's quiet time ends a scan sent without a suffix.

use std::time::Duration;

use super::codec::{FrameError, FramerConfig, ScanEvent, ScanFramer};
use super::error::ScannerError;
use crate::transport::{ByteSource, Deframer, FrameSource, Framed};

/// What the app needs from a scanner, whatever carries the scans.
pub trait ScanSource {
    /// Waits at most `timeout` for the next scan. `Ok(None)`: nothing was scanned in time.
    /// `Err` with [`ScannerError::is_fatal`] false: one scan was dropped, keep calling.
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanEvent>, ScannerError>;
}

impl<S: ScanSource + ?Sized> ScanSource for Box<S> {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanEvent>, ScannerError> {
        (**self).next_scan(timeout)
    }
}

/// Driver settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScannerConfig {
    pub framing: FramerConfig,
}

/// A serial-mode scanner over any [`ByteSource`].
#[derive(Debug)]
pub struct Scanner<T: ByteSource> {
    link: Framed<T, ScanFramer>,
}

impl<T: ByteSource> Scanner<T> {
    /// Checks the configuration ([`ScannerError::Config`]) and starts with an empty line.
    pub fn new(transport: T, config: ScannerConfig) -> Result<Self, ScannerError> {
        config.framing.validate().map_err(ScannerError::Config)?;
        Ok(Self {
            link: Framed::new(transport, ScanFramer::new(config.framing)),
        })
    }

    pub fn framing(&self) -> &FramerConfig {
        self.link.deframer().config()
    }

    pub fn transport_mut(&mut self) -> &mut T {
        self.link.source_mut()
    }

    pub fn into_transport(self) -> T {
        self.link.into_source()
    }

    /// Drops anything received so far (e.g. a scan made before the page was ready).
    pub fn discard(&mut self) -> Result<(), ScannerError> {
        self.link
            .discard()
            .map_err(|e| ScannerError::Io(e.to_string()))
    }
}

impl<T: ByteSource> ScanSource for Scanner<T> {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanEvent>, ScannerError> {
        match self.link.next_frame(timeout) {
            Ok(scan) => scan.transpose().map_err(ScannerError::Frame),
            Err(e) => Err(ScannerError::Io(e.to_string())),
        }
    }
}

/// The scan framer as the deframer of the scanner's [`Framed`] line: the line's quiet time
/// ends (or drops) an unfinished scan.
impl Deframer for ScanFramer {
    type Frame = Result<ScanEvent, FrameError>;
    fn push(&mut self, bytes: &[u8]) {
        ScanFramer::push(self, bytes);
    }
    fn next_frame(&mut self) -> Option<Self::Frame> {
        self.next_scan()
    }
    fn clear(&mut self) {
        ScanFramer::clear(self);
    }
    fn idle_gap(&self) -> Option<Duration> {
        self.is_mid_scan().then(|| self.config().idle_timeout())
    }
    fn idle(&mut self) {
        ScanFramer::idle(self);
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::{FrameError, Suffix};
    use super::*;
    use std::collections::VecDeque;
    use std::io;

    /// Replays chunks, each after a pause; then idles, or fails like an unplugged port.
    #[derive(Debug)]
    struct Script {
        chunks: VecDeque<(Duration, Vec<u8>)>,
        unplug_at_end: bool,
    }

    impl ByteSource for Script {
        fn describe(&self) -> String {
            "script".into()
        }
        fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
            match self.chunks.front_mut() {
                Some((pause, _)) if *pause > timeout => {
                    *pause -= timeout;
                    std::thread::sleep(timeout);
                    Ok(0)
                }
                Some(_) => {
                    let (pause, bytes) = self.chunks.pop_front().unwrap_or_default();
                    std::thread::sleep(pause);
                    let n = bytes.len().min(buf.len());
                    buf[..n].copy_from_slice(&bytes[..n]);
                    Ok(n)
                }
                None if self.unplug_at_end => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
                None => {
                    std::thread::sleep(timeout);
                    Ok(0)
                }
            }
        }
    }

    fn script(chunks: &[(u64, &[u8])], unplug_at_end: bool) -> Script {
        Script {
            chunks: chunks
                .iter()
                .map(|(ms, b)| (Duration::from_millis(*ms), b.to_vec()))
                .collect(),
            unplug_at_end,
        }
    }

    #[test]
    fn yields_one_event_per_scan_then_none() {
        let t = script(&[(0, b"AB"), (5, b"C\rDEF\r")], false);
        let mut s = Scanner::new(t, ScannerConfig::default()).unwrap();
        let wait = Duration::from_millis(300);
        assert_eq!(s.next_scan(wait).unwrap().unwrap().text, "ABC");
        assert_eq!(s.next_scan(wait).unwrap().unwrap().text, "DEF");
        assert_eq!(s.next_scan(Duration::from_millis(30)).unwrap(), None);
    }

    #[test]
    fn no_suffix_scans_end_after_the_idle_gap() {
        let t = script(&[(0, b"1234"), (5, b"5678"), (120, b"next")], false);
        let mut cfg = ScannerConfig::default();
        cfg.framing.suffix = Suffix::None;
        cfg.framing.idle_gap = Duration::from_millis(40);
        let mut s = Scanner::new(t, cfg).unwrap();
        let wait = Duration::from_millis(500);
        assert_eq!(s.next_scan(wait).unwrap().unwrap().text, "12345678");
        assert_eq!(s.next_scan(wait).unwrap().unwrap().text, "next");
    }

    #[test]
    fn missing_suffix_and_unplug_are_typed() {
        let t = script(&[(0, b"partial")], true);
        let mut cfg = ScannerConfig::default();
        cfg.framing.stale_after = Duration::from_millis(30);
        let mut s = Scanner::new(t, cfg).unwrap();
        let e = s.next_scan(Duration::from_millis(10)).unwrap_err();
        // The unplug is seen before the quiet time elapsed.
        assert!(e.is_fatal(), "{e}");
        assert_eq!(e.kind(), crate::ErrorKind::NotConnected);

        let t = script(&[(0, b"partial")], false);
        let mut cfg = ScannerConfig::default();
        cfg.framing.stale_after = Duration::from_millis(30);
        let mut s = Scanner::new(t, cfg).unwrap();
        let e = s.next_scan(Duration::from_millis(300)).unwrap_err();
        assert_eq!(
            e,
            ScannerError::Frame(FrameError::MissingSuffix {
                suffix: Suffix::Cr,
                len: 7
            })
        );
    }

    #[test]
    fn bad_config_is_rejected() {
        let mut cfg = ScannerConfig::default();
        cfg.framing.max_len = 0;
        let e = Scanner::new(script(&[], false), cfg).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Misconfigured);
    }
}
