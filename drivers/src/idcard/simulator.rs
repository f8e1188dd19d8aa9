//! The SAM end of the protocol, for `make run`, the tests and `diagnose --simulate`: a pure
//! [`SamSimulator`] that turns request bytes into reply bytes (with pauses), sample cards of
//! every type that can be placed and removed, fault injection, and [`spawn`] to serve it
//! from a thread behind a serial port (one end of a pty pair from [`pty_pair`]).
//!
//! Behaviour follows real readers: find-card answers 9F for a fresh card and, by default,
//! 80 once that card has been read while it stays on the reader (select still answers 90).

use std::collections::VecDeque;
use std::time::Duration;

use crate::simulator::LineDevice;

use super::codec::{cmd, FrameDecoder, FrameError, ReadPayload, Request, Response};
use super::identity::{encode_ucs2_field, CardDetails, Identity, Validity, TEXT_LEN, WLT_LEN};
use super::labels;
pub use super::samples::{
    sample_expired, sample_foreign_permanent, sample_foreign_permanent_2023,
    sample_hk_macao_taiwan, sample_long_term, sample_resident,
};

/// A card for the simulator: its text block, photo and optional fingerprint block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleCard {
    pub text: Vec<u8>,
    pub photo: Vec<u8>,
    pub fingerprint: Option<Vec<u8>>,
}

impl SampleCard {
    /// Builds the text block an identity is read from (the inverse of `parse_text`).
    pub fn from_identity(id: &Identity) -> Self {
        let mut text = encode_ucs2_field("", TEXT_LEN);
        let mut put = |offset: usize, len: usize, s: &str| {
            let bytes = encode_ucs2_field(s, len);
            if let Some(dst) = text.get_mut(offset..offset + len) {
                dst.copy_from_slice(&bytes);
            }
        };
        let from = id.valid_from.to_compact();
        let until = match id.valid_until {
            Validity::Until(d) => d.to_compact(),
            Validity::LongTerm => labels::LONG_TERM.to_string(),
        };
        let birth = id.birth.to_compact();
        // Validity sits at the same place on every card type; name, sex, birth date and
        // number where the resident card has them on all but the 2017 permanent-residence
        // card.
        put(188, 16, &from);
        put(204, 16, &until);
        if !matches!(id.details, CardDetails::ForeignPermanent { .. }) {
            put(0, 30, &id.name);
            put(30, 2, id.sex.code());
            put(36, 16, &birth);
            put(122, 36, &id.id_number);
        }
        match &id.details {
            CardDetails::Resident {
                nation,
                address,
                issuer,
            } => {
                put(32, 4, &format!("{:02}", nation.code));
                put(52, 70, address);
                put(158, 30, issuer);
            }
            CardDetails::ForeignPermanent {
                name_en,
                nationality,
                card_version,
                authority_code,
            } => {
                put(0, 120, name_en);
                put(120, 2, id.sex.code());
                put(122, 30, &id.id_number);
                put(152, 6, nationality);
                put(158, 30, &id.name);
                put(220, 16, &birth);
                put(236, 4, card_version);
                put(240, 8, authority_code);
                put(248, 2, "I");
            }
            CardDetails::HkMacaoTaiwan {
                address,
                issuer,
                pass_number,
                issue_count,
            } => {
                put(52, 70, address);
                put(158, 30, issuer);
                put(220, 18, pass_number);
                put(238, 4, &format!("{issue_count:02}"));
                put(248, 2, "J");
            }
            CardDetails::ForeignPermanent2023 {
                name_en,
                nationality,
                renewal_count,
                previous_number,
            } => {
                // The English name: 35 characters at 52, the rest at 220.
                let head: String = name_en.chars().take(35).collect();
                let tail: String = name_en.chars().skip(35).collect();
                // The link is what the earlier number has beyond the new one's parts.
                let link = previous_number
                    .as_deref()
                    .and_then(|p| Some(format!("{}{}", p.get(5..7)?, p.get(13..14)?)))
                    .unwrap_or_default();
                put(32, 4, &format!("{renewal_count:02}"));
                put(52, 70, &head);
                put(220, 22, &tail);
                put(242, 6, nationality);
                put(248, 2, "Y");
                put(250, 6, &link);
            }
        }
        // A deterministic stand-in for the WLT bytes (real ones are vendor-encoded).
        let seed = id
            .id_number
            .bytes()
            .fold(0u8, |a, b| a.wrapping_mul(31) ^ b);
        let photo = (0..WLT_LEN)
            .map(|i| (i as u8).wrapping_mul(7) ^ seed)
            .collect();
        Self {
            text,
            photo,
            fingerprint: None,
        }
    }

    /// 居民身份证, valid until 2036.
    pub fn resident() -> Self {
        Self::from_identity(&sample_resident())
    }
    /// 居民身份证 valid 「长期」.
    pub fn resident_long_term() -> Self {
        Self::from_identity(&sample_long_term())
    }
    /// 居民身份证 that expired on 2020-02-01.
    pub fn expired() -> Self {
        Self::from_identity(&sample_expired())
    }
    /// 外国人永久居留身份证 ('I').
    pub fn foreign_permanent() -> Self {
        Self::from_identity(&sample_foreign_permanent())
    }
    /// 港澳台居民居住证 ('J').
    pub fn hk_macao_taiwan() -> Self {
        Self::from_identity(&sample_hk_macao_taiwan())
    }
    /// 外国人永久居留身份证, 2023 layout ('Y').
    pub fn foreign_permanent_2023() -> Self {
        Self::from_identity(&sample_foreign_permanent_2023())
    }

    /// All samples by name, for the simulator's control surface.
    pub fn by_name(name: &str) -> Option<Self> {
        Some(match name {
            "resident" => Self::resident(),
            "long_term" => Self::resident_long_term(),
            "expired" => Self::expired(),
            "foreign_permanent" | "I" => Self::foreign_permanent(),
            "hk_macao_taiwan" | "J" => Self::hk_macao_taiwan(),
            "foreign_permanent_2023" | "Y" => Self::foreign_permanent_2023(),
            "photo_crash" => Self::resident().with_photo_magic(b"CRSH"),
            "photo_hang" => Self::resident().with_photo_magic(b"HANG"),
            "photo_refused" => Self::resident().with_photo_magic(b"FAIL"),
            _ => return None,
        })
    }

    /// The card with its photo's first bytes replaced: the test WLT decoder
    /// (`yichuang-wlt-sim`) crashes on `CRSH`, hangs on `HANG` and refuses `FAIL`.
    pub fn with_photo_magic(mut self, magic: &[u8; 4]) -> Self {
        if let Some(head) = self.photo.get_mut(..4) {
            head.copy_from_slice(magic);
        }
        self
    }

    pub const NAMES: [&'static str; 9] = [
        "resident",
        "long_term",
        "expired",
        "foreign_permanent",
        "hk_macao_taiwan",
        "foreign_permanent_2023",
        "photo_crash",
        "photo_hang",
        "photo_refused",
    ];
}

/// A one-shot fault applied to the next reply (or, for [`Fault::PullMidRead`], to the next
/// read-card reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The reply's checksum byte is flipped.
    BadChecksum,
    /// The reply's length word is corrupted to 0xFFFF.
    BadLength,
    /// The reply goes out in `pieces` chunks with `gap` between them.
    Split { pieces: usize, gap: Duration },
    /// These bytes go out before the reply.
    Noise(Vec<u8>),
    /// No reply at all (a SAM timeout).
    Silence,
    /// This SW3 instead of the real answer.
    Status(u8),
    /// On the next read-card: send the first `after` bytes of the reply, then the card is gone.
    PullMidRead { after: usize },
}

#[cfg(unix)]
pub use crate::simulator::pty_pair;
pub use crate::simulator::{link_pair, loopback_pair, spawn, Emit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CardState {
    Fresh,
    Halted,
}

/// The simulated SAM.
#[derive(Debug, Clone)]
pub struct SamSimulator {
    decoder: FrameDecoder,
    card: Option<(SampleCard, CardState)>,
    faults: VecDeque<Fault>,
    pull_on_read: Option<usize>,
    /// Whether a read card stops answering find-card (real SAMs do). Default true.
    pub halt_after_read: bool,
    /// The SAM's serial number.
    pub sam_id: [u8; 16],
    /// Answer SAM-status with 60 (self-test failed).
    pub self_test_fails: bool,
    /// Requests seen, for tests.
    pub requests: Vec<Request>,
}

impl Default for SamSimulator {
    fn default() -> Self {
        Self::new()
    }
}

impl SamSimulator {
    pub fn new() -> Self {
        let mut sam_id = [0u8; 16];
        // 05.01-20101020-0012345678-1234567890 in the usual printed form.
        sam_id[0] = 5;
        sam_id[2] = 1;
        sam_id[4..8].copy_from_slice(&20_101_020u32.to_le_bytes());
        sam_id[8..12].copy_from_slice(&12_345_678u32.to_le_bytes());
        sam_id[12..16].copy_from_slice(&1_234_567_890u32.to_le_bytes());
        Self {
            decoder: FrameDecoder::new(),
            card: None,
            faults: VecDeque::new(),
            pull_on_read: None,
            halt_after_read: true,
            sam_id,
            self_test_fails: false,
            requests: Vec::new(),
        }
    }

    pub fn place_card(&mut self, card: SampleCard) {
        self.card = Some((card, CardState::Fresh));
    }

    pub fn remove_card(&mut self) {
        self.card = None;
    }

    pub fn has_card(&self) -> bool {
        self.card.is_some()
    }

    pub fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::PullMidRead { after } => self.pull_on_read = Some(after),
            other => self.faults.push_back(other),
        }
    }

    /// Feeds request bytes; returns what the SAM sends back.
    pub fn handle(&mut self, input: &[u8]) -> Vec<Emit> {
        self.decoder.push(input);
        let mut out = Vec::new();
        while let Some(event) = self.decoder.next_frame() {
            let reply = match event.and_then(|f| Request::from_frame(&f)) {
                Ok(req) => {
                    self.requests.push(req.clone());
                    self.answer(&req, &mut out)
                }
                Err(FrameError::BadChecksum { .. }) => Some(Response::new(0x10, Vec::new())),
                Err(_) => Some(Response::new(0x11, Vec::new())),
            };
            if let Some(reply) = reply {
                self.emit(reply.encode(), &mut out);
            }
        }
        out
    }

    /// The reply to one request, or `None` when a fault already took care of the output.
    fn answer(&mut self, req: &Request, out: &mut Vec<Emit>) -> Option<Response> {
        let ok = |data: Vec<u8>| Response::new(0x90, data);
        let reply = match req.code() {
            cmd::RESET_SAM | cmd::SET_MAX_RF_BYTES => ok(Vec::new()),
            cmd::SAM_STATUS if self.self_test_fails => Response::new(0x60, Vec::new()),
            cmd::SAM_STATUS => ok(Vec::new()),
            cmd::READ_SAM_ID => ok(self.sam_id.to_vec()),
            cmd::FIND_CARD => match &self.card {
                Some((_, CardState::Fresh)) => Response::new(0x9F, vec![0; 4]),
                _ => Response::new(0x80, vec![0; 4]),
            },
            cmd::SELECT_CARD => match &self.card {
                Some(_) => ok(vec![0; 8]),
                None => Response::new(0x81, vec![0; 8]),
            },
            code @ (cmd::READ_TEXT_PHOTO | cmd::READ_TEXT_PHOTO_FINGERPRINT) => {
                let with_fp = code == cmd::READ_TEXT_PHOTO_FINGERPRINT;
                let Some((card, state)) = &mut self.card else {
                    return Some(Response::new(0x41, Vec::new()));
                };
                let payload = ReadPayload {
                    text: card.text.clone(),
                    photo: card.photo.clone(),
                    fingerprint: with_fp.then(|| card.fingerprint.clone().unwrap_or_default()),
                };
                if self.halt_after_read {
                    *state = CardState::Halted;
                }
                let reply = ok(payload.encode());
                if let Some(after) = self.pull_on_read.take() {
                    let bytes = reply.encode();
                    out.push(Emit::Bytes(bytes.get(..after).unwrap_or(&bytes).to_vec()));
                    self.card = None;
                    return None;
                }
                reply
            }
            _ => Response::new(0x21, Vec::new()),
        };
        Some(reply)
    }

    fn emit(&mut self, mut bytes: Vec<u8>, out: &mut Vec<Emit>) {
        let Some(fault) = self.faults.pop_front() else {
            out.push(Emit::Bytes(bytes));
            return;
        };
        match fault {
            Fault::BadChecksum => {
                if let Some(last) = bytes.last_mut() {
                    *last ^= 0xFF;
                }
                out.push(Emit::Bytes(bytes));
            }
            Fault::BadLength => {
                if let Some(len) = bytes.get_mut(5..7) {
                    len.copy_from_slice(&[0xFF, 0xFF]);
                }
                out.push(Emit::Bytes(bytes));
            }
            Fault::Split { pieces, gap } => {
                let size = bytes.len().div_ceil(pieces.max(1)).max(1);
                for (i, piece) in bytes.chunks(size).enumerate() {
                    if i > 0 {
                        out.push(Emit::Pause(gap));
                    }
                    out.push(Emit::Bytes(piece.to_vec()));
                }
            }
            Fault::Noise(noise) => {
                out.push(Emit::Bytes(noise));
                out.push(Emit::Bytes(bytes));
            }
            Fault::Silence => {}
            Fault::Status(sw3) => {
                // Keep the reply's shape, replace only the result code.
                if let Some(b) = bytes.get_mut(9) {
                    *b = sw3;
                }
                let body = bytes.get(7..bytes.len().saturating_sub(1)).unwrap_or(&[]);
                let len = u16::try_from(body.len() + 1).unwrap_or(u16::MAX);
                let chk = super::codec::checksum(len, body);
                if let Some(last) = bytes.last_mut() {
                    *last = chk;
                }
                out.push(Emit::Bytes(bytes));
            }
            Fault::PullMidRead { after } => {
                self.pull_on_read = Some(after);
                out.push(Emit::Bytes(bytes));
            }
        }
    }
}

/// The SAM served from a thread behind a serial port (see [`crate::simulator`]).
pub type SimulatorHandle = crate::simulator::SimHandle<SamSimulator>;

impl LineDevice for SamSimulator {
    fn receive(&mut self, bytes: &[u8]) -> Vec<Emit> {
        self.handle(bytes)
    }
}

impl SimulatorHandle {
    pub fn place_card(&self, card: SampleCard) {
        self.with(|sim| sim.place_card(card));
    }
    pub fn remove_card(&self) {
        self.with(SamSimulator::remove_card);
    }
    pub fn inject(&self, fault: Fault) {
        self.with(|sim| sim.inject(fault));
    }
}

#[cfg(test)]
mod tests {
    use super::super::identity::parse_text;
    use super::*;

    fn bytes(out: Vec<Emit>) -> Vec<u8> {
        out.into_iter()
            .flat_map(|e| match e {
                Emit::Bytes(b) => b,
                Emit::Pause(_) => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn c1_samples_round_trip_through_the_text_block() {
        for id in [
            sample_resident(),
            sample_long_term(),
            sample_expired(),
            sample_foreign_permanent(),
            sample_hk_macao_taiwan(),
            sample_foreign_permanent_2023(),
        ] {
            let card = SampleCard::from_identity(&id);
            assert_eq!(card.text.len(), TEXT_LEN);
            assert_eq!(parse_text(&card.text).as_ref(), Ok(&id), "{}", id.name);
        }
        for name in SampleCard::NAMES {
            assert!(SampleCard::by_name(name).is_some());
        }
    }

    #[test]
    fn c1_simulator_answers_find_select_read_and_halts() {
        let mut sim = SamSimulator::new();
        let find = Request::find_card().encode();
        let r = Response::decode(&bytes(sim.handle(&find))).unwrap();
        assert_eq!(r.sw3, 0x80);
        sim.place_card(SampleCard::resident());
        assert_eq!(
            Response::decode(&bytes(sim.handle(&find))).unwrap().sw3,
            0x9F
        );
        let sel = Request::select_card().encode();
        assert_eq!(
            Response::decode(&bytes(sim.handle(&sel))).unwrap().sw3,
            0x90
        );
        let read = bytes(sim.handle(&Request::read_text_photo().encode()));
        assert_eq!(read.len(), 1295);
        assert_eq!(
            Response::decode(&bytes(sim.handle(&find))).unwrap().sw3,
            0x80
        );
        assert_eq!(
            Response::decode(&bytes(sim.handle(&sel))).unwrap().sw3,
            0x90
        );
    }

    #[test]
    fn c1_simulator_rejects_a_corrupted_request_with_sw3_10() {
        let mut sim = SamSimulator::new();
        let mut req = Request::find_card().encode();
        if let Some(last) = req.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            Response::decode(&bytes(sim.handle(&req))).unwrap().sw3,
            0x10
        );
    }

    #[test]
    fn c1_faults_shape_the_next_reply() {
        let mut sim = SamSimulator::new();
        let status = Request::sam_status().encode();
        sim.inject(Fault::Silence);
        assert!(sim.handle(&status).is_empty());
        sim.inject(Fault::Split {
            pieces: 3,
            gap: Duration::from_millis(5),
        });
        let out = sim.handle(&status);
        assert_eq!(
            out.iter().filter(|e| matches!(e, Emit::Pause(_))).count(),
            2
        );
        assert!(Response::decode(&bytes(out)).is_ok());
        sim.inject(Fault::Status(0x60));
        assert_eq!(
            Response::decode(&bytes(sim.handle(&status))).unwrap().sw3,
            0x60
        );
        sim.inject(Fault::BadChecksum);
        assert!(Response::decode(&bytes(sim.handle(&status))).is_err());
    }
}
