//! Places a [`Document`] on A4 pages: text lines at baselines, rules and filled rectangles,
//! in millimetres from the page's top-left corner. Pure: glyph widths come from a
//! [`Measure`], so the same code lays out for the PDF and for tests.
//!
//! Paragraphs and key–value lists break between lines; a table breaks between rows and
//! repeats its header row at the top of the next page; a QR code, a signature line and the
//! seal block are never split. Every page gets the running header, the footer and
//! 「第 n 页 共 m 页」.

use super::font::{Measure, PT_TO_MM};
use super::model::{Align, Block, Column, Document, KeyValue, Paragraph, QrBlock, Table};
use super::qr::qr_runs;
use super::wording;
use super::wrap::{line_width, wrap};
use super::DocumentError;

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;
pub const MARGIN_X: f32 = 25.0;
/// Where the body starts and ends on every page.
pub const BODY_TOP: f32 = 28.0;
pub const BODY_BOTTOM: f32 = 272.0;
pub const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const BODY_SIZE: f32 = 12.0;
const LINE_SPACING: f32 = 1.6;
const CELL_PAD: f32 = 1.6;
const RULE_PT: f32 = 0.6;

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A straight line `width_pt` thick.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width_pt: f32,
    },
    /// A filled rectangle (top-left corner, size); `gray` 0 is black, 1 white.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub items: Vec<Item>,
}

impl Page {
    /// The page's text lines, top to bottom (for tests and diagnostics).
    pub fn texts(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A font size the layout can work with, whatever the data says.
fn sane_size(size: f32) -> f32 {
    if size.is_finite() {
        size.clamp(5.0, 72.0)
    } else {
        BODY_SIZE
    }
}

/// A length in `[lo, hi]`, or `lo` when it is not a number.
fn sane_len(mm: f32, lo: f32, hi: f32) -> f32 {
    if mm.is_finite() {
        mm.clamp(lo, hi)
    } else {
        lo
    }
}

fn line_height(size: f32) -> f32 {
    size * PT_TO_MM * LINE_SPACING
}

struct Cursor<'m, M: Measure> {
    m: &'m M,
    pages: Vec<Page>,
    y: f32,
}

impl<'m, M: Measure> Cursor<'m, M> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `h` millimetres still fit on this one (a fresh page always
    /// takes what it is given).
    fn ensure(&mut self, h: f32) {
        if self.y + h > BODY_BOTTOM + 1e-3 && self.y > BODY_TOP + 1e-3 {
            self.new_page();
        }
    }

    /// Text whose line box starts at `top`, `lh` tall, placed in `[x, x + w]` by `align`.
    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, x: f32, w: f32, top: f32, lh: f32, size: f32, align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        let size_mm = size * PT_TO_MM;
        let baseline = top + (lh - size_mm) / 2.0 + self.m.ascent() * size_mm;
        let tw = line_width(text, size, self.m);
        let x = match align {
            Align::Left => x,
            Align::Center => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        self.page().items.push(Item::Text {
            x,
            y: baseline,
            size,
            text: text.to_string(),
        });
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.page().items.push(Item::Rule {
            x1,
            y1,
            x2,
            y2,
            width_pt: RULE_PT,
        });
    }

    fn lines(&mut self, lines: &[String], x: f32, w: f32, size: f32, align: Align, indent: f32) {
        let lh = line_height(size);
        for (i, line) in lines.iter().enumerate() {
            self.ensure(lh);
            let (lx, lw) = if i == 0 {
                (x + indent, w - indent)
            } else {
                (x, w)
            };
            let top = self.y;
            self.text(lx, lw, top, lh, size, align, line);
            self.y += lh;
        }
    }

    fn paragraph(&mut self, p: &Paragraph) {
        let size = sane_size(p.size);
        let indent = if p.indent {
            2.0 * self.m.advance_mm(wording::EM_CHAR, size)
        } else {
            0.0
        };
        let lines = wrap(&p.text, BODY_W, indent, size, self.m);
        self.lines(&lines, MARGIN_X, BODY_W, size, p.align, indent);
        self.y += 1.5;
    }

    fn key_values(&mut self, kvs: &[KeyValue]) {
        let size = BODY_SIZE;
        let lh = line_height(size);
        let key_w = kvs
            .iter()
            .map(|kv| line_width(&kv.key, size, self.m))
            .fold(0.0f32, f32::max)
            .min(BODY_W * 0.45)
            + 2.0;
        for kv in kvs {
            let keys = wrap(&kv.key, key_w - 2.0, 0.0, size, self.m);
            let values = wrap(&kv.value, BODY_W - key_w, 0.0, size, self.m);
            for i in 0..keys.len().max(values.len()) {
                self.ensure(lh);
                let top = self.y;
                if let Some(k) = keys.get(i) {
                    self.text(MARGIN_X, key_w - 2.0, top, lh, size, Align::Right, k);
                }
                if let Some(v) = values.get(i) {
                    self.text(
                        MARGIN_X + key_w,
                        BODY_W - key_w,
                        top,
                        lh,
                        size,
                        Align::Left,
                        v,
                    );
                }
                self.y += lh;
            }
        }
        self.y += 1.5;
    }

    fn table(&mut self, t: &Table) -> Result<(), DocumentError> {
        let size = sane_size(t.size);
        let weight = |c: &Column| sane_len(c.weight, 0.0, 1000.0);
        let total: f32 = t.columns.iter().map(weight).sum();
        let n = t.columns.len().max(1) as f32;
        let widths: Vec<f32> = t
            .columns
            .iter()
            .map(|c| {
                if total > 0.0 {
                    weight(c) / total * BODY_W
                } else {
                    BODY_W / n
                }
            })
            .collect();
        let lh = line_height(size);
        let wrap_row = |cells: &[&str]| -> (Vec<Vec<String>>, f32) {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, w)| wrap(cell, (w - 2.0 * CELL_PAD).max(1.0), 0.0, size, self.m))
                .collect();
            let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            (wrapped, lines as f32 * lh + 2.0 * CELL_PAD)
        };
        let titles: Vec<&str> = t.columns.iter().map(|c| c.title.as_str()).collect();
        let (header, header_h) = wrap_row(&titles);
        let mut rows = Vec::with_capacity(t.rows.len());
        for (i, row) in t.rows.iter().enumerate() {
            if row.len() != t.columns.len() {
                return Err(DocumentError::TableShape {
                    row: i,
                    got: row.len(),
                    expected: t.columns.len(),
                });
            }
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            let (wrapped, h) = wrap_row(&cells);
            if header_h + h > BODY_BOTTOM - BODY_TOP {
                return Err(DocumentError::TooTall {
                    what: "table row",
                    height_mm: header_h + h,
                    page_mm: BODY_BOTTOM - BODY_TOP,
                });
            }
            rows.push((wrapped, h));
        }
        // The header never stands alone at the bottom of a page.
        let first_h = rows.first().map_or(0.0, |r| r.1);
        self.ensure(header_h + first_h);
        self.table_row(&t.columns, &widths, &header, header_h, lh, size, true);
        for (wrapped, h) in &rows {
            if self.y + h > BODY_BOTTOM + 1e-3 {
                self.new_page();
                self.table_row(&t.columns, &widths, &header, header_h, lh, size, true);
            }
            self.table_row(&t.columns, &widths, wrapped, *h, lh, size, false);
        }
        self.y += 3.0;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        columns: &[Column],
        widths: &[f32],
        cells: &[Vec<String>],
        h: f32,
        lh: f32,
        size: f32,
        header: bool,
    ) {
        let top = self.y;
        let right = MARGIN_X + widths.iter().sum::<f32>();
        if header {
            self.page().items.push(Item::Fill {
                x: MARGIN_X,
                y: top,
                w: right - MARGIN_X,
                h,
                gray: 0.9,
            });
            self.rule(MARGIN_X, top, right, top);
        }
        let mut x = MARGIN_X;
        for ((col, w), lines) in columns.iter().zip(widths).zip(cells) {
            let align = if header { Align::Center } else { col.align };
            for (i, line) in lines.iter().enumerate() {
                let line_top = top + CELL_PAD + i as f32 * lh;
                self.text(
                    x + CELL_PAD,
                    w - 2.0 * CELL_PAD,
                    line_top,
                    lh,
                    size,
                    align,
                    line,
                );
            }
            self.rule(x, top, x, top + h);
            x += w;
        }
        self.rule(right, top, right, top + h);
        self.rule(MARGIN_X, top + h, right, top + h);
        self.y += h;
    }

    fn qr(&mut self, q: &QrBlock) -> Result<(), DocumentError> {
        let (runs, side) = qr_runs(&q.data)?;
        let size = sane_len(q.size_mm, 10.0, BODY_W);
        let caption_size = 9.0;
        let caption_h = if q.caption.is_some() {
            line_height(caption_size)
        } else {
            0.0
        };
        self.ensure(size + caption_h);
        let x = match q.align {
            Align::Left => MARGIN_X,
            Align::Center => MARGIN_X + (BODY_W - size) / 2.0,
            Align::Right => MARGIN_X + BODY_W - size,
        };
        let module = size / side as f32;
        let top = self.y;
        let page = self.page();
        page.items.extend(runs.iter().map(|r| Item::Fill {
            x: x + r.col as f32 * module,
            y: top + r.row as f32 * module,
            w: r.len as f32 * module,
            h: module,
            gray: 0.0,
        }));
        self.y += size;
        if let Some(caption) = &q.caption {
            let top = self.y;
            // Centred under the code, which may sit at the right margin.
            let cw = line_width(caption, caption_size, self.m);
            let cx = (x + size / 2.0 - cw / 2.0).clamp(MARGIN_X, MARGIN_X + BODY_W - cw);
            self.text(cx, cw, top, caption_h, caption_size, Align::Left, caption);
            self.y += caption_h;
        }
        self.y += 2.0;
        Ok(())
    }

    fn signatures(&mut self, labels: &[String]) {
        let lh = line_height(BODY_SIZE);
        for label in labels {
            self.ensure(lh + 8.0);
            self.y += 8.0;
            let top = self.y;
            self.text(MARGIN_X, BODY_W, top, lh, BODY_SIZE, Align::Left, label);
            let lw = line_width(label, BODY_SIZE, self.m);
            let base = top + lh - 1.5;
            let x1 = MARGIN_X + lw + 1.0;
            self.rule(x1, base, x1 + 55.0, base);
            let date_x = MARGIN_X + BODY_W - 55.0;
            self.text(
                date_x,
                55.0,
                top,
                lh,
                BODY_SIZE,
                Align::Left,
                wording::SIGNATURE_DATE,
            );
            let dw = line_width(wording::SIGNATURE_DATE, BODY_SIZE, self.m);
            self.rule(date_x + dw + 1.0, base, MARGIN_X + BODY_W, base);
            self.y += lh;
        }
        self.y += 2.0;
    }

    fn seal(&mut self, issuer: &str, date: &str) {
        let lh = line_height(BODY_SIZE);
        // Room for the seal over the issuer's name.
        let h = 12.0 + 2.0 * lh;
        self.ensure(h);
        self.y += 12.0;
        let w = line_width(issuer, BODY_SIZE, self.m).max(line_width(date, BODY_SIZE, self.m));
        let x = MARGIN_X + BODY_W - w - 10.0;
        for line in [issuer, date] {
            let top = self.y;
            self.text(x, w, top, lh, BODY_SIZE, Align::Center, line);
            self.y += lh;
        }
        self.y += 2.0;
    }

    fn block(&mut self, b: &Block) -> Result<(), DocumentError> {
        match b {
            Block::Title(t) => {
                let lines = wrap(t, BODY_W, 0.0, 20.0, self.m);
                self.y += 2.0;
                self.lines(&lines, MARGIN_X, BODY_W, 20.0, Align::Center, 0.0);
                self.y += 5.0;
            }
            Block::Heading(t) => {
                let lh = line_height(14.0);
                // Keep a heading with at least two lines of what follows.
                self.ensure(3.0 + lh + 2.0 * line_height(BODY_SIZE));
                self.y += 3.0;
                let lines = wrap(t, BODY_W, 0.0, 14.0, self.m);
                self.lines(&lines, MARGIN_X, BODY_W, 14.0, Align::Left, 0.0);
                self.y += 1.0;
            }
            Block::Paragraph(p) => self.paragraph(p),
            Block::KeyValues(kvs) => self.key_values(kvs),
            Block::Table(t) => self.table(t)?,
            Block::Qr(q) => self.qr(q)?,
            Block::Signatures(labels) => self.signatures(labels),
            Block::Seal { issuer, date } => self.seal(issuer, date),
            Block::Space(mm) => {
                let mm = sane_len(*mm, 0.0, BODY_BOTTOM - BODY_TOP);
                if self.y + mm > BODY_BOTTOM {
                    self.new_page();
                } else {
                    self.y += mm;
                }
            }
        }
        Ok(())
    }
}

/// Lays out `doc` on as many A4 pages as it needs (at least one).
pub fn layout(doc: &Document, m: &impl Measure) -> Result<Vec<Page>, DocumentError> {
    let mut cursor = Cursor {
        m,
        pages: vec![Page::default()],
        y: BODY_TOP,
    };
    for block in &doc.blocks {
        cursor.block(block)?;
    }
    let total = cursor.pages.len();
    let furniture_size = 9.0;
    let lh = line_height(furniture_size);
    for i in 0..total {
        let mut c = Cursor {
            m,
            pages: vec![Page::default()],
            y: 0.0,
        };
        if let Some(header) = &doc.header {
            c.text(
                MARGIN_X,
                BODY_W,
                12.0,
                lh,
                furniture_size,
                Align::Left,
                header,
            );
            c.rule(
                MARGIN_X,
                12.0 + lh + 0.5,
                MARGIN_X + BODY_W,
                12.0 + lh + 0.5,
            );
        }
        if let Some(footer) = &doc.footer {
            c.text(
                MARGIN_X,
                BODY_W,
                280.0,
                lh,
                furniture_size,
                Align::Left,
                footer,
            );
        }
        let number = wording::page_number(i + 1, total);
        c.text(
            MARGIN_X,
            BODY_W,
            280.0,
            lh,
            furniture_size,
            Align::Right,
            &number,
        );
        let furniture = std::mem::take(&mut c.pages[0].items);
        cursor.pages[i].items.extend(furniture);
    }
    Ok(cursor.pages)
}

#[cfg(test)]
mod tests {
    use super::super::wrap::tests::Fixed;
    use super::*;

    fn max_text_right(pages: &[Page], m: &impl Measure) -> f32 {
        pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text { x, size, text, .. } => Some(x + line_width(text, *size, m)),
                _ => None,
            })
            .fold(0.0, f32::max)
    }

    #[test]
    fn long_paragraphs_wrap_within_the_margins_and_flow_onto_new_pages() {
        let text =
            "申请人于受理窗口提交了全部申请材料，经审查，材料齐全、符合法定形式。".repeat(60);
        let doc = Document {
            title: "t".into(),
            blocks: vec![Block::Paragraph(Paragraph::body(text))],
            ..Document::default()
        };
        let pages = layout(&doc, &Fixed).unwrap();
        assert!(pages.len() >= 2, "{}", pages.len());
        assert!(max_text_right(&pages, &Fixed) <= MARGIN_X + BODY_W + 1e-3);
        for page in &pages {
            for item in &page.items {
                if let Item::Text { y, .. } = item {
                    assert!(*y > 10.0 && *y < PAGE_H - 10.0);
                }
            }
        }
    }

    #[test]
    fn a_table_across_a_page_break_repeats_its_header() {
        let rows = (1..=45)
            .map(|i| vec![format!("{i}"), format!("材料名称{i}"), "原件".into()])
            .collect();
        let doc = Document {
            title: "t".into(),
            blocks: vec![Block::Table(Table {
                columns: vec![
                    Column::new("序号", 1.0).centered(),
                    Column::new("材料", 4.0),
                    Column::new("形式", 1.5),
                ],
                rows,
                size: 11.0,
            })],
            ..Document::default()
        };
        let pages = layout(&doc, &Fixed).unwrap();
        assert_eq!(pages.len(), 2);
        for page in &pages {
            assert_eq!(page.texts().iter().filter(|t| **t == "材料").count(), 1);
        }
        assert_eq!(pages[0].texts().last(), Some(&"第 1 页 共 2 页"));
        assert_eq!(pages[1].texts().last(), Some(&"第 2 页 共 2 页"));
        assert!(pages[1].texts().contains(&"材料名称45"));
    }

    #[test]
    fn ragged_tables_and_huge_rows_are_errors_not_panics() {
        let ragged = Document {
            blocks: vec![Block::Table(Table {
                columns: vec![Column::new("a", 1.0), Column::new("b", 1.0)],
                rows: vec![vec!["x".into()]],
                size: 11.0,
            })],
            ..Document::default()
        };
        assert!(matches!(
            layout(&ragged, &Fixed),
            Err(DocumentError::TableShape {
                row: 0,
                got: 1,
                expected: 2
            })
        ));
        let huge = Document {
            blocks: vec![Block::Table(Table {
                columns: vec![Column::new("a", 1.0), Column::new("b", 1.0)],
                rows: vec![vec!["很长".repeat(2000), "x".into()]],
                size: 11.0,
            })],
            ..Document::default()
        };
        assert!(matches!(
            layout(&huge, &Fixed),
            Err(DocumentError::TooTall { .. })
        ));
        // Degenerate input still lays out.
        let odd = Document {
            blocks: vec![
                Block::Table(Table {
                    columns: vec![],
                    rows: vec![vec![]],
                    size: 11.0,
                }),
                Block::Space(f32::NAN),
                Block::Space(1e9),
                Block::Qr(QrBlock {
                    data: String::new(),
                    caption: None,
                    size_mm: -5.0,
                    align: Align::Right,
                }),
            ],
            ..Document::default()
        };
        layout(&odd, &Fixed).unwrap();
    }
}
