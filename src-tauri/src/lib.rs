//! The Tauri 2 shell of 一窗受理工作站. It only wires things together: paths, logging, the
//! one-instance guard, config and store from `yichuang-core`, the two windows, the typed IPC
//! surface and the tasks that keep the status bar true. Domain logic lives in `core/`,
//! devices in `drivers/`.

mod camera;
mod commands;
mod intake;
mod ipc;
mod labels;
mod logging;
mod session;
mod simctl;
mod state;
mod sync;
mod windows;

use state::AppState;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tauri::Manager;
use yichuang_core::infra::config::{config_path, WorkstationConfig};
use yichuang_core::infra::instance::InstanceLock;
use yichuang_core::{CoreError, UserError};

/// Same identifier as `tauri.conf.json`, so our paths match Tauri's `app_data_dir()`.
const IDENTIFIER: &str = "cn.yichuang.workstation";

pub fn main() -> ExitCode {
    let started = Instant::now();
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

    let data_dir = data_dir();
    let _log_guard = logging::init(&data_dir.join("logs"));
    tracing::info!(version = env!("CARGO_PKG_VERSION"), data_dir = %data_dir.display(), "starting");

    let _instance = match InstanceLock::acquire(&data_dir) {
        Ok(lock) => lock,
        Err(e) => {
            let e = CoreError::from(e);
            tracing::error!(error = %e, "refusing to start a second instance");
            eprintln!("{}", e.message());
            return ExitCode::from(3);
        }
    };

    let config_path = config_path(&config_dir());
    let config = load_config(&config_path);
    // Encrypted at rest (issue 6): the data key from the OS keystore or its fallback file.
    let sync::OpenedStore { store, key } = sync::open_store(&data_dir);
    if let Err(e) = &config {
        tracing::error!(error = %e, "workstation config rejected");
    }
    if let Err(e) = &store {
        tracing::error!(error = %e, "store could not be opened");
    }
    let state = AppState::new(started, config_path, data_dir, config, store);

    let ipc = ipc::builder();
    let result = tauri::Builder::default()
        .invoke_handler(ipc.invoke_handler())
        .manage(state)
        .manage(intake::IntakeState::default())
        .manage(camera::CameraState::default())
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
            let state = app.state::<AppState>();
            // Before the windows: the UI asks for the sync status as soon as it loads.
            sync::start(app.handle(), key);
            windows::create(app.handle(), &state.config)?;
            spawn_status_tasks(app.handle().clone());
            start_devices(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "tauri runtime failed");
            eprintln!("一窗受理工作站无法启动：{e}");
            ExitCode::FAILURE
        }
    }
}

/// A missing file is not an error: the workstation runs with simulated devices and no
/// backend. A present but bad file is.
fn load_config(path: &std::path::Path) -> Result<WorkstationConfig, UserError> {
    if !path.exists() {
        tracing::info!(path = %path.display(), "no workstation config; using defaults (simulated devices, no backend)");
        return Ok(WorkstationConfig::default());
    }
    WorkstationConfig::load(path).map_err(|e| UserError::from(CoreError::from(e)))
}

fn data_dir() -> PathBuf {
    std::env::var_os("YICHUANG_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join(IDENTIFIER)))
        .unwrap_or_else(|| PathBuf::from("yichuang-data"))
}

fn config_dir() -> PathBuf {
    dirs::config_dir()
        .map(|d| d.join(IDENTIFIER))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Starts the configured device services; their states feed the status bar and their
/// readings go to the UI as events.
fn start_devices(app: &tauri::AppHandle) {
    use tauri_specta::Event;
    use yichuang_core::devices::id_card::{DeviceEvent, IdCardService, ServiceTiming};
    use yichuang_core::devices::printer::ReceiptPrinterService;
    use yichuang_core::devices::scanner::{ScannerEvent, ScannerService};
    let state = app.state::<AppState>();
    let handle = app.clone();
    let service = IdCardService::start(
        &state.config.devices.id_card,
        yichuang_core::infra::clock::today_in_china,
        ServiceTiming::default(),
        move |event| match event {
            DeviceEvent::State { slot, state } => state::set_device_state(&handle, slot, state),
            DeviceEvent::Card(card) => {
                // A6: every card read is audited before the UI sees the citizen's data.
                if let yichuang_core::devices::id_card::CardEvent::Present { card } = &card {
                    let state = handle.state::<AppState>();
                    let detail = serde_json::json!({
                        "card_kind": card.identity.kind,
                        "expired": card.expired,
                        "source": "id_card_reader",
                    });
                    let subject = Some(card.identity.id_number.clone());
                    match state.audit(&handle, "card.read", subject, detail) {
                        // Intake may fill parties only from a read that is in the audit trail.
                        Ok(()) => handle
                            .state::<intake::IntakeState>()
                            .card_read(card.clone(), yichuang_core::domain::audit::now_ms()),
                        Err(e) => tracing::error!(error = %e.detail, "card read not audited"),
                    }
                }
                if let Err(e) = ipc::IdCardChanged(card).emit(&handle) {
                    tracing::warn!(error = %e, "could not emit card event");
                }
            }
        },
    );
    state.set_id_card(service);

    let handle = app.clone();
    let scanner = ScannerService::start(
        &state.config.devices.scanner,
        Duration::from_secs(2),
        move |event| match event {
            ScannerEvent::State(device) => {
                state::set_device_state(&handle, yichuang_core::devices::scanner::SLOT, device)
            }
            ScannerEvent::Scanned(scan) => {
                if let Err(e) = ipc::Scanned(scan).emit(&handle) {
                    tracing::warn!(error = %e, "could not emit scan");
                }
            }
        },
    );
    state.set_scanner(scanner);

    let handle = app.clone();
    match ReceiptPrinterService::start(
        &state.config.devices.receipt_printer,
        Duration::from_secs(3),
        move |slot, device| state::set_device_state(&handle, slot, device),
    ) {
        Ok(printer) => state.set_printer(printer),
        Err(e) => {
            tracing::error!(error = %e, "receipt printer service not started");
            state::set_device_state(
                app,
                yichuang_core::devices::printer::SLOT,
                yichuang_core::infra::status::DeviceState::Error { message: e.message },
            );
        }
    }
    match yichuang_core::devices::a4_printer::A4PrinterService::from_config(
        &state.config.devices.a4_printer,
        state.data_dir.join("a4-simulated"),
    ) {
        Ok(service) => {
            let installed = service.is_some();
            state.set_a4_printer(service);
            if installed {
                // The spooler's queue state (paused, out of paper, printer gone) every 5 s.
                let handle = app.clone();
                tauri::async_runtime::spawn(async move {
                    let mut ticker = tokio::time::interval(Duration::from_secs(5));
                    loop {
                        ticker.tick().await;
                        handle.state::<AppState>().refresh_a4_state(&handle);
                    }
                });
            }
        }
        Err(e) => {
            tracing::error!(error = %e.detail, "A4 printer service not started");
            state::set_device_state(
                app,
                yichuang_core::devices::a4_printer::SLOT,
                yichuang_core::infra::status::DeviceState::Error { message: e.message },
            );
        }
    }

    let handle = app.clone();
    let ukey = yichuang_core::devices::ukey::UkeyService::start(
        &state.config.devices.ukey,
        move |event| session::on_ukey_event(&handle, event),
    );
    state.set_ukey(ukey);
    camera::start(app);
    simctl::start(app);
}

/// Keeps the status bar fed: backend reachability from the core monitor, pending-sync count
/// from the store.
fn spawn_status_tasks(app: tauri::AppHandle) {
    let state = app.state::<AppState>();
    let url = state.config.backend.url.clone();
    let interval = Duration::from_millis(state.config.backend.probe_interval_ms.into());

    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut rx = yichuang_core::infra::backend::spawn_monitor(url, interval);
        loop {
            let backend = rx.borrow_and_update().clone();
            handle
                .state::<AppState>()
                .update_status(&handle, |s| s.backend = backend.clone());
            sync::on_backend_status(&handle, &backend);
            if rx.changed().await.is_err() {
                break;
            }
        }
    });

    tauri::async_runtime::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(2));
        loop {
            ticker.tick().await;
            let state = app.state::<AppState>();
            if let Some(n) = state.pending_sync_count() {
                state.update_status(&app, |s| s.pending_sync = n);
            }
        }
    });
}
