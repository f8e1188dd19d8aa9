//! Issue 18 (F3 server side): a window's material-flow package arrives as a `flow` record,
//! naming only cases the hall holds; the receiving end finds it by its number
//! (`GET /flows/{no}`, clerks with `issue`, who serve the whole hall) and signs for cases with
//! `flow_signoff` records; the sign-off is stored once, shows on the case, and reaches the
//! window that holds the case through its feed. On SQLite and, where `YICHUANG_TEST_PG_URL`
//! is set, PostgreSQL.

mod common;

use common::cases::{case, clerk, count, new_id, outcomes, record, ID};
use common::{databases, random_hall, Running, Ws};
use serde_json::{json, Value};

fn flow_record(kind: &str, payload: Value) -> Value {
    json!({ "id": new_id(), "kind": kind, "version": 1, "payload": payload })
}

fn package(no: &str, cases: &[(&str, &str)]) -> Value {
    json!({
        "no": no, "department": "汕尾市公安局", "clerk_id": "C001", "created_at": 1_764_990_200_000_i64,
        "cases": cases.iter().map(|(id, case_no)| json!({
            "case_id": id, "case_no": case_no,
            "materials": [{ "name": "居民身份证", "form": "原件", "pages": 1 }],
        })).collect::<Vec<_>>(),
    })
}

fn signoff(no: &str, case_id: &str, at: i64) -> Value {
    json!({ "flow_no": no, "case_id": case_id, "case_no": null, "clerk_id": "T-LS", "signed_at": at })
}

/// A hall with a 6-digit division code, as package numbers carry it.
fn digit_hall() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}

async fn flow_scenario(server: &Running) {
    let hall = digit_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let w7 = Ws::enroll(server, &hall, 7).await;
    let other = Ws::enroll(server, &random_hall(), 1).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (no_a, no_b) = (format!("A{tag}"), format!("B{tag}"));
    let (a, b) = (new_id(), new_id());
    let push = json!({ "records": [
        record(&a, case(&a, &no_a, "accepted", "张三", ID, "汕尾市公安局")),
        record(&b, case(&b, &no_b, "accepted", "李四", "441502198001011234", "汕尾市公安局")),
    ]});
    assert_eq!(w3.post_json("/api/v1/sync/push", &push).await.0, 200);
    let no = format!("WL{hall}20261206003001");

    // A package naming a case the hall does not hold, or malformed: refused per record.
    let bad = json!({ "records": [
        flow_record("flow", package(&no, &[(&a, &no_a), ("not-held", "X1")])),
        flow_record("flow", package(&format!("XX{hall}20261206003001"), &[(&a, &no_a)])),
        flow_record("flow_signoff", signoff(&no, &a, 5)),
    ]});
    let (status, acks) = w3.post_json("/api/v1/sync/push", &bad).await;
    assert_eq!(status, 200);
    assert_eq!(
        outcomes(&acks)
            .into_iter()
            .map(|(_, c)| c)
            .collect::<Vec<_>>(),
        vec![
            Some("flow_unknown".to_owned()),
            Some("invalid_flow".to_owned()),
            Some("flow_unknown".to_owned())
        ]
    );

    // The package of A and B, pushed twice: stored once.
    let made = flow_record("flow", package(&no, &[(&a, &no_a), (&b, &no_b)]));
    for _ in 0..2 {
        let (_, acks) = w3
            .post_json("/api/v1/sync/push", &json!({ "records": [made.clone()] }))
            .await;
        assert_eq!(outcomes(&acks)[0].0, "accepted", "{acks}");
    }
    assert_eq!(
        count(
            server,
            "SELECT count(*) FROM material_flow_cases WHERE flow_no = $1",
            &no
        )
        .await,
        2
    );

    // The receiving end: a clerk with `issue` of the department finds it; others do not.
    let receiver = clerk(server, &w7, &["issue"], "汕尾市公安局", "流转岗").await;
    let (status, view) = w7
        .get_with_session(&format!("/api/v1/flows/{no}"), &receiver)
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["from"], w3.id.as_str());
    assert_eq!(view["entries"].as_array().unwrap().len(), 2);
    let masked = view["entries"][0]["applicant"].as_str().unwrap();
    assert!(masked.contains('*') && !masked.contains(ID), "{masked}");
    assert!(view["entries"][0]["received_at"].is_null());
    let querier = clerk(server, &w7, &["query"], "汕尾市公安局", "窗口").await;
    let (status, body) = w7
        .get_with_session(&format!("/api/v1/flows/{no}"), &querier)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let (status, body) = w7
        .get_with_session(&format!("/api/v1/flows/WL{hall}20261206003999"), &receiver)
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("flow_unknown")));
    let (status, _) = w7
        .get_with_session("/api/v1/flows/not-a-number", &receiver)
        .await;
    assert_eq!(status, 400);
    // Another hall's workstation cannot see it, nor sign for it.
    let stranger = clerk(server, &other, &["issue"], "汕尾市公安局", "流转岗").await;
    let (status, _) = other
        .get_with_session(&format!("/api/v1/flows/{no}"), &stranger)
        .await;
    assert_eq!(status, 404);
    let (_, acks) = other
        .post_json(
            "/api/v1/sync/push",
            &json!({ "records": [flow_record("flow_signoff", signoff(&no, &a, 9))] }),
        )
        .await;
    assert_eq!(outcomes(&acks)[0].1.as_deref(), Some("flow_unknown"));

    // Signed for A at window 7 (twice: a retried record, then a second sign-off): once.
    let (_, feed) = w3.get_json("/api/v1/sync/case-events?after=0").await;
    let after = feed["last_seq"].as_i64().unwrap();
    let first = flow_record("flow_signoff", signoff(&no, &a, 1_764_990_300_000));
    let again = flow_record("flow_signoff", signoff(&no, &a, 1_764_990_400_000));
    for r in [&first, &first, &again] {
        let (_, acks) = w7
            .post_json("/api/v1/sync/push", &json!({ "records": [r] }))
            .await;
        assert_eq!(outcomes(&acks)[0].0, "accepted", "{acks}");
    }
    let (_, view) = w7
        .get_with_session(&format!("/api/v1/flows/{no}"), &receiver)
        .await;
    let entry = |v: &Value, id: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["case_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(entry(&view, &a)["received_at"], 1_764_990_300_000_i64);
    assert_eq!(entry(&view, &a)["received_by"], "T-LS");
    assert!(entry(&view, &b)["received_at"].is_null());

    // The window that holds A learns it through its feed, once; the progress is unchanged.
    let (_, feed) = w3
        .get_json(&format!("/api/v1/sync/case-events?after={after}"))
        .await;
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{feed}");
    assert_eq!(events[0]["case_id"], a.as_str());
    assert_eq!(events[0]["flow"], no.as_str());
    assert_eq!(events[0]["progress"], "received");
    assert_eq!(events[0]["source"], format!("flow:{}", w7.id));

    // The case view shows where its paper is.
    let looker = clerk(server, &w3, &["query"], "汕尾市公安局", "窗口").await;
    let (status, detail) = w3
        .get_with_session(&format!("/api/v1/cases/{no_a}"), &looker)
        .await;
    assert_eq!(status, 200);
    let flows = detail["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    assert_eq!(flows[0]["no"], no.as_str());
    assert_eq!(flows[0]["received_workstation"], w7.id.as_str());
    assert_eq!(flows[0]["materials"][0]["name"], "居民身份证");
}

#[tokio::test]
async fn f3_a_material_flow_package_is_found_by_its_number_and_signed_for_once() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        flow_scenario(&server).await;
        server.stop().await;
    }
}
