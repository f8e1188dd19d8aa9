//! `[devices.seal]`: the department's electronic seal (电子印章, A7) — the UKey library that
//! holds the seal key, which key and certificate are the department seal, the caption under
//! the star — and the CAs this desk trusts when it verifies a stamped or licence document:
//!
//! ```toml
//! [devices.seal]
//! driver = "skf"                     # pkcs11, skf or simulator; none: no seal at this desk
//! module = "/opt/vendor/libskf.so"
//! vendor = "standard"                # SKF only: the vendor's algorithm-ID table
//! key = "YCSIM-SEAL-01"              # the key's id (SKF device, PKCS#11 serial) or label
//! certificate = "YC_SEAL_CON#sign"   # optional: which signing certificate on it
//! caption = "协查专用章"              # optional: under the star
//! trusted_cas = ["/etc/yichuang/ca/seal-ca.pem"]
//! ```
//!
//! A desk without a seal key of its own still verifies documents: `driver = "none"` (or no
//! `driver`) with `trusted_cas`. The seal key may sit in the same library as the clerks'
//! login keys (one vendor library serves every key plugged in); `key` then says which one
//! is the seal.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{DeviceConfig, DeviceDriver};

/// Longest caption: it must fit under the star in one line.
pub const MAX_CAPTION_CHARS: usize = 12;

fn no_driver() -> DeviceDriver {
    DeviceDriver::None
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SealConfig {
    /// `pkcs11`, `skf`, `simulator` (the test SKF library) or `none`.
    #[serde(default = "no_driver")]
    pub driver: DeviceDriver,
    /// The PKCS#11 module or the vendor's SKF library (path).
    #[serde(default)]
    pub module: Option<String>,
    /// SKF: the vendor's algorithm-ID table (`standard`, `gmt0006`, …).
    #[serde(default)]
    pub vendor: Option<String>,
    /// The seal key: its id (SKF device name, PKCS#11 token serial) or its label. Absent:
    /// every key of the library with a document-signing certificate is offered.
    #[serde(default)]
    pub key: Option<String>,
    /// The seal certificate on the key (`CertInfo::id`: `container#sign` for SKF, the hex
    /// `CKA_ID` for PKCS#11). Absent: the key's first document-signing certificate.
    #[serde(default)]
    pub certificate: Option<String>,
    /// Under the star, e.g. 协查专用章; absent: none.
    #[serde(default)]
    pub caption: Option<String>,
    /// CA certificates (PEM, several per file allowed, or DER) trusted for the seals and
    /// signatures on documents this desk verifies.
    #[serde(default)]
    pub trusted_cas: Vec<String>,
}

impl Default for SealConfig {
    /// No seal key and no trusted CA: what a missing `[devices.seal]` means.
    fn default() -> Self {
        Self {
            driver: DeviceDriver::None,
            module: None,
            vendor: None,
            key: None,
            certificate: None,
            caption: None,
            trusted_cas: Vec::new(),
        }
    }
}

impl SealConfig {
    /// The seal library as a `[devices.ukey]`-style device config (`None` driver: no key).
    pub fn device(&self) -> DeviceConfig {
        DeviceConfig {
            driver: self.driver,
            module: self.module.clone(),
            vendor: self.vendor.clone(),
            ..DeviceConfig::default()
        }
    }

    /// Every certificate of `trusted_cas`, in order; `Err((index, detail))` names the file.
    pub fn read_trusted_cas(&self) -> Result<Vec<yichuang_pki::Cert>, (usize, String)> {
        let mut out = Vec::new();
        for (i, file) in self.trusted_cas.iter().enumerate() {
            let bytes =
                std::fs::read(Path::new(file.trim())).map_err(|e| (i, format!("{file}: {e}")))?;
            let certs =
                yichuang_pki::Cert::parse_all(&bytes).map_err(|e| (i, format!("{file}: {e}")))?;
            if certs.is_empty() {
                return Err((i, format!("{file}: no certificate")));
            }
            if let Some(c) = certs.iter().find(|c| !c.is_ca()) {
                return Err((
                    i,
                    format!("{file}: `{}` is not a CA certificate", c.subject()),
                ));
            }
            out.extend(certs);
        }
        Ok(out)
    }
}

/// Checks `[devices.seal]`; `Err((key, detail))` names the offending key.
pub(super) fn validate(seal: &SealConfig) -> Result<(), (String, String)> {
    let key = |field: &str| format!("devices.seal.{field}");
    match seal.driver {
        DeviceDriver::None | DeviceDriver::Simulator => {}
        DeviceDriver::Pkcs11 | DeviceDriver::Skf => {
            if seal.module.as_deref().is_none_or(|m| m.trim().is_empty()) {
                return Err((
                    key("module"),
                    "a PKCS#11 or SKF seal key needs the path of its library".into(),
                ));
            }
        }
        other => {
            return Err((
                key("driver"),
                format!("a seal key is pkcs11, skf, simulator or none, got {other:?}"),
            ))
        }
    }
    if let Some(vendor) = &seal.vendor {
        if seal.driver == DeviceDriver::Pkcs11 {
            return Err((key("vendor"), "vendor tables are for SKF libraries".into()));
        }
        if let Err(e) = yichuang_drivers::ukey::SkfAlgTable::for_vendor(Some(vendor)) {
            return Err((key("vendor"), e.to_string()));
        }
    }
    for field in ["key", "certificate"] {
        let value = if field == "key" {
            &seal.key
        } else {
            &seal.certificate
        };
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err((key(field), "empty; leave the key out instead".into()));
        }
    }
    if let Some(caption) = &seal.caption {
        let n = caption.chars().filter(|c| !c.is_whitespace()).count();
        if n > MAX_CAPTION_CHARS {
            return Err((
                key("caption"),
                format!("{n} characters; at most {MAX_CAPTION_CHARS} fit under the star"),
            ));
        }
    }
    seal.read_trusted_cas()
        .map_err(|(i, detail)| (format!("devices.seal.trusted_cas[{i}]"), detail))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{ConfigError, WorkstationConfig};
    use super::*;

    const DESK: &str = "[hall]\nname = \"市政务服务中心\"\n[window]\nnumber = 3\n";

    fn parse(seal: &str) -> Result<WorkstationConfig, ConfigError> {
        WorkstationConfig::parse(
            &format!("{DESK}[devices.seal]\n{seal}"),
            Path::new("w.toml"),
        )
    }

    /// A self-signed CA (the software seal key's certificate of the seal tests).
    const CA_DER: &[u8] = include_bytes!("../../../../seal/tests/support/software_seal.der");

    #[test]
    fn a7_seal_section_reads_with_its_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.der");
        std::fs::write(&ca, CA_DER).unwrap();
        let c = parse(&format!(
            "driver = \"skf\"\nmodule = \"/opt/a/libskf.so\"\nvendor = \"standard\"\nkey = \"SEAL-1\"\n\
             caption = \"协查专用章\"\ntrusted_cas = [{:?}]\n",
            ca.to_str().unwrap()
        ))
        .unwrap();
        let seal = &c.devices.seal;
        assert_eq!(seal.key.as_deref(), Some("SEAL-1"));
        assert_eq!(seal.device().driver, DeviceDriver::Skf);
        assert_eq!(seal.read_trusted_cas().unwrap().len(), 1);
        // No section: no seal key, nothing trusted.
        let none = WorkstationConfig::parse(DESK, Path::new("w.toml")).unwrap();
        assert_eq!(none.devices.seal, SealConfig::default());
        // Verification only: trusted CAs without a key.
        parse(&format!("trusted_cas = [{:?}]\n", ca.to_str().unwrap())).unwrap();
    }

    #[test]
    fn a7_bad_seal_entries_name_their_key_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let not_ca = dir.path().join("not-ca.pem");
        std::fs::write(&not_ca, "hello").unwrap();
        let cases = [
            ("driver = \"serial\"\n".to_string(), "devices.seal.driver"),
            ("driver = \"pkcs11\"\n".into(), "devices.seal.module"),
            (
                "driver = \"pkcs11\"\nmodule = \"/a.so\"\nvendor = \"standard\"\n".into(),
                "devices.seal.vendor",
            ),
            (
                "driver = \"skf\"\nmodule = \"/a.so\"\nvendor = \"acme\"\n".into(),
                "devices.seal.vendor",
            ),
            (
                "driver = \"simulator\"\nkey = \" \"\n".into(),
                "devices.seal.key",
            ),
            (
                "driver = \"simulator\"\ncertificate = \"\"\n".into(),
                "devices.seal.certificate",
            ),
            (
                "driver = \"simulator\"\ncaption = \"一二三四五六七八九十一二三\"\n".into(),
                "devices.seal.caption",
            ),
            (
                "trusted_cas = [\"/nonexistent/ca.pem\"]\n".into(),
                "devices.seal.trusted_cas[0]",
            ),
            (
                format!("trusted_cas = [{:?}]\n", not_ca.to_str().unwrap()),
                "devices.seal.trusted_cas[0]",
            ),
        ];
        for (text, key) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.key(), Some(key), "{text}");
            assert_eq!(e.code(), crate::ErrorCode::ConfigKeyBadValue, "{text}");
            assert!(
                e.message().contains(&format!("「{key}」")),
                "{}",
                e.message()
            );
        }
    }
}
