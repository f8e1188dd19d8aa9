//! The visit around intake (issue 17) in the real window against the real server: a ticket
//! issued through the ticket endpoint, called from the desk, shown on the citizen window,
//! rated there, and on the server as one visit with its ticket and rating.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_core::infra::config::QueueMode;
use yichuang_e2e::clerk::click_when_enabled;
use yichuang_e2e::webdriver::{switch_to_window_with, until, wait_text, wd};
use yichuang_e2e::{App, Ukey};

const CLERKS: &str =
    "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept;query\n";

/// The server's record of `ticket`'s visit (admin CLI), once it has the rating.
async fn rated_visit(app: &App, ticket: &str) -> Result<serde_json::Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(25);
    loop {
        let out = app
            .server()
            .and_then(|s| s.admin(&["queue", "visit", "--hall", "441500", ticket]));
        let found = out
            .ok()
            .and_then(|o| serde_json::from_str::<serde_json::Value>(&o).ok())
            .filter(|v| v["ratings"].as_array().is_some_and(|r| !r.is_empty()));
        if let Some(v) = found {
            return Ok(v);
        }
        ensure!(
            std::time::Instant::now() < deadline,
            "no rating for {ticket} on the server within 25 s"
        );
        // A poll interval (each poll runs the admin CLI), not a wait for the outcome.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
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
            {
                let server = app.server()?;
                server.admin(&[
                    "queue", "group", "add", "--hall", "441500", "--code", "A", "--prefix", "A",
                    "--name", "社保",
                ])?;
                server.admin(&[
                    "queue", "window", "set", "--hall", "441500", "--window", "5", "--groups", "A",
                ])?;
            }
            // Two citizens take tickets at reception (the ticket endpoint).
            for n in 1..=2 {
                let (status, body) = app.server_post(
                    "/api/v1/queue/tickets",
                    &serde_json::json!({ "group": "A", "request_id": format!("reception-{n}") }),
                )?;
                ensure!(status == 200, "ticket {n}: HTTP {status} {body}");
            }
            app.login("张三").await?;
            wait_text(
                client,
                "[data-testid=queue-waiting-count]",
                Duration::from_secs(10),
            )
            .await?;

            // 叫下一位: the desk and the citizen window show A001.
            click_when_enabled(client, "[data-testid=queue-call-next]").await?;
            until(Duration::from_secs(10), "A001 at the desk", || async {
                let t = wait_text(
                    client,
                    "[data-testid=queue-current]",
                    Duration::from_secs(1),
                )
                .await?;
                Ok(t.contains("A001"))
            })
            .await?;
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
            click_when_enabled(client, "[data-testid=queue-call-next]").await?;
            until(Duration::from_secs(10), "A002 at the desk", || async {
                let t = wait_text(
                    client,
                    "[data-testid=queue-current]",
                    Duration::from_secs(1),
                )
                .await?;
                Ok(t.contains("A002"))
            })
            .await?;
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
