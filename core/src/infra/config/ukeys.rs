//! The desk's UKey libraries (A2): `[devices.ukey]` as always, and any further libraries in
//! `[[devices.ukeys]]` entries, for halls whose clerks carry keys of several CA vendors:
//!
//! ```toml
//! [devices.ukey]
//! driver = "pkcs11"
//! module = "/usr/lib/vendor-a/libpkcs11.so"
//!
//! [[devices.ukeys]]
//! driver = "skf"
//! module = "/opt/vendor-b/libskf.so"
//! vendor = "gmt0006"
//! name = "某CA（SKF）"
//! ```
//!
//! A desk with only `[devices.ukey]` reads as before; one with only `[[devices.ukeys]]` is
//! fine too. The login list names each key's library (`name`, else the library file name).

use serde::{Deserialize, Serialize};

use super::{DeviceConfig, DeviceDriver};

/// One further UKey library of the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields)]
pub struct UkeyLibraryConfig {
    /// `pkcs11` or `skf`.
    pub driver: DeviceDriver,
    /// The PKCS#11 module or the vendor's SKF library (path).
    pub module: String,
    /// SKF: the vendor's algorithm-ID table (`standard`, `gmt0006`, …).
    #[serde(default)]
    pub vendor: Option<String>,
    /// What the login list calls this library (e.g. the CA's name); default the file name.
    #[serde(default)]
    pub name: Option<String>,
}

impl UkeyLibraryConfig {
    /// The same library as a `[devices.ukey]`-style device config.
    pub fn device(&self) -> DeviceConfig {
        DeviceConfig {
            driver: self.driver,
            module: Some(self.module.clone()),
            vendor: self.vendor.clone(),
            ..DeviceConfig::default()
        }
    }
}

/// Checks `[devices.ukey]` and every `[[devices.ukeys]]` entry; `Err((key, detail))` names
/// the offending key for the config error.
pub(super) fn validate(
    main: &DeviceConfig,
    extra: &[UkeyLibraryConfig],
) -> Result<(), (String, String)> {
    if matches!(main.driver, DeviceDriver::Pkcs11 | DeviceDriver::Skf)
        && main.module.as_deref().is_none_or(|m| m.trim().is_empty())
    {
        return Err((
            "devices.ukey.module".into(),
            "a PKCS#11 or SKF UKey needs the path of its library".into(),
        ));
    }
    if let Some(vendor) = &main.vendor {
        if let Err(e) = yichuang_drivers::ukey::SkfAlgTable::for_vendor(Some(vendor)) {
            return Err(("devices.ukey.vendor".into(), e.to_string()));
        }
    }
    let mut modules: Vec<&str> = Vec::new();
    if matches!(main.driver, DeviceDriver::Pkcs11 | DeviceDriver::Skf) {
        modules.extend(main.module.as_deref().map(str::trim));
    }
    for (i, lib) in extra.iter().enumerate() {
        let key = |field: &str| format!("devices.ukeys[{i}].{field}");
        if !matches!(lib.driver, DeviceDriver::Pkcs11 | DeviceDriver::Skf) {
            return Err((
                key("driver"),
                format!("a UKey library is pkcs11 or skf, got {:?}", lib.driver),
            ));
        }
        let module = lib.module.trim();
        if module.is_empty() {
            return Err((key("module"), "the path of the library is empty".into()));
        }
        if modules.contains(&module) {
            return Err((
                key("module"),
                format!("{module} is configured twice; each library once"),
            ));
        }
        modules.push(module);
        if let Some(vendor) = &lib.vendor {
            if lib.driver != DeviceDriver::Skf {
                return Err((key("vendor"), "vendor tables are for SKF libraries".into()));
            }
            if let Err(e) = yichuang_drivers::ukey::SkfAlgTable::for_vendor(Some(vendor)) {
                return Err((key("vendor"), e.to_string()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{ConfigError, WorkstationConfig};
    use super::*;

    const DESK: &str = r#"
        [hall]
        name = "市政务服务中心"
        [window]
        number = 3
    "#;

    fn parse(devices: &str) -> Result<WorkstationConfig, ConfigError> {
        WorkstationConfig::parse(&format!("{DESK}\n{devices}"), Path::new("workstation.toml"))
    }

    #[test]
    fn a2_a_single_ukey_section_reads_as_before_and_ukeys_add_libraries() {
        let one =
            parse("[devices.ukey]\ndriver = \"pkcs11\"\nmodule = \"/usr/lib/a.so\"\n").unwrap();
        assert!(one.devices.ukeys.is_empty());
        let two = parse(
            "[devices.ukey]\ndriver = \"pkcs11\"\nmodule = \"/usr/lib/a.so\"\n\
             [[devices.ukeys]]\ndriver = \"skf\"\nmodule = \"/opt/b/libskf.so\"\nvendor = \"gmt0006\"\nname = \"乙CA\"\n",
        )
        .unwrap();
        assert_eq!(two.devices.ukeys.len(), 1);
        assert_eq!(two.devices.ukeys[0].name.as_deref(), Some("乙CA"));
        assert_eq!(two.devices.ukeys[0].device().driver, DeviceDriver::Skf);
        // Only further libraries, no [devices.ukey]: fine too.
        parse("[[devices.ukeys]]\ndriver = \"skf\"\nmodule = \"/opt/b/libskf.so\"\n").unwrap();
    }

    #[test]
    fn a2_bad_ukey_library_entries_name_their_key_in_chinese() {
        let main = "[devices.ukey]\ndriver = \"pkcs11\"\nmodule = \"/usr/lib/a.so\"\n";
        let cases = [
            (
                format!("{main}[[devices.ukeys]]\ndriver = \"serial\"\nmodule = \"/x.so\"\n"),
                "devices.ukeys[0].driver",
            ),
            (
                format!("{main}[[devices.ukeys]]\ndriver = \"skf\"\nmodule = \" \"\n"),
                "devices.ukeys[0].module",
            ),
            (
                format!("{main}[[devices.ukeys]]\ndriver = \"pkcs11\"\nmodule = \"/usr/lib/a.so\"\n"),
                "devices.ukeys[0].module",
            ),
            (
                format!(
                    "{main}[[devices.ukeys]]\ndriver = \"skf\"\nmodule = \"/b.so\"\n\
                     [[devices.ukeys]]\ndriver = \"skf\"\nmodule = \"/c.so\"\nvendor = \"acme\"\n"
                ),
                "devices.ukeys[1].vendor",
            ),
            (
                format!("{main}[[devices.ukeys]]\ndriver = \"pkcs11\"\nmodule = \"/b.so\"\nvendor = \"gmt0006\"\n"),
                "devices.ukeys[0].vendor",
            ),
        ];
        for (text, key) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.key(), Some(key), "{text}");
            assert_eq!(e.code(), crate::ErrorCode::ConfigKeyBadValue);
            assert!(
                e.message().contains(&format!("「{key}」")),
                "{}",
                e.message()
            );
            assert!(e.message().contains("取值无效"), "{}", e.message());
        }
        let e = parse(&format!("{main}[[devices.ukeys]]\ndriver = \"skf\"\n")).unwrap_err();
        assert_eq!(e.key(), Some("devices.ukeys[0].module"));
    }
}
