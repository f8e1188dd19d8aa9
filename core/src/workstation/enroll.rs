//! Enrollment of this workstation with the central server (issue 15 item 1), the workstation
//! side: the Ed25519 key made here and kept in the OS keystore (the documented headless
//! fallback file `workstation.key`, mode 0600, as for the data key), the enrollment record
//! (`enrollment.json` in the data directory: public data, written whole then renamed), and the
//! check that the enrolled hall and window are the configured desk's.
//!
//! The record pins the server's offline-grant key: the login exchange verifies grants with
//! it and never takes a key from the server at login.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::infra::credential::{
    generate_key, normalize_code, EnrollRequest, Enrollment, WorkstationCredential, ENROLL_PATH,
};
use crate::infra::keystore::{self, KeystoreConfig, StoreKey};
use crate::{ErrorCode, UserError};

use super::{lock, DeskId, Workstation};

/// The enrollment record in the data directory.
pub const RECORD_FILE: &str = "enrollment.json";
/// The headless fallback of the workstation key.
pub const KEY_FILE: &str = "workstation.key";

/// What the login page and the `--enroll` command show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct EnrollmentStatus {
    /// A backend URL is configured (without one there is nothing to enroll with).
    pub backend_configured: bool,
    pub enrolled: bool,
    /// The id the server assigned (`{hall code}-{window}`), once enrolled.
    pub workstation_id: Option<String>,
    /// The configured desk's id, for IT to match against the code's.
    pub desk_id: Option<String>,
    /// Unix ms, server clock.
    #[specta(type = Option<f64>)]
    pub enrolled_at: Option<i64>,
    /// Why an earlier enrollment cannot be used (key lost, record damaged, desk changed).
    pub problem: Option<UserError>,
}

/// The enrollment as loaded at start or made by [`Workstation::enroll`].
#[derive(Debug, Clone, Default)]
pub(super) enum EnrollState {
    #[default]
    NotEnrolled,
    Enrolled(Box<Enrolled>),
    /// An enrollment is on disk but unusable; the workstation acts as not enrolled.
    Broken(UserError),
}

/// A usable enrollment: the credential and the record it came with.
#[derive(Debug, Clone)]
pub(super) struct Enrolled {
    pub credential: WorkstationCredential,
    pub record: Enrollment,
}

/// Where the workstation key is kept: an entry named after the data directory (like the data
/// key's), or `<data_dir>/workstation.key`.
pub fn key_config(data_dir: &Path) -> KeystoreConfig {
    let mut cfg = KeystoreConfig::new(data_dir, "");
    cfg.account = format!(
        "workstation-key:{}",
        super::sync::keystore_account(data_dir)
    );
    cfg.fallback_file = data_dir.join(KEY_FILE);
    cfg
}

fn record_path(data_dir: &Path) -> PathBuf {
    data_dir.join(RECORD_FILE)
}

fn broken(detail: String) -> UserError {
    UserError::new(ErrorCode::EnrollKeyMissing, detail)
}

/// The enrolled id must be the configured desk's: the server takes the id from the
/// credential, and everything this workstation writes carries the configured hall and window.
pub fn check_desk(record: &Enrollment, desk: &DeskId) -> Result<(), UserError> {
    let configured = desk.workstation_id();
    if record.workstation_id == configured
        && record.hall_code == desk.hall_code
        && record.window == u32::from(desk.window_number)
    {
        return Ok(());
    }
    Err(UserError::with_message(
        ErrorCode::EnrollDeskMismatch,
        crate::messages::enroll_desk_mismatch(&record.workstation_id, &configured),
        format!(
            "enrolled as {} (hall {}, window {}), configured as {configured}",
            record.workstation_id, record.hall_code, record.window
        ),
    ))
}

/// Reads the record and the key from the data directory and the keystore.
pub(super) fn load(data_dir: &Path, desk: Result<&DeskId, UserError>) -> EnrollState {
    let path = record_path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return EnrollState::NotEnrolled,
        Err(e) => return EnrollState::Broken(broken(format!("{}: {e}", path.display()))),
    };
    let record: Enrollment = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return EnrollState::Broken(broken(format!("{}: {e}", path.display()))),
    };
    let key = match keystore::load(&key_config(data_dir)) {
        Ok(Some((key, _))) => key,
        Ok(None) => {
            return EnrollState::Broken(broken(
                "enrollment record present but the workstation key is in neither the OS keystore nor workstation.key".into(),
            ))
        }
        Err(e) => return EnrollState::Broken(broken(e.to_string())),
    };
    let signing = yichuang_pki::credential::SigningKey::from_bytes(&key.to_bytes());
    let credential = WorkstationCredential::new(record.workstation_id.clone(), signing);
    if let Err(e) = desk.and_then(|d| check_desk(&record, d)) {
        return EnrollState::Broken(e);
    }
    EnrollState::Enrolled(Box::new(Enrolled { credential, record }))
}

/// Writes the record whole to a temporary file, syncs it, then renames it over the old one.
fn write_record(data_dir: &Path, record: &Enrollment) -> std::io::Result<()> {
    std::fs::create_dir_all(data_dir)?;
    let tmp = data_dir.join(format!("{RECORD_FILE}.new"));
    let text = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, record_path(data_dir))?;
    if let Ok(d) = std::fs::File::open(data_dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Keeps the key, then the record (a record is never on disk without its key).
fn persist(
    data_dir: &Path,
    key: &yichuang_pki::credential::SigningKey,
    record: &Enrollment,
) -> Result<(), UserError> {
    let err = |d: String| UserError::new(ErrorCode::EnrollStore, d);
    keystore::replace(&key_config(data_dir), &StoreKey::from_bytes(key.to_bytes()))
        .map_err(|e| err(e.to_string()))?;
    write_record(data_dir, record).map_err(|e| err(format!("{RECORD_FILE}: {e}")))
}

#[derive(Debug, Default, serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    detail: String,
}

/// `POST {backend}/api/v1/enroll`.
pub fn post_enroll(
    base: &Url,
    tls: &crate::infra::http::BackendTls,
    req: &EnrollRequest,
) -> Result<Enrollment, UserError> {
    let mut url = base.clone();
    url.set_path(&format!(
        "{}{ENROLL_PATH}",
        base.path().trim_end_matches('/')
    ));
    let unreachable = |d: String| UserError::new(ErrorCode::EnrollUnreachable, d);
    // The hall CA and pin of the config, as for every other request to the backend.
    let http = crate::infra::http::blocking_client(
        tls,
        reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20)),
    )
    .map_err(|e| UserError::new(e.code(), e.to_string()))?;
    let resp = http.post(url.clone()).json(req).send().map_err(|e| {
        crate::infra::http::tls_refusal(&e, &format!("POST {url}"))
            .unwrap_or_else(|| unreachable(format!("POST {url}: {e}")))
    })?;
    let status = resp.status();
    if status.is_success() {
        return resp
            .json()
            .map_err(|e| unreachable(format!("POST {url}: unreadable answer: {e}")));
    }
    if status.is_server_error() {
        return Err(unreachable(format!("POST {url}: HTTP {status}")));
    }
    let body: ErrorBody = resp.json().unwrap_or_default();
    let detail = format!("HTTP {status} {}: {}", body.code, body.detail);
    Err(if body.message.is_empty() {
        UserError::new(ErrorCode::EnrollRefused, detail)
    } else {
        UserError::with_message(ErrorCode::EnrollRefused, body.message, detail)
    })
}

impl Workstation {
    /// The enrolled credential, if this workstation is enrolled (and the enrollment usable).
    pub fn credential(&self) -> Option<WorkstationCredential> {
        match &*lock(&self.enrollment) {
            EnrollState::Enrolled(e) => Some(e.credential.clone()),
            _ => None,
        }
    }

    /// The enrollment record (its pinned grant key), if enrolled.
    pub fn enrollment(&self) -> Option<Enrollment> {
        match &*lock(&self.enrollment) {
            EnrollState::Enrolled(e) => Some(e.record.clone()),
            _ => None,
        }
    }

    pub fn enrollment_status(&self) -> EnrollmentStatus {
        let state = lock(&self.enrollment).clone();
        let (enrolled, workstation_id, enrolled_at, problem) = match state {
            EnrollState::NotEnrolled => (false, None, None, None),
            EnrollState::Enrolled(e) => (
                true,
                Some(e.record.workstation_id),
                Some(e.record.enrolled_at),
                None,
            ),
            EnrollState::Broken(e) => (false, None, None, Some(e)),
        };
        EnrollmentStatus {
            backend_configured: self.config.backend.url.is_some(),
            enrolled,
            workstation_id,
            desk_id: self.desk_id().ok().map(DeskId::workstation_id),
            enrolled_at,
            problem,
        }
    }

    /// Enrolls with the one-time code IT got from `yichuang-server workstation enroll`: makes
    /// the key, sends its proof, checks the answer against the configured desk, keeps key and
    /// record, audits the attempt (never the code), and starts the sync loop.
    pub fn enroll(&self, code: &str) -> Result<EnrollmentStatus, UserError> {
        let status = self.provision(code)?;
        self.start_sync();
        self.refresh_sync();
        Ok(status)
    }

    /// As [`Workstation::enroll`] without starting the sync loop: IT's silent provisioning
    /// (`--enroll CODE`) writes the key and the record and exits; the first sync is the app's.
    pub fn provision(&self, code: &str) -> Result<EnrollmentStatus, UserError> {
        let result = self.try_enroll(code);
        let (action, detail) = match &result {
            Ok(r) => (
                "workstation.enroll",
                serde_json::json!({ "workstation": r.workstation_id, "grant_key_id": r.grant_key_id }),
            ),
            Err(e) => (
                "workstation.enroll_failed",
                serde_json::json!({ "code": e.code }),
            ),
        };
        if let Err(e) = self.audit(action, None, detail) {
            tracing::error!(error = %e.detail, "enrollment not audited");
        }
        let record = result?;
        tracing::info!(workstation = %record.workstation_id, "workstation enrolled");
        Ok(self.enrollment_status())
    }

    fn try_enroll(&self, code: &str) -> Result<Enrollment, UserError> {
        let url =
            self.config.backend.url.clone().ok_or_else(|| {
                UserError::new(ErrorCode::EnrollNoBackend, "backend.url is not set")
            })?;
        let desk = self.desk_id()?.clone();
        if normalize_code(code).is_empty() {
            return Err(UserError::new(ErrorCode::EnrollCodeEmpty, "empty code"));
        }
        let key = generate_key()
            .map_err(|_| UserError::new(ErrorCode::KeystoreRandom, "OS random source failed"))?;
        let record = post_enroll(
            &url,
            &self.config.backend.tls(),
            &EnrollRequest::new(code, &key),
        )?;
        check_desk(&record, &desk)?;
        persist(&self.data_dir, &key, &record)?;
        let credential = WorkstationCredential::new(record.workstation_id.clone(), key);
        *lock(&self.enrollment) = EnrollState::Enrolled(Box::new(Enrolled {
            credential,
            record: record.clone(),
        }));
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::config::WorkstationConfig;

    fn desk(code: &str, window: u16) -> DeskId {
        let mut cfg = WorkstationConfig::default();
        cfg.hall.code = Some(code.into());
        cfg.window.number = window;
        DeskId::from_config(&cfg, Path::new("w.toml")).unwrap()
    }

    fn record(id: &str, hall: &str, window: u32) -> Enrollment {
        Enrollment {
            workstation_id: id.into(),
            hall_code: hall.into(),
            window,
            grant_public_key: "AAAA".into(),
            grant_key_id: "k1".into(),
            server_instance_id: "s".into(),
            enrolled_at: 1,
        }
    }

    #[test]
    fn i15_an_enrollment_for_another_desk_is_a_typed_chinese_error() {
        check_desk(&record("441500-5", "441500", 5), &desk("441500", 5)).unwrap();
        let e = check_desk(&record("441500-6", "441500", 6), &desk("441500", 5)).unwrap_err();
        assert_eq!(e.code, ErrorCode::EnrollDeskMismatch);
        assert!(
            e.message.contains("441500-6") && e.message.contains("441500-5"),
            "{}",
            e.message
        );
        assert!(e.message.contains("window.number"), "{}", e.message);
    }

    #[test]
    fn i15_the_record_and_key_kept_at_enrollment_load_back_as_the_credential() {
        let dir = tempfile::tempdir().unwrap();
        let d = desk("441500", 5);
        assert!(matches!(load(dir.path(), Ok(&d)), EnrollState::NotEnrolled));
        let key = generate_key().unwrap();
        let rec = record("441500-5", "441500", 5);
        // The unit test keeps the key in the file; the OS keystore is the app's business.
        let cfg = KeystoreConfig {
            file_only: true,
            ..key_config(dir.path())
        };
        keystore::replace(&cfg, &StoreKey::from_bytes(key.to_bytes())).unwrap();
        write_record(dir.path(), &rec).unwrap();
        let loaded = |d: &DeskId| {
            // load() reads the OS keystore first unless YICHUANG_KEYSTORE=file; the file is
            // the fallback either way, and no OS entry exists under this temporary directory.
            load(dir.path(), Ok(d))
        };
        match loaded(&d) {
            EnrollState::Enrolled(e) => {
                let Enrolled { credential, record } = *e;
                assert_eq!(record, rec);
                assert_eq!(credential.workstation_id(), "441500-5");
                assert_eq!(
                    credential.public_key_b64(),
                    yichuang_pki::credential::public_key_b64(&key.verifying_key())
                );
            }
            other => panic!("{other:?}"),
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The config now names window 6: the enrollment is refused with the reason.
        match loaded(&desk("441500", 6)) {
            EnrollState::Broken(e) => assert_eq!(e.code, ErrorCode::EnrollDeskMismatch),
            other => panic!("{other:?}"),
        }
        // The key lost: not usable, and said so.
        std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        match loaded(&d) {
            EnrollState::Broken(e) => assert_eq!(e.code, ErrorCode::EnrollKeyMissing),
            other => panic!("{other:?}"),
        }
    }
}
