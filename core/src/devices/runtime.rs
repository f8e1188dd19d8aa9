//! The one device runtime every device service runs on.
//!
//! - [`Worker`]: a named thread with its [`Signal`] (stop and wake, and waits that either ends
//!   at once). Dropping the worker stops it and joins its thread (unless dropped on that very
//!   thread, which cannot join itself).
//! - [`Worker::every`]: a periodic task (the receipt printer's status poll).
//! - [`Worker::device`]: the open → health check → poll → reopen loop around a [`Device`]. A
//!   device only says what differs: how to open its link, how to check it, one poll step, and
//!   what to report at each turn ([`Report`]). The loop retries a failed open with a
//!   [`Backoff`], reopens after a failed health check or a lost link, closes the link while
//!   the device is not [`wanted`](Device::wanted), and turns a panic in the device's code
//!   into a typed [`StepPanic`] so one bad frame or reply never ends the service.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[cfg(test)]
mod tests;

#[derive(Debug, Default)]
struct Flags {
    stopped: bool,
    woken: bool,
}

/// A worker's stop and wake flags, and the waits they end.
#[derive(Debug, Default)]
pub struct Signal {
    flags: Mutex<Flags>,
    changed: Condvar,
}

impl Signal {
    fn flags(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the worker was told to stop.
    pub fn is_stopped(&self) -> bool {
        self.flags().stopped
    }

    /// Tells the worker to stop; every wait ends at once.
    pub fn stop(&self) {
        self.flags().stopped = true;
        self.changed.notify_all();
    }

    /// Ends the current (or the next) wait early, e.g. when the clerk starts the preview.
    pub fn wake(&self) {
        self.flags().woken = true;
        self.changed.notify_all();
    }

    /// Waits up to `timeout`, less when the worker is stopped or woken. Returns `true` when
    /// the worker is stopped.
    pub fn wait(&self, timeout: Duration) -> bool {
        self.wait_or_wake(timeout) == Waited::Stopped
    }

    /// Waits up to `timeout`, less when the worker is stopped or woken, and says which.
    pub fn wait_or_wake(&self, timeout: Duration) -> Waited {
        let deadline = Instant::now() + timeout;
        let mut flags = self.flags();
        loop {
            if flags.stopped {
                return Waited::Stopped;
            }
            if std::mem::take(&mut flags.woken) {
                return Waited::Woken;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Waited::Elapsed;
            }
            flags = self
                .changed
                .wait_timeout(flags, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// How a [`Signal::wait_or_wake`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    Stopped,
    Woken,
    Elapsed,
}

/// A thread with its [`Signal`]; stops and joins the thread when dropped.
pub struct Worker {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field(
                "name",
                &self.thread.as_ref().and_then(|t| t.thread().name()),
            )
            .field("stopped", &self.signal.is_stopped())
            .finish()
    }
}

impl Worker {
    /// Runs `body` on a thread called `name`; `body` should return once the signal is
    /// stopped (its waits end then).
    pub fn spawn(
        name: &str,
        body: impl FnOnce(&Signal) + Send + 'static,
    ) -> std::io::Result<Worker> {
        let signal = Arc::new(Signal::default());
        let thread_signal = signal.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(&thread_signal))?;
        Ok(Worker {
            signal,
            thread: Some(thread),
        })
    }

    /// Runs `tick` now and then every `period` until it returns `false` or the worker stops.
    pub fn every(
        name: &str,
        period: Duration,
        mut tick: impl FnMut() -> bool + Send + 'static,
    ) -> std::io::Result<Worker> {
        Self::spawn(name, move |signal| {
            while !signal.is_stopped() && tick() {
                if signal.wait(period) {
                    break;
                }
            }
        })
    }

    /// Runs `device` in the open → check → poll → reopen loop on a thread called
    /// [`Device::NAME`].
    pub fn device<D: Device>(device: D, timing: Timing) -> std::io::Result<Worker> {
        Self::spawn(D::NAME, move |signal| run_device(device, &timing, signal))
    }

    /// Ends the worker's current wait early.
    pub fn wake(&self) {
        self.signal.wake();
    }

    /// Stops the worker and waits for its thread to end.
    pub fn stop(&mut self) {
        self.signal.stop();
        if let Some(thread) = self.thread.take() {
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Delays between attempts to open a device: `first`, doubled after every failure up to
/// `max`, and back to `first` once the device is up.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff {
            first,
            max: max.max(first),
            next: first,
        }
    }

    /// The delay before the next attempt; the one after is twice as long (at most `max`).
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = now.saturating_mul(2).min(self.max);
        now
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Timing of the device loop.
#[derive(Debug, Clone)]
pub struct Timing {
    /// First delay before reopening after a failure; also how often an idle (not
    /// [`wanted`](Device::wanted)) device is looked at.
    pub reopen: Duration,
    /// Longest delay the [`Backoff`] grows to.
    pub reopen_max: Duration,
    /// How often the link's health is checked while it is up (`None`: only after opening).
    pub health_every: Option<Duration>,
}

impl Timing {
    /// Reopens after `reopen`, backing off to four times that; checks health after opening.
    pub fn reopen_after(reopen: Duration) -> Self {
        Timing {
            reopen,
            reopen_max: reopen.saturating_mul(4),
            health_every: None,
        }
    }
}

/// What the device code panicked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Open,
    Check,
    Poll,
    Idle,
}

/// A panic in a device's code, caught by the loop: the step failed, the service goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{device}: {stage:?} step panicked: {detail}")]
pub struct StepPanic {
    pub device: &'static str,
    pub stage: Stage,
    /// The panic's message.
    pub detail: String,
}

impl StepPanic {
    fn new(device: &'static str, stage: Stage, payload: &(dyn Any + Send)) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        StepPanic {
            device,
            stage,
            detail,
        }
    }

    /// The clerk-facing error: the step was aborted.
    pub fn user_error(&self) -> crate::error::UserError {
        crate::error::UserError::new(crate::error::ErrorCode::Internal, self.to_string())
    }
}

/// What one poll step asks of the loop next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Poll again at once (the step itself waited, e.g. for a frame or a byte).
    Again,
    /// Wait this long (or until woken) before the next poll.
    After(Duration),
}

/// A turn of the loop, for the device to report (states, logs, errors for the clerk).
#[derive(Debug)]
pub enum Report<'a, E> {
    /// The link could not be opened; the next attempt follows after a back-off.
    OpenFailed(&'a E),
    /// The link opened but its health check failed; it is closed and reopened.
    Unhealthy(&'a E),
    /// The link is open and healthy.
    Connected,
    /// A poll step lost the link; it is closed and reopened.
    Lost(&'a E),
    /// The device's code panicked; the step is skipped and the loop goes on.
    Panicked(&'a StepPanic),
    /// The link was closed because the device is no longer wanted or the worker stops.
    Closed,
}

/// What differs between devices; the loop around it is [`Worker::device`].
pub trait Device: Send + 'static {
    /// The open link (a driver over its transport).
    type Link;
    /// The driver's error.
    type Error: fmt::Display;
    /// The thread's name, also in logs and [`StepPanic`]s.
    const NAME: &'static str;

    /// Whether the link should be open now (a camera only while previewing).
    fn wanted(&mut self) -> bool {
        true
    }
    /// Called instead of opening while not [`wanted`](Device::wanted), every
    /// [`Timing::reopen`] or when woken.
    fn idle(&mut self) {}
    fn open(&mut self) -> Result<Self::Link, Self::Error>;
    /// The health check, after opening and every [`Timing::health_every`].
    fn check(&mut self, _link: &mut Self::Link) -> Result<(), Self::Error> {
        Ok(())
    }
    /// One poll step; `Err` means the link is lost (errors that are not are handled inside).
    fn poll(&mut self, link: &mut Self::Link) -> Result<Step, Self::Error>;
    fn report(&mut self, report: Report<'_, Self::Error>);
}

/// Runs `f` with its panic caught and reported as a [`StepPanic`].
fn guarded<D: Device, T>(
    device: &mut D,
    stage: Stage,
    f: impl FnOnce(&mut D) -> T,
) -> Result<T, StepPanic> {
    catch_unwind(AssertUnwindSafe(|| f(device))).map_err(|p| {
        let panic = StepPanic::new(D::NAME, stage, p.as_ref());
        tracing::error!(error = %panic, "device step panicked; the service goes on");
        device.report(Report::Panicked(&panic));
        panic
    })
}

fn run_device<D: Device>(mut device: D, timing: &Timing, signal: &Signal) {
    let mut backoff = Backoff::new(timing.reopen, timing.reopen_max);
    while !signal.is_stopped() {
        if !guarded(&mut device, Stage::Idle, D::wanted).unwrap_or(false) {
            let _ = guarded(&mut device, Stage::Idle, D::idle);
            signal.wait(timing.reopen);
            continue;
        }
        let mut link = match guarded(&mut device, Stage::Open, D::open) {
            Ok(Ok(link)) => link,
            Ok(Err(e)) => {
                tracing::warn!(device = D::NAME, error = %e, "device cannot be opened");
                device.report(Report::OpenFailed(&e));
                signal.wait(backoff.next_delay());
                continue;
            }
            Err(_) => {
                signal.wait(backoff.next_delay());
                continue;
            }
        };
        if !healthy(&mut device, &mut link) {
            drop(link);
            signal.wait(backoff.next_delay());
            continue;
        }
        backoff.reset();
        device.report(Report::Connected);
        tracing::info!(device = D::NAME, "device connected");
        let mut checked = Instant::now();
        let mut panicked = false;
        let lost = loop {
            if signal.is_stopped() || !guarded(&mut device, Stage::Idle, D::wanted).unwrap_or(true)
            {
                break false;
            }
            if timing
                .health_every
                .is_some_and(|every| checked.elapsed() >= every)
            {
                if !healthy(&mut device, &mut link) {
                    break true;
                }
                checked = Instant::now();
            }
            match guarded(&mut device, Stage::Poll, |d| d.poll(&mut link)) {
                Ok(Ok(step)) => {
                    if std::mem::replace(&mut panicked, false) {
                        backoff.reset();
                    }
                    if let Step::After(d) = step {
                        signal.wait(d);
                    }
                }
                // One bad step goes on at once; a step that keeps panicking is retried with
                // the back-off instead of spinning.
                Err(_) if std::mem::replace(&mut panicked, true) => {
                    signal.wait(backoff.next_delay());
                }
                Err(_) => {}
                Ok(Err(e)) => {
                    tracing::warn!(device = D::NAME, error = %e, "device link lost; reopening");
                    device.report(Report::Lost(&e));
                    break true;
                }
            }
        };
        drop(link);
        if !lost {
            device.report(Report::Closed);
        } else if !signal.is_stopped() {
            signal.wait(backoff.next_delay());
        }
    }
}

/// Runs the health check; a failure (or a panic) is reported and means: reopen.
fn healthy<D: Device>(device: &mut D, link: &mut D::Link) -> bool {
    match guarded(device, Stage::Check, |d| d.check(link)) {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(device = D::NAME, error = %e, "device health check failed");
            device.report(Report::Unhealthy(&e));
            false
        }
        Err(_) => false,
    }
}
