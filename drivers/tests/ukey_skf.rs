//! UKey over SKF: the driver loads the test SKF library (`yichuang-skf-sim`, a cdylib built
//! by `scripts/ukey-test.sh`) exactly as it loads a vendor's, and the simulated key is
//! provisioned with an SM2 key and a certificate from the test SM2 CA. Removal and PIN
//! state go through the simulator's state file.

mod ukey_support;

use std::process::Command;

use sm2::dsa::signature::Verifier;
use ukey_support::{now, serial, setup, Setup};
use yichuang_drivers::ukey::cert::parse_certificate;
use yichuang_drivers::ukey::codec::raw_rs_from_der;
use yichuang_drivers::ukey::skf::SkfUkey;
use yichuang_drivers::ukey::{
    self, Backend, KeyAlgorithm, PresenceEvent, PresenceWatcher, SignatureAlgorithm, SkfAlgTable,
    Ukey, UkeyConfig, UkeyError, UkeyProblem,
};
use yichuang_drivers::ErrorKind;

const CHALLENGE: &[u8] = b"login-challenge:5b1e22d4";
const DEVICE: &str = "YCSIM-UKEY-01";

fn open(s: &Setup) -> Box<dyn Ukey> {
    ukey::open(&UkeyConfig {
        backend: Backend::Skf,
        module: s.path("YICHUANG_SKF_LIB"),
        vendor: Some("standard".into()),
        skf_overrides: Default::default(),
    })
    .expect("load the SKF library")
}

/// Runs the simulator's CLI (remove, insert, unlock).
fn sim(s: &Setup, cmd: &str) {
    sim_args(s, &[cmd]);
}

/// Runs the simulator's CLI with arguments (`reset-pin --pin …`).
fn sim_args(s: &Setup, args: &[&str]) {
    let st = Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
        .args(["--state", s.var("YICHUANG_SKF_SIM_STATE")])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "yichuang-skf-sim {args:?}");
}

/// A plugged-in key with a full PIN counter.
fn fresh(s: &Setup) {
    sim(s, "insert");
    sim(s, "unlock");
}

#[test]
fn a2_skf_lists_the_key_and_its_sm2_certificate_with_usage() {
    let Some(s) = setup("skf") else { return };
    let _g = serial();
    fresh(s);
    let mut u = open(s);
    let keys = u.keys().unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let k = &keys[0];
    assert_eq!(k.id, DEVICE);
    assert_eq!(k.serial, "YC20260001");
    assert_eq!(k.label, "窗口人员UKey");
    assert_eq!(k.manufacturer, "一窗受理测试");
    assert!(k.algorithms.contains(&"SM2".to_string()) && k.algorithms.contains(&"SM3".to_string()));

    let certs = u.certificates(DEVICE).unwrap();
    assert_eq!(certs.len(), 1, "{certs:?}");
    let c = &certs[0];
    assert_eq!(c.id, "YC_CON#sign");
    assert_eq!(c.subject_cn, "钱七");
    assert!(c.issuer.contains("一窗受理测试SM2根CA"), "{}", c.issuer);
    assert_eq!(c.algorithm, KeyAlgorithm::Sm2);
    assert!(c.usage.authentication && c.usage.signing);
    assert!(c.is_login_certificate());
    assert_eq!(c.check_validity(now()), Ok(()));

    let pin = u.pin_info(DEVICE).unwrap();
    assert_eq!(
        (pin.max_retries, pin.retries_left, pin.locked),
        (Some(6), Some(6), false)
    );
}

#[test]
fn a1_skf_sm2_signature_verifies_with_the_default_user_id() {
    let Some(s) = setup("skf") else { return };
    let _g = serial();
    fresh(s);
    let mut u = open(s);
    u.keys().unwrap();
    let cert = u.certificates(DEVICE).unwrap().remove(0);
    assert_eq!(
        u.sign(DEVICE, &cert.id, CHALLENGE).unwrap_err(),
        UkeyError::NotLoggedIn
    );
    u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
    let sig = u.sign(DEVICE, &cert.id, CHALLENGE).unwrap();
    assert_eq!(sig.algorithm, SignatureAlgorithm::Sm2Sm3);

    // Independent check: RustCrypto sm2 with the GM/T 0009 default ID over the message.
    let point = parse_certificate(&cert.der).unwrap().public_key;
    let vk = sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &point).unwrap();
    let (r, sv) = raw_rs_from_der(&sig.bytes).expect("DER r,s");
    let signature = sm2::dsa::Signature::from_scalars(r, sv).unwrap();
    vk.verify(CHALLENGE, &signature)
        .expect("SM2 signature verifies");
    assert!(vk.verify(b"tampered", &signature).is_err());
    // The same key under another user ID does not verify: Z is part of what was signed.
    let other = sm2::dsa::VerifyingKey::from_sec1_bytes("ALICE123@YAHOO.COM", &point).unwrap();
    assert!(other.verify(CHALLENGE, &signature).is_err());

    // The exchange slot is empty and cannot sign.
    assert!(matches!(
        u.sign(DEVICE, "YC_CON#exchange", CHALLENGE),
        Err(UkeyError::CertificateNotFound { .. })
    ));
    u.logout(DEVICE).unwrap();
    assert_eq!(
        u.sign(DEVICE, &cert.id, CHALLENGE).unwrap_err(),
        UkeyError::NotLoggedIn
    );
}

#[test]
fn a3_skf_wrong_pins_count_down_persist_and_lock() {
    let Some(s) = setup("skf") else { return };
    let _g = serial();
    fresh(s);
    let mut u = open(s);
    u.keys().unwrap();
    for left in [5u32, 4] {
        let err = u.login(DEVICE, "00000000").unwrap_err();
        assert!(
            matches!(&err, UkeyError::PinIncorrect { retries_left: Some(n), code } if *n == left && code.starts_with("SAR_PIN_INCORRECT")),
            "{err:?}"
        );
        assert_eq!(err.message(), format!("PIN码错误，还可重试{left}次。"));
    }
    // The counter lives on the "device": a new library instance sees it.
    drop(u);
    let mut u = open(s);
    u.keys().unwrap();
    assert_eq!(u.pin_info(DEVICE).unwrap().retries_left, Some(4));
    // A good PIN refills it.
    u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
    assert_eq!(u.pin_info(DEVICE).unwrap().retries_left, Some(6));

    let mut last = None;
    for _ in 0..6 {
        last = Some(u.login(DEVICE, "00000000").unwrap_err());
    }
    let locked = last.unwrap();
    assert_eq!(locked.problem(), UkeyProblem::PinLocked, "{locked:?}");
    assert_eq!(locked.message(), "UKey已锁定，请联系管理员解锁。");
    // Locked stays locked, even for the right PIN.
    let again = u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap_err();
    assert!(
        matches!(&again, UkeyError::PinLocked { code } if code.starts_with("SAR_PIN_LOCKED")),
        "{again:?}"
    );
    let pin = u.pin_info(DEVICE).unwrap();
    assert!(pin.locked && pin.retries_left == Some(0));
    sim(s, "unlock");
    u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
}

#[test]
fn a5_skf_removal_and_insertion() {
    let Some(s) = setup("skf") else { return };
    let _g = serial();
    fresh(s);
    let mut u = open(s);
    let mut watch = PresenceWatcher::new();
    let first = watch.update(u.poll_presence().unwrap());
    assert!(matches!(&first[..], [PresenceEvent::Inserted(k)] if k.id == DEVICE));
    u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
    let cert = u.certificates(DEVICE).unwrap().remove(0);

    sim(s, "remove");
    let err = u.sign(DEVICE, &cert.id, CHALLENGE).unwrap_err();
    assert_eq!(err.problem(), UkeyProblem::KeyRemoved, "{err:?}");
    assert_eq!(err.message(), "UKey已拔出，请重新插入UKey。");
    assert_eq!(err.kind(), ErrorKind::NotConnected);
    let removed = watch.update(u.poll_presence().unwrap());
    assert!(matches!(&removed[..], [PresenceEvent::Removed(k)] if k.id == DEVICE));
    assert_eq!(ukey::first_key(u.as_mut()).unwrap_err(), UkeyError::NoKey);
    assert_eq!(
        UkeyError::NoKey.message(),
        "未检测到UKey，请插入UKey后重试。"
    );
    assert!(matches!(
        u.certificates(DEVICE),
        Err(UkeyError::KeyRemoved { .. })
    ));

    sim(s, "insert");
    let back = watch.update(u.poll_presence().unwrap());
    assert!(matches!(&back[..], [PresenceEvent::Inserted(k)] if k.id == DEVICE));
    // A re-plugged key has forgotten the PIN.
    assert_eq!(
        u.sign(DEVICE, &cert.id, CHALLENGE).unwrap_err(),
        UkeyError::NotLoggedIn
    );
    u.login(DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
    u.sign(DEVICE, &cert.id, CHALLENGE).unwrap();
}

#[test]
fn a3_skf_missing_library_and_unknown_vendor_are_typed() {
    let err = SkfUkey::open(
        std::path::Path::new("/opt/vendor/libskf-missing.so"),
        SkfAlgTable::VENDOR_HEADERS,
    )
    .err()
    .expect("missing library fails");
    assert_eq!(err.problem(), UkeyProblem::ModuleMissing);
    assert_eq!(err.kind(), ErrorKind::OpenFailed);
    assert!(err.detail().contains("/opt/vendor/libskf-missing.so"));
    assert!(err
        .message()
        .starts_with("UKey驱动（模块）未找到或加载失败"));

    // A file that is not a library at all.
    let not_lib = tempfile::NamedTempFile::new().unwrap();
    let err = SkfUkey::open(not_lib.path(), SkfAlgTable::VENDOR_HEADERS)
        .err()
        .expect("not a library");
    assert_eq!(err.problem(), UkeyProblem::ModuleMissing);

    let err = ukey::open(&UkeyConfig {
        backend: Backend::Skf,
        module: "/x.so".into(),
        vendor: Some("acme".into()),
        skf_overrides: Default::default(),
    })
    .err()
    .unwrap();
    assert_eq!(err.problem(), UkeyProblem::Misconfigured);
}

#[test]
fn a1_software_sm2_digest_matches_rustcrypto_z() {
    // The fallback for vendor libraries that cannot hash with Z: e = SM3(Z‖M) computed in
    // the driver must be what RustCrypto's SM2 (with the default ID) signs.
    use sm2::dsa::signature::hazmat::PrehashVerifier;
    use sm2::dsa::signature::Signer;
    use sm2::elliptic_curve::sec1::ToEncodedPoint;
    let sk = sm2::dsa::SigningKey::from_slice("1234567812345678", &[0x42; 32]).unwrap();
    let sig: sm2::dsa::Signature = sk.sign(CHALLENGE);
    let p = sk.verifying_key().as_affine().to_encoded_point(false);
    let x: [u8; 32] = p.x().unwrap().as_slice().try_into().unwrap();
    let y: [u8; 32] = p.y().unwrap().as_slice().try_into().unwrap();
    let e = yichuang_drivers::ukey::codec::sm2_e(b"1234567812345678", &x, &y, CHALLENGE).unwrap();
    sk.verifying_key().verify_prehash(&e, &sig).unwrap();
}

#[test]
fn a3_skf_pin_change_persists_clears_the_default_pin_flag_and_counts_wrong_old_pins() {
    let Some(s) = setup("skf") else { return };
    let _g = serial();
    fresh(s);
    let pin = s.var("YICHUANG_SKF_PIN");
    sim_args(s, &["reset-pin", "--pin", pin]);
    let mut u = open(s);
    // Issued with its initial PIN: SKF_GetPINInfo says so.
    assert_eq!(u.pin_info(DEVICE).unwrap().default_pin, Some(true));

    const NEW: &str = "87651234";
    assert_eq!(
        u.change_pin(DEVICE, "00000000", NEW).unwrap_err(),
        UkeyError::PinIncorrect {
            retries_left: Some(5),
            code: "SAR_PIN_INCORRECT (0x0A000024)".into()
        }
    );
    u.change_pin(DEVICE, pin, NEW).unwrap();
    let info = u.pin_info(DEVICE).unwrap();
    assert_eq!(info.default_pin, Some(false));
    assert_eq!((info.retries_left, info.max_retries), (Some(6), Some(6)));
    // In the key's state (what survives a restart), and only the new PIN opens the key.
    let state = std::fs::read_to_string(s.var("YICHUANG_SKF_SIM_STATE")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state["user_pin"], NEW);
    assert_eq!(state["default_pin"], false);
    assert!(matches!(
        u.login(DEVICE, pin),
        Err(UkeyError::PinIncorrect { .. })
    ));
    u.login(DEVICE, NEW).unwrap();
    u.logout(DEVICE).unwrap();

    // Wrong old PINs count down to a locked key; then even the right one is refused.
    let mut last = None;
    for _ in 0..6 {
        last = Some(u.change_pin(DEVICE, "11111111", "22222222").unwrap_err());
    }
    assert!(
        matches!(last, Some(UkeyError::PinLocked { .. })),
        "{last:?}"
    );
    let err = u.change_pin(DEVICE, NEW, "22222222").unwrap_err();
    assert_eq!(err.problem(), UkeyProblem::PinLocked);
    assert!(err.message().starts_with("UKey已锁定"), "{}", err.message());

    // The administrator's reset: the initial PIN again, flagged as default.
    sim_args(s, &["reset-pin", "--pin", pin]);
    assert_eq!(u.pin_info(DEVICE).unwrap().default_pin, Some(true));
    u.login(DEVICE, pin).unwrap();
    u.logout(DEVICE).unwrap();
}
