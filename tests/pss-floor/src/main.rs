//! The floor of the workstation's stack for `bench: idle_pss_floor_mb`: a Tauri 2 app with
//! one 1366×768 window (`tauri.conf.json`) showing a small page, nothing else. The page
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
        .run(tauri::generate_context!())
        .expect("the floor app runs");
}
