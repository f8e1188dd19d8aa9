//! For IT: what the A4 printer path sees of the print server.
//!
//!   cargo run -p yichuang-drivers --example spooler_diagnose -- [ADDRESS] [QUEUE] [FILE.pdf]
//!
//! ADDRESS is host[:port] or a socket path (default: $CUPS_SERVER, else localhost:631).
//! Lists every queue with its state and reasons; with QUEUE, shows that queue; with a PDF
//! file as well, prints it there and shows each job state until it completes or fails.

use std::time::Instant;
use yichuang_drivers::spooler::{Spooler, SpoolerConfig};

fn state_name(printer_state: i32) -> &'static str {
    match printer_state {
        3 => "idle",
        4 => "processing",
        5 => "stopped",
        _ => "?",
    }
}

fn job_state_name(state: i32) -> &'static str {
    match state {
        3 => "pending",
        4 => "pending-held",
        5 => "processing",
        6 => "processing-stopped",
        7 => "canceled",
        8 => "aborted",
        9 => "completed",
        _ => "?",
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let address = args
        .first()
        .filter(|a| a.as_str() != "-")
        .map(String::as_str);
    let queue = args.get(1).map(String::as_str);
    let file = args.get(2);

    let config = match SpoolerConfig::new(address, queue.unwrap_or("-")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}（{e}）", e.message());
            std::process::exit(2);
        }
    };
    println!("print server: {}", config.server);
    let spooler = Spooler::new(config);
    match spooler.queues() {
        Ok(queues) => {
            println!("{} queue(s):", queues.len());
            for q in queues {
                println!(
                    "  {:<24} {:<10} accepting={} reasons={} device={} {}",
                    q.name,
                    state_name(q.state),
                    q.accepting,
                    q.reasons.join(","),
                    q.device_uri.as_deref().unwrap_or("-"),
                    q.info.as_deref().unwrap_or(""),
                );
            }
        }
        Err(e) => {
            eprintln!("cannot list queues: {}（{e}）", e.message());
            std::process::exit(1);
        }
    }
    let Some(queue) = queue else { return };
    match spooler.check_ready() {
        Ok(q) => println!("queue {queue}: ready ({})", state_name(q.state)),
        Err(e) => println!("queue {queue}: {}（{e}）", e.message()),
    }
    let Some(file) = file else { return };
    let pdf = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {file}: {e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let id = match spooler.submit(&pdf, "一窗受理诊断页") {
        Ok(id) => id,
        Err(e) => {
            eprintln!("submit failed: {}（{e}）", e.message());
            std::process::exit(1);
        }
    };
    println!("job {id} submitted ({} bytes)", pdf.len());
    let result = spooler.wait(id, |s| {
        println!(
            "  {:>6} ms  job {id}: {} {}",
            started.elapsed().as_millis(),
            job_state_name(s.state),
            s.reasons.join(",")
        )
    });
    match result {
        Ok(job) => println!("job {} completed in {} ms", job.id, job.elapsed.as_millis()),
        Err(e) => {
            eprintln!("job {id} failed: {}（{e}）", e.message());
            std::process::exit(1);
        }
    }
}
