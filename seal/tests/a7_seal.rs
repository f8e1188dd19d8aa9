//! A7 electronic seal, L3/L4 verification, on the test keys of `scripts/ukey-test.sh`: the
//! simulated SKF seal UKey (SM2, GM/T 0010 CMS) and the SoftHSM2 seal token (ECDSA P-256,
//! standard CMS checked by poppler's `pdfsig` and `openssl cms`). Without the tools the tests
//! skip, in CI they fail.

mod support;

use std::process::Command;

use support::{now, sample_pdf, serial, setup, Setup};
use yichuang_drivers::ukey::{self, Backend, Ukey, UkeyConfig, UkeyError};
use yichuang_pki::{Cert, PkiError, PkiErrorKind, TrustStore};
use yichuang_seal::ukey::UkeySealSigner;
use yichuang_seal::{scan, stamp, verify, SealAlgorithm, SealAppearance};

const DEPARTMENT: &str = "某市市场监督管理局";

fn trust(s: &Setup, var: &str) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_ca(Cert::parse(&std::fs::read(s.path(var)).unwrap()).unwrap())
        .unwrap();
    t
}

fn skf(s: &Setup) -> Box<dyn Ukey> {
    ukey::open(&UkeyConfig {
        backend: Backend::Skf,
        module: s.path("YICHUANG_SKF_LIB"),
        vendor: None,
        skf_overrides: Default::default(),
    })
    .expect("load the SKF library")
}

fn pkcs11(s: &Setup) -> Box<dyn Ukey> {
    ukey::open(&UkeyConfig {
        backend: Backend::Pkcs11,
        module: s.path("YICHUANG_PKCS11_MODULE"),
        vendor: None,
        skf_overrides: Default::default(),
    })
    .expect("load SoftHSM2")
}

/// The seal key and its signing certificate on `u` (by token label for PKCS#11).
fn seal_key(u: &mut dyn Ukey, label: Option<&str>) -> (String, String) {
    let key = u
        .keys()
        .unwrap()
        .into_iter()
        .find(|k| label.is_none_or(|l| k.label == l))
        .expect("the seal key is present");
    let cert = u
        .certificates(&key.id)
        .unwrap()
        .into_iter()
        .find(|c| c.can_sign)
        .expect("a signing certificate");
    (key.id, cert.id)
}

fn stamp_with(u: &mut dyn Ukey, label: Option<&str>, pin: &str, pdf: &[u8]) -> Vec<u8> {
    let (key, cert) = seal_key(u, label);
    let mut signer = UkeySealSigner::new(u, &key, &cert, vec![]).unwrap();
    signer.unlock(pin).unwrap();
    let mut look = SealAppearance::new(DEPARTMENT, "协查专用章");
    look.reason = Some("部门协查盖章".into());
    stamp(pdf, &look, &mut signer, now()).unwrap()
}

fn problem(v: &yichuang_seal::SignatureVerdict) -> Option<PkiErrorKind> {
    v.problem.as_ref().map(PkiError::kind)
}

#[test]
fn a7_sm2_seal_stamp_verifies_and_alteration_is_reported() {
    let Some(s) = setup("seal") else { return };
    let _g = serial();
    let mut u = skf(s);
    let original = sample_pdf(3);
    let stamped = stamp_with(u.as_mut(), None, s.var("YICHUANG_SEAL_PIN"), &original);
    assert_eq!(
        &stamped[..original.len()],
        &original[..],
        "an incremental update"
    );

    let sm2_ca = trust(s, "YICHUANG_TEST_SM2_CA");
    let verdicts = verify(&stamped, &sm2_ca, now()).unwrap();
    assert_eq!(verdicts.len(), 1);
    let v = &verdicts[0];
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(v.algorithm, Some(SealAlgorithm::Sm2Sm3));
    assert_eq!(v.signer_name, DEPARTMENT);
    assert!(v.signing_time.is_some_and(|t| (t - now()).abs() < 120));
    assert_eq!(v.signed_end, stamped.len());
    assert!(
        v.message().starts_with("签章有效：某市市场监督管理局于"),
        "{}",
        v.message()
    );
    // GM/T 0010 content types in the CMS.
    let contents = scan::find_signatures(&stamped)[0].contents.clone().unwrap();
    let gm_signed_data = [
        0x06, 0x0A, 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x06, 0x01, 0x04, 0x02, 0x02,
    ];
    assert!(contents.windows(12).any(|w| w == gm_signed_data));

    // Another CA's trust store: the chain is refused.
    let other = trust(s, "YICHUANG_TEST_ECDSA_CA");
    let v = &verify(&stamped, &other, now()).unwrap()[0];
    assert_eq!(problem(v), Some(PkiErrorKind::UntrustedIssuer));

    // One byte of page text changed inside the signed range.
    let mut altered = stamped.clone();
    let at = altered.windows(7).position(|w| w == b"page 2)").unwrap();
    altered[at + 5] = b'9';
    let v = &verify(&altered, &sm2_ca, now()).unwrap()[0];
    assert_eq!(problem(v), Some(PkiErrorKind::Altered));
    assert!(
        v.message().contains("文档在盖章后被修改"),
        "{}",
        v.message()
    );

    // A revision appended after stamping.
    let mut appended = stamped.clone();
    appended.extend_from_slice(b"9 0 obj\n(changed)\nendobj\ntrailer\n<</Size 10>>\n%%EOF\n");
    let v = &verify(&appended, &sm2_ca, now()).unwrap()[0];
    assert_eq!(problem(v), Some(PkiErrorKind::ModifiedAfterSigning));
    assert!(v.appended_bytes > 0);

    // Truncated, unsigned, garbage: typed refusals of the whole document.
    let cut = verify(&stamped[..stamped.len() - 400], &sm2_ca, now()).unwrap_err();
    assert_eq!(cut.kind(), PkiErrorKind::DocumentTruncated);
    assert_eq!(
        verify(&original, &sm2_ca, now()).unwrap_err(),
        PkiError::Unsigned
    );
    assert_eq!(
        verify(b"\x00garbage\xff", &sm2_ca, now())
            .unwrap_err()
            .kind(),
        PkiErrorKind::DocumentMalformed
    );
    assert_eq!(PkiError::Unsigned.message(), "文档没有电子签章");
}

#[test]
fn a7_ecdsa_seal_verifies_with_pdfsig_and_openssl() {
    let Some(s) = setup("seal") else { return };
    if !yichuang_testkit::require_tools(
        &["pdfsig", "openssl"],
        "install poppler-utils and openssl (scripts/setup.sh)",
    ) {
        return;
    }
    let _g = serial();
    let mut u = pkcs11(s);
    let stamped = stamp_with(
        u.as_mut(),
        Some("seal-ecdsa"),
        s.var("YICHUANG_SEAL_PIN"),
        &sample_pdf(3),
    );
    let ecdsa_ca = trust(s, "YICHUANG_TEST_ECDSA_CA");
    let v = &verify(&stamped, &ecdsa_ca, now()).unwrap()[0];
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(v.algorithm, Some(SealAlgorithm::EcdsaP256Sha256));
    assert_eq!(v.signer_name, "某市公安局");

    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("stamped.pdf");
    std::fs::write(&pdf, &stamped).unwrap();
    let out = Command::new("pdfsig").arg(&pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Signature Validation: Signature is Valid."),
        "{text}"
    );
    assert!(text.contains("Total document signed"), "{text}");
    assert!(text.contains("adbe.pkcs7.detached"), "{text}");

    // The CMS and the signed bytes, verified by OpenSSL against the ECDSA CA.
    let slot = &scan::find_signatures(&stamped)[0];
    let contents = slot.contents.clone().unwrap();
    let der_len = 4 + usize::from(u16::from_be_bytes([contents[2], contents[3]]));
    assert_eq!(contents[..2], [0x30, 0x82]);
    let [_, b, c, d] = slot.byte_range;
    let mut signed = stamped[..b].to_vec();
    signed.extend_from_slice(&stamped[c..c + d]);
    std::fs::write(dir.path().join("sig.der"), &contents[..der_len]).unwrap();
    std::fs::write(dir.path().join("signed.bin"), &signed).unwrap();
    let out = Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.path().join("sig.der"))
        .arg("-content")
        .arg(dir.path().join("signed.bin"))
        .arg("-CAfile")
        .arg(s.path("YICHUANG_TEST_ECDSA_CA"))
        .args(["-out", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));

    // A second seal (SM2, SKF) on top: both verify, the first one is covered by the second.
    let mut k = skf(s);
    let twice = stamp_with(k.as_mut(), None, s.var("YICHUANG_SEAL_PIN"), &stamped);
    let mut both = trust(s, "YICHUANG_TEST_SM2_CA");
    both.add_ca(Cert::parse(&std::fs::read(s.path("YICHUANG_TEST_ECDSA_CA")).unwrap()).unwrap())
        .unwrap();
    let vs = verify(&twice, &both, now()).unwrap();
    assert_eq!(vs.len(), 2);
    assert!(vs.iter().all(|v| v.is_valid()), "{vs:?}");
    assert!(vs[0].later_signed && !vs[1].later_signed);
    std::fs::write(&pdf, &twice).unwrap();
    let out = Command::new("pdfsig").arg(&pdf).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Signature #2"), "{text}");
}

#[test]
fn a7_wrong_seal_pin_counts_down_and_locks() {
    let Some(s) = setup("seal") else { return };
    let _g = serial();
    let mut u = skf(s);
    let (key, cert) = seal_key(u.as_mut(), None);
    let info = u.pin_info(&key).unwrap();
    assert_eq!((info.max_retries, info.retries_left), (Some(6), Some(6)));
    assert_eq!(info.default_pin, Some(true), "the seal PIN is still 111111");
    let mut signer = UkeySealSigner::new(u.as_mut(), &key, &cert, vec![]).unwrap();
    for attempt in 1..=6u32 {
        let result = signer.unlock("222222");
        assert_eq!(
            retries_left_of(&result),
            Some(6 - attempt),
            "try {attempt}: {result:?}"
        );
    }
    // Locked: even the right seal PIN is refused, and stamping cannot sign.
    assert!(matches!(
        signer.unlock(s.var("YICHUANG_SEAL_PIN")),
        Err(UkeyError::PinLocked { .. })
    ));
    drop(signer);
    let info = u.pin_info(&key).unwrap();
    assert!(info.locked && info.retries_left == Some(0), "{info:?}");
    // The clerk's login key is another key with its own counter.
    let clerk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path("YICHUANG_SKF_SIM_STATE")).unwrap()).unwrap();
    assert_eq!(clerk["retries_left"], 6);
    // An administrator's unlock refills the counter for the other tests.
    let st = Command::new(s.path("YICHUANG_SKF_SIM_BIN"))
        .arg("--state")
        .arg(s.path("YICHUANG_SKF_SEAL_STATE"))
        .arg("unlock")
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(u.pin_info(&key).unwrap().retries_left, Some(6));
}

fn retries_left_of(r: &Result<(), UkeyError>) -> Option<u32> {
    match r {
        Err(UkeyError::PinIncorrect { retries_left, .. }) => *retries_left,
        Err(UkeyError::PinLocked { .. }) => Some(0),
        _ => None,
    }
}
