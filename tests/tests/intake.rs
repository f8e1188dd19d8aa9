//! Issue 5 in the real app window: intake at the window with the simulated ID-card reader and
//! A4 printer, a PKCS#11 login against the real server, and the clerk's actions counted.
//! Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_e2e::clerk::{option, pick, print_and_decide, Hands};
use yichuang_e2e::webdriver::{settled, until, wait_attr, wait_text, wait_text_eq, wd};
use yichuang_e2e::{pdf_texts, App};

async fn material_select(h: &mut Hands<'_>, row: usize, value: &str) -> Result<()> {
    h.select(
        &format!("[data-testid=material-row]:nth-of-type({row}) [data-testid=material-received]"),
        value,
    )
    .await
}

/// The bar's decisions: a walk-in 户籍证明 from search to printed receipt in ≤ 8 actions; a
/// supplement with its notice; a rejection with its reason; a 容缺 acceptance with the
/// promise and deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e5_walk_in_supplement_reject_and_deferred() -> Result<()> {
    let mut app = App::counter("intake-decisions", 3).await?;
    let client = &app.client;
    let resident = yichuang_drivers::idcard::simulator::sample_resident();
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);

            // Walk-in: the citizen puts the card down; the clerk works the keyboard.
            app.sim("card place resident")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            let applicant = wd(client.find(Locator::Css("[data-testid=applicant-name]")))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(
                applicant == resident.name,
                "applicant from the card: {applicant:?}"
            );
            wait_text(
                client,
                "[data-testid=applicant-source]",
                Duration::from_secs(1),
            )
            .await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(
                done.contains("已受理") && done.contains("44150020"),
                "walk-in: {done}"
            );
            let walk_in = h.actions();
            eprintln!(
                "e2e: walk-in intake from item search to printed receipt in {walk_in} actions"
            );
            ensure!(walk_in <= 8, "walk-in took {walk_in} actions");

            // Supplement: the household register is missing.
            pick(&mut h, "户籍证明", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            material_select(&mut h, 2, "missing").await?;
            h.click("[data-testid=kind-supplement]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("补正补齐"), "supplement: {done}");
            let supplement_no: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();

            // Rejected, with its reason.
            pick(&mut h, "户籍证明", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=kind-reject]").await?;
            h.type_in(
                "[data-testid=decision-reason]",
                "申请事项依法不属于本机关职权范围",
            )
            .await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("不予受理"), "reject: {done}");

            // 容缺: 市外迁入（购房入户）with family, the relation proof promised.
            pick(&mut h, "购房入户", "GA-HJ-0404").await?;
            option(&mut h, 2).await?;
            h.type_in("[data-field=move_in_addr] input", "城区香洲路1号")
                .await?;
            h.type_in("[data-field=phone] input", "13800138000").await?;
            h.click("[data-testid=receive-all]").await?;
            material_select(&mut h, 6, "missing").await?;
            h.click("[data-testid=kind-deferred]").await?;
            h.type_in(
                "[data-testid=decision-promise]",
                "申请人承诺五个工作日内补交关系证明",
            )
            .await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("容缺受理"), "deferred: {done}");
            wait_text_eq(
                client,
                "[data-testid=today-total]",
                "4",
                Duration::from_secs(3),
            )
            .await
            .context("today's figures after four decisions")?;

            // The citizen comes back with the household register (E5): the 补正 case, found in
            // the history, is taken up again and accepted on its own number.
            h.click("[data-menu=history]").await?;
            let row = format!("[data-testid=history-row][data-case-no='{supplement_no}']");
            wait_text(client, &row, Duration::from_secs(5)).await?;
            h.click(&format!("{row} td:nth-child(2)")).await?;
            wait_text(client, "[data-testid=case-detail]", Duration::from_secs(5)).await?;
            // The drawer slides in; a click while it moves lands on the overlay and closes it.
            settled(client).await?;
            h.click("[data-testid=follow-up]").await?;
            wait_text(client, "[data-testid=intake-item]", Duration::from_secs(5)).await?;
            h.click("[data-testid=receive-all]").await?;
            h.click("[data-testid=kind-accept]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(
                done.contains("已受理") && done.contains(&supplement_no),
                "the supplement case accepted on its return: {done}"
            );
            wait_text_eq(
                client,
                "[data-testid=today-total]",
                "4",
                Duration::from_secs(3),
            )
            .await
            .context("the returned case is the same case, not a fifth")?;
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // The five notices came out of the printer, each with its own wording (the last, the
    // receipt of the supplement case accepted on the citizen's return).
    let texts = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?;
    ensure!(texts.len() == 5, "{} notices printed", texts.len());
    let all = texts.join("\n");
    for want in [
        "户政业务受理回执",
        "补正补齐告知书",
        "不予受理通知书",
        "容缺受理通知书",
    ] {
        ensure!(all.contains(want), "{want} not printed");
    }
    ensure!(
        texts[0].contains(&resident.name),
        "receipt without the applicant"
    );
    ensure!(
        texts[1].contains("居民户口簿"),
        "supplement without the missing book"
    );
    Ok(())
}

/// Park a case, serve someone else, resume it; reprint from history with a reason that lands
/// in the case's audit trail; export the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e7_park_resume_reprint_and_export() -> Result<()> {
    let mut app = App::counter("intake-history", 4).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            app.sim("card place resident")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=park]").await?;
            wait_text(
                client,
                "[data-testid=intake-notice]",
                Duration::from_secs(5),
            )
            .await?;

            // The next person: a quick walk-in with another card.
            app.sim("card place long_term")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            print_and_decide(&mut h).await?;

            // Back to the parked one.
            h.click("[data-menu=drafts]").await?;
            wait_text(client, "[data-testid=draft-row]", Duration::from_secs(5)).await?;
            h.click("[data-testid=draft-resume]").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(5)).await?;
            // The citizen shows the card again. (Nothing on the page shows the re-read, so
            // nothing to wait for: the decision below fails with its message if it needs one.)
            app.sim("card remove")?; // the other citizen's card leaves the reader
            app.sim("card place resident")?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "resumed: {done}");

            // History: reprint the newest case's receipt with a reason.
            h.click("[data-menu=history]").await?;
            wait_text(client, "[data-testid=history-row]", Duration::from_secs(5)).await?;
            let rows = wd(client.find_all(Locator::Css("[data-testid=history-row]"))).await?;
            ensure!(rows.len() == 2, "{} history rows", rows.len());
            h.click("[data-testid=history-row] td:nth-child(2)").await?;
            wait_text(client, "[data-testid=case-detail]", Duration::from_secs(5)).await?;
            // The drawer slides in; click once it stands still.
            settled(client).await?;
            h.click("[data-testid=reprint]").await?;
            h.type_in("[data-testid=reprint-reason]", "群众遗失受理回执")
                .await?;
            h.click("[data-testid=reprint-confirm]").await?;
            let msg = wait_text(
                client,
                "[data-testid=history-message]",
                Duration::from_secs(15),
            )
            .await?;
            ensure!(msg.contains("累计打印 2 次"), "reprint: {msg}");
            let trail = std::cell::RefCell::new(String::new());
            let trail_ref = &trail;
            until(
                Duration::from_secs(5),
                "the reprint in the case's audit trail",
                || async move {
                    let text = wd(client.find(Locator::Css("[data-testid=case-trail]")))
                        .await?
                        .text()
                        .await?;
                    let found = text.contains("补打通知书") && text.contains("群众遗失受理回执");
                    *trail_ref.borrow_mut() = text;
                    Ok(found)
                },
            )
            .await
            .with_context(|| {
                format!(
                    "reprint reason not in the case's audit trail: {}",
                    trail.borrow()
                )
            })?;
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

            for (button, ext) in [("export-csv", "csv"), ("export-xlsx", "xlsx")] {
                h.click(&format!("[data-testid={button}]")).await?;
                // The message line still shows the reprint (or the CSV export) until this export
                // answers.
                let msg = std::cell::RefCell::new(String::new());
                let msg_ref = &msg;
                let _ = until(
                    Duration::from_secs(10),
                    "this export's message",
                    || async move {
                        let text = wait_text(
                            client,
                            "[data-testid=history-message]",
                            Duration::from_secs(5),
                        )
                        .await?;
                        let done = text.contains(ext);
                        *msg_ref.borrow_mut() = text;
                        Ok(done)
                    },
                )
                .await;
                let msg = msg.into_inner();
                ensure!(
                    msg.contains("已导出 2 条") && msg.contains(ext),
                    "export: {msg}"
                );
            }

            // Issue 6: with the server down an intake completes and waits as pending; when the
            // server returns it goes up and the status bar reaches 0.
            const PENDING: &str = "[data-testid=status-pending]";
            wait_attr(
                client,
                PENDING,
                "data-synced",
                Duration::from_secs(30),
                |s| s == "true",
            )
            .await
            .context("not synced before the server went down")?;
            ensure!(app.stop_server()?, "server did not stop");
            h.click("[data-menu=intake]").await?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "offline intake: {done}");
            let (count, _) =
                wait_attr(client, PENDING, "data-count", Duration::from_secs(5), |n| {
                    n.parse::<u32>().is_ok_and(|n| n > 0)
                })
                .await
                .context("offline intake not shown as pending")?;
            let el = wd(client.find(Locator::Css(PENDING))).await?;
            ensure!(
                wd(el.attr("data-synced")).await?.as_deref() == Some("false"),
                "shown synced while {count} records wait"
            );
            app.restart_server()?;
            wait_attr(
                client,
                PENDING,
                "data-synced",
                Duration::from_secs(30),
                |s| s == "true",
            )
            .await
            .context("offline intake not synced within 30 s of the server's return")?;
            let el = wd(client.find(Locator::Css(PENDING))).await?;
            ensure!(wd(el.attr("data-count")).await?.as_deref() == Some("0"));
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    let exports: Vec<_> = std::fs::read_dir(app.ws.data_dir().join("exports"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    ensure!(exports.len() == 2, "exports: {exports:?}");
    let csv = exports
        .iter()
        .find(|p| p.extension().is_some_and(|x| x == "csv"))
        .context("no CSV")?;
    let text = std::fs::read_to_string(csv)?;
    ensure!(text.lines().count() == 3, "CSV: {text}");
    ensure!(text.contains("户籍证明"), "CSV: {text}");
    Ok(())
}

/// Reads `data-frames` of the camera panel.
async fn camera_frames(client: &Client) -> Result<u64> {
    let el = wd(client.find(Locator::Css("[data-testid=camera-fps]"))).await?;
    Ok(wd(el.attr("data-frames"))
        .await?
        .and_then(|f| f.parse().ok())
        .unwrap_or(0))
}

/// Waits until the camera panel has shown `n` more frames than `since`.
async fn frames_after(client: &Client, since: u64, n: u64, within: Duration) -> Result<u64> {
    let frames = std::cell::Cell::new(0);
    let frames_ref = &frames;
    until(within, "camera preview frames", || async move {
        frames_ref.set(camera_frames(client).await?);
        Ok(frames_ref.get() >= since + n)
    })
    .await
    .with_context(|| {
        format!(
            "preview stalled at {} frames (wanted {})",
            frames.get(),
            since + n
        )
    })?;
    Ok(frames.get())
}

/// Issue 7 with the simulated document camera: the ticket's QR code under the camera opens
/// its item; a photographed material becomes a cropped, deskewed page attached to the case;
/// pulling the camera shows 「高拍仪未连接」 and plugging it back recovers the preview.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d1_e3_camera_ticket_capture_and_unplug() -> Result<()> {
    let mut app = App::counter("intake-camera", 5).await?;
    let client = &app.client;
    let mut material = String::new();
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            h.click("[data-testid=camera-scan]").await?;
            frames_after(client, 0, 3, Duration::from_secs(15))
                .await
                .context("no preview")?;
            // (Its frame rate is `make bench`'s camera_preview_fps.)
            app.sim("camera show QT|A023|20261123|W5|item=GA-HJ-0301|7f3k")?;
            let name = wait_text(
                client,
                "[data-testid=intake-item] h2",
                Duration::from_secs(15),
            )
            .await
            .context("the ticket did not open its item")?;
            ensure!(name.contains("户籍证明"), "ticket opened {name}");
            let notice = wait_text(
                client,
                "[data-testid=intake-notice]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(notice.contains("A023"), "notice: {notice}");
            ensure!(
                client
                    .find(Locator::Css("[data-testid=camera-panel]"))
                    .await
                    .is_err(),
                "the preview did not stop after the code"
            );
            app.sim("camera clear")?;

            option(&mut h, 1).await?;
            // The card put down while the case is open fills the applicant.
            app.sim("card place resident")?;
            wait_text(
                client,
                "[data-testid=applicant-source]",
                Duration::from_secs(5),
            )
            .await?;
            material = wd(client.find(Locator::Css(
                "[data-testid=material-row]:nth-of-type(1) td span",
            )))
            .await?
            .text()
            .await?;
            app.sim("camera show-document")?;
            h.click("[data-testid=material-row]:nth-of-type(1) [data-testid=material-camera]")
                .await?;
            let f = frames_after(client, 0, 3, Duration::from_secs(15)).await?;
            frames_after(client, f, 2, Duration::from_secs(5)).await?;
            h.click("[data-testid=camera-capture]").await?;
            let (cropped, _) = wait_attr(
                client,
                "[data-testid=camera-page]",
                "data-cropped",
                Duration::from_secs(15),
                |_| true,
            )
            .await
            .context("no page captured")?;
            let page = wd(client.find(Locator::Css("[data-testid=camera-page]"))).await?;
            let dim = |a: Option<String>| a.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            let (w, hgt) = (
                dim(wd(page.attr("data-width")).await?),
                dim(wd(page.attr("data-height")).await?),
            );
            eprintln!("e2e: captured page {w}×{hgt}, cropped={cropped}");
            ensure!(cropped == "true", "the document was not found");
            // The simulated page is A4 turned by 6°: deskewed, it is an upright A4 page again.
            ensure!(
                hgt > w && ((hgt / w) - 2f64.sqrt()).abs() < 0.06,
                "page {w}×{hgt} is not an upright A4 page"
            );
            ensure!(
                w < 1920.0 * 0.5,
                "page {w}×{hgt} is the whole frame, not the document"
            );
            h.click("[data-testid=camera-attach]").await?;
            let att = wait_text(
                client,
                "[data-testid=material-row]:nth-of-type(1) [data-testid=material-attachment]",
                Duration::from_secs(15),
            )
            .await
            .context("the captured page is not in the material list")?;
            ensure!(
                att.contains(&format!("{material}.pdf")) && att.contains("1页"),
                "attachment: {att}"
            );

            // Unplug while previewing, then plug back in.
            h.click("[data-testid=material-row]:nth-of-type(2) [data-testid=material-camera]")
                .await?;
            frames_after(client, 0, 2, Duration::from_secs(15)).await?;
            app.sim("camera unplug")?;
            let err = wait_text(
                client,
                "[data-testid=camera-error]",
                Duration::from_secs(10),
            )
            .await
            .context("no message after the unplug")?;
            ensure!(err.contains("高拍仪未连接"), "unplug: {err}");
            wait_attr(
                client,
                "[data-testid=status-devices] [data-slot=camera]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "disconnected",
            )
            .await?;
            let stalled = camera_frames(client).await?;
            app.sim("camera plug")?;
            frames_after(client, stalled, 3, Duration::from_secs(15))
                .await
                .context("the preview did not recover after the replug")?;
            ensure!(
                client
                    .find(Locator::Css("[data-testid=camera-error]"))
                    .await
                    .is_err(),
                "the error stayed after the replug"
            );
            wait_attr(
                client,
                "[data-testid=status-devices] [data-slot=camera]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "connected",
            )
            .await?;
            h.click("[data-testid=camera-close]").await?;

            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "camera case: {done}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // The accepted case carries the PDF, and its bytes are in the encrypted material store.
    let mut store = app.open_store()?;
    let data: String =
        store
            .conn()
            .query_row("SELECT data FROM cases WHERE state = 'accepted'", [], |r| {
                r.get(0)
            })?;
    ensure!(
        data.contains(&format!("{material}.pdf")),
        "the accepted case has no captured material"
    );
    let blobs: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))?;
    ensure!(blobs >= 1, "no material blob stored");
    Ok(())
}

/// E11 / F2 / E9 (issue 18 items 5–6): a walk-in 户籍证明 (即办件) accepted; the case receipt
/// comes out of the receipt printer with the case number as its QR code; the clerk closes the
/// case at the counter with 不予许可 and its reason — the decision is printed on A4 naming the
/// result, and the history shows it 办结 with no light. Another case is withdrawn only once the
/// citizen's signed request was captured under the document camera.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e9_instant_item_closed_at_counter_and_withdrawal_on_signed_request() -> Result<()> {
    let mut app = App::counter("intake-instant", 9).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            app.sim("card place resident")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            let no: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();
            // F2: the receipt slip followed the decision on the thermal printer.
            let paper = app.sim_reply("printer paper")?;
            ensure!(
                paper.contains("受理回执") && paper.contains(&no),
                "receipt slip: {paper}"
            );

            h.click("[data-testid=conclude-denied]").await?;
            h.type_in("[data-testid=conclude-reason]", "被证明人户籍不在本辖区")
                .await?;
            h.click("[data-testid=conclude-confirm]").await?;
            let concluded =
                wait_text(client, "[data-testid=concluded]", Duration::from_secs(15)).await?;
            ensure!(
                concluded.contains("不予许可") && concluded.contains("被证明人户籍不在本辖区"),
                "concluded: {concluded}"
            );

            // The next walk-in, withdrawn from the history on the citizen's signed request.
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            let second: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();
            h.click("[data-menu=history]").await?;
            let first_row = format!("[data-testid=history-row][data-case-no='{no}']");
            wait_text(client, &first_row, Duration::from_secs(5)).await?;
            wait_attr(
                client,
                &format!("{first_row} [data-testid=history-progress]"),
                "data-progress",
                Duration::from_secs(5),
                |p| p == "denied",
            )
            .await
            .context("办结（不予许可） in the history")?;
            wait_attr(
                client,
                &format!("{first_row} [data-testid=light]"),
                "data-light",
                Duration::from_secs(5),
                |l| l == "none",
            )
            .await
            .context("the light stops at 办结")?;

            let row = format!("[data-testid=history-row][data-case-no='{second}']");
            h.click(&format!("{row} td:nth-child(2)")).await?;
            wait_text(client, "[data-testid=case-detail]", Duration::from_secs(5)).await?;
            settled(client).await?;
            h.click("[data-testid=change-withdraw]").await?;
            settled(client).await?;
            h.type_in("[data-testid=change-reason]", "申请人撤回申请")
                .await?;
            let enabled = wd(client.find(Locator::Css("[data-testid=change-confirm]")))
                .await?
                .is_enabled()
                .await?;
            ensure!(!enabled, "withdraw confirmable without the signed request");
            h.click("[data-testid=withdraw-form]").await?;
            settled(client).await?;
            app.sim("camera show-document")?;
            h.click("[data-testid=withdraw-capture]").await?;
            settled(client).await?;
            wait_text(client, "[data-testid=camera-panel]", Duration::from_secs(5)).await?;
            h.click("[data-testid=camera-capture]").await?;
            wait_attr(
                client,
                "[data-testid=camera-page]",
                "data-width",
                Duration::from_secs(10),
                |w| !w.is_empty(),
            )
            .await?;
            h.click("[data-testid=camera-attach]").await?;
            wait_text(
                client,
                "[data-testid=withdraw-captured]",
                Duration::from_secs(10),
            )
            .await?;
            settled(client).await?;
            h.click("[data-testid=change-confirm]").await?;
            wait_attr(client, &row, "data-state", Duration::from_secs(10), |s| {
                s == "withdrawn"
            })
            .await
            .context("withdrawn on the signed request")?;
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    let texts = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?;
    let all = texts.join("\n");
    // Titles only: a body line may wrap anywhere in the PDF's text.
    for want in ["不予许可决定书", "撤件申请书"] {
        ensure!(all.contains(want), "{want} not printed");
    }
    Ok(())
}
