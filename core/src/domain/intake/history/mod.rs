//! The clerk's own cases (I1–I3): search by number, name, ID number, date, item and state;
//! time-limit lights by the working-day calendar; export to CSV and XLSX (audited); today's
//! figures.

mod export;
mod lookup;

pub use export::{export, mask_id, ExportFormat, ExportResult};
pub use lookup::{check_id_search, filter_kinds, search_audited, trail_audited, view_audited};

use super::*;
use crate::domain::catalog::calendar::WorkCalendar;
use crate::domain::catalog::calendar::{parse_date, unix_days, Light};
use crate::infra::store::Store;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use yichuang_drivers::idcard::Date;

/// What the history page asks for. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HistoryQuery {
    /// A case number (or its beginning), an 18-digit ID number, or the applicant's name (or
    /// its beginning).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub state: Option<CaseState>,
    #[serde(default)]
    pub item_code: Option<String>,
    /// yyyy-mm-dd, inclusive, by the day the case was taken in (China time).
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub offset: u32,
    /// At most 200; 0 means 50.
    #[serde(default)]
    pub limit: u32,
    /// Only 容缺 promises past their date (E9 follow-up, issue 18): cases still 容缺受理 whose
    /// deadline for the promised materials is before today.
    #[serde(default)]
    pub overdue: bool,
}

/// One line of the history list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HistoryRow {
    pub id: String,
    pub case_no: Option<String>,
    pub state: CaseState,
    pub item_code: String,
    pub item_name: String,
    pub applicant_name: String,
    #[specta(type = f64)]
    pub created_at: i64,
    #[specta(type = Option<f64>)]
    pub decided_at: Option<i64>,
    pub due_date: Option<String>,
    pub light: Light,
    pub print_count: u32,
    /// The back office's progress, once the hall server reported one (issue 18).
    pub progress: Option<CaseProgress>,
    /// The back office's note with it (「证照已制好，请到 7 号窗口领取」).
    pub progress_note: Option<String>,
    /// Where the case's paper is (F3): on a material-flow package, or signed for.
    pub flow_state: Option<crate::domain::flow::FlowState>,
    pub flow_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    /// More rows follow this page.
    pub more: bool,
}

/// The hall zone's offset ([`crate::infra::clock::HALL_UTC_OFFSET_MINUTES`]).
const CST_MS: i64 = crate::infra::clock::HALL_UTC_OFFSET_MINUTES as i64 * 60_000;

fn day_start_ms(d: Date) -> i64 {
    unix_days(d) * 86_400_000 - CST_MS
}

/// A query's SQL: the index it reads (`INDEXED BY`, so the planner never walks a whole history
/// to avoid a sort), its filter with parameters, and its order; always the clerk's own cases.
struct Plan {
    from: &'static str,
    filter: String,
    args: Vec<Value>,
    order: &'static str,
}

/// The query's text when it is an 18-digit ID number (upper case), as [`filter`] reads it.
pub(crate) fn typed_id(text: &str) -> Option<String> {
    let upper = text.trim().to_uppercase();
    let is_id = upper.len() == 18
        && upper.as_bytes()[..17].iter().all(u8::is_ascii_digit)
        && matches!(upper.as_bytes()[17], b'0'..=b'9' | b'X');
    is_id.then_some(upper)
}

fn filter(clerk_id: &str, q: &HistoryQuery, today: Date) -> Result<Plan, IntakeError> {
    let mut sql = String::from("clerk_id = ?");
    let mut args: Vec<Value> = vec![Value::Text(clerk_id.to_string())];
    let mut from = "cases";
    let mut order = "created_at DESC";
    let text = q.text.trim();
    if !text.is_empty() {
        if let Some(upper) = typed_id(text) {
            // An ID number (even one with a wrong check digit, as typed on an old case).
            from = "cases INDEXED BY cases_clerk_idno";
            sql.push_str(" AND applicant_id_no = ?");
            args.push(Value::Text(upper));
        } else if text.chars().all(|c| c.is_ascii_digit()) {
            // A case number or its beginning (hall, date, window): newest number first.
            from = "cases INDEXED BY cases_clerk_caseno";
            order = "case_no DESC";
            sql.push_str(" AND case_no >= ? AND case_no < ?");
            args.push(Value::Text(text.to_string()));
            args.push(Value::Text(format!("{text}\u{7f}")));
        } else {
            // A name or its beginning: by name, each name's cases newest first.
            from = "cases INDEXED BY cases_clerk_name";
            order = "applicant_name, created_at DESC";
            sql.push_str(" AND applicant_name >= ? AND applicant_name < ?");
            args.push(Value::Text(text.to_string()));
            args.push(Value::Text(format!("{text}\u{10ffff}")));
        }
    }
    if q.overdue {
        sql.push_str(" AND state = 'deferred' AND due_date < ?");
        args.push(Value::Text(today.to_string()));
    }
    match q.state {
        Some(s) => {
            sql.push_str(" AND state = ?");
            args.push(Value::Text(s.as_str().into()));
        }
        None => sql.push_str(" AND state <> 'draft'"),
    }
    if let Some(code) = q.item_code.as_deref().filter(|c| !c.is_empty()) {
        sql.push_str(" AND item_code = ?");
        args.push(Value::Text(code.into()));
    }
    let date = |s: &str| {
        parse_date(s)
            .ok_or_else(|| IntakeError::Decision(DecisionProblem::BadDate { text: s.into() }))
    };
    if let Some(from) = q.from.as_deref().filter(|s| !s.is_empty()) {
        sql.push_str(" AND created_at >= ?");
        args.push(Value::Integer(day_start_ms(date(from)?)));
    }
    if let Some(to) = q.to.as_deref().filter(|s| !s.is_empty()) {
        sql.push_str(" AND created_at < ?");
        args.push(Value::Integer(day_start_ms(date(to)?) + 86_400_000));
    }
    Ok(Plan {
        from,
        filter: sql,
        args,
        order,
    })
}

fn row_of(r: &rusqlite::Row<'_>, cal: &WorkCalendar, today: Date) -> rusqlite::Result<HistoryRow> {
    let state: String = r.get(2)?;
    let state = CaseState::parse(&state).unwrap_or(CaseState::Draft);
    let due_date: Option<String> = r.get(8)?;
    let progress: Option<String> = r.get(10)?;
    let progress = progress.as_deref().and_then(CaseProgress::parse);
    // The light runs until the back office reports 办结 (or the result is ready or handed over).
    let light = match (state, due_date.as_deref().and_then(parse_date)) {
        _ if progress.is_some_and(CaseProgress::is_closed) => Light::None,
        (CaseState::Accepted | CaseState::Deferred | CaseState::Supplement, Some(due)) => {
            cal.light(due, today)
        }
        _ => Light::None,
    };
    Ok(HistoryRow {
        id: r.get(0)?,
        case_no: r.get(1)?,
        state,
        item_code: r.get(3)?,
        item_name: r.get(4)?,
        applicant_name: r.get(5)?,
        created_at: r.get(6)?,
        decided_at: r.get(7)?,
        due_date,
        light,
        print_count: r.get(9)?,
        progress,
        progress_note: r.get::<_, Option<String>>(11)?.filter(|n| !n.is_empty()),
        flow_state: r
            .get::<_, Option<String>>(12)?
            .as_deref()
            .and_then(crate::domain::flow::FlowState::parse),
        flow_no: r.get(13)?,
    })
}

const COLUMNS: &str = "id, case_no, state, item_code, item_name, applicant_name, created_at,
    decided_at, due_date, print_count, progress, progress_note, flow_state, flow_no";

/// One page of the clerk's cases, newest first.
pub fn search(
    store: &mut Store,
    cal: &WorkCalendar,
    clerk_id: &str,
    q: &HistoryQuery,
    today: Date,
) -> Result<HistoryPage, IntakeError> {
    let limit = match q.limit {
        0 => 50,
        n => n.min(200),
    };
    let Plan {
        from,
        filter: where_,
        mut args,
        order,
    } = filter(clerk_id, q, today)?;
    args.push(Value::Integer(limit as i64 + 1));
    args.push(Value::Integer(q.offset as i64));
    let sql =
        format!("SELECT {COLUMNS} FROM {from} WHERE {where_} ORDER BY {order} LIMIT ? OFFSET ?");
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows: Vec<HistoryRow> = stmt
        .query_map(params_from_iter(args), |r| row_of(r, cal, today))?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok(HistoryPage { rows, more })
}

/// The clerk's figures of today (I3): cases taken in today by outcome, tickets called,
/// ratings given (and how many of them 满意 or better, how many 不满意 or worse).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TodayFigures {
    pub total: u32,
    pub accepted: u32,
    pub deferred: u32,
    pub rejected: u32,
    pub supplement: u32,
    pub withdrawn: u32,
    pub drafts: u32,
    pub prints: u32,
    /// Visits that began with a called ticket (hall or local queue).
    pub calls: u32,
    pub ratings: u32,
    pub satisfied: u32,
    pub dissatisfied: u32,
}

pub fn today_figures(
    store: &mut Store,
    clerk_id: &str,
    today: Date,
) -> Result<TodayFigures, IntakeError> {
    let start = day_start_ms(today);
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*), sum(print_count) FROM cases
         WHERE clerk_id = ?1 AND created_at >= ?2 AND created_at < ?3 GROUP BY state",
    )?;
    let mut f = TodayFigures::default();
    let rows = stmt.query_map(
        rusqlite::params![clerk_id, start, start + 86_400_000],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Option<u32>>(2)?,
            ))
        },
    )?;
    for row in rows {
        let (state, n, prints) = row?;
        f.prints += prints.unwrap_or(0);
        match CaseState::parse(&state) {
            Some(CaseState::Draft) => f.drafts += n,
            Some(CaseState::Accepted) => f.accepted += n,
            Some(CaseState::Deferred) => f.deferred += n,
            Some(CaseState::Rejected) => f.rejected += n,
            Some(CaseState::Supplement) => f.supplement += n,
            Some(CaseState::Withdrawn) => f.withdrawn += n,
            None => {}
        }
        if CaseState::parse(&state) != Some(CaseState::Draft) {
            f.total += n;
        }
    }
    let (from, to) = (start, start + 86_400_000);
    f.calls = conn.query_row(
        "SELECT count(*) FROM visits WHERE clerk_id = ?1 AND ticket_no IS NOT NULL
         AND started_at >= ?2 AND started_at < ?3",
        rusqlite::params![clerk_id, from, to],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT level, count(*) FROM ratings WHERE clerk_id = ?1 AND rated_at >= ?2 AND rated_at < ?3
         GROUP BY level",
    )?;
    let rows = stmt.query_map(rusqlite::params![clerk_id, from, to], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?))
    })?;
    for row in rows {
        let (level, n) = row?;
        f.ratings += n;
        match crate::domain::visit::RatingLevel::from_key(&level) {
            Some(l) if l.is_satisfied() => f.satisfied += n,
            Some(l) if l.needs_reason() => f.dissatisfied += n,
            _ => {}
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::history::{self, ExportFormat, HistoryQuery};
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;
    use crate::infra::store::Store;

    #[test]
    fn history_searches_own_cases_exports_and_counts_today() {
        let v = view();
        let (dir, mut s) = store();
        card_read(&mut s, ID, NOW);
        let a = decided(&mut s, &v, "张三", NOW);
        decided(&mut s, &v, "李四", NOW + 1000);
        decided(&mut s, &v, "张三丰", NOW + 2000);
        let today = china_date(NOW);
        let q = |text: &str| HistoryQuery {
            text: text.into(),
            ..HistoryQuery::default()
        };
        let names = |p: history::HistoryPage| {
            p.rows
                .into_iter()
                .map(|r| r.applicant_name)
                .collect::<Vec<_>>()
        };
        let search = |s: &mut Store, query: &HistoryQuery| {
            history::search(s, &v.calendar, "c001", query, today).unwrap()
        };
        assert_eq!(names(search(&mut s, &q(""))), ["张三丰", "李四", "张三"]);
        assert_eq!(names(search(&mut s, &q("张三"))), ["张三", "张三丰"]);
        assert_eq!(
            names(search(&mut s, &q(a.case_no.as_deref().unwrap()))),
            ["张三"]
        );
        assert_eq!(search(&mut s, &q("4415002026")).rows.len(), 3);
        assert_eq!(search(&mut s, &q(ID)).rows.len(), 3);
        assert!(history::search(&mut s, &v.calendar, "c002", &q(""), today)
            .unwrap()
            .rows
            .is_empty());
        let by_date = HistoryQuery {
            from: Some("2026-11-24".into()),
            ..HistoryQuery::default()
        };
        assert!(search(&mut s, &by_date).rows.is_empty());
        let page = search(
            &mut s,
            &HistoryQuery {
                limit: 2,
                ..HistoryQuery::default()
            },
        );
        assert!(page.more);
        // 即办件 due today: yellow today, orange and red when left undone.
        use crate::domain::catalog::calendar::Light;
        assert_eq!(search(&mut s, &q("李四")).rows[0].light, Light::Yellow);
        let tue = crate::domain::catalog::calendar::parse_date("2026-11-24").unwrap();
        let thu = crate::domain::catalog::calendar::parse_date("2026-11-26").unwrap();
        let light_on = |s: &mut Store, d| {
            history::search(s, &v.calendar, "c001", &q("李四"), d)
                .unwrap()
                .rows[0]
                .light
        };
        assert_eq!(light_on(&mut s, tue), Light::Orange);
        assert_eq!(light_on(&mut s, thu), Light::Red);

        for (fmt, name) in [(ExportFormat::Csv, "x.csv"), (ExportFormat::Xlsx, "x.xlsx")] {
            let path = dir.path().join("exports").join(name);
            let r = history::export(&mut s, &v.calendar, &desk(), &q(""), fmt, &path, today, NOW)
                .unwrap();
            assert_eq!(r.rows, 3);
            let bytes = std::fs::read(&path).unwrap();
            match fmt {
                ExportFormat::Csv => {
                    let text = String::from_utf8(bytes).unwrap();
                    assert!(text.starts_with("\u{feff}受理编号,"));
                    assert!(text.contains("张三丰"));
                    assert!(text.contains("1101**********002X"), "ID masked: {text}");
                    assert!(!text.contains(ID));
                }
                ExportFormat::Xlsx => assert_eq!(&bytes[..2], b"PK"),
            }
        }
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'history.export'"
            ),
            2
        );
        let f = history::today_figures(&mut s, "c001", today).unwrap();
        assert_eq!((f.total, f.accepted, f.prints), (3, 3, 3));
    }
}
