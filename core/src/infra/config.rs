//! The per-workstation configuration file (`workstation.toml`).
//!
//! IT writes one per counter: which hall and window this is, where the central backend is,
//! which monitor shows the citizen screen and how each device is attached. A bad file must
//! never start a half-configured workstation: loading fails with a Chinese message that names
//! the offending key (e.g. 「window.number」), and the original parser text as the IT detail.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::labels::{demo, devices};

mod backend;
mod citizen;
mod codes;
mod hid_pos;
pub mod paths;
mod queue;
mod seal;
mod ukeys;
mod update;
pub use backend::{is_loopback, BackendConfig};
pub use citizen::CitizenScreenConfig;
pub use codes::CodesConfig;
pub use paths::{config_path, data_dir, DataDir, DataDirError};
pub use queue::{LocalGroup, QueueConfig, QueueMode};
pub use seal::SealConfig;
pub use ukeys::UkeyLibraryConfig;
pub use update::{build_target, UpdateConfig};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct WorkstationConfig {
    pub hall: HallConfig,
    pub window: WindowConfig,
    #[serde(default)]
    pub backend: BackendConfig,
    #[serde(default)]
    pub citizen_screen: CitizenScreenConfig,
    #[serde(default)]
    pub devices: DevicesConfig,
    #[serde(default)]
    pub simulator: SimulatorConfig,
    #[serde(default)]
    pub codes: CodesConfig,
    #[serde(default)]
    pub queue: QueueConfig,
    #[serde(default)]
    pub update: UpdateConfig,
}

/// The simulated devices' control surface (`make run`, tests, demos).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    /// Loopback address of the line-protocol control port (e.g. "127.0.0.1:8721"); absent:
    /// no control port. Commands reach only devices whose driver is "simulator".
    #[serde(default)]
    pub control: Option<String>,
    /// The shared secret every control command starts with; required with `control`, at
    /// least [`MIN_CONTROL_TOKEN`] characters. A command without it is refused, never run.
    #[serde(default)]
    pub token: Option<String>,
}

/// The shortest accepted `simulator.token`.
pub const MIN_CONTROL_TOKEN: usize = 16;

impl SimulatorConfig {
    /// The control address, validated: a socket address on loopback.
    pub fn control_addr(&self) -> Result<Option<std::net::SocketAddr>, String> {
        let Some(text) = &self.control else {
            return Ok(None);
        };
        let addr: std::net::SocketAddr = text
            .trim()
            .parse()
            .map_err(|_| format!("expected IP:port, got {text:?}"))?;
        if !addr.ip().is_loopback() {
            return Err(format!(
                "must be a loopback address (127.0.0.1), got {addr}"
            ));
        }
        Ok(Some(addr))
    }

    /// The control token, validated: required when the control port is on, at least
    /// [`MIN_CONTROL_TOKEN`] printable ASCII characters without spaces.
    pub fn control_token(&self) -> Result<Option<&str>, (KeyProblem, String)> {
        if self.control.is_none() {
            return Ok(None);
        }
        let Some(token) = self.token.as_deref() else {
            return Err((
                KeyProblem::Missing,
                "simulator.control needs simulator.token".into(),
            ));
        };
        if token.chars().count() < MIN_CONTROL_TOKEN || !token.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err((
                KeyProblem::BadValue,
                format!(
                    "expected at least {MIN_CONTROL_TOKEN} printable ASCII characters without spaces"
                ),
            ));
        }
        Ok(Some(token))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct HallConfig {
    /// Shown in the status bar and on documents, e.g. 「某市政务服务中心」.
    pub name: String,
    /// Administrative division code (行政区划代码), 6 digits, used in case numbers.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// The counter's number as shown above it (1–999).
    pub number: u16,
    /// e.g. 「综合受理窗口」.
    #[serde(default)]
    pub name: Option<String>,
}

/// How one device is attached. Each device kind's issue adds its own options; the common
/// part is the driver and, for serial devices, the port and baud rate. A device without a
/// `[devices.*]` section is not installed (`driver = "none"`); the simulator runs only where
/// the config says `driver = "simulator"`, so a production config never falls back to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub driver: DeviceDriver,
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default)]
    pub baud: Option<u32>,
    /// Network address for TCP devices (e.g. a receipt printer on 9100).
    #[serde(default)]
    pub address: Option<String>,
    /// Scanner gun: what ends each scan on the serial line (`cr`, `lf`, `crlf`, `tab`, `none`).
    #[serde(default)]
    pub suffix: Option<String>,
    /// Scanner gun: only the exact `suffix` ends a scan. Off (the default), `cr`, `lf` and
    /// `crlf` each accept all three line ends, so a scanner sending CR LF to a desk set to CR
    /// leaves no stray LF at the start of the next scan; on, the other line ends are data
    /// (e.g. line breaks inside a multi-line QR payload).
    #[serde(default)]
    pub strict_suffix: bool,
    /// Scanner gun: text encoding on the serial line (`utf8`, `gb18030`, `auto`).
    #[serde(default)]
    pub encoding: Option<String>,
    /// A4 printer with `driver = "spooler"`: the print queue's name as the OS spooler knows
    /// it (CUPS printer name, `lpstat -p`). The spooler's address is `address` (host:port or
    /// a socket path), else `$CUPS_SERVER`, else localhost:631.
    #[serde(default)]
    pub queue: Option<String>,
    /// ID-card reader: the reader vendor's WLT photo decoder library (`libwlt2bmp.so`,
    /// `WltRS.dll`-style, exporting `unpack`), run in the `yichuang-wlt-helper` process
    /// installed beside the app. Without it the photo slot says no decoder is installed.
    #[serde(default)]
    pub photo_decoder: Option<String>,
    /// UKey: the PKCS#11 module or the vendor's SKF library (path).
    #[serde(default)]
    pub module: Option<String>,
    /// UKey (SKF): the vendor's algorithm-ID table (`standard`, `gmt0006`, …).
    #[serde(default)]
    pub vendor: Option<String>,
}

impl DeviceConfig {
    /// A device of this driver with no other options.
    pub fn driver(driver: DeviceDriver) -> Self {
        Self {
            driver,
            ..Self::default()
        }
    }

    /// Whether this device is the simulator (its reads are audited as simulated).
    pub fn is_simulated(&self) -> bool {
        self.driver == DeviceDriver::Simulator
    }
}

impl Default for DeviceConfig {
    /// Not installed: what a missing `[devices.*]` section means.
    fn default() -> Self {
        Self {
            driver: DeviceDriver::None,
            port: None,
            baud: None,
            address: None,
            suffix: None,
            strict_suffix: false,
            encoding: None,
            queue: None,
            photo_decoder: None,
            module: None,
            vendor: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DeviceDriver {
    /// Not installed at this counter.
    None,
    /// The in-process simulator speaking the device's real protocol.
    Simulator,
    Serial,
    Usb,
    /// USB HID-POS: a scanner gun's HID mode (usage page 0x8C), read as whole scans from the
    /// OS's HID interface (Linux hidraw); `port` empty, `VID:PID` or a `/dev/hidrawN` node.
    HidPos,
    Tcp,
    Pcsc,
    Pkcs11,
    Skf,
    Camera,
    Spooler,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct DevicesConfig {
    #[serde(default)]
    pub id_card: DeviceConfig,
    #[serde(default)]
    pub scanner: DeviceConfig,
    #[serde(default)]
    pub ukey: DeviceConfig,
    /// Further UKey libraries (`[[devices.ukeys]]`, A2): keys of all are listed at login.
    #[serde(default)]
    pub ukeys: Vec<UkeyLibraryConfig>,
    #[serde(default)]
    pub camera: DeviceConfig,
    #[serde(default)]
    pub receipt_printer: DeviceConfig,
    #[serde(default)]
    pub a4_printer: DeviceConfig,
    /// The department's seal key and the CAs trusted on documents (`[devices.seal]`, A7).
    #[serde(default)]
    pub seal: SealConfig,
}

impl DevicesConfig {
    /// Every device slot with its config key and Chinese name, in status-bar order.
    pub fn slots(&self) -> [(&'static str, &'static str, &DeviceConfig); 6] {
        [
            ("id_card", devices::ID_CARD, &self.id_card),
            ("ukey", "UKey", &self.ukey),
            ("scanner", devices::SCANNER, &self.scanner),
            ("camera", devices::CAMERA, &self.camera),
            (
                "receipt_printer",
                devices::RECEIPT_PRINTER,
                &self.receipt_printer,
            ),
            ("a4_printer", devices::A4_PRINTER, &self.a4_printer),
        ]
    }

    /// Every device simulated (`make run`, tests, demos).
    pub fn all_simulated() -> Self {
        let sim = || DeviceConfig::driver(DeviceDriver::Simulator);
        Self {
            id_card: sim(),
            scanner: sim(),
            ukey: sim(),
            ukeys: Vec::new(),
            camera: sim(),
            receipt_printer: sim(),
            a4_printer: sim(),
            seal: SealConfig::default(),
        }
    }
}

const STANDARD_BAUDS: [u32; 8] = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600];

impl Default for WorkstationConfig {
    /// What a workstation without a usable config file runs with: no devices (never the
    /// simulators), no backend.
    fn default() -> Self {
        Self {
            hall: HallConfig {
                name: demo::HALL_NAME.into(),
                code: None,
            },
            window: WindowConfig {
                number: 1,
                name: Some(demo::WINDOW_NAME.into()),
            },
            backend: BackendConfig::default(),
            citizen_screen: CitizenScreenConfig::default(),
            devices: DevicesConfig::default(),
            simulator: SimulatorConfig::default(),
            queue: QueueConfig::default(),
            update: UpdateConfig::default(),
            codes: CodesConfig::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: TOML syntax error: {detail}")]
    Syntax { path: PathBuf, detail: String },
    /// A key is missing, unknown, of the wrong type or has a bad value.
    #[error("{path}: key `{key}`: {detail}")]
    Key {
        path: PathBuf,
        key: String,
        problem: KeyProblem,
        detail: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    Missing,
    Unknown,
    WrongType,
    BadValue,
    /// `http://` to a host that is not loopback.
    InsecureUrl,
}

impl ConfigError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            ConfigError::Read { .. } => C::ConfigRead,
            ConfigError::Syntax { .. } => C::ConfigSyntax,
            ConfigError::Key { problem, .. } => match problem {
                KeyProblem::Missing => C::ConfigKeyMissing,
                KeyProblem::Unknown => C::ConfigKeyUnknown,
                KeyProblem::WrongType => C::ConfigKeyWrongType,
                KeyProblem::BadValue => C::ConfigKeyBadValue,
                KeyProblem::InsecureUrl => C::ConfigInsecureUrl,
            },
        }
    }

    /// The Chinese message; always names the file and, where there is one, the key.
    pub fn message(&self) -> String {
        let (path, key) = match self {
            ConfigError::Read { path, .. } | ConfigError::Syntax { path, .. } => (path, None),
            ConfigError::Key { path, key, .. } => (path, Some(key.as_str())),
        };
        crate::messages::config_problem(self.code(), &path.display().to_string(), key)
    }

    /// The offending key, when the error is about one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Key { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl WorkstationConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let value: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_owned(),
                    detail: e.message().to_string(),
                })?;
        // Nothing set (the packaged conffile, all commented out): the defaults, as no file.
        if value.is_empty() {
            return Ok(Self::default());
        }
        let config: WorkstationConfig = serde_path_to_error::deserialize(toml::Value::Table(value))
            .map_err(|e| {
                let parent = e.path().to_string();
                let inner = e.into_inner().to_string();
                let (problem, field) = classify_serde_message(&inner);
                let key = match field {
                    Some(f) if parent == "." || parent.is_empty() => f,
                    // serde_path_to_error already ends the path with an unknown field's name.
                    Some(f) if parent.rsplit('.').next() == Some(f.as_str()) => parent,
                    Some(f) => format!("{parent}.{f}"),
                    None => parent,
                };
                ConfigError::Key {
                    path: path.to_owned(),
                    key,
                    problem,
                    detail: inner,
                }
            })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |key: &str, detail: String| ConfigError::Key {
            path: path.to_owned(),
            key: key.to_string(),
            problem: KeyProblem::BadValue,
            detail,
        };
        if self.hall.name.trim().is_empty() {
            return Err(bad("hall.name", "hall name must not be empty".into()));
        }
        if let Some(code) = &self.hall.code {
            if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("hall.code", format!("expected 6 digits, got {code:?}")));
            }
        }
        if !(1..=999).contains(&self.window.number) {
            return Err(bad(
                "window.number",
                format!("expected 1..=999, got {}", self.window.number),
            ));
        }
        self.backend.validate(path)?;
        if self.queue.mode == QueueMode::Hall && self.backend.url.is_none() {
            return Err(bad(
                "queue.mode",
                "\"hall\" needs backend.url (the hall server is the queue)".into(),
            ));
        }
        if let Some(detail) = self.queue.problem() {
            return Err(bad("queue", detail));
        }
        if let Some((key, detail)) = self.update.problem() {
            return Err(bad(key, detail));
        }
        let rating = self.citizen_screen.rating_seconds;
        if !(15..=30).contains(&rating) {
            return Err(bad(
                "citizen_screen.rating_seconds",
                format!("expected 15..=30 (GB/T 39734 countdown), got {rating}"),
            ));
        }
        if !(5..=600).contains(&self.citizen_screen.call_seconds) {
            return Err(bad(
                "citizen_screen.call_seconds",
                format!("expected 5..=600, got {}", self.citizen_screen.call_seconds),
            ));
        }
        seal::validate(&self.devices.seal).map_err(|(key, detail)| bad(&key, detail))?;
        if let Err(detail) = self.simulator.control_addr() {
            return Err(bad("simulator.control", detail));
        }
        if let Err((problem, detail)) = self.simulator.control_token() {
            return Err(ConfigError::Key {
                path: path.to_owned(),
                key: "simulator.token".into(),
                problem,
                detail,
            });
        }
        if let Err(detail) =
            crate::devices::camera::signed::PersonalCodeKeys::parse(&self.codes.personal_code_keys)
        {
            return Err(bad("codes.personal_code_keys", detail));
        }
        for (slot, _, device) in self.devices.slots() {
            if let Some(baud) = device.baud {
                if !STANDARD_BAUDS.contains(&baud) {
                    return Err(bad(
                        &format!("devices.{slot}.baud"),
                        format!("unsupported baud rate {baud}; one of {STANDARD_BAUDS:?}"),
                    ));
                }
            }
            if device.driver == DeviceDriver::Serial
                && device.port.as_deref().is_none_or(|p| p.trim().is_empty())
            {
                return Err(bad(
                    &format!("devices.{slot}.port"),
                    "a serial device needs a port".into(),
                ));
            }
            if slot == "ukey" {
                ukeys::validate(device, &self.devices.ukeys)
                    .map_err(|(key, detail)| bad(&key, detail))?;
            }
            if slot == "camera"
                && !matches!(
                    device.driver,
                    DeviceDriver::None | DeviceDriver::Simulator | DeviceDriver::Camera
                )
            {
                return Err(bad(
                    "devices.camera.driver",
                    format!(
                        "the document camera takes none, simulator or camera, got {:?}",
                        device.driver
                    ),
                ));
            }
            if let Err((key, detail)) = hid_pos::check(slot, device) {
                return Err(bad(&key, detail));
            }
            if slot == "id_card" && device.driver == DeviceDriver::Usb {
                if let Err(detail) =
                    yichuang_drivers::idcard::UsbConfig::parse(device.port.as_deref().unwrap_or(""))
                {
                    return Err(bad("devices.id_card.port", detail));
                }
            }
            if let Some(suffix) = &device.suffix {
                if yichuang_drivers::scanner::Suffix::from_name(suffix).is_none() {
                    return Err(bad(
                        &format!("devices.{slot}.suffix"),
                        format!("unknown suffix {suffix:?}; one of cr, lf, crlf, tab, none"),
                    ));
                }
            }
            if let Some(encoding) = &device.encoding {
                if yichuang_drivers::scanner::TextEncoding::from_name(encoding).is_none() {
                    return Err(bad(
                        &format!("devices.{slot}.encoding"),
                        format!("unknown encoding {encoding:?}; one of utf8, gb18030, auto"),
                    ));
                }
            }
            if device.driver == DeviceDriver::Spooler {
                let queue = device.queue.as_deref().unwrap_or_default();
                yichuang_drivers::spooler::validate_queue_for(device.address.as_deref(), queue)
                    .map_err(|detail| bad(&format!("devices.{slot}.queue"), detail))?;
                if let Some(address) = &device.address {
                    if yichuang_drivers::spooler::Server::parse(address).is_none() {
                        return Err(bad(
                            &format!("devices.{slot}.address"),
                            format!("expected host[:port] or a socket path, got {address:?}"),
                        ));
                    }
                }
            }
            if device.driver == DeviceDriver::Tcp && device.address.is_none() {
                return Err(bad(
                    &format!("devices.{slot}.address"),
                    "a TCP device needs an address".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Maps serde's English messages to a problem kind and, when the message names a field
/// below the reported path (missing / unknown field), that field.
fn classify_serde_message(msg: &str) -> (KeyProblem, Option<String>) {
    let backticked = || msg.split('`').nth(1).map(str::to_string);
    if msg.starts_with("missing field") {
        (KeyProblem::Missing, backticked())
    } else if msg.starts_with("unknown field") {
        (KeyProblem::Unknown, backticked())
    } else if msg.starts_with("invalid type") {
        (KeyProblem::WrongType, None)
    } else {
        (KeyProblem::BadValue, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<WorkstationConfig, ConfigError> {
        WorkstationConfig::parse(text, Path::new("workstation.toml"))
    }

    const GOOD: &str = r#"
        [hall]
        name = "市政务服务中心"
        code = "440100"
        [window]
        number = 12
        [backend]
        url = "http://127.0.0.1:8720"
        [citizen_screen]
        monitor = "HDMI-1"
        [devices.id_card]
        driver = "serial"
        port = "/dev/ttyUSB0"
        baud = 115200
        [devices.receipt_printer]
        driver = "tcp"
        address = "192.0.2.10:9100"
    "#;

    #[test]
    fn full_config_parses() {
        let c = parse(GOOD).unwrap();
        assert_eq!(c.window.number, 12);
        assert_eq!(c.devices.id_card.driver, DeviceDriver::Serial);
        assert_eq!(c.devices.scanner.driver, DeviceDriver::None);
        assert_eq!(c.backend.probe_interval_ms, 1000);
        assert_eq!(c.citizen_screen.monitor.as_deref(), Some("HDMI-1"));
    }

    #[test]
    fn wrong_type_names_the_key() {
        let e = parse(&GOOD.replace("number = 12", "number = \"十二\"")).unwrap_err();
        assert_eq!(e.key(), Some("window.number"));
        assert!(e.message().contains("「window.number」"), "{}", e.message());
        assert!(e.message().contains("类型不正确"));
    }

    #[test]
    fn out_of_range_value_names_the_key() {
        let e = parse(&GOOD.replace("number = 12", "number = 0")).unwrap_err();
        assert_eq!(e.key(), Some("window.number"));
        assert!(e.message().contains("取值无效"));
    }

    #[test]
    fn unknown_key_is_named_with_its_table() {
        let e = parse(&GOOD.replace("baud = 115200", "baud = 115200\nbuad = 9600")).unwrap_err();
        assert_eq!(e.key(), Some("devices.id_card.buad"));
        assert!(e.message().contains("无法识别"));
    }

    #[test]
    fn missing_required_key_is_named() {
        let e = parse(&GOOD.replace("number = 12", "")).unwrap_err();
        assert_eq!(e.key(), Some("window.number"));
        assert!(e.message().contains("缺少必填配置项"));
    }

    #[test]
    fn bad_enum_value_names_the_key() {
        let e = parse(&GOOD.replace("driver = \"serial\"", "driver = \"bluetooth\"")).unwrap_err();
        assert_eq!(e.key(), Some("devices.id_card.driver"));
    }

    #[test]
    fn semantic_checks_name_the_key() {
        let cases = [
            (
                format!("{GOOD}\n[simulator]\ncontrol = \"0.0.0.0:8721\"\n"),
                "simulator.control",
            ),
            (
                format!("{GOOD}\n[simulator]\ncontrol = \"localhost\"\n"),
                "simulator.control",
            ),
            (
                format!("{GOOD}\n[simulator]\ncontrol = \"127.0.0.1:8721\"\ntoken = \"short\"\n"),
                "simulator.token",
            ),
            (
                format!("{GOOD}\n[codes]\npersonal_code_keys = [\"AAAA\"]\n"),
                "codes.personal_code_keys",
            ),
            (
                GOOD.replace("baud = 115200", "baud = 12345"),
                "devices.id_card.baud",
            ),
            (
                GOOD.replace("port = \"/dev/ttyUSB0\"", ""),
                "devices.id_card.port",
            ),
            (
                GOOD.replacen("driver = \"serial\"", "driver = \"usb\"", 1)
                    .replace("port = \"/dev/ttyUSB0\"", "port = \"ttyUSB0\""),
                "devices.id_card.port",
            ),
            (
                format!("{GOOD}\n[devices.camera]\ndriver = \"serial\"\nport = \"COM1\"\n"),
                "devices.camera.driver",
            ),
            (
                GOOD.replace("http://127.0.0.1:8720", "ftp://x"),
                "backend.url",
            ),
            (
                GOOD.replace("code = \"440100\"", "code = \"44\""),
                "hall.code",
            ),
            (
                GOOD.replace("address = \"192.0.2.10:9100\"", ""),
                "devices.receipt_printer.address",
            ),
            (
                format!("{GOOD}\n[devices.a4_printer]\ndriver = \"spooler\"\n"),
                "devices.a4_printer.queue",
            ),
            (
                format!("{GOOD}\n[devices.a4_printer]\ndriver = \"spooler\"\nqueue = \"a\\\\b\"\n"),
                "devices.a4_printer.queue",
            ),
            (
                format!(
                    "{GOOD}\n[devices.a4_printer]\ndriver = \"spooler\"\nqueue = \"hp\"\naddress = \"h:x\"\n"
                ),
                "devices.a4_printer.address",
            ),
        ];
        for (text, key) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.key(), Some(key), "{e}");
        }
    }

    #[test]
    fn k2_a_missing_device_section_is_not_installed_and_the_simulator_is_explicit() {
        let c = parse(GOOD).unwrap();
        for slot in ["scanner", "ukey", "camera", "a4_printer"] {
            let (_, _, d) = c.devices.slots().into_iter().find(|s| s.0 == slot).unwrap();
            assert_eq!(d.driver, DeviceDriver::None, "{slot}");
            assert!(!d.is_simulated());
        }
        let c = parse(&format!(
            "{GOOD}\n[devices.camera]\ndriver = \"simulator\"\n"
        ))
        .unwrap();
        assert!(c.devices.camera.is_simulated());
        assert!(WorkstationConfig::default()
            .devices
            .slots()
            .iter()
            .all(|(_, _, d)| d.driver == DeviceDriver::None));
    }

    #[test]
    fn k2_the_control_port_needs_a_long_token() {
        let control = format!("{GOOD}\n[simulator]\ncontrol = \"127.0.0.1:8721\"\n");
        let e = parse(&control).unwrap_err();
        assert_eq!(e.key(), Some("simulator.token"));
        assert_eq!(e.code(), crate::ErrorCode::ConfigKeyMissing);
        assert!(
            e.message().contains("「simulator.token」"),
            "{}",
            e.message()
        );
        let e = parse(&format!("{control}token = \"0123456789abcde\"\n")).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::ConfigKeyBadValue);
        let e = parse(&format!("{control}token = \"0123456789 abcdef\"\n")).unwrap_err();
        assert_eq!(e.key(), Some("simulator.token"));
        let c = parse(&format!("{control}token = \"0123456789abcdef\"\n")).unwrap();
        assert_eq!(c.simulator.control_token(), Ok(Some("0123456789abcdef")));
        // A token without a control port is harmless.
        parse(&format!("{GOOD}\n[simulator]\ntoken = \"x\"\n")).unwrap();
    }

    #[test]
    fn the_installer_example_config_is_valid_and_simulates_nothing() {
        let text = include_str!("../../../installer/workstation.example.toml");
        let c = parse(text).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.devices.slots().iter().all(|(_, _, d)| !d.is_simulated()));
        assert!(c.simulator.control.is_none());
    }

    #[test]
    fn syntax_error_is_reported_without_key() {
        let e = parse("[hall\nname=").unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }));
        assert!(e.message().contains("格式错误"));
    }

    #[test]
    fn default_config_is_valid() {
        WorkstationConfig::default()
            .validate(Path::new("x"))
            .unwrap();
        let text = toml::to_string(&WorkstationConfig::default()).unwrap();
        assert_eq!(parse(&text).unwrap(), WorkstationConfig::default());
    }
}
