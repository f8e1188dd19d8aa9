//! `[backend]` of `workstation.toml`: where the hall server is and how it is trusted
//! (issue 15 item 3). `http://` is refused unless the host is loopback (127.0.0.0/8, ::1,
//! localhost); `ca_file` is the hall CA (PEM) and `pin_sha256` the SHA-256 of the server
//! certificate's SubjectPublicKeyInfo, base64 or hex.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use url::Url;

use super::{ConfigError, KeyProblem};
use crate::infra::http::{self, BackendTls};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// Base URL of the central backend; absent means the workstation runs offline-only.
    #[serde(default)]
    #[specta(type = Option<String>)]
    pub url: Option<Url>,
    /// How often reachability is checked, in milliseconds (250–60000).
    #[serde(default = "default_probe_interval_ms")]
    pub probe_interval_ms: u32,
    /// The hall's CA certificate (PEM); when set, the only CA trusted for the backend.
    #[serde(default)]
    #[specta(type = Option<String>)]
    pub ca_file: Option<PathBuf>,
    /// SHA-256 of the server certificate's SubjectPublicKeyInfo (base64 or hex).
    #[serde(default)]
    pub pin_sha256: Option<String>,
}

fn default_probe_interval_ms() -> u32 {
    1000
}

impl Default for BackendConfig {
    fn default() -> Self {
        Self {
            url: None,
            probe_interval_ms: default_probe_interval_ms(),
            ca_file: None,
            pin_sha256: None,
        }
    }
}

/// 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl BackendConfig {
    /// The TLS settings every client to the backend uses (checked by [`Self::validate`]).
    pub fn tls(&self) -> BackendTls {
        BackendTls {
            ca_file: self.ca_file.clone(),
            pin_sha256: self
                .pin_sha256
                .as_deref()
                .and_then(|p| http::parse_pin(p).ok()),
        }
    }

    pub(super) fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let fail = |key: &str, problem: KeyProblem, detail: String| ConfigError::Key {
            path: path.to_owned(),
            key: key.to_string(),
            problem,
            detail,
        };
        let bad = |key: &str, detail: String| fail(key, KeyProblem::BadValue, detail);
        if let Some(url) = &self.url {
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(bad(
                    "backend.url",
                    format!("expected an http(s) URL, got {url}"),
                ));
            }
            if url.scheme() == "http" && !is_loopback(url) {
                return Err(fail(
                    "backend.url",
                    KeyProblem::InsecureUrl,
                    format!("plain http:// to a non-loopback host: {url}"),
                ));
            }
        }
        if !(250..=60_000).contains(&self.probe_interval_ms) {
            return Err(bad(
                "backend.probe_interval_ms",
                format!("expected 250..=60000, got {}", self.probe_interval_ms),
            ));
        }
        if let Some(ca) = &self.ca_file {
            http::read_ca_file(ca).map_err(|e| bad("backend.ca_file", e))?;
        }
        if let Some(pin) = &self.pin_sha256 {
            http::parse_pin(pin).map_err(|e| bad("backend.pin_sha256", e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::WorkstationConfig;
    use crate::ErrorCode;
    use std::path::Path;

    fn with_backend(backend: &str) -> Result<WorkstationConfig, super::ConfigError> {
        let text = format!(
            "[hall]\nname = \"hall\"\n[window]\nnumber = 1\n[backend]\n{backend}\n[devices.id_card]\ndriver = \"simulator\"\n"
        );
        WorkstationConfig::parse(&text, Path::new("workstation.toml"))
    }

    #[test]
    fn i15_plain_http_to_a_non_loopback_host_is_refused_at_load() {
        for url in [
            "http://10.1.2.3:8720",
            "http://hall-server:8720",
            "http://[fe80::1]/",
        ] {
            let e = with_backend(&format!("url = \"{url}\"")).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ConfigInsecureUrl, "{url}");
            assert_eq!(e.key(), Some("backend.url"));
            assert!(e.message().contains("https://"), "{}", e.message());
            assert!(e.message().contains("「backend.url」"), "{}", e.message());
        }
        for url in [
            "http://127.0.0.1:8720",
            "http://127.8.9.10/",
            "http://localhost:1",
            "http://[::1]:8720",
            "https://10.1.2.3:8720",
            "https://hall-server/",
        ] {
            with_backend(&format!("url = \"{url}\"")).expect(url);
        }
    }

    #[test]
    fn i15_ca_file_and_pin_are_checked_at_load() {
        let e = with_backend("ca_file = \"/nonexistent/hall-ca.pem\"").unwrap_err();
        assert_eq!(e.key(), Some("backend.ca_file"));
        assert_eq!(e.code(), ErrorCode::ConfigKeyBadValue);
        let e = with_backend("pin_sha256 = \"abcd\"").unwrap_err();
        assert_eq!(e.key(), Some("backend.pin_sha256"));

        let hex = "ab".repeat(32);
        let c = with_backend(&format!("pin_sha256 = \"{hex}\"")).unwrap();
        assert_eq!(c.backend.tls().pin_sha256, Some([0xab; 32]));
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let c = with_backend(&format!("pin_sha256 = \"{b64}\"")).unwrap();
        assert_eq!(c.backend.tls().pin_sha256, Some([7; 32]));

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let e = with_backend(&format!("ca_file = {:?}", not_pem.to_str().unwrap())).unwrap_err();
        assert_eq!(e.key(), Some("backend.ca_file"));
    }
}
