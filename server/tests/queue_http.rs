//! Issue 17: the hall's queue over real HTTP, on SQLite and (with the test cluster) on
//! PostgreSQL: tickets, the desk verbs and their errors, idempotent retries, events.

mod common;

use std::time::Duration;

use common::queue::{desk_events, pair_device, setup_hall, Hall};
use common::{client, databases, Running};
use serde_json::{json, Value};

/// Runs `scenario` on a fresh server per database.
macro_rules! on_every_database {
    ($scenario:ident) => {{
        let tmp = tempfile::tempdir().unwrap();
        for config in databases(tmp.path()) {
            let server = Running::start(config).await;
            $scenario(&server).await;
            server.stop().await;
        }
    }};
}

/// Windows 1 (A), 2 (A, B), 3 (B).
async fn hall(server: &Running) -> Hall {
    setup_hall(
        server,
        &[(1, &["A"]), (2, &["A", "B"]), (3, &["B"])],
        &["intake"],
    )
    .await
}

fn number(v: &Value) -> &str {
    v["ticket"]["number"].as_str().unwrap_or_default()
}

async fn tickets_scenario(server: &Running) {
    let h = hall(server).await;
    assert_eq!(h.issue("A").await["number"], "A001");
    assert_eq!(h.issue("A").await["number"], "A002");
    let b = h.issue("B").await;
    assert_eq!(
        (b["number"].as_str(), b["status"].as_str()),
        (Some("B001"), Some("waiting"))
    );
    // The same request id issues one ticket.
    let again = json!({ "group": "C", "request_id": "kiosk-click-1" });
    let (s1, t1) = h.issue_with(again.clone()).await;
    let (s2, t2) = h.issue_with(again).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(t1, t2);
    assert_eq!(h.issue("C").await["number"], "C002");
    // No such group; not a kiosk's cookie; no cookie.
    let (status, body) = h.issue_with(json!({ "group": "Z" })).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("queue_not_configured"))
    );
    let screen = pair_device(server, &h.code, "screen").await;
    let resp = client()
        .post(server.url("/api/v1/hall/tickets"))
        .header(reqwest::header::COOKIE, screen)
        .json(&json!({ "group": "A" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client()
        .post(server.url("/api/v1/hall/tickets"))
        .json(&json!({ "group": "A" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "device_unauthorized");
    assert!(body["message"].as_str().unwrap().contains("配对"));
}

#[tokio::test]
async fn i17_tickets_are_numbered_per_group_and_issued_once_per_request_id() {
    on_every_database!(tickets_scenario);
}

async fn priority_scenario(server: &Running) {
    let h = hall(server).await;
    let now = h.desk(1).ws.now_ms();
    h.issue("A").await; // A001 normal
    let (_, later) = h
        .issue_with(json!({ "group": "A", "priority": "appointment", "slot_start": now + 3_600_000, "slot_end": now + 7_200_000 }))
        .await; // A002: its slot is later
    let (_, inslot) = h
        .issue_with(json!({ "group": "A", "priority": "appointment", "slot_start": now - 60_000, "slot_end": now + 600_000 }))
        .await; // A003: within its slot
    let (_, green) = h
        .issue_with(json!({ "group": "A", "priority": "green" }))
        .await; // A004
    let d = h.desk(1);
    let mut order = Vec::new();
    for _ in 0..4 {
        let (status, r) = d.call_next().await;
        assert_eq!(status, 200, "{r}");
        order.push(number(&r).to_owned());
        let (status, _) = d.act("finish", json!({})).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        order,
        [
            green["number"].as_str().unwrap(),
            inslot["number"].as_str().unwrap(),
            "A001",
            later["number"].as_str().unwrap()
        ]
    );
    let (status, body) = d.call_next().await;
    assert_eq!((status, body["code"].as_str()), (404, Some("queue_empty")));
    assert_eq!(body["message"], "当前没有等候的号码");
}

#[tokio::test]
async fn i17_call_next_serves_green_channel_then_appointments_in_their_slot_then_issue_order() {
    on_every_database!(priority_scenario);
}

async fn retry_scenario(server: &Running) {
    let h = hall(server).await;
    h.issue("A").await;
    h.issue("A").await;
    let d = h.desk(1);
    let click = json!({ "request_id": "click-42" });
    let (s1, first) = d.verb("call-next", &click).await;
    let (s2, second) = d.verb("call-next", &click).await;
    assert_eq!((s1, s2), (200, 200), "{first} {second}");
    assert_eq!(number(&first), "A001");
    assert_eq!(first["replayed"], false);
    assert_eq!(second["replayed"], true);
    assert_eq!(first["ticket"], second["ticket"]);
    assert_eq!(first["event_id"], second["event_id"]);
    // Still one ticket called, the other waiting.
    let state = d.state().await;
    assert_eq!(state["current"]["number"], "A001");
    assert_eq!(state["waiting_count"], 1);
    // The id of a call-next reused for another verb is refused.
    let (status, body) = d.verb("finish", &click).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("queue_request_reused"))
    );
}

#[tokio::test]
async fn i17_a_retried_verb_returns_the_stored_result_and_never_calls_twice() {
    on_every_database!(retry_scenario);
}

async fn recall_scenario(server: &Running) {
    let h = hall(server).await;
    h.issue("A").await;
    let d = h.desk(1);
    let (_, called) = d.call_next().await;
    assert_eq!(number(&called), "A001");
    for n in 1..=3 {
        let (status, r) = d.act("recall", json!({})).await;
        assert_eq!(
            (status, r["outcome"].as_str()),
            (200, Some("recalled")),
            "{r}"
        );
        assert_eq!(r["ticket"]["recalls"], n);
    }
    let (status, r) = d.act("recall", json!({})).await;
    assert_eq!(
        (status, r["outcome"].as_str()),
        (200, Some("skipped")),
        "{r}"
    );
    assert_eq!(r["ticket"]["status"], "skipped");
    assert!(d.state().await["current"].is_null());
    let (status, r) = d.act("recall", json!({})).await;
    assert_eq!((status, r["code"].as_str()), (409, Some("queue_desk_idle")));
    // Skipped within the return period: 特呼 brings it back.
    let (status, r) = d.act("call", json!({ "ticket": "A001" })).await;
    assert_eq!(
        (status, r["ticket"]["status"].as_str()),
        (200, Some("called")),
        "{r}"
    );
    assert_eq!(r["ticket"]["recalls"], 0);
}

#[tokio::test]
async fn i17_recall_n_times_then_the_ticket_is_skipped_and_may_return_within_the_period() {
    on_every_database!(recall_scenario);
}

async fn transfer_scenario(server: &Running) {
    let h = hall(server).await;
    h.issue("A").await;
    h.issue("A").await;
    let (d1, d2, d3) = (h.desk(1), h.desk(2), h.desk(3));
    assert_eq!(number(&d1.call_next().await.1), "A001");
    // To window 3 (which does not serve A): only window 3 calls it, before its own B tickets.
    h.issue("B").await;
    let (status, r) = d1.act("transfer", json!({ "to_window": 3 })).await;
    assert_eq!(
        (status, r["outcome"].as_str()),
        (200, Some("transferred")),
        "{r}"
    );
    assert_eq!(r["ticket"]["target_window"], 3);
    assert_eq!(number(&d2.call_next().await.1), "A002");
    assert_eq!(number(&d3.call_next().await.1), "A001");
    // To a group: window 2's A002 to group B, window 3 (B) calls it.
    d3.act("finish", json!({})).await;
    let (status, _) = d2.act("transfer", json!({ "to_group": "B" })).await;
    assert_eq!(status, 200);
    assert_eq!(number(&d3.call_next().await.1), "A002");
    // Unknown targets.
    let (status, r) = d3.act("transfer", json!({ "to_window": 99 })).await;
    assert_eq!(
        (status, r["code"].as_str()),
        (409, Some("queue_not_configured"))
    );
    let (status, r) = d3
        .act("transfer", json!({ "to_window": 1, "to_group": "A" }))
        .await;
    assert_eq!((status, r["code"].as_str()), (400, Some("bad_request")));
}

#[tokio::test]
async fn i17_transfer_reaches_the_other_window_and_the_other_item_group() {
    on_every_database!(transfer_scenario);
}

/// The waiting count of each item group window 2 (A, B) serves, as its desk state shows it.
async fn waiting_counts(h: &Hall) -> Vec<(String, u64)> {
    let state = h.desk(2).state().await;
    state["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("groups: {state}"))
        .iter()
        .map(|g| {
            let code = g["code"].as_str().unwrap_or_default().to_owned();
            (code, g["waiting"].as_u64().unwrap_or(u64::MAX))
        })
        .collect()
}

fn counts(a: u64, b: u64) -> Vec<(String, u64)> {
    vec![("A".to_owned(), a), ("B".to_owned(), b)]
}

async fn counts_scenario(server: &Running) {
    let h = hall(server).await;
    h.issue("A").await;
    h.issue("A").await;
    h.issue("B").await;
    assert_eq!(waiting_counts(&h).await, counts(2, 1));
    let (d1, d2, d3) = (h.desk(1), h.desk(2), h.desk(3));
    // A call takes a ticket off its list; a retried call moves nothing.
    let click = json!({ "request_id": "count-click" });
    assert_eq!(number(&d1.verb("call-next", &click).await.1), "A001");
    assert_eq!(d1.verb("call-next", &click).await.1["replayed"], true);
    assert_eq!(waiting_counts(&h).await, counts(1, 1));
    // The called ticket transferred to group B waits there; window 2 calls it first (issued
    // first), then transfers it to window 1: still on B's list until called.
    d1.act("transfer", json!({ "to_group": "B" })).await;
    assert_eq!(waiting_counts(&h).await, counts(1, 2));
    assert_eq!(number(&d2.call_next().await.1), "A001");
    assert_eq!(waiting_counts(&h).await, counts(1, 1));
    let (status, r) = d2.act("transfer", json!({ "to_window": 1 })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(waiting_counts(&h).await, counts(1, 2));
    // A waiting ticket moved from B to A.
    let (status, r) = d3
        .act("transfer", json!({ "ticket": "B001", "to_group": "A" }))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(waiting_counts(&h).await, counts(2, 1));
    // A skipped ticket called back was not waiting: nothing moves.
    assert_eq!(number(&d1.call_next().await.1), "A001");
    assert_eq!(waiting_counts(&h).await, counts(2, 0));
    for _ in 0..=server.state.queue.config.recall_limit {
        d1.act("recall", json!({})).await;
    }
    assert_eq!(waiting_counts(&h).await, counts(2, 0));
    let (status, r) = d1.act("call", json!({ "ticket": "A001" })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(waiting_counts(&h).await, counts(2, 0));
    // Issued and called by number.
    h.issue("B").await;
    d1.act("finish", json!({})).await;
    let (status, r) = d3.act("call", json!({ "ticket": "B002" })).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(waiting_counts(&h).await, counts(2, 0));
    assert_eq!(h.desk(2).state().await["waiting_count"], 2);
}

#[tokio::test]
async fn i17_waiting_counts_follow_issue_call_transfer_and_skip() {
    on_every_database!(counts_scenario);
}

async fn errors_scenario(server: &Running) {
    let h = hall(server).await;
    let other = setup_hall(server, &[(1, &["A"])], &["intake"]).await;
    let foreign = other.issue("A").await;
    h.issue("A").await; // A001
    h.issue("B").await; // B001
    let (d1, d2) = (h.desk(1), h.desk(2));
    let expect = |r: (u16, Value), status: u16, code: &str| {
        assert_eq!((r.0, r.1["code"].as_str()), (status, Some(code)), "{}", r.1);
        assert!(!r.1["message"].as_str().unwrap_or_default().is_empty());
        r.1
    };
    let e = expect(
        d1.act("call", json!({ "ticket": "A999" })).await,
        404,
        "queue_ticket_unknown",
    );
    assert_eq!(e["message"], "该号码不存在，请核对号码");
    expect(
        d1.act("call", json!({ "ticket": foreign["id"] })).await,
        403,
        "queue_ticket_elsewhere",
    );
    expect(
        d1.act("call", json!({ "ticket": "B001" })).await,
        403,
        "queue_ticket_elsewhere",
    );
    expect(d1.act("call", json!({})).await, 400, "bad_request");
    assert_eq!(
        number(&d2.act("call", json!({ "ticket": "A001" })).await.1),
        "A001"
    );
    let e = expect(
        d1.act("call", json!({ "ticket": "A001" })).await,
        409,
        "queue_ticket_busy",
    );
    assert_eq!(e["message"], "该号码正在其他窗口办理");
    expect(d2.call_next().await, 409, "queue_desk_busy");
    d2.act("finish", json!({})).await;
    expect(
        d1.act("call", json!({ "ticket": "A001" })).await,
        409,
        "queue_ticket_done",
    );
    expect(d1.act("finish", json!({})).await, 409, "queue_desk_idle");
    expect(
        d1.verb("call-next", &json!({ "request_id": "" })).await,
        400,
        "bad_request",
    );
    // A desk verb without a clerk session, or unsigned.
    let bytes = serde_json::to_vec(&json!({ "request_id": "x1" })).unwrap();
    let resp = d1
        .ws
        .request(
            reqwest::Method::POST,
            "/api/v1/queue/desk/call-next",
            Some(&bytes),
        )
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client()
        .post(server.url("/api/v1/queue/desk/call-next"))
        .json(&json!({ "request_id": "x2" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let (status, _) = d1.act("no-such-verb", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn i17_tickets_unknown_busy_of_another_hall_or_group_get_typed_errors_in_chinese() {
    on_every_database!(errors_scenario);
}

async fn pause_attach_scenario(server: &Running) {
    let h = hall(server).await;
    h.issue("A").await;
    let d = h.desk(1);
    let mut events = desk_events(d, None).await;
    let snap = events.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(snap.event, "snapshot");
    let (status, _) = d.act("pause", json!({})).await;
    assert_eq!(status, 400);
    let (status, r) = d.act("pause", json!({ "reason": "午间休息" })).await;
    assert_eq!((status, r["outcome"].as_str()), (200, Some("paused")));
    let got = events.until("paused", Duration::from_secs(5)).await;
    assert_eq!(got.last().unwrap().data["reason"], "午间休息");
    let state = d.state().await;
    assert_eq!(
        (state["paused"].as_bool(), state["pause_reason"].as_str()),
        (Some(true), Some("午间休息"))
    );
    let (status, r) = d.call_next().await;
    assert_eq!(
        (status, r["code"].as_str()),
        (409, Some("queue_window_paused"))
    );
    assert_eq!(d.act("resume", json!({})).await.0, 200);
    events.until("resumed", Duration::from_secs(5)).await;
    let (_, called) = d.call_next().await;
    let called_at = called["ticket"]["called_at"].as_i64().unwrap();
    // 一号联办: several cases on the one ticket; finish adds the last and records timings.
    let (_, r) = d.act("attach", json!({ "cases": ["C-1", "C-2"] })).await;
    assert_eq!(r["ticket"]["cases"], json!(["C-1", "C-2"]));
    let (_, r) = d.act("attach", json!({ "cases": ["C-2"] })).await;
    assert_eq!(r["ticket"]["cases"], json!(["C-1", "C-2"]));
    let (status, r) = d.act("finish", json!({ "cases": ["C-3"] })).await;
    assert_eq!(status, 200);
    let t = &r["ticket"];
    assert_eq!(
        (t["status"].as_str(), t["cases"].clone()),
        (Some("finished"), json!(["C-1", "C-2", "C-3"]))
    );
    assert!(t["finished_at"].as_i64().unwrap() >= called_at);
    assert!(t["clerk_id"].as_str().unwrap().starts_with("T-"));
    // Reprint: same number.
    let (_, r) = d.act("reprint", json!({ "ticket": "A001" })).await;
    assert_eq!(
        (number(&r), r["ticket"]["reprints"].as_u64()),
        ("A001", Some(1))
    );
}

#[tokio::test]
async fn i17_pause_with_reason_resume_virtual_ticket_finish_and_reprint() {
    on_every_database!(pause_attach_scenario);
}

async fn resume_scenario(server: &Running) {
    let h = hall(server).await;
    let d = h.desk(1);
    let mut events = desk_events(d, None).await;
    let snap = events.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(snap.event, "snapshot");
    let start = snap.id.unwrap();
    h.issue("A").await;
    let got = events.until("issued", Duration::from_secs(5)).await;
    let seen = got.last().unwrap().id.unwrap();
    assert_eq!(seen, start + 1);
    drop(events);
    // Missed while disconnected: two tickets and a call.
    h.issue("A").await;
    h.issue("A").await;
    d.call_next().await;
    let mut events = desk_events(d, Some(seen)).await;
    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(events.next(Duration::from_secs(5)).await.unwrap());
    }
    let kinds: Vec<&str> = missed.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["issued", "issued", "called"]);
    let ids: Vec<i64> = missed.iter().map(|e| e.id.unwrap()).collect();
    assert_eq!(ids, [seen + 1, seen + 2, seen + 3]);
    assert_eq!(missed[2].data["ticket"]["number"], "A001");
    assert_eq!(missed[2].data["window"], 1);
    // Then live.
    d.act("recall", json!({})).await;
    let live = events.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!((live.event.as_str(), live.id), ("recalled", Some(seen + 4)));
}

#[tokio::test]
async fn i17_reconnect_with_last_event_id_gets_the_missed_events_then_live_ones() {
    on_every_database!(resume_scenario);
}

async fn devices_scenario(server: &Running) {
    let h = hall(server).await;
    let no_redirect = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .get(server.url("/hall/screen"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/hall/pair?next=screen");
    let page = no_redirect
        .get(server.url("/hall/pair"))
        .send()
        .await
        .unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("配对码"));
    let screen = pair_device(server, &h.code, "screen").await;
    let resp = no_redirect
        .get(server.url("/hall/screen"))
        .header("cookie", &screen)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("speechSynthesis"));
    // A kiosk page needs a kiosk.
    let resp = no_redirect
        .get(server.url("/hall/kiosk"))
        .header("cookie", &screen)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = no_redirect
        .get(server.url("/hall/kiosk"))
        .header("cookie", &h.kiosk)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The snapshot: numbers and windows only.
    h.issue("A").await;
    h.desk(1).call_next().await;
    let resp = client()
        .get(server.url("/api/v1/hall/snapshot"))
        .header("cookie", &screen)
        .send()
        .await
        .unwrap();
    let snap: Value = resp.json().await.unwrap();
    assert_eq!(snap["windows"][0]["current"]["number"], "A001");
    assert_eq!(snap["groups"][0]["name"], "社保");
    // A code works once; a wrong code is refused.
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let (id, code, _) = yichuang_server::queue::admin::issue_device_code(
        &server.state.db,
        &h.code,
        yichuang_server::queue::devices::DeviceKind::Screen,
        1,
        now,
    )
    .await
    .unwrap();
    let pair = |code: String| {
        let url = server.url("/api/v1/hall/pair");
        async move {
            client()
                .post(url)
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
        }
    };
    let first = pair(code.to_lowercase()).await;
    assert_eq!(first.status(), 200);
    let cookie = first.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let again = pair(code).await;
    assert_eq!(again.status(), 401);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["code"], "device_code_invalid");
    // Disabled: its cookie is refused.
    assert!(
        yichuang_server::queue::devices::disable(&server.state.db, &id)
            .await
            .unwrap()
    );
    let resp = client()
        .get(server.url("/api/v1/hall/snapshot"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn i17_hall_devices_pair_once_with_a_code_and_need_their_cookie() {
    on_every_database!(devices_scenario);
}
