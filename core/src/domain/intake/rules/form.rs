//! The form (E2): each value checked against its field definition.

use crate::domain::catalog::{FieldDef, FieldKind};
use crate::domain::intake::FieldProblem;

/// Checks one form value against its field definition; `None` when valid.
pub fn field_problem(f: &FieldDef, value: &str) -> Option<FieldProblem> {
    let v = value.trim();
    if v.is_empty() {
        return f.required.then_some(FieldProblem::Required);
    }
    if f.max_len > 0 && v.chars().count() > f.max_len as usize {
        return Some(FieldProblem::TooLong { max: f.max_len });
    }
    match &f.kind {
        FieldKind::Text | FieldKind::TextArea => None,
        FieldKind::Number => (v.parse::<f64>().map(|n| !n.is_finite()).unwrap_or(true))
            .then_some(FieldProblem::NotANumber),
        FieldKind::Date => crate::domain::catalog::calendar::parse_date(v)
            .is_none()
            .then_some(FieldProblem::NotADate),
        FieldKind::Phone => (!is_phone(v)).then_some(FieldProblem::NotAPhone),
        FieldKind::IdNumber => yichuang_drivers::idcard::identity::validate_id_number(v)
            .err()
            .map(|_| FieldProblem::NotAnIdNumber),
        FieldKind::Select { options } => {
            (!options.iter().any(|o| o == v)).then(|| FieldProblem::NotAnOption {
                options: options.clone(),
            })
        }
    }
}

/// Mainland mobile (1xxxxxxxxxx) or landline (0xx[x]-xxxxxxx[x]).
pub fn is_phone(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() == 11 && b[0] == b'1' && b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    v.starts_with('0')
        && digits.chars().all(|c| c.is_ascii_digit())
        && (10..=12).contains(&digits.len())
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn form_fields_are_validated_by_type() {
        let v = view();
        let item = v.item("GA-HJ-0301").unwrap();
        let f = |id: &str| item.fields.iter().find(|f| f.id == id).unwrap();
        assert!(field_problem(f("purpose"), "入学").is_none());
        assert!(field_problem(f("purpose"), "旅游").is_some());
        assert!(field_problem(f("purpose"), "").is_some());
        assert!(field_problem(f("subject_id"), "").is_none());
        assert!(field_problem(f("subject_id"), "110105194912310021").is_some());
        assert!(field_problem(f("subject_id"), ID).is_none());
        assert!(field_problem(f("phone"), "13800138000").is_none());
        assert!(field_problem(f("phone"), "0660-3312345").is_none());
        assert!(field_problem(f("phone"), "12345").is_some());
        assert!(field_problem(f("submit_to"), &"长".repeat(51)).is_some());
    }
}
