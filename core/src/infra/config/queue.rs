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
    /// A field office's queue kept on this workstation: tickets issued here (printed on the
    /// receipt printer), called here, synced later as records; works with no server at all.
    Local,
}

/// An item group of the local queue: its code is also the ticket prefix (`A` → A001).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct LocalGroup {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    #[serde(default)]
    pub mode: QueueMode,
    /// Local mode: the item groups this office issues tickets for (default one group
    /// `A` 综合业务).
    #[serde(default = "default_groups")]
    pub groups: Vec<LocalGroup>,
    /// Local mode: recalls of one ticket before it is skipped (重呼 N 次后过号).
    #[serde(default = "default_recall_limit")]
    pub recall_limit: u32,
    /// Local mode: minutes within which a skipped ticket can still be called (特呼).
    #[serde(default = "default_return_minutes")]
    pub return_minutes: u32,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            mode: QueueMode::None,
            groups: default_groups(),
            recall_limit: default_recall_limit(),
            return_minutes: default_return_minutes(),
        }
    }
}

fn default_groups() -> Vec<LocalGroup> {
    vec![LocalGroup {
        code: "A".into(),
        name: crate::labels::queue::DEFAULT_GROUP_NAME.into(),
    }]
}

fn default_recall_limit() -> u32 {
    3
}

fn default_return_minutes() -> u32 {
    10
}

impl QueueConfig {
    /// What is wrong with the local queue's settings, in words for IT.
    pub fn problem(&self) -> Option<String> {
        if self.mode != QueueMode::Local {
            return None;
        }
        if self.groups.is_empty() {
            return Some("queue.groups: at least one item group is needed in local mode".into());
        }
        for g in &self.groups {
            let ok =
                (1..=2).contains(&g.code.len()) && g.code.chars().all(|c| c.is_ascii_uppercase());
            if !ok || g.name.trim().is_empty() {
                return Some(format!(
                    "queue.groups: code {:?} must be one or two capital letters with a name",
                    g.code
                ));
            }
        }
        if !(1..=20).contains(&self.recall_limit) {
            return Some("queue.recall_limit must be 1–20".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b1_a_local_queue_needs_groups_with_a_letter_code_and_a_name() {
        let mut q = QueueConfig {
            mode: QueueMode::Local,
            ..QueueConfig::default()
        };
        assert_eq!(q.problem(), None, "the default group A 综合业务 is enough");
        q.groups = vec![];
        assert!(q.problem().is_some());
        q.groups = vec![LocalGroup {
            code: "a1".into(),
            name: "社保".into(),
        }];
        assert!(q.problem().unwrap().contains("a1"));
        q.groups[0].code = "B".into();
        q.recall_limit = 0;
        assert!(q.problem().unwrap().contains("recall_limit"));
        let parsed: QueueConfig =
            toml::from_str("mode = \"local\"\n[[groups]]\ncode = \"S\"\nname = \"社保\"\n")
                .unwrap();
        assert_eq!(parsed.groups[0].code, "S");
        assert_eq!((parsed.recall_limit, parsed.return_minutes), (3, 10));
    }
}
