//! Synthetic intakes written the way the workstation writes them: one transaction per action
//! with the case's outbox row, its audit entry and (sometimes) a material file queued for
//! upload; a later version of a case also hands its result over (a `pickup` record, as the
//! issuing window writes it, issue 18). `fault_cases` and `fault_pickups` are the harness's
//! own ledger of what the workstation accepted (committed in the same transaction), so the
//! checks know every record that must reach the server and at which version.

use rusqlite::{params, OptionalExtension};
use yichuang_core::domain::audit::{self, AuditEntry};
use yichuang_core::infra::blobs::{self, BlobStore};
use yichuang_core::infra::store::{Store, StoreError};
use yichuang_core::infra::sync::outbox;

/// A citizen's name and ID number that must never appear in clear text on disk.
pub const CITIZEN_NAME: &str = "欧阳明华";
pub const CITIZEN_ID: &str = "11010519491231002X";

pub fn ensure_ledger(store: &mut Store) -> Result<(), StoreError> {
    store.transact(|tx| {
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS fault_cases (
                 id TEXT PRIMARY KEY, version INTEGER NOT NULL, blob TEXT);
             CREATE TABLE IF NOT EXISTS fault_pickups (id TEXT PRIMARY KEY, case_id TEXT NOT NULL);",
        )
    })
}

/// Commits one intake: a new case, or (`update_existing`) a new version of an earlier one.
/// Returns (case id, version).
pub fn commit_intake(
    store: &mut Store,
    blobs: Option<&BlobStore>,
    rng: &mut fastrand::Rng,
    blob_every: u32,
    blob_max_bytes: usize,
    now_ms: i64,
) -> Result<(String, i64), StoreError> {
    // The material is written before the transaction (as intake does): a crash in between
    // leaves an unreferenced file, never a reference to a missing one.
    let blob = match blobs {
        Some(b) if blob_every > 0 && rng.u32(0..blob_every) == 0 => {
            let len = rng.usize(1..=blob_max_bytes.max(1));
            let mut bytes = vec![0u8; len];
            rng.fill(&mut bytes);
            Some(b.put(&bytes).map_err(|e| StoreError::Sqlite {
                path: b.dir().to_owned(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?)
        }
        _ => None,
    };
    let update = rng.u32(0..5) == 0;
    let pick: u64 = rng.u64(..);
    store.transact(|tx| {
        let existing: Option<(String, i64)> = if update {
            tx.query_row(
                "SELECT id, version FROM fault_cases ORDER BY id LIMIT 1 OFFSET
                     (?1 % max(1, (SELECT count(*) FROM fault_cases)))",
                [pick as i64 & i64::MAX],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
        } else {
            None
        };
        let (id, version) = match existing {
            Some((id, v)) => (id, v + 1),
            None => (uuid::Uuid::now_v7().to_string(), 1),
        };
        // A decided case as the workstation pushes it: the server extracts it into its case
        // tables in the push's transaction, so the faults cover that extraction too.
        let payload = serde_json::json!({
            "id": id,
            "case_no": format!("TEST-{}", id.replace('-', "")),
            "version": version,
            "state": "accepted",
            "item_code": "TEST-ITEM",
            "item_name": "Test item",
            "department": "Test",
            "clerk_id": "c-test",
            "created_at": now_ms,
            "decided_at": now_ms,
            "due_date": null,
            "draft": {
                "applicant": { "name": CITIZEN_NAME, "id_number": CITIZEN_ID },
                "agent": null,
                "pickup": null,
                "materials": [{
                    "material_id": "m1", "name": "Test material", "required": true,
                    "received": if blob.is_some() { "scanned" } else { "paper" },
                    "pages": 1,
                    "files": blob.as_ref().map(|b| vec![b.sha256.clone()]).unwrap_or_default(),
                }],
            },
        });
        outbox::enqueue_record(tx, "case", &id, version, &payload, now_ms)?;
        if version > 1 {
            // The result handed over at the issuing window, in the same action.
            let pickup_id = uuid::Uuid::now_v7().to_string();
            let pickup = serde_json::json!({
                "case_id": id,
                "case_no": format!("TEST-{}", id.replace('-', "")),
                "person": { "name": CITIZEN_NAME, "id_number": CITIZEN_ID },
                "authorised": false,
                "method": "on_site",
                "tracking_no": null,
                "locker_code": null,
                "photo": blob.as_ref().map(|b| b.sha256.clone()),
                "clerk_id": "c-test",
                "picked_at": now_ms,
            });
            outbox::enqueue_record(tx, "pickup", &pickup_id, 1, &pickup, now_ms)?;
            tx.execute(
                "INSERT INTO fault_pickups (id, case_id) VALUES (?1, ?2)",
                params![pickup_id, id],
            )?;
        }
        if let Some(b) = &blob {
            blobs::enqueue(tx, b, now_ms)?;
        }
        audit::record(
            tx,
            now_ms,
            AuditEntry {
                actor: Some("C001".into()),
                action: if version == 1 {
                    "case.accept"
                } else {
                    "case.update"
                }
                .into(),
                subject: Some(CITIZEN_ID.into()),
                detail: serde_json::json!({ "case": id, "version": version }),
            },
        )?;
        tx.execute(
            "INSERT INTO fault_cases (id, version, blob) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET version = excluded.version,
                 blob = coalesce(excluded.blob, fault_cases.blob)",
            params![id, version, blob.as_ref().map(|b| b.sha256.clone())],
        )?;
        Ok((id, version))
    })
}

/// Everything the workstation accepted: cases with versions, audit ids, blob names.
#[derive(Debug, Default)]
pub struct Ledger {
    pub cases: Vec<(String, i64)>,
    /// Handovers: record id, case id.
    pub pickups: Vec<(String, String)>,
    pub audit_ids: Vec<String>,
    pub blobs: Vec<String>,
}

pub fn ledger(store: &mut Store) -> rusqlite::Result<Ledger> {
    let conn = store.conn();
    let cases = conn
        .prepare("SELECT id, version FROM fault_cases ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let audit_ids = conn
        .prepare("SELECT id FROM audit_log ORDER BY seq")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let blobs = conn
        .prepare("SELECT sha256 FROM blobs ORDER BY sha256")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let pickups = conn
        .prepare("SELECT id, case_id FROM fault_pickups ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Ledger {
        cases,
        pickups,
        audit_ids,
        blobs,
    })
}
