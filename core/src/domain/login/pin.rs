//! The audit entries of a UKey PIN change (A3): `ukey.pin_changed` when the key took the new
//! PIN, `ukey.pin_change_failed` with the error code when it refused. Never a PIN.

use super::{record_for_clerk, Session};
use crate::infra::store::Store;
use crate::{ErrorCode, UserError};

/// Records the outcome of the clerk's PIN change on the session's key.
pub fn record_pin_change(
    store: &mut Store,
    session: &Session,
    outcome: Result<(), ErrorCode>,
    now: i64,
) -> Result<(), UserError> {
    let (action, detail) = match outcome {
        Ok(()) => (
            "ukey.pin_changed",
            serde_json::json!({ "key": session.key_id }),
        ),
        Err(code) => (
            "ukey.pin_change_failed",
            serde_json::json!({ "key": session.key_id, "code": code }),
        ),
    };
    record_for_clerk(store, &session.clerk.id, action, detail, now)
}
