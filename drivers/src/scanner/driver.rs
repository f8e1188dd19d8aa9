//! The scanner driver: reads the transport, frames with [`ScanFramer`], and keeps the one
//! clock the framer needs (how long the line has been quiet).

use std::time::{Duration, Instant};

use super::codec::{FramerConfig, ScanEvent, ScanFramer};
use super::error::ScannerError;
use super::transport::Transport;

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

/// A serial-mode scanner over any [`Transport`].
#[derive(Debug)]
pub struct Scanner<T: Transport> {
    transport: T,
    framer: ScanFramer,
    /// When the last byte arrived, while a scan is unfinished.
    last_byte: Option<Instant>,
}

impl<T: Transport> Scanner<T> {
    /// Checks the configuration ([`ScannerError::Config`]) and starts with an empty line.
    pub fn new(transport: T, config: ScannerConfig) -> Result<Self, ScannerError> {
        config.framing.validate().map_err(ScannerError::Config)?;
        Ok(Self {
            transport,
            framer: ScanFramer::new(config.framing),
            last_byte: None,
        })
    }

    pub fn framing(&self) -> &FramerConfig {
        self.framer.config()
    }

    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    pub fn into_transport(self) -> T {
        self.transport
    }

    /// Drops anything received so far (e.g. a scan made before the page was ready).
    pub fn discard(&mut self) -> Result<(), ScannerError> {
        self.framer.clear();
        self.last_byte = None;
        self.transport
            .discard_input()
            .map_err(|e| ScannerError::Io(e.to_string()))
    }
}

impl<T: Transport> ScanSource for Scanner<T> {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanEvent>, ScannerError> {
        let start = Instant::now();
        let idle_timeout = self.framer.config().idle_timeout();
        let mut buf = [0u8; 1024];
        loop {
            if let Some(result) = self.framer.next_scan() {
                return result.map(Some).map_err(ScannerError::Frame);
            }
            let now = Instant::now();
            // The line has been quiet long enough to end (or drop) the unfinished scan.
            if let Some(last) = self.last_byte {
                if now.duration_since(last) >= idle_timeout {
                    self.last_byte = None;
                    self.framer.idle();
                    continue;
                }
            }
            let elapsed = now.duration_since(start);
            if elapsed >= timeout {
                return Ok(None);
            }
            let mut wait = (timeout - elapsed).min(Duration::from_millis(100));
            if let Some(last) = self.last_byte {
                let until_idle = idle_timeout.saturating_sub(now.duration_since(last));
                wait = wait.min(until_idle.max(Duration::from_millis(1)));
            }
            let n = self
                .transport
                .recv(&mut buf, wait)
                .map_err(|e| ScannerError::Io(e.to_string()))?;
            if let Some(bytes) = buf.get(..n).filter(|b| !b.is_empty()) {
                self.framer.push(bytes);
                self.last_byte = self.framer.is_mid_scan().then(Instant::now);
            }
        }
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

    impl Transport for Script {
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
