//! Logging: `tracing` to a daily-rotated file in the data directory (14 files kept) and to
//! stderr. `RUST_LOG` overrides the default (info; cryptoki's mechanism list off, as it logs
//! an error line for every vendor mechanism of a PKCS#11 token it does not know).

use std::path::Path;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Returns the guard that flushes the file writer; keep it for the life of the process.
pub fn init(dir: &Path) -> Option<WorkerGuard> {
    let filter = || {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("info,cryptoki::mechanism=off"))
    };
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = std::fs::create_dir_all(dir).ok().and_then(|()| {
        Builder::new()
            .rotation(Rotation::DAILY)
            .filename_prefix("yichuang-workstation")
            .filename_suffix("log")
            .max_log_files(14)
            .build(dir)
            .ok()
    });
    match file {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file_layer)
                .init();
            Some(guard)
        }
        None => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(dir = %dir.display(), "cannot write log files; logging to stderr only");
            None
        }
    }
}
