//! The clerk's session at the workstation: login (online or with an offline grant), the
//! lock when the session's UKey is pulled (A5), unlock, logout. The rules are
//! `domain::login`; this wires them to the key service, the server, the store and the
//! status bar.

use yichuang_drivers::ukey::PresenceEvent;

use crate::devices::ukey::LoginKey;
use crate::domain::access::{parse_permissions, Access, ItemScope};
use crate::domain::login::{
    self, AuthApi, AuthClient, AuthFailure, GrantKey, LoginRequest, Session,
};
use crate::infra::status::{ClerkBadge, ShellStatus};
use crate::{ErrorCode, UserError};

use super::{lock, Workstation};

fn badge(s: &Session, access: Access, ukey_default_pin: bool) -> ClerkBadge {
    ClerkBadge {
        id: s.clerk.id.clone(),
        name: s.clerk.name.clone(),
        department: s.clerk.department.clone(),
        post: s.clerk.post.clone(),
        permissions: access.permissions,
        items: access.scope,
        mode: s.mode,
        ukey_default_pin,
    }
}

impl Workstation {
    /// The logged-in clerk, if any.
    pub fn session(&self) -> Option<Session> {
        lock(&self.session).session().cloned()
    }

    /// The UKeys plugged in, with PIN state and certificates (login view).
    pub fn login_keys(&self) -> Result<Vec<LoginKey>, UserError> {
        let mut keys = self.devices.ukey()?.login_keys(self.now() / 1000)?;
        let seal = self.devices.seal(&self.config.devices.seal);
        if let Some(seal_key) = seal.configured_key() {
            keys.retain(|k| k.id != seal_key && k.label != seal_key);
        }
        Ok(keys)
    }

    /// The desk's UKey libraries and whether each loaded (A2).
    pub fn ukey_libraries(&self) -> Result<Vec<yichuang_drivers::ukey::LibraryStatus>, UserError> {
        Ok(self.devices.ukey()?.libraries())
    }

    /// Logs in with a certificate on a UKey and its PIN; a login while locked replaces the
    /// locked session.
    pub fn login(&self, key_id: &str, cert_id: &str, pin: &str) -> Result<ShellStatus, UserError> {
        let ukey = self.devices.ukey()?;
        let workstation = self.desk_id()?.workstation_id();
        // Online only when enrolled: the server refuses an unenrolled workstation, and the
        // grant key is the one pinned at enrollment. Not enrolled, an existing offline grant
        // still opens a session.
        let pinned = self.enrollment().map(|e| GrantKey {
            key_id: e.grant_key_id,
            public_key: e.grant_public_key,
        });
        let server = match (&self.config.backend.url, self.credential(), &pinned) {
            (Some(url), Some(credential), Some(key)) => Some(AuthClient::new(
                url.clone(),
                &self.config.backend.tls(),
                credential,
                key.clone(),
            )?),
            _ => None,
        };
        let req = LoginRequest {
            key_id,
            cert_id,
            pin,
            workstation: &workstation,
            now: self.now(),
            nonce: self.ids.nonce(),
            grant_key: pinned.as_ref(),
        };
        let server = server.as_ref().map(|s| s as &dyn AuthApi);
        let session = self.with_store(|store| login::login(&*ukey, server, store, &req));
        self.refresh_pending();
        let session = session?;
        tracing::info!(clerk = %session.clerk.id, mode = ?session.mode, "clerk logged in");
        let access = match self.catalog() {
            Ok(view) => Access::of(&session.clerk, &view.catalog),
            // No catalog, no items; the permissions still show.
            Err(_) => Access {
                permissions: parse_permissions(&session.clerk.permissions),
                scope: ItemScope::Departments { codes: vec![] },
            },
        };
        // What the key says of its PIN now (A3); a key that cannot tell is not nagged about.
        let default_pin = ukey
            .pin_info(&session.key_id)
            .ok()
            .and_then(|p| p.default_pin)
            .unwrap_or(false);
        let badge = badge(&session, access, default_pin);
        lock(&self.session).start(session);
        *lock(&self.ended) = None;
        self.reads.session_changed();
        self.update_status(|s| {
            s.clerk = Some(badge);
            s.locked = false;
            s.session_ended = None;
        });
        self.resume_visit();
        Ok(self.status())
    }

    /// Unlocks after the clerk's key was pulled: the same key and its PIN.
    pub fn unlock(&self, pin: &str) -> Result<ShellStatus, UserError> {
        let ukey = self.devices.ukey()?;
        let session = self
            .session()
            .ok_or_else(|| UserError::new(ErrorCode::LoginNoSession, "unlock without a session"))?;
        let (now, nonce) = (self.now(), self.ids.nonce());
        let result =
            self.with_store(|store| login::unlock(&*ukey, store, &session, pin, now, nonce));
        self.refresh_pending();
        if !lock(&self.session).unlocked(result?) {
            // The key was seen gone again while the PIN was checked: the trail says so after
            // the unlock it recorded.
            if let Err(e) = self.with_store(|store| login::record_lock(store, &session, now)) {
                tracing::error!(error = %e.detail, "lock not audited");
            }
            return Err(UserError::with_message(
                ErrorCode::UkeyNoKey,
                crate::messages::insert_own_key(&session.clerk.name),
                format!("key {} removed during the unlock", session.key_id),
            ));
        }
        tracing::info!(clerk = %session.clerk.id, "workstation unlocked");
        ukey.proved_present(&session.key_id);
        self.update_status(|s| s.locked = false);
        Ok(self.status())
    }

    /// Changes the PIN of the logged-in clerk's UKey (A3): the old PIN, the new one twice.
    /// The rules are checked before the key is asked; the key's refusal (wrong old PIN with
    /// the retries left, locked) comes back as its message. Audited, never with a PIN.
    pub fn change_pin(
        &self,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> Result<ShellStatus, UserError> {
        let ukey = self.devices.ukey()?;
        let session = self.session().ok_or_else(|| {
            UserError::new(ErrorCode::LoginNoSession, "PIN change without a session")
        })?;
        crate::devices::ukey::check_new_pin(old, new, confirm)?;
        let changed = ukey.change_pin(&session.key_id, old, new, confirm);
        let now = self.now();
        let outcome = changed.as_ref().map(drop).map_err(|e| e.code);
        if let Err(e) =
            self.with_store(|store| login::record_pin_change(store, &session, outcome, now))
        {
            tracing::error!(error = %e.detail, "PIN change not audited");
        }
        self.refresh_pending();
        changed?;
        tracing::info!(clerk = %session.clerk.id, "UKey PIN changed");
        self.update_status(|s| {
            if let Some(clerk) = s.clerk.as_mut() {
                clerk.ukey_default_pin = false;
            }
        });
        Ok(self.status())
    }

    /// Ends the session (the clerk leaves the window).
    pub fn logout(&self) -> ShellStatus {
        self.install_update_at_logout();
        let ended = lock(&self.session).end();
        self.reads.session_changed();
        if let Some(session) = ended {
            let now = self.now();
            if let Err(e) = self.with_store(|store| login::record_logout(store, &session, now)) {
                tracing::error!(error = %e.detail, "logout not audited");
            }
        }
        self.update_status(|s| {
            s.clerk = None;
            s.locked = false;
        });
        self.refresh_pending();
        self.status()
    }

    /// A UKey came or went, as presence poll `seen` saw: the login view's list, and the lock
    /// when the session's key left.
    pub(super) fn on_ukey(&self, presence: PresenceEvent, seen: u64) {
        if let PresenceEvent::Removed(key) = &presence {
            let locked = lock(&self.session).key_removed(&key.id, seen);
            if let Some(session) = locked {
                tracing::info!(clerk = %session.clerk.id, "UKey pulled: workstation locked");
                self.update_status(|s| s.locked = true);
                let now = self.now();
                if let Err(e) = self.with_store(|store| login::record_lock(store, &session, now)) {
                    tracing::error!(error = %e.detail, "lock not audited");
                }
                self.refresh_pending();
            }
        }
        self.emit(|e| e.ukey(presence));
    }

    /// Asks the server whether the online session still stands; when it refuses (certificate
    /// unbound, clerk disabled), the session ends here too ([`Workstation::end_by_server`]).
    /// Unreachable is not a refusal: the session goes on.
    pub fn check_session(&self) {
        let Some(session) = self.session() else {
            return;
        };
        let (Some(token), Some(url), Some(credential)) = (
            session.token.as_deref(),
            &self.config.backend.url,
            self.credential(),
        ) else {
            return;
        };
        match login::check_session(url, token, &credential, &self.config.backend.tls()) {
            Ok(()) => {}
            Err(AuthFailure::Refused(e)) => self.end_by_server(&session, e),
            Err(AuthFailure::Unreachable(d)) => tracing::debug!(detail = %d, "session check"),
        }
    }

    /// The server ended `session`: back to the login page with the reason, audited. The
    /// session is kept aside so the UI can park the open case for that clerk
    /// (`intake_park_for_switch`), as at a clerk switch.
    pub fn end_by_server(&self, session: &Session, reason: UserError) {
        {
            let mut state = lock(&self.session);
            if state.session().map(|s| &s.token) != Some(&session.token) {
                return; // another login since
            }
            *lock(&self.ended) = state.end();
        }
        self.reads.session_changed();
        tracing::warn!(clerk = %session.clerk.id, detail = %reason.detail, "session ended by the server");
        let now = self.now();
        let code = reason.code;
        if let Err(e) = self.with_store(|store| login::record_ended(store, session, code, now)) {
            tracing::error!(error = %e.detail, "session end not audited");
        }
        self.update_status(|s| {
            s.clerk = None;
            s.locked = false;
            s.session_ended = Some(reason.message.clone());
        });
        self.refresh_pending();
    }

    /// Checks the online session every backend probe interval, on its own thread.
    pub(super) fn start_session_watch(self: &std::sync::Arc<Self>) {
        if self.config.backend.url.is_none() {
            return;
        }
        let every = std::time::Duration::from_millis(self.config.backend.probe_interval_ms.into());
        let weak = std::sync::Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("yichuang-session".into())
            .spawn(move || loop {
                std::thread::sleep(every);
                match weak.upgrade() {
                    Some(ws) => ws.check_session(),
                    None => break,
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "session watch not started");
        }
    }

    /// The desk a case is parked under at a clerk switch: the session at the window, or the
    /// one the server just ended.
    pub(super) fn park_desk(&self) -> Result<crate::domain::intake::Desk, UserError> {
        match self.session_desk() {
            Ok((desk, _locked)) => Ok(desk),
            Err(e) => match lock(&self.ended).clone() {
                Some(s) => Ok(self.desk_id()?.with_clerk(&s)),
                None => Err(e),
            },
        }
    }

    /// The clerk at this desk, for intake: a login, not locked, and a configured hall.
    pub(super) fn clerk_desk(&self) -> Result<crate::domain::intake::Desk, UserError> {
        let (desk, locked) = self.session_desk()?;
        if locked {
            return Err(UserError::new(ErrorCode::IntakeLocked, "session locked"));
        }
        Ok(desk)
    }

    /// The desk of the clerk whose session is at the window, locked or not, and whether it is
    /// locked.
    pub(super) fn session_desk(&self) -> Result<(crate::domain::intake::Desk, bool), UserError> {
        let state = lock(&self.session).clone();
        let session = state
            .session()
            .ok_or_else(|| UserError::new(ErrorCode::IntakeNoSession, "no clerk session"))?;
        Ok((self.desk_id()?.with_clerk(session), state.locked()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::domain::login::ClerkInfo;
    use crate::infra::config::WorkstationConfig;
    use crate::infra::status::SessionMode;
    use crate::workstation::tests::FixedClock;
    use crate::workstation::{RandomIds, Setup};

    fn workstation(dir: &std::path::Path) -> Workstation {
        let mut config = WorkstationConfig::default();
        config.hall.code = Some("441500".into());
        config.window.number = 5;
        let store = crate::infra::store::Store::open(&dir.join("w.db"))
            .map_err(|e| UserError::new(ErrorCode::StoreSqlite, e.to_string()));
        Workstation::new(
            Setup {
                config_path: dir.join("workstation.toml"),
                data_dir: dir.join("data"),
                config: Ok(config),
                catalog_dir: None,
                clock: Arc::new(FixedClock(1_700_000_000_000)),
                ids: Arc::new(RandomIds),
            },
            store,
        )
    }

    fn session(token: &str) -> Session {
        Session {
            clerk: ClerkInfo {
                id: "T-ZS".into(),
                name: "张三".into(),
                department: "d".into(),
                post: String::new(),
                permissions: vec!["accept".into()],
            },
            mode: SessionMode::Online,
            key_id: "k".into(),
            cert_id: "c".into(),
            cert_fingerprint: "ab".into(),
            expires_at: i64::MAX,
            token: Some(token.into()),
        }
    }

    #[test]
    fn i15_a_session_the_server_ends_goes_back_to_login_with_the_reason_and_can_still_park() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path());
        lock(&ws.session).start(session("t1"));
        let access = Access {
            permissions: parse_permissions(&session("t1").clerk.permissions),
            scope: ItemScope::Departments { codes: vec![] },
        };
        ws.update_status(|s| s.clerk = Some(badge(&session("t1"), access, false)));
        // A refusal for a session that is no longer the one at the window changes nothing.
        let ended = UserError::new(ErrorCode::LoginSessionEnded, "HTTP 401");
        ws.end_by_server(&session("t0"), ended.clone());
        assert!(ws.session().is_some());

        ws.end_by_server(&session("t1"), ended);
        assert!(ws.session().is_none());
        let status = ws.status();
        assert!(status.clerk.is_none());
        assert_eq!(
            status.session_ended.as_deref(),
            Some(ErrorCode::LoginSessionEnded.message())
        );
        // The open case is parked for the clerk whose session ended.
        assert_eq!(ws.park_desk().unwrap().clerk_id, "T-ZS");
        let actions: Vec<String> = ws
            .with_store(|s| {
                Ok(crate::domain::audit::recent(s.conn(), 5)
                    .unwrap()
                    .into_iter()
                    .map(|r| r.action)
                    .collect())
            })
            .unwrap();
        assert_eq!(actions, ["session.ended_by_server"]);
        // Without any session, nothing to park under.
        *lock(&ws.ended) = None;
        assert_eq!(ws.park_desk().unwrap_err().code, ErrorCode::IntakeNoSession);
    }
}
