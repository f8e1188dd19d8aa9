//! The clerk's actions on cases, one module per action: [`draft`] (save, park, list,
//! discard), [`notice`] (prepare and record the print, E6), [`decide`] (E4–E6), [`change`]
//! (E9), [`reprint`] (I2), [`attach`] (E3), [`usage`] (recent and favourite items) and
//! [`trail`] (a case's audit entries). Every action that writes runs through
//! [`super::tx::transact`]: one transaction with its case row, audit entries and outbox row.

pub mod attach;
pub mod change;
pub mod conclude;
pub mod decide;
pub mod draft;
pub mod notice;
pub mod receipt;
pub mod reprint;
pub mod trail;
pub mod usage;
pub mod withdraw;

use super::model::Case;
use super::IntakeError;
use crate::infra::store::Store;
use rusqlite::{params, OptionalExtension};

/// Loads one of the clerk's cases.
pub fn load(store: &mut Store, id: &str, clerk_id: &str) -> Result<Case, IntakeError> {
    load_conn(store.conn(), id, clerk_id)
}

/// Loads one of the clerk's cases on a connection or inside an action's transaction.
pub(crate) fn load_conn(
    conn: &rusqlite::Connection,
    id: &str,
    clerk_id: &str,
) -> Result<Case, IntakeError> {
    let data: Option<String> = conn
        .query_row(
            "SELECT data FROM cases WHERE id = ?1 AND clerk_id = ?2",
            params![id, clerk_id],
            |r| r.get(0),
        )
        .optional()?;
    let data = data.ok_or_else(|| IntakeError::UnknownCase(id.to_string()))?;
    serde_json::from_str(&data).map_err(|e| IntakeError::Corrupt(format!("case {id}: {e}")))
}
