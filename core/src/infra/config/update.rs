//! `[update]`: signed updates from the hall server (issue 19, K1). The release key is pinned
//! here, never taken from the server: a release is installed only when it verifies against
//! it, names this workstation's target and is newer than what runs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct UpdateConfig {
    /// The release signing key (minisign public key, base64 — the second line of the `.pub`
    /// file); absent: no update is checked for.
    #[serde(default)]
    pub public_key: Option<String>,
    /// The build target asked for (default: this build's, e.g. `linux-x86_64-deb`,
    /// `windows-x86_64`).
    #[serde(default)]
    pub target: Option<String>,
    /// Hours between checks after the one at start (1–168).
    #[serde(default = "default_check_hours")]
    pub check_hours: u32,
}

impl Default for UpdateConfig {
    fn default() -> Self {
        UpdateConfig {
            public_key: None,
            target: None,
            check_hours: default_check_hours(),
        }
    }
}

fn default_check_hours() -> u32 {
    24
}

/// This build's target name, as releases are published for it.
pub fn build_target() -> &'static str {
    if cfg!(windows) {
        if cfg!(target_arch = "aarch64") {
            "windows-aarch64"
        } else {
            "windows-x86_64"
        }
    } else if cfg!(target_arch = "aarch64") {
        "linux-aarch64-deb"
    } else {
        "linux-x86_64-deb"
    }
}

impl UpdateConfig {
    pub fn target(&self) -> &str {
        self.target.as_deref().unwrap_or(build_target())
    }

    /// The first bad key and why.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(key) = &self.public_key {
            if let Err(e) = yichuang_pki::release::check_public_key(key) {
                return Some(("update.public_key", e.to_string()));
            }
        }
        if let Some(t) = &self.target {
            if !yichuang_pki::release::is_target(t) {
                return Some((
                    "update.target",
                    format!("{t:?}: lower-case letters, digits, '.', '_', '-', at most 64"),
                ));
            }
        }
        if !(1..=168).contains(&self.check_hours) {
            return Some((
                "update.check_hours",
                format!("expected 1..=168, got {}", self.check_hours),
            ));
        }
        None
    }
}
