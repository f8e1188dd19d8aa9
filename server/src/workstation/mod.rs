//! Enrolled workstations (issue 15): IT issues a one-time code from the admin CLI
//! (`workstation enroll`), the workstation makes its own Ed25519 key and enrolls it with the
//! code (`POST /api/v1/enroll`), and from then on signs every request with it
//! ([`guard`] checks the signatures; `yichuang_pki::credential` defines them). The workstation
//! id is `{hall code}-{window}` and is taken from the credential only.

pub mod guard;
pub mod handlers;
pub mod ratelimit;
pub mod store;

use sha2::{Digest, Sha256};

use crate::error::{AdminProblem, Error, Result};

/// Letters and digits nobody confuses when typing (no 0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a one-time code (12 of 31: about 59 bits).
pub const CODE_LEN: usize = 12;
/// Default lifetime of an enrollment code, in hours.
pub const DEFAULT_CODE_HOURS: u32 = 24;
/// Longest lifetime of an enrollment code, in hours (30 days).
pub const MAX_CODE_HOURS: u32 = 720;

/// The workstation id of a hall's window.
pub fn workstation_id(hall_code: &str, window: u32) -> String {
    format!("{hall_code}-{window}")
}

/// A hall code as IT types it: 1..=12 ASCII letters or digits (upper-cased).
pub fn check_hall_code(input: &str) -> Result<String> {
    let code = input.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::AdminInput {
            problem: AdminProblem::BadHallCode {
                input: input.to_owned(),
            },
        });
    }
    Ok(code)
}

/// A fresh one-time code: [`CODE_LEN`] characters of [`CODE_ALPHABET`], drawn without bias.
pub fn new_code() -> Result<String> {
    let mut out = String::with_capacity(CODE_LEN);
    // 31 symbols: accept bytes below 248 (8 × 31) so every symbol is equally likely.
    while out.len() < CODE_LEN {
        for b in crate::auth::random_bytes::<32>()? {
            if out.len() < CODE_LEN && usize::from(b) < 8 * CODE_ALPHABET.len() {
                out.push(char::from(
                    CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()],
                ));
            }
        }
    }
    Ok(out)
}

/// `ABCDEFGHJKMN` → `ABCD-EFGH-JKMN`, as printed for IT.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Case, spaces and dashes do not matter (as `yichuang_core::infra::credential` normalizes).
pub use yichuang_pki::credential::normalize_code;

/// How a code is kept: SHA-256 of the normalized code, lower-case hex.
pub fn code_hash(code: &str) -> String {
    crate::sync::hex(&Sha256::digest(normalize_code(code).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typeable_and_hashed_after_normalizing() {
        let code = new_code().unwrap();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");
        let shown = grouped(&code);
        assert_eq!(shown.len(), CODE_LEN + 2);
        assert_eq!(code_hash(&shown.to_lowercase()), code_hash(&code));
        assert_ne!(new_code().unwrap(), code);
    }

    #[test]
    fn i15_the_openapi_document_states_who_may_call_each_route() {
        use utoipa::OpenApi;
        let doc = serde_json::to_value(crate::api::ApiDoc::openapi()).unwrap();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["workstation_signature"]["in"], "header");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        let open = [
            "/api/v1/health",
            "/api/v1/version",
            "/api/v1/enroll",
            "/api/v1/hall/pair",
            "/hall/pair",
        ];
        assert_eq!(schemes["hall_device"]["in"], "cookie");
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let security = op["security"].to_string();
                if open.contains(&path.as_str()) {
                    assert!(!security.contains("workstation_signature"), "{path}");
                    assert!(!security.contains("hall_device"), "{path}");
                    continue;
                }
                // Hall devices (issue 17): the device cookie; their pages redirect to pairing.
                if path.starts_with("/hall/") {
                    assert!(security.contains("hall_device"), "{path}");
                    assert!(op["responses"]["303"].is_object(), "{path}");
                    continue;
                }
                // Approval systems (issue 18): their own bearer token.
                if path.starts_with("/api/v1/backoffice/") {
                    assert!(security.contains("system_token"), "{method} {path}");
                    assert!(!security.contains("workstation_signature"), "{path}");
                    assert!(op["responses"]["401"].is_object(), "{path}");
                    continue;
                }
                if path.starts_with("/api/v1/hall/") {
                    assert!(security.contains("hall_device"), "{method} {path}");
                    assert!(op["responses"]["401"].is_object(), "{path}");
                    continue;
                }
                assert!(
                    security.contains("workstation_signature"),
                    "{method} {path}: {security}"
                );
                for status in ["401", "403"] {
                    assert!(
                        op["responses"][status].is_object(),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
        for path in [
            "/api/v1/enroll",
            "/api/v1/auth/challenge",
            "/api/v1/auth/login",
        ] {
            assert!(
                doc["paths"][path]["post"]["responses"]["429"].is_object(),
                "{path} lacks 429"
            );
        }
        assert!(doc["paths"]["/api/v1/enroll"]["post"]["responses"]["401"].is_object());
    }

    #[test]
    fn hall_codes_are_checked() {
        assert_eq!(check_hall_code(" 441500 ").unwrap(), "441500");
        assert!(check_hall_code("").is_err());
        assert!(check_hall_code("44-15").is_err());
        assert_eq!(workstation_id("441500", 5), "441500-5");
    }
}
