//! `release` and `diagnostics` admin commands: publish, list and withdraw signed releases;
//! list and save the diagnostics bundles workstations sent.

use std::path::PathBuf;

use clap::Subcommand;

use super::{diagnostics, releases};
use crate::config::ServerConfig;
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};
use crate::sync::BlobBackend;

/// 工作站安装包发布（签名更新）
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum ReleaseCommand {
    /// 发布安装包：文件及其 minisign 签名（签名的可信注释须为 "yichuang-release target=<平台> version=<版本>"）
    Publish {
        /// 目标平台（如 windows-x86_64、linux-x86_64-deb）
        #[arg(long, value_name = "TARGET")]
        target: String,
        /// 版本号（语义化版本，如 1.2.0）
        #[arg(long, value_name = "VERSION")]
        version: String,
        /// 安装包文件
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// 签名文件（minisign -S 生成的 .minisig）
        #[arg(long, value_name = "FILE")]
        signature: PathBuf,
        /// 更新说明
        #[arg(long, value_name = "TEXT", default_value = "")]
        notes: String,
    },
    /// 列出已发布的安装包
    List {
        /// 只列出该目标平台
        #[arg(long, value_name = "TARGET")]
        target: Option<String>,
    },
    /// 撤回一个版本：工作站不再获得该版本
    Withdraw {
        #[arg(long, value_name = "TARGET")]
        target: String,
        #[arg(long, value_name = "VERSION")]
        version: String,
    },
}

/// 工作站诊断包
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum DiagnosticsCommand {
    /// 列出收到的诊断包（最新的在前）
    List {
        /// 只列出该工作站（如 441500-5）
        #[arg(long, value_name = "ID")]
        workstation: Option<String>,
        /// 最多列出条数
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: i64,
    },
    /// 保存一个诊断包（zip）到文件
    Get {
        /// 诊断包编号（见 diagnostics list）
        #[arg(value_name = "ID")]
        id: String,
        /// 保存到的文件
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn unreadable(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
    Error::AdminInput {
        problem: AdminProblem::Unreadable {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
    }
}

pub async fn release(
    db: &Database,
    config: &ServerConfig,
    cmd: &ReleaseCommand,
    now: i64,
) -> Result<Vec<String>> {
    match cmd {
        ReleaseCommand::Publish {
            target,
            version,
            file,
            signature,
            notes,
        } => {
            let sig = std::fs::read_to_string(signature).map_err(|e| unreadable(signature, e))?;
            std::fs::metadata(file).map_err(|e| unreadable(file, e))?;
            let blobs = BlobBackend::from_config(config)?;
            let new = releases::NewRelease {
                target,
                version,
                file,
                signature: &sig,
                notes,
            };
            let r = releases::publish(&blobs, &db.pool, &new, now).await?;
            Ok(vec![format!(
                "published {} {} size={} sha256={}",
                r.target, r.version, r.size, r.sha256
            )])
        }
        ReleaseCommand::List { target } => Ok(releases::list(&db.pool, target.as_deref())
            .await?
            .into_iter()
            .map(|r| {
                format!(
                    "{}\t{}\t{}\tsize={}\tsha256={}\t{}",
                    r.target,
                    r.version,
                    crate::admin::utc(r.published_at),
                    r.size,
                    r.sha256,
                    match r.withdrawn_at {
                        Some(at) => format!("withdrawn={}", crate::admin::utc(at)),
                        None => "offered".into(),
                    }
                )
            })
            .collect()),
        ReleaseCommand::Withdraw { target, version } => {
            releases::withdraw(&db.pool, target, version, now).await?;
            Ok(vec![format!("withdrew {target} {version}")])
        }
    }
}

pub async fn diagnostics(
    db: &Database,
    config: &ServerConfig,
    cmd: &DiagnosticsCommand,
) -> Result<Vec<String>> {
    match cmd {
        DiagnosticsCommand::List { workstation, limit } => {
            Ok(
                diagnostics::list(&db.pool, workstation.as_deref(), (*limit).clamp(1, 1000))
                    .await?
                    .into_iter()
                    .map(|b| {
                        format!(
                            "{}\t{}\t{}\tsize={}\tsha256={}",
                            b.id,
                            b.workstation,
                            crate::admin::utc(b.received_at),
                            b.size,
                            b.sha256
                        )
                    })
                    .collect(),
            )
        }
        DiagnosticsCommand::Get { id, out } => {
            let b = diagnostics::get(&db.pool, id).await?;
            let blobs = BlobBackend::from_config(config)?;
            let body = blobs.read(&b.sha256).await?;
            let bytes = axum::body::to_bytes(body.body, usize::MAX)
                .await
                .map_err(|e| Error::BlobStore {
                    detail: format!("read: {e}"),
                })?;
            std::fs::write(out, &bytes).map_err(|e| unreadable(out, e))?;
            Ok(vec![format!(
                "saved {} of {} ({} bytes) to {}",
                b.id,
                b.workstation,
                bytes.len(),
                out.display()
            )])
        }
    }
}
