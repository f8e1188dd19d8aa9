//! The ID-card reader driver: one request/response exchange at a time over any [`ByteStream`],
//! the find → select → read sequence with retries, and a poll loop that turns what the SAM
//! says into card-present / card-removed events.
//!
//! Presence: a fresh card answers find-card with 9F. Many SAMs halt a card once it has been
//! read, so find-card then answers 80 while the card is still lying on the reader; select-card
//! still answers 90 for it. The reader therefore probes with find and, failing that, select,
//! and remembers which card it last reported: a card left on the reader fires
//! [`ReaderEvent::CardPresent`] once, and [`ReaderEvent::CardRemoved`] fires after
//! [`ReaderConfig::removal_misses`] consecutive empty probes.

use std::time::Duration;

use serde::Serialize;

use super::codec::{
    cmd, Frame, FrameDecoder, FrameError, ReadPayload, Request, Response, SamStatus,
};
use super::error::IdCardError;
use super::identity::{parse_text, Identity, WltPhoto};
use crate::transport::{ByteStream, Deframer, FrameSource, Framed};

/// Timing and retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Wait for the reply to a short command (status, find, select).
    pub command_timeout: Duration,
    /// Wait for the reply to read-card (the SAM talks to the card for up to ~1 s).
    pub read_timeout: Duration,
    /// Extra attempts after a transient failure (timeout, bad frame, SAM-side checksum).
    pub retries: u8,
    /// Use `30 10` (text + photo + fingerprint) instead of `30 01`.
    pub read_fingerprint: bool,
    /// Consecutive empty probes before a card counts as removed (debounces RF flicker).
    pub removal_misses: u8,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        Self {
            command_timeout: Duration::from_millis(500),
            read_timeout: Duration::from_millis(3000),
            retries: 2,
            read_fingerprint: false,
            removal_misses: 2,
        }
    }
}

/// The SAM's 16-byte serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SamId(pub [u8; 16]);

impl std::fmt::Display for SamId {
    /// The usual printed form `AA.BB-CCCCCCCC-DDDDDDDDDD-EEEEEEEEEE`: two u16 then three u32,
    /// little-endian, in decimal (vendor convention, to be verified on hardware).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a0, a1, b0, b1, c0, c1, c2, c3, d0, d1, d2, d3, e0, e1, e2, e3] = self.0;
        let (a, b) = (u16::from_le_bytes([a0, a1]), u16::from_le_bytes([b0, b1]));
        let c = u32::from_le_bytes([c0, c1, c2, c3]);
        let d = u32::from_le_bytes([d0, d1, d2, d3]);
        let e = u32::from_le_bytes([e0, e1, e2, e3]);
        write!(f, "{:02}.{:02}-{:08}-{:010}-{:010}", a, b, c, d, e)
    }
}

/// One card as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CardRead {
    pub identity: Identity,
    pub photo: WltPhoto,
    /// Two 512-byte templates when `read_fingerprint` is on and the card has them.
    pub fingerprint: Option<Vec<u8>>,
}

/// What the poll loop reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// A card was placed and read.
    CardPresent(Box<CardRead>),
    /// The card that was reported (or failed) has left the reader.
    CardRemoved,
    /// A card was placed but could not be read; reported once per placement.
    ReadFailed(IdCardError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Presence {
    Absent,
    Present { id_number: String, misses: u8 },
    Unread { misses: u8 },
}

/// The driver. Generic over the transport, so tests and the simulator need no hardware.
#[derive(Debug)]
pub struct IdCardReader<T: ByteStream> {
    link: Framed<T, FrameDecoder>,
    config: ReaderConfig,
    presence: Presence,
}

impl<T: ByteStream> IdCardReader<T> {
    pub fn new(transport: T, config: ReaderConfig) -> Self {
        Self {
            link: Framed::new(transport, FrameDecoder::new()),
            config,
            presence: Presence::Absent,
        }
    }

    pub fn config(&self) -> &ReaderConfig {
        &self.config
    }

    pub fn into_transport(self) -> T {
        self.link.into_source()
    }

    /// Sends one request and returns the SAM's reply, retrying transient failures.
    pub fn transact(&mut self, req: &Request) -> Result<Response, IdCardError> {
        let timeout = if req.cmd == cmd::READ_TEXT_PHOTO.0 {
            self.config.read_timeout
        } else {
            self.config.command_timeout
        };
        self.transact_with(req, timeout, self.config.retries)
    }

    fn transact_with(
        &mut self,
        req: &Request,
        timeout: Duration,
        retries: u8,
    ) -> Result<Response, IdCardError> {
        let mut attempt = 0;
        loop {
            let result = self.exchange(req, timeout).and_then(|r| {
                // The SAM rejecting our frame as corrupted is as transient as us rejecting its.
                match r.status() {
                    s @ (SamStatus::ChecksumError | SamStatus::LengthError) => {
                        Err(IdCardError::Status(s))
                    }
                    _ => Ok(r),
                }
            });
            match result {
                Err(e) if e.is_transient() && attempt < retries => attempt += 1,
                other => return other,
            }
        }
    }

    /// One request, one reply; no retry.
    fn exchange(&mut self, req: &Request, timeout: Duration) -> Result<Response, IdCardError> {
        let io = |e: std::io::Error| IdCardError::Io(e.to_string());
        self.link.discard().map_err(io)?;
        self.link.send(&req.encode()).map_err(io)?;
        match self.link.next_frame(timeout).map_err(io)? {
            Some(frame) => Ok(Response::from_frame(&frame?)?),
            None => Err(IdCardError::Timeout {
                waited_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                partial: self.link.deframer().in_frame(),
            }),
        }
    }

    fn expect(&mut self, req: &Request, ok: SamStatus) -> Result<Response, IdCardError> {
        let r = self.transact(req)?;
        if r.status() == ok {
            Ok(r)
        } else {
            Err(IdCardError::Status(r.status()))
        }
    }

    /// Resets the SAM (needs ~2 s after power-up before it answers).
    pub fn reset_sam(&mut self) -> Result<(), IdCardError> {
        self.expect(&Request::reset_sam(), SamStatus::Success)
            .map(drop)
    }

    /// The SAM's self-test: `Ok` when it answers 90.
    pub fn sam_status(&mut self) -> Result<(), IdCardError> {
        self.expect(&Request::sam_status(), SamStatus::Success)
            .map(drop)
    }

    pub fn sam_id(&mut self) -> Result<SamId, IdCardError> {
        let r = self.expect(&Request::read_sam_id(), SamStatus::Success)?;
        let id: [u8; 16] = r.data.as_slice().try_into().map_err(|_| {
            IdCardError::Payload(super::codec::PayloadError {
                expected: 16,
                actual: r.data.len(),
            })
        })?;
        Ok(SamId(id))
    }

    /// Find-card: `true` on 9F, `false` on 80.
    pub fn find_card(&mut self) -> Result<bool, IdCardError> {
        let r = self.transact(&Request::find_card())?;
        match r.status() {
            SamStatus::CardFound | SamStatus::Success => Ok(true),
            SamStatus::NoCard => Ok(false),
            s => Err(IdCardError::Status(s)),
        }
    }

    /// Select-card: `true` on 90, `false` on 81 / 80.
    pub fn select_card(&mut self) -> Result<bool, IdCardError> {
        let r = self.transact(&Request::select_card())?;
        match r.status() {
            SamStatus::Success => Ok(true),
            SamStatus::SelectFailed | SamStatus::NoCard => Ok(false),
            s => Err(IdCardError::Status(s)),
        }
    }

    /// Whether a card is in the field (fresh or already read).
    pub fn card_present(&mut self) -> Result<bool, IdCardError> {
        Ok(self.find_card()? || self.select_card()?)
    }

    /// Find → select → read, retrying a failed read while the card stays; a card that left
    /// the field during the read gives [`IdCardError::CardPulled`].
    pub fn read_card(&mut self) -> Result<CardRead, IdCardError> {
        let mut attempt = 0;
        loop {
            let err = match self.read_card_once() {
                Ok(card) => return Ok(card),
                Err(e) => e,
            };
            let worth_retrying = err.is_transient()
                || matches!(
                    err,
                    IdCardError::Status(
                        SamStatus::ReadFailed
                            | SamStatus::SelectFailed
                            | SamStatus::CardAuthenticateSamFailed
                            | SamStatus::SamAuthenticateCardFailed
                            | SamStatus::VerifyFailed
                    )
                );
            if !worth_retrying {
                return Err(err);
            }
            match self.card_present() {
                Ok(false) => return Err(IdCardError::CardPulled),
                Ok(true) if attempt < self.config.retries => attempt += 1,
                _ => return Err(err),
            }
        }
    }

    fn read_card_once(&mut self) -> Result<CardRead, IdCardError> {
        let found = self.find_card()?;
        if !self.select_card()? {
            return Err(if found {
                IdCardError::Status(SamStatus::SelectFailed)
            } else {
                IdCardError::NoCard
            });
        }
        let (req, fp) = if self.config.read_fingerprint {
            (Request::read_text_photo_fingerprint(), true)
        } else {
            (Request::read_text_photo(), false)
        };
        // No inner retry: after a failed read the card's presence decides what comes next.
        let r = self.transact_with(&req, self.config.read_timeout, 0)?;
        if r.status() != SamStatus::Success {
            return Err(IdCardError::Status(r.status()));
        }
        let payload = ReadPayload::parse(&r.data, fp)?;
        Ok(CardRead {
            identity: parse_text(&payload.text)?,
            photo: WltPhoto(payload.photo),
            fingerprint: payload.fingerprint.filter(|f| !f.is_empty()),
        })
    }

    /// One step of the watch loop; call every 100–500 ms. Returns the events this step
    /// produced (usually none). Link failures are returned as errors and leave the
    /// presence state unchanged.
    pub fn poll(&mut self) -> Result<Vec<ReaderEvent>, IdCardError> {
        let found = self.find_card()?;
        let present = found || self.select_card()?;
        if !present {
            return Ok(self.on_empty_probe());
        }
        match self.presence.clone() {
            Presence::Absent => Ok(vec![self.read_and_track()]),
            Presence::Present { id_number, .. } => {
                self.presence = Presence::Present {
                    id_number: id_number.clone(),
                    misses: 0,
                };
                if !found {
                    // The card already reported, resting on the reader.
                    return Ok(Vec::new());
                }
                // The card re-entered the field: the same one re-armed, or a quick swap.
                match self.read_card() {
                    Ok(card) if card.identity.id_number == id_number => Ok(Vec::new()),
                    Ok(card) => {
                        self.presence = Presence::Present {
                            id_number: card.identity.id_number.clone(),
                            misses: 0,
                        };
                        Ok(vec![
                            ReaderEvent::CardRemoved,
                            ReaderEvent::CardPresent(Box::new(card)),
                        ])
                    }
                    // Not news: if it left, the next probes will say so.
                    Err(_) => Ok(Vec::new()),
                }
            }
            Presence::Unread { .. } => {
                self.presence = Presence::Unread { misses: 0 };
                if found {
                    // Re-seated after a failure: try again, report success only.
                    if let Ok(card) = self.read_card() {
                        return Ok(vec![self.track(card)]);
                    }
                }
                Ok(Vec::new())
            }
        }
    }

    fn read_and_track(&mut self) -> ReaderEvent {
        match self.read_card() {
            Ok(card) => self.track(card),
            Err(IdCardError::CardPulled) => {
                self.presence = Presence::Absent;
                ReaderEvent::ReadFailed(IdCardError::CardPulled)
            }
            Err(e) => {
                self.presence = Presence::Unread { misses: 0 };
                ReaderEvent::ReadFailed(e)
            }
        }
    }

    fn track(&mut self, card: CardRead) -> ReaderEvent {
        self.presence = Presence::Present {
            id_number: card.identity.id_number.clone(),
            misses: 0,
        };
        ReaderEvent::CardPresent(Box::new(card))
    }

    fn on_empty_probe(&mut self) -> Vec<ReaderEvent> {
        let misses = match &mut self.presence {
            Presence::Absent => return Vec::new(),
            Presence::Present { misses, .. } | Presence::Unread { misses } => {
                *misses = misses.saturating_add(1);
                *misses
            }
        };
        if misses >= self.config.removal_misses.max(1) {
            self.presence = Presence::Absent;
            vec![ReaderEvent::CardRemoved]
        } else {
            Vec::new()
        }
    }
}

/// The SAM frame decoder as the deframer of the reader's [`Framed`] link.
impl Deframer for FrameDecoder {
    type Frame = Result<Frame, FrameError>;
    fn push(&mut self, bytes: &[u8]) {
        FrameDecoder::push(self, bytes);
    }
    fn next_frame(&mut self) -> Option<Self::Frame> {
        FrameDecoder::next_frame(self)
    }
    fn clear(&mut self) {
        FrameDecoder::clear(self);
    }
}
