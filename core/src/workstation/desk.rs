//! Who and where, derived once from the config: the hall, the window and the workstation id
//! the server knows this counter by. A missing hall code is a configuration error (case
//! numbers and the server's records carry it), never a made-up `000000`.

use std::path::Path;

use crate::domain::intake::Desk;
use crate::domain::login::Session;
use crate::infra::config::{ConfigError, KeyProblem, WorkstationConfig};
use crate::{labels, CoreError, UserError};

/// The counter as configured: hall, window and the id derived from them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskId {
    pub hall_name: String,
    /// 6-digit administrative division code (行政区划代码).
    pub hall_code: String,
    pub window_number: u16,
    /// 「3号窗口（综合受理窗口）」, or 「3号窗口」 without a window name.
    pub window_label: String,
}

impl DeskId {
    /// The one derivation; `path` names the config file in the error.
    pub fn from_config(cfg: &WorkstationConfig, path: &Path) -> Result<Self, ConfigError> {
        let code = match cfg.hall.code.as_deref().map(str::trim) {
            Some(c) if c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()) => c.to_string(),
            Some(c) => {
                return Err(key_error(
                    path,
                    KeyProblem::BadValue,
                    format!("expected 6 digits, got {c:?}"),
                ))
            }
            None => return Err(key_error(
                path,
                KeyProblem::Missing,
                "hall.code is not set: case numbers and the server need the hall's division code"
                    .into(),
            )),
        };
        let window_label = match cfg.window.name.as_deref() {
            Some(name) if !name.is_empty() => labels::window::named(cfg.window.number, name),
            _ => labels::window::numbered(cfg.window.number),
        };
        Ok(Self {
            hall_name: cfg.hall.name.clone(),
            hall_code: code,
            window_number: cfg.window.number,
            window_label,
        })
    }

    /// `"{hall code}-{window}"`: what the server knows this workstation by (login, sync).
    pub fn workstation_id(&self) -> String {
        format!("{}-{}", self.hall_code, self.window_number)
    }

    /// The clerk of `session` at this desk, as intake records it.
    pub fn with_clerk(&self, session: &Session) -> Desk {
        Desk {
            clerk_id: session.clerk.id.clone(),
            clerk_name: session.clerk.name.clone(),
            hall_name: self.hall_name.clone(),
            hall_code: self.hall_code.clone(),
            window_number: self.window_number,
            window_label: self.window_label.clone(),
        }
    }
}

fn key_error(path: &Path, problem: KeyProblem, detail: String) -> ConfigError {
    ConfigError::Key {
        path: path.to_owned(),
        key: "hall.code".into(),
        problem,
        detail,
    }
}

/// The desk as the workstation keeps it: the derivation's result, its error for the clerk.
pub fn derive(cfg: &WorkstationConfig, path: &Path) -> Result<DeskId, UserError> {
    DeskId::from_config(cfg, path).map_err(|e| CoreError::from(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(code: Option<&str>, window_name: Option<&str>) -> WorkstationConfig {
        let mut cfg = WorkstationConfig::default();
        cfg.hall.name = "汕尾市政务服务中心".into();
        cfg.hall.code = code.map(Into::into);
        cfg.window.number = 3;
        cfg.window.name = window_name.map(Into::into);
        cfg
    }

    #[test]
    fn desk_and_workstation_id_come_from_one_derivation() {
        let desk = DeskId::from_config(
            &config(Some("441500"), Some("综合受理窗口")),
            Path::new("w.toml"),
        )
        .unwrap();
        assert_eq!(desk.workstation_id(), "441500-3");
        assert_eq!(desk.window_label, "3号窗口（综合受理窗口）");
        let plain =
            DeskId::from_config(&config(Some("441500"), Some("")), Path::new("w.toml")).unwrap();
        assert_eq!(plain.window_label, "3号窗口");
    }

    #[test]
    fn missing_hall_code_is_a_configuration_error() {
        let err = DeskId::from_config(&config(None, None), Path::new("/etc/w.toml")).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Key { key, problem: KeyProblem::Missing, .. } if key == "hall.code"),
            "{err}"
        );
        let user = derive(&config(None, None), Path::new("/etc/w.toml")).unwrap_err();
        assert_eq!(user.code, crate::ErrorCode::Config);
        assert!(user.message.contains("hall.code"), "{}", user.message);
        assert!(!format!("{user:?}").contains("000000"));
    }

    #[test]
    fn malformed_hall_code_is_refused_too() {
        let err =
            DeskId::from_config(&config(Some("44150"), None), Path::new("w.toml")).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Key {
                problem: KeyProblem::BadValue,
                ..
            }
        ));
    }
}
