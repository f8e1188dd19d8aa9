//! Insert/remove events for the status bar and the login view, from successive
//! [`super::Ukey::poll_presence`] results (libraries differ in event APIs; polling works with
//! all of them).

use serde::Serialize;

use super::KeyInfo;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "event", content = "key")]
pub enum PresenceEvent {
    Inserted(KeyInfo),
    Removed(KeyInfo),
}

/// Remembers the last set of keys and reports what changed.
#[derive(Debug, Clone, Default)]
pub struct PresenceWatcher {
    known: Vec<KeyInfo>,
}

impl PresenceWatcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// The keys seen at the last update.
    pub fn current(&self) -> &[KeyInfo] {
        &self.known
    }

    /// Takes the keys present now and returns removals, then insertions. A key counts as the
    /// same key when its id and serial match (another key in the same slot is a removal and
    /// an insertion).
    pub fn update(&mut self, now: Vec<KeyInfo>) -> Vec<PresenceEvent> {
        let same = |a: &KeyInfo, b: &KeyInfo| a.id == b.id && a.serial == b.serial;
        let mut events: Vec<PresenceEvent> = self
            .known
            .iter()
            .filter(|old| !now.iter().any(|new| same(old, new)))
            .cloned()
            .map(PresenceEvent::Removed)
            .collect();
        events.extend(
            now.iter()
                .filter(|new| !self.known.iter().any(|old| same(old, new)))
                .cloned()
                .map(PresenceEvent::Inserted),
        );
        self.known = now;
        events
    }
}

#[cfg(test)]
mod tests {
    use super::super::Backend;
    use super::*;

    fn key(id: &str, serial: &str) -> KeyInfo {
        KeyInfo {
            id: id.into(),
            backend: Backend::Skf,
            serial: serial.into(),
            label: String::new(),
            manufacturer: String::new(),
            model: String::new(),
            algorithms: vec![],
        }
    }

    #[test]
    fn diffs_insertions_and_removals() {
        let mut w = PresenceWatcher::new();
        assert_eq!(
            w.update(vec![key("a", "1")]),
            vec![PresenceEvent::Inserted(key("a", "1"))]
        );
        assert!(w.update(vec![key("a", "1")]).is_empty());
        assert_eq!(
            w.update(vec![key("a", "2")]),
            vec![
                PresenceEvent::Removed(key("a", "1")),
                PresenceEvent::Inserted(key("a", "2"))
            ]
        );
        assert_eq!(
            w.update(vec![]),
            vec![PresenceEvent::Removed(key("a", "2"))]
        );
        assert!(w.current().is_empty());
    }
}
