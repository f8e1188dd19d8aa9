//! The diagnostics bundle (issue 19, K3): one zip IT can read without visiting the counter —
//! the logs with citizen data masked, the config without secrets, each device's state as the
//! status bar last saw it, versions, OS facts, the sync status. Made from the device panel or
//! `yichuang-workstation --diagnostics`; written under `<data>/diagnostics/` and uploaded to
//! the hall server (`POST /diagnostics`). A bundle that cannot be uploaded stays there and is
//! sent when the server is reachable again; sent ones move to `diagnostics/sent/`.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde::Serialize;

use crate::infra::hall_api::HallApi;
use crate::{ErrorCode, UserError};

use super::Workstation;

/// Bytes kept from the end of each log file (the newest lines).
const LOG_TAIL_BYTES: u64 = 2 * 1024 * 1024;
/// Log files taken, newest first.
const MAX_LOG_FILES: usize = 7;

/// What making a bundle did.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DiagnosticsDone {
    /// Where the zip is on this machine.
    pub file: String,
    #[specta(type = f64)]
    pub size: u64,
    /// The server's id for it, when uploaded now.
    pub uploaded: Option<String>,
    /// Why it was not uploaded (it is kept and sent later).
    pub upload_error: Option<UserError>,
}

static ID_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    // 18-character resident / permanent-residence numbers, 15-digit old ones, and the
    // 15-character old foreigner numbers (3 letters + 12 digits).
    Regex::new(r"\b(\d{17}[\dXx]|\d{15}|[A-Z]{3}\d{12})\b").expect("valid pattern")
});
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b1[3-9]\d{9}\b").expect("valid pattern"));
static NAMED_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    // key=value, key: value and "key":"value" of fields that hold a person or an address.
    Regex::new(
        r#"(?i)("?\b(?:name|full_name|applicant|holder|citizen|agent|address|english_name|\x{59d3}\x{540d})\b"?\s*[=:]\s*)(?:"[^"\n]*"|[^\s",}]+)"#,
    )
    .expect("valid pattern")
});

/// Masks ID numbers, phone numbers and the values of name and address fields in a log line.
pub fn mask_citizen_data(text: &str) -> String {
    let text = ID_NUMBER.replace_all(text, "<id-masked>");
    let text = PHONE.replace_all(&text, "<phone-masked>");
    NAMED_VALUE.replace_all(&text, "${1}<masked>").into_owned()
}

/// The config file with every secret value replaced (tokens, passwords, PINs).
pub fn config_without_secrets(text: &str) -> String {
    fn scrub(v: &mut toml::Value) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t.iter_mut() {
                    let k = k.to_ascii_lowercase();
                    let secret = ["token", "secret", "password", "passphrase"]
                        .iter()
                        .any(|s| k.contains(s))
                        || k == "pin"
                        || k == "user_pin";
                    if secret {
                        *v = toml::Value::String("<redacted>".into());
                    } else {
                        scrub(v);
                    }
                }
            }
            toml::Value::Array(a) => a.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    match text.parse::<toml::Table>() {
        Ok(table) => {
            let mut v = toml::Value::Table(table);
            scrub(&mut v);
            toml::to_string_pretty(&v).unwrap_or_default()
        }
        Err(e) => format!("# the config file does not parse: {}\n", e.message()),
    }
}

fn tail(path: &Path, max: u64) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    f.seek(std::io::SeekFrom::Start(len.saturating_sub(max)))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn os_facts() -> serde_json::Value {
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned());
    serde_json::json!({
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "os_release": read("/etc/os-release"),
        "kernel": read("/proc/sys/kernel/osrelease"),
        "webkit_disable_dmabuf": std::env::var("WEBKIT_DISABLE_DMABUF_RENDERER").ok(),
        "processors": std::thread::available_parallelism().map(|n| n.get()).ok(),
    })
}

impl Workstation {
    fn diagnostics_dir(&self) -> PathBuf {
        self.data_dir.join("diagnostics")
    }

    /// Writes a bundle and uploads it (kept for later when the server does not take it).
    pub fn diagnostics_bundle(&self) -> Result<DiagnosticsDone, UserError> {
        let write = |e: std::io::Error| UserError::new(ErrorCode::DiagnosticsWrite, e.to_string());
        let dir = self.diagnostics_dir();
        std::fs::create_dir_all(&dir).map_err(write)?;
        let t = self.clock.slip_time();
        let stamp = format!(
            "{:04}{:02}{:02}-{:02}{:02}-{}",
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            self.now().rem_euclid(60_000)
        );
        let ws = self
            .desk_id()
            .map(|d| d.workstation_id())
            .unwrap_or_default();
        let path = dir.join(format!("diag-{ws}-{stamp}.zip"));
        let part = path.with_extension("part");
        self.write_bundle(&part).map_err(write)?;
        std::fs::rename(&part, &path).map_err(write)?;
        let size = std::fs::metadata(&path).map_err(write)?.len();
        let (uploaded, upload_error) = match self.upload_bundle(&path) {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(e)),
        };
        self.audit(
            "diagnostics.made",
            None,
            serde_json::json!({ "size": size, "uploaded": uploaded }),
        )?;
        Ok(DiagnosticsDone {
            file: path.display().to_string(),
            size,
            uploaded,
            upload_error,
        })
    }

    fn write_bundle(&self, path: &Path) -> std::io::Result<()> {
        let file = std::fs::File::create(path)?;
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut put = |name: &str, text: &str| -> std::io::Result<()> {
            zip.start_file(name, opts).map_err(std::io::Error::other)?;
            zip.write_all(text.as_bytes())
        };
        let json = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
        put(
            "versions.json",
            &json(&serde_json::json!({
                "workstation": super::update::RUNNING_VERSION,
                "target": self.config.update.target(),
                "enrollment": self.enrollment().map(|e| e.workstation_id),
            })),
        )?;
        put("os.json", &json(&os_facts()))?;
        let config = std::fs::read_to_string(&self.config_path)
            .map(|t| config_without_secrets(&t))
            .unwrap_or_else(|e| format!("# {}: {e}\n", self.config_path.display()));
        put("config.toml", &config)?;
        let status = self.status();
        put(
            "devices.json",
            &json(&serde_json::to_value(&status.devices).unwrap_or_default()),
        )?;
        let sync = match self.sync_status() {
            Ok(s) => serde_json::to_value(s).unwrap_or_default(),
            Err(e) => serde_json::json!({ "error": e.detail }),
        };
        put(
            "sync.json",
            &json(&serde_json::json!({ "backend": status.backend, "sync": sync })),
        )?;
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.data_dir.join("logs"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        logs.sort();
        for log in logs.iter().rev().take(MAX_LOG_FILES) {
            let Some(name) = log.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Ok(text) = tail(log, LOG_TAIL_BYTES) {
                put(&format!("logs/{name}"), &mask_citizen_data(&text))?;
            }
        }
        zip.finish().map_err(std::io::Error::other)?.sync_all()
    }

    fn uploader(&self) -> Result<Uploader, UserError> {
        let not_sent = |d: &str| UserError::new(ErrorCode::DiagnosticsNotSent, d.to_owned());
        let url = self
            .config
            .backend
            .url
            .clone()
            .ok_or_else(|| not_sent("backend.url is not set"))?;
        let credential = self.credential().ok_or_else(|| not_sent("not enrolled"))?;
        let api = HallApi::with_timeout(
            url,
            credential,
            &self.config.backend.tls(),
            Duration::from_secs(60),
        )
        .map_err(|e| not_sent(&e.to_string()))?;
        Ok(Uploader {
            api,
            sent: self.diagnostics_dir().join("sent"),
        })
    }

    fn upload_bundle(&self, path: &Path) -> Result<String, UserError> {
        self.uploader()?.upload(path)
    }

    /// The hall server is reachable again: sends the bundles kept because it did not take them
    /// (in the background; a failure keeps them for the next time).
    pub(super) fn retry_diagnostics(&self) {
        let kept: Vec<PathBuf> = std::fs::read_dir(self.diagnostics_dir())
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "zip"))
                    .collect()
            })
            .unwrap_or_default();
        if kept.is_empty() {
            return;
        }
        let Ok(uploader) = self.uploader() else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("diagnostics-retry".into())
            .spawn(move || {
                for path in kept {
                    if let Err(e) = uploader.upload(&path) {
                        tracing::warn!(error = %e, "kept diagnostics bundle not sent yet");
                        return;
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "diagnostics retry not started");
        }
    }
}

/// Sends bundles to the hall server; what is sent moves to `diagnostics/sent/`.
struct Uploader {
    api: HallApi,
    sent: PathBuf,
}

impl Uploader {
    fn upload(&self, path: &Path) -> Result<String, UserError> {
        let not_sent = |d: String| UserError::new(ErrorCode::DiagnosticsNotSent, d);
        let bytes = std::fs::read(path)
            .map_err(|e| UserError::new(ErrorCode::DiagnosticsWrite, e.to_string()))?;
        let resp = self
            .api
            .send_signed(
                reqwest::Method::POST,
                self.api.url("diagnostics"),
                Some((bytes, "application/zip")),
            )
            .map_err(|e| not_sent(e.to_string()))?;
        let id = resp
            .json::<serde_json::Value>()
            .map_err(|e| not_sent(format!("bad answer: {e}")))?["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let (Ok(()), Some(name)) = (std::fs::create_dir_all(&self.sent), path.file_name()) {
            if let Err(e) = std::fs::rename(path, self.sent.join(name)) {
                tracing::warn!(error = %e, "sent diagnostics bundle not moved");
            }
        }
        tracing::info!(%id, "diagnostics bundle uploaded");
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k3_logs_lose_id_numbers_phones_and_names_but_keep_the_rest() {
        let line = r#"2026-12-07 INFO read card id_number=44150219900101123X name=张三 phone 13800138000 old 441502900101123 foreign ABC123456789012 {"applicant":"李四","holder": "王五"} address: 广东省汕尾市 case=C20261207 sync ok"#;
        let masked = mask_citizen_data(line);
        for gone in [
            "44150219900101123X",
            "张三",
            "13800138000",
            "441502900101123",
            "ABC123456789012",
            "李四",
            "王五",
            "广东省汕尾市",
        ] {
            assert!(!masked.contains(gone), "{gone} left in {masked}");
        }
        for kept in [
            "INFO read card",
            "case=C20261207",
            "sync ok",
            "<id-masked>",
            "<masked>",
        ] {
            assert!(masked.contains(kept), "{kept} lost from {masked}");
        }
    }

    #[test]
    fn k3_the_config_keeps_its_settings_but_not_its_secrets() {
        let text = "[hall]\nname = \"汕尾市政务服务中心\"\n[simulator]\ncontrol = \"127.0.0.1:1\"\ntoken = \"0123456789abcdef0123\"\n[backend]\npin_sha256 = \"abc\"\n";
        let out = config_without_secrets(text);
        assert!(!out.contains("0123456789abcdef0123"), "{out}");
        assert!(
            out.contains("<redacted>") && out.contains("127.0.0.1:1") && out.contains("pin_sha256"),
            "{out}"
        );
        assert!(
            config_without_secrets("not = [toml").starts_with("# the config file does not parse")
        );
    }
}
