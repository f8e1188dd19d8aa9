//! Silent provisioning (K1): the installer's command-line settings (`/HALL=440100 /WINDOW=12
//! …`) or a whole config file (`/CONFIG=<file>`) turned into the machine's
//! `workstation.toml`, validated exactly as the app loads it, before anything is installed.
//!
//! The installer (`installer/windows/yichuang.nsi`) runs `yichuang-workstation --provision`
//! from its temporary folder; a missing, unknown or invalid setting fails with the setting's
//! name (「/HALL」), so a silent install never leaves a machine with a config the app refuses.

use std::path::Path;

use super::config::{ConfigError, WorkstationConfig};

/// The installer's own switches: NSIS's and the installer script's, not workstation settings.
/// (NSIS's `/D=<dir>` comes last and unquoted, so it and whatever follows are skipped.)
const INSTALLER_SWITCHES: &[&str] = &["/S", "/NCRC", "/LOG=", "/WEBVIEW2="];

/// Each setting and the config key its value lands in (what a config error names).
const SETTINGS: &[(&str, &str)] = &[
    ("/HALL", "hall.code"),
    ("/HALLNAME", "hall.name"),
    ("/WINDOW", "window.number"),
    ("/WINDOWNAME", "window.name"),
    ("/BACKEND", "backend.url"),
    ("/CAFILE", "backend.ca_file"),
    ("/PIN", "backend.pin_sha256"),
    ("/QUEUE", "queue"),
    ("/MONITOR", "citizen_screen.monitor"),
    ("/IDCARD", "devices.id_card"),
    ("/IDCARDBAUD", "devices.id_card.baud"),
    ("/PHOTODECODER", "devices.id_card.photo_decoder"),
    ("/SCANNER", "devices.scanner"),
    ("/CAMERA", "devices.camera"),
    ("/RECEIPT", "devices.receipt_printer"),
    ("/A4PRINTER", "devices.a4_printer"),
    ("/UKEY", "devices.ukey"),
    ("/UKEYVENDOR", "devices.ukey.vendor"),
    ("/UPDATEKEY", "update.public_key"),
    ("/CONFIG", ""),
];

/// The settings without which no config is written.
const REQUIRED: &[&str] = &["/HALL", "/HALLNAME", "/WINDOW"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisionProblem {
    /// A required setting is not given (and there is no config to keep).
    Missing,
    /// A `/NAME=` the installer does not know (a typo must not be ignored).
    Unknown,
    /// The value is not acceptable (the detail says why, in the config's terms).
    Invalid,
    /// `/CONFIG` together with single settings.
    Conflict,
    /// The file of `/CONFIG` (or the kept config) cannot be read.
    Unreadable,
}

/// Why provisioning failed; `setting` is the installer's name for it (`/HALL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionError {
    pub setting: String,
    pub problem: ProvisionProblem,
    /// For IT: the config's own message (Chinese) or the parser's text.
    pub detail: String,
}

impl ProvisionError {
    fn new(setting: &str, problem: ProvisionProblem, detail: impl Into<String>) -> Self {
        Self {
            setting: setting.to_string(),
            problem,
            detail: detail.into(),
        }
    }

    /// The Chinese message for IT; always names the setting.
    pub fn message(&self) -> String {
        crate::messages::provision_problem(self)
    }
}

/// The config text for `args` (the installer's command line, one setting per item), or the
/// config kept from an earlier install (`existing`) when no setting is given. The result has
/// passed [`WorkstationConfig::parse`].
pub fn provision(args: &[String], existing: Option<&Path>) -> Result<String, ProvisionError> {
    let mut given: Vec<(&'static str, String)> = Vec::new();
    for arg in args {
        let upper = arg.to_ascii_uppercase();
        if upper.starts_with("/D=") {
            break;
        }
        if INSTALLER_SWITCHES
            .iter()
            .any(|s| upper == *s || (s.ends_with('=') && upper.starts_with(s)))
        {
            continue;
        }
        let (name, value) = arg.split_once('=').unwrap_or((arg.as_str(), ""));
        let name_upper = name.to_ascii_uppercase();
        let Some((setting, _)) = SETTINGS.iter().find(|(s, _)| *s == name_upper) else {
            return Err(ProvisionError::new(
                name,
                ProvisionProblem::Unknown,
                format!("unknown installer setting {name:?}"),
            ));
        };
        given.push((setting, value.trim().to_string()));
    }
    if let Some((_, file)) = given.iter().find(|(s, _)| *s == "/CONFIG") {
        if let Some((other, _)) = given.iter().find(|(s, _)| *s != "/CONFIG") {
            return Err(ProvisionError::new(
                other,
                ProvisionProblem::Conflict,
                "/CONFIG takes the whole config; give the setting in that file",
            ));
        }
        return from_file("/CONFIG", Path::new(file));
    }
    if given.is_empty() {
        if let Some(path) = existing.filter(|p| p.exists()) {
            return from_file("/CONFIG", path);
        }
    }
    for required in REQUIRED {
        if !given.iter().any(|(s, v)| s == required && !v.is_empty()) {
            return Err(ProvisionError::new(
                required,
                ProvisionProblem::Missing,
                "required setting",
            ));
        }
    }
    let text = build(&given)?;
    WorkstationConfig::parse(&text, Path::new("workstation.toml")).map_err(|e| invalid(&e))?;
    Ok(text)
}

fn from_file(setting: &str, path: &Path) -> Result<String, ProvisionError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ProvisionError::new(
            setting,
            ProvisionProblem::Unreadable,
            format!("{}: {e}", path.display()),
        )
    })?;
    WorkstationConfig::parse(&text, path).map_err(|e| ProvisionError {
        setting: setting.to_string(),
        problem: ProvisionProblem::Invalid,
        detail: e.message(),
    })?;
    Ok(text)
}

/// The setting a config error is about: the longest key prefix in [`SETTINGS`].
fn invalid(e: &ConfigError) -> ProvisionError {
    let key = e.key().unwrap_or_default();
    let setting = SETTINGS
        .iter()
        .filter(|(_, k)| !k.is_empty() && (key == *k || key.starts_with(&format!("{k}."))))
        .max_by_key(|(_, k)| k.len())
        .map_or("/CONFIG", |(s, _)| s);
    ProvisionError::new(setting, ProvisionProblem::Invalid, e.message())
}

fn bad(setting: &str, detail: impl Into<String>) -> ProvisionError {
    ProvisionError::new(setting, ProvisionProblem::Invalid, detail)
}

fn table() -> toml::Table {
    toml::Table::new()
}

fn section<'a>(root: &'a mut toml::Table, path: &[&str]) -> &'a mut toml::Table {
    let mut t = root;
    for name in path {
        t = t
            .entry(name.to_string())
            .or_insert_with(|| toml::Value::Table(table()))
            .as_table_mut()
            .expect("sections are tables");
    }
    t
}

fn put(root: &mut toml::Table, path: &[&str], key: &str, value: impl Into<toml::Value>) {
    section(root, path).insert(key.to_string(), value.into());
}

fn number(setting: &str, value: &str) -> Result<i64, ProvisionError> {
    value
        .parse::<i64>()
        .map_err(|_| bad(setting, format!("expected a number, got {value:?}")))
}

fn build(given: &[(&'static str, String)]) -> Result<String, ProvisionError> {
    let mut root = table();
    let has_backend = given.iter().any(|(s, v)| *s == "/BACKEND" && !v.is_empty());
    put(
        &mut root,
        &["queue"],
        "mode",
        if has_backend { "hall" } else { "none" },
    );
    for (setting, value) in given {
        let v = value.as_str();
        match *setting {
            "/HALL" => put(&mut root, &["hall"], "code", v),
            "/HALLNAME" => put(&mut root, &["hall"], "name", v),
            "/WINDOW" => put(&mut root, &["window"], "number", number(setting, v)?),
            "/WINDOWNAME" => put(&mut root, &["window"], "name", v),
            "/BACKEND" => put(&mut root, &["backend"], "url", v),
            "/CAFILE" => put(&mut root, &["backend"], "ca_file", v),
            "/PIN" => put(&mut root, &["backend"], "pin_sha256", v),
            "/QUEUE" => put(&mut root, &["queue"], "mode", v),
            "/MONITOR" => put(&mut root, &["citizen_screen"], "monitor", v),
            "/IDCARD" => device(&mut root, setting, "id_card", v, &["serial", "usb"])?,
            "/IDCARDBAUD" => put(
                &mut root,
                &["devices", "id_card"],
                "baud",
                number(setting, v)?,
            ),
            "/PHOTODECODER" => put(&mut root, &["devices", "id_card"], "photo_decoder", v),
            "/SCANNER" => device(
                &mut root,
                setting,
                "scanner",
                v,
                &["serial", "usb", "hid_pos"],
            )?,
            "/CAMERA" => match v {
                "camera" | "none" => put(&mut root, &["devices", "camera"], "driver", v),
                _ => return Err(bad(setting, format!("camera or none, got {v:?}"))),
            },
            "/RECEIPT" => receipt(&mut root, v),
            "/A4PRINTER" => {
                put(&mut root, &["devices", "a4_printer"], "driver", "spooler");
                put(&mut root, &["devices", "a4_printer"], "queue", v);
            }
            "/UKEY" => ukeys(&mut root, setting, v)?,
            "/UKEYVENDOR" => put(&mut root, &["devices", "ukey"], "vendor", v),
            // The release signing key the workstation's updates must verify against (K1).
            "/UPDATEKEY" => put(&mut root, &["update"], "public_key", v),
            _ => {}
        }
    }
    toml::to_string(&root).map_err(|e| bad("/CONFIG", e.to_string()))
}

/// `COM3` (serial), `usb` / `usb:VID:PID`, `hid_pos` / `hid_pos:VID:PID` (scanners).
fn device(
    root: &mut toml::Table,
    setting: &str,
    slot: &str,
    value: &str,
    drivers: &[&str],
) -> Result<(), ProvisionError> {
    let (driver, port) = match value.split_once(':') {
        Some((d, rest)) if drivers.contains(&d) && d != "serial" => (d, rest),
        _ if drivers.contains(&value) && value != "serial" => (value, ""),
        _ if !value.is_empty() => ("serial", value),
        _ => return Err(bad(setting, "empty device setting")),
    };
    put(root, &["devices", slot], "driver", driver);
    put(root, &["devices", slot], "port", port);
    Ok(())
}

/// `COM5` (serial) or `host[:port]` (raw TCP).
fn receipt(root: &mut toml::Table, value: &str) {
    let serial = value.to_ascii_uppercase().starts_with("COM") || value.starts_with("/dev/");
    let path = ["devices", "receipt_printer"];
    if serial {
        put(root, &path, "driver", "serial");
        put(root, &path, "port", value);
    } else {
        put(root, &path, "driver", "tcp");
        put(root, &path, "address", value);
    }
}

/// `skf:C:\…\a.dll;pkcs11:C:\…\b.dll`: the first library is `[devices.ukey]`, the others
/// `[[devices.ukeys]]`.
fn ukeys(root: &mut toml::Table, setting: &str, value: &str) -> Result<(), ProvisionError> {
    let mut more = Vec::new();
    for (i, entry) in value
        .split(';')
        .filter(|e| !e.trim().is_empty())
        .enumerate()
    {
        let Some((driver, module)) = entry.trim().split_once(':') else {
            return Err(bad(
                setting,
                format!("expected <skf|pkcs11>:<library path>, got {entry:?}"),
            ));
        };
        if i == 0 {
            put(root, &["devices", "ukey"], "driver", driver);
            put(root, &["devices", "ukey"], "module", module);
        } else {
            let mut lib = table();
            lib.insert("driver".into(), driver.into());
            lib.insert("module".into(), module.into());
            more.push(toml::Value::Table(lib));
        }
    }
    if !more.is_empty() {
        put(root, &["devices"], "ukeys", more);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    const BASE: &[&str] = &[
        "/S",
        "/HALL=441500",
        "/HALLNAME=某市政务服务中心",
        "/WINDOW=5",
    ];

    fn with(extra: &[&str]) -> Result<WorkstationConfig, ProvisionError> {
        let mut a = args(BASE);
        a.extend(args(extra));
        let text = provision(&a, None)?;
        Ok(WorkstationConfig::parse(&text, Path::new("t.toml")).unwrap())
    }

    #[test]
    fn k1_settings_become_the_config_the_app_loads() {
        let c = with(&[
            "/BACKEND=https://zwfw.example.gov.cn/yichuang",
            r"/IDCARD=COM3",
            "/SCANNER=usb",
            "/RECEIPT=192.0.2.50:9100",
            "/A4PRINTER=hall-a4",
            r"/UKEY=skf:C:\Windows\System32\a b.dll;pkcs11:C:\x\p11.dll",
            "/LOG=C:\\t.log",
            r"/D=C:\Program",
            r"Files\x",
        ])
        .unwrap();
        assert_eq!(c.hall.code.as_deref(), Some("441500"));
        assert_eq!(c.hall.name, "某市政务服务中心");
        assert_eq!(c.window.number, 5);
        assert_eq!(
            c.backend.url.as_ref().map(|u| u.as_str()),
            Some("https://zwfw.example.gov.cn/yichuang")
        );
        assert_eq!(c.devices.id_card.port.as_deref(), Some("COM3"));
        assert_eq!(
            c.devices.receipt_printer.address.as_deref(),
            Some("192.0.2.50:9100")
        );
        assert_eq!(c.devices.a4_printer.queue.as_deref(), Some("hall-a4"));
        assert_eq!(
            c.devices.ukey.module.as_deref(),
            Some(r"C:\Windows\System32\a b.dll")
        );
        assert_eq!(c.devices.ukeys.len(), 1);
    }

    #[test]
    fn k1_a_missing_setting_is_named() {
        let e = provision(&args(&["/S", "/HALL=441500", "/WINDOW=5"]), None).unwrap_err();
        assert_eq!(
            (e.setting.as_str(), e.problem),
            ("/HALLNAME", ProvisionProblem::Missing)
        );
        assert!(e.message().contains("/HALLNAME"), "{}", e.message());
    }

    #[test]
    fn k1_an_invalid_setting_is_named_by_the_config_check() {
        let e = with(&["/WINDOW=1000"]).unwrap_err();
        assert_eq!(
            (e.setting.as_str(), e.problem),
            ("/WINDOW", ProvisionProblem::Invalid)
        );
        let e = provision(&args(&["/HALL=44150", "/HALLNAME=x", "/WINDOW=5"]), None).unwrap_err();
        assert_eq!(e.setting, "/HALL");
        let e = with(&["/BACKEND=http://example.org"]).unwrap_err();
        assert_eq!(e.setting, "/BACKEND");
        let e = with(&["/CAFILE=/nonexistent/ca.pem", "/BACKEND=https://a.example"]).unwrap_err();
        assert_eq!(e.setting, "/CAFILE");
        let e = with(&["/WINDOW=abc"]).unwrap_err();
        assert_eq!(e.setting, "/WINDOW");
        let e = with(&["/UKEY=nocolon"]).unwrap_err();
        assert_eq!(e.setting, "/UKEY");
        let e = with(&["/UPDATEKEY=not-a-minisign-key"]).unwrap_err();
        assert_eq!(e.setting, "/UPDATEKEY");
    }

    #[test]
    fn k1_an_unknown_setting_is_refused_not_ignored() {
        let e = with(&["/WINDWO=3"]).unwrap_err();
        assert_eq!(
            (e.setting.as_str(), e.problem),
            ("/WINDWO", ProvisionProblem::Unknown)
        );
    }

    #[test]
    fn k1_a_config_file_is_taken_whole_and_validated() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "[hall]\nname = \"x\"\ncode = \"441500\"\n[window]\nnumber = 7\n",
        )
        .unwrap();
        let a = vec![format!("/CONFIG={}", good.display())];
        assert!(provision(&a, None).unwrap().contains("number = 7"));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[hall]\nname = \"x\"\n[window]\nnumber = 0\n").unwrap();
        let e = provision(&[format!("/CONFIG={}", bad.display())], None).unwrap_err();
        assert_eq!(
            (e.setting.as_str(), e.problem),
            ("/CONFIG", ProvisionProblem::Invalid)
        );
        assert!(e.message().contains("window.number"), "{}", e.message());
        let e = provision(&[a[0].clone(), "/WINDOW=3".into()], None).unwrap_err();
        assert_eq!(e.problem, ProvisionProblem::Conflict);
        // An upgrade without settings keeps (and re-checks) the machine's config.
        assert!(provision(&args(&["/S"]), Some(&good)).is_ok());
        let e = provision(&args(&["/S"]), Some(&dir.path().join("none.toml"))).unwrap_err();
        assert_eq!(e.setting, "/HALL");
    }
}
