//! A second desk of the hall, driven through the server's API the way a workstation does:
//! enrolled with a one-time code, its clerk logged in by certificate challenge–response (a
//! clerk certificate issued here by the test CA of `scripts/ukey-test.sh`), desk verbs signed
//! and carrying the session. The E2E tests use it beside the real window, so the window's
//! desk competes with another one for the same tickets.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};
use yichuang_core::infra::credential::{
    generate_key, EnrollRequest, Enrollment, WorkstationCredential, ENROLL_PATH,
};

use std::time::Duration;

use crate::clerk::click_when_enabled;
use crate::webdriver::{switch_to_window_with, until, wait_text, wd};
use crate::{App, Server};
use yichuang_core::infra::config::QueueMode;

/// An enrolled workstation of `window` with a clerk session.
pub struct ApiDesk {
    pub window: u16,
    credential: WorkstationCredential,
    token: String,
}

fn openssl(args: &[&str]) -> Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .context("openssl (make setup installs it)")?;
    if !out.status.success() {
        bail!(
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn json_of(what: &str, (status, body): (u16, String)) -> Result<Value> {
    ensure!(status == 200, "{what}: HTTP {status} {body}");
    serde_json::from_str(&body).with_context(|| format!("{what}: {body}"))
}

impl ApiDesk {
    /// Enrolls window `window` of `hall` and logs clerk `clerk_id` (`name`, already known to
    /// the server) in with a new certificate of the ECDSA test CA in `keys_dir/ca`, bound to
    /// the clerk through the admin CLI.
    pub fn login(
        server: &Server,
        keys_dir: &Path,
        hall: &str,
        window: u16,
        clerk_id: &str,
        name: &str,
    ) -> Result<ApiDesk> {
        // Enrollment: the code IT types, the workstation's own key.
        let code = server.enrollment_code(hall, window)?;
        let key = generate_key().map_err(|_| anyhow::anyhow!("no key"))?;
        let enroll = serde_json::to_value(EnrollRequest::new(&code, &key))?;
        let enrollment: Enrollment = serde_json::from_value(json_of(
            "enroll",
            server.unsigned_post(ENROLL_PATH, &enroll)?,
        )?)?;
        let credential = WorkstationCredential::new(enrollment.workstation_id, key);

        // The clerk's certificate, bound by the admin CLI.
        let dir = tempfile::tempdir()?;
        let p = |f: &str| dir.path().join(f).to_string_lossy().into_owned();
        let ca = keys_dir.join("ca");
        let (ca_pem, ca_key) = (
            ca.join("ecdsa-ca.pem").to_string_lossy().into_owned(),
            ca.join("ecdsa-ca.key").to_string_lossy().into_owned(),
        );
        openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            &p("clerk.key"),
        ])?;
        let subject = format!("/C=CN/O=某市政务服务中心/CN={name}");
        openssl(&[
            "req",
            "-new",
            "-key",
            &p("clerk.key"),
            "-utf8",
            "-subj",
            &subject,
            "-out",
            &p("clerk.csr"),
        ])?;
        std::fs::write(
            p("clerk.ext"),
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=clientAuth\n",
        )?;
        let serial = format!("0x{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &p("clerk.csr"),
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-set_serial",
            &serial,
            "-days",
            "30",
            "-sha256",
            "-extfile",
            &p("clerk.ext"),
            "-out",
            &p("clerk.pem"),
        ])?;
        openssl(&[
            "x509",
            "-in",
            &p("clerk.pem"),
            "-outform",
            "DER",
            "-out",
            &p("clerk.der"),
        ])?;
        let trust = dir.path().join("trust");
        std::fs::create_dir_all(&trust)?;
        std::fs::copy(&ca_pem, trust.join("ecdsa-ca.pem"))?;
        server.admin(&[
            "cert",
            "bind",
            "--clerk",
            clerk_id,
            "--ca-dir",
            &trust.to_string_lossy(),
            &p("clerk.pem"),
        ])?;

        // Challenge–response login, signed as the workstation.
        let challenge = json_of(
            "challenge",
            server.post_json("/api/v1/auth/challenge", &credential, &json!({}))?,
        )?;
        let (id, nonce) = (
            challenge["challenge_id"].as_str().context("challenge_id")?,
            challenge["nonce"].as_str().context("nonce")?,
        );
        std::fs::write(p("message"), format!("yichuang-login|{id}|{nonce}"))?;
        openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            &p("clerk.key"),
            "-out",
            &p("signature"),
            &p("message"),
        ])?;
        let login = json_of(
            "login",
            server.post_json(
                "/api/v1/auth/login",
                &credential,
                &json!({
                    "challenge_id": id,
                    "certificate": B64.encode(std::fs::read(p("clerk.der"))?),
                    "signature": B64.encode(std::fs::read(p("signature"))?),
                }),
            )?,
        )?;
        let token = login["session_token"]
            .as_str()
            .context("session_token")?
            .to_owned();
        Ok(ApiDesk {
            window,
            credential,
            token,
        })
    }

    /// `POST /api/v1/queue/desk/{verb}` with `fields` and a fresh request id: status and body.
    pub fn act(&self, server: &Server, verb: &str, mut fields: Value) -> Result<(u16, Value)> {
        fields["request_id"] = json!(uuid::Uuid::new_v4().to_string());
        let (status, body) = server.signed(
            "POST",
            &format!("/api/v1/queue/desk/{verb}"),
            &self.credential,
            Some(&fields),
            Some(&self.token),
        )?;
        Ok((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
    }

    /// The desk's state (`GET /api/v1/queue/desk`).
    pub fn state(&self, server: &Server) -> Result<Value> {
        json_of(
            "desk state",
            server.signed(
                "GET",
                "/api/v1/queue/desk",
                &self.credential,
                None,
                Some(&self.token),
            )?,
        )
    }
}

/// The server's record of `ticket`'s visit (admin CLI), once it has the rating.
pub async fn rated_visit(app: &App, ticket: &str) -> Result<serde_json::Value> {
    let found = std::cell::RefCell::new(serde_json::Value::Null);
    until(
        Duration::from_secs(25),
        "the visit's rating on the server",
        || {
            let record = app
                .server()
                .and_then(|s| s.admin(&["queue", "visit", "--hall", "441500", ticket]))
                .ok()
                .and_then(|o| serde_json::from_str::<serde_json::Value>(&o).ok())
                .filter(|v| v["ratings"].as_array().is_some_and(|r| !r.is_empty()));
            let done = record.is_some();
            if let Some(v) = record {
                *found.borrow_mut() = v;
            }
            async move { Ok(done) }
        },
    )
    .await?;
    Ok(found.into_inner())
}

/// The hall's queue for this desk: item group `code` (its prefix too) served at `window`,
/// and `tickets` tickets issued through the ticket endpoint.
pub fn hall_queue(app: &App, code: &str, name: &str, window: u16, tickets: u32) -> Result<()> {
    {
        let server = app.server()?;
        server.admin(&[
            "queue", "group", "add", "--hall", "441500", "--code", code, "--prefix", code,
            "--name", name,
        ])?;
        let window = window.to_string();
        server.admin(&[
            "queue", "window", "set", "--hall", "441500", "--window", &window, "--groups", code,
        ])?;
    }
    for n in 1..=tickets {
        let (status, body) = app.server_post(
            "/api/v1/queue/tickets",
            &serde_json::json!({ "group": code, "request_id": format!("reception-{code}{n}") }),
        )?;
        ensure!(status == 200, "ticket {n}: HTTP {status} {body}");
    }
    Ok(())
}

/// 叫下一位 at the desk until it shows `number` as the ticket being served.
pub async fn call_next(client: &fantoccini::Client, number: &str) -> Result<()> {
    click_when_enabled(client, "[data-testid=queue-call-next]").await?;
    until(
        Duration::from_secs(10),
        &format!("{number} at the desk"),
        || async {
            let t = wait_text(
                client,
                "[data-testid=queue-current]",
                Duration::from_secs(1),
            )
            .await?;
            Ok(t.contains(number))
        },
    )
    .await?;
    Ok(())
}

/// The clerks of the queue scenarios: 张三 at the window under test, 李四 at a second desk.
pub const QUEUE_CLERKS: &str = "id,name,department,post,permissions\n\
     T-ZS,张三,市政务服务中心,综合窗口,accept;query\n\
     T-LS,李四,市政务服务中心,综合窗口,accept;query\n";

/// A counter of hall 441500 at `window` with the queue `mode`, a PKCS#11 key and the server
/// for certificate login (张三 bound).
pub fn queue_app(name: &str, window: u16, mode: QueueMode) -> crate::app::AppBuilder {
    App::builder(name)
        .window(window)
        .config(move |c| {
            c.hall.code = Some("441500".into());
            c.queue.mode = mode;
            c.citizen_screen.rating_seconds = 15;
        })
        .ukey(crate::Ukey::Pkcs11)
        .auth_server(QUEUE_CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
}

/// Switches the WebDriver session to the window showing `css` (the clerk's or the
/// citizen's), failing with `what`.
pub async fn to_window(client: &fantoccini::Client, css: &str, what: &str) -> Result<()> {
    ensure!(
        switch_to_window_with(client, css, Duration::from_secs(5)).await?,
        "{what}"
    );
    Ok(())
}

/// The citizen window shows `number` called.
pub async fn citizen_shows_call(client: &fantoccini::Client, number: &str) -> Result<()> {
    const CALLED: &str = "[data-testid=citizen-called-number]";
    to_window(client, CALLED, "the citizen window does not show the call").await?;
    let shown = wait_text(client, CALLED, Duration::from_secs(1)).await?;
    ensure!(
        shown == number,
        "citizen window shows {shown:?}, not {number}"
    );
    Ok(())
}

/// 服务结束，请评价 at the desk, then the citizen touches `level` (a `RatingLevel` key).
pub async fn rate_visit(client: &fantoccini::Client, level: &str) -> Result<()> {
    to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;
    click_when_enabled(client, "[data-testid=request-rating]").await?;
    to_window(
        client,
        "[data-testid=citizen-rating]",
        "the citizen window does not ask for the rating",
    )
    .await?;
    wd(client.find(fantoccini::Locator::Css(&format!(
        "[data-testid=rate-{level}]"
    ))))
    .await?
    .click()
    .await
    .map_err(anyhow::Error::from)?;
    Ok(())
}

/// The hall queue of [`hall_queue`] set up, 张三 logged in, and the desk's queue panel showing
/// its waiting count.
pub async fn desk_with_queue(
    app: &App,
    code: &str,
    name: &str,
    window: u16,
    tickets: u32,
) -> Result<()> {
    hall_queue(app, code, name, window, tickets)?;
    app.login("张三").await?;
    crate::webdriver::wait_text(
        &app.client,
        "[data-testid=queue-waiting-count]",
        std::time::Duration::from_secs(10),
    )
    .await?;
    Ok(())
}
