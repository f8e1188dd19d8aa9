//! A document as the window shows it before printing: the same [`Document`] the PDF is set
//! from, flattened to lines with their alignment, so a preview can never say something the
//! printed page does not (notice preview, issue 14).

use super::model::{Align, Block, Document};
use serde::Serialize;

/// How a preview line is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LineStyle {
    Title,
    Heading,
    Body,
    /// The caption under the QR code (the code itself is printed only).
    Code,
    Signature,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LineAlign {
    Left,
    Center,
    Right,
}

impl From<Align> for LineAlign {
    fn from(a: Align) -> LineAlign {
        match a {
            Align::Left => LineAlign::Left,
            Align::Center => LineAlign::Center,
            Align::Right => LineAlign::Right,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PreviewLine {
    pub text: String,
    pub style: LineStyle,
    pub align: LineAlign,
    /// A body paragraph's first line is indented by two characters.
    pub indent: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DocumentPreview {
    pub title: String,
    /// The running header and footer of every page.
    pub header: Option<String>,
    pub footer: Option<String>,
    pub lines: Vec<PreviewLine>,
}

/// The document's text in print order.
pub fn preview(doc: &Document) -> DocumentPreview {
    let line = |text: &str, style, align: Align, indent| PreviewLine {
        text: text.to_string(),
        style,
        align: align.into(),
        indent,
    };
    let mut lines = vec![];
    for b in &doc.blocks {
        match b {
            Block::Title(t) => lines.push(line(t, LineStyle::Title, Align::Center, false)),
            Block::Heading(t) => lines.push(line(t, LineStyle::Heading, Align::Left, false)),
            Block::Paragraph(p) => lines.push(line(&p.text, LineStyle::Body, p.align, p.indent)),
            Block::KeyValues(kvs) => lines.extend(kvs.iter().map(|kv| {
                line(
                    &format!("{} {}", kv.key, kv.value),
                    LineStyle::Body,
                    Align::Left,
                    false,
                )
            })),
            Block::Table(t) => {
                let head: Vec<&str> = t.columns.iter().map(|c| c.title.as_str()).collect();
                lines.push(line(
                    &head.join(" | "),
                    LineStyle::Heading,
                    Align::Left,
                    false,
                ));
                lines.extend(
                    t.rows
                        .iter()
                        .map(|r| line(&r.join(" | "), LineStyle::Body, Align::Left, false)),
                );
            }
            Block::Qr(q) => {
                if let Some(c) = &q.caption {
                    lines.push(line(c, LineStyle::Code, q.align, false));
                }
            }
            Block::Signatures(s) => lines.extend(
                s.iter()
                    .map(|t| line(t, LineStyle::Signature, Align::Left, false)),
            ),
            Block::Seal { issuer, date } => {
                lines.push(line(issuer, LineStyle::Body, Align::Right, false));
                lines.push(line(date, LineStyle::Body, Align::Right, false));
            }
            Block::Space(_) => {}
        }
    }
    DocumentPreview {
        title: doc.title.clone(),
        header: doc.header.clone(),
        footer: doc.footer.clone(),
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::{Paragraph, QrBlock};

    #[test]
    fn f1_the_preview_keeps_the_documents_text_order_and_alignment() {
        let doc = Document {
            title: "受理通知书 1".into(),
            header: Some("某中心".into()),
            footer: None,
            blocks: vec![
                Block::Title("受理通知书".into()),
                Block::Paragraph(Paragraph::body("正文。")),
                Block::Space(4.0),
                Block::Qr(QrBlock {
                    data: "1".into(),
                    caption: Some("编号 1".into()),
                    size_mm: 20.0,
                    align: Align::Right,
                }),
                Block::Signatures(vec!["申请人签名：".into()]),
            ],
        };
        let p = preview(&doc);
        let texts: Vec<&str> = p.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["受理通知书", "正文。", "编号 1", "申请人签名："]);
        assert_eq!(p.lines[0].style, LineStyle::Title);
        assert_eq!(p.lines[2].align, LineAlign::Right);
        assert_eq!(p.header.as_deref(), Some("某中心"));
    }
}
