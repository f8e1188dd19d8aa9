//! Issue 17 (B5, G2 server side): visits and ratings pushed through the sync become one
//! record with their ticket; bad ones get a typed per-record problem; figures per window,
//! clerk and item.

mod common;

use common::queue::setup_hall;
use common::{clerk_session, databases, Running};
use serde_json::{json, Value};

fn record(id: &str, kind: &str, version: i64, payload: Value) -> Value {
    json!({ "id": id, "kind": kind, "version": version, "payload": payload })
}

async fn scenario(server: &Running) {
    let h = setup_hall(server, &[(1, &["A"]), (2, &["A"])], &["intake"]).await;
    let d = h.desk(1);
    let ticket = h.issue("A").await;
    let (_, called) = d.call_next().await;
    let called_at = called["ticket"]["called_at"].as_i64().unwrap();
    let (_, finished) = d
        .act("finish", json!({ "cases": ["CASE-1", "CASE-2"] }))
        .await;
    let finished_at = finished["ticket"]["finished_at"].as_i64().unwrap();
    let visit_id = uuid::Uuid::now_v7().to_string();
    let visit = json!({
        "ticket_id": ticket["id"], "ticket_no": "A001", "mode": "hall", "called_at": called_at,
        "started_at": called_at + 1, "finished_at": finished_at, "clerk_id": "T-clerk",
        "cases": ["CASE-1", "CASE-2"]
    });
    let rating = |level: &str, reasons: Value, timed_out: bool| {
        json!({
            "visit_id": visit_id, "ticket_id": ticket["id"], "cases": ["CASE-1"], "clerk_id": "T-clerk",
            "item_codes": ["ITEM-9"], "level": level, "reasons": reasons, "timed_out": timed_out,
            "rated_at": finished_at + 10
        })
    };
    let (r1, r2, r3, bad1, bad2, bad3) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let push = json!({ "records": [
        record(&visit_id, "visit", 1, visit.clone()),
        record(&r1, "rating", 1, rating("very_satisfied", json!([]), false)),
        record(&r2, "rating", 1, rating("satisfied", json!([]), true)),
        record(&r3, "rating", 1, rating("dissatisfied", json!(["attitude", "competence"]), false)),
        record(&bad1, "rating", 1, rating("dissatisfied", json!([]), false)),
        record(&bad2, "rating", 1, rating("excellent", json!([]), false)),
        record(&bad3, "visit", 1, json!({ "mode": "hall" })),
        record(&uuid::Uuid::now_v7().to_string(), "visit", 1, json!({
            "ticket_id": null, "ticket_no": null, "mode": "walk_in", "called_at": null,
            "started_at": finished_at, "finished_at": null, "clerk_id": "T-clerk", "cases": []
        })),
    ]});
    let (status, acks) = d.ws.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200, "{acks}");
    let outcomes: Vec<(&str, Option<&str>)> = acks["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["outcome"].as_str().unwrap(), a["code"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("accepted", None),
            ("accepted", None),
            ("accepted", None),
            ("accepted", None),
            ("rejected", Some("invalid_rating")),
            ("rejected", Some("invalid_rating")),
            ("rejected", Some("invalid_visit")),
            ("accepted", None),
        ],
        "{acks}"
    );
    assert!(acks["acks"][4]["message"]
        .as_str()
        .unwrap()
        .contains("差评"));

    // One record: the ticket, its timings, the desk and clerk, the cases, the ratings.
    for key in ["A001", ticket["id"].as_str().unwrap()] {
        let (status, v) =
            d.ws.get_with_session(&format!("/api/v1/queue/visits/{key}"), &d.token)
                .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["ticket"]["number"], "A001");
        assert_eq!(v["ticket"]["status"], "finished");
        assert_eq!(v["visit"]["id"], visit_id.as_str());
        assert_eq!(v["visit"]["window"], 1);
        assert_eq!(v["visit"]["cases"], json!(["CASE-1", "CASE-2"]));
        assert_eq!(v["ratings"].as_array().unwrap().len(), 3);
        assert_eq!(
            v["ratings"][2]["reasons"],
            json!(["attitude", "competence"])
        );
    }
    let (status, v) =
        d.ws.get_with_session("/api/v1/queue/visits/A404", &d.token)
            .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("queue_ticket_unknown"))
    );
    // A newer version of the visit updates the table.
    let mut v2 = visit.clone();
    v2["cases"] = json!(["CASE-1", "CASE-2", "CASE-3"]);
    let (status, _) =
        d.ws.post_json(
            "/api/v1/sync/push",
            &json!({ "records": [record(&visit_id, "visit", 2, v2)] }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, v) =
        d.ws.get_with_session("/api/v1/queue/visits/A001", &d.token)
            .await;
    assert_eq!(v["visit"]["cases"].as_array().unwrap().len(), 3);

    // Today's figures of the desk's hall.
    let (status, f) =
        d.ws.get_with_session("/api/v1/queue/figures/today", &d.token)
            .await;
    assert_eq!(status, 200, "{f}");
    let w1 = f["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["window"] == 1)
        .unwrap()
        .clone();
    assert_eq!(
        (w1["calls"].as_u64(), w1["finished_visits"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(w1["ratings"]["total"], 3);
    assert_eq!(w1["ratings"]["timed_out"], 1);
    assert_eq!(w1["ratings"]["dissatisfied"], 1);

    // Rating figures: admins only.
    let (status, e) =
        d.ws.get_with_session("/api/v1/queue/ratings", &d.token)
            .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let admin = clerk_session(server, &h.desk(2).ws, &["admin"]).await;
    let (status, r) = h
        .desk(2)
        .ws
        .get_with_session("/api/v1/queue/ratings", &admin)
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["total"]["total"], 3);
    assert_eq!(r["by_clerk"][0]["key"], "T-clerk");
    assert_eq!(r["by_item"][0]["key"], "ITEM-9");
    assert_eq!(r["by_window"][0]["key"], "1");
    assert_eq!(r["by_window"][0]["counts"]["very_satisfied"], 1);
}

#[tokio::test]
async fn i17_visit_and_ratings_pushed_by_sync_form_one_record_with_the_ticket_and_figures() {
    let tmp = tempfile::tempdir().unwrap();
    for config in databases(tmp.path()) {
        let server = Running::start(config).await;
        scenario(&server).await;
        server.stop().await;
    }
}
