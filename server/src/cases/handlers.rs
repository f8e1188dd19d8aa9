//! HTTP handlers of the hall's case record: the clerks' search and case view, the back
//! office's progress reports, the workstations' progress feed.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::store::{self, Scope};
use super::systems::SystemClient;
use super::{CaseDetail, CaseEvents, CaseSummary, ProgressReport, ProgressResult};
use crate::error::{Error, ErrorBody, Result};
use crate::workstation::guard::{ClerkSession, Signed};
use crate::AppState;

/// What the search looks for: exactly one of the three.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// The case number (as printed on the receipt and its QR code).
    pub case_no: Option<String>,
    /// The applicant's ID number (18 characters for a resident card).
    pub id_number: Option<String>,
    /// The applicant's full name.
    pub name: Option<String>,
}

/// Where the feed goes on.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The last `seq` the workstation holds (0 at first).
    #[serde(default)]
    pub after: i64,
}

/// A clerk who may look cases up (`query`, or `issue` at an issuing window).
fn searcher(s: &ClerkSession) -> Result<Scope> {
    let may = s
        .clerk
        .permissions
        .iter()
        .any(|p| p == "query" || p == "issue");
    if !may {
        return Err(Error::PermissionDenied {
            detail: format!("clerk {} holds neither query nor issue", s.clerk.id),
        });
    }
    Ok(Scope::of(&s.clerk))
}

fn bad(detail: &str) -> Error {
    Error::BadRequest {
        detail: detail.into(),
    }
}

impl CaseQuery {
    fn parse(self) -> Result<store::Query> {
        let given = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        match (given(self.case_no), given(self.id_number), given(self.name)) {
            (Some(no), None, None) if super::payload::case_no_ok(&no) => {
                Ok(store::Query::CaseNo(no))
            }
            (None, Some(id), None) if id.len() <= 40 => Ok(store::Query::IdNumber(id)),
            (None, None, Some(name)) if name.chars().count() <= 100 => Ok(store::Query::Name(name)),
            _ => Err(bad(
                "give exactly one of case_no (1–40 letters, digits, -), id_number, name",
            )),
        }
    }
}

/// Finds the hall's cases by number, ID number or name (I1, H1), within the clerk's
/// departments; the applicant is masked.
#[utoipa::path(
    get,
    path = "/api/v1/cases",
    tag = "cases",
    params(CaseQuery),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The matching cases of the workstation's hall, newest first, at most 50", body = Vec<CaseSummary>),
        (status = 400, description = "bad_request: none or several of case_no, id_number, name", body = ErrorBody),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "permission_denied: the clerk holds neither query nor issue; workstation_disabled", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    s: ClerkSession,
    Query(q): Query<CaseQuery>,
) -> Result<Json<Vec<CaseSummary>>> {
    let scope = searcher(&s)?;
    let q = q.parse()?;
    Ok(Json(
        store::search(
            &state.db.pool,
            &state.auth.case_index,
            &s.ws.hall_code,
            &scope,
            &q,
        )
        .await?,
    ))
}

/// One case of the hall by its id or number: materials and progress history.
#[utoipa::path(
    get,
    path = "/api/v1/cases/{case}",
    tag = "cases",
    params(("case" = String, Path, description = "The case id or case number")),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The case", body = CaseDetail),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "permission_denied; case_out_of_scope: a department the clerk does not serve", body = ErrorBody),
        (status = 404, description = "case_unknown: no such case in this hall", body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<AppState>,
    s: ClerkSession,
    Path(case): Path<String>,
) -> Result<Json<CaseDetail>> {
    let scope = searcher(&s)?;
    Ok(Json(
        store::detail(&state.db.pool, &s.ws.hall_code, &scope, case.trim()).await?,
    ))
}

/// May this person take this case's result now (H1–H2)? The issuing window asks before it
/// records the handover; the same rules apply when the `pickup` record arrives.
#[utoipa::path(
    post,
    path = "/api/v1/cases/{case}/pickup-check",
    tag = "cases",
    params(("case" = String, Path, description = "The case id or case number")),
    request_body(content = super::pickup::PickupCheck, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Allowed; who the person is to the case", body = super::pickup::PickupAllowed),
        (status = 400, description = "bad_request: malformed body, no tracking number for post, no locker code for a locker", body = ErrorBody),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "permission_denied: the clerk lacks issue; case_out_of_scope; pickup_person_mismatch: neither the applicant, the pickup person named at intake, nor an authorised agent", body = ErrorBody),
        (status = 404, description = "case_unknown: no such case in this hall", body = ErrorBody),
        (status = 409, description = "pickup_not_ready: the result is not ready; pickup_already_done; pickup_locker_in_use", body = ErrorBody),
    )
)]
pub async fn pickup_check(
    State(state): State<AppState>,
    Path(case): Path<String>,
    req: crate::queue::handlers::ClerkBody,
) -> Result<Json<super::pickup::PickupAllowed>> {
    let s = &req.session;
    if !s.clerk.permissions.iter().any(|p| p == "issue") {
        return Err(Error::PermissionDenied {
            detail: format!("clerk {} lacks issue", s.clerk.id),
        });
    }
    let c: super::pickup::PickupCheck = req.json()?;
    if !c.well_formed() {
        return Err(bad(
            "a person (name, ID number) and the method's tracking number or locker code",
        ));
    }
    Ok(Json(
        super::pickup::check(
            &state.db.pool,
            &state.auth.case_index,
            &s.ws.hall_code,
            &Scope::of(&s.clerk),
            case.trim(),
            &c,
            state.auth.now_ms(),
        )
        .await?,
    ))
}

/// Most characters of a progress note.
pub const MAX_NOTE_CHARS: usize = 500;

/// The back office reports a case's progress (I2): 审批中, 办结（准予/不予许可）, 结果已制证待领取.
/// Pushed to the workstation that holds the case through its feed. The same report again is
/// answered with `changed: false`.
#[utoipa::path(
    post,
    path = "/api/v1/backoffice/cases/{case_no}/progress",
    tag = "cases",
    params(("case_no" = String, Path, description = "The case number")),
    request_body(content = ProgressReport, content_type = "application/json"),
    security(("system_token" = [])),
    responses(
        (status = 200, description = "Recorded (or already at that step)", body = ProgressResult),
        (status = 400, description = "bad_request: malformed body, a note over 500 characters", body = ErrorBody),
        (status = 401, description = "unauthorized: no valid system token", body = ErrorBody),
        (status = 404, description = "case_unknown: no such case in the system's hall", body = ErrorBody),
        (status = 409, description = "case_not_taken_in: the desk did not accept the case; case_progress_invalid: a step back, or picked_up (an issuing window's step)", body = ErrorBody),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    system: SystemClient,
    Path(case_no): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ProgressResult>> {
    let r: ProgressReport =
        serde_json::from_slice(&body).map_err(|e| bad(&format!("request body: {e}")))?;
    if r.note.chars().count() > MAX_NOTE_CHARS {
        return Err(bad("note longer than 500 characters"));
    }
    let (case, changed) = store::report(
        &state.db.pool,
        Some(&system.hall_code),
        case_no.trim(),
        r.progress,
        r.note.trim(),
        &format!("backoffice:{}", system.id),
        state.auth.now_ms(),
    )
    .await?;
    tracing::info!(case_no = %case_no, progress = r.progress.as_str(), system = %system.id, changed, "case progress reported");
    Ok(Json(ProgressResult { case, changed }))
}

/// The progress steps of the cases this workstation holds, after `after` (at most 500).
#[utoipa::path(
    get,
    path = "/api/v1/sync/case-events",
    tag = "cases",
    params(FeedQuery),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Steps in feed order", body = CaseEvents),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn feed(
    State(state): State<AppState>,
    ws: Signed,
    Query(q): Query<FeedQuery>,
) -> Result<Json<CaseEvents>> {
    let events = store::feed(&state.db.pool, &ws.workstation, q.after.max(0)).await?;
    let last_seq = events.last().map_or(q.after.max(0), |e| e.seq);
    Ok(Json(CaseEvents { events, last_seq }))
}

/// A material-flow package of the hall (F3), for the receiving end that scanned its slip:
/// its cases with their paper and who signed for them. The sign-off itself arrives as
/// `flow_signoff` records through `/sync/push`.
#[utoipa::path(
    get,
    path = "/api/v1/flows/{no}",
    tag = "cases",
    params(("no" = String, Path, description = "The package number (WL + hall code + yyyymmdd + window + sequence, 22 characters)")),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The package", body = super::flow::FlowView),
        (status = 400, description = "bad_request: not a package number", body = ErrorBody),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "permission_denied: the clerk lacks issue; workstation_disabled", body = ErrorBody),
        (status = 404, description = "flow_unknown: no such package in this hall", body = ErrorBody),
    )
)]
pub async fn flow(
    State(state): State<AppState>,
    s: ClerkSession,
    Path(no): Path<String>,
) -> Result<Json<super::flow::FlowView>> {
    if !s.clerk.permissions.iter().any(|p| p == "issue") {
        return Err(Error::PermissionDenied {
            detail: format!("clerk {} lacks issue", s.clerk.id),
        });
    }
    let no = no.trim().to_uppercase();
    if !super::flow::is_flow_no(&no) {
        return Err(bad("not a package number"));
    }
    Ok(Json(
        super::flow::view(&state.db.pool, &s.ws.hall_code, &no).await?,
    ))
}
