//! The clerk's session in the shell: login, lock when the UKey is pulled (A5), unlock,
//! logout. The flow itself is `yichuang_core::domain::login`; this file holds the session and tells
//! both windows through the status.

use tauri::Manager;
use yichuang_core::domain::login::{self, AuthClient, LoginRequest, Session};
use yichuang_core::infra::status::{ClerkBadge, ShellStatus};
use yichuang_core::devices::ukey::UkeyEvent;
use yichuang_core::{ErrorCode, UserError};
use yichuang_drivers::ukey::PresenceEvent;

use crate::state::AppState;

fn badge(s: &Session) -> ClerkBadge {
    ClerkBadge {
        id: s.clerk.id.clone(),
        name: s.clerk.name.clone(),
        department: s.clerk.department.clone(),
        post: s.clerk.post.clone(),
        permissions: s.clerk.permissions.clone(),
        mode: s.mode,
    }
}

pub(crate) fn workstation_id(state: &AppState) -> String {
    format!(
        "{}-{}",
        state.config.hall.code.as_deref().unwrap_or("000000"),
        state.config.window.number
    )
}

pub fn login(
    app: &tauri::AppHandle,
    key_id: &str,
    cert_id: &str,
    pin: &str,
) -> Result<ShellStatus, UserError> {
    let state = app.state::<AppState>();
    let ukey = state.ukey()?;
    let server = match &state.config.backend.url {
        Some(url) => Some(AuthClient::new(url.clone())?),
        None => None,
    };
    let req = LoginRequest {
        key_id,
        cert_id,
        pin,
        workstation: &workstation_id(&state),
        now: yichuang_core::domain::audit::now_ms(),
    };
    let session = state.with_store(|store| login::login(&ukey, server.as_ref(), store, &req))?;
    tracing::info!(clerk = %session.clerk.id, mode = ?session.mode, "clerk logged in");
    let badge = badge(&session);
    state.set_session(Some(session));
    state.update_status(app, |s| {
        s.clerk = Some(badge);
        s.locked = false;
    });
    state.refresh_pending(app);
    Ok(state.status())
}

pub fn unlock(app: &tauri::AppHandle, pin: &str) -> Result<ShellStatus, UserError> {
    let state = app.state::<AppState>();
    let ukey = state.ukey()?;
    let session = state.session().ok_or_else(|| UserError::new(ErrorCode::LoginNoSession, "unlock without a session"))?;
    if !ukey.present(&session.key_id) {
        return Err(UserError::with_message(
            ErrorCode::UkeyNoKey,
            yichuang_core::messages::insert_own_key(&session.clerk.name),
            format!("key {} not present", session.key_id),
        ));
    }
    state.with_store(|store| {
        login::unlock(&ukey, store, &session, pin, yichuang_core::domain::audit::now_ms())
    })?;
    tracing::info!(clerk = %session.clerk.id, "workstation unlocked");
    state.update_status(app, |s| s.locked = false);
    state.refresh_pending(app);
    Ok(state.status())
}

pub fn logout(app: &tauri::AppHandle) -> ShellStatus {
    let state = app.state::<AppState>();
    if let Some(session) = state.session() {
        let _ = state.with_store(|store| {
            login::record_logout(store, &session, yichuang_core::domain::audit::now_ms())
        });
    }
    state.set_session(None);
    state.update_status(app, |s| {
        s.clerk = None;
        s.locked = false;
    });
    state.refresh_pending(app);
    state.status()
}

/// The UKey watch: status-bar state, the login view's key list, and the lock when the
/// session's key leaves.
pub fn on_ukey_event(app: &tauri::AppHandle, event: UkeyEvent) {
    use tauri_specta::Event;
    let state = app.state::<AppState>();
    match event {
        UkeyEvent::State(device) => {
            crate::state::set_device_state(app, yichuang_core::devices::ukey::SLOT, device)
        }
        UkeyEvent::Presence(presence) => {
            if let PresenceEvent::Removed(key) = &presence {
                if let Some(session) = state.session() {
                    if session.key_id == key.id && !state.status().locked {
                        tracing::info!(clerk = %session.clerk.id, "UKey pulled: workstation locked");
                        state.update_status(app, |s| s.locked = true);
                        if let Err(e) = state.with_store(|store| {
                            login::record_lock(store, &session, yichuang_core::domain::audit::now_ms())
                        }) {
                            tracing::error!(error = %e.detail, "lock not audited");
                        }
                        state.refresh_pending(app);
                    }
                }
            }
            if let Err(e) = crate::ipc::UkeyChanged(presence).emit(app) {
                tracing::warn!(error = %e, "could not emit UKey change");
            }
        }
    }
}
