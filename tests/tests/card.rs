//! Issue 16 (C1, C2) in the real window. C1: the card photo decoded by the vendor-ABI decoder
//! library (the repo's test library `yichuang-wlt-sim`, in the `yichuang-wlt-helper` process)
//! shows on the intake page; a decoder that crashes or hangs leaves the app working with a
//! Chinese message, and the next card's photo shows again. C2: an expired ID card on the
//! reader is refused as the applicant's identity with 「身份证已过期」; the clerk takes it
//! where the law allows with a reason, the case is accepted, and the override is in the audit
//! log with that reason.

use anyhow::{ensure, Context, Result};
use std::time::Duration;
use yichuang_e2e::clerk::{option, pick, print_and_decide, remove_card, Hands};
use yichuang_e2e::webdriver::{until, wait_text, wd};
use yichuang_e2e::App;

const PHOTO: &str = "[data-testid=card-panel] [data-testid=id-card-photo]";
const PHOTO_ERROR: &str = "[data-testid=card-panel] [data-testid=id-card-photo-error]";

async fn shown(client: &fantoccini::Client, css: &str) -> bool {
    client.find(fantoccini::Locator::Css(css)).await.is_ok()
}

/// Waits for the card panel's photo (and no message in its place); returns its `src`.
async fn photo_shown(client: &fantoccini::Client, within: Duration) -> Result<String> {
    until(within, "the card photo on the intake page", || async {
        Ok(shown(client, PHOTO).await && !shown(client, PHOTO_ERROR).await)
    })
    .await?;
    Ok(wd(wd(client.find(fantoccini::Locator::Css(PHOTO)))
        .await?
        .attr("src"))
    .await?
    .unwrap_or_default())
}

/// Waits for a message saying `want` in the photo's place (and no photo); returns it.
async fn photo_refused(
    client: &fantoccini::Client,
    want: &str,
    within: Duration,
) -> Result<String> {
    let last = std::cell::RefCell::new(String::new());
    until(within, "the photo slot's message", || async {
        if shown(client, PHOTO).await {
            return Ok(false);
        }
        let el = wd(client.find(fantoccini::Locator::Css(PHOTO_ERROR))).await?;
        *last.borrow_mut() = wd(el.text()).await?;
        Ok(last.borrow().contains(want))
    })
    .await
    .with_context(|| format!("last message: {:?}", last.borrow()))?;
    Ok(last.into_inner())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_the_card_photo_shows_on_the_intake_page_and_a_crashing_or_hanging_decoder_leaves_the_app_working(
) -> Result<()> {
    let decoder = yichuang_e2e::app_bin().with_file_name(format!(
        "{}yichuang_wlt_sim{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    ensure!(
        decoder.is_file(),
        "{} missing: `make app` builds the test decoder library",
        decoder.display()
    );
    let path = decoder.display().to_string();
    let mut app = App::counter_with("card-photo", 7, move |b| {
        b.config(move |c| c.devices.id_card.photo_decoder = Some(path))
    })
    .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            app.sim("card place resident")?;
            let src = photo_shown(client, Duration::from_secs(10)).await?;
            ensure!(
                src.starts_with("data:image/"),
                "the photo is not an image: {}",
                &src[..src.len().min(40)]
            );
            let size = wd(client.execute(
                "const i = document.querySelector('[data-testid=card-panel] [data-testid=id-card-photo]');
                 return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null;",
                vec![],
            ))
            .await?;
            ensure!(size == serde_json::json!([102, 126]), "photo size: {size}");

            // A decoder that aborts, then one that never returns: a Chinese message in the
            // photo's place, the card's data still shown, and the app goes on.
            let holder = yichuang_drivers::idcard::simulator::sample_resident().name;
            for (sample, want) in [("photo_crash", "解码失败"), ("photo_hang", "解码超时")] {
                remove_card(&app).await?;
                app.sim(&format!("card place {sample}"))?;
                let message = photo_refused(client, want, Duration::from_secs(15))
                    .await
                    .with_context(|| format!("{sample}: no message saying {want}"))?;
                ensure!(
                    message.contains("其他信息不受影响"),
                    "{sample}: the message does not say the card's data stands: {message}"
                );
                let panel =
                    wait_text(client, "[data-testid=card-panel]", Duration::from_secs(3)).await?;
                ensure!(panel.contains(&holder), "{sample}: the card's data is gone: {panel}");
            }
            // The next card's photo shows again (a fresh helper process per card).
            remove_card(&app).await?;
            app.sim("card place resident")?;
            photo_shown(client, Duration::from_secs(10))
                .await
                .context("no photo after the faulty decoders")?;
            Ok(())
        })
        .await;
    app.close().await;
    result
}

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
