//! The clerk at the window and whether the workstation is locked (A5): one place for the rules
//! "a login replaces a locked session", "pulling the session's key locks", "an unlock opens
//! what the lock closed".
//!
//! Presence is seen by the key service's polls, numbered in the order they were made (the
//! [`super::Ukey::presence_mark`]), and the watcher's word about a poll reaches the session a
//! moment after the poll. So a removal can arrive after an unlock that came later than the
//! poll that saw it: the key, pulled and put back, was gone at that poll and proved present
//! by the unlock's signature since. Such a removal is stale and must not lock the session
//! again (the clerk's first PIN after putting the key back would seem to do nothing). The
//! other way round, a removal seen after the unlock's proof began keeps the workstation
//! locked even when the unlock's answer comes later.

use super::Session;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionState {
    session: Option<Session>,
    locked: bool,
    /// The presence mark the last successful unlock's proof began at: removals seen at polls
    /// up to it are older than the proof.
    proved: u64,
    /// The latest poll that saw the session's key gone.
    removed: u64,
}

impl SessionState {
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn locked(&self) -> bool {
        self.locked
    }

    /// A login: the new session replaces any other (another clerk at a locked window).
    pub fn start(&mut self, session: Session) {
        *self = SessionState {
            session: Some(session),
            ..SessionState::default()
        };
    }

    /// Logout: the session that ended, if any.
    pub fn end(&mut self) -> Option<Session> {
        std::mem::take(self).session
    }

    /// A UKey was seen gone at presence poll `seen`: locks when it is the session's key, the
    /// workstation is not locked yet and no unlock proved the key present since that poll;
    /// returns the session so the lock is audited once.
    pub fn key_removed(&mut self, key_id: &str, seen: u64) -> Option<Session> {
        let session = self.session.as_ref()?;
        if session.key_id != key_id || seen <= self.proved {
            return None;
        }
        self.removed = self.removed.max(seen);
        if self.locked {
            return None;
        }
        self.locked = true;
        Some(session.clone())
    }

    /// The unlock whose proof began at presence mark `mark` succeeded ([`super::unlock`]).
    /// False, and still locked, when the key was seen gone after that: it left again while the
    /// PIN was checked.
    pub fn unlocked(&mut self, mark: u64) -> bool {
        if self.removed > mark {
            return false;
        }
        self.locked = false;
        self.proved = self.proved.max(mark);
        true
    }
}
