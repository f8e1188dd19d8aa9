//! The seal verifier on arbitrary bytes, with no panic guard: `verify` (file checks, the
//! `/ByteRange` scan, hex `/Contents`, the CMS and the digest) and the CMS parser alone
//! (`parse_and_check`, so inputs reach the DER decoding without forming a PDF first) must
//! return a verdict or a typed error, never panic. Stamped PDFs from the seal tests and
//! their `/Contents` are good seeds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yichuang_pki::TrustStore;

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::new();
    let _ = yichuang_seal::verify(data, &trust, 1_800_000_000);
    let _ = yichuang_seal::cms::parse_and_check(data);
    for slot in yichuang_seal::scan::find_signatures(data) {
        let _ = slot.signed_end();
    }
});
