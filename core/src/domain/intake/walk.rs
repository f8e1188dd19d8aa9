//! The situation Q&A as the window walks it (E1): the question to ask next for the answers
//! given so far. The UI asks this instead of walking the question tree itself.

use super::Answer;
use crate::domain::catalog::{Item, Next, Question};

/// The question the answers have not reached an end for: the item's first question, then the
/// one each answer leads to. `None` once an answer leads to a situation, or when the item asks
/// nothing. An answer that does not fit the tree (another question's, an option the question
/// does not have) leaves the question it should have answered open.
pub fn current_question(item: &Item, answers: &[Answer]) -> Option<Question> {
    let mut q = item.questions.first()?;
    for a in answers {
        if a.question_id != q.id {
            break;
        }
        match q.options.get(a.option as usize).map(|o| &o.next) {
            None => break,
            Some(Next::Situation(_)) => return None,
            Some(Next::Question(next)) => q = item.questions.iter().find(|x| &x.id == next)?,
        }
    }
    Some(q.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{QuestionOption, Situation};

    fn option(label: &str, next: Next) -> QuestionOption {
        QuestionOption {
            label: label.into(),
            next,
        }
    }

    fn question(id: &str, options: Vec<QuestionOption>) -> Question {
        Question {
            id: id.into(),
            text: format!("{id}?"),
            options,
        }
    }

    fn situation(id: &str) -> Situation {
        Situation {
            id: id.into(),
            name: id.into(),
            materials: vec![],
            notes: String::new(),
        }
    }

    /// q1 → (0: s1 | 1: q2); q2 → (0: s2 | 1: s3).
    fn item_with(questions: Vec<Question>) -> Item {
        let mut item: Item = serde_json::from_value(serde_json::json!({
            "code": "T-1", "name": "t", "department": "d", "kind": "permit",
            "legal_days": 0, "promised_days": 0, "instant": true, "deferrable": false,
            "online": false, "keywords": [], "notes": "", "situations": [], "materials": []
        }))
        .expect("item");
        item.questions = questions;
        item.situations = vec![situation("s1"), situation("s2"), situation("s3")];
        item
    }

    fn tree() -> Item {
        item_with(vec![
            question(
                "q1",
                vec![
                    option("a", Next::Situation("s1".into())),
                    option("b", Next::Question("q2".into())),
                ],
            ),
            question(
                "q2",
                vec![
                    option("c", Next::Situation("s2".into())),
                    option("d", Next::Situation("s3".into())),
                ],
            ),
        ])
    }

    fn answer(q: &str, option: u32) -> Answer {
        Answer {
            question_id: q.into(),
            option,
        }
    }

    fn id(q: Option<Question>) -> Option<String> {
        q.map(|q| q.id)
    }

    #[test]
    fn e1_first_question_before_any_answer() {
        assert_eq!(id(current_question(&tree(), &[])), Some("q1".into()));
    }

    #[test]
    fn e1_next_question_follows_answers() {
        let item = tree();
        assert_eq!(
            id(current_question(&item, &[answer("q1", 1)])),
            Some("q2".into())
        );
        assert_eq!(
            current_question(&item, &[answer("q1", 1), answer("q2", 0)]),
            None
        );
        assert_eq!(current_question(&item, &[answer("q1", 0)]), None);
    }

    #[test]
    fn e1_no_question_without_a_tree() {
        assert_eq!(current_question(&item_with(vec![]), &[]), None);
    }

    #[test]
    fn e1_answer_off_the_tree_leaves_its_question_open() {
        let item = tree();
        // An option the question does not have.
        assert_eq!(
            id(current_question(&item, &[answer("q1", 7)])),
            Some("q1".into())
        );
        // An answer for another question than the one asked.
        assert_eq!(
            id(current_question(&item, &[answer("q1", 1), answer("q1", 0)])),
            Some("q2".into())
        );
        // A question the tree does not have.
        let broken = item_with(vec![question(
            "q1",
            vec![option("a", Next::Question("q9".into()))],
        )]);
        assert_eq!(current_question(&broken, &[answer("q1", 0)]), None);
    }

    #[test]
    fn e1_walk_agrees_with_resolve_situation() {
        let item = tree();
        for answers in [
            vec![],
            vec![answer("q1", 0)],
            vec![answer("q1", 1)],
            vec![answer("q1", 1), answer("q2", 1)],
        ] {
            let situation =
                crate::domain::intake::resolve_situation(&item, &answers).expect("fits");
            assert_eq!(
                situation.is_some(),
                current_question(&item, &answers).is_none(),
                "{answers:?}"
            );
        }
    }
}
