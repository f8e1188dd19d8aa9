//! `driver = "hid_pos"`: a scanner gun in USB HID-POS mode (see `devices::scanner`).

use super::{DeviceConfig, DeviceDriver};

/// Only the scanner takes `hid_pos`; its `port` is empty (the first HID-POS scanner),
/// `VID:PID`, or a `/dev/hidrawN` node. `Err`: the config key and what is wrong.
pub(super) fn check(slot: &str, device: &DeviceConfig) -> Result<(), (String, String)> {
    if device.driver != DeviceDriver::HidPos {
        return Ok(());
    }
    if slot != "scanner" {
        return Err((
            format!("devices.{slot}.driver"),
            "hid_pos is for the scanner gun only".into(),
        ));
    }
    let port = device.port.as_deref().unwrap_or("");
    if port.starts_with('/') {
        return Ok(());
    }
    yichuang_drivers::idcard::UsbConfig::parse(port)
        .map(|_| ())
        .map_err(|detail| ("devices.scanner.port".into(), detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(driver: DeviceDriver, port: &str) -> DeviceConfig {
        DeviceConfig {
            driver,
            port: Some(port.into()),
            ..DeviceConfig::default()
        }
    }

    #[test]
    fn d1_hid_pos_is_a_scanner_setting_with_a_usb_id_or_a_hidraw_node() {
        for port in ["", "0C2E:0B61", "/dev/hidraw3"] {
            assert_eq!(
                check("scanner", &device(DeviceDriver::HidPos, port)),
                Ok(()),
                "{port}"
            );
        }
        let (key, _) = check("scanner", &device(DeviceDriver::HidPos, "hidraw3")).unwrap_err();
        assert_eq!(key, "devices.scanner.port");
        let (key, _) = check("id_card", &device(DeviceDriver::HidPos, "")).unwrap_err();
        assert_eq!(key, "devices.id_card.driver");
        assert_eq!(check("id_card", &device(DeviceDriver::Usb, "x")), Ok(()));
    }
}
