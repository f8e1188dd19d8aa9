//! Drafts (E7): saved while the clerk works, parked to serve someone else, listed, resumed
//! and discarded.

use super::load_conn;
use crate::domain::catalog::Item;
use crate::domain::intake::context::{CatalogView, Desk};
use crate::domain::intake::model::{Case, CaseDraft, CaseState};
use crate::domain::intake::rules::party::{check_card_sources, normalise_organisation};
use crate::domain::intake::rules::situation::{new_draft, refresh};
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::{params, Transaction};
use serde_json::json;

/// Saves a draft (new or existing, state 暂存) and returns the case. `park` records that the
/// clerk set it aside to serve someone else (E7).
pub fn save_draft(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    park: bool,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    save(
        store,
        view,
        desk,
        draft,
        park.then_some(ParkReason::Clerk),
        at_ms,
    )
}

/// Why a draft is parked; recorded with the `intake.park` audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkReason {
    /// The clerk parked it (F4, the leave guard).
    Clerk,
    /// Another clerk logged in at the locked window: the locked clerk's open case is kept as
    /// their draft (A5).
    ClerkSwitch,
}

impl ParkReason {
    fn as_str(self) -> &'static str {
        match self {
            ParkReason::Clerk => "clerk",
            ParkReason::ClerkSwitch => "clerk_switch",
        }
    }
}

/// Saves a draft; parked (and audited) when `park` names a reason.
pub fn save(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    park: Option<ParkReason>,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let case = compose(tx, view, desk, draft, at_ms)?;
        let audit = match park {
            Some(reason) => vec![Audit::new(
                "intake.park",
                Some(case.case_no.clone().unwrap_or_else(|| case.id.clone())),
                json!({ "item": case.item_code, "case_id": case.id, "reason": reason.as_str() }),
            )],
            None => vec![],
        };
        Ok(Effects {
            value: case,
            audit,
            outbox: Outbox::Nothing,
        })
    })
}

/// The case `draft` makes, checked but not written: the clerk's own case it continues (暂存 or
/// 补正) or a new one, holding the draft's content with its checklist rebuilt.
pub(super) fn compose(
    tx: &Transaction<'_>,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let mut draft = refresh(view, draft)?;
    normalise_organisation(&mut draft);
    let item = view.item(&draft.item_code)?;
    check_card_sources(tx, &draft, at_ms)?;
    let mut case = match &draft.id {
        Some(id) => {
            let c = load_conn(tx, id, &desk.clerk_id)?;
            if !c.state.open_for_intake() {
                return Err(IntakeError::WrongState(c.state));
            }
            c
        }
        None => new_case(item, view, desk, at_ms),
    };
    draft.id = Some(case.id.clone());
    case.situation_name = situation_name(item, draft.situation_id.as_deref());
    case.draft = draft;
    case.updated_at = at_ms;
    Ok(case)
}

fn situation_name(item: &Item, id: Option<&str>) -> Option<String> {
    let id = id?;
    item.situations
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
}

pub(super) fn new_case(item: &Item, view: &CatalogView, desk: &Desk, at_ms: i64) -> Case {
    Case {
        id: uuid::Uuid::now_v7().to_string(),
        case_no: None,
        version: 0,
        state: CaseState::Draft,
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        department: view.department_name(&item.department),
        situation_name: None,
        clerk_id: desk.clerk_id.clone(),
        created_at: at_ms,
        updated_at: at_ms,
        decided_at: None,
        due_date: None,
        print_count: 0,
        draft: new_draft(item),
        decision: None,
        notices: vec![],
        changes: vec![],
        conclusion: None,
    }
}

/// The clerk's parked drafts, newest first.
pub fn drafts(store: &mut Store, clerk_id: &str) -> Result<Vec<Case>, IntakeError> {
    let conn = store.conn();
    let mut stmt = conn.prepare(
        "SELECT data FROM cases WHERE clerk_id = ?1 AND state = 'draft'
         ORDER BY updated_at DESC LIMIT 100",
    )?;
    let rows = stmt.query_map(params![clerk_id], |r| r.get::<_, String>(0))?;
    let mut out = vec![];
    for data in rows {
        let data = data?;
        out.push(serde_json::from_str(&data).map_err(|e| IntakeError::Corrupt(e.to_string()))?);
    }
    Ok(out)
}

/// Discards a draft that never got a case number (a walk-in that left before any notice).
pub fn discard_draft(
    store: &mut Store,
    desk: &Desk,
    id: &str,
    at_ms: i64,
) -> Result<(), IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let c = load_conn(tx, id, &desk.clerk_id)?;
        if c.state != CaseState::Draft || c.case_no.is_some() {
            return Err(IntakeError::WrongState(c.state));
        }
        tx.execute("DELETE FROM cases WHERE id = ?1", params![id])?;
        Ok(Effects {
            value: (),
            audit: vec![Audit::new(
                "intake.discard",
                Some(id.to_string()),
                json!({ "item": c.item_code }),
            )],
            outbox: Outbox::Nothing,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn parked_drafts_are_listed_and_resumed() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let parked = cases::save_draft(&mut s, &v, &desk(), walk_in(&v), true, NOW).unwrap();
        assert_eq!(parked.state, CaseState::Draft);
        assert!(parked.case_no.is_none());
        let drafts = cases::drafts(&mut s, "c001").unwrap();
        assert_eq!(drafts.len(), 1);
        assert!(cases::drafts(&mut s, "other").unwrap().is_empty());
        assert!(cases::load(&mut s, &parked.id, "other").is_err());
        // Resumed: the same case, decided.
        let d = drafts[0].draft.clone();
        let p = cases::prepare_notice(&mut s, &v, &desk(), d, &accept(), NOW).unwrap();
        assert_eq!(p.case_id, parked.id);
        cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
        cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
        assert!(cases::drafts(&mut s, "c001").unwrap().is_empty());
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'intake.park'"
            ),
            1
        );
    }

    #[test]
    fn a5_clerk_switch_parks_the_open_case_as_the_first_clerks_draft() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let c = cases::save(
            &mut s,
            &v,
            &desk(),
            walk_in(&v),
            Some(cases::ParkReason::ClerkSwitch),
            NOW,
        )
        .unwrap();
        let drafts = cases::drafts(&mut s, "c001").unwrap();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].id, c.id);
        assert_eq!(drafts[0].draft.applicant.name, "张三");
        let (actor, detail): (String, String) = s
            .conn()
            .query_row(
                "SELECT actor, detail FROM audit_log WHERE action = 'intake.park'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(actor, "c001", "parked as the first clerk's");
        assert!(detail.contains("clerk_switch"), "{detail}");
    }
}
