//! `/api/v1/auth/*`: challenge, login (certificate + signature → session token and offline
//! grant), grant key, session check. Every login attempt is written to `login_audit`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::Extensions;
use axum::Json;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_pki::{sign_grant, verify_message, Cert, OfflineGrant, PkiError, SignedGrant};

use super::store::{AuditRecord, ChallengeProblem, Clerk};
use super::{login_message, new_session_token, random_bytes, token_hash};
use crate::error::{Error, ErrorBody, Result};
use crate::workstation::guard::{ClerkSession, Signed, SignedBody};
use crate::workstation::ratelimit::Limit;
use crate::AppState;

/// Answer of `POST /api/v1/auth/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeResponse {
    /// UUID of the challenge.
    pub challenge_id: String,
    /// Standard base64 of 32 random bytes.
    pub nonce: String,
    /// Unix milliseconds; single use, 60 s.
    pub expires_at: i64,
}

/// Body of `POST /api/v1/auth/login`. The UKey signs the UTF-8 bytes of
/// `yichuang-login|{challenge_id}|{nonce}` (nonce as the base64 text returned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub challenge_id: String,
    /// The clerk certificate, standard base64 of its DER.
    pub certificate: String,
    /// Standard base64 of the signature: DER `SEQUENCE { r, s }` for SM2 and ECDSA P-256,
    /// the raw PKCS#1 v1.5 signature for RSA.
    pub signature: String,
}

/// An Ed25519-signed offline login grant (see `yichuang_pki::grant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = SignedGrant)]
pub struct SignedGrantBody {
    /// Standard base64 of the grant's canonical JSON (keys sorted, no whitespace):
    /// `{cert_der_b64, cert_fingerprint, clerk_id, clerk_name, department, expires_at,
    /// issued_at, permissions, server_id}`, times in Unix milliseconds.
    pub payload_b64: String,
    /// Standard base64 of the Ed25519 signature over the payload bytes.
    pub signature_b64: String,
    /// Id of the grant key (`GET /api/v1/auth/grant-key`).
    pub key_id: String,
}

impl From<SignedGrant> for SignedGrantBody {
    fn from(g: SignedGrant) -> Self {
        Self {
            payload_b64: g.payload_b64,
            signature_b64: g.signature_b64,
            key_id: g.key_id,
        }
    }
}

/// Answer of a successful login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`.
    pub session_token: String,
    /// Unix milliseconds (12 h after login).
    pub expires_at: i64,
    pub clerk: Clerk,
    pub offline_grant: SignedGrantBody,
}

/// Answer of `GET /api/v1/auth/grant-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GrantKeyResponse {
    pub key_id: String,
    /// Standard base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
}

/// The client address of the request (`ConnectInfo`), as text.
fn client_addr(extensions: &Extensions) -> String {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string())
}

/// Counts one attempt against the per-workstation and per-address limits.
fn limit(
    state: &AppState,
    route: &str,
    ws: &Signed,
    addr: &str,
    per_ws: Limit,
    per_addr: Limit,
) -> Result<()> {
    let now = state.auth.now_ms();
    let limiter = &state.auth.guard.limiter;
    limiter.hit(&format!("{route} ws {}", ws.workstation), per_ws, now)?;
    limiter.hit(&format!("{route} addr {addr}"), per_addr, now)
}

/// Issues a login challenge: random, single use, valid 60 s.
#[utoipa::path(
    post,
    path = "/api/v1/auth/challenge",
    tag = "auth",
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Login challenge for the signing workstation (the body, if any, is ignored but signed)", body = ChallengeResponse),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
        (status = 429, description = "rate_limited: too many challenges from this workstation or address; see Retry-After", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn challenge(
    State(state): State<AppState>,
    extensions: Extensions,
    signed: SignedBody,
) -> Result<Json<ChallengeResponse>> {
    let limits = state.auth.guard.limits;
    limit(
        &state,
        "challenge",
        &signed.ws,
        &client_addr(&extensions),
        limits.challenge_per_workstation,
        limits.challenge_per_address,
    )?;
    let now = state.auth.now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let nonce = B64.encode(random_bytes::<32>()?);
    let expires_at = now + state.auth.config.challenge_ttl_ms;
    state
        .db
        .create_challenge(&id, &nonce, &signed.ws.workstation, now, expires_at)
        .await?;
    Ok(Json(ChallengeResponse {
        challenge_id: id,
        nonce,
        expires_at,
    }))
}

/// Certificate login: checks, in order, the challenge, the certificate (trusted CA,
/// validity, revocation), the signature and the binding to an active clerk; then issues a
/// session token and an offline grant. Every attempt is audited.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Login succeeded", body = LoginResponse),
        (status = 400, description = "bad_request / challenge_invalid (challenge expired or unknown) / cert_malformed / cert_unsupported", body = ErrorBody),
        (status = 401, description = "signature_invalid (the UKey signature does not verify) / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "cert_untrusted / cert_expired / cert_revoked / crl_outdated (the CA's CRL is past nextUpdate plus the grace) / cert_not_bound / workstation_disabled", body = ErrorBody),
        (status = 429, description = "rate_limited: too many logins from this workstation or address; see Retry-After", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("workstation_signature" = []))
)]
pub async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    signed: SignedBody,
) -> Result<Json<LoginResponse>> {
    let limits = state.auth.guard.limits;
    let addr = client_addr(&extensions);
    limit(
        &state,
        "login",
        &signed.ws,
        &addr,
        limits.login_per_workstation,
        limits.login_per_address,
    )?;
    let now = state.auth.now_ms();
    let mut audit = AuditRecord {
        at: now,
        remote_addr: extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.to_string()),
        workstation: Some(signed.ws.workstation.clone()),
        ..AuditRecord::default()
    };
    let result = match signed.json::<LoginRequest>() {
        Ok(req) => login_checks(&state, &req, &signed.ws.workstation, now, &mut audit).await,
        Err(e) => Err(e),
    };
    match &result {
        Ok(_) => audit.outcome = "ok".into(),
        Err(e) => {
            audit.outcome = e.code().as_str().into();
            audit.detail = Some(e.detail());
        }
    }
    let audited = state.db.insert_audit(&audit).await;
    match (result, audited) {
        (Ok(ok), Ok(())) => {
            tracing::info!(clerk = ?audit.clerk_id, workstation = ?audit.workstation, "login");
            Ok(Json(ok))
        }
        // No session without its audit row.
        (Ok(_), Err(e)) => Err(e),
        (Err(e), audited) => {
            if let Err(ae) = audited {
                tracing::error!(detail = %ae.detail(), "login audit write failed");
            }
            tracing::info!(code = %e.code(), detail = %e.detail(), workstation = ?audit.workstation, "login refused");
            Err(e)
        }
    }
}

fn pki_to_cert_error(e: PkiError) -> Error {
    let detail = e.to_string();
    match e {
        PkiError::Expired { .. } => Error::CertExpired {
            not_yet_valid: false,
            detail,
        },
        PkiError::NotYetValid { .. } => Error::CertExpired {
            not_yet_valid: true,
            detail,
        },
        PkiError::Revoked { .. } => Error::CertRevoked { detail },
        PkiError::UnsupportedAlgorithm { .. } => Error::CertUnsupported { detail },
        PkiError::Malformed { .. } => Error::CertMalformed { detail },
        _ => Error::CertUntrusted { detail },
    }
}

async fn login_checks(
    state: &AppState,
    req: &LoginRequest,
    signer: &str,
    now: i64,
    audit: &mut AuditRecord,
) -> Result<LoginResponse> {
    // 1. The challenge: consumed atomically, so a replay finds it used.
    let (nonce, workstation) = match state.db.consume_challenge(&req.challenge_id, now).await? {
        Ok(found) => found,
        Err(problem) => {
            return Err(Error::ChallengeInvalid {
                detail: match problem {
                    ChallengeProblem::Unknown => "unknown challenge_id",
                    ChallengeProblem::Expired => "challenge expired",
                    ChallengeProblem::AlreadyUsed => "challenge already used",
                }
                .into(),
            })
        }
    };
    if workstation != signer {
        return Err(Error::ChallengeInvalid {
            detail: format!("challenge was issued to workstation {workstation}"),
        });
    }

    // 2. The certificate.
    let der = B64
        .decode(req.certificate.trim())
        .map_err(|e| Error::CertMalformed {
            detail: format!("certificate is not base64: {e}"),
        })?;
    let cert = Cert::from_der(&der).map_err(|e| Error::CertMalformed {
        detail: e.to_string(),
    })?;
    audit.cert_fingerprint = Some(cert.fingerprint());
    audit.issuer = Some(cert.issuer());
    audit.serial = Some(cert.serial_hex());

    // 3–5. Trusted CA, validity, revocation (in that order).
    let trust = state.auth.trust.load();
    let ca = trust
        .verify_certificate(&cert, now.div_euclid(1000))
        .map_err(pki_to_cert_error)?;
    // 5b. The CA's CRL is not past its nextUpdate plus the grace (issue 15 item 6).
    super::reload::check_crl_fresh(&trust, ca, now, state.auth.config.crl_grace_ms)?;
    drop(trust);

    // 6. The signature over the challenge, with the algorithm of the certificate's key.
    let signature = B64
        .decode(req.signature.trim())
        .map_err(|e| Error::SignatureInvalid {
            detail: format!("signature is not base64: {e}"),
        })?;
    let message = login_message(&req.challenge_id, &nonce);
    verify_message(&cert, message.as_bytes(), &signature).map_err(|e| match e {
        PkiError::UnsupportedAlgorithm { .. } => Error::CertUnsupported {
            detail: e.to_string(),
        },
        other => Error::SignatureInvalid {
            detail: other.to_string(),
        },
    })?;

    // 7. Bound to an active clerk.
    let (clerk, owner, why) = state.db.bound_clerk(&cert).await?;
    audit.clerk_id = owner;
    let clerk = clerk.ok_or(Error::CertNotBound { detail: why })?;

    // Session and offline grant.
    let token = new_session_token()?;
    let expires_at = now + state.auth.config.session_ttl_ms;
    state
        .db
        .create_session(
            &token_hash(&token),
            &clerk.id,
            signer,
            &cert.fingerprint(),
            now,
            expires_at,
        )
        .await?;
    let grant = OfflineGrant {
        clerk_id: clerk.id.clone(),
        clerk_name: clerk.name.clone(),
        department: clerk.department.clone(),
        post: clerk.post.clone(),
        permissions: clerk.permissions.clone(),
        cert_fingerprint: cert.fingerprint(),
        cert_der_b64: B64.encode(cert.der()),
        issued_at: now,
        expires_at: now + i64::from(state.auth.config.grant_days) * 24 * 60 * 60 * 1000,
        server_id: state.instance_id.to_string(),
    };
    let signed = sign_grant(state.auth.grant_key(), &grant).map_err(|e| Error::GrantKey {
        detail: e.to_string(),
    })?;
    Ok(LoginResponse {
        session_token: token,
        expires_at,
        clerk,
        offline_grant: signed.into(),
    })
}

/// The public key that verifies offline grants.
#[utoipa::path(
    get,
    path = "/api/v1/auth/grant-key",
    tag = "auth",
    security(("workstation_signature" = [])),
    responses(
        (status = 200, description = "Public key that verifies offline grants (Ed25519); the workstation pins it at enrollment", body = GrantKeyResponse),
        (status = 401, description = "request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn grant_key(State(state): State<AppState>, _ws: Signed) -> Json<GrantKeyResponse> {
    Json(GrantKeyResponse {
        key_id: state.auth.grant_key_id.clone(),
        public_key: state.auth.grant_public_key_b64(),
    })
}

/// The clerk of a session token (`Authorization: Bearer …`).
#[utoipa::path(
    get,
    path = "/api/v1/auth/session",
    tag = "auth",
    security(("workstation_signature" = [], "bearer" = [])),
    responses(
        (status = 200, description = "Session valid: the clerk", body = Clerk),
        (status = 401, description = "unauthorized (no session, the session expired, or it belongs to another workstation) / session_ended (certificate unbound or clerk disabled) / request_unsigned / request_signature_invalid / request_stale / request_replayed / workstation_unknown", body = ErrorBody),
        (status = 403, description = "workstation_disabled", body = ErrorBody),
    )
)]
pub async fn session(session: ClerkSession) -> Json<Clerk> {
    Json(session.clerk)
}
