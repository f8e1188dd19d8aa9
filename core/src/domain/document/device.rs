//! A laid-out document as the drivers' device-independent pages: what the Windows spooler
//! path draws with GDI (`yichuang_drivers::spooler::gdi`), from the same layout the PDF is set
//! from, in the same bundled font.

use super::font::{bundled, FONT_BYTES};
use super::layout::{layout, Item};
use super::model::Document;
use super::DocumentError;
use yichuang_drivers::spooler::gdi::{PageItem, PrintFont, PrintPage};

/// The bundled font as GDI loads it: face 0 of the collection, by its family name.
pub const PRINT_FONT: PrintFont = PrintFont {
    bytes: FONT_BYTES,
    family: "WenQuanYi Micro Hei",
};

/// Lays out `doc` (as [`super::render_pdf`] does) and hands over its pages.
pub fn device_pages(doc: &Document) -> Result<Vec<PrintPage>, DocumentError> {
    let pages = layout(doc, bundled()?)?;
    Ok(pages
        .iter()
        .map(|page| PrintPage {
            items: page.items.iter().map(item).collect(),
        })
        .collect())
}

fn item(item: &Item) -> PageItem {
    match item {
        Item::Text { x, y, size, text } => PageItem::Text {
            x: *x,
            y: *y,
            size_pt: *size,
            text: text.clone(),
        },
        Item::Rule {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        } => PageItem::Rule {
            x1: *x1,
            y1: *y1,
            x2: *x2,
            y2: *y2,
            width_pt: *width_pt,
        },
        Item::Fill { x, y, w, h, gray } => PageItem::Fill {
            x: *x,
            y: *y,
            w: *w,
            h: *h,
            gray: *gray,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::document::{render_pdf, test_page, TestPage};
    use yichuang_drivers::escpos::SlipTime;

    #[test]
    fn k1_the_windows_pages_are_the_pdf_pages() {
        let doc = test_page(&TestPage {
            hall_name: "测试政务服务中心".into(),
            window: "1号窗口".into(),
            printer: "柜台A4打印机".into(),
            at: SlipTime::new(2026, 12, 7, 9, 30),
        });
        let pages = device_pages(&doc).unwrap();
        let laid_out = layout(&doc, bundled().unwrap()).unwrap();
        assert_eq!(pages.len(), laid_out.len());
        assert_eq!(pages[0].items.len(), laid_out[0].items.len());
        let texts: String = pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                PageItem::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains("1号窗口"), "{texts}");
        // The same document, the same page count in the PDF.
        let pdf = render_pdf(&doc).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
