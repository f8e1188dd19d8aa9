//! The device runtime on a scripted device: every test waits on what the device reports,
//! never on a fixed sleep.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};

/// What the scripted device saw or reported, in order.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    OpenAttempt(Instant),
    OpenFailed,
    Unhealthy(String),
    Connected,
    Polled { link: u32, call: u32, at: Instant },
    Lost(String),
    Panicked(StepPanic),
    Closed,
    Idle,
}

type CheckFn = Box<dyn FnMut(u32, u32) -> Result<(), String> + Send>;
type PollFn = Box<dyn FnMut(u32) -> Result<Step, String> + Send>;

/// A device whose open, check and poll follow a script.
struct Scripted {
    /// The first this many opens fail.
    open_failures: u32,
    /// (link number, check number on that link) → result.
    check: CheckFn,
    /// (poll number on this link) → result; may panic.
    poll: PollFn,
    wanted: Arc<AtomicBool>,
    opens: u32,
    checks: u32,
    polls: u32,
    tx: Sender<Seen>,
}

impl Scripted {
    fn new(tx: Sender<Seen>) -> Self {
        Scripted {
            open_failures: 0,
            check: Box::new(|_, _| Ok(())),
            poll: Box::new(|_| Ok(Step::After(Duration::from_millis(5)))),
            wanted: Arc::new(AtomicBool::new(true)),
            opens: 0,
            checks: 0,
            polls: 0,
            tx,
        }
    }
}

impl Device for Scripted {
    type Link = u32;
    type Error = String;
    const NAME: &'static str = "scripted";

    fn wanted(&mut self) -> bool {
        self.wanted.load(Ordering::SeqCst)
    }

    fn idle(&mut self) {
        let _ = self.tx.send(Seen::Idle);
    }

    fn open(&mut self) -> Result<u32, String> {
        let _ = self.tx.send(Seen::OpenAttempt(Instant::now()));
        self.opens += 1;
        if self.opens <= self.open_failures {
            return Err(format!("open {} refused", self.opens));
        }
        self.checks = 0;
        self.polls = 0;
        Ok(self.opens)
    }

    fn check(&mut self, link: &mut u32) -> Result<(), String> {
        self.checks += 1;
        (self.check)(*link, self.checks)
    }

    fn poll(&mut self, link: &mut u32) -> Result<Step, String> {
        self.polls += 1;
        let _ = self.tx.send(Seen::Polled {
            link: *link,
            call: self.polls,
            at: Instant::now(),
        });
        (self.poll)(self.polls)
    }

    fn report(&mut self, report: Report<'_, String>) {
        let _ = self.tx.send(match report {
            Report::OpenFailed(_) => Seen::OpenFailed,
            Report::Unhealthy(e) => Seen::Unhealthy(e.clone()),
            Report::Connected => Seen::Connected,
            Report::Lost(e) => Seen::Lost(e.clone()),
            Report::Panicked(p) => Seen::Panicked(p.clone()),
            Report::Closed => Seen::Closed,
        });
    }
}

const IN_TIME: Duration = Duration::from_secs(5);

/// Receives until `want` matches, returning what came before it and the match.
fn until(rx: &Receiver<Seen>, want: impl Fn(&Seen) -> bool) -> (Vec<Seen>, Seen) {
    let deadline = Instant::now() + IN_TIME;
    let mut before = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(seen) if want(&seen) => return (before, seen),
            Ok(seen) => before.push(seen),
            Err(_) => panic!("not seen in time; saw {before:?}"),
        }
    }
}

fn timing(reopen_ms: u64, max_ms: u64) -> Timing {
    Timing {
        reopen: Duration::from_millis(reopen_ms),
        reopen_max: Duration::from_millis(max_ms),
        health_every: None,
    }
}

#[test]
fn stop_interrupts_a_long_wait_promptly() {
    let (tx, rx) = mpsc::channel();
    let mut worker = Worker::spawn("waiter", move |signal| {
        let _ = tx.send(());
        let stopped = signal.wait(Duration::from_secs(3600));
        let _ = tx.send(());
        assert!(stopped);
    })
    .unwrap();
    rx.recv_timeout(IN_TIME).expect("worker started");
    let asked = Instant::now();
    worker.stop();
    assert!(rx.try_recv().is_ok(), "the wait ended before stop returned");
    assert!(asked.elapsed() < IN_TIME, "stop took {:?}", asked.elapsed());
}

#[test]
fn stop_interrupts_the_reopen_back_off_of_a_device_loop() {
    let (tx, rx) = mpsc::channel();
    let mut device = Scripted::new(tx);
    device.open_failures = u32::MAX;
    let worker = Worker::device(device, timing(3_600_000, 3_600_000)).unwrap();
    until(&rx, |s| *s == Seen::OpenFailed);
    let asked = Instant::now();
    drop(worker);
    assert!(asked.elapsed() < IN_TIME, "drop took {:?}", asked.elapsed());
}

#[test]
fn backoff_doubles_up_to_its_limit_and_resets() {
    let ms = Duration::from_millis;
    let mut b = Backoff::new(ms(20), ms(70));
    let delays: Vec<_> = (0..5).map(|_| b.next_delay()).collect();
    assert_eq!(delays, [ms(20), ms(40), ms(70), ms(70), ms(70)]);
    b.reset();
    assert_eq!(b.next_delay(), ms(20));
}

#[test]
fn a_failed_open_is_retried_with_growing_delays_until_it_opens() {
    let (tx, rx) = mpsc::channel();
    let mut device = Scripted::new(tx);
    device.open_failures = 4;
    let _worker = Worker::device(device, timing(20, 80)).unwrap();
    let (before, _) = until(&rx, |s| *s == Seen::Connected);
    let attempts: Vec<Instant> = before
        .iter()
        .filter_map(|s| match s {
            Seen::OpenAttempt(at) => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(attempts.len(), 5, "{before:?}");
    assert_eq!(
        before.iter().filter(|s| **s == Seen::OpenFailed).count(),
        4,
        "{before:?}"
    );
    // Each gap is at least the back-off delay before it: 20, 40, 80, 80 ms.
    for (gap, least) in attempts.windows(2).zip([20u64, 40, 80, 80]) {
        let gap = gap[1] - gap[0];
        assert!(gap >= Duration::from_millis(least), "{gap:?} < {least} ms");
    }
    until(&rx, |s| matches!(s, Seen::Polled { link: 5, .. }));
}

/// A scripted device whose health check is `check`, run with `timing`.
fn checking(
    check: impl FnMut(u32, u32) -> Result<(), String> + Send + 'static,
    timing: Timing,
) -> (Worker, Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let mut device = Scripted::new(tx);
    device.check = Box::new(check);
    (Worker::device(device, timing).unwrap(), rx)
}

#[test]
fn a_failed_health_check_closes_the_link_and_reopens_it() {
    let (_worker, rx) = checking(
        |link, _| match link {
            1 => Err("SAM not answering".into()),
            _ => Ok(()),
        },
        timing(10, 10),
    );
    let (before, _) = until(&rx, |s| *s == Seen::Connected);
    assert!(
        before.contains(&Seen::Unhealthy("SAM not answering".into())),
        "{before:?}"
    );
    assert!(
        !before.iter().any(|s| matches!(s, Seen::Polled { .. })),
        "an unhealthy link was polled: {before:?}"
    );
    until(&rx, |s| matches!(s, Seen::Polled { link: 2, .. }));
}

#[test]
fn a_periodic_health_check_failure_reopens_a_connected_link() {
    let every_20ms = Timing {
        health_every: Some(Duration::from_millis(20)),
        ..timing(10, 10)
    };
    // Link 1 passes its first check (after opening) and fails the next one.
    let (_worker, rx) = checking(
        |link, n| match (link, n) {
            (1, 2..) => Err("went quiet".into()),
            _ => Ok(()),
        },
        every_20ms,
    );
    until(&rx, |s| matches!(s, Seen::Polled { link: 1, .. }));
    until(&rx, |s| *s == Seen::Unhealthy("went quiet".into()));
    until(&rx, |s| matches!(s, Seen::Polled { link: 2, .. }));
}

/// A scripted device whose poll step is `poll`, with short back-offs.
fn polling(
    poll: impl FnMut(u32) -> Result<Step, String> + Send + 'static,
) -> (Worker, Receiver<Seen>) {
    let (tx, rx) = mpsc::channel();
    let mut device = Scripted::new(tx);
    device.poll = Box::new(poll);
    (Worker::device(device, timing(10, 10)).unwrap(), rx)
}

#[test]
fn a_lost_link_is_reported_and_reopened() {
    let (_worker, rx) = polling(|n| match n {
        2 => Err("unplugged".into()),
        _ => Ok(Step::Again),
    });
    until(&rx, |s| *s == Seen::Lost("unplugged".into()));
    until(&rx, |s| matches!(s, Seen::Polled { link: 2, .. }));
}

#[test]
fn a_panic_in_a_poll_step_becomes_a_typed_error_and_polling_goes_on() {
    let (_worker, rx) = polling(|n| {
        if n == 2 {
            panic!("decoder blew up on frame {n}");
        }
        Ok(Step::Again)
    });
    let (_, seen) = until(&rx, |s| matches!(s, Seen::Panicked(_)));
    let Seen::Panicked(panic) = seen else {
        unreachable!()
    };
    assert_eq!(panic.device, "scripted");
    assert_eq!(panic.stage, Stage::Poll);
    assert_eq!(panic.detail, "decoder blew up on frame 2");
    assert_eq!(panic.user_error().code, crate::error::ErrorCode::Internal);
    // The same link goes on being polled: no loss, no reopen.
    let (between, _) = until(&rx, |s| {
        matches!(
            s,
            Seen::Polled {
                link: 1,
                call: 5,
                ..
            }
        )
    });
    assert!(
        !between
            .iter()
            .any(|s| matches!(s, Seen::Lost(_) | Seen::OpenAttempt(_))),
        "{between:?}"
    );
}

#[test]
fn a_poll_step_that_keeps_panicking_is_retried_with_the_back_off_not_spun() {
    let (_worker, rx) = polling(|n| panic!("poll {n} blew up"));
    let mut at = Vec::new();
    while at.len() < 5 {
        let (_, seen) = until(&rx, |s| matches!(s, Seen::Polled { .. }));
        if let Seen::Polled { at: t, .. } = seen {
            at.push(t);
        }
    }
    // polling() backs off from 10 ms to 10 ms: after the first panic, every retry waits.
    for gap in at.windows(2).skip(1) {
        let gap = gap[1] - gap[0];
        assert!(gap >= Duration::from_millis(10), "{gap:?}");
    }
}

#[test]
fn a_device_not_wanted_is_closed_and_wake_opens_it_without_waiting() {
    let (tx, rx) = mpsc::channel();
    let device = Scripted::new(tx);
    let wanted = device.wanted.clone();
    // The idle period is an hour: only a wake can end it in time.
    let worker = Worker::device(device, timing(3_600_000, 3_600_000)).unwrap();
    until(&rx, |s| matches!(s, Seen::Polled { link: 1, .. }));
    wanted.store(false, Ordering::SeqCst);
    worker.wake();
    until(&rx, |s| *s == Seen::Closed);
    until(&rx, |s| *s == Seen::Idle);
    wanted.store(true, Ordering::SeqCst);
    worker.wake();
    until(&rx, |s| matches!(s, Seen::Polled { link: 2, .. }));
}

#[test]
fn every_ticks_until_the_tick_says_stop() {
    let (tx, rx) = mpsc::channel();
    let mut n = 0;
    let mut worker = Worker::every("ticker", Duration::from_millis(1), move || {
        n += 1;
        let _ = tx.send(n);
        n < 3
    })
    .unwrap();
    let ticks: Vec<i32> = (0..3).map(|_| rx.recv_timeout(IN_TIME).unwrap()).collect();
    assert_eq!(ticks, [1, 2, 3]);
    worker.stop();
    assert!(rx.try_recv().is_err(), "ticked after saying stop");
}

#[test]
fn a_worker_dropped_on_its_own_thread_does_not_wait_for_itself() {
    let (tx, rx) = mpsc::channel::<()>();
    let slot: Arc<Mutex<Option<Worker>>> = Arc::new(Mutex::new(None));
    let inner = slot.clone();
    let worker = Worker::spawn("self-drop", move |signal| {
        // Wait until the worker is in the slot, then drop it from here.
        while inner.lock().unwrap().is_none() {
            if signal.wait(Duration::from_millis(1)) {
                return;
            }
        }
        let own = inner.lock().unwrap().take();
        drop(own);
        let _ = tx.send(());
    })
    .unwrap();
    *slot.lock().unwrap() = Some(worker);
    rx.recv_timeout(IN_TIME)
        .expect("the thread went on after dropping its own worker");
}
