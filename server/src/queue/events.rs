//! The hall's event stream over SSE: a snapshot (or, with `Last-Event-ID`, the events missed)
//! then live events, read from `queue_events` whenever this instance is woken (its own
//! commits, or PostgreSQL notifications from the other instances), and every few seconds
//! in any case.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast;

use super::{hall_day, store};
use crate::error::Result;
use crate::AppState;

/// The stream re-reads the table at least this often, woken or not.
pub const POLL_EVERY: Duration = Duration::from_secs(5);
/// Events read per query.
const BATCH: i64 = 200;

/// `Last-Event-ID` (header) or the `last_event_id` query parameter.
pub fn resume_from(headers: &HeaderMap, query: Option<i64>) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(query)
        .filter(|n| *n >= 0)
}

struct Cursor {
    state: AppState,
    hall: String,
    last: i64,
    pending: VecDeque<Event>,
    wake: broadcast::Receiver<std::sync::Arc<str>>,
}

impl Cursor {
    async fn fill(&mut self) {
        match store::events_after(&self.state.db.pool, &self.hall, self.last, BATCH).await {
            Ok(rows) => {
                for (seq, kind, payload) in rows {
                    self.last = seq;
                    self.pending.push_back(
                        Event::default()
                            .id(seq.to_string())
                            .event(kind)
                            .data(payload),
                    );
                }
            }
            Err(e) => {
                tracing::warn!(code = %e.code(), detail = %e.detail(), "queue events read failed")
            }
        }
    }

    /// Waits for a wake-up of this hall or the poll interval; `false` at shutdown.
    async fn wait(&mut self) -> bool {
        let queue = self.state.queue.clone();
        let closed = queue.closed();
        tokio::pin!(closed);
        let deadline = tokio::time::sleep(POLL_EVERY);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut closed => return false,
                _ = &mut deadline => return true,
                got = self.wake.recv() => match got {
                    Ok(hall) if *hall == *self.hall => return true,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => {
                        (&mut deadline).await;
                        return true;
                    }
                },
            }
        }
    }
}

/// The SSE response for `hall`, starting after `resume` (or with a snapshot).
pub async fn stream(
    state: AppState,
    hall: String,
    resume: Option<i64>,
) -> Result<Sse<impl Stream<Item = std::result::Result<Event, Infallible>>>> {
    let wake = state.queue.subscribe();
    let mut pending = VecDeque::new();
    let last = match resume {
        Some(n) => n,
        None => {
            let snap =
                store::snapshot(&state.db.pool, &hall, hall_day(state.auth.now_ms())).await?;
            let data = serde_json::to_string(&snap).unwrap_or_default();
            pending.push_back(
                Event::default()
                    .id(snap.last_event_id.to_string())
                    .event(super::EventKind::Snapshot.as_str())
                    .data(data),
            );
            snap.last_event_id
        }
    };
    let cursor = Cursor {
        state,
        hall,
        last,
        pending,
        wake,
    };
    let events = stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(e) = c.pending.pop_front() {
                return Some((Ok(e), c));
            }
            c.fill().await;
            if c.pending.is_empty() && !c.wait().await {
                return None;
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
