//! `[codes]`: codes read at the counter (signed personal codes, issue 15 item 8).

use serde::{Deserialize, Serialize};

/// Codes read at the counter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct CodesConfig {
    /// The Ed25519 public keys (standard base64, 32 bytes) of the platforms whose signed
    /// personal codes count as identity (`devices::camera::signed`); none: every personal
    /// code is refused and the citizen's card is read instead.
    #[serde(default)]
    pub personal_code_keys: Vec<String>,
}

impl CodesConfig {
    /// The keys, parsed (validated with the config, so an error here is an internal one).
    pub fn personal_code_keys(&self) -> crate::devices::camera::signed::PersonalCodeKeys {
        crate::devices::camera::signed::PersonalCodeKeys::parse(&self.personal_code_keys)
            .unwrap_or_default()
    }
}
