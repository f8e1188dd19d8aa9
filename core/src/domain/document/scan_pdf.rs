//! Captured material pages (JPEG) assembled into one PDF per material.
//!
//! The PDF is written directly rather than through printpdf: printpdf decodes an embedded
//! JPEG and encodes it again (a second lossy generation, ~100 ms per 5 MP page, and the
//! `image` crate), whereas a PDF can carry the camera's JPEG bytes untouched as a
//! `DCTDecode` image XObject. Each page is A4 (portrait or landscape, following the image)
//! with the image scaled to fit and centred. Output is deterministic: same pages, same bytes.

use yichuang_drivers::camera::jpeg;

/// A4 in PDF points.
const A4: (f64, f64) = (595.276, 841.89);
/// Margin around the image, in points (5 mm).
const MARGIN: f64 = 14.17;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanPdfError {
    #[error("no pages to assemble")]
    NoPages,
    #[error("page {page}: not a usable JPEG: {detail}")]
    BadPage { page: usize, detail: String },
}

impl ScanPdfError {
    /// The clerk's message.
    pub fn code(&self) -> crate::ErrorCode {
        match self {
            ScanPdfError::NoPages => crate::ErrorCode::ScanNoPages,
            ScanPdfError::BadPage { .. } => crate::ErrorCode::ScanBadPage,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> &'static str {
        self.code().message()
    }
}

/// One PDF with one A4 page per JPEG, in order; `title` goes into the document info.
pub fn jpeg_pages_to_pdf(title: &str, pages: &[&[u8]]) -> Result<Vec<u8>, ScanPdfError> {
    if pages.is_empty() {
        return Err(ScanPdfError::NoPages);
    }
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    // Object numbers: 1 catalog, 2 pages, 3 info, then per page: page, content, image.
    let n = pages.len();
    let page_obj = |i: usize| 4 + 3 * i;
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", page_obj(i))).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(format!("<< /Title {} /Producer (yichuang) >>", pdf_text(title)).into_bytes());
    for (i, bytes) in pages.iter().enumerate() {
        let h = jpeg::header(bytes).map_err(|e| ScanPdfError::BadPage {
            page: i + 1,
            detail: e.to_string(),
        })?;
        let colour = match h.components {
            1 => "/DeviceGray",
            3 => "/DeviceRGB",
            4 => "/DeviceCMYK /Decode [1 0 1 0 1 0 1 0]",
            c => {
                return Err(ScanPdfError::BadPage {
                    page: i + 1,
                    detail: format!("{c} colour components"),
                })
            }
        };
        let (pw, ph) = if h.width > h.height { (A4.1, A4.0) } else { A4 };
        let scale =
            ((pw - 2.0 * MARGIN) / h.width as f64).min((ph - 2.0 * MARGIN) / h.height as f64);
        let (iw, ih) = (h.width as f64 * scale, h.height as f64 * scale);
        let (x, y) = ((pw - iw) / 2.0, (ph - ih) / 2.0);
        let (p, c, im) = (page_obj(i), page_obj(i) + 1, page_obj(i) + 2);
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.2} {ph:.2}] \
                 /Resources << /XObject << /Im{i} {im} 0 R >> >> /Contents {c} 0 R >>"
            )
            .into_bytes(),
        );
        let content = format!("q {iw:.2} 0 0 {ih:.2} {x:.2} {y:.2} cm /Im{i} Do Q");
        objects.push(stream(
            &format!("<< /Length {} >>", content.len()),
            content.as_bytes(),
        ));
        objects.push(stream(
            &format!(
                "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {colour} \
                 /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>",
                h.width,
                h.height,
                bytes.len()
            ),
            bytes,
        ));
        debug_assert_eq!(objects.len(), p + 2);
    }
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    Ok(out)
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut v = dict.as_bytes().to_vec();
    v.extend_from_slice(b"\nstream\n");
    v.extend_from_slice(data);
    v.extend_from_slice(b"\nendstream");
    v
}

/// A PDF text string: UTF-16BE with BOM, hex-encoded (Chinese titles included).
fn pdf_text(s: &str) -> String {
    let mut hex = String::from("<FEFF");
    for u in s.encode_utf16() {
        hex.push_str(&format!("{u:04X}"));
    }
    hex.push('>');
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use yichuang_drivers::camera::{GrayImage, RgbImage};

    fn page(w: u32, h: u32, colour: bool) -> Vec<u8> {
        if colour {
            let img = RgbImage::new(w, h, vec![200; (w * h * 3) as usize]).unwrap();
            jpeg::encode_rgb(&img, 80).unwrap()
        } else {
            jpeg::encode_gray(&GrayImage::filled(w, h, 90), 80).unwrap()
        }
    }

    #[test]
    fn e3_pages_become_one_pdf_with_the_jpegs_embedded_as_is() {
        let a = page(400, 560, true);
        let b = page(600, 300, false);
        let pdf = jpeg_pages_to_pdf("户口簿 第1页", &[&a, &b]).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/Type /Page ").count(), 2);
        assert!(text.contains("/Count 2"));
        assert!(text.contains("/DeviceRGB") && text.contains("/DeviceGray"));
        // The second page is landscape.
        assert!(text.contains("/MediaBox [0 0 841.89 595.28]"));
        // The JPEG bytes are there unchanged.
        assert!(pdf.windows(a.len()).any(|w| w == a.as_slice()));
        // Deterministic.
        assert_eq!(pdf, jpeg_pages_to_pdf("户口簿 第1页", &[&a, &b]).unwrap());
        // xref offsets point at the objects.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(pdf[xref_at..].starts_with(b"xref"));
    }

    #[test]
    fn poppler_reads_it_without_complaint_when_installed() {
        let a = page(300, 420, true);
        let pdf = jpeg_pages_to_pdf("测试", &[&a]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.pdf");
        std::fs::write(&path, &pdf).unwrap();
        match std::process::Command::new("pdfinfo").arg(&path).output() {
            Ok(out) => {
                let info = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let pages = info
                    .lines()
                    .find_map(|l| l.strip_prefix("Pages:"))
                    .map(str::trim);
                assert_eq!(pages, Some("1"), "{info}");
                assert!(
                    out.stderr.is_empty(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(info.contains("测试"), "{info}");
            }
            Err(_) => eprintln!("pdfinfo not installed; structure checked above only"),
        }
    }

    #[test]
    fn no_pages_or_a_broken_page_is_refused() {
        assert_eq!(jpeg_pages_to_pdf("x", &[]), Err(ScanPdfError::NoPages));
        let e = jpeg_pages_to_pdf("x", &[b"garbage".as_slice()]).unwrap_err();
        assert!(matches!(e, ScanPdfError::BadPage { page: 1, .. }));
        assert!(e.message().contains("重新拍摄"));
    }
}
