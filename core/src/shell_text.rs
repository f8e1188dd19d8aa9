//! Text table of the desktop shell (`src-tauri`): the product name, the window titles and
//! the line printed when the shell cannot start. The shell belongs to the core layer, so its
//! Chinese text lives in a core table file.

use std::fmt::Display;

/// The product name, as the UI shows it.
pub const APP_NAME: &str = "一窗受理工作站";

/// Title of the citizen-facing window.
pub const CITIZEN_WINDOW_TITLE: &str = "一窗受理工作站 · 市民屏";

/// Title of the clerk window: product, hall and window number.
pub fn clerk_window_title(hall: &str, window_number: impl Display) -> String {
    format!("{APP_NAME} · {hall} · {window_number}号窗口")
}

/// The line printed on stderr when the shell's runtime fails to start.
pub fn startup_failed(error: impl Display) -> String {
    format!("{APP_NAME}无法启动：{error}")
}

/// The line `yichuang-workstation --enroll` prints on success.
pub fn enrolled(workstation_id: &str) -> String {
    format!("本工作站已注册为 {workstation_id}。")
}

/// The line `yichuang-workstation --diagnostics` prints.
pub fn diagnostics_written(done: &crate::workstation::diagnostics::DiagnosticsDone) -> String {
    match (&done.uploaded, &done.upload_error) {
        (Some(id), _) => format!("诊断包已生成：{}（已上传，编号 {id}）", done.file),
        (None, Some(e)) => format!("诊断包已生成：{}。{}", done.file, e.message),
        (None, None) => format!("诊断包已生成：{}", done.file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            clerk_window_title("市政务服务中心", 3),
            "一窗受理工作站 · 市政务服务中心 · 3号窗口"
        );
        assert_eq!(startup_failed("x"), "一窗受理工作站无法启动：x");
    }
}
