//! The proof of a card read (A6, issue 20): a licence lookup names the citizen only through
//! the workstation's audit entry of reading their ID card, signed with the workstation's
//! Ed25519 credential. The entry is the workstation's `card.read` row of its audit chain, as
//! it stands (its hash covers every field and its predecessor, exactly as the chain does, so
//! the server can later match it against the synced chain); the signature is over
//! [`card_read_message`]: the workstation id and that hash.
//!
//! The server checks, in this order: the entry is a `card.read`; its hash is the hash of its
//! fields; the signature verifies with the requesting workstation's key; the reader was the
//! clerk now asking; the card is the holder asked about; the read is recent. Workstation and
//! server share this module, so both compute the same hash and the same signed text.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::credential::{sign_b64, verify_b64, SigningKey, VerifyingKey};

/// How old a card read may be to open a lookup: 30 minutes, one visit at the window.
pub const PROOF_WINDOW_MS: i64 = 30 * 60 * 1000;

/// The audit action of a card read.
pub const CARD_READ_ACTION: &str = "card.read";

/// An audit entry as the workstation's chain stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryProof {
    pub id: String,
    /// Unix ms of the read.
    pub at: i64,
    /// The clerk logged in at the read.
    pub actor: Option<String>,
    pub action: String,
    /// The ID number read.
    pub subject: Option<String>,
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields an audit entry's hash covers, in the chain's canonical order.
#[derive(Serialize)]
struct Canonical<'a> {
    id: &'a str,
    at: i64,
    actor: &'a Option<String>,
    action: &'a str,
    subject: &'a Option<String>,
    detail: &'a serde_json::Value,
    prev_hash: &'a str,
}

impl AuditEntryProof {
    /// SHA-256 (lower-case hex) over the canonical JSON of every field but `hash`: the hash
    /// the workstation's audit chain gives the entry.
    pub fn computed_hash(&self) -> String {
        let bytes = serde_json::to_vec(&Canonical {
            id: &self.id,
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            detail: &self.detail,
            prev_hash: &self.prev_hash,
        })
        .unwrap_or_default();
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The text a workstation signs to vouch for one of its card-read entries.
pub fn card_read_message(workstation: &str, entry_hash: &str) -> String {
    format!("yichuang-card-read-v1|{workstation}|{entry_hash}")
}

/// A card-read entry and the workstation's signature over [`card_read_message`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardReadProof {
    pub entry: AuditEntryProof,
    /// Ed25519, standard base64.
    pub signature: String,
}

/// Why a proof is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofRefusal {
    /// Not a card read, its hash does not cover its fields, or the signature does not verify.
    Invalid,
    /// Read by another clerk (or before any login).
    OtherClerk,
    /// The card read is not the holder asked about.
    OtherHolder,
    /// Read longer ago than the window allows (or in the future).
    Stale,
}

impl CardReadProof {
    /// Signs `entry` as `workstation`.
    pub fn sign(entry: AuditEntryProof, workstation: &str, key: &SigningKey) -> CardReadProof {
        let signature = sign_b64(key, card_read_message(workstation, &entry.hash).as_bytes());
        CardReadProof { entry, signature }
    }

    /// Checks the proof for `clerk` asking at `workstation` about `holder` (an ID number; `None`
    /// when the holder is an organisation, whose representative's card was read) at `now_ms`,
    /// accepting reads at most `window_ms` old (and at most `skew_ms` ahead of the clock).
    #[allow(clippy::too_many_arguments)]
    pub fn check(
        &self,
        key: &VerifyingKey,
        workstation: &str,
        clerk: &str,
        holder: Option<&str>,
        now_ms: i64,
        window_ms: i64,
        skew_ms: i64,
    ) -> Result<(), ProofRefusal> {
        let e = &self.entry;
        if e.action != CARD_READ_ACTION
            || e.computed_hash() != e.hash
            || verify_b64(
                key,
                card_read_message(workstation, &e.hash).as_bytes(),
                &self.signature,
            )
            .is_err()
        {
            return Err(ProofRefusal::Invalid);
        }
        if e.actor.as_deref() != Some(clerk) {
            return Err(ProofRefusal::OtherClerk);
        }
        let read = e.subject.as_deref().map(|s| s.trim().to_uppercase());
        match (holder, read) {
            (_, None) => return Err(ProofRefusal::Invalid),
            (Some(h), Some(r)) if h.trim().to_uppercase() != r => {
                return Err(ProofRefusal::OtherHolder)
            }
            _ => {}
        }
        if e.at > now_ms.saturating_add(skew_ms) || now_ms.saturating_sub(e.at) > window_ms {
            return Err(ProofRefusal::Stale);
        }
        Ok(())
    }

    /// The ID number read.
    pub fn holder(&self) -> Option<String> {
        self.entry
            .subject
            .as_deref()
            .map(|s| s.trim().to_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::signing_key_from_seed;

    fn entry(at: i64) -> AuditEntryProof {
        let mut e = AuditEntryProof {
            id: "0190-a".into(),
            at,
            actor: Some("C001".into()),
            action: CARD_READ_ACTION.into(),
            subject: Some("11010519491231002X".into()),
            detail: serde_json::json!({"card_kind": "resident", "source": "id_card_reader"}),
            prev_hash: "0".repeat(64),
            hash: String::new(),
        };
        e.hash = e.computed_hash();
        e
    }

    #[test]
    fn a6_a_signed_card_read_proves_the_holder_to_the_clerk_who_read_it() {
        let key = signing_key_from_seed([7; 32]);
        let public = key.verifying_key();
        let p = CardReadProof::sign(entry(1_000), "441500-5", &key);
        let check = |p: &CardReadProof, ws: &str, clerk: &str, holder: &str, now: i64| {
            p.check(&public, ws, clerk, Some(holder), now, 60_000, 5_000)
        };
        assert_eq!(
            check(&p, "441500-5", "C001", "11010519491231002x", 2_000),
            Ok(())
        );
        assert_eq!(
            p.check(&public, "441500-5", "C001", None, 2_000, 60_000, 5_000),
            Ok(())
        );
        let other = "110105194912310037";
        assert_eq!(
            check(&p, "441500-5", "C001", other, 2_000),
            Err(ProofRefusal::OtherHolder)
        );
        assert_eq!(
            check(&p, "441500-5", "C002", "11010519491231002X", 2_000),
            Err(ProofRefusal::OtherClerk)
        );
        assert_eq!(
            check(&p, "441500-6", "C001", "11010519491231002X", 2_000),
            Err(ProofRefusal::Invalid)
        );
        assert_eq!(
            check(&p, "441500-5", "C001", "11010519491231002X", 70_000),
            Err(ProofRefusal::Stale)
        );
        assert_eq!(
            check(&p, "441500-5", "C001", "11010519491231002X", -10_000),
            Err(ProofRefusal::Stale)
        );
        // An entry edited after signing, or signed by another key, is refused.
        let mut edited = p.clone();
        edited.entry.subject = Some(other.into());
        assert_eq!(
            check(&edited, "441500-5", "C001", other, 2_000),
            Err(ProofRefusal::Invalid)
        );
        let forged = CardReadProof::sign(entry(1_000), "441500-5", &signing_key_from_seed([8; 32]));
        assert_eq!(
            check(&forged, "441500-5", "C001", "11010519491231002X", 2_000),
            Err(ProofRefusal::Invalid)
        );
        let mut not_a_read = entry(1_000);
        not_a_read.action = "print.notice".into();
        not_a_read.hash = not_a_read.computed_hash();
        let p = CardReadProof::sign(not_a_read, "441500-5", &key);
        assert_eq!(
            check(&p, "441500-5", "C001", "11010519491231002X", 2_000),
            Err(ProofRefusal::Invalid)
        );
    }
}
