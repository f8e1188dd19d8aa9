//! Issue 14 in the real window: the counter as a clerk drives it by keyboard. Keys go to
//! whatever has the focus, as a person's keyboard does; every scenario checks where the focus
//! went. Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use std::time::Duration;
use yichuang_e2e::clerk::click_when_enabled;
use yichuang_e2e::webdriver::{switch_to_window_with, until, wait_attr, wait_text, wd};
use yichuang_e2e::{App, Ukey};

// WebDriver's codes for the keys a clerk presses (W3C WebDriver, "Keyboard actions").
const NULL: &str = "\u{e000}";
const ENTER: &str = "\u{e007}";
const ESCAPE: &str = "\u{e00c}";
const ALT: &str = "\u{e00a}";
const BACKSPACE: &str = "\u{e003}";
const F2: &str = "\u{e032}";
const F4: &str = "\u{e034}";
const F7: &str = "\u{e037}";
const F8: &str = "\u{e038}";
const F9: &str = "\u{e039}";
const F10: &str = "\u{e03a}";

const CASE_DONE: &str = "[data-testid=case-done]";

/// The clerk's keyboard: keys go to the focused element; each press is counted, typed text
/// (a query) is not.
struct Keyboard<'a> {
    client: &'a Client,
    keys: u32,
}

impl<'a> Keyboard<'a> {
    fn new(client: &'a Client) -> Self {
        Keyboard { client, keys: 0 }
    }

    /// One key (or chord, e.g. Alt+2) pressed where the focus is.
    async fn press(&mut self, key: &str) -> Result<()> {
        self.keys += 1;
        self.send(key).await
    }

    /// Text typed where the focus is (not counted as keys: the query, a PIN).
    async fn type_text(&mut self, text: &str) -> Result<()> {
        self.send(text).await
    }

    async fn send(&self, text: &str) -> Result<()> {
        let el = wd(self.client.active_element()).await?;
        wd(el.send_keys(text)).await
    }
}

/// The focused element's test id (or its nearest marked ancestor's), or its tag.
async fn focused(client: &Client) -> Result<String> {
    let v = client
        .execute(
            "const a = document.activeElement; if (!a || a === document.body) return 'body'; \
             const m = a.closest('[data-testid]'); return m ? m.dataset.testid : a.tagName",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// Waits for the focus to be on `testid`; the error names where it is instead.
async fn focus_on(client: &Client, testid: &str, after: &str) -> Result<()> {
    let r = until(Duration::from_secs(5), "the focus", || async move {
        Ok(focused(client).await? == testid)
    })
    .await;
    if r.is_err() {
        anyhow::bail!(
            "after {after} the focus is on {:?}, not {testid}",
            focused(client).await?
        );
    }
    Ok(())
}

/// Whether the element is wholly inside the viewport (where the clerk's eyes are).
async fn in_viewport(client: &Client, css: &str) -> Result<bool> {
    let v = client
        .execute(
            "const e = document.querySelector(arguments[0]); if (!e) return false; \
             const r = e.getBoundingClientRect(); \
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight",
            vec![serde_json::Value::String(css.into())],
        )
        .await?;
    Ok(v.as_bool().unwrap_or(false))
}

async fn value_of(client: &Client, css: &str) -> Result<String> {
    let el = wd(client.find(Locator::Css(css))).await?;
    Ok(wd(el.prop("value")).await?.unwrap_or_default())
}

/// Types the query into the focused search box (F2 selected its text), and waits until the
/// page has it: when the box already held the same text, it is first emptied, so the wait
/// sees this typing and not the old text (WebKitGTK's Send Keys returns before the page has
/// seen the keys).
async fn type_query(kb: &mut Keyboard<'_>, query: &str) -> Result<()> {
    let client = kb.client;
    if !value_of(client, "[data-testid=item-search]")
        .await?
        .is_empty()
    {
        kb.type_text(BACKSPACE).await?;
        until(
            Duration::from_secs(3),
            "an empty search box",
            || async move {
                Ok(value_of(client, "[data-testid=item-search]")
                    .await?
                    .is_empty())
            },
        )
        .await?;
    }
    kb.type_text(query).await?;
    until(
        Duration::from_secs(3),
        "the query in the field",
        || async move { Ok(value_of(client, "[data-testid=item-search]").await? == query) },
    )
    .await?;
    Ok(())
}

/// F2, the query, Enter once the first hit is `code`: one item search by keyboard.
async fn search_and_enter(kb: &mut Keyboard<'_>, query: &str, code: &str) -> Result<()> {
    let client = kb.client;
    kb.press(F2).await?;
    focus_on(client, "item-search", "F2").await?;
    type_query(kb, query).await?;
    wait_attr(
        client,
        "[data-testid=item-hit]",
        "data-code",
        Duration::from_secs(3),
        |c| c == code,
    )
    .await
    .with_context(|| format!("{query}: first hit is not {code}"))?;
    kb.press(ENTER).await
}

/// The item search by keyboard; the item is open.
async fn open_item(kb: &mut Keyboard<'_>, query: &str, code: &str) -> Result<()> {
    search_and_enter(kb, query, code).await?;
    wait_text(
        kb.client,
        "[data-testid=intake-item]",
        Duration::from_secs(5),
    )
    .await
    .context("the item did not open")?;
    Ok(())
}

/// The walk-in by keyboard alone, the card on the reader: F2, the query, Enter, a digit, F7,
/// F8, F10 — and after each key the focus is where the next key belongs. The printed notice
/// and the result show in the viewport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e5_keyboard_walk_in_in_seven_keys_focus_follows_the_flow() -> Result<()> {
    let mut app = App::counter("counter-keys", 21).await?;
    let client = &app.client;
    let resident = yichuang_drivers::idcard::simulator::sample_resident();
    let result = app
        .scenario(async {
            app.sim("card place resident")?;
            let mut kb = Keyboard::new(client);
            open_item(&mut kb, "hjzm", "GA-HJ-0301").await?;
            focus_on(client, "situation-option", "Enter on the hit").await?;

            kb.press("1").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(3)).await?;
            // The applicant came from the card, so the flow moves on to the materials.
            focus_on(client, "receive-all", "the answer").await?;
            let applicant = value_of(client, "[data-testid=applicant-name]").await?;
            ensure!(applicant == resident.name, "applicant: {applicant:?}");
            ensure!(
                !value_of(client, "[data-testid=item-search]")
                    .await?
                    .contains('1'),
                "the digit went into the search field"
            );

            kb.press(F7).await?;
            focus_on(client, "print-notice", "F7").await?;
            kb.press(F8).await?;
            let printed = wait_text(
                client,
                "[data-testid=decision] [data-testid=intake-notice]",
                Duration::from_secs(15),
            )
            .await
            .context("F8: no printed notice beside the decision bar")?;
            ensure!(printed.contains("已打印"), "after F8: {printed}");
            ensure!(
                in_viewport(client, "[data-testid=decision] [data-testid=intake-notice]").await?,
                "the printed notice is outside the viewport"
            );
            focus_on(client, "decide", "F8").await?;
            kb.press(F10).await?;
            let done = wait_text(client, CASE_DONE, Duration::from_secs(10)).await?;
            ensure!(done.contains("已受理"), "result: {done}");
            ensure!(
                in_viewport(client, CASE_DONE).await?,
                "the result banner is outside the viewport"
            );
            eprintln!(
                "e2e: keyboard walk-in in {} keys besides the query",
                kb.keys
            );
            ensure!(kb.keys <= 7, "the walk-in took {} keys", kb.keys);
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// Alt+2 with a question open goes to 暂存件 and answers nothing; another item over unsaved
/// work asks first (Esc keeps the case, F4 parks it); the parked time on the drafts page is
/// the time the citizen's clock shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e7_alt_keys_never_answer_and_unsaved_work_is_asked_about() -> Result<()> {
    let mut app = App::counter("counter-guard", 22).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            app.sim("card place resident")?;
            let mut kb = Keyboard::new(client);
            open_item(&mut kb, "hjzm", "GA-HJ-0301").await?;
            focus_on(client, "situation-option", "Enter on the hit").await?;

            // Alt+2: the drafts page, not option 2.
            kb.press(&format!("{ALT}2{NULL}")).await?;
            wait_text(client, "[data-testid=drafts-page]", Duration::from_secs(3))
                .await
                .context("Alt+2 did not open 暂存件")?;
            kb.press(&format!("{ALT}1{NULL}")).await?;
            wait_text(client, "[data-testid=situation]", Duration::from_secs(3)).await?;
            ensure!(
                wd(client.find(Locator::Css("[data-testid=situation-option]")))
                    .await
                    .is_ok()
                    && wd(client.find(Locator::Css("[data-testid=situation-name]")))
                        .await
                        .is_err(),
                "Alt+2 answered the question"
            );

            // Work on the case: answer, receive everything.
            click_when_enabled(client, "[data-testid=situation-option]:nth-of-type(1)").await?;
            focus_on(client, "receive-all", "the answer").await?;
            kb.press(F7).await?;
            focus_on(client, "print-notice", "F7").await?;

            // Another item: the guard asks, its park button focused; Esc keeps the case.
            open_item_expecting_guard(&mut kb, "购房入户", "GA-HJ-0404").await?;
            focus_on(client, "leave-park", "the guard opening").await?;
            kb.press(ESCAPE).await?;
            until(
                Duration::from_secs(3),
                "the guard to close",
                || async move {
                    Ok(wd(client.find(Locator::Css("[data-testid=leave-guard]")))
                        .await
                        .is_err())
                },
            )
            .await?;
            let item =
                wait_text(client, "[data-testid=intake-item]", Duration::from_secs(2)).await?;
            ensure!(
                item.contains("户籍证明"),
                "after Esc the open item is {item}"
            );
            let received = value_of(
                client,
                "[data-testid=material-row]:nth-of-type(1) [data-testid=material-received]",
            )
            .await?;
            ensure!(received != "missing", "Esc dropped the received materials");

            // Again, and F4 parks it: the new item opens, the old case is a draft.
            open_item_expecting_guard(&mut kb, "购房入户", "GA-HJ-0404").await?;
            kb.press(F4).await?;
            wait_attr(
                client,
                "[data-testid=intake-item]",
                "data-code",
                Duration::from_secs(5),
                |c| c == "GA-HJ-0404",
            )
            .await
            .context("F4 in the guard did not open the new item")?;
            kb.press(&format!("{ALT}2{NULL}")).await?;
            let row = wait_text(client, "[data-testid=draft-row]", Duration::from_secs(5))
                .await
                .context("the parked case is not on the drafts page")?;
            ensure!(row.contains("户籍证明"), "draft: {row}");

            // One clock: the parked time is the hall's time, as on the citizen's screen.
            let parked = hh_mm(&row).context("no time on the draft row")?;
            let clerk_window = wd(client.window()).await?;
            ensure!(
                switch_to_window_with(client, "[data-testid=citizen-idle]", Duration::from_secs(3))
                    .await?,
                "no citizen window"
            );
            let clock = wait_text(
                client,
                "[data-testid=citizen-clock]",
                Duration::from_secs(3),
            )
            .await?;
            wd(client.switch_to_window(clerk_window)).await?;
            let shown = hh_mm(&clock).context("no time on the citizen clock")?;
            // Either may be a minute ahead (the clock ticks every few seconds).
            let d = (shown as i64 - parked as i64).rem_euclid(24 * 60);
            let apart = d.min(24 * 60 - d);
            ensure!(
                apart <= 2,
                "draft parked at {row:?}, citizen clock shows {clock:?}"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result
}

/// The item search by keyboard with a half-done case open: the guard asks.
async fn open_item_expecting_guard(kb: &mut Keyboard<'_>, query: &str, code: &str) -> Result<()> {
    search_and_enter(kb, query, code).await?;
    wait_text(
        kb.client,
        "[data-testid=leave-guard]",
        Duration::from_secs(5),
    )
    .await
    .context("another item over unsaved work did not ask")?;
    Ok(())
}

/// Minutes since midnight of the first `hh:mm` in a text.
fn hh_mm(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(4)).find_map(|i| {
        let d = |j: usize| (b[j] as char).to_digit(10);
        if b[i + 2] != b':' || (i > 0 && b[i - 1].is_ascii_digit()) {
            return None;
        }
        Some((d(i)? * 10 + d(i + 1)?) * 60 + d(i + 3)? * 10 + d(i + 4)?)
    })
}

/// A refused F8 says why beside the bar and leaves nothing behind: no draft, no case, nothing
/// counted; F10 before F8 says to print first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e6_refused_print_leaves_no_draft_and_f10_first_says_why() -> Result<()> {
    let mut app = App::counter("counter-refused", 23).await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            app.sim("card place resident")?;
            let mut kb = Keyboard::new(client);
            open_item(&mut kb, "hjzm", "GA-HJ-0301").await?;
            kb.press("1").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(3)).await?;

            // F10 before any notice: told, next to the bar.
            kb.press(F10).await?;
            let warning = wait_text(
                client,
                "[data-testid=decision-warning]",
                Duration::from_secs(3),
            )
            .await
            .context("F10 before F8 said nothing")?;
            ensure!(warning.contains("F8"), "F10 first: {warning}");
            ensure!(
                in_viewport(client, "[data-testid=decision-warning]").await?,
                "the warning is outside the viewport"
            );

            // 不予受理 without a reason: refused, beside the bar.
            click_when_enabled(client, "[data-testid=kind-reject]").await?;
            kb.press(F8).await?;
            let refused = wait_text(
                client,
                "[data-testid=decision] [data-testid=intake-error]",
                Duration::from_secs(5),
            )
            .await
            .context("the refused print said nothing beside the bar")?;
            ensure!(refused.contains("理由"), "refused print: {refused}");
            ensure!(
                in_viewport(client, "[data-testid=decision] [data-testid=intake-error]").await?,
                "the refusal is outside the viewport"
            );
            let total =
                wait_text(client, "[data-testid=today-total]", Duration::from_secs(3)).await?;
            ensure!(
                total.trim() == "0",
                "today's total after a refused print: {total}"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result?;
    // Nothing in the store either.
    let mut store = app.open_store()?;
    let cases: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM cases", [], |r| r.get(0))?;
    ensure!(cases == 0, "{cases} case rows after a refused print");
    Ok(())
}

/// The lock locks (A5): the PIN box takes the focus, typing lands there and nowhere else, F9
/// opens nothing, the case is out of sight; unlocked, the case is there and no stale message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_lock_takes_the_focus_and_lets_nothing_through() -> Result<()> {
    let mut app = App::builder("counter-lock")
        .window(24)
        .config(|c| c.hall.code = Some("441500".into()))
        .ukey(Ukey::Skf)
        .auth_server(
            "id,name,department,post,permissions\nT-QQ,钱七,区政务服务中心,综合窗口,accept\n",
            &[("T-QQ", "skf/clerk.pem")],
        )
        .simulator_control()
        .start()
        .await?;
    let client = &app.client;
    let resident = yichuang_drivers::idcard::simulator::sample_resident();
    let result = app
        .scenario(async {
            let key = |cmd: &str| yichuang_e2e::skf_key(app.keys()?, cmd);
            app.login("钱七").await?;
            app.sim("card place resident")?;
            let mut kb = Keyboard::new(client);
            open_item(&mut kb, "hjzm", "GA-HJ-0301").await?;
            kb.press("1").await?;
            focus_on(client, "receive-all", "the answer").await?;
            let query_before = value_of(client, "[data-testid=item-search]").await?;

            key("remove")?;
            wait_text(client, "[data-testid=lock-screen]", Duration::from_secs(10))
                .await
                .context("not locked after pulling the key")?;
            focus_on(client, "unlock-pin", "the lock").await?;
            ensure!(
                !wd(client.find(Locator::Css("[data-testid=applicant-name]")))
                    .await?
                    .is_displayed()
                    .await?,
                "the citizen's name is visible behind the lock"
            );

            // Typing and F9 under the lock: the PIN box gets the letters, nothing else moves.
            kb.type_text("ab").await?;
            kb.press(F9).await?;
            kb.type_text("c").await?;
            until(
                Duration::from_secs(3),
                "the letters in the PIN box",
                || async move { Ok(value_of(client, "[data-testid=unlock-pin]").await? == "abc") },
            )
            .await
            .context("typing under the lock did not land in the PIN box")?;
            ensure!(
                wd(client.find(Locator::Css("[data-testid=device-panel]")))
                    .await
                    .is_err(),
                "F9 opened the device panel under the lock"
            );
            ensure!(
                value_of(client, "[data-testid=item-search]").await? == query_before,
                "typing under the lock reached the search field"
            );

            // Back in, the PIN: the case is as it was, and nothing says 锁定 any more.
            key("insert")?;
            // The PIN as a person types it: digits, then Enter once they are in the box (typed
            // with Enter at machine speed it is a scanner's burst, which never reaches a field).
            kb.type_text(&BACKSPACE.repeat(3)).await?;
            until(Duration::from_secs(3), "an empty PIN box", || async move {
                Ok(value_of(client, "[data-testid=unlock-pin]")
                    .await?
                    .is_empty())
            })
            .await?;
            let pin = app.pin()?;
            kb.type_text(&pin).await?;
            let typed = pin.as_str();
            until(
                Duration::from_secs(3),
                "the PIN in the box",
                || async move { Ok(value_of(client, "[data-testid=unlock-pin]").await? == typed) },
            )
            .await?;
            kb.press(ENTER).await?;
            until(Duration::from_secs(10), "the lock to go", || async move {
                Ok(wd(client.find(Locator::Css("[data-testid=lock-screen]")))
                    .await
                    .is_err())
            })
            .await
            .context("still locked after re-insert and PIN")?;
            let applicant = value_of(client, "[data-testid=applicant-name]").await?;
            ensure!(
                applicant == resident.name,
                "case after unlock: {applicant:?}"
            );
            for css in ["[data-testid=intake-error]", "[data-testid=intake-notice]"] {
                if let Ok(el) = wd(client.find(Locator::Css(css))).await {
                    let text = el.text().await.unwrap_or_default();
                    ensure!(!text.contains("锁定"), "stale message after unlock: {text}");
                }
            }
            Ok(())
        })
        .await;
    app.close().await;
    result
}
