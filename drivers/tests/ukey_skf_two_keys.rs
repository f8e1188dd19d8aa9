//! One SKF library, two keys at one desk (A2 login key and A7 seal key): the simulated SKF
//! library serves every state file that `YICHUANG_SKF_SIM_STATE` lists (separated like
//! `PATH`), as a vendor library serves every key plugged in. Each key has its own
//! application, PIN and retry counter; pulling one out leaves the other working.

mod ukey_support;

use std::path::PathBuf;
use std::process::Command;

use ukey_support::{serial, setup, Setup};
use yichuang_drivers::ukey::{self, Backend, SignatureAlgorithm, Ukey, UkeyConfig, UkeyError};

const CLERK: &str = "YCSIM-UKEY-01";
const SEAL: &str = "YCSIM-SEAL-01";

fn open(s: &Setup) -> Box<dyn Ukey> {
    ukey::open(&UkeyConfig {
        backend: Backend::Skf,
        module: s.path("YICHUANG_SKF_LIB"),
        vendor: Some("standard".into()),
        skf_overrides: Default::default(),
    })
    .expect("load the SKF library")
}

/// The simulator's CLI on the key of `state` (insert, remove, unlock), or on the keys the
/// environment names when `state` is `None`.
fn sim(s: &Setup, state: Option<&str>, cmd: &str) -> std::process::Output {
    let mut c = Command::new(s.var("YICHUANG_SKF_SIM_BIN"));
    if let Some(state) = state {
        c.args(["--state", s.var(state)]);
    }
    c.arg(cmd).output().unwrap()
}

fn ok(s: &Setup, state: &str, cmd: &str) {
    let out = sim(s, Some(state), cmd);
    assert!(out.status.success(), "yichuang-skf-sim {cmd}: {out:?}");
}

fn retries(u: &mut dyn Ukey, key: &str) -> Option<u32> {
    u.pin_info(key).unwrap().retries_left
}

#[test]
fn a7_one_skf_library_serves_the_login_key_and_the_seal_key() {
    let Some(s) = setup("skf-two-keys") else {
        return;
    };
    let _g = serial();
    let both = std::env::join_paths([
        PathBuf::from(s.var("YICHUANG_SKF_SIM_STATE")),
        PathBuf::from(s.var("YICHUANG_SKF_SEAL_STATE")),
    ])
    .unwrap();
    // The library reads the variable on every call.
    std::env::set_var("YICHUANG_SKF_SIM_STATE", &both);
    for state in ["YICHUANG_SKF_SIM_STATE", "YICHUANG_SKF_SEAL_STATE"] {
        ok(s, state, "insert");
        ok(s, state, "unlock");
    }

    let mut u = open(s);
    let ids: Vec<String> = u.keys().unwrap().into_iter().map(|k| k.id).collect();
    assert_eq!(ids, [CLERK, SEAL]);
    let clerk_cert = u.certificates(CLERK).unwrap().remove(0);
    let seal_cert = u.certificates(SEAL).unwrap().remove(0);
    assert_eq!(clerk_cert.subject_cn, "钱七");
    assert_eq!(seal_cert.subject_cn, "某市市场监督管理局");
    assert_eq!(seal_cert.id, "YC_SEAL_CON#sign");

    // Each key opens with its own PIN only.
    let seal_pin = s.var("YICHUANG_SEAL_PIN");
    let clerk_pin = s.var("YICHUANG_SKF_PIN");
    u.login(CLERK, clerk_pin).unwrap();
    assert!(matches!(
        u.login(SEAL, clerk_pin),
        Err(UkeyError::PinIncorrect {
            retries_left: Some(5),
            ..
        })
    ));
    u.login(SEAL, seal_pin).unwrap();
    for (key, cert) in [(CLERK, &clerk_cert.id), (SEAL, &seal_cert.id)] {
        let sig = u.sign(key, cert, b"a7-two-keys").unwrap();
        assert_eq!(sig.algorithm, SignatureAlgorithm::Sm2Sm3);
    }

    // A wrong seal PIN counts down the seal key only.
    for left in [5, 4] {
        let r = u.login(SEAL, "222222");
        assert!(
            matches!(r, Err(UkeyError::PinIncorrect { retries_left: Some(l), .. }) if l == left),
            "{r:?}"
        );
    }
    assert_eq!(retries(u.as_mut(), SEAL), Some(4));
    assert_eq!(retries(u.as_mut(), CLERK), Some(6));
    u.login(CLERK, clerk_pin).unwrap();
    assert_eq!(
        retries(u.as_mut(), SEAL),
        Some(4),
        "the clerk's login left it"
    );

    // The seal key pulled out: the clerk's key goes on, the seal key is gone.
    ok(s, "YICHUANG_SKF_SEAL_STATE", "remove");
    let ids: Vec<String> = u.keys().unwrap().into_iter().map(|k| k.id).collect();
    assert_eq!(ids, [CLERK]);
    assert!(u.sign(SEAL, &seal_cert.id, b"x").is_err());
    u.sign(CLERK, &clerk_cert.id, b"still here").unwrap();
    ok(s, "YICHUANG_SKF_SEAL_STATE", "insert");
    assert_eq!(u.keys().unwrap().len(), 2);

    // With two keys in the environment the CLI asks which one.
    let out = sim(s, None, "unlock");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose one with --state"));
    ok(s, "YICHUANG_SKF_SEAL_STATE", "unlock");
    assert_eq!(retries(u.as_mut(), SEAL), Some(6));
}
