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
    /// The clerk's id as the audit log keeps it.
    pub actor: Option<String>,
    /// The clerk's name (钱七) from the clerks who logged in here; the id when unknown.
    pub actor_name: Option<String>,
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
        "SELECT a.at, a.actor, a.action, a.detail, coalesce(k.name, a.actor)
         FROM audit_log a LEFT JOIN clerk k ON k.id = a.actor
         WHERE a.subject = ?1 AND a.action NOT IN ('case.view', 'case.trail')
         ORDER BY a.seq",
    )?;
    let rows = stmt.query_map(params![no], |r| {
        let action: String = r.get(2)?;
        Ok(CaseEvent {
            at: r.get(0)?,
            actor: r.get(1)?,
            actor_name: r.get(4)?,
            label: action_label(&action).into(),
            action,
            detail: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;

    #[test]
    fn i3_the_trail_names_the_clerk() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = decided(&mut s, &v, "张三", NOW);
        // Before the clerk's name is known here, the id stands in.
        let trail = cases::trail(&mut s, "c001", &c.id).unwrap();
        assert!(!trail.is_empty());
        assert!(trail
            .iter()
            .all(|e| e.actor_name.as_deref() == Some("c001")));
        // A login here records it (domain::login), and every entry then shows it.
        s.conn()
            .execute(
                "INSERT INTO clerk (id, name, seen_at) VALUES ('c001', '钱七', ?1)",
                [NOW],
            )
            .unwrap();
        let trail = cases::trail(&mut s, "c001", &c.id).unwrap();
        let names: Vec<_> = trail.iter().map(|e| e.actor_name.as_deref()).collect();
        assert!(names.iter().all(|n| *n == Some("钱七")), "{names:?}");
        assert!(trail.iter().all(|e| e.actor.as_deref() == Some("c001")));
        assert!(trail.iter().any(|e| e.action == "intake.decide"));
    }
}
