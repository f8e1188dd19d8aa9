//! The server's typed error.
//!
//! Every error carries a stable machine `code`, a user-facing Chinese `message` and an
//! IT-facing technical `detail`. Over HTTP it renders as [`ErrorBody`].

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Result alias for the server crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the server, at start-up or while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--database-url` is not a URL this server understands.
    #[error("数据库地址无效：{detail}")]
    InvalidDatabaseUrl { detail: String },

    /// The SQLite data directory could not be created or resolved.
    #[error("无法创建数据目录 {}：{source}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Opening the connection pool failed.
    #[error("无法连接数据库：{0}")]
    DatabaseConnect(#[source] sqlx::Error),

    /// Applying the schema migrations failed.
    #[error("数据库结构升级失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A query failed.
    #[error("数据库操作失败：{0}")]
    Database(#[from] sqlx::Error),

    /// The database did not answer in time.
    #[error("数据库响应超时（{seconds} 秒）")]
    DatabaseTimeout { seconds: u64 },

    /// The listening socket could not be bound.
    #[error("无法监听地址 {addr}：{source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },

    /// The HTTP server stopped with an I/O error.
    #[error("服务运行出错：{0}")]
    Serve(#[source] io::Error),

    /// The shutdown signal handlers could not be installed.
    #[error("无法注册退出信号处理：{0}")]
    Signal(#[source] io::Error),

    /// No route matches the request path.
    #[error("接口不存在：{path}")]
    NotFound { path: String },

    /// The route exists but not for this HTTP method.
    #[error("不支持的请求方法：{method} {path}")]
    MethodNotAllowed { method: String, path: String },

    /// The request body is not the JSON the endpoint expects.
    #[error("请求格式错误：{detail}")]
    BadRequest { detail: String },

    /// Login challenge unknown, expired, already used or for another workstation.
    #[error("登录请求无效：{detail}")]
    ChallengeInvalid { detail: String },

    /// The certificate does not decode.
    #[error("证书格式错误：{detail}")]
    CertMalformed { detail: String },

    /// The certificate's key algorithm cannot be verified.
    #[error("不支持的证书算法：{detail}")]
    CertUnsupported { detail: String },

    /// Not issued by a trusted CA.
    #[error("证书不是受信任的CA签发：{detail}")]
    CertUntrusted { detail: String },

    /// Outside its validity period (`not_yet_valid` tells which side).
    #[error("证书不在有效期内：{detail}")]
    CertExpired { not_yet_valid: bool, detail: String },

    /// Listed in its CA's CRL.
    #[error("证书已被吊销：{detail}")]
    CertRevoked { detail: String },

    /// The challenge signature does not verify with the certificate.
    #[error("签名验证失败：{detail}")]
    SignatureInvalid { detail: String },

    /// The certificate is bound to no active clerk.
    #[error("证书未绑定工作人员：{detail}")]
    CertNotBound { detail: String },

    /// Missing, unknown or expired session token.
    #[error("未登录或登录已失效：{detail}")]
    Unauthorized { detail: String },

    /// The trusted CA or CRL directory could not be loaded.
    #[error("受信任CA或吊销列表配置错误：{detail}")]
    TrustConfig { detail: String },

    /// The offline-grant signing key could not be read, created or used.
    #[error("离线授权签名密钥错误：{detail}")]
    GrantKey { detail: String },

    /// An admin command got input it cannot use (bad CSV, unknown clerk, no such binding).
    #[error("{detail}")]
    AdminInput { detail: String },

    /// A complete blob upload does not hash to its name; the partial upload is discarded.
    #[error("材料文件校验失败：{detail}")]
    BlobHashMismatch { detail: String },

    /// A chunk does not continue the partial upload; `received` says where to go on.
    #[error("材料文件分片位置不符：{detail}")]
    BlobOffset { received: u64, detail: String },

    /// The blob store (disk or S3) failed.
    #[error("材料文件存储失败：{detail}")]
    BlobStore { detail: String },

    /// No such blob, or not completely uploaded.
    #[error("材料文件不存在：{detail}")]
    BlobNotFound { detail: String },

    /// The served catalog directory cannot be read.
    #[error("事项目录不可用：{detail}")]
    Catalog { detail: String },
}

impl Error {
    /// Stable machine-readable code, `snake_case`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidDatabaseUrl { .. } => "invalid_database_url",
            Error::DataDir { .. } => "data_dir",
            Error::DatabaseConnect(_) => "database_connect",
            Error::Migrate(_) => "database_migrate",
            Error::Database(_) => "database",
            Error::DatabaseTimeout { .. } => "database_timeout",
            Error::Bind { .. } => "bind",
            Error::Serve(_) => "serve",
            Error::Signal(_) => "signal",
            Error::NotFound { .. } => "not_found",
            Error::MethodNotAllowed { .. } => "method_not_allowed",
            Error::BadRequest { .. } => "bad_request",
            Error::ChallengeInvalid { .. } => "challenge_invalid",
            Error::CertMalformed { .. } => "cert_malformed",
            Error::CertUnsupported { .. } => "cert_unsupported",
            Error::CertUntrusted { .. } => "cert_untrusted",
            Error::CertExpired { .. } => "cert_expired",
            Error::CertRevoked { .. } => "cert_revoked",
            Error::SignatureInvalid { .. } => "signature_invalid",
            Error::CertNotBound { .. } => "cert_not_bound",
            Error::Unauthorized { .. } => "unauthorized",
            Error::TrustConfig { .. } => "trust_config",
            Error::GrantKey { .. } => "grant_key",
            Error::AdminInput { .. } => "invalid_input",
            Error::BlobHashMismatch { .. } => "blob_hash_mismatch",
            Error::BlobOffset { .. } => "blob_offset",
            Error::BlobStore { .. } => "blob_store",
            Error::BlobNotFound { .. } => "blob_not_found",
            Error::Catalog { .. } => "catalog",
        }
    }

    /// User-facing message in Simplified Chinese.
    pub fn message(&self) -> &'static str {
        match self {
            Error::InvalidDatabaseUrl { .. } => "数据库地址无效，请检查服务配置",
            Error::DataDir { .. } => "无法创建服务数据目录，请检查目录权限",
            Error::DatabaseConnect(_) => "无法连接数据库，请联系系统管理员",
            Error::Migrate(_) => "数据库结构升级失败，请联系系统管理员",
            Error::Database(_) => "数据库暂时不可用，请稍后重试",
            Error::DatabaseTimeout { .. } => "数据库响应超时，请稍后重试",
            Error::Bind { .. } => "无法监听服务端口，端口可能已被占用",
            Error::Serve(_) => "服务运行出错，请联系系统管理员",
            Error::Signal(_) => "无法注册退出信号处理，服务无法安全停止",
            Error::NotFound { .. } => "请求的接口不存在",
            Error::MethodNotAllowed { .. } => "该接口不支持此请求方法",
            Error::BadRequest { .. } => "请求格式错误",
            Error::ChallengeInvalid { .. } => "登录请求已过期，请重试",
            Error::CertMalformed { .. } => "证书格式错误，请检查UKey",
            Error::CertUnsupported { .. } => "不支持该证书的密钥算法",
            Error::CertUntrusted { .. } => "证书不是受信任的CA签发",
            Error::CertExpired {
                not_yet_valid: true,
                ..
            } => "证书尚未生效",
            Error::CertExpired { .. } => "证书已过期",
            Error::CertRevoked { .. } => "证书已被吊销",
            Error::SignatureInvalid { .. } => "签名验证失败",
            Error::CertNotBound { .. } => "该证书未绑定工作人员账号，请联系管理员",
            Error::Unauthorized { .. } => "登录已失效，请重新登录",
            Error::TrustConfig { .. } => "受信任CA或证书吊销列表配置错误，请联系系统管理员",
            Error::GrantKey { .. } => "离线授权签名密钥不可用，请联系系统管理员",
            Error::AdminInput { .. } => "输入有误",
            Error::BlobHashMismatch { .. } => "材料文件校验失败，将重新上传",
            Error::BlobOffset { .. } => "材料文件上传位置不符，将从断点继续",
            Error::BlobStore { .. } => "材料文件存储暂时不可用，请稍后重试",
            Error::BlobNotFound { .. } => "材料文件不存在或尚未上传完成",
            Error::Catalog { .. } => "事项目录暂不可用，请联系系统管理员",
        }
    }

    /// Technical detail for IT staff and logs.
    pub fn detail(&self) -> String {
        match self {
            Error::InvalidDatabaseUrl { detail } => detail.clone(),
            Error::DataDir { path, source } => format!("{}: {source}", path.display()),
            Error::DatabaseConnect(e) | Error::Database(e) => e.to_string(),
            Error::Migrate(e) => e.to_string(),
            Error::DatabaseTimeout { seconds } => format!("no answer within {seconds} s"),
            Error::Bind { addr, source } => format!("bind {addr}: {source}"),
            Error::Serve(e) | Error::Signal(e) => e.to_string(),
            Error::NotFound { path } => format!("no route for {path}"),
            Error::MethodNotAllowed { method, path } => format!("{method} not allowed on {path}"),
            Error::BadRequest { detail }
            | Error::ChallengeInvalid { detail }
            | Error::CertMalformed { detail }
            | Error::CertUnsupported { detail }
            | Error::CertUntrusted { detail }
            | Error::CertExpired { detail, .. }
            | Error::CertRevoked { detail }
            | Error::SignatureInvalid { detail }
            | Error::CertNotBound { detail }
            | Error::Unauthorized { detail }
            | Error::TrustConfig { detail }
            | Error::GrantKey { detail }
            | Error::AdminInput { detail }
            | Error::BlobHashMismatch { detail }
            | Error::BlobOffset { detail, .. }
            | Error::BlobStore { detail }
            | Error::BlobNotFound { detail }
            | Error::Catalog { detail } => detail.clone(),
        }
    }

    /// HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::BadRequest { .. }
            | Error::ChallengeInvalid { .. }
            | Error::CertMalformed { .. }
            | Error::CertUnsupported { .. }
            | Error::AdminInput { .. } => StatusCode::BAD_REQUEST,
            Error::SignatureInvalid { .. } | Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::BlobHashMismatch { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BlobOffset { .. } => StatusCode::CONFLICT,
            Error::BlobNotFound { .. } => StatusCode::NOT_FOUND,
            Error::BlobStore { .. } | Error::Catalog { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Error::CertUntrusted { .. }
            | Error::CertExpired { .. }
            | Error::CertRevoked { .. }
            | Error::CertNotBound { .. } => StatusCode::FORBIDDEN,
            Error::DatabaseConnect(_)
            | Error::Database(_)
            | Error::DatabaseTimeout { .. }
            | Error::Migrate(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::InvalidDatabaseUrl { .. }
            | Error::DataDir { .. }
            | Error::Bind { .. }
            | Error::Serve(_)
            | Error::Signal(_)
            | Error::TrustConfig { .. }
            | Error::GrantKey { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body for this error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.message().to_owned(),
            detail: self.detail(),
        }
    }
}

/// JSON shape of every error the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`.
    #[schema(example = "not_found")]
    pub code: String,
    /// User-facing message in Simplified Chinese.
    #[schema(example = "请求的接口不存在")]
    pub message: String,
    /// Technical detail for IT staff.
    #[schema(example = "no route for /api/v1/nope")]
    pub detail: String,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), detail = %self.detail(), "request failed");
        } else {
            tracing::debug!(code = self.code(), detail = %self.detail(), "request rejected");
        }
        (status, Json(self.body())).into_response()
    }
}
