//! Shared by the UKey tests: runs `scripts/ukey-test.sh setup` once per test binary (SoftHSM2
//! tokens, test CAs, the SKF simulator built and provisioned) and hands out its settings.
//! Without softhsm2/opensc/openssl the tests are skipped, unless `CI` is set: then they fail.
//! `YICHUANG_TEST_UKEY_DIR` (set by `make unit`) puts the keys under that directory instead
//! of a temporary one.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};

pub struct Setup {
    pub vars: HashMap<String, String>,
    _tmp: Option<tempfile::TempDir>,
}

impl Setup {
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .unwrap_or_else(|| panic!("ukey-test.sh did not print {name}"))
    }
    pub fn path(&self, name: &str) -> PathBuf {
        PathBuf::from(self.var(name))
    }
}

/// SoftHSM2, OpenSC and OpenSSL, which `scripts/ukey-test.sh` needs: without them the
/// tests skip outside CI and fail in CI (`yichuang_testkit`).
fn tools_present() -> bool {
    const HINT: &str = "install softhsm2, opensc and openssl (scripts/setup.sh)";
    yichuang_testkit::require_tools(&["softhsm2-util", "pkcs11-tool", "openssl"], HINT)
        && yichuang_testkit::require_file("/usr/lib/softhsm/libsofthsm2.so", HINT)
}

/// The keys, set up once for this test binary; `None` (skip) when the tools are missing.
pub fn setup(binary: &str) -> Option<&'static Setup> {
    // Checked on every call, so each skipped test says why (and each fails in CI).
    if !tools_present() {
        return None;
    }
    static SETUP: OnceLock<Option<Setup>> = OnceLock::new();
    SETUP
        .get_or_init(|| {
            let (dir, tmp) = match std::env::var_os("YICHUANG_TEST_UKEY_DIR") {
                Some(d) => (PathBuf::from(d).join(binary), None),
                None => {
                    let t = tempfile::tempdir().expect("temp dir");
                    (t.path().to_path_buf(), Some(t))
                }
            };
            // The checkout the test runs in (cargo sets it at run time): a test binary reused
            // from a build in another checkout of the same tree would name that one.
            let root = std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
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
            let vars: HashMap<String, String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            // Before any library reads them (SoftHSM2 at C_Initialize, the simulator per call).
            std::env::set_var("SOFTHSM2_CONF", &vars["SOFTHSM2_CONF"]);
            // The SKF library here serves the seal UKey (its own state file).
            std::env::set_var("YICHUANG_SKF_SIM_STATE", &vars["YICHUANG_SKF_SEAL_STATE"]);
            Some(Setup { vars, _tmp: tmp })
        })
        .as_ref()
}

/// One test at a time touches the keys (a PKCS#11 login is per process and token; the
/// simulated key is one device).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A plain `pages`-page A4 PDF (lopdf), each page with a line of text.
pub fn sample_pdf(pages: usize) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut kids = Vec::new();
    for n in 1..=pages {
        let text = format!("BT /F1 24 Tf 72 760 Td (Assistance proof, page {n}) Tj ET");
        let content = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        kids.push(Object::Reference(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Count" => pages as i64, "Kids" => kids,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write the sample PDF");
    out
}
