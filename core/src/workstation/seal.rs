//! The department's electronic seal at the workstation (A7; used by 协查 and licence
//! verification): the seal keys present, stamping a PDF with the seal PIN, verifying the
//! seals of a document. Stamping is for a clerk at an unlocked window; the stamp is audited
//! (`seal.stamp`) in one transaction with its outbox row before the stamped document is
//! handed back, so an unaudited stamp never leaves the workstation. A refused seal PIN is
//! audited too (`seal.pin_refused`). Audit entries carry the document's SHA-256, the key and
//! the certificate: never the document or anything read from it.

use std::sync::Arc;

use serde_json::json;

use crate::devices::seal::{sha256_hex, SealKey, SealService, SealVerdict, StampOptions, Stamped};
use crate::{ErrorCode, UserError};

use super::Workstation;

impl Workstation {
    fn seal_service(&self) -> Arc<SealService> {
        self.devices.seal(&self.config.devices.seal)
    }

    fn now_secs(&self) -> i64 {
        self.now().div_euclid(1000)
    }

    /// The seal keys plugged in now, with their department and seal PIN state.
    pub fn seal_keys(&self) -> Result<Vec<SealKey>, UserError> {
        self.clerk_desk()?;
        self.seal_service().keys(self.now_secs())
    }

    /// Stamps `pdf` with the department seal after verifying `seal_pin` (A7); returns the
    /// stamped document once the stamp is audited. A wrong seal PIN is
    /// [`ErrorCode::SealPinIncorrect`] with the tries left in its message, a locked one
    /// [`ErrorCode::SealPinLocked`].
    pub fn stamp_document(
        &self,
        pdf: &[u8],
        options: &StampOptions,
        seal_pin: &str,
    ) -> Result<Vec<u8>, UserError> {
        self.clerk_desk()?;
        let service = self.seal_service();
        match service.stamp(pdf, options, seal_pin, self.now_secs()) {
            Ok(stamped) => {
                self.audit(
                    "seal.stamp",
                    Some(stamped.original_sha256.clone()),
                    stamp_detail(&stamped, options),
                )?;
                Ok(stamped.pdf)
            }
            Err(e) => {
                if matches!(
                    e.code,
                    ErrorCode::SealPinIncorrect | ErrorCode::SealPinLocked
                ) {
                    let detail = json!({
                        "code": e.code.as_str(),
                        "document_sha256": sha256_hex(pdf),
                        "detail": e.detail,
                    });
                    if let Err(audit) = self.audit("seal.pin_refused", None, detail) {
                        tracing::error!(error = %audit.detail, "refused seal PIN not audited");
                    }
                }
                Err(e)
            }
        }
    }

    /// Every seal and signature of `pdf`, verified against `devices.seal.trusted_cas`: each
    /// with its Chinese sentence (valid, altered, untrusted, …). A document without any, or
    /// one that cannot be read, is [`ErrorCode::SealUnsigned`] /
    /// [`ErrorCode::SealDocumentUnreadable`].
    pub fn verify_document(&self, pdf: &[u8]) -> Result<Vec<SealVerdict>, UserError> {
        self.clerk_desk()?;
        self.seal_service().verify(pdf, self.now_secs())
    }
}

/// The facts of a stamp for its audit entry: hashes, key, certificate, page — no content.
fn stamp_detail(s: &Stamped, options: &StampOptions) -> serde_json::Value {
    json!({
        "document_sha256": s.original_sha256,
        "stamped_sha256": s.stamped_sha256,
        "key": s.key.key,
        "certificate_serial": s.key.serial,
        "certificate_issuer": s.key.issuer,
        "department": s.key.department,
        "algorithm": s.key.algorithm,
        "page": options.page,
        "bytes": s.pdf.len(),
    })
}

#[cfg(all(test, unix))]
use super::ukey_support;

#[cfg(all(test, unix))]
#[path = "seal_tests.rs"]
mod tests;
