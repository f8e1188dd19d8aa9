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
#[derive(Debug, Clone)]
pub struct PresenceWatcher {
    /// The keys present, each with the polls in a row it has been missing from (0: seen at
    /// the last poll).
    known: Vec<(KeyInfo, u32)>,
    /// Polls in a row a key must be missing from to count as removed.
    absent_polls: u32,
}

impl Default for PresenceWatcher {
    fn default() -> Self {
        Self::new()
    }
}

impl PresenceWatcher {
    /// A watcher that reports a removal at the first poll without the key.
    pub fn new() -> Self {
        Self::debounced(1)
    }

    /// A watcher that reports a removal only after `absent_polls` polls in a row without the
    /// key (at least 1), so a key that drops out of one enumeration while it settles (just
    /// plugged in) is not reported as pulled. Another key under the same id is a removal at
    /// once.
    pub fn debounced(absent_polls: u32) -> Self {
        Self {
            known: Vec::new(),
            absent_polls: absent_polls.max(1),
        }
    }

    /// The keys present as far as this watcher reports (a key missing for fewer polls than
    /// it waits for still counts).
    pub fn current(&self) -> Vec<KeyInfo> {
        self.known.iter().map(|(k, _)| k.clone()).collect()
    }

    /// `key` was proved present (its PIN and a signature, at an unlock) since the last poll:
    /// it counts as present again, so missing from the polls after this is a removal even when
    /// no poll saw it back in between (put back and pulled again within two polls).
    pub fn proved_present(&mut self, key: KeyInfo) {
        let same = |a: &KeyInfo| a.id == key.id && a.serial == key.serial;
        match self.known.iter_mut().find(|(k, _)| same(k)) {
            Some((_, missing)) => *missing = 0,
            None => self.known.push((key, 0)),
        }
    }

    /// Takes the keys present now and returns removals, then insertions. A key counts as the
    /// same key when its id and serial match (another key in the same slot is a removal and
    /// an insertion).
    pub fn update(&mut self, now: Vec<KeyInfo>) -> Vec<PresenceEvent> {
        let same = |a: &KeyInfo, b: &KeyInfo| a.id == b.id && a.serial == b.serial;
        let mut events = Vec::new();
        let mut kept = Vec::new();
        for (old, missing) in std::mem::take(&mut self.known) {
            if now.iter().any(|new| same(&old, new)) {
                kept.push((old, 0));
                continue;
            }
            let replaced = now.iter().any(|new| new.id == old.id);
            let missing = missing + 1;
            if replaced || missing >= self.absent_polls {
                events.push(PresenceEvent::Removed(old));
            } else {
                kept.push((old, missing));
            }
        }
        for new in now {
            if !kept.iter().any(|(old, _)| same(old, &new)) {
                events.push(PresenceEvent::Inserted(new.clone()));
                kept.push((new, 0));
            }
        }
        self.known = kept;
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
    fn a5_a_key_proved_present_and_pulled_before_any_poll_saw_it_back_is_removed() {
        let mut w = PresenceWatcher::debounced(2);
        w.update(vec![key("a", "1")]);
        w.update(vec![]);
        assert_eq!(
            w.update(vec![]),
            vec![PresenceEvent::Removed(key("a", "1"))]
        );
        // Put back, unlocked with it, and pulled again between two polls.
        w.proved_present(key("a", "1"));
        assert!(
            w.update(vec![]).is_empty(),
            "one poll without it is not yet a removal"
        );
        assert_eq!(
            w.update(vec![]),
            vec![PresenceEvent::Removed(key("a", "1"))]
        );
        // Proved present and still there: nothing to report.
        w.proved_present(key("a", "1"));
        assert_eq!(w.update(vec![key("a", "1")]), vec![]);
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

    #[test]
    fn a_debounced_watcher_ignores_a_one_poll_blip() {
        let mut w = PresenceWatcher::debounced(2);
        assert_eq!(
            w.update(vec![key("a", "1")]),
            vec![PresenceEvent::Inserted(key("a", "1"))]
        );
        // Just plugged back in: missing from one enumeration, then there again.
        assert!(w.update(vec![]).is_empty());
        assert_eq!(w.current(), vec![key("a", "1")]);
        assert!(w.update(vec![key("a", "1")]).is_empty());
        // Really pulled: missing from two polls in a row.
        assert!(w.update(vec![]).is_empty());
        assert_eq!(
            w.update(vec![]),
            vec![PresenceEvent::Removed(key("a", "1"))]
        );
        assert!(w.current().is_empty());
        // Another key under the same id replaces it at once.
        w.update(vec![key("a", "1")]);
        assert_eq!(
            w.update(vec![key("a", "2")]),
            vec![
                PresenceEvent::Removed(key("a", "1")),
                PresenceEvent::Inserted(key("a", "2"))
            ]
        );
    }
}
