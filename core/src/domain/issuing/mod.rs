//! Issuing results at any window (H1–H2, issue 18): find a citizen's ready results, hand them
//! over to the person whose card was read, record how (on site, by post, in a locker) with a
//! handover photo, print the pickup slip.
//!
//! Online the hall server decides: it finds the hall's cases (`GET /cases`) and says whether
//! this person may take this result now (`POST /cases/{case}/pickup-check`). Offline only the
//! cases this workstation holds can be handed over, by the same rules on the local copy: the
//! result is ready (the last progress the server reported), the person is the applicant, the
//! pickup person named at intake, or an agent with the applicant's authorisation. Either way the
//! handover is one SQLite transaction per action — audit entry, a `pickup` record for the
//! server per case, the local case at 已领取 — so an offline handover arrives later, once.

pub mod slip;
pub mod wording;

use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::domain::audit::{self, AuditEntry};
use crate::domain::intake::{Case, CaseProgress, Party};
use crate::infra::store::Store;

/// How the result leaves the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PickupMethod {
    /// 现场领取.
    OnSite,
    /// 邮寄: with the tracking number.
    Post,
    /// 智能柜: with the locker code printed for the citizen.
    Locker,
}

/// Who took the result, relative to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Applicant,
    /// The pickup person named at intake.
    Designated,
    /// Someone else with the applicant's written authorisation.
    Agent,
}

/// A result the issuing clerk may hand over (or why not yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IssueCandidate {
    pub case_id: String,
    pub case_no: Option<String>,
    pub item_name: String,
    /// The applicant, masked (「张* 4415**********123X」).
    pub applicant: String,
    pub progress: Option<CaseProgress>,
    /// The result is ready (结果已制证待领取).
    pub ready: bool,
    /// This workstation took the case in (it can be handed over offline).
    pub held_here: bool,
}

/// What the clerk asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IssueFound {
    pub candidates: Vec<IssueCandidate>,
    /// The hall server could not be reached: only this workstation's cases are listed.
    pub offline: bool,
}

/// A handover as the clerk enters it; the person is the card on the reader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HandoverInput {
    pub case_ids: Vec<String>,
    /// The clerk saw the applicant's written authorisation (代领).
    pub authorised: bool,
    pub method: PickupMethod,
    pub tracking_no: Option<String>,
    pub locker_code: Option<String>,
    /// SHA-256 of the handover photo taken with the document camera.
    pub photo: Option<String>,
}

/// What a handover did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HandoverDone {
    pub case_nos: Vec<String>,
    /// 「已登记领取 2 件…」 and what became of the slip.
    pub message: String,
    /// Recorded without the hall server; it goes with the next sync.
    pub offline: bool,
}

/// Why a handover cannot go ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssueError {
    #[error("no result chosen")]
    NothingChosen,
    #[error("the tracking number is missing or malformed")]
    TrackingNo,
    #[error("the locker code is missing or malformed")]
    LockerCode,
    #[error("case {0} is not held here: it cannot be handed over offline")]
    NotHeldHere(String),
    #[error("the result of case {0} is not ready")]
    NotReady(String),
    #[error("case {0} was already handed over")]
    AlreadyDone(String),
    #[error("the person is neither the applicant nor the designated pickup person of {0}")]
    PersonMismatch(String),
    #[error("store: {0}")]
    Store(String),
}

impl From<rusqlite::Error> for IssueError {
    fn from(e: rusqlite::Error) -> Self {
        IssueError::Store(e.to_string())
    }
}

impl IssueError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            IssueError::NothingChosen => C::IssueNothingChosen,
            IssueError::TrackingNo => C::IssueTrackingNo,
            IssueError::LockerCode => C::IssueLockerCode,
            IssueError::NotHeldHere(_) => C::IssueNotHeldHere,
            IssueError::NotReady(_) => C::IssueNotReady,
            IssueError::AlreadyDone(_) => C::IssueAlreadyDone,
            IssueError::PersonMismatch(_) => C::IssuePersonMismatch,
            IssueError::Store(_) => C::IssueStore,
        }
    }
}

impl From<IssueError> for crate::UserError {
    fn from(e: IssueError) -> Self {
        crate::UserError::new(e.code(), e.to_string())
    }
}

fn code_ok(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl HandoverInput {
    /// The method's own field present and well formed (trimmed in place).
    pub fn check(&mut self) -> Result<(), IssueError> {
        if self.case_ids.is_empty() {
            return Err(IssueError::NothingChosen);
        }
        let trim = |v: &mut Option<String>| {
            *v = v
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
        };
        trim(&mut self.tracking_no);
        trim(&mut self.locker_code);
        match self.method {
            PickupMethod::OnSite => {
                self.tracking_no = None;
                self.locker_code = None;
            }
            PickupMethod::Post => {
                self.locker_code = None;
                if !self
                    .tracking_no
                    .as_deref()
                    .is_some_and(|t| code_ok(t, 6, 40))
                {
                    return Err(IssueError::TrackingNo);
                }
            }
            PickupMethod::Locker => {
                self.tracking_no = None;
                if !self
                    .locker_code
                    .as_deref()
                    .is_some_and(|c| code_ok(c, 4, 12))
                {
                    return Err(IssueError::LockerCode);
                }
            }
        }
        Ok(())
    }
}

/// A name and ID number masked as lists show them.
pub fn mask(name: &str, id: &str) -> String {
    let mut masked: String = name.trim().chars().take(1).collect();
    masked.extend(name.trim().chars().skip(1).map(|_| '*'));
    let id = crate::domain::intake::history::mask_id(&id.trim().to_uppercase());
    if id.is_empty() {
        masked
    } else {
        format!("{masked} {id}")
    }
}

/// What the search is for: a case number (typed or scanned from the receipt's QR code) or the
/// ID number of a card read at this window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Find {
    CaseNo(String),
    IdNumber(String),
}

const TAKEN_IN: &str = "state IN ('accepted', 'deferred')";

fn candidate(r: &rusqlite::Row<'_>) -> rusqlite::Result<IssueCandidate> {
    let progress: Option<String> = r.get(5)?;
    let progress = progress.as_deref().and_then(CaseProgress::parse);
    let (name, id): (String, String) = (r.get(3)?, r.get(4)?);
    Ok(IssueCandidate {
        case_id: r.get(0)?,
        case_no: r.get(1)?,
        item_name: r.get(2)?,
        applicant: mask(&name, &id),
        progress,
        ready: progress == Some(CaseProgress::Ready),
        held_here: true,
    })
}

/// The cases this workstation holds that match (offline, and to mark `held_here`).
pub fn find_local(store: &mut Store, q: &Find) -> Result<Vec<IssueCandidate>, IssueError> {
    let (column, value) = match q {
        Find::CaseNo(no) => ("case_no", no.trim().to_owned()),
        Find::IdNumber(id) => ("applicant_id_no", id.trim().to_uppercase()),
    };
    let sql = format!(
        "SELECT id, case_no, item_name, applicant_name, applicant_id_no, progress FROM cases
         WHERE {column} = ?1 AND {TAKEN_IN} ORDER BY created_at DESC LIMIT 50"
    );
    let conn = store.conn();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([value], candidate)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether this workstation holds the case.
pub fn held_here(store: &mut Store, case_id: &str) -> Result<bool, IssueError> {
    Ok(store
        .conn()
        .query_row("SELECT 1 FROM cases WHERE id = ?1", [case_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The offline rules on the local copy: held here, ready, and the person may take it.
pub fn local_rules(
    store: &mut Store,
    case_id: &str,
    person: &Party,
    authorised: bool,
) -> Result<Relation, IssueError> {
    let row: Option<(Option<String>, Option<String>, String)> = store
        .conn()
        .query_row(
            &format!("SELECT case_no, progress, data FROM cases WHERE id = ?1 AND {TAKEN_IN}"),
            [case_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((no, progress, data)) = row else {
        return Err(IssueError::NotHeldHere(case_id.into()));
    };
    let no = no.unwrap_or_else(|| case_id.to_owned());
    match progress.as_deref().and_then(CaseProgress::parse) {
        Some(CaseProgress::Ready) => {}
        Some(CaseProgress::PickedUp) => return Err(IssueError::AlreadyDone(no)),
        _ => return Err(IssueError::NotReady(no)),
    }
    let case: Case = serde_json::from_str(&data).map_err(|e| IssueError::Store(e.to_string()))?;
    let same = |p: &Party| {
        !p.id_number.trim().is_empty()
            && p.id_number
                .trim()
                .eq_ignore_ascii_case(person.id_number.trim())
    };
    if same(&case.draft.applicant) {
        Ok(Relation::Applicant)
    } else if case.draft.pickup.as_ref().is_some_and(same) {
        Ok(Relation::Designated)
    } else if authorised {
        Ok(Relation::Agent)
    } else {
        Err(IssueError::PersonMismatch(no))
    }
}

/// One result to hand over, with what the rules said of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub case_id: String,
    pub case_no: Option<String>,
    pub relation: Relation,
}

/// Records the handovers of one action in one transaction: per case a `pickup` record for the
/// server, the audit entry (no citizen data: case number, method, relation), the local case
/// (when held here) at 已领取.
pub fn record(
    store: &mut Store,
    clerk_id: &str,
    person: &Party,
    input: &HandoverInput,
    handovers: &[Handover],
    at_ms: i64,
) -> Result<(), IssueError> {
    let tx = store
        .conn()
        .transaction_with_behavior(TransactionBehavior::Immediate)?;
    for h in handovers {
        write_one(&tx, clerk_id, person, input, h, at_ms)?;
    }
    tx.commit()?;
    Ok(())
}

fn write_one(
    tx: &Transaction<'_>,
    clerk_id: &str,
    person: &Party,
    input: &HandoverInput,
    h: &Handover,
    at_ms: i64,
) -> Result<(), IssueError> {
    let id = uuid::Uuid::now_v7().to_string();
    let payload = serde_json::json!({
        "case_id": h.case_id,
        "case_no": h.case_no,
        "person": { "name": person.name.trim(), "id_number": person.id_number.trim().to_uppercase() },
        "authorised": input.authorised,
        "method": input.method,
        "tracking_no": input.tracking_no,
        "locker_code": input.locker_code,
        "photo": input.photo,
        "clerk_id": clerk_id,
        "picked_at": at_ms,
    });
    crate::infra::sync::outbox::enqueue_record(tx, "pickup", &id, 1, &payload, at_ms)?;
    audit::record(
        tx,
        at_ms,
        AuditEntry {
            actor: Some(clerk_id.to_owned()),
            action: "case.handover".into(),
            subject: h.case_no.clone().or_else(|| Some(h.case_id.clone())),
            detail: serde_json::json!({
                "record": id,
                "method": input.method,
                "relation": h.relation,
                "locker_code": input.locker_code,
                "tracking_no": input.tracking_no,
                "photo": input.photo,
            }),
        },
    )?;
    tx.execute(
        "UPDATE cases SET progress = ?1, progress_at = ?2 WHERE id = ?3",
        params![CaseProgress::PickedUp.as_str(), at_ms, h.case_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
