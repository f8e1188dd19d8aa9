//! Clerk login with a UKey in the real app window (A1–A5) against the real server's
//! challenge–response: the simulated SKF key (SM2) and SoftHSM2 PKCS#11 tokens, set up by
//! `scripts/ukey-test.sh`. How fast pulling the key locks the workstation is measured by
//! `make bench` (`ukey_lock_ms`). Run by `make e2e`.

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_e2e::clerk::{click_when_enabled, login_with, submit_pin};
use yichuang_e2e::webdriver::{click, switch_to_window_with, until, wait_attr, wait_text, wd};
use yichuang_e2e::{App, Ukey};

/// The login error's text once it differs from `before` (each attempt replaces the message).
async fn next_login_error(client: &Client, before: &str) -> Result<String> {
    let last = std::cell::RefCell::new(String::new());
    let last_ref = &last;
    until(
        Duration::from_secs(10),
        "an answer to the PIN",
        || async move {
            let el = wd(client.find(Locator::Css("[data-testid=login-error]"))).await?;
            let now = wd(el.text()).await?;
            let changed = !now.trim().is_empty() && now != before;
            *last_ref.borrow_mut() = now;
            Ok(changed)
        },
    )
    .await?;
    Ok(last.into_inner())
}

/// Issue 4 (A1, A3, A5): certificate login with the simulated SKF key (SM2, through the SKF
/// library loaded at run time) against the real server's challenge–response. A wrong PIN
/// shows the retries left; the right one logs 钱七 in; pulling the key locks both windows
/// (citizen screen 「暂停服务」); re-inserting it and the PIN unlock; wrong PINs up to the
/// key's limit lock the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a1_skf_login_wrong_pin_lock_on_removal_and_unlock() -> Result<()> {
    // The server trusts the test CAs; 钱七 is bound to the SKF key's certificate.
    let mut app = App::builder("ukey-login")
        .window(11)
        .ukey(Ukey::Skf)
        .auth_server(
            "id,name,department,post,permissions\nT-QQ,钱七,区政务服务中心,综合窗口,accept;query\n",
            &[("T-QQ", "skf/clerk.pem")],
        )
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let pin = app.pin()?;
            let key = |cmd: &str| yichuang_e2e::skf_key(app.keys()?, cmd);
            app.login_view().await?;
            let retries = wait_text(
                client,
                "[data-testid=login-retries]",
                Duration::from_secs(10),
            )
            .await
            .context("key not detected on the login view")?;
            ensure!(retries.contains("6/6"), "retries: {retries}");

            // Wrong PIN: the key counts down and the clerk is told how many tries remain.
            submit_pin(client, "login-pin", "login-submit", "00000000").await?;
            let err = next_login_error(client, "").await?;
            ensure!(
                err.contains("PIN码错误") && err.contains('5'),
                "wrong PIN message: {err}"
            );

            // Right PIN: SM2 challenge–response with the server.
            submit_pin(client, "login-pin", "login-submit", &pin).await?;
            let who = wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(10),
            )
            .await
            .context("login did not reach the workbench")?;
            ensure!(
                who.contains("钱七") && who.contains("区政务服务中心"),
                "workbench: {who}"
            );
            let bar =
                wait_text(client, "[data-testid=status-clerk]", Duration::from_secs(2)).await?;
            ensure!(bar.contains("钱七"), "status bar: {bar}");
            wait_text(
                client,
                "[data-testid=session-online]",
                Duration::from_secs(2),
            )
            .await?;

            // Pull the key: locked.
            key("remove")?;
            wait_text(client, "[data-testid=lock-screen]", Duration::from_secs(10))
                .await
                .context("not locked after pulling the key")?;
            // The citizen window says 暂停服务.
            let clerk_window = wd(client.window()).await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-paused]",
                    Duration::from_secs(3)
                )
                .await?,
                "citizen window does not show 暂停服务"
            );
            wd(client.switch_to_window(clerk_window)).await?;

            // Re-insert and unlock with the PIN.
            key("insert")?;
            submit_pin(client, "unlock-pin", "unlock-submit", &pin).await?;
            let app_ref = &app;
            if until(
                Duration::from_secs(5),
                "the lock screen to go",
                || async move { Ok(!app_ref.exists("[data-testid=lock-screen]").await) },
            )
            .await
            .is_err()
            {
                let text = match wd(client.find(Locator::Css("[data-testid=unlock-error]"))).await {
                    Ok(m) => m.text().await.unwrap_or_default(),
                    Err(_) => String::new(),
                };
                bail!("still locked after re-insert + PIN: {text}");
            }
            wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(2),
            )
            .await?;

            // Log out; wrong PINs until the key's retry limit locks it: 「UKey已锁定」.
            click(client, "[data-testid=logout]").await?;
            wait_text(client, "[data-testid=login-view]", Duration::from_secs(5)).await?;
            let mut last = String::new();
            for attempt in 1..=6 {
                submit_pin(client, "login-pin", "login-submit", "99999999").await?;
                last = next_login_error(client, if attempt == 1 { "" } else { &last })
                    .await
                    .with_context(|| format!("no answer to wrong PIN {attempt}"))?;
                if last.contains("UKey已锁定") {
                    ensure!(attempt >= 5, "locked after only {attempt} wrong PINs");
                    break;
                }
            }
            ensure!(last.contains("UKey已锁定"), "never locked: {last}");
            let retries = wait_text(
                client,
                "[data-testid=login-retries]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(retries.contains("UKey已锁定"), "retries line: {retries}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// Issue 4 (A1, A3, offline login): PKCS#11 tokens (SoftHSM2, ECDSA P-256). The unbound
/// certificate of 王五 is refused with its message; 张三 logs in online and gets an offline
/// grant; with the server stopped 张三 logs in offline with it, while 李四 (no grant on this
/// workstation) is refused with the offline message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a1_pkcs11_login_unbound_refused_and_offline_grant() -> Result<()> {
    let mut app = App::builder("pkcs11-login")
        .window(13)
        .ukey(Ukey::Pkcs11)
        .auth_server(
            "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept\nT-LS,李四,市政务服务中心,不动产窗口,accept\n",
            &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-LS", "ca/clerk-rsa.pem")],
        )
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let pin = app.pin()?;
            app.login_view().await?;
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;

            // 王五's certificate is valid but bound to no clerk.
            login_with(client, "王五", &pin).await?;
            wait_attr(
                client,
                "[data-testid=login-error]",
                "data-code",
                Duration::from_secs(10),
                |c| c == "login.cert_not_bound",
            )
            .await
            .context("unbound certificate not refused")?;
            let msg =
                wait_text(client, "[data-testid=login-error]", Duration::from_secs(1)).await?;
            ensure!(msg.contains("未绑定"), "unbound message: {msg}");

            // 张三 online (ECDSA P-256): the workbench, and a grant kept for offline days.
            login_with(client, "张三", &pin).await?;
            let who = wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(10),
            )
            .await
            .context("张三 not logged in")?;
            ensure!(who.contains("张三"), "workbench: {who}");
            wait_text(
                client,
                "[data-testid=session-online]",
                Duration::from_secs(2),
            )
            .await?;
            click(client, "[data-testid=logout]").await?;
            wait_text(client, "[data-testid=login-view]", Duration::from_secs(5)).await?;

            // The server goes away: 张三 gets in offline with the grant, 李四 does not.
            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            login_with(client, "李四", &pin).await?;
            wait_attr(
                client,
                "[data-testid=login-error]",
                "data-code",
                Duration::from_secs(15),
                |c| c == "login.offline_no_grant",
            )
            .await
            .context("李四 without a grant not refused offline")?;
            login_with(client, "张三", &pin).await?;
            wait_text(
                client,
                "[data-testid=session-offline]",
                Duration::from_secs(15),
            )
            .await
            .context("张三 not logged in offline")?;
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // Every attempt is in the audit trail, chained.
    let mut store = app.open_store()?;
    yichuang_core::domain::audit::verify_chain(store.conn())?;
    let actions: Vec<String> = yichuang_core::domain::audit::recent(store.conn(), 20)?
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in ["login.failed", "login.ok", "logout", "login.offline"] {
        ensure!(
            actions.iter().any(|x| x == a),
            "{a} not audited: {actions:?}"
        );
    }
    Ok(())
}

/// Types `text` into the input `css` (cleared first) and waits until the box holds it
/// (WebKitGTK's driver returns from Send Keys before the page has seen every key); types
/// again only when the box ends up holding something else.
async fn fill(client: &Client, css: &str, text: &str) -> Result<()> {
    for _ in 0..3 {
        let el = wd(client.find(Locator::Css(css))).await?;
        wd(el.clear()).await.ok();
        wd(el.send_keys(text)).await?;
        let held = until(Duration::from_secs(5), css, || {
            let el = el.clone();
            async move { Ok(wd(el.prop("value")).await?.unwrap_or_default() == text) }
        })
        .await;
        if held.is_ok() {
            return Ok(());
        }
    }
    bail!("{css} does not hold the typed text")
}

/// Issue 16 (A2, A3): one desk with the SoftHSM2 PKCS#11 module (`[devices.ukey]`) and the
/// simulated SKF library (`[[devices.ukeys]]`). Both keys are in the one login list, each
/// naming its library; 张三 logs in through PKCS#11, 钱七 through SKF. 钱七's key still has
/// its initial PIN: the workbench says so, the PIN is changed in the dialog (a wrong old PIN
/// first: the retries left), and after logout the old PIN is refused and the new one logs in.
/// The change is audited, without any PIN. Pulling the SKF key then locks the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a2_a3_two_libraries_in_one_login_list_and_the_pin_changed_in_the_window() -> Result<()> {
    let mut app = App::builder("ukey-desk")
        .window(15)
        .ukey(Ukey::Pkcs11)
        .also_ukey(Ukey::Skf)
        .auth_server(
            "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept\nT-QQ,钱七,区政务服务中心,综合窗口,accept;query\n",
            &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-QQ", "skf/clerk.pem")],
        )
        .start()
        .await?;
    let client = &app.client;
    const NEW_PIN: &str = "24681357";
    let result = app
        .scenario(async {
            let hsm_pin = app.pin_of(Ukey::Pkcs11)?;
            let skf_pin = app.pin_of(Ukey::Skf)?;
            app.login_view().await?;
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;

            // 张三 through the PKCS#11 module.
            login_with(client, "张三", &hsm_pin).await?;
            let who = wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(10),
            )
            .await
            .context("张三 (PKCS#11) not logged in")?;
            ensure!(who.contains("张三"), "workbench: {who}");
            ensure!(
                !app.exists("[data-testid=pin-default-warning]").await,
                "SoftHSM2 does not ask for a PIN change"
            );
            click(client, "[data-testid=logout]").await?;
            wait_text(client, "[data-testid=login-view]", Duration::from_secs(5)).await?;

            // 钱七 through the SKF library, from the same list, which names the library.
            yichuang_e2e::clerk::choose_certificate(client, "钱七").await?;
            let chosen =
                wait_text(client, "[data-testid=login-cert]", Duration::from_secs(2)).await?;
            ensure!(
                chosen.contains("测试库1"),
                "the choice names no library: {chosen}"
            );
            login_with(client, "钱七", &skf_pin).await?;
            wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(10),
            )
            .await
            .context("钱七 (SKF) not logged in")?;

            // The initial PIN: warned, changed from the warning.
            let warning = wait_text(
                client,
                "[data-testid=pin-default-warning]",
                Duration::from_secs(5),
            )
            .await
            .context("no initial-PIN warning")?;
            ensure!(
                warning.contains("UKey仍使用初始PIN，请立即修改"),
                "warning: {warning}"
            );
            click(client, "[data-testid=pin-default-change]").await?;
            fill(client, "input[data-testid=pin-old]", "00000000").await?;
            fill(client, "input[data-testid=pin-new]", NEW_PIN).await?;
            fill(client, "input[data-testid=pin-confirm]", NEW_PIN).await?;
            click_when_enabled(client, "[data-testid=pin-change-submit]").await?;
            let err = wait_text(
                client,
                "[data-testid=pin-change-error]",
                Duration::from_secs(10),
            )
            .await
            .context("a wrong old PIN got no answer")?;
            ensure!(
                err.contains("PIN码错误") && err.contains("还可重试5次"),
                "wrong old PIN: {err}"
            );
            fill(client, "input[data-testid=pin-old]", &skf_pin).await?;
            click_when_enabled(client, "[data-testid=pin-change-submit]").await?;
            wait_text(
                client,
                "[data-testid=pin-change-ok]",
                Duration::from_secs(10),
            )
            .await
            .context("PIN not changed")?;
            click(client, "[data-testid=pin-change-close]").await?;
            let app_ref = &app;
            until(Duration::from_secs(5), "the warning to go", || async move {
                Ok(!app_ref.exists("[data-testid=pin-default-warning]").await)
            })
            .await?;

            // Logout (once the dialog's overlay has faded): the old PIN is refused, the new
            // one logs in.
            until(Duration::from_secs(5), "the logout click", || async move {
                Ok(click(client, "[data-testid=logout]").await.is_ok())
            })
            .await?;
            wait_text(client, "[data-testid=login-view]", Duration::from_secs(5)).await?;
            login_with(client, "钱七", &skf_pin).await?;
            let err = next_login_error(client, "").await?;
            ensure!(err.contains("PIN码错误"), "old PIN: {err}");
            login_with(client, "钱七", NEW_PIN).await?;
            wait_text(
                client,
                "[data-testid=workbench-clerk]",
                Duration::from_secs(10),
            )
            .await
            .context("the new PIN does not log in")?;
            ensure!(
                !app.exists("[data-testid=pin-default-warning]").await,
                "still warned after the change"
            );

            // The presence watch covers the SKF library's key too: pulling it locks.
            yichuang_e2e::skf_key(app.keys()?, "remove")?;
            wait_text(client, "[data-testid=lock-screen]", Duration::from_secs(10))
                .await
                .context("not locked after pulling the SKF key")?;
            yichuang_e2e::skf_key(app.keys()?, "insert")?;
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    let mut store = app.open_store()?;
    yichuang_core::domain::audit::verify_chain(store.conn())?;
    let rows = yichuang_core::domain::audit::recent(store.conn(), 40)?;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    for a in ["ukey.pin_change_failed", "ukey.pin_changed"] {
        ensure!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    let pins = [NEW_PIN, "12345678", "00000000"];
    for r in &rows {
        let text = format!("{} {:?}", r.detail, r.subject);
        ensure!(
            !pins.iter().any(|p| text.contains(p)),
            "a PIN in the audit trail: {text}"
        );
    }
    Ok(())
}
