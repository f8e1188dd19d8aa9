//! A field office's queue (issue 17 item 6, `queue.mode = "local"`) in the real window: with
//! the hall server gone, the clerk issues tickets at the desk (printed on the simulated
//! receipt printer), calls one, the citizen window shows it, the citizen rates; once the
//! server is back the visit arrives there as a local one with its rating.

use anyhow::{ensure, Context, Result};
use std::time::Duration;
use yichuang_core::infra::config::QueueMode;
use yichuang_e2e::clerk::click_when_enabled;
use yichuang_e2e::desk::{
    call_next, citizen_shows_call, queue_app, rate_visit, rated_visit, to_window,
};
use yichuang_e2e::webdriver::{until, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b1_a_field_office_issues_prints_calls_and_rates_its_own_tickets_with_no_server(
) -> Result<()> {
    let mut app = queue_app("queue-local", 2, QueueMode::Local)
        .simulator_control()
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            app.login("张三").await?;
            // The office's line to the hall is down: its queue goes on.
            ensure!(app.stop_server()?, "server did not stop");
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;

            // 取号 twice at the desk: each printed on the receipt printer.
            for number in ["A001", "A002"] {
                click_when_enabled(client, "[data-testid=queue-issue]").await?;
                until(
                    Duration::from_secs(10),
                    &format!("{number} issued"),
                    || async {
                        let m = wait_text(
                            client,
                            "[data-testid=queue-message]",
                            Duration::from_secs(1),
                        )
                        .await
                        .unwrap_or_default();
                        Ok(m.contains(number) && m.contains("已打印"))
                    },
                )
                .await?;
            }
            let paper = app.sim_reply("printer paper")?;
            ensure!(
                paper.starts_with("ok")
                    && paper.contains("A001")
                    && paper.contains("A002")
                    && paper.contains("综合业务"),
                "the slips printed: {paper}"
            );
            let waiting = wait_text(
                client,
                "[data-testid=queue-waiting-count]",
                Duration::from_secs(5),
            )
            .await?;
            ensure!(waiting.contains('2'), "waiting: {waiting}");

            // 叫下一位: A001 on the desk and the citizen window.
            call_next(client, "A001").await?;
            citizen_shows_call(client, "A001").await?;
            rate_visit(client, "satisfied").await?;
            wait_text(
                client,
                "[data-testid=citizen-thanks]",
                Duration::from_secs(5),
            )
            .await?;

            // The desk no longer serves A001 (服务结束 finished it in the local queue).
            to_window(client, "[data-testid=queue-panel]", "no clerk window").await?;
            until(
                Duration::from_secs(5),
                "A001 finished at the desk",
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

            // The hall server is back: the local visit and its rating sync.
            app.restart_server()?;
            let visit = rated_visit(&app, "A001")
                .await
                .context("the local visit on the server")?;
            ensure!(visit["visit"]["mode"] == "local", "{visit}");
            ensure!(visit["ticket"].is_null(), "{visit}");
            ensure!(visit["ratings"][0]["level"] == "satisfied", "{visit}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}
