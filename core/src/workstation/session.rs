//! The clerk's session at the workstation: login (online or with an offline grant), the
//! lock when the session's UKey is pulled (A5), unlock, logout. The rules are
//! `domain::login`; this wires them to the key service, the server, the store and the
//! status bar.

use yichuang_drivers::ukey::PresenceEvent;

use crate::devices::ukey::LoginKey;
use crate::domain::access::{parse_permissions, Access, ItemScope};
use crate::domain::login::{self, AuthApi, AuthClient, LoginRequest, Session};
use crate::infra::status::{ClerkBadge, ShellStatus};
use crate::{ErrorCode, UserError};

use super::{lock, Workstation};

fn badge(s: &Session, access: Access) -> ClerkBadge {
    ClerkBadge {
        id: s.clerk.id.clone(),
        name: s.clerk.name.clone(),
        department: s.clerk.department.clone(),
        post: s.clerk.post.clone(),
        permissions: access.permissions,
        items: access.scope,
        mode: s.mode,
    }
}

impl Workstation {
    /// The logged-in clerk, if any.
    pub fn session(&self) -> Option<Session> {
        lock(&self.session).session().cloned()
    }

    /// The UKeys plugged in, with PIN state and certificates (login view).
    pub fn login_keys(&self) -> Result<Vec<LoginKey>, UserError> {
        self.devices.ukey()?.login_keys(self.now() / 1000)
    }

    /// Logs in with a certificate on a UKey and its PIN; a login while locked replaces the
    /// locked session.
    pub fn login(&self, key_id: &str, cert_id: &str, pin: &str) -> Result<ShellStatus, UserError> {
        let ukey = self.devices.ukey()?;
        let workstation = self.desk_id()?.workstation_id();
        let server = match &self.config.backend.url {
            Some(url) => Some(AuthClient::new(url.clone())?),
            None => None,
        };
        let req = LoginRequest {
            key_id,
            cert_id,
            pin,
            workstation: &workstation,
            now: self.now(),
            nonce: self.ids.nonce(),
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
        let badge = badge(&session, access);
        lock(&self.session).start(session);
        self.reads.session_changed();
        self.update_status(|s| {
            s.clerk = Some(badge);
            s.locked = false;
        });
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
        self.update_status(|s| s.locked = false);
        Ok(self.status())
    }

    /// Ends the session (the clerk leaves the window).
    pub fn logout(&self) -> ShellStatus {
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
