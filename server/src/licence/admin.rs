//! `licence` admin commands: import a folder, revoke, list a holder's licences (IT), the type
//! grants per department, and the feedback kept for the issuing departments.

use std::path::PathBuf;

use clap::Subcommand;

use super::store;
use super::{import, Holder, HolderKind};
use crate::cases::IndexKey;
use crate::config::ServerConfig;
use crate::db::Database;
use crate::error::Result;
use crate::sync::BlobBackend;

/// 电子证照库
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum LicenceCommand {
    /// 从文件夹导入电子证照：文件夹内为证照文件（PDF/OFD）和 licences.json（格式见服务说明）；有一条有误则全部不导入
    Import {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// 签发机构的CA证书（PEM，可多次给出）：给出后每个PDF证照须带有可验证的签发机构签章，否则不导入
        #[arg(long = "issuer-ca", value_name = "PEM")]
        issuer_ca: Vec<PathBuf>,
    },
    /// 吊销电子证照（保留记录，查询时显示已吊销，不可再作为材料使用）
    Revoke {
        /// 电子证照标识
        #[arg(value_name = "IDENTIFIER")]
        identifier: String,
        /// 吊销原因
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// 列出持证主体的全部电子证照（供信息技术人员核查）
    List {
        /// 身份证件号码或统一社会信用代码
        #[arg(long, value_name = "NUMBER")]
        holder: String,
        /// 持证主体为单位（统一社会信用代码）
        #[arg(long)]
        organisation: bool,
    },
    /// 授权某部门查看某类证照（某类证照一旦有授权，仅授权部门可查看）
    Grant {
        #[arg(long = "type", value_name = "TYPE_CODE")]
        type_code: String,
        #[arg(long, value_name = "DEPARTMENT")]
        department: String,
    },
    /// 撤销某部门查看某类证照的授权
    Ungrant {
        #[arg(long = "type", value_name = "TYPE_CODE")]
        type_code: String,
        #[arg(long, value_name = "DEPARTMENT")]
        department: String,
    },
    /// 列出证照类型的部门授权
    Grants,
    /// 证照数据反馈
    #[command(subcommand)]
    Feedback(FeedbackCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum FeedbackCommand {
    /// 列出反馈（最新的在前）
    List {
        /// 只列出该颁发机构（统一社会信用代码）的证照的反馈
        #[arg(long, value_name = "CODE")]
        issuer: Option<String>,
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: i64,
    },
}

fn index_key(config: &ServerConfig) -> Result<IndexKey> {
    let grant = crate::auth::load_or_create_grant_key(&config.grant_key_path())?;
    Ok(IndexKey::derive(&grant.to_bytes()))
}

fn type_code(text: &str) -> Result<String> {
    let t = text.trim().to_ascii_uppercase();
    if yichuang_pki::ident::is_licence_type_code(&t) {
        Ok(t)
    } else {
        Err(super::problem(
            super::LicenceProblem::Invalid,
            format!("type {t:?}: a unified social credit code and 3 digits expected"),
        ))
    }
}

pub async fn licence(
    db: &Database,
    config: &ServerConfig,
    cmd: &LicenceCommand,
    now: i64,
) -> Result<Vec<String>> {
    let pool = &db.pool;
    match cmd {
        LicenceCommand::Import { dir, issuer_ca } => {
            let trust = issuer_trust(issuer_ca)?;
            let blobs = BlobBackend::from_config(config)?;
            let key = index_key(config)?;
            let ids = import::import(pool, &blobs, &key, dir, trust.as_ref(), now).await?;
            let mut out: Vec<String> = ids.iter().map(|i| format!("imported {i}")).collect();
            out.push(format!("{} licence(s) imported", ids.len()));
            Ok(out)
        }
        LicenceCommand::Revoke { identifier, reason } => {
            let id = identifier.trim().to_ascii_uppercase();
            store::revoke(pool, &id, reason.trim(), now).await?;
            Ok(vec![format!("revoked {id}")])
        }
        LicenceCommand::List {
            holder,
            organisation,
        } => {
            let kind = if *organisation {
                HolderKind::Organisation
            } else {
                HolderKind::Person
            };
            let holder = Holder::new(kind, holder)?;
            let today = super::china_date(now);
            Ok(store::of_holder(pool, &index_key(config)?, &holder)
                .await?
                .iter()
                .map(|l| {
                    format!(
                        "{}\t{}\t{}\t{}\t{}..{}\t{}\tsignature={}",
                        l.identifier,
                        l.type_name,
                        l.issuer_name,
                        l.file_format,
                        l.issued_on,
                        l.valid_until
                            .as_deref()
                            .unwrap_or(crate::messages::LICENCE_NO_END),
                        crate::messages::licence_status(l.status(&today)),
                        l.signature_check
                    )
                })
                .collect())
        }
        LicenceCommand::Grant {
            type_code: t,
            department,
        } => {
            let t = type_code(t)?;
            store::grant(pool, &t, department.trim(), now).await?;
            Ok(vec![format!("granted {t} to {}", department.trim())])
        }
        LicenceCommand::Ungrant {
            type_code: t,
            department,
        } => {
            let t = type_code(t)?;
            let n = store::ungrant(pool, &t, department.trim()).await?;
            Ok(vec![format!(
                "removed {n} grant(s) of {t} to {}",
                department.trim()
            )])
        }
        LicenceCommand::Grants => Ok(store::grants(pool)
            .await?
            .into_iter()
            .map(|(t, d)| format!("{t}\t{d}"))
            .collect()),
        LicenceCommand::Feedback(FeedbackCommand::List { issuer, limit }) => {
            Ok(store::feedback_list(
                pool,
                &index_key(config)?,
                issuer.as_deref(),
                (*limit).clamp(1, 1000),
            )
            .await?
            .into_iter()
            .map(|f| {
                format!(
                    "{}\t{}\t{}\t{}\tissuer={}\t{}\tclerk={}\tworkstation={}\titem={}\t{}",
                    f.id,
                    crate::admin::utc(f.created_at),
                    f.type_code,
                    f.identifier.as_deref().unwrap_or("-"),
                    f.issuer_code.as_deref().unwrap_or("-"),
                    f.category,
                    f.clerk,
                    f.workstation,
                    f.item,
                    f.comment
                )
            })
            .collect())
        }
    }
}

/// The issuers' CAs given to `licence import --issuer-ca` (every certificate of each file).
fn issuer_trust(files: &[PathBuf]) -> Result<Option<yichuang_pki::trust::TrustStore>> {
    if files.is_empty() {
        return Ok(None);
    }
    let mut trust = yichuang_pki::trust::TrustStore::new();
    for path in files {
        let bad = |detail: String| {
            super::problem(
                super::LicenceProblem::Invalid,
                format!("--issuer-ca {}: {detail}", path.display()),
            )
        };
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        for ca in yichuang_pki::cert::Cert::parse_all(&bytes).map_err(|e| bad(e.to_string()))? {
            trust.add_ca(ca).map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(Some(trust))
}
