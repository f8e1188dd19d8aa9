//! Audited lookups of the clerk's cases (A6): a history search, a case opened from the list
//! and its trail each write one audit entry (with its outbox row) once they succeed. The entry
//! never holds citizen data: a search records the kinds of filter it used and how many rows it
//! found, never the name or number typed; a case view records the case number.
//!
//! A search by a typed ID number is allowed only for a card read in this session (seed 000
//! §3.2: citizen data is looked up only after reading the citizen's card).

use super::{search, typed_id, HistoryPage, HistoryQuery};
use crate::domain::catalog::calendar::WorkCalendar;
use crate::domain::intake::cases::{self, CaseEvent};
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::{Case, IntakeError};
use crate::infra::store::Store;
use serde_json::json;
use yichuang_drivers::idcard::Date;

/// The kinds of filter a query uses (`id_number`, `case_no`, `name`, `state`, `item`, `from`,
/// `to`), for the audit trail: which, never what.
pub fn filter_kinds(q: &HistoryQuery) -> Vec<&'static str> {
    let text = q.text.trim();
    let mut kinds = vec![];
    if !text.is_empty() {
        kinds.push(if typed_id(text).is_some() {
            "id_number"
        } else if text.chars().all(|c| c.is_ascii_digit()) {
            "case_no"
        } else {
            "name"
        });
    }
    let set = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.is_empty());
    for (on, kind) in [
        (q.state.is_some(), "state"),
        (set(&q.item_code), "item"),
        (set(&q.from), "from"),
        (set(&q.to), "to"),
    ] {
        if on {
            kinds.push(kind);
        }
    }
    kinds
}

/// Refuses a query by a typed ID number unless `read_in_session` says that card was read in
/// this session.
pub fn check_id_search(
    q: &HistoryQuery,
    read_in_session: impl Fn(&str) -> bool,
) -> Result<(), IntakeError> {
    match typed_id(&q.text) {
        Some(id) if !read_in_session(&id) => Err(IntakeError::IdSearchNeedsCard),
        _ => Ok(()),
    }
}

/// Writes one lookup's audit entry (and its outbox row) in one transaction.
fn audit(store: &mut Store, clerk_id: &str, at_ms: i64, entry: Audit) -> Result<(), IntakeError> {
    transact(store, clerk_id, at_ms, |_| {
        Ok(Effects {
            value: (),
            audit: vec![entry],
            outbox: Outbox::Nothing,
        })
    })
}

/// [`search`] for the clerk, after [`check_id_search`], audited as `history.search`.
#[allow(clippy::too_many_arguments)]
pub fn search_audited(
    store: &mut Store,
    cal: &WorkCalendar,
    clerk_id: &str,
    q: &HistoryQuery,
    today: Date,
    at_ms: i64,
    read_in_session: impl Fn(&str) -> bool,
) -> Result<HistoryPage, IntakeError> {
    check_id_search(q, read_in_session)?;
    let page = search(store, cal, clerk_id, q, today)?;
    let detail = json!({
        "filters": filter_kinds(q),
        "rows": page.rows.len(),
        "offset": q.offset,
        "more": page.more,
    });
    audit(
        store,
        clerk_id,
        at_ms,
        Audit::new("history.search", None, detail),
    )?;
    Ok(page)
}

/// What a case view names in the audit trail: its number, or its id while it has none.
fn case_ref(c: &Case) -> Option<String> {
    Some(c.case_no.clone().unwrap_or_else(|| c.id.clone()))
}

/// One of the clerk's cases opened (from the history list), audited as `case.view`.
pub fn view_audited(
    store: &mut Store,
    clerk_id: &str,
    case_id: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let c = cases::load(store, case_id, clerk_id)?;
    let detail = json!({ "case_id": c.id, "state": c.state.as_str() });
    audit(
        store,
        clerk_id,
        at_ms,
        Audit::new("case.view", case_ref(&c), detail),
    )?;
    Ok(c)
}

/// A case's trail read, audited as `case.trail` (the trail lists neither lookup).
pub fn trail_audited(
    store: &mut Store,
    clerk_id: &str,
    case_id: &str,
    at_ms: i64,
) -> Result<Vec<CaseEvent>, IntakeError> {
    let trail = cases::trail(store, clerk_id, case_id)?;
    let c = cases::load(store, case_id, clerk_id)?;
    let detail = json!({ "case_id": c.id, "entries": trail.len() });
    audit(
        store,
        clerk_id,
        at_ms,
        Audit::new("case.trail", case_ref(&c), detail),
    )?;
    Ok(trail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::china_date;
    use crate::domain::intake::testkit::*;

    fn q(text: &str) -> HistoryQuery {
        HistoryQuery {
            text: text.into(),
            ..HistoryQuery::default()
        }
    }

    fn audit_rows(s: &mut Store) -> Vec<(String, Option<String>, String)> {
        let mut stmt = s
            .conn()
            .prepare("SELECT action, subject, detail FROM audit_log ORDER BY seq")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn a6_history_search_by_id_number_needs_this_sessions_card_read() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        decided(&mut s, &v, "张三", NOW);
        let today = china_date(NOW);
        let before = audit_rows(&mut s).len();
        let search = |s: &mut Store, query: &HistoryQuery, read: &dyn Fn(&str) -> bool| {
            search_audited(s, &v.calendar, "c001", query, today, NOW, read)
        };
        // Typed (in lower case too) with no card of that number read in this session.
        for text in [ID, &ID.to_lowercase(), &format!(" {ID} ")] {
            let err = search(&mut s, &q(text), &|_| false).unwrap_err();
            assert!(matches!(err, IntakeError::IdSearchNeedsCard), "{err:?}");
            assert_eq!(err.code(), crate::ErrorCode::IntakeIdSearchNeedsCard);
        }
        let other = search(&mut s, &q(ID), &|id| id == "110105194912310037").unwrap_err();
        assert!(matches!(other, IntakeError::IdSearchNeedsCard));
        assert_eq!(
            audit_rows(&mut s).len(),
            before,
            "a refused search is not a lookup"
        );
        // That card read in this session: allowed.
        let page = search(&mut s, &q(&ID.to_lowercase()), &|id| id == ID).unwrap();
        assert_eq!(page.rows.len(), 1);
        // Name, case number, date and the empty list need no card.
        for text in ["张三", "4415002026", ""] {
            assert!(search(&mut s, &q(text), &|_| false).is_ok(), "{text}");
        }
        let by_date = HistoryQuery {
            from: Some("2026-11-23".into()),
            item_code: Some("GA-HJ-0301".into()),
            ..HistoryQuery::default()
        };
        assert_eq!(search(&mut s, &by_date, &|_| false).unwrap().rows.len(), 1);
        assert!(check_id_search(&q(ID), |_| false).is_err());
        assert!(check_id_search(&q("张三"), |_| false).is_ok());
    }

    #[test]
    fn a6_history_lookups_are_audited_without_citizen_data() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = decided(&mut s, &v, "张三", NOW);
        let no = c.case_no.clone().unwrap();
        let today = china_date(NOW);
        let skip = audit_rows(&mut s).len();
        let read = |id: &str| id == ID;
        search_audited(&mut s, &v.calendar, "c001", &q(ID), today, NOW, read).unwrap();
        search_audited(&mut s, &v.calendar, "c001", &q("张三"), today, NOW, read).unwrap();
        let by_no = HistoryQuery {
            state: Some(c.state),
            to: Some("2026-11-23".into()),
            ..q(&no)
        };
        search_audited(&mut s, &v.calendar, "c001", &by_no, today, NOW, read).unwrap();
        assert_eq!(view_audited(&mut s, "c001", &c.id, NOW).unwrap().id, c.id);
        let trail = trail_audited(&mut s, "c001", &c.id, NOW).unwrap();
        assert!(
            trail.iter().all(|e| !e.action.starts_with("case.")),
            "lookups stay out of the case's trail: {trail:?}"
        );
        // Another clerk's case: refused, not audited.
        assert!(view_audited(&mut s, "c002", &c.id, NOW).is_err());
        let rows = audit_rows(&mut s).split_off(skip);
        let actions: Vec<_> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            actions,
            [
                "history.search",
                "history.search",
                "history.search",
                "case.view",
                "case.trail"
            ]
        );
        let details: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| serde_json::from_str(&r.2).unwrap())
            .collect();
        assert_eq!(details[0]["filters"], json!(["id_number"]));
        assert_eq!(details[0]["rows"], 1);
        assert_eq!(details[1]["filters"], json!(["name"]));
        assert_eq!(details[2]["filters"], json!(["case_no", "state", "to"]));
        assert_eq!((rows[0].1.as_deref(), rows[1].1.as_deref()), (None, None));
        assert_eq!(rows[3].1.as_deref(), Some(no.as_str()));
        assert_eq!(rows[4].1.as_deref(), Some(no.as_str()));
        for (action, subject, detail) in &rows {
            for secret in [ID, "张三", "張三"] {
                assert!(!detail.contains(secret), "{action}: {detail}");
                assert_ne!(subject.as_deref(), Some(secret), "{action}");
            }
        }
        // Each entry went out with its outbox row.
        let queued = count(
            &mut s,
            "SELECT count(*) FROM outbox WHERE kind = 'audit' AND payload LIKE '%case.%'",
        );
        assert!(queued >= 2, "{queued}");
        assert_eq!(
            count(&mut s, "SELECT count(*) FROM outbox WHERE kind = 'audit'"),
            count(&mut s, "SELECT count(*) FROM audit_log")
        );
    }
}
