//! A licence's file in the window (L1): the preview (its pages' text and the verification of
//! its issuer's seal, since the webview shows no PDF) and the download to the data folder's
//! `exports/` for the clerk to hand on. Both go through [`Workstation::licence_file`], so the
//! server and this workstation audit them with clerk, item and purpose.

use serde::Serialize;

use crate::devices::seal::SealVerdict;
use crate::{ErrorCode, UserError};

use super::licences::LicenceFileQuery;
use super::Workstation;

/// What the preview shows of a licence file.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LicencePreview {
    pub identifier: String,
    /// `application/pdf` or `application/ofd`.
    pub content_type: String,
    pub size: u32,
    pub pages: u32,
    /// The text of each page (at most the first eight); empty when a page has none.
    pub texts: Vec<String>,
    /// The issuer's seals and signatures, verified here (L3) against the trusted CAs.
    pub signatures: Vec<SealVerdict>,
    /// Why the signatures could not be checked (unsigned, unreadable, OFD), in Chinese.
    pub signature_problem: Option<String>,
}

/// A downloaded licence file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LicenceDownload {
    pub path: String,
    pub size: u32,
}

impl Workstation {
    /// The preview of a licence: its text and its signatures verified (L1, L3).
    pub fn licence_preview(&self, q: &LicenceFileQuery) -> Result<LicencePreview, UserError> {
        let file = self.licence_file(&LicenceFileQuery {
            download: false,
            ..q.clone()
        })?;
        let size = file.bytes.len().min(u32::MAX as usize) as u32;
        if file.content_type != "application/pdf" {
            return Ok(LicencePreview {
                identifier: q.identifier.clone(),
                content_type: file.content_type,
                size,
                pages: 0,
                texts: vec![],
                signatures: vec![],
                signature_problem: Some(ErrorCode::LicenceNoPreview.message().to_owned()),
            });
        }
        let (texts, pages) = yichuang_seal::text::page_texts(&file.bytes).unwrap_or_default();
        let (signatures, signature_problem) = match self.verify_document(&file.bytes) {
            Ok(v) => (v, None),
            Err(e) => (vec![], Some(e.message)),
        };
        Ok(LicencePreview {
            identifier: q.identifier.clone(),
            content_type: file.content_type,
            size,
            pages,
            texts,
            signatures,
            signature_problem,
        })
    }

    /// Saves a licence file to `exports/<identifier>.<pdf|ofd>` for the clerk (audited as a
    /// download on both sides).
    pub fn licence_download(&self, q: &LicenceFileQuery) -> Result<LicenceDownload, UserError> {
        let file = self.licence_file(&LicenceFileQuery {
            download: true,
            ..q.clone()
        })?;
        let ext = if file.content_type == "application/ofd" {
            "ofd"
        } else {
            "pdf"
        };
        let name: String = q
            .identifier
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let dir = self.data_dir.join("exports");
        let path = dir.join(format!("{name}.{ext}"));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, &file.bytes))
            .map_err(|e| {
                UserError::new(
                    ErrorCode::LicenceSaveFailed,
                    format!("{}: {e}", path.display()),
                )
            })?;
        Ok(LicenceDownload {
            path: path.display().to_string(),
            size: file.bytes.len().min(u32::MAX as usize) as u32,
        })
    }
}
