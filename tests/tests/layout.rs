//! Issue 14: every page of the clerk window at 1366×768, photographed and measured. The run
//! saves one PNG per page to `.artifacts/e2e/layout-<page>.png` and fails when a status-bar
//! item (the device and server states of K2 and J) or an element marked `data-single-line`
//! is cut (its text wider than its box), reaches past the window's edge, or when the page
//! scrolls sideways — online, offline with every sync figure showing and devices failing,
//! and under the lock. Run by `make e2e`.

use anyhow::{bail, ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_core::shell_text;
use yichuang_e2e::clerk::Hands;
use yichuang_e2e::webdriver::{settled, switch_to_window_with, until, wait_attr, wait_text, wd};
use yichuang_e2e::{artifacts_dir, skf_key, App, Ukey};

/// Everything on the page that must show its text whole, measured in the window: the
/// problems found, one line each (empty: the page fits).
const OVERFLOW_JS: &str = r#"
const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
const problems = [];
const name = (el) => el.dataset.testid || (el.dataset.slot && 'device ' + el.dataset.slot)
  || el.tagName.toLowerCase() + '.' + String(el.className).split(' ')[0];
const text = (el) => (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
for (const el of document.querySelectorAll('.status-bar > *, .status-bar [data-slot], [data-single-line]')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue; // not shown (v-show, a closed page)
  if (el.scrollWidth > el.clientWidth + 1)
    problems.push(`${name(el)} cut: text ${el.scrollWidth} px in a ${el.clientWidth} px box (「${text(el)}」)`);
  if (r.left < -0.5 || r.right > vw + 0.5)
    problems.push(`${name(el)} reaches past the window: x ${Math.round(r.left)}..${Math.round(r.right)} of ${vw} (「${text(el)}」)`);
  if (r.bottom > vh + 0.5)
    problems.push(`${name(el)} below the window: bottom ${Math.round(r.bottom)} of ${vh} (「${text(el)}」)`);
}
const bar = document.querySelector('.status-bar');
if (bar) {
  // Lines of the bar: items whose vertical middles are more than 6 px apart.
  const middles = [...bar.children].map((c) => c.getBoundingClientRect())
    .filter((r) => r.width > 0 && r.height > 0).map((r) => (r.top + r.bottom) / 2).sort((a, b) => a - b);
  const lines = middles.filter((m, i) => i === 0 || m - middles[i - 1] > 6).length;
  if (lines > 1) problems.push(`status bar wraps to ${lines} lines at ${vw} px`);
}
if (document.documentElement.scrollWidth > vw + 1)
  problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${vw} px`);
return problems;
"#;

/// The current window's size inside its frame, `[width, height]`.
async fn viewport(client: &Client) -> Result<(u64, u64)> {
    let v = wd(client.execute(
        "return [document.documentElement.clientWidth, document.documentElement.clientHeight];",
        vec![],
    ))
    .await?;
    Ok((
        v[0].as_u64().context("width")?,
        v[1].as_u64().context("height")?,
    ))
}

/// The overflow check of the current page; each problem is prefixed with the page's name.
async fn overflow(client: &Client, page: &str) -> Result<Vec<String>> {
    let found = wd(client.execute(OVERFLOW_JS, vec![])).await?;
    let found: Vec<String> = serde_json::from_value(found)?;
    Ok(found.into_iter().map(|p| format!("{page}: {p}")).collect())
}

/// Saves the page as `.artifacts/e2e/layout-<page>.png` once it stands still, and adds what
/// the overflow check finds to `problems`. The picture is the X display's (1366×768, the
/// clerk window filling it): WebKitGTK's driver sometimes never answers a window screenshot
/// (the history page, a window under another).
async fn page(app: &App, name: &str, problems: &mut Vec<String>) -> Result<()> {
    settled(&app.client).await?;
    let path = artifacts_dir("e2e").join(format!("layout-{name}.png"));
    app.display.screenshot(&path)?;
    measured(&app.client, name, &path, problems).await
}

async fn measured(
    client: &Client,
    name: &str,
    path: &std::path::Path,
    problems: &mut Vec<String>,
) -> Result<()> {
    let found = overflow(client, name).await?;
    eprintln!(
        "e2e: layout {name}: {} ({})",
        if found.is_empty() {
            "fits"
        } else {
            "OVERFLOWS"
        },
        path.display()
    );
    for p in &found {
        eprintln!("e2e:   {p}");
    }
    problems.extend(found);
    Ok(())
}

/// Brings the window titled `title` to the front of the X display: WebKitGTK draws no frame
/// for a covered window, so its screenshot would never come (the citizen window opens under
/// the clerk's).
fn raise(app: &App, title: &str) -> Result<()> {
    let status = std::process::Command::new("xdotool")
        .args(["search", "--name", title, "windowraise"])
        .env("DISPLAY", &app.display.name)
        .status()
        .context("running xdotool (package xdotool: make setup)")?;
    ensure!(
        status.success(),
        "xdotool found no window {title:?}: {status}"
    );
    Ok(())
}

/// The citizen window's page `name`, raised in front of the clerk's for its picture (at the
/// top left of the display); the clerk's comes back to the front after.
async fn citizen_page(app: &App, name: &str, problems: &mut Vec<String>) -> Result<()> {
    raise(app, shell_text::CITIZEN_WINDOW_TITLE)?;
    page(app, name, problems).await?;
    let clerk = shell_text::clerk_window_title(&app.config.hall.name, app.config.window.number);
    raise(app, &clerk)
}

/// A global key as the clerk presses it (WebDriver key code, e.g. `\u{e039}` for F9) into
/// the focused element; `shown` is the element the key opens.
async fn key(client: &Client, code: &str, label: &str, shown: &str) -> Result<()> {
    let focused = wd(client.active_element()).await?;
    wd(focused.send_keys(code)).await?;
    wait_text(client, shown, Duration::from_secs(5))
        .await
        .with_context(|| format!("{label} did not open {shown}"))?;
    Ok(())
}

/// The check itself must see an item that does not fit: squeeze the server's item to 40 px
/// and the check reports it cut; then put it back.
async fn check_catches_a_cut_item(client: &Client) -> Result<()> {
    let before = overflow(client, "before").await?.len();
    let squeeze = "const el = document.querySelector('[data-testid=status-backend]');
                   el.style.maxWidth = arguments[0]; el.style.overflow = 'hidden';";
    wd(client.execute(squeeze, vec!["40px".into()])).await?;
    let found = overflow(client, "squeezed").await?;
    wd(client.execute(squeeze, vec!["".into()])).await?;
    ensure!(
        found.iter().any(|p| p.contains("status-backend cut")),
        "the overflow check missed a 40 px server item: {found:?}"
    );
    ensure!(
        overflow(client, "restored").await?.len() == before,
        "the squeezed item still counts after it was put back"
    );
    Ok(())
}

/// Opens the 户籍证明 item by search (the first hit), its situation question showing.
async fn open_item(h: &mut Hands<'_>) -> Result<()> {
    h.type_in("[data-testid=item-search]", "hjzm").await?;
    wait_attr(
        h.client,
        "[data-testid=item-hit]",
        "data-code",
        Duration::from_secs(5),
        |c| c == "GA-HJ-0301",
    )
    .await?;
    h.click("[data-testid=item-hit]").await?;
    wait_text(
        h.client,
        "[data-testid=situation-option]",
        Duration::from_secs(5),
    )
    .await
    .context("the item's situation question is not shown")?;
    Ok(())
}

/// Prints the notice and confirms the decision; the done banner's text.
async fn decide(h: &mut Hands<'_>) -> Result<String> {
    h.click("[data-testid=receive-all]").await?;
    h.click("[data-testid=print-notice]").await?;
    wait_text(
        h.client,
        "[data-testid=intake-notice]",
        Duration::from_secs(15),
    )
    .await
    .context("notice not printed")?;
    h.click("[data-testid=decide]").await?;
    wait_text(h.client, "[data-testid=case-done]", Duration::from_secs(10))
        .await
        .context("no decision banner")
}

/// Issue 14's screenshots: login, the citizen screen, the workbench home, intake (question,
/// materials, decision bar), drafts, history with a case's trail, the sync page, the device
/// panel (F9), the key list (F1); then offline with pending records, an unplugged camera and
/// a printer out of paper; then the lock with the key pulled and the paused citizen screen.
/// Every page at 1366×768 with nothing cut and nothing past the edge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k2_every_page_fits_1366x768() -> Result<()> {
    let mut app = App::builder("layout")
        .window(14)
        .config(|c| c.hall.code = Some("441500".into()))
        .ukey(Ukey::Skf)
        .auth_server(
            "id,name,department,post,permissions\nT-QQ,钱七,区政务服务中心,综合窗口,accept;query;print\n",
            &[("T-QQ", "skf/clerk.pem")],
        )
        .simulator_control()
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut problems = Vec::new();
            let mut h = Hands::new(client);

            // The citizen screen's idle page, then the clerk's login view.
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-idle]",
                    Duration::from_secs(15)
                )
                .await?,
                "no citizen window"
            );
            citizen_page(&app, "citizen-idle", &mut problems).await?;
            app.login_view().await?;
            let size = viewport(client).await?;
            ensure!(
                size == (1366, 768),
                "the clerk window is {}×{}, not 1366×768",
                size.0,
                size.1
            );
            app.backend_state("reachable", Duration::from_secs(10))
                .await?;
            page(&app, "login", &mut problems).await?;
            check_catches_a_cut_item(client).await?;

            app.login("钱七").await?;
            page(&app, "workbench", &mut problems).await?;

            // Intake: an item with its question, the materials, the decision bar.
            app.sim("card place resident")?;
            open_item(&mut h).await?;
            page(&app, "intake-question", &mut problems).await?;
            h.click("[data-testid=situation-option]").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(5)).await?;
            page(&app, "intake-materials", &mut problems).await?;
            let decide_button = wd(client.find(Locator::Css("[data-testid=decide]"))).await?;
            wd(client.execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![serde_json::to_value(&decide_button)?],
            ))
            .await?;
            page(&app, "intake-decision", &mut problems).await?;

            // Drafts: park this one.
            h.click("[data-testid=park]").await?;
            wait_text(
                client,
                "[data-testid=intake-notice]",
                Duration::from_secs(5),
            )
            .await?;
            h.click("[data-menu=drafts]").await?;
            wait_text(client, "[data-testid=draft-row]", Duration::from_secs(5)).await?;
            page(&app, "drafts", &mut problems).await?;

            // History with a case's trail: resume the draft and accept it.
            h.click("[data-testid=draft-resume]").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(5)).await?;
            let done = decide(&mut h).await?;
            ensure!(done.contains("已受理"), "decision: {done}");
            page(&app, "intake-done", &mut problems).await?;
            h.click("[data-menu=history]").await?;
            wait_text(client, "[data-testid=history-row]", Duration::from_secs(5)).await?;
            page(&app, "history", &mut problems).await?;
            h.click("[data-testid=history-row] td:nth-child(2)").await?;
            wait_text(client, "[data-testid=case-trail]", Duration::from_secs(5)).await?;
            page(&app, "history-trail", &mut problems).await?;
            wd(client.execute(
                "document.querySelector('.el-drawer__close-btn')?.click()",
                vec![],
            ))
            .await?;
            let app_ref = &app;
            until(
                Duration::from_secs(5),
                "the case drawer to close",
                || async move { Ok(!app_ref.exists("[data-testid=case-detail]").await) },
            )
            .await?;
            settled(client).await?;

            // The sync page, the device panel (F9), the key list (F1).
            h.click("[data-menu=sync]").await?;
            wait_text(client, "[data-testid=sync-page]", Duration::from_secs(5)).await?;
            page(&app, "sync", &mut problems).await?;
            h.click("[data-testid=sync-close]").await?;
            wait_text(client, "[data-testid=workbench]", Duration::from_secs(5)).await?;
            h.click("[data-menu=intake]").await?;
            key(client, "\u{e039}", "F9", "[data-testid=device-panel]").await?;
            page(&app, "devices", &mut problems).await?;
            h.click("[data-testid=device-panel-close]").await?;
            wait_text(client, "[data-testid=workbench]", Duration::from_secs(5)).await?;
            key(client, "\u{e031}", "F1", "[data-testid=key-help]").await?;
            page(&app, "keys", &mut problems).await?;
            h.click("[data-testid=key-help-close]").await?;

            // Offline: the server stops; a card read waits as pending; the camera is unplugged
            // and the receipt printer is out of paper. The status bar's busiest state.
            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(15))
                .await?;
            app.sim("card remove")?;
            app.sim("card place long_term")?;
            wait_attr(
                client,
                "[data-testid=status-pending]",
                "data-count",
                Duration::from_secs(10),
                |n| n.parse::<u32>().is_ok_and(|n| n > 0),
            )
            .await
            .context("the card read offline is not pending")?;
            wait_text(
                client,
                "[data-testid=status-sync-error]",
                Duration::from_secs(30),
            )
            .await
            .context("no sync error while the server is down")?;
            app.sim("camera unplug")?;
            app.sim("printer fault paper_out on")?;
            for (slot, state) in [("camera", "disconnected"), ("receipt_printer", "error")] {
                wait_attr(
                    client,
                    &format!("[data-testid=status-devices] [data-slot={slot}]"),
                    "data-state",
                    Duration::from_secs(10),
                    |s| s == state,
                )
                .await?;
            }
            let tag = wd(client.find(Locator::Css("[data-testid=session-online]"))).await?;
            ensure!(
                wd(tag.attr("data-connected")).await?.as_deref() == Some("false"),
                "the header still says 在线登录 in green while the server is unreachable"
            );
            page(&app, "offline-intake", &mut problems).await?;
            h.click("[data-menu=history]").await?;
            wait_text(client, "[data-testid=history-row]", Duration::from_secs(5)).await?;
            page(&app, "offline-history", &mut problems).await?;

            // The lock: the key pulled; the citizen screen pauses.
            skf_key(app.keys()?, "remove")?;
            wait_text(client, "[data-testid=lock-screen]", Duration::from_secs(10))
                .await
                .context("not locked after pulling the key")?;
            page(&app, "lock", &mut problems).await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-paused]",
                    Duration::from_secs(5)
                )
                .await?,
                "citizen window does not show 暂停服务"
            );
            citizen_page(&app, "citizen-paused", &mut problems).await?;

            if !problems.is_empty() {
                bail!(
                    "{} layout problem(s) at 1366×768:\n{}",
                    problems.len(),
                    problems.join("\n")
                );
            }
            Ok(())
        })
        .await;
    app.close().await;
    result
}
