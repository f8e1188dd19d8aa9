//! The text of a PDF's pages, for a preview in the window (L1): the webview has no PDF
//! viewer, and a licence is read for its words (holder, number, validity). lopdf's extraction
//! runs under the same panic guard as stamping; a page without extractable text is empty.

use lopdf::Document;
use yichuang_pki::PkiError;

/// At most this many pages are read (a licence has one or two).
pub const MAX_PAGES: usize = 8;

/// The text of the first [`MAX_PAGES`] pages of `pdf`, one string per page; the page count.
pub fn page_texts(pdf: &[u8]) -> Result<(Vec<String>, u32), PkiError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let doc = Document::load_mem(pdf).map_err(|e| PkiError::DocumentMalformed {
            detail: format!("reading the document: {e}"),
        })?;
        let pages = doc.get_pages();
        let texts = pages
            .keys()
            .take(MAX_PAGES)
            .map(|&n| doc.extract_text(&[n]).map(|t| tidy(&t)).unwrap_or_default())
            .collect();
        Ok((texts, pages.len().min(u32::MAX as usize) as u32))
    }))
    .unwrap_or_else(|_| {
        Err(PkiError::DocumentMalformed {
            detail: "the PDF reader failed on the document (text)".into(),
        })
    })
}

/// Lines trimmed, control characters dropped, empty lines folded.
fn tidy(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_text_of_a_broken_document_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"%PDF-1.7\n",
            b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [1 0 R] >>",
        ] {
            assert!(page_texts(bad).is_err());
        }
    }
}
