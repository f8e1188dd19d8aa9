//! Systems that report case progress (approval systems, 审批系统): one bearer token each,
//! made by IT with `yichuang-server system add`, stored as its SHA-256, bound to one hall.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::Row;

use crate::auth::{new_session_token, token_hash};
use crate::error::{Error, Result};
use crate::workstation::guard::bearer;
use crate::AppState;

/// Tokens of systems start with this, so a leaked one is recognisable in a scan.
pub const TOKEN_PREFIX: &str = "ycs_";

/// An approval system authenticated by its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemClient {
    pub id: String,
    pub name: String,
    pub hall_code: String,
}

/// One row for the admin CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemRecord {
    pub client: SystemClient,
    pub created_at: i64,
    pub disabled: bool,
}

/// Registers a system for `hall`; returns its id and the token (shown once).
pub async fn add(
    pool: &sqlx::AnyPool,
    name: &str,
    hall: &str,
    now_ms: i64,
) -> Result<(String, String)> {
    let id = format!("sys-{}", uuid::Uuid::now_v7().simple());
    let token = format!("{TOKEN_PREFIX}{}", new_session_token()?);
    sqlx::query(
        "INSERT INTO system_clients (id, name, hall_code, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(name)
    .bind(hall)
    .bind(token_hash(&token))
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok((id, token))
}

pub async fn list(pool: &sqlx::AnyPool) -> Result<Vec<SystemRecord>> {
    let rows = sqlx::query(
        "SELECT id, name, hall_code, created_at, disabled_at FROM system_clients ORDER BY created_at",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SystemRecord {
                client: SystemClient {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    hall_code: r.try_get(2)?,
                },
                created_at: r.try_get(3)?,
                disabled: r.try_get::<Option<i64>, _>(4)?.is_some(),
            })
        })
        .collect()
}

/// Disables a system's token at once; false when there is no such system.
pub async fn disable(pool: &sqlx::AnyPool, id: &str, now_ms: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE system_clients SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL",
    )
    .bind(now_ms)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

impl FromRequestParts<AppState> for SystemClient {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let unauthorized = |detail: &str| Error::Unauthorized {
            detail: detail.into(),
        };
        let token = bearer(&parts.headers)
            .filter(|t| t.starts_with(TOKEN_PREFIX))
            .ok_or_else(|| unauthorized("missing Authorization: Bearer ycs_… system token"))?;
        let row = sqlx::query(
            "SELECT id, name, hall_code FROM system_clients WHERE token_hash = $1 AND disabled_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| unauthorized("unknown or disabled system token"))?;
        Ok(SystemClient {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            hall_code: row.try_get(2)?,
        })
    }
}
