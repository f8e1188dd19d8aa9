//! The HTTP side of sync (blocking reqwest with rustls; the loop runs on its own thread).
//! Every answer is checked; nothing the network sends can make this panic.

use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use url::Url;

use super::audit_head::HeadEntry;
use super::outbox::OutboxRecord;
use super::{SyncConfig, SyncError};
use crate::infra::credential::WorkstationCredential;

/// The push body: the server stores the records as the signing workstation's.
#[derive(Debug, Serialize)]
struct PushRequest<'a> {
    records: Vec<PushRecord<'a>>,
    /// With audit records: the workstation's signature over the highest of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    audit_head: Option<AuditHeadBody>,
}

/// The signed audit chain head of a push.
#[derive(Debug, Serialize)]
struct AuditHeadBody {
    seq: i64,
    hash: String,
    signature: String,
}

#[derive(Debug, Serialize)]
struct PushRecord<'a> {
    id: &'a str,
    kind: &'a str,
    version: i64,
    payload: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckOutcome {
    Accepted,
    Rejected,
}

/// The server's acknowledgement of one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub id: String,
    pub version: i64,
    pub outcome: AckOutcome,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PushResponse {
    acks: Vec<Ack>,
}

/// How much of a blob the server holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BlobStatus {
    pub sha256: String,
    pub received: u64,
    pub complete: bool,
}

/// A pulled document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PullDocument {
    pub resource: String,
    pub version: String,
    pub etag: String,
    pub document: serde_json::Value,
}

/// What a chunk upload can end in besides success.
#[derive(Debug)]
pub enum ChunkError {
    /// The server holds fewer bytes than the offset: ask where to go on.
    Offset,
    /// The completed upload did not hash to its name; the server dropped it.
    HashMismatch(String),
    Other(SyncError),
}

impl From<SyncError> for ChunkError {
    fn from(e: SyncError) -> Self {
        ChunkError::Other(e)
    }
}

#[derive(Debug, Clone)]
pub struct SyncClient {
    http: Client,
    base: Url,
    credential: WorkstationCredential,
}

fn net(e: reqwest::Error) -> SyncError {
    match crate::infra::http::tls_problem(&e) {
        Some(problem) => SyncError::Tls(problem),
        None => SyncError::Network {
            detail: e.to_string(),
        },
    }
}

fn retry_after(resp: &Response) -> Option<Duration> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s.min(3600)))
}

/// A 4xx that speaks of what was sent (a malformed or unacceptable body, one too large): a
/// record may be at fault, so the engine narrows the batch down and parks the culprit. Every
/// other 4xx (401, 403, 404, 405, 415…) refuses the request whatever it holds.
fn is_about_the_content(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::PAYLOAD_TOO_LARGE
    )
}

/// Turns a non-success answer into the error it means.
fn failure(resp: Response) -> SyncError {
    let status = resp.status();
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::REQUEST_TIMEOUT {
        return SyncError::Throttled {
            status: status.as_u16(),
            retry_after: retry_after(&resp),
        };
    }
    let text = resp.text().unwrap_or_default();
    let body: crate::infra::hall_api::ErrorBody = serde_json::from_str(&text).unwrap_or_default();
    let detail = if body.detail.is_empty() {
        text.chars().take(300).collect()
    } else {
        body.detail
    };
    let code = if body.code.is_empty() {
        "http".to_owned()
    } else {
        body.code.clone()
    };
    if is_about_the_content(status) {
        SyncError::Refused {
            status: status.as_u16(),
            code,
            message: body.message,
            detail,
        }
    } else if status.is_client_error() {
        SyncError::RequestRefused {
            status: status.as_u16(),
            code,
            detail,
        }
    } else {
        SyncError::Server {
            status: status.as_u16(),
            detail,
        }
    }
}

fn json<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, SyncError> {
    let bytes = resp.bytes().map_err(net)?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::Protocol {
        detail: format!(
            "{e}; body starts {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
        ),
    })
}

impl SyncClient {
    pub fn new(cfg: &SyncConfig) -> Result<Self, SyncError> {
        let http = crate::infra::http::blocking_client(
            &cfg.tls,
            Client::builder()
                .connect_timeout(cfg.connect_timeout)
                .timeout(cfg.request_timeout),
        )?;
        Ok(Self {
            http,
            base: cfg.base_url.clone(),
            credential: cfg.credential.clone(),
        })
    }

    /// A signed request: `body` is the exact bytes sent (`None`: a chunk, `UNSIGNED-PAYLOAD`).
    fn signed(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<&[u8]>,
    ) -> reqwest::blocking::RequestBuilder {
        let builder = self.http.request(method.clone(), url.clone());
        self.credential
            .apply(builder, method.as_str(), &self.base, &url, body)
    }

    fn url(&self, path: &str) -> Url {
        let mut u = self.base.clone();
        let p = format!(
            "{}/api/v1/sync/{path}",
            self.base.path().trim_end_matches('/')
        );
        u.set_path(&p);
        u
    }

    /// Pushes `records`; the acks are checked by [`super::outbox::apply_acks`]. A record whose
    /// payload is not JSON must not get here (the engine parks it first).
    ///
    /// `audit_head` is the highest audit entry among `records` ([`super::audit_head::of_batch`]);
    /// it goes out signed with the workstation's key, as the server requires for audit records.
    pub fn push(
        &self,
        records: &[OutboxRecord],
        audit_head: Option<&HeadEntry>,
    ) -> Result<Vec<Ack>, SyncError> {
        let body = PushRequest {
            audit_head: audit_head.map(|h| AuditHeadBody {
                seq: h.seq,
                hash: h.hash.clone(),
                signature: self.credential.sign_audit_head(h.seq, &h.hash),
            }),
            records: records
                .iter()
                .map(|r| PushRecord {
                    id: &r.id,
                    kind: &r.kind,
                    version: r.version,
                    payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| SyncError::Protocol {
            detail: format!("push body: {e}"),
        })?;
        let resp = self
            .signed(reqwest::Method::POST, self.url("push"), Some(&bytes))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(failure(resp));
        }
        Ok(json::<PushResponse>(resp)?.acks)
    }

    pub fn blob_status(&self, sha: &str) -> Result<BlobStatus, SyncError> {
        let url = self.url(&format!("blobs/{sha}/status"));
        let resp = self
            .signed(reqwest::Method::GET, url, Some(b""))
            .send()
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(failure(resp));
        }
        let st: BlobStatus = json(resp)?;
        if st.sha256 != sha {
            return Err(SyncError::Protocol {
                detail: format!("status for {} when asking for {sha}", st.sha256),
            });
        }
        Ok(st)
    }

    pub fn put_chunk(
        &self,
        sha: &str,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
    ) -> Result<BlobStatus, ChunkError> {
        let mut url = self.url(&format!("blobs/{sha}"));
        url.query_pairs_mut()
            .append_pair("offset", &offset.to_string())
            .append_pair("total", &total.to_string());
        let resp = self
            .signed(reqwest::Method::PUT, url, None)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes)
            .send()
            .map_err(net)?;
        match resp.status() {
            s if s.is_success() => Ok(json(resp)?),
            StatusCode::CONFLICT => Err(ChunkError::Offset),
            StatusCode::UNPROCESSABLE_ENTITY => {
                Err(ChunkError::HashMismatch(resp.text().unwrap_or_default()))
            }
            _ => Err(ChunkError::Other(failure(resp))),
        }
    }

    /// `Ok(None)` when the document is unchanged since `etag`.
    pub fn pull(&self, path: &str, etag: Option<&str>) -> Result<Option<PullDocument>, SyncError> {
        let mut req = self.signed(reqwest::Method::GET, self.url(path), Some(b""));
        if let Some(e) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        let resp = req.send().map_err(net)?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(failure(resp));
        }
        Ok(Some(json(resp)?))
    }

    /// The hall server's progress steps of the cases this workstation holds, after `after`
    /// (`GET /sync/case-events`).
    pub fn case_events(&self, after: i64) -> Result<super::progress::CaseEvents, SyncError> {
        let mut url = self.url("case-events");
        url.set_query(Some(&format!("after={after}")));
        let resp = self
            .signed(reqwest::Method::GET, url, Some(b""))
            .send()
            .map_err(net)?;
        if !resp.status().is_success() {
            return Err(failure(resp));
        }
        json(resp)
    }

    pub fn workstation(&self) -> &str {
        self.credential.workstation_id()
    }
}
