//! Issue 18 (I2, H1–H2) in the real window against the real server: 张三 takes a case in at
//! window 4; the approval system reports it ready through the API with its token; the
//! history's light stops and shows 待领取; 李四 (permission `issue`) logs in at the same
//! window, scans the receipt's QR code with the serial gun, reads the pickup person's card,
//! takes the handover photo, chooses a locker and confirms; the receipt printer prints the
//! pickup slip; the server holds the case 已领取 with the person masked and the photo stored.
//!
//! F3: 张三 sends the case's paper to its department in a material-flow package, whose slip
//! comes out of the A4 printer; 李四 at the receiving end scans the slip's number with the gun
//! and signs for it; the server shows the paper received and 张三's history says so.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use yichuang_e2e::clerk::Hands;
use yichuang_e2e::issuing::{
    issuing_app, open_issuing_as, report_ready, scan_until_ready, server_case, take_in,
};
use yichuang_e2e::webdriver::{click, until, wait_attr, wait_text};
use yichuang_e2e::{pdf_texts, App};

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

            // The person taking it: the card read at this window now (the one read at intake
            // belongs to the last clerk's session and is not offered).
            ensure!(
                wait_text(client, "[data-testid=issue-person]", Duration::from_secs(2))
                    .await?
                    .contains("读卡器"),
                "the card read in the intake clerk's session offered as the pickup person"
            );
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

/// The history of the logged-in clerk shows `case_no`'s paper as `flow` (sent / received),
/// once the sync brought it.
async fn history_flow(app: &App, case_no: &str, flow: &str) -> Result<()> {
    let client = &app.client;
    click(client, "[data-menu=history]").await?;
    let css =
        format!("[data-testid=history-row][data-case-no='{case_no}'] [data-testid=history-flow]");
    until(
        Duration::from_secs(30),
        "the paper's state in the history",
        || async {
            click(client, "[data-testid=history-search]").await?;
            let shown = wait_attr(client, &css, "data-flow", Duration::from_secs(1), |f| {
                f == flow
            })
            .await;
            Ok(shown.is_ok())
        },
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_the_windows_paper_travels_on_a_material_flow_slip_and_is_signed_for_by_scanning_it(
) -> Result<()> {
    let mut app = issuing_app("flow", 4).start().await?;
    app.login("张三").await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let case_no = take_in(&app).await?;

            // 物料流转: the case's paper waits; ticked and sent, the slip prints.
            click(client, "[data-menu=flow]").await?;
            let row = format!("[data-testid=flow-pending-row][data-case='{case_no}']");
            wait_text(client, &row, Duration::from_secs(5)).await?;
            click(client, &format!("{row} [data-testid=flow-check]")).await?;
            click(client, "[data-testid=flow-create]").await?;
            let message = wait_text(
                client,
                "[data-testid=flow-message]",
                Duration::from_secs(15),
            )
            .await
            .context("no package made")?;
            ensure!(message.contains("流转单已打印"), "{message}");
            let no = message
                .split(|c: char| !c.is_ascii_alphanumeric())
                .find(|w| w.starts_with("WL") && w.len() == 22)
                .with_context(|| format!("no package number in {message:?}"))?
                .to_owned();
            let slips: Vec<String> = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?
                .into_iter()
                .filter(|t| t.contains("物料流转单"))
                .collect();
            ensure!(
                slips.len() == 1,
                "{} material-flow slips printed",
                slips.len()
            );
            ensure!(
                slips[0].contains(&no) && slips[0].contains(&case_no),
                "the slip: {}",
                slips[0]
            );
            history_flow(&app, &case_no, "sent").await?;

            // The receiving end: 李四 scans the slip with the gun and signs for all.
            click(client, "[data-testid=logout]").await?;
            app.login("李四").await?;
            click(client, "[data-menu=receive]").await?;
            wait_text(
                client,
                "[data-testid=flow-receive-page]",
                Duration::from_secs(5),
            )
            .await?;
            app.sim(&format!("scan {no}"))?;
            let entry = format!("[data-testid=flow-entry][data-case='{case_no}']");
            wait_attr(
                client,
                &entry,
                "data-received",
                Duration::from_secs(10),
                |r| r == "false",
            )
            .await
            .context("the scanned package is not listed")?;
            click(client, "[data-testid=flow-sign-all]").await?;
            let signed = wait_text(client, "[data-testid=flow-signed]", Duration::from_secs(10))
                .await
                .context("no sign-off message")?;
            ensure!(signed.contains("已签收 1 件"), "{signed}");

            // The server: the case's paper received at window 4 by 李四.
            let v = server_case(&app, &case_no, "the sign-off on the server", |v| {
                v["flows"][0]["received_at"].is_number()
            })
            .await?;
            ensure!(
                v["flows"][0]["no"] == no.as_str() && v["flows"][0]["received_by"] == "T-LS",
                "{v}"
            );

            // Scanned again: already signed for, nothing left to sign.
            app.sim(&format!("scan {no}"))?;
            wait_attr(
                client,
                &entry,
                "data-received",
                Duration::from_secs(10),
                |r| r == "true",
            )
            .await
            .context("the signed-for case is not shown as received")?;

            // 张三's history follows through the case feed.
            click(client, "[data-testid=logout]").await?;
            app.login("张三").await?;
            history_flow(&app, &case_no, "received").await?;
            Ok(())
        })
        .await;
    app.close().await;
    result
}
