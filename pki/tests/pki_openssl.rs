//! yichuang-pki against certificates, signatures and CRLs made by OpenSSL: the test CAs and
//! clerk certificates of `scripts/ukey-test.sh setup` (run once into a temporary directory),
//! plus signatures and CRLs made here with `openssl`. Skipped when the tools are missing,
//! unless `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine as _;
use yichuang_pki::{
    sign_grant, verify_grant, verify_issued_by, verify_message, Cert, Crl, KeyAlgorithm,
    OfflineGrant, PkiError, SigningKey, TrustStore, MAX_GRANT_MS,
};

pub struct Setup {
    dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// SoftHSM2, OpenSC and OpenSSL, which `scripts/ukey-test.sh` needs: without them the
/// tests skip outside CI and fail in CI (`yichuang_testkit`).
fn tools_present() -> bool {
    const HINT: &str = "install softhsm2, opensc and openssl (scripts/setup.sh)";
    yichuang_testkit::require_tools(&["softhsm2-util", "pkcs11-tool", "openssl"], HINT)
        && yichuang_testkit::require_file("/usr/lib/softhsm/libsofthsm2.so", HINT)
}

fn setup() -> Option<&'static Setup> {
    // Checked on every call, so each skipped test says why (and each fails in CI).
    if !tools_present() {
        return None;
    }
    static SETUP: OnceLock<Option<Setup>> = OnceLock::new();
    SETUP
        .get_or_init(|| {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("keys");
            // The checkout the test runs in (cargo sets it at run time): a test binary reused
            // from a build in another checkout of the same tree would name that one.
            let root = std::env::var_os("CARGO_MANIFEST_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
                .join("..");
            let out = Command::new(root.join("scripts/ukey-test.sh"))
                .arg("setup")
                .arg(&dir)
                .current_dir(&root)
                .output()
                .expect("run scripts/ukey-test.sh");
            assert!(
                out.status.success(),
                "ukey-test.sh setup failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            Some(Setup { dir, _tmp: tmp })
        })
        .as_ref()
}

impl Setup {
    fn cert(&self, rel: &str) -> Cert {
        Cert::parse(&std::fs::read(self.dir.join(rel)).unwrap()).unwrap()
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Signs `message` with a key file through `openssl dgst` (SM2: SM3 and the default ID).
fn openssl_sign(key: &Path, message: &[u8], sm2: bool) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let msg = tmp.path().join("msg");
    let sig = tmp.path().join("sig");
    std::fs::write(&msg, message).unwrap();
    let key = key.to_str().unwrap();
    let (msg_s, sig_s) = (msg.to_str().unwrap(), sig.to_str().unwrap());
    if sm2 {
        openssl(
            &[
                "dgst",
                "-sm3",
                "-sign",
                key,
                "-sigopt",
                "distid:1234567812345678",
                "-out",
                sig_s,
                msg_s,
            ],
            tmp.path(),
        );
    } else {
        openssl(
            &["dgst", "-sha256", "-sign", key, "-out", sig_s, msg_s],
            tmp.path(),
        );
    }
    std::fs::read(sig).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn parses_the_clerk_certificates() {
    let Some(s) = setup() else { return };
    let zhang = s.cert("ca/clerk-ecdsa.pem");
    assert_eq!(zhang.subject_cn(), "张三");
    assert!(
        zhang.issuer().contains("一窗受理测试ECDSA根CA"),
        "{}",
        zhang.issuer()
    );
    assert_eq!(zhang.key_algorithm(), &KeyAlgorithm::EcdsaP256);
    assert_eq!(zhang.fingerprint().len(), 64);
    assert!(!zhang.serial_hex().is_empty());
    assert_eq!(zhang.check_validity(now()), Ok(()));
    // DER and PEM give the same certificate.
    assert_eq!(s.cert("ca/clerk-ecdsa.der"), zhang);

    let li = s.cert("ca/clerk-rsa.pem");
    assert_eq!(li.subject_cn(), "李四");
    assert_eq!(li.key_algorithm(), &KeyAlgorithm::Rsa { bits: 2048 });

    let qian = s.cert("skf/clerk.pem");
    assert_eq!(qian.subject_cn(), "钱七");
    assert_eq!(qian.key_algorithm(), &KeyAlgorithm::Sm2);
    assert!(qian.issuer().contains("一窗受理测试SM2根CA"));

    let openssl_serial = Command::new("openssl")
        .args(["x509", "-noout", "-serial", "-in"])
        .arg(s.path("skf/clerk.pem"))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&openssl_serial.stdout);
    assert_eq!(printed.trim(), format!("serial={}", qian.serial_hex()));
}

#[test]
fn certificates_verify_against_their_ca() {
    let Some(s) = setup() else { return };
    let ecdsa_ca = s.cert("ca/ecdsa-ca.pem");
    let sm2_ca = s.cert("ca/sm2-ca.pem");
    for c in [
        "ca/clerk-ecdsa.pem",
        "ca/clerk-rsa.pem",
        "ca/clerk-unbound.pem",
    ] {
        verify_issued_by(&s.cert(c), &ecdsa_ca).unwrap_or_else(|e| panic!("{c}: {e}"));
    }
    // SM2-with-SM3, signed by OpenSSL with distid 1234567812345678.
    verify_issued_by(&s.cert("skf/clerk.pem"), &sm2_ca).unwrap();
    // Self-signed CAs verify with themselves.
    verify_issued_by(&sm2_ca, &sm2_ca).unwrap();
    verify_issued_by(&ecdsa_ca, &ecdsa_ca).unwrap();

    // The wrong CA.
    let err = verify_issued_by(&s.cert("skf/clerk.pem"), &ecdsa_ca).unwrap_err();
    assert!(matches!(err, PkiError::UntrustedIssuer { .. }), "{err:?}");
}

#[test]
fn a_rogue_ca_with_the_same_name_is_not_trusted() {
    let Some(s) = setup() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "rogue.key",
        ],
        d,
    );
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rogue.key",
            "-sha256",
            "-days",
            "30",
            "-utf8",
            "-subj",
            "/C=CN/O=一窗受理测试/CN=一窗受理测试ECDSA根CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            "rogue.pem",
        ],
        d,
    );
    let csr = s.path("ca/clerk-ecdsa.csr");
    let pubkey = s.path("ca/clerk-ecdsa.pub.pem");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            csr.to_str().unwrap(),
            "-CA",
            "rogue.pem",
            "-CAkey",
            "rogue.key",
            "-CAcreateserial",
            "-force_pubkey",
            pubkey.to_str().unwrap(),
            "-days",
            "30",
            "-sha256",
            "-out",
            "forged.pem",
        ],
        d,
    );
    let forged = Cert::parse(&std::fs::read(d.join("forged.pem")).unwrap()).unwrap();
    let real_ca = s.cert("ca/ecdsa-ca.pem");
    assert_eq!(forged.issuer(), real_ca.subject(), "same issuer name");
    let err = verify_issued_by(&forged, &real_ca).unwrap_err();
    assert!(matches!(err, PkiError::UntrustedIssuer { .. }), "{err:?}");

    let mut store = TrustStore::new();
    store.add_ca(real_ca).unwrap();
    let err = store.verify_certificate(&forged, now()).unwrap_err();
    assert!(matches!(err, PkiError::UntrustedIssuer { .. }), "{err:?}");
}

#[test]
fn message_signatures_sm2_ecdsa_rsa() {
    let Some(s) = setup() else { return };
    let msg = b"yichuang-login|0b6c5e3a|bm9uY2U=";

    // SM2: 钱七's key and certificate.
    let qian = s.cert("skf/clerk.pem");
    let sig = openssl_sign(&s.path("skf/clerk.key"), msg, true);
    verify_message(&qian, msg, &sig).unwrap();
    let err = verify_message(&qian, b"yichuang-login|tampered", &sig).unwrap_err();
    assert!(matches!(err, PkiError::BadSignature { .. }), "{err:?}");

    // ECDSA P-256: the CA's own key and certificate.
    let ca = s.cert("ca/ecdsa-ca.pem");
    let sig = openssl_sign(&s.path("ca/ecdsa-ca.key"), msg, false);
    verify_message(&ca, msg, &sig).unwrap();
    let mut flipped = sig.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert!(verify_message(&ca, msg, &flipped).is_err());
    // A signature by another key.
    let sm2_sig = openssl_sign(&s.path("skf/clerk.key"), msg, true);
    assert!(matches!(
        verify_message(&ca, msg, &sm2_sig),
        Err(PkiError::BadSignature { .. })
    ));

    // RSA: a key and certificate made here, issued by the ECDSA CA.
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.key",
        ],
        d,
    );
    openssl(
        &[
            "req", "-new", "-key", "rsa.key", "-subj", "/CN=rsa", "-out", "rsa.csr",
        ],
        d,
    );
    let ca_pem = s.path("ca/ecdsa-ca.pem");
    let ca_key = s.path("ca/ecdsa-ca.key");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "rsa.csr",
            "-CA",
            ca_pem.to_str().unwrap(),
            "-CAkey",
            ca_key.to_str().unwrap(),
            "-CAcreateserial",
            "-days",
            "1",
            "-sha256",
            "-out",
            "rsa.pem",
        ],
        d,
    );
    let rsa_cert = Cert::parse(&std::fs::read(d.join("rsa.pem")).unwrap()).unwrap();
    verify_issued_by(&rsa_cert, &ca).unwrap();
    let sig = openssl_sign(&d.join("rsa.key"), msg, false);
    assert_eq!(sig.len(), 256);
    verify_message(&rsa_cert, msg, &sig).unwrap();
    assert!(verify_message(&rsa_cert, b"other", &sig).is_err());

    // An RSA-signed certificate (sha256WithRSAEncryption) issued by the RSA key.
    openssl(
        &[
            "req", "-new", "-key", "rsa.key", "-subj", "/CN=leaf", "-out", "leaf.csr",
        ],
        d,
    );
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rsa.key",
            "-sha256",
            "-days",
            "1",
            "-subj",
            "/CN=rsa-ca",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-out",
            "rsa-ca.pem",
        ],
        d,
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "rsa-ca.pem",
            "-CAkey",
            "rsa.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-sha256",
            "-out",
            "leaf.pem",
        ],
        d,
    );
    let rsa_ca = Cert::parse(&std::fs::read(d.join("rsa-ca.pem")).unwrap()).unwrap();
    let leaf = Cert::parse(&std::fs::read(d.join("leaf.pem")).unwrap()).unwrap();
    verify_issued_by(&leaf, &rsa_ca).unwrap();
}

#[test]
fn expired_certificate_is_refused() {
    let Some(s) = setup() else { return };
    let zhao = s.cert("ca/clerk-expired.pem");
    assert_eq!(zhao.subject_cn(), "赵六");
    assert_eq!(zhao.not_after(), 1_609_459_200); // 2021-01-01T00:00:00Z
    let mut store = TrustStore::new();
    store.add_ca(s.cert("ca/ecdsa-ca.pem")).unwrap();
    let err = store.verify_certificate(&zhao, now()).unwrap_err();
    assert!(matches!(err, PkiError::Expired { .. }), "{err:?}");
    assert_eq!(err.message(), "证书已过期");
    // Valid in 2020.
    zhao.check_validity(1_590_000_000).unwrap();
    let err = zhao.check_validity(1_500_000_000).unwrap_err();
    assert!(matches!(err, PkiError::NotYetValid { .. }));
}

#[test]
fn revoked_certificate_via_an_openssl_crl() {
    let Some(s) = setup() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let li_pem = s.path("ca/clerk-rsa.pem");
    make_crl(s, d, &[li_pem.as_path()], "ecdsa");
    let crl = Crl::parse(&std::fs::read(d.join("crl.pem")).unwrap()).unwrap();
    let der = Crl::parse(&std::fs::read(d.join("crl.der")).unwrap()).unwrap();
    assert_eq!(crl, der);
    assert_eq!(crl.len(), 1);
    crl.verify_issued_by(&s.cert("ca/ecdsa-ca.pem")).unwrap();
    assert!(crl.verify_issued_by(&s.cert("ca/sm2-ca.pem")).is_err());

    let mut store = TrustStore::new();
    store.add_ca(s.cert("ca/ecdsa-ca.pem")).unwrap();
    store.add_ca(s.cert("ca/sm2-ca.pem")).unwrap();
    store.add_crl(crl).unwrap();
    let li = s.cert("ca/clerk-rsa.pem");
    let err = store.verify_certificate(&li, now()).unwrap_err();
    assert!(
        matches!(&err, PkiError::Revoked { serial, .. } if *serial == li.serial_hex()),
        "{err:?}"
    );
    assert_eq!(err.message(), "证书已被吊销");
    store
        .verify_certificate(&s.cert("ca/clerk-ecdsa.pem"), now())
        .unwrap();
    store
        .verify_certificate(&s.cert("skf/clerk.pem"), now())
        .unwrap();

    // An SM2-signed CRL revoking 钱七.
    let d2 = tmp.path().join("sm2");
    std::fs::create_dir_all(&d2).unwrap();
    let qian_pem = s.path("skf/clerk.pem");
    make_crl(s, &d2, &[qian_pem.as_path()], "sm2");
    let crl = Crl::parse(&std::fs::read(d2.join("crl.pem")).unwrap()).unwrap();
    crl.verify_issued_by(&s.cert("ca/sm2-ca.pem")).unwrap();
    store.add_crl(crl).unwrap();
    let err = store
        .verify_certificate(&s.cert("skf/clerk.pem"), now())
        .unwrap_err();
    assert!(matches!(err, PkiError::Revoked { .. }), "{err:?}");

    // A CRL from a CA that is not trusted is refused.
    let mut only_sm2 = TrustStore::new();
    only_sm2.add_ca(s.cert("ca/sm2-ca.pem")).unwrap();
    let crl = Crl::parse(&std::fs::read(d.join("crl.pem")).unwrap()).unwrap();
    assert!(matches!(
        only_sm2.add_crl(crl),
        Err(PkiError::UntrustedIssuer { .. })
    ));
}

/// Revokes `certs` with the test CA `ca` (`ecdsa` or `sm2`) in an `openssl ca` database under
/// `d` and writes `crl.pem` and `crl.der` there.
pub fn make_crl(s: &Setup, d: &Path, certs: &[&Path], ca: &str) {
    std::fs::write(d.join("index.txt"), "").unwrap();
    let (md, extra) = if ca == "sm2" {
        ("sm3", true)
    } else {
        ("sha256", false)
    };
    std::fs::write(
        d.join("ca.conf"),
        format!(
            "[ca]\ndefault_ca = test\n[test]\ndatabase = {}/index.txt\ndefault_md = {md}\ndefault_crl_days = 30\n",
            d.display()
        ),
    )
    .unwrap();
    let ca_pem = s.path(&format!("ca/{ca}-ca.pem"));
    let ca_key = s.path(&format!("ca/{ca}-ca.key"));
    let base = [
        "-config",
        "ca.conf",
        "-cert",
        ca_pem.to_str().unwrap(),
        "-keyfile",
        ca_key.to_str().unwrap(),
    ];
    for c in certs {
        let mut args = vec!["ca"];
        args.extend(base);
        args.extend(["-revoke", c.to_str().unwrap()]);
        openssl(&args, d);
    }
    let mut args = vec!["ca"];
    args.extend(base);
    if extra {
        args.extend(["-sigopt", "distid:1234567812345678"]);
    }
    args.extend(["-gencrl", "-out", "crl.pem"]);
    openssl(&args, d);
    openssl(
        &[
            "crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der",
        ],
        d,
    );
}

#[test]
fn garbage_never_panics() {
    let inputs: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x30],
        vec![0x30, 0x82, 0xff, 0xff],
        b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec(),
        b"-----BEGIN CERTIFICATE-----".to_vec(),
        (0..=255u8).collect(),
    ];
    for i in &inputs {
        assert!(matches!(Cert::parse(i), Err(PkiError::Malformed { .. })));
        assert!(matches!(Crl::parse(i), Err(PkiError::Malformed { .. })));
        assert!(yichuang_pki::raw_rs_from_der(i, 32).is_err());
    }
    let Some(s) = setup() else { return };
    let cert = s.cert("ca/clerk-ecdsa.pem");
    // Truncations of a real certificate and garbage signatures.
    for n in 0..cert.der().len() {
        assert!(Cert::from_der(&cert.der()[..n]).is_err());
    }
    for i in &inputs {
        assert!(verify_message(&cert, b"m", i).is_err());
        assert!(verify_message(&s.cert("skf/clerk.pem"), b"m", i).is_err());
        assert!(verify_message(&s.cert("ca/clerk-rsa.pem"), b"m", i).is_err());
    }
}

fn grant(cert: &Cert, issued_at: i64, life: i64) -> OfflineGrant {
    OfflineGrant {
        clerk_id: "C001".into(),
        clerk_name: "张三".into(),
        department: "市政务服务中心".into(),
        post: "综合窗口".into(),
        permissions: vec!["accept".into(), "query".into()],
        cert_fingerprint: cert.fingerprint(),
        cert_der_b64: base64::engine::general_purpose::STANDARD.encode(cert.der()),
        issued_at,
        expires_at: issued_at + life,
        server_id: "server-1".into(),
    }
}

#[test]
fn offline_grant_sign_and_verify() {
    let Some(s) = setup() else { return };
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let vk = key.verifying_key();
    let qian = s.cert("skf/clerk.pem");
    let t0 = 1_800_000_000_000;
    let g = grant(&qian, t0, MAX_GRANT_MS);
    let signed = sign_grant(&key, &g).unwrap();
    assert_eq!(verify_grant(&vk, &signed, t0 + 1000).unwrap(), g);

    // Canonical JSON: sorted keys, no whitespace.
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&signed.payload_b64)
        .unwrap();
    let text = String::from_utf8(payload).unwrap();
    assert!(text.starts_with("{\"cert_der_b64\":"), "{text}");
    assert!(!text.contains(": ") && !text.contains('\n'));

    // Expired, not yet valid, other key, tampered payload, too long.
    assert!(matches!(
        verify_grant(&vk, &signed, t0 + MAX_GRANT_MS),
        Err(PkiError::Expired { .. })
    ));
    assert!(matches!(
        verify_grant(&vk, &signed, t0 - 3_600_000),
        Err(PkiError::NotYetValid { .. })
    ));
    let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
    assert!(verify_grant(&other, &signed, t0).is_err());
    let mut tampered = signed.clone();
    let mut g2 = g.clone();
    g2.permissions.push("admin".into());
    tampered.payload_b64 =
        base64::engine::general_purpose::STANDARD.encode(g2.canonical_json().unwrap());
    assert!(matches!(
        verify_grant(&vk, &tampered, t0),
        Err(PkiError::BadSignature { .. })
    ));
    assert!(matches!(
        sign_grant(&key, &grant(&qian, t0, MAX_GRANT_MS + 1)),
        Err(PkiError::InvalidGrant { .. })
    ));

    // Offline login: 钱七's key signs a local challenge that verifies with the grant's cert.
    let challenge = b"yichuang-offline|440100-12|1800000001000";
    let sig = openssl_sign(&s.path("skf/clerk.key"), challenge, true);
    g.verify_local_signature(challenge, &sig).unwrap();
    assert!(g.verify_local_signature(b"other", &sig).is_err());
    let mut wrong = g.clone();
    wrong.cert_fingerprint = s.cert("ca/clerk-ecdsa.pem").fingerprint();
    assert!(matches!(
        wrong.verify_local_signature(challenge, &sig),
        Err(PkiError::InvalidGrant { .. })
    ));
}
