//! Our own licence library over the hall database ([`LocalLibrary`]), the type grants, the
//! access log and the feedback list. One query text for SQLite and PostgreSQL.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::{problem, Holder, HolderKind, Licence, LicenceLibrary, LicenceProblem, NewFeedback};
use crate::cases::IndexKey;
use crate::error::Result;
use crate::sync::blobs::BlobBody;
use crate::sync::BlobBackend;

/// The licence library kept in the hall's own database and blob store.
#[derive(Debug, Clone)]
pub struct LocalLibrary {
    pub pool: AnyPool,
    pub blobs: std::sync::Arc<BlobBackend>,
    pub key: IndexKey,
}

/// The index of a holder: the hall's keyed hash of kind and number.
pub fn holder_index(key: &IndexKey, holder: &Holder) -> String {
    key.id_number(&format!(
        "licence:{}:{}",
        holder.kind.as_str(),
        holder.number
    ))
}

const COLUMNS: &str = "identifier, type_code, type_name, holder_kind, holder_sealed, \
     holder_name_sealed, issuer_code, issuer_name, issued_on, valid_until, revoked_at, \
     revoked_reason, file_sha256, file_size, file_format, signature_check";

fn licence(key: &IndexKey, r: &AnyRow) -> Result<Licence> {
    let opened = |column: &str| -> Result<String> {
        let sealed: String = r.try_get(column)?;
        key.open(&sealed).ok_or_else(|| {
            problem(
                LicenceProblem::LibraryUnavailable,
                format!("{column} does not open under this hall's key"),
            )
        })
    };
    let kind: String = r.try_get("holder_kind")?;
    Ok(Licence {
        identifier: r.try_get("identifier")?,
        type_code: r.try_get("type_code")?,
        type_name: r.try_get("type_name")?,
        holder: Holder {
            kind: HolderKind::parse(&kind).unwrap_or(HolderKind::Person),
            number: opened("holder_sealed")?,
        },
        holder_name: opened("holder_name_sealed")?,
        issuer_code: r.try_get("issuer_code")?,
        issuer_name: r.try_get("issuer_name")?,
        issued_on: r.try_get("issued_on")?,
        valid_until: r.try_get("valid_until")?,
        revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        revoked_reason: r.try_get("revoked_reason")?,
        file_sha256: r.try_get("file_sha256")?,
        file_size: r.try_get::<i64, _>("file_size")?.max(0) as u64,
        file_format: r.try_get("file_format")?,
        signature_check: r.try_get("signature_check")?,
    })
}

/// Every licence of `holder` (all types), newest first.
pub async fn of_holder(pool: &AnyPool, key: &IndexKey, holder: &Holder) -> Result<Vec<Licence>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM licences WHERE holder_index = $1 \
         ORDER BY issued_on DESC, identifier"
    ))
    .bind(holder_index(key, holder))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| licence(key, r))
    .collect()
}

impl LicenceLibrary for LocalLibrary {
    async fn lookup(&self, holder: &Holder, types: &[String]) -> Result<Vec<Licence>> {
        // One index range per holder; the holder's licences are few, the types filter here.
        let all = of_holder(&self.pool, &self.key, holder).await?;
        Ok(all
            .into_iter()
            .filter(|l| types.contains(&l.type_code))
            .collect())
    }

    async fn licence(&self, identifier: &str) -> Result<Option<Licence>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM licences WHERE identifier = $1"
        ))
        .bind(identifier)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| licence(&self.key, &r))
        .transpose()
    }

    async fn file(&self, licence: &Licence) -> Result<BlobBody> {
        self.blobs.read(&licence.file_sha256).await
    }

    async fn feedback(&self, f: &NewFeedback) -> Result<String> {
        let issuer = match &f.identifier {
            Some(id) => Some(
                self.licence(id)
                    .await?
                    .ok_or_else(|| problem(LicenceProblem::Unknown, id.clone()))?
                    .issuer_code,
            ),
            None => None,
        };
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO licence_feedback (id, identifier, type_code, issuer_code, category, \
             comment_sealed, clerk_id, workstation_id, item, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&f.identifier)
        .bind(&f.type_code)
        .bind(issuer)
        .bind(&f.category)
        .bind(self.key.seal(&f.comment))
        .bind(&f.clerk)
        .bind(&f.workstation)
        .bind(&f.item)
        .bind(f.at)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }
}

/// Revokes a licence (kept for the record, shown as revoked, refused for reuse).
pub async fn revoke(pool: &AnyPool, identifier: &str, reason: &str, now: i64) -> Result<()> {
    let done = sqlx::query(
        "UPDATE licences SET revoked_at = $1, revoked_reason = $2 \
         WHERE identifier = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(identifier)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(problem(
            LicenceProblem::Unknown,
            format!("{identifier}: no such licence, or already revoked"),
        ));
    }
    Ok(())
}

/// The departments that may see `type_code`; empty: every department.
pub async fn granted(pool: &AnyPool, type_code: &str) -> Result<Vec<String>> {
    sqlx::query("SELECT department FROM licence_type_grants WHERE type_code = $1")
        .bind(type_code)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
}

/// Whether a clerk of `department` may see `type_code`.
pub async fn may_see(pool: &AnyPool, department: &str, type_code: &str) -> Result<bool> {
    let grants = granted(pool, type_code).await?;
    Ok(grants.is_empty() || grants.iter().any(|d| d == department))
}

pub async fn grant(pool: &AnyPool, type_code: &str, department: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO licence_type_grants (type_code, department, granted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (type_code, department) DO NOTHING",
    )
    .bind(type_code)
    .bind(department)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn ungrant(pool: &AnyPool, type_code: &str, department: &str) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM licence_type_grants WHERE type_code = $1 AND department = $2")
            .bind(type_code)
            .bind(department)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

/// Every grant: `(type_code, department)`.
pub async fn grants(pool: &AnyPool) -> Result<Vec<(String, String)>> {
    sqlx::query(
        "SELECT type_code, department FROM licence_type_grants ORDER BY type_code, department",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect()
}

/// One row of `licence_access_log`.
#[derive(Debug, Clone, Default)]
pub struct Access<'a> {
    pub action: &'a str,
    pub clerk: &'a str,
    pub workstation: &'a str,
    pub item: &'a str,
    pub purpose: &'a str,
    pub holder_index: Option<String>,
    pub type_codes: String,
    pub identifier: Option<&'a str>,
    pub outcome: &'a str,
    pub card_read: Option<(&'a str, &'a str)>,
}

/// Writes one access row.
pub async fn log_access(pool: &AnyPool, a: &Access<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO licence_access_log (id, at, action, clerk_id, workstation_id, item, purpose, \
         holder_index, type_codes, identifier, outcome, card_read_entry, card_read_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(now)
    .bind(a.action)
    .bind(a.clerk)
    .bind(a.workstation)
    .bind(a.item)
    .bind(a.purpose)
    .bind(&a.holder_index)
    .bind(&a.type_codes)
    .bind(a.identifier)
    .bind(a.outcome)
    .bind(a.card_read.map(|c| c.0))
    .bind(a.card_read.map(|c| c.1))
    .execute(pool)
    .await?;
    Ok(())
}

/// One feedback, opened, for the issuing department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub id: String,
    pub identifier: Option<String>,
    pub type_code: String,
    pub issuer_code: Option<String>,
    pub category: String,
    pub comment: String,
    pub clerk: String,
    pub workstation: String,
    pub item: String,
    pub created_at: i64,
}

/// Feedback, newest first; of one issuer when given.
pub async fn feedback_list(
    pool: &AnyPool,
    key: &IndexKey,
    issuer: Option<&str>,
    limit: i64,
) -> Result<Vec<Feedback>> {
    sqlx::query(
        "SELECT id, identifier, type_code, issuer_code, category, comment_sealed, clerk_id, \
         workstation_id, item, created_at FROM licence_feedback \
         WHERE ($1 = '' OR issuer_code = $1) ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(issuer.unwrap_or(""))
    .bind(limit.max(1))
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let sealed: String = r.try_get("comment_sealed")?;
        Ok(Feedback {
            id: r.try_get("id")?,
            identifier: r.try_get("identifier")?,
            type_code: r.try_get("type_code")?,
            issuer_code: r.try_get("issuer_code")?,
            category: r.try_get("category")?,
            comment: key.open(&sealed).unwrap_or_else(|| "(sealed)".into()),
            clerk: r.try_get("clerk_id")?,
            workstation: r.try_get("workstation_id")?,
            item: r.try_get("item")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .collect()
}
