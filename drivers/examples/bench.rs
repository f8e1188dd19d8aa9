//! Driver benchmarks for `make bench`, one `bench: <name> <value> <unit>` line per figure.
//!
//! - `idcard_parse_us`: a complete read-card reply (text + photo, 1295 bytes) handed to the
//!   streaming decoder → typed `Identity`: frame resync, checksum, payload split, UCS-2 text
//!   parsing and the check digit. Median of 20 000 runs; the serial link's own time is not
//!   included (at 115200 baud the reply itself takes ~112 ms on the wire).
//! - `escpos_slip_bytes`: the standard queue-ticket slip on 80 mm paper, in text mode.

use std::time::Instant;
use yichuang_drivers::escpos::{PaperWidth, TicketSlip};
use yichuang_drivers::idcard::codec::ReadPayload;
use yichuang_drivers::idcard::identity::parse_text;
use yichuang_drivers::idcard::{FrameDecoder, Response, SampleCard};

fn main() {
    let card = SampleCard::resident();
    let payload = ReadPayload {
        text: card.text.clone(),
        photo: card.photo.clone(),
        fingerprint: None,
    };
    let reply = Response::new(0x90, payload.encode()).encode();

    let runs = 20_000;
    let mut times = Vec::with_capacity(runs);
    let mut decoder = FrameDecoder::new();
    for _ in 0..runs {
        let started = Instant::now();
        decoder.push(&reply);
        let frame = decoder
            .next_frame()
            .expect("a frame")
            .expect("a valid frame");
        let response = Response::from_frame(&frame).expect("a response");
        let payload = ReadPayload::parse(&response.data, false).expect("a payload");
        let identity = parse_text(&payload.text).expect("an identity");
        times.push(started.elapsed());
        assert!(identity.id_number_valid);
    }
    times.sort();
    let median = times[runs / 2];
    println!(
        "bench: idcard_parse_us {:.1} us",
        median.as_secs_f64() * 1e6
    );

    let slip = TicketSlip::sample()
        .render(PaperWidth::Mm80)
        .expect("the sample slip renders");
    println!("bench: escpos_slip_bytes {} bytes", slip.len());
}
