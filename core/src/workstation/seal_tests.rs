//! A7 at the workstation, on the simulated SKF seal UKey of `scripts/ukey-test.sh` (SM2,
//! seal PIN 111111, 6 tries), served by the same SKF library as the clerk's login key:
//! stamping audited with the document's hash, a wrong seal PIN counting down and locking,
//! verification with the Chinese sentence. Without the tools the tests skip; in CI they fail.

use std::sync::Arc;

use super::ukey_support::{now, serial, setup, Setup};
use crate::devices::seal::{sha256_hex, StampOptions};
use crate::domain::login::{ClerkInfo, Session, SessionMode};
use crate::infra::config::{DeviceDriver, SealConfig, WorkstationConfig};
use crate::infra::store::Store;
use crate::workstation::tests::FixedClock;
use crate::workstation::{lock, RandomIds, Setup as WsSetup, Workstation};
use crate::ErrorCode;

const SEAL_KEY: &str = "YCSIM-SEAL-01";

/// A minimal one-page PDF with `text` on it (classic cross-reference table).
pub fn sample_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 18 Tf 72 760 Td ({text}) Tj ET");
    let objects = [
        "<</Type/Catalog/Pages 2 0 R>>".to_string(),
        "<</Type/Pages/Kids[3 0 R]/Count 1/MediaBox[0 0 595 842]>>".into(),
        "<</Type/Page/Parent 2 0 R/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>".into(),
        format!(
            "<</Length {}>>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>".into(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The test keys, with the SKF library serving the clerk's key and the seal key.
fn keys() -> Option<&'static Setup> {
    let s = setup("core-seal")?;
    let both = std::env::join_paths([
        s.path("YICHUANG_SKF_SIM_STATE"),
        s.path("YICHUANG_SKF_SEAL_STATE"),
    ])
    .expect("state paths");
    std::env::set_var("YICHUANG_SKF_SIM_STATE", both);
    Some(s)
}

/// The seal UKey plugged in with a full seal PIN counter.
fn fresh(s: &Setup) {
    for cmd in ["insert", "unlock"] {
        let st = std::process::Command::new(s.var("YICHUANG_SKF_SIM_BIN"))
            .args(["--state", s.var("YICHUANG_SKF_SEAL_STATE"), cmd])
            .status()
            .unwrap();
        assert!(st.success(), "yichuang-skf-sim {cmd}");
    }
}

struct Desk {
    _dir: tempfile::TempDir,
    ws: Workstation,
}

fn desk(seal: SealConfig) -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let mut config = WorkstationConfig::default();
    config.hall.code = Some("441500".into());
    config.window.number = 3;
    config.devices.seal = seal;
    let ws = Workstation::new(
        WsSetup {
            config_path: dir.path().join("workstation.toml"),
            data_dir: dir.path().to_owned(),
            config: Ok(config),
            catalog_dir: None,
            clock: Arc::new(FixedClock(now() * 1000)),
            ids: Arc::new(RandomIds),
        },
        Ok(store),
    );
    Desk { _dir: dir, ws }
}

fn seal_config(s: &Setup) -> SealConfig {
    SealConfig {
        driver: DeviceDriver::Skf,
        module: Some(s.var("YICHUANG_SKF_LIB").into()),
        key: Some(SEAL_KEY.into()),
        caption: Some("协查专用章".into()),
        trusted_cas: vec![s.var("YICHUANG_TEST_SM2_CA").into()],
        ..SealConfig::default()
    }
}

fn clerk_in(ws: &Workstation) {
    lock(&ws.session).start(Session {
        clerk: ClerkInfo {
            id: "T-QQ".into(),
            name: "钱七".into(),
            department: "某市市场监督管理局".into(),
            post: "协查".into(),
            permissions: vec!["accept".into()],
        },
        mode: SessionMode::Offline,
        key_id: "k".into(),
        cert_id: "c".into(),
        cert_fingerprint: "f".into(),
        expires_at: now() * 1000 + 3_600_000,
        token: None,
    });
}

/// `(action, subject, detail)` of the audit entries, oldest first.
fn audit(ws: &Workstation) -> Vec<(String, Option<String>, serde_json::Value)> {
    ws.with_store(|s| {
        let mut stmt = s
            .conn()
            .prepare("SELECT action, subject, detail FROM audit_log ORDER BY seq")
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                let detail: String = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&detail).unwrap()))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        Ok(rows)
    })
    .unwrap()
}

fn outbox_audit_rows(ws: &Workstation) -> i64 {
    ws.with_store(|s| {
        Ok(s.conn()
            .query_row(
                "SELECT count(*) FROM outbox WHERE kind = 'audit'",
                [],
                |r| r.get(0),
            )
            .unwrap())
    })
    .unwrap()
}

#[test]
fn a7_workstation_stamps_audits_and_verifies_the_seal() {
    let Some(s) = keys() else { return };
    let _g = serial();
    fresh(s);
    let d = desk(seal_config(s));
    clerk_in(&d.ws);

    let keys = d.ws.seal_keys().unwrap();
    assert_eq!(keys.len(), 1, "only the configured seal key: {keys:?}");
    assert_eq!(keys[0].key, SEAL_KEY);
    assert_eq!(keys[0].department, "某市市场监督管理局");
    assert_eq!(keys[0].algorithm, "SM2");
    assert_eq!(keys[0].pin.retries_left, Some(6));

    let original = sample_pdf("Proof for applicant 440101199001011234");
    let options = StampOptions {
        reason: Some("部门协查盖章".into()),
        ..StampOptions::default()
    };
    let stamped =
        d.ws.stamp_document(&original, &options, s.var("YICHUANG_SEAL_PIN"))
            .unwrap();
    assert!(stamped.starts_with(&original));

    let entries = audit(&d.ws);
    let (action, subject, detail) = entries.last().unwrap();
    assert_eq!(action, "seal.stamp");
    assert_eq!(subject.as_deref(), Some(sha256_hex(&original).as_str()));
    assert_eq!(detail["document_sha256"], sha256_hex(&original));
    assert_eq!(detail["stamped_sha256"], sha256_hex(&stamped));
    assert_eq!(detail["department"], "某市市场监督管理局");
    assert_eq!(detail["key"], SEAL_KEY);
    let text = detail.to_string();
    assert!(!text.contains("440101199001011234") && !text.contains("applicant"));
    assert_eq!(outbox_audit_rows(&d.ws), entries.len() as i64);

    let verdicts = d.ws.verify_document(&stamped).unwrap();
    assert_eq!(verdicts.len(), 1);
    assert!(verdicts[0].valid, "{verdicts:?}");
    assert_eq!(verdicts[0].algorithm.as_deref(), Some("SM2"));
    assert!(
        verdicts[0]
            .message
            .starts_with("签章有效：某市市场监督管理局于"),
        "{}",
        verdicts[0].message
    );

    // The applicant's ID number changed after stamping: reported as altered.
    let mut altered = stamped.clone();
    let at = altered.windows(4).position(|w| w == b"1234").unwrap();
    altered[at] = b'9';
    let v = &d.ws.verify_document(&altered).unwrap()[0];
    assert!(!v.valid);
    assert_eq!(v.problem.as_deref(), Some("altered"));
    assert!(v.message.contains("文档在盖章后被修改"), "{}", v.message);

    let e = d.ws.verify_document(&original).unwrap_err();
    assert_eq!(e.code, ErrorCode::SealUnsigned);
    let e = d.ws.verify_document(b"not a pdf").unwrap_err();
    assert_eq!(e.code, ErrorCode::SealDocumentUnreadable);
    let e =
        d.ws.stamp_document(b"%PDF-1.7\n%%EOF\n", &options, s.var("YICHUANG_SEAL_PIN"))
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::SealDocumentRefused);
}

#[test]
fn a7_wrong_seal_pin_counts_down_is_audited_and_locks() {
    let Some(s) = keys() else { return };
    let _g = serial();
    fresh(s);
    let d = desk(seal_config(s));
    clerk_in(&d.ws);
    let pdf = sample_pdf("proof");
    let options = StampOptions::default();
    for left in (1..=5).rev() {
        let e = d.ws.stamp_document(&pdf, &options, "222222").unwrap_err();
        assert_eq!(e.code, ErrorCode::SealPinIncorrect, "{e}");
        assert!(
            e.message.contains(&format!("还可尝试{left}次")),
            "{}",
            e.message
        );
        assert_eq!(d.ws.seal_keys().unwrap()[0].pin.retries_left, Some(left));
    }
    let e = d.ws.stamp_document(&pdf, &options, "222222").unwrap_err();
    assert_eq!(e.code, ErrorCode::SealPinLocked, "{e}");
    // Locked: the right seal PIN is refused too, and nothing was stamped.
    let e =
        d.ws.stamp_document(&pdf, &options, s.var("YICHUANG_SEAL_PIN"))
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::SealPinLocked);
    assert_eq!(
        e.message,
        "印章PIN码已锁定，不能盖章，请联系印章管理员解锁。"
    );
    let entries = audit(&d.ws);
    assert_eq!(entries.len(), 7);
    assert!(entries.iter().all(|(a, _, _)| a == "seal.pin_refused"));
    assert_eq!(entries[0].2["code"], "seal.pin_incorrect");
    assert_eq!(entries[6].2["code"], "seal.pin_locked");
    assert_eq!(entries[0].2["document_sha256"], sha256_hex(&pdf));
    // The clerk's login key counts its own tries: untouched.
    let clerk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path("YICHUANG_SKF_SIM_STATE")).unwrap()).unwrap();
    assert_eq!(clerk["retries_left"], clerk["max_retries"]);
    // An administrator's unlock; then the seal stamps again.
    fresh(s);
    d.ws.stamp_document(&pdf, &options, s.var("YICHUANG_SEAL_PIN"))
        .unwrap();
}

#[test]
fn a7_stamping_needs_a_clerk_at_the_window_and_a_seal_key() {
    let Some(s) = keys() else { return };
    let _g = serial();
    fresh(s);
    let d = desk(seal_config(s));
    let pdf = sample_pdf("proof");
    let e =
        d.ws.stamp_document(&pdf, &StampOptions::default(), s.var("YICHUANG_SEAL_PIN"))
            .unwrap_err();
    assert_eq!(e.code, ErrorCode::IntakeNoSession);
    assert!(audit(&d.ws).is_empty());

    // No [devices.seal]: stamping says so, verifying still works (nothing trusted).
    let none = desk(SealConfig::default());
    clerk_in(&none.ws);
    let e = none
        .ws
        .stamp_document(&pdf, &StampOptions::default(), "111111")
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::SealNotConfigured);
    assert_eq!(
        e.message,
        "本窗口未配置电子印章UKey，无法盖章，请联系运维人员。"
    );
    clerk_in(&d.ws);
    let stamped =
        d.ws.stamp_document(&pdf, &StampOptions::default(), s.var("YICHUANG_SEAL_PIN"))
            .unwrap();
    let v = &none.ws.verify_document(&stamped).unwrap()[0];
    assert_eq!(v.problem.as_deref(), Some("untrusted_issuer"));
}
