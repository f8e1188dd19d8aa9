//! Issue 18 (I2, H1–H2) in the real window against the real server: 张三 takes a case in at
//! window 4; the approval system reports it ready through the API with its token; the
//! history's light stops and shows 待领取; 李四 (permission `issue`) logs in at the same
//! window, scans the receipt's QR code with the serial gun, reads the pickup person's card,
//! takes the handover photo, chooses a locker and confirms; the receipt printer prints the
//! pickup slip; the server holds the case 已领取 with the person masked and the photo stored.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use yichuang_e2e::clerk::Hands;
use yichuang_e2e::issuing::{
    issuing_app, open_issuing_as, report_ready, scan_until_ready, server_case, take_in,
};
use yichuang_e2e::webdriver::{click, until, wait_attr, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_a_case_taken_in_at_one_desk_is_made_ready_by_the_back_office_and_handed_over_at_the_issuing_window(
) -> Result<()> {
    let mut app = issuing_app("issuing", 4).start().await?;
    app.login("张三").await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let case_no = take_in(&app).await?;
            report_ready(&app, &case_no)?;

            // The desk's history follows: 待领取, and the light stops.
            click(client, "[data-menu=history]").await?;
            let row = format!("[data-testid=history-row][data-case-no='{case_no}']");
            until(Duration::from_secs(30), "待领取 in the history", || async {
                click(client, "[data-testid=history-search]").await?;
                let shown = wait_attr(
                    client,
                    &format!("{row} [data-testid=history-progress]"),
                    "data-progress",
                    Duration::from_secs(1),
                    |p| p == "ready",
                )
                .await;
                Ok(shown.is_ok())
            })
            .await?;
            let light = wait_attr(
                client,
                &format!("{row} [data-testid=light]"),
                "data-light",
                Duration::from_secs(2),
                |l| l == "none",
            )
            .await;
            ensure!(light.is_ok(), "the light still runs after 结果已制证");

            // 李四 at the same window; the citizen hands the receipt over.
            open_issuing_as(&app, "李四").await?;
            scan_until_ready(&app, &case_no).await?;

            // The person taking it: the card read at this window now.
            app.sim("card remove")?;
            app.sim("card place resident")?;
            until(
                Duration::from_secs(10),
                "the pickup person from the card",
                || async {
                    let p = wait_text(client, "[data-testid=issue-person]", Duration::from_secs(1))
                        .await?;
                    Ok(!p.contains("读卡器"))
                },
            )
            .await?;
            app.sim("camera show-document")?;
            click(client, "[data-testid=issue-photo]").await?;
            wait_text(
                client,
                "[data-testid=issue-photo-done]",
                Duration::from_secs(15),
            )
            .await
            .context("no handover photo")?;
            click(client, "[data-testid=issue-method-locker]").await?;
            let mut h = Hands::new(client);
            h.type_in("[data-testid=issue-locker]", "L0701").await?;
            click(client, "[data-testid=issue-confirm]").await?;
            let message = wait_text(
                client,
                "[data-testid=issue-message]",
                Duration::from_secs(15),
            )
            .await
            .context("no handover message")?;
            ensure!(
                message.contains("已登记领取 1 件") && message.contains("已打印"),
                "{message}"
            );

            // The pickup slip came out of the receipt printer.
            let paper = app.sim_reply("printer paper")?;
            ensure!(
                paper.contains("办件结果领取凭证")
                    && paper.contains(&case_no)
                    && paper.contains("L0701"),
                "pickup slip: {paper}"
            );

            // The server: 已领取, the person masked, the photo stored.
            let v = server_case(
                &app,
                &case_no,
                "已领取 with the photo on the server",
                |v| v["case"]["progress"] == "picked_up" && v["pickups"][0]["photo_stored"] == true,
            )
            .await?;
            let p = &v["pickups"][0];
            ensure!(
                p["relation"] == "applicant"
                    && p["method"] == "locker"
                    && p["locker_code"] == "L0701",
                "{v}"
            );
            let person = p["person"].as_str().unwrap_or_default();
            ensure!(
                person.contains('*') && person.len() < 40,
                "person: {person}"
            );
            ensure!(p["flag"].is_null(), "{v}");

            // The same receipt again: the server says 已领取, nothing left to hand over.
            app.sim("scan 000000000000000000000")?;
            wait_text(client, "[data-testid=issue-none]", Duration::from_secs(10)).await?;
            app.sim(&format!("scan {case_no}"))?;
            wait_attr(
                client,
                &format!(
                    "[data-testid=issue-row][data-case='{case_no}'] [data-testid=issue-progress]"
                ),
                "data-progress",
                Duration::from_secs(10),
                |p| p == "picked_up",
            )
            .await
            .context("the handed-over result is not shown as 已领取")?;
            Ok(())
        })
        .await;
    app.close().await;
    result
}
