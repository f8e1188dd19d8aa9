//! Material files (E3): imported or captured, checked, stored encrypted and queued for upload.

use crate::domain::intake::context::Desk;
use crate::domain::intake::labels;
use crate::domain::intake::model::Attachment;
use crate::domain::intake::tx::{transact, Audit, Effects, Outbox};
use crate::domain::intake::{AttachmentProblem, IntakeError};
use crate::infra::store::Store;
use serde_json::json;

/// Largest file a material may carry (a scanned multi-page PDF fits; a video does not).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// The kind of an imported file, by its first bytes (the name's extension is not trusted).
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// Pages of a PDF, counted from its page objects (`/Type /Page`, not `/Pages`); 1 for images.
fn page_count(mime: &str, bytes: &[u8]) -> u32 {
    if mime != "application/pdf" {
        return 1;
    }
    let mut n = 0u32;
    let mut i = 0;
    while let Some(p) = bytes[i..].windows(5).position(|w| w == b"/Page") {
        let at = i + p + 5;
        let before = &bytes[(i + p).saturating_sub(8)..i + p];
        let is_type = before.windows(5).any(|w| w == b"/Type");
        if is_type && bytes.get(at) != Some(&b's') {
            n += 1;
        }
        i = at;
    }
    n.max(1)
}

/// Imports a file for a material (E3): checked (JPG, PNG or PDF, at most 20 MB), stored
/// encrypted and content-addressed, queued for upload and audited in one transaction. The
/// returned attachment goes into the material's `files` of the draft.
pub fn attach(
    store: &mut Store,
    blobs: &crate::infra::blobs::BlobStore,
    desk: &Desk,
    name: &str,
    bytes: &[u8],
    at_ms: i64,
) -> Result<Attachment, IntakeError> {
    attach_with(store, blobs, desk, name, bytes, at_ms, None)
}

/// [`attach`] with one more audit entry in the same transaction: the electronic licence
/// (`licence.attach`, L2) whose file this is.
pub(crate) fn attach_with(
    store: &mut Store,
    blobs: &crate::infra::blobs::BlobStore,
    desk: &Desk,
    name: &str,
    bytes: &[u8],
    at_ms: i64,
    also: Option<Audit>,
) -> Result<Attachment, IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::Attachment(AttachmentProblem::Empty));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(IntakeError::Attachment(AttachmentProblem::TooLarge {
            max_mb: MAX_ATTACHMENT_BYTES / 1024 / 1024,
        }));
    }
    let mime =
        sniff(bytes).ok_or_else(|| IntakeError::Attachment(AttachmentProblem::UnsupportedType))?;
    let blob = blobs.put(bytes)?;
    let name: String = name.chars().filter(|c| !c.is_control()).take(120).collect();
    let att = Attachment {
        sha256: blob.sha256.clone(),
        name: if name.trim().is_empty() {
            labels::UNNAMED_ATTACHMENT.into()
        } else {
            name
        },
        size: blob.size.min(u32::MAX as u64) as u32,
        pages: page_count(mime, bytes),
        mime: mime.into(),
    };
    let audit = Audit::new(
        "intake.attach",
        None,
        json!({ "file": att.name, "sha256": att.sha256, "size": att.size,
                "mime": att.mime, "pages": att.pages }),
    );
    transact(store, &desk.clerk_id, at_ms, |_| {
        Ok(Effects {
            value: (),
            audit: std::iter::once(audit).chain(also).collect(),
            outbox: Outbox::Blob(blob),
        })
    })?;
    Ok(att)
}

#[cfg(test)]
mod tests {
    use crate::domain::intake::cases;
    use crate::domain::intake::testkit::*;
    use crate::domain::intake::*;

    #[test]
    fn imported_files_are_checked_stored_encrypted_and_queued() {
        let (dir, mut s) = store();
        let key = crate::infra::keystore::StoreKey::random().unwrap();
        let blobs = crate::infra::blobs::BlobStore::open(&dir.path().join("blobs"), &key).unwrap();
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n%%EOF";
        let att = cases::attach(&mut s, &blobs, &desk(), "户口簿.pdf", pdf, NOW).unwrap();
        assert_eq!((att.mime.as_str(), att.pages), ("application/pdf", 2));
        assert_eq!(blobs.read(&att.sha256).unwrap(), pdf);
        // Encrypted on disk: the plain bytes are not in the file.
        let raw = std::fs::read(blobs.path_of(&att.sha256)).unwrap();
        assert!(!raw.windows(8).any(|w| w == b"/Type /P"));
        assert_eq!(count(&mut s, "SELECT count(*) FROM blob_outbox"), 1);
        assert_eq!(
            count(
                &mut s,
                "SELECT count(*) FROM audit_log WHERE action = 'intake.attach'"
            ),
            1
        );
        for bad in [&b""[..], &b"MZ\x90\x00 not a document"[..]] {
            let e = cases::attach(&mut s, &blobs, &desk(), "x.exe", bad, NOW).unwrap_err();
            assert!(matches!(e, IntakeError::Attachment(_)), "{e}");
        }
        let png = b"\x89PNG\r\n\x1a\n0000";
        assert_eq!(
            cases::attach(&mut s, &blobs, &desk(), "照片.png", png, NOW)
                .unwrap()
                .pages,
            1
        );
    }
}
