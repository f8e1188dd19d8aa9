//! The UKey as the app uses it: the configured library loaded once, a presence watch that
//! feeds the status bar and the lock-on-removal rule (A5), and the calls the login flow needs,
//! each returning a [`UserError`] with the Chinese text the clerk must see (A3).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use yichuang_drivers::ukey::{
    Backend, CertInfo, KeyInfo, LibraryStatus, MultiUkey, NamedLibrary, PinInfo, PresenceEvent,
    PresenceWatcher, Signature, Ukey, UkeyConfig, UkeyError, UkeyProblem,
};

use crate::devices::runtime::{Signal, Worker};
use crate::infra::config::{DeviceConfig, DeviceDriver, DevicesConfig};
use crate::infra::status::DeviceState;
use crate::{ErrorCode, UserError};

/// The status-bar slot.
pub const SLOT: &str = "ukey";

/// How often presence is polled: removal must lock the workstation within 1 s.
pub const POLL: Duration = Duration::from_millis(250);

/// Clerk-facing error for a UKey failure: the driver's Chinese text, a stable code per
/// problem (the UI keys on it), and the library detail for IT.
pub fn ukey_error(e: &UkeyError) -> UserError {
    let code = match e.problem() {
        UkeyProblem::NoKey => ErrorCode::UkeyNoKey,
        UkeyProblem::ModuleMissing => ErrorCode::UkeyModuleMissing,
        UkeyProblem::KeyRemoved => ErrorCode::UkeyRemoved,
        UkeyProblem::PinIncorrect => ErrorCode::UkeyPinIncorrect,
        UkeyProblem::PinLocked => ErrorCode::UkeyPinLocked,
        UkeyProblem::PinInvalid => ErrorCode::UkeyPinInvalid,
        UkeyProblem::NotLoggedIn => ErrorCode::UkeyNotLoggedIn,
        UkeyProblem::CertificateNotFound => ErrorCode::UkeyCertNotFound,
        UkeyProblem::CertificateExpired => ErrorCode::UkeyCertExpired,
        UkeyProblem::CertificateNotYetValid => ErrorCode::UkeyCertNotYetValid,
        UkeyProblem::UnsupportedAlgorithm => ErrorCode::UkeyUnsupported,
        UkeyProblem::SignFailed => ErrorCode::UkeySignFailed,
        UkeyProblem::BadData => ErrorCode::UkeyBadData,
        UkeyProblem::Misconfigured => ErrorCode::UkeyMisconfigured,
        _ => ErrorCode::UkeyFault,
    };
    UserError::with_message(code, e.message(), e.detail())
}

/// A certificate as the login view lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LoginCert {
    pub id: String,
    pub subject_cn: String,
    pub issuer: String,
    pub serial: String,
    /// Unix seconds.
    #[specta(type = f64)]
    pub not_after: i64,
    pub authentication: bool,
    pub signing: bool,
    pub expired: bool,
    /// The one preselected: the first valid authentication certificate.
    pub preferred: bool,
}

/// A key as the login view lists it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LoginKey {
    pub id: String,
    pub label: String,
    pub manufacturer: String,
    pub backend: Backend,
    /// The library the key was found through (its configured name or file name), so a
    /// desk with several CA vendors' libraries shows which one (A2).
    pub library: String,
    pub pin: PinInfo,
    pub certificates: Vec<LoginCert>,
}

/// What the presence watch reports.
#[derive(Debug, Clone)]
pub enum UkeyEvent {
    State(DeviceState),
    /// A key came or went, as seen by presence poll number `.1` (see [`UkeyService::presence_mark`]).
    Presence(PresenceEvent, u64),
}

/// Polls in a row a key must be missing from before it counts as removed: a key just put back
/// may drop out of one enumeration while it settles, and that blip must not lock the session
/// the clerk is unlocking. Two polls still lock within 1 s of a real removal.
const ABSENT_POLLS: u32 = 2;

struct Shared {
    ukey: Mutex<MultiUkey>,
    /// What every call answers when no library is usable (none loaded, or a bad driver).
    load_error: Option<UkeyError>,
    /// Each configured library and whether it loaded, for the device panel and login view.
    libraries: Vec<LibraryStatus>,
    /// Presence polls made so far; each poll takes its number while it holds `ukey`.
    polls: AtomicU64,
    /// Keys an unlock proved present since the watcher's last poll (by id).
    proved: Mutex<Vec<String>>,
}

impl Shared {
    /// Polls the keys present, numbering the poll.
    fn poll(&self) -> (Result<Vec<KeyInfo>, UkeyError>, u64) {
        let mut guard = lock(&self.ukey);
        let seq = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        let keys = match &self.load_error {
            None => guard.poll_presence(),
            Some(_) => Err(UkeyError::NoKey),
        };
        (keys, seq)
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running UKey service; stops its watch thread when dropped.
pub struct UkeyService {
    shared: Arc<Shared>,
    _watcher: Option<Worker>,
}

/// The library `driver = "simulator"` loads: the repo's test SKF library
/// (`drivers/testkeys/skf-sim`), from `YICHUANG_SKF_LIB` or next to the executable.
fn simulator_library() -> PathBuf {
    if let Some(p) = std::env::var_os("YICHUANG_SKF_LIB") {
        return PathBuf::from(p);
    }
    let name = if cfg!(windows) {
        "yichuang_skf_sim.dll"
    } else {
        "libyichuang_skf_sim.so"
    };
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

/// The driver config for a device slot, or `None` when no UKey is installed.
pub fn driver_config(config: &DeviceConfig) -> Option<Result<UkeyConfig, UkeyError>> {
    let (backend, module) = match config.driver {
        DeviceDriver::None => return None,
        DeviceDriver::Simulator => (Backend::Skf, simulator_library()),
        DeviceDriver::Skf => (Backend::Skf, PathBuf::from(config.module.clone()?)),
        DeviceDriver::Pkcs11 => (Backend::Pkcs11, PathBuf::from(config.module.clone()?)),
        other => {
            return Some(Err(UkeyError::Config {
                detail: format!("driver {other:?} is not a UKey driver (pkcs11, skf, simulator)"),
            }))
        }
    };
    Some(Ok(UkeyConfig {
        backend,
        module,
        vendor: config.vendor.clone(),
        skf_overrides: Default::default(),
    }))
}

/// The desk's libraries in config order: `[devices.ukey]`, then each `[[devices.ukeys]]`;
/// `None` when none is configured. A `[devices.ukey]` driver that is no UKey driver is the
/// error every call answers.
fn desk_libraries(devices: &DevicesConfig) -> Option<(Vec<NamedLibrary>, Option<UkeyError>)> {
    let mut libraries = Vec::new();
    let mut error = None;
    match driver_config(&devices.ukey) {
        Some(Ok(c)) => libraries.push(NamedLibrary::new(None, c)),
        Some(Err(e)) => error = Some(e),
        None => {}
    }
    for extra in &devices.ukeys {
        match driver_config(&extra.device()) {
            Some(Ok(c)) => libraries.push(NamedLibrary::new(extra.name.clone(), c)),
            Some(Err(e)) => error = error.or(Some(e)),
            None => {}
        }
    }
    if libraries.is_empty() && error.is_none() {
        return None;
    }
    Some((libraries, error))
}

/// The rules of a new user PIN (A3): 6–16 characters, not the old PIN, not one character
/// repeated, typed the same twice.
pub fn check_new_pin(old: &str, new: &str, confirm: &str) -> Result<(), UserError> {
    let len = new.chars().count();
    if !(6..=16).contains(&len) {
        return Err(UserError::new(
            ErrorCode::UkeyNewPinLength,
            format!("new PIN has {len} characters"),
        ));
    }
    if new == old {
        return Err(UserError::new(
            ErrorCode::UkeyNewPinSameAsOld,
            "new PIN equals the old one",
        ));
    }
    let mut chars = new.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(UserError::new(
            ErrorCode::UkeyNewPinTrivial,
            "new PIN is one character repeated",
        ));
    }
    if new != confirm {
        return Err(UserError::new(
            ErrorCode::UkeyNewPinMismatch,
            "the two entries of the new PIN differ",
        ));
    }
    Ok(())
}

impl UkeyService {
    /// Loads the desk's UKey libraries (`[devices.ukey]` and `[[devices.ukeys]]`) and starts
    /// the presence watch; `None` when no UKey is configured. A library that fails to load
    /// is reported ([`UkeyService::libraries`], the status bar when none loaded) and the
    /// others work — the clerk must see 「UKey驱动未找到」, not a dead form.
    pub fn start(
        devices: &DevicesConfig,
        emit: impl Fn(UkeyEvent) + Send + 'static,
    ) -> Option<UkeyService> {
        let (libraries, config_error) = desk_libraries(devices)?;
        let multi = MultiUkey::open(&libraries);
        let statuses = multi.libraries();
        for lib in statuses.iter().filter(|l| l.error.is_some()) {
            tracing::error!(library = %lib.name, detail = ?lib.detail, "UKey library not loaded");
        }
        let load_error = config_error.or_else(|| multi.load_error());
        let shared = Arc::new(Shared {
            ukey: Mutex::new(multi),
            load_error,
            libraries: statuses,
            polls: AtomicU64::new(0),
            proved: Mutex::new(Vec::new()),
        });
        let watcher = {
            let shared = shared.clone();
            Worker::spawn("ukey", move |signal| watch(&shared, signal, &emit)).ok()
        };
        Some(UkeyService {
            shared,
            _watcher: watcher,
        })
    }

    /// Each configured library and why it did not load, if it did not.
    pub fn libraries(&self) -> Vec<LibraryStatus> {
        self.shared.libraries.clone()
    }

    /// Changes the user PIN of `key` (A3) after checking the new PIN's rules
    /// ([`check_new_pin`]); the key's own answer for a wrong old PIN carries its retries left.
    pub fn change_pin(
        &self,
        key: &str,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), UserError> {
        check_new_pin(old, new, confirm)?;
        self.with(|u| u.change_pin(key, old, new))
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut MultiUkey) -> Result<T, UkeyError>,
    ) -> Result<T, UserError> {
        if let Some(e) = &self.shared.load_error {
            return Err(ukey_error(e));
        }
        let mut guard = lock(&self.shared.ukey);
        f(&mut guard).map_err(|e| ukey_error(&e))
    }

    /// The keys present with their PIN state and certificates, for the login view.
    pub fn login_keys(&self, now: i64) -> Result<Vec<LoginKey>, UserError> {
        self.with(|u| {
            let mut out = Vec::new();
            for key in u.keys()? {
                let pin = u.pin_info(&key.id).unwrap_or_default();
                let certs = u.certificates(&key.id)?;
                let mut certificates: Vec<LoginCert> = certs
                    .iter()
                    .filter(|c| c.can_sign)
                    .map(|c| LoginCert {
                        id: c.id.clone(),
                        subject_cn: c.subject_cn.clone(),
                        issuer: c.issuer.clone(),
                        serial: c.serial.clone(),
                        not_after: c.not_after,
                        authentication: c.usage.authentication,
                        signing: c.usage.signing,
                        expired: c.check_validity(now).is_err(),
                        preferred: false,
                    })
                    .collect();
                // Authentication certificate by default (A2), a valid one if there is one.
                let pick = certificates
                    .iter()
                    .position(|c| c.authentication && !c.expired)
                    .or_else(|| certificates.iter().position(|c| c.authentication))
                    .or(if certificates.is_empty() {
                        None
                    } else {
                        Some(0)
                    });
                if let Some(i) = pick {
                    if let Some(c) = certificates.get_mut(i) {
                        c.preferred = true;
                    }
                }
                out.push(LoginKey {
                    id: key.id.clone(),
                    label: key.label.clone(),
                    manufacturer: key.manufacturer.clone(),
                    backend: key.backend,
                    library: u.library_of(&key.id).unwrap_or_default().to_string(),
                    pin,
                    certificates,
                });
            }
            Ok(out)
        })
    }

    pub fn certificate(&self, key: &str, cert: &str) -> Result<CertInfo, UserError> {
        self.with(|u| {
            u.certificates(key)?
                .into_iter()
                .find(|c| c.id == cert)
                .ok_or(UkeyError::CertificateNotFound { id: cert.into() })
        })
    }

    pub fn key(&self, key: &str) -> Result<KeyInfo, UserError> {
        self.with(|u| {
            u.keys()?
                .into_iter()
                .find(|k| k.id == key)
                .ok_or(UkeyError::KeyRemoved {
                    detail: format!("key {key} not present"),
                })
        })
    }

    pub fn pin_info(&self, key: &str) -> Result<PinInfo, UserError> {
        self.with(|u| u.pin_info(key))
    }

    /// Verifies the PIN and signs `message` with `cert` in one hold of the library.
    pub fn verify_and_sign(
        &self,
        key: &str,
        cert: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Signature, UserError> {
        self.with(|u| {
            u.login(key, pin)?;
            let sig = u.sign(key, cert, message);
            let _ = u.logout(key);
            sig
        })
    }

    /// Whether `key` is plugged in now.
    pub fn present(&self, key: &str) -> bool {
        self.shared
            .poll()
            .0
            .map(|keys| keys.iter().any(|k| k.id == key))
            .unwrap_or(false)
    }

    /// The unlock proved `key_id` present: the watcher counts it present again, so a pull
    /// right after the unlock locks even when no poll saw the key back in between (A5).
    pub fn proved_present(&self, key_id: &str) {
        lock(&self.shared.proved).push(key_id.to_owned());
    }

    /// Presence polls made so far. Every poll counted was made before whatever is done with
    /// the key after reading the mark (polls hold the library while they run).
    pub fn presence_mark(&self) -> u64 {
        self.shared.polls.load(Ordering::SeqCst)
    }
}

fn watch(shared: &Shared, signal: &Signal, emit: &dyn Fn(UkeyEvent)) {
    if let Some(e) = &shared.load_error {
        emit(UkeyEvent::State(DeviceState::Error {
            message: e.message(),
        }));
        return;
    }
    let mut watcher = PresenceWatcher::debounced(ABSENT_POLLS);
    let mut last_state: Option<DeviceState> = None;
    // Every key seen so far, by id: what a key proved present by an unlock looks like.
    let mut seen: Vec<KeyInfo> = Vec::new();
    while !signal.is_stopped() {
        let (polled, seq) = shared.poll();
        let state = match polled {
            Ok(keys) => {
                for k in &keys {
                    seen.retain(|s| s.id != k.id);
                    seen.push(k.clone());
                }
                for id in std::mem::take(&mut *lock(&shared.proved)) {
                    if let Some(k) = seen.iter().find(|k| k.id == id) {
                        watcher.proved_present(k.clone());
                    }
                }
                let state = if keys.is_empty() {
                    DeviceState::Disconnected
                } else {
                    DeviceState::Connected
                };
                for event in watcher.update(keys) {
                    emit(UkeyEvent::Presence(event, seq));
                }
                state
            }
            Err(e) => DeviceState::Error {
                message: e.message(),
            },
        };
        if last_state.as_ref() != Some(&state) {
            emit(UkeyEvent::State(state.clone()));
            last_state = Some(state);
        }
        signal.wait(POLL);
    }
}
