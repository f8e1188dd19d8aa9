//! The hall's queue around a desk (issue 17), as the E2E scenarios and the app bench set it
//! up: an item group served at the desk's window with tickets issued through the ticket
//! endpoint, and 叫下一位 at the desk.

use crate::clerk::click_when_enabled;
use crate::webdriver::{until, wait_text};
use crate::App;
use anyhow::{ensure, Result};
use std::time::Duration;

/// The hall's queue for this desk: item group `code` (its prefix too) served at `window`,
/// and `tickets` tickets issued through the ticket endpoint.
pub fn hall_queue(app: &App, code: &str, name: &str, window: u16, tickets: u32) -> Result<()> {
    {
        let server = app.server()?;
        server.admin(&[
            "queue", "group", "add", "--hall", "441500", "--code", code, "--prefix", code,
            "--name", name,
        ])?;
        let window = window.to_string();
        server.admin(&[
            "queue", "window", "set", "--hall", "441500", "--window", &window, "--groups", code,
        ])?;
    }
    for n in 1..=tickets {
        let (status, body) = app.server_post(
            "/api/v1/queue/tickets",
            &serde_json::json!({ "group": code, "request_id": format!("reception-{code}{n}") }),
        )?;
        ensure!(status == 200, "ticket {n}: HTTP {status} {body}");
    }
    Ok(())
}

/// 叫下一位 at the desk until it shows `number` as the ticket being served.
pub async fn call_next(client: &fantoccini::Client, number: &str) -> Result<()> {
    click_when_enabled(client, "[data-testid=queue-call-next]").await?;
    until(
        Duration::from_secs(10),
        &format!("{number} at the desk"),
        || async {
            let t = wait_text(
                client,
                "[data-testid=queue-current]",
                Duration::from_secs(1),
            )
            .await?;
            Ok(t.contains(number))
        },
    )
    .await?;
    Ok(())
}
