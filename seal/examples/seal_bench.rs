//! `bench: seal_stamp_ms <median> ms`: stamping a 3-page PDF with the simulated SKF seal
//! UKey (SM2; the key computes Z and signs), from reading the document to the stamped bytes,
//! median of 15 runs after one warm-up. Sets up the test keys with `scripts/ukey-test.sh`
//! (the release simulator when `make bench` has built it). Target: ≤ 300 ms.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use yichuang_drivers::ukey::{self, Backend, UkeyConfig};
use yichuang_seal::ukey::UkeySealSigner;
use yichuang_seal::{stamp, SealAppearance};

const RUNS: usize = 15;

fn main() {
    if std::env::var_os("UKEY_SKF_SIM_BIN").is_none() {
        // target/release/examples/seal_bench → target/release/yichuang-skf-sim
        let sim = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.join("yichuang-skf-sim")));
        if let Some(sim) = sim.filter(|p| p.exists()) {
            std::env::set_var("UKEY_SKF_SIM_BIN", sim);
        }
    }
    let s = support::setup("seal-bench").expect("the UKey test tools (scripts/setup.sh)");
    let mut u = ukey::open(&UkeyConfig {
        backend: Backend::Skf,
        module: s.path("YICHUANG_SKF_LIB"),
        vendor: None,
        skf_overrides: Default::default(),
    })
    .expect("load the SKF simulator");
    let key = ukey::first_key(u.as_mut()).expect("the seal UKey").id;
    let cert = u
        .certificates(&key)
        .expect("certificates")
        .into_iter()
        .find(|c| c.can_sign)
        .expect("a signing certificate")
        .id;
    let mut signer = UkeySealSigner::new(u.as_mut(), &key, &cert, vec![]).expect("seal key");
    signer.unlock(s.var("YICHUANG_SEAL_PIN")).expect("seal PIN");
    let pdf = support::sample_pdf(3);
    let look = SealAppearance::new("某市市场监督管理局", "协查专用章");
    let mut times = Vec::with_capacity(RUNS);
    for run in 0..=RUNS {
        let start = Instant::now();
        let stamped = stamp(&pdf, &look, &mut signer, support::now()).expect("stamp");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        assert!(stamped.len() > pdf.len());
        if run > 0 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    println!("bench: seal_stamp_ms {:.1} ms", times[RUNS / 2]);
}
