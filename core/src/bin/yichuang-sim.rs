//! `yichuang-sim`: sends one command to a running workstation's simulated devices (the
//! control surface enabled by `simulator.control` in workstation.toml; `make run` enables it
//! on 127.0.0.1:8721) and prints the reply.
//!
//! ```text
//! yichuang-sim card place foreign_permanent
//! yichuang-sim card remove
//! yichuang-sim scan 'YCBJ:2026-000123'
//! yichuang-sim printer fault paper_out on
//! yichuang-sim --control 127.0.0.1:9999 --token … help
//! ```
//! The address comes from `--control`, else `YICHUANG_SIM_CONTROL`, else 127.0.0.1:8721.
//! The token (`simulator.token`) comes from `--token`, else `YICHUANG_SIM_TOKEN`, else the
//! `[simulator]` section of the config at `YICHUANG_CONFIG`, else of `.run/workstation.toml`
//! (`make run`'s).
//! Exit code 0 on `ok`, 1 on an error reply, 2 when the workstation cannot be reached.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use yichuang_core::devices::simctl;
use yichuang_core::infra::config::WorkstationConfig;
use yichuang_core::labels;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut addr =
        std::env::var("YICHUANG_SIM_CONTROL").unwrap_or_else(|_| simctl::DEFAULT_ADDR.into());
    let mut token = std::env::var("YICHUANG_SIM_TOKEN").ok();
    while matches!(
        args.first().map(String::as_str),
        Some("--control" | "--token")
    ) {
        if args.len() < 2 {
            eprintln!("{}", labels::simctl::OPTION_NEEDS_VALUE);
            return ExitCode::from(2);
        }
        let value = args.remove(1);
        match args.remove(0).as_str() {
            "--control" => addr = value,
            _ => token = Some(value),
        }
    }
    if args.is_empty() || args[0] == "-h" || args[0] == "--help" {
        println!("{}", labels::simctl::client_usage());
        return ExitCode::SUCCESS;
    }
    let Some(token) = token.or_else(token_from_config) else {
        eprintln!("{}", labels::simctl::CLIENT_NEEDS_TOKEN);
        return ExitCode::from(2);
    };
    match simctl::send(&addr, &token, &args.join(" ")) {
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

/// `simulator.token` from the workstation's config file, when there is one.
fn token_from_config() -> Option<String> {
    let path = std::env::var_os("YICHUANG_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(".run").join("workstation.toml"));
    WorkstationConfig::load(&path).ok()?.simulator.token
}
