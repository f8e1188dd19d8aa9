//! The hall server's 协查 routes (L4) as the workstation calls them, each signed by the
//! workstation with the clerk's session: departments, create (idempotent by id), the two
//! mailboxes, one request, attach the proof, upload the stamped proof, return, and the
//! documents. The shapes mirror the server's `CreateRequest`, `AssistView` and `AssistList`.

use serde::{Deserialize, Serialize};
use yichuang_pki::card_read::CardReadProof;

use super::hall_api::{HallApi, HallApiError};

/// Who the proof is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    /// The person whose card was read.
    Person,
    /// A company by 统一社会信用代码; its representative's card was read.
    Organisation,
}

/// The request as sent (kept in the outbox exactly like this until the server has it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    pub id: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant_kind: ApplicantKind,
    pub person_number: String,
    pub person_name: String,
    pub organisation_code: Option<String>,
    pub organisation_name: Option<String>,
    pub proofs: Vec<String>,
    pub note: String,
    /// Unix ms.
    pub created_at: i64,
    pub card_read: CardReadProof,
}

/// The applicant as the server keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Applicant {
    pub kind: ApplicantKind,
    pub person_number: String,
    pub person_name: String,
    pub organisation_code: Option<String>,
    pub organisation_name: Option<String>,
}

/// A document kept with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DocumentInfo {
    pub sha256: String,
    #[specta(type = f64)]
    pub size: u64,
    pub clerk: String,
    /// Unix ms.
    #[specta(type = f64)]
    pub at: i64,
}

/// The seal the server verified on the stamped proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SealInfo {
    pub signer_name: String,
    pub signer_issuer: String,
    pub signer_serial: String,
    /// Unix seconds.
    #[specta(type = Option<f64>)]
    pub signed_at: Option<i64>,
}

/// A request as the server answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerView {
    pub id: String,
    /// `pending`, `awaiting_seal`, `sealed`, `returned`.
    pub state: String,
    pub from_department: String,
    pub from_clerk: String,
    pub to_department: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant: Applicant,
    pub proofs: Vec<String>,
    pub note: String,
    pub created_at: i64,
    pub received_at: i64,
    pub updated_at: i64,
    pub proof: Option<DocumentInfo>,
    pub stamped: Option<DocumentInfo>,
    pub seal: Option<SealInfo>,
    pub return_reason: Option<String>,
    pub returned_clerk: Option<String>,
    pub returned_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct ServerList {
    requests: Vec<ServerView>,
}

#[derive(Debug, Deserialize)]
struct DepartmentList {
    departments: Vec<String>,
}

/// Which list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Mailbox {
    /// My department's requests.
    Sent,
    /// Requests to my department.
    Inbox,
}

impl Mailbox {
    fn as_str(self) -> &'static str {
        match self {
            Mailbox::Sent => "sent",
            Mailbox::Inbox => "inbox",
        }
    }
}

fn json<T: Serialize>(body: &T) -> Result<Vec<u8>, HallApiError> {
    serde_json::to_vec(body).map_err(|e| HallApiError::Unreachable(format!("request body: {e}")))
}

fn answer<T: serde::de::DeserializeOwned>(
    resp: reqwest::blocking::Response,
    what: &str,
) -> Result<T, HallApiError> {
    resp.json()
        .map_err(|e| HallApiError::Unreachable(format!("{what}: bad answer: {e}")))
}

impl HallApi {
    /// `GET /assist/departments`.
    pub fn assist_departments(&self, token: &str) -> Result<Vec<String>, HallApiError> {
        let url = self.url("assist/departments");
        let list: DepartmentList = self.send(reqwest::Method::GET, url, None, token)?;
        Ok(list.departments)
    }

    /// `POST /assist/requests` with the body exactly as queued (`payload`, JSON).
    pub fn assist_create(&self, token: &str, payload: &str) -> Result<ServerView, HallApiError> {
        let url = self.url("assist/requests");
        let body = Some((payload.as_bytes().to_vec(), "application/json"));
        let resp = self.exchange(reqwest::Method::POST, url, body, Some(token))?;
        answer(resp, "assist create")
    }

    /// `GET /assist/requests?mailbox=…`.
    pub fn assist_list(
        &self,
        token: &str,
        mailbox: Mailbox,
        state: Option<&str>,
    ) -> Result<Vec<ServerView>, HallApiError> {
        let mut path = format!("assist/requests?mailbox={}", mailbox.as_str());
        if let Some(state) = state {
            path.push_str(&format!("&state={state}"));
        }
        let list: ServerList = self.send(reqwest::Method::GET, self.url(&path), None, token)?;
        Ok(list.requests)
    }

    /// `GET /assist/requests/{id}`.
    pub fn assist_get(&self, token: &str, id: &str) -> Result<ServerView, HallApiError> {
        let url = self.url(&format!("assist/requests/{id}"));
        self.send(reqwest::Method::GET, url, None, token)
    }

    /// `POST /assist/requests/{id}/proof` or `/stamped` with a PDF.
    pub fn assist_upload(
        &self,
        token: &str,
        id: &str,
        stamped: bool,
        pdf: Vec<u8>,
    ) -> Result<ServerView, HallApiError> {
        let which = if stamped { "stamped" } else { "proof" };
        let url = self.url(&format!("assist/requests/{id}/{which}"));
        let resp = self.exchange(
            reqwest::Method::POST,
            url,
            Some((pdf, "application/pdf")),
            Some(token),
        )?;
        answer(resp, "assist upload")
    }

    /// `POST /assist/requests/{id}/return`.
    pub fn assist_return(
        &self,
        token: &str,
        id: &str,
        reason: &str,
    ) -> Result<ServerView, HallApiError> {
        let url = self.url(&format!("assist/requests/{id}/return"));
        let body = json(&serde_json::json!({ "reason": reason }))?;
        self.send(reqwest::Method::POST, url, Some(body), token)
    }

    /// `GET /assist/requests/{id}/document?which=proof|stamped`: the PDF.
    pub fn assist_document(
        &self,
        token: &str,
        id: &str,
        stamped: bool,
    ) -> Result<Vec<u8>, HallApiError> {
        let which = if stamped { "stamped" } else { "proof" };
        let url = self.url(&format!("assist/requests/{id}/document?which={which}"));
        let resp = self.exchange(reqwest::Method::GET, url.clone(), None, Some(token))?;
        resp.bytes()
            .map(|b| b.to_vec())
            .map_err(|e| HallApiError::Unreachable(format!("GET {url}: {e}")))
    }
}
