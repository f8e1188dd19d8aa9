//! Per-key attempt limits (per workstation, per client address) for the routes a guesser
//! would hammer: enrollment, login challenge, login. A fixed window per key, in memory, per
//! server instance; the table is bounded (the oldest windows go first).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// How many attempts a key may make per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window_ms: i64,
}

impl Limit {
    pub const fn per_minute(max: u32) -> Self {
        Self {
            max,
            window_ms: 60_000,
        }
    }
}

/// The limits of the guarded routes; the defaults suit a hall (a window logs in a few times
/// a day); tests lower them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub enroll_per_address: Limit,
    pub challenge_per_workstation: Limit,
    pub challenge_per_address: Limit,
    pub login_per_workstation: Limit,
    pub login_per_address: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enroll_per_address: Limit::per_minute(10),
            challenge_per_workstation: Limit::per_minute(30),
            challenge_per_address: Limit::per_minute(120),
            login_per_workstation: Limit::per_minute(20),
            login_per_address: Limit::per_minute(60),
        }
    }
}

/// Most keys remembered; beyond it the expired windows are dropped, then the oldest.
const MAX_KEYS: usize = 100_000;

/// Attempts per key in the current window.
#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// Counts one attempt of `key`; `Err(RateLimited)` with the seconds until the window ends
    /// when the limit is reached.
    pub fn hit(&self, key: &str, limit: Limit, now_ms: i64) -> Result<()> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= MAX_KEYS && !windows.contains_key(key) {
            windows.retain(|_, (start, _)| now_ms - *start < limit.window_ms);
            if windows.len() >= MAX_KEYS {
                if let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, (start, _))| *start)
                    .map(|(k, _)| k.clone())
                {
                    windows.remove(&oldest);
                }
            }
        }
        let entry = windows.entry(key.to_owned()).or_insert((now_ms, 0));
        if now_ms - entry.0 >= limit.window_ms || now_ms < entry.0 {
            *entry = (now_ms, 0);
        }
        if entry.1 >= limit.max {
            let wait_ms = (entry.0 + limit.window_ms - now_ms).max(1000);
            return Err(Error::RateLimited {
                retry_after_s: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1),
                detail: format!("more than {} attempts from {key} per window", limit.max),
            });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_limit_waits_for_the_next_window() {
        let l = RateLimiter::default();
        let limit = Limit {
            max: 2,
            window_ms: 10_000,
        };
        l.hit("ws:a", limit, 0).unwrap();
        l.hit("ws:a", limit, 1).unwrap();
        let e = l.hit("ws:a", limit, 2_000).unwrap_err();
        assert!(
            matches!(
                e,
                Error::RateLimited {
                    retry_after_s: 8,
                    ..
                }
            ),
            "{e:?}"
        );
        l.hit("ws:b", limit, 2_000).unwrap();
        l.hit("ws:a", limit, 10_000).unwrap();
    }
}
