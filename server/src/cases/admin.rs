//! Admin subcommands of the case record: approval systems' tokens, and a progress report by
//! IT (when an approval system cannot call the API).

use clap::Subcommand;

use super::{store, systems, Progress};
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

/// 对接系统（审批系统）令牌管理
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum SystemCommand {
    /// 为审批系统生成访问令牌（仅显示一次），用于上报本大厅案件的办理进度
    Add {
        /// 系统名称（如 市审批系统）
        #[arg(long, value_name = "NAME")]
        name: String,
        /// 大厅编码
        #[arg(long, value_name = "CODE")]
        hall: String,
    },
    /// 列出对接系统
    List,
    /// 停用对接系统的令牌（立即失效）
    Disable {
        #[arg(value_name = "ID")]
        id: String,
    },
}

/// 案件办理进度（审批系统无法调用接口时由管理员登记）
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum CaseCommand {
    /// 登记案件办理进度：in_review 审批中、approved 办结（准予许可）、denied 办结（不予许可）、ready 结果已制证待领取
    Progress {
        /// 案件编号
        #[arg(value_name = "CASE_NO")]
        case_no: String,
        #[arg(long, value_name = "STEP")]
        progress: String,
        /// 说明（给窗口工作人员看）
        #[arg(long, default_value = "")]
        note: String,
    },
    /// 查看案件（JSON）：办理进度、材料、进度记录、领取记录（领取人已脱敏）
    Show {
        /// 案件编号
        #[arg(value_name = "CASE_NO")]
        case_no: String,
    },
}

fn bad(what: &'static str, input: &str) -> Error {
    Error::AdminInput {
        problem: AdminProblem::BadQueueInput {
            what,
            input: input.to_owned(),
        },
    }
}

pub async fn system(db: &Database, cmd: &SystemCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        SystemCommand::Add { name, hall } => {
            let hall = crate::workstation::check_hall_code(hall)?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(bad("name", name));
            }
            let (id, token) = systems::add(&db.pool, name, &hall, now).await?;
            let mut out = vec![format!("system {id}"), format!("token {token}")];
            out.push(crate::messages::system_token_issued(&id, &hall));
            Ok(out)
        }
        SystemCommand::List => Ok(systems::list(&db.pool)
            .await?
            .into_iter()
            .map(|s| {
                format!(
                    "{}\thall={}\t{}\t{}\tcreated={}",
                    s.client.id,
                    s.client.hall_code,
                    s.client.name,
                    if s.disabled { "disabled" } else { "enabled" },
                    crate::admin::utc(s.created_at)
                )
            })
            .collect()),
        SystemCommand::Disable { id } => {
            if !systems::disable(&db.pool, id, now).await? {
                return Err(Error::AdminInput {
                    problem: AdminProblem::UnknownSystem { id: id.clone() },
                });
            }
            Ok(vec![format!("disabled {id}")])
        }
    }
}

pub async fn case(db: &Database, cmd: &CaseCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        CaseCommand::Progress {
            case_no,
            progress,
            note,
        } => {
            let to = Progress::parse(progress.trim()).ok_or_else(|| bad("progress", progress))?;
            let (case, changed) = store::report(
                &db.pool,
                None,
                case_no.trim(),
                to,
                note.trim(),
                "admin",
                now,
            )
            .await?;
            Ok(vec![format!(
                "{}\t{}\t{}",
                case.case_no.unwrap_or_default(),
                case.progress.as_str(),
                if changed { "changed" } else { "unchanged" }
            )])
        }
        CaseCommand::Show { case_no } => {
            let hall: Option<String> =
                sqlx::query("SELECT hall_code FROM cases WHERE case_no = $1")
                    .bind(case_no.trim())
                    .fetch_optional(&db.pool)
                    .await?
                    .map(|r| sqlx::Row::try_get(&r, 0))
                    .transpose()?;
            let hall = hall.ok_or_else(|| Error::Case {
                problem: crate::error::CaseProblem::Unknown,
                detail: case_no.clone(),
            })?;
            let detail = store::detail(&db.pool, &hall, &store::Scope::All, case_no.trim()).await?;
            Ok(vec![
                serde_json::to_string_pretty(&detail).unwrap_or_default()
            ])
        }
    }
}
