//! HTTP handlers of the queue: the desk (workstation signature + clerk session), the hall
//! devices (cookie) and their pages.

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;

use super::devices::{self, DeviceKind, HallDevice, PairRequest, Paired};
use super::verbs::{self, Desk};
use super::{
    events, hall_day, store, DeskState, EventsQuery, HallSnapshot, IssueRequest, Ticket, Verb,
    VerbRequest, VerbResult,
};
use crate::auth::token_hash;
use crate::error::{Error, ErrorBody, QueueProblem, Result};
use crate::workstation::guard::{bearer, ClerkSession, Signed, SignedBody};
use crate::AppState;

/// A signed JSON body sent with a clerk session of the signing workstation.
#[derive(Debug, Clone)]
pub struct ClerkBody {
    pub session: ClerkSession,
    pub body: axum::body::Bytes,
}

impl FromRequest<AppState> for ClerkBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self> {
        let token = bearer(req.headers()).map(str::to_owned);
        let signed = SignedBody::from_request(req, state).await?;
        let token = token.ok_or_else(|| Error::Unauthorized {
            detail: "missing Authorization: Bearer token".into(),
        })?;
        let clerk = state
            .db
            .session_at(
                &token_hash(&token),
                &signed.ws.workstation,
                state.auth.now_ms(),
            )
            .await?;
        Ok(ClerkBody {
            session: ClerkSession {
                ws: signed.ws,
                clerk,
            },
            body: signed.body,
        })
    }
}

impl ClerkBody {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::BadRequest {
            detail: format!("request body: {e}"),
        })
    }
}

/// The window of an enrolled workstation (from its enrollment, never from the request).
pub async fn window_of(state: &AppState, ws: &Signed) -> Result<u32> {
    state.queue.window_of(&state.db.pool, &ws.workstation).await
}

async fn desk_of(state: &AppState, s: &ClerkSession) -> Result<Desk> {
    Ok(Desk {
        hall: s.ws.hall_code.clone(),
        window: window_of(state, &s.ws).await?,
        actor: s.ws.workstation.clone(),
        clerk_id: Some(s.clerk.id.clone()),
    })
}

/// Runs a desk verb for the signing workstation's window.
#[utoipa::path(
    post,
    path = "/api/v1/queue/desk/{verb}",
    tag = "queue",
    params(("verb" = Verb, Path, description = "call-next, recall, call, transfer, pause, resume, attach, reprint, finish")),
    request_body(content = VerbRequest, content_type = "application/json"),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Done (or the stored answer of the same request_id, `replayed`: true)", body = VerbResult),
        (status = 400, description = "bad_request: malformed body, request_id, missing ticket/reason/target", body = ErrorBody),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "workstation_disabled; queue_ticket_elsewhere: ticket of another hall or of an item group this window does not serve", body = ErrorBody),
        (status = 404, description = "queue_ticket_unknown; queue_empty: nobody waits", body = ErrorBody),
        (status = 409, description = "queue_ticket_busy, queue_ticket_done, queue_desk_busy, queue_desk_idle, queue_window_paused, queue_not_configured, queue_request_reused", body = ErrorBody),
        (status = 503, description = "database unavailable: retry with the same request_id", body = ErrorBody),
    )
)]
pub async fn desk_verb(
    State(state): State<AppState>,
    Path(verb): Path<String>,
    req: ClerkBody,
) -> Result<Json<VerbResult>> {
    let verb: Verb =
        serde_json::from_value(serde_json::Value::String(verb.clone())).map_err(|_| {
            Error::NotFound {
                path: format!("/api/v1/queue/desk/{verb}"),
            }
        })?;
    let body: VerbRequest = req.json()?;
    let desk = desk_of(&state, &req.session).await?;
    Ok(Json(verbs::run(&state, &desk, verb, body).await?))
}

/// The desk's state: current ticket, waiting counts and lists, pause.
#[utoipa::path(
    get,
    path = "/api/v1/queue/desk",
    tag = "queue",
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The window's queue state", body = DeskState),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn desk_state(State(state): State<AppState>, s: ClerkSession) -> Result<Json<DeskState>> {
    let window = window_of(&state, &s.ws).await?;
    Ok(Json(
        verbs::desk_state(&state, &s.ws.hall_code, window).await?,
    ))
}

/// The hall's event stream for a desk (SSE): a `snapshot` event, or with `Last-Event-ID` the
/// events missed, then live events. Event names and `data`: see `EventKind`, `HallEvent`,
/// `HallSnapshot`.
#[utoipa::path(
    get,
    path = "/api/v1/queue/events",
    tag = "queue",
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id")),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "text/event-stream of hall events; `id:` is the hall's event id", content_type = "text/event-stream", body = String),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn desk_events(
    State(state): State<AppState>,
    ws: Signed,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response> {
    let resume = events::resume_from(&headers, q.last_event_id);
    Ok(events::stream(state, ws.hall_code, resume)
        .await?
        .into_response())
}

/// Issues a ticket from a workstation (a reception PC).
#[utoipa::path(
    post,
    path = "/api/v1/queue/tickets",
    tag = "queue",
    request_body(content = IssueRequest, content_type = "application/json"),
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "The ticket (the same one again for a repeated request_id)", body = Ticket),
        (status = 400, description = "bad_request", body = ErrorBody),
        (status = 401, description = "Unsigned request", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 409, description = "queue_not_configured: no such item group", body = ErrorBody),
    )
)]
pub async fn issue_desk(State(state): State<AppState>, req: SignedBody) -> Result<Json<Ticket>> {
    let body: IssueRequest = req.json()?;
    let desk = Desk {
        hall: req.ws.hall_code.clone(),
        window: 0,
        actor: req.ws.workstation.clone(),
        clerk_id: None,
    };
    Ok(Json(verbs::issue(&state, &desk, body).await?))
}

/// Issues a ticket from the hall's kiosk (device cookie of a `kiosk`).
#[utoipa::path(
    post,
    path = "/api/v1/hall/tickets",
    tag = "hall",
    request_body(content = IssueRequest, content_type = "application/json"),
    security(("hall_device" = [])),
    responses(
        (status = 200, description = "The ticket (the same one again for a repeated request_id)", body = Ticket),
        (status = 400, description = "bad_request", body = ErrorBody),
        (status = 401, description = "device_unauthorized: no cookie of an enabled kiosk", body = ErrorBody),
        (status = 409, description = "queue_not_configured: no such item group", body = ErrorBody),
        (status = 415, description = "unsupported_media_type: not application/json", body = ErrorBody),
    )
)]
pub async fn issue_kiosk(
    State(state): State<AppState>,
    device: HallDevice,
    body: std::result::Result<Json<IssueRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Ticket>> {
    if device.kind != DeviceKind::Kiosk {
        return Err(store::queue_err(
            QueueProblem::DeviceUnauthorized,
            "not a kiosk",
        ));
    }
    let Json(body) = body?;
    let desk = Desk {
        hall: device.hall_code.clone(),
        window: 0,
        actor: format!("device:{}", device.id),
        clerk_id: None,
    };
    Ok(Json(verbs::issue(&state, &desk, body).await?))
}

/// The hall as the call screen and kiosk show it (numbers and windows only).
#[utoipa::path(
    get,
    path = "/api/v1/hall/snapshot",
    tag = "hall",
    security(("hall_device" = [])),
    responses(
        (status = 200, description = "Windows, current and recent calls, waiting counts", body = HallSnapshot),
        (status = 401, description = "device_unauthorized", body = ErrorBody),
    )
)]
pub async fn hall_snapshot(
    State(state): State<AppState>,
    device: HallDevice,
) -> Result<Json<HallSnapshot>> {
    let day = hall_day(state.auth.now_ms());
    Ok(Json(
        store::snapshot(&state.db.pool, &device.hall_code, day).await?,
    ))
}

/// The hall's event stream for a device (SSE), as the desk's.
#[utoipa::path(
    get,
    path = "/api/v1/hall/events",
    tag = "hall",
    params(EventsQuery, ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id")),
    security(("hall_device" = [])),
    responses(
        (status = 200, description = "text/event-stream of hall events", content_type = "text/event-stream", body = String),
        (status = 401, description = "device_unauthorized", body = ErrorBody),
    )
)]
pub async fn hall_events(
    State(state): State<AppState>,
    device: HallDevice,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response> {
    let resume = events::resume_from(&headers, q.last_event_id);
    Ok(events::stream(state, device.hall_code, resume)
        .await?
        .into_response())
}

/// Pairs this browser as a hall device with a one-time code; sets the device cookie.
#[utoipa::path(
    post,
    path = "/api/v1/hall/pair",
    tag = "hall",
    request_body(content = PairRequest, content_type = "application/json"),
    security(()),
    responses(
        (status = 200, description = "Paired; `Set-Cookie: yichuang_device=…; HttpOnly; SameSite=Strict` (Secure under TLS)", body = Paired,
         headers(("Set-Cookie" = String, description = "The device cookie"))),
        (status = 400, description = "bad_request", body = ErrorBody),
        (status = 401, description = "device_code_invalid: unknown, expired or used code", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 429, description = "rate_limited; see Retry-After", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn pair(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    body: std::result::Result<Json<PairRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response> {
    let Json(body) = body?;
    let (paired, cookie) = devices::pair(&state, devices::client_addr(&ext), &body.code).await?;
    let mut resp = Json(paired).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}

const PAIR_PAGE: &str = include_str!("pages/pair.html");
const SCREEN_PAGE: &str = include_str!("pages/screen.html");
const KIOSK_PAGE: &str = include_str!("pages/kiosk.html");

fn page(body: &'static str) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'",
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(body),
    )
        .into_response()
}

/// The pairing page (open: its only credential is the code typed in).
#[utoipa::path(get, path = "/hall/pair", tag = "hall", security(()),
    responses((status = 200, description = "HTML page", content_type = "text/html", body = String)))]
pub async fn pair_page() -> Response {
    page(PAIR_PAGE)
}

async fn device_page(
    state: &AppState,
    parts: &mut axum::http::request::Parts,
    kind: DeviceKind,
    body: &'static str,
) -> Response {
    match HallDevice::from_request_parts(parts, state).await {
        Ok(d) if d.kind == kind => page(body),
        _ => Redirect::to(&format!("/hall/pair?next={}", kind.as_str())).into_response(),
    }
}

use axum::extract::FromRequestParts as _;

/// The hall's call screen (大厅综合屏); without a screen's cookie, a redirect to pairing.
#[utoipa::path(get, path = "/hall/screen", tag = "hall", security(("hall_device" = [])),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html", body = String),
        (status = 303, description = "Not paired as a screen: to /hall/pair"),
    ))]
pub async fn screen_page(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    device_page(&state, &mut parts, DeviceKind::Screen, SCREEN_PAGE).await
}

/// The kiosk's ticket page (取号); without a kiosk's cookie, a redirect to pairing.
#[utoipa::path(get, path = "/hall/kiosk", tag = "hall", security(("hall_device" = [])),
    responses(
        (status = 200, description = "HTML page", content_type = "text/html", body = String),
        (status = 303, description = "Not paired as a kiosk: to /hall/pair"),
    ))]
pub async fn kiosk_page(State(state): State<AppState>, req: Request) -> Response {
    let (mut parts, _) = req.into_parts();
    device_page(&state, &mut parts, DeviceKind::Kiosk, KIOSK_PAGE).await
}

/// One visit by its ticket (id, or today's number): the ticket with its timings, the desk,
/// clerk and cases of the visit record, its rating.
#[utoipa::path(
    get,
    path = "/api/v1/queue/visits/{ticket}",
    tag = "queue",
    params(("ticket" = String, Path, description = "Ticket id, or today's number such as A023")),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "The visit as one record", body = super::visits::VisitRecord),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "workstation_disabled; queue_ticket_elsewhere: a ticket of another hall", body = ErrorBody),
        (status = 404, description = "queue_ticket_unknown", body = ErrorBody),
    )
)]
pub async fn visit(
    State(state): State<AppState>,
    s: ClerkSession,
    Path(ticket): Path<String>,
) -> Result<Json<super::visits::VisitRecord>> {
    let now = state.auth.now_ms();
    Ok(Json(
        super::visits::by_ticket(&state.db.pool, &s.ws.hall_code, now, &ticket).await?,
    ))
}

/// Today's figures per window of the desk's hall: calls, finished visits, ratings.
#[utoipa::path(
    get,
    path = "/api/v1/queue/figures/today",
    tag = "queue",
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Per window of the hall (the desk's own in `window`)", body = super::visits::TodayFigures),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn today(
    State(state): State<AppState>,
    s: ClerkSession,
) -> Result<Json<super::visits::TodayFigures>> {
    let window = window_of(&state, &s.ws).await?;
    let now = state.auth.now_ms();
    Ok(Json(
        super::visits::today(&state.db.pool, &s.ws.hall_code, window, now).await?,
    ))
}

/// Rating figures of the hall per clerk, item and window (clerks with `admin`).
#[utoipa::path(
    get,
    path = "/api/v1/queue/ratings",
    tag = "queue",
    params(super::visits::RatingsQuery),
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Counts per GB/T 39734 level", body = super::visits::RatingFigures),
        (status = 401, description = "Unsigned request or no clerk session", body = ErrorBody),
        (status = 403, description = "workstation_disabled / permission_denied (the clerk lacks `admin`)", body = ErrorBody),
    )
)]
pub async fn ratings(
    State(state): State<AppState>,
    s: ClerkSession,
    Query(q): Query<super::visits::RatingsQuery>,
) -> Result<Json<super::visits::RatingFigures>> {
    if !s.clerk.permissions.iter().any(|p| p == "admin") {
        return Err(Error::PermissionDenied {
            detail: format!("clerk {} lacks the admin permission", s.clerk.id),
        });
    }
    let now = state.auth.now_ms();
    let from = q.from.unwrap_or_else(|| super::visits::day_start(now));
    let to = q.to.unwrap_or(now + 1);
    Ok(Json(
        super::visits::figures(&state.db.pool, &s.ws.hall_code, from, to).await?,
    ))
}
