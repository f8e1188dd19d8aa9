//! `yichuang-server`: the central REST backend of 一窗受理工作站.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use yichuang_server::{shutdown_signal, Cli, Server};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    let (config, command) = Cli::parse().split();
    if let Some(command) = command {
        return match yichuang_server::admin::run(&config, &command).await {
            Ok(lines) => {
                let mut stdout = std::io::stdout().lock();
                for line in lines {
                    let _ = writeln!(stdout, "{line}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!(
                    "{}",
                    yichuang_server::messages::admin_failed(e.message(), &e.detail())
                );
                ExitCode::FAILURE
            }
        };
    }
    // Signals first: from here on SIGTERM / Ctrl-C always mean a graceful stop.
    let started = match shutdown_signal() {
        Ok(shutdown) => Server::bind(config).await.map(|server| (server, shutdown)),
        Err(e) => Err(e),
    };
    let (server, shutdown) = match started {
        Ok(started) => started,
        Err(e) => {
            tracing::error!(code = %e.code(), detail = %e.detail(), "start-up failed");
            eprintln!(
                "{}",
                yichuang_server::messages::fatal(true, e.message(), &e.detail())
            );
            return ExitCode::FAILURE;
        }
    };

    // Test harnesses and supervisors read this exact line to learn the port.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "yichuang-server listening on {}", server.url());
    let _ = stdout.flush();
    drop(stdout);

    match server.run(shutdown).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(code = %e.code(), detail = %e.detail(), "server failed");
            eprintln!(
                "{}",
                yichuang_server::messages::fatal(false, e.message(), &e.detail())
            );
            ExitCode::FAILURE
        }
    }
}
