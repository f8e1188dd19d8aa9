//! The USB "部标" (ministry-standard) interface: a vendor-class interface (class 0xFF, subclass
//! 0, protocol 0) with a bulk (or interrupt) IN and OUT endpoint pair of 64-byte packets,
//! carrying exactly the SAM frames of the serial link (HARDWARE.md §1.5). Readers known to
//! use it: 0400:C35A, 0316:5020 (Synjones), 2B19:0200 (捷宇).
//!
//! [`UsbTransport`] turns any [`UsbPipe`] into the reader's [`ByteStream`]: commands go out one
//! packet per transfer (some readers drop a frame written as one long transfer), replies are
//! read in packet-multiple transfers and handed on as bytes, so the frame decoder sees the same
//! stream as on a serial line. [`LibusbPipe`] is the real pipe, through libusb (`rusb`; the
//! libusb sources are built in, so no system package is needed on Linux or Windows).
//! [`SimulatedUsbReader`] is the reader's end of the same endpoints, served by
//! [`SamSimulator`], for tests and for trying the USB path without a device.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::time::Duration;

use super::error::IdCardError;
use super::simulator::{Emit, SamSimulator};
use crate::error::ErrorKind;
use crate::transport::{ByteSource, ByteStream};

/// VID:PID pairs of readers known to speak the 部标 interface.
pub const KNOWN_READERS: [(u16, u16); 4] = [
    (0x0400, 0xC35A),
    (0x0316, 0x5020),
    (0x2B19, 0x0200),
    (0x2B19, 0xC35A),
];

/// Which USB reader to open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsbConfig {
    /// `Some` to open exactly this VID:PID; `None` to take the first known reader.
    pub id: Option<(u16, u16)>,
}

impl UsbConfig {
    /// Parses the config's `port` for a USB reader: empty for any known reader, or `VID:PID`
    /// in hex (`0400:c35a`).
    pub fn parse(port: &str) -> Result<Self, String> {
        let port = port.trim();
        if port.is_empty() {
            return Ok(Self::default());
        }
        let (v, p) = port
            .split_once(':')
            .ok_or_else(|| format!("expected VID:PID in hex, got {port:?}"))?;
        let hex = |s: &str| {
            u16::from_str_radix(s.trim().trim_start_matches("0x"), 16)
                .map_err(|_| format!("expected VID:PID in hex, got {port:?}"))
        };
        Ok(Self {
            id: Some((hex(v)?, hex(p)?)),
        })
    }

    fn matches(&self, vid: u16, pid: u16) -> bool {
        match self.id {
            Some(id) => id == (vid, pid),
            None => KNOWN_READERS.contains(&(vid, pid)),
        }
    }

    fn describe(&self) -> String {
        match self.id {
            Some((v, p)) => format!("{v:04x}:{p:04x}"),
            None => KNOWN_READERS
                .iter()
                .map(|(v, p)| format!("{v:04x}:{p:04x}"))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Why a USB transfer failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeError {
    /// The device left the bus.
    Gone(String),
    /// A write did not complete in time.
    Timeout,
    /// Anything else libusb reports (stall, overflow, I/O).
    Other(String),
}

impl PipeError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PipeError::Gone(_) => ErrorKind::NotConnected,
            PipeError::Timeout => ErrorKind::Timeout,
            PipeError::Other(_) => ErrorKind::DeviceFault,
        }
    }
}

impl From<PipeError> for io::Error {
    fn from(e: PipeError) -> Self {
        match e {
            PipeError::Gone(d) => io::Error::new(io::ErrorKind::NotConnected, d),
            PipeError::Timeout => io::Error::new(io::ErrorKind::TimedOut, "USB write timed out"),
            PipeError::Other(d) => io::Error::other(d),
        }
    }
}

/// An OUT and an IN endpoint of one claimed interface.
pub trait UsbPipe: Send {
    /// The endpoints' packet size (64 on full-speed readers).
    fn max_packet(&self) -> usize;
    /// One OUT transfer; returns the bytes written.
    fn write(&mut self, bytes: &[u8], timeout: Duration) -> Result<usize, PipeError>;
    /// One IN transfer into `buf` (a packet multiple); `Ok(0)` when nothing came in time.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError>;
}

/// The reader's [`ByteStream`] over a USB pipe.
pub struct UsbTransport<P: UsbPipe> {
    pipe: P,
    pending: VecDeque<u8>,
    chunk: Vec<u8>,
    name: String,
}

impl<P: UsbPipe> fmt::Debug for UsbTransport<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsbTransport")
            .field("device", &self.name)
            .finish()
    }
}

/// Write timeout per packet; a reader that cannot take 64 bytes in this time is stuck.
const WRITE_TIMEOUT: Duration = Duration::from_millis(500);

impl<P: UsbPipe> UsbTransport<P> {
    pub fn new(pipe: P, name: impl Into<String>) -> Self {
        let packet = pipe.max_packet().clamp(8, 1024);
        // A reply (≤ 1295 bytes for a full read) fits in one transfer of whole packets, so
        // libusb never reports an overflow.
        let chunk = vec![0u8; packet * (4096 / packet).max(1)];
        Self {
            pipe,
            pending: VecDeque::new(),
            chunk,
            name: name.into(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Gives the pipe back (closing the transport).
    pub fn into_pipe(self) -> P {
        self.pipe
    }
}

impl<P: UsbPipe> ByteSource for UsbTransport<P> {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        if self.pending.is_empty() {
            let n = self.pipe.read(&mut self.chunk, timeout)?;
            self.pending
                .extend(self.chunk.get(..n).unwrap_or(&[]).iter().copied());
        }
        let n = buf.len().min(self.pending.len());
        for (dst, src) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }

    fn discard_input(&mut self) -> io::Result<()> {
        self.pending.clear();
        // Late replies sit in the device's IN buffer; a bounded drain, never an endless one.
        for _ in 0..16 {
            if self.pipe.read(&mut self.chunk, Duration::from_millis(1))? == 0 {
                break;
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("usb {}", self.name)
    }
}

impl<P: UsbPipe> ByteStream for UsbTransport<P> {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let packet = self.pipe.max_packet().clamp(8, 1024);
        for piece in bytes.chunks(packet) {
            let mut off = 0;
            while off < piece.len() {
                let rest = piece.get(off..).unwrap_or(&[]);
                let n = self.pipe.write(rest, WRITE_TIMEOUT)?;
                if n == 0 {
                    return Err(PipeError::Timeout.into());
                }
                off += n;
            }
        }
        Ok(())
    }
}

/// A USB device as enumerated, for the diagnose tool and error details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbDeviceInfo {
    pub vid: u16,
    pub pid: u16,
    pub bus: u8,
    pub address: u8,
    /// A known 部标 reader (or the configured VID:PID).
    pub is_reader: bool,
}

/// The real pipe: a claimed vendor-class interface through libusb.
pub struct LibusbPipe {
    handle: rusb::DeviceHandle<rusb::Context>,
    interface: u8,
    ep_in: u8,
    ep_out: u8,
    in_interrupt: bool,
    out_interrupt: bool,
    max_packet: usize,
}

fn usb_err(e: rusb::Error) -> PipeError {
    match e {
        rusb::Error::NoDevice | rusb::Error::NotFound => {
            PipeError::Gone(format!("USB device gone: {e}"))
        }
        rusb::Error::Timeout => PipeError::Timeout,
        other => PipeError::Other(format!("USB transfer failed: {other}")),
    }
}

impl UsbPipe for LibusbPipe {
    fn max_packet(&self) -> usize {
        self.max_packet
    }

    fn write(&mut self, bytes: &[u8], timeout: Duration) -> Result<usize, PipeError> {
        let r = if self.out_interrupt {
            self.handle.write_interrupt(self.ep_out, bytes, timeout)
        } else {
            self.handle.write_bulk(self.ep_out, bytes, timeout)
        };
        r.map_err(usb_err)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        let timeout = timeout.max(Duration::from_millis(1));
        let r = if self.in_interrupt {
            self.handle.read_interrupt(self.ep_in, buf, timeout)
        } else {
            self.handle.read_bulk(self.ep_in, buf, timeout)
        };
        match r {
            Ok(n) => Ok(n),
            Err(rusb::Error::Timeout) => Ok(0),
            Err(e) => Err(usb_err(e)),
        }
    }
}

impl Drop for LibusbPipe {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.interface);
    }
}

fn context(port: &str) -> Result<rusb::Context, IdCardError> {
    rusb::Context::new().map_err(|e| {
        let detail = format!("libusb {}: cannot initialise: {e}", libusb_version());
        // Linux without usbfs (a machine or container with no USB bus at all): no reader can
        // be there, which the clerk should hear as "not connected", not as a driver fault.
        if cfg!(target_os = "linux") && !std::path::Path::new("/dev/bus/usb").exists() {
            IdCardError::NotFound {
                port: port.to_string(),
                detail: format!("{detail} (no /dev/bus/usb: this machine has no USB bus)"),
            }
        } else {
            IdCardError::Open {
                port: port.to_string(),
                detail,
            }
        }
    })
}

fn libusb_version() -> String {
    let v = rusb::version();
    format!("{}.{}.{}", v.major(), v.minor(), v.micro())
}

/// Every USB device on the machine, marking the readers `config` would open.
pub fn list_devices(config: &UsbConfig) -> Result<Vec<UsbDeviceInfo>, IdCardError> {
    use rusb::UsbContext;
    let ctx = context("usb")?;
    let devices = ctx.devices().map_err(|e| IdCardError::Open {
        port: "usb".into(),
        detail: format!("cannot list USB devices: {e}"),
    })?;
    Ok(devices
        .iter()
        .filter_map(|d| {
            let desc = d.device_descriptor().ok()?;
            Some(UsbDeviceInfo {
                vid: desc.vendor_id(),
                pid: desc.product_id(),
                bus: d.bus_number(),
                address: d.address(),
                is_reader: config.matches(desc.vendor_id(), desc.product_id()),
            })
        })
        .collect())
}

/// The vendor-class interface and its endpoint pair, as the reference adapters pick them.
struct Endpoints {
    interface: u8,
    setting: u8,
    ep_in: (u8, bool, usize),
    ep_out: (u8, bool),
}

fn find_endpoints(device: &rusb::Device<rusb::Context>) -> Option<Endpoints> {
    use rusb::{Direction, TransferType};
    let config = device
        .active_config_descriptor()
        .or_else(|_| device.config_descriptor(0))
        .ok()?;
    let mut fallback = None;
    for interface in config.interfaces() {
        for alt in interface.descriptors() {
            let mut ep_in = None;
            let mut ep_out = None;
            for ep in alt.endpoint_descriptors() {
                let interrupt = match ep.transfer_type() {
                    TransferType::Bulk => false,
                    TransferType::Interrupt => true,
                    _ => continue,
                };
                match ep.direction() {
                    Direction::In if ep_in.is_none() => {
                        ep_in = Some((ep.address(), interrupt, usize::from(ep.max_packet_size())))
                    }
                    Direction::Out if ep_out.is_none() => ep_out = Some((ep.address(), interrupt)),
                    _ => {}
                }
            }
            let (Some(ep_in), Some(ep_out)) = (ep_in, ep_out) else {
                continue;
            };
            let found = Endpoints {
                interface: alt.interface_number(),
                setting: alt.setting_number(),
                ep_in,
                ep_out,
            };
            let vendor_class =
                alt.class_code() == 0xFF && alt.sub_class_code() == 0 && alt.protocol_code() == 0;
            if vendor_class {
                return Some(found);
            }
            fallback.get_or_insert(found);
        }
    }
    fallback
}

/// Opens the first reader matching `config` and claims its interface.
pub fn open(config: &UsbConfig) -> Result<UsbTransport<LibusbPipe>, IdCardError> {
    use rusb::UsbContext;
    let ctx = context(&format!("usb {}", config.describe()))?;
    let devices = ctx.devices().map_err(|e| IdCardError::Open {
        port: "usb".into(),
        detail: format!("cannot list USB devices: {e}"),
    })?;
    let seen = devices.len();
    let device = devices
        .iter()
        .find(|d| {
            d.device_descriptor()
                .is_ok_and(|desc| config.matches(desc.vendor_id(), desc.product_id()))
        })
        .ok_or_else(|| IdCardError::NotFound {
            port: format!("usb {}", config.describe()),
            detail: format!(
                "no USB device {} among the {seen} libusb {} sees",
                config.describe(),
                libusb_version()
            ),
        })?;
    let desc = device.device_descriptor().map_err(|e| IdCardError::Open {
        port: "usb".into(),
        detail: e.to_string(),
    })?;
    let name = format!(
        "usb {:04x}:{:04x} bus {} addr {}",
        desc.vendor_id(),
        desc.product_id(),
        device.bus_number(),
        device.address()
    );
    let open_err = |what: &str, e: rusb::Error| IdCardError::Open {
        port: name.clone(),
        detail: match e {
            rusb::Error::Access => format!(
                "{what}: permission denied; install installer/linux/60-yichuang-idcard.rules \
                 (udev) or run as a member of the device's group"
            ),
            other => format!("{what}: {other}"),
        },
    };
    let eps = find_endpoints(&device).ok_or_else(|| IdCardError::Open {
        port: name.clone(),
        detail: "no interface with an IN and an OUT bulk/interrupt endpoint".into(),
    })?;
    let handle = device.open().map_err(|e| open_err("open", e))?;
    // Linux: a kernel driver bound to the interface is detached while we hold it. Other
    // platforms report NotSupported, which is fine.
    let _ = handle.set_auto_detach_kernel_driver(true);
    handle
        .claim_interface(eps.interface)
        .map_err(|e| open_err("claim interface", e))?;
    if eps.setting != 0 {
        handle
            .set_alternate_setting(eps.interface, eps.setting)
            .map_err(|e| open_err("alternate setting", e))?;
    }
    let pipe = LibusbPipe {
        handle,
        interface: eps.interface,
        ep_in: eps.ep_in.0,
        in_interrupt: eps.ep_in.1,
        max_packet: eps.ep_in.2.max(8),
        ep_out: eps.ep_out.0,
        out_interrupt: eps.ep_out.1,
    };
    Ok(UsbTransport::new(pipe, name))
}

/// The reader's side of the 部标 endpoints, answered by a [`SamSimulator`]: OUT packets go into
/// the SAM, its reply comes back in IN packets of at most `max_packet` bytes, one packet per
/// read, as a full-speed device delivers them. `unplug` makes every later transfer fail as a
/// pulled device does.
pub struct SimulatedUsbReader {
    sim: std::sync::Arc<std::sync::Mutex<SamSimulator>>,
    out: VecDeque<u8>,
    max_packet: usize,
    unplugged: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Controls a [`SimulatedUsbReader`] from another thread.
#[derive(Clone)]
pub struct SimulatedUsbHandle {
    sim: std::sync::Arc<std::sync::Mutex<SamSimulator>>,
    unplugged: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl SimulatedUsbHandle {
    /// Runs `f` on the SAM (place or remove a card, inject a fault).
    pub fn with<R>(&self, f: impl FnOnce(&mut SamSimulator) -> R) -> R {
        let mut sim = self
            .sim
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut sim)
    }

    pub fn unplug(&self) {
        self.unplugged
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl SimulatedUsbReader {
    pub fn new(sim: SamSimulator, max_packet: usize) -> (Self, SimulatedUsbHandle) {
        let sim = std::sync::Arc::new(std::sync::Mutex::new(sim));
        let unplugged = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = SimulatedUsbHandle {
            sim: sim.clone(),
            unplugged: unplugged.clone(),
        };
        (
            Self {
                sim,
                out: VecDeque::new(),
                max_packet: max_packet.clamp(8, 1024),
                unplugged,
            },
            handle,
        )
    }

    fn check(&self) -> Result<(), PipeError> {
        if self.unplugged.load(std::sync::atomic::Ordering::SeqCst) {
            Err(PipeError::Gone("simulated USB reader unplugged".into()))
        } else {
            Ok(())
        }
    }
}

impl UsbPipe for SimulatedUsbReader {
    fn max_packet(&self) -> usize {
        self.max_packet
    }

    fn write(&mut self, bytes: &[u8], _timeout: Duration) -> Result<usize, PipeError> {
        self.check()?;
        // One OUT transfer never carries more than the host asked for, and a full-speed
        // endpoint takes it packet by packet.
        let emitted = {
            let mut sim = self
                .sim
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            sim.handle(bytes)
        };
        for e in emitted {
            match e {
                Emit::Bytes(b) => self.out.extend(b),
                Emit::Pause(d) => std::thread::sleep(d),
            }
        }
        Ok(bytes.len())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, PipeError> {
        self.check()?;
        if self.out.is_empty() {
            std::thread::sleep(timeout.min(Duration::from_millis(5)));
            return Ok(0);
        }
        let n = buf.len().min(self.max_packet).min(self.out.len());
        for (dst, src) in buf.iter_mut().zip(self.out.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_ids_parse_from_config() {
        assert_eq!(UsbConfig::parse("").unwrap(), UsbConfig::default());
        assert_eq!(
            UsbConfig::parse("0400:C35A").unwrap().id,
            Some((0x0400, 0xC35A))
        );
        assert_eq!(
            UsbConfig::parse(" 0x2b19:0x0200 ").unwrap().id,
            Some((0x2B19, 0x0200))
        );
        assert!(UsbConfig::parse("ttyUSB0").is_err());
        assert!(UsbConfig::parse("0400:zzzz").is_err());
        assert!(UsbConfig::parse("10400:c35a").is_err());
    }

    #[test]
    fn known_readers_match_without_an_explicit_id() {
        let any = UsbConfig::default();
        assert!(any.matches(0x0400, 0xC35A));
        assert!(!any.matches(0x046D, 0x0825));
        let one = UsbConfig::parse("046d:0825").unwrap();
        assert!(one.matches(0x046D, 0x0825));
        assert!(!one.matches(0x0400, 0xC35A));
    }
}
