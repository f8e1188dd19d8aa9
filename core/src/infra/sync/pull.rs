//! Pulled documents: the catalog (into `catalog_cache`, which intake reads) and the clerks and
//! configuration (into `pull_cache`). A document is cached only after it parses (the catalog
//! after it validates), so a broken download never replaces a working cache; offline, the
//! cache serves.

use rusqlite::{params, Connection, OptionalExtension};

use super::client::SyncClient;
use super::SyncError;
use crate::domain::catalog::{self, Catalog};
use crate::infra::store::Store;

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    Unchanged,
    Updated { version: String },
}

/// Pulls the catalog; validates it before it replaces the cache.
pub fn pull_catalog(
    client: &SyncClient,
    store: &mut Store,
    now_ms: i64,
) -> Result<Pulled, SyncError> {
    let etag: Option<String> = store
        .conn()
        .query_row("SELECT etag FROM catalog_cache WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?
        .flatten();
    let Some(doc) = client.pull("catalog", etag.as_deref())? else {
        return Ok(Pulled::Unchanged);
    };
    let text = doc.document.to_string();
    if let Err(e) = catalog::from_json(&text) {
        return Err(SyncError::Protocol {
            detail: format!("served catalog {} is invalid: {e}", doc.version),
        });
    }
    store.transact(|tx| {
        tx.execute(
            "INSERT INTO catalog_cache (id, etag, version, json, fetched_at) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET etag = excluded.etag, version = excluded.version,
                 json = excluded.json, fetched_at = excluded.fetched_at",
            params![doc.etag, doc.version, text, now_ms],
        )?;
        Ok(())
    })?;
    Ok(Pulled::Updated {
        version: doc.version,
    })
}

/// Pulls `clerks` or `config/<workstation>` into `pull_cache` under `resource`.
pub fn pull_document(
    client: &SyncClient,
    store: &mut Store,
    resource: &str,
    path: &str,
    now_ms: i64,
) -> Result<Pulled, SyncError> {
    let etag: Option<String> = store
        .conn()
        .query_row(
            "SELECT etag FROM pull_cache WHERE resource = ?1",
            [resource],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let Some(doc) = client.pull(path, etag.as_deref())? else {
        return Ok(Pulled::Unchanged);
    };
    store.transact(|tx| {
        tx.execute(
            "INSERT INTO pull_cache (resource, etag, version, json, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(resource) DO UPDATE SET etag = excluded.etag, version = excluded.version,
                 json = excluded.json, fetched_at = excluded.fetched_at",
            params![resource, doc.etag, doc.version, doc.document.to_string(), now_ms],
        )?;
        Ok(())
    })?;
    Ok(Pulled::Updated {
        version: doc.version,
    })
}

/// Pulls every document; the first failure ends the round (the next cycle retries).
pub fn pull_all(client: &SyncClient, store: &mut Store, now_ms: i64) -> Result<(), SyncError> {
    pull_catalog(client, store, now_ms)?;
    pull_document(client, store, "clerks", "clerks", now_ms)?;
    let ws = client.workstation().to_owned();
    pull_document(client, store, "config", &format!("config/{ws}"), now_ms)?;
    Ok(())
}

/// The cached catalog (offline use), if one was ever pulled and it still parses.
pub fn cached_catalog(conn: &Connection) -> rusqlite::Result<Option<Catalog>> {
    let text: Option<String> = conn
        .query_row("SELECT json FROM catalog_cache WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(text.and_then(|t| catalog::from_json(&t).ok()))
}

/// A cached document (`clerks`, `config`) as JSON.
pub fn cached_document(
    conn: &Connection,
    resource: &str,
) -> rusqlite::Result<Option<serde_json::Value>> {
    let text: Option<String> = conn
        .query_row(
            "SELECT json FROM pull_cache WHERE resource = ?1",
            [resource],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}
