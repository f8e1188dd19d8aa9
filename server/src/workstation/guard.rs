//! The request guard: every route but health, version and enrollment takes one of these
//! extractors, so no handler runs before the workstation's signature is checked.
//!
//! - [`Signed`]: a request without a body (its content hash must be that of the empty body).
//! - [`SignedChunk`]: a blob chunk, sent with `UNSIGNED-PAYLOAD` (its bytes are checked against
//!   the blob's SHA-256 name when the upload completes).
//! - [`SignedBody`]: reads the body and compares its SHA-256 with the signed one.
//! - [`ClerkSession`]: [`Signed`] plus a clerk's bearer session bound to that workstation.
//!
//! Checks, in order: the five headers are there; the body hash; an enrolled workstation with
//! a key; the timestamp within the skew and the signature (`verify_request`); the workstation
//! enabled; the nonce not seen before. Keys are cached for at most [`KEY_TTL`], so a `disable`
//! from the admin CLI (another process) or on another instance takes effect within it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use yichuang_pki::credential::{
    parse_public_key_b64, sha256_hex, verify_request, RequestSignature, VerifyingKey,
    MAX_CLOCK_SKEW_MS, UNSIGNED_PAYLOAD,
};
use yichuang_pki::PkiError;

use super::ratelimit::{RateLimiter, RateLimits};
use crate::auth::store::Clerk;
use crate::auth::token_hash;
use crate::config::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::AppState;

/// How long a workstation's key and state are cached (an admin `disable` takes effect within it).
pub const KEY_TTL: Duration = Duration::from_secs(1);
/// Most workstations cached at once.
const MAX_CACHED_KEYS: usize = 10_000;
/// Most nonces remembered; beyond it the oldest go and requests signed before them are refused.
const MAX_NONCES: usize = 250_000;

#[derive(Debug, Clone)]
struct CachedKey {
    fetched: Instant,
    found: Option<(String, bool, Option<VerifyingKey>)>,
}

/// Nonces seen within the skew window: a set, and the arrival order for expiry. When the set
/// is full the oldest entry goes and `floor` rises to its timestamp: a request signed at or
/// before `floor` can no longer be told from a replay and is refused as stale.
#[derive(Debug, Default)]
struct Nonces {
    seen: HashSet<String>,
    order: VecDeque<(i64, String)>,
    floor: i64,
}

/// The per-instance state of the guard.
#[derive(Debug, Default)]
pub struct Guard {
    keys: Mutex<HashMap<String, CachedKey>>,
    nonces: Mutex<Nonces>,
    pub limiter: RateLimiter,
    pub limits: RateLimits,
}

/// An authenticated workstation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub workstation: String,
    pub hall_code: String,
}

/// A blob chunk request from an authenticated workstation (the body is not covered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedChunk(pub Signed);

/// An authenticated workstation and the exact body it signed.
#[derive(Debug, Clone)]
pub struct SignedBody {
    pub ws: Signed,
    pub body: Bytes,
}

impl SignedBody {
    /// The body as JSON of `T` (a malformed body is `bad_request`).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::BadRequest {
            detail: format!("request body: {e}"),
        })
    }
}

/// A clerk's session at the workstation that logged in.
#[derive(Debug, Clone)]
pub struct ClerkSession {
    pub ws: Signed,
    pub clerk: Clerk,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Guard {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    async fn key(
        &self,
        state: &AppState,
        id: &str,
    ) -> Result<Option<(String, bool, Option<VerifyingKey>)>> {
        if let Some(hit) = lock(&self.keys).get(id) {
            if hit.fetched.elapsed() < KEY_TTL {
                return Ok(hit.found.clone());
            }
        }
        let found = state.db.workstation_key(id).await?.map(|k| {
            let key = k
                .public_key
                .as_deref()
                .and_then(|pk| parse_public_key_b64(pk).ok());
            (k.hall_code, k.enabled, key)
        });
        let mut keys = lock(&self.keys);
        if keys.len() >= MAX_CACHED_KEYS {
            keys.retain(|_, v| v.fetched.elapsed() < KEY_TTL);
            if keys.len() >= MAX_CACHED_KEYS {
                keys.clear();
            }
        }
        keys.insert(
            id.to_owned(),
            CachedKey {
                fetched: Instant::now(),
                found: found.clone(),
            },
        );
        Ok(found)
    }

    /// Records the nonce; `Err` when it was seen, or signed before what is still remembered.
    fn fresh_nonce(&self, sig: &RequestSignature, now_ms: i64) -> Result<()> {
        let mut n = lock(&self.nonces);
        while n
            .order
            .front()
            .is_some_and(|(ts, _)| *ts + MAX_CLOCK_SKEW_MS < now_ms)
        {
            if let Some((_, key)) = n.order.pop_front() {
                n.seen.remove(&key);
            }
        }
        if sig.timestamp_ms <= n.floor {
            return Err(Error::RequestStale {
                detail: "signed before the oldest nonce still remembered; sign it again".into(),
            });
        }
        let key = format!("{}\n{}", sig.workstation, sig.nonce);
        if n.seen.contains(&key) {
            return Err(Error::RequestReplayed {
                detail: format!("nonce already used by {}", sig.workstation),
            });
        }
        if n.seen.len() >= MAX_NONCES {
            if let Some((ts, old)) = n.order.pop_front() {
                n.seen.remove(&old);
                n.floor = n.floor.max(ts);
            }
        }
        n.seen.insert(key.clone());
        n.order.push_back((sig.timestamp_ms, key));
        Ok(())
    }

    /// Verifies one request. `body_sha256`: the hash of the body read (`None`: the body is not
    /// read, and must be signed as `UNSIGNED-PAYLOAD` when `unsigned_ok`, or as empty).
    async fn verify(
        &self,
        state: &AppState,
        method: &str,
        path_and_query: &str,
        headers: &HeaderMap,
        body_sha256: Option<String>,
        unsigned_ok: bool,
    ) -> Result<Signed> {
        let sig =
            RequestSignature::from_headers(|name| headers.get(name).and_then(|v| v.to_str().ok()))
                .ok_or_else(|| Error::RequestUnsigned {
                    detail: "missing or malformed x-yichuang-* signature headers".into(),
                })?;
        if sig.workstation.is_empty() || sig.workstation.len() > crate::sync::MAX_WORKSTATION_LEN {
            return Err(Error::WorkstationUnknown {
                detail: "workstation id of 1..=64 bytes expected".into(),
            });
        }
        let expected = match (&body_sha256, unsigned_ok) {
            (Some(hash), _) => hash.clone(),
            (None, true) => UNSIGNED_PAYLOAD.to_owned(),
            (None, false) => sha256_hex(b""),
        };
        if sig.content_sha256 != expected {
            return Err(Error::RequestSignatureInvalid {
                detail: format!(
                    "content hash {} does not match the body ({expected})",
                    sig.content_sha256
                ),
            });
        }
        let Some((hall_code, enabled, key)) = self.key(state, &sig.workstation).await? else {
            return Err(Error::WorkstationUnknown {
                detail: format!("no workstation {}", sig.workstation),
            });
        };
        let Some(key) = key else {
            return Err(Error::WorkstationUnknown {
                detail: format!("workstation {} has no enrolled key", sig.workstation),
            });
        };
        let now = SystemClock.now_ms();
        verify_request(&key, method, path_and_query, &sig, now).map_err(|e| match e {
            PkiError::NotYetValid { .. } | PkiError::Expired { .. } => Error::RequestStale {
                detail: format!(
                    "signed at {} ms, server time {now} ms (±{MAX_CLOCK_SKEW_MS} ms)",
                    sig.timestamp_ms
                ),
            },
            other => Error::RequestSignatureInvalid {
                detail: other.to_string(),
            },
        })?;
        if !enabled {
            return Err(Error::WorkstationDisabled {
                detail: format!("workstation {} is disabled", sig.workstation),
            });
        }
        self.fresh_nonce(&sig, now)?;
        Ok(Signed {
            workstation: sig.workstation,
            hall_code,
        })
    }
}

fn path_and_query(parts: &Parts) -> String {
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned())
}

async fn from_parts(parts: &Parts, state: &AppState, unsigned_ok: bool) -> Result<Signed> {
    state
        .auth
        .guard
        .verify(
            state,
            parts.method.as_str(),
            &path_and_query(parts),
            &parts.headers,
            None,
            unsigned_ok,
        )
        .await
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        from_parts(parts, state, false).await
    }
}

impl FromRequestParts<AppState> for SignedChunk {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        from_parts(parts, state, true).await.map(SignedChunk)
    }
}

impl FromRequest<AppState> for SignedBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self> {
        let (parts, body) = req.into_parts();
        if !parts
            .headers
            .contains_key(yichuang_pki::credential::HEADER_SIGNATURE)
        {
            return Err(Error::RequestUnsigned {
                detail: "missing or malformed x-yichuang-* signature headers".into(),
            });
        }
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| Error::BadRequest {
                detail: e.body_text(),
            })?;
        let ws = state
            .auth
            .guard
            .verify(
                state,
                parts.method.as_str(),
                &path_and_query(&parts),
                &parts.headers,
                Some(sha256_hex(&bytes)),
                false,
            )
            .await?;
        Ok(SignedBody { ws, body: bytes })
    }
}

/// The bearer token of `Authorization: Bearer …`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for ClerkSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let ws = from_parts(parts, state, false).await?;
        let token = bearer(&parts.headers).ok_or_else(|| Error::Unauthorized {
            detail: "missing Authorization: Bearer token".into(),
        })?;
        let clerk = state
            .db
            .session_at(&token_hash(token), &ws.workstation, state.auth.now_ms())
            .await?;
        Ok(ClerkSession { ws, clerk })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(ws: &str, ts: i64, nonce: &str) -> RequestSignature {
        RequestSignature {
            workstation: ws.into(),
            timestamp_ms: ts,
            nonce: nonce.into(),
            content_sha256: String::new(),
            signature_b64: String::new(),
        }
    }

    #[test]
    fn i15_a_nonce_is_accepted_once_per_workstation_within_the_skew_window() {
        let g = Guard::default();
        g.fresh_nonce(&sig("a", 1_000, "n1"), 1_000).unwrap();
        let e = g.fresh_nonce(&sig("a", 1_000, "n1"), 2_000).unwrap_err();
        assert_eq!(e.code(), "request_replayed");
        g.fresh_nonce(&sig("b", 1_000, "n1"), 2_000).unwrap();
        // Past the window the entry goes; the timestamp check refuses such a request anyway.
        let later = 1_000 + MAX_CLOCK_SKEW_MS + 1;
        g.fresh_nonce(&sig("a", later, "n2"), later).unwrap();
        assert!(!lock(&g.nonces).seen.contains("a\nn1"));
    }
}
