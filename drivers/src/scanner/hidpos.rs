//! USB HID-POS scanners: the fast mode scanner guns offer beside keyboard wedge and serial
//! (HID usage page 0x8C, "Bar Code Scanner", of the USB HID Point of Sale Usage Tables). The
//! scanner is a HID device of its own, not a keyboard: a scan arrives whole, in input reports,
//! and never types into the page.
//!
//! The input report scanners in this mode send (Honeywell, Zebra, Newland, Access-IS manuals;
//! the layout Windows' "HID Barcode Scanner" class driver reads), 64 bytes:
//!
//! | byte  | content                                                        |
//! |-------|----------------------------------------------------------------|
//! | 0     | report ID, 0x02                                                |
//! | 1     | number of data bytes in this report (0–56)                     |
//! | 2–4   | AIM symbology identifier (`]Q1`: QR code)                      |
//! | 5–60  | data, zero-padded                                              |
//! | 61    | vendor's own symbology identifier                              |
//! | 62    | reserved                                                       |
//! | 63    | bit 0 set: the scan continues in the next report               |
//!
//! A scan longer than 56 bytes comes in several reports, each but the last with the
//! continuation bit. [`HidPosScanner`] puts them together and decodes the text like the serial
//! path ([`decode_scan`](super::codec::decode_scan): UTF-8 or GB18030, AIM identifier).
//!
//! Reports come from a [`ByteSource`] whose every receive is one whole report (a HID
//! interface is message-based): on Linux the kernel's hidraw node ([`Hidraw`], found by its
//! report descriptor's usage page); [`SimulatedHidPosScanner`] is the device's end of the
//! same reports, for tests and for trying the path without a scanner. [`ReportDeframer`]
//! makes scans of them, so the scanner is a [`Framed`] link like the serial one.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use super::codec::{decode_scan, FrameError, FramerConfig, ScanEvent};
use super::driver::ScanSource;
use super::error::ScannerError;
use crate::transport::{ByteSource, Deframer, FrameSource, Framed};

/// The HID usage page of bar code scanners.
pub const USAGE_PAGE: u16 = 0x8C;
/// The input report carrying scanned data.
pub const SCAN_REPORT_ID: u8 = 0x02;
/// Length of the scanned-data report, report ID included.
pub const REPORT_LEN: usize = 64;
/// Data bytes one report carries.
pub const DATA_PER_REPORT: usize = 56;
const DATA_AT: usize = 5;
const CONTINUED_AT: usize = 63;

/// Puts a scan's reports together. Never panics on any report.
#[derive(Debug, Default)]
pub struct ReportAssembler {
    /// AIM identifier and data of the reports so far of an unfinished scan.
    pending: Vec<u8>,
    /// A report of this scan was malformed: drop the rest of it.
    broken: bool,
}

impl ReportAssembler {
    /// Takes one input report. `None`: not a scan report, or the scan goes on; `Some(Ok)`:
    /// the scan's AIM identifier and data; `Some(Err)`: the scan was dropped.
    pub fn push(&mut self, report: &[u8], limit: usize) -> Option<Result<Vec<u8>, FrameError>> {
        if report.first() != Some(&SCAN_REPORT_ID) {
            return None;
        }
        let continued = report.get(CONTINUED_AT).is_some_and(|b| b & 1 == 1);
        let len = usize::from(report.get(1).copied().unwrap_or(0));
        let data = report.get(DATA_AT..DATA_AT + len);
        match (data, report.get(2..DATA_AT)) {
            (Some(data), Some(aim)) if len <= DATA_PER_REPORT && !self.broken => {
                if self.pending.is_empty() {
                    self.pending.extend_from_slice(aim);
                }
                self.pending.extend_from_slice(data);
                if self.pending.len() > limit + 3 {
                    self.broken = true;
                }
            }
            _ => self.broken = true,
        }
        if continued {
            return None;
        }
        let pending = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.broken) {
            return Some(Err(if pending.len() > limit + 3 {
                FrameError::TooLong { limit }
            } else {
                FrameError::BadReport {
                    len: report.len(),
                    preview: super::codec::hex_preview(report, 8),
                }
            }));
        }
        Some(Ok(pending))
    }

    pub fn clear(&mut self) {
        self.pending.clear();
        self.broken = false;
    }
}

/// Scans out of input reports: each [`push`](Deframer::push) is one whole report.
#[derive(Debug)]
pub struct ReportDeframer {
    framing: FramerConfig,
    assembler: ReportAssembler,
    scans: VecDeque<Result<ScanEvent, FrameError>>,
}

impl ReportDeframer {
    /// The suffix and quiet-line settings do not apply (a scan ends with its last report);
    /// the encoding and the length limit do, and the AIM identifier is always there.
    pub fn new(framing: FramerConfig) -> Self {
        Self {
            framing: FramerConfig {
                aim_prefix: true,
                ..framing
            },
            assembler: ReportAssembler::default(),
            scans: VecDeque::new(),
        }
    }
}

impl Deframer for ReportDeframer {
    type Frame = Result<ScanEvent, FrameError>;
    fn push(&mut self, report: &[u8]) {
        if let Some(scan) = self.assembler.push(report, self.framing.max_len) {
            self.scans
                .push_back(scan.and_then(|payload| decode_scan(&payload, &self.framing)));
        }
    }
    fn next_frame(&mut self) -> Option<Self::Frame> {
        self.scans.pop_front()
    }
    fn clear(&mut self) {
        self.assembler.clear();
        self.scans.clear();
    }
}

/// A HID-POS scanner over any message-based source of its input reports.
#[derive(Debug)]
pub struct HidPosScanner<T: ByteSource> {
    link: Framed<T, ReportDeframer>,
}

impl<T: ByteSource> HidPosScanner<T> {
    pub fn new(reports: T, framing: FramerConfig) -> Result<Self, ScannerError> {
        framing.validate().map_err(ScannerError::Config)?;
        Ok(Self {
            link: Framed::new(reports, ReportDeframer::new(framing)),
        })
    }

    pub fn reports_mut(&mut self) -> &mut T {
        self.link.source_mut()
    }
}

impl<T: ByteSource> ScanSource for HidPosScanner<T> {
    fn next_scan(&mut self, timeout: Duration) -> Result<Option<ScanEvent>, ScannerError> {
        match self.link.next_frame(timeout) {
            Ok(scan) => scan.transpose().map_err(ScannerError::Frame),
            Err(e) => Err(ScannerError::Io(e.to_string())),
        }
    }
}

/// The reports a HID-POS scanner sends for one scan of `data` with AIM identifier `aim`.
pub fn scan_reports(aim: [u8; 3], data: &[u8]) -> Vec<[u8; REPORT_LEN]> {
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(DATA_PER_REPORT).collect()
    };
    let last = chunks.len() - 1;
    chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut r = [0u8; REPORT_LEN];
            r[0] = SCAN_REPORT_ID;
            r[1] = chunk.len() as u8;
            r[2..DATA_AT].copy_from_slice(&aim);
            r[DATA_AT..DATA_AT + chunk.len()].copy_from_slice(chunk);
            r[CONTINUED_AT] = u8::from(i < last);
            r
        })
        .collect()
}

/// The scanner's end of the reports, for tests and for the path without a device: what it is
/// given to scan comes out as the device's input reports.
#[derive(Debug, Default)]
pub struct SimulatedHidPosScanner {
    queued: std::collections::VecDeque<Vec<u8>>,
}

impl SimulatedHidPosScanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// A QR code (`]Q1`) read as `data`.
    pub fn scan(&mut self, data: &[u8]) {
        self.queue_reports(scan_reports(*b"]Q1", data).iter().map(|r| r.to_vec()));
    }

    /// Any reports, as a device would send them (malformed ones included).
    pub fn queue_reports(&mut self, reports: impl IntoIterator<Item = Vec<u8>>) {
        self.queued.extend(reports);
    }
}

impl ByteSource for SimulatedHidPosScanner {
    fn recv(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        match self.queued.pop_front() {
            Some(r) => {
                let n = r.len().min(buf.len());
                buf[..n].copy_from_slice(&r[..n]);
                Ok(n)
            }
            None => Ok(0),
        }
    }
    fn describe(&self) -> String {
        "simulated HID-POS scanner".into()
    }
}

#[cfg(target_os = "linux")]
pub use hidraw::{find_hidraw, Hidraw};

#[cfg(target_os = "linux")]
mod hidraw {
    use super::USAGE_PAGE;
    use crate::transport::ByteSource;
    use std::fs::File;
    use std::io::{self, Read};
    use std::os::fd::AsRawFd;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    /// A hidraw device node (`/dev/hidrawN`), or any file descriptor with its semantics: one
    /// read, one report.
    #[derive(Debug)]
    pub struct Hidraw {
        file: File,
        path: String,
    }

    impl Hidraw {
        pub fn open(path: &Path) -> io::Result<Self> {
            Ok(Self {
                file: File::open(path)?,
                path: path.display().to_string(),
            })
        }

        /// Over an already open descriptor (tests pass a datagram socket).
        pub fn from_file(file: File, path: &str) -> Self {
            Self {
                file,
                path: path.to_string(),
            }
        }
    }

    /// One receive, one input report (report ID first).
    impl ByteSource for Hidraw {
        fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
            let mut pfd = libc::pollfd {
                fd: self.file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
            match ready {
                0 => Ok(0),
                n if n < 0 => {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        Ok(0)
                    } else {
                        Err(e)
                    }
                }
                _ if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0
                    && pfd.revents & libc::POLLIN == 0 =>
                {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "HID device gone",
                    ))
                }
                _ => match self.file.read(buf)? {
                    0 => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "HID device gone",
                    )),
                    n => Ok(n),
                },
            }
        }
        fn describe(&self) -> String {
            format!("hidraw {}", self.path)
        }
    }

    /// Finds a HID-POS scanner among the hidraw devices under `sys_class` (normally
    /// `/sys/class/hidraw`): the first whose report descriptor declares usage page 0x8C and,
    /// when `id` is given, whose USB vendor and product IDs match. Returns its `/dev` node.
    pub fn find_hidraw(sys_class: &Path, id: Option<(u16, u16)>) -> Option<PathBuf> {
        let mut names: Vec<_> = std::fs::read_dir(sys_class)
            .ok()?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("hidraw"))
            .collect();
        names.sort_by_key(|n| {
            n.trim_start_matches("hidraw")
                .parse::<u32>()
                .unwrap_or(u32::MAX)
        });
        names.into_iter().find_map(|name| {
            let device = sys_class.join(&name).join("device");
            let descriptor = std::fs::read(device.join("report_descriptor")).ok()?;
            if !usage_pages(&descriptor).contains(&USAGE_PAGE) {
                return None;
            }
            if let Some(want) = id {
                let uevent = std::fs::read_to_string(device.join("uevent")).ok()?;
                if hid_id(&uevent) != Some(want) {
                    return None;
                }
            }
            Some(PathBuf::from("/dev").join(name))
        })
    }

    /// Every usage page a HID report descriptor declares (its global Usage Page items).
    pub(crate) fn usage_pages(descriptor: &[u8]) -> Vec<u16> {
        let mut pages = Vec::new();
        let mut i = 0;
        while let Some(&prefix) = descriptor.get(i) {
            if prefix == 0xFE {
                // Long item: size in the next byte, then its tag, then the data.
                let size = usize::from(descriptor.get(i + 1).copied().unwrap_or(0));
                i += 3 + size;
                continue;
            }
            let size = match prefix & 0x03 {
                3 => 4,
                n => usize::from(n),
            };
            // Usage Page: tag 0, type global (1).
            if prefix & 0xFC == 0x04 {
                let Some(data) = descriptor.get(i + 1..i + 1 + size) else {
                    break; // truncated at the end
                };
                let value = data
                    .iter()
                    .rev()
                    .fold(0u32, |v, &b| (v << 8) | u32::from(b));
                if let Ok(page) = u16::try_from(value) {
                    pages.push(page);
                }
            }
            i += 1 + size;
        }
        pages
    }

    /// `HID_ID=0003:00000C2E:00000B61` → (0x0C2E, 0x0B61).
    fn hid_id(uevent: &str) -> Option<(u16, u16)> {
        let value = uevent.lines().find_map(|l| l.strip_prefix("HID_ID="))?;
        let mut parts = value.split(':').skip(1);
        let vid = u32::from_str_radix(parts.next()?, 16).ok()?;
        let pid = u32::from_str_radix(parts.next()?, 16).ok()?;
        Some((u16::try_from(vid).ok()?, u16::try_from(pid).ok()?))
    }

    #[cfg(test)]
    pub(crate) fn hid_id_for_tests(uevent: &str) -> Option<(u16, u16)> {
        hid_id(uevent)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests;
