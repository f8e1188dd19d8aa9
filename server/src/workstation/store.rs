//! The workstation tables through sqlx `Any` (one query text for SQLite and PostgreSQL):
//! workstations, their key history, one-time enrollment codes.

use sqlx::Row;

use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

/// One row of `workstations`, with its current key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkstationRecord {
    pub id: String,
    pub hall_code: String,
    pub window: u32,
    pub enabled: bool,
    pub enrolled_at: Option<i64>,
    pub disabled_at: Option<i64>,
    /// Standard base64 of the current Ed25519 public key; `None` before the first enrollment.
    pub public_key: Option<String>,
}

/// What the request guard needs to know of a workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub hall_code: String,
    pub enabled: bool,
    pub public_key: Option<String>,
}

/// Why an enrollment code was not accepted (the IT detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    Unknown,
    Expired,
    Used,
}

impl CodeProblem {
    pub fn detail(self) -> &'static str {
        match self {
            CodeProblem::Unknown => "unknown enrollment code",
            CodeProblem::Expired => "enrollment code expired",
            CodeProblem::Used => "enrollment code already used",
        }
    }
}

const SELECT_WS: &str = "SELECT w.id, w.hall_code, w.window_no, w.enabled, w.enrolled_at, \
     w.disabled_at, k.public_key FROM workstations w \
     LEFT JOIN workstation_keys k ON k.workstation_id = w.id AND k.valid_to IS NULL";

fn ws_from_row(r: &sqlx::any::AnyRow) -> Result<WorkstationRecord> {
    Ok(WorkstationRecord {
        id: r.try_get("id")?,
        hall_code: r.try_get("hall_code")?,
        window: u32::try_from(r.try_get::<i64, _>("window_no")?).unwrap_or(0),
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        enrolled_at: r.try_get("enrolled_at")?,
        disabled_at: r.try_get("disabled_at")?,
        public_key: r.try_get("public_key")?,
    })
}

impl Database {
    /// Creates the workstation row if needed and stores a new one-time code for it
    /// (`code_hash` only). Codes issued earlier and not used stay valid until they expire.
    pub async fn issue_enrollment_code(
        &self,
        id: &str,
        hall_code: &str,
        window: u32,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO workstations (id, hall_code, window_no, enabled, created_at, enrolled_at, disabled_at) \
             VALUES ($1, $2, $3, 1, $4, NULL, NULL) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(hall_code)
        .bind(i64::from(window))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO enrollment_codes (code_hash, workstation_id, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(code_hash)
        .bind(id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a code: marks it used (one UPDATE, so two uses race to one winner), ends the
    /// workstation's current key and records `public_key` as the new one, all in one
    /// transaction. Returns the workstation.
    pub async fn enroll_with_code(
        &self,
        code_hash: &str,
        public_key: &str,
        now: i64,
    ) -> Result<std::result::Result<WorkstationRecord, CodeProblem>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE enrollment_codes SET used_at = $1 \
             WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3 RETURNING workstation_id",
        )
        .bind(now)
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            let row = sqlx::query("SELECT used_at FROM enrollment_codes WHERE code_hash = $1")
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
            return Ok(Err(match row {
                None => CodeProblem::Unknown,
                Some(r) if r.try_get::<Option<i64>, _>("used_at")?.is_some() => CodeProblem::Used,
                Some(_) => CodeProblem::Expired,
            }));
        };
        let id: String = row.try_get("workstation_id")?;
        sqlx::query(
            "UPDATE workstation_keys SET valid_to = $1 WHERE workstation_id = $2 AND valid_to IS NULL",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO workstation_keys (id, workstation_id, public_key, valid_from, valid_to) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(&id)
        .bind(public_key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE workstations SET enrolled_at = $1 WHERE id = $2")
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(&format!("{SELECT_WS} WHERE w.id = $1"))
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
        let record = ws_from_row(&row)?;
        tx.commit().await?;
        Ok(Ok(record))
    }

    /// Every workstation, by id.
    pub async fn list_workstations(&self) -> Result<Vec<WorkstationRecord>> {
        let rows = sqlx::query(&format!("{SELECT_WS} ORDER BY w.hall_code, w.window_no"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(ws_from_row).collect()
    }

    /// One workstation's state and current key (the request guard's lookup).
    pub async fn workstation_key(&self, id: &str) -> Result<Option<KeyRecord>> {
        let row = sqlx::query(&format!("{SELECT_WS} WHERE w.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .as_ref()
            .map(ws_from_row)
            .transpose()?
            .map(|w| KeyRecord {
                hall_code: w.hall_code,
                enabled: w.enabled,
                public_key: w.public_key,
            }))
    }

    /// The key `id` had at `at` (Unix ms): its current key or one from its history.
    pub async fn workstation_key_at(&self, id: &str, at: i64) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT public_key FROM workstation_keys WHERE workstation_id = $1 \
             AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $3) \
             ORDER BY valid_from DESC LIMIT 1",
        )
        .bind(id)
        .bind(at)
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get("public_key")).transpose()?)
    }

    /// Disables or enables a workstation. An unknown id is an admin input error.
    pub async fn set_workstation_enabled(&self, id: &str, enabled: bool, now: i64) -> Result<()> {
        let done =
            sqlx::query("UPDATE workstations SET enabled = $1, disabled_at = $2 WHERE id = $3")
                .bind(i64::from(enabled))
                .bind(if enabled { None } else { Some(now) })
                .bind(id)
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(Error::AdminInput {
                problem: AdminProblem::UnknownWorkstation { id: id.to_owned() },
            });
        }
        Ok(())
    }
}
