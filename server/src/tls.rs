//! HTTPS (issue 15 item 3): the server certificate and key are PEM files, loaded with rustls
//! (ring provider) at start and re-read without a restart when their modification time
//! changes or on SIGHUP. A new pair that does not load is logged and the old one kept, so a
//! half-copied file never takes the hall offline. The server's own connection loop
//! ([`crate::http::serve`]) accepts TLS with the configuration current at each handshake.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::TlsConfig;
use crate::error::{Error, Result};

/// Reads the certificate chain and key and builds the rustls server configuration.
pub fn load(files: &TlsConfig) -> Result<Arc<rustls::ServerConfig>> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| Error::TlsConfig {
        detail: format!("{}: {e}", path.display()),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert_file)
        .map_err(|e| fail(&files.cert_file, &e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| fail(&files.cert_file, &e))?;
    if chain.is_empty() {
        return Err(fail(&files.cert_file, &"no CERTIFICATE block"));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key_file).map_err(|e| fail(&files.key_file, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(&files.cert_file, &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| fail(&files.key_file, &e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn modified(files: &TlsConfig) -> (Option<SystemTime>, Option<SystemTime>) {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (m(&files.cert_file), m(&files.key_file))
}

/// Re-reads the pair every `interval` when a file's modification time changed, and on
/// every change of `reload` (SIGHUP); runs until the task is aborted.
pub async fn watch(
    files: TlsConfig,
    current: Arc<ArcSwap<rustls::ServerConfig>>,
    interval: Duration,
    mut reload: tokio::sync::watch::Receiver<u64>,
) {
    let mut seen = modified(&files);
    let mut reload_open = true;
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = tick.tick() => false,
            changed = reload.changed(), if reload_open => {
                reload_open = changed.is_ok();
                reload_open
            }
        };
        let now = modified(&files);
        if !forced && now == seen {
            continue;
        }
        match load(&files) {
            Ok(config) => {
                current.store(config);
                seen = now;
                tracing::info!(cert = %files.cert_file.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                // Keep `seen` so the next change (the rest of the copy) is tried again.
                seen = now;
                tracing::error!(
                    code = %e.code(),
                    detail = %e.detail(),
                    "new TLS certificate or key not loaded; still serving the previous pair"
                );
            }
        }
    }
}
