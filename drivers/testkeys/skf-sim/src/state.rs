//! The simulated keys' persistent state: one JSON file per key, that the library re-reads on
//! every call, so a test or `make run` can pull a key out and plug it back in by editing it
//! (see the CLI), and PIN tries survive process restarts. Read-modify-write goes through an
//! exclusive lock on `<state>.lock`.
//!
//! `YICHUANG_SKF_SIM_STATE` names the state files, separated like `PATH` (`:` on Unix, `;`
//! on Windows): each one is a device the library serves (e.g. the clerk's login key and the
//! department's seal key on one workstation). One path is one device, as before.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const STATE_ENV: &str = "YICHUANG_SKF_SIM_STATE";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimState {
    /// Whether the key is plugged in.
    pub present: bool,
    /// Bumped on every insertion: handles from before a removal stay invalid.
    pub generation: u64,
    pub device_name: String,
    pub serial: String,
    pub label: String,
    pub manufacturer: String,
    pub issuer: String,
    pub application: String,
    pub container: String,
    pub user_pin: String,
    /// The user PIN is still the one the key was issued with (`SKF_GetPINInfo`'s
    /// `pbDefaultPin`); cleared by `SKF_ChangePIN`, set again by the CLI's `reset-pin`.
    #[serde(default = "issued_pin")]
    pub default_pin: bool,
    pub max_retries: u32,
    pub retries_left: u32,
    /// SM2 private key of the signing pair, 32 bytes hex.
    pub sign_key: String,
    /// Signing certificate, DER hex.
    pub sign_cert: String,
    /// Exchange (encryption) certificate, DER hex, if any.
    #[serde(default)]
    pub exchange_cert: Option<String>,
}

fn issued_pin() -> bool {
    true
}

/// The state files of the devices the library serves, in the order given; empty when
/// `YICHUANG_SKF_SIM_STATE` is unset.
pub fn state_paths() -> Vec<PathBuf> {
    std::env::var_os(STATE_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

impl SimState {
    pub fn load(path: &Path) -> io::Result<SimState> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(io::Error::other)
    }

    /// Writes atomically (temp file and rename) so a concurrent reader never sees half a file.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        fs::write(&tmp, text)?;
        fs::rename(&tmp, path)
    }

    /// Runs `f` on the state under the file lock and saves it when `f` says so.
    pub fn update<T>(path: &Path, f: impl FnOnce(&mut SimState) -> (T, bool)) -> io::Result<T> {
        let lock = lock_file(path)?;
        lock.lock()?;
        let mut state = SimState::load(path)?;
        let (out, changed) = f(&mut state);
        if changed {
            state.save(path)?;
        }
        drop(lock);
        Ok(out)
    }
}

fn lock_file(path: &Path) -> io::Result<File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(PathBuf::from(name))
}
