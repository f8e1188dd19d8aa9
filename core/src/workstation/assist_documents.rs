//! The documents of a 协查 request, in the project's document layout: the request form
//! (部门协查申请单) and the proof written at the providing department's window.

use super::AssistProofText;
use super::AssistRequest;
use crate::domain::document::{Block, Document, KeyValue, Paragraph};
use crate::labels::assist as words;

/// Key–value lines naming the request and the applicant.
fn request_lines(r: &AssistRequest) -> Vec<KeyValue> {
    let a = &r.applicant;
    let mut kv = vec![
        KeyValue::new(words::KEY_ID, &r.id),
        KeyValue::new(words::KEY_FROM, &r.from_department),
        KeyValue::new(words::KEY_TO, &r.to_department),
        KeyValue::new(words::KEY_ITEM, words::item(&r.item_name, &r.item_code)),
        KeyValue::new(words::KEY_APPLICANT, &a.person_name),
        KeyValue::new(words::KEY_ID_NUMBER, &a.person_number),
    ];
    if let (Some(code), Some(name)) = (&a.organisation_code, &a.organisation_name) {
        kv.push(KeyValue::new(words::KEY_ORGANISATION, name));
        kv.push(KeyValue::new(words::KEY_USCC, code));
    }
    kv
}

/// 部门协查申请单.
pub(super) fn request_document(r: &AssistRequest) -> Document {
    let mut kv = request_lines(r);
    kv.insert(2, KeyValue::new(words::KEY_CLERK, &r.from_clerk));
    kv.push(KeyValue::new(words::KEY_STATE, &r.state_label));
    kv.push(KeyValue::new(
        words::KEY_CREATED,
        yichuang_seal::time::chinese(r.created_at.div_euclid(1000)),
    ));
    if let Some(reason) = &r.return_reason {
        kv.push(KeyValue::new(words::KEY_RETURN_REASON, reason));
    }
    let mut blocks = vec![
        Block::Title(words::REQUEST_TITLE.to_owned()),
        Block::KeyValues(kv),
        Block::Heading(words::HEADING_PROOFS.to_owned()),
    ];
    blocks.extend(
        r.proofs
            .iter()
            .enumerate()
            .map(|(i, p)| Paragraph::plain(format!("{}. {p}", i + 1), 12.0).into()),
    );
    if !r.note.is_empty() {
        blocks.push(Block::Heading(words::HEADING_NOTE.to_owned()));
        blocks.push(Paragraph::body(&r.note).into());
    }
    Document {
        title: words::REQUEST_TITLE.to_owned(),
        header: None,
        footer: Some(words::REQUEST_FOOTER.to_owned()),
        blocks,
    }
}

/// The proof written at the window, with the issuing department where the seal goes.
pub(super) fn proof_document(
    r: &AssistRequest,
    text: &AssistProofText,
    department: &str,
    date: &str,
) -> Document {
    let title = text
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(words::PROOF_TITLE)
        .to_owned();
    let mut blocks = vec![
        Block::Title(title.clone()),
        Block::KeyValues(request_lines(r)),
        Block::Space(4.0),
    ];
    blocks.extend(
        text.body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Paragraph::body(l).into()),
    );
    blocks.push(Block::Seal {
        issuer: department.to_owned(),
        date: date.to_owned(),
    });
    Document {
        title,
        header: None,
        footer: None,
        blocks,
    }
}
