//! Hall devices: the call screen and the kiosk are browsers, not workstations. IT issues a
//! one-time pairing code (`yichuang-server device enroll --hall H --kind screen|kiosk`); the
//! browser opens `/hall/pair`, submits the code and gets an HttpOnly, SameSite=Strict cookie
//! (Secure under TLS) holding the device token. Code and token are kept as SHA-256 only;
//! codes are single use, expire, and their submission is rate-limited per address;
//! `device disable` revokes a device.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::store::queue_err;
use crate::auth::token_hash;
use crate::error::{QueueProblem, Result};
use crate::AppState;

/// Name of the device cookie.
pub const COOKIE: &str = "yichuang_device";
/// Lifetime of the device cookie (the device stays paired until disabled): 400 days, the
/// longest browsers keep a cookie.
pub const COOKIE_MAX_AGE_S: u64 = 400 * 86_400;

/// The two kinds of hall device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// 大厅综合屏: shows the calls, speaks them.
    Screen,
    /// 取号机: issues tickets.
    Kiosk,
}

impl DeviceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Screen => "screen",
            DeviceKind::Kiosk => "kiosk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "screen" => Some(DeviceKind::Screen),
            "kiosk" => Some(DeviceKind::Kiosk),
            _ => None,
        }
    }
}

/// A paired hall device (from its cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallDevice {
    pub id: String,
    pub hall_code: String,
    pub kind: DeviceKind,
}

/// Body of `POST /api/v1/hall/pair`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PairRequest {
    /// The one-time code from `device enroll` (case, spaces and dashes do not matter).
    #[schema(example = "ABCD-EFGH-JKMN")]
    pub code: String,
}

/// Answer of `POST /api/v1/hall/pair` (the cookie comes in `Set-Cookie`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Paired {
    pub device_id: String,
    pub hall_code: String,
    pub kind: DeviceKind,
    /// The page to open: `/hall/screen` or `/hall/kiosk`.
    pub page: String,
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for HallDevice {
    type Rejection = crate::error::Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let token = cookie_token(&parts.headers)
            .ok_or_else(|| queue_err(QueueProblem::DeviceUnauthorized, "no device cookie"))?;
        let row = sqlx::query(
            "SELECT id, hall_code, kind FROM hall_devices WHERE token_hash = $1 AND enabled = 1",
        )
        .bind(token_hash(&token))
        .fetch_optional(&state.db.pool)
        .await?;
        let Some(row) = row else {
            return Err(queue_err(
                QueueProblem::DeviceUnauthorized,
                "unknown or disabled device",
            ));
        };
        let kind: String = row.try_get(2)?;
        Ok(HallDevice {
            id: row.try_get(0)?,
            hall_code: row.try_get(1)?,
            kind: DeviceKind::parse(&kind).ok_or_else(|| {
                queue_err(QueueProblem::DeviceUnauthorized, "unknown device kind")
            })?,
        })
    }
}

/// Pairs the browser: uses the code once and sets the device cookie.
pub async fn pair(
    state: &AppState,
    addr: Option<SocketAddr>,
    code: &str,
) -> Result<(Paired, HeaderValue)> {
    let now = state.auth.now_ms();
    let addr = addr.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    state.auth.guard.limiter.hit(
        &format!("device pair addr {addr}"),
        state.auth.guard.limits.enroll_per_address,
        now,
    )?;
    let token = crate::sync::hex(&crate::auth::random_bytes::<32>()?);
    let row = sqlx::query(
        "UPDATE hall_devices SET token_hash = $1, paired_at = $2 \
         WHERE code_hash = $3 AND paired_at IS NULL AND code_expires_at > $2 AND enabled = 1 \
         RETURNING id, hall_code, kind",
    )
    .bind(token_hash(&token))
    .bind(now)
    .bind(crate::workstation::code_hash(code))
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else {
        return Err(queue_err(
            QueueProblem::DeviceCodeInvalid,
            "pairing code unknown, expired or used",
        ));
    };
    let kind = DeviceKind::parse(&row.try_get::<String, _>(2)?).unwrap_or(DeviceKind::Screen);
    let paired = Paired {
        device_id: row.try_get(0)?,
        hall_code: row.try_get(1)?,
        kind,
        page: format!("/hall/{}", kind.as_str()),
    };
    tracing::info!(device = %paired.device_id, hall = %paired.hall_code, %addr, "hall device paired");
    let secure = if state.queue.tls { "; Secure" } else { "" };
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={COOKIE_MAX_AGE_S}{secure}"
    );
    let value = HeaderValue::from_str(&cookie).map_err(|e| crate::error::Error::BadRequest {
        detail: format!("cookie: {e}"),
    })?;
    Ok((paired, value))
}

/// A device row for `device list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub id: String,
    pub hall_code: String,
    pub kind: String,
    pub paired_at: Option<i64>,
    pub enabled: bool,
}

/// Creates a device of `kind` in `hall` with a one-time code (hash kept); returns its id.
pub async fn enroll(
    db: &crate::Database,
    hall: &str,
    kind: DeviceKind,
    code: &str,
    now: i64,
    expires_at: i64,
) -> Result<String> {
    let id = format!(
        "{hall}-{}-{}",
        kind.as_str(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    sqlx::query(
        "INSERT INTO hall_devices (id, hall_code, kind, code_hash, code_expires_at, enabled, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6)",
    )
    .bind(&id)
    .bind(hall)
    .bind(kind.as_str())
    .bind(crate::workstation::code_hash(code))
    .bind(expires_at)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

pub async fn list(db: &crate::Database) -> Result<Vec<DeviceRecord>> {
    let rows = sqlx::query(
        "SELECT id, hall_code, kind, paired_at, enabled FROM hall_devices ORDER BY hall_code, id",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DeviceRecord {
                id: r.try_get(0)?,
                hall_code: r.try_get(1)?,
                kind: r.try_get(2)?,
                paired_at: r.try_get(3)?,
                enabled: r.try_get::<i64, _>(4)? != 0,
            })
        })
        .collect()
}

/// Disables a device: its cookie is refused from the next request on.
pub async fn disable(db: &crate::Database, id: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE hall_devices SET enabled = 0 WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The client address of a request, when served through the connection loop.
pub fn client_addr(ext: &axum::http::Extensions) -> Option<SocketAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0)
}
