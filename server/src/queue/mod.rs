//! The hall's queue (issue 17): tickets, item groups and the windows serving them, the desk
//! verbs, the event stream of the hall, and the hall devices (call screen, kiosk).
//!
//! Every change runs in one transaction: a desk verb first locks its window's row, then
//! changes its ticket rows (on PostgreSQL the next ticket is chosen and marked in one
//! statement, `FOR UPDATE SKIP LOCKED` on index-ordered candidates), and only then takes the
//! hall's row in `queue_halls` (`UPDATE … WHERE hall_code = $1`: a row lock on PostgreSQL, so
//! two instances serialise on it; SQLite is single-instance and also takes an in-process
//! lock), held to the commit: it numbers the event, moves the waiting counts of
//! `queue_waiting` and appends the event to `queue_events` (the hall's monotonically
//! increasing sequence); on PostgreSQL the event, its `pg_notify` and the verb's stored answer
//! are one statement. Every instance's listener wakes its event streams, which read what is
//! new from the table. A desk verb carries the client's request id; its answer is stored in
//! the same transaction, so a retry gets it back.

pub mod admin;
pub mod devices;
pub mod events;
pub mod handlers;
pub mod problem;
pub mod store;
pub mod types;
pub mod verbs;
pub mod visits;

use std::sync::Arc;

use tokio::sync::broadcast;

pub use types::*;

/// Recalls a ticket gets before the next recall skips it.
pub const DEFAULT_RECALL_LIMIT: u32 = 3;
/// Minutes after a skip during which the ticket can still be called.
pub const DEFAULT_RETURN_MINUTES: u32 = 10;
/// The hall's clock for the daily ticket sequence: China Standard Time (UTC+8).
pub const HALL_UTC_OFFSET_MS: i64 = 8 * 3_600_000;
/// PostgreSQL notification channel of queue changes (payload: the hall code).
pub const NOTIFY_CHANNEL: &str = "yichuang_queue";

/// The queue's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// Recalls allowed; the recall after them skips the ticket.
    pub recall_limit: u32,
    /// How long (ms) a skipped ticket may still be called back.
    pub return_ms: i64,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            recall_limit: DEFAULT_RECALL_LIMIT,
            return_ms: i64::from(DEFAULT_RETURN_MINUTES) * 60_000,
        }
    }
}

/// Per-instance queue state: the rules, the wake-up channel of the event streams, the
/// SQLite writer lock.
#[derive(Debug, Clone)]
pub struct QueueState {
    pub config: QueueConfig,
    /// Whether the server speaks TLS (the device cookie is then `Secure`).
    pub tls: bool,
    wake: broadcast::Sender<Arc<str>>,
    /// Set when the server shuts down: the event streams end so connections can drain.
    closing: Arc<tokio::sync::watch::Sender<bool>>,
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
    /// Halls whose `queue_halls` row is known to exist.
    halls: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    /// Windows of workstations.
    windows: Arc<std::sync::Mutex<std::collections::HashMap<String, u32>>>,
}

impl Default for QueueState {
    fn default() -> Self {
        Self::new(QueueConfig::default())
    }
}

impl QueueState {
    pub fn new(config: QueueConfig) -> Self {
        let (wake, _) = broadcast::channel(1024);
        Self {
            config,
            tls: false,
            wake,
            closing: Arc::new(tokio::sync::watch::channel(false).0),
            sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
            halls: Arc::default(),
            windows: Arc::default(),
        }
    }

    /// Wakes this instance's event streams of `hall`.
    pub fn wake(&self, hall: &str) {
        let _ = self.wake.send(Arc::from(hall));
    }

    /// Creates the hall's `queue_halls` row (the event sequence) once.
    pub async fn ensure_hall(&self, pool: &sqlx::AnyPool, hall: &str) -> crate::Result<()> {
        let known = self
            .halls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(hall);
        if !known {
            sqlx::query(
                "INSERT INTO queue_halls (hall_code, last_event) VALUES ($1, 0) \
                 ON CONFLICT (hall_code) DO NOTHING",
            )
            .bind(hall)
            .execute(pool)
            .await?;
            let mut halls = self.halls.lock().unwrap_or_else(|p| p.into_inner());
            if halls.len() > 10_000 {
                halls.clear();
            }
            halls.insert(hall.to_owned());
        }
        Ok(())
    }

    /// Creates the window's `queue_windows` row once (the desk's lock).
    pub async fn ensure_window(
        &self,
        pool: &sqlx::AnyPool,
        hall: &str,
        window: u32,
    ) -> crate::Result<()> {
        let key = format!("{hall}\n{window}");
        let known = self
            .halls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key);
        if !known {
            sqlx::query(
                "INSERT INTO queue_windows (hall_code, window_no, paused) VALUES ($1, $2, 0) \
                 ON CONFLICT (hall_code, window_no) DO NOTHING",
            )
            .bind(hall)
            .bind(i64::from(window))
            .execute(pool)
            .await?;
            self.halls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key);
        }
        Ok(())
    }

    /// The window of an enrolled workstation (it never changes: the id is `{hall}-{window}`).
    pub async fn window_of(&self, pool: &sqlx::AnyPool, workstation: &str) -> crate::Result<u32> {
        let key = format!("ws\n{workstation}");
        if let Some(w) = self
            .windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(*w);
        }
        let row = sqlx::query("SELECT window_no FROM workstations WHERE id = $1")
            .bind(workstation)
            .fetch_one(pool)
            .await?;
        let w = u32::try_from(sqlx::Row::try_get::<i64, _>(&row, 0)?).unwrap_or(0);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.clear();
        }
        windows.insert(key, w);
        Ok(w)
    }

    /// Ends every event stream of this instance (at shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`QueueState::close`] was called.
    pub async fn closed(&self) {
        let mut rx = self.closing.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Serialises this instance's writers on SQLite (one writer at a time anyway).
    pub fn sqlite_writer(&self) -> &tokio::sync::Mutex<()> {
        &self.sqlite_writer
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.wake.subscribe()
    }
}

/// The hall's day number (days since the epoch, hall time) of `now_ms`.
pub fn hall_day(now_ms: i64) -> i64 {
    (now_ms + HALL_UTC_OFFSET_MS).div_euclid(86_400_000)
}

/// Spawns the PostgreSQL listener of queue notifications: every notification wakes this
/// instance's streams of that hall. Reconnects after a lost connection (the streams also
/// re-read the table periodically, so nothing is lost meanwhile).
pub fn spawn_pg_listener(url: String, queue: QueueState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sqlx::postgres::PgListener::connect(&url).await {
                Ok(mut listener) => {
                    if let Err(e) = listener.listen(NOTIFY_CHANNEL).await {
                        tracing::warn!(detail = %e, "queue LISTEN failed");
                    } else {
                        loop {
                            match listener.recv().await {
                                Ok(n) => queue.wake(n.payload()),
                                Err(e) => {
                                    tracing::warn!(detail = %e, "queue listener lost");
                                    break;
                                }
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(detail = %e, "queue listener cannot connect"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hall_day_turns_at_midnight_china_time() {
        // 2026-12-06 15:59:59.999 UTC is 23:59:59.999 in the hall.
        let before = 1_796_572_799_999;
        assert_eq!(hall_day(before) + 1, hall_day(before + 1));
    }
}
