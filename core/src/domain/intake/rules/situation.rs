//! The situation Q&A (E2): which situation the answers lead to, and the materials checklist
//! that follows from it.

use crate::domain::catalog::{Item, Next, Situation};
use crate::domain::intake::context::CatalogView;
use crate::domain::intake::model::{
    Answer, AttachedLicence, CaseDraft, MaterialEntry, Party, ReceivedAs,
};
use crate::domain::intake::IntakeError;

/// The situation the answers lead to, walking the item's question tree. `Ok(None)` when the
/// answers stop before a situation; an answer that does not fit the tree is an error.
pub fn resolve_situation<'a>(
    item: &'a Item,
    answers: &[Answer],
) -> Result<Option<&'a Situation>, IntakeError> {
    let situation = |id: &str| {
        item.situations
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| IntakeError::Situation(format!("situation {id} not in {}", item.code)))
    };
    if item.questions.is_empty() {
        return match item.situations.as_slice() {
            [only] => Ok(Some(only)),
            _ => Err(IntakeError::Situation(format!(
                "{} has no questions but {} situations",
                item.code,
                item.situations.len()
            ))),
        };
    }
    let mut q = &item.questions[0];
    for (i, a) in answers.iter().enumerate() {
        if a.question_id != q.id {
            return Err(IntakeError::Situation(format!(
                "answer {i} is for {} but the tree asks {}",
                a.question_id, q.id
            )));
        }
        let opt = q.options.get(a.option as usize).ok_or_else(|| {
            IntakeError::Situation(format!("{} has no option {}", q.id, a.option))
        })?;
        match &opt.next {
            Next::Situation(s) => {
                if i + 1 != answers.len() {
                    return Err(IntakeError::Situation("answers after the situation".into()));
                }
                return situation(s).map(Some);
            }
            Next::Question(next) => {
                q = item
                    .questions
                    .iter()
                    .find(|x| &x.id == next)
                    .ok_or_else(|| {
                        IntakeError::Situation(format!("question {next} not in {}", item.code))
                    })?;
            }
        }
    }
    Ok(None)
}

/// The checklist of a situation, fresh (nothing received yet).
pub fn checklist(item: &Item, situation: &Situation) -> Vec<MaterialEntry> {
    situation
        .materials
        .iter()
        .filter_map(|id| item.materials.iter().find(|m| &m.id == id))
        .map(|m| MaterialEntry {
            material_id: m.id.clone(),
            name: m.name.clone(),
            required: m.required,
            form: m.form.label().to_string(),
            count: m.count,
            deferrable: m.deferrable,
            received: ReceivedAs::Missing,
            pages: 0,
            files: vec![],
            note: String::new(),
            licence_type: m.licence_type.clone(),
            licence: None,
        })
        .collect()
}

/// A new draft for `item`: the form's defaults, and the checklist when the item has a single
/// situation.
pub fn new_draft(item: &Item) -> CaseDraft {
    let mut draft = CaseDraft {
        id: None,
        item_code: item.code.clone(),
        answers: vec![],
        situation_id: None,
        applicant: Party::default(),
        organisation: None,
        agent: None,
        pickup: None,
        form: item
            .fields
            .iter()
            .filter_map(|f| f.default.clone().map(|d| (f.id.clone(), d)))
            .collect(),
        materials: vec![],
        notes: String::new(),
    };
    if let Ok(Some(s)) = resolve_situation(item, &[]) {
        draft.situation_id = Some(s.id.clone());
        draft.materials = checklist(item, s);
    }
    draft
}

/// Re-resolves the situation from the answers and rebuilds the checklist when it changed,
/// keeping what was already ticked for materials that stay.
pub fn refresh(view: &CatalogView, mut draft: CaseDraft) -> Result<CaseDraft, IntakeError> {
    let item = view.item(&draft.item_code)?;
    let situation = resolve_situation(item, &draft.answers)?;
    let new_id = situation.map(|s| s.id.clone());
    if new_id != draft.situation_id || (draft.materials.is_empty() && situation.is_some()) {
        let fresh = situation.map(|s| checklist(item, s)).unwrap_or_default();
        let old = std::mem::take(&mut draft.materials);
        draft.materials = fresh
            .into_iter()
            .map(|m| {
                old.iter()
                    .find(|o| o.material_id == m.material_id)
                    .cloned()
                    .unwrap_or(m)
            })
            .collect();
        draft.situation_id = new_id;
    }
    for m in &mut draft.materials {
        // The catalog's licence type (a draft saved before it was kept has none), and a
        // licence only while the material is received electronically with its file.
        m.licence_type = item
            .materials
            .iter()
            .find(|x| x.id == m.material_id)
            .and_then(|x| x.licence_type.clone());
        let keeps = |l: &AttachedLicence| {
            m.received == ReceivedAs::Electronic && m.files.iter().any(|f| f.sha256 == l.sha256)
        };
        if m.licence.as_ref().is_some_and(|l| !keeps(l)) {
            m.licence = None;
        }
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn situation_tree_resolves_and_checklist_follows_the_answers() {
        let v = view();
        let item = v.item("GA-HJ-0402").unwrap();
        let a = |q: &str, o| Answer {
            question_id: q.into(),
            option: o,
        };
        assert!(resolve_situation(item, &[a("q1", 0)]).unwrap().is_none());
        let s = resolve_situation(item, &[a("q1", 1), a("q3", 1)])
            .unwrap()
            .unwrap();
        assert_eq!(s.id, "s4");
        assert!(resolve_situation(item, &[a("q2", 0)]).is_err());
        assert!(resolve_situation(item, &[a("q1", 9)]).is_err());
        let d = cases::refresh(
            &v,
            CaseDraft {
                answers: vec![a("q1", 0), a("q2", 0)],
                ..new_draft(item)
            },
        )
        .unwrap();
        assert_eq!(d.situation_id.as_deref(), Some("s1"));
        assert_eq!(d.materials.len(), 4);
    }
}
