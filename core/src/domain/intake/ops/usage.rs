//! The clerk's item usage (E1): use counts, recent and frequent items, favourites.

use crate::domain::intake::tx::{transact, Effects, Outbox};
use crate::domain::intake::IntakeError;
use crate::infra::store::Store;
use rusqlite::params;

/// The clerk's item usage: use counts, recent items (newest first), favourites.
pub struct Usage {
    pub counts: std::collections::HashMap<String, u32>,
    pub recent: Vec<String>,
    pub frequent: Vec<String>,
    pub favourites: Vec<String>,
}

pub fn usage(store: &mut Store, clerk_id: &str) -> Result<Usage, IntakeError> {
    let conn = store.conn();
    let mut stmt = conn.prepare(
        "SELECT item_code, uses, last_used, favourite FROM item_usage WHERE clerk_id = ?1",
    )?;
    let rows: Vec<(String, u32, i64, bool)> = stmt
        .query_map(params![clerk_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0))
        })?
        .collect::<Result<_, _>>()?;
    let mut recent: Vec<&(String, u32, i64, bool)> = rows.iter().filter(|r| r.1 > 0).collect();
    recent.sort_by_key(|r| std::cmp::Reverse(r.2));
    let mut frequent: Vec<&(String, u32, i64, bool)> = rows.iter().filter(|r| r.1 > 0).collect();
    frequent.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    Ok(Usage {
        counts: rows.iter().map(|r| (r.0.clone(), r.1)).collect(),
        recent: recent.iter().take(8).map(|r| r.0.clone()).collect(),
        frequent: frequent.iter().take(15).map(|r| r.0.clone()).collect(),
        favourites: rows.iter().filter(|r| r.3).map(|r| r.0.clone()).collect(),
    })
}

/// Ticks or unticks an item as one of the clerk's favourites (not audited, not synced).
pub fn set_favourite(
    store: &mut Store,
    clerk_id: &str,
    item_code: &str,
    favourite: bool,
) -> Result<(), IntakeError> {
    // Nothing is audited or queued, so no time is recorded.
    transact(store, clerk_id, 0, |tx| {
        tx.execute(
            "INSERT INTO item_usage (clerk_id, item_code, favourite) VALUES (?1, ?2, ?3)
             ON CONFLICT(clerk_id, item_code) DO UPDATE SET favourite = ?3",
            params![clerk_id, item_code, favourite as i64],
        )?;
        Ok(Effects {
            value: (),
            audit: vec![],
            outbox: Outbox::Nothing,
        })
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;

    #[test]
    fn usage_gives_recent_frequent_and_favourites() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        decided(&mut s, &v, "张三", NOW);
        decided(&mut s, &v, "李四", NOW + 1);
        cases::set_favourite(&mut s, "c001", "GA-HJ-0101", true).unwrap();
        let u = cases::usage(&mut s, "c001").unwrap();
        assert_eq!(u.counts["GA-HJ-0301"], 2);
        assert_eq!(u.recent, ["GA-HJ-0301"]);
        assert_eq!(u.frequent, ["GA-HJ-0301"]);
        assert_eq!(u.favourites, ["GA-HJ-0101"]);
        cases::set_favourite(&mut s, "c001", "GA-HJ-0101", false).unwrap();
        assert!(cases::usage(&mut s, "c001").unwrap().favourites.is_empty());
    }
}
