//! The 物料流转单 (F3) as an A4 document: the package's head, one row per case with its paper,
//! the package number as a QR code for the sign-off scan, and the lines to sign on.

use super::{wording as w, MaterialFlow};
use crate::domain::document::{
    Align, Block, Column, Document, KeyValue, Paragraph, QrBlock, Table,
};
use crate::infra::clock::{hall_secs, slip_time_from_unix};

/// The slip of `flow`, printed at the window that made it.
pub fn slip(
    flow: &MaterialFlow,
    hall_name: &str,
    window_label: &str,
    clerk_name: &str,
) -> Document {
    let at = slip_time_from_unix(hall_secs(flow.created_at)).to_string();
    let rows = flow
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                e.case_no.clone(),
                e.item_name.clone(),
                e.applicant.clone(),
                e.materials
                    .iter()
                    .map(|m| w::material(&m.name, &m.form, m.pages))
                    .collect::<Vec<_>>()
                    .join("\n"),
                String::new(),
            ]
        })
        .collect();
    Document {
        title: format!("{} {}", w::TITLE, flow.no),
        header: Some(hall_name.to_owned()),
        footer: Some(format!("{}{}", w::NO, flow.no)),
        blocks: vec![
            Block::Title(w::TITLE.into()),
            Block::KeyValues(vec![
                KeyValue::new(w::NO, &flow.no),
                KeyValue::new(w::TO, &flow.department),
                KeyValue::new(w::FROM, window_label),
                KeyValue::new(w::CLERK, clerk_name),
                KeyValue::new(w::AT, at),
                KeyValue::new(w::CASES, w::case_count(flow.entries.len())),
            ]),
            Block::Paragraph(Paragraph::body(w::INTRO)),
            Block::Table(Table {
                columns: vec![
                    // The case number (21 digits) on one line: the receiving end reads it.
                    Column::new(w::COLUMNS[0], 1.1).centered(),
                    Column::new(w::COLUMNS[1], 4.4),
                    Column::new(w::COLUMNS[2], 2.2),
                    Column::new(w::COLUMNS[3], 2.3),
                    Column::new(w::COLUMNS[4], 3.2),
                    Column::new(w::COLUMNS[5], 1.1).centered(),
                ],
                rows,
                size: 10.0,
            }),
            Block::Qr(QrBlock {
                data: flow.no.clone(),
                caption: Some(w::QR_CAPTION.into()),
                size_mm: 30.0,
                align: Align::Right,
            }),
            Block::Signatures(w::SIGNATURES.iter().map(|s| s.to_string()).collect()),
        ],
    }
}
