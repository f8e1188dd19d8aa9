//! The workstation credential (issue 15): an Ed25519 key pair the workstation makes itself at
//! enrollment (the private half never leaves its OS keystore), whose public half the server
//! records against the workstation id it assigns. Every request a workstation sends is signed
//! with it, so the server takes the workstation's identity from the signature and never from a
//! request body.
//!
//! What is signed, one field per line (UTF-8, `\n` between fields, no trailing newline):
//!
//! ```text
//! yichuang-request-v1
//! {METHOD}                 upper case
//! {path and query}         from `/api/v1/…`, exactly as sent (a base path of the backend URL
//!                          in front of it is not signed: a reverse proxy strips it)
//! {workstation id}
//! {timestamp}              Unix milliseconds
//! {nonce}                  16 random bytes, URL-safe base64 without padding
//! {content SHA-256}        lower-case hex of the body, or UNSIGNED-PAYLOAD
//! ```
//!
//! and sent in the `x-yichuang-*` headers named below. `UNSIGNED-PAYLOAD` is accepted only for
//! content-addressed blob chunks, whose bytes are checked against the blob's SHA-256 name when
//! the upload completes. The server refuses a timestamp more than [`MAX_CLOCK_SKEW_MS`] away
//! from its clock and a nonce it has seen within that window.
//!
//! Two more messages are signed with the same key: the enrollment proof (the workstation holds
//! the private key of the public key it enrolls) and the audit chain head sent with each push.

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, Verifier};
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::error::PkiError;

/// Header: the workstation id the request claims (checked against the signature's key).
pub const HEADER_WORKSTATION: &str = "x-yichuang-workstation";
/// Header: Unix milliseconds when the request was signed.
pub const HEADER_TIMESTAMP: &str = "x-yichuang-timestamp";
/// Header: a random value used once.
pub const HEADER_NONCE: &str = "x-yichuang-nonce";
/// Header: lower-case hex SHA-256 of the body, or [`UNSIGNED_PAYLOAD`].
pub const HEADER_CONTENT_SHA256: &str = "x-yichuang-content-sha256";
/// Header: Ed25519 signature of [`canonical_request`], standard base64.
pub const HEADER_SIGNATURE: &str = "x-yichuang-signature";
/// The content hash of a request whose body is not covered by the signature.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// How far a request's timestamp may be from the server's clock, either way.
pub const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// The five signature headers of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSignature {
    pub workstation: String,
    pub timestamp_ms: i64,
    pub nonce: String,
    pub content_sha256: String,
    pub signature_b64: String,
}

impl RequestSignature {
    /// `(header name, value)` pairs to add to the request.
    pub fn headers(&self) -> [(&'static str, String); 5] {
        [
            (HEADER_WORKSTATION, self.workstation.clone()),
            (HEADER_TIMESTAMP, self.timestamp_ms.to_string()),
            (HEADER_NONCE, self.nonce.clone()),
            (HEADER_CONTENT_SHA256, self.content_sha256.clone()),
            (HEADER_SIGNATURE, self.signature_b64.clone()),
        ]
    }

    /// Reads the five headers through `get` (a header map lookup); `None` when any is absent
    /// or the timestamp is not a number.
    pub fn from_headers<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Option<Self> {
        Some(Self {
            workstation: get(HEADER_WORKSTATION)?.to_owned(),
            timestamp_ms: get(HEADER_TIMESTAMP)?.trim().parse().ok()?,
            nonce: get(HEADER_NONCE)?.to_owned(),
            content_sha256: get(HEADER_CONTENT_SHA256)?.to_owned(),
            signature_b64: get(HEADER_SIGNATURE)?.to_owned(),
        })
    }

    /// Whether the body is covered by the signature.
    pub fn signs_payload(&self) -> bool {
        self.content_sha256 != UNSIGNED_PAYLOAD
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&Sha256::digest(bytes))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The exact text a request signature covers.
pub fn canonical_request(
    method: &str,
    path_and_query: &str,
    workstation: &str,
    timestamp_ms: i64,
    nonce: &str,
    content_sha256: &str,
) -> String {
    format!(
        "yichuang-request-v1\n{}\n{path_and_query}\n{workstation}\n{timestamp_ms}\n{nonce}\n{content_sha256}",
        method.to_ascii_uppercase()
    )
}

/// A fresh nonce from the given 16 random bytes.
pub fn nonce_from(random: [u8; 16]) -> String {
    B64URL.encode(random)
}

/// Signs one request. `body` is `None` for a chunk sent with [`UNSIGNED_PAYLOAD`]; a request
/// without a body signs the hash of the empty body.
pub fn sign_request(
    key: &SigningKey,
    workstation: &str,
    method: &str,
    path_and_query: &str,
    timestamp_ms: i64,
    nonce: String,
    body: Option<&[u8]>,
) -> RequestSignature {
    let content_sha256 = body.map_or_else(|| UNSIGNED_PAYLOAD.to_owned(), sha256_hex);
    let text = canonical_request(
        method,
        path_and_query,
        workstation,
        timestamp_ms,
        &nonce,
        &content_sha256,
    );
    RequestSignature {
        workstation: workstation.to_owned(),
        timestamp_ms,
        nonce,
        content_sha256,
        signature_b64: sign_b64(key, text.as_bytes()),
    }
}

/// Checks a request signature with the workstation's enrolled key: the timestamp within
/// [`MAX_CLOCK_SKEW_MS`] of `now_ms`, the nonce well formed, and the signature over the
/// canonical text. The body hash is the caller's to compare (it may stream the body).
/// Replayed nonces are the caller's to refuse too (it holds the seen-nonce cache).
pub fn verify_request(
    key: &VerifyingKey,
    method: &str,
    path_and_query: &str,
    sig: &RequestSignature,
    now_ms: i64,
) -> Result<(), PkiError> {
    if (sig.timestamp_ms - now_ms).abs() > MAX_CLOCK_SKEW_MS {
        return Err(PkiError::NotYetValid {
            not_before: sig.timestamp_ms,
            now: now_ms,
        });
    }
    if sig.nonce.is_empty() || sig.nonce.len() > 64 {
        return Err(PkiError::malformed("request nonce", "1..=64 characters"));
    }
    let text = canonical_request(
        method,
        path_and_query,
        &sig.workstation,
        sig.timestamp_ms,
        &sig.nonce,
        &sig.content_sha256,
    );
    verify_b64(key, text.as_bytes(), &sig.signature_b64)
}

/// One-time enrollment codes are typed by people: case, spaces and dashes do not matter. The
/// workstation sends, and the server hashes, the code in this form.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The text a workstation signs to prove, at enrollment, that it holds the private key of the
/// public key it enrolls with the one-time code.
pub fn enrollment_message(code: &str, public_key_b64: &str) -> String {
    format!("yichuang-enroll-v1|{code}|{public_key_b64}")
}

/// The text a workstation signs for its audit chain head: the last audit entry it pushes
/// (sequence number and entry hash).
pub fn audit_head_message(workstation: &str, seq: i64, hash: &str) -> String {
    format!("yichuang-audit-head-v1|{workstation}|{seq}|{hash}")
}

/// Ed25519 signature of `message`, standard base64.
pub fn sign_b64(key: &SigningKey, message: &[u8]) -> String {
    B64.encode(key.sign(message).to_bytes())
}

/// Checks an Ed25519 signature given in standard base64.
pub fn verify_b64(key: &VerifyingKey, message: &[u8], signature_b64: &str) -> Result<(), PkiError> {
    let bytes = B64
        .decode(signature_b64.trim())
        .map_err(|e| PkiError::malformed("signature", e))?;
    let signature =
        Signature::from_slice(&bytes).map_err(|e| PkiError::malformed("signature", e))?;
    key.verify(message, &signature)
        .map_err(PkiError::bad_signature)
}

/// A public key as standard base64 of its 32 bytes.
pub fn public_key_b64(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

/// Parses [`public_key_b64`] output.
pub fn parse_public_key_b64(text: &str) -> Result<VerifyingKey, PkiError> {
    let bytes = B64
        .decode(text.trim())
        .map_err(|e| PkiError::malformed("public key", e))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| PkiError::malformed("public key", "expected 32 bytes"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| PkiError::malformed("public key", e))
}

/// A signing key from its 32-byte seed.
pub fn signing_key_from_seed(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        signing_key_from_seed([7u8; 32])
    }

    #[test]
    fn a_signed_request_verifies_and_any_changed_field_does_not() {
        let k = key();
        let body = br#"{"records":[]}"#;
        let sig = sign_request(
            &k,
            "441500-05",
            "post",
            "/api/v1/sync/push",
            1_000_000,
            nonce_from([1; 16]),
            Some(body),
        );
        assert_eq!(sig.content_sha256, sha256_hex(body));
        let vk = k.verifying_key();
        verify_request(&vk, "POST", "/api/v1/sync/push", &sig, 1_000_000).unwrap();
        // Another path, method, workstation or body hash: refused.
        assert!(verify_request(&vk, "POST", "/api/v1/sync/pull", &sig, 1_000_000).is_err());
        assert!(verify_request(&vk, "GET", "/api/v1/sync/push", &sig, 1_000_000).is_err());
        let mut other = sig.clone();
        other.workstation = "441500-06".into();
        assert!(verify_request(&vk, "POST", "/api/v1/sync/push", &other, 1_000_000).is_err());
        let mut other = sig.clone();
        other.content_sha256 = sha256_hex(b"{}");
        assert!(verify_request(&vk, "POST", "/api/v1/sync/push", &other, 1_000_000).is_err());
        // Another key: refused.
        let stranger = signing_key_from_seed([8u8; 32]).verifying_key();
        assert!(verify_request(&stranger, "POST", "/api/v1/sync/push", &sig, 1_000_000).is_err());
    }

    #[test]
    fn a_stale_or_future_timestamp_is_refused() {
        let k = key();
        let sig = sign_request(
            &k,
            "w",
            "GET",
            "/api/v1/x",
            0,
            nonce_from([2; 16]),
            Some(b""),
        );
        let vk = k.verifying_key();
        verify_request(&vk, "GET", "/api/v1/x", &sig, MAX_CLOCK_SKEW_MS).unwrap();
        assert!(verify_request(&vk, "GET", "/api/v1/x", &sig, MAX_CLOCK_SKEW_MS + 1).is_err());
        assert!(verify_request(&vk, "GET", "/api/v1/x", &sig, -MAX_CLOCK_SKEW_MS - 1).is_err());
    }

    #[test]
    fn headers_round_trip() {
        let sig = sign_request(
            &key(),
            "w",
            "PUT",
            "/api/v1/b",
            5,
            nonce_from([3; 16]),
            None,
        );
        assert!(!sig.signs_payload());
        let headers = sig.headers();
        let back = RequestSignature::from_headers(|name| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        })
        .unwrap();
        assert_eq!(back, sig);
    }

    #[test]
    fn public_keys_round_trip_and_garbage_is_refused() {
        let vk = key().verifying_key();
        assert_eq!(parse_public_key_b64(&public_key_b64(&vk)).unwrap(), vk);
        assert!(parse_public_key_b64("AAAA").is_err());
        assert!(parse_public_key_b64("not base64!").is_err());
        assert!(verify_b64(&vk, b"m", "AAAA").is_err());
    }
}
