//! Enrolled test workstations (issue 15): the code is issued on the server's database by the
//! admin function (what `yichuang-server workstation enroll` runs), the key is made by core and
//! enrolled through the real `POST /api/v1/enroll` with core's `EnrollRequest`.

use std::time::Duration;
use yichuang_core::infra::http::BackendTls;

use url::Url;
use yichuang_core::infra::credential::{
    generate_key, EnrollRequest, Enrollment, WorkstationCredential, ENROLL_PATH,
};
use yichuang_pki::credential::SigningKey;
use yichuang_server::{Database, ServerConfig};

fn s(e: &dyn std::fmt::Display) -> String {
    e.to_string()
}

fn now_ms() -> i64 {
    yichuang_core::domain::audit::now_ms()
}

fn enroll_url(base: &Url) -> Result<Url, String> {
    let mut u = base.clone();
    u.set_path(&format!(
        "{}{ENROLL_PATH}",
        base.path().trim_end_matches('/')
    ));
    Ok(u)
}

/// A one-time code for window `window` of `hall` on `db`.
pub async fn issue_code(db: &Database, hall: &str, window: u32) -> Result<String, String> {
    let (_, code, _) = yichuang_server::admin::issue_code(db, hall, window, 24, now_ms())
        .await
        .map_err(|e| format!("{}: {}", e.message(), e.detail()))?;
    Ok(code)
}

/// Enrolls window `window` of `hall` with the server at `base` whose database is `db`
/// (async callers).
pub async fn enroll(
    db: &Database,
    base: &Url,
    hall: &str,
    window: u32,
    tls: &BackendTls,
) -> Result<WorkstationCredential, String> {
    let code = issue_code(db, hall, window).await?;
    let key = generate_key().map_err(|e| s(&e))?;
    let resp = yichuang_core::infra::http::async_client(
        tls,
        reqwest::Client::builder().timeout(Duration::from_secs(30)),
    )
    .map_err(|e| s(&e))?
    .post(enroll_url(base)?)
    .json(&EnrollRequest::new(&code, &key))
    .send()
    .await
    .map_err(|e| s(&e))?;
    if !resp.status().is_success() {
        return Err(format!(
            "enroll: HTTP {}: {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        ));
    }
    let e: Enrollment = resp.json().await.map_err(|e| s(&e))?;
    Ok(WorkstationCredential::new(e.workstation_id, key))
}

/// The server's database from the test's side (as the admin CLI opens it): enrollment codes,
/// workstation state, counts. For blocking callers (not inside a Tokio runtime).
pub struct Admin {
    rt: tokio::runtime::Runtime,
    pub db: Database,
    pub base: Url,
    /// How the server's certificate is checked (the hall CA of a TLS run).
    pub tls: BackendTls,
}

impl Admin {
    pub fn open(config: &ServerConfig, base: Url) -> Result<Self, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| s(&e))?;
        let db = rt
            .block_on(Database::open(config))
            .map_err(|e| format!("{}: {}", e.message(), e.detail()))?;
        Ok(Self {
            rt,
            db,
            base,
            tls: BackendTls::default(),
        })
    }

    /// Checks the server's certificate with `tls` (a TLS run's hall CA).
    pub fn with_tls(mut self, tls: BackendTls) -> Self {
        self.tls = tls;
        self
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Enrolls window `window` of `hall` through `POST /api/v1/enroll`.
    pub fn enroll(&self, hall: &str, window: u32) -> Result<WorkstationCredential, String> {
        self.enroll_key(hall, window, generate_key().map_err(|e| s(&e))?)
    }

    /// As [`Admin::enroll`] with a given key (a worker process gets its seed).
    pub fn enroll_key(
        &self,
        hall: &str,
        window: u32,
        key: SigningKey,
    ) -> Result<WorkstationCredential, String> {
        let code = self.rt.block_on(issue_code(&self.db, hall, window))?;
        let resp = yichuang_core::infra::http::blocking_client(
            &self.tls,
            reqwest::blocking::Client::builder(),
        )
        .map_err(|e| s(&e))?
        .post(enroll_url(&self.base)?)
        .json(&EnrollRequest::new(&code, &key))
        .send()
        .map_err(|e| s(&e))?;
        if !resp.status().is_success() {
            return Err(format!(
                "enroll: HTTP {}: {}",
                resp.status(),
                resp.text().unwrap_or_default()
            ));
        }
        let e: Enrollment = resp.json().map_err(|e| s(&e))?;
        Ok(WorkstationCredential::new(e.workstation_id, key))
    }

    /// Records the server holds for `workstation`, of `kind`.
    pub fn count(&self, workstation: &str, kind: &str) -> i64 {
        self.rt
            .block_on(yichuang_server::sync::store::count_records(
                &self.db.pool,
                Some(workstation),
            ))
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| n)
    }
}

impl Drop for Admin {
    fn drop(&mut self) {
        self.rt.block_on(self.db.close());
    }
}

/// A random hall code (a PostgreSQL test database outlives a run).
pub fn random_hall() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase()
}

/// A fresh key and its seed as hex (what a worker process is given).
pub fn new_key() -> Result<(SigningKey, String), String> {
    let key = generate_key().map_err(|e| s(&e))?;
    let hex = key.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
    Ok((key, hex))
}

/// The key of [`new_key`]'s hex seed.
pub fn key_from_hex(hex: &str) -> Result<SigningKey, String> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()
        .map_err(|e| s(&e))?;
    let seed: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "expected 32 bytes of hex".to_owned())?;
    Ok(SigningKey::from_bytes(&seed))
}
