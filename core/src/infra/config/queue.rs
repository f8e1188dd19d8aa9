//! `[queue]`: whether this desk calls tickets, and from which queue (B1, issue 17).

use serde::{Deserialize, Serialize};

/// Where the desk's tickets come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueMode {
    /// No calling at this desk (walk-ins only).
    #[default]
    None,
    /// The hall server's queue (needs `backend.url` and an enrolled workstation).
    Hall,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    #[serde(default)]
    pub mode: QueueMode,
}
