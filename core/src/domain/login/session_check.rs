//! Whether the clerk's online session still stands (issue 15 item 6): the workstation asks
//! `GET api/v1/auth/session` every backend probe interval, signed with its enrolled
//! credential (the server binds a session to the workstation that opened it). The server ends
//! a session at once when the clerk's certificate is unbound or the clerk disabled.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::AuthFailure;
use crate::infra::credential::WorkstationCredential;
use crate::{ErrorCode, UserError};

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    detail: String,
}

/// Refusals that speak of this request, not of the session (a clock off by minutes, a replayed
/// nonce): the session is not ended for them; the next check asks again.
const NOT_ABOUT_THE_SESSION: &[&str] = &[
    "request_unsigned",
    "request_signature_invalid",
    "request_stale",
    "request_replayed",
    "rate_limited",
];

/// `Ok` while the session stands; `Refused` (code `login.session_ended`) when the server
/// ended it or no longer accepts this workstation; `Unreachable` otherwise.
pub fn check_session(
    base: &Url,
    token: &str,
    credential: &WorkstationCredential,
    tls: &crate::infra::http::BackendTls,
) -> Result<(), AuthFailure> {
    let mut url = base.clone();
    url.set_path(&format!(
        "{}/api/v1/auth/session",
        base.path().trim_end_matches('/')
    ));
    // The hall's CA and pin, as for every request to the server (over HTTPS a plain client
    // would never reach it, and a session the server ended would stay open here).
    let builder = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(10));
    let http = crate::infra::http::blocking_client(tls, builder)
        .map_err(|e| AuthFailure::Unreachable(e.to_string()))?;
    let resp = credential
        .apply(http.get(url.clone()), "GET", base, &url, Some(b""))
        .bearer_auth(token)
        .send()
        .map_err(|e| AuthFailure::Unreachable(format!("GET {url}: {e}")))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let unauthorised =
        status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN;
    let body: ErrorBody = resp.json().unwrap_or_default();
    let detail = format!("GET {url}: HTTP {status} {}: {}", body.code, body.detail);
    if unauthorised && !NOT_ABOUT_THE_SESSION.contains(&body.code.as_str()) {
        return Err(AuthFailure::Refused(UserError::new(
            ErrorCode::LoginSessionEnded,
            detail,
        )));
    }
    Err(AuthFailure::Unreachable(detail))
}
