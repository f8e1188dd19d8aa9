//! Issue 15 in the real window: a workstation enrolled by IT with a one-time code, the clerk
//! then online and syncing; a clerk whose certificate is unbound loses the session; offline
//! login refused once the pulled clerk list no longer has the clerk. The server is the real
//! `yichuang-server`; its URL (and later its CA) come from the fixture (`tests/src/lib.rs`
//! `Server`). Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_e2e::clerk::{click_when_enabled, login_with};
use yichuang_e2e::webdriver::{until, wait_attr, wait_text, wd};
use yichuang_e2e::{App, Ukey};

const CLERKS: &str =
    "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept\n";
const PENDING: &str = "[data-testid=status-pending]";

/// Types `code` into the enrollment field (emptied first) and submits.
async fn enroll_with(app: &App, code: &str) -> Result<()> {
    let field = wd(app
        .client
        .find(Locator::Css("input[data-testid=enroll-code]")))
    .await?;
    // WebKitGTK's Element Clear leaves the page's model alone: empty the field as typing would
    // (an input event), then wait until the page holds exactly the typed code.
    wd(app.client.execute(
        "const f = document.querySelector('input[data-testid=enroll-code]'); \
         f.value = ''; f.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![],
    ))
    .await?;
    wd(field.send_keys(code)).await?;
    until(
        Duration::from_secs(5),
        "the code typed in the field",
        || async {
            let value = wd(app.client.execute(
                "return document.querySelector('input[data-testid=enroll-code]').value",
                vec![],
            ))
            .await?;
            Ok(value.as_str() == Some(code))
        },
    )
    .await?;
    click_when_enabled(&app.client, "[data-testid=enroll-submit]").await
}

/// Issue 15 item 1 (bar: enrollment, login and sync in the real window): a fresh workstation
/// shows 「本工作站尚未注册」 and sync 「未注册」; a wrong code is refused in Chinese; IT types
/// the code from `yichuang-server workstation enroll`; the clerk logs in online and the
/// login's audit entries reach the server, signed as this workstation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i15_a1_enrolled_in_the_window_then_logs_in_online_and_syncs() -> Result<()> {
    let mut app = App::builder("enroll-window")
        .tls()
        .window(21)
        .ukey(Ukey::Pkcs11)
        .auth_server(CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .unenrolled()
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            app.login_view().await?;
            let panel = wait_text(
                client,
                "[data-testid=enroll-panel]",
                Duration::from_secs(10),
            )
            .await
            .context("no enrollment panel on a fresh workstation")?;
            ensure!(panel.contains("本工作站尚未注册"), "panel: {panel}");
            wait_attr(
                client,
                PENDING,
                "data-phase",
                Duration::from_secs(10),
                |p| p == "not_enrolled",
            )
            .await
            .context("sync does not say 未注册")?;
            let bar = wait_text(client, PENDING, Duration::from_secs(1)).await?;
            ensure!(bar.starts_with("未注册"), "status bar sync: {bar}");

            enroll_with(&app, "WRONG-CODE-0000").await?;
            wait_attr(
                client,
                "[data-testid=enroll-error]",
                "data-code",
                Duration::from_secs(15),
                |c| c == "enroll.refused",
            )
            .await
            .context("a wrong code not refused")?;

            let code = app.server()?.enrollment_code("441500", 21)?;
            enroll_with(&app, &code).await?;
            until(
                Duration::from_secs(15),
                "the enrollment panel gone",
                || async { Ok(!app.exists("[data-testid=enroll-panel]").await) },
            )
            .await?;

            app.login("张三").await?;
            wait_text(
                client,
                "[data-testid=session-online]",
                Duration::from_secs(5),
            )
            .await?;
            wait_attr(
                client,
                PENDING,
                "data-synced",
                Duration::from_secs(30),
                |s| s == "true",
            )
            .await
            .context("not synced within 30 s of the login")?;
            // The workstation's own audit check (its signed credential, over HTTPS).
            let (status, body) = app.server_get("/api/v1/sync/audit/441500-21")?;
            ensure!(status == 200, "audit check: {status} {body}");
            let check: serde_json::Value = serde_json::from_str(&body)?;
            ensure!(
                check["entries"].as_u64().unwrap_or(0) >= 2 && check["intact"] == true,
                "the enrollment and login entries are not on the server: {body}"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // The key file (headless fallback) is owner-only; the record is the server's answer.
    let data = app.ws.data_dir();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(data.join("workstation.key"))?
            .permissions()
            .mode();
        ensure!(
            mode & 0o777 == 0o600,
            "workstation.key mode {:o}",
            mode & 0o777
        );
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("enrollment.json"))?)?;
    ensure!(record["workstation_id"] == "441500-21", "record: {record}");
    Ok(())
}

/// Issue 15 item 6: IT unbinds 张三's certificate while 张三 works; the window goes back to
/// the login page with the reason in Chinese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i15_b6_unbound_clerk_loses_the_session_in_the_window() -> Result<()> {
    let mut app = App::counter("enroll-unbind", 22).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let cert = app.keys()?.path().join("ca/clerk-ecdsa.pem");
            let cert = cert.to_str().context("utf-8 path")?;
            app.server()?
                .admin(&["cert", "unbind", "--clerk", "T-ZS", cert])?;
            let said = wait_text(
                client,
                "[data-testid=login-session-ended]",
                Duration::from_secs(20),
            )
            .await
            .context("the session was not ended in the window")?;
            ensure!(said.contains("中心服务已终止您的登录"), "reason: {said}");
            ensure!(
                !app.exists("[data-testid=workbench-clerk]").await,
                "the workbench is still shown"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result?;
    let mut store = app.open_store()?;
    let actions: Vec<String> = yichuang_core::domain::audit::recent(store.conn(), 20)?
        .into_iter()
        .map(|r| r.action)
        .collect();
    ensure!(
        actions.iter().any(|a| a == "session.ended_by_server"),
        "the end is not audited: {actions:?}"
    );
    Ok(())
}

/// Issue 15 item 6 (offline part): 张三 has a valid offline grant, then IT disables 张三;
/// the next pull no longer lists 张三, and with the server gone the offline login is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i15_c6_offline_login_refused_after_the_pulled_list_drops_the_clerk() -> Result<()> {
    let mut app = App::builder("enroll-offline-revoked")
        .window(23)
        .ukey(Ukey::Pkcs11)
        .auth_server(CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let pin = app.pin()?;
            app.login("张三").await?;
            wd(client.find(Locator::Css("[data-testid=logout]")))
                .await?
                .click()
                .await
                .ok();
            wait_text(client, "[data-testid=login-view]", Duration::from_secs(5)).await?;

            app.server()?.admin(&["clerk", "disable", "T-ZS"])?;
            // 「立即同步」 pulls the documents again: wait until the kept list lacks 张三.
            wd(client.find(Locator::Css(PENDING)))
                .await?
                .click()
                .await
                .ok();
            click_when_enabled(client, "[data-testid=sync-now]").await?;
            until(
                Duration::from_secs(30),
                "the pulled list without 张三",
                || async {
                    let mut store = app.open_store()?;
                    let doc =
                        yichuang_core::infra::sync::pull::cached_document(store.conn(), "clerks")?;
                    Ok(doc.is_some_and(|d| !d.to_string().contains("T-ZS")))
                },
            )
            .await?;
            click_when_enabled(client, "[data-testid=sync-close]").await?;

            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            login_with(client, "张三", &pin).await?;
            wait_attr(
                client,
                "[data-testid=login-error]",
                "data-code",
                Duration::from_secs(15),
                |c| c == "login.offline_revoked",
            )
            .await
            .context("offline login not refused after the list dropped 张三")?;
            let msg =
                wait_text(client, "[data-testid=login-error]", Duration::from_secs(1)).await?;
            ensure!(msg.contains("不能离线登录"), "message: {msg}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}
