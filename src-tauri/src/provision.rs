//! The installer's command-line entries (K1): `--provision` turns a silent install's
//! settings into the machine's config (core's `infra::provision`), `--check-config`
//! validates a config file as the app would load it. Both answer with an exit code and, on
//! failure, a two-line report: the offending setting or key, then the Chinese message.

use std::path::Path;
use std::process::ExitCode;

use yichuang_core::infra::config::WorkstationConfig;
use yichuang_core::infra::provision;

/// `--provision <out.toml> --report <report> [--existing <config>] -- <installer args…>`:
/// writes the config to `<out.toml>` (exit 0) or the report (exit 2).
pub fn run(args: &[String]) -> ExitCode {
    let usage = || {
        eprintln!(
            "usage: yichuang-workstation --provision <out.toml> --report <report> \
             [--existing <config>] -- <installer settings…>"
        );
        ExitCode::from(2)
    };
    let Some(out) = args.first() else {
        return usage();
    };
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let (options, settings) = args.split_at(split);
    let option = |name: &str| {
        options
            .iter()
            .position(|a| a == name)
            .and_then(|i| options.get(i + 1))
    };
    let Some(report) = option("--report") else {
        return usage();
    };
    let settings = settings.get(1..).unwrap_or_default();
    match provision::provision(settings, option("--existing").map(Path::new)) {
        Ok(text) => match std::fs::write(out, text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{out}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => fail(&e.setting, &e.message(), Some(report)),
    }
}

/// `--check-config <file> [--report <report>]`.
pub fn check_config(args: &[String]) -> ExitCode {
    let Some(path) = args.first() else {
        eprintln!("usage: yichuang-workstation --check-config <workstation.toml> [--report <out>]");
        return ExitCode::from(2);
    };
    let report = match args.get(1).map(String::as_str) {
        Some("--report") => args.get(2),
        _ => None,
    };
    match WorkstationConfig::load(Path::new(path)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(e.key().unwrap_or_default(), &e.message(), report),
    }
}

/// Prints the report and writes it to `report`: UTF-16LE with a BOM on Windows (what the
/// NSIS installer reads), UTF-8 elsewhere. Exit code 2.
fn fail(what: &str, message: &str, report: Option<&String>) -> ExitCode {
    let text = format!("{what}\r\n{message}\r\n");
    print!("{text}");
    if let Some(out) = report {
        let bytes: Vec<u8> = if cfg!(windows) {
            std::iter::once(0xFEFF_u16)
                .chain(text.encode_utf16())
                .flat_map(u16::to_le_bytes)
                .collect()
        } else {
            text.into_bytes()
        };
        if let Err(e) = std::fs::write(out, bytes) {
            eprintln!("{out}: {e}");
        }
    }
    ExitCode::from(2)
}
