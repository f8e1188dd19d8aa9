//! A case's trail (I3): its audit entries as the detail page lists them.

use super::load;
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// One entry of a case's trail, as the detail page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CaseEvent {
    #[specta(type = f64)]
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    /// 「打印通知书」「补打」「受理决定」…
    pub label: String,
    /// The entry's facts (reason of a reprint or change, print job, decision).
    pub detail: String,
}

fn action_label(action: &str) -> &'static str {
    crate::domain::intake::labels::trail_action(action)
}

/// The audit entries of one of the clerk's cases, oldest first.
pub fn trail(
    store: &mut Store,
    clerk_id: &str,
    case_id: &str,
) -> Result<Vec<CaseEvent>, IntakeError> {
    let c = load(store, case_id, clerk_id)?;
    let Some(no) = c.case_no else {
        return Ok(vec![]);
    };
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, action, detail FROM audit_log WHERE subject = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![no], |r| {
        let action: String = r.get(2)?;
        Ok(CaseEvent {
            at: r.get(0)?,
            actor: r.get(1)?,
            label: action_label(&action).into(),
            action,
            detail: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
