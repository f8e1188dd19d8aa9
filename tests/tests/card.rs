//! Issue 16 (C2) in the real window: an expired ID card on the reader is refused as the
//! applicant's identity with 「身份证已过期」; the clerk takes it where the law allows with a
//! reason, the case is accepted, and the override is in the audit log with that reason.

use anyhow::{ensure, Result};
use std::time::Duration;
use yichuang_e2e::clerk::{option, pick, print_and_decide, Hands};
use yichuang_e2e::webdriver::{until, wait_text, wd};
use yichuang_e2e::App;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c2_an_expired_card_is_refused_as_the_applicant_and_taken_with_an_audited_override(
) -> Result<()> {
    let mut app = App::counter("card-expired", 7).await?;
    let client = &app.client;
    let expired = yichuang_drivers::idcard::simulator::sample_expired();
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            app.sim("card place expired")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            // The card on the reader is offered for the applicant, and refused.
            let mut refused = String::new();
            for _ in 0..2 {
                refused = wait_text(client, "[data-testid=intake-error]", Duration::from_secs(3))
                    .await
                    .unwrap_or_default();
                if refused.contains("身份证已过期") {
                    break;
                }
                h.press("[data-testid=applicant-name]", "\u{E036}").await?; // F6
            }
            ensure!(refused.contains("身份证已过期"), "refusal: {refused:?}");
            let name = wd(
                wd(client.find(fantoccini::Locator::Css("[data-testid=applicant-name]")))
                    .await?
                    .prop("value"),
            )
            .await?
            .unwrap_or_default();
            ensure!(
                name.is_empty(),
                "the expired card filled the applicant: {name:?}"
            );

            h.type_in(
                "[data-testid=expired-override-reason]",
                "正在办理换领，持受理回执",
            )
            .await?;
            h.click("[data-testid=expired-override-take]").await?;
            until(
                Duration::from_secs(5),
                "the applicant from the expired card",
                || async {
                    let v = wd(wd(
                        client.find(fantoccini::Locator::Css("[data-testid=applicant-name]"))
                    )
                    .await?
                    .prop("value"))
                    .await?
                    .unwrap_or_default();
                    Ok(v == expired.name)
                },
            )
            .await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "{done}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    let mut store = app.open_store()?;
    let reasons: Vec<(String, String)> = {
        let mut stmt = store.conn().prepare(
            "SELECT subject, json_extract(detail, '$.reason') FROM audit_log
             WHERE action = 'card.expired_override' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows
    };
    ensure!(
        reasons
            == [(
                expired.id_number.clone(),
                "正在办理换领，持受理回执".to_owned()
            )],
        "audited overrides: {reasons:?}"
    );
    Ok(())
}
