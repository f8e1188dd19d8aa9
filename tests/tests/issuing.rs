//! Issue 18 (I2, H1–H2) in the real window against the real server: 张三 takes a case in at
//! window 4; the approval system reports it ready through the API with its token; the
//! history's light stops and shows 待领取; 李四 (permission `issue`) logs in at the same
//! window, scans the receipt's QR code with the serial gun, reads the pickup person's card,
//! takes the handover photo, chooses a locker and confirms; the receipt printer prints the
//! pickup slip; the server holds the case 已领取 with the person masked and the photo stored.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};
use yichuang_e2e::clerk::{option, pick, print_and_decide, Hands};
use yichuang_e2e::webdriver::{click, until, wait_attr, wait_text};
use yichuang_e2e::{App, Ukey};

const CLERKS: &str = "id,name,department,post,permissions\n\
     T-ZS,张三,市政务服务中心,综合窗口,accept;query\n\
     T-LS,李四,市政务服务中心,出件窗口,issue;query\n";

/// The server's view of the case (`yichuang-server case show`), once `ok` holds for it.
async fn server_case(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_a_case_taken_in_at_one_desk_is_made_ready_by_the_back_office_and_handed_over_at_the_issuing_window(
) -> Result<()> {
    let mut app = App::builder("issuing")
        .window(4)
        .config(|c| c.hall.code = Some("441500".into()))
        .ukey(Ukey::Pkcs11)
        .auth_server(
            CLERKS,
            &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-LS", "ca/clerk-rsa.pem")],
        )
        .simulator_control()
        .start()
        .await?;
    app.login("张三").await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            // 张三 takes 户籍证明 in for the citizen on the reader.
            let mut h = Hands::new(client);
            app.sim("card place resident")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            let case_no: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();
            server_case(&app, &case_no, "the case on the server", |v| v["case"]["progress"] == "received").await?;

            // The approval system, with the token IT made for it, reports the result ready.
            let out = app.server()?.admin(&["system", "add", "--name", "市审批系统", "--hall", "441500"])?;
            let token = out
                .lines()
                .find_map(|l| l.strip_prefix("token "))
                .context("no token line")?
                .trim()
                .to_owned();
            let (status, body) = app.server()?.bearer_post(
                &format!("/api/v1/backoffice/cases/{case_no}/progress"),
                &json!({ "progress": "ready", "note": "证照已制好，请到出件窗口领取" }),
                Some(&token),
            )?;
            ensure!(status == 200, "progress report: HTTP {status} {body}");

            // The desk's history follows: 待领取, and the light stops.
            click(client, "[data-menu=history]").await?;
            until(Duration::from_secs(30), "待领取 in the history", || async {
                click(client, "[data-testid=history-search]").await?;
                let shown = wait_attr(
                    client,
                    &format!("[data-testid=history-row][data-case-no='{case_no}'] [data-testid=history-progress]"),
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
                &format!("[data-testid=history-row][data-case-no='{case_no}'] [data-testid=light]"),
                "data-light",
                Duration::from_secs(2),
                |l| l == "none",
            )
            .await;
            ensure!(light.is_ok(), "the light still runs after 结果已制证");

            // 李四 at the same window, with the issuing permission.
            click(client, "[data-testid=logout]").await?;
            app.login("李四").await?;
            click(client, "[data-menu=issuing]").await?;
            wait_text(client, "[data-testid=issuing-page]", Duration::from_secs(5)).await?;

            // The citizen hands the receipt over: its QR code with the serial gun.
            app.sim(&format!("scan {case_no}"))?;
            wait_attr(
                client,
                &format!("[data-testid=issue-row][data-case='{case_no}']"),
                "data-ready",
                Duration::from_secs(10),
                |r| r == "true",
            )
            .await
            .context("the scanned receipt's result is not listed as ready")?;

            // The person taking it: the card read at this window now.
            app.sim("card remove")?;
            app.sim("card place resident")?;
            until(Duration::from_secs(10), "the pickup person from the card", || async {
                let p = wait_text(client, "[data-testid=issue-person]", Duration::from_secs(1)).await?;
                Ok(!p.contains("读卡器"))
            })
            .await?;
            app.sim("camera show-document")?;
            click(client, "[data-testid=issue-photo]").await?;
            wait_text(client, "[data-testid=issue-photo-done]", Duration::from_secs(15))
                .await
                .context("no handover photo")?;
            click(client, "[data-testid=issue-method-locker]").await?;
            let mut h = Hands::new(client);
            h.type_in("[data-testid=issue-locker]", "L0701").await?;
            click(client, "[data-testid=issue-confirm]").await?;
            let message = wait_text(client, "[data-testid=issue-message]", Duration::from_secs(15))
                .await
                .context("no handover message")?;
            ensure!(message.contains("已登记领取 1 件") && message.contains("已打印"), "{message}");

            // The pickup slip came out of the receipt printer.
            let paper = app.sim_reply("printer paper")?;
            ensure!(
                paper.contains("办件结果领取凭证") && paper.contains(&case_no) && paper.contains("L0701"),
                "pickup slip: {paper}"
            );

            // The server: 已领取, the person masked, the photo stored.
            let v = server_case(&app, &case_no, "已领取 with the photo on the server", |v| {
                v["case"]["progress"] == "picked_up"
                    && v["pickups"][0]["photo_stored"] == true
            })
            .await?;
            let p = &v["pickups"][0];
            ensure!(p["relation"] == "applicant" && p["method"] == "locker" && p["locker_code"] == "L0701", "{v}");
            let person = p["person"].as_str().unwrap_or_default();
            ensure!(person.contains('*') && !person.contains("11010519491231002X"), "person: {person}");
            ensure!(p["flag"].is_null(), "{v}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}
