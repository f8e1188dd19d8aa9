//! Admin subcommands of the upstream forwarding: what waits, what went, what was given up,
//! and sending again.

use clap::Subcommand;

use super::{store, FailureKind, OutboxState};
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

/// 向上级平台转发已受理案件（发件箱）
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum UpstreamCommand {
    /// 列出转发记录：pending 待发送、sent 已送达、dead 已放弃（含最后一次失败原因）
    List {
        /// 只列出该状态：pending、sent、dead
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// 最多列出条数（1–500）
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: i64,
    },
    /// 查看一条转发记录将发送的内容（JSON，按案件表当前内容生成，身份信息已脱敏），用于核对上级平台拒收的原因
    Show {
        /// 转发记录编号（见 upstream list）
        #[arg(value_name = "ID")]
        id: String,
    },
    /// 重新发送：指定的转发记录（已放弃的，或待发送的立即发送），或 --dead 全部已放弃的记录
    Retry {
        /// 转发记录编号（见 upstream list）
        #[arg(
            value_name = "ID",
            required_unless_present = "dead",
            conflicts_with = "dead"
        )]
        id: Option<String>,
        /// 重新发送全部已放弃的记录
        #[arg(long)]
        dead: bool,
    },
}

pub async fn upstream(db: &Database, cmd: &UpstreamCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        UpstreamCommand::List { state, limit } => {
            let state = match state.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => Some(OutboxState::parse(s).ok_or_else(|| Error::AdminInput {
                    problem: AdminProblem::BadQueueInput {
                        what: "state",
                        input: s.to_owned(),
                    },
                })?),
            };
            let mut out: Vec<String> = store::list(&db.pool, state, *limit)
                .await?
                .into_iter()
                .map(|e| {
                    let last = match (&e.last_code, &e.last_error) {
                        (Some(code), Some(text)) => {
                            let label = FailureKind::parse(code).map(FailureKind::label);
                            format!("{code}\t{}\t{text}", label.unwrap_or_default())
                        }
                        _ => String::new(),
                    };
                    let when = match e.sent_at {
                        Some(at) => format!("sent={}", crate::admin::utc(at)),
                        None => format!("next={}", crate::admin::utc(e.next_at)),
                    };
                    format!(
                        "{}\t{}\t{}\t{}\tattempts={}\t{when}\t{last}",
                        e.id,
                        e.case_no.unwrap_or(e.case_id),
                        e.event,
                        e.state,
                        e.attempts
                    )
                    .trim_end()
                    .to_owned()
                })
                .collect();
            let counts = store::counts(&db.pool).await?;
            let n = |s: OutboxState| {
                counts
                    .iter()
                    .find(|(k, _)| k == s.as_str())
                    .map_or(0, |(_, n)| *n)
            };
            out.push(crate::messages::upstream_counts(
                n(OutboxState::Pending),
                n(OutboxState::Sent),
                n(OutboxState::Dead),
            ));
            Ok(out)
        }
        UpstreamCommand::Show { id } => {
            let unknown = || Error::AdminInput {
                problem: AdminProblem::UnknownUpstreamEntry { id: id.clone() },
            };
            let row = store::get(&db.pool, id.trim()).await?.ok_or_else(unknown)?;
            let body = match store::body(&db.pool, &row).await? {
                Some(event) => serde_json::to_string_pretty(&event).unwrap_or_default(),
                None => FailureKind::CaseMissing.label().to_owned(),
            };
            Ok(vec![body])
        }
        UpstreamCommand::Retry { id, dead } => {
            let id = id.as_deref().map(str::trim);
            let n = store::retry(&db.pool, if *dead { None } else { id }, now).await?;
            if let (Some(id), 0) = (id, n) {
                return Err(Error::AdminInput {
                    problem: AdminProblem::UnknownUpstreamEntry { id: id.to_owned() },
                });
            }
            Ok(vec![crate::messages::upstream_retried(n)])
        }
    }
}
