//! Several UKey libraries at one desk (A2): the SoftHSM2 PKCS#11 module and the simulated SKF
//! library (`yichuang-skf-sim`) loaded side by side, plus a library that is not installed.
//! Keys of both real libraries are listed together, each call goes to the library that
//! listed the key, and the missing one is reported without stopping the others.

mod ukey_support;

use std::path::PathBuf;
use std::process::Command;

use ukey_support::{now, serial, setup, Setup};
use yichuang_drivers::ukey::{
    Backend, MultiUkey, NamedLibrary, SignatureAlgorithm, Ukey, UkeyConfig, UkeyError,
};

const CHALLENGE: &[u8] = b"login-challenge:a2-multi";
const SKF_DEVICE: &str = "1:YCSIM-UKEY-01";

fn sim(s: &Setup, cmd: &str) {
    let st = Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
        .args(["--state", s.var("YICHUANG_SKF_SIM_STATE"), cmd])
        .status()
        .unwrap();
    assert!(st.success(), "yichuang-skf-sim {cmd}");
}

fn library(name: Option<&str>, backend: Backend, module: PathBuf) -> NamedLibrary {
    NamedLibrary::new(
        name.map(str::to_string),
        UkeyConfig {
            backend,
            module,
            vendor: None,
            skf_overrides: Default::default(),
        },
    )
}

fn desk(s: &Setup) -> MultiUkey {
    MultiUkey::open(&[
        library(
            Some("SoftHSM测试CA"),
            Backend::Pkcs11,
            s.path("YICHUANG_PKCS11_MODULE"),
        ),
        library(None, Backend::Skf, s.path("YICHUANG_SKF_LIB")),
        library(
            Some("未安装的厂商"),
            Backend::Skf,
            PathBuf::from("/nonexistent/vendor/libskf.so"),
        ),
    ])
}

#[test]
fn a2_multi_softhsm_and_skf_keys_in_one_list_each_signing_through_its_library() {
    let Some(s) = setup("multi") else { return };
    let _g = serial();
    sim(s, "insert");
    sim(s, "unlock");
    let mut u = desk(s);

    let libs = u.libraries();
    assert_eq!(libs.len(), 3);
    assert_eq!(
        (libs[0].error.as_ref(), libs[1].error.as_ref()),
        (None, None)
    );
    assert!(
        libs[2]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("UKey驱动（模块）未找到或加载失败")),
        "{libs:?}"
    );
    assert!(libs[2]
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("/nonexistent/vendor/libskf.so")));

    let keys = u.keys().unwrap();
    let ecdsa = keys
        .iter()
        .find(|k| k.label == "clerk-ecdsa")
        .expect("SoftHSM token listed");
    assert!(ecdsa.id.starts_with("0:"), "{}", ecdsa.id);
    assert_eq!(ecdsa.backend, Backend::Pkcs11);
    let skf = keys
        .iter()
        .find(|k| k.id == SKF_DEVICE)
        .expect("SKF key listed");
    assert_eq!(skf.backend, Backend::Skf);
    assert_eq!(u.library_of(&ecdsa.id), Some("SoftHSM测试CA"));
    assert_eq!(u.library_of(SKF_DEVICE), Some("libyichuang_skf_sim.so"));

    // Each key through its own library: certificate, PIN, signature.
    let ecdsa_id = ecdsa.id.clone();
    let cert = u.certificates(&ecdsa_id).unwrap().remove(0);
    assert_eq!(cert.subject_cn, "张三");
    assert_eq!(cert.check_validity(now()), Ok(()));
    u.login(&ecdsa_id, s.var("YICHUANG_PKCS11_PIN")).unwrap();
    let sig = u.sign(&ecdsa_id, &cert.id, CHALLENGE).unwrap();
    assert_eq!(sig.algorithm, SignatureAlgorithm::EcdsaP256Sha256);
    u.logout(&ecdsa_id).unwrap();

    let cert = u.certificates(SKF_DEVICE).unwrap().remove(0);
    assert_eq!(cert.subject_cn, "钱七");
    assert_eq!(u.pin_info(SKF_DEVICE).unwrap().max_retries, Some(6));
    u.login(SKF_DEVICE, s.var("YICHUANG_SKF_PIN")).unwrap();
    let sig = u.sign(SKF_DEVICE, &cert.id, CHALLENGE).unwrap();
    assert_eq!(sig.algorithm, SignatureAlgorithm::Sm2Sm3);
    u.logout(SKF_DEVICE).unwrap();

    // A PIN meant for the other library's key is checked by the key's own library.
    assert!(matches!(
        u.login(SKF_DEVICE, s.var("YICHUANG_PKCS11_PIN")),
        Err(UkeyError::PinIncorrect { .. })
    ));
    sim(s, "unlock");

    // Presence: pulling the SKF key leaves the PKCS#11 tokens listed.
    sim(s, "remove");
    let present = u.poll_presence().unwrap();
    assert!(!present.iter().any(|k| k.id == SKF_DEVICE));
    assert!(present.iter().any(|k| k.id == ecdsa_id));
    sim(s, "insert");
    assert!(u
        .poll_presence()
        .unwrap()
        .iter()
        .any(|k| k.id == SKF_DEVICE));

    // A key id of no library, or of the library that did not load.
    assert!(matches!(
        u.pin_info("7:x"),
        Err(UkeyError::KeyRemoved { .. })
    ));
    assert!(matches!(
        u.pin_info("2:x"),
        Err(UkeyError::ModuleLoad { .. })
    ));
}
