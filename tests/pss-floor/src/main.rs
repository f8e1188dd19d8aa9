//! The floor of the workstation's stack for `bench: idle_pss_floor_mb`: a Tauri 2 app with
//! one 1366×768 window (`tauri.conf.json`) showing a small page, nothing else. With
//! `PSS_FLOOR_WINDOWS=2` a second such window opens as Tauri opens one by default (its own
//! web view, no shared web process), for `idle_pss_floor_two_windows_mb`. The page
//! calls `rendered` two animation frames after load, which prints
//! `pss-floor-rendered <window>` so the bench measures a window that is mapped and painted.

#[tauri::command]
fn rendered(window: tauri::Window) {
    // stdout is line-buffered: the line reaches the bench at once.
    println!("pss-floor-rendered {}", window.label());
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![rendered])
        .setup(|app| {
            if std::env::var("PSS_FLOOR_WINDOWS").as_deref() == Ok("2") {
                tauri::WebviewWindowBuilder::new(app, "second", tauri::WebviewUrl::default())
                    .title("pss floor 2")
                    .inner_size(1366.0, 768.0)
                    .build()?;
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("the floor app runs");
}
