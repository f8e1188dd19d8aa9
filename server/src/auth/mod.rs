//! UKey certificate login (issue 4): trusted CAs and CRLs loaded at start, the Ed25519 key
//! that signs offline grants, the clerk/binding/challenge/session/audit tables
//! ([`store`]) and the HTTP endpoints ([`handlers`]).

pub mod demo_data;
pub mod handlers;
pub mod reload;
pub mod store;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arc_swap::ArcSwap;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use yichuang_pki::{grant_key_id, Cert, Crl, SigningKey, TrustStore};

use crate::config::{AuthConfig, Clock, ServerConfig};
use crate::error::{Error, Result};

/// What the login endpoints need besides the database.
#[derive(Clone)]
pub struct AuthState {
    /// Swapped whole by [`reload::watch`] when the CA or CRL directory changes.
    pub trust: Arc<ArcSwap<TrustStore>>,
    grant_key: Arc<SigningKey>,
    pub grant_key_id: String,
    pub config: AuthConfig,
    pub clock: Arc<dyn Clock>,
    /// Request signatures: key cache, seen nonces, attempt limits.
    pub guard: Arc<crate::workstation::guard::Guard>,
    /// The keyed hash of citizen identities in the case record, derived from the grant key.
    pub case_index: crate::cases::IndexKey,
    /// The CAs the hall's department seals chain to (`--seal-ca-dir`, with the CRLs of
    /// `--crl-dir`): stamped 协查 proofs are verified against them (L4).
    pub seal_trust: Arc<TrustStore>,
}

impl fmt::Debug for AuthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthState")
            .field("trusted_cas", &self.trust.load().cas().len())
            .field("crls", &self.trust.load().crls().len())
            .field("grant_key_id", &self.grant_key_id)
            .field("config", &self.config)
            .finish()
    }
}

impl AuthState {
    /// Loads the CAs and CRLs and the grant key (creating it on the first start).
    pub fn load(config: &ServerConfig) -> Result<Self> {
        let trust = load_trust_store(
            config.auth.ca_dir.as_deref(),
            config.auth.crl_dir.as_deref(),
        )?;
        if trust.cas().is_empty() {
            tracing::warn!(
                "no trusted CA configured (--ca-dir): every certificate login will be refused"
            );
        }
        let seal_trust = load_seal_trust(
            config.auth.seal_ca_dir.as_deref(),
            config.auth.crl_dir.as_deref(),
        )?;
        let grant_key = load_or_create_grant_key(&config.grant_key_path())?;
        let grant_key_id = grant_key_id(&grant_key.verifying_key());
        tracing::info!(
            trusted_cas = trust.cas().len(),
            crls = trust.crls().len(),
            %grant_key_id,
            "certificate login ready"
        );
        Ok(Self {
            trust: Arc::new(ArcSwap::from_pointee(trust)),
            case_index: crate::cases::IndexKey::derive(&grant_key.to_bytes()),
            seal_trust: Arc::new(seal_trust),
            grant_key: Arc::new(grant_key),
            grant_key_id,
            config: config.auth.clone(),
            clock: config.clock.clone(),
            guard: Arc::new(crate::workstation::guard::Guard::new(
                config.auth.rate_limits,
            )),
        })
    }

    pub fn grant_key(&self) -> &SigningKey {
        &self.grant_key
    }

    /// The grant verifying key, standard base64 of its 32 bytes.
    pub fn grant_public_key_b64(&self) -> String {
        B64.encode(self.grant_key.verifying_key().as_bytes())
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// Files of a directory, sorted, that end in one of `exts` (case-insensitive).
fn files_in(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>> {
    let err = |e: std::io::Error| Error::TrustConfig {
        detail: format!("{}: {e}", dir.display()),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if path.is_file() && ext.is_some_and(|e| exts.contains(&e.as_str())) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every CA certificate in `ca_dir` (`.pem`, `.crt`, `.cer`, `.der`; a PEM file may hold
/// several) and every CRL in `crl_dir` (`.pem`, `.crl`, `.der`), each CRL checked against
/// the CAs. Anything that does not load is an error: a half-loaded trust list is worse
/// than a server that does not start.
pub fn load_trust_store(ca_dir: Option<&Path>, crl_dir: Option<&Path>) -> Result<TrustStore> {
    let mut store = TrustStore::new();
    let fail = |path: &Path, e: &dyn fmt::Display| Error::TrustConfig {
        detail: format!("{}: {e}", path.display()),
    };
    if let Some(dir) = ca_dir {
        for path in files_in(dir, &["pem", "crt", "cer", "der"])? {
            let bytes = std::fs::read(&path).map_err(|e| fail(&path, &e))?;
            for cert in Cert::parse_all(&bytes).map_err(|e| fail(&path, &e))? {
                let subject = cert.subject();
                store.add_ca(cert).map_err(|e| fail(&path, &e))?;
                tracing::info!(ca = %subject, file = %path.display(), "trusted CA loaded");
            }
        }
    }
    if let Some(dir) = crl_dir {
        for path in files_in(dir, &["pem", "crl", "der"])? {
            let bytes = std::fs::read(&path).map_err(|e| fail(&path, &e))?;
            let crl = Crl::parse(&bytes).map_err(|e| fail(&path, &e))?;
            let (issuer, revoked) = (crl.issuer(), crl.len());
            store.add_crl(crl).map_err(|e| fail(&path, &e))?;
            tracing::info!(%issuer, revoked, file = %path.display(), "CRL loaded");
        }
    }
    Ok(store)
}

/// The seal CAs of `seal_ca_dir` with the CRLs of `crl_dir` that one of them signed (the
/// other CRLs there are the login CAs'). A seal CA or CRL that does not load is an error.
pub fn load_seal_trust(seal_ca_dir: Option<&Path>, crl_dir: Option<&Path>) -> Result<TrustStore> {
    let mut store = load_trust_store(seal_ca_dir, None)?;
    if let (Some(dir), false) = (crl_dir, store.cas().is_empty()) {
        for path in files_in(dir, &["pem", "crl", "der"])? {
            let fail = |e: &dyn fmt::Display| Error::TrustConfig {
                detail: format!("{}: {e}", path.display()),
            };
            let bytes = std::fs::read(&path).map_err(|e| fail(&e))?;
            let crl = Crl::parse(&bytes).map_err(|e| fail(&e))?;
            match store.add_crl(crl) {
                Ok(()) => {}
                Err(e) if e.kind() == yichuang_pki::PkiErrorKind::UntrustedIssuer => {}
                Err(e) => return Err(fail(&e)),
            }
        }
    }
    Ok(store)
}

/// Reads the Ed25519 grant key (base64 of the 32-byte seed), or creates it (mode 0600).
pub fn load_or_create_grant_key(path: &Path) -> Result<SigningKey> {
    let fail = |e: &dyn fmt::Display| Error::GrantKey {
        detail: format!("{}: {e}", path.display()),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed = B64.decode(text.trim()).map_err(|e| fail(&e))?;
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| fail(&"expected base64 of 32 bytes"))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
            }
            let seed: [u8; 32] = random_bytes()?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(|e| fail(&e))?;
            use std::io::Write;
            writeln!(file, "{}", B64.encode(seed)).map_err(|e| fail(&e))?;
            file.sync_all().map_err(|e| fail(&e))?;
            tracing::info!(file = %path.display(), "offline grant key created");
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(fail(&e)),
    }
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|e| Error::GrantKey {
        detail: format!("system random source: {e}"),
    })?;
    Ok(buf)
}

/// A fresh session token (URL-safe base64 of 32 random bytes).
pub fn new_session_token() -> Result<String> {
    Ok(B64URL.encode(random_bytes::<32>()?))
}

/// How a session token is stored: SHA-256, lower-case hex.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The exact bytes a UKey signs to log in.
pub fn login_message(challenge_id: &str, nonce: &str) -> String {
    format!("yichuang-login|{challenge_id}|{nonce}")
}
