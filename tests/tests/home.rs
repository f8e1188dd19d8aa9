//! Issue 14 in the real app window: the workbench home (常办, 收藏 with the star, 按部门), the
//! card panel beside the applicant, the notice preview and the reprint from the result banner.
//! Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_e2e::clerk::Hands;
use yichuang_e2e::webdriver::{until, wait_text, wd};
use yichuang_e2e::{artifacts_dir, pdf_texts, App};

const ESCAPE: &str = "\u{e00c}";

/// How many elements match now.
async fn count(client: &Client, css: &str) -> Result<usize> {
    Ok(wd(client.find_all(Locator::Css(css))).await?.len())
}

/// Waits until `css` matches exactly `n` elements.
async fn wait_count(client: &Client, css: &str, n: usize) -> Result<()> {
    until(
        Duration::from_secs(5),
        &format!("{n} × {css}"),
        || async move { Ok(count(client, css).await? == n) },
    )
    .await?;
    Ok(())
}

/// Saves the window now as `.artifacts/e2e/<name>.png`, for a person to look at.
async fn snapshot(client: &Client, name: &str) {
    if let Ok(png) = wd(client.screenshot()).await {
        let _ = std::fs::write(artifacts_dir("e2e").join(format!("{name}.png")), png);
    }
}

/// Waits for the bar to say the notice is printed; an error shown instead is the failure.
async fn printed(client: &Client) -> Result<()> {
    until(
        Duration::from_secs(20),
        "the notice printed or refused",
        || async move {
            for css in ["[data-testid=intake-notice]", "[data-testid=intake-error]"] {
                if let Ok(el) = client.find(Locator::Css(css)).await {
                    if !el.text().await.unwrap_or_default().trim().is_empty() {
                        return Ok(true);
                    }
                }
            }
            Ok(false)
        },
    )
    .await?;
    if let Ok(el) = client
        .find(Locator::Css("[data-testid=intake-error]"))
        .await
    {
        let e = el.text().await.unwrap_or_default();
        ensure!(e.trim().is_empty(), "print refused: {e}");
    }
    Ok(())
}

async fn text(client: &Client, css: &str) -> Result<String> {
    let el = wd(client.find(Locator::Css(css)))
        .await
        .with_context(|| format!("no {css}"))?;
    wd(el.text()).await
}

/// The home after login: departments with counts, a department's items, a favourite added by
/// its star and removed again, an item opened from the home.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d3_home_departments_and_favourites() -> Result<()> {
    let mut app = App::counter("home-favourites", 6).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            let first = wait_text(
                client,
                "[data-testid=home-department]",
                Duration::from_secs(5),
            )
            .await
            .context("the first screen after login lists no department")?;
            let n: usize = text(client, "[data-testid=home-department-count]")
                .await?
                .trim_end_matches('项')
                .parse()
                .with_context(|| format!("department entry {first:?}: no count"))?;
            ensure!(n > 0, "department {first:?} with no item");
            h.click("[data-testid=home-department]").await?;
            wait_count(
                client,
                "[data-testid=home-department-items] [data-testid=home-item]",
                n,
            )
            .await
            .with_context(|| format!("{first}: {n} items announced"))?;

            // Star the department's first item: it joins the favourites; the star there
            // takes it out again.
            let code = wd(wd(client.find(Locator::Css(
                "[data-testid=home-department-items] [data-testid=home-item]",
            )))
            .await?
            .attr("data-code"))
            .await?
            .context("an item without a code")?;
            h.click("[data-testid=home-department-items] [data-testid=favourite-toggle]")
                .await?;
            let in_favourites = format!(
                "[data-testid=home-favourites] [data-testid=home-item][data-code='{code}']"
            );
            wait_count(client, &in_favourites, 1)
                .await
                .context("starred item not among the favourites")?;
            snapshot(client, "home-favourites-starred").await;
            h.click("[data-testid=home-favourites] [data-testid=favourite-toggle]")
                .await?;
            wait_count(client, &in_favourites, 0)
                .await
                .context("unstarred item still among the favourites")?;

            // An item opens from the home; the home gives way to the case.
            h.click("[data-testid=home-department-items] [data-testid=home-item]")
                .await?;
            wait_text(client, "[data-testid=intake-item]", Duration::from_secs(5)).await?;
            wait_count(client, "[data-testid=home]", 0).await?;
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// The card read shows beside the applicant (type, validity, source); the notice preview
/// opens and closes with Esc without printing; after the decision the banner reprints the
/// notice with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_card_panel_preview_and_reprint_from_the_banner() -> Result<()> {
    let mut app = App::counter("home-card", 7).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            app.sim("card place hk_macao_taiwan")?;
            h.type_in("[data-testid=item-search]", "hjzm").await?;
            wait_text(client, "[data-testid=item-hit]", Duration::from_secs(5)).await?;
            h.press("[data-testid=item-search]", yichuang_e2e::clerk::ENTER)
                .await?;
            wait_text(client, "[data-testid=intake-item]", Duration::from_secs(5)).await?;
            h.click("[data-testid=situation-option]:nth-of-type(1)")
                .await?;
            let kind = wait_text(
                client,
                "[data-testid=card-panel] [data-testid=id-card-kind]",
                Duration::from_secs(5),
            )
            .await
            .context("no card on the intake page")?;
            ensure!(kind == "港澳台居民居住证", "card type {kind:?}");
            let validity = text(
                client,
                "[data-testid=card-panel] [data-testid=id-card-validity]",
            )
            .await?;
            ensure!(validity.contains(" 至 "), "validity {validity:?}");
            let source = text(client, "[data-testid=card-panel-source]").await?;
            ensure!(source == "读卡", "source tag {source:?}");
            ensure!(
                count(client, "[data-testid=card-panel] .photo").await? == 1,
                "no photo slot"
            );

            wd(client.execute(
                "document.querySelector('[data-testid=intake-item]').scrollIntoView()",
                vec![],
            ))
            .await?;
            snapshot(client, "home-card-panel").await;

            // Preview: the notice's lines, nothing printed; Esc closes it.
            h.click("[data-testid=receive-all]").await?;
            h.click("[data-testid=preview-notice]").await?;
            let first = wait_text(
                client,
                "[data-testid=notice-preview-line]",
                Duration::from_secs(5),
            )
            .await
            .context("preview without lines")?;
            ensure!(
                first.contains("回执") || first.contains("通知书"),
                "preview title {first:?}"
            );
            snapshot(client, "home-card-preview").await;
            h.press("[data-testid=notice-preview-close]", ESCAPE)
                .await?;
            wait_count(client, "[data-testid=notice-preview]", 0)
                .await
                .context("Esc left the preview open")?;
            ensure!(
                pdf_texts(&app.ws.data_dir().join("a4-simulated"))
                    .map(|t| t.len())
                    .unwrap_or(0)
                    == 0,
                "the preview printed"
            );

            h.click("[data-testid=print-notice]").await?;
            printed(client).await?;
            h.click("[data-testid=decide]").await?;
            wait_text(client, "[data-testid=case-done]", Duration::from_secs(10)).await?;
            h.click("[data-testid=reprint-open]").await?;
            h.click("[data-testid=reprint-reason]").await?;
            let done = wait_text(
                client,
                "[data-testid=reprint-result]",
                Duration::from_secs(15),
            )
            .await
            .context("no reprint result by the banner")?;
            ensure!(done.contains("打印机卡纸"), "reprint result {done:?}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;
    let texts = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?;
    ensure!(
        texts.len() == 2,
        "{} notices printed (print + reprint)",
        texts.len()
    );
    Ok(())
}
