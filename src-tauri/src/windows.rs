//! The two windows: the clerk workbench and the citizen-facing screen.

use tauri::{AppHandle, Manager, PhysicalPosition, WebviewUrl, WebviewWindowBuilder};
use yichuang_core::infra::config::WorkstationConfig;
use yichuang_core::shell_text;

pub const CLERK: &str = "clerk";
pub const CITIZEN: &str = "citizen";

pub fn create(app: &AppHandle, config: &WorkstationConfig) -> tauri::Result<()> {
    let window_title = shell_text::clerk_window_title(&config.hall.name, config.window.number);
    let clerk = WebviewWindowBuilder::new(app, CLERK, WebviewUrl::App("index.html".into()))
        .title(window_title)
        .inner_size(1366.0, 768.0)
        .min_inner_size(1024.0, 640.0)
        .focused(true)
        // Shown once the citizen window exists, so that window's arrival never takes the
        // focus from a clerk who already started typing.
        .visible(!cfg!(target_os = "linux"))
        .build()?;

    // On Linux the citizen window shares the clerk window's web process (issue 17 item 7):
    // one WebKit process instead of two. Its view is only reachable on the main thread, so the
    // citizen window is built there, then the clerk window is shown.
    #[cfg(target_os = "linux")]
    {
        let (app, config) = (app.clone(), config.clone());
        let shown = clerk.clone();
        clerk.with_webview(move |platform| {
            let view = platform.inner();
            reload_on_crash(&view);
            if let Err(e) = citizen_window(&app, &config, Some(view)) {
                tracing::error!(error = %e, "citizen window not opened");
            }
            if let Err(e) = shown.show().and_then(|()| shown.set_focus()) {
                tracing::error!(error = %e, "clerk window not shown");
            }
        })?;
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = clerk;
        citizen_window(app, config, None)?;
    }
    Ok(())
}

/// A crashed web process reloads its page instead of leaving a dead screen (the citizen page
/// reads its view from the workstation again on load).
#[cfg(target_os = "linux")]
fn reload_on_crash(view: &webkit2gtk::WebView) {
    use webkit2gtk::WebViewExt;
    view.connect_web_process_terminated(|view, reason| {
        tracing::error!(?reason, "web process ended: reloading the page");
        view.reload();
    });
}

/// The citizen page shares the clerk page's web process, so both die together. Reloaded, the
/// citizen page would get a web process of its own (WebKit relates two views only when one
/// is created), so the citizen window is built anew on the clerk page's new process, which
/// the clerk page's own handler has started by then (this runs after both handlers).
#[cfg(target_os = "linux")]
fn rebuild_on_crash(view: &webkit2gtk::WebView, app: AppHandle, config: WorkstationConfig) {
    use webkit2gtk::WebViewExt;
    view.connect_web_process_terminated(move |_, reason| {
        tracing::error!(
            ?reason,
            "web process ended: opening the citizen window anew"
        );
        let Some(old) = app.get_webview_window(CITIZEN) else {
            return;
        };
        // Its label is free once the old window is gone.
        let pending = std::sync::Mutex::new(Some((app.clone(), config.clone())));
        old.on_window_event(move |event| {
            if let tauri::WindowEvent::Destroyed = event {
                let taken = pending.lock().ok().and_then(|mut p| p.take());
                if let Some((app, config)) = taken {
                    reopen_citizen(app, config);
                }
            }
        });
        if let Err(e) = old.destroy() {
            tracing::error!(error = %e, "the dead citizen window not closed");
        }
    });
}

/// Builds the citizen window on the clerk page's web process, from the event loop.
#[cfg(target_os = "linux")]
fn reopen_citizen(app: AppHandle, config: WorkstationConfig) {
    let later = app.clone();
    let queued = later.run_on_main_thread(move || {
        let Some(clerk) = app.get_webview_window(CLERK) else {
            return;
        };
        let built = clerk.with_webview(move |platform| {
            if let Err(e) = citizen_window(&app, &config, Some(platform.inner())) {
                tracing::error!(error = %e, "citizen window not opened again");
            }
        });
        if let Err(e) = built {
            tracing::error!(error = %e, "citizen window not opened again");
        }
    });
    if let Err(e) = queued {
        tracing::error!(error = %e, "citizen window not opened again");
    }
}

#[cfg(target_os = "linux")]
type RelatedView = Option<webkit2gtk::WebView>;
#[cfg(not(target_os = "linux"))]
type RelatedView = Option<()>;

fn citizen_window(
    app: &AppHandle,
    config: &WorkstationConfig,
    related: RelatedView,
) -> tauri::Result<()> {
    let builder = WebviewWindowBuilder::new(app, CITIZEN, WebviewUrl::App("citizen.html".into()))
        .title(shell_text::CITIZEN_WINDOW_TITLE)
        .inner_size(1280.0, 720.0)
        .focused(false);
    #[cfg(target_os = "linux")]
    let builder = match related {
        Some(view) => builder.with_related_view(view),
        None => builder,
    };
    #[cfg(not(target_os = "linux"))]
    let _ = related;
    let citizen = builder.build()?;
    #[cfg(target_os = "linux")]
    citizen.with_webview({
        let (app, config) = (app.clone(), config.clone());
        move |platform| rebuild_on_crash(&platform.inner(), app, config)
    })?;

    if let Some(name) = &config.citizen_screen.monitor {
        let monitors = app.available_monitors()?;
        match monitors
            .iter()
            .find(|m| m.name().map(String::as_str) == Some(name))
        {
            Some(monitor) => {
                let pos = monitor.position();
                citizen.set_position(PhysicalPosition::new(pos.x, pos.y))?;
                citizen.set_fullscreen(true)?;
                tracing::info!(monitor = name, "citizen window fullscreen");
            }
            None => {
                let names: Vec<_> = monitors.iter().filter_map(|m| m.name().cloned()).collect();
                tracing::warn!(
                    wanted = name,
                    available = ?names,
                    "citizen monitor not found; citizen window stays an ordinary window"
                );
            }
        }
    }
    if let Some(clerk) = app.get_webview_window(CLERK) {
        let _ = clerk.set_focus();
    }
    Ok(())
}
