//! The visit around intake (issue 17) in the real window against the real server: a ticket
//! issued through the ticket endpoint, called from the desk, shown on the citizen window,
//! rated there, and on the server as one visit with its ticket and rating.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_core::infra::config::QueueMode;
use yichuang_e2e::clerk::{click_when_enabled, Hands};
use yichuang_e2e::queue::{call_next, hall_queue};
use yichuang_e2e::webdriver::{switch_to_window_with, until, wait_text, wd};
use yichuang_e2e::{App, Ukey};

const CLERKS: &str =
    "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept;query\n";

/// The server's record of `ticket`'s visit (admin CLI), once it has the rating.
async fn rated_visit(app: &App, ticket: &str) -> Result<serde_json::Value> {
    let found = std::cell::RefCell::new(serde_json::Value::Null);
    until(
        Duration::from_secs(25),
        "the visit's rating on the server",
        || {
            let record = app
                .server()
                .and_then(|s| s.admin(&["queue", "visit", "--hall", "441500", ticket]))
                .ok()
                .and_then(|o| serde_json::from_str::<serde_json::Value>(&o).ok())
                .filter(|v| v["ratings"].as_array().is_some_and(|r| !r.is_empty()));
            let done = record.is_some();
            if let Some(v) = record {
                *found.borrow_mut() = v;
            }
            async move { Ok(done) }
        },
    )
    .await?;
    Ok(found.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b1_a_called_ticket_is_shown_rated_on_the_citizen_window_and_one_visit_on_the_server(
) -> Result<()> {
    let mut app = App::builder("queue-visit")
        .window(5)
        .config(|c| {
            c.hall.code = Some("441500".into());
            c.queue.mode = QueueMode::Hall;
            c.citizen_screen.rating_seconds = 15;
        })
        .ukey(Ukey::Pkcs11)
        .auth_server(CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            hall_queue(&app, "A", "社保", 5, 2)?;
            app.login("张三").await?;
            wait_text(
                client,
                "[data-testid=queue-waiting-count]",
                Duration::from_secs(10),
            )
            .await?;

            // 叫下一位: the desk and the citizen window show A001.
            call_next(client, "A001").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-called-number]",
                    Duration::from_secs(5)
                )
                .await?,
                "the citizen window does not show the call"
            );
            let shown = wait_text(
                client,
                "[data-testid=citizen-called-number]",
                Duration::from_secs(1),
            )
            .await?;
            ensure!(shown == "A001", "citizen window shows {shown:?}");

            // 服务结束，请评价: the citizen rates 非常满意 by touch.
            ensure!(
                switch_to_window_with(client, "[data-testid=queue-panel]", Duration::from_secs(5))
                    .await?,
                "no clerk window"
            );
            click_when_enabled(client, "[data-testid=request-rating]").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-rating]",
                    Duration::from_secs(5)
                )
                .await?,
                "the citizen window does not ask for the rating"
            );
            wd(client.find(Locator::Css("[data-testid=rate-very_satisfied]")))
                .await?
                .click()
                .await
                .map_err(anyhow::Error::from)?;
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
            ensure!(
                switch_to_window_with(client, "[data-testid=queue-panel]", Duration::from_secs(5))
                    .await?,
                "no clerk window"
            );
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
        .auth_server(CLERKS, &[("T-ZS", "ca/clerk-ecdsa.pem")])
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            hall_queue(&app, "B", "不动产", 6, 2)?;
            app.login("张三").await?;
            wait_text(
                client,
                "[data-testid=queue-waiting-count]",
                Duration::from_secs(10),
            )
            .await?;

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
            ensure!(
                switch_to_window_with(client, "[data-testid=queue-panel]", Duration::from_secs(5))
                    .await?,
                "no clerk window"
            );
            click_when_enabled(client, "[data-testid=desk-resume]").await?;

            // B001: 不满意 without a reason is refused; with 服务态度 it is taken.
            call_next(client, "B001").await?;
            click_when_enabled(client, "[data-testid=request-rating]").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-rating]",
                    Duration::from_secs(5)
                )
                .await?,
                "no rating question"
            );
            wd(client.find(Locator::Css("[data-testid=rate-dissatisfied]")))
                .await?
                .click()
                .await
                .map_err(anyhow::Error::from)?;
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
            ensure!(
                switch_to_window_with(client, "[data-testid=queue-panel]", Duration::from_secs(5))
                    .await?,
                "no clerk window"
            );
            call_next(client, "B002").await?;
            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            click_when_enabled(client, "[data-testid=request-rating]").await?;
            ensure!(
                switch_to_window_with(
                    client,
                    "[data-testid=citizen-rating]",
                    Duration::from_secs(5)
                )
                .await?,
                "no rating question while the server is down"
            );
            wd(client.find(Locator::Css("[data-testid=rate-satisfied]")))
                .await?
                .click()
                .await
                .map_err(anyhow::Error::from)?;
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
