//! The audit chain head of a push (issue 15, item 4): the highest audit entry of the batch,
//! which the client signs with the workstation's key ([`super::client::SyncClient::push`]).
//! One signature covers the whole chain up to that entry, since every entry's hash covers its
//! predecessor's; the server keeps it and its chain check verifies it.

use rusqlite::{Connection, OptionalExtension};

use super::outbox::OutboxRecord;

/// Position in the chain (the local `audit_log.seq`: 1 for the first entry, never reused) and
/// hash of an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadEntry {
    pub seq: i64,
    pub hash: String,
}

/// The audit entry with the highest seq among the `audit` records of `batch`; `None` when the
/// batch holds none (or none the local log knows, which the server then refuses on its own).
pub fn of_batch(conn: &Connection, batch: &[OutboxRecord]) -> rusqlite::Result<Option<HeadEntry>> {
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM audit_log WHERE id = ?1")?;
    let mut best: Option<HeadEntry> = None;
    for r in batch.iter().filter(|r| r.kind == "audit") {
        let row: Option<(i64, Option<String>)> = stmt
            .query_row([&r.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        if let Some((seq, Some(hash))) = row {
            if best.as_ref().is_none_or(|b| seq > b.seq) {
                best = Some(HeadEntry { seq, hash });
            }
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::{self, AuditEntry};
    use crate::infra::store::Store;
    use crate::infra::sync::outbox;

    #[test]
    fn the_head_is_the_highest_audit_entry_of_the_batch() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("w.db")).unwrap();
        let recs = store
            .transact(|tx| {
                (0..3)
                    .map(|i| {
                        audit::record(
                            tx,
                            // Clock steps back: the outbox order is not the chain order.
                            10 - i,
                            AuditEntry {
                                actor: None,
                                action: "app.start".into(),
                                subject: None,
                                detail: serde_json::json!({}),
                            },
                        )
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        store
            .transact(|tx| {
                outbox::enqueue_record(tx, "case", "c-1", 1, &serde_json::json!({}), 1)?;
                Ok(())
            })
            .unwrap();
        let batch = outbox::next_batch(store.conn(), 10).unwrap();
        assert_eq!(batch.len(), 4);
        let head = of_batch(store.conn(), &batch).unwrap().unwrap();
        assert_eq!(
            head,
            HeadEntry {
                seq: 3,
                hash: recs[2].hash.clone()
            }
        );
        let only_cases: Vec<_> = batch.into_iter().filter(|r| r.kind == "case").collect();
        assert_eq!(of_batch(store.conn(), &only_cases).unwrap(), None);
    }
}
