//! The ESC/POS side the app reads: DLE EOT status answers for every query, and the
//! command decoder the printer simulator uses, on arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yichuang_drivers::escpos::decoder::Decoder;
use yichuang_drivers::escpos::status::parse_reply;
use yichuang_drivers::escpos::StatusQuery;

fuzz_target!(|data: &[u8]| {
    for &byte in data.iter().take(16) {
        for query in [
            StatusQuery::Printer,
            StatusQuery::OfflineCause,
            StatusQuery::ErrorCause,
            StatusQuery::PaperSensor,
        ] {
            let _ = parse_reply(query, byte);
        }
    }
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    for part in data.chunks(7) {
        decoder.push(part, &mut out);
    }
});
