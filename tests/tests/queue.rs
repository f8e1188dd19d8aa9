//! The visit around intake (issue 17) in the real window against the real server: a ticket
//! issued through the ticket endpoint, called from the desk, shown on the citizen window,
//! rated there, and on the server as one visit with its ticket and rating.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use std::time::Instant;
use yichuang_core::infra::config::QueueMode;
use yichuang_e2e::clerk::{click_when_enabled, option, pick, print_and_decide, Hands};
use yichuang_e2e::desk::{
    call_next, citizen_shows_call, desk_with_queue, hall_queue, queue_app, rate_visit, rated_visit,
    to_window, ApiDesk, QUEUE_CLERKS,
};
use yichuang_e2e::hall_screen::{HallScreen, HINT};
use yichuang_e2e::webdriver::{switch_to_window_with, until, wait_text, wd};
use yichuang_e2e::{App, Ukey};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b1_a_called_ticket_is_shown_rated_on_the_citizen_window_and_one_visit_on_the_server(
) -> Result<()> {
    let mut app = queue_app("queue-visit", 5, QueueMode::Hall).start().await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            desk_with_queue(&app, "A", "社保", 5, 2).await?;

            // 叫下一位: the desk and the citizen window show A001.
            call_next(client, "A001").await?;
            citizen_shows_call(client, "A001").await?;

            // 服务结束，请评价: the citizen rates 非常满意 by touch.
            rate_visit(client, "very_satisfied").await?;
            wait_text(
                client,
                "[data-testid=citizen-thanks]",
                Duration::from_secs(5),
            )
            .await?;
            let first = rated_visit(&app, "A001").await?;
            ensure!(first["ratings"][0]["level"] == "very_satisfied", "{first}");
            ensure!(first["visit"]["mode"] == "hall", "{first}");
            ensure!(first["ticket"]["number"] == "A001", "{first}");

            // The next citizen leaves without answering: after the countdown, 满意 (timed out).
            to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;
            call_next(client, "A002").await?;
            click_when_enabled(client, "[data-testid=request-rating]").await?;
            let second = rated_visit(&app, "A002")
                .await
                .context("timed-out rating")?;
            ensure!(second["ratings"][0]["level"] == "satisfied", "{second}");
            ensure!(second["ratings"][0]["timed_out"] == true, "{second}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// G1 and G2 at the desk: a pause shows its reason on the citizen window; a 不满意 needs a
/// reason and arrives with it; a rating given while the server is down arrives after it
/// returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g2_a_pause_a_dissatisfied_rating_with_its_reason_and_one_given_offline_reach_the_server(
) -> Result<()> {
    let mut app = App::builder("queue-offline-rating")
        .window(6)
        .config(|c| {
            c.hall.code = Some("441500".into());
            c.queue.mode = QueueMode::Hall;
        })
        .ukey(Ukey::Pkcs11)
        .auth_server(QUEUE_CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            desk_with_queue(&app, "B", "不动产", 6, 2).await?;

            // 暂停服务 with a reason: the citizen window says so.
            click_when_enabled(client, "[data-testid=desk-pause]").await?;
            Hands::new(client)
                .type_in("[data-testid=pause-reason]", "午间休息")
                .await?;
            click_when_enabled(client, "[data-testid=pause-confirm]").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-pause-reason]",
                    Duration::from_secs(5)
                )
                .await?,
                "the citizen window does not show the pause"
            );
            let shown = wait_text(
                client,
                "[data-testid=citizen-pause-reason]",
                Duration::from_secs(1),
            )
            .await?;
            ensure!(shown == "午间休息", "pause reason shown: {shown:?}");
            to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;
            click_when_enabled(client, "[data-testid=desk-resume]").await?;

            // B001: 不满意 without a reason is refused; with 服务态度 it is taken.
            call_next(client, "B001").await?;
            rate_visit(client, "dissatisfied").await?;
            click_when_enabled(client, "[data-testid=rate-submit]").await?;
            let refused =
                wait_text(client, "[data-testid=rating-error]", Duration::from_secs(5)).await?;
            ensure!(refused.contains("原因"), "refusal: {refused:?}");
            wd(client.find(Locator::Css("[data-testid=reason-attitude] input")))
                .await?
                .click()
                .await
                .map_err(anyhow::Error::from)?;
            click_when_enabled(client, "[data-testid=rate-submit]").await?;
            wait_text(
                client,
                "[data-testid=citizen-thanks]",
                Duration::from_secs(5),
            )
            .await?;
            let first = rated_visit(&app, "B001").await?;
            ensure!(first["ratings"][0]["level"] == "dissatisfied", "{first}");
            ensure!(
                first["ratings"][0]["reasons"] == serde_json::json!(["attitude"]),
                "{first}"
            );

            // B002 is served; the server goes down before the rating: rated at the counter,
            // it reaches the server once it is back.
            to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;
            call_next(client, "B002").await?;
            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            rate_visit(client, "satisfied").await?;
            wait_text(
                client,
                "[data-testid=citizen-thanks]",
                Duration::from_secs(5),
            )
            .await?;
            app.restart_server()?;
            let second = rated_visit(&app, "B002")
                .await
                .context("the offline rating")?;
            ensure!(second["ratings"][0]["level"] == "satisfied", "{second}");
            ensure!(second["ratings"][0]["timed_out"] == false, "{second}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// The hall around the window (B1, B2, B5, B7): the call screen in headless Chromium shows a
/// call clicked in the window within 1 s; the called ticket's case and rating form one visit
/// on the server; a second desk (window 6, through the server API) calling at the same moment
/// never gets the window's ticket; recalled past the limit a ticket is skipped; a ticket
/// transferred to window 6 reaches that desk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2_the_call_screen_a_second_desk_recall_skip_and_transfer_around_one_window() -> Result<()>
{
    if !yichuang_testkit::require_tools(&["chromedriver", "chromium"], HINT) {
        return Ok(());
    }
    let mut app = queue_app("queue-hall", 5, QueueMode::Hall)
        .simulator_control()
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            hall_queue(&app, "A", "社保", 5, 6)?;
            app.server()?.admin(&[
                "queue", "window", "set", "--hall", "441500", "--window", "6", "--groups", "A",
            ])?;
            let desk6 = {
                let server = app.server()?;
                ApiDesk::login(&server, app.keys()?.path(), "441500", 6, "T-LS", "李四")?
            };
            let (base, code) = {
                let server = app.server()?;
                (server.url(), HallScreen::pairing_code(&server, "441500")?)
            };
            let screen = HallScreen::open(&base, &code).await?;
            app.login("张三").await?;
            wait_text(
                client,
                "[data-testid=queue-waiting-count]",
                Duration::from_secs(10),
            )
            .await?;

            // Pushed to the desk (no 15 s poll): a ticket issued at reception shows at once.
            until(Duration::from_secs(10), "6 waiting at the desk", || async {
                let t = wait_text(
                    client,
                    "[data-testid=queue-waiting-count]",
                    Duration::from_secs(1),
                )
                .await?;
                Ok(t.contains('6'))
            })
            .await?;
            let (status, body) = app.server_post(
                "/api/v1/queue/tickets",
                &serde_json::json!({ "group": "A", "request_id": "reception-A7" }),
            )?;
            ensure!(status == 200, "ticket 7: HTTP {status} {body}");
            let pushed = until(
                Duration::from_secs(5),
                "the seventh ticket pushed to the desk",
                || async {
                    let t = wait_text(
                        client,
                        "[data-testid=queue-waiting-count]",
                        Duration::from_secs(1),
                    )
                    .await?;
                    Ok(t.contains('7'))
                },
            )
            .await?;
            eprintln!("e2e: a new ticket reached the desk in {pushed:?}");

            // 叫下一位 clicked in the window: the call screen shows A001 at window 5 within 1 s.
            let clicked = Instant::now();
            click_when_enabled(client, "[data-testid=queue-call-next]").await?;
            screen
                .wait_for(&HallScreen::shows_call("A001", 5), Duration::from_secs(5))
                .await?;
            let shown = clicked.elapsed();
            eprintln!("e2e: click → call screen {shown:?}");
            ensure!(
                shown <= Duration::from_secs(1),
                "A001 at window 5 on the call screen {shown:?} after the click"
            );

            // A001's visit: the card read, 户籍证明 accepted, the citizen rates on the screen.
            app.sim("card place resident")?;
            let mut h = Hands::new(client);
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "A001's case: {done}");
            rate_visit(client, "very_satisfied").await?;
            let visit = rated_visit(&app, "A001").await?;
            let cases = visit["visit"]["cases"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            ensure!(
                cases.len() == 1 && cases[0].as_str().is_some_and(|c| c.starts_with("44150020")),
                "A001's visit on the server has its case: {visit}"
            );
            ensure!(
                visit["ratings"][0]["cases"] == visit["visit"]["cases"],
                "{visit}"
            );
            ensure!(visit["ratings"][0]["level"] == "very_satisfied", "{visit}");
            to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;

            // I3: today's figures count the call and the rating.
            until(
                Duration::from_secs(5),
                "today's figures with the visit",
                || async {
                    let calls =
                        wait_text(client, "[data-testid=today-calls]", Duration::from_secs(1))
                            .await?;
                    let ratings = wait_text(
                        client,
                        "[data-testid=today-ratings]",
                        Duration::from_secs(1),
                    )
                    .await?;
                    Ok(calls == "1" && ratings == "1")
                },
            )
            .await?;

            // Window 6 and window 5 call next at the same moment: two different tickets.
            let other = {
                let server = app.server()?;
                let server: &yichuang_e2e::Server = &server;
                let desk6 = &desk6;
                std::thread::scope(|s| -> Result<_> {
                    let t = s.spawn(move || desk6.act(server, "call-next", serde_json::json!({})));
                    let here = tokio::task::block_in_place(|| {
                        tokio::runtime::Handle::current()
                            .block_on(click_when_enabled(client, "[data-testid=queue-call-next]"))
                    });
                    let there = t.join().map_err(|_| anyhow::anyhow!("desk 6 panicked"))??;
                    here?;
                    Ok(there)
                })?
            };
            ensure!(other.0 == 200, "desk 6 call-next: {other:?}");
            let theirs = other.1["ticket"]["number"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let current = std::cell::RefCell::new(String::new());
            until(
                Duration::from_secs(10),
                "the window's next ticket",
                || async {
                    let t = wait_text(
                        client,
                        "[data-testid=queue-current]",
                        Duration::from_secs(1),
                    )
                    .await?;
                    let n = t.trim_start_matches("当前：").trim().to_owned();
                    let done = n.starts_with('A') && n != "A001";
                    *current.borrow_mut() = n;
                    Ok(done)
                },
            )
            .await?;
            let ours = current.into_inner();
            eprintln!("e2e: window 5 got {ours}, window 6 got {theirs}");
            ensure!(
                ["A002", "A003"].contains(&ours.as_str())
                    && ["A002", "A003"].contains(&theirs.as_str())
                    && ours != theirs,
                "one ticket for two desks: window 5 {ours}, window 6 {theirs}"
            );

            // 重呼 past the limit (3): the fourth skips the ticket.
            for n in 1..=3 {
                click_when_enabled(client, "[data-testid=queue-recall]").await?;
                until(
                    Duration::from_secs(5),
                    &format!("recall {n} answered"),
                    || async {
                        let busy = wd(client.find(Locator::Css("[data-testid=queue-recall]")))
                            .await?
                            .attr("disabled")
                            .await?;
                        Ok(busy.is_none())
                    },
                )
                .await?;
            }
            click_when_enabled(client, "[data-testid=queue-recall]").await?;
            let skipped = wait_text(
                client,
                "[data-testid=queue-message]",
                Duration::from_secs(5),
            )
            .await?;
            ensure!(
                skipped.contains(&ours) && skipped.contains("过号"),
                "after 4 recalls: {skipped:?}"
            );
            until(
                Duration::from_secs(5),
                "no ticket at the window after the skip",
                || async {
                    let t = wait_text(
                        client,
                        "[data-testid=queue-current]",
                        Duration::from_secs(1),
                    )
                    .await?;
                    Ok(t.contains('无'))
                },
            )
            .await?;

            // 转移: A004 called here, sent to window 6, which sees it and calls it.
            call_next(client, "A004").await?;
            Hands::new(client)
                .type_in("[data-testid=queue-transfer-to]", "6")
                .await?;
            click_when_enabled(client, "[data-testid=queue-transfer]").await?;
            {
                let server = app.server()?;
                let mut state = serde_json::Value::Null;
                testkit_until(|| {
                    state = desk6.state(&server).unwrap_or_default();
                    state["waiting"].as_array().is_some_and(|w| {
                        w.iter()
                            .any(|t| t["number"] == "A004" && t["target_window"] == 6)
                    })
                })
                .with_context(|| format!("A004 not waiting for window 6: {state}"))?;
                ensure!(
                    desk6.act(&server, "finish", serde_json::json!({}))?.0 == 200,
                    "desk 6 finish"
                );
                let (status, called) =
                    desk6.act(&server, "call", serde_json::json!({ "ticket": "A004" }))?;
                ensure!(
                    status == 200 && called["ticket"]["number"] == "A004" && called["window"] == 6,
                    "window 6 calls the transferred A004: {status} {called}"
                );
            }
            screen
                .wait_for(&HallScreen::shows_call("A004", 6), Duration::from_secs(2))
                .await?;
            screen.close().await;
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// Waits up to 10 s for `condition` (checked every 50 ms).
fn testkit_until(condition: impl FnMut() -> bool) -> Result<()> {
    ensure!(
        yichuang_testkit::wait_until(Duration::from_secs(10), condition),
        "not within 10 s"
    );
    Ok(())
}
