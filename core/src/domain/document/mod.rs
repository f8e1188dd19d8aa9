//! A4 documents: the notices a counter prints (受理通知书, 不予受理通知书, 补正补齐告知书),
//! the acceptance receipt and the A4 printer's test page.
//!
//! A document is data ([`Document`]: title, paragraphs, key–value lists, bordered tables,
//! the case number's QR code, signature and seal lines). The layout ([`layout`]) is written
//! once: it wraps mixed Chinese/Latin text on measured glyph advances, breaks pages and
//! repeats a table's header row on the next page, and numbers the pages 「第 1 页 共 2 页」.
//! [`render_pdf`] sets the result in the bundled CJK font ([`font`]) and embeds only the
//! glyphs used. [`notices`] builds the standard documents from their data.
//!
//! Printing goes through the OS spooler: the PDF to CUPS (`yichuang_drivers::spooler`), or on
//! Windows the same pages drawn with GDI ([`device`]); see [`crate::devices::a4_printer`].

pub mod device;
pub mod font;
pub mod layout;
pub mod model;
pub mod notices;
pub mod pdf;
pub mod preview;
pub mod qr;
pub mod scan_pdf;
mod wording;
pub mod wrap;

pub use model::{Align, Block, Column, Document, KeyValue, Paragraph, QrBlock, Table};
pub use notices::{
    acceptance_receipt, notice, test_page, AcceptanceReceipt, Material, Notice, NoticeKind,
    TestPage,
};
pub use pdf::{render_pages, render_pdf};
pub use preview::{preview, DocumentPreview};
pub use scan_pdf::{jpeg_pages_to_pdf, ScanPdfError};

use crate::error::{ErrorCode, UserError};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The bundled font could not be parsed (a broken build).
    #[error("the bundled font assets/fonts/wqy-microhei.ttc cannot be parsed")]
    Font,
    /// The QR code's data does not fit a QR code.
    #[error("QR code for {data:?}: {detail}")]
    Qr { data: String, detail: String },
    /// A table row has more or fewer cells than the table has columns.
    #[error("table row {row} has {got} cells, the table has {expected} columns")]
    TableShape {
        row: usize,
        got: usize,
        expected: usize,
    },
    /// Something that cannot be split is taller than a page (e.g. one table row).
    #[error("{what} is {height_mm:.1} mm tall, a page holds {page_mm:.1} mm")]
    TooTall {
        what: &'static str,
        height_mm: f32,
        page_mm: f32,
    },
}

impl DocumentError {
    /// What the clerk reads, in Simplified Chinese.
    pub fn message(&self) -> String {
        self.code().message().into()
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            DocumentError::Font => ErrorCode::DocumentFont,
            DocumentError::Qr { .. } => ErrorCode::DocumentQr,
            DocumentError::TableShape { .. } => ErrorCode::DocumentTable,
            DocumentError::TooTall { .. } => ErrorCode::DocumentTooTall,
        }
    }

    pub fn to_user(&self) -> UserError {
        UserError::with_message(self.code(), self.message(), self.to_string())
    }
}

impl From<DocumentError> for UserError {
    fn from(e: DocumentError) -> UserError {
        e.to_user()
    }
}
