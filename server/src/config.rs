//! Command line and runtime configuration.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result};

pub use crate::clock::{Clock, ManualClock, SystemClock};

/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8720";

/// Default lifetime of an offline login grant, in days (also the maximum).
pub const DEFAULT_GRANT_DAYS: u32 = 7;

/// Lifetime of a login challenge.
pub const CHALLENGE_TTL_MS: i64 = 60 * 1000;

/// Lifetime of a session token.
pub const SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// Default grace after a CRL's nextUpdate before certificate logins of its CA are refused.
pub const DEFAULT_CRL_GRACE_HOURS: u32 = 24;

/// Default interval of the TLS certificate and CRL reload checks, in seconds.
pub const DEFAULT_RELOAD_SECS: u64 = 60;

/// File name of the offline-grant signing key inside the data directory.
pub const GRANT_KEY_FILE: &str = "grant-key.ed25519";

const MIB: u64 = 1024 * 1024;
/// Default per-file size cap of a blob: a scanned document of many pages at 300 dpi.
pub const DEFAULT_MAX_BLOB_MIB: u64 = 64;
/// Default size cap of a push body: a full batch of `MAX_BATCH` records of 32 KiB on average.
pub const DEFAULT_MAX_PUSH_MIB: u64 = 32;
/// Partial uploads untouched this long are removed.
pub const DEFAULT_STALE_UPLOAD_HOURS: u64 = 48;
/// Requests in progress at once; more are answered 503 at once.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: u64 = 512;
/// Time to receive the request line and headers.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Longest pause while receiving a request body.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 30;

/// Command line of the `yichuang-server` binary. Without a subcommand it serves; the
/// subcommands are the admin tools and work on the same database.
#[derive(Debug, Clone, Parser)]
#[command(name = "yichuang-server", version, about = crate::messages::SERVER_NAME)]
pub struct Cli {
    /// 监听地址，例如 127.0.0.1:8720（端口 0 表示由系统分配空闲端口）
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// 数据目录（未指定数据库地址时，SQLite 数据库位于 <DIR>/server.db）
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// 数据库地址，例如 postgres://user@host:5432/db；不指定则使用数据目录中的 SQLite
    #[arg(
        long,
        value_name = "URL",
        env = "YICHUANG_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<String>,

    /// 受信任 CA 证书目录（PEM/DER 文件，启动时加载）
    #[arg(long, value_name = "DIR", env = "YICHUANG_CA_DIR", global = true)]
    pub ca_dir: Option<PathBuf>,

    /// 证书吊销列表（CRL）目录（PEM/DER 文件，启动时加载）
    #[arg(long, value_name = "DIR", env = "YICHUANG_CRL_DIR", global = true)]
    pub crl_dir: Option<PathBuf>,

    /// 受信任的电子印章 CA 证书目录（部门协查的盖章证明据此验证；PEM/DER 文件，启动时加载）
    #[arg(long, value_name = "DIR", env = "YICHUANG_SEAL_CA_DIR")]
    pub seal_ca_dir: Option<PathBuf>,

    /// 离线登录授权签名密钥文件（默认 <数据目录>/grant-key.ed25519，首次启动时生成）
    #[arg(long, value_name = "FILE", env = "YICHUANG_GRANT_KEY")]
    pub grant_key: Option<PathBuf>,

    /// 离线登录授权有效天数（1–7）
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_GRANT_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=7))]
    pub grant_days: u32,

    /// 事项目录目录（catalog.json 与 items/*.json），同步接口向工作站下发；默认为编译进程序的 assets/catalog
    #[arg(long, value_name = "DIR", env = "YICHUANG_CATALOG_DIR")]
    pub catalog_dir: Option<PathBuf>,

    /// 材料文件（blob）存储目录，默认 <数据目录>/blobs
    #[arg(long, value_name = "DIR", env = "YICHUANG_BLOB_DIR")]
    pub blob_dir: Option<PathBuf>,

    /// 使用 S3 兼容对象存储保存材料文件，例如 http://minio:9000/yichuang-blobs（桶名为路径）；
    /// 访问密钥取自 YICHUANG_S3_ACCESS_KEY / YICHUANG_S3_SECRET_KEY，区域取自 YICHUANG_S3_REGION（默认 us-east-1）
    #[arg(long, value_name = "URL", env = "YICHUANG_S3_URL")]
    pub s3_url: Option<url::Url>,

    /// 单个材料文件的大小上限（MiB）
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_BLOB_MIB,
          value_parser = clap::value_parser!(u64).range(1..=65536))]
    pub max_blob_mib: u64,

    /// 一次推送请求体的大小上限（MiB）
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_PUSH_MIB,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_push_mib: u64,

    /// 未完成的上传超过该小时数未更新即被清理
    #[arg(long, value_name = "HOURS", default_value_t = DEFAULT_STALE_UPLOAD_HOURS,
          value_parser = clap::value_parser!(u64).range(1..=8760))]
    pub stale_upload_hours: u64,

    /// 同时处理的请求数上限（超出时答复 503 并附 Retry-After）
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_concurrent_requests: u64,

    /// 读取请求头的超时（秒）
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_HEADER_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,

    /// 读取请求体时两次收到数据之间的最长间隔（秒）
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_BODY_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout_secs: u64,

    /// HTTPS 服务器证书文件（PEM，可含中间证书链）；与 --tls-key 同时指定时只提供 HTTPS。文件更新后自动重新加载
    #[arg(
        long,
        value_name = "FILE",
        env = "YICHUANG_TLS_CERT",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// HTTPS 服务器私钥文件（PEM）
    #[arg(
        long,
        value_name = "FILE",
        env = "YICHUANG_TLS_KEY",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// 允许在非本机地址上提供未加密的 HTTP（仅限测试环境；生产环境请使用 --tls-cert/--tls-key）
    #[arg(long, env = "YICHUANG_INSECURE_HTTP", conflicts_with = "tls_cert")]
    pub insecure_http: bool,

    /// 证书吊销列表超过下次更新时间（nextUpdate）后仍允许登录的宽限小时数；超过后该CA的证书登录被拒绝
    #[arg(long, value_name = "HOURS", env = "YICHUANG_CRL_GRACE_HOURS", default_value_t = DEFAULT_CRL_GRACE_HOURS)]
    pub crl_grace_hours: u32,

    /// 证书与证书吊销列表的重新加载检查间隔（秒）；收到 SIGHUP 时也立即重新加载
    #[arg(long, value_name = "SECONDS", env = "YICHUANG_RELOAD_SECS", default_value_t = DEFAULT_RELOAD_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub reload_secs: u64,

    /// 排队叫号：同一号码重呼超过此次数即过号
    #[arg(long, value_name = "N", env = "YICHUANG_QUEUE_RECALL_LIMIT", default_value_t = crate::queue::DEFAULT_RECALL_LIMIT,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub queue_recall_limit: u32,

    /// 排队叫号：过号后可在此分钟数内重新呼叫
    #[arg(long, value_name = "MINUTES", env = "YICHUANG_QUEUE_RETURN_MINUTES", default_value_t = crate::queue::DEFAULT_RETURN_MINUTES,
          value_parser = clap::value_parser!(u32).range(0..=1440))]
    pub queue_return_minutes: u32,

    /// 向上级平台转发已受理案件的地址（https://…，POST JSON）；不指定则不转发。令牌取自 YICHUANG_UPSTREAM_TOKEN
    #[arg(long, value_name = "URL", env = "YICHUANG_UPSTREAM_URL")]
    pub upstream_url: Option<url::Url>,

    /// 向上级平台转发：单次发送超时（秒）
    #[arg(long, value_name = "SECS", env = "YICHUANG_UPSTREAM_TIMEOUT_SECS", default_value_t = crate::upstream::DEFAULT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub upstream_timeout_secs: u64,

    /// 向上级平台转发：最多尝试次数，之后标记为已放弃
    #[arg(long, value_name = "N", env = "YICHUANG_UPSTREAM_MAX_ATTEMPTS", default_value_t = crate::upstream::DEFAULT_MAX_ATTEMPTS,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub upstream_max_attempts: u32,

    /// 向上级平台转发：首次重试等待毫秒数（此后每次加倍，带随机抖动）
    #[arg(long, value_name = "MS", env = "YICHUANG_UPSTREAM_BACKOFF_MS", default_value_t = crate::upstream::DEFAULT_BACKOFF_MS,
          value_parser = clap::value_parser!(u64).range(1..=86_400_000))]
    pub upstream_backoff_ms: u64,

    /// 向上级平台转发：重试等待上限（秒）
    #[arg(long, value_name = "SECS", env = "YICHUANG_UPSTREAM_BACKOFF_MAX_SECS", default_value_t = crate::upstream::DEFAULT_BACKOFF_MAX_SECS,
          value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub upstream_backoff_max_secs: u64,

    /// 允许以未加密的 HTTP 向非本机的上级平台地址转发（仅限测试环境）
    #[arg(long, env = "YICHUANG_UPSTREAM_ALLOW_HTTP")]
    pub upstream_allow_http: bool,

    #[command(subcommand)]
    pub command: Option<AdminCommand>,
}

/// Admin subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum AdminCommand {
    /// 工作人员管理
    #[command(subcommand)]
    Clerk(ClerkCommand),
    /// 证书绑定管理
    #[command(subcommand)]
    Cert(CertCommand),
    /// 工作站注册管理
    #[command(subcommand)]
    Workstation(WorkstationCommand),
    /// 排队叫号配置（事项分组、窗口）
    #[command(subcommand)]
    Queue(crate::queue::admin::QueueCommand),
    /// 大厅设备（综合屏、取号机）配对管理
    #[command(subcommand)]
    Device(crate::queue::admin::DeviceCommand),
    /// 对接系统（审批系统）令牌管理
    #[command(subcommand)]
    System(crate::cases::admin::SystemCommand),
    /// 案件办理进度登记
    #[command(subcommand)]
    Case(crate::cases::admin::CaseCommand),
    /// 向上级平台转发已受理案件（发件箱）
    #[command(subcommand)]
    Upstream(crate::upstream::admin::UpstreamCommand),
    /// 工作站安装包发布（签名更新）
    #[command(subcommand)]
    Release(crate::maintenance::admin::ReleaseCommand),
    /// 工作站诊断包
    #[command(subcommand)]
    Diagnostics(crate::maintenance::admin::DiagnosticsCommand),
    /// 电子证照库（导入、吊销、查询、类型授权、反馈）
    #[command(subcommand)]
    Licence(crate::licence::admin::LicenceCommand),
    /// 输出本服务的 OpenAPI 接口文档（JSON），供对接方使用
    Openapi,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum WorkstationCommand {
    /// 为大厅的窗口生成一次性注册码（工作站编号为 {大厅编码}-{窗口号}；对已注册的工作站再次执行即为重新注册，新密钥在注册码使用时替换旧密钥）
    Enroll {
        /// 大厅编码（如 441500）
        #[arg(long, value_name = "CODE")]
        hall: String,
        /// 窗口号
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=9999))]
        window: u32,
        /// 注册码有效小时数（1–720）
        #[arg(long, value_name = "HOURS", default_value_t = crate::workstation::DEFAULT_CODE_HOURS,
              value_parser = clap::value_parser!(u32).range(1..=720))]
        valid_hours: u32,
    },
    /// 列出工作站
    List,
    /// 停用工作站（其请求在 2 秒内被拒绝）
    Disable {
        #[arg(value_name = "ID")]
        id: String,
    },
    /// 重新启用工作站
    Enable {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum ClerkCommand {
    /// 从 CSV 导入工作人员（列：id,name,department,post,permissions；权限以 ; 分隔；重复导入会更新）
    Import {
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
    /// 列出工作人员及其绑定的证书
    List,
    /// 停用工作人员（立即结束其所有登录会话；重新导入即恢复）
    Disable {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum CertCommand {
    /// 将证书（PEM 或 DER）绑定到工作人员
    Bind {
        /// 工作人员编号
        #[arg(long, value_name = "ID")]
        clerk: String,
        #[arg(value_name = "CERT.pem|der")]
        file: PathBuf,
    },
    /// 解除证书绑定（按序列号或证书文件）
    Unbind {
        /// 工作人员编号
        #[arg(long, value_name = "ID")]
        clerk: String,
        /// 证书序列号（十六进制，可含冒号）
        #[arg(
            long,
            value_name = "HEX",
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        serial: Option<String>,
        #[arg(value_name = "CERT.pem|der")]
        file: Option<PathBuf>,
    },
}

impl Cli {
    /// Turns the parsed command line into a [`ServerConfig`], filling in defaults.
    pub fn into_config(self) -> ServerConfig {
        self.split().0
    }

    /// The configuration and the admin subcommand, if any.
    pub fn split(self) -> (ServerConfig, Option<AdminCommand>) {
        let config = ServerConfig {
            listen: self.listen,
            data_dir: self.data_dir.unwrap_or_else(default_data_dir),
            database_url: self.database_url.filter(|u| !u.trim().is_empty()),
            auth: AuthConfig {
                ca_dir: self.ca_dir,
                crl_dir: self.crl_dir,
                grant_key_file: self.grant_key,
                grant_days: self.grant_days,
                crl_grace_ms: i64::from(self.crl_grace_hours) * 3_600_000,
                seal_ca_dir: self.seal_ca_dir,
                ..AuthConfig::default()
            },
            tls: match (self.tls_cert, self.tls_key) {
                (Some(cert_file), Some(key_file)) => Some(TlsConfig {
                    cert_file,
                    key_file,
                }),
                _ => None,
            },
            insecure_http: self.insecure_http,
            reload_interval: std::time::Duration::from_secs(self.reload_secs),
            queue: crate::queue::QueueConfig {
                recall_limit: self.queue_recall_limit,
                return_ms: i64::from(self.queue_return_minutes) * 60_000,
            },
            sync: SyncConfig {
                catalog_dir: self.catalog_dir,
                blob_dir: self.blob_dir,
                s3: self.s3_url.map(S3Config::from_env),
            },
            limits: LimitsConfig {
                max_blob_bytes: self.max_blob_mib * MIB,
                max_push_bytes: usize::try_from(self.max_push_mib * MIB).unwrap_or(usize::MAX),
                stale_upload_after: Duration::from_secs(self.stale_upload_hours * 3600),
                max_concurrent_requests: usize::try_from(self.max_concurrent_requests)
                    .unwrap_or(usize::MAX),
                header_read_timeout: Duration::from_secs(self.header_timeout_secs),
                body_read_timeout: Duration::from_secs(self.body_timeout_secs),
            },
            clock: Arc::new(SystemClock),
            upstream: self
                .upstream_url
                .map(|url| crate::upstream::UpstreamConfig {
                    token: std::env::var("YICHUANG_UPSTREAM_TOKEN")
                        .ok()
                        .filter(|t| !t.trim().is_empty()),
                    timeout: Duration::from_secs(self.upstream_timeout_secs),
                    max_attempts: self.upstream_max_attempts,
                    backoff: Duration::from_millis(self.upstream_backoff_ms),
                    backoff_max: Duration::from_secs(self.upstream_backoff_max_secs),
                    allow_http: self.upstream_allow_http,
                    ..crate::upstream::UpstreamConfig::new(url)
                }),
        };
        (config, self.command)
    }
}

/// Certificate login settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Directory of trusted CA certificates; `None` trusts no CA (every login is refused).
    pub ca_dir: Option<PathBuf>,
    /// Directory of CRLs, each signed by one of the trusted CAs.
    pub crl_dir: Option<PathBuf>,
    /// The Ed25519 grant key; `None` means `<data_dir>/grant-key.ed25519`.
    pub grant_key_file: Option<PathBuf>,
    /// Offline grant lifetime, 1..=7 days.
    pub grant_days: u32,
    pub challenge_ttl_ms: i64,
    pub session_ttl_ms: i64,
    /// Attempts per workstation and per client address on enrollment and login.
    pub rate_limits: crate::workstation::ratelimit::RateLimits,
    /// How long after a CRL's nextUpdate its CA's certificates may still log in.
    pub crl_grace_ms: i64,
    /// Directory of the CAs the hall's department seals (电子印章) chain to (L4: stamped
    /// 协查 proofs are verified against them; the CRLs of `crl_dir` apply); `None`: no seal
    /// is trusted and every stamped proof is refused.
    pub seal_ca_dir: Option<PathBuf>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            ca_dir: None,
            crl_dir: None,
            grant_key_file: None,
            grant_days: DEFAULT_GRANT_DAYS,
            challenge_ttl_ms: CHALLENGE_TTL_MS,
            session_ttl_ms: SESSION_TTL_MS,
            rate_limits: Default::default(),
            crl_grace_ms: i64::from(DEFAULT_CRL_GRACE_HOURS) * 3_600_000,
            seal_ca_dir: None,
        }
    }
}

/// Resource limits: sizes, concurrency, timeouts, clean-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsConfig {
    /// Largest blob (declared `total` of an upload).
    pub max_blob_bytes: u64,
    /// Largest push body.
    pub max_push_bytes: usize,
    /// Partial uploads untouched this long are removed (at start and periodically).
    pub stale_upload_after: Duration,
    /// Requests served at once; more get 503 with `Retry-After`.
    pub max_concurrent_requests: usize,
    /// A connection that has not sent a complete request head within this is closed.
    pub header_read_timeout: Duration,
    /// A request body that pauses longer than this is abandoned and its connection closed.
    pub body_read_timeout: Duration,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_blob_bytes: DEFAULT_MAX_BLOB_MIB * MIB,
            max_push_bytes: (DEFAULT_MAX_PUSH_MIB * MIB) as usize,
            stale_upload_after: Duration::from_secs(DEFAULT_STALE_UPLOAD_HOURS * 3600),
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS as usize,
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_read_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
        }
    }
}

/// Sync settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncConfig {
    /// The catalog served to the workstations (`catalog.json` + `items/*.json`); `None`:
    /// the copy of `assets/catalog/` built into the server.
    pub catalog_dir: Option<PathBuf>,
    /// Blob directory; `None` means `<data_dir>/blobs`. Always holds the staging area.
    pub blob_dir: Option<PathBuf>,
    /// Complete blobs go to an S3-compatible bucket instead of the blob directory.
    pub s3: Option<S3Config>,
}

/// An S3-compatible bucket (path-style addressing: `<endpoint>/<bucket>/<key>`).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Config {
    /// `http(s)://host[:port]/bucket`.
    pub url: url::Url,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("url", &self.url.as_str())
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl S3Config {
    /// The bucket URL with the keys and region from the environment.
    pub fn from_env(url: url::Url) -> Self {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let region = var("YICHUANG_S3_REGION");
        Self {
            url,
            access_key: var("YICHUANG_S3_ACCESS_KEY"),
            secret_key: var("YICHUANG_S3_SECRET_KEY"),
            region: if region.is_empty() {
                "us-east-1".into()
            } else {
                region
            },
        }
    }
}

/// `yichuang-server` under the platform data directory, or `./data` if there is none.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("yichuang-server"))
        .unwrap_or_else(|| PathBuf::from("data"))
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to bind; port 0 lets the OS choose.
    pub listen: SocketAddr,
    /// Directory for server state (the SQLite database when no URL is given).
    pub data_dir: PathBuf,
    /// `postgres://…` (or `sqlite:…`) URL; `None` means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Certificate login settings.
    pub auth: AuthConfig,
    /// Sync: served catalog, blob storage.
    pub sync: SyncConfig,
    /// Sizes, concurrency, timeouts.
    pub limits: LimitsConfig,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// HTTPS certificate and key; `None` serves plain HTTP (loopback only unless
    /// `insecure_http`).
    pub tls: Option<TlsConfig>,
    /// Plain HTTP on a non-loopback address, said explicitly.
    pub insecure_http: bool,
    /// How often the TLS files and the CRL directory are checked for changes.
    pub reload_interval: std::time::Duration,
    /// The hall queue's rules.
    pub queue: crate::queue::QueueConfig,
    /// Forwarding taken-in cases to the upstream platform; `None`: off, nothing enqueued.
    pub upstream: Option<crate::upstream::UpstreamConfig>,
}

/// The server certificate (PEM chain) and its private key (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl ServerConfig {
    /// SQLite in `data_dir`, listening on `listen`.
    pub fn sqlite(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen,
            data_dir: data_dir.into(),
            database_url: None,
            auth: AuthConfig::default(),
            sync: SyncConfig::default(),
            limits: LimitsConfig::default(),
            clock: Arc::new(SystemClock),
            tls: None,
            insecure_http: false,
            reload_interval: std::time::Duration::from_secs(DEFAULT_RELOAD_SECS),
            queue: crate::queue::QueueConfig::default(),
            upstream: None,
        }
    }

    /// Where complete blobs (and the staging area of partial uploads) live on disk.
    pub fn blob_dir(&self) -> PathBuf {
        self.sync
            .blob_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blobs"))
    }

    /// The grant key file: the configured one or `<data_dir>/grant-key.ed25519`.
    pub fn grant_key_path(&self) -> PathBuf {
        self.auth
            .grant_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(GRANT_KEY_FILE))
    }

    /// Which database this configuration selects.
    pub fn database_kind(&self) -> Result<DatabaseKind> {
        match &self.database_url {
            None => Ok(DatabaseKind::Sqlite),
            Some(url) => DatabaseKind::from_url(url),
        }
    }
}

/// The database engine behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// Detects the engine from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self> {
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .ok_or_else(|| Error::InvalidDatabaseUrl {
                detail: "missing URL scheme (expected postgres:// or sqlite:)".into(),
            })?;
        match scheme.as_str() {
            "postgres" | "postgresql" => Ok(DatabaseKind::Postgres),
            "sqlite" => Ok(DatabaseKind::Sqlite),
            other => Err(Error::InvalidDatabaseUrl {
                detail: format!("unsupported scheme `{other}` (expected postgres:// or sqlite:)"),
            }),
        }
    }

    /// Lower-case name as used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for DatabaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let cli = Cli::try_parse_from(["yichuang-server"]).unwrap();
        assert_eq!(cli.listen, DEFAULT_LISTEN.parse().unwrap());
        assert!(cli.data_dir.is_none());
    }

    #[test]
    fn explicit_arguments() {
        let cli = Cli::try_parse_from([
            "yichuang-server",
            "--listen",
            "[::1]:0",
            "--data-dir",
            "/srv/yc",
            "--database-url",
            "postgres://u@h/db",
        ])
        .unwrap();
        let config = cli.into_config();
        assert_eq!(config.listen, "[::1]:0".parse().unwrap());
        assert_eq!(config.data_dir, PathBuf::from("/srv/yc"));
        assert_eq!(config.database_kind().unwrap(), DatabaseKind::Postgres);
    }

    #[test]
    fn admin_subcommands_and_auth_flags() {
        let cli = Cli::try_parse_from([
            "yichuang-server",
            "cert",
            "unbind",
            "--clerk",
            "C001",
            "--serial",
            "0A:1B",
            "--data-dir",
            "/srv/yc",
            "--ca-dir",
            "/etc/yc/ca",
        ])
        .unwrap();
        let (config, command) = cli.split();
        assert_eq!(config.data_dir, PathBuf::from("/srv/yc"));
        assert_eq!(config.auth.ca_dir, Some(PathBuf::from("/etc/yc/ca")));
        assert_eq!(config.auth.grant_days, 7);
        assert_eq!(
            command,
            Some(AdminCommand::Cert(CertCommand::Unbind {
                clerk: "C001".into(),
                serial: Some("0A:1B".into()),
                file: None,
            }))
        );
        assert!(Cli::try_parse_from(["yichuang-server", "--grant-days", "8"]).is_err());
        assert!(
            Cli::try_parse_from(["yichuang-server", "cert", "unbind", "--clerk", "C"]).is_err()
        );
        let cli = Cli::try_parse_from(["yichuang-server", "clerk", "import", "a.csv"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(AdminCommand::Clerk(ClerkCommand::Import { .. }))
        ));
    }

    #[test]
    fn i18_upstream_flags_turn_forwarding_on() {
        let (config, _) = Cli::try_parse_from(["yichuang-server"]).unwrap().split();
        assert!(config.upstream.is_none(), "off without a URL");
        let (config, _) = Cli::try_parse_from([
            "yichuang-server",
            "--upstream-url",
            "https://up.example/cases",
            "--upstream-timeout-secs",
            "3",
            "--upstream-max-attempts",
            "4",
            "--upstream-backoff-ms",
            "250",
            "--upstream-backoff-max-secs",
            "60",
        ])
        .unwrap()
        .split();
        let up = config.upstream.unwrap();
        assert_eq!(up.url.as_str(), "https://up.example/cases");
        assert_eq!(
            (
                up.timeout,
                up.max_attempts,
                up.backoff,
                up.backoff_max,
                up.allow_http
            ),
            (
                Duration::from_secs(3),
                4,
                Duration::from_millis(250),
                Duration::from_secs(60),
                false
            )
        );
        assert!(Cli::try_parse_from(["yichuang-server", "--upstream-max-attempts", "0"]).is_err());
        assert!(Cli::try_parse_from(["yichuang-server", "upstream", "retry"]).is_err());
        assert!(
            Cli::try_parse_from(["yichuang-server", "upstream", "retry", "x", "--dead"]).is_err()
        );
    }

    #[test]
    fn bad_listen_address_is_rejected() {
        assert!(Cli::try_parse_from(["yichuang-server", "--listen", "nope"]).is_err());
    }

    #[test]
    fn database_kind_from_url() {
        assert_eq!(
            DatabaseKind::from_url("postgresql://x/y").unwrap(),
            DatabaseKind::Postgres
        );
        assert_eq!(
            DatabaseKind::from_url("sqlite:///tmp/a.db").unwrap(),
            DatabaseKind::Sqlite
        );
        let err = DatabaseKind::from_url("mysql://x/y").unwrap_err();
        assert_eq!(err.code(), "invalid_database_url");
        assert!(DatabaseKind::from_url("nonsense").is_err());
    }
}
