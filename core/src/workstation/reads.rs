//! The A6 read register: a citizen's identity read at this window (ID card, personal code
//! from the document camera) is written to the audit trail before the window sees it, and
//! intake fills a party only from a read that is on record and recent. A read from a device
//! whose configured driver is the simulator carries `"simulated": true` in its audit detail
//! (from the config, never from the data), so a demo read can never pass for a real one.

use std::sync::Mutex;

use serde_json::json;
use yichuang_drivers::idcard::identity::CardDetails;

use crate::devices::camera::CodeTarget;
use crate::devices::id_card::{CardEvent, CitizenCard};
use crate::domain::audit::{self, AuditEntry};
use crate::domain::intake::cases::CARD_READ_VALID_MS;
use crate::domain::intake::{IdSource, Party};
use crate::infra::store::Store;
use crate::{ErrorCode, UserError};

/// The last card read at this window, audited, and when (unix ms); and the ID numbers of the
/// cards read while the clerk now logged in was (a history search by ID number needs one).
#[derive(Debug, Default)]
pub struct ReadRegister {
    last_card: Mutex<Option<(CitizenCard, i64)>>,
    session_cards: Mutex<Vec<String>>,
    /// The audit entry of the last card read in this session: the proof a licence lookup
    /// carries (L1, A6).
    last_card_entry: Mutex<Option<audit::AuditRecord>>,
}

/// Writes one audit entry in its own transaction.
pub fn audit_read(
    store: &mut Store,
    at: i64,
    actor: Option<String>,
    action: &str,
    subject: Option<String>,
    detail: serde_json::Value,
) -> Result<(), UserError> {
    audit_entry(store, at, actor, action, subject, detail).map(drop)
}

/// Writes one audit entry in its own transaction and returns it as stored.
pub fn audit_entry(
    store: &mut Store,
    at: i64,
    actor: Option<String>,
    action: &str,
    subject: Option<String>,
    detail: serde_json::Value,
) -> Result<audit::AuditRecord, UserError> {
    store
        .transact(|tx| {
            audit::record(
                tx,
                at,
                AuditEntry {
                    actor,
                    action: action.into(),
                    subject,
                    detail,
                },
            )
        })
        .map_err(|e| UserError::new(ErrorCode::StoreAudit, e.to_string()))
}

impl ReadRegister {
    /// A card event from the reader (`simulated`: the reader's driver is the simulator). A
    /// card read is audited first; only then is it kept for intake and passed on. An
    /// unaudited read never reaches the window: it becomes a failed read.
    pub fn card_event(
        &self,
        store: &mut Store,
        actor: Option<String>,
        at: i64,
        event: CardEvent,
        simulated: bool,
    ) -> CardEvent {
        let CardEvent::Present { card } = event else {
            return event;
        };
        let mut detail = json!({
            "card_kind": card.identity.kind,
            "expired": card.expired,
            "source": "id_card_reader",
        });
        mark_simulated(&mut detail, simulated);
        let subject = Some(card.identity.id_number.clone());
        let in_session = actor.is_some();
        match audit_entry(store, at, actor, "card.read", subject, detail) {
            Ok(entry) => {
                *lock(&self.last_card_entry) = in_session.then_some(entry);
                if in_session {
                    let id = card.identity.id_number.to_uppercase();
                    let mut ids = lock(&self.session_cards);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                *lock(&self.last_card) = Some((card.clone(), at));
                CardEvent::Present { card }
            }
            Err(error) => {
                tracing::error!(error = %error.detail, "card read not audited; not shown");
                CardEvent::ReadFailed { error }
            }
        }
    }

    /// A session began or ended (login, logout, another clerk at the window): the cards read
    /// before no longer open a search by ID number.
    pub fn session_changed(&self) {
        lock(&self.session_cards).clear();
        // The card read before belongs to the last clerk's visit: neither intake nor a
        // handover of the next clerk may take its holder as a party.
        *lock(&self.last_card) = None;
        *lock(&self.last_card_entry) = None;
    }

    /// The audit entry of the last card read by the clerk now logged in, if it is recent
    /// enough to prove a licence lookup (30 minutes, the server's window).
    pub fn card_read_entry(&self, now: i64) -> Result<audit::AuditRecord, UserError> {
        let entry = lock(&self.last_card_entry).clone().ok_or_else(|| {
            UserError::new(ErrorCode::LicenceNoCard, "no card read in this session")
        })?;
        if now - entry.at > yichuang_pki::card_read::PROOF_WINDOW_MS {
            return Err(UserError::new(
                ErrorCode::LicenceCardStale,
                format!("card read at {}", entry.at),
            ));
        }
        Ok(entry)
    }

    /// Whether a card with this ID number was read, and audited, in the current session.
    pub fn read_in_session(&self, id_number: &str) -> bool {
        let id = id_number.trim().to_uppercase();
        lock(&self.session_cards).contains(&id)
    }

    /// The party on the card last read, if that read is recent enough (12 h). An expired
    /// card (C2) is refused as the party's identity; [`Self::last_card`] gives it to the
    /// audited override.
    pub fn party_from_card(&self, now: i64) -> Result<Party, UserError> {
        let card = self.last_card(now)?;
        if card.expired {
            return Err(UserError::new(
                ErrorCode::IntakeCardExpired,
                format!("card valid until {:?}", card.identity.valid_until),
            ));
        }
        Ok(party(&card))
    }

    /// The card last read, if that read is recent enough (12 h).
    pub fn last_card(&self, now: i64) -> Result<CitizenCard, UserError> {
        let (card, at) = lock(&self.last_card)
            .clone()
            .ok_or_else(|| UserError::new(ErrorCode::IntakeNoCard, "no card read since start"))?;
        if now - at > CARD_READ_VALID_MS {
            return Err(UserError::new(
                ErrorCode::IntakeCardStale,
                format!("card read at {at}"),
            ));
        }
        Ok(card)
    }
}

/// Adds `"simulated": true` to a device read's audit detail when the device is simulated.
fn mark_simulated(detail: &mut serde_json::Value, simulated: bool) {
    if let (true, Some(map)) = (simulated, detail.as_object_mut()) {
        map.insert("simulated".into(), true.into());
    }
}

/// A code read from the document camera or a scanner gun (`source`: `document_camera`,
/// `scanner_serial`, `scanner_keyboard`; `simulated`: the device's driver is the simulator).
/// A personal code is a read of the citizen's identity: audited like a card read before the
/// window sees it; when the audit fails the person is dropped from what the window gets.
pub fn code_read(
    store: &mut Store,
    actor: Option<String>,
    at: i64,
    target: CodeTarget,
    source: &str,
    simulated: bool,
) -> CodeTarget {
    let mut detail = json!({
        "kind": target.code.kind,
        "ticket": target.ticket,
        "appointment": target.appointment,
        "item": target.item_code,
        "source": source,
        // A refused personal code (unsigned, bad signature, expired): why, never whom.
        "refusal": target.refusal.as_ref().map(|r| r.code),
    });
    mark_simulated(&mut detail, simulated);
    let (action, subject) = match &target.party {
        Some(p) => ("code.read", Some(p.id_number.clone())),
        None => ("camera.code", None),
    };
    match audit_read(store, at, actor, action, subject, detail) {
        Ok(()) => target,
        Err(e) => {
            tracing::error!(error = %e.detail, "code read not audited; person dropped");
            CodeTarget {
                party: None,
                ..target
            }
        }
    }
}

/// The card → party mapping (name, number, sex, nation, birth, address).
pub fn party(card: &CitizenCard) -> Party {
    let id = &card.identity;
    Party {
        name: id.display_name().to_string(),
        id_number: id.id_number.clone(),
        id_source: IdSource::Card,
        sex: crate::labels::party_sex(id.sex).to_string(),
        nation: match &id.details {
            CardDetails::Resident { nation, .. } => nation.display_name(),
            _ => String::new(),
        },
        birth: id.birth.to_string(),
        address: match &id.details {
            CardDetails::Resident { address, .. } | CardDetails::HkMacaoTaiwan { address, .. } => {
                address.clone()
            }
            _ => String::new(),
        },
        phone: String::new(),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use yichuang_drivers::idcard::simulator::sample_resident;

    const NOW: i64 = 1_795_399_200_000;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("w.db")).unwrap();
        (dir, s)
    }

    fn card() -> CitizenCard {
        CitizenCard::new(
            sample_resident(),
            crate::infra::clock::date_from_unix(NOW / 1000),
        )
    }

    fn audited(store: &mut Store) -> Vec<(String, Option<String>)> {
        let mut stmt = store
            .conn()
            .prepare("SELECT action, subject FROM audit_log ORDER BY seq")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn a6_a_card_read_is_audited_before_it_is_passed_on() {
        let (_d, mut s) = store();
        let reads = ReadRegister::default();
        let card = card();
        let number = card.identity.id_number.clone();
        let out = reads.card_event(
            &mut s,
            Some("c001".into()),
            NOW,
            CardEvent::Present { card },
            false,
        );
        assert!(matches!(out, CardEvent::Present { .. }));
        assert_eq!(
            audited(&mut s),
            [("card.read".to_string(), Some(number.clone()))]
        );
        let party = reads.party_from_card(NOW + 60_000).unwrap();
        assert_eq!(party.id_number, number);
        assert_eq!(party.id_source, IdSource::Card);
        assert!(!party.name.is_empty() && !party.birth.is_empty());
    }

    #[test]
    fn a6_an_unaudited_read_never_reaches_the_window() {
        let (_d, mut s) = store();
        s.conn().execute_batch("DROP TABLE audit_log").unwrap();
        let reads = ReadRegister::default();
        let out = reads.card_event(
            &mut s,
            None,
            NOW,
            CardEvent::Present { card: card() },
            false,
        );
        assert!(
            matches!(&out, CardEvent::ReadFailed { error } if error.code == ErrorCode::StoreAudit),
            "{out:?}"
        );
        assert_eq!(
            reads.party_from_card(NOW).unwrap_err().code,
            "intake.no_card"
        );
    }

    #[test]
    fn a6_stale_reads_are_refused() {
        let (_d, mut s) = store();
        let reads = ReadRegister::default();
        assert_eq!(
            reads.party_from_card(NOW).unwrap_err().code,
            "intake.no_card"
        );
        reads.card_event(
            &mut s,
            None,
            NOW,
            CardEvent::Present { card: card() },
            false,
        );
        assert!(reads.party_from_card(NOW + CARD_READ_VALID_MS).is_ok());
        let err = reads
            .party_from_card(NOW + CARD_READ_VALID_MS + 1)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::IntakeCardStale);
    }

    #[test]
    fn a6_a_search_by_id_number_opens_only_with_a_card_read_in_this_session() {
        let (_d, mut s) = store();
        let reads = ReadRegister::default();
        let number = card().identity.id_number.clone();
        // Read before anyone logged in: not this session's read.
        reads.card_event(
            &mut s,
            None,
            NOW,
            CardEvent::Present { card: card() },
            false,
        );
        assert!(!reads.read_in_session(&number));
        let actor = Some("c001".to_string());
        reads.card_event(
            &mut s,
            actor,
            NOW,
            CardEvent::Present { card: card() },
            false,
        );
        assert!(reads.read_in_session(&number));
        assert!(reads.read_in_session(&format!(" {} ", number.to_lowercase())));
        assert!(!reads.read_in_session("110105194912310037"));
        assert!(reads.last_card(NOW).is_ok());
        // Logout, or another clerk's login: gone, the last card too.
        reads.session_changed();
        assert!(!reads.read_in_session(&number));
        assert_eq!(
            reads.last_card(NOW).unwrap_err().code,
            ErrorCode::IntakeNoCard
        );
    }

    fn details(store: &mut Store) -> Vec<serde_json::Value> {
        let mut stmt = store
            .conn()
            .prepare("SELECT detail FROM audit_log ORDER BY seq")
            .unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(|d| serde_json::from_str(&d.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn a6_simulated_reads_say_so_in_their_audit_entry() {
        let (_d, mut s) = store();
        let reads = ReadRegister::default();
        for simulated in [true, false] {
            let card = CardEvent::Present { card: card() };
            reads.card_event(&mut s, None, NOW, card, simulated);
        }
        let target = crate::devices::camera::ScannedCode::classify("QT|A023|0101")
            .target(&Default::default(), NOW / 1000);
        code_read(&mut s, None, NOW, target.clone(), "document_camera", true);
        code_read(&mut s, None, NOW, target, "document_camera", false);
        let flags: Vec<_> = details(&mut s)
            .iter()
            .map(|d| d.get("simulated").cloned())
            .collect();
        assert_eq!(
            flags,
            [Some(true.into()), None, Some(true.into()), None],
            "simulated reads flagged, real ones not"
        );
    }
}
