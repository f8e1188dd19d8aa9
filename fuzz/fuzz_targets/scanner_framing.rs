//! Scanner framing: any stream, split any way, frames the same and stays bounded
//! (the checks are in `fuzz_framing`, which the unit tests also run).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| yichuang_drivers::scanner::codec::fuzz_framing(data));
