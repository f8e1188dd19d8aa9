//! The ID-card reader as the app uses it (C1, C2). Like the other device services it runs
//! on the device [`runtime`], which owns the thread and reopens the
//! reader after an unplug or a link failure (the SAM status is its health check); this module
//! says only how to open the link, what one poll step reads, and what to report. States and
//! readings go out through one callback; the shell forwards them to the status bar and the
//! UI, and nothing here knows Tauri.
//!
//! With `driver = "simulator"` the real reader driver talks to the in-process SAM simulator
//! over a real pty, so `make run` exercises the same code path as a serial reader.

use crate::devices::runtime::{self, Report, Step, Worker};
use crate::error::{ErrorCode, UserError};
use crate::infra::config::{DeviceConfig, DeviceDriver};
use crate::infra::status::DeviceState;
use serde::Serialize;
use std::time::Duration;
use yichuang_drivers::idcard::photo::{PhotoError, PhotoHelper};
use yichuang_drivers::idcard::{
    self, Date, IdCardError, IdCardReader, Identity, ReaderConfig, ReaderEvent, SamSimulator,
    SampleCard, SerialConfig, UsbConfig, WltPhoto,
};
use yichuang_drivers::transport::ByteStream;
use yichuang_drivers::ErrorKind;

/// What the ID-card reader reports to the app.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CardEvent {
    /// A card was placed and read.
    Present { card: CitizenCard },
    /// The card left the reader.
    Removed,
    /// A card was placed but could not be read.
    ReadFailed { error: UserError },
}

/// A card as the clerk sees it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CitizenCard {
    pub identity: Identity,
    /// Validity ended before today (C2): shown clearly, never silently accepted.
    pub expired: bool,
    /// Whether [`photo`](Self::photo) holds the card's photo.
    pub photo_available: bool,
    /// The card's photo decoded by the vendor's library (C1), as a
    /// `data:image/png;base64,…` URL for an `<img>`. Held in memory with this read only: never
    /// written to disk or logs, and stored only as part of a material that needs it. `None`
    /// when no decoder is installed (`devices.id_card.photo_decoder`) or decoding failed.
    pub photo: Option<String>,
    /// Why there is no photo although a decoder is installed (its crash, hang or refusal);
    /// the card's other data are unaffected.
    pub photo_error: Option<UserError>,
}

impl CitizenCard {
    pub fn new(identity: Identity, today: Date) -> Self {
        CitizenCard {
            expired: identity.is_expired(today),
            identity,
            photo_available: false,
            photo: None,
            photo_error: None,
        }
    }

    /// The card with its photo decoded by `decoder` (no decoder: no photo, no error).
    pub fn with_photo(mut self, wlt: &WltPhoto, decoder: Option<&PhotoHelper>) -> Self {
        let Some(decoder) = decoder else {
            return self;
        };
        match decoder.decode_photo(&wlt.0) {
            Ok(decoded) => {
                use base64::Engine as _;
                let png = decoded.to_png();
                self.photo = Some(format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                ));
                self.photo_available = true;
            }
            Err(e) => {
                tracing::warn!(error = %e, "card photo not decoded");
                self.photo_error = Some(photo_error(&e));
            }
        }
        self
    }
}

/// Clerk-facing error from a photo decoder failure.
fn photo_error(e: &PhotoError) -> UserError {
    let code = match e.kind() {
        ErrorKind::Misconfigured => ErrorCode::IdCardPhotoDecoderMissing,
        ErrorKind::Timeout => ErrorCode::IdCardPhotoDecoderTimeout,
        _ => ErrorCode::IdCardPhotoDecoderFailed,
    };
    UserError::new(code, e.to_string())
}

pub enum DeviceEvent {
    State {
        slot: &'static str,
        state: DeviceState,
    },
    /// Boxed: a card read (identity and photo) is much larger than a state change.
    Card(Box<CardEvent>),
}

/// Clerk-facing error from a reader error: the reader's own Chinese hint, with the kind's
/// code and the technical detail for IT.
fn card_error(e: &IdCardError) -> UserError {
    UserError::with_message(
        ErrorCode::of_kind(
            e.kind(),
            [
                ErrorCode::IdCardNotConnected,
                ErrorCode::IdCardOpenFailed,
                ErrorCode::IdCardTimeout,
                ErrorCode::IdCardProtocol,
                ErrorCode::IdCardNeedsAttention,
                ErrorCode::IdCardDeviceFault,
                ErrorCode::IdCardMisconfigured,
            ],
        ),
        e.message().to_string(),
        e.to_string(),
    )
}

/// A link-level failure: the reader is gone or not answering; reopen it.
fn is_link_failure(e: &IdCardError) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotConnected | ErrorKind::OpenFailed | ErrorKind::Timeout
    )
}

/// Timing of the service loop.
#[derive(Debug, Clone)]
pub struct ServiceTiming {
    pub poll: Duration,
    pub reopen: Duration,
}

impl Default for ServiceTiming {
    fn default() -> Self {
        ServiceTiming {
            poll: Duration::from_millis(200),
            reopen: Duration::from_secs(2),
        }
    }
}

/// The running ID-card service; stops its thread when dropped.
pub struct IdCardService {
    /// First field: dropped (stopped and joined) before the simulator it may be reading.
    _worker: Worker,
    simulator: Option<idcard::simulator::SimulatorHandle>,
}

impl IdCardService {
    /// Starts the service for `config`, or returns `None` when no reader is installed. With
    /// `photo_decoder` set, each card's photo is decoded by `yichuang-wlt-helper` installed
    /// beside the running program.
    pub fn start(
        config: &DeviceConfig,
        today: fn() -> Date,
        timing: ServiceTiming,
        emit: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Option<IdCardService> {
        let photo = config
            .photo_decoder
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(PhotoHelper::beside_current_exe);
        Self::start_with_photo(config, today, timing, photo, emit)
    }

    /// [`start`](Self::start) with the photo decoder given (`None`: no photos).
    pub fn start_with_photo(
        config: &DeviceConfig,
        today: fn() -> Date,
        timing: ServiceTiming,
        photo: Option<PhotoHelper>,
        emit: impl Fn(DeviceEvent) + Send + 'static,
    ) -> Option<IdCardService> {
        let mut simulator = None;
        let opener: Opener = match config.driver {
            DeviceDriver::None => return None,
            DeviceDriver::Simulator => match idcard::simulator::link_pair(SamSimulator::new()) {
                Ok((transport, handle)) => {
                    simulator = Some(handle);
                    let mut transport = Some(transport);
                    Box::new(move || {
                        transport.take().ok_or(IdCardError::Io(
                            "simulator link closed; restart the workstation".into(),
                        ))
                    })
                }
                Err(e) => {
                    let msg = format!("cannot create simulator link: {e}");
                    Box::new(move || Err(IdCardError::Io(msg.clone())))
                }
            },
            DeviceDriver::Serial => {
                let port = config.port.clone().unwrap_or_default();
                let serial = SerialConfig {
                    baud: config.baud.unwrap_or(SerialConfig::default().baud),
                };
                Box::new(move || {
                    idcard::open_serial(&port, &serial)
                        .map(|t| Box::new(t) as Box<dyn ByteStream + Send>)
                })
            }
            DeviceDriver::Usb => match UsbConfig::parse(config.port.as_deref().unwrap_or("")) {
                Ok(usb) => Box::new(move || {
                    idcard::usb::open(&usb).map(|t| Box::new(t) as Box<dyn ByteStream + Send>)
                }),
                Err(detail) => Box::new(move || {
                    Err(IdCardError::Open {
                        port: "usb".into(),
                        detail: format!("devices.id_card.port: {detail}"),
                    })
                }),
            },
            other => {
                let msg = format!("driver {other:?} is not supported for the ID-card reader");
                Box::new(move || {
                    Err(IdCardError::Open {
                        port: String::new(),
                        detail: msg.clone(),
                    })
                })
            }
        };
        let reader = CardReader {
            open: opener,
            today,
            poll_every: timing.poll,
            photo,
            emit: Box::new(emit),
            panic_reported: false,
        };
        let worker = Worker::device(reader, runtime::Timing::reopen_after(timing.reopen)).ok()?;
        Some(IdCardService {
            _worker: worker,
            simulator,
        })
    }

    /// Places a sample card on the in-process simulator (driver = "simulator" only).
    pub fn simulator_place(&self, sample: &str) -> Result<(), UserError> {
        let handle = self.simulator.as_ref().ok_or_else(no_simulator)?;
        let card = SampleCard::by_name(sample).ok_or_else(|| {
            UserError::new(
                ErrorCode::IdCardSample,
                format!("unknown sample card {sample:?}"),
            )
        })?;
        handle.place_card(card);
        Ok(())
    }

    /// Places a card built by the caller on the simulator (e.g. one whose photo makes the test
    /// decoder crash).
    pub fn simulator_place_card(&self, card: SampleCard) -> Result<(), UserError> {
        self.simulator
            .as_ref()
            .ok_or_else(no_simulator)?
            .place_card(card);
        Ok(())
    }

    pub fn simulator_remove(&self) -> Result<(), UserError> {
        self.simulator
            .as_ref()
            .ok_or_else(no_simulator)?
            .remove_card();
        Ok(())
    }
}

fn no_simulator() -> UserError {
    UserError::new(
        ErrorCode::IdCardNotSimulated,
        "devices.id_card.driver is not \"simulator\"",
    )
}

const SLOT: &str = "id_card";

/// Opens (and after an unplug, reopens) the reader's link.
type Opener = Box<dyn FnMut() -> Result<Box<dyn ByteStream + Send>, IdCardError> + Send>;

/// What is particular to the card reader in the device loop ([`runtime::Device`]): the SAM
/// status is the health check, a poll step reads card events.
struct CardReader {
    open: Opener,
    today: fn() -> Date,
    poll_every: Duration,
    photo: Option<PhotoHelper>,
    emit: Box<dyn Fn(DeviceEvent) + Send>,
    /// A read that panicked was reported; not again until the reader reports something else.
    panic_reported: bool,
}

impl CardReader {
    fn state(&self, state: DeviceState) {
        (self.emit)(DeviceEvent::State { slot: SLOT, state });
    }
}

impl runtime::Device for CardReader {
    type Link = IdCardReader<Box<dyn ByteStream + Send>>;
    type Error = IdCardError;
    const NAME: &'static str = "id-card";

    fn open(&mut self) -> Result<Self::Link, IdCardError> {
        (self.open)().map(|t| IdCardReader::new(t, ReaderConfig::default()))
    }

    fn check(&mut self, reader: &mut Self::Link) -> Result<(), IdCardError> {
        reader.sam_status()
    }

    fn poll(&mut self, reader: &mut Self::Link) -> Result<Step, IdCardError> {
        match reader.poll() {
            Ok(events) => {
                self.panic_reported &= events.is_empty();
                for event in events {
                    (self.emit)(DeviceEvent::Card(Box::new(match event {
                        ReaderEvent::CardPresent(read) => CardEvent::Present {
                            card: CitizenCard::new(read.identity, (self.today)())
                                .with_photo(&read.photo, self.photo.as_ref()),
                        },
                        ReaderEvent::CardRemoved => CardEvent::Removed,
                        ReaderEvent::ReadFailed(e) => CardEvent::ReadFailed {
                            error: card_error(&e),
                        },
                    })));
                }
            }
            Err(e) if is_link_failure(&e) => return Err(e),
            Err(e) => tracing::debug!(error = %e, "ID-card poll failed; retrying"),
        }
        Ok(Step::After(self.poll_every))
    }

    fn report(&mut self, report: Report<'_, IdCardError>) {
        match report {
            Report::OpenFailed(_) | Report::Lost(_) => self.state(DeviceState::Disconnected),
            Report::Unhealthy(e) => self.state(DeviceState::Error {
                message: e.message().to_string(),
            }),
            Report::Connected => self.state(DeviceState::Connected),
            Report::Panicked(p) if p.stage == runtime::Stage::Poll => {
                if !std::mem::replace(&mut self.panic_reported, true) {
                    (self.emit)(DeviceEvent::Card(Box::new(CardEvent::ReadFailed {
                        error: p.user_error(),
                    })));
                }
            }
            Report::Panicked(_) | Report::Closed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Instant;

    fn today() -> Date {
        Date::new(2026, 11, 23).unwrap()
    }

    fn recv_card(rx: &mpsc::Receiver<DeviceEvent>, within: Duration) -> CardEvent {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left).expect("event in time") {
                DeviceEvent::Card(c) => return *c,
                DeviceEvent::State { .. } => {}
            }
        }
    }

    #[test]
    fn c1_simulated_reader_reports_connected_then_cards_through_a_real_pty() {
        let (tx, rx) = mpsc::channel();
        let cfg = DeviceConfig::driver(DeviceDriver::Simulator);
        let svc = IdCardService::start(&cfg, today, ServiceTiming::default(), move |e| {
            let _ = tx.send(e);
        })
        .expect("service");
        match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
            DeviceEvent::State { slot, state } => {
                assert_eq!(slot, "id_card");
                assert_eq!(state, DeviceState::Connected);
            }
            DeviceEvent::Card(_) => panic!("card before connect"),
        }
        svc.simulator_place("expired").unwrap();
        match recv_card(&rx, Duration::from_secs(5)) {
            CardEvent::Present { card } => assert!(card.expired, "{card:?}"),
            other => panic!("{other:?}"),
        }
        svc.simulator_remove().unwrap();
        assert_eq!(recv_card(&rx, Duration::from_secs(5)), CardEvent::Removed);
        svc.simulator_place("resident").unwrap();
        match recv_card(&rx, Duration::from_secs(5)) {
            CardEvent::Present { card } => {
                assert!(!card.expired);
                assert!(card.identity.id_number_valid);
            }
            other => panic!("{other:?}"),
        }
        assert!(svc.simulator_place("nonsense").is_err());
    }

    #[test]
    fn missing_serial_port_reports_disconnected_and_keeps_retrying() {
        let (tx, rx) = mpsc::channel();
        let cfg = DeviceConfig {
            driver: DeviceDriver::Serial,
            port: Some("/dev/yichuang-no-such-port".into()),
            ..DeviceConfig::default()
        };
        let timing = ServiceTiming {
            poll: Duration::from_millis(50),
            reopen: Duration::from_millis(50),
        };
        let svc = IdCardService::start(&cfg, today, timing, move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
        for _ in 0..3 {
            match rx.recv_timeout(Duration::from_secs(5)).unwrap() {
                DeviceEvent::State { state, .. } => assert_eq!(state, DeviceState::Disconnected),
                DeviceEvent::Card(_) => panic!("no card expected"),
            }
        }
        assert!(svc.simulator_place("resident").is_err());
    }

    #[test]
    fn no_reader_installed_starts_nothing() {
        let cfg = DeviceConfig {
            driver: DeviceDriver::None,
            ..DeviceConfig::default()
        };
        assert!(IdCardService::start(&cfg, today, ServiceTiming::default(), |_| {}).is_none());
    }
}
