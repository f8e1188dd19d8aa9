//! Keeping the workstations running (issue 19): signed releases the workstations update
//! from ([`releases`], K1) and the diagnostics bundles they send to IT ([`diagnostics`], K3).
//! Both keep their files in the blob store (local disk or S3, shared by every instance) under
//! their SHA-256, and their rows in the database.

pub mod admin;
pub mod diagnostics;
pub mod releases;

use axum::http::StatusCode;

use crate::error::{Error, ErrorCode};

/// Why a release or bundle request was refused (one code each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaintenanceProblem {
    /// No such (published, not withdrawn) release.
    ReleaseUnknown,
    /// A publish whose file, signature or claim is not right.
    ReleaseInvalid,
    /// An upload that is not a zip file.
    DiagnosticsInvalid,
    /// No such bundle.
    DiagnosticsUnknown,
}

impl MaintenanceProblem {
    pub fn code(self) -> ErrorCode {
        match self {
            MaintenanceProblem::ReleaseUnknown => ErrorCode::ReleaseUnknown,
            MaintenanceProblem::ReleaseInvalid => ErrorCode::ReleaseInvalid,
            MaintenanceProblem::DiagnosticsInvalid => ErrorCode::DiagnosticsInvalid,
            MaintenanceProblem::DiagnosticsUnknown => ErrorCode::DiagnosticsUnknown,
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            MaintenanceProblem::ReleaseUnknown | MaintenanceProblem::DiagnosticsUnknown => {
                StatusCode::NOT_FOUND
            }
            MaintenanceProblem::ReleaseInvalid => StatusCode::BAD_REQUEST,
            MaintenanceProblem::DiagnosticsInvalid => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }
}

pub(crate) fn problem(problem: MaintenanceProblem, detail: impl Into<String>) -> Error {
    Error::Maintenance {
        problem,
        detail: detail.into(),
    }
}
