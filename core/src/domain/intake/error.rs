//! What can go wrong in intake, as one error type with a code for the UI.

use super::CaseState;
use crate::{ErrorCode, UserError};

/// What went wrong in intake; each has a message for the clerk.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("unknown item {0}")]
    UnknownItem(String),
    #[error("unknown case {0}")]
    UnknownCase(String),
    #[error("situation not determined: {0}")]
    Situation(String),
    #[error("invalid field {field}: {problem}")]
    Field { field: String, problem: String },
    #[error("invalid party {role}: {problem}")]
    Party { role: &'static str, problem: String },
    #[error("required materials missing: {0:?}")]
    MaterialsMissing(Vec<String>),
    #[error("容缺 not allowed: {0}")]
    NotDeferrable(String),
    #[error("decision incomplete: {0}")]
    Decision(String),
    #[error("notice not printed for this decision")]
    NoticeNotPrinted,
    #[error("case is {0:?}, not allowed here")]
    WrongState(CaseState),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the card for {0} was not read at this window")]
    CardNotRead(&'static str),
    #[error("the personal code for {0} was not read at this window")]
    CodeNotRead(&'static str),
    #[error("store: {0}")]
    Store(#[from] crate::infra::store::StoreError),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored case is unreadable: {0}")]
    Corrupt(String),
    #[error("export: {0}")]
    Export(String),
    #[error("attachment: {0}")]
    Attachment(String),
    #[error("blob: {0}")]
    Blob(#[from] crate::infra::blobs::BlobError),
}

impl IntakeError {
    pub fn code(&self) -> ErrorCode {
        match self {
            IntakeError::UnknownItem(_) => ErrorCode::IntakeUnknownItem,
            IntakeError::UnknownCase(_) => ErrorCode::IntakeUnknownCase,
            IntakeError::Situation(_) => ErrorCode::IntakeSituation,
            IntakeError::Field { .. } => ErrorCode::IntakeField,
            IntakeError::Party { .. } => ErrorCode::IntakeParty,
            IntakeError::MaterialsMissing(_) => ErrorCode::IntakeMaterialsMissing,
            IntakeError::NotDeferrable(_) => ErrorCode::IntakeNotDeferrable,
            IntakeError::Decision(_) => ErrorCode::IntakeDecision,
            IntakeError::NoticeNotPrinted => ErrorCode::IntakeNoticeNotPrinted,
            IntakeError::WrongState(_) => ErrorCode::IntakeWrongState,
            IntakeError::ReasonRequired => ErrorCode::IntakeReasonRequired,
            IntakeError::CardNotRead(_) => ErrorCode::IntakeCardNotRead,
            IntakeError::CodeNotRead(_) => ErrorCode::IntakeCodeNotRead,
            IntakeError::Store(_) | IntakeError::Sqlite(_) => ErrorCode::IntakeStore,
            IntakeError::Corrupt(_) => ErrorCode::IntakeCorrupt,
            IntakeError::Export(_) => ErrorCode::IntakeExport,
            IntakeError::Attachment(_) => ErrorCode::IntakeAttachment,
            IntakeError::Blob(_) => ErrorCode::IntakeBlob,
        }
    }

    pub fn message(&self) -> String {
        match self {
            IntakeError::UnknownItem(code) => format!("事项目录中没有编码为 {code} 的事项。"),
            IntakeError::UnknownCase(_) => "找不到该办件，可能已被删除或不属于本人。".into(),
            IntakeError::Situation(_) => "请先完成情形选择。".into(),
            IntakeError::Field { field, problem } => format!("「{field}」{problem}"),
            IntakeError::Party { role, problem } => format!("{role}：{problem}"),
            IntakeError::MaterialsMissing(names) => format!(
                "必要材料未收齐：{}。请收齐后受理，或选择容缺受理/补正补齐。",
                names.join("、")
            ),
            IntakeError::NotDeferrable(why) => format!("不能容缺受理：{why}"),
            IntakeError::Decision(why) => why.clone(),
            IntakeError::NoticeNotPrinted => "请先打印与本次决定一致的通知书，再确认决定。".into(),
            IntakeError::WrongState(s) => {
                format!("该办件当前状态为「{}」，不能进行此操作。", s.label())
            }
            IntakeError::ReasonRequired => "请填写原因。".into(),
            IntakeError::CardNotRead(role) => {
                format!("{role}的身份证尚未在本窗口读取，请先读卡。")
            }
            IntakeError::CodeNotRead(role) => {
                format!("{role}的身份码尚未在本窗口扫描，请重新扫码或读卡。")
            }
            IntakeError::Store(e) => e.message(),
            IntakeError::Sqlite(_) => {
                "本地数据库读写失败，本次操作未保存，请重试或联系运维人员。".into()
            }
            IntakeError::Corrupt(_) => "办件数据已损坏，无法读取，请联系运维人员。".into(),
            IntakeError::Export(_) => "导出文件无法写入，请检查磁盘空间和目录权限。".into(),
            IntakeError::Attachment(why) => why.clone(),
            IntakeError::Blob(e) => e.message(),
        }
    }

    pub fn to_user(&self) -> UserError {
        UserError::with_message(self.code(), self.message(), self.to_string())
    }
}

impl From<IntakeError> for UserError {
    fn from(e: IntakeError) -> Self {
        e.to_user()
    }
}
