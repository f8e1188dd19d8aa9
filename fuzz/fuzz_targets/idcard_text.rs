//! The 256-byte text block parser (and the read payload splitter) on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yichuang_drivers::idcard::codec::ReadPayload;
use yichuang_drivers::idcard::identity::parse_text;

fuzz_target!(|data: &[u8]| {
    let _ = parse_text(data);
    if let Ok(payload) = ReadPayload::parse(data, data.first().is_some_and(|b| b & 1 == 1)) {
        let _ = parse_text(&payload.text);
    }
});
