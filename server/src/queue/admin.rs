//! Admin commands of the queue: item groups, windows and the groups they serve, hall devices.

use sqlx::Row;

use super::devices::{self, DeviceKind};
use crate::db::Database;
use crate::error::{AdminProblem, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum QueueCommand {
    /// 事项分组（每组一个号码前缀、一个等候队列）
    #[command(subcommand)]
    Group(GroupCommand),
    /// 窗口及其办理的事项分组
    #[command(subcommand)]
    Window(WindowCommand),
    /// 查看一次服务记录（号码、办件、评价），输出 JSON
    Visit {
        /// 大厅编码
        #[arg(long, value_name = "CODE")]
        hall: String,
        /// 号码（如 A023，当天）或号码编号
        ticket: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum GroupCommand {
    /// 添加或修改事项分组
    Add {
        /// 大厅编码
        #[arg(long, value_name = "CODE")]
        hall: String,
        /// 分组编码（1–16 位字母或数字）
        #[arg(long, value_name = "GROUP")]
        code: String,
        /// 号码前缀（1–2 位大写字母，如 A）
        #[arg(long, value_name = "PREFIX")]
        prefix: String,
        /// 分组名称（显示在取号机上）
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// 列出事项分组
    List {
        #[arg(long, value_name = "CODE")]
        hall: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum WindowCommand {
    /// 设置窗口办理的事项分组（以逗号分隔，替换原有设置）
    Set {
        #[arg(long, value_name = "CODE")]
        hall: String,
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=9999))]
        window: u32,
        #[arg(long, value_name = "G1,G2", value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// 列出窗口
    List {
        #[arg(long, value_name = "CODE")]
        hall: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum DeviceCommand {
    /// 为大厅设备（综合屏 screen、取号机 kiosk）生成一次性配对码
    Enroll {
        #[arg(long, value_name = "CODE")]
        hall: String,
        #[arg(long, value_enum)]
        kind: DeviceKind,
        /// 配对码有效小时数（1–720）
        #[arg(long, value_name = "HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=720))]
        valid_hours: u32,
    },
    /// 列出大厅设备
    List,
    /// 停用大厅设备（其 Cookie 立即失效）
    Disable {
        #[arg(value_name = "ID")]
        id: String,
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

/// Adds (or updates) an item group.
pub async fn add_group(
    db: &Database,
    hall: &str,
    code: &str,
    prefix: &str,
    name: &str,
) -> Result<()> {
    let hall = crate::workstation::check_hall_code(hall)?;
    let code = code.trim();
    if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("group", code));
    }
    let prefix = prefix.trim().to_ascii_uppercase();
    if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("prefix", &prefix));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 32 {
        return Err(bad("name", name));
    }
    sqlx::query(
        "INSERT INTO queue_groups (hall_code, code, prefix, name, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hall_code, code) DO UPDATE SET prefix = excluded.prefix, name = excluded.name",
    )
    .bind(&hall)
    .bind(code)
    .bind(&prefix)
    .bind(name)
    .bind(crate::Clock::now_ms(&crate::config::SystemClock))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Sets the item groups a window serves (replacing the earlier set).
pub async fn set_window(db: &Database, hall: &str, window: u32, groups: &[String]) -> Result<()> {
    let hall = crate::workstation::check_hall_code(hall)?;
    if window == 0 || window > 9999 {
        return Err(bad("window", &window.to_string()));
    }
    let mut tx = db.pool.begin().await?;
    for g in groups {
        let known = sqlx::query("SELECT 1 FROM queue_groups WHERE hall_code = $1 AND code = $2")
            .bind(&hall)
            .bind(g.trim())
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(Error::AdminInput {
                problem: AdminProblem::UnknownGroup {
                    hall: hall.clone(),
                    code: g.clone(),
                },
            });
        }
    }
    sqlx::query(
        "INSERT INTO queue_windows (hall_code, window_no, paused) VALUES ($1, $2, 0) \
         ON CONFLICT (hall_code, window_no) DO NOTHING",
    )
    .bind(&hall)
    .bind(i64::from(window))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM queue_window_groups WHERE hall_code = $1 AND window_no = $2")
        .bind(&hall)
        .bind(i64::from(window))
        .execute(&mut *tx)
        .await?;
    for g in groups {
        sqlx::query(
            "INSERT INTO queue_window_groups (hall_code, window_no, group_code) VALUES ($1, $2, $3) \
             ON CONFLICT (hall_code, window_no, group_code) DO NOTHING",
        )
        .bind(&hall)
        .bind(i64::from(window))
        .bind(g.trim())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Issues a device pairing code: `(device id, code as printed, expires_at)`.
pub async fn issue_device_code(
    db: &Database,
    hall: &str,
    kind: DeviceKind,
    valid_hours: u32,
    now: i64,
) -> Result<(String, String, i64)> {
    let hall = crate::workstation::check_hall_code(hall)?;
    let code = crate::workstation::new_code()?;
    let expires_at = now + i64::from(valid_hours.clamp(1, 720)) * 3_600_000;
    let id = devices::enroll(db, &hall, kind, &code, now, expires_at).await?;
    Ok((id, crate::workstation::grouped(&code), expires_at))
}

pub async fn queue(db: &Database, cmd: &QueueCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        QueueCommand::Visit { hall, ticket } => {
            let record =
                super::visits::by_ticket(&db.pool, &hall.to_ascii_uppercase(), now, ticket).await?;
            Ok(vec![
                serde_json::to_string_pretty(&record).unwrap_or_default()
            ])
        }
        QueueCommand::Group(GroupCommand::Add {
            hall,
            code,
            prefix,
            name,
        }) => {
            add_group(db, hall, code, prefix, name).await?;
            Ok(vec![format!(
                "group {code} prefix={} in {hall}",
                prefix.to_ascii_uppercase()
            )])
        }
        QueueCommand::Group(GroupCommand::List { hall }) => {
            let rows = sqlx::query(
                "SELECT hall_code, code, prefix, name FROM queue_groups \
                 WHERE ($1 = '' OR hall_code = $1) ORDER BY hall_code, code",
            )
            .bind(hall.as_deref().unwrap_or("").to_ascii_uppercase())
            .fetch_all(&db.pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(format!(
                        "{}\t{}\tprefix={}\t{}",
                        r.try_get::<String, _>(0)?,
                        r.try_get::<String, _>(1)?,
                        r.try_get::<String, _>(2)?,
                        r.try_get::<String, _>(3)?
                    ))
                })
                .collect()
        }
        QueueCommand::Window(WindowCommand::Set {
            hall,
            window,
            groups,
        }) => {
            set_window(db, hall, *window, groups).await?;
            Ok(vec![format!(
                "window {window} of {hall} serves {}",
                groups.join(",")
            )])
        }
        QueueCommand::Window(WindowCommand::List { hall }) => {
            let rows = sqlx::query(
                "SELECT w.hall_code, w.window_no, w.paused, \
                   (SELECT COUNT(*) FROM queue_window_groups g WHERE g.hall_code = w.hall_code \
                      AND g.window_no = w.window_no) AS n \
                 FROM queue_windows w WHERE ($1 = '' OR w.hall_code = $1) \
                 ORDER BY w.hall_code, w.window_no",
            )
            .bind(hall.as_deref().unwrap_or("").to_ascii_uppercase())
            .fetch_all(&db.pool)
            .await?;
            let mut out = Vec::new();
            for r in &rows {
                let h: String = r.try_get(0)?;
                let w: i64 = r.try_get(1)?;
                let groups =
                    super::store::window_groups(&db.pool, &h, u32::try_from(w).unwrap_or(0))
                        .await?;
                out.push(format!(
                    "{h}\twindow={w}\tgroups={}\t{}",
                    groups.join(","),
                    if r.try_get::<i64, _>(2)? != 0 {
                        "paused"
                    } else {
                        "open"
                    }
                ));
            }
            Ok(out)
        }
    }
}

pub async fn device(db: &Database, cmd: &DeviceCommand, now: i64) -> Result<Vec<String>> {
    match cmd {
        DeviceCommand::Enroll {
            hall,
            kind,
            valid_hours,
        } => {
            let (id, code, expires) = issue_device_code(db, hall, *kind, *valid_hours, now).await?;
            let mut out = vec![format!("device {id}"), format!("code {code}")];
            out.extend(crate::messages::device_code_issued(
                &id,
                &code,
                &crate::admin::utc(expires),
            ));
            Ok(out)
        }
        DeviceCommand::List => Ok(devices::list(db)
            .await?
            .into_iter()
            .map(|d| {
                format!(
                    "{}\thall={}\tkind={}\t{}\tpaired={}",
                    d.id,
                    d.hall_code,
                    d.kind,
                    if d.enabled { "enabled" } else { "disabled" },
                    d.paired_at
                        .map_or_else(|| "never".to_owned(), crate::admin::utc)
                )
            })
            .collect()),
        DeviceCommand::Disable { id } => {
            if !devices::disable(db, id).await? {
                return Err(Error::AdminInput {
                    problem: AdminProblem::UnknownDevice { id: id.clone() },
                });
            }
            Ok(vec![format!("disabled {id}")])
        }
    }
}
