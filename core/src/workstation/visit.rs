//! The citizen screen (G1) and the rating at the end of a visit (G2, B5): what the second
//! window shows, the clerk's 「请评价」, the citizen's answer, and the countdown that counts
//! no answer as 满意 — kept here, not in the page, so a reloaded or crashed citizen page
//! loses nothing and the countdown runs without it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{lock, Workstation};
use crate::domain::visit::{self, RatingGiven, RatingLevel, RatingReason, VisitCase, VisitRow};
use crate::{ErrorCode, UserError};

/// How long 「感谢您的评价」 stays before the screen goes back to idle.
const THANKS_MS: i64 = 5_000;
/// How often the countdown is checked.
const TICK: Duration = Duration::from_millis(250);

/// What the citizen window shows now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CitizenView {
    /// Hall, window and a welcome.
    Idle,
    /// 暂停服务 with the clerk's reason.
    Paused { reason: String },
    /// A ticket called to this window, shown until `until_ms` (unix ms).
    Called {
        number: String,
        #[specta(type = f64)]
        until_ms: i64,
    },
    /// The rating question; `picked` is a dissatisfied level whose reasons are asked for.
    Rating {
        #[specta(type = f64)]
        deadline_ms: i64,
        picked: Option<RatingLevel>,
        cases: Vec<VisitCase>,
        clerk_name: String,
    },
    /// 「感谢您的评价」 until `until_ms`.
    Thanks {
        level: RatingLevel,
        #[specta(type = f64)]
        until_ms: i64,
    },
}

/// The citizen screen's state.
#[derive(Default)]
pub(super) struct VisitParts {
    view: Mutex<Option<CitizenView>>,
}

impl Workstation {
    /// What the citizen window shows now.
    pub fn citizen_view(&self) -> CitizenView {
        lock(&self.visit.view).clone().unwrap_or(CitizenView::Idle)
    }

    fn set_citizen_view(&self, view: CitizenView) {
        let changed = {
            let mut current = lock(&self.visit.view);
            let changed = current.as_ref() != Some(&view);
            *current = Some(view.clone());
            changed
        };
        if changed {
            self.emit(|e| e.citizen(&view));
        }
    }

    fn rating_window_ms(&self) -> i64 {
        i64::from(self.config.citizen_screen.rating_seconds) * 1000
    }

    /// The logged-in, unlocked clerk's id and name.
    pub(super) fn visit_clerk(&self) -> Result<(String, String), UserError> {
        let session = lock(&self.session).session().cloned();
        let session = session.ok_or_else(|| {
            UserError::new(ErrorCode::IntakeNoSession, "a visit needs a clerk session")
        })?;
        Ok((session.clerk.id, session.clerk.name))
    }

    /// 「请评价」 (clerk): the visit's cases so far, and the rating question on the citizen
    /// window with its countdown.
    pub fn visit_request_rating(&self) -> Result<CitizenView, UserError> {
        let (clerk, name) = self.visit_clerk()?;
        let now = self.now();
        let deadline = now + self.rating_window_ms();
        let row = self.with_store(|s| {
            let since = visit::login_time(s.conn(), &clerk)
                .map_err(visit::VisitError::from)?
                .unwrap_or(now);
            Ok(visit::request_rating(s, &clerk, since, deadline, now)?)
        })?;
        self.refresh_pending();
        let view = rating_view(&row, name);
        self.set_citizen_view(view.clone());
        Ok(view)
    }

    /// The citizen touched a level. A satisfied one is the answer; a dissatisfied one asks
    /// for the reasons first (with a fresh countdown).
    pub fn citizen_pick(&self, level: RatingLevel) -> Result<CitizenView, UserError> {
        if !level.needs_reason() {
            return self.citizen_rate(level, Vec::new());
        }
        let (clerk, name) = self.visit_clerk()?;
        let deadline = self.now() + self.rating_window_ms();
        let row = self.with_store(|s| Ok(visit::pick(s, &clerk, level, deadline)?))?;
        let view = rating_view(&row, name);
        self.set_citizen_view(view.clone());
        Ok(view)
    }

    /// The citizen's answer: stored with the visit's end (one transaction), then thanks.
    pub fn citizen_rate(
        &self,
        level: RatingLevel,
        reasons: Vec<RatingReason>,
    ) -> Result<CitizenView, UserError> {
        let (clerk, _) = self.visit_clerk()?;
        let given = RatingGiven {
            level,
            reasons,
            timed_out: false,
        };
        let now = self.now();
        self.with_store(|s| Ok(visit::close_with_rating(s, &clerk, &given, now)?))?;
        self.rated(level, now)
    }

    fn rated(&self, level: RatingLevel, now: i64) -> Result<CitizenView, UserError> {
        self.refresh_pending();
        let view = CitizenView::Thanks {
            level,
            until_ms: now + THANKS_MS,
        };
        self.set_citizen_view(view.clone());
        Ok(view)
    }

    /// 暂停服务 with a reason on the citizen window (the queue's pause goes with it).
    pub fn desk_pause(&self, reason: String) -> CitizenView {
        let view = CitizenView::Paused { reason };
        self.set_citizen_view(view.clone());
        view
    }

    /// Back to service.
    pub fn desk_resume(&self) -> CitizenView {
        self.set_citizen_view(CitizenView::Idle);
        CitizenView::Idle
    }

    /// A ticket called to this window: shown with its countdown.
    pub fn citizen_called(&self, number: String) {
        let until_ms = self.now() + i64::from(self.config.citizen_screen.call_seconds) * 1000;
        self.set_citizen_view(CitizenView::Called { number, until_ms });
    }

    /// One beat of the clock: a rating whose countdown ran out is recorded, thanks and calls
    /// whose time is up go back to idle.
    pub fn visit_tick(&self) {
        let now = self.now();
        match self.citizen_view() {
            CitizenView::Rating { deadline_ms, .. } if deadline_ms <= now => {
                let Ok((clerk, _)) = self.visit_clerk() else {
                    return;
                };
                match self.with_store(|s| Ok(visit::expire_due(s, &clerk, now)?)) {
                    Ok(Some(given)) => {
                        tracing::info!(level = given.level.key(), "rating timed out");
                        let _ = self.rated(given.level, now);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::error!(error = %e.detail, "timed-out rating not stored"),
                }
            }
            CitizenView::Thanks { until_ms, .. } | CitizenView::Called { until_ms, .. }
                if until_ms <= now =>
            {
                self.set_citizen_view(CitizenView::Idle)
            }
            _ => {}
        }
    }

    /// The visit waiting for a rating at login (the app was closed mid-rating): asked again.
    pub(super) fn resume_visit(&self) {
        let Ok((clerk, name)) = self.visit_clerk() else {
            return;
        };
        let waiting = self
            .with_store(|s| Ok(visit::current(s.conn(), &clerk).map_err(visit::VisitError::from)?));
        if let Ok(Some(row)) = waiting {
            if row.state == "rating" {
                self.set_citizen_view(rating_view(&row, name));
            }
        }
    }

    pub(super) fn start_visit_clock(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("yichuang-visit".into())
            .spawn(move || loop {
                std::thread::sleep(TICK);
                match weak.upgrade() {
                    Some(ws) => ws.visit_tick(),
                    None => break,
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "visit clock not started");
        }
    }
}

fn rating_view(row: &VisitRow, clerk_name: String) -> CitizenView {
    CitizenView::Rating {
        deadline_ms: row.rating_deadline.unwrap_or_default(),
        picked: row.picked_level,
        cases: row.cases.clone(),
        clerk_name,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::domain::login::{ClerkInfo, Session};
    use crate::infra::config::WorkstationConfig;
    use crate::infra::status::SessionMode;
    use crate::workstation::{Clock, RandomIds, Setup};

    const T0: i64 = 1_700_000_000_000;

    struct SteppedClock(AtomicI64);

    impl Clock for SteppedClock {
        fn now_ms(&self) -> i64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn workstation(dir: &std::path::Path) -> (Workstation, Arc<SteppedClock>) {
        let mut config = WorkstationConfig::default();
        config.hall.code = Some("441500".into());
        config.window.number = 5;
        let clock = Arc::new(SteppedClock(AtomicI64::new(T0)));
        let store = crate::infra::store::Store::open(&dir.join("w.db"))
            .map_err(|e| UserError::new(ErrorCode::StoreSqlite, e.to_string()));
        let ws = Workstation::new(
            Setup {
                config_path: dir.join("workstation.toml"),
                data_dir: dir.join("data"),
                config: Ok(config),
                catalog_dir: None,
                clock: clock.clone(),
                ids: Arc::new(RandomIds),
            },
            store,
        );
        lock(&ws.session).start(Session {
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
            token: None,
        });
        (ws, clock)
    }

    fn ratings(ws: &Workstation) -> Vec<serde_json::Value> {
        ws.with_store(|s| {
            let mut stmt = s
                .conn()
                .prepare("SELECT payload FROM outbox WHERE kind = 'rating'")
                .unwrap();
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .unwrap()
                .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
                .collect();
            Ok(rows)
        })
        .unwrap()
    }

    #[test]
    fn g2_a_dissatisfied_answer_asks_the_reasons_then_thanks_and_goes_idle() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, clock) = workstation(dir.path());
        let view = ws.visit_request_rating().unwrap();
        assert!(
            matches!(view, CitizenView::Rating { deadline_ms, picked: None, .. } if deadline_ms == T0 + 20_000)
        );
        let view = ws.citizen_pick(RatingLevel::Dissatisfied).unwrap();
        assert!(matches!(
            view,
            CitizenView::Rating {
                picked: Some(RatingLevel::Dissatisfied),
                ..
            }
        ));
        assert_eq!(
            ws.citizen_rate(RatingLevel::Dissatisfied, vec![])
                .unwrap_err()
                .code,
            ErrorCode::VisitReasonRequired
        );
        let view = ws
            .citizen_rate(RatingLevel::Dissatisfied, vec![RatingReason::Attitude])
            .unwrap();
        assert!(matches!(
            view,
            CitizenView::Thanks {
                level: RatingLevel::Dissatisfied,
                ..
            }
        ));
        assert_eq!(ratings(&ws)[0]["reasons"], serde_json::json!(["attitude"]));
        clock.0.store(T0 + THANKS_MS, Ordering::SeqCst);
        ws.visit_tick();
        assert_eq!(ws.citizen_view(), CitizenView::Idle);
    }

    #[test]
    fn g2_the_countdown_runs_in_the_workstation_and_records_satisfied() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, clock) = workstation(dir.path());
        ws.visit_request_rating().unwrap();
        clock.0.store(T0 + 19_999, Ordering::SeqCst);
        ws.visit_tick();
        assert!(ratings(&ws).is_empty());
        clock.0.store(T0 + 20_000, Ordering::SeqCst);
        ws.visit_tick();
        assert!(matches!(
            ws.citizen_view(),
            CitizenView::Thanks {
                level: RatingLevel::Satisfied,
                ..
            }
        ));
        let r = ratings(&ws);
        assert_eq!((r.len(), &r[0]["timed_out"]), (1, &serde_json::json!(true)));
        assert_eq!(
            ws.citizen_rate(RatingLevel::Satisfied, vec![])
                .unwrap_err()
                .code,
            ErrorCode::VisitNoneWaiting,
            "a late touch does not rate twice"
        );
    }

    #[test]
    fn g1_pause_shows_the_reason_and_a_call_its_number_until_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let (ws, clock) = workstation(dir.path());
        assert_eq!(
            ws.desk_pause("午间休息".into()),
            CitizenView::Paused {
                reason: "午间休息".into()
            }
        );
        ws.desk_resume();
        ws.citizen_called("A023".into());
        assert!(
            matches!(ws.citizen_view(), CitizenView::Called { ref number, until_ms } if number == "A023" && until_ms == T0 + 60_000)
        );
        clock.0.store(T0 + 60_000, Ordering::SeqCst);
        ws.visit_tick();
        assert_eq!(ws.citizen_view(), CitizenView::Idle);
    }
}
