//! `licence import --dir <folder>`: a folder holding the licence files and `licences.json`,
//! a JSON array with one object per licence:
//!
//! ```json
//! [{
//!   "identifier": "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
//!   "type_name": "户籍证明",
//!   "holder_kind": "person",            // or "organisation"
//!   "holder": "11010519491231002X",     // ID number, or 统一社会信用代码
//!   "holder_name": "张三",
//!   "issuer_name": "某市公安局",
//!   "issued_on": "2023-01-05",
//!   "valid_until": "2033-01-05",         // null or absent: 长期
//!   "file": "hukou-zhangsan.pdf",        // .pdf or .ofd, in the folder
//!   "signature_file": "hukou.p7s"        // optional: the issuer's detached signature
//! }]
//! ```
//!
//! With `--issuer-ca <pem>` (L3) every PDF licence must carry a PDF signature of its issuer
//! that verifies against those CAs (`yichuang_seal::verify`: the CMS signature, the chain, the
//! document unchanged since signing); an unsigned, altered or foreign-signed file refuses the
//! import with the verifier's reason, and the licences are stored as `verified`. Without it,
//! and for OFD files (no OFD verifier yet), they are stored as `unchecked`.
//!
//! Type code and issuer code come from the identifier (its check character verified). Every
//! row is checked before anything is stored; the first bad row refuses the whole import with
//! its number and reason, so nothing is half-imported. The files go to the sealed blob store,
//! then every row is written in one transaction.

use std::path::{Component, Path};

use base64::Engine as _;
use serde::Deserialize;
use sqlx::AnyPool;
use yichuang_pki::ident::{IdentError, LicenceId};

use super::store::holder_index;
use super::{is_date, problem, Holder, HolderKind, LicenceProblem};
use crate::cases::IndexKey;
use crate::error::Result;
use crate::sync::BlobBackend;

/// The metadata file's name in the folder.
pub const METADATA_FILE: &str = "licences.json";
/// Largest licence file imported.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One row of `licences.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub identifier: Option<String>,
    pub type_name: Option<String>,
    pub holder_kind: Option<String>,
    pub holder: Option<String>,
    pub holder_name: Option<String>,
    pub issuer_name: Option<String>,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
    pub file: Option<String>,
    pub signature_file: Option<String>,
}

/// Why a row is refused; the sentence is in [`crate::messages::licence_import_reason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Identifier(IdentError),
    Holder,
    HolderKind,
    Missing(&'static str),
    Date(&'static str),
    DateOrder,
    File(String),
    Format,
    Signature(String),
    /// The issuer's PDF signature does not verify (the verifier's sentence).
    Unverified(String),
    Duplicate,
    Exists,
}

/// A row checked and ready to store.
#[derive(Debug, Clone)]
pub struct Checked {
    pub id: LicenceId,
    pub type_name: String,
    pub holder: Holder,
    pub holder_name: String,
    pub issuer_name: String,
    pub issued_on: String,
    pub valid_until: Option<String>,
    pub file: std::path::PathBuf,
    pub format: &'static str,
    pub signature: Option<String>,
    /// `verified` (the issuer's PDF signature checked against the import's CAs) or
    /// `unchecked`.
    pub signature_check: &'static str,
}

fn refused(row: usize, identifier: Option<&str>, reason: &Reason) -> crate::Error {
    problem(
        LicenceProblem::Invalid,
        crate::messages::licence_import_row(row, identifier, reason),
    )
}

fn required<'a>(v: &'a Option<String>, field: &'static str) -> Result<&'a str, Reason> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(Reason::Missing(field))
}

/// A plain file name inside `dir` (no directories, no `..`).
fn inside(dir: &Path, name: &str) -> Result<std::path::PathBuf, String> {
    let p = Path::new(name);
    let plain =
        p.components().count() == 1 && matches!(p.components().next(), Some(Component::Normal(_)));
    if !plain {
        return Err(format!("{name}: a file name in the folder expected"));
    }
    Ok(dir.join(p))
}

/// The format of a licence file by extension and first bytes: PDF (`%PDF-`) or OFD (a zip).
fn format_of(path: &Path) -> Result<&'static str, Reason> {
    use std::io::Read;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let meta =
        std::fs::metadata(path).map_err(|e| Reason::File(format!("{}: {e}", path.display())))?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return Err(Reason::File(format!(
            "{}: not a file of at most 64 MiB",
            path.display()
        )));
    }
    let mut head = [0u8; 5];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Reason::File(format!("{}: {e}", path.display())))?;
    match (ext.as_deref(), &head[..n]) {
        (Some("pdf"), h) if h.starts_with(b"%PDF-") => Ok("pdf"),
        (Some("ofd"), h) if h.starts_with(b"PK\x03\x04") => Ok("ofd"),
        _ => Err(Reason::Format),
    }
}

/// The issuer's signatures of a PDF licence, checked against `trust` (L3).
fn verify_issuer(
    file: &Path,
    trust: &yichuang_pki::trust::TrustStore,
    now: i64,
) -> Result<(), Reason> {
    let bytes =
        std::fs::read(file).map_err(|e| Reason::File(format!("{}: {e}", file.display())))?;
    let verdicts = yichuang_seal::verify(&bytes, trust, now.div_euclid(1000))
        .map_err(|e| Reason::Unverified(e.message().to_owned()))?;
    // Bytes appended after the last signature are a verdict's problem too
    // (`modified_after_signing`).
    match verdicts.iter().find(|v| !v.is_valid()) {
        Some(bad) => Err(Reason::Unverified(bad.message())),
        None => Ok(()),
    }
}

fn check_row(
    dir: &Path,
    r: &Row,
    trust: Option<&yichuang_pki::trust::TrustStore>,
    now: i64,
) -> Result<Checked, Reason> {
    let id =
        LicenceId::parse(required(&r.identifier, "identifier")?).map_err(Reason::Identifier)?;
    let kind =
        HolderKind::parse(required(&r.holder_kind, "holder_kind")?).ok_or(Reason::HolderKind)?;
    let holder = Holder::new(kind, required(&r.holder, "holder")?).map_err(|_| Reason::Holder)?;
    let issued_on = required(&r.issued_on, "issued_on")?.to_owned();
    if !is_date(&issued_on) {
        return Err(Reason::Date("issued_on"));
    }
    let valid_until = match r
        .valid_until
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(d) if !is_date(d) => return Err(Reason::Date("valid_until")),
        Some(d) if d < issued_on.as_str() => return Err(Reason::DateOrder),
        Some(d) => Some(d.to_owned()),
    };
    let file = inside(dir, required(&r.file, "file")?).map_err(Reason::File)?;
    let format = format_of(&file)?;
    let signature_check = match trust {
        Some(trust) if format == "pdf" => {
            verify_issuer(&file, trust, now)?;
            "verified"
        }
        _ => "unchecked",
    };
    let signature = match r
        .signature_file
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(name) => {
            let path = inside(dir, name).map_err(Reason::Signature)?;
            let bytes =
                std::fs::read(&path).map_err(|e| Reason::Signature(format!("{name}: {e}")))?;
            if bytes.is_empty() || bytes.len() > 1024 * 1024 {
                return Err(Reason::Signature(format!(
                    "{name}: 1 byte to 1 MiB expected"
                )));
            }
            Some(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
    };
    Ok(Checked {
        id,
        type_name: required(&r.type_name, "type_name")?.to_owned(),
        holder,
        holder_name: required(&r.holder_name, "holder_name")?.to_owned(),
        issuer_name: required(&r.issuer_name, "issuer_name")?.to_owned(),
        issued_on,
        valid_until,
        file,
        format,
        signature,
        signature_check,
    })
}

/// Reads and checks every row of `dir`'s metadata (issuer signatures against `trust` when
/// given); the first bad row refuses all.
pub async fn check(
    pool: &AnyPool,
    dir: &Path,
    trust: Option<&yichuang_pki::trust::TrustStore>,
    now: i64,
) -> Result<Vec<Checked>> {
    let path = dir.join(METADATA_FILE);
    let text = std::fs::read(&path)
        .map_err(|e| problem(LicenceProblem::Invalid, format!("{}: {e}", path.display())))?;
    let rows: Vec<Row> = serde_json::from_slice(&text)
        .map_err(|e| problem(LicenceProblem::Invalid, format!("{METADATA_FILE}: {e}")))?;
    let mut out: Vec<Checked> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let n = i + 1;
        let c = check_row(dir, r, trust, now)
            .map_err(|reason| refused(n, r.identifier.as_deref(), &reason))?;
        let text = c.id.to_string();
        if out.iter().any(|o| o.id == c.id) {
            return Err(refused(n, Some(&text), &Reason::Duplicate));
        }
        let exists = sqlx::query("SELECT 1 FROM licences WHERE identifier = $1")
            .bind(&text)
            .fetch_optional(pool)
            .await?
            .is_some();
        if exists {
            return Err(refused(n, Some(&text), &Reason::Exists));
        }
        out.push(c);
    }
    Ok(out)
}

/// Stores the files, then every row in one transaction; returns the identifiers imported.
pub async fn import(
    pool: &AnyPool,
    blobs: &BlobBackend,
    key: &IndexKey,
    dir: &Path,
    trust: Option<&yichuang_pki::trust::TrustStore>,
    now: i64,
) -> Result<Vec<String>> {
    let rows = check(pool, dir, trust, now).await?;
    let mut stored = Vec::with_capacity(rows.len());
    for r in &rows {
        let (sha, _) = blobs.store_file(&r.file).await?;
        let size = std::fs::metadata(&r.file).map(|m| m.len()).unwrap_or(0);
        stored.push((sha, size));
    }
    let mut tx = pool.begin().await?;
    for (r, (sha, size)) in rows.iter().zip(&stored) {
        sqlx::query(
            "INSERT INTO licences (identifier, type_code, type_name, holder_kind, holder_index, \
             holder_sealed, holder_name_sealed, issuer_code, issuer_name, issued_on, valid_until, \
             file_sha256, file_size, file_format, signature, signature_check, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(r.id.to_string())
        .bind(&r.id.type_code)
        .bind(&r.type_name)
        .bind(r.holder.kind.as_str())
        .bind(holder_index(key, &r.holder))
        .bind(key.seal(&r.holder.number))
        .bind(key.seal(&r.holder_name))
        .bind(r.id.issuer.as_str())
        .bind(&r.issuer_name)
        .bind(&r.issued_on)
        .bind(&r.valid_until)
        .bind(sha)
        .bind(*size as i64)
        .bind(r.format)
        .bind(&r.signature)
        .bind(r.signature_check)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(rows.iter().map(|r| r.id.to_string()).collect())
}
