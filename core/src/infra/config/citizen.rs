//! `[citizen_screen]`: the second window facing the citizen (G1, G2).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct CitizenScreenConfig {
    /// Monitor name as the OS reports it (e.g. "HDMI-1"); when absent or not found the
    /// citizen window opens as an ordinary second window.
    #[serde(default)]
    pub monitor: Option<String>,
    /// Seconds the rating question waits before no answer counts as 满意 (15–30).
    #[serde(default = "default_rating_seconds")]
    pub rating_seconds: u16,
    /// Seconds a called number stays on the citizen window.
    #[serde(default = "default_call_seconds")]
    pub call_seconds: u16,
}

fn default_rating_seconds() -> u16 {
    20
}

fn default_call_seconds() -> u16 {
    60
}

impl Default for CitizenScreenConfig {
    fn default() -> Self {
        CitizenScreenConfig {
            monitor: None,
            rating_seconds: default_rating_seconds(),
            call_seconds: default_call_seconds(),
        }
    }
}
