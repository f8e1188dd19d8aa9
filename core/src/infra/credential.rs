//! The workstation's credential (issue 15): the id the server assigned at enrollment and the
//! Ed25519 key the workstation made for itself. Every request to the backend is signed with it
//! ([`yichuang_pki::credential`] defines what is signed); the server takes the workstation's
//! identity from that signature only.
//!
//! Keeping the key (OS keystore) and the enrollment record (data directory) is the
//! workstation's business ([`crate::workstation`]); this module only signs and enrolls.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::blocking::RequestBuilder;
use serde::{Deserialize, Serialize};
use url::Url;
use yichuang_pki::credential::{
    self as wire, audit_head_message, enrollment_message, public_key_b64, sign_b64, SigningKey,
};

/// Path of the enrollment endpoint under the backend URL.
pub const ENROLL_PATH: &str = "/api/v1/enroll";

/// An enrolled workstation: its id (from the server) and its signing key.
#[derive(Clone)]
pub struct WorkstationCredential {
    workstation_id: String,
    key: SigningKey,
}

impl fmt::Debug for WorkstationCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("WorkstationCredential")
            .field("workstation_id", &self.workstation_id)
            .field("public_key", &self.public_key_b64())
            .finish()
    }
}

impl WorkstationCredential {
    pub fn new(workstation_id: impl Into<String>, key: SigningKey) -> Self {
        Self {
            workstation_id: workstation_id.into(),
            key,
        }
    }

    pub fn workstation_id(&self) -> &str {
        &self.workstation_id
    }

    pub fn public_key_b64(&self) -> String {
        public_key_b64(&self.key.verifying_key())
    }

    /// The signature headers of a request to `url` (under the backend URL `base`). `body` is
    /// the exact body bytes sent (empty for a GET), or `None` for a blob chunk sent unsigned.
    pub fn sign(
        &self,
        method: &str,
        base: &Url,
        url: &Url,
        body: Option<&[u8]>,
    ) -> wire::RequestSignature {
        wire::sign_request(
            &self.key,
            &self.workstation_id,
            method,
            &signed_path(base, url),
            now_ms(),
            wire::nonce_from(random16()),
            body,
        )
    }

    /// Adds the signature headers to a blocking request.
    pub fn apply(
        &self,
        builder: RequestBuilder,
        method: &str,
        base: &Url,
        url: &Url,
        body: Option<&[u8]>,
    ) -> RequestBuilder {
        self.sign(method, base, url, body)
            .headers()
            .into_iter()
            .fold(builder, |b, (name, value)| b.header(name, value))
    }

    /// The proof of a card read for a licence lookup (L1, A6): the `card.read` audit entry
    /// signed with this workstation's key.
    pub fn sign_card_read(
        &self,
        entry: yichuang_pki::card_read::AuditEntryProof,
    ) -> yichuang_pki::card_read::CardReadProof {
        yichuang_pki::card_read::CardReadProof::sign(entry, &self.workstation_id, &self.key)
    }

    /// Signature of the audit chain head (the last entry pushed), standard base64.
    pub fn sign_audit_head(&self, seq: i64, hash: &str) -> String {
        sign_b64(
            &self.key,
            audit_head_message(&self.workstation_id, seq, hash).as_bytes(),
        )
    }
}

/// The part of `url` the server sees and the signature covers: the path from `/api/v1` on
/// (a base path of the backend URL is a reverse proxy's and is not signed) and the query.
pub fn signed_path(base: &Url, url: &Url) -> String {
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    let path = path.strip_prefix(prefix).unwrap_or(path);
    match url.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn random16() -> [u8; 16] {
    use ring::rand::SecureRandom as _;
    let mut buf = [0u8; 16];
    // The system random source does not fail on the platforms we run on; should it, a nonce
    // of the clock's nanoseconds is still unique for the replay window.
    if ring::rand::SystemRandom::new().fill(&mut buf).is_err() {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        buf = nanos.to_le_bytes();
    }
    buf
}

/// A fresh workstation key from the system random source.
pub fn generate_key() -> Result<SigningKey, ring::error::Unspecified> {
    use ring::rand::SecureRandom as _;
    let mut seed = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut seed)?;
    Ok(SigningKey::from_bytes(&seed))
}

/// What the workstation sends to enroll: the one-time code from IT, its public key, and the
/// proof that it holds the private key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EnrollRequest {
    pub code: String,
    pub public_key: String,
    /// Ed25519 signature of [`enrollment_message`], standard base64.
    pub proof: String,
}

impl EnrollRequest {
    pub fn new(code: &str, key: &SigningKey) -> Self {
        let code = normalize_code(code);
        let public_key = public_key_b64(&key.verifying_key());
        let proof = sign_b64(key, enrollment_message(&code, &public_key).as_bytes());
        Self {
            code,
            public_key,
            proof,
        }
    }
}

/// What the server answers to an enrollment, and what the workstation keeps (public data):
/// its identity, and the offline-grant key pinned here rather than fetched at every login.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Enrollment {
    pub workstation_id: String,
    pub hall_code: String,
    pub window: u32,
    /// The offline-grant verifying key, standard base64 of 32 bytes.
    pub grant_public_key: String,
    pub grant_key_id: String,
    pub server_instance_id: String,
    /// Unix milliseconds, server clock.
    pub enrolled_at: i64,
}

pub use yichuang_pki::credential::normalize_code;

#[cfg(test)]
mod tests {
    use super::*;
    use yichuang_pki::credential::{verify_request, RequestSignature};

    #[test]
    fn the_signed_path_leaves_out_the_proxy_base_path_and_keeps_the_query() {
        let base = Url::parse("https://zw.example.cn/yichuang/").unwrap();
        let url =
            Url::parse("https://zw.example.cn/yichuang/api/v1/sync/blobs/ab?offset=0&total=3")
                .unwrap();
        assert_eq!(
            signed_path(&base, &url),
            "/api/v1/sync/blobs/ab?offset=0&total=3"
        );
        let base = Url::parse("http://127.0.0.1:8720").unwrap();
        let url = Url::parse("http://127.0.0.1:8720/api/v1/sync/push").unwrap();
        assert_eq!(signed_path(&base, &url), "/api/v1/sync/push");
    }

    #[test]
    fn a_signature_verifies_with_the_public_key_the_workstation_enrolls() {
        let key = generate_key().unwrap();
        let cred = WorkstationCredential::new("441500-05", key.clone());
        let enroll = EnrollRequest::new("abcd-efgh-jkmn", &key);
        assert_eq!(enroll.code, "ABCDEFGHJKMN");
        let vk = yichuang_pki::credential::parse_public_key_b64(&enroll.public_key).unwrap();
        yichuang_pki::credential::verify_b64(
            &vk,
            enrollment_message(&enroll.code, &enroll.public_key).as_bytes(),
            &enroll.proof,
        )
        .unwrap();
        let base = Url::parse("http://127.0.0.1:1").unwrap();
        let url = base.join("/api/v1/sync/catalog").unwrap();
        let sig: RequestSignature = cred.sign("GET", &base, &url, Some(b""));
        verify_request(&vk, "GET", "/api/v1/sync/catalog", &sig, now_ms()).unwrap();
        assert!(!format!("{cred:?}").contains(&format!("{:?}", key.to_bytes())));
    }
}
