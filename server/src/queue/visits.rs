//! Visits and ratings (issue 17, B5 / G2): the workstations push them through the sync as
//! records of kind `visit` and `rating`; they are validated and extracted into the `visits`
//! and `ratings` tables in the push's transaction (hall and window from the pushing
//! workstation's enrollment). Routes: a visit by ticket, today's figures per window, rating
//! figures per clerk, item and window.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use utoipa::{IntoParams, ToSchema};

use super::{hall_day, store, Ticket, HALL_UTC_OFFSET_MS};
use crate::error::{Error, QueueProblem, Result};
use crate::sync::{PushRecord, RecordProblem};
use store::queue_err;

/// GB/T 39734-2020 rating levels (一次一评, five levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    /// 非常满意
    VerySatisfied,
    /// 满意 (also what a timed-out rating counts as)
    Satisfied,
    /// 基本满意
    Neutral,
    /// 不满意: reasons required
    Dissatisfied,
    /// 非常不满意: reasons required
    VeryDissatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 5] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Neutral,
        RatingLevel::Dissatisfied,
        RatingLevel::VeryDissatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Neutral => "neutral",
            RatingLevel::Dissatisfied => "dissatisfied",
            RatingLevel::VeryDissatisfied => "very_dissatisfied",
        }
    }

    /// The Chinese label, from the message table.
    pub fn label(self) -> &'static str {
        crate::messages::rating_level_label(self)
    }

    pub fn needs_reasons(self) -> bool {
        matches!(
            self,
            RatingLevel::Dissatisfied | RatingLevel::VeryDissatisfied
        )
    }
}

/// Reason categories of a 差评 (不满意 / 非常不满意), the same as the workstation's
/// (`core::domain::visit::RatingReason`): the window indicators of the 好差评 content standard
/// (服务效率, 服务水平, 服务态度) with the guide and environment complaints halls add, and other.
/// Labels in the message table: efficiency 办事效率低、等候时间长, competence 业务不熟练、解答不清楚,
/// attitude 服务态度不好, guidance 办事指南或材料要求不清楚, environment 服务环境和设施不便,
/// other 其他.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RatingReason {
    Efficiency,
    Competence,
    Attitude,
    Guidance,
    Environment,
    Other,
}

impl RatingReason {
    pub const ALL: [RatingReason; 6] = [
        RatingReason::Efficiency,
        RatingReason::Competence,
        RatingReason::Attitude,
        RatingReason::Guidance,
        RatingReason::Environment,
        RatingReason::Other,
    ];

    pub fn label(self) -> &'static str {
        crate::messages::rating_reason_label(self)
    }
}

/// Visit mode: the hall's queue, a field office's local queue, or a walk-in without a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    Hall,
    Local,
    WalkIn,
}

impl VisitMode {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitMode::Hall => "hall",
            VisitMode::Local => "local",
            VisitMode::WalkIn => "walk_in",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "local" => VisitMode::Local,
            "walk_in" => VisitMode::WalkIn,
            _ => VisitMode::Hall,
        }
    }
}

/// Payload of a `visit` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VisitPayload {
    pub ticket_id: Option<String>,
    pub ticket_no: Option<String>,
    pub mode: VisitMode,
    pub called_at: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub clerk_id: String,
    pub cases: Vec<String>,
}

/// Payload of a `rating` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingPayload {
    /// Record id of the visit.
    pub visit_id: String,
    pub ticket_id: Option<String>,
    pub cases: Vec<String>,
    pub clerk_id: String,
    pub item_codes: Vec<String>,
    pub level: RatingLevel,
    /// Required (non-empty) for `dissatisfied` and `very_dissatisfied`.
    pub reasons: Vec<RatingReason>,
    /// No answer within the countdown: counts as `satisfied`.
    pub timed_out: bool,
    pub rated_at: i64,
}

fn short_list(v: &[String]) -> bool {
    v.len() <= 50 && v.iter().all(|s| !s.trim().is_empty() && s.len() <= 64)
}

fn id_ok(s: &str) -> bool {
    !s.trim().is_empty() && s.len() <= 64
}

/// Parses and checks a `visit` payload.
pub fn check_visit(payload: &str) -> std::result::Result<VisitPayload, RecordProblem> {
    let v: VisitPayload = serde_json::from_str(payload).map_err(|_| RecordProblem::InvalidVisit)?;
    let ok = v.started_at > 0
        && v.finished_at.is_none_or(|f| f >= v.started_at)
        && id_ok(&v.clerk_id)
        && v.ticket_id.as_deref().is_none_or(id_ok)
        && v.ticket_no.as_deref().is_none_or(id_ok)
        && short_list(&v.cases);
    if ok {
        Ok(v)
    } else {
        Err(RecordProblem::InvalidVisit)
    }
}

/// Parses and checks a `rating` payload.
pub fn check_rating(payload: &str) -> std::result::Result<RatingPayload, RecordProblem> {
    let r: RatingPayload =
        serde_json::from_str(payload).map_err(|_| RecordProblem::InvalidRating)?;
    let ok = uuid::Uuid::parse_str(&r.visit_id).is_ok()
        && r.rated_at > 0
        && id_ok(&r.clerk_id)
        && short_list(&r.cases)
        && short_list(&r.item_codes)
        && (!r.level.needs_reasons() || !r.reasons.is_empty())
        && (!r.timed_out || r.level == RatingLevel::Satisfied)
        && r.reasons.len() <= RatingReason::ALL.len();
    if ok {
        Ok(r)
    } else {
        Err(RecordProblem::InvalidRating)
    }
}

/// Checks a pushed record of kind `visit` or `rating` (others pass).
pub fn check(r: &PushRecord, text: &str) -> std::result::Result<(), RecordProblem> {
    match r.kind.as_str() {
        "visit" => check_visit(text).map(|_| ()),
        "rating" => check_rating(text).map(|_| ()),
        _ => Ok(()),
    }
}

fn json_text<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Extracts a stored `visit` / `rating` record into its table (inside the push transaction).
pub async fn extract(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    r: &PushRecord,
    text: &str,
) -> Result<()> {
    if r.kind != "visit" && r.kind != "rating" {
        return Ok(());
    }
    let row = sqlx::query("SELECT hall_code, window_no FROM workstations WHERE id = $1")
        .bind(workstation)
        .fetch_optional(&mut **tx)
        .await?;
    let (hall, window): (String, i64) = match row {
        Some(row) => (row.try_get(0)?, row.try_get(1)?),
        None => return Ok(()),
    };
    if r.kind == "visit" {
        let Ok(v) = check_visit(text) else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO visits (id, workstation, hall_code, window_no, ticket_id, ticket_no, mode, \
               called_at, started_at, finished_at, clerk_id, cases) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET ticket_id = excluded.ticket_id, ticket_no = excluded.ticket_no, \
               mode = excluded.mode, called_at = excluded.called_at, started_at = excluded.started_at, \
               finished_at = excluded.finished_at, clerk_id = excluded.clerk_id, cases = excluded.cases",
        )
        .bind(&r.id)
        .bind(workstation)
        .bind(&hall)
        .bind(window)
        .bind(&v.ticket_id)
        .bind(&v.ticket_no)
        .bind(v.mode.as_str())
        .bind(v.called_at)
        .bind(v.started_at)
        .bind(v.finished_at)
        .bind(&v.clerk_id)
        .bind(json_text(&v.cases))
        .execute(&mut **tx)
        .await?;
    } else {
        let Ok(g) = check_rating(text) else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO ratings (id, visit_id, workstation, hall_code, window_no, ticket_id, clerk_id, \
               cases, item_codes, level, reasons, timed_out, rated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             ON CONFLICT (id) DO UPDATE SET visit_id = excluded.visit_id, ticket_id = excluded.ticket_id, \
               clerk_id = excluded.clerk_id, cases = excluded.cases, item_codes = excluded.item_codes, \
               level = excluded.level, reasons = excluded.reasons, timed_out = excluded.timed_out, \
               rated_at = excluded.rated_at",
        )
        .bind(&r.id)
        .bind(&g.visit_id)
        .bind(workstation)
        .bind(&hall)
        .bind(window)
        .bind(&g.ticket_id)
        .bind(&g.clerk_id)
        .bind(json_text(&g.cases))
        .bind(json_text(&g.item_codes))
        .bind(g.level.as_str())
        .bind(json_text(&g.reasons))
        .bind(i64::from(g.timed_out))
        .bind(g.rated_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A visit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VisitRow {
    /// Record id of the visit.
    pub id: String,
    pub workstation: String,
    pub window: u32,
    pub mode: VisitMode,
    pub called_at: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub clerk_id: String,
    pub cases: Vec<String>,
}

/// A rating as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingRow {
    pub id: String,
    pub visit_id: String,
    pub clerk_id: String,
    pub window: u32,
    pub cases: Vec<String>,
    pub item_codes: Vec<String>,
    pub level: RatingLevel,
    pub reasons: Vec<RatingReason>,
    pub timed_out: bool,
    pub rated_at: i64,
}

/// One visit: the ticket with its timings, desk and clerk, the cases, the rating. A field
/// office's ticket (`mode = "local"`, issued and called on the workstation) is not in the
/// hall's queue: `ticket` is null and the visit is found by its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VisitRecord {
    pub ticket: Option<Ticket>,
    pub visit: Option<VisitRow>,
    pub ratings: Vec<RatingRow>,
}

fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn rating_from_row(r: &sqlx::any::AnyRow) -> Result<RatingRow> {
    Ok(RatingRow {
        id: r.try_get("id")?,
        visit_id: r.try_get("visit_id")?,
        clerk_id: r.try_get("clerk_id")?,
        window: u32::try_from(r.try_get::<i64, _>("window_no")?).unwrap_or(0),
        cases: list(&r.try_get::<String, _>("cases")?),
        item_codes: list(&r.try_get::<String, _>("item_codes")?),
        level: serde_json::from_value(serde_json::Value::String(r.try_get("level")?))
            .unwrap_or(RatingLevel::Satisfied),
        reasons: serde_json::from_str(&r.try_get::<String, _>("reasons")?).unwrap_or_default(),
        timed_out: r.try_get::<i64, _>("timed_out")? != 0,
        rated_at: r.try_get("rated_at")?,
    })
}

const RATING_COLUMNS: &str = "id, visit_id, clerk_id, window_no, cases, item_codes, level, \
    reasons, timed_out, rated_at";

/// The visit of a ticket (by id, or today's number) in `hall`.
pub async fn by_ticket(
    pool: &sqlx::AnyPool,
    hall: &str,
    now: i64,
    key: &str,
) -> Result<VisitRecord> {
    let ticket = match store::find_ticket(pool, hall, hall_day(now), key).await {
        Ok(t) => Some(t),
        Err(Error::Queue {
            problem: QueueProblem::TicketUnknown,
            ..
        }) => None,
        Err(e) => return Err(e),
    };
    let row = match &ticket {
        Some(t) => {
            sqlx::query(
                "SELECT id, workstation, window_no, mode, called_at, started_at, finished_at, clerk_id, cases \
                 FROM visits WHERE ticket_id = $1 AND hall_code = $2 ORDER BY started_at DESC LIMIT 1",
            )
            .bind(&t.id)
            .bind(hall)
            .fetch_optional(pool)
            .await?
        }
        // A field office's ticket: today's local visit with that number.
        None => {
            sqlx::query(
                "SELECT id, workstation, window_no, mode, called_at, started_at, finished_at, clerk_id, cases \
                 FROM visits WHERE ticket_no = $1 AND hall_code = $2 AND mode = 'local' AND started_at >= $3 \
                 ORDER BY started_at DESC LIMIT 1",
            )
            .bind(key.trim().to_ascii_uppercase())
            .bind(hall)
            .bind(day_start(now))
            .fetch_optional(pool)
            .await?
        }
    };
    if ticket.is_none() && row.is_none() {
        return Err(queue_err(
            QueueProblem::TicketUnknown,
            format!("no ticket or local visit {key} today"),
        ));
    }
    let visit = match row {
        Some(r) => Some(VisitRow {
            id: r.try_get(0)?,
            workstation: r.try_get(1)?,
            window: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or(0),
            mode: VisitMode::parse(&r.try_get::<String, _>(3)?),
            called_at: r.try_get(4)?,
            started_at: r.try_get(5)?,
            finished_at: r.try_get(6)?,
            clerk_id: r.try_get(7)?,
            cases: list(&r.try_get::<String, _>(8)?),
        }),
        None => None,
    };
    let ratings = match &visit {
        Some(v) => sqlx::query(&format!(
            "SELECT {RATING_COLUMNS} FROM ratings WHERE visit_id = $1 ORDER BY rated_at"
        ))
        .bind(&v.id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(rating_from_row)
        .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    Ok(VisitRecord {
        ticket,
        visit,
        ratings,
    })
}

/// Counts per rating level (every level present, zero or not).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LevelCounts {
    pub total: u32,
    pub very_satisfied: u32,
    pub satisfied: u32,
    pub neutral: u32,
    pub dissatisfied: u32,
    pub very_dissatisfied: u32,
    /// Of which timed out (counted as satisfied).
    pub timed_out: u32,
}

impl LevelCounts {
    fn add(&mut self, r: &RatingRow) {
        self.total += 1;
        *match r.level {
            RatingLevel::VerySatisfied => &mut self.very_satisfied,
            RatingLevel::Satisfied => &mut self.satisfied,
            RatingLevel::Neutral => &mut self.neutral,
            RatingLevel::Dissatisfied => &mut self.dissatisfied,
            RatingLevel::VeryDissatisfied => &mut self.very_dissatisfied,
        } += 1;
        self.timed_out += u32::from(r.timed_out);
    }
}

/// Today's figures of one window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WindowFigures {
    pub window: u32,
    /// Tickets first called at this window today.
    pub calls: u32,
    /// Visits finished today (pushed by the window's workstation).
    pub finished_visits: u32,
    pub ratings: LevelCounts,
}

/// `GET /api/v1/queue/figures/today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TodayFigures {
    pub hall_code: String,
    /// The requesting desk's window.
    pub window: u32,
    /// Every window of the hall with activity today.
    pub windows: Vec<WindowFigures>,
}

/// Start (Unix ms) of the hall day of `now`.
pub fn day_start(now: i64) -> i64 {
    hall_day(now) * 86_400_000 - HALL_UTC_OFFSET_MS
}

async fn ratings_between(
    pool: &sqlx::AnyPool,
    hall: &str,
    from: i64,
    to: i64,
) -> Result<Vec<RatingRow>> {
    sqlx::query(&format!(
        "SELECT {RATING_COLUMNS} FROM ratings WHERE hall_code = $1 AND rated_at >= $2 AND rated_at < $3 \
         ORDER BY rated_at LIMIT 200000"
    ))
    .bind(hall)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await?
    .iter()
    .map(rating_from_row)
    .collect()
}

/// Today's calls, finished visits and ratings per window of `hall`.
pub async fn today(
    pool: &sqlx::AnyPool,
    hall: &str,
    window: u32,
    now: i64,
) -> Result<TodayFigures> {
    let mut by: BTreeMap<u32, WindowFigures> = BTreeMap::new();
    fn slot(by: &mut BTreeMap<u32, WindowFigures>, w: i64) -> &mut WindowFigures {
        let w = u32::try_from(w).unwrap_or(0);
        by.entry(w).or_insert_with(|| WindowFigures {
            window: w,
            ..Default::default()
        })
    }
    let count = |r: &sqlx::any::AnyRow| -> Result<(i64, u32)> {
        Ok((
            r.try_get(0)?,
            u32::try_from(r.try_get::<i64, _>(1)?).unwrap_or(0),
        ))
    };
    let start = day_start(now);
    for r in sqlx::query(
        "SELECT window_no, COUNT(*) FROM queue_tickets WHERE hall_code = $1 AND day = $2 \
         AND window_no IS NOT NULL AND first_called_at IS NOT NULL GROUP BY window_no",
    )
    .bind(hall)
    .bind(hall_day(now))
    .fetch_all(pool)
    .await?
    {
        let (w, n) = count(&r)?;
        slot(&mut by, w).calls = n;
    }
    for r in sqlx::query(
        "SELECT window_no, COUNT(*) FROM visits WHERE hall_code = $1 AND finished_at >= $2 \
         GROUP BY window_no",
    )
    .bind(hall)
    .bind(start)
    .fetch_all(pool)
    .await?
    {
        let (w, n) = count(&r)?;
        slot(&mut by, w).finished_visits = n;
    }
    for r in ratings_between(pool, hall, start, i64::MAX).await? {
        slot(&mut by, i64::from(r.window)).ratings.add(&r);
    }
    Ok(TodayFigures {
        hall_code: hall.to_owned(),
        window,
        windows: by.into_values().collect(),
    })
}

/// Query of `GET /api/v1/queue/ratings`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub struct RatingsQuery {
    /// From (Unix ms, inclusive); default: the start of today.
    pub from: Option<i64>,
    /// To (Unix ms, exclusive); default: now.
    pub to: Option<i64>,
}

/// Rating counts of one clerk, item or window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyedCounts {
    pub key: String,
    pub counts: LevelCounts,
}

/// `GET /api/v1/queue/ratings`: the hall's ratings in a period, per clerk, item and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RatingFigures {
    pub hall_code: String,
    pub from: i64,
    pub to: i64,
    pub total: LevelCounts,
    pub by_clerk: Vec<KeyedCounts>,
    pub by_item: Vec<KeyedCounts>,
    pub by_window: Vec<KeyedCounts>,
}

fn keyed(map: BTreeMap<String, LevelCounts>) -> Vec<KeyedCounts> {
    map.into_iter()
        .map(|(key, counts)| KeyedCounts { key, counts })
        .collect()
}

/// Rating figures of `hall` between `from` and `to`.
pub async fn figures(
    pool: &sqlx::AnyPool,
    hall: &str,
    from: i64,
    to: i64,
) -> Result<RatingFigures> {
    let mut total = LevelCounts::default();
    let (mut clerk, mut item, mut window) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for r in ratings_between(pool, hall, from, to).await? {
        total.add(&r);
        clerk
            .entry(r.clerk_id.clone())
            .or_insert_with(LevelCounts::default)
            .add(&r);
        window
            .entry(r.window.to_string())
            .or_insert_with(LevelCounts::default)
            .add(&r);
        for code in &r.item_codes {
            item.entry(code.clone())
                .or_insert_with(LevelCounts::default)
                .add(&r);
        }
    }
    Ok(RatingFigures {
        hall_code: hall.to_owned(),
        from,
        to,
        total,
        by_clerk: keyed(clerk),
        by_item: keyed(item),
        by_window: keyed(window),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i17_ratings_need_a_standard_level_and_reasons_for_the_two_dissatisfied_levels() {
        let visit = uuid::Uuid::now_v7().to_string();
        let base = serde_json::json!({
            "visit_id": visit, "ticket_id": null, "cases": ["C1"], "clerk_id": "c1",
            "item_codes": ["I1"], "level": "satisfied", "reasons": [], "timed_out": false,
            "rated_at": 1
        });
        let with = |k: &str, v: serde_json::Value| {
            let mut b = base.clone();
            b[k] = v;
            b.to_string()
        };
        assert!(check_rating(&base.to_string()).is_ok());
        assert!(check_rating(&with("level", "dissatisfied".into())).is_err());
        let mut bad = base.clone();
        bad["level"] = "dissatisfied".into();
        bad["reasons"] = serde_json::json!(["attitude"]);
        assert!(check_rating(&bad.to_string()).is_ok());
        assert!(check_rating(&with("level", "great".into())).is_err());
        assert!(check_rating(&with("reasons", serde_json::json!(["rude"]))).is_err());
        assert!(check_rating(&with("visit_id", "x".into())).is_err());
        let mut timed = base.clone();
        timed["timed_out"] = true.into();
        timed["level"] = "very_satisfied".into();
        assert!(
            check_rating(&timed.to_string()).is_err(),
            "a timeout counts as satisfied"
        );
        for l in RatingLevel::ALL {
            assert!(!l.label().is_empty());
        }
        for r in RatingReason::ALL {
            assert!(!r.label().is_empty());
        }
    }

    #[test]
    fn i17_visits_are_checked() {
        let ok = serde_json::json!({
            "ticket_id": "t", "ticket_no": "A001", "mode": "hall", "called_at": 1,
            "started_at": 2, "finished_at": 3, "clerk_id": "c", "cases": ["C1"]
        });
        assert!(check_visit(&ok.to_string()).is_ok());
        let mut bad = ok.clone();
        bad["finished_at"] = 1.into();
        assert!(check_visit(&bad.to_string()).is_err());
        let mut bad = ok.clone();
        bad["mode"] = "remote".into();
        assert!(check_visit(&bad.to_string()).is_err());
        assert!(check_visit("{}").is_err());
    }
}
