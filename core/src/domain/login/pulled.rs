//! Offline login against the clerk list last pulled from the server (issue 15 item 6): a grant
//! stays valid for days, but a clerk disabled or a certificate unbound since is no longer in
//! the list the sync engine keeps in `pull_cache` (`/sync/clerks`), and is refused here even
//! with a valid grant. Before any list was ever pulled, the grant alone decides (a workstation
//! that never reached the server has nothing to compare with).

use rusqlite::Connection;

use crate::infra::sync::pull::cached_document;
use crate::{ErrorCode, UserError};

fn same_fingerprint(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_hexdigit())
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    norm(a) == norm(b)
}

/// Refuses `clerk_id` with certificate `fingerprint` when the pulled list lacks either.
pub fn check(conn: &Connection, clerk_id: &str, fingerprint: &str) -> Result<(), UserError> {
    let doc = cached_document(conn, "clerks")
        .map_err(|e| UserError::new(ErrorCode::StoreSqlite, format!("pulled clerk list: {e}")))?;
    let Some(doc) = doc else {
        return Ok(());
    };
    let revoked = |detail: String| UserError::new(ErrorCode::LoginOfflineRevoked, detail);
    let clerks = doc
        .get("clerks")
        .and_then(|c| c.as_array())
        .ok_or_else(|| revoked("pulled clerk list has no \"clerks\" array".into()))?;
    let Some(clerk) = clerks
        .iter()
        .find(|c| c.get("id").and_then(|v| v.as_str()) == Some(clerk_id))
    else {
        return Err(revoked(format!(
            "clerk {clerk_id} is not in the pulled clerk list"
        )));
    };
    let bound = clerk
        .get("cert_fingerprints")
        .and_then(|f| f.as_array())
        .is_some_and(|fps| {
            fps.iter()
                .filter_map(|f| f.as_str())
                .any(|f| same_fingerprint(f, fingerprint))
        });
    if !bound {
        return Err(revoked(format!(
            "certificate {fingerprint} is no longer bound to clerk {clerk_id} in the pulled list"
        )));
    }
    Ok(())
}
