//! Cases in the store. Every function that changes a case is one clerk action and runs in one
//! transaction with its audit entry and, once the case is decided, its outbox row.

use super::notice::{self, PreparedNotice};
use super::*;
use crate::domain::audit::{self, AuditEntry};
use crate::infra::store::Store;
use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::json;

/// How long a card read counts for filling a party from it (A6): the citizen is at the window.
pub const CARD_READ_VALID_MS: i64 = 12 * 3600 * 1000;

fn audit_entry(
    desk: &Desk,
    action: &str,
    subject: Option<String>,
    detail: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        actor: Some(desk.clerk_id.clone()),
        action: action.into(),
        subject,
        detail,
    }
}

/// Re-resolves the situation from the answers and rebuilds the checklist when it changed,
/// keeping what was already ticked for materials that stay.
pub fn refresh(view: &CatalogView, mut draft: CaseDraft) -> Result<CaseDraft, IntakeError> {
    let item = view.item(&draft.item_code)?;
    let situation = resolve_situation(item, &draft.answers)?;
    let new_id = situation.map(|s| s.id.clone());
    if new_id != draft.situation_id || (draft.materials.is_empty() && situation.is_some()) {
        let fresh = situation.map(|s| checklist(item, s)).unwrap_or_default();
        let old = std::mem::take(&mut draft.materials);
        draft.materials = fresh
            .into_iter()
            .map(|m| {
                old.iter()
                    .find(|o| o.material_id == m.material_id)
                    .cloned()
                    .unwrap_or(m)
            })
            .collect();
        draft.situation_id = new_id;
    }
    Ok(draft)
}

/// A party filled from a card (or a personal code under the camera) must come from a read at
/// this workstation (A6): the audit trail holds every read (`card.read`, `code.read`).
fn check_card_sources(
    tx: &Transaction<'_>,
    draft: &CaseDraft,
    at_ms: i64,
) -> Result<(), IntakeError> {
    let parties = [
        ("申请人", Some(&draft.applicant)),
        ("代办人", draft.agent.as_ref()),
        ("领取人", draft.pickup.as_ref()),
    ];
    for (role, p) in parties {
        let Some(p) = p else { continue };
        let action = match p.id_source {
            IdSource::Card => "card.read",
            IdSource::Code => "code.read",
            IdSource::Typed | IdSource::None => continue,
        };
        let read: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM audit_log WHERE action = ?1 AND subject = ?2 AND at >= ?3
                 LIMIT 1",
                params![action, p.id_number, at_ms - CARD_READ_VALID_MS],
                |r| r.get(0),
            )
            .optional()?;
        if read.is_none() {
            return Err(match p.id_source {
                IdSource::Code => IntakeError::CodeNotRead(role),
                _ => IntakeError::CardNotRead(role),
            });
        }
    }
    Ok(())
}

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
    let draft = refresh(view, draft)?;
    let item = view.item(&draft.item_code)?;
    let out = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    check_card_sources(&out, &draft, at_ms)?;
    let mut case = match &draft.id {
        Some(id) => {
            let c = load_in(&out, id, &desk.clerk_id)?;
            if !matches!(c.state, CaseState::Draft | CaseState::Supplement) {
                return Err(IntakeError::WrongState(c.state));
            }
            c
        }
        None => new_case(item, view, desk, at_ms),
    };
    let mut draft = draft;
    draft.id = Some(case.id.clone());
    case.situation_name = situation_name(item, draft.situation_id.as_deref());
    case.draft = draft;
    case.updated_at = at_ms;
    case.version += 1;
    write(&out, &case)?;
    if park {
        audit::record(
            &out,
            at_ms,
            audit_entry(
                desk,
                "intake.park",
                Some(case.case_no.clone().unwrap_or_else(|| case.id.clone())),
                json!({ "item": case.item_code, "case_id": case.id }),
            ),
        )?;
    }
    out.commit()?;
    Ok(case)
}

fn situation_name(item: &Item, id: Option<&str>) -> Option<String> {
    let id = id?;
    item.situations
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
}

fn new_case(item: &Item, view: &CatalogView, desk: &Desk, at_ms: i64) -> Case {
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
    }
}

/// Writes the case row (insert or replace), columns mirrored from the case.
fn write(tx: &Transaction<'_>, c: &Case) -> Result<(), IntakeError> {
    let data = serde_json::to_string(c).map_err(|e| IntakeError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO cases (id, case_no, version, state, item_code, item_name, department,
             clerk_id, applicant_name, applicant_id_no, created_at, updated_at, decided_at,
             due_date, print_count, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET case_no = excluded.case_no, version = excluded.version,
             state = excluded.state, applicant_name = excluded.applicant_name,
             applicant_id_no = excluded.applicant_id_no, updated_at = excluded.updated_at,
             decided_at = excluded.decided_at, due_date = excluded.due_date,
             print_count = excluded.print_count, data = excluded.data",
        params![
            c.id,
            c.case_no,
            c.version,
            c.state.as_str(),
            c.item_code,
            c.item_name,
            c.department,
            c.clerk_id,
            c.draft.applicant.name.trim(),
            c.draft.applicant.id_number.trim(),
            c.created_at,
            c.updated_at,
            c.decided_at,
            c.due_date,
            c.print_count,
            data
        ],
    )?;
    Ok(())
}

/// Loads one of the clerk's cases.
pub fn load(store: &mut Store, id: &str, clerk_id: &str) -> Result<Case, IntakeError> {
    let conn = store.conn();
    load_conn(conn, id, clerk_id)
}

fn load_in(tx: &Transaction<'_>, id: &str, clerk_id: &str) -> Result<Case, IntakeError> {
    load_conn(tx, id, clerk_id)
}

pub(crate) fn load_conn(
    conn: &rusqlite::Connection,
    id: &str,
    clerk_id: &str,
) -> Result<Case, IntakeError> {
    let data: Option<String> = conn
        .query_row(
            "SELECT data FROM cases WHERE id = ?1 AND clerk_id = ?2",
            params![id, clerk_id],
            |r| r.get(0),
        )
        .optional()?;
    let data = data.ok_or_else(|| IntakeError::UnknownCase(id.to_string()))?;
    serde_json::from_str(&data).map_err(|e| IntakeError::Corrupt(format!("case {id}: {e}")))
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
    let tx = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let c = load_in(&tx, id, &desk.clerk_id)?;
    if c.state != CaseState::Draft || c.case_no.is_some() {
        return Err(IntakeError::WrongState(c.state));
    }
    tx.execute("DELETE FROM cases WHERE id = ?1", params![id])?;
    audit::record(
        &tx,
        at_ms,
        audit_entry(
            desk,
            "intake.discard",
            Some(id.to_string()),
            json!({ "item": c.item_code }),
        ),
    )?;
    tx.commit()?;
    Ok(())
}

/// Allocates the next case number of this window (E8): hall division code, date, window
/// number, sequence of the day. Window numbers are unique in a hall and hall codes unique in
/// the country, so numbers made offline at different workstations never collide.
fn allocate_case_no(tx: &Transaction<'_>, desk: &Desk, at_ms: i64) -> Result<String, IntakeError> {
    let d = china_date(at_ms);
    let day = format!("{:04}{:02}{:02}", d.year, d.month, d.day);
    let seq: i64 = tx.query_row(
        "INSERT INTO case_seq (day, next) VALUES (?1, 2)
         ON CONFLICT(day) DO UPDATE SET next = next + 1
         RETURNING next - 1",
        params![day],
        |r| r.get(0),
    )?;
    Ok(format!(
        "{}{}{:03}{:04}",
        desk.hall_code, day, desk.window_number, seq
    ))
}

/// Step one of printing a notice (E6): checks the decision against the case, gives the case
/// its number if it has none (committed at once: a number printed is never reused) and lays
/// the notice out. The shell prints it without holding the store, then calls
/// [`record_notice_print`].
pub fn prepare_notice(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    draft: CaseDraft,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<PreparedNotice, IntakeError> {
    // The notice is printed for what is on screen: save it first (same rules as a draft).
    let case = save_draft(store, view, desk, draft, false, at_ms)?;
    let item = view.item(&case.item_code)?;
    let decision = plan_decision(view, item, &case.draft, input, &desk.clerk_id, at_ms)?;
    let case = if case.case_no.is_none() {
        let tx = store
            .conn()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut c = load_in(&tx, &case.id, &desk.clerk_id)?;
        c.case_no = Some(allocate_case_no(&tx, desk, at_ms)?);
        c.version += 1;
        write(&tx, &c)?;
        tx.commit()?;
        c
    } else {
        case
    };
    Ok(notice::prepare(view, item, desk, &case, &decision, at_ms))
}

/// Step two: the notice came out of the printer; records it on the case, counts the print and
/// audits it, in one transaction.
pub fn record_notice_print(
    store: &mut Store,
    desk: &Desk,
    prepared: &PreparedNotice,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let tx = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut c = load_in(&tx, &prepared.case_id, &desk.clerk_id)?;
    let n = &prepared.notice;
    match c
        .notices
        .iter_mut()
        .find(|x| x.decision_hash == n.decision_hash)
    {
        Some(existing) => existing.prints += 1,
        None => c.notices.push(n.clone()),
    }
    c.print_count += 1;
    c.updated_at = at_ms;
    c.version += 1;
    write(&tx, &c)?;
    audit::record(
        &tx,
        at_ms,
        audit_entry(
            desk,
            "print.notice",
            c.case_no.clone(),
            json!({ "title": n.title, "decision": n.kind, "hash": n.decision_hash, "job": job }),
        ),
    )?;
    tx.commit()?;
    Ok(c)
}

/// Takes the decision (E4–E6) once its notice is printed: state, decision, due date, audit,
/// outbox and item usage in one transaction.
pub fn decide(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    case_id: &str,
    input: &DecisionInput,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let tx = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut c = load_in(&tx, case_id, &desk.clerk_id)?;
    if !matches!(c.state, CaseState::Draft | CaseState::Supplement) {
        return Err(IntakeError::WrongState(c.state));
    }
    let item = view.item(&c.item_code)?;
    let decision = plan_decision(view, item, &c.draft, input, &desk.clerk_id, at_ms)?;
    let hash = decision_hash(&c.draft, &decision);
    if !c.notices.iter().any(|n| n.decision_hash == hash) {
        return Err(IntakeError::NoticeNotPrinted);
    }
    check_card_sources(&tx, &c.draft, at_ms)?;
    c.state = decision.kind.state();
    c.due_date = decision.deadline.clone();
    c.decided_at = Some(at_ms);
    c.decision = Some(decision.clone());
    c.updated_at = at_ms;
    c.version += 1;
    write(&tx, &c)?;
    let case_no = c.case_no.clone();
    audit::record(
        &tx,
        at_ms,
        audit_entry(
            desk,
            "intake.decide",
            case_no.clone(),
            json!({
                "decision": decision.kind,
                "item": c.item_code,
                "notice_hash": hash,
                "missing": decision.missing,
                "deadline": decision.deadline,
            }),
        ),
    )?;
    let parties = [
        ("applicant", Some(&c.draft.applicant)),
        ("agent", c.draft.agent.as_ref()),
        ("pickup", c.draft.pickup.as_ref()),
    ];
    for (role, p) in parties {
        if let Some(p) = p.filter(|p| p.id_source == IdSource::Typed) {
            // A6: an ID number typed instead of read from the card is intake data only, and
            // flagged.
            audit::record(
                &tx,
                at_ms,
                audit_entry(
                    desk,
                    "intake.typed_id",
                    Some(p.id_number.trim().to_string()),
                    json!({ "case_no": case_no, "role": role }),
                ),
            )?;
        }
    }
    enqueue_case(&tx, &c, at_ms)?;
    tx.execute(
        "INSERT INTO item_usage (clerk_id, item_code, uses, last_used) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT(clerk_id, item_code) DO UPDATE SET uses = uses + 1, last_used = ?3",
        params![desk.clerk_id, c.item_code, at_ms],
    )?;
    tx.commit()?;
    Ok(c)
}

fn enqueue_case(tx: &Transaction<'_>, c: &Case, at_ms: i64) -> Result<(), IntakeError> {
    let payload = serde_json::to_value(c).map_err(|e| IntakeError::Corrupt(e.to_string()))?;
    crate::infra::sync::outbox::enqueue_record(
        tx,
        "case",
        &c.id,
        c.version as i64,
        &payload,
        at_ms,
    )?;
    Ok(())
}

/// What a change after the decision does (E9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChangeInput {
    /// Corrects contact data or notes; fields left `None` stay.
    Edit {
        phone: Option<String>,
        notes: Option<String>,
        pickup: Option<Box<Party>>,
    },
    /// Withdraws the case (撤回), e.g. the citizen withdrew the application.
    Withdraw,
}

/// Changes a decided case with a reason: recorded with the clerk in `case_changes`, on the
/// case, in the audit trail and in the outbox — one transaction.
pub fn change(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    input: &ChangeInput,
    reason: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IntakeError::ReasonRequired);
    }
    let tx = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut c = load_in(&tx, case_id, &desk.clerk_id)?;
    if matches!(c.state, CaseState::Draft | CaseState::Withdrawn) {
        return Err(IntakeError::WrongState(c.state));
    }
    let (kind, detail) = match input {
        ChangeInput::Withdraw => {
            let before = c.state;
            c.state = CaseState::Withdrawn;
            ("withdraw", format!("状态：{} → 已撤回", before.label()))
        }
        ChangeInput::Edit {
            phone,
            notes,
            pickup,
        } => {
            let mut parts = vec![];
            if let Some(phone) = phone {
                let phone = phone.trim();
                if !phone.is_empty() && !is_phone(phone) {
                    return Err(IntakeError::Party {
                        role: "申请人",
                        problem: PartyProblem::BadPhone,
                    });
                }
                parts.push(format!("联系电话：{} → {}", c.draft.applicant.phone, phone));
                c.draft.applicant.phone = phone.to_string();
            }
            if let Some(notes) = notes {
                parts.push("收件备注已修改".to_string());
                c.draft.notes = notes.clone();
            }
            if let Some(p) = pickup {
                if matches!(p.id_source, IdSource::Card | IdSource::Code) {
                    let d = CaseDraft {
                        pickup: Some(p.as_ref().clone()),
                        ..c.draft.clone()
                    };
                    check_card_sources(&tx, &d, at_ms)?;
                }
                parts.push(format!("领取人：{}", p.name));
                c.draft.pickup = (!p.is_empty()).then(|| p.as_ref().clone());
            }
            if parts.is_empty() {
                return Err(IntakeError::Decision(DecisionProblem::NothingToChange));
            }
            ("edit", parts.join("；"))
        }
    };
    let change = CaseChange {
        at: at_ms,
        clerk_id: desk.clerk_id.clone(),
        kind: kind.into(),
        reason: reason.into(),
        detail: detail.clone(),
    };
    tx.execute(
        "INSERT INTO case_changes (id, case_id, at, clerk_id, kind, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            uuid::Uuid::now_v7().to_string(),
            c.id,
            at_ms,
            desk.clerk_id,
            kind,
            reason,
            detail
        ],
    )?;
    c.changes.push(change);
    c.updated_at = at_ms;
    c.version += 1;
    write(&tx, &c)?;
    audit::record(
        &tx,
        at_ms,
        audit_entry(
            desk,
            "intake.change",
            c.case_no.clone(),
            json!({ "kind": kind, "reason": reason, "detail": detail }),
        ),
    )?;
    enqueue_case(&tx, &c, at_ms)?;
    tx.commit()?;
    Ok(c)
}

/// Lays out a printed notice again for a reprint.
pub fn prepare_reprint(
    store: &mut Store,
    desk: &Desk,
    case_id: &str,
    notice_index: usize,
) -> Result<PreparedNotice, IntakeError> {
    let c = load(store, case_id, &desk.clerk_id)?;
    let n = c
        .notices
        .get(notice_index)
        .cloned()
        .ok_or_else(|| IntakeError::Decision(DecisionProblem::NoSuchNotice))?;
    Ok(notice::reprint(&c, n))
}

/// Records a reprint (I2): its reason, the print counter, the audit entry.
pub fn record_reprint(
    store: &mut Store,
    desk: &Desk,
    prepared: &PreparedNotice,
    reason: &str,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IntakeError::ReasonRequired);
    }
    let tx = store
        .conn()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut c = load_in(&tx, &prepared.case_id, &desk.clerk_id)?;
    if let Some(n) = c
        .notices
        .iter_mut()
        .find(|x| x.decision_hash == prepared.notice.decision_hash)
    {
        n.prints += 1;
    }
    c.print_count += 1;
    c.updated_at = at_ms;
    c.version += 1;
    write(&tx, &c)?;
    audit::record(
        &tx,
        at_ms,
        audit_entry(
            desk,
            "print.reprint",
            c.case_no.clone(),
            json!({ "title": prepared.notice.title, "reason": reason, "job": job,
                    "print_count": c.print_count }),
        ),
    )?;
    if c.state != CaseState::Draft {
        enqueue_case(&tx, &c, at_ms)?;
    }
    tx.commit()?;
    Ok(c)
}

/// Reads a reason-less check that the reason is given (for the UI's early validation).
pub fn require_reason(reason: &str) -> Result<(), IntakeError> {
    if reason.trim().is_empty() {
        Err(IntakeError::ReasonRequired)
    } else {
        Ok(())
    }
}

/// The clerk's item usage: use counts, recent items (newest first), favourites.
pub struct Usage {
    pub counts: std::collections::HashMap<String, u32>,
    pub recent: Vec<String>,
    pub frequent: Vec<String>,
    pub favourites: Vec<String>,
}

pub fn usage(store: &mut Store, clerk_id: &str) -> Result<Usage, IntakeError> {
    let conn = store.conn();
    let mut stmt = conn.prepare(
        "SELECT item_code, uses, last_used, favourite FROM item_usage WHERE clerk_id = ?1",
    )?;
    let rows: Vec<(String, u32, i64, bool)> = stmt
        .query_map(params![clerk_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0))
        })?
        .collect::<Result<_, _>>()?;
    let mut recent: Vec<&(String, u32, i64, bool)> = rows.iter().filter(|r| r.1 > 0).collect();
    recent.sort_by_key(|r| std::cmp::Reverse(r.2));
    let mut frequent: Vec<&(String, u32, i64, bool)> = rows.iter().filter(|r| r.1 > 0).collect();
    frequent.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    Ok(Usage {
        counts: rows.iter().map(|r| (r.0.clone(), r.1)).collect(),
        recent: recent.iter().take(8).map(|r| r.0.clone()).collect(),
        frequent: frequent.iter().take(15).map(|r| r.0.clone()).collect(),
        favourites: rows.iter().filter(|r| r.3).map(|r| r.0.clone()).collect(),
    })
}

pub fn set_favourite(
    store: &mut Store,
    clerk_id: &str,
    item_code: &str,
    favourite: bool,
) -> Result<(), IntakeError> {
    store.conn().execute(
        "INSERT INTO item_usage (clerk_id, item_code, favourite) VALUES (?1, ?2, ?3)
         ON CONFLICT(clerk_id, item_code) DO UPDATE SET favourite = ?3",
        params![clerk_id, item_code, favourite as i64],
    )?;
    Ok(())
}

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
    match action {
        "print.notice" => "打印通知书",
        "print.reprint" => "补打通知书",
        "intake.decide" => "作出决定",
        "intake.change" => "受理后变更",
        "intake.park" => "暂存",
        "intake.typed_id" => "手工录入证件号码",
        _ => "其他操作",
    }
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

/// Largest file a material may carry (a scanned multi-page PDF fits; a video does not).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// The kind of an imported file, by its first bytes (the name's extension is not trusted).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Pages of a PDF, counted from its page objects (`/Type /Page`, not `/Pages`); 1 for images.
fn page_count(mime: &str, bytes: &[u8]) -> u32 {
    if mime != "application/pdf" {
        return 1;
    }
    let mut n = 0u32;
    let mut i = 0;
    while let Some(p) = bytes[i..].windows(5).position(|w| w == b"/Page") {
        let at = i + p + 5;
        let before = &bytes[(i + p).saturating_sub(8)..i + p];
        let is_type = before.windows(5).any(|w| w == b"/Type");
        if is_type && bytes.get(at) != Some(&b's') {
            n += 1;
        }
        i = at;
    }
    n.max(1)
}

/// Imports a file for a material (E3): checked (JPG, PNG or PDF, at most 20 MB), stored
/// encrypted and content-addressed, queued for upload and audited in one transaction. The
/// returned attachment goes into the material's `files` of the draft.
pub fn attach(
    store: &mut Store,
    blobs: &crate::infra::blobs::BlobStore,
    desk: &Desk,
    name: &str,
    bytes: &[u8],
    at_ms: i64,
) -> Result<Attachment, IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::Attachment(AttachmentProblem::Empty));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(IntakeError::Attachment(AttachmentProblem::TooLarge {
            max_mb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
        }));
    }
    let mime =
        sniff(bytes).ok_or_else(|| IntakeError::Attachment(AttachmentProblem::UnsupportedType))?;
    let blob = blobs.put(bytes)?;
    let name: String = name.chars().filter(|c| !c.is_control()).take(120).collect();
    let att = Attachment {
        sha256: blob.sha256.clone(),
        name: if name.trim().is_empty() {
            "材料文件".into()
        } else {
            name
        },
        size: blob.size.min(u32::MAX as u64) as u32,
        pages: page_count(mime, bytes),
        mime: mime.into(),
    };
    store.transact(|tx| {
        crate::infra::blobs::enqueue(tx, &blob, at_ms)?;
        audit::record(
            tx,
            at_ms,
            audit_entry(
                desk,
                "intake.attach",
                None,
                json!({ "file": att.name, "sha256": att.sha256, "size": att.size,
                        "mime": att.mime, "pages": att.pages }),
            ),
        )
    })?;
    Ok(att)
}
