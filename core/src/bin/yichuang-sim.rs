//! `yichuang-sim`: sends one command to a running workstation's simulated devices (the
//! control surface enabled by `simulator.control` in workstation.toml; `make run` enables it
//! on 127.0.0.1:8721) and prints the reply.
//!
//! ```text
//! yichuang-sim card place foreign_permanent
//! yichuang-sim card remove
//! yichuang-sim scan 'YCBJ:2026-000123'
//! yichuang-sim printer fault paper_out on
//! yichuang-sim --control 127.0.0.1:9999 help
//! ```
//! The address comes from `--control`, else `YICHUANG_SIM_CONTROL`, else 127.0.0.1:8721.
//! Exit code 0 on `ok`, 1 on an error reply, 2 when the workstation cannot be reached.

use std::process::ExitCode;

use yichuang_core::devices::simctl;
use yichuang_core::labels;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut addr =
        std::env::var("YICHUANG_SIM_CONTROL").unwrap_or_else(|_| simctl::DEFAULT_ADDR.into());
    if args.first().map(String::as_str) == Some("--control") {
        if args.len() < 2 {
            eprintln!("{}", labels::simctl::CONTROL_NEEDS_ADDR);
            return ExitCode::from(2);
        }
        addr = args.remove(1);
        args.remove(0);
    }
    if args.is_empty() || args[0] == "-h" || args[0] == "--help" {
        println!("{}", labels::simctl::client_usage());
        return ExitCode::SUCCESS;
    }
    match simctl::send(&addr, &args.join(" ")) {
        Ok(reply) => {
            println!("{reply}");
            if reply == "ok" || reply.starts_with("ok ") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("{}", labels::simctl::client_unreachable(&addr, e));
            ExitCode::from(2)
        }
    }
}
