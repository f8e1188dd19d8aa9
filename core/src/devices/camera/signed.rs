//! Signed personal identity codes (粤居码-style): a personal code held up to the camera is
//! the citizen's identity only when the issuing platform signed it, with a key the
//! workstation's config trusts (`[codes] personal_code_keys`), and it has not expired.
//!
//! Format (UTF-8 text, one line):
//!
//! ```text
//! <head>码:1:<name>|<id number>|<expiry, unix seconds>|<signature>
//! ```
//! - `<head>码` is the platform's name for the code (「粤居码」), followed by `:` or `：`;
//! - `1` is the format version;
//! - `<signature>` is the Ed25519 signature (64 bytes, base64url without padding) over the
//!   UTF-8 bytes of everything before the last `|` (head, colon, version, name, number and
//!   expiry exactly as printed);
//! - a public key in the config is the 32-byte Ed25519 key, standard base64.
//!
//! Anything else that looks like a personal code (the old `粤居码:姓名|号码`, JSON with
//! `id_number`) is unsigned and refused: the clerk reads the card instead. A refused code
//! never names a person, so nothing from it can be marked as read from a card or code.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::labels::codes::{CODE_SUFFIX, FULLWIDTH_COLON, SAMPLE_HEAD, SAMPLE_NAME};
use crate::{ErrorCode, UserError};

/// The format version this workstation reads.
pub const VERSION: &str = "1";

/// The trusted public keys of the platforms that issue personal codes.
#[derive(Debug, Clone, Default)]
pub struct PersonalCodeKeys(Vec<VerifyingKey>);

impl PersonalCodeKeys {
    /// Parses the config's base64 keys; the error names the bad one by position.
    pub fn parse(keys: &[String]) -> Result<Self, String> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                let bytes = STANDARD
                    .decode(k.trim())
                    .map_err(|e| format!("key {i}: not base64: {e}"))?;
                let bytes: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| format!("key {i}: an Ed25519 public key is 32 bytes"))?;
                VerifyingKey::from_bytes(&bytes)
                    .map_err(|_| format!("key {i}: not a valid Ed25519 public key"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a personal code names nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature in the code (an old or self-printed code).
    Unsigned,
    /// Signed, but not by a trusted key, or altered after signing.
    BadSignature,
    /// Past its expiry.
    Expired,
    /// Signed and valid, but the ID number fails its check digit or the fields are malformed.
    Invalid,
}

impl Refusal {
    pub fn error(self) -> UserError {
        let (code, detail) = match self {
            Refusal::Unsigned => (ErrorCode::CameraPersonalCodeUnsigned, "no signature"),
            Refusal::BadSignature => (
                ErrorCode::CameraPersonalCodeBadSignature,
                "signature does not verify with any codes.personal_code_keys",
            ),
            Refusal::Expired => (ErrorCode::CameraPersonalCodeExpired, "past its expiry"),
            Refusal::Invalid => (ErrorCode::CameraPersonalCodeInvalid, "malformed fields"),
        };
        UserError::new(code, detail)
    }
}

/// The name and ID number a signed, unexpired personal code carries; `now_s` in unix seconds.
pub fn verify(
    text: &str,
    keys: &PersonalCodeKeys,
    now_s: i64,
) -> Result<(String, String), Refusal> {
    let text = text.trim();
    let (head, body) = text
        .split_once([':', FULLWIDTH_COLON])
        .ok_or(Refusal::Unsigned)?;
    if !head.ends_with(CODE_SUFFIX) {
        return Err(Refusal::Unsigned);
    }
    let Some(fields) = body.strip_prefix(VERSION).and_then(|b| b.strip_prefix(':')) else {
        return Err(Refusal::Unsigned);
    };
    let parts: Vec<&str> = fields.split('|').collect();
    let [name, id, expiry, sig] = parts.as_slice() else {
        return Err(Refusal::Unsigned);
    };
    let signed = &text[..text.len() - sig.len() - 1];
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(Refusal::BadSignature)?;
    if !keys
        .0
        .iter()
        .any(|k| k.verify_strict(signed.as_bytes(), &sig).is_ok())
    {
        return Err(Refusal::BadSignature);
    }
    let expiry: i64 = expiry.parse().map_err(|_| Refusal::Invalid)?;
    if now_s > expiry {
        return Err(Refusal::Expired);
    }
    if name.trim().is_empty() || id.trim().is_empty() {
        return Err(Refusal::Invalid);
    }
    Ok((name.trim().to_string(), id.trim().to_string()))
}

/// A signed code in the format above (the issuing platform's side; the simulator and tests).
pub fn sign(key: &SigningKey, head: &str, name: &str, id: &str, expiry_s: i64) -> String {
    let signed = format!("{head}:{VERSION}:{name}|{id}|{expiry_s}");
    let sig = key.sign(signed.as_bytes());
    format!("{signed}|{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

/// The test platform's signing key: demos and tests only. Its public key
/// ([`TEST_PUBLIC_KEY`]) is in `make run`'s and the E2E configs, never in a production one.
pub fn test_signing_key() -> SigningKey {
    SigningKey::from_bytes(&[0x59; 32])
}

/// [`test_signing_key`]'s public key as `personal_code_keys` takes it.
pub const TEST_PUBLIC_KEY: &str = "q3Jg8g7auCCJkDQ/C5lUsgtCsL2ByCVr66sMcNQXUMw=";

/// The simulated camera's sample personal code: signed with the test key, valid for a day.
pub fn sample_personal_code(now_s: i64) -> String {
    sign(
        &test_signing_key(),
        SAMPLE_HEAD,
        SAMPLE_NAME,
        SAMPLE_ID_NUMBER,
        now_s + 86_400,
    )
}

/// The sample's ID number (a valid check digit; a test number, not a person).
pub const SAMPLE_ID_NUMBER: &str = "11010519491231002X";

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_399_200;

    fn keys() -> PersonalCodeKeys {
        PersonalCodeKeys::parse(&[TEST_PUBLIC_KEY.to_string()]).unwrap()
    }

    #[test]
    fn c4_the_test_public_key_is_the_test_signing_keys() {
        let public = STANDARD.encode(test_signing_key().verifying_key().to_bytes());
        assert_eq!(public, TEST_PUBLIC_KEY);
    }

    #[test]
    fn c4_a_signed_unexpired_code_names_its_person() {
        let code = sample_personal_code(NOW);
        assert!(
            code.starts_with("粤居码:1:张三|11010519491231002X|"),
            "{code}"
        );
        assert_eq!(
            verify(&code, &keys(), NOW),
            Ok(("张三".into(), SAMPLE_ID_NUMBER.into()))
        );
        // The fullwidth colon is the same code.
        let full = sign(
            &test_signing_key(),
            "粤居码",
            "张三",
            SAMPLE_ID_NUMBER,
            NOW + 60,
        )
        .replacen(':', "：", 1);
        // Re-signed: the colon is part of the signed bytes.
        let (signed, _) = full.rsplit_once('|').unwrap();
        let sig = URL_SAFE_NO_PAD.encode(test_signing_key().sign(signed.as_bytes()).to_bytes());
        assert!(verify(&format!("{signed}|{sig}"), &keys(), NOW).is_ok());
    }

    #[test]
    fn c4_a_code_signed_by_another_key_is_refused() {
        let other = SigningKey::from_bytes(&[7; 32]);
        let code = sign(&other, "粤居码", "张三", SAMPLE_ID_NUMBER, NOW + 60);
        assert_eq!(verify(&code, &keys(), NOW), Err(Refusal::BadSignature));
        // No trusted key at all: nothing verifies.
        let code = sample_personal_code(NOW);
        assert_eq!(
            verify(&code, &PersonalCodeKeys::default(), NOW),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn c4_a_tampered_code_is_refused() {
        let code = sample_personal_code(NOW);
        for tampered in [
            code.replace("张三", "李四"),
            code.replace("11010519491231002X", "110105194912310038"),
            code.replace(&(NOW + 86_400).to_string(), &(NOW + 999_999).to_string()),
            code.replace("粤居码", "深居码"),
            format!("{}A", &code),
        ] {
            assert_eq!(
                verify(&tampered, &keys(), NOW),
                Err(Refusal::BadSignature),
                "{tampered}"
            );
        }
    }

    #[test]
    fn c4_an_expired_code_is_refused() {
        let code = sample_personal_code(NOW);
        assert!(verify(&code, &keys(), NOW + 86_400).is_ok());
        assert_eq!(verify(&code, &keys(), NOW + 86_401), Err(Refusal::Expired));
    }

    #[test]
    fn c4_an_unsigned_code_is_refused() {
        for unsigned in [
            "粤居码:张三|11010519491231002X",
            "粤居码:1:张三|11010519491231002X|1795485600",
            r#"{"name":"张三","id_number":"11010519491231002X"}"#,
        ] {
            assert_eq!(
                verify(unsigned, &keys(), NOW),
                Err(Refusal::Unsigned),
                "{unsigned}"
            );
        }
    }

    #[test]
    fn c4_make_run_trusts_the_test_key() {
        assert!(include_str!("../../../../scripts/run-local.sh").contains(TEST_PUBLIC_KEY));
    }

    #[test]
    fn config_keys_are_checked() {
        assert!(PersonalCodeKeys::parse(&["not base64!".into()]).is_err());
        assert!(PersonalCodeKeys::parse(&[STANDARD.encode([1u8; 16])]).is_err());
        assert!(keys().0.len() == 1 && !keys().is_empty());
    }
}
