//! The hall server's licence routes (L1, A6) as the workstation calls them: lookup, file
//! (preview or download) and 反馈, each signed by the workstation with the clerk's session.
//! The lookup and the file carry the proof of the card read ([`CardReadProof`]). The shapes
//! mirror the server's `LookupRequest`, `LookupAnswer`, `FileRequest` and `FeedbackRequest`.

use serde::{Deserialize, Serialize};
use yichuang_pki::card_read::CardReadProof;

use super::hall_api::{HallApi, HallApiError};

/// Who holds the licences asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// The person whose card was read.
    Person,
    /// An organisation by 统一社会信用代码; its representative's card was read.
    Organisation,
}

#[derive(Debug, Clone, Serialize)]
pub struct LookupRequest<'a> {
    pub item: &'a str,
    pub purpose: &'a str,
    pub holder_kind: HolderKind,
    pub holder: &'a str,
    pub types: &'a [String],
    /// `None`: no card was read (an organisation's lookup); the server refuses it.
    pub proof: Option<&'a CardReadProof>,
}

/// A licence's state: `valid`, `revoked`, `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Valid,
    Revoked,
    Expired,
}

/// One licence as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LicenceView {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_name: String,
    pub issuer_code: String,
    pub issuer_name: String,
    pub issued_on: String,
    /// `None`: 长期.
    pub valid_until: Option<String>,
    pub status: LicenceStatus,
    /// 有效 / 已吊销 / 已过期.
    pub status_label: String,
    pub revoked_reason: Option<String>,
    /// `pdf` or `ofd`.
    pub file_format: String,
    pub file_size: u32,
    /// `unchecked`, `verified` or `invalid`.
    pub signature_check: String,
}

/// 成功 / 无证件信息 / 失败:权限不足.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TypeOutcome {
    Found,
    None,
    Denied,
}

/// The answer for one licence type of the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TypeResult {
    pub type_code: String,
    pub outcome: TypeOutcome,
    pub label: String,
    pub licences: Vec<LicenceView>,
    pub elapsed_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LookupAnswer {
    pub results: Vec<TypeResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRequest<'a> {
    pub identifier: &'a str,
    pub item: &'a str,
    pub purpose: &'a str,
    /// `preview` or `download`.
    pub disposition: &'a str,
    pub holder_kind: HolderKind,
    pub holder: &'a str,
    pub proof: Option<&'a CardReadProof>,
}

/// A licence file as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceFile {
    /// `application/pdf` or `application/ofd`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What is wrong with a licence's data (反馈).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackCategory {
    /// 信息有误.
    WrongData,
    /// 应有证照未找到.
    Missing,
    /// 信息已过时.
    Outdated,
    Other,
}

/// 反馈 on a licence's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FeedbackRequest {
    /// The licence, when the feedback is about one.
    pub identifier: Option<String>,
    pub type_code: String,
    pub item: String,
    pub category: FeedbackCategory,
    pub comment: String,
}

#[derive(Debug, Deserialize)]
struct FeedbackReceipt {
    id: String,
}

fn json<T: Serialize>(body: &T) -> Result<Vec<u8>, HallApiError> {
    serde_json::to_vec(body).map_err(|e| HallApiError::Unreachable(format!("request body: {e}")))
}

impl HallApi {
    /// `POST /licences/lookup`.
    pub fn licence_lookup(
        &self,
        token: &str,
        req: &LookupRequest<'_>,
    ) -> Result<LookupAnswer, HallApiError> {
        let url = self.url("licences/lookup");
        self.send(reqwest::Method::POST, url, Some(json(req)?), token)
    }

    /// `POST /licences/file`.
    pub fn licence_file(
        &self,
        token: &str,
        req: &FileRequest<'_>,
    ) -> Result<LicenceFile, HallApiError> {
        let (content_type, bytes) =
            self.send_for_bytes(self.url("licences/file"), json(req)?, token)?;
        Ok(LicenceFile {
            content_type,
            bytes,
        })
    }

    /// `POST /licences/feedback`; returns the feedback's id.
    pub fn licence_feedback(
        &self,
        token: &str,
        req: &FeedbackRequest,
    ) -> Result<String, HallApiError> {
        let url = self.url("licences/feedback");
        let r: FeedbackReceipt = self.send(reqwest::Method::POST, url, Some(json(req)?), token)?;
        Ok(r.id)
    }
}
