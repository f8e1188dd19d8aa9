//! Sync from the workstations (issue 6): `/api/v1/sync/*`.
//!
//! - **Push** (`POST /sync/push`): a batch of outbox records, each with a client-made id
//!   (UUIDv7) and a version. The server keeps the highest version per id; a lower or equal
//!   version is acknowledged without a change, so a replayed or duplicated batch gets exactly
//!   the same acknowledgements as the first one. A record the server cannot take (bad id,
//!   another workstation's id, not an object) is rejected on its own; the rest of the batch
//!   goes through.
//! - **Blobs** (`/sync/blobs/{sha256}`): material files, content-addressed, uploaded in chunks
//!   at an offset; the server says how much it holds, so an upload resumes after a crash on
//!   either side, and a complete upload is verified against its SHA-256 before it counts.
//! - **Pull** (`/sync/catalog`, `/sync/clerks`, `/sync/config/{ws}`): versioned documents with
//!   ETags; `If-None-Match` answers 304.
//! - **Audit** (`/sync/audit/{ws}`): the continuity check of each workstation's audit chain.
//!   Audit records are insert-only (a re-send with other content is kept aside, never
//!   applied) and arrive under a chain head signed with the workstation's key
//!   ([`audit_sign`]).

pub mod audit;
pub mod audit_sign;
pub mod blob_seal;
pub mod blobs;
pub mod body;
pub mod handlers;
pub mod pull;
pub mod s3;
pub mod store;

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use blobs::BlobBackend;

/// Most records in one push.
pub const MAX_BATCH: usize = 1000;
/// Largest payload of one record (JSON text).
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Largest chunk of a blob upload.
pub const MAX_CHUNK_BYTES: usize = 16 * 1024 * 1024;
/// Longest workstation id.
pub const MAX_WORKSTATION_LEN: usize = 64;

/// What the sync endpoints share.
#[derive(Debug, Clone)]
pub struct SyncState {
    pub blobs: Arc<BlobBackend>,
    /// `None`: the catalog built into the server.
    pub catalog_dir: Option<std::path::PathBuf>,
    /// One upload at a time per blob (two senders of the same file queue up here).
    upload_locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Records received again at a version the server already had (replays), since start.
    pub replays: Arc<AtomicU64>,
    /// Size caps of pushes and blobs.
    pub limits: crate::config::LimitsConfig,
}

impl SyncState {
    pub fn new(blobs: BlobBackend, catalog_dir: Option<std::path::PathBuf>) -> Self {
        Self {
            blobs: Arc::new(blobs),
            catalog_dir,
            upload_locks: Arc::default(),
            replays: Arc::default(),
            limits: crate::config::LimitsConfig::default(),
        }
    }

    /// The same state with these limits.
    pub fn with_limits(mut self, limits: crate::config::LimitsConfig) -> Self {
        self.limits = limits;
        self
    }

    fn upload_lock(&self, sha: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .upload_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if locks.len() > 1024 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(sha.to_owned()).or_default().clone()
    }
}

/// Body of `POST /api/v1/sync/push`. The records are stored as the signing workstation's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushRequest {
    pub records: Vec<PushRecord>,
    /// Required when `records` holds `audit` entries: the workstation's signature over the
    /// last of them (the chain head). Without it, or when it does not verify, every audit
    /// entry of the batch is rejected (`audit_head_missing`, `audit_head_mismatch`,
    /// `audit_head_invalid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
}

/// The signed head of a workstation's audit chain: its last entry in this push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditHead {
    /// Position of the entry in the workstation's chain (the first entry is 1).
    pub seq: i64,
    /// The entry's `hash` (64 lower-case hex digits).
    pub hash: String,
    /// Ed25519 signature, standard base64, with the workstation's enrolled key over
    /// `yichuang-audit-head-v1|{workstation}|{seq}|{hash}`.
    pub signature: String,
}

/// One outbox record. The payload stays the JSON text as received (checked, never parsed
/// into a tree): a full batch costs about its own size in memory.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushRecord {
    /// Client-made UUID (v7).
    #[schema(example = "01936f0e-8a7c-7d4e-9b1a-3f2e5d6c7b8a")]
    pub id: String,
    /// `case`, `material`, `rating`, `audit`, …: lower-case letters, digits, `_`, `.`.
    #[schema(example = "case")]
    pub kind: String,
    /// Starts at 1, grows with every change of the record.
    pub version: i64,
    /// The record, a JSON object.
    #[schema(value_type = Object)]
    pub payload: Box<serde_json::value::RawValue>,
}

/// Per-record outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AckOutcome {
    /// Stored, or already held at this or a newer version: the client may drop it.
    Accepted,
    /// Never acceptable as sent: the client parks it with `message` and goes on.
    Rejected,
}

/// The acknowledgement of one record, in the order of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Ack {
    pub id: String,
    pub version: i64,
    pub outcome: AckOutcome,
    /// Why it was rejected (stable code): `invalid_id`, `invalid_kind`, `invalid_version`,
    /// `payload_not_object`, `payload_too_large`, `id_conflict`; for `audit` records also
    /// `audit_conflict` (re-sent with other content: kept aside and flagged, the record held
    /// stays as it was), `audit_head_missing`, `audit_head_mismatch`, `audit_head_invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "audit_conflict")]
    pub code: Option<String>,
    /// Why it was rejected, for the clerk (Chinese).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Answer of `POST /api/v1/sync/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushResponse {
    pub acks: Vec<Ack>,
}

/// How much of a blob the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BlobStatus {
    pub sha256: String,
    /// Bytes received so far (the offset of the next chunk).
    pub received: u64,
    /// Complete and verified.
    pub complete: bool,
}

/// Result of the continuity check of one workstation's audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditCheck {
    pub workstation: String,
    /// Entries received.
    pub entries: u64,
    /// Entries linked into one chain from the genesis.
    pub linked: u64,
    /// Links whose predecessor never arrived: `prev_hash` values nobody has as `hash`.
    pub gaps: Vec<String>,
    /// Entries whose hash does not match their fields, or that were re-sent with other content.
    pub edits: Vec<AuditFlag>,
    /// Two entries naming the same predecessor.
    pub forks: Vec<String>,
    /// Entries re-sent with other content than the server holds: kept aside, never applied.
    pub conflicts: Vec<AuditConflict>,
    /// Signed heads received.
    pub heads: u64,
    /// The chain from the genesis up to this position is covered by a head whose signature
    /// verifies with the workstation's key valid when it was received (0: none).
    pub signed_through: u64,
    /// Linked entries after `signed_through`: not (yet) covered by a signed head.
    pub unsigned: u64,
    /// What shows the chain was not made by the workstation's key.
    pub forgeries: Vec<AuditForgery>,
    /// Any forgery.
    pub forged: bool,
    /// No gap, edit, fork, conflict, forgery or unsigned entry.
    pub intact: bool,
}

/// An audit entry re-sent with other content (kept aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditConflict {
    pub entry_id: String,
    /// The version it was re-sent at.
    pub version: i64,
    /// SHA-256 (hex) of the payload as received; the payload itself stays on the server.
    pub payload_sha256: String,
    pub received_at: i64,
}

/// One sign of forgery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditForgery {
    /// `head_signature`: a head no key of the workstation valid at its arrival signed;
    /// `head_off_chain`: a signed head whose entry is not at its position in the chain (the
    /// chain under it was rewritten); `unsigned_chain`: entries, and not one head the
    /// workstation's key signed.
    pub kind: String,
    /// The head's position (0 for `unsigned_chain`).
    pub seq: i64,
    /// The head's hash (the first unsigned entry's for `unsigned_chain`).
    pub hash: String,
    pub received_at: i64,
}

/// One flagged audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditFlag {
    pub entry_id: String,
    pub kind: String,
    pub detail: String,
    pub flagged_at: i64,
}

/// Rejection reasons of single records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordProblem {
    InvalidId,
    InvalidKind,
    InvalidVersion,
    PayloadNotObject,
    PayloadTooLarge,
    IdConflict,
    /// An audit entry re-sent with other content: kept aside, never applied.
    AuditConflict,
    /// Audit entries without a signed chain head.
    AuditHeadMissing,
    /// The head is not the last audit entry of the batch.
    AuditHeadMismatch,
    /// The head's signature does not verify with the workstation's enrolled key.
    AuditHeadInvalid,
    /// A `visit` record whose payload is not a valid visit (issue 17, B5).
    InvalidVisit,
    /// A `rating` record whose payload is not a valid rating (GB/T 39734 levels and reasons).
    InvalidRating,
    /// A `case` record whose payload is not a case the hall's record can take (issue 18).
    InvalidCase,
    /// A case whose number the hall holds for another case: kept aside, never merged.
    CaseNoClash,
    /// A `pickup` record whose payload is not a handover (H2).
    InvalidPickup,
    /// A handover of a case this hall's record does not hold.
    PickupCaseUnknown,
    /// A `flow` or `flow_signoff` record whose payload is not a package or a sign-off (F3).
    InvalidFlow,
    /// A package naming a case this hall does not hold, or a sign-off of a package (or a
    /// case in it) this hall does not hold.
    FlowUnknown,
}

impl RecordProblem {
    pub fn code(self) -> &'static str {
        match self {
            RecordProblem::InvalidId => "invalid_id",
            RecordProblem::InvalidKind => "invalid_kind",
            RecordProblem::InvalidVersion => "invalid_version",
            RecordProblem::PayloadNotObject => "payload_not_object",
            RecordProblem::PayloadTooLarge => "payload_too_large",
            RecordProblem::IdConflict => "id_conflict",
            RecordProblem::AuditConflict => "audit_conflict",
            RecordProblem::AuditHeadMissing => "audit_head_missing",
            RecordProblem::AuditHeadMismatch => "audit_head_mismatch",
            RecordProblem::AuditHeadInvalid => "audit_head_invalid",
            RecordProblem::InvalidVisit => "invalid_visit",
            RecordProblem::InvalidRating => "invalid_rating",
            RecordProblem::InvalidCase => "invalid_case",
            RecordProblem::CaseNoClash => "case_no_clash",
            RecordProblem::InvalidPickup => "invalid_pickup",
            RecordProblem::PickupCaseUnknown => "pickup_case_unknown",
            RecordProblem::InvalidFlow => "invalid_flow",
            RecordProblem::FlowUnknown => "flow_unknown",
        }
    }

    /// For the clerk, from the message table.
    pub fn message(self) -> &'static str {
        crate::messages::record_problem(self)
    }

    pub fn ack(self, id: &str, version: i64) -> Ack {
        Ack {
            id: id.to_owned(),
            version,
            outcome: AckOutcome::Rejected,
            code: Some(self.code().to_owned()),
            message: Some(self.message().to_owned()),
        }
    }
}

/// Checks one record's shape; `Ok` (the payload's JSON text) means it may be upserted.
pub fn check_record(r: &PushRecord) -> std::result::Result<&str, RecordProblem> {
    match uuid::Uuid::parse_str(&r.id) {
        Ok(u) if u.hyphenated().to_string() == r.id => {}
        _ => return Err(RecordProblem::InvalidId),
    }
    let kind_ok = !r.kind.is_empty()
        && r.kind.len() <= 32
        && r.kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if !kind_ok {
        return Err(RecordProblem::InvalidKind);
    }
    if r.version < 1 {
        return Err(RecordProblem::InvalidVersion);
    }
    // Valid JSON (the parser checked it): an object is exactly a text starting with `{`.
    let text = r.payload.get().trim_start();
    if !text.starts_with('{') {
        return Err(RecordProblem::PayloadNotObject);
    }
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(RecordProblem::PayloadTooLarge);
    }
    Ok(text)
}

/// A SHA-256 name: 64 lower-case hex digits.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, kind: &str, version: i64, payload: serde_json::Value) -> PushRecord {
        PushRecord {
            id: id.into(),
            kind: kind.into(),
            version,
            payload: serde_json::value::to_raw_value(&payload).unwrap(),
        }
    }

    #[test]
    fn record_shape_checks() {
        let id = uuid::Uuid::now_v7().to_string();
        let ok = serde_json::json!({"a": 1});
        assert!(check_record(&rec(&id, "case", 1, ok.clone())).is_ok());
        assert_eq!(
            check_record(&rec("nope", "case", 1, ok.clone())),
            Err(RecordProblem::InvalidId)
        );
        assert_eq!(
            check_record(&rec(&id.to_uppercase(), "case", 1, ok.clone())),
            Err(RecordProblem::InvalidId)
        );
        assert_eq!(
            check_record(&rec(&id, "Case!", 1, ok.clone())),
            Err(RecordProblem::InvalidKind)
        );
        assert_eq!(
            check_record(&rec(&id, "case", 0, ok)),
            Err(RecordProblem::InvalidVersion)
        );
        assert_eq!(
            check_record(&rec(&id, "case", 1, serde_json::json!([1]))),
            Err(RecordProblem::PayloadNotObject)
        );
    }

    #[test]
    fn the_openapi_document_describes_the_sync_api() {
        use utoipa::OpenApi;
        let doc = crate::api::ApiDoc::openapi();
        for path in [
            "/api/v1/sync/push",
            "/api/v1/sync/blobs/{sha256}",
            "/api/v1/sync/blobs/{sha256}/status",
            "/api/v1/sync/catalog",
            "/api/v1/sync/clerks",
            "/api/v1/sync/config/{workstation}",
            "/api/v1/sync/audit/{workstation}",
            "/api/v1/sync/stats",
        ] {
            assert!(doc.paths.paths.contains_key(path), "missing {path}");
        }
        let schemas = doc.components.unwrap().schemas;
        for s in [
            "PushRequest",
            "Ack",
            "AckOutcome",
            "BlobStatus",
            "AuditCheck",
            "AuditHead",
            "AuditConflict",
            "AuditForgery",
            "PullDocument",
        ] {
            assert!(schemas.contains_key(s), "missing schema {s}");
        }
        // Issue 15 item 4: the signed head in the push, the audit check's report.
        let json = |name: &str| serde_json::to_value(&schemas[name]).unwrap();
        assert!(json("PushRequest")["properties"]["audit_head"].is_object());
        let check = json("AuditCheck");
        for field in [
            "conflicts",
            "heads",
            "signed_through",
            "unsigned",
            "forgeries",
            "forged",
        ] {
            assert!(check["properties"][field].is_object(), "AuditCheck.{field}");
            assert!(
                check["required"]
                    .as_array()
                    .unwrap()
                    .contains(&field.into()),
                "AuditCheck.{field} required"
            );
        }
        let ack = serde_json::to_string(&json("Ack")).unwrap();
        assert!(ack.contains("audit_conflict"), "{ack}");
    }

    #[test]
    fn sha_names() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex("../etc/passwd"));
    }
}
