//! What the intake page shows that is Rust's to say: the label tables and the next situation
//! question (issue 13), and the check of a typed 统一社会信用代码 (E2), so the UI keeps no copy of
//! any.

use yichuang_core::domain::catalog::{Item, Question};
use yichuang_core::domain::intake::{cases, current_question, Answer, IntakeLabels};
use yichuang_core::UserError;

/// The clerk-facing names of case states, decisions, receipt forms, ID sources and lights.
#[tauri::command]
#[specta::specta]
pub fn intake_labels() -> IntakeLabels {
    IntakeLabels::new()
}

/// The situation question to ask next for the answers so far; none once a situation is reached.
#[tauri::command]
#[specta::specta]
pub fn intake_current_question(item: Item, answers: Vec<Answer>) -> Option<Question> {
    current_question(&item, &answers)
}

/// A 统一社会信用代码 as the clerk types it (E2): the code as the standard writes it, or why it
/// is not one, in the sentence the form shows under the field.
#[tauri::command]
#[specta::specta]
pub fn intake_check_uscc(code: String) -> Result<String, UserError> {
    cases::check_uscc(&code).map_err(UserError::from)
}
