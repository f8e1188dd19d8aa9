//! Document benchmarks for `make bench`, one `bench: <name> <value> <unit>` line per figure.
//!
//! - `receipt_pdf_ms`: the standard acceptance receipt (受理回执: ~30 lines, a material
//!   table and the case number's QR code) laid out and rendered to a compressed PDF with the
//!   bundled font subset to its glyphs. Median of 50 renders after one warm-up render (the
//!   warm-up also parses the 5 MB font once per process, ~see `font_parse_ms`).
//! - `receipt_pdf_kb`: the size of that PDF.
//! - `font_parse_ms`: the one-time parse of the bundled font (first render of a process).

use std::time::Instant;
use yichuang_core::domain::document::notices::AcceptanceReceipt;
use yichuang_core::domain::document::{acceptance_receipt, render_pdf};

fn main() {
    let doc = acceptance_receipt(&AcceptanceReceipt::sample());
    let started = Instant::now();
    let warm = render_pdf(&doc).expect("the sample receipt renders");
    let first = started.elapsed();

    let runs = 50;
    let mut times = Vec::with_capacity(runs);
    let mut size = warm.len();
    for _ in 0..runs {
        let started = Instant::now();
        let pdf = render_pdf(&doc).expect("the sample receipt renders");
        times.push(started.elapsed());
        size = pdf.len();
    }
    times.sort();
    let median = times[runs / 2];
    println!("bench: receipt_pdf_ms {:.1} ms", median.as_secs_f64() * 1e3);
    println!("bench: receipt_pdf_kb {:.1} KB", size as f64 / 1024.0);
    println!(
        "bench: font_parse_ms {:.1} ms",
        (first.saturating_sub(median)).as_secs_f64() * 1e3
    );
}
