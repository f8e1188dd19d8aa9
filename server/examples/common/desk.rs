//! What the server benchmarks share. A desk: a workstation enrolled through the real enrollment route (its own
//! key, a one-time code from the admin function) with a clerk session as a certificate login
//! leaves it; every request signed and carrying the session.

use serde_json::{json, Value};
use yichuang_pki::credential::{self, SigningKey};
use yichuang_server::Clock;

pub struct Desk {
    pub id: String,
    /// The workstation's key (the licence bench signs card reads with it).
    pub key: SigningKey,
    /// The clerk logged in (the licence bench's card reads name them; the others do not read it).
    #[allow(dead_code)]
    pub clerk: String,
    token: String,
    base: String,
    http: reqwest::Client,
}

pub fn now_ms() -> i64 {
    yichuang_server::config::SystemClock.now_ms()
}

/// The value after `name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

impl Desk {
    /// `method` on `path` (from `/api/v1`, with its query), `body` as JSON when not empty.
    pub async fn send(&self, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
        let sig = credential::sign_request(
            &self.key,
            &self.id,
            method,
            path,
            now_ms(),
            credential::nonce_from(*uuid::Uuid::new_v4().as_bytes()),
            Some(body),
        );
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        for (k, v) in sig.headers() {
            req = req.header(k, v);
        }
        if !body.is_empty() {
            req = req
                .header("content-type", "application/json")
                .body(body.to_vec());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A desk verb with a fresh request id.
    #[allow(dead_code)]
    pub async fn verb(&self, verb: &str) -> (u16, Value) {
        let body =
            serde_json::to_vec(&json!({ "request_id": uuid::Uuid::new_v4().to_string() })).unwrap();
        self.send("POST", &format!("/api/v1/queue/desk/{verb}"), &body)
            .await
    }
}

/// Enrolls window `window` of `hall` and opens a session of a new clerk with `permissions`.
pub async fn enroll(
    state: &yichuang_server::AppState,
    base: &str,
    hall: &str,
    window: u32,
    http: &reqwest::Client,
    permissions: &[&str],
) -> Desk {
    let (id, code, _) = yichuang_server::admin::issue_code(&state.db, hall, window, 1, now_ms())
        .await
        .unwrap();
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    let key = credential::signing_key_from_seed(seed);
    let code = credential::normalize_code(&code);
    let pk = credential::public_key_b64(&key.verifying_key());
    let proof = credential::sign_b64(&key, credential::enrollment_message(&code, &pk).as_bytes());
    let resp = http
        .post(format!("{base}/api/v1/enroll"))
        .json(&json!({ "code": code, "public_key": pk, "proof": proof }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "enrollment");
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let clerk = yichuang_server::auth::store::Clerk {
        id: format!("B-{}", &suffix[..12]),
        name: "bench".into(),
        department: "bench".into(),
        post: "bench".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    };
    let db = &state.db;
    let now = now_ms();
    yichuang_server::Database::upsert_clerk(&db.pool, &clerk, now)
        .await
        .unwrap();
    let fingerprint = suffix.repeat(2);
    sqlx::query(
        "INSERT INTO cert_bindings (id, clerk_id, issuer, serial, fingerprint, cert_der, bound_at) \
         VALUES ($1, $2, 'CN=bench', $3, $4, '', $5)",
    )
    .bind(&suffix)
    .bind(&clerk.id)
    .bind(&suffix[..16])
    .bind(&fingerprint)
    .bind(now)
    .execute(&db.pool)
    .await
    .unwrap();
    let token = format!("bench-{suffix}");
    db.create_session(
        &yichuang_server::auth::token_hash(&token),
        &clerk.id,
        &id,
        &fingerprint,
        now,
        now + 3_600_000,
    )
    .await
    .unwrap();
    Desk {
        id,
        key,
        clerk: clerk.id.clone(),
        token,
        base: base.to_owned(),
        http: http.clone(),
    }
}
