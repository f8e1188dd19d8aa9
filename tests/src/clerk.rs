//! The clerk at the window, as the E2E scenarios drive them: PKCS#11 login, and every click,
//! typed entry and key press counted, so a scenario can bound the actions a task takes.

use crate::webdriver::{click, until, wait_attr, wait_text, wd};
use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

/// Clicks once the element is enabled (a button waiting for typed input to apply).
pub async fn click_when_enabled(client: &Client, css: &str) -> Result<()> {
    until(
        Duration::from_secs(5),
        &format!("{css} to be enabled"),
        || async move {
            let el = wd(client.find(Locator::Css(css))).await?;
            Ok(el.attr("disabled").await?.is_none() && el.is_enabled().await.unwrap_or(false))
        },
    )
    .await?;
    click(client, css).await
}

/// Picks `who`'s certificate in the login view's dropdown.
pub async fn choose_certificate(client: &Client, who: &str) -> Result<()> {
    // Element Plus keeps every dropdown's options in the DOM; take the displayed one.
    let xpath = format!("//li[contains(@class,'el-select-dropdown__item')][contains(., '{who}')]");
    let xpath = xpath.as_str();
    let shown = || async move {
        let text = wd(client.find(Locator::Css("[data-testid=login-cert]")))
            .await?
            .text()
            .await
            .unwrap_or_default();
        Ok::<bool, anyhow::Error>(text.contains(who))
    };
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        click(client, "[data-testid=login-cert]").await?;
        // The dropdown opens: click the displayed option once it is there…
        let picked = until(Duration::from_secs(2), "the option", || async move {
            for option in client
                .find_all(Locator::XPath(xpath))
                .await
                .unwrap_or_default()
            {
                if option.is_displayed().await.unwrap_or(false) && option.click().await.is_ok() {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await;
        // …and the select shows it.
        if picked.is_ok()
            && until(Duration::from_secs(2), "the choice", shown)
                .await
                .is_ok()
        {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "could not choose the certificate of {who} (shown: {})",
            wd(client.find(Locator::Css("[data-testid=login-cert]")))
                .await?
                .text()
                .await
                .unwrap_or_default()
        );
    }
}

/// Logs in with `who`'s certificate and the PIN.
pub async fn login_with(client: &Client, who: &str, pin: &str) -> Result<()> {
    choose_certificate(client, who).await?;
    let pin_box = wd(client.find(Locator::Css("input[data-testid=login-pin]"))).await?;
    wd(pin_box.clear()).await?;
    wd(pin_box.send_keys(pin)).await?;
    click_when_enabled(client, "[data-testid=login-submit]").await
}

/// The WebDriver key for Enter.
pub const ENTER: &str = "\u{e007}";

/// A clerk's hands on the window: each click, typed entry or key press is one action.
pub struct Hands<'a> {
    pub client: &'a Client,
    actions: u32,
}

impl<'a> Hands<'a> {
    pub fn new(client: &'a Client) -> Self {
        Hands { client, actions: 0 }
    }

    pub fn actions(&self) -> u32 {
        self.actions
    }

    pub fn reset(&mut self) {
        self.actions = 0;
    }

    /// One click (waits up to 5 s for the element to be enabled).
    pub async fn click(&mut self, css: &str) -> Result<()> {
        self.actions += 1;
        click_when_enabled(self.client, css)
            .await
            .with_context(|| format!("action {}: click {css}", self.actions))
    }

    /// Typing a text into a field: one action, however many letters.
    pub async fn type_in(&mut self, css: &str, text: &str) -> Result<()> {
        self.actions += 1;
        let el = wd(self.client.find(Locator::Css(css)))
            .await
            .with_context(|| format!("action {}: no field {css}", self.actions))?;
        wd(el.clear()).await.ok();
        wd(el.send_keys(text)).await?;
        // WebKitGTK's driver returns from Send Keys before the page has seen every key of a
        // non-ASCII text; the next click could act on the field half typed (a reject reason
        // typed but not yet in the form). Wait until the field holds what was typed.
        until(
            Duration::from_secs(5),
            &format!("{css} to hold the typed text"),
            || {
                let el = el.clone();
                async move {
                    Ok(match wd(el.prop("value")).await? {
                        Some(v) => v.ends_with(text),
                        None => true,
                    })
                }
            },
        )
        .await?;
        Ok(())
    }

    /// One key press into a field (e.g. [`ENTER`]).
    pub async fn press(&mut self, css: &str, key: &str) -> Result<()> {
        self.actions += 1;
        let el = wd(self.client.find(Locator::Css(css))).await?;
        wd(el.send_keys(key)).await?;
        Ok(())
    }

    /// Chooses `value` in a native `<select>`: one action.
    pub async fn select(&mut self, select_css: &str, value: &str) -> Result<()> {
        self.actions += 1;
        let option = format!("{select_css} option[value='{value}']");
        let el = wd(self.client.find(Locator::Css(&option)))
            .await
            .with_context(|| format!("no option {option}"))?;
        wd(el.click()).await?;
        Ok(())
    }
}

/// The banner of a decided case.
pub const CASE_DONE: &str = "[data-testid=case-done]";

/// The search field's current value.
pub async fn search_value(client: &Client) -> Result<String> {
    let el = wd(client.find(Locator::Css("[data-testid=item-search]"))).await?;
    Ok(wd(el.prop("value")).await?.unwrap_or_default())
}

/// Picks an item by a search text and the first hit; two actions (a third only if the window
/// missed the Enter, which the test then reports).
pub async fn pick(h: &mut Hands<'_>, text: &str, code: &str) -> Result<()> {
    h.type_in("[data-testid=item-search]", text).await?;
    // The hit list also shows recent items while the field is empty: wait for the typed text
    // itself, then for its first hit.
    let client = h.client;
    until(
        Duration::from_secs(3),
        "the typed text in the search field",
        || async move { Ok(search_value(client).await? == text) },
    )
    .await
    .with_context(|| format!("typed {text:?}, the search field holds something else"))?;
    let r = wait_attr(
        h.client,
        "[data-testid=item-hit]",
        "data-code",
        Duration::from_secs(3),
        |c| c == code,
    )
    .await;
    r.with_context(|| format!("{text}: first hit is not {code}"))?;
    h.press("[data-testid=item-search]", ENTER).await?;
    if wait_text(
        h.client,
        "[data-testid=intake-item]",
        Duration::from_secs(5),
    )
    .await
    .is_err()
    {
        eprintln!(
            "e2e: {text}: no item 5 s after Enter (field {:?}); pressing Enter again",
            search_value(h.client).await.unwrap_or_default()
        );
        h.press("[data-testid=item-search]", ENTER).await?;
        wait_text(
            h.client,
            "[data-testid=intake-item]",
            Duration::from_secs(5),
        )
        .await?;
    }
    Ok(())
}

pub async fn option(h: &mut Hands<'_>, n: usize) -> Result<()> {
    h.click(&format!("[data-testid=situation-option]:nth-of-type({n})"))
        .await?;
    wait_text(
        h.client,
        "[data-testid=material-row]",
        Duration::from_secs(3),
    )
    .await?;
    Ok(())
}

/// Prints the notice and confirms; returns the done banner's text.
pub async fn print_and_decide(h: &mut Hands<'_>) -> Result<String> {
    h.click("[data-testid=print-notice]").await?;
    // Either the bar says the notice is printed or it shows why not; the failure names which.
    let client = h.client;
    let shown = |css: &'static str| async move {
        match client.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    };
    until(
        Duration::from_secs(15),
        "the print's notice or error",
        || async move {
            Ok(
                !shown("[data-testid=intake-notice]").await.trim().is_empty()
                    || !shown("[data-testid=intake-error]").await.trim().is_empty(),
            )
        },
    )
    .await
    .context("notice not printed")?;
    let error = shown("[data-testid=intake-error]").await;
    ensure!(error.trim().is_empty(), "intake error: {error}");
    h.click("[data-testid=decide]").await?;
    wait_text(h.client, CASE_DONE, Duration::from_secs(10))
        .await
        .context("no decision banner")
}

/// Types `pin` into the PIN box and submits. The view clears the box after a wrong PIN, which
/// may land just after the answer is shown: type again until the box holds the PIN.
pub async fn submit_pin(client: &Client, field: &str, submit: &str, pin: &str) -> Result<()> {
    let css = format!("input[data-testid={field}]");
    let css = css.as_str();
    let submit = format!("[data-testid={submit}]");
    for attempt in 1..=3 {
        until(
            Duration::from_secs(10),
            "the PIN in its box",
            || async move {
                let pin_box = wd(client.find(Locator::Css(css))).await?;
                if wd(pin_box.prop("value")).await?.unwrap_or_default() == pin {
                    return Ok(true);
                }
                wd(pin_box.clear()).await?;
                wd(pin_box.send_keys(pin)).await?;
                Ok(wd(pin_box.prop("value")).await?.unwrap_or_default() == pin)
            },
        )
        .await?;
        match click_when_enabled(client, &submit).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt == 3 => return Err(e),
            Err(_) => eprintln!("e2e: the PIN box was cleared after typing; typing again"),
        }
    }
    Ok(())
}

/// Takes the card off the reader and waits until the intake page's card panel says so, so the
/// next card placed is a new read (a card put back within one poll of the reader is not).
pub async fn remove_card(app: &crate::App) -> Result<()> {
    app.sim("card remove")?;
    until(Duration::from_secs(5), "the card taken off", || async {
        let text = wait_text(
            &app.client,
            "[data-testid=card-panel-where]",
            Duration::from_secs(1),
        )
        .await?;
        Ok(text.contains("已取走"))
    })
    .await?;
    Ok(())
}
