//! The one pty simulator handle of the serial devices' simulators: a simulated device (the
//! SAM of an ID-card reader, a scanner gun) served from a thread on one end of a serial line
//! (the master of a pty pair), while the real driver reads and writes the other end.
//!
//! A device is a [`LineDevice`]: pure, it answers what the host writes with what to write back
//! ([`Emit`]s: bytes and pauses). What the device says by itself (a scan) is queued through
//! the handle ([`SimHandle::act`]) and written on the thread, in order.
//! [`SimHandle::flush`] waits until everything queued is written; [`SimHandle::unplug`]
//! finishes the queued writes and closes the device's end, like pulling the cable.

use std::io::Read;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use serialport::SerialPort;

use crate::serial::SerialLink;

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

/// Writes `emits`; false when the line is gone.
fn write(port: &mut dyn SerialPort, emits: Vec<Emit>) -> bool {
    if port.set_timeout(WRITE_WAIT).is_err() {
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

fn serve<S: LineDevice>(mut port: Box<dyn SerialPort>, sim: &Mutex<S>, rx: &Receiver<Command>) {
    let mut buf = [0u8; 512];
    loop {
        // What the device says by itself, in order; all of it before an unplug.
        loop {
            match rx.try_recv() {
                Ok(Command::Write(emits)) => {
                    if !write(port.as_mut(), emits) {
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
        if port.set_timeout(READ_WAIT).is_err() {
            return;
        }
        let n = match port.read(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => return,
        };
        let answer = lock(sim).receive(buf.get(..n).unwrap_or(&[]));
        if !write(port.as_mut(), answer) {
            return;
        }
    }
}

/// Serves `sim` on `port` (the device's end) until the handle is dropped or unplugged.
pub fn spawn<S: LineDevice>(port: Box<dyn SerialPort>, sim: S) -> SimHandle<S> {
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
    let handle = spawn(Box::new(master), sim);
    Ok((SerialLink::from_port(Box::new(slave)), handle))
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

#[cfg(all(test, unix))]
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

    fn read_until(link: &mut SerialLink, want: &[u8]) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while !got.ends_with(want) {
            let n = link.recv(&mut buf, Duration::from_secs(5)).unwrap();
            assert!(n > 0, "nothing more after {got:?}");
            got.extend_from_slice(&buf[..n]);
        }
        got
    }

    #[test]
    fn the_device_answers_the_host_and_speaks_by_itself_in_order() {
        let (mut link, sim) = pty_pair(Echo).unwrap();
        link.send(b"ping").unwrap();
        assert_eq!(read_until(&mut link, b"PING"), b"PING");
        sim.act(|_| vec![Emit::Bytes(b"hel".to_vec()), Emit::Bytes(b"lo".to_vec())]);
        sim.act(|_| vec![Emit::Bytes(b"!".to_vec())]);
        assert!(sim.flush());
        assert_eq!(read_until(&mut link, b"!"), b"hello!");
    }

    #[test]
    fn unplug_closes_the_line_and_the_queue() {
        let (mut link, mut sim) = pty_pair(Echo).unwrap();
        sim.act(|_| vec![Emit::Bytes(b"last".to_vec())]);
        assert!(sim.flush());
        assert_eq!(read_until(&mut link, b"last"), b"last");
        sim.unplug();
        assert!(!sim.flush(), "flush after unplug");
        let mut buf = [0u8; 8];
        assert!(link.recv(&mut buf, Duration::from_secs(5)).is_err());
    }
}
