//! The two windows: the clerk workbench and the citizen-facing screen.

use tauri::{AppHandle, Manager, PhysicalPosition, WebviewUrl, WebviewWindowBuilder};
use yichuang_core::infra::config::WorkstationConfig;
use yichuang_core::shell_text;

pub const CLERK: &str = "clerk";
pub const CITIZEN: &str = "citizen";

pub fn create(app: &AppHandle, config: &WorkstationConfig) -> tauri::Result<()> {
    let window_title = shell_text::clerk_window_title(&config.hall.name, config.window.number);
    WebviewWindowBuilder::new(app, CLERK, WebviewUrl::App("index.html".into()))
        .title(window_title)
        .inner_size(1366.0, 768.0)
        .min_inner_size(1024.0, 640.0)
        .focused(true)
        .build()?;

    let citizen = WebviewWindowBuilder::new(app, CITIZEN, WebviewUrl::App("citizen.html".into()))
        .title(shell_text::CITIZEN_WINDOW_TITLE)
        .inner_size(1280.0, 720.0)
        .focused(false)
        .build()?;

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
