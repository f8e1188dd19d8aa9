//! The Tauri 2 shell of 一窗受理工作站, a thin host: paths, logging, the one-instance guard,
//! one `yichuang_core::workstation::Workstation` managed as the only state, the two windows,
//! the typed IPC surface and events, and the backend monitor's task. Every rule lives in
//! `core/`, devices in `drivers/`.

mod assist;
mod camera;
mod commands;
mod enroll;
mod events;
mod flow;
mod intake;
mod ipc;
mod issuing;
mod labels;
mod licences;
mod logging;
mod maintenance;
mod provision;
mod sync;
mod visit;
mod windows;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yichuang_core::infra::config::{config_path, paths, WorkstationConfig};
use yichuang_core::infra::instance::InstanceLock;
use yichuang_core::workstation::{RandomIds, Setup, SystemClock, Workstation, WorkstationHandle};
use yichuang_core::{CoreError, UserError};

pub fn main() -> ExitCode {
    let _ = commands::STARTED.set(Instant::now());
    fewer_malloc_arenas();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--export-bindings") {
        let Some(path) = args.get(i + 1) else {
            eprintln!("usage: yichuang-workstation --export-bindings <path>");
            return ExitCode::from(2);
        };
        return match ipc::export(std::path::Path::new(path)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("exporting bindings failed: {e}");
                ExitCode::FAILURE
            }
        };
    }

    if let Some(i) = args.iter().position(|a| a == "--check-config") {
        return provision::check_config(args.get(i + 1..).unwrap_or_default());
    }
    if let Some(i) = args.iter().position(|a| a == "--provision") {
        return provision::run(args.get(i + 1..).unwrap_or_default());
    }
    if let Some(i) = args.iter().position(|a| a == "--enroll") {
        return enroll::run_cli(args.get(i + 1));
    }
    if args.iter().any(|a| a == "--diagnostics") {
        return maintenance_cli();
    }
    let started = match open_workstation() {
        Ok(s) => s,
        Err(code) => return code,
    };
    let _log_guard = started.log_guard;
    let _instance = started.instance;
    let ws = started.workstation;

    let ipc = ipc::builder();
    let result = tauri::Builder::default()
        .invoke_handler(ipc.invoke_handler())
        .manage(ws.clone())
        // Preview frames and captured pages as binary JPEG (issue 7); a frame request waits
        // for the next frame, so it runs on a blocking thread.
        .register_asynchronous_uri_scheme_protocol(camera::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn_blocking(move || {
                responder.respond(camera::serve(&app, &request))
            });
        })
        .setup(move |app| {
            ipc.mount_events(app);
            ws.start(Arc::new(events::ShellEvents(app.handle().clone())));
            // Before the windows: the UI asks for the sync status as soon as it loads.
            sync::spawn_refresh(ws.clone());
            windows::create(app.handle(), &ws.config)?;
            spawn_backend_monitor(ws.clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "tauri runtime failed");
            eprintln!("{}", yichuang_core::shell_text::startup_failed(&e));
            ExitCode::FAILURE
        }
    }
}

/// `--diagnostics`: writes the bundle and uploads it (the app must not be running: IT uses it
/// when the window does not come up).
fn maintenance_cli() -> ExitCode {
    let ws = match open_workstation() {
        Ok(s) => s.workstation,
        Err(code) => return code,
    };
    match ws.diagnostics_bundle() {
        Ok(done) => {
            println!("{}", yichuang_core::shell_text::diagnostics_written(&done));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.message);
            ExitCode::FAILURE
        }
    }
}

/// The workstation as the window and `--enroll` both open it: logging, the one-instance
/// guard (the enrollment command must not write beside a running app), the config, the store.
pub(crate) struct Started {
    pub workstation: WorkstationHandle,
    pub log_guard: Option<tracing_appender::non_blocking::WorkerGuard>,
    pub instance: InstanceLock,
}

pub(crate) fn open_workstation() -> Result<Started, ExitCode> {
    // Everything the app writes (store, logs, keys, exports) is for this account only.
    paths::restrict_umask();
    let data = paths::data_dir();
    if let Err(e) = paths::prepare_data_dir(&data) {
        let e = CoreError::from(e);
        eprintln!("{} ({e})", e.message());
        return Err(ExitCode::from(4));
    }
    let data_dir = data.path().to_owned();
    let log_guard = logging::init(&data_dir.join("logs"));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "starting");

    let instance = match InstanceLock::acquire(&data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            let e = CoreError::from(e);
            tracing::error!(error = %e, "refusing to start a second instance");
            eprintln!("{}", e.message());
            return Err(ExitCode::from(3));
        }
    };

    let config_path = config_path();
    let config = load_config(&config_path);
    // Encrypted at rest (issue 6): the data key from the OS keystore or its fallback file.
    let workstation = Workstation::open(Setup {
        config,
        config_path,
        data_dir,
        catalog_dir: std::env::var_os("YICHUANG_CATALOG_DIR").map(PathBuf::from),
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
    });
    Ok(Started {
        workstation,
        log_guard,
        instance,
    })
}

/// A missing file is not an error: the workstation runs with no devices (never the
/// simulators) and no backend. A present but bad file is.
fn load_config(path: &std::path::Path) -> Result<WorkstationConfig, UserError> {
    if !path.exists() {
        tracing::info!(path = %path.display(), "no workstation config; using defaults (no devices, no backend)");
        return Ok(WorkstationConfig::default());
    }
    WorkstationConfig::load(path).map_err(|e| UserError::from(CoreError::from(e)))
}

/// Feeds the backend's reachability from the core monitor into the workstation.
fn spawn_backend_monitor(ws: WorkstationHandle) {
    let url = ws.config.backend.url.clone();
    let tls = ws.config.backend.tls();
    let interval = Duration::from_millis(ws.config.backend.probe_interval_ms.into());
    tauri::async_runtime::spawn(async move {
        let mut rx = yichuang_core::infra::backend::spawn_monitor(url, tls, interval);
        loop {
            let backend = rx.borrow_and_update().clone();
            ws.set_backend(backend);
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
}

/// glibc gives each thread that allocates an arena of its own (up to 8 per core); with some
/// 25 threads (devices, sync, tokio, GTK) that kept about 9 MB of freed memory spread over
/// arenas (`make bench`, main process [anon] 25.8 → 16.7 MB with two). WebKit's processes
/// allocate with their own allocator and are not affected. Set before any thread starts.
fn fewer_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
