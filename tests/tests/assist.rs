//! Issue 20 item 4 (L4, A7) in the real window against the real server: 张三 (综合窗口,
//! `accept`) reads 张伟's card and asks 某市市场监督管理局 for a proof on the 部门协查 page; 钱七
//! of that department (`assist`, the SKF key) logs in at the same window, opens the request in
//! 协查待办, writes the proof and stamps it with the department's simulated SKF (SM2) seal
//! key: a wrong seal PIN counts down, the right one stamps and the server verifies the seal.
//! 张三 logs in again, receives the stamped proof: verified. The stamped proof printed from
//! the window verifies with the desk's seal service; altered by one byte and opened on the
//! page's 验章 view, the window reports it altered.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use yichuang_core::devices::seal::SealService;
use yichuang_e2e::clerk::{login_with, Hands};
use yichuang_e2e::issuing::issuing_app;
use yichuang_e2e::webdriver::{click, until, wait_attr, wait_text, wd};
use yichuang_e2e::{artifacts_dir, App, Ukey};

/// The department of the simulated SKF seal key (scripts/ukey-test.sh).
const PROVIDING: &str = "某市市场监督管理局";

/// 张三 takes cases in; 钱七 handles 协查 for the seal key's department.
const CLERKS: &str = "id,name,department,post,permissions\n\
     T-ZS,张三,市政务服务中心,综合窗口,accept;query\n\
     T-QQ,钱七,某市市场监督管理局,协查岗,assist\n";

fn assist_app() -> yichuang_e2e::AppBuilder {
    issuing_app("assist", 8)
        .also_ukey(Ukey::Skf)
        .seal()
        .auth_server(
            CLERKS,
            &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-QQ", "skf/clerk.pem")],
        )
}

/// Logs out and logs `who` in with `pin` at the same window (once no dialog's overlay,
/// still fading out, covers the menu).
async fn relogin(app: &App, who: &str, pin: &str) -> Result<()> {
    until(Duration::from_secs(5), "the dialogs closed", || async {
        let open = wd(app.client.execute(
            "return [...document.querySelectorAll('.el-overlay')]\
             .some((o) => getComputedStyle(o).display !== 'none')",
            vec![],
        ))
        .await?;
        Ok(open == serde_json::Value::Bool(false))
    })
    .await?;
    click(&app.client, "[data-testid=logout]").await?;
    app.login_view().await?;
    app.backend_state("reachable", Duration::from_secs(10))
        .await?;
    login_with(&app.client, who, pin).await?;
    let shown = wait_text(
        &app.client,
        "[data-testid=workbench-clerk]",
        Duration::from_secs(10),
    )
    .await?;
    ensure!(shown.contains(who), "workbench shows {shown}");
    Ok(())
}

/// The 部门协查 page through its key (Alt+8, pressed where the focus is; NULL releases Alt).
async fn open_assist(app: &App) -> Result<()> {
    let focus = wd(app.client.active_element()).await?;
    wd(focus.send_keys("\u{E00A}8\u{E000}")).await?;
    wait_text(
        &app.client,
        "[data-testid=assist-page]",
        Duration::from_secs(5),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l4_assist_request_stamped_with_the_skf_seal_by_another_department_and_received_verified(
) -> Result<()> {
    let mut app = assist_app().start().await?;
    app.login("张三").await?;
    let client = &app.client;
    let skf_pin = app.pin_of(Ukey::Skf)?;
    let zs_pin = app.pin()?;
    let seal_pin = app.keys()?.var("YICHUANG_SEAL_PIN")?;
    let result = app
        .scenario(async {
            // 张三: the card read, the request to the seal's department.
            let mut h = Hands::new(client);
            app.sim("card place resident")?;
            open_assist(&app).await?;
            until(Duration::from_secs(10), "the card holder shown", || async {
                Ok(wait_text(
                    client,
                    "[data-testid=assist-holder]",
                    Duration::from_secs(1),
                )
                .await?
                .contains("张伟"))
            })
            .await?;
            until(
                Duration::from_secs(10),
                "the departments listed",
                || async {
                    Ok(app
                        .exists(&format!(
                            "[data-testid=assist-department] option[value='{PROVIDING}']"
                        ))
                        .await)
                },
            )
            .await?;
            h.select("[data-testid=assist-department]", PROVIDING)
                .await?;
            h.type_in("[data-testid=assist-item-search]", "hjzm")
                .await?;
            h.click("[data-testid=assist-item-hit]").await?;
            h.type_in("[data-testid=assist-proofs]", "无违法经营记录证明")
                .await?;
            h.click("[data-testid=assist-send]").await?;
            let sent = wait_text(
                client,
                "[data-testid=assist-notice]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(sent.contains("待处理"), "{sent}");
            wait_attr(
                client,
                "[data-testid=assist-sent] [data-testid=assist-row]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "pending",
            )
            .await?;

            // 钱七 of the providing department: the inbox, the proof, the seal.
            relogin(&app, "钱七", &skf_pin).await?;
            open_assist(&app).await?;
            wait_attr(
                client,
                "[data-testid=assist-inbox] [data-testid=assist-row]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "pending",
            )
            .await?;
            h.click("[data-testid=assist-inbox] [data-testid=assist-open]")
                .await?;
            let applicant = wait_text(
                client,
                "[data-testid=assist-applicant]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(applicant.contains("张伟"), "{applicant}");
            h.type_in(
                "[data-testid=assist-proof-body]",
                "经查，该申请人在本辖区内无违法经营记录。",
            )
            .await?;
            h.click("[data-testid=assist-write-proof]").await?;
            wait_attr(
                client,
                "[data-testid=assist-detail]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "awaiting_seal",
            )
            .await?;
            h.click("[data-testid=assist-stamp]").await?;
            until(Duration::from_secs(10), "the seal key listed", || async {
                Ok(app
                    .exists("[data-testid=seal-key][data-key='YCSIM-SEAL-01']")
                    .await)
            })
            .await?;
            h.type_in("[data-testid=seal-pin]", "000000").await?;
            h.click("[data-testid=seal-confirm]").await?;
            let refused =
                wait_text(client, "[data-testid=seal-error]", Duration::from_secs(15)).await?;
            ensure!(
                refused.contains("印章PIN码错误") && refused.contains('5'),
                "a wrong seal PIN: {refused}"
            );
            // The inbox with the stamp dialog as the clerk sees it (1366×768).
            let png = wd(client.screenshot()).await?;
            std::fs::write(artifacts_dir("e2e").join("l4-assist-seal-dialog.png"), png)?;
            h.type_in("[data-testid=seal-pin]", &seal_pin).await?;
            h.click("[data-testid=seal-confirm]").await?;
            wait_attr(
                client,
                "[data-testid=assist-detail]",
                "data-state",
                Duration::from_secs(20),
                |s| s == "sealed",
            )
            .await?;
            let by = wait_text(
                client,
                "[data-testid=assist-sealed-by]",
                Duration::from_secs(5),
            )
            .await?;
            ensure!(by.contains(PROVIDING), "sealed by {by}");

            // 张三 again: 接收并验章, verified; the stamped proof printed.
            relogin(&app, "张三", &zs_pin).await?;
            open_assist(&app).await?;
            h.click("[data-view=sent]").await?;
            wait_attr(
                client,
                "[data-testid=assist-sent] [data-testid=assist-row]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "sealed",
            )
            .await?;
            h.click("[data-testid=assist-sent] [data-testid=assist-open]")
                .await?;
            h.click("[data-testid=assist-receive]").await?;
            let (valid, _) = wait_attr(
                client,
                "[data-testid=assist-verdict]",
                "data-valid",
                Duration::from_secs(15),
                |_| true,
            )
            .await?;
            let verdict = wait_text(
                client,
                "[data-testid=assist-verdict]",
                Duration::from_secs(5),
            )
            .await?;
            ensure!(valid == "true" && verdict.contains(PROVIDING), "{verdict}");
            h.click("[data-testid=assist-print-stamped]").await?;
            wait_text(
                client,
                "[data-testid=assist-notice]",
                Duration::from_secs(15),
            )
            .await?;
            Ok(())
        })
        .await;
    if let Err(e) = result {
        app.close().await;
        return Err(e);
    }

    // The stamped proof as printed: it verifies; one byte changed in it, it is altered.
    let dir = app.ws.data_dir().join("a4-simulated");
    let mut printed: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    printed.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let stamped = std::fs::read(printed.last().context("nothing printed")?)?;
    let service = SealService::open(&app.config.devices.seal);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let verdicts = service.verify(&stamped, now)?;
    ensure!(verdicts.iter().all(|v| v.valid), "{verdicts:?}");
    let mut altered = stamped.clone();
    let at = altered
        .windows(6)
        .position(|w| w == b"stream")
        .context("no stream")?
        + 12;
    altered[at] ^= 0x01;
    let altered_path = app.ws.data_dir().join("altered-proof.pdf");
    std::fs::write(&altered_path, &altered)?;
    let client = &app.client;
    let result = app
        .scenario(async {
            click(client, "[data-view=verify]").await?;
            let input = wd(client.find(Locator::Css("[data-testid=seal-verify-file]"))).await?;
            wd(input.send_keys(&altered_path.to_string_lossy())).await?;
            let valid = wait_attr(
                client,
                "[data-testid=seal-verdict]",
                "data-valid",
                Duration::from_secs(15),
                |_| true,
            )
            .await?;
            let verdict =
                wait_text(client, "[data-testid=seal-verdict]", Duration::from_secs(5)).await?;
            if let Ok(png) = wd(client.screenshot()).await {
                let _ =
                    std::fs::write(artifacts_dir("e2e").join("a7-seal-verify-altered.png"), png);
            }
            ensure!(valid.0 == "false" && verdict.contains("修改"), "{verdict}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;
    Ok(())
}
