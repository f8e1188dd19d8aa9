//! Signed releases (K1): IT publishes an installer with its minisign signature for one target
//! (`release publish`); an enrolled workstation asks for anything newer than what it runs
//! (`GET /updates/{target}?current=`, 204 when up to date) and downloads the file. The server
//! checks that the signature claims the published target and version; the workstation
//! verifies the file against the key pinned in its own config, so the server is not trusted
//! with the content.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use utoipa::{IntoParams, ToSchema};
use yichuang_pki::release::{is_target, ReleaseClaim};

use super::{problem, MaintenanceProblem};
use crate::error::{ErrorBody, Result};
use crate::workstation::guard::Signed;
use crate::AppState;

/// A release offered to a workstation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ReleaseOffer {
    /// e.g. `windows-x86_64`, `linux-x86_64-deb`.
    pub target: String,
    /// Semantic version, newer than the asker's.
    pub version: String,
    /// Bytes of the file.
    pub size: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The minisign signature (its trusted comment names target and version).
    pub signature: String,
    /// Release notes for IT and clerks.
    pub notes: String,
    /// Unix ms.
    pub published_at: i64,
    /// Where to download it, under `/api/v1`.
    pub file: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CurrentQuery {
    /// The version the workstation runs (semantic version).
    pub current: String,
}

/// One published release, as stored.
#[derive(Debug, Clone)]
pub struct Release {
    pub target: String,
    pub version: semver::Version,
    pub sha256: String,
    pub size: u64,
    pub signature: String,
    pub notes: String,
    pub published_at: i64,
    pub withdrawn_at: Option<i64>,
}

impl Release {
    fn offer(self) -> ReleaseOffer {
        ReleaseOffer {
            file: format!("/api/v1/updates/{}/{}/file", self.target, self.version),
            target: self.target,
            version: self.version.to_string(),
            size: self.size,
            sha256: self.sha256,
            signature: self.signature,
            notes: self.notes,
            published_at: self.published_at,
        }
    }
}

fn target_checked(target: &str) -> Result<()> {
    if is_target(target) {
        Ok(())
    } else {
        Err(problem(
            MaintenanceProblem::ReleaseUnknown,
            "target: lower-case letters, digits, '.', '_', '-', at most 64",
        ))
    }
}

fn version_of(text: &str) -> Result<semver::Version> {
    semver::Version::parse(text.trim()).map_err(|e| crate::error::Error::BadRequest {
        detail: format!("version {text:?}: {e}"),
    })
}

/// Every release of `target` (all targets when `None`), newest version first.
pub async fn list(pool: &AnyPool, target: Option<&str>) -> Result<Vec<Release>> {
    let rows = sqlx::query(
        "SELECT target, version, sha256, size, signature, notes, published_at, withdrawn_at \
         FROM releases WHERE ($1 = '' OR target = $1)",
    )
    .bind(target.unwrap_or(""))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let version: String = r.try_get("version")?;
        // Rows are only written by `publish`, which parses the version first.
        let Ok(version) = semver::Version::parse(&version) else {
            tracing::warn!(%version, "release row with an unparsable version skipped");
            continue;
        };
        out.push(Release {
            target: r.try_get("target")?,
            version,
            sha256: r.try_get("sha256")?,
            size: r.try_get::<i64, _>("size")?.max(0) as u64,
            signature: r.try_get("signature")?,
            notes: r.try_get("notes")?,
            published_at: r.try_get("published_at")?,
            withdrawn_at: r.try_get("withdrawn_at")?,
        });
    }
    out.sort_by(|a, b| (&a.target, &b.version).cmp(&(&b.target, &a.version)));
    Ok(out)
}

/// The newest release of `target` newer than `current` and not withdrawn.
pub async fn newer(
    pool: &AnyPool,
    target: &str,
    current: &semver::Version,
) -> Result<Option<Release>> {
    Ok(list(pool, Some(target))
        .await?
        .into_iter()
        .find(|r| r.withdrawn_at.is_none() && r.version > *current))
}

async fn one(pool: &AnyPool, target: &str, version: &semver::Version) -> Result<Release> {
    list(pool, Some(target))
        .await?
        .into_iter()
        .find(|r| r.withdrawn_at.is_none() && r.version == *version)
        .ok_or_else(|| {
            problem(
                MaintenanceProblem::ReleaseUnknown,
                format!("{target} {version}"),
            )
        })
}

/// What IT publishes.
#[derive(Debug, Clone, Copy)]
pub struct NewRelease<'a> {
    pub target: &'a str,
    pub version: &'a str,
    pub file: &'a std::path::Path,
    pub signature: &'a str,
    pub notes: &'a str,
}

/// Publishes the file at `file` for `target` and `version` with its minisign `signature`,
/// whose trusted comment must claim the same target and version. A version already published
/// for the target is refused (a changed file needs a new version number).
pub async fn publish(
    state_blobs: &crate::sync::BlobBackend,
    pool: &AnyPool,
    new: &NewRelease<'_>,
    now: i64,
) -> Result<Release> {
    let NewRelease {
        target,
        version,
        file,
        signature,
        notes,
    } = *new;
    let invalid = |detail: String| problem(MaintenanceProblem::ReleaseInvalid, detail);
    if !is_target(target) {
        return Err(invalid(format!("target {target:?}")));
    }
    let version = version_of(version)?;
    let claim = ReleaseClaim::read(signature).map_err(|e| invalid(e.to_string()))?;
    if claim.target != target || claim.version != version {
        return Err(invalid(format!(
            "the signature claims {} {}, published as {target} {version}",
            claim.target, claim.version
        )));
    }
    if list(pool, Some(target))
        .await?
        .iter()
        .any(|r| r.version == version)
    {
        return Err(invalid(format!(
            "{target} {version} is already published; give a changed file a new version"
        )));
    }
    let (sha256, size) = state_blobs.store_file(file).await?;
    sqlx::query(
        "INSERT INTO releases (target, version, sha256, size, signature, notes, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(target)
    .bind(version.to_string())
    .bind(&sha256)
    .bind(size as i64)
    .bind(signature.trim())
    .bind(notes)
    .bind(now)
    .execute(pool)
    .await?;
    tracing::info!(target, %version, %sha256, size, "release published");
    Ok(Release {
        target: target.to_owned(),
        version,
        sha256,
        size,
        signature: signature.trim().to_owned(),
        notes: notes.to_owned(),
        published_at: now,
        withdrawn_at: None,
    })
}

/// Withdraws a release: no workstation is offered it any more.
pub async fn withdraw(pool: &AnyPool, target: &str, version: &str, now: i64) -> Result<()> {
    let version = version_of(version)?;
    one(pool, target, &version).await?;
    sqlx::query("UPDATE releases SET withdrawn_at = $1 WHERE target = $2 AND version = $3")
        .bind(now)
        .bind(target)
        .bind(version.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest release for this target newer than the workstation's, or 204.
#[utoipa::path(
    get,
    path = "/api/v1/updates/{target}",
    tag = "maintenance",
    params(
        ("target" = String, Path, description = "Build target: lower-case letters, digits, '.', '_', '-' (1–64), e.g. windows-x86_64, linux-x86_64-deb"),
        CurrentQuery,
    ),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "A newer release", body = ReleaseOffer),
        (status = 204, description = "Up to date: nothing newer is published"),
        (status = 400, description = "bad_request: current is not a semantic version", body = ErrorBody),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 404, description = "release_unknown: not a target name", body = ErrorBody),
    )
)]
pub async fn offer(
    State(state): State<AppState>,
    ws: Signed,
    Path(target): Path<String>,
    Query(q): Query<CurrentQuery>,
) -> Result<Response> {
    target_checked(&target)?;
    let current = version_of(&q.current)?;
    Ok(match newer(&state.db.pool, &target, &current).await? {
        Some(r) => {
            tracing::info!(workstation = %ws.workstation, target, from = %current,
                to = %r.version, "update offered");
            Json(r.offer()).into_response()
        }
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// A published release's file.
#[utoipa::path(
    get,
    path = "/api/v1/updates/{target}/{version}/file",
    tag = "maintenance",
    params(
        ("target" = String, Path, description = "Build target"),
        ("version" = String, Path, description = "Semantic version"),
    ),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "The installer or package", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "bad_request: not a semantic version", body = ErrorBody),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 404, description = "release_unknown: not published or withdrawn", body = ErrorBody),
    )
)]
pub async fn file(
    State(state): State<AppState>,
    _ws: Signed,
    Path((target, version)): Path<(String, String)>,
) -> Result<Response> {
    target_checked(&target)?;
    let release = one(&state.db.pool, &target, &version_of(&version)?).await?;
    let blob = state.sync.blobs.read(&release.sha256).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_LENGTH, blob.len.to_string()),
        ],
        blob.body,
    )
        .into_response())
}
