//! The issuing window's scenario parts (issue 18), shared by the E2E test and the app bench:
//! a counter with an intake clerk and an issuing clerk, a case taken in and made ready by the
//! approval system through the API, the issuing page opened by the issuing clerk, a receipt
//! scanned until its result is listed.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use crate::clerk::{option, pick, print_and_decide, remove_card, Hands};
use crate::webdriver::{click, until, wait_attr, wait_text};
use crate::{App, AppBuilder, Ukey};

/// 张三 takes cases in; 李四 hands results out.
pub const CLERKS: &str = "id,name,department,post,permissions\n\
     T-ZS,张三,市政务服务中心,综合窗口,accept;query\n\
     T-LS,李四,市政务服务中心,出件窗口,issue;query\n";

/// A counter of hall 441500 at `window` with both clerks bound and the simulator control.
pub fn issuing_app(name: &str, window: u16) -> AppBuilder {
    App::builder(name)
        .window(window)
        .config(|c| c.hall.code = Some("441500".into()))
        .ukey(Ukey::Pkcs11)
        .auth_server(
            CLERKS,
            &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-LS", "ca/clerk-rsa.pem")],
        )
        .simulator_control()
}

/// The server's view of the case (`yichuang-server case show`), once `ok` holds for it.
pub async fn server_case(
    app: &App,
    no: &str,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Result<Value> {
    let found = std::cell::RefCell::new(Value::Null);
    until(Duration::from_secs(30), what, || {
        let v = app
            .server()
            .and_then(|s| s.admin(&["case", "show", no]))
            .ok()
            .and_then(|o| serde_json::from_str::<Value>(&o).ok())
            .filter(|v| ok(v));
        let done = v.is_some();
        if let Some(v) = v {
            *found.borrow_mut() = v;
        }
        async move { Ok(done) }
    })
    .await?;
    Ok(found.into_inner())
}

/// The logged-in intake clerk takes 户籍证明 in for the card on the reader, and the citizen
/// takes the card back; returns the case number once the server holds the case.
pub async fn take_in(app: &App) -> Result<String> {
    let mut h = Hands::new(&app.client);
    app.sim("card place resident")?;
    pick(&mut h, "hjzm", "GA-HJ-0301").await?;
    option(&mut h, 1).await?;
    h.click("[data-testid=receive-all]").await?;
    remove_card(app).await?;
    let done = print_and_decide(&mut h).await?;
    let case_no: String = done
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 21)
        .with_context(|| format!("no case number in {done:?}"))?
        .to_owned();
    server_case(app, &case_no, "the case on the server", |v| {
        v["case"]["progress"] == "received"
    })
    .await?;
    Ok(case_no)
}

/// The approval system, with the token IT made for it (`system add`), reports `case_no`
/// ready through `POST /api/v1/backoffice/cases/{case_no}/progress`.
pub fn report_ready(app: &App, case_no: &str) -> Result<()> {
    let server = app.server()?;
    let out = server.admin(&["system", "add", "--name", "市审批系统", "--hall", "441500"])?;
    let token = out
        .lines()
        .find_map(|l| l.strip_prefix("token "))
        .context("no token line")?
        .trim()
        .to_owned();
    let (status, body) = server.bearer_post(
        &format!("/api/v1/backoffice/cases/{case_no}/progress"),
        &json!({ "progress": "ready", "note": "证照已制好，请到出件窗口领取" }),
        Some(&token),
    )?;
    ensure!(status == 200, "progress report: HTTP {status} {body}");
    Ok(())
}

/// Logs the current clerk out and `who` in, and opens the issuing page.
pub async fn open_issuing_as(app: &App, who: &str) -> Result<()> {
    click(&app.client, "[data-testid=logout]").await?;
    app.login(who).await?;
    click(&app.client, "[data-menu=issuing]").await?;
    wait_text(
        &app.client,
        "[data-testid=issuing-page]",
        Duration::from_secs(5),
    )
    .await?;
    Ok(())
}

/// Scans `case_no` with the serial gun; the time until its result is listed as ready.
pub async fn scan_until_ready(app: &App, case_no: &str) -> Result<Duration> {
    let t0 = Instant::now();
    app.sim(&format!("scan {case_no}"))?;
    wait_attr(
        &app.client,
        &format!("[data-testid=issue-row][data-case='{case_no}']"),
        "data-ready",
        Duration::from_secs(10),
        |r| r == "true",
    )
    .await
    .context("the scanned receipt's result is not listed as ready")?;
    Ok(t0.elapsed())
}
