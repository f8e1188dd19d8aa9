//! Finds the signatures of a PDF in its raw bytes, without building the object tree: each
//! signature dictionary carries `/ByteRange [0 b c d]` and the bytes between the two ranges
//! must be exactly its `/Contents <hex>` string. A signature dictionary can never sit in a
//! compressed object stream (its `/Contents` would not be excluded from the signed bytes),
//! so a byte scan finds every one. Pure and panic-free over any input (fuzzed:
//! `fuzz/fuzz_targets/pdf_signature.rs`).

use yichuang_pki::PkiError;

/// Where the PDF header may start (some files have bytes before it, as readers allow).
const HEADER_WINDOW: usize = 1024;
/// Where the last `%%EOF` must be, from the end.
const EOF_WINDOW: usize = 1024;

/// One signature dictionary found in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureSlot {
    /// Offset of the `/ByteRange` key (orders slots; names them in reports).
    pub offset: usize,
    /// `[0, b, c, d]`: the signed bytes are `0..b` and `c..c+d`.
    pub byte_range: [usize; 4],
    /// The decoded `/Contents` (CMS DER, zero-padded), or why the slot is unusable.
    pub contents: Result<Vec<u8>, PkiError>,
}

impl SignatureSlot {
    /// The end of the signed revision: `c + d`.
    pub fn signed_end(&self) -> usize {
        self.byte_range[2].saturating_add(self.byte_range[3])
    }
}

fn malformed(detail: impl Into<String>) -> PkiError {
    PkiError::DocumentMalformed {
        detail: detail.into(),
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// The whole-file checks: a PDF header near the start ([`PkiError::DocumentMalformed`]) and
/// a `%%EOF` at the end ([`PkiError::DocumentTruncated`]).
pub fn check_file(pdf: &[u8]) -> Result<(), PkiError> {
    let head = &pdf[..pdf.len().min(HEADER_WINDOW)];
    if find(head, b"%PDF-", 0).is_none() {
        return Err(malformed("no %PDF- header"));
    }
    let tail_start = pdf.len().saturating_sub(EOF_WINDOW);
    if find(pdf, b"%%EOF", tail_start).is_none() {
        return Err(PkiError::DocumentTruncated {
            detail: "no %%EOF at the end of the file".into(),
        });
    }
    Ok(())
}

/// Whether `end` is the end of a revision: the bytes before it are `%%EOF` and an optional
/// end-of-line.
pub fn ends_revision(pdf: &[u8], end: usize) -> bool {
    let Some(before) = pdf.get(..end) else {
        return false;
    };
    let trimmed = before
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n'))
        .map_or(&before[..0], |p| &before[..=p]);
    trimmed.ends_with(b"%%EOF") && before.len() - trimmed.len() <= 2
}

/// Parses `[a b c d]` after `/ByteRange`; `None` when it is not four non-negative integers.
fn parse_byte_range(pdf: &[u8], mut i: usize) -> Option<[usize; 4]> {
    while pdf.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    if pdf.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    let mut out = [0usize; 4];
    for slot in &mut out {
        while pdf.get(i).copied().is_some_and(is_space) {
            i += 1;
        }
        let start = i;
        while pdf.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = std::str::from_utf8(pdf.get(start..i)?).ok()?;
        if digits.is_empty() || digits.len() > 15 {
            return None;
        }
        *slot = digits.parse().ok()?;
    }
    while pdf.get(i).copied().is_some_and(is_space) {
        i += 1;
    }
    (pdf.get(i) == Some(&b']')).then_some(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a PDF hex string `<…>` (whitespace allowed, odd final digit padded with 0).
pub fn decode_hex_string(s: &[u8]) -> Option<Vec<u8>> {
    let inner = s.strip_prefix(b"<")?.strip_suffix(b">")?;
    let mut out = Vec::with_capacity(inner.len() / 2);
    let mut high = None;
    for &b in inner {
        if is_space(b) {
            continue;
        }
        let v = hex_value(b)?;
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Some(out)
}

/// The `/Contents` of a slot: the gap `b..c` must be a hex string preceded by `/Contents`.
fn contents_of(pdf: &[u8], br: [usize; 4]) -> Result<Vec<u8>, PkiError> {
    let [a, b, c, d] = br;
    if a != 0 || b >= c {
        return Err(malformed(format!(
            "/ByteRange {br:?} is not [0 b c d] with b < c"
        )));
    }
    if c.checked_add(d).is_none_or(|end| end > pdf.len()) {
        return Err(PkiError::DocumentTruncated {
            detail: format!(
                "/ByteRange {br:?} reaches past the end ({} bytes)",
                pdf.len()
            ),
        });
    }
    let gap = &pdf[b..c];
    let before = &pdf[..b];
    let key_end = before
        .iter()
        .rposition(|x| !is_space(*x))
        .map_or(0, |p| p + 1);
    if !before[..key_end].ends_with(b"/Contents") {
        return Err(malformed("the unsigned gap is not the /Contents value"));
    }
    decode_hex_string(gap).ok_or_else(|| malformed("/Contents is not a hex string"))
}

/// Every `/ByteRange` in the file, in file order, with its `/Contents`.
pub fn find_signatures(pdf: &[u8]) -> Vec<SignatureSlot> {
    let mut slots = Vec::new();
    let mut from = 0;
    while let Some(at) = find(pdf, b"/ByteRange", from) {
        from = at + b"/ByteRange".len();
        let Some(byte_range) = parse_byte_range(pdf, from) else {
            continue;
        };
        slots.push(SignatureSlot {
            offset: at,
            byte_range,
            contents: contents_of(pdf, byte_range),
        });
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges_and_contents_are_found_and_checked() {
        let mut pdf =
            b"%PDF-1.7\n1 0 obj<</ByteRange [0 XX YY ZZ]/Contents <3082>>>endobj\n%%EOF\n".to_vec();
        let b = find(&pdf, b"<3082>", 0).unwrap();
        let c = b + 6;
        let d = pdf.len() - c;
        let text = format!("[0 {b} {c} {d}]");
        let s = find(&pdf, b"[0 XX YY ZZ]", 0).unwrap();
        pdf.splice(s..s + 12, text.bytes());
        // The splice moved the offsets: recompute once with the final lengths.
        let b2 = find(&pdf, b"<3082>", 0).unwrap();
        let shift = b2 - b;
        let text2 = format!("[0 {} {} {}]", b + shift, c + shift, d);
        let s2 = find(&pdf, text.as_bytes(), 0).unwrap();
        pdf.splice(s2..s2 + text.len(), text2.bytes());
        let slots = find_signatures(&pdf);
        assert_eq!(slots.len(), 1);
        assert_eq!(slots[0].contents, Ok(vec![0x30, 0x82]));
        assert!(ends_revision(&pdf, slots[0].signed_end()));
        assert_eq!(check_file(&pdf), Ok(()));
        assert!(matches!(
            check_file(&pdf[..pdf.len() - 8]),
            Err(PkiError::DocumentTruncated { .. })
        ));
    }

    #[test]
    fn hex_strings_tolerate_spaces_and_odd_digits() {
        assert_eq!(
            decode_hex_string(b"<0a 1B\n2>"),
            Some(vec![0x0a, 0x1b, 0x20])
        );
        assert_eq!(decode_hex_string(b"<0g>"), None);
        assert_eq!(decode_hex_string(b"0a>"), None);
    }
}
