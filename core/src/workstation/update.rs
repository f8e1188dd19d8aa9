//! Signed updates from the hall server (issue 19, K1). The workstation asks the server for a
//! release newer than what runs, at start and every `update.check_hours`; the status bar then
//! says 「有新版本」. Downloading writes the file under `<data>/updates/`, checks its size and
//! SHA-256 against the offer, and verifies it against the release key pinned in the config
//! (`yichuang_pki::release`): signed by that key, for this target and the offered version,
//! newer than what runs. Anything else is deleted and refused with a Chinese reason. A
//! verified release is installed on demand, or at logout on Windows (its installer runs
//! silently and per machine); each step is audited without citizen data.

use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use yichuang_pki::release::{verify_release, ReleaseError};

use crate::infra::hall_api::{HallApi, HallApiError};
use crate::{ErrorCode, UserError};

use super::{lock, Workstation};

/// The version this build is (the workspace version).
pub const RUNNING_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Largest release file accepted (an installer with an embedded WebView2 runtime is ~200 MB).
const MAX_RELEASE_BYTES: u64 = 512 * 1024 * 1024;

/// A release the server offers (its `ReleaseOffer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UpdateOffer {
    pub target: String,
    pub version: String,
    #[specta(type = f64)]
    pub size: u64,
    pub sha256: String,
    pub signature: String,
    pub notes: String,
    #[specta(type = f64)]
    pub published_at: i64,
    /// Its download path under `/api/v1`.
    pub file: String,
}

/// What the update panel shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct UpdateState {
    pub running: String,
    pub target: String,
    /// Checks are on: a backend, an enrollment and a pinned release key.
    pub enabled: bool,
    /// Last answered check, Unix ms.
    #[specta(type = Option<f64>)]
    pub checked_at: Option<i64>,
    /// A newer release offered by the server.
    pub available: Option<UpdateOffer>,
    /// The version downloaded and verified, ready to install.
    pub verified: Option<String>,
    /// Why the last check, download or install failed.
    pub error: Option<UserError>,
}

#[derive(Default)]
pub struct UpdateParts {
    state: Mutex<UpdateState>,
    /// The verified file.
    file: Mutex<Option<PathBuf>>,
}

fn api_error(e: HallApiError) -> UserError {
    match e {
        HallApiError::Unreachable(detail) => UserError::new(ErrorCode::UpdateUnreachable, detail),
        HallApiError::Refused {
            code,
            message,
            detail,
        } => {
            let mut err = UserError::new(ErrorCode::UpdateRefused, format!("{code}: {detail}"));
            if !message.is_empty() {
                err.message = message;
            }
            err
        }
    }
}

fn release_error(e: ReleaseError) -> UserError {
    let code = match e {
        ReleaseError::Downgrade { .. } => ErrorCode::UpdateDowngrade,
        ReleaseError::ClaimMismatch { .. } => ErrorCode::UpdateClaimMismatch,
        ReleaseError::PublicKey(_) => ErrorCode::UpdateNotConfigured,
        ReleaseError::SignatureMalformed(_)
        | ReleaseError::ClaimMalformed(_)
        | ReleaseError::SignatureInvalid(_) => ErrorCode::UpdateSignatureInvalid,
    };
    UserError::new(code, e.to_string())
}

impl Workstation {
    fn update_api(&self, total: Duration) -> Result<(HallApi, String), UserError> {
        let not = |what: &str| UserError::new(ErrorCode::UpdateNotConfigured, what.to_owned());
        let key = self
            .config
            .update
            .public_key
            .clone()
            .ok_or_else(|| not("update.public_key is not set"))?;
        let url = self
            .config
            .backend
            .url
            .clone()
            .ok_or_else(|| not("backend.url is not set"))?;
        let credential = self
            .credential()
            .ok_or_else(|| not("the workstation is not enrolled"))?;
        let api = HallApi::with_timeout(url, credential, &self.config.backend.tls(), total)
            .map_err(api_error)?;
        Ok((api, key))
    }

    /// The update panel's state.
    pub fn update_state(&self) -> UpdateState {
        let mut s = lock(&self.update.state).clone();
        s.running = RUNNING_VERSION.to_owned();
        s.target = self.config.update.target().to_owned();
        s.enabled = self.update_api(Duration::from_secs(1)).is_ok();
        s
    }

    fn set_update(&self, change: impl FnOnce(&mut UpdateState)) -> UpdateState {
        change(&mut lock(&self.update.state));
        let state = self.update_state();
        let available = state
            .available
            .as_ref()
            .map(|o| o.version.clone())
            // A release refused on download is not advertised until a check offers it again.
            .filter(|_| state.enabled && state.error.is_none());
        self.update_status(|s| s.update_available = available);
        state
    }

    /// Asks the hall server for a newer release (at start, daily, and on demand).
    pub fn update_check(&self) -> Result<UpdateState, UserError> {
        let (api, _) = self.update_api(Duration::from_secs(10))?;
        let target = self.config.update.target().to_owned();
        let url = api.url(&format!("updates/{target}?current={RUNNING_VERSION}"));
        let answer = api
            .send_signed(reqwest::Method::GET, url, None)
            .map_err(api_error)
            .and_then(|resp| {
                if resp.status() == reqwest::StatusCode::NO_CONTENT {
                    return Ok(None);
                }
                resp.json::<UpdateOffer>().map(Some).map_err(|e| {
                    UserError::new(ErrorCode::UpdateUnreachable, format!("bad offer: {e}"))
                })
            });
        let now = self.now();
        match answer {
            Ok(offer) => {
                if let Some(o) = &offer {
                    tracing::info!(version = %o.version, target, "update offered");
                }
                Ok(self.set_update(|s| {
                    if s.available.as_ref().map(|o| &o.version)
                        != offer.as_ref().map(|o| &o.version)
                    {
                        s.verified = None;
                    }
                    s.available = offer;
                    s.checked_at = Some(now);
                    s.error = None;
                }))
            }
            Err(e) => {
                self.set_update(|s| s.error = Some(e.clone()));
                Err(e)
            }
        }
    }

    /// Downloads the offered release and verifies it; a file that fails is deleted.
    pub fn update_download(&self) -> Result<UpdateState, UserError> {
        let offer = lock(&self.update.state)
            .available
            .clone()
            .ok_or_else(|| UserError::new(ErrorCode::UpdateNothing, "no release offered"))?;
        let result = self.download_verified(&offer);
        let detail = serde_json::json!({
            "target": offer.target, "version": offer.version, "sha256": offer.sha256,
        });
        match result {
            Ok(path) => {
                *lock(&self.update.file) = Some(path);
                self.audit("update.verified", Some(offer.version.clone()), detail)?;
                Ok(self.set_update(|s| {
                    s.verified = Some(offer.version.clone());
                    s.error = None;
                }))
            }
            Err(e) => {
                let mut detail = detail;
                detail["code"] = serde_json::json!(e.code);
                // The refusal is what IT needs to see in the trail; a failed audit must not
                // hide the refusal from the clerk.
                if let Err(audit) = self.audit("update.refused", Some(offer.version), detail) {
                    tracing::error!(error = %audit, "update refusal not audited");
                }
                self.set_update(|s| {
                    s.verified = None;
                    s.error = Some(e.clone());
                });
                Err(e)
            }
        }
    }

    fn download_verified(&self, offer: &UpdateOffer) -> Result<PathBuf, UserError> {
        let (api, key) = self.update_api(Duration::from_secs(600))?;
        let corrupt = |detail: String| UserError::new(ErrorCode::UpdateCorrupt, detail);
        if offer.size > MAX_RELEASE_BYTES {
            return Err(corrupt(format!("{} bytes offered", offer.size)));
        }
        let offered = semver::Version::parse(&offer.version)
            .map_err(|e| corrupt(format!("version {:?}: {e}", offer.version)))?;
        let running =
            semver::Version::parse(RUNNING_VERSION).unwrap_or(semver::Version::new(0, 0, 0));
        let path_in_api = offer.file.trim_start_matches("/api/v1/");
        let resp = api
            .send_signed(reqwest::Method::GET, api.url(path_in_api), None)
            .map_err(api_error)?;
        let mut bytes = Vec::with_capacity(offer.size as usize);
        resp.take(MAX_RELEASE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| UserError::new(ErrorCode::UpdateUnreachable, format!("download: {e}")))?;
        if bytes.len() as u64 != offer.size {
            return Err(corrupt(format!(
                "{} bytes, offered {}",
                bytes.len(),
                offer.size
            )));
        }
        let sha = crate::infra::blobs::sha256_hex(&bytes);
        if sha != offer.sha256 {
            return Err(corrupt(format!("sha256 {sha}, offered {}", offer.sha256)));
        }
        verify_release(
            &key,
            &bytes,
            &offer.signature,
            self.config.update.target(),
            &offered,
            &running,
        )
        .map_err(release_error)?;
        let dir = self.data_dir.join("updates");
        let store = |e: std::io::Error| UserError::new(ErrorCode::UpdateStore, e.to_string());
        std::fs::create_dir_all(&dir).map_err(store)?;
        let path = dir.join(installer_name(&offer.target, &offer.version));
        let part = path.with_extension("part");
        std::fs::write(&part, &bytes).map_err(store)?;
        std::fs::rename(&part, &path).map_err(store)?;
        Ok(path)
    }

    /// Starts the verified release's installer: the Windows installer silently (it replaces
    /// the program, then the app ends), a Debian package through `pkexec apt-get install`.
    pub fn update_install(&self) -> Result<UpdateState, UserError> {
        let path = lock(&self.update.file)
            .clone()
            .ok_or_else(|| UserError::new(ErrorCode::UpdateNothing, "nothing verified"))?;
        let version = lock(&self.update.state).verified.clone();
        let mut cmd = if cfg!(windows) {
            let mut c = std::process::Command::new(&path);
            c.arg("/S");
            c
        } else {
            let mut c = std::process::Command::new("pkexec");
            c.args(["apt-get", "install", "-y"]).arg(&path);
            c
        };
        cmd.spawn().map_err(|e| {
            UserError::new(ErrorCode::UpdateInstall, format!("{}: {e}", path.display()))
        })?;
        self.audit(
            "update.install",
            version,
            serde_json::json!({ "file": path.file_name().map(|n| n.to_string_lossy().into_owned()) }),
        )?;
        Ok(self.update_state())
    }

    /// At logout on Windows: a verified release is installed (silently, per machine).
    pub(super) fn install_update_at_logout(&self) {
        if cfg!(windows) && lock(&self.update.file).is_some() {
            if let Err(e) = self.update_install() {
                tracing::error!(error = %e, "update at logout failed");
            }
        }
    }

    /// Checks at start (once the backend had time to answer) and every `check_hours`.
    pub(super) fn start_update_watch(self: &Arc<Self>) {
        if self.config.update.public_key.is_none() {
            return;
        }
        let ws = Arc::downgrade(self);
        let every = Duration::from_secs(u64::from(self.config.update.check_hours) * 3600);
        let spawned = std::thread::Builder::new()
            .name("update-check".into())
            .spawn(move || {
                let mut wait = Duration::from_secs(3);
                loop {
                    std::thread::sleep(wait);
                    let Some(ws) = ws.upgrade() else { return };
                    wait = match ws.update_check() {
                        Ok(_) => every,
                        // Not answered: try again sooner than a day.
                        Err(e) => {
                            tracing::warn!(error = %e, "update check failed");
                            Duration::from_secs(300).min(every)
                        }
                    };
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "update check thread not started");
        }
    }
}

/// The file name of a downloaded release (the installer keeps its kind's extension).
fn installer_name(target: &str, version: &str) -> String {
    let ext = if target.starts_with("windows") {
        "exe"
    } else {
        "deb"
    };
    format!("yichuang-{target}-{version}.{ext}")
}
