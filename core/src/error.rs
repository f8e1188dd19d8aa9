//! Errors of the core, each with a stable code, a Chinese message for the clerk and a
//! technical detail for IT. The UI only ever receives [`UserError`].
//!
//! Every code the app can hand the UI is one [`ErrorCode`] variant; its serde name is the
//! wire string (TypeScript gets the union through specta) and its Chinese sentence lives in
//! one table, [`crate::messages`].

use serde::{Deserialize, Serialize};

/// Declares [`ErrorCode`] from `Variant = "wire.name"` pairs, with [`ErrorCode::ALL`] and
/// [`ErrorCode::as_str`] kept in step with the serde names.
macro_rules! error_codes {
    ($( $(#[$attr:meta])* $variant:ident = $name:tt, )*) => {
        /// The stable code of a failure the UI may branch on. Serialised as its dotted name
        /// (`"intake.no_session"`); TypeScript sees the string-literal union.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type,
        )]
        pub enum ErrorCode {
            $( $(#[$attr])* #[serde(rename = $name)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire name (the serde name).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    // The core's own error types (CoreError).
    Config = "config",
    Store = "store",
    Instance = "instance",
    Sync = "sync",
    Keystore = "keystore",
    Blob = "blob",
    DataDir = "data_dir",
    ConfigRead = "config.read",
    ConfigSyntax = "config.syntax",
    ConfigKeyMissing = "config.key_missing",
    ConfigKeyUnknown = "config.key_unknown",
    ConfigKeyWrongType = "config.key_wrong_type",
    ConfigKeyBadValue = "config.key_bad_value",
    ConfigInsecureUrl = "config.insecure_url",
    StoreSqlite = "store.sqlite",
    StoreMigration = "store.migration",
    StoreWrongKey = "store.wrong_key",
    StoreEncrypt = "store.encrypt",
    StoreTooNew = "store.too_new",
    InstanceAlreadyRunning = "instance.already_running",
    InstanceIo = "instance.io",
    DataDirDenied = "data_dir.denied",
    DataDirUnsafe = "data_dir.unsafe",
    DataDirIo = "data_dir.io",
    KeystoreRandom = "keystore.random",
    KeystoreKeyMissing = "keystore.key_missing",
    KeystoreFile = "keystore.file",
    KeystoreOs = "keystore.os",
    BlobIo = "blob.io",
    BlobCorrupt = "blob.corrupt",
    BlobNotFound = "blob.not_found",
    BlobBadName = "blob.bad_name",
    CatalogRead = "catalog.read",
    CatalogInvalid = "catalog.invalid",
    ScanNoPages = "scan.no_pages",
    ScanBadPage = "scan.bad_page",
    // A background task panicked or was cancelled.
    Internal = "internal",

    StoreWrite = "store.write",
    StoreUnavailable = "store.unavailable",
    StoreAudit = "store.audit",

    LoginClient = "login.client",
    LoginOtherKey = "login.other_key",
    LoginSignatureInvalid = "login.signature_invalid",
    LoginOfflineNoGrant = "login.offline_no_grant",
    LoginOfflineGrantInvalid = "login.offline_grant_invalid",
    LoginNoSession = "login.no_session",
    // The server refused a login step: `login.` + the server's code.
    LoginBadRequest = "login.bad_request",
    LoginChallengeInvalid = "login.challenge_invalid",
    LoginCertMalformed = "login.cert_malformed",
    LoginCertUnsupported = "login.cert_unsupported",
    LoginCertUntrusted = "login.cert_untrusted",
    LoginCertExpired = "login.cert_expired",
    LoginCertRevoked = "login.cert_revoked",
    LoginCertNotBound = "login.cert_not_bound",
    LoginUnauthorized = "login.unauthorized",
    // The server refused with a code this workstation does not know.
    LoginRefused = "login.refused",
    // The server no longer knows the clerk's session (certificate unbound, clerk disabled).
    LoginSessionEnded = "login.session_ended",
    // Offline: the last pulled clerk list no longer has this clerk or this certificate.
    LoginOfflineRevoked = "login.offline_revoked",

    // Workstation enrollment (issue 15 item 1).
    EnrollNoBackend = "enroll.no_backend",
    EnrollCodeEmpty = "enroll.code_empty",
    EnrollUnreachable = "enroll.unreachable",
    EnrollRefused = "enroll.refused",
    EnrollDeskMismatch = "enroll.desk_mismatch",
    EnrollStore = "enroll.store",
    EnrollKeyMissing = "enroll.key_missing",
    NotEnrolled = "enroll.not_enrolled",

    UkeyNoKey = "ukey.no_key",
    UkeyModuleMissing = "ukey.module_missing",
    UkeyRemoved = "ukey.removed",
    UkeyPinIncorrect = "ukey.pin_incorrect",
    UkeyPinLocked = "ukey.pin_locked",
    UkeyPinInvalid = "ukey.pin_invalid",
    UkeyNotLoggedIn = "ukey.not_logged_in",
    UkeyCertNotFound = "ukey.cert_not_found",
    UkeyCertExpired = "ukey.cert_expired",
    UkeyCertNotYetValid = "ukey.cert_not_yet_valid",
    UkeyUnsupported = "ukey.unsupported",
    UkeySignFailed = "ukey.sign_failed",
    UkeyBadData = "ukey.bad_data",
    UkeyMisconfigured = "ukey.misconfigured",
    UkeyFault = "ukey.fault",
    UkeyNotInstalled = "ukey.not_installed",
    /// The new PIN is shorter than 6 or longer than 16 characters.
    UkeyNewPinLength = "ukey.new_pin_length",
    /// The new PIN is the old one.
    UkeyNewPinSameAsOld = "ukey.new_pin_same_as_old",
    /// The new PIN is one character repeated (111111).
    UkeyNewPinTrivial = "ukey.new_pin_trivial",
    /// The two entries of the new PIN differ.
    UkeyNewPinMismatch = "ukey.new_pin_mismatch",

    // Device kinds (drivers' ErrorKind), per device.
    IdCardNotConnected = "id_card.not_connected",
    IdCardOpenFailed = "id_card.open_failed",
    IdCardTimeout = "id_card.timeout",
    IdCardProtocol = "id_card.protocol",
    IdCardNeedsAttention = "id_card.needs_attention",
    IdCardDeviceFault = "id_card.device_fault",
    IdCardMisconfigured = "id_card.misconfigured",
    IdCardSample = "id_card.sample",
    IdCardUnknownSample = "id_card.unknown_sample",
    IdCardNotSimulated = "id_card.not_simulated",
    IdCardNotInstalled = "id_card.not_installed",
    /// The card photo's decoder (helper or vendor library) cannot be started or loaded.
    IdCardPhotoDecoderMissing = "id_card.photo_decoder_missing",
    /// The card photo's decoder failed, refused the photo or crashed.
    IdCardPhotoDecoderFailed = "id_card.photo_decoder_failed",
    /// The card photo's decoder did not answer in time and was stopped.
    IdCardPhotoDecoderTimeout = "id_card.photo_decoder_timeout",

    ReceiptPrinterNotConnected = "receipt_printer.not_connected",
    ReceiptPrinterOpenFailed = "receipt_printer.open_failed",
    ReceiptPrinterTimeout = "receipt_printer.timeout",
    ReceiptPrinterProtocol = "receipt_printer.protocol",
    ReceiptPrinterNeedsAttention = "receipt_printer.needs_attention",
    ReceiptPrinterDeviceFault = "receipt_printer.device_fault",
    ReceiptPrinterMisconfigured = "receipt_printer.misconfigured",
    ReceiptPrinterSimulator = "receipt_printer.simulator",
    ReceiptPrinterDriver = "receipt_printer.driver",
    ReceiptPrinterNotSimulated = "receipt_printer.not_simulated",
    ReceiptPrinterFault = "receipt_printer.fault",
    ReceiptPrinterNotInstalled = "receipt_printer.not_installed",

    A4PrinterNotConnected = "a4_printer.not_connected",
    A4PrinterOpenFailed = "a4_printer.open_failed",
    A4PrinterTimeout = "a4_printer.timeout",
    A4PrinterProtocol = "a4_printer.protocol",
    A4PrinterNeedsAttention = "a4_printer.needs_attention",
    A4PrinterDeviceFault = "a4_printer.device_fault",
    A4PrinterMisconfigured = "a4_printer.misconfigured",
    A4PrinterDriver = "a4_printer.driver",
    A4PrinterSimulator = "a4_printer.simulator",
    A4PrinterNotInstalled = "a4_printer.not_installed",

    CameraNotConnected = "camera.not_connected",
    CameraOpenFailed = "camera.open_failed",
    CameraTimeout = "camera.timeout",
    CameraProtocol = "camera.protocol",
    CameraNeedsAttention = "camera.needs_attention",
    CameraDeviceFault = "camera.device_fault",
    CameraMisconfigured = "camera.misconfigured",
    CameraNotSimulated = "camera.not_simulated",
    CameraNotPreviewing = "camera.not_previewing",
    CameraNoPage = "camera.no_page",
    CameraNoPages = "camera.no_pages",
    CameraPdf = "camera.pdf",
    CameraPage = "camera.page",
    CameraNotInstalled = "camera.not_installed",
    CameraSimAction = "camera.sim_action",
    // Raised by the UI: the preview frame could not be fetched.
    CameraTransport = "camera.transport",
    // Raised by the UI: a scanned code is not a personal code it can use.
    CameraPersonalCodeInvalid = "camera.personal_code_invalid",
    CameraPersonalCodeUnsigned = "camera.personal_code_unsigned",
    CameraPersonalCodeBadSignature = "camera.personal_code_bad_signature",
    CameraPersonalCodeExpired = "camera.personal_code_expired",
    // Raised by the UI: a scanned code names no item.
    CameraCodeUnknown = "camera.code_unknown",

    ScannerNotSimulated = "scanner.not_simulated",
    ScannerNotSerial = "scanner.not_serial",

    SimctlUnauthorized = "simctl.unauthorized",

    IntakeNoSession = "intake.no_session",
    IntakeLocked = "intake.locked",
    IntakeCatalog = "intake.catalog",
    IntakeNoCard = "intake.no_card",
    IntakeCardStale = "intake.card_stale",
    IntakeCardExpired = "intake.card_expired",
    IntakeOverrideReason = "intake.override_reason",
    IntakeNoBlobStore = "intake.no_blob_store",
    IntakeUnknownItem = "intake.unknown_item",
    IntakeUnknownCase = "intake.unknown_case",
    IntakeSituation = "intake.situation",
    IntakeField = "intake.field",
    IntakeParty = "intake.party",
    IntakeMaterialsMissing = "intake.materials_missing",
    IntakeNotDeferrable = "intake.not_deferrable",
    IntakeDecision = "intake.decision",
    IntakeNoticeNotPrinted = "intake.notice_not_printed",
    IntakeWrongState = "intake.wrong_state",
    IntakeReasonRequired = "intake.reason_required",
    IntakeCardNotRead = "intake.card_not_read",
    IntakeCodeNotRead = "intake.code_not_read",
    IntakeStore = "intake.store",
    IntakeCorrupt = "intake.corrupt",
    IntakeExport = "intake.export",
    IntakeIdSearchNeedsCard = "intake.id_search_needs_card",
    IntakeAttachment = "intake.attachment",
    IntakeBlob = "intake.blob",
    IntakeNotInstant = "intake.not_instant",
    IntakeConcluded = "intake.concluded",
    IntakeWithdrawRequest = "intake.withdraw_request",

    QueueNotConfigured = "queue.not_configured",
    QueueNoSession = "queue.no_session",
    QueueUnreachable = "queue.unreachable",
    // The hall's queue refused the verb; its own Chinese message travels with it.
    QueueRefused = "queue.refused",
    // The workstation's own queue (field office, `queue.mode = "local"`).
    QueueTicketUnknown = "queue.ticket_unknown",
    QueueTicketDone = "queue.ticket_done",
    QueueEmpty = "queue.empty",
    QueueDeskBusy = "queue.desk_busy",
    QueueDeskIdle = "queue.desk_idle",
    QueueWindowPaused = "queue.window_paused",
    QueueGroupUnknown = "queue.group_unknown",
    QueueTransferNeedsGroup = "queue.transfer_needs_group",
    QueueReasonRequired = "queue.reason_required",
    QueueStore = "queue.store",

    VisitNoneWaiting = "visit.none_waiting",
    VisitReasonRequired = "visit.reason_required",
    VisitStore = "visit.store",

    IssueNothingChosen = "issue.nothing_chosen",
    IssueTrackingNo = "issue.tracking_no",
    IssueLockerCode = "issue.locker_code",
    IssueNotHeldHere = "issue.not_held_here",
    IssueNotReady = "issue.not_ready",
    IssueAlreadyDone = "issue.already_done",
    IssuePersonMismatch = "issue.person_mismatch",
    IssueStore = "issue.store",
    // The hall server refused the handover; its own Chinese message travels with it.
    IssueRefused = "issue.refused",
    IssueUnreachable = "issue.unreachable",

    // Licence lookup (L1): no card read in this session, or too long ago.
    LicenceNoCard = "licence.no_card",
    LicenceCardStale = "licence.card_stale",
    // The licence library could not be reached: the clerk goes on with paper.
    LicenceUnreachable = "licence.unreachable",
    // The hall server refused the lookup, file or feedback; its own Chinese message travels with it.
    LicenceRefused = "licence.refused",
    LicenceInvalid = "licence.invalid",
    // L2: the licence is revoked or expired (its reason in the message), or the material or
    // item names no licence type the library knows.
    LicenceNotValid = "licence.not_valid",
    LicenceNotForItem = "licence.not_for_item",
    // In intake: the card read last is not the case's applicant's.
    LicenceOtherHolder = "licence.other_holder",
    LicenceNoPreview = "licence.no_preview",
    LicenceSaveFailed = "licence.save_failed",

    // 部门协查 (L4): a request needs the applicant's card read in this session.
    AssistNoCard = "assist.no_card",
    AssistInvalid = "assist.invalid",
    // The hall server cannot be reached: a new request waits in the outbox, the lists show
    // what this workstation knows.
    AssistUnreachable = "assist.unreachable",
    // The hall server refused; its own Chinese message travels with it.
    AssistRefused = "assist.refused",
    AssistStore = "assist.store",
    AssistNotSealed = "assist.not_sealed",
    // The stamped proof received does not verify at this workstation.
    AssistSealInvalid = "assist.seal_invalid",
    AssistNotPdf = "assist.not_pdf",

    FlowNothingChosen = "flow.nothing_chosen",
    FlowNotPending = "flow.not_pending",
    FlowMixedDepartments = "flow.mixed_departments",
    FlowUnknown = "flow.unknown",
    FlowAlreadySigned = "flow.already_signed",
    FlowStore = "flow.store",
    // The hall server refused the package or the sign-off; its own Chinese message travels with it.
    FlowRefused = "flow.refused",
    FlowUnreachable = "flow.unreachable",

    UpdateNotConfigured = "update.not_configured",
    UpdateNothing = "update.nothing",
    UpdateUnreachable = "update.unreachable",
    // The hall server refused the check or download; its own Chinese message travels with it.
    UpdateRefused = "update.refused",
    UpdateCorrupt = "update.corrupt",
    UpdateSignatureInvalid = "update.signature_invalid",
    UpdateClaimMismatch = "update.claim_mismatch",
    UpdateDowngrade = "update.downgrade",
    UpdateStore = "update.store",
    UpdateInstall = "update.install",

    DiagnosticsWrite = "diagnostics.write",
    DiagnosticsNotSent = "diagnostics.not_sent",

    PermissionDenied = "permission.denied",
    PermissionItemOutOfScope = "permission.item_out_of_scope",

    DocumentFont = "document.font",
    DocumentQr = "document.qr",
    DocumentTable = "document.table",
    DocumentTooTall = "document.too_tall",

    SyncStatusUnreadable = "sync.status_unreadable",
    SyncNotConfigured = "sync.not_configured",
    SyncNotStarted = "sync.not_started",
    SyncNetwork = "sync_network",
    SyncServer = "sync_server",
    SyncThrottled = "sync_throttled",
    // The server refused the request; its own code is in the error's data and detail.
    SyncRefused = "sync_refused",
    // The whole request was refused (401, 403, 404, a proxy's 4xx): a configuration or
    // enrollment problem, never a record's fault; retried with back-off, nothing parked.
    SyncRequestRefused = "sync_request_refused",
    SyncRetryParked = "sync.retry_parked",
    SyncProtocol = "sync_protocol",
    SyncStore = "sync_store",
    SyncBlob = "sync_blob",

    // The department's electronic seal (A7, workstation::seal).
    SealNotConfigured = "seal.not_configured",
    SealNoKey = "seal.no_key",
    SealNoCertificate = "seal.no_certificate",
    SealCertExpired = "seal.cert_expired",
    SealCertNotYetValid = "seal.cert_not_yet_valid",
    SealPinIncorrect = "seal.pin_incorrect",
    SealPinLocked = "seal.pin_locked",
    SealPinInvalid = "seal.pin_invalid",
    SealDocumentRefused = "seal.document_refused",
    SealDocumentTooLarge = "seal.document_too_large",
    SealUnsigned = "seal.unsigned",
    SealDocumentUnreadable = "seal.document_unreadable",

    // TLS to the hall server (infra::http).
    TlsUntrusted = "tls.untrusted",
    TlsPinMismatch = "tls.pin_mismatch",
    TlsInvalid = "tls.invalid",
    TlsCaFile = "tls.ca_file",
}

impl ErrorCode {
    /// The code for a driver [`ErrorKind`](yichuang_drivers::ErrorKind) on one device, in
    /// the order not_connected, open_failed, timeout, protocol, needs_attention,
    /// device_fault, misconfigured.
    pub fn of_kind(kind: yichuang_drivers::ErrorKind, codes: [ErrorCode; 7]) -> ErrorCode {
        use yichuang_drivers::ErrorKind as K;
        match kind {
            K::NotConnected => codes[0],
            K::OpenFailed => codes[1],
            K::Timeout => codes[2],
            K::Protocol => codes[3],
            K::NeedsAttention => codes[4],
            K::Misconfigured => codes[6],
            _ => codes[5],
        }
    }

    /// The code for a login step the server refused with its code `server_code`.
    pub fn login_refused(server_code: &str) -> ErrorCode {
        match server_code {
            "bad_request" => ErrorCode::LoginBadRequest,
            "challenge_invalid" => ErrorCode::LoginChallengeInvalid,
            "cert_malformed" => ErrorCode::LoginCertMalformed,
            "cert_unsupported" => ErrorCode::LoginCertUnsupported,
            "cert_untrusted" => ErrorCode::LoginCertUntrusted,
            "cert_expired" => ErrorCode::LoginCertExpired,
            "cert_revoked" => ErrorCode::LoginCertRevoked,
            "signature_invalid" => ErrorCode::LoginSignatureInvalid,
            "cert_not_bound" => ErrorCode::LoginCertNotBound,
            "unauthorized" => ErrorCode::LoginUnauthorized,
            _ => ErrorCode::LoginRefused,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What the UI gets for any failure: a stable code it may branch on, the message shown to
/// the clerk (Simplified Chinese) and the detail for the log / IT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UserError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: String,
}

impl UserError {
    /// The error with the code's message from the table.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            message: code.message().to_owned(),
            detail: detail.into(),
        }
    }

    /// The error with a message that carries data (built from the table by the caller).
    pub fn with_message(
        code: ErrorCode,
        message: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.detail)
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
    #[error("data directory: {0}")]
    DataDir(#[from] crate::infra::config::DataDirError),
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            CoreError::Config(_) => ErrorCode::Config,
            CoreError::Store(_) => ErrorCode::Store,
            CoreError::Instance(_) => ErrorCode::Instance,
            CoreError::Sync(_) => ErrorCode::Sync,
            CoreError::Keystore(_) => ErrorCode::Keystore,
            CoreError::Blob(_) => ErrorCode::Blob,
            CoreError::DataDir(_) => ErrorCode::DataDir,
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
            CoreError::DataDir(e) => e.message(),
        }
    }

    pub fn to_user(&self) -> UserError {
        UserError::with_message(self.code(), self.message(), self.to_string())
    }
}

impl From<CoreError> for UserError {
    fn from(e: CoreError) -> Self {
        e.to_user()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_has_a_distinct_message_and_its_serde_name_round_trips() {
        let mut names = HashSet::new();
        let mut messages = HashSet::new();
        for &code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert!(names.insert(code.as_str()), "duplicate name {code}");
            let m = code.message();
            assert!(!m.trim().is_empty(), "{code} has no message");
            assert!(messages.insert(m), "{code} repeats the message {m}");
        }
    }

    #[test]
    fn user_error_takes_its_message_from_the_table() {
        let e = UserError::new(ErrorCode::IntakeNoSession, "no clerk session");
        assert_eq!(e.code, "intake.no_session");
        assert_eq!(e.message, ErrorCode::IntakeNoSession.message());
        assert_eq!(
            serde_json::to_value(&e).unwrap()["code"],
            "intake.no_session"
        );
    }
}
