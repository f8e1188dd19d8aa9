//! Issue 16 (D1) in the real window: on the intake page a queue ticket scanned with either
//! scanner gun does what F3 does with the document camera — its item opens. The serial gun is
//! the scan simulator behind a real pty (through the simulator control surface); the wedge gun
//! is WebDriver typing a burst at machine speed into the focused search field. A receipt's QR
//! (the case number) scanned there opens the case in the history.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_e2e::clerk::{option, print_and_decide, Hands, ENTER};
use yichuang_e2e::webdriver::{until, wait_text, wd};
use yichuang_e2e::App;

async fn item_and_search(client: &fantoccini::Client) -> Result<(String, String)> {
    let v = wd(client.execute(
        "const i = document.querySelector('[data-testid=intake-item]');
         const s = document.querySelector('[data-testid=item-search]');
         return [i ? i.textContent : '', s ? s.value : ''];",
        vec![],
    ))
    .await?;
    Ok((
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d1_a_ticket_scanned_with_either_gun_on_the_intake_page_opens_its_item() -> Result<()> {
    let mut app = App::counter("intake-scan", 4).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            // Wedge: a burst into the focused search field, none of it left there. WebDriver
            // can stall between two keys on a loaded machine (then the detector gives the keys
            // back as typing, by its contract): such a burst is cleared and typed again.
            let mut opened = false;
            for attempt in 1..=5 {
                let burst = format!("QT|A02{attempt}|20261206|W4|item=GA-HJ-0404|7f3k");
                wd(client.execute(
                    "const f = document.querySelector('[data-testid=item-search]');
                     f.value = ''; f.dispatchEvent(new Event('input', { bubbles: true })); f.focus();",
                    vec![],
                ))
                .await?;
                let search = wd(client.find(Locator::Css("[data-testid=item-search]"))).await?;
                wd(search.send_keys(&format!("{burst}{ENTER}"))).await?;
                let seen = std::cell::RefCell::new((String::new(), String::new()));
                let done = until(Duration::from_secs(5), "the wedge scan's item", || async {
                    let now = item_and_search(client).await?;
                    let ok = now.0.contains("购房入户");
                    *seen.borrow_mut() = now;
                    Ok(ok)
                })
                .await;
                let (item, field) = seen.into_inner();
                if done.is_ok() && field.is_empty() {
                    opened = true;
                    break;
                }
                eprintln!("e2e: wedge burst {attempt} stalled (item {item:?}, field {field:?}); typing it again");
            }
            ensure!(opened, "no wedge burst opened its item");

            // The citizen puts the card down: it fills the open case's applicant, which is
            // now work the clerk would lose.
            app.sim("card place resident")?;
            until(Duration::from_secs(10), "the card's name in the open case", || async {
                let v = wd(client.execute(
                    "const n = document.querySelector('[data-testid=applicant-name]');
                     return n ? n.value : '';",
                    vec![],
                ))
                .await?;
                Ok(!v.as_str().unwrap_or_default().is_empty())
            })
            .await?;

            // Serial: the scanner gun on its port. Another ticket over that work asks first
            // (E7); the clerk lets the unfinished case go and the new ticket's item opens.
            app.sim("scan QT|A031|20261206|W4|item=GA-HJ-0301|8b2c")?;
            until(Duration::from_secs(5), "the guard over the filled case", || async {
                Ok(wd(client.find_all(Locator::Css("[data-testid=leave-discard]")))
                    .await?
                    .len()
                    == 1)
            })
            .await
            .context("the serial scan over a filled case did not ask first")?;
            Hands::new(client).click("[data-testid=leave-discard]").await?;
            until(Duration::from_secs(5), "the serial scan's item", || async {
                Ok(item_and_search(client).await?.0.contains("户籍证明"))
            })
            .await
            .context("the serial scan did not open 户籍证明")?;
            let notice = wait_text(client, "[data-testid=intake-notice]", Duration::from_secs(2))
                .await
                .unwrap_or_default();
            eprintln!("e2e: after the serial scan: {notice}");

            // A receipt's QR (the case number) opens that case in the history.
            let mut h = Hands::new(client);
            option(&mut h, 1).await?;
            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            let case_no: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();
            app.sim(&format!("scan {case_no}"))?;
            let detail = wait_text(client, "[data-testid=case-detail]", Duration::from_secs(5))
                .await
                .context("the scanned receipt's case did not open")?;
            ensure!(detail.contains(&case_no), "case detail: {detail}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // Both scans are in the audit log with their source.
    let mut store = app.open_store()?;
    let sources: Vec<String> = {
        let mut stmt = store.conn().prepare(
            "SELECT json_extract(detail, '$.source') FROM audit_log WHERE action = 'camera.code' ORDER BY seq",
        )?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows
    };
    ensure!(
        sources.contains(&"scanner_keyboard".to_owned())
            && sources.contains(&"scanner_serial".to_owned()),
        "audited sources: {sources:?}"
    );
    Ok(())
}
