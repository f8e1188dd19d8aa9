//! What the clerk's status bar shows: clerk, window, backend reachability, devices and the
//! number of records waiting to sync. Each part is fed by the module that owns that state.

use crate::infra::backend::BackendStatus;
use crate::infra::config::{DeviceDriver, WorkstationConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ShellStatus {
    pub hall_name: String,
    pub window_number: u16,
    pub window_name: Option<String>,
    /// The hall's offset from UTC in minutes (480: China Standard Time): every date and time
    /// both windows show is in this zone, whatever the machine's zone.
    pub utc_offset_minutes: i32,
    /// None until a clerk has logged in with a UKey.
    pub clerk: Option<ClerkBadge>,
    pub backend: BackendStatus,
    pub devices: Vec<DeviceStatus>,
    /// Records in the outbox, not yet acknowledged by the backend.
    pub pending_sync: u32,
    /// The clerk's UKey was pulled: both windows show the lock (A5) until the same key and
    /// PIN unlock it.
    pub locked: bool,
    /// Why the server ended the last clerk's session (certificate unbound, clerk disabled),
    /// in Chinese; the login page shows it until the next login (issue 15 item 6).
    pub session_ended: Option<String>,
    /// A newer release the hall server offers (K1): the status bar says 「有新版本」.
    pub update_available: Option<String>,
}

/// The logged-in clerk, as the status bar and the menus need them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ClerkBadge {
    pub id: String,
    pub name: String,
    pub department: String,
    pub post: String,
    /// What the clerk may do (A4; known codes only): menus and keys follow it, the core
    /// enforces it.
    pub permissions: Vec<crate::domain::access::Permission>,
    /// Which departments' items the clerk serves (A4), under the catalog at login.
    pub items: crate::domain::access::ItemScope,
    pub mode: SessionMode,
    /// The session's UKey still has its initial PIN (A3): the workbench asks the clerk to
    /// change it (「UKey仍使用初始PIN，请立即修改」) until they do.
    pub ukey_default_pin: bool,
}

/// How the session was granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    /// The central server verified the certificate.
    Online,
    /// The server was unreachable; a stored offline grant and a local challenge verified it.
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct DeviceStatus {
    /// Config key of the slot, e.g. "id_card".
    pub slot: String,
    /// Chinese name, e.g. 「身份证读卡器」.
    pub name: String,
    pub driver: DeviceDriver,
    pub state: DeviceState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceState {
    /// `driver = "none"` in the config: not installed at this counter.
    NotInstalled,
    /// Configured but not opened by a device driver (yet).
    NotOpened,
    Connected,
    Disconnected,
    Error {
        message: String,
    },
}

impl DeviceState {
    /// The state after a readiness check failed with an error of `kind`: a device that is
    /// not there is disconnected; any other failure shows the error's `message`.
    pub fn failed(kind: yichuang_drivers::ErrorKind, message: String) -> DeviceState {
        if kind == yichuang_drivers::ErrorKind::NotConnected {
            DeviceState::Disconnected
        } else {
            DeviceState::Error { message }
        }
    }
}

impl DeviceStatus {
    /// The initial state of every configured slot, before any driver has reported.
    pub fn initial(config: &WorkstationConfig) -> Vec<DeviceStatus> {
        config
            .devices
            .slots()
            .into_iter()
            .map(|(slot, name, device)| DeviceStatus {
                slot: slot.into(),
                name: name.into(),
                driver: device.driver,
                state: if device.driver == DeviceDriver::None {
                    DeviceState::NotInstalled
                } else {
                    DeviceState::NotOpened
                },
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_device_states_follow_config() {
        let mut cfg = WorkstationConfig::default();
        cfg.devices.id_card.driver = DeviceDriver::Simulator;
        let devices = DeviceStatus::initial(&cfg);
        assert_eq!(devices.len(), 6);
        let camera = devices.iter().find(|d| d.slot == "camera").unwrap();
        assert_eq!(camera.state, DeviceState::NotInstalled);
        assert_eq!(camera.name, "高拍仪");
        let reader = devices.iter().find(|d| d.slot == "id_card").unwrap();
        assert_eq!(reader.state, DeviceState::NotOpened);
    }
}
