//! The login tables, through sqlx `Any` (one query text for SQLite and PostgreSQL): clerks,
//! certificate bindings, challenges, sessions and the login audit.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;
use yichuang_pki::Cert;

use super::demo_data;
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

/// A clerk as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = Clerk)]
pub struct Clerk {
    #[schema(example = "C001")]
    pub id: String,
    #[schema(example = json!(demo_data::CLERK_NAME))]
    pub name: String,
    #[schema(example = json!(demo_data::CLERK_DEPARTMENT))]
    pub department: String,
    #[schema(example = json!(demo_data::CLERK_POST))]
    pub post: String,
    #[schema(example = json!(["accept", "query"]))]
    pub permissions: Vec<String>,
}

/// One row of `clerks` with its state, for the admin CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClerkRecord {
    pub clerk: Clerk,
    pub active: bool,
}

/// One active certificate binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub id: String,
    pub clerk_id: String,
    pub issuer: String,
    pub serial: String,
    pub fingerprint: String,
    pub bound_at: i64,
}

/// What `bind_cert` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    Bound,
    AlreadyBound,
}

/// One login attempt for `login_audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: i64,
    pub outcome: String,
    pub clerk_id: Option<String>,
    pub cert_fingerprint: Option<String>,
    pub issuer: Option<String>,
    pub serial: Option<String>,
    pub workstation: Option<String>,
    pub remote_addr: Option<String>,
    pub detail: Option<String>,
}

/// Why a challenge could not be consumed (for the IT detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeProblem {
    Unknown,
    Expired,
    AlreadyUsed,
}

fn clerk_from_row(row: &AnyRow) -> Result<ClerkRecord> {
    let permissions: String = row.try_get("permissions")?;
    let permissions: Vec<String> = serde_json::from_str(&permissions).map_err(|e| {
        Error::Database(sqlx::Error::Decode(
            format!("clerks.permissions is not a JSON string array: {e}").into(),
        ))
    })?;
    Ok(ClerkRecord {
        clerk: Clerk {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            department: row.try_get("department")?,
            post: row.try_get("post")?,
            permissions,
        },
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

impl Database {
    /// Inserts or updates a clerk (and makes them active).
    pub async fn upsert_clerk<'e, E>(executor: E, clerk: &Clerk, now: i64) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let permissions =
            serde_json::to_string(&clerk.permissions).map_err(|e| Error::AdminInput {
                problem: AdminProblem::Permissions {
                    detail: e.to_string(),
                },
            })?;
        sqlx::query(
            "INSERT INTO clerks (id, name, department, post, permissions, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, department = excluded.department, \
             post = excluded.post, permissions = excluded.permissions, active = 1, \
             updated_at = excluded.updated_at",
        )
        .bind(&clerk.id)
        .bind(&clerk.name)
        .bind(&clerk.department)
        .bind(&clerk.post)
        .bind(permissions)
        .bind(now)
        .bind(now)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Every clerk, by id.
    pub async fn list_clerks(&self) -> Result<Vec<ClerkRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, department, post, permissions, active FROM clerks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(clerk_from_row).collect()
    }

    /// One clerk by id.
    pub async fn clerk(&self, id: &str) -> Result<Option<ClerkRecord>> {
        let row = sqlx::query(
            "SELECT id, name, department, post, permissions, active FROM clerks WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(clerk_from_row).transpose()
    }

    /// Active bindings, of one clerk or all.
    pub async fn active_bindings(&self, clerk_id: Option<&str>) -> Result<Vec<Binding>> {
        let rows = sqlx::query(
            "SELECT id, clerk_id, issuer, serial, fingerprint, bound_at FROM cert_bindings \
             WHERE unbound_at IS NULL AND ($1 = '' OR clerk_id = $2) ORDER BY clerk_id, bound_at",
        )
        .bind(clerk_id.unwrap_or(""))
        .bind(clerk_id.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Binding {
                    id: r.try_get("id")?,
                    clerk_id: r.try_get("clerk_id")?,
                    issuer: r.try_get("issuer")?,
                    serial: r.try_get("serial")?,
                    fingerprint: r.try_get("fingerprint")?,
                    bound_at: r.try_get("bound_at")?,
                })
            })
            .collect()
    }

    /// Binds `cert` to `clerk_id`. Binding the same certificate again to the same clerk is a
    /// no-op; a certificate bound to another clerk must be unbound first.
    pub async fn bind_cert(&self, clerk_id: &str, cert: &Cert, now: i64) -> Result<BindOutcome> {
        if self.clerk(clerk_id).await?.is_none() {
            return Err(Error::AdminInput {
                problem: AdminProblem::UnknownClerk {
                    clerk_id: clerk_id.to_owned(),
                },
            });
        }
        let (issuer, serial) = (cert.issuer(), cert.serial_hex());
        let existing = sqlx::query(
            "SELECT clerk_id, fingerprint FROM cert_bindings \
             WHERE issuer = $1 AND serial = $2 AND unbound_at IS NULL",
        )
        .bind(&issuer)
        .bind(&serial)
        .fetch_all(&self.pool)
        .await?;
        if let Some(row) = existing.first() {
            let owner: String = row.try_get("clerk_id")?;
            let fingerprint: String = row.try_get("fingerprint")?;
            if owner == clerk_id && fingerprint == cert.fingerprint() {
                return Ok(BindOutcome::AlreadyBound);
            }
            return Err(Error::AdminInput {
                problem: AdminProblem::CertBoundElsewhere {
                    issuer,
                    serial,
                    owner,
                },
            });
        }
        sqlx::query(
            "INSERT INTO cert_bindings (id, clerk_id, issuer, serial, fingerprint, cert_der, bound_at, unbound_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(clerk_id)
        .bind(&issuer)
        .bind(&serial)
        .bind(cert.fingerprint())
        .bind(B64.encode(cert.der()))
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(BindOutcome::Bound)
    }

    /// Ends the active bindings of `clerk_id` whose serial is one of `serials` (and, when
    /// given, whose issuer is `issuer`), and in the same transaction the sessions opened with
    /// those certificates (marked ended: their tokens answer `session_ended`). Returns how
    /// many bindings were ended.
    pub async fn unbind_cert(
        &self,
        clerk_id: &str,
        serials: &[String],
        issuer: Option<&str>,
        now: i64,
    ) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let mut ended = 0;
        for serial in serials {
            let rows = sqlx::query(
                "UPDATE cert_bindings SET unbound_at = $1 \
                 WHERE clerk_id = $2 AND serial = $3 AND unbound_at IS NULL \
                 AND ($4 = '' OR issuer = $5) RETURNING fingerprint",
            )
            .bind(now)
            .bind(clerk_id)
            .bind(serial)
            .bind(issuer.unwrap_or(""))
            .bind(issuer.unwrap_or(""))
            .fetch_all(&mut *tx)
            .await?;
            for row in &rows {
                let fingerprint: String = row.try_get("fingerprint")?;
                sqlx::query(
                    "UPDATE auth_sessions SET ended_at = $1 \
                     WHERE clerk_id = $2 AND cert_fingerprint = $3 AND ended_at IS NULL",
                )
                .bind(now)
                .bind(clerk_id)
                .bind(&fingerprint)
                .execute(&mut *tx)
                .await?;
            }
            ended += rows.len() as u64;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// Disables a clerk and ends their sessions, in one transaction (a later import
    /// enables them again).
    pub async fn disable_clerk(&self, clerk_id: &str, now: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE clerks SET active = 0, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(clerk_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::AdminInput {
                problem: AdminProblem::UnknownClerk {
                    clerk_id: clerk_id.to_owned(),
                },
            });
        }
        sqlx::query(
            "UPDATE auth_sessions SET ended_at = $1 WHERE clerk_id = $2 AND ended_at IS NULL",
        )
        .bind(now)
        .bind(clerk_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active clerk that `cert` is bound to (issuer + serial, same certificate), with
    /// the clerk id of an inactive owner or a mismatching binding for the audit.
    pub async fn bound_clerk(
        &self,
        cert: &Cert,
    ) -> Result<(Option<Clerk>, Option<String>, String)> {
        let rows = sqlx::query(
            "SELECT b.fingerprint, c.id, c.name, c.department, c.post, c.permissions, c.active \
             FROM cert_bindings b JOIN clerks c ON c.id = b.clerk_id \
             WHERE b.issuer = $1 AND b.serial = $2 AND b.unbound_at IS NULL",
        )
        .bind(cert.issuer())
        .bind(cert.serial_hex())
        .fetch_all(&self.pool)
        .await?;
        let mut owner = None;
        let mut why = format!(
            "no active binding for issuer `{}` serial {}",
            cert.issuer(),
            cert.serial_hex()
        );
        for row in &rows {
            let record = clerk_from_row(row)?;
            let fingerprint: String = row.try_get("fingerprint")?;
            owner = Some(record.clerk.id.clone());
            if fingerprint != cert.fingerprint() {
                why = format!(
                    "binding of clerk {} is for another certificate with the same issuer and serial",
                    record.clerk.id
                );
            } else if !record.active {
                why = format!("clerk {} is not active", record.clerk.id);
            } else {
                return Ok((Some(record.clerk), owner, String::new()));
            }
        }
        Ok((None, owner, why))
    }

    /// Stores a new challenge and drops those expired for more than an hour.
    pub async fn create_challenge(
        &self,
        id: &str,
        nonce: &str,
        workstation: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM auth_challenges WHERE expires_at < $1")
            .bind(now - 3_600_000)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO auth_challenges (id, nonce, workstation, created_at, expires_at, used_at) \
             VALUES ($1, $2, $3, $4, $5, NULL)",
        )
        .bind(id)
        .bind(nonce)
        .bind(workstation)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the challenge used, atomically (one UPDATE: a replay finds it used), and
    /// returns its nonce and workstation.
    pub async fn consume_challenge(
        &self,
        id: &str,
        now: i64,
    ) -> Result<std::result::Result<(String, String), ChallengeProblem>> {
        let row = sqlx::query(
            "UPDATE auth_challenges SET used_at = $1 \
             WHERE id = $2 AND used_at IS NULL AND expires_at > $3 RETURNING nonce, workstation",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = row {
            return Ok(Ok((row.try_get("nonce")?, row.try_get("workstation")?)));
        }
        let row = sqlx::query("SELECT used_at FROM auth_challenges WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Err(match row {
            None => ChallengeProblem::Unknown,
            Some(r) if r.try_get::<Option<i64>, _>("used_at")?.is_some() => {
                ChallengeProblem::AlreadyUsed
            }
            Some(_) => ChallengeProblem::Expired,
        }))
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        clerk_id: &str,
        workstation: &str,
        cert_fingerprint: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM auth_sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO auth_sessions (token_hash, clerk_id, workstation, cert_fingerprint, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(clerk_id)
        .bind(workstation)
        .bind(cert_fingerprint)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The clerk of an unexpired session opened at `workstation`. The certificate binding and
    /// the clerk's state are checked again at every use: a session whose certificate was
    /// unbound or whose clerk was disabled is `session_ended` at once.
    pub async fn session_at(&self, token_hash: &str, workstation: &str, now: i64) -> Result<Clerk> {
        let row = sqlx::query(
            "SELECT c.id, c.name, c.department, c.post, c.permissions, c.active, s.workstation, s.ended_at, \
             (SELECT COUNT(*) FROM cert_bindings b WHERE b.clerk_id = s.clerk_id \
              AND b.fingerprint = s.cert_fingerprint AND b.unbound_at IS NULL) AS bound \
             FROM auth_sessions s JOIN clerks c ON c.id = s.clerk_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Err(Error::Unauthorized {
                detail: "unknown or expired session token".into(),
            });
        };
        let owner: String = row.try_get("workstation")?;
        if owner != workstation {
            return Err(Error::Unauthorized {
                detail: format!("the session belongs to workstation {owner}, not {workstation}"),
            });
        }
        let record = clerk_from_row(&row)?;
        let ended = row.try_get::<Option<i64>, _>("ended_at")?.is_some();
        if ended || !record.active || row.try_get::<i64, _>("bound")? == 0 {
            return Err(Error::SessionEnded {
                detail: format!(
                    "clerk {} was disabled or their certificate unbound",
                    record.clerk.id
                ),
            });
        }
        Ok(record.clerk)
    }

    pub async fn insert_audit(&self, a: &AuditRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_audit (id, at, outcome, clerk_id, cert_fingerprint, issuer, serial, workstation, remote_addr, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(a.at)
        .bind(&a.outcome)
        .bind(&a.clerk_id)
        .bind(&a.cert_fingerprint)
        .bind(&a.issuer)
        .bind(&a.serial)
        .bind(&a.workstation)
        .bind(&a.remote_addr)
        .bind(&a.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Audit rows of one workstation, oldest first (tests and diagnostics).
    pub async fn audit_for_workstation(&self, workstation: &str) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT at, outcome, clerk_id, cert_fingerprint, issuer, serial, workstation, remote_addr, detail \
             FROM login_audit WHERE workstation = $1 ORDER BY at, id",
        )
        .bind(workstation)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRecord {
                    at: r.try_get("at")?,
                    outcome: r.try_get("outcome")?,
                    clerk_id: r.try_get("clerk_id")?,
                    cert_fingerprint: r.try_get("cert_fingerprint")?,
                    issuer: r.try_get("issuer")?,
                    serial: r.try_get("serial")?,
                    workstation: r.try_get("workstation")?,
                    remote_addr: r.try_get("remote_addr")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }
}
