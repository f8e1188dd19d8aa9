//! UKey over PKCS#11 on SoftHSM2 tokens made by `scripts/ukey-test.sh` (ECDSA P-256 and RSA
//! 2048 clerk certificates from a test CA; keys generated on the token).

mod ukey_support;

use std::path::Path;

use p256::ecdsa::signature::Verifier;
use ukey_support::{now, serial, setup};
use yichuang_drivers::ukey::cert::parse_certificate;
use yichuang_drivers::ukey::pkcs11::Pkcs11Ukey;
use yichuang_drivers::ukey::{
    self, Backend, CertInfo, KeyAlgorithm, SignatureAlgorithm, Ukey, UkeyConfig, UkeyError,
    UkeyProblem,
};
use yichuang_drivers::ErrorKind;

const CHALLENGE: &[u8] = b"login-challenge:7f3a9c01";

fn open(s: &ukey_support::Setup) -> Box<dyn Ukey> {
    ukey::open(&UkeyConfig {
        backend: Backend::Pkcs11,
        module: s.path("YICHUANG_PKCS11_MODULE"),
        vendor: None,
        skf_overrides: Default::default(),
    })
    .expect("open SoftHSM2")
}

/// The key id and the one certificate of the token labelled `label`.
fn token(u: &mut dyn Ukey, label: &str) -> (String, CertInfo) {
    let key = u
        .keys()
        .unwrap()
        .into_iter()
        .find(|k| k.label == label)
        .unwrap_or_else(|| panic!("token {label} not listed"));
    let mut certs = u.certificates(&key.id).unwrap();
    assert_eq!(certs.len(), 1, "{label}: {certs:?}");
    (key.id, certs.remove(0))
}

#[test]
fn a2_lists_tokens_and_clerk_certificates() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let keys = u.keys().unwrap();
    let labels: Vec<&str> = keys.iter().map(|k| k.label.as_str()).collect();
    for l in ["clerk-ecdsa", "clerk-rsa", "clerk-unbound", "clerk-expired"] {
        assert!(labels.contains(&l), "{labels:?}");
    }
    assert!(keys
        .iter()
        .all(|k| k.manufacturer == "SoftHSM project" && !k.serial.is_empty()));

    let (_, ec) = token(u.as_mut(), "clerk-ecdsa");
    assert_eq!(ec.subject_cn, "张三");
    assert!(ec.issuer.contains("一窗受理测试ECDSA根CA"), "{}", ec.issuer);
    assert_eq!(ec.algorithm, KeyAlgorithm::EcdsaP256);
    assert!(ec.usage.authentication && ec.usage.signing && !ec.usage.encryption);
    assert!(ec.can_sign && ec.is_login_certificate());
    assert_eq!(ec.check_validity(now()), Ok(()));
    assert_eq!(ec.id, "01");

    let (_, rsa) = token(u.as_mut(), "clerk-rsa");
    assert_eq!(rsa.subject_cn, "李四");
    assert_eq!(rsa.algorithm, KeyAlgorithm::Rsa { bits: 2048 });
}

#[test]
fn a1_ecdsa_signature_verifies_with_the_certificate_key() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let (key, cert) = token(u.as_mut(), "clerk-ecdsa");
    u.login(&key, s.var("YICHUANG_PKCS11_PIN")).unwrap();
    let sig = u.sign(&key, &cert.id, CHALLENGE).unwrap();
    assert_eq!(sig.algorithm, SignatureAlgorithm::EcdsaP256Sha256);
    let spki = parse_certificate(&cert.der).unwrap().public_key;
    let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(&spki).unwrap();
    let der = p256::ecdsa::Signature::from_der(&sig.bytes).unwrap();
    vk.verify(CHALLENGE, &der)
        .expect("ECDSA signature verifies");
    assert!(vk.verify(b"another challenge", &der).is_err());
    u.logout(&key).unwrap();
}

#[test]
fn a1_rsa_signature_verifies_with_the_certificate_key() {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let (key, cert) = token(u.as_mut(), "clerk-rsa");
    u.login(&key, s.var("YICHUANG_PKCS11_PIN")).unwrap();
    let sig = u.sign(&key, &cert.id, CHALLENGE).unwrap();
    assert_eq!(sig.algorithm, SignatureAlgorithm::RsaPkcs1Sha256);
    assert_eq!(sig.bytes.len(), 256);
    let spki = parse_certificate(&cert.der).unwrap().public_key;
    let pk = rsa::RsaPublicKey::from_pkcs1_der(&spki).unwrap();
    let vk = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(pk);
    let rs = rsa::pkcs1v15::Signature::try_from(sig.bytes.as_slice()).unwrap();
    vk.verify(CHALLENGE, &rs).expect("RSA signature verifies");
    u.logout(&key).unwrap();
}

#[test]
fn a3_wrong_pin_is_a_typed_error_and_a_later_good_pin_works() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let (key, cert) = token(u.as_mut(), "clerk-unbound");
    let err = u.login(&key, "000000").unwrap_err();
    assert!(
        matches!(&err, UkeyError::PinIncorrect { code, .. } if code.starts_with("CKR_PIN_INCORRECT")),
        "{err:?}"
    );
    assert_eq!(err.problem(), UkeyProblem::PinIncorrect);
    assert!(err.message().starts_with("PIN码错误"), "{}", err.message());
    assert_eq!(err.kind(), ErrorKind::NeedsAttention);
    // Signing needs a good login.
    assert_eq!(
        u.sign(&key, &cert.id, CHALLENGE).unwrap_err(),
        UkeyError::NotLoggedIn
    );
    let info = u.pin_info(&key).unwrap();
    assert!(!info.locked);
    u.login(&key, s.var("YICHUANG_PKCS11_PIN")).unwrap();
    // A second login with a wrong PIN is checked, not waved through as "already logged in".
    assert!(matches!(
        u.login(&key, "999999"),
        Err(UkeyError::PinIncorrect { .. })
    ));
    u.logout(&key).unwrap();
}

#[test]
fn a3_expired_certificate_is_reported_with_the_callers_clock() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let (_, cert) = token(u.as_mut(), "clerk-expired");
    assert_eq!(cert.subject_cn, "赵六");
    let err = cert.check_validity(now()).unwrap_err();
    assert!(matches!(err, UkeyError::CertificateExpired { .. }));
    assert!(err.message().starts_with("证书已过期"));
}

#[test]
fn a3_unknown_token_and_missing_module_are_typed() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    assert!(matches!(
        u.certificates("no-such-serial"),
        Err(UkeyError::KeyRemoved { .. })
    ));
    let err = Pkcs11Ukey::open(Path::new("/opt/vendor/missing-pkcs11.so"))
        .err()
        .expect("missing module fails");
    assert_eq!(err.problem(), UkeyProblem::ModuleMissing);
    assert!(err.detail().contains("/opt/vendor/missing-pkcs11.so"));
    assert!(err
        .message()
        .starts_with("UKey驱动（模块）未找到或加载失败"));
}

#[test]
fn a3_pin_change_new_pin_logs_in_old_fails_and_wrong_old_is_refused() {
    let Some(s) = setup("pkcs11") else { return };
    let _g = serial();
    let mut u = open(s);
    let (key, _) = token(u.as_mut(), "clerk-unbound");
    let old = s.var("YICHUANG_PKCS11_PIN");
    const NEW: &str = "24681357";
    let err = u.change_pin(&key, "000000", NEW).unwrap_err();
    assert!(
        matches!(&err, UkeyError::PinIncorrect { code, .. } if code.starts_with("CKR_PIN_INCORRECT")),
        "{err:?}"
    );
    u.change_pin(&key, old, NEW).unwrap();
    assert!(
        matches!(u.login(&key, old), Err(UkeyError::PinIncorrect { .. })),
        "the old PIN still works"
    );
    u.login(&key, NEW).unwrap();
    u.logout(&key).unwrap();
    // SoftHSM2 never asks for a PIN change (CKF_USER_PIN_TO_BE_CHANGED clear): the flag is
    // read as the token sets it.
    assert_eq!(u.pin_info(&key).unwrap().default_pin, Some(false));
    // Back to the PIN the other tests use.
    u.change_pin(&key, NEW, old).unwrap();
    u.login(&key, old).unwrap();
    u.logout(&key).unwrap();
}
