//! The one pty simulator handle of the serial devices' simulators: a simulated device (the
//! SAM of an ID-card reader, a scanner gun) served from a thread on one end of a serial line
//! (the master of a pty pair), while the real driver reads and writes the other end.
//!
//! Windows has no ptys: there the line is a loopback TCP connection ([`loopback_pair`]; the
//! driver's end is the drivers' raw TCP transport). [`link_pair`] picks the pty on Unix and
//! the loopback elsewhere; both serve the device with the same thread ([`DeviceEnd`]).
//!
//! A device is a [`LineDevice`]: pure, it answers what the host writes with what to write back
//! ([`Emit`]s: bytes and pauses). What the device says by itself (a scan) is queued through
//! the handle ([`SimHandle::act`]) and written on the thread, in order.
//! [`SimHandle::flush`] waits until everything queued is written; [`SimHandle::unplug`]
//! finishes the queued writes and closes the device's end, like pulling the cable.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::SerialPort;

use crate::escpos::printer::TcpTransport;
#[cfg(unix)]
use crate::serial::SerialLink;
use crate::transport::ByteStream;

/// What a simulated device emits: bytes to write, or a pause before the next bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emit {
    Bytes(Vec<u8>),
    Pause(Duration),
}

/// A simulated device's end of the line.
pub trait LineDevice: Send + 'static {
    /// Bytes the host wrote; returns what the device writes back. A device that only talks
    /// (a scanner) ignores them.
    fn receive(&mut self, _bytes: &[u8]) -> Vec<Emit> {
        Vec::new()
    }
}

enum Command {
    Write(Vec<Emit>),
    Sync(Sender<()>),
}

/// A simulated device served from a thread behind a serial port.
pub struct SimHandle<S> {
    sim: Arc<Mutex<S>>,
    tx: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
}

impl<S> std::fmt::Debug for SimHandle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("plugged", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

fn lock<S>(sim: &Mutex<S>) -> MutexGuard<'_, S> {
    sim.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long the thread waits for the host before looking at the queue again.
const READ_WAIT: Duration = Duration::from_millis(20);
/// How long one write may take before the line counts as gone.
const WRITE_WAIT: Duration = Duration::from_millis(500);

/// The simulated device's end of the line: the master of a pty, or a loopback TCP socket.
pub trait DeviceEnd: Read + Write + Send + 'static {
    /// Bounds the next blocking reads and writes.
    fn set_wait(&mut self, wait: Duration) -> io::Result<()>;
}

impl<P: SerialPort + ?Sized + 'static> DeviceEnd for Box<P> {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()> {
        (**self).set_timeout(wait).map_err(io::Error::from)
    }
}

/// The device's end of a loopback TCP line. A read of nothing is the driver hanging up.
pub struct TcpEnd(TcpStream);

impl Read for TcpEnd {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.read(buf)? {
            0 if !buf.is_empty() => Err(io::ErrorKind::UnexpectedEof.into()),
            n => Ok(n),
        }
    }
}

impl Write for TcpEnd {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl DeviceEnd for TcpEnd {
    fn set_wait(&mut self, wait: Duration) -> io::Result<()> {
        self.0.set_read_timeout(Some(wait))?;
        self.0.set_write_timeout(Some(wait))
    }
}

/// Writes `emits`; false when the line is gone.
fn write<E: DeviceEnd>(port: &mut E, emits: Vec<Emit>) -> bool {
    if port.set_wait(WRITE_WAIT).is_err() {
        return false;
    }
    for emit in emits {
        match emit {
            Emit::Bytes(b) => {
                if port.write_all(&b).and_then(|()| port.flush()).is_err() {
                    return false;
                }
            }
            Emit::Pause(d) => std::thread::sleep(d),
        }
    }
    true
}

fn serve<S: LineDevice, E: DeviceEnd>(mut port: E, sim: &Mutex<S>, rx: &Receiver<Command>) {
    let mut buf = [0u8; 512];
    loop {
        // What the device says by itself, in order; all of it before an unplug.
        loop {
            match rx.try_recv() {
                Ok(Command::Write(emits)) => {
                    if !write(&mut port, emits) {
                        return;
                    }
                }
                Ok(Command::Sync(done)) => {
                    let _ = done.send(());
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        // What the host writes, answered at once.
        if port.set_wait(READ_WAIT).is_err() {
            return;
        }
        let n = match port.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => return,
        };
        let answer = lock(sim).receive(buf.get(..n).unwrap_or(&[]));
        if !write(&mut port, answer) {
            return;
        }
    }
}

/// Serves `sim` on `port` (the device's end) until the handle is dropped or unplugged.
pub fn spawn<S: LineDevice, E: DeviceEnd>(port: E, sim: S) -> SimHandle<S> {
    let sim = Arc::new(Mutex::new(sim));
    let (tx, rx) = mpsc::channel();
    let thread = {
        let sim = Arc::clone(&sim);
        std::thread::spawn(move || serve(port, &sim, &rx))
    };
    SimHandle {
        sim,
        tx: Some(tx),
        thread: Some(thread),
    }
}

/// A pty pair with `sim` served on the master end; returns the slave end as the driver's
/// link (it behaves like a real serial port, including split reads).
#[cfg(unix)]
pub fn pty_pair<S: LineDevice>(sim: S) -> std::io::Result<(SerialLink, SimHandle<S>)> {
    let (master, slave) = serialport::TTYPort::pair().map_err(std::io::Error::from)?;
    let handle = spawn(Box::new(master) as Box<dyn SerialPort>, sim);
    Ok((SerialLink::from_port(Box::new(slave)), handle))
}

/// A loopback TCP connection with `sim` served on one end; returns the other end as the
/// driver's link (the drivers' raw TCP transport). The listener takes one connection and is
/// closed at once, so nothing else on the machine can reach the simulator.
pub fn loopback_pair<S: LineDevice>(sim: S) -> io::Result<(TcpTransport, SimHandle<S>)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = listener.local_addr()?;
    let link = TcpTransport::connect(&addr.to_string(), WRITE_WAIT)
        .map_err(|e| io::Error::other(e.to_string()))?;
    let (device, _) = listener.accept()?;
    device.set_nodelay(true)?;
    Ok((link, spawn(TcpEnd(device), sim)))
}

/// The simulator line of this OS: a pty pair on Unix (the same code path as a serial
/// device), a loopback TCP connection elsewhere (Windows has no ptys).
pub fn link_pair<S: LineDevice>(sim: S) -> io::Result<(Box<dyn ByteStream + Send>, SimHandle<S>)> {
    #[cfg(unix)]
    let (link, handle) = pty_pair(sim)?;
    #[cfg(not(unix))]
    let (link, handle) = loopback_pair(sim)?;
    Ok((Box::new(link), handle))
}

impl<S: LineDevice> SimHandle<S> {
    /// Runs `f` on the simulator (settings, faults, inspecting requests).
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut lock(&self.sim))
    }

    /// Queues what `f` makes the device write by itself (e.g. a scan); the thread writes it
    /// in order.
    pub fn act(&self, f: impl FnOnce(&mut S) -> Vec<Emit>) {
        let emits = self.with(f);
        if let Some(tx) = &self.tx {
            let _ = tx.send(Command::Write(emits));
        }
    }

    /// Waits until everything queued so far has been written; false if the line is gone.
    pub fn flush(&self) -> bool {
        let (done_tx, done_rx) = mpsc::channel();
        match &self.tx {
            Some(tx) if tx.send(Command::Sync(done_tx)).is_ok() => done_rx.recv().is_ok(),
            _ => false,
        }
    }

    /// Finishes the queued writes, then closes the device's end of the line, like pulling
    /// the cable: the driver's next read fails.
    pub fn unplug(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<S> Drop for SimHandle<S> {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{ByteSource, ByteStream};

    /// Echoes what it hears, upper-cased.
    struct Echo;

    impl LineDevice for Echo {
        fn receive(&mut self, bytes: &[u8]) -> Vec<Emit> {
            vec![Emit::Bytes(bytes.to_ascii_uppercase())]
        }
    }

    fn read_until(link: &mut impl ByteSource, want: &[u8]) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while !got.ends_with(want) {
            let n = link.recv(&mut buf, Duration::from_secs(5)).unwrap();
            assert!(n > 0, "nothing more after {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        got
    }

    fn answers_and_speaks_in_order(mut link: impl ByteStream, sim: SimHandle<Echo>) {
        link.send(b"ping").unwrap();
        assert_eq!(read_until(&mut link, b"PING"), b"PING");
        sim.act(|_| vec![Emit::Bytes(b"hel".to_vec()), Emit::Bytes(b"lo".to_vec())]);
        sim.act(|_| vec![Emit::Bytes(b"!".to_vec())]);
        assert!(sim.flush());
        assert_eq!(read_until(&mut link, b"!"), b"hello!");
    }

    fn unplug_closes(mut link: impl ByteStream, mut sim: SimHandle<Echo>) {
        sim.act(|_| vec![Emit::Bytes(b"last".to_vec())]);
        assert!(sim.flush());
        assert_eq!(read_until(&mut link, b"last"), b"last");
        sim.unplug();
        assert!(!sim.flush(), "flush after unplug");
        let mut buf = [0u8; 8];
        assert!(link.recv(&mut buf, Duration::from_secs(5)).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_device_answers_the_host_and_speaks_by_itself_in_order() {
        let (link, sim) = pty_pair(Echo).unwrap();
        answers_and_speaks_in_order(link, sim);
    }

    #[cfg(unix)]
    #[test]
    fn unplug_closes_the_line_and_the_queue() {
        let (link, sim) = pty_pair(Echo).unwrap();
        unplug_closes(link, sim);
    }

    #[test]
    fn over_loopback_tcp_the_device_answers_and_speaks_in_order() {
        let (link, sim) = loopback_pair(Echo).unwrap();
        answers_and_speaks_in_order(link, sim);
    }

    #[test]
    fn over_loopback_tcp_unplug_closes_the_line() {
        let (link, sim) = loopback_pair(Echo).unwrap();
        unplug_closes(link, sim);
    }

    #[test]
    fn the_os_link_pair_carries_the_device() {
        let (link, sim) = link_pair(Echo).unwrap();
        answers_and_speaks_in_order(link, sim);
    }
}
