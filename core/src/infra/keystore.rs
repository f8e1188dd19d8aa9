//! The workstation's data key: one random 256-bit key that encrypts the store (SQLCipher) and
//! the material files, kept in the operating system's keystore.
//!
//! - **Windows**: Credential Manager (generic credential `yichuang-workstation` / `<account>`).
//! - **Linux desktop**: the Secret Service (GNOME Keyring, KWallet) over D-Bus.
//! - **Headless Linux fallback**: where no Secret Service runs (a kiosk without a session bus,
//!   CI), the key is kept in a file beside the database, `store.key`, created with mode 0600
//!   (owner read/write only), as 64 hex digits. It protects a copied database or backup, not a
//!   machine whose files can all be read; provisioning may put the file on a separate volume or
//!   a TPM-unsealed tmpfs instead (`KeystoreConfig::fallback_file`). Setting
//!   `YICHUANG_KEYSTORE=file` chooses the file without asking the OS (tests, headless kiosks).
//!
//! A key is never created twice for one database: if the database exists but no key is found,
//! [`load_or_create`] fails ([`KeystoreError::KeyMissing`]) instead of making a new key that
//! would leave the old data unreadable.

use std::io::Write;
use std::path::{Path, PathBuf};

use ring::rand::SecureRandom;

/// A 256-bit key. Cleared from memory on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; 32]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: a valid, aligned, exclusive pointer into our own array.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl StoreKey {
    /// A fresh key from the OS random source.
    pub fn random() -> Result<Self, KeystoreError> {
        let mut k = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut k)
            .map_err(|_| KeystoreError::Random)?;
        Ok(Self(k))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Option<Self> {
        let v = hex::decode(text.trim()).ok()?;
        let arr: [u8; 32] = v.try_into().ok()?;
        Some(Self(arr))
    }

    /// The raw bytes (the workstation key's Ed25519 seed is kept as a `StoreKey`).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A subkey for one purpose (HKDF-SHA256 with `label` as info).
    pub fn derive(&self, label: &[u8]) -> [u8; 32] {
        let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"yichuang-workstation");
        let prk = salt.extract(&self.0);
        let info = [label];
        let mut out = [0u8; 32];
        // 32 bytes is always a valid HKDF-SHA256 output length.
        if let Ok(okm) = prk.expand(&info, ring::hkdf::HKDF_SHA256) {
            let _ = okm.fill(&mut out);
        }
        out
    }
}

/// Where the key was found or put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    OsKeystore,
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct KeystoreConfig {
    /// Keystore service name.
    pub service: String,
    /// Keystore account: the workstation id.
    pub account: String,
    /// The headless fallback, normally `<data_dir>/store.key`.
    pub fallback_file: PathBuf,
    /// Whether the fallback file may be created when the OS keystore is unusable.
    pub allow_fallback: bool,
    /// Skip the OS keystore entirely (`YICHUANG_KEYSTORE=file`).
    pub file_only: bool,
}

impl KeystoreConfig {
    pub fn new(data_dir: &Path, workstation_id: &str) -> Self {
        Self {
            service: "yichuang-workstation".into(),
            account: format!("store-key:{workstation_id}"),
            fallback_file: data_dir.join("store.key"),
            allow_fallback: true,
            file_only: std::env::var("YICHUANG_KEYSTORE").is_ok_and(|v| v == "file"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    #[error("the OS random source failed")]
    Random,
    #[error("the database exists but its key is neither in the OS keystore nor in {file}")]
    KeyMissing { file: PathBuf },
    #[error("key file {path}: {detail}")]
    File { path: PathBuf, detail: String },
    #[error("OS keystore: {0}")]
    Os(String),
}

impl KeystoreError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            KeystoreError::Random => C::KeystoreRandom,
            KeystoreError::KeyMissing { .. } => C::KeystoreKeyMissing,
            KeystoreError::File { .. } => C::KeystoreFile,
            KeystoreError::Os(_) => C::KeystoreOs,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

fn read_file(path: &Path) -> Result<Option<StoreKey>, KeystoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => StoreKey::from_hex(&text)
            .map(Some)
            .ok_or_else(|| KeystoreError::File {
                path: path.to_owned(),
                detail: "not 64 hex digits".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(KeystoreError::File {
            path: path.to_owned(),
            detail: e.to_string(),
        }),
    }
}

/// Writes a new key file, owner-only, durably; fails if one exists.
fn create_file(path: &Path, key: &StoreKey) -> Result<(), KeystoreError> {
    let err = |e: std::io::Error| KeystoreError::File {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(err)?;
    f.write_all(key.to_hex().as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

enum OsLookup {
    Found(StoreKey),
    Absent,
    Unusable(String),
}

fn os_get(cfg: &KeystoreConfig) -> OsLookup {
    let entry = match keyring::Entry::new(&cfg.service, &cfg.account) {
        Ok(e) => e,
        Err(e) => return OsLookup::Unusable(e.to_string()),
    };
    match entry.get_password() {
        Ok(text) => match StoreKey::from_hex(&text) {
            Some(k) => OsLookup::Found(k),
            None => OsLookup::Unusable("stored key is not 64 hex digits".into()),
        },
        Err(keyring::Error::NoEntry) => OsLookup::Absent,
        Err(e) => OsLookup::Unusable(e.to_string()),
    }
}

fn os_set(cfg: &KeystoreConfig, key: &StoreKey) -> Result<(), String> {
    let entry = keyring::Entry::new(&cfg.service, &cfg.account).map_err(|e| e.to_string())?;
    entry
        .set_password(&key.to_hex())
        .map_err(|e| e.to_string())?;
    // Read back: some stores accept a write they cannot keep (no unlocked collection).
    match entry.get_password() {
        Ok(text) if StoreKey::from_hex(&text).as_ref() == Some(key) => Ok(()),
        Ok(_) => Err("key read back differs".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Finds the key (OS keystore first, then the fallback file) or, for a new database, creates
/// one. `database_exists` guards against making a second key for existing data.
pub fn load_or_create(
    cfg: &KeystoreConfig,
    database_exists: bool,
) -> Result<(StoreKey, KeyLocation), KeystoreError> {
    let file = || KeyLocation::File(cfg.fallback_file.clone());
    let os = if cfg.file_only {
        OsLookup::Unusable("YICHUANG_KEYSTORE=file".into())
    } else {
        os_get(cfg)
    };
    if let OsLookup::Found(k) = os {
        return Ok((k, KeyLocation::OsKeystore));
    }
    if let Some(k) = read_file(&cfg.fallback_file)? {
        return Ok((k, file()));
    }
    if database_exists {
        return Err(KeystoreError::KeyMissing {
            file: cfg.fallback_file.clone(),
        });
    }
    let key = StoreKey::random()?;
    let os_problem = match os {
        OsLookup::Absent => match os_set(cfg, &key) {
            Ok(()) => return Ok((key, KeyLocation::OsKeystore)),
            Err(e) => e,
        },
        OsLookup::Unusable(e) => e,
        OsLookup::Found(_) => unreachable!("returned above"),
    };
    if !cfg.allow_fallback {
        return Err(KeystoreError::Os(os_problem));
    }
    tracing::warn!(
        problem = %os_problem,
        file = %cfg.fallback_file.display(),
        "OS keystore unusable: keeping the data key in the fallback file (0600)"
    );
    create_file(&cfg.fallback_file, &key)?;
    Ok((key, file()))
}

/// Looks a key up (OS keystore first, then the fallback file) without creating one: the
/// workstation's enrollment key, which only enrollment makes.
pub fn load(cfg: &KeystoreConfig) -> Result<Option<(StoreKey, KeyLocation)>, KeystoreError> {
    if !cfg.file_only {
        match os_get(cfg) {
            OsLookup::Found(k) => return Ok(Some((k, KeyLocation::OsKeystore))),
            OsLookup::Absent => {}
            OsLookup::Unusable(e) => tracing::debug!(problem = %e, "OS keystore unusable"),
        }
    }
    Ok(read_file(&cfg.fallback_file)?.map(|k| (k, KeyLocation::File(cfg.fallback_file.clone()))))
}

/// Keeps `key` in place of any earlier one (re-enrollment replaces the workstation key): the
/// OS keystore when usable, else the fallback file (mode 0600, written whole then renamed).
/// The place not used is cleared, so [`load`] cannot find the old key first.
pub fn replace(cfg: &KeystoreConfig, key: &StoreKey) -> Result<KeyLocation, KeystoreError> {
    let os_problem = if cfg.file_only {
        "YICHUANG_KEYSTORE=file".to_string()
    } else {
        match os_set(cfg, key) {
            Ok(()) => {
                remove_file(&cfg.fallback_file)?;
                return Ok(KeyLocation::OsKeystore);
            }
            Err(e) => e,
        }
    };
    if !cfg.allow_fallback {
        return Err(KeystoreError::Os(os_problem));
    }
    if !cfg.file_only {
        if let Ok(entry) = keyring::Entry::new(&cfg.service, &cfg.account) {
            let _ = entry.delete_credential();
        }
    }
    let tmp = cfg.fallback_file.with_extension("key.new");
    remove_file(&tmp)?;
    create_file(&tmp, key)?;
    std::fs::rename(&tmp, &cfg.fallback_file).map_err(|e| KeystoreError::File {
        path: cfg.fallback_file.clone(),
        detail: e.to_string(),
    })?;
    Ok(KeyLocation::File(cfg.fallback_file.clone()))
}

fn remove_file(path: &Path) -> Result<(), KeystoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(KeystoreError::File {
            path: path.to_owned(),
            detail: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(dir: &Path) -> KeystoreConfig {
        KeystoreConfig {
            file_only: true,
            ..KeystoreConfig::new(dir, "test-ws")
        }
    }

    #[test]
    fn headless_fallback_creates_an_owner_only_file_and_finds_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path());
        let (k1, loc) = load_or_create(&c, false).unwrap();
        assert_eq!(loc, KeyLocation::File(dir.path().join("store.key")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&c.fallback_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (k2, _) = load_or_create(&c, true).unwrap();
        assert_eq!(k1, k2);
    }

    #[test]
    fn an_existing_database_without_its_key_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let e = load_or_create(&cfg(dir.path()), true).unwrap_err();
        assert!(matches!(e, KeystoreError::KeyMissing { .. }));
        assert!(e.message().contains("密钥"));
        assert!(!dir.path().join("store.key").exists());
    }

    #[test]
    fn subkeys_differ_per_label_and_are_stable() {
        let k = StoreKey::from_bytes([7; 32]);
        assert_eq!(k.derive(b"a"), k.derive(b"a"));
        assert_ne!(k.derive(b"a"), k.derive(b"b"));
        assert_eq!(StoreKey::from_hex(&k.to_hex()), Some(k));
    }
    #[test]
    fn i15_a_replaced_key_is_the_one_found_and_its_file_stays_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let c = KeystoreConfig {
            fallback_file: dir.path().join("workstation.key"),
            ..cfg(dir.path())
        };
        assert!(load(&c).unwrap().is_none());
        let (a, b) = (StoreKey::from_bytes([1; 32]), StoreKey::from_bytes([2; 32]));
        assert_eq!(
            replace(&c, &a).unwrap(),
            KeyLocation::File(c.fallback_file.clone())
        );
        assert_eq!(load(&c).unwrap().unwrap().0, a);
        replace(&c, &b).unwrap();
        assert_eq!(load(&c).unwrap().unwrap().0, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&c.fallback_file)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
