//! The desk's UKey service over real libraries (A2, A3): `[devices.ukey]` on the SoftHSM2
//! PKCS#11 module, `[[devices.ukeys]]` with the simulated SKF library and a vendor library
//! that is not installed. Keys are set up by `scripts/ukey-test.sh` (shared with the drivers'
//! tests).

#[path = "../../drivers/tests/ukey_support/mod.rs"]
mod ukey_support;

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ukey_support::{now, serial, setup, Setup};
use yichuang_core::devices::ukey::{check_new_pin, UkeyEvent, UkeyService};
use yichuang_core::infra::config::{DeviceConfig, DeviceDriver, DevicesConfig, UkeyLibraryConfig};
use yichuang_core::infra::status::DeviceState;
use yichuang_core::ErrorCode;
use yichuang_drivers::ukey::Backend;

const SKF_KEY: &str = "1:YCSIM-UKEY-01";

fn sim(s: &Setup, args: &[&str]) {
    let st = Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
        .args(["--state", s.var("YICHUANG_SKF_SIM_STATE")])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "yichuang-skf-sim {args:?}");
}

fn desk(s: &Setup) -> DevicesConfig {
    DevicesConfig {
        ukey: DeviceConfig {
            driver: DeviceDriver::Pkcs11,
            module: Some(s.var("YICHUANG_PKCS11_MODULE").into()),
            ..Default::default()
        },
        ukeys: vec![
            UkeyLibraryConfig {
                driver: DeviceDriver::Skf,
                module: s.var("YICHUANG_SKF_LIB").into(),
                vendor: Some("standard".into()),
                name: Some("乙CA（SKF）".into()),
            },
            UkeyLibraryConfig {
                driver: DeviceDriver::Skf,
                module: "/nonexistent/vendor/libskf.so".into(),
                vendor: None,
                name: Some("丙CA".into()),
            },
        ],
        ..Default::default()
    }
}

#[test]
fn a2_desk_lists_keys_of_every_loaded_library_and_reports_the_missing_one() {
    let Some(s) = setup("core-desk") else { return };
    let _g = serial();
    sim(s, &["insert"]);
    sim(s, &["unlock"]);
    let states = Arc::new(Mutex::new(Vec::new()));
    let seen = states.clone();
    let service = UkeyService::start(&desk(s), move |e| {
        if let UkeyEvent::State(st) = e {
            seen.lock().unwrap().push(st);
        }
    })
    .expect("UKeys configured");

    let libs = service.libraries();
    assert_eq!(libs.len(), 3);
    assert_eq!(libs[0].name, "libsofthsm2.so");
    assert!(libs[0].error.is_none() && libs[1].error.is_none());
    assert!(
        libs[2]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("UKey驱动")),
        "{libs:?}"
    );

    let keys = service.login_keys(now()).unwrap();
    let skf = keys
        .iter()
        .find(|k| k.id == SKF_KEY)
        .expect("SKF key listed");
    assert_eq!(
        (skf.backend, skf.library.as_str()),
        (Backend::Skf, "乙CA（SKF）")
    );
    assert_eq!(skf.certificates[0].subject_cn, "钱七");
    let zs = keys
        .iter()
        .find(|k| k.label == "clerk-ecdsa")
        .expect("SoftHSM token listed");
    assert_eq!(
        (zs.backend, zs.library.as_str()),
        (Backend::Pkcs11, "libsofthsm2.so")
    );
    assert!(zs.certificates[0].preferred);

    // Each logs in (PIN and signature) through its own library.
    let pin = s.var("YICHUANG_PKCS11_PIN");
    let sig = service.verify_and_sign(&zs.id, &zs.certificates[0].id, pin, b"challenge");
    assert!(sig.is_ok(), "{sig:?}");
    let sig = service.verify_and_sign(
        SKF_KEY,
        &skf.certificates[0].id,
        s.var("YICHUANG_SKF_PIN"),
        b"challenge",
    );
    assert!(sig.is_ok(), "{sig:?}");

    // The watch runs: the status bar sees keys, not the missing library's error.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !states.lock().unwrap().contains(&DeviceState::Connected) {
        assert!(Instant::now() < deadline, "{:?}", states.lock().unwrap());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(service.present(SKF_KEY) && service.present(&zs.id));
}

#[test]
fn a3_new_pin_rules() {
    let code = |old, new, confirm| check_new_pin(old, new, confirm).err().map(|e| e.code);
    assert_eq!(code("12345678", "24681357", "24681357"), None);
    assert_eq!(
        code("12345678", "12345", "12345"),
        Some(ErrorCode::UkeyNewPinLength)
    );
    assert_eq!(
        code("12345678", "12345678901234567", "12345678901234567"),
        Some(ErrorCode::UkeyNewPinLength)
    );
    assert_eq!(
        code("12345678", "12345678", "12345678"),
        Some(ErrorCode::UkeyNewPinSameAsOld)
    );
    assert_eq!(
        code("12345678", "888888", "888888"),
        Some(ErrorCode::UkeyNewPinTrivial)
    );
    assert_eq!(
        code("12345678", "24681357", "24681375"),
        Some(ErrorCode::UkeyNewPinMismatch)
    );
    let e = check_new_pin("12345678", "111111", "111111").unwrap_err();
    assert!(e.message.contains("同一个数字"), "{}", e.message);
}

#[test]
fn a3_desk_changes_the_skf_pin_and_reports_retries_and_lock() {
    let Some(s) = setup("core-desk") else { return };
    let _g = serial();
    let pin = s.var("YICHUANG_SKF_PIN");
    sim(s, &["insert"]);
    sim(s, &["reset-pin", "--pin", pin]);
    let service = UkeyService::start(&desk(s), |_| {}).expect("UKeys configured");
    assert_eq!(service.pin_info(SKF_KEY).unwrap().default_pin, Some(true));

    // Rules first: the key is not asked (no try counted).
    let e = service.change_pin(SKF_KEY, pin, pin, pin).unwrap_err();
    assert_eq!(e.code, ErrorCode::UkeyNewPinSameAsOld);
    assert_eq!(service.pin_info(SKF_KEY).unwrap().retries_left, Some(6));

    let e = service
        .change_pin(SKF_KEY, "00000000", "24681357", "24681357")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UkeyPinIncorrect);
    assert!(e.message.contains("还可重试5次"), "{}", e.message);

    service
        .change_pin(SKF_KEY, pin, "24681357", "24681357")
        .unwrap();
    assert_eq!(service.pin_info(SKF_KEY).unwrap().default_pin, Some(false));
    let cert = "YC_CON#sign";
    assert!(service
        .verify_and_sign(SKF_KEY, cert, "24681357", b"c")
        .is_ok());
    assert_eq!(
        service
            .verify_and_sign(SKF_KEY, cert, pin, b"c")
            .unwrap_err()
            .code,
        ErrorCode::UkeyPinIncorrect
    );

    // A locked key says so.
    for _ in 0..6 {
        let _ = service.change_pin(SKF_KEY, "99999999", "13572468", "13572468");
    }
    let e = service
        .change_pin(SKF_KEY, "24681357", "13572468", "13572468")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::UkeyPinLocked);
    assert!(e.message.contains("UKey已锁定"), "{}", e.message);
    sim(s, &["reset-pin", "--pin", pin]);
}
