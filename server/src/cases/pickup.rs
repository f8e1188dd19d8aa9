//! Results handed over at an issuing window (H1–H2, issue 18).
//!
//! The issuing workstation records a handover as a sync record of kind `pickup`
//! ([`PickupPayload`]): one SQLite transaction there with its audit entry, so an issuing window
//! offline still hands over the cases it holds and the record arrives later. Online it first
//! asks the server ([`check`] through `POST /cases/{case}/pickup-check`), which answers with
//! the same rules the push applies: the case is of this hall and its result is ready; the
//! person is the applicant, the pickup person named at intake, or an agent holding the
//! applicant's authorisation; a locker code is not in use. On arrival the handover is stored
//! (person masked and as a keyed hash), the case moves to 已领取 and the workstation that holds
//! it is told through its feed. The same record again changes nothing; a second handover of a
//! case already handed over is kept (flagged `duplicate`) for IT, never lost.

use serde::{Deserialize, Serialize};
use sqlx::{Any, Row, Transaction};
use utoipa::ToSchema;

use super::{mask, store, IndexKey, Progress};
use crate::error::{Error, Result};
use crate::sync::RecordProblem;

/// Who took the result, relative to the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The applicant.
    Applicant,
    /// The pickup person named at intake (领取人).
    Designated,
    /// Someone else holding the applicant's written authorisation (授权委托书), photographed.
    Agent,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Applicant => "applicant",
            Relation::Designated => "designated",
            Relation::Agent => "agent",
        }
    }
}

/// How the result left the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 现场领取.
    OnSite,
    /// 邮寄 (with the tracking number).
    Post,
    /// 智能柜 (with the locker code printed for the citizen).
    Locker,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::OnSite => "on_site",
            Method::Post => "post",
            Method::Locker => "locker",
        }
    }
}

/// The person taking the result, from the card read at the issuing window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupPerson {
    pub name: String,
    pub id_number: String,
}

/// What the issuing window asks before it records a handover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupCheck {
    pub person: PickupPerson,
    /// The clerk saw the applicant's written authorisation (needed for anyone else).
    #[serde(default)]
    pub authorised: bool,
    pub method: Method,
    /// 智能柜: the code the citizen opens the locker with (4–12 letters or digits).
    pub locker_code: Option<String>,
    /// 邮寄: the tracking number.
    pub tracking_no: Option<String>,
}

/// The server's answer: who the person is to the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupAllowed {
    pub relation: Relation,
    pub case: super::CaseSummary,
}

/// Payload of a `pickup` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupPayload {
    pub case_id: String,
    pub case_no: Option<String>,
    #[serde(flatten)]
    pub check: PickupCheck,
    /// SHA-256 of the handover photo (a material file uploaded through `/sync/blobs`).
    pub photo: Option<String>,
    pub clerk_id: String,
    pub picked_at: i64,
}

/// A handover as the case view shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PickupView {
    pub id: String,
    pub relation: Relation,
    /// 「李* 4415**********1234」
    pub person: String,
    pub method: Method,
    pub tracking_no: Option<String>,
    pub locker_code: Option<String>,
    pub photo: Option<String>,
    /// The photo's file is completely uploaded and verified on this server.
    pub photo_stored: bool,
    pub clerk_id: String,
    pub workstation: String,
    pub picked_at: i64,
    /// Why the rules refused it on arrival (kept for IT): already_picked_up, not_ready,
    /// person_mismatch, locker_in_use; null for a handover that counted.
    pub flag: Option<String>,
}

use crate::error::CaseProblem as PickupProblem;

fn flag(p: PickupProblem) -> &'static str {
    match p {
        PickupProblem::AlreadyPickedUp => "already_picked_up",
        PickupProblem::PersonMismatch => "person_mismatch",
        PickupProblem::LockerInUse => "locker_in_use",
        _ => "not_ready",
    }
}

/// Days a locker code stays in use after its result was put in.
pub const LOCKER_HOLD_DAYS: i64 = 7;

fn code_ok(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl PickupCheck {
    /// The shape: a person, and the method's own field.
    pub fn well_formed(&self) -> bool {
        let person = !self.person.name.trim().is_empty()
            && self.person.name.chars().count() <= 100
            && (6..=40).contains(&self.person.id_number.trim().len());
        let method = match self.method {
            Method::OnSite => true,
            Method::Post => self
                .tracking_no
                .as_deref()
                .is_some_and(|t| code_ok(t.trim(), 6, 40)),
            Method::Locker => self
                .locker_code
                .as_deref()
                .is_some_and(|c| code_ok(c.trim(), 4, 12)),
        };
        person && method
    }
}

/// Checks a `pickup` record's payload.
pub fn check_record(text: &str) -> std::result::Result<PickupPayload, RecordProblem> {
    let p: PickupPayload = serde_json::from_str(text).map_err(|_| RecordProblem::InvalidPickup)?;
    let ok = p.check.well_formed()
        && !p.case_id.is_empty()
        && p.case_id.len() <= 64
        && !p.clerk_id.trim().is_empty()
        && p.picked_at > 0
        && p.photo
            .as_deref()
            .is_none_or(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(p)
    } else {
        Err(RecordProblem::InvalidPickup)
    }
}

struct Held {
    case: super::CaseSummary,
    applicant_index: String,
    holder: String,
}

async fn held(tx: &mut Transaction<'static, Any>, hall: &str, case: &str) -> Result<Option<Held>> {
    let row = sqlx::query(&format!(
        "SELECT {}, applicant_id_index, workstation FROM cases WHERE (id = $1 OR case_no = $1) AND hall_code = $2",
        store::SUMMARY
    ))
    .bind(case)
    .bind(hall)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Held {
        case: store::summary(&row)?,
        applicant_index: row.try_get(13)?,
        holder: row.try_get(14)?,
    }))
}

/// The rules of a handover, inside `tx`: the case's result is ready, the person may take it,
/// the locker code is free. `Ok(Err(problem))` is a refusal.
async fn rules(
    tx: &mut Transaction<'static, Any>,
    key: &IndexKey,
    h: &Held,
    c: &PickupCheck,
    now_ms: i64,
) -> Result<std::result::Result<Relation, PickupProblem>> {
    match h.case.progress {
        Progress::Ready => {}
        Progress::PickedUp => return Ok(Err(PickupProblem::AlreadyPickedUp)),
        _ => return Ok(Err(PickupProblem::NotReady)),
    }
    let person = key.id_number(&c.person.id_number);
    let designated: Option<String> =
        sqlx::query("SELECT id_index FROM case_parties WHERE case_id = $1 AND role = 'pickup'")
            .bind(&h.case.id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
    let relation = if person == h.applicant_index {
        Relation::Applicant
    } else if designated.as_deref() == Some(person.as_str()) {
        Relation::Designated
    } else if c.authorised {
        Relation::Agent
    } else {
        return Ok(Err(PickupProblem::PersonMismatch));
    };
    if let (Method::Locker, Some(code)) = (c.method, c.locker_code.as_deref()) {
        let busy: i64 = sqlx::query(
            "SELECT count(*) FROM case_pickups WHERE hall_code = $1 AND locker_code = $2 \
               AND picked_at > $3 AND case_id <> $4",
        )
        .bind(&h.case.hall_code)
        .bind(code.trim())
        .bind(now_ms - LOCKER_HOLD_DAYS * 86_400_000)
        .bind(&h.case.id)
        .fetch_one(&mut **tx)
        .await?
        .try_get(0)?;
        if busy > 0 {
            return Ok(Err(PickupProblem::LockerInUse));
        }
    }
    Ok(Ok(relation))
}

fn refused(p: PickupProblem, case: &str) -> Error {
    Error::Case {
        problem: p,
        detail: format!("pickup of case {case}"),
    }
}

/// `POST /cases/{case}/pickup-check`: may this person take this case's result now?
pub async fn check(
    pool: &sqlx::AnyPool,
    key: &IndexKey,
    hall: &str,
    scope: &store::Scope,
    case: &str,
    c: &PickupCheck,
    now_ms: i64,
) -> Result<PickupAllowed> {
    let mut tx = pool.begin().await?;
    let Some(h) = held(&mut tx, hall, case).await? else {
        return Err(store::case_err(crate::error::CaseProblem::Unknown, case));
    };
    if !scope.covers(&h.case.department) {
        return Err(store::case_err(
            crate::error::CaseProblem::OutOfScope,
            &h.case.department,
        ));
    }
    let relation = rules(&mut tx, key, &h, c, now_ms)
        .await?
        .map_err(|p| refused(p, case))?;
    Ok(PickupAllowed {
        relation,
        case: h.case,
    })
}

/// Refuses a `pickup` record before it is stored: a case of another hall, or one this server
/// does not hold. (A handover the rules refuse is still stored, flagged: it happened at the
/// counter, offline, and IT must see it.)
pub async fn precheck(
    tx: &mut Transaction<'static, Any>,
    hall: &str,
    p: &PickupPayload,
) -> Result<Option<RecordProblem>> {
    Ok(match held(tx, hall, &p.case_id).await? {
        Some(_) => None,
        None => Some(RecordProblem::PickupCaseUnknown),
    })
}

/// Stores a handover (inside the push transaction): the row, the case at 已领取, the step in
/// the feed of the workstation that holds the case. A handover the rules refuse (a case
/// handed over twice, offline at two windows) is kept with its `flag` and changes nothing.
/// True when the case moved to 已领取.
pub async fn extract(
    tx: &mut Transaction<'static, Any>,
    key: &IndexKey,
    workstation: &str,
    hall: &str,
    record_id: &str,
    p: &PickupPayload,
    now_ms: i64,
) -> Result<bool> {
    let Some(h) = held(tx, hall, &p.case_id).await? else {
        return Ok(false);
    };
    let seen = sqlx::query("SELECT 1 FROM case_pickups WHERE id = $1")
        .bind(record_id)
        .fetch_optional(&mut **tx)
        .await?;
    if seen.is_some() {
        return Ok(false);
    }
    let verdict = rules(tx, key, &h, &p.check, now_ms).await?;
    let relation = match verdict {
        Ok(r) => r,
        Err(_) if p.check.authorised => Relation::Agent,
        Err(_) => Relation::Applicant,
    };
    let flagged = verdict.err().map(flag);
    sqlx::query(
        "INSERT INTO case_pickups (id, case_id, case_no, hall_code, workstation, clerk_id, relation, \
           person_masked, person_id_index, method, tracking_no, locker_code, photo, picked_at, flag) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(record_id)
    .bind(&h.case.id)
    .bind(&h.case.case_no)
    .bind(hall)
    .bind(workstation)
    .bind(&p.clerk_id)
    .bind(relation.as_str())
    .bind(mask(&p.check.person.name, &p.check.person.id_number))
    .bind(key.id_number(&p.check.person.id_number))
    .bind(p.check.method.as_str())
    .bind(p.check.tracking_no.as_deref().map(str::trim))
    .bind(p.check.locker_code.as_deref().map(str::trim))
    .bind(&p.photo)
    .bind(p.picked_at)
    .bind(flagged)
    .execute(&mut **tx)
    .await?;
    if let Some(f) = flagged {
        tracing::warn!(case = %h.case.id, record = record_id, %workstation, flag = f, "handover kept aside");
        return Ok(false);
    }
    sqlx::query("UPDATE cases SET progress = $1, updated_at = $2 WHERE id = $3")
        .bind(Progress::PickedUp.as_str())
        .bind(now_ms)
        .bind(&h.case.id)
        .execute(&mut **tx)
        .await?;
    store::append_event(
        tx,
        &h.holder,
        &h.case.id,
        h.case.case_no.as_deref(),
        Progress::PickedUp,
        "",
        &format!("issuing:{workstation}"),
        p.picked_at,
    )
    .await?;
    Ok(true)
}

/// The handovers of a case, oldest first.
pub async fn of_case(pool: &sqlx::AnyPool, case_id: &str) -> Result<Vec<PickupView>> {
    let rows = sqlx::query(
        "SELECT id, relation, person_masked, method, tracking_no, locker_code, photo, clerk_id, \
           workstation, picked_at, flag, \
           (SELECT count(*) FROM sync_blobs b WHERE b.sha256 = case_pickups.photo) \
         FROM case_pickups WHERE case_id = $1 ORDER BY picked_at, id",
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            let relation: String = r.try_get(1)?;
            let method: String = r.try_get(3)?;
            Ok(PickupView {
                id: r.try_get(0)?,
                relation: serde_json::from_value(serde_json::Value::String(relation))
                    .unwrap_or(Relation::Applicant),
                person: r.try_get(2)?,
                method: serde_json::from_value(serde_json::Value::String(method))
                    .unwrap_or(Method::OnSite),
                tracking_no: r.try_get(4)?,
                locker_code: r.try_get(5)?,
                photo: r.try_get(6)?,
                photo_stored: r.try_get::<i64, _>(11)? > 0,
                clerk_id: r.try_get(7)?,
                workstation: r.try_get(8)?,
                picked_at: r.try_get(9)?,
                flag: r.try_get(10)?,
            })
        })
        .collect()
}
