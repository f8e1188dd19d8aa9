//! The case tables: extraction of pushed cases, clashes, the progress feed, the search.
//!
//! Portable SQL with `$n` placeholders (SQLite and PostgreSQL through sqlx `Any`).

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::payload::CasePayload;
use super::{mask, CaseDetail, CaseEvent, CaseMaterial, CaseSummary, IndexKey, Progress};
use crate::error::{CaseProblem, Error, Result};
use crate::sync::{PushRecord, RecordProblem};

pub(crate) const SUMMARY: &str =
    "id, case_no, hall_code, window_no, department, item_code, item_name, \
    state, progress, clerk_id, applicant_masked, decided_at, due_date";

pub(super) fn case_err(problem: CaseProblem, detail: impl Into<String>) -> Error {
    Error::Case {
        problem,
        detail: detail.into(),
    }
}

/// The applicant as the hall's record shows it: the person masked; an organisation by its
/// name and code, with its legal representative masked.
fn applicant_shown(c: &CasePayload) -> String {
    let a = &c.draft.applicant;
    let person = mask(&a.name, &a.id_number);
    match &c.draft.organisation {
        Some(o) => crate::messages::organisation_applicant(
            o.name.trim(),
            &o.uscc.trim().to_ascii_uppercase(),
            &person,
        ),
        None => person,
    }
}

pub(crate) fn summary(row: &AnyRow) -> Result<CaseSummary> {
    let progress: String = row.try_get(8)?;
    let progress = Progress::parse(&progress).unwrap_or(Progress::Received);
    let window: i64 = row.try_get(3)?;
    Ok(CaseSummary {
        id: row.try_get(0)?,
        case_no: row.try_get(1)?,
        hall_code: row.try_get(2)?,
        window: u32::try_from(window).unwrap_or_default(),
        department: row.try_get(4)?,
        item_code: row.try_get(5)?,
        item_name: row.try_get(6)?,
        state: row.try_get(7)?,
        progress,
        progress_label: progress.label().to_owned(),
        clerk_id: row.try_get(9)?,
        applicant: row.try_get(10)?,
        decided_at: row.try_get(11)?,
        due_date: row.try_get(12)?,
    })
}

/// A case pushed with a number the hall holds for another case: kept whole in
/// `case_clashes` (once per record version) and refused. `None`: no clash.
pub async fn clash(
    tx: &mut Transaction<'static, Any>,
    workstation: &str,
    r: &PushRecord,
    c: &CasePayload,
    text: &str,
    now_ms: i64,
) -> Result<Option<RecordProblem>> {
    let Some(no) = c.case_no.as_deref() else {
        return Ok(None);
    };
    let held: Option<String> = sqlx::query("SELECT id FROM cases WHERE case_no = $1")
        .bind(no)
        .fetch_optional(&mut **tx)
        .await?
        .map(|row| row.try_get(0))
        .transpose()?;
    match held {
        Some(other) if other != r.id => {
            sqlx::query(
                "INSERT INTO case_clashes (record_id, version, case_no, held_by, workstation, payload, flagged_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (record_id, version) DO NOTHING",
            )
            .bind(&r.id)
            .bind(r.version)
            .bind(no)
            .bind(&other)
            .bind(workstation)
            .bind(text)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            tracing::warn!(case_no = no, record = %r.id, held_by = %other, %workstation, "case number clash kept aside");
            Ok(Some(RecordProblem::CaseNoClash))
        }
        _ => Ok(None),
    }
}

/// Appends a progress step to the feed of `holder` (the workstation that holds the case).
#[allow(clippy::too_many_arguments)]
pub async fn append_event(
    tx: &mut Transaction<'static, Any>,
    holder: &str,
    case_id: &str,
    case_no: Option<&str>,
    progress: Progress,
    note: &str,
    source: &str,
    at: i64,
) -> Result<i64> {
    append(
        tx, holder, case_id, case_no, progress, note, source, at, None,
    )
    .await
}

/// Appends a step to the feed of the workstation `holder`, with the package number of a
/// material-flow sign-off (F3) when it is one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn append(
    tx: &mut Transaction<'static, Any>,
    holder: &str,
    case_id: &str,
    case_no: Option<&str>,
    progress: Progress,
    note: &str,
    source: &str,
    at: i64,
    flow: Option<&str>,
) -> Result<i64> {
    let seq: i64 = sqlx::query(
        "INSERT INTO case_feed_heads (workstation, last_seq) VALUES ($1, 1) \
         ON CONFLICT (workstation) DO UPDATE SET last_seq = case_feed_heads.last_seq + 1 \
         RETURNING last_seq",
    )
    .bind(holder)
    .fetch_one(&mut **tx)
    .await?
    .try_get(0)?;
    sqlx::query(
        "INSERT INTO case_events (workstation, seq, case_id, case_no, progress, note, source, at, flow) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(holder)
    .bind(seq)
    .bind(case_id)
    .bind(case_no)
    .bind(progress.as_str())
    .bind(note)
    .bind(source)
    .bind(at)
    .bind(flow)
    .execute(&mut **tx)
    .await?;
    Ok(seq)
}

/// Extracts a stored `case` record into the case tables (inside the push transaction). The
/// first version of a case that is taken in (accepted, 容缺) opens its progress at 已受理; a
/// 即办件 concluded at the counter (E11) is then 办结 (准予/不予许可) — unless it is already
/// at or past that step, so a case never moves back.
pub async fn extract(
    tx: &mut Transaction<'static, Any>,
    key: &IndexKey,
    workstation: &str,
    c: &CasePayload,
    forward: bool,
    now_ms: i64,
) -> Result<()> {
    let row = sqlx::query("SELECT hall_code, window_no FROM workstations WHERE id = $1")
        .bind(workstation)
        .fetch_optional(&mut **tx)
        .await?;
    let (hall, window): (String, i64) = match row {
        Some(row) => (row.try_get(0)?, row.try_get(1)?),
        None => return Ok(()),
    };
    let held: Option<(String, String)> =
        sqlx::query("SELECT progress, state FROM cases WHERE id = $1")
            .bind(&c.id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
            .transpose()?;
    let progress = held
        .as_ref()
        .and_then(|(p, _)| Progress::parse(p))
        .unwrap_or(Progress::Received);
    let a = &c.draft.applicant;
    sqlx::query(
        "INSERT INTO cases (id, case_no, hall_code, workstation, window_no, department, item_code, \
           item_name, state, progress, clerk_id, applicant_masked, applicant_id_index, \
           applicant_name_index, created_at, decided_at, due_date, version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 1, $18) \
         ON CONFLICT (id) DO UPDATE SET case_no = excluded.case_no, department = excluded.department, \
           item_code = excluded.item_code, item_name = excluded.item_name, state = excluded.state, \
           clerk_id = excluded.clerk_id, applicant_masked = excluded.applicant_masked, \
           applicant_id_index = excluded.applicant_id_index, \
           applicant_name_index = excluded.applicant_name_index, decided_at = excluded.decided_at, \
           due_date = excluded.due_date, version = cases.version + 1, updated_at = excluded.updated_at",
    )
    .bind(&c.id)
    .bind(&c.case_no)
    .bind(&hall)
    .bind(workstation)
    .bind(window)
    .bind(&c.department)
    .bind(&c.item_code)
    .bind(&c.item_name)
    .bind(&c.state)
    .bind(progress.as_str())
    .bind(&c.clerk_id)
    .bind(applicant_shown(c))
    .bind(key.id_number(&a.id_number))
    .bind(key.name(&a.name))
    .bind(c.created_at)
    .bind(c.decided_at)
    .bind(&c.due_date)
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;

    for table in ["case_parties", "case_materials"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE case_id = $1"))
            .bind(&c.id)
            .execute(&mut **tx)
            .await?;
    }
    let others = [("agent", &c.draft.agent), ("pickup", &c.draft.pickup)];
    for (role, party) in others {
        let Some(p) = party.as_ref().filter(|p| !p.name.trim().is_empty()) else {
            continue;
        };
        sqlx::query(
            "INSERT INTO case_parties (case_id, role, masked, id_index, name_index) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&c.id)
        .bind(role)
        .bind(mask(&p.name, &p.id_number))
        .bind(key.id_number(&p.id_number))
        .bind(key.name(&p.name))
        .execute(&mut **tx)
        .await?;
    }
    for m in &c.draft.materials {
        sqlx::query(
            "INSERT INTO case_materials (case_id, material_id, name, required, received, pages, files, licence) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_id, material_id) DO NOTHING",
        )
        .bind(&c.id)
        .bind(&m.material_id)
        .bind(&m.name)
        .bind(i64::from(m.required))
        .bind(&m.received)
        .bind(i64::from(m.pages))
        .bind(m.files.len() as i64)
        .bind(
            m.licence
                .as_ref()
                .filter(|_| m.received == "electronic")
                .map(|l| l.identifier.trim().to_ascii_uppercase()),
        )
        .execute(&mut **tx)
        .await?;
    }
    // 已受理 opens the feed the first time the case is taken in: at once, or when a 补正 case
    // is accepted on the citizen's return (E5).
    let taken_in = |s: &str| matches!(s, "accepted" | "deferred");
    let was_taken_in = held.as_ref().is_some_and(|(_, s)| taken_in(s));
    if taken_in(&c.state) && !was_taken_in {
        let at = c.decided_at.unwrap_or(now_ms);
        append_event(
            tx,
            workstation,
            &c.id,
            c.case_no.as_deref(),
            Progress::Received,
            "",
            "desk",
            at,
        )
        .await?;
    }
    // The upstream platform hears of the case taken in (受理, 容缺受理) and of a taken-in case
    // withdrawn (撤回); once each, however often the record is pushed.
    if forward {
        use crate::upstream::{store::enqueue, EventKind};
        if taken_in(&c.state) {
            let at = c.decided_at.unwrap_or(now_ms);
            enqueue(tx, &c.id, EventKind::Accepted, at, now_ms).await?;
        }
        if c.state == "withdrawn" && was_taken_in {
            enqueue(tx, &c.id, EventKind::Withdrawn, now_ms, now_ms).await?;
        }
    }
    if let Some((k, to)) = c.conclusion.as_ref().and_then(|k| Some((k, k.progress()?))) {
        let now: Option<String> = sqlx::query("SELECT progress FROM cases WHERE id = $1")
            .bind(&c.id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|row| row.try_get(0))
            .transpose()?;
        let at = now.as_deref().and_then(Progress::parse);
        if at.is_some_and(|p| p.may_report(to)) {
            sqlx::query("UPDATE cases SET progress = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str())
                .bind(now_ms)
                .bind(&c.id)
                .execute(&mut **tx)
                .await?;
            append_event(
                tx,
                workstation,
                &c.id,
                c.case_no.as_deref(),
                to,
                k.reason.trim(),
                "desk",
                k.at,
            )
            .await?;
        }
    }
    Ok(())
}

/// Which departments' cases a clerk sees: every one (`all_items`, a comprehensive window, or
/// `issue`: results of every department are handed out at any issuing window) or those their
/// department or post names (equal to, or containing, the case's department).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Named { department: String, post: String },
}

impl Scope {
    pub fn of(clerk: &crate::auth::store::Clerk) -> Scope {
        let comprehensive = crate::messages::COMPREHENSIVE_POST_WORDS
            .iter()
            .any(|w| clerk.post.contains(w) || clerk.department.contains(w));
        let hall_wide = clerk
            .permissions
            .iter()
            .any(|p| p == "all_items" || p == "issue");
        if comprehensive || hall_wide {
            Scope::All
        } else {
            Scope::Named {
                department: clerk.department.clone(),
                post: clerk.post.clone(),
            }
        }
    }

    pub fn covers(&self, department: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Named {
                department: d,
                post,
            } => {
                let named =
                    |s: &str| !s.is_empty() && (s.contains(department) || department.contains(s));
                !department.is_empty() && (named(d) || named(post))
            }
        }
    }
}

/// What the search looks for: a case number, an ID number or a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    CaseNo(String),
    IdNumber(String),
    Name(String),
}

/// Most cases one search answers.
pub const SEARCH_LIMIT: i64 = 50;

/// The hall's cases matching `q` within `scope`, newest decision first.
pub async fn search(
    pool: &sqlx::AnyPool,
    key: &IndexKey,
    hall: &str,
    scope: &Scope,
    q: &Query,
) -> Result<Vec<CaseSummary>> {
    let (column, value) = match q {
        Query::CaseNo(no) => ("case_no", no.trim().to_owned()),
        Query::IdNumber(id) => ("applicant_id_index", key.id_number(id)),
        Query::Name(name) => ("applicant_name_index", key.name(name)),
    };
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY} FROM cases WHERE hall_code = $1 AND {column} = $2 \
         ORDER BY created_at DESC LIMIT $3"
    ))
    .bind(hall)
    .bind(&value)
    .bind(SEARCH_LIMIT * 4)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::new();
    for row in &rows {
        let s = summary(row)?;
        if scope.covers(&s.department) {
            out.push(s);
        }
        if out.len() as i64 >= SEARCH_LIMIT {
            break;
        }
    }
    Ok(out)
}

/// A case of `hall` by its id or number, with materials and history.
pub async fn detail(
    pool: &sqlx::AnyPool,
    hall: &str,
    scope: &Scope,
    id_or_no: &str,
) -> Result<CaseDetail> {
    let row = sqlx::query(&format!(
        "SELECT {SUMMARY} FROM cases WHERE (id = $1 OR case_no = $1) AND hall_code = $2"
    ))
    .bind(id_or_no)
    .bind(hall)
    .fetch_optional(pool)
    .await?;
    let case = match row {
        Some(row) => summary(&row)?,
        None => return Err(case_err(CaseProblem::Unknown, id_or_no)),
    };
    if !scope.covers(&case.department) {
        return Err(case_err(CaseProblem::OutOfScope, &case.department));
    }
    let materials = materials(pool, &case.id).await?;
    let history = sqlx::query(
        "SELECT seq, case_id, case_no, progress, note, source, at, flow FROM case_events \
         WHERE case_id = $1 ORDER BY at, seq",
    )
    .bind(&case.id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(event)
    .collect::<Result<Vec<_>>>()?;
    let pickups = super::pickup::of_case(pool, &case.id).await?;
    let flows = super::flow::of_case(pool, &case.id).await?;
    Ok(CaseDetail {
        case,
        materials,
        history,
        pickups,
        flows,
    })
}

/// The materials checklist of a case.
pub async fn materials(pool: &sqlx::AnyPool, case_id: &str) -> Result<Vec<CaseMaterial>> {
    sqlx::query(
        "SELECT material_id, name, required, received, pages, files, licence FROM case_materials \
         WHERE case_id = $1 ORDER BY material_id",
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        Ok(CaseMaterial {
            material_id: r.try_get(0)?,
            name: r.try_get(1)?,
            required: r.try_get::<i64, _>(2)? != 0,
            received: r.try_get(3)?,
            pages: u32::try_from(r.try_get::<i64, _>(4)?).unwrap_or_default(),
            files: u32::try_from(r.try_get::<i64, _>(5)?).unwrap_or_default(),
            licence: r.try_get(6)?,
        })
    })
    .collect()
}

fn event(r: &AnyRow) -> Result<CaseEvent> {
    let progress: String = r.try_get(3)?;
    Ok(CaseEvent {
        seq: r.try_get(0)?,
        case_id: r.try_get(1)?,
        case_no: r.try_get(2)?,
        progress: Progress::parse(&progress).unwrap_or(Progress::Received),
        note: r.try_get(4)?,
        source: r.try_get(5)?,
        at: r.try_get(6)?,
        flow: r.try_get(7)?,
    })
}

/// Most events one feed request answers.
pub const FEED_LIMIT: i64 = 500;

/// The progress steps of the cases `workstation` holds, after `after`.
pub async fn feed(pool: &sqlx::AnyPool, workstation: &str, after: i64) -> Result<Vec<CaseEvent>> {
    sqlx::query(
        "SELECT seq, case_id, case_no, progress, note, source, at, flow FROM case_events \
         WHERE workstation = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(workstation)
    .bind(after)
    .bind(FEED_LIMIT)
    .fetch_all(pool)
    .await?
    .iter()
    .map(event)
    .collect()
}

/// Moves the case numbered `case_no` of `hall` to `to` (the back office, IT). A report of the
/// step the case is at changes nothing (`changed` false); a step back, or on a case that was
/// not taken in, is refused.
pub async fn report(
    pool: &sqlx::AnyPool,
    hall: Option<&str>,
    case_no: &str,
    to: Progress,
    note: &str,
    source: &str,
    now_ms: i64,
) -> Result<(CaseSummary, bool)> {
    let mut tx = crate::db::begin_write(pool).await?;
    let row = sqlx::query(&format!(
        "SELECT {SUMMARY}, workstation FROM cases WHERE case_no = $1"
    ))
    .bind(case_no)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(case_err(CaseProblem::Unknown, case_no));
    };
    let mut case = summary(&row)?;
    let holder: String = row.try_get(13)?;
    if hall.is_some_and(|h| h != case.hall_code) {
        return Err(case_err(CaseProblem::Unknown, case_no));
    }
    if !matches!(case.state.as_str(), "accepted" | "deferred") {
        return Err(case_err(
            CaseProblem::NotTakenIn,
            format!("case {case_no} is {}", case.state),
        ));
    }
    if case.progress == to {
        return Ok((case, false));
    }
    if !case.progress.may_report(to) {
        return Err(case_err(
            CaseProblem::ProgressInvalid,
            format!("{} -> {}", case.progress.as_str(), to.as_str()),
        ));
    }
    // Compare and set: a report racing this one on another instance changes nothing here.
    let done = sqlx::query(
        "UPDATE cases SET progress = $1, updated_at = $2 WHERE id = $3 AND progress = $4",
    )
    .bind(to.as_str())
    .bind(now_ms)
    .bind(&case.id)
    .bind(case.progress.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(case_err(CaseProblem::ProgressInvalid, "changed meanwhile"));
    }
    append_event(
        &mut tx,
        &holder,
        &case.id,
        case.case_no.as_deref(),
        to,
        note,
        source,
        now_ms,
    )
    .await?;
    tx.commit().await?;
    case.progress = to;
    case.progress_label = to.label().to_owned();
    Ok((case, true))
}
