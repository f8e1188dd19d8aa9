//! Documents the workstations pull and cache for offline use: the service catalog (with its
//! notice templates), the clerks with their bound certificates, and the configuration. Each
//! has a content version and an ETag (SHA-256 of the document), so an unchanged document costs
//! a 304.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use super::hex;
use crate::error::{Error, Result};
use crate::Database;

/// A pulled document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PullDocument {
    /// `catalog`, `clerks` or `config`.
    pub resource: String,
    /// Content version (the catalog's own version; a timestamp for the others).
    pub version: String,
    /// Quoted strong ETag, also sent as the `ETag` header.
    pub etag: String,
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

impl PullDocument {
    fn new(resource: &str, version: String, document: serde_json::Value) -> Self {
        let etag = format!(
            "\"{}\"",
            &hex(&Sha256::digest(document.to_string().as_bytes()))[..32]
        );
        Self {
            resource: resource.to_owned(),
            version,
            etag,
            document,
        }
    }
}

fn catalog_err(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::Catalog {
        detail: format!("{}: {detail}", path.display()),
    }
}

/// The catalog directory merged into one document: `catalog.json` with the `items` of every
/// `items/*.json` (file-name order), the shape `yichuang_core::domain::catalog::from_json` reads.
/// `None`: the catalog built into the server from `assets/catalog/`.
pub fn catalog(dir: Option<&Path>) -> Result<PullDocument> {
    let Some(dir) = dir else {
        return merge(
            Path::new("(built in) catalog.json"),
            embedded::HEAD,
            embedded::ITEMS
                .iter()
                .map(|(n, t)| (Path::new(*n).to_owned(), t.to_string())),
        );
    };
    let head_path = dir.join("catalog.json");
    let head = std::fs::read_to_string(&head_path).map_err(|e| catalog_err(&head_path, e))?;
    let items_dir = dir.join("items");
    let mut files: Vec<_> = std::fs::read_dir(&items_dir)
        .map_err(|e| catalog_err(&items_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut parts = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| catalog_err(&f, e))?;
        parts.push((f, text));
    }
    merge(&head_path, &head, parts.into_iter())
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundled_catalog.rs"));
}

fn merge(
    head_path: &Path,
    head: &str,
    parts: impl Iterator<Item = (std::path::PathBuf, String)>,
) -> Result<PullDocument> {
    let mut head: serde_json::Value =
        serde_json::from_str(head).map_err(|e| catalog_err(head_path, e))?;
    let mut items = Vec::new();
    for (f, text) in parts {
        match serde_json::from_str(&text).map_err(|e| catalog_err(&f, e))? {
            serde_json::Value::Array(mut part) => items.append(&mut part),
            _ => return Err(catalog_err(&f, "not an array of items")),
        }
    }
    let version = head
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    match head.as_object_mut() {
        Some(obj) => {
            obj.insert("items".into(), serde_json::Value::Array(items));
        }
        None => return Err(catalog_err(head_path, "catalog.json is not an object")),
    }
    Ok(PullDocument::new("catalog", version, head))
}

/// Active clerks with the fingerprints of their bound certificates.
pub async fn clerks(db: &Database) -> Result<PullDocument> {
    let records = db.list_clerks().await?;
    let bindings = db.active_bindings(None).await?;
    let mut list = Vec::new();
    for r in records.into_iter().filter(|r| r.active) {
        let fingerprints: Vec<&str> = bindings
            .iter()
            .filter(|b| b.clerk_id == r.clerk.id)
            .map(|b| b.fingerprint.as_str())
            .collect();
        list.push(serde_json::json!({
            "id": r.clerk.id,
            "name": r.clerk.name,
            "department": r.clerk.department,
            "post": r.clerk.post,
            "permissions": r.clerk.permissions,
            "cert_fingerprints": fingerprints,
        }));
    }
    let row = sqlx::query("SELECT COALESCE(MAX(updated_at), 0) AS a FROM clerks")
        .fetch_one(&db.pool)
        .await?;
    let version: i64 = row.try_get(0)?;
    Ok(PullDocument::new(
        "clerks",
        version.to_string(),
        serde_json::json!({ "clerks": list }),
    ))
}

/// The `default` configuration with the workstation's own keys over it.
pub async fn config(db: &Database, workstation: &str) -> Result<PullDocument> {
    let rows = sqlx::query(
        "SELECT scope, json, updated_at FROM sync_config WHERE scope = 'default' OR scope = $1",
    )
    .bind(workstation)
    .fetch_all(&db.pool)
    .await?;
    let mut merged = serde_json::Map::new();
    let mut version = 0i64;
    let mut parts: Vec<(String, String, i64)> = rows
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_>>()?;
    parts.sort_by_key(|(scope, _, _)| scope != "default");
    for (scope, json, at) in parts {
        version = version.max(at);
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(serde_json::Value::Object(obj)) => merged.extend(obj),
            _ => tracing::warn!(scope, "sync_config row is not a JSON object; skipped"),
        }
    }
    Ok(PullDocument::new(
        "config",
        version.to_string(),
        serde_json::Value::Object(merged),
    ))
}

/// Sets a configuration scope (`default` or a workstation id).
pub async fn set_config(
    db: &Database,
    scope: &str,
    json: &serde_json::Value,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_config (scope, json, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (scope) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
    )
    .bind(scope)
    .bind(json.to_string())
    .bind(now_ms)
    .execute(&db.pool)
    .await?;
    Ok(())
}
