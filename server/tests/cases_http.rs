//! Issue 18 (I1, I2, H1 server side): decided cases pushed by the workstations become the
//! hall's case record, found by number, ID number or name under the clerk's permissions; a
//! case number held by another case is kept aside, never merged; an approval system reports
//! progress with its token and the workstation that holds the case pulls it. On SQLite and,
//! where `YICHUANG_TEST_PG_URL` is set, PostgreSQL.

mod common;

use common::cases::{case, clerk, count, new_id, outcomes, record, ID};
use common::{databases, random_hall, Running, Ws};
use serde_json::{json, Value};

async fn found(ws: &Ws, token: &str, query: &str) -> (u16, Vec<String>) {
    let (status, body) = ws
        .get_with_session(&format!("/api/v1/cases?{query}"), token)
        .await;
    let nos = body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["case_no"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (status, nos)
}

async fn record_scenario(server: &Running) {
    let hall = random_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let w7 = Ws::enroll(server, &hall, 7).await;
    let other = Ws::enroll(server, &random_hall(), 1).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (no_a, no_b) = (format!("A{tag}"), format!("B{tag}"));
    let (a, b, clash, bad) = (new_id(), new_id(), new_id(), new_id());
    // L2: a's 居民身份证 was received as an electronic licence; the record keeps which.
    let licence = yichuang_pki::ident::LicenceId::new(
        "11100000000013338W001",
        &yichuang_pki::ident::Uscc::parse("11100000000013338W").unwrap(),
        "2019000123",
        1,
    )
    .unwrap()
    .to_string();
    let mut case_a = case(&a, &no_a, "accepted", "张三", ID, "汕尾市公安局");
    case_a["draft"]["materials"][0]["received"] = json!("electronic");
    case_a["draft"]["materials"][0]["licence"] = json!({ "identifier": licence });
    let push = json!({ "records": [
        record(&a, case_a),
        record(&b, case(&b, &no_b, "rejected", "张三", ID, "汕尾市公安局")),
        record(&clash, case(&clash, &no_a, "accepted", "王五", "441502197001010011", "汕尾市公安局")),
        record(&bad, json!({ "id": bad, "state": "accepted" })),
    ]});
    let (status, acks) = w3.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200, "{acks}");
    let want = vec![
        ("accepted".to_owned(), None),
        ("accepted".to_owned(), None),
        ("rejected".to_owned(), Some("case_no_clash".to_owned())),
        ("rejected".to_owned(), Some("invalid_case".to_owned())),
    ];
    assert_eq!(outcomes(&acks), want);
    // The same push again: the same answers, nothing doubled; the clash kept once.
    let (_, again) = w3.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(outcomes(&again), want);
    assert_eq!(
        count(
            server,
            "SELECT count(*) FROM cases WHERE case_no = $1",
            &no_a
        )
        .await,
        1
    );
    assert_eq!(
        count(
            server,
            "SELECT count(*) FROM case_clashes WHERE case_no = $1",
            &no_a
        )
        .await,
        1
    );
    assert_eq!(
        count(server, "SELECT count(*) FROM cases WHERE id = $1", &clash).await,
        0
    );
    // No clear identity in the case tables.
    let clear = count(
        server,
        "SELECT count(*) FROM cases WHERE applicant_masked LIKE '%' || $1 || '%' OR applicant_id_index = $1",
        ID,
    )
    .await;
    assert_eq!(clear, 0);

    // Window 7 finds window 3's cases, by number, by ID number however typed, by name.
    let query = clerk(server, &w7, &["query"], "综合窗口", "综合受理").await;
    assert_eq!(
        found(&w7, &query, &format!("case_no={no_a}")).await,
        (200, vec![no_a.clone()])
    );
    let (status, by_id) = found(&w7, &query, "id_number=44150219900101123x").await;
    assert_eq!((status, by_id.len()), (200, 2));
    let (_, by_name) = found(&w7, &query, &format!("name={}", urlencode("张 三"))).await;
    assert_eq!(by_name.len(), 2);
    let (_, list) = w7
        .get_with_session(&format!("/api/v1/cases?case_no={no_a}"), &query)
        .await;
    assert_eq!(list[0]["applicant"], "张* 4415**********123X");
    assert_eq!(list[0]["window"], 3);
    assert_eq!(list[0]["progress"], "received");
    assert_eq!(list[0]["progress_label"], "已受理");

    // Departments: a 公安 clerk sees them, a 不动产 clerk does not; no permission, no search;
    // another hall sees nothing; one question at a time.
    let police = clerk(server, &w7, &["query"], "汕尾市公安局", "受理").await;
    assert_eq!(
        found(&w7, &police, &format!("case_no={no_a}")).await.1,
        vec![no_a.clone()]
    );
    // An issuing window hands out every department's results.
    let issuing = clerk(server, &w7, &["issue"], "市政务服务中心", "出件窗口").await;
    assert_eq!(
        found(&w7, &issuing, &format!("case_no={no_a}")).await.1,
        vec![no_a.clone()]
    );
    let land = clerk(server, &w7, &["query"], "不动产登记中心", "不动产窗口").await;
    assert_eq!(
        found(&w7, &land, &format!("case_no={no_a}")).await,
        (200, vec![])
    );
    let (status, body) = w7
        .get_with_session(&format!("/api/v1/cases/{no_a}"), &land)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("case_out_of_scope"))
    );
    let accept_only = clerk(server, &w7, &["accept"], "综合窗口", "综合受理").await;
    let (status, body) = w7
        .get_with_session(&format!("/api/v1/cases?case_no={no_a}"), &accept_only)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let elsewhere = clerk(
        server,
        &other,
        &["query", "all_items"],
        "综合窗口",
        "综合受理",
    )
    .await;
    assert_eq!(
        found(&other, &elsewhere, &format!("case_no={no_a}")).await,
        (200, vec![])
    );
    let (status, body) = other
        .get_with_session(&format!("/api/v1/cases/{no_a}"), &elsewhere)
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("case_unknown")));
    let (status, _) = found(&w7, &query, &format!("case_no={no_a}&name=x")).await;
    assert_eq!(status, 400);
    let (status, _) = w7.get_json(&format!("/api/v1/cases?case_no={no_a}")).await;
    assert_eq!(
        status, 401,
        "a workstation signature without a clerk session"
    );

    // The case view: materials and the history so far.
    let (status, detail) = w7
        .get_with_session(&format!("/api/v1/cases/{no_a}"), &query)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["materials"].as_array().unwrap().len(), 2);
    assert_eq!(detail["materials"][1]["received"], "missing");
    assert_eq!(detail["materials"][0]["licence"], json!(licence));
    assert_eq!(detail["materials"][1]["licence"], Value::Null);
    assert_eq!(detail["history"][0]["progress"], "received");
    assert_eq!(detail["history"][0]["source"], "desk");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn i1_pushed_cases_are_the_halls_record_found_by_number_id_or_name_and_a_clash_is_kept_aside()
{
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        record_scenario(&server).await;
        server.stop().await;
    }
}

async fn company_scenario(server: &Running) {
    let hall = random_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (no_a, no_b) = (format!("C{tag}"), format!("D{tag}"));
    let (a, b, person) = (new_id(), new_id(), new_id());
    let company = |id: &str, no: &str, uscc: &str| {
        let mut c = case(id, no, "accepted", "张三", ID, "汕尾市公安局");
        c["draft"]["organisation"] = json!({ "name": "汕尾市红海湾贸易有限公司", "uscc": uscc });
        c
    };
    let push = json!({ "records": [
        // Typed in lower case: the check character still verifies.
        record(&a, company(&a, &no_a, "91350100m000100y43")),
        record(&b, company(&b, &no_b, "91350100M000100Y44")),
        // A person's case as pushed before organisations could apply: no organisation key.
        record(&person, case(&person, &format!("P{tag}"), "accepted", "王五", ID, "汕尾市公安局")),
    ]});
    let (status, acks) = w3.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200, "{acks}");
    assert_eq!(
        outcomes(&acks),
        vec![
            ("accepted".to_owned(), None),
            ("rejected".to_owned(), Some("invalid_case".to_owned())),
            ("accepted".to_owned(), None),
        ]
    );
    // The record names the organisation and its code; its legal representative stays masked
    // and is found by the ID number like any applicant.
    let query = clerk(server, &w3, &["query"], "综合窗口", "综合受理").await;
    let (_, list) = w3
        .get_with_session(&format!("/api/v1/cases?case_no={no_a}"), &query)
        .await;
    assert_eq!(
        list[0]["applicant"],
        "汕尾市红海湾贸易有限公司（91350100M000100Y43，法定代表人 张* 4415**********123X）"
    );
    let clear = count(
        server,
        "SELECT count(*) FROM cases WHERE applicant_masked LIKE '%' || $1 || '%'",
        ID,
    )
    .await;
    assert_eq!(clear, 0);
    let (status, by_id) = found(&w3, &query, &format!("id_number={ID}")).await;
    assert_eq!((status, by_id.len()), (200, 2));
}

#[tokio::test]
async fn e2_company_applicant_case_kept_with_a_valid_uscc_and_refused_with_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        company_scenario(&server).await;
        server.stop().await;
    }
}

async fn report(server: &Running, token: Option<&str>, no: &str, body: Value) -> (u16, Value) {
    let mut req = common::client()
        .post(server.url(&format!("/api/v1/backoffice/cases/{no}/progress")))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn progress_scenario(server: &Running) {
    let hall = random_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let w7 = Ws::enroll(server, &hall, 7).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (no_a, no_b) = (format!("A{tag}"), format!("B{tag}"));
    let (a, b) = (new_id(), new_id());
    let push = json!({ "records": [
        record(&a, case(&a, &no_a, "accepted", "张三", ID, "汕尾市公安局")),
        record(&b, case(&b, &no_b, "supplement", "张三", ID, "汕尾市公安局")),
    ]});
    let (status, _) = w3.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200);
    let (_, feed) = w3.get_json("/api/v1/sync/case-events?after=0").await;
    let events = feed["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{feed}");
    assert_eq!(
        (
            events[0]["case_no"].as_str(),
            events[0]["progress"].as_str()
        ),
        (Some(no_a.as_str()), Some("received"))
    );
    let after = feed["last_seq"].as_i64().unwrap();

    // The approval system of this hall, and one of another hall.
    let db = &server.state.db;
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let add = |hall: String| async move {
        let cmd = yichuang_server::cases::admin::SystemCommand::Add {
            name: "审批系统".into(),
            hall,
        };
        let out = yichuang_server::cases::admin::system(db, &cmd, now)
            .await
            .unwrap();
        let id = out[0].strip_prefix("system ").unwrap().to_owned();
        let token = out[1].strip_prefix("token ").unwrap().to_owned();
        (id, token)
    };
    let (sys_id, token) = add(hall.clone()).await;
    let (_, foreign) = add(random_hall()).await;

    let step = |p: &str| json!({ "progress": p, "note": "" });
    assert_eq!(report(server, None, &no_a, step("in_review")).await.0, 401);
    assert_eq!(
        report(server, Some("ycs_forged"), &no_a, step("in_review"))
            .await
            .0,
        401
    );
    let (status, body) = report(server, Some(&foreign), &no_a, step("in_review")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("case_unknown")));
    let (status, body) = report(server, Some(&token), &no_a, step("in_review")).await;
    assert_eq!(
        (status, body["changed"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(body["case"]["progress_label"], "审批中");
    let (status, body) = report(server, Some(&token), &no_a, step("in_review")).await;
    assert_eq!(
        (status, body["changed"].as_bool()),
        (200, Some(false)),
        "a repeated report"
    );
    let (status, body) = report(server, Some(&token), &no_b, step("in_review")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("case_not_taken_in"))
    );
    // The citizen brings the missing papers: B, accepted on the same number, is taken in now.
    let mut accepted_b = case(&b, &no_b, "accepted", "张三", ID, "汕尾市公安局");
    accepted_b["version"] = json!(3);
    let push =
        json!({ "records": [{ "id": b, "kind": "case", "version": 3, "payload": accepted_b }] });
    assert_eq!(w3.post_json("/api/v1/sync/push", &push).await.0, 200);
    let (status, body) = report(server, Some(&token), &no_b, step("in_review")).await;
    assert_eq!(
        (status, body["changed"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, body) = report(server, Some(&token), &no_a, step("picked_up")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("case_progress_invalid"))
    );
    let (status, _) = report(server, Some(&token), &no_a, json!({ "progress": "done" })).await;
    assert_eq!(status, 400);
    let (status, _) = report(
        server,
        Some(&token),
        &no_a,
        json!({ "progress": "approved", "note": "长".repeat(501) }),
    )
    .await;
    assert_eq!(status, 400);
    let ready = json!({ "progress": "ready", "note": "证照已制好，请到 7 号窗口领取" });
    let (status, body) = report(server, Some(&token), &no_a, ready).await;
    assert_eq!(
        (status, body["case"]["progress"].as_str()),
        (200, Some("ready"))
    );
    let (status, body) = report(server, Some(&token), &no_a, step("in_review")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("case_progress_invalid")),
        "no step back"
    );

    // The desk that holds the case gets the steps; the other desk gets nothing.
    let (_, feed) = w3
        .get_json(&format!("/api/v1/sync/case-events?after={after}"))
        .await;
    let steps: Vec<(&str, &str, &str)> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["progress"].as_str().unwrap(),
                e["note"].as_str().unwrap(),
                e["source"].as_str().unwrap(),
            )
        })
        .collect();
    let source = format!("backoffice:{sys_id}");
    assert_eq!(
        steps,
        vec![
            ("in_review", "", source.as_str()),
            ("received", "", "desk"),
            ("in_review", "", source.as_str()),
            ("ready", "证照已制好，请到 7 号窗口领取", source.as_str())
        ]
    );
    let (_, nothing) = w3
        .get_json(&format!(
            "/api/v1/sync/case-events?after={}",
            feed["last_seq"]
        ))
        .await;
    assert_eq!(nothing["events"].as_array().unwrap().len(), 0);
    let (_, other_desk) = w7.get_json("/api/v1/sync/case-events?after=0").await;
    assert_eq!(other_desk["events"].as_array().unwrap().len(), 0);

    // A disabled token is refused at once.
    let cmd = yichuang_server::cases::admin::SystemCommand::Disable { id: sys_id };
    yichuang_server::cases::admin::system(db, &cmd, now)
        .await
        .unwrap();
    assert_eq!(
        report(server, Some(&token), &no_a, step("approved"))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn i2_back_office_progress_reaches_the_workstation_that_holds_the_case() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        progress_scenario(&server).await;
        server.stop().await;
    }
}

async fn pickup_check(ws: &Ws, token: &str, case: &str, body: &Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let resp = ws
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{case}/pickup-check"),
            Some(&bytes),
        )
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn handover_scenario(server: &Running) {
    let hall = random_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let w7 = Ws::enroll(server, &hall, 7).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (no_a, no_b, no_c) = (format!("A{tag}"), format!("B{tag}"), format!("C{tag}"));
    let (a, b, c) = (new_id(), new_id(), new_id());
    let push = json!({ "records": [
        record(&a, case(&a, &no_a, "accepted", "张三", ID, "汕尾市公安局")),
        record(&b, case(&b, &no_b, "accepted", "张三", ID, "汕尾市公安局")),
        record(&c, case(&c, &no_c, "accepted", "王五", "441502197001010011", "汕尾市公安局")),
    ]});
    assert_eq!(w3.post_json("/api/v1/sync/push", &push).await.0, 200);
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    for no in [&no_a, &no_c] {
        yichuang_server::cases::store::report(
            &server.state.db.pool,
            None,
            no,
            yichuang_server::cases::Progress::Ready,
            "",
            "admin",
            now,
        )
        .await
        .unwrap();
    }
    let (_, feed) = w3.get_json("/api/v1/sync/case-events?after=0").await;
    let after = feed["last_seq"].as_i64().unwrap();

    // The issuing clerk at window 7 asks before handing over.
    let issuer = clerk(server, &w7, &["issue"], "综合窗口", "出件").await;
    let person = |name: &str, id: &str| json!({ "name": name, "id_number": id });
    let ask = |p: Value, authorised: bool, method: &str, locker: Option<&str>| json!({ "person": p, "authorised": authorised, "method": method, "locker_code": locker, "tracking_no": null });
    let stranger = person("赵六", "441502198502020022");
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_a,
        &ask(stranger.clone(), false, "on_site", None),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("pickup_person_mismatch"))
    );
    let (status, body) =
        pickup_check(&w7, &issuer, &no_a, &ask(stranger, true, "on_site", None)).await;
    assert_eq!((status, body["relation"].as_str()), (200, Some("agent")));
    // The pickup person named at intake (李四) and the applicant may take it.
    let designated = person("李四", "441502198001011234");
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_a,
        &ask(designated, false, "on_site", None),
    )
    .await;
    assert_eq!(
        (status, body["relation"].as_str()),
        (200, Some("designated"))
    );
    let applicant = person("张三", "44150219900101123x");
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_a,
        &ask(applicant.clone(), false, "locker", Some("L0701")),
    )
    .await;
    assert_eq!(
        (status, body["relation"].as_str()),
        (200, Some("applicant")),
        "{body}"
    );
    let (status, _) = pickup_check(
        &w7,
        &issuer,
        &no_a,
        &ask(applicant.clone(), false, "locker", None),
    )
    .await;
    assert_eq!(status, 400, "a locker without its code");
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_b,
        &ask(applicant.clone(), false, "on_site", None),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("pickup_not_ready"))
    );
    let query_only = clerk(server, &w7, &["query"], "综合窗口", "综合受理").await;
    let (status, _) = pickup_check(
        &w7,
        &query_only,
        &no_a,
        &ask(applicant.clone(), false, "on_site", None),
    )
    .await;
    assert_eq!(status, 403);

    // The handover arrives as a `pickup` record from window 7.
    let photo = "ab".repeat(32);
    let handover = |case_id: &str, no: &str, p: Value, locker: &str| {
        json!({ "case_id": case_id, "case_no": no, "person": p, "authorised": false, "method": "locker",
                "locker_code": locker, "tracking_no": null, "photo": photo, "clerk_id": "T-issuer",
                "picked_at": now + 1000 })
    };
    let (p1, p2, p3, p4) = (new_id(), new_id(), new_id(), new_id());
    let pickup = |id: &str, payload: Value| json!({ "id": id, "kind": "pickup", "version": 1, "payload": payload });
    let push = json!({ "records": [
        pickup(&p1, handover(&a, &no_a, applicant.clone(), "L0701")),
        pickup(&p2, handover(&a, &no_a, applicant.clone(), "L0702")),
        pickup(&p3, handover(&new_id(), "X", applicant.clone(), "L0703")),
        pickup(&p4, json!({ "case_id": a, "person": applicant, "method": "post" })),
    ]});
    let (status, acks) = w7.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200, "{acks}");
    let want = vec![
        ("accepted".to_owned(), None),
        ("accepted".to_owned(), None),
        (
            "rejected".to_owned(),
            Some("pickup_case_unknown".to_owned()),
        ),
        ("rejected".to_owned(), Some("invalid_pickup".to_owned())),
    ];
    assert_eq!(outcomes(&acks), want);
    let (_, again) = w7.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(outcomes(&again), want, "the same push again");

    // 已领取 with the person (masked) and the photo; the second handover kept, flagged.
    let (_, detail) = w7
        .get_with_session(&format!("/api/v1/cases/{no_a}"), &issuer)
        .await;
    assert_eq!(detail["case"]["progress"], "picked_up", "{detail}");
    let pickups = detail["pickups"].as_array().unwrap();
    assert_eq!(pickups.len(), 2, "{detail}");
    assert_eq!(pickups[0]["person"], "张* 4415**********123X");
    assert_eq!(
        (pickups[0]["photo"].as_str(), pickups[0]["flag"].as_str()),
        (Some(photo.as_str()), None)
    );
    assert_eq!(pickups[0]["locker_code"], "L0701");
    assert_eq!(pickups[1]["flag"], "already_picked_up");
    // The desk that took the case in hears of it.
    let (_, feed) = w3
        .get_json(&format!("/api/v1/sync/case-events?after={after}"))
        .await;
    let last = feed["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["progress"].as_str(), last["source"].as_str()),
        (
            Some("picked_up"),
            Some(format!("issuing:{}", w7.id).as_str())
        )
    );
    // The locker L0701 holds A's result: C may not go there.
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_c,
        &ask(
            person("王五", "441502197001010011"),
            false,
            "locker",
            Some("L0701"),
        ),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("pickup_locker_in_use"))
    );
    let (status, body) = pickup_check(
        &w7,
        &issuer,
        &no_a,
        &ask(person("张三", ID), false, "on_site", None),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("pickup_already_done"))
    );
}

#[tokio::test]
async fn h2_a_result_is_handed_over_to_the_applicant_or_an_authorised_agent_once() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        handover_scenario(&server).await;
        server.stop().await;
    }
}

/// E11 / E9 on the hall's record: a 即办件 concluded at the counter arrives with its
/// conclusion and is 办结 at once (the back office may still report the result ready, never a
/// step back); a conclusion on a case not accepted, a 不予许可 without its reason and a
/// withdrawal without the citizen's signed request are refused.
async fn counter_scenario(server: &Running) {
    let hall = random_hall();
    let w3 = Ws::enroll(server, &hall, 3).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let nos: Vec<String> = (0..6).map(|i| format!("C{i}{tag}")).collect();
    let ids: Vec<String> = (0..6).map(|_| new_id()).collect();
    let concluded = |i: usize, state: &str, result: &str, reason: &str| {
        let mut c = case(&ids[i], &nos[i], state, "张三", ID, "汕尾市公安局");
        c["conclusion"] = json!({ "result": result, "reason": reason, "title": "准予许可决定书",
                                  "paragraphs": [], "at": 1_764_990_200_000_i64, "clerk_id": "C001" });
        c
    };
    let withdrawn = |i: usize, files: Value| {
        let mut c = case(&ids[i], &nos[i], "withdrawn", "张三", ID, "汕尾市公安局");
        c["changes"] = json!([{ "at": 1, "clerk_id": "C001", "kind": "withdraw",
                                "reason": "申请人撤回", "detail": "", "files": files }]);
        c
    };
    let signed = json!([{ "sha256": "ab".repeat(32), "name": "撤件申请", "size": 10,
                          "pages": 1, "mime": "application/pdf" }]);
    let push = json!({ "records": [
        record(&ids[0], concluded(0, "accepted", "approved", "")),
        record(&ids[1], concluded(1, "supplement", "approved", "")),
        record(&ids[2], concluded(2, "accepted", "denied", " ")),
        record(&ids[3], withdrawn(3, json!([]))),
        record(&ids[4], withdrawn(4, signed)),
        record(&ids[5], concluded(5, "accepted", "picked_up", "")),
    ]});
    let (status, acks) = w3.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(status, 200, "{acks}");
    let bad = Some("invalid_case".to_owned());
    let ok = ("accepted".to_owned(), None);
    let refused = ("rejected".to_owned(), bad);
    assert_eq!(
        outcomes(&acks),
        vec![
            ok.clone(),
            refused.clone(),
            refused.clone(),
            refused.clone(),
            ok,
            refused
        ],
        "{acks}"
    );
    let progress = "SELECT progress FROM cases WHERE id = $1";
    let at = |id: &str| {
        let id = id.to_owned();
        async move {
            use sqlx::Row;
            sqlx::query(progress)
                .bind(id)
                .fetch_one(&server.state.db.pool)
                .await
                .unwrap()
                .get::<String, _>(0)
        }
    };
    assert_eq!(at(&ids[0]).await, "approved");
    let (_, feed) = w3.get_json("/api/v1/sync/case-events?after=0").await;
    let steps: Vec<(&str, &str)> = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["progress"].as_str().unwrap(),
                e["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(steps, vec![("received", "desk"), ("approved", "desk")]);
    // The same record again (a resend) changes nothing.
    assert_eq!(w3.post_json("/api/v1/sync/push", &push).await.0, 200);
    let (_, again) = w3.get_json("/api/v1/sync/case-events?after=0").await;
    assert_eq!(again["events"].as_array().unwrap().len(), 2);

    let db = &server.state.db;
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    let cmd = yichuang_server::cases::admin::SystemCommand::Add {
        name: "审批系统".into(),
        hall: hall.clone(),
    };
    let out = yichuang_server::cases::admin::system(db, &cmd, now)
        .await
        .unwrap();
    let token = out[1].strip_prefix("token ").unwrap().to_owned();
    let step = |p: &str| json!({ "progress": p, "note": "" });
    for back in ["in_review", "denied"] {
        let (status, body) = report(server, Some(&token), &nos[0], step(back)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("case_progress_invalid")),
            "{back} after 办结 at the counter"
        );
    }
    let (status, body) = report(server, Some(&token), &nos[0], step("ready")).await;
    assert_eq!((status, body["changed"].as_bool()), (200, Some(true)));
    // A later version of the concluded case (e.g. a reprint) never moves it back.
    let mut later = concluded(0, "accepted", "approved", "");
    later["version"] = json!(3);
    let push =
        json!({ "records": [{ "id": ids[0], "kind": "case", "version": 3, "payload": later }] });
    assert_eq!(w3.post_json("/api/v1/sync/push", &push).await.0, 200);
    assert_eq!(at(&ids[0]).await, "ready");
    assert_eq!(
        count(
            server,
            "SELECT COUNT(*) FROM cases WHERE id = $1 AND state = 'withdrawn'",
            &ids[4]
        )
        .await,
        1
    );
}

#[tokio::test]
async fn e9_instant_case_concluded_at_the_counter_and_withdrawal_with_signed_request() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config).await;
        counter_scenario(&server).await;
        server.stop().await;
    }
}
