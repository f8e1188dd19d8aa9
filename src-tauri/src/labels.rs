//! What the intake page shows that is Rust's to say: the label tables and the next situation
//! question (issue 13), so the UI keeps no copy of either.

use yichuang_core::domain::catalog::{Item, Question};
use yichuang_core::domain::intake::{current_question, Answer, IntakeLabels};

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
