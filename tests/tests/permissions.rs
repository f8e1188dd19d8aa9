//! A4 in the real app window: a clerk of a department window (不动产窗口) with `accept` and
//! `query` only sees their department's items, takes a case in, and finds reprint, change and
//! export disabled with the reason; a reprint sent over IPC past the disabled button is
//! refused by the workstation and audited. Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_e2e::clerk::{Hands, ENTER};
use yichuang_e2e::webdriver::{until, wait_attr, wait_text, wd};
use yichuang_e2e::App;

const CSV: &str =
    "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,不动产窗口,accept;query\n";

/// The codes of the item hits shown now.
async fn hit_codes(client: &Client) -> Result<Vec<String>> {
    let mut codes = Vec::new();
    for el in wd(client.find_all(Locator::Css("[data-testid=item-hit]"))).await? {
        codes.push(wd(el.attr("data-code")).await?.unwrap_or_default());
    }
    Ok(codes)
}

async fn attr(client: &Client, css: &str, name: &str) -> Result<Option<String>> {
    let el = wd(client.find(Locator::Css(css)))
        .await
        .with_context(|| format!("no {css}"))?;
    wd(el.attr(name)).await
}

/// 张三 at a 不动产 window with accept and query only, logged in.
async fn department_clerk(name: &str, window: u16) -> Result<App> {
    let app = App::builder(name)
        .window(window)
        .config(|c| c.hall.code = Some("441500".into()))
        .ukey(yichuang_e2e::Ukey::Pkcs11)
        .auth_server(CSV, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .simulator_control()
        .start()
        .await?;
    app.login("张三").await?;
    Ok(app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a4_clerk_without_reprint_is_refused() -> Result<()> {
    let mut app = department_clerk("a4-permissions", 8).await?;
    let client = &app.client;
    let case_no = app
        .scenario(async {
            let mut h = Hands::new(client);
            let perms = wait_text(
                client,
                "[data-testid=workbench-permissions]",
                Duration::from_secs(5),
            )
            .await?;
            ensure!(perms.contains("收件受理、查询"), "permissions: {perms}");
            // The home lists the clerk's department only.
            wait_attr(
                client,
                "[data-testid=home-department]",
                "data-department",
                Duration::from_secs(5),
                |d| d == "bdc",
            )
            .await
            .context("the 不动产 department in the home")?;
            let departments =
                wd(client.find_all(Locator::Css("[data-testid=home-department]"))).await?;
            ensure!(departments.len() == 1, "{} departments", departments.len());

            // 「登记」 matches items of many departments (出生登记, 失业登记…): only 不动产's show.
            h.type_in("[data-testid=item-search]", "登记").await?;
            wait_attr(
                client,
                "[data-testid=item-hit]",
                "data-code",
                Duration::from_secs(5),
                |c| c.starts_with("BDC-"),
            )
            .await
            .context("a 不动产 hit for 登记")?;
            let codes = hit_codes(client).await?;
            ensure!(
                codes.iter().all(|c| c.starts_with("BDC-")),
                "hits outside the department: {codes:?}"
            );

            // A case of the clerk's own department goes through.
            app.sim("card place resident")?;
            h.type_in("[data-testid=item-search]", "不动产登记资料查询")
                .await?;
            wait_attr(
                client,
                "[data-testid=item-hit]",
                "data-code",
                Duration::from_secs(5),
                |c| c == "BDC-DJ-0101",
            )
            .await?;
            h.press("[data-testid=item-search]", ENTER).await?;
            wait_text(client, "[data-testid=intake-item]", Duration::from_secs(5)).await?;
            h.click("[data-testid=situation-option]:nth-of-type(1)")
                .await?;
            wait_text(
                client,
                "[data-testid=material-row]",
                Duration::from_secs(3),
            )
            .await?;
            h.click("[data-testid=receive-all]").await?;
            h.click("[data-testid=print-notice]").await?;
            until(Duration::from_secs(15), "the printed notice", || async {
                Ok(attr(client, "[data-testid=decide]", "disabled")
                    .await?
                    .is_none())
            })
            .await?;
            h.click("[data-testid=decide]").await?;
            let done = wait_text(client, "[data-testid=case-done]", Duration::from_secs(10))
                .await
                .context("no decision banner")?;
            ensure!(done.contains("已受理"), "decision: {done}");
            // The banner's reprint is disabled, with the reason.
            ensure!(
                attr(client, "[data-testid=reprint-open]", "disabled")
                    .await?
                    .is_some(),
                "reprint from the banner is enabled"
            );
            let why = attr(client, "[data-testid=reprint-why]", "title").await?;
            ensure!(
                why.as_deref() == Some("您没有“补打”权限，请联系管理员"),
                "reason: {why:?}"
            );

            // History: the case is there; export, reprint and change are disabled.
            h.click("[data-menu=history]").await?;
            wait_text(client, "[data-testid=history-row]", Duration::from_secs(5)).await?;
            for css in ["[data-testid=export-csv]", "[data-testid=export-xlsx]"] {
                ensure!(
                    attr(client, css, "disabled").await?.is_some(),
                    "{css} enabled"
                );
            }
            let case_no = attr(client, "[data-testid=history-row]", "data-case-no")
                .await?
                .unwrap_or_default();
            h.click("[data-testid=history-row] td:nth-child(2)").await?;
            wait_text(client, "[data-testid=case-detail]", Duration::from_secs(5)).await?;
            for css in [
                "[data-testid=reprint]",
                "[data-testid=change-edit]",
                "[data-testid=change-withdraw]",
            ] {
                ensure!(
                    attr(client, css, "disabled").await?.is_some(),
                    "{css} enabled"
                );
            }

            // Past the disabled button, straight over IPC: the workstation refuses.
            let case_id: String = {
                let v = wd(client.execute(
                    "return window.__TAURI_INTERNALS__.invoke('history_search', { query: { text: '', state: null, item_code: null, from: null, to: null, offset: 0, limit: 5 } }).then(p => p.rows[0].id)",
                    vec![],
                ))
                .await?;
                v.as_str().unwrap_or_default().to_string()
            };
            ensure!(!case_id.is_empty(), "no case id from the history");
            let refusal = wd(client.execute(
                "return window.__TAURI_INTERNALS__.invoke('history_reprint', { caseId: arguments[0], noticeIndex: 0, reason: '群众遗失' }).then(() => 'printed', e => e.code + '|' + e.message)",
                vec![serde_json::Value::String(case_id)],
            ))
            .await?;
            let refusal = refusal.as_str().unwrap_or_default().to_string();
            ensure!(
                refusal == "permission.denied|您没有“补打”权限，请联系管理员。",
                "IPC reprint: {refusal}"
            );
            Ok(case_no)
        })
        .await;
    app.close().await;
    let case_no = case_no?;

    // The store: one notice printed, never reprinted; the refusal audited with its action.
    let mut store = app.open_store()?;
    let conn = store.conn();
    let prints: i64 = conn.query_row(
        "SELECT print_count FROM cases WHERE case_no = ?1",
        [&case_no],
        |r| r.get(0),
    )?;
    ensure!(prints == 1, "print count {prints}");
    let reprints: i64 = conn.query_row(
        "SELECT count(*) FROM audit_log WHERE action = 'print.reprint'",
        [],
        |r| r.get(0),
    )?;
    ensure!(reprints == 0, "{reprints} reprints audited");
    let denied: Vec<(String, String)> = conn
        .prepare("SELECT actor, detail FROM audit_log WHERE action = 'permission.denied'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    ensure!(denied.len() == 1, "refusals audited: {denied:?}");
    let detail: serde_json::Value = serde_json::from_str(&denied[0].1)?;
    ensure!(
        denied[0].0 == "T-ZS"
            && detail["permission"] == "reprint"
            && detail["action"] == "print.reprint",
        "refusal entry: {denied:?}"
    );
    Ok(())
}
