//! Issue 17: the hall's call screen in a real headless Chromium. A ticket issued at the
//! kiosk endpoint, a desk calls next through the API, and the screen shows the number with
//! the window within 1 s and announces it (again on recall).

mod common;

use std::time::{Duration, Instant};

use common::chromium::{Browser, HINT};
use common::queue::setup_hall;
use common::{any_port, Running};
use serde_json::json;
use yichuang_server::ServerConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn i17_the_call_screen_shows_and_announces_a_call_within_a_second() {
    if !yichuang_testkit::require_tools(&["chromedriver", "chromium"], HINT) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path().join("data"));
    config.auth.rate_limits.enroll_per_address.max = 1000;
    let server = Running::start(config).await;
    let hall = setup_hall(&server, &[(5, &["A"]), (6, &["A"])], &["intake"]).await;
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let (_, code, _) = yichuang_server::queue::admin::issue_device_code(
        &server.state.db,
        &hall.code,
        yichuang_server::queue::devices::DeviceKind::Screen,
        1,
        now,
    )
    .await
    .unwrap();

    let browser = Browser::start().await;
    // Unpaired, the screen sends the browser to pairing; the code pairs it.
    browser.goto(&server.url("/hall/screen")).await;
    assert!(
        browser.url().await.contains("/hall/pair"),
        "{}",
        browser.url().await
    );
    browser.pair(&server.base, &code, "/hall/screen").await;
    browser
        .wait_for("return document.body.dataset.connected === '1' && document.getElementById('calls') !== null", Duration::from_secs(10))
        .await
        .expect("the screen connects to its event stream");
    // The cookie is HttpOnly: the page cannot read it.
    assert_eq!(browser.eval("return document.cookie").await, json!(""));

    let ticket = hall.issue("A").await;
    assert_eq!(ticket["number"], "A001");
    browser
        .wait_for(
            "return document.getElementById('waiting').textContent.includes('1人')",
            Duration::from_secs(5),
        )
        .await
        .expect("the waiting count shows the new ticket");
    let desk = hall.desk(5);
    let (status, r) = desk.call_next().await;
    let called = Instant::now();
    assert_eq!(status, 200, "{r}");
    let shown = browser
        .wait_for(
            "const l = document.getElementById('last'); \
             const row = document.querySelector('#calls tr[data-window=\"5\"]'); \
             return l.dataset.number === 'A001' && l.dataset.window === '5' && row && row.dataset.number === 'A001' \
               && row.textContent.includes('5号窗口') && row.textContent.includes('A001');",
            Duration::from_secs(1),
        )
        .await;
    assert!(
        shown.is_some(),
        "A001 at window 5 not shown within 1 s of the call"
    );
    eprintln!("call → screen: {:?}", called.elapsed());
    let said = browser.eval("return window.__announcements").await;
    assert_eq!(said, json!(["请A001号到5号窗口办理"]));
    // A recall is announced again.
    assert_eq!(desk.act("recall", json!({})).await.0, 200);
    browser
        .wait_for(
            "return window.__announcements.length === 2",
            Duration::from_secs(2),
        )
        .await
        .expect("the recall is announced again");
    // A pause shows on the window's row.
    assert_eq!(
        hall.desk(6)
            .act("pause", json!({ "reason": "系统维护" }))
            .await
            .0,
        200
    );
    browser
        .wait_for("const r = document.querySelector('#calls tr[data-window=\"6\"]'); return r && r.textContent.includes('暂停服务');", Duration::from_secs(2))
        .await
        .expect("the pause shows");
    drop(browser);
    server.stop().await;
}

/// The kiosk (取号机) in a real headless Chromium: a touch on an item group issues one ticket,
/// shows it, and puts its slip (group, number, people ahead, time) to the printer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b6_the_kiosk_issues_shows_and_prints_a_ticket() {
    if !yichuang_testkit::require_tools(&["chromedriver", "chromium"], HINT) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path().join("data"));
    config.auth.rate_limits.enroll_per_address.max = 1000;
    let server = Running::start(config).await;
    let hall = setup_hall(&server, &[(5, &["A"])], &["intake"]).await;
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let (_, code, _) = yichuang_server::queue::admin::issue_device_code(
        &server.state.db,
        &hall.code,
        yichuang_server::queue::devices::DeviceKind::Kiosk,
        1,
        now,
    )
    .await
    .unwrap();
    let browser = Browser::start().await;
    browser.pair(&server.base, &code, "/hall/kiosk").await;
    browser
        .wait_for(
            "return document.querySelector('#groups button[data-group=\"A\"]') !== null",
            Duration::from_secs(10),
        )
        .await
        .expect("the kiosk lists the item groups");
    browser
        .eval("document.querySelector('#groups button[data-group=\"A\"]').click(); return true;")
        .await;
    browser
        .wait_for(
            "return document.getElementById('ticket').dataset.number === 'A001'",
            Duration::from_secs(5),
        )
        .await
        .expect("the kiosk shows the ticket");
    let slips = browser.eval("return window.__slips").await;
    let slip = slips[0].as_str().unwrap_or_default();
    assert!(
        slips.as_array().map(Vec::len) == Some(1)
            && slip.contains("A001")
            && slip.contains("社保")
            && slip.contains("前面还有 0 人"),
        "printed: {slips}"
    );
    drop(browser);
    server.stop().await;
}
