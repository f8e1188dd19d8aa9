//! Sets laid-out pages in PDF with printpdf: text in the bundled font (subset to the glyphs
//! used), rules as lines and the QR code and shadings as filled rectangles.

use super::font::{bundled, Measure};
use super::layout::{layout, Item, Page, PAGE_H, PAGE_W};
use super::model::Document;
use super::DocumentError;
use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix,
};

fn pt(mm: f32) -> Pt {
    Mm(mm).into()
}

/// A point given from the page's top-left in mm, in PDF coordinates.
fn point(x: f32, y_from_top: f32) -> Point {
    Point {
        x: pt(x),
        y: pt(PAGE_H - y_from_top),
    }
}

fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent: if level.is_finite() {
            level.clamp(0.0, 1.0)
        } else {
            0.0
        },
        icc_profile: None,
    })
}

fn page_ops(page: &Page, font: &FontId) -> Vec<Op> {
    let mut ops = Vec::with_capacity(page.items.len() * 2 + 16);
    // Shading and QR modules first, grouped by grey level, then rules, then text on top.
    let mut current_grey: Option<f32> = None;
    for item in &page.items {
        if let Item::Fill { x, y, w, h, gray } = item {
            if current_grey != Some(*gray) {
                ops.push(Op::SetFillColor { col: grey(*gray) });
                current_grey = Some(*gray);
            }
            let lower_left = point(*x, y + h);
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: lower_left.x,
                    y: lower_left.y,
                    width: pt(*w),
                    height: pt(*h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            });
        }
    }
    let mut current_width: Option<f32> = None;
    for item in &page.items {
        if let Item::Rule {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        } = item
        {
            if current_width.is_none() {
                ops.push(Op::SetOutlineColor { col: grey(0.0) });
            }
            if current_width != Some(*width_pt) {
                ops.push(Op::SetOutlineThickness { pt: Pt(*width_pt) });
                current_width = Some(*width_pt);
            }
            ops.push(Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: point(*x1, *y1),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(*x2, *y2),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            });
        }
    }
    ops.push(Op::SetFillColor { col: grey(0.0) });
    ops.push(Op::StartTextSection);
    let mut current_size: Option<f32> = None;
    for item in &page.items {
        if let Item::Text { x, y, size, text } = item {
            if current_size != Some(*size) {
                ops.push(Op::SetFont {
                    font: PdfFontHandle::External(font.clone()),
                    size: Pt(*size),
                });
                current_size = Some(*size);
            }
            let p = point(*x, *y);
            ops.push(Op::SetTextMatrix {
                matrix: TextMatrix::Translate(p.x, p.y),
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
        }
    }
    ops.push(Op::EndTextSection);
    ops
}

/// Lays out `doc` and renders it to PDF bytes (A4 portrait, compressed, the bundled font
/// subset to the glyphs used).
pub fn render_pdf(doc: &Document) -> Result<Vec<u8>, DocumentError> {
    let font = bundled()?;
    let pages = layout(doc, font)?;
    render_pages(&doc.title, &pages)
}

/// Renders already laid-out pages (see [`layout`]).
pub fn render_pages(title: &str, pages: &[Page]) -> Result<Vec<u8>, DocumentError> {
    let font = bundled()?;
    let mut pdf = PdfDocument::new(title);
    let font_id = pdf.add_font(&font.parsed);
    let pdf_pages = pages
        .iter()
        .map(|page| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), page_ops(page, &font_id)))
        .collect();
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    Ok(pdf.with_pages(pdf_pages).save(&options, &mut warnings))
}

/// Whether the bundled font has a glyph for every character of `text`.
pub fn font_covers(text: &str) -> Result<bool, DocumentError> {
    let font = bundled()?;
    Ok(text.chars().all(|c| c.is_whitespace() || font.covers(c)))
}

/// Width of `text` at `size` points in the bundled font, in millimetres.
pub fn text_width_mm(text: &str, size: f32) -> Result<f32, DocumentError> {
    let font = bundled()?;
    Ok(text.chars().map(|c| font.advance_mm(c, size)).sum())
}
