//! Certificate login (A1–A6): challenge–response with the central server, the offline grant
//! for days without a network, and the session the lock-on-removal rule protects.
//!
//! Online: the server's challenge is signed by the UKey (after the PIN) as the bytes of
//! `yichuang-login|{challenge_id}|{nonce}`; the server checks signature, chain, validity,
//! revocation and binding, and answers with a session and a signed offline grant, which is
//! kept here per certificate. Offline (server unreachable): the grant for the chosen
//! certificate must verify with the server's grant key and be unexpired, and the same key
//! must sign a fresh local challenge that verifies against the certificate in the grant.
//! Every attempt is audited, in the same transaction as the grant it stores.
//!
//! The key and the server are reached through the [`Ukey`] and [`AuthApi`] traits
//! (implemented by [`UkeyService`] and [`AuthClient`]), so the rules are tested with a key that
//! signs with a real P-256 key and a server answer made in the test. Time and the local
//! challenge's nonce come in with the request: nothing here reads the clock.

use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;
use yichuang_drivers::ukey::CertInfo;

use crate::devices::ukey::{ukey_error, UkeyService};
use crate::domain::audit::{self, AuditEntry};
use crate::infra::credential::WorkstationCredential;
use crate::infra::store::Store;
use crate::{ErrorCode, UserError};

/// What login needs from the clerk's UKey.
pub trait Ukey {
    /// The certificate `cert` on key `key`.
    fn certificate(&self, key: &str, cert: &str) -> Result<CertInfo, UserError>;
    /// Verifies the PIN and signs `message` with the certificate's private key (DER signature).
    fn verify_and_sign(
        &self,
        key: &str,
        cert: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, UserError>;
    /// Whether `key` is plugged in now.
    fn present(&self, key: &str) -> bool;
    /// How many presence polls the key service has made so far (the watcher's and
    /// [`Ukey::present`]'s). A poll counted here was made before anything done with the key
    /// after reading it, so a removal it saw is older than that (see [`SessionState`]).
    fn presence_mark(&self) -> u64;
}

impl Ukey for UkeyService {
    fn certificate(&self, key: &str, cert: &str) -> Result<CertInfo, UserError> {
        UkeyService::certificate(self, key, cert)
    }

    fn verify_and_sign(
        &self,
        key: &str,
        cert: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, UserError> {
        UkeyService::verify_and_sign(self, key, cert, pin, message).map(|s| s.bytes)
    }

    fn present(&self, key: &str) -> bool {
        UkeyService::present(self, key)
    }

    fn presence_mark(&self) -> u64 {
        UkeyService::presence_mark(self)
    }
}

/// The login endpoints of the central server, as login uses them.
pub trait AuthApi {
    /// A fresh challenge for `workstation`.
    fn challenge(&self, workstation: &str) -> Result<Challenge, AuthFailure>;
    /// The signed challenge with the certificate; a session and an offline grant back.
    fn login(&self, call: &LoginCall<'_>) -> Result<LoginOk, AuthFailure>;
    /// The server's offline-grant verifying key.
    fn grant_key(&self) -> Result<GrantKey, AuthFailure>;
}

/// The second step of an online login.
#[derive(Debug)]
pub struct LoginCall<'a> {
    pub challenge_id: &'a str,
    pub certificate_der: &'a [u8],
    pub signature: &'a [u8],
    pub workstation: &'a str,
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The clerk as the server registers them (A4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ClerkInfo {
    pub id: String,
    pub name: String,
    pub department: String,
    #[serde(default)]
    pub post: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

pub use crate::infra::status::SessionMode;

/// A logged-in clerk at this window.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub clerk: ClerkInfo,
    pub mode: SessionMode,
    /// The key and certificate the clerk logged in with; pulling this key locks (A5).
    pub key_id: String,
    pub cert_id: String,
    pub cert_fingerprint: String,
    /// Unix ms.
    pub expires_at: i64,
    /// The server's session token (online logins).
    pub token: Option<String>,
}

mod pin;
mod pulled;
mod session_check;
mod state;

pub use pin::record_pin_change;
pub use session_check::check_session;
pub use state::SessionState;

/// The signed offline grant as the server sends it (`yichuang-pki`'s `SignedGrant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedGrant {
    pub payload_b64: String,
    pub signature_b64: String,
    pub key_id: String,
}

/// The server's challenge (`POST api/v1/auth/challenge`).
#[derive(Debug, Clone, Deserialize)]
pub struct Challenge {
    pub challenge_id: String,
    pub nonce: String,
}

/// The server's answer to a good login (`POST api/v1/auth/login`).
#[derive(Debug, Clone, Deserialize)]
pub struct LoginOk {
    pub session_token: String,
    pub expires_at: i64,
    pub clerk: ClerkInfo,
    pub offline_grant: Option<SignedGrant>,
}

#[derive(Debug, Deserialize)]
struct ServerError {
    code: String,
    message: String,
    #[serde(default)]
    detail: String,
}

/// Why a call to the server did not give an answer to act on.
#[derive(Debug)]
pub enum AuthFailure {
    /// No answer (network down, server stopped, 5xx): offline login may apply.
    Unreachable(String),
    /// The server answered no, with its Chinese message.
    Refused(UserError),
}

/// A request that got no answer: a refused TLS connection is the server's certificate
/// failing the hall CA or pin (a typed, Chinese refusal), anything else "unreachable".
fn send_failed(method: &str, url: &Url, e: reqwest::Error) -> AuthFailure {
    match crate::infra::http::tls_refusal(&e, &format!("{method} {url}")) {
        Some(refusal) => AuthFailure::Refused(refusal),
        None => AuthFailure::Unreachable(format!("{method} {url}: {e}")),
    }
}

/// The login endpoints of the central server. Every request is signed with the workstation's
/// enrolled credential (the server takes the workstation from it); the offline-grant key is
/// the one pinned at enrollment, never fetched at login.
#[derive(Debug, Clone)]
pub struct AuthClient {
    base: Url,
    http: reqwest::blocking::Client,
    credential: WorkstationCredential,
    grant_key: GrantKey,
}

impl AuthClient {
    pub fn new(
        base: Url,
        tls: &crate::infra::http::BackendTls,
        credential: WorkstationCredential,
        grant_key: GrantKey,
    ) -> Result<Self, UserError> {
        let http = crate::infra::http::blocking_client(
            tls,
            reqwest::blocking::Client::builder()
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(10)),
        )
        .map_err(|e| UserError::new(e.code(), e.to_string()))?;
        Ok(Self {
            base,
            http,
            credential,
            grant_key,
        })
    }

    fn url(&self, path: &str) -> Result<Url, AuthFailure> {
        self.base
            .join(path)
            .map_err(|e| AuthFailure::Unreachable(format!("bad backend url: {e}")))
    }

    fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, AuthFailure> {
        let url = self.url(path)?;
        let bytes = serde_json::to_vec(body)
            .map_err(|e| AuthFailure::Unreachable(format!("POST {url}: body: {e}")))?;
        let resp = self
            .credential
            .apply(
                self.http.post(url.clone()),
                "POST",
                &self.base,
                &url,
                Some(&bytes),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes)
            .send()
            .map_err(|e| send_failed("POST", &url, e))?;
        let status = resp.status();
        if status.is_server_error() {
            return Err(AuthFailure::Unreachable(format!(
                "POST {url}: HTTP {status}"
            )));
        }
        if !status.is_success() {
            let e: ServerError = resp.json().map_err(|e| {
                AuthFailure::Unreachable(format!("POST {url}: HTTP {status}, unreadable: {e}"))
            })?;
            return Err(AuthFailure::Refused(UserError::with_message(
                ErrorCode::login_refused(&e.code),
                e.message,
                format!("{}: {}", e.code, e.detail),
            )));
        }
        resp.json()
            .map_err(|e| AuthFailure::Unreachable(format!("POST {url}: unreadable answer: {e}")))
    }
}

impl AuthApi for AuthClient {
    fn challenge(&self, _workstation: &str) -> Result<Challenge, AuthFailure> {
        self.post("api/v1/auth/challenge", &serde_json::json!({}))
    }

    fn login(&self, call: &LoginCall<'_>) -> Result<LoginOk, AuthFailure> {
        self.post(
            "api/v1/auth/login",
            &serde_json::json!({
                "challenge_id": call.challenge_id,
                "certificate": B64.encode(call.certificate_der),
                "signature": B64.encode(call.signature),
            }),
        )
    }

    fn grant_key(&self) -> Result<GrantKey, AuthFailure> {
        Ok(self.grant_key.clone())
    }
}

/// The server's Ed25519 key for offline grants, kept in `meta` after the first online login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantKey {
    pub key_id: String,
    pub public_key: String,
}

/// SHA-256 of a certificate, lower-case hex (what grants and bindings name a cert by).
pub fn fingerprint(der: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(der)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn store_err(e: crate::infra::store::StoreError) -> UserError {
    UserError::with_message(ErrorCode::StoreWrite, e.message(), e.to_string())
}

/// One audit entry of the clerk's own (unlock, PIN change, logout, a session the server
/// ended), in its own transaction.
fn record_for_clerk(
    store: &mut Store,
    clerk_id: &str,
    action: &str,
    detail: serde_json::Value,
    now: i64,
) -> Result<(), UserError> {
    store
        .transact(|tx| {
            audit::record(
                tx,
                now,
                AuditEntry {
                    actor: Some(clerk_id.to_owned()),
                    action: action.into(),
                    subject: None,
                    detail,
                },
            )
            .map(drop)
        })
        .map_err(store_err)
}

/// Everything one login attempt needs.
pub struct LoginRequest<'a> {
    pub key_id: &'a str,
    pub cert_id: &'a str,
    pub pin: &'a str,
    /// `"{hall code}-{window}"`, sent to the server for its audit.
    pub workstation: &'a str,
    /// Unix ms.
    pub now: i64,
    /// Random bytes for the local challenge of an offline login.
    pub nonce: [u8; 32],
    /// The offline-grant key pinned at enrollment (issue 15): grants are verified with it,
    /// and no key is taken from the server at login. `None` on a workstation not enrolled
    /// (offline logins then use the key an earlier login kept).
    pub grant_key: Option<&'a GrantKey>,
}

fn audit_attempt(
    store: &mut Store,
    req: &LoginRequest<'_>,
    cert: Option<&CertInfo>,
    outcome: &Result<Session, UserError>,
    grant: Option<(&SignedGrant, i64)>,
    grant_key: Option<&GrantKey>,
) -> Result<(), UserError> {
    let (action, actor, detail) = match outcome {
        Ok(s) => (
            if s.mode == SessionMode::Online {
                "login.ok"
            } else {
                "login.offline"
            },
            Some(s.clerk.id.clone()),
            serde_json::json!({ "mode": s.mode, "key": req.key_id }),
        ),
        Err(e) => (
            "login.failed",
            None,
            serde_json::json!({ "code": e.code, "key": req.key_id }),
        ),
    };
    let subject = cert.map(|c| format!("{}:{}", c.issuer, c.serial));
    store
        .transact(|tx| {
            if let (Ok(session), Some((g, expires_at)), Some(c)) = (outcome, grant, cert) {
                tx.execute(
                    "INSERT INTO offline_grant (cert_fingerprint, clerk_id, signed_grant, cert_der, expires_at, stored_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT(cert_fingerprint) DO UPDATE SET clerk_id = ?2, signed_grant = ?3,
                       cert_der = ?4, expires_at = ?5, stored_at = ?6",
                    rusqlite::params![
                        session.cert_fingerprint,
                        session.clerk.id,
                        serde_json::to_string(g).unwrap_or_default(),
                        c.der,
                        expires_at,
                        req.now
                    ],
                )?;
            }
            if let Ok(session) = outcome {
                // The name the trails show for this clerk's audit entries.
                tx.execute(
                    "INSERT INTO clerk (id, name, seen_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT(id) DO UPDATE SET name = ?2, seen_at = ?3",
                    rusqlite::params![session.clerk.id, session.clerk.name, req.now],
                )?;
            }
            if let Some(k) = grant_key {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('grant_key', ?1)
                     ON CONFLICT(key) DO UPDATE SET value = ?1",
                    [serde_json::to_string(k).unwrap_or_default()],
                )?;
            }
            audit::record(
                tx,
                req.now,
                AuditEntry {
                    actor,
                    action: action.into(),
                    subject,
                    detail,
                },
            )?;
            Ok(())
        })
        .map_err(store_err)
}

/// One login attempt with the UKey: online when the server answers, else offline with a grant.
pub fn login(
    ukey: &dyn Ukey,
    server: Option<&dyn AuthApi>,
    store: &mut Store,
    req: &LoginRequest<'_>,
) -> Result<Session, UserError> {
    let cert = match ukey.certificate(req.key_id, req.cert_id) {
        Ok(c) => c,
        Err(e) => {
            let outcome = Err(e);
            audit_attempt(store, req, None, &outcome, None, None)?;
            return outcome;
        }
    };
    let mut grant = None;
    let mut grant_key = None;
    let outcome = attempt(ukey, server, store, req, &cert, &mut grant, &mut grant_key);
    let grant_ref = grant
        .as_ref()
        .map(|(g, exp): &(SignedGrant, i64)| (g, *exp));
    audit_attempt(
        store,
        req,
        Some(&cert),
        &outcome,
        grant_ref,
        grant_key.as_ref(),
    )?;
    outcome
}

fn attempt(
    ukey: &dyn Ukey,
    server: Option<&dyn AuthApi>,
    store: &mut Store,
    req: &LoginRequest<'_>,
    cert: &CertInfo,
    grant_out: &mut Option<(SignedGrant, i64)>,
    grant_key_out: &mut Option<GrantKey>,
) -> Result<Session, UserError> {
    cert.check_validity(req.now / 1000)
        .map_err(|e| ukey_error(&e))?;
    let fp = fingerprint(&cert.der);
    let unreachable = match server {
        None => "no backend configured".to_string(),
        Some(client) => match online(ukey, client, req, cert) {
            Ok((ok, grant_key)) => {
                if let Some(g) = &ok.offline_grant {
                    let expires = offline::grant_expiry(g).unwrap_or(ok.expires_at);
                    *grant_out = Some((g.clone(), expires));
                }
                *grant_key_out = grant_key;
                return Ok(Session {
                    clerk: ok.clerk,
                    mode: SessionMode::Online,
                    key_id: req.key_id.into(),
                    cert_id: req.cert_id.into(),
                    cert_fingerprint: fp,
                    expires_at: ok.expires_at,
                    token: Some(ok.session_token),
                });
            }
            Err(AuthFailure::Refused(e)) => return Err(e),
            Err(AuthFailure::Unreachable(detail)) => detail,
        },
    };
    tracing::info!(%unreachable, "server unreachable; trying offline login");
    offline::login(ukey, store, req, cert, &fp, &unreachable)
}

fn online(
    ukey: &dyn Ukey,
    client: &dyn AuthApi,
    req: &LoginRequest<'_>,
    cert: &CertInfo,
) -> Result<(LoginOk, Option<GrantKey>), AuthFailure> {
    let ch = client.challenge(req.workstation)?;
    let message = format!("yichuang-login|{}|{}", ch.challenge_id, ch.nonce);
    let sig = ukey
        .verify_and_sign(req.key_id, req.cert_id, req.pin, message.as_bytes())
        .map_err(AuthFailure::Refused)?;
    let ok = client.login(&LoginCall {
        challenge_id: &ch.challenge_id,
        certificate_der: &cert.der,
        signature: &sig,
        workstation: req.workstation,
    })?;
    // The key pinned at enrollment; without one (not enrolled) the server's, fetched with
    // the grant, so the first online login equips this workstation for offline days. Not
    // fatal when it fails: the login itself stands.
    let key = match req.grant_key {
        Some(k) => Some(k.clone()),
        None => client.grant_key().ok(),
    };
    Ok((ok, key))
}

/// Unlocks a locked session: the same key must be present, take the PIN, and sign a fresh
/// challenge that verifies against the session's certificate. Returns the presence mark the
/// proof began at, for [`SessionState::unlocked`]: removals seen up to it are older than the
/// proof.
pub fn unlock(
    ukey: &dyn Ukey,
    store: &mut Store,
    session: &Session,
    pin: &str,
    now: i64,
    nonce: [u8; 32],
) -> Result<u64, UserError> {
    let mark = ukey.presence_mark();
    if !ukey.present(&session.key_id) {
        return Err(UserError::with_message(
            ErrorCode::UkeyNoKey,
            crate::messages::insert_own_key(&session.clerk.name),
            format!("key {} not present", session.key_id),
        ));
    }
    let result = (|| {
        let cert = ukey.certificate(&session.key_id, &session.cert_id)?;
        if fingerprint(&cert.der) != session.cert_fingerprint {
            return Err(UserError::new(
                ErrorCode::LoginOtherKey,
                "certificate fingerprint differs from the locked session's",
            ));
        }
        offline::prove_possession(ukey, &session.key_id, &session.cert_id, pin, &cert, nonce)
    })();
    let (action, detail) = match &result {
        Ok(()) => ("session.unlock", serde_json::json!({})),
        Err(e) => (
            "session.unlock_failed",
            serde_json::json!({ "code": e.code }),
        ),
    };
    record_for_clerk(store, &session.clerk.id, action, detail, now)?;
    result.map(|()| mark)
}

/// Records the lock (key pulled) in the audit trail.
pub fn record_lock(store: &mut Store, session: &Session, now: i64) -> Result<(), UserError> {
    store
        .transact(|tx| {
            audit::record(
                tx,
                now,
                AuditEntry {
                    actor: Some(session.clerk.id.clone()),
                    action: "session.lock".into(),
                    subject: None,
                    detail: serde_json::json!({ "reason": "ukey_removed", "key": session.key_id }),
                },
            )
            .map(drop)
        })
        .map_err(store_err)
}

mod offline {
    //! The offline half: grants verified with the server's key, possession proved by a fresh
    //! local challenge.
    use super::*;

    /// The grant's expiry (unix ms) from its payload, without verifying (for storage only).
    pub fn grant_expiry(g: &SignedGrant) -> Option<i64> {
        let payload = B64.decode(&g.payload_b64).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&payload).ok()?;
        v.get("expires_at")?.as_i64()
    }

    pub fn prove_possession(
        ukey: &dyn Ukey,
        key: &str,
        cert_id: &str,
        pin: &str,
        cert: &CertInfo,
        nonce: [u8; 32],
    ) -> Result<(), UserError> {
        let message = format!("yichuang-local|{}", B64.encode(nonce));
        let sig = ukey.verify_and_sign(key, cert_id, pin, message.as_bytes())?;
        let invalid = |e: yichuang_pki::PkiError| {
            UserError::new(ErrorCode::LoginSignatureInvalid, e.to_string())
        };
        let parsed = yichuang_pki::Cert::from_der(&cert.der).map_err(invalid)?;
        yichuang_pki::verify_message(&parsed, message.as_bytes(), &sig).map_err(invalid)
    }

    pub fn login(
        ukey: &dyn Ukey,
        store: &mut Store,
        req: &LoginRequest<'_>,
        cert: &CertInfo,
        fp: &str,
        unreachable: &str,
    ) -> Result<Session, UserError> {
        let no_grant = |detail: String| UserError::new(ErrorCode::LoginOfflineNoGrant, detail);
        let conn = store.conn();
        let stored: Option<(String, Vec<u8>)> = conn
            .query_row(
                "SELECT signed_grant, cert_der FROM offline_grant WHERE cert_fingerprint = ?1",
                [fp],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let Some((grant_json, cert_der)) = stored else {
            return Err(no_grant(format!(
                "server unreachable ({unreachable}); no grant for {fp}"
            )));
        };
        let key: Option<GrantKey> = req.grant_key.cloned().or_else(|| {
            conn.query_row("SELECT value FROM meta WHERE key = 'grant_key'", [], |r| {
                r.get::<_, String>(0)
            })
            .ok()
            .and_then(|v| serde_json::from_str(&v).ok())
        });
        let Some(key) = key else {
            return Err(no_grant("no grant key stored".into()));
        };
        let signed: SignedGrant = serde_json::from_str(&grant_json)
            .map_err(|e| no_grant(format!("stored grant unreadable: {e}")))?;
        let grant = verify_grant(&key, &signed, req.now)
            .map_err(|e| UserError::new(ErrorCode::LoginOfflineGrantInvalid, e))?;
        if grant.cert_fingerprint != fp || cert_der != cert.der {
            return Err(no_grant("grant names another certificate".into()));
        }
        // A valid grant is not enough: the clerk and the certificate must still be in the
        // clerk list the sync engine pulled last (issue 15 item 6).
        pulled::check(conn, &grant.clerk_id, fp)?;
        prove_possession(ukey, req.key_id, req.cert_id, req.pin, cert, req.nonce)?;
        Ok(Session {
            clerk: ClerkInfo {
                id: grant.clerk_id,
                name: grant.clerk_name,
                department: grant.department,
                post: grant.post,
                permissions: grant.permissions,
            },
            mode: SessionMode::Offline,
            key_id: req.key_id.into(),
            cert_id: req.cert_id.into(),
            cert_fingerprint: fp.into(),
            expires_at: grant.expires_at,
            token: None,
        })
    }

    fn verify_grant(
        key: &GrantKey,
        signed: &SignedGrant,
        now_ms: i64,
    ) -> Result<yichuang_pki::OfflineGrant, String> {
        let pki_signed = yichuang_pki::SignedGrant {
            payload_b64: signed.payload_b64.clone(),
            signature_b64: signed.signature_b64.clone(),
            key_id: signed.key_id.clone(),
        };
        let bytes: [u8; 32] = B64
            .decode(&key.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| "stored grant key is not a 32-byte Ed25519 key".to_string())?;
        let vk = yichuang_pki::VerifyingKey::from_bytes(&bytes).map_err(|e| e.to_string())?;
        yichuang_pki::verify_grant(&vk, &pki_signed, now_ms).map_err(|e| e.to_string())
    }
}

/// Records that the server ended a session (certificate unbound, clerk disabled).
pub fn record_ended(
    store: &mut Store,
    session: &Session,
    code: ErrorCode,
    now: i64,
) -> Result<(), UserError> {
    let detail = serde_json::json!({ "code": code });
    record_for_clerk(
        store,
        &session.clerk.id,
        "session.ended_by_server",
        detail,
        now,
    )
}

/// Records the end of a session.
pub fn record_logout(store: &mut Store, session: &Session, now: i64) -> Result<(), UserError> {
    record_for_clerk(
        store,
        &session.clerk.id,
        "logout",
        serde_json::json!({}),
        now,
    )
}

#[cfg(test)]
mod tests;
