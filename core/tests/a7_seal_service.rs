//! The seal service over real libraries (A7): the SoftHSM2 seal token (ECDSA P-256, seal
//! PIN 111111) through PKCS#11, picked by its label among the clerks' tokens, and the
//! simulated SKF seal UKey (SM2) served with the clerk's key by one SKF library. Keys are
//! set up by `scripts/ukey-test.sh` (shared with the drivers' and seal tests); without the
//! tools the tests skip, in CI they fail.

#[path = "../../drivers/tests/ukey_support/mod.rs"]
mod ukey_support;

use ukey_support::{now, serial, setup, Setup};
use yichuang_core::devices::seal::{SealService, StampOptions};
use yichuang_core::infra::config::{DeviceDriver, SealConfig};
use yichuang_core::ErrorCode;

/// A minimal one-page PDF (classic cross-reference table).
fn sample_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 18 Tf 72 760 Td ({text}) Tj ET");
    let objects = [
        "<</Type/Catalog/Pages 2 0 R>>".to_string(),
        "<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>".into(),
        "<</Type/Page/Parent 2 0 R/Contents 4 0 R>>".into(),
        format!(
            "<</Length {}>>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn softhsm_seal(s: &Setup) -> SealConfig {
    SealConfig {
        driver: DeviceDriver::Pkcs11,
        module: Some(s.var("YICHUANG_PKCS11_MODULE").into()),
        key: Some("seal-ecdsa".into()),
        caption: Some("协查专用章".into()),
        trusted_cas: vec![s.var("YICHUANG_TEST_ECDSA_CA").into()],
        ..SealConfig::default()
    }
}

#[test]
fn a7_softhsm_seal_token_stamps_and_the_stamp_verifies() {
    let Some(s) = setup("core-seal-service") else {
        return;
    };
    let _g = serial();
    let service = SealService::open(&softhsm_seal(s));
    assert!(service.has_seal_key());
    let keys = service.keys(now()).unwrap();
    assert_eq!(
        keys.len(),
        1,
        "the seal token only, not the clerks': {keys:?}"
    );
    assert_eq!(keys[0].label, "seal-ecdsa");
    assert_eq!(keys[0].department, "某市公安局");
    assert_eq!(keys[0].algorithm, "ECDSA-P256");
    assert!(!keys[0].expired);

    let original = sample_pdf("Assistance proof");
    let options = StampOptions {
        page: Some(0),
        reason: Some("部门协查盖章".into()),
        ..StampOptions::default()
    };
    let stamped = service
        .stamp(&original, &options, s.var("YICHUANG_SEAL_PIN"), now())
        .unwrap();
    assert_eq!(stamped.key.department, "某市公安局");
    assert!(stamped.pdf.starts_with(&original));
    assert_ne!(stamped.original_sha256, stamped.stamped_sha256);

    let verdicts = service.verify(&stamped.pdf, now()).unwrap();
    assert_eq!(verdicts.len(), 1);
    assert!(verdicts[0].valid, "{verdicts:?}");
    assert_eq!(verdicts[0].signer_name, "某市公安局");
    assert!(verdicts[0].message.starts_with("签章有效：某市公安局于"));

    let mut altered = stamped.pdf.clone();
    let at = altered.windows(5).position(|w| w == b"proof").unwrap();
    altered[at] = b'P';
    let v = &service.verify(&altered, now()).unwrap()[0];
    assert_eq!(v.problem.as_deref(), Some("altered"), "{v:?}");

    // A wrong seal PIN: PKCS#11 tells no count, the sentence still says 印章PIN码.
    let e = service
        .stamp(&original, &options, "999999", now())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SealPinIncorrect, "{e}");
    assert!(e.message.starts_with("印章PIN码错误"), "{}", e.message);
    // The right PIN still stamps (SoftHSM2 does not lock after one try).
    service
        .stamp(&original, &options, s.var("YICHUANG_SEAL_PIN"), now())
        .unwrap();
}

#[test]
fn a7_skf_seal_key_is_found_beside_the_clerks_key_and_counts_its_own_pin() {
    let Some(s) = setup("core-seal-service") else {
        return;
    };
    let _g = serial();
    let both = std::env::join_paths([
        s.path("YICHUANG_SKF_SIM_STATE"),
        s.path("YICHUANG_SKF_SEAL_STATE"),
    ])
    .unwrap();
    std::env::set_var("YICHUANG_SKF_SIM_STATE", both);
    let sim = |state: &str, cmd: &str| {
        let st = std::process::Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
            .args(["--state", s.var(state), cmd])
            .status()
            .unwrap();
        assert!(st.success());
    };
    sim("YICHUANG_SKF_SEAL_STATE", "unlock");
    let config = SealConfig {
        driver: DeviceDriver::Skf,
        module: Some(s.var("YICHUANG_SKF_LIB").into()),
        key: Some("电子印章UKey".into()),
        trusted_cas: vec![s.var("YICHUANG_TEST_SM2_CA").into()],
        ..SealConfig::default()
    };
    let service = SealService::open(&config);
    let keys = service.keys(now()).unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].key, "YCSIM-SEAL-01");
    assert_eq!(keys[0].department, "某市市场监督管理局");

    let pdf = sample_pdf("proof");
    let e = service
        .stamp(&pdf, &StampOptions::default(), "654321", now())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SealPinIncorrect);
    assert!(e.message.contains("还可尝试5次"), "{}", e.message);
    assert_eq!(service.keys(now()).unwrap()[0].pin.retries_left, Some(5));
    let stamped = service
        .stamp(
            &pdf,
            &StampOptions::default(),
            s.var("YICHUANG_SEAL_PIN"),
            now(),
        )
        .unwrap();
    assert_eq!(stamped.key.pin.retries_left, Some(6), "a good PIN refills");
    assert!(service.verify(&stamped.pdf, now()).unwrap()[0].valid);

    // The seal key pulled out: stamping says to plug it in.
    sim("YICHUANG_SKF_SEAL_STATE", "remove");
    let e = service
        .stamp(
            &pdf,
            &StampOptions::default(),
            s.var("YICHUANG_SEAL_PIN"),
            now(),
        )
        .unwrap_err();
    sim("YICHUANG_SKF_SEAL_STATE", "insert");
    assert_eq!(e.code, ErrorCode::SealNoKey, "{e}");
    assert_eq!(e.message, "未检测到本部门的电子印章UKey，请插入印章UKey。");

    // Without a configured key, the library's document-signing keys are offered: both the
    // seal key and the clerk's key (whose certificate allows non-repudiation too).
    let any = SealService::open(&SealConfig {
        key: None,
        ..config
    });
    assert_eq!(any.keys(now()).unwrap().len(), 2);
}
