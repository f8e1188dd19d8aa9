//! CRLs (and the trusted CAs) re-read without a restart (issue 15 item 6): every reload
//! interval when a file of the CA or CRL directory changed, and on SIGHUP. A directory that
//! no longer loads (a half-copied CRL, a CRL of an unknown CA) is logged and the previous
//! trust store kept. A CRL past its nextUpdate plus the configured grace makes its CA's
//! certificate logins a clear refusal ([`check_crl_fresh`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use yichuang_pki::{Cert, TrustStore};

use super::{load_trust_store, AuthState};
use crate::error::{Error, Result};

/// Name, size and modification time of every file of the directories: what a change is.
type Snapshot = Vec<(PathBuf, u64, Option<SystemTime>)>;

fn snapshot(dirs: &[Option<&Path>]) -> Snapshot {
    let mut all = Snapshot::new();
    for dir in dirs.iter().flatten() {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(meta) = entry.metadata() {
                all.push((entry.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    all.sort();
    all
}

/// Re-reads the CA and CRL directories into `auth.trust` when they changed (checked every
/// `interval`) and on every change of `hup`; runs until the task is aborted.
pub async fn watch(
    auth: AuthState,
    ca_dir: Option<PathBuf>,
    crl_dir: Option<PathBuf>,
    interval: Duration,
    mut hup: tokio::sync::watch::Receiver<u64>,
) {
    if ca_dir.is_none() && crl_dir.is_none() {
        return;
    }
    let dirs = [ca_dir.as_deref(), crl_dir.as_deref()];
    let mut seen = snapshot(&dirs);
    let mut hup_open = true;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = tick.tick() => false,
            changed = hup.changed(), if hup_open => {
                hup_open = changed.is_ok();
                hup_open
            }
        };
        let now = snapshot(&dirs);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        match load_trust_store(dirs[0], dirs[1]) {
            Ok(trust) => {
                tracing::info!(
                    trusted_cas = trust.cas().len(),
                    crls = trust.crls().len(),
                    "trusted CAs and CRLs reloaded"
                );
                auth.trust.store(std::sync::Arc::new(trust));
            }
            Err(e) => tracing::error!(
                code = %e.code(),
                detail = %e.detail(),
                "CA or CRL directory not reloaded; still using the previous CAs and CRLs"
            ),
        }
    }
}

/// [`Error::CrlOutdated`] when `ca` has CRLs loaded and every one of them is past its
/// nextUpdate by more than `grace_ms` at `now_ms`. A CA without a CRL is not refused here
/// (the directory says which CAs publish CRLs).
pub fn check_crl_fresh(trust: &TrustStore, ca: &Cert, now_ms: i64, grace_ms: i64) -> Result<()> {
    let mut stale = None;
    for crl in trust.crls().iter().filter(|crl| crl.is_from(ca)) {
        match crl.next_update() {
            Some(next) if now_ms > next.saturating_mul(1000).saturating_add(grace_ms) => {
                stale = Some(next);
            }
            _ => return Ok(()),
        }
    }
    match stale {
        None => Ok(()),
        Some(next) => Err(Error::CrlOutdated {
            detail: format!(
                "the CRL of CA `{}` was due for update at {next} (Unix s); grace {} h exceeded",
                ca.subject(),
                grace_ms / 3_600_000
            ),
        }),
    }
}
