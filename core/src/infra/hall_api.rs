//! The hall server's clerk API over HTTP (`/api/v1/…`): every request signed with the
//! workstation's enrolled credential and carrying the clerk's online session; the server takes
//! hall and window from the credential. The queue (B1) and the case record (I1, H1) use it.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::infra::credential::WorkstationCredential;
use crate::infra::http::{blocking_client, BackendTls};

/// Why a request did not get its answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HallApiError {
    /// The server could not be reached, answered 5xx or garbage; nothing was decided there.
    #[error("hall server unreachable: {0}")]
    Unreachable(String),
    /// The server refused, with its own code and Chinese message.
    #[error("hall server refused {code}: {detail}")]
    Refused {
        code: String,
        message: String,
        detail: String,
    },
}

/// The hall server's error answer (its `ErrorBody`): the code, the Chinese message, the
/// detail for IT. Fields it leaves out are empty.
#[derive(Debug, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub detail: String,
}

pub struct HallApi {
    base: Url,
    credential: WorkstationCredential,
    http: reqwest::blocking::Client,
}

impl HallApi {
    /// A client with short timeouts (3 s to connect, 10 s in all): a clerk waits on it.
    pub fn new(
        base: Url,
        credential: WorkstationCredential,
        tls: &BackendTls,
    ) -> Result<HallApi, HallApiError> {
        Self::with_timeout(base, credential, tls, Duration::from_secs(10))
    }

    /// A client whose requests may take up to `total` (downloads of release files).
    pub fn with_timeout(
        base: Url,
        credential: WorkstationCredential,
        tls: &BackendTls,
        total: Duration,
    ) -> Result<HallApi, HallApiError> {
        let builder = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(total);
        let http = blocking_client(tls, builder)
            .map_err(|e| HallApiError::Unreachable(format!("TLS configuration: {e}")))?;
        Ok(HallApi {
            base,
            credential,
            http,
        })
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn credential(&self) -> &WorkstationCredential {
        &self.credential
    }

    /// The URL of `path` under `/api/v1/` (a query after `?` is kept as the query).
    pub fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        u.set_path(&format!(
            "{}/api/v1/{path}",
            self.base.path().trim_end_matches('/')
        ));
        u.set_query(query);
        u
    }

    /// Sends a request signed by the workstation alone (no clerk session: update checks,
    /// diagnostics) with `body` of `content_type`; a success is returned as it came, a refusal
    /// or failure as the error.
    pub fn send_signed(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<reqwest::blocking::Response, HallApiError> {
        self.exchange(method, url, body, None)
    }

    /// One signed request, with the clerk's session `token` when given.
    pub(crate) fn exchange(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<(Vec<u8>, &str)>,
        token: Option<&str>,
    ) -> Result<reqwest::blocking::Response, HallApiError> {
        let signed_body = body.as_ref().map_or(&b""[..], |(b, _)| b.as_slice());
        let mut req = self.credential.apply(
            self.http.request(method.clone(), url.clone()),
            method.as_str(),
            &self.base,
            &url,
            Some(signed_body),
        );
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some((b, content_type)) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(b);
        }
        let resp = req
            .send()
            .map_err(|e| HallApiError::Unreachable(format!("{method} {url}: {e}")))?;
        Self::checked(resp, &method, &url)
    }

    fn checked(
        resp: reqwest::blocking::Response,
        method: &reqwest::Method,
        url: &Url,
    ) -> Result<reqwest::blocking::Response, HallApiError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        if status.is_server_error() {
            return Err(HallApiError::Unreachable(format!(
                "{method} {url}: HTTP {status}"
            )));
        }
        let body: ErrorBody = resp.json().unwrap_or_default();
        Err(HallApiError::Refused {
            code: body.code,
            message: body.message,
            detail: format!("{method} {url}: HTTP {status}: {}", body.detail),
        })
    }

    /// Sends a signed JSON request with the clerk's session `token` and returns the answer's
    /// content type and bytes (licence files).
    pub fn send_for_bytes(
        &self,
        url: Url,
        body: Vec<u8>,
        token: &str,
    ) -> Result<(String, Vec<u8>), HallApiError> {
        let method = reqwest::Method::POST;
        let resp = self.exchange(
            method.clone(),
            url.clone(),
            Some((body, "application/json")),
            Some(token),
        )?;
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = resp
            .bytes()
            .map_err(|e| HallApiError::Unreachable(format!("{method} {url}: {e}")))?;
        Ok((content_type, bytes.to_vec()))
    }

    /// Sends a signed request with the clerk's session `token`; `body` is JSON.
    pub fn send<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<Vec<u8>>,
        token: &str,
    ) -> Result<T, HallApiError> {
        let body = body.map(|b| (b, "application/json"));
        self.exchange(method.clone(), url.clone(), body, Some(token))?
            .json()
            .map_err(|e| HallApiError::Unreachable(format!("{method} {url}: bad answer: {e}")))
    }
}
