//! The back office's progress of this workstation's cases (issue 18, I2): the hall server keeps
//! a feed of progress steps per workstation (`GET /sync/case-events?after=`); each sync cycle
//! reads it from the last position held and writes the latest step onto the local case, so
//! the time-limit light follows the real status offline too. A step never overwrites a newer
//! one; a step of a case this workstation no longer holds is passed over.

use rusqlite::params;
use serde::Deserialize;

use super::client::SyncClient;
use super::outbox;
use super::SyncError;
use crate::domain::intake::CaseProgress;
use crate::infra::store::Store;

/// One step as the server sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CaseEvent {
    pub seq: i64,
    pub case_id: String,
    pub case_no: Option<String>,
    /// A step this workstation does not know is passed over (a newer server).
    pub progress: String,
    pub note: String,
    pub source: String,
    pub at: i64,
    /// A material-flow sign-off (F3): the package whose paper of this case was signed for at
    /// the receiving end; the progress is then the case's unchanged.
    #[serde(default)]
    pub flow: Option<String>,
}

/// A page of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CaseEvents {
    pub events: Vec<CaseEvent>,
    pub last_seq: i64,
}

/// The feed position held, in `sync_state`.
pub const FEED_KEY: &str = "case_feed_seq";

/// The feed position this workstation holds (0: none yet).
pub fn position(store: &mut Store) -> Result<i64, SyncError> {
    Ok(outbox::state(store.conn(), FEED_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Writes a page of steps and the new position in one transaction; returns how many steps
/// changed a local case.
pub fn apply(store: &mut Store, page: &CaseEvents) -> Result<usize, SyncError> {
    let changed = store.transact(|tx| {
        let mut changed = 0;
        for e in &page.events {
            if let Some(flow_no) = &e.flow {
                changed += crate::domain::flow::mark_received(tx, &e.case_id, flow_no, e.at)?;
                continue;
            }
            if CaseProgress::parse(&e.progress).is_none() {
                continue;
            }
            // A step before 办结 never reopens a case closed here (a 即办件 concluded at the
            // counter, a result handed over) whose own step is still on its way.
            changed += tx.execute(
                "UPDATE cases SET progress = ?1, progress_note = ?2, progress_at = ?3, progress_seq = ?4
                 WHERE id = ?5 AND progress_seq < ?4
                   AND NOT (coalesce(progress, '') IN ('approved', 'denied', 'ready', 'picked_up')
                            AND ?1 IN ('received', 'in_review'))",
                params![e.progress, e.note, e.at, e.seq, e.case_id],
            )?;
        }
        outbox::set_state(tx, FEED_KEY, &page.last_seq.to_string())?;
        Ok(changed)
    })?;
    Ok(changed)
}

/// Reads the feed from the position held to its end.
pub fn pull_case_events(client: &SyncClient, store: &mut Store) -> Result<usize, SyncError> {
    let mut changed = 0;
    loop {
        let after = position(store)?;
        let page = client.case_events(after)?;
        if page.events.is_empty() {
            return Ok(changed);
        }
        changed += apply(store, &page)?;
        if page.last_seq <= after {
            return Ok(changed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::calendar::Light;
    use crate::domain::intake::china_date;
    use crate::domain::intake::history::{self, HistoryQuery};
    use crate::domain::intake::testkit::*;

    fn step(seq: i64, case_id: &str, progress: &str, note: &str) -> CaseEvent {
        CaseEvent {
            seq,
            case_id: case_id.into(),
            case_no: None,
            progress: progress.into(),
            note: note.into(),
            source: "backoffice:sys-1".into(),
            at: NOW + seq,
            flow: None,
        }
    }

    #[test]
    fn i2_the_light_follows_the_back_office_and_stops_at_banjie() {
        let v = view();
        let (_d, mut s) = store();
        card_read(&mut s, ID, NOW);
        let a = decided(&mut s, &v, "张三", NOW);
        let b = decided(&mut s, &v, "李四", NOW);
        // Long after the due date: both red while the back office says nothing.
        let late = china_date(NOW + 60 * 86_400_000);
        let rows = |s: &mut Store| {
            let page =
                history::search(s, &v.calendar, "c001", &HistoryQuery::default(), late).unwrap();
            page.rows
                .into_iter()
                .map(|r| (r.applicant_name, r.light, r.progress, r.progress_note))
                .collect::<Vec<_>>()
        };
        assert!(rows(&mut s).iter().all(|r| r.1 == Light::Red));

        let page = CaseEvents {
            events: vec![
                step(1, &a.id, "received", ""),
                step(2, &b.id, "in_review", ""),
                step(3, &a.id, "ready", "证照已制好，请到 7 号窗口领取"),
                step(4, "not-held-here", "approved", ""),
                step(5, &b.id, "a_step_of_a_newer_server", ""),
            ],
            last_seq: 5,
        };
        assert_eq!(apply(&mut s, &page).unwrap(), 3);
        assert_eq!(position(&mut s).unwrap(), 5);
        let now = rows(&mut s);
        let of = |name: &str| now.iter().find(|r| r.0 == name).unwrap().clone();
        assert_eq!(
            of("张三"),
            (
                "张三".into(),
                Light::None,
                Some(CaseProgress::Ready),
                Some("证照已制好，请到 7 号窗口领取".into())
            )
        );
        assert_eq!(
            of("李四").1,
            Light::Red,
            "审批中 still runs against the limit"
        );
        assert_eq!(of("李四").2, Some(CaseProgress::InReview));

        // A page read again (a lost answer) or an older step changes nothing.
        assert_eq!(apply(&mut s, &page).unwrap(), 0);
        let old = CaseEvents {
            events: vec![step(2, &a.id, "in_review", "")],
            last_seq: 5,
        };
        assert_eq!(apply(&mut s, &old).unwrap(), 0);
        assert_eq!(of("张三").2, Some(CaseProgress::Ready));
    }
}
