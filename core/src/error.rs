//! Errors of the core, each with a stable code, a Chinese message for the clerk and a
//! technical detail for IT. The UI only ever receives [`UserError`].

use serde::Serialize;

/// What the UI gets for any failure: a stable code it may branch on, the message shown to
/// the clerk (Simplified Chinese) and the detail for the log / IT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UserError {
    pub code: String,
    pub message: String,
    pub detail: String,
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}（{}）", self.message, self.detail)
    }
}

impl std::error::Error for UserError {}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("config: {0}")]
    Config(#[from] crate::infra::config::ConfigError),
    #[error("store: {0}")]
    Store(#[from] crate::infra::store::StoreError),
    #[error("instance: {0}")]
    Instance(#[from] crate::infra::instance::InstanceError),
    #[error("sync: {0}")]
    Sync(#[from] crate::infra::sync::SyncError),
    #[error("keystore: {0}")]
    Keystore(#[from] crate::infra::keystore::KeystoreError),
    #[error("blob: {0}")]
    Blob(#[from] crate::infra::blobs::BlobError),
}

impl CoreError {
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Config(_) => "config",
            CoreError::Store(_) => "store",
            CoreError::Instance(_) => "instance",
            CoreError::Sync(_) => "sync",
            CoreError::Keystore(_) => "keystore",
            CoreError::Blob(_) => "blob",
        }
    }

    /// The message for the clerk, in Simplified Chinese.
    pub fn message(&self) -> String {
        match self {
            CoreError::Config(e) => e.message(),
            CoreError::Store(e) => e.message(),
            CoreError::Instance(e) => e.message(),
            CoreError::Sync(e) => e.message(),
            CoreError::Keystore(e) => e.message(),
            CoreError::Blob(e) => e.message(),
        }
    }

    pub fn to_user(&self) -> UserError {
        UserError {
            code: self.code().to_string(),
            message: self.message(),
            detail: self.to_string(),
        }
    }
}

impl From<CoreError> for UserError {
    fn from(e: CoreError) -> Self {
        e.to_user()
    }
}
