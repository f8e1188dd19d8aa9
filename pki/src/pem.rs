//! PEM files with one or more blocks (a CA bundle, a CRL): split and decode them.

use crate::error::PkiError;

/// Whether `bytes` look like PEM text rather than DER.
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(b"-----BEGIN ")
}

/// The DER of every block whose label is in `labels`; other blocks (keys, comments) are
/// skipped. A block with a wanted label that does not decode is an error.
pub(crate) fn blocks(bytes: &[u8], labels: &[&str]) -> Result<Vec<Vec<u8>>, PkiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| PkiError::malformed("PEM", e))?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            return Err(PkiError::malformed("PEM", "unterminated BEGIN line"));
        };
        let label = &after[..label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = rest[begin..].find(&end_marker) else {
            return Err(PkiError::malformed(
                "PEM",
                format!("no END line for {label}"),
            ));
        };
        let block_end = begin + end + end_marker.len();
        let block = &rest[begin..block_end];
        if labels.contains(&label) {
            let (_, der) = x509_cert::der::pem::decode_vec(block.as_bytes())
                .map_err(|e| PkiError::malformed("PEM", format!("{label}: {e}")))?;
            out.push(der);
        }
        rest = &rest[block_end..];
    }
    Ok(out)
}
