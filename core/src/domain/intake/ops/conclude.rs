//! A 即办件 closed at the counter (E11, I2): once the case is accepted, the clerk prints the
//! decision — 准予许可, or 不予许可 with its reason — and the case is 办结 there and then, in two
//! steps around the printer like a notice: [`prepare_conclusion`] checks and lays the decision
//! out, [`record_conclusion`] records it once printed — the conclusion on the case, its
//! progress at 办结 (the time-limit light stops), the audit entry and the case for the hall
//! server, in one transaction.

use super::{load, load_conn};
use crate::domain::catalog::Item;
use crate::domain::document::Document;
use crate::domain::intake::context::{CatalogView, Desk};
use crate::domain::intake::labels;
use crate::domain::intake::model::{
    Case, CaseProgress, CaseState, Conclusion, ConclusionInput, ConclusionResult,
};
use crate::domain::intake::notice::layout;
use crate::domain::intake::rules::decision::china_date;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::wording;
use crate::domain::intake::{DecisionProblem, IntakeError};
use crate::infra::store::Store;
use rusqlite::{params, OptionalExtension};
use serde_json::json;

/// A decision laid out for the printer, and what the case records once it is printed.
#[derive(Debug, Clone)]
pub struct PreparedConclusion {
    pub case_id: String,
    pub conclusion: Conclusion,
    pub document: Document,
}

/// The progress the back office reported for the case, if any.
fn progress_of(
    conn: &rusqlite::Connection,
    case_id: &str,
) -> Result<Option<CaseProgress>, IntakeError> {
    let p: Option<Option<String>> = conn
        .query_row("SELECT progress FROM cases WHERE id = ?1", [case_id], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(p.flatten().as_deref().and_then(CaseProgress::parse))
}

/// What may be concluded at the counter: an accepted case of an instant item, not 办结 yet (at
/// the counter or by the back office); 不予许可 with a reason.
fn check<'v>(
    conn: &rusqlite::Connection,
    view: &'v CatalogView,
    c: &Case,
    input: &ConclusionInput,
) -> Result<&'v Item, IntakeError> {
    let item = view.item(&c.item_code)?;
    if !item.instant {
        return Err(IntakeError::NotInstant);
    }
    if c.conclusion.is_some() || progress_of(conn, &c.id)?.is_some_and(CaseProgress::is_closed) {
        return Err(IntakeError::Concluded);
    }
    if c.state != CaseState::Accepted {
        return Err(IntakeError::WrongState(c.state));
    }
    if input.result == ConclusionResult::Denied && input.reason.trim().is_empty() {
        return Err(IntakeError::Decision(DecisionProblem::DenyReasonRequired));
    }
    Ok(item)
}

/// The decision's paragraphs, worded for the case.
fn paragraphs(
    view: &CatalogView,
    item: &Item,
    c: &Case,
    input: &ConclusionInput,
    at_ms: i64,
) -> Vec<String> {
    let applicant = match c.draft.applicant_name() {
        "" => wording::APPLICANT.to_string(),
        name => name.to_string(),
    };
    let reason = input.reason.trim().trim_end_matches(wording::FULL_STOP);
    let remark = match (input.result, reason) {
        (ConclusionResult::Approved, r) if !r.is_empty() => wording::conclusion_remark(r),
        _ => String::new(),
    };
    let fill = |line: &str| {
        line.replace("{applicant}", &applicant)
            .replace("{applied}", &wording::date(china_date(c.created_at)))
            .replace("{item}", &item.name)
            .replace("{case_no}", c.case_no.as_deref().unwrap_or_default())
            .replace("{reason}", reason)
            .replace("{remark}", &remark)
            .replace("{department}", &view.department_name(&item.department))
            .replace("{date}", &wording::date(china_date(at_ms)))
    };
    let mut out: Vec<String> = wording::conclusion_body(input.result)
        .split('\n')
        .map(fill)
        .filter(|l| !l.trim().is_empty())
        .collect();
    // An organisation: named with its code and legal representative under the salutation.
    if let Some(line) = crate::domain::intake::notice::organisation_line(&c.draft) {
        out.insert(out.len().min(1), line);
    }
    out
}

/// Step one: checks that the case may be closed at the counter and lays its decision out.
/// Nothing is written.
pub fn prepare_conclusion(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    case_id: &str,
    input: &ConclusionInput,
    at_ms: i64,
) -> Result<PreparedConclusion, IntakeError> {
    let c = load(store, case_id, &desk.clerk_id)?;
    let item = check(store.conn(), view, &c, input)?;
    let title = labels::conclusion_title(input.result).to_string();
    let paragraphs = paragraphs(view, item, &c, input, at_ms);
    let case_no = c.case_no.clone().unwrap_or_default();
    let document = layout(
        &case_no,
        &title,
        &desk.hall_name,
        &paragraphs,
        wording::SIGNATURE,
    );
    Ok(PreparedConclusion {
        case_id: c.id,
        conclusion: Conclusion {
            result: input.result,
            reason: input.reason.trim().to_string(),
            title,
            paragraphs,
            at: at_ms,
            clerk_id: desk.clerk_id.clone(),
        },
        document,
    })
}

/// Step two: the decision came out of the printer; the case is 办结 — the conclusion on the
/// case, its progress at 准予/不予许可 (the light stops), the audit entry (with the print job)
/// and the case queued for the hall server, in one transaction. Checked again inside it: a
/// case withdrawn or concluded meanwhile is refused.
pub fn record_conclusion(
    store: &mut Store,
    view: &CatalogView,
    desk: &Desk,
    prepared: &PreparedConclusion,
    job: &str,
    at_ms: i64,
) -> Result<Case, IntakeError> {
    transact(store, &desk.clerk_id, at_ms, |tx| {
        let mut c = load_conn(tx, &prepared.case_id, &desk.clerk_id)?;
        let k = &prepared.conclusion;
        let input = ConclusionInput {
            result: k.result,
            reason: k.reason.clone(),
        };
        check(tx, view, &c, &input)?;
        let mut conclusion = k.clone();
        conclusion.at = at_ms;
        c.conclusion = Some(conclusion);
        c.print_count += 1;
        c.updated_at = at_ms;
        tx.execute(
            "UPDATE cases SET progress = ?1, progress_note = ?2, progress_at = ?3 WHERE id = ?4",
            params![k.result.as_str(), k.reason, at_ms, c.id],
        )?;
        let audit = Audit::new(
            "intake.conclude",
            c.case_no.clone(),
            json!({ "title": k.title, "result": k.result, "reason": k.reason, "job": job }),
        );
        Ok(Effects {
            value: c,
            audit: vec![audit],
            outbox: Outbox::Case,
        })
    })
}

#[cfg(test)]
mod tests;
