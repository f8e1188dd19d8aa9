//! Issue 18 item 2: cases taken in (受理, 容缺受理) and withdrawn are forwarded to the upstream
//! platform through the outbox — a real upstream HTTP server on a real socket, answering what
//! each test scripts. Retried with backoff under one idempotency key, given up on a refusal
//! and sent again on `upstream retry`, enqueued once however often a record is pushed, and on
//! PostgreSQL sent exactly once by two server instances. Each test on SQLite and, where
//! `YICHUANG_TEST_PG_URL` is set, on a PostgreSQL database of its own (the outbox is shared by
//! every server on a database, so tests must not see each other's rows).

mod common;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::cases::{new_id, ID};
use common::{any_port, pg_url, random_hall, Running, Ws};
use serde_json::{json, Value};
use sqlx::Row;
use yichuang_server::upstream::admin::UpstreamCommand;
use yichuang_server::upstream::UpstreamConfig;
use yichuang_server::ServerConfig;

const TOKEN: &str = "up-token-for-tests";

/// One request the upstream received.
#[derive(Debug, Clone)]
struct Seen {
    key: String,
    auth: String,
    body: Value,
    answered: u16,
}

#[derive(Default)]
struct Script {
    /// Per case number, the statuses of its next requests (then 200).
    fail: HashMap<String, VecDeque<u16>>,
    seen: Vec<Seen>,
    /// Time each request takes to answer.
    delay: Duration,
    /// Requests that arrived (answered or not yet).
    arrived: usize,
}

/// The upstream platform: an axum server on a loopback port of its own.
#[derive(Clone)]
struct Upstream {
    url: String,
    script: Arc<Mutex<Script>>,
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let no = body["case"]["case_no"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let delay = {
        let mut s = script.lock().unwrap();
        s.arrived += 1;
        s.delay
    };
    tokio::time::sleep(delay).await;
    let mut s = script.lock().unwrap();
    let answered = s
        .fail
        .get_mut(&no)
        .and_then(VecDeque::pop_front)
        .unwrap_or(200);
    s.seen.push(Seen {
        key: header("idempotency-key"),
        auth: header("authorization"),
        body,
        answered,
    });
    StatusCode::from_u16(answered).unwrap()
}

impl Upstream {
    async fn start() -> Upstream {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new()
            .route("/cases", axum::routing::post(receive))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/cases", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Upstream { url, script }
    }

    fn fail(&self, case_no: &str, statuses: &[u16]) {
        let mut s = self.script.lock().unwrap();
        s.fail
            .insert(case_no.to_owned(), statuses.iter().copied().collect());
    }

    fn seen_for(&self, case_no: &str) -> Vec<Seen> {
        let s = self.script.lock().unwrap();
        s.seen
            .iter()
            .filter(|r| r.body["case"]["case_no"] == case_no)
            .cloned()
            .collect()
    }

    /// The forwarding settings of the tests: fast retries; a poll so long that nothing here
    /// waits for it (a push wakes the sender, a retry falls due on time) unless a test says so.
    fn config(&self) -> UpstreamConfig {
        let mut c = UpstreamConfig::new(self.url.parse().unwrap());
        c.token = Some(TOKEN.into());
        c.timeout = Duration::from_secs(5);
        c.max_attempts = 5;
        c.backoff = Duration::from_millis(100);
        c.backoff_max = Duration::from_millis(400);
        c.poll = Duration::from_secs(60);
        c
    }
}

/// A PostgreSQL database of this test's own on the test cluster (dropped by [`drop_db`]).
async fn fresh_pg(url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("yc_up_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    let admin = sqlx::AnyPool::connect(url).await.unwrap();
    sqlx::Executor::execute(&admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    admin.close().await;
    let mut u = url::Url::parse(url).unwrap();
    u.set_path(&name);
    u.to_string()
}

async fn drop_db(db_url: &str) {
    let mut u = url::Url::parse(db_url).unwrap();
    let name = u.path().trim_start_matches('/').to_owned();
    u.set_path("postgres");
    if let Ok(admin) = sqlx::AnyPool::connect(u.as_str()).await {
        let _ = sqlx::Executor::execute(
            &admin,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
        )
        .await;
        admin.close().await;
    }
}

/// SQLite in `dir`, and a fresh PostgreSQL database when the test cluster is there.
async fn databases(dir: &std::path::Path) -> Vec<ServerConfig> {
    let mut out = vec![ServerConfig::sqlite(any_port(), dir.join("sqlite"))];
    if let Some(url) = pg_url() {
        let mut pg = ServerConfig::sqlite(any_port(), dir.join("pg"));
        pg.database_url = Some(fresh_pg(&url).await);
        out.push(pg);
    }
    for c in &mut out {
        c.auth.rate_limits.enroll_per_address.max = 1000;
    }
    out
}

async fn done_with(config: &ServerConfig) {
    if let Some(url) = &config.database_url {
        drop_db(url).await;
    }
}

/// A decided case of 张三 at the public security bureau, as the workstation pushes it.
fn case(id: &str, no: &str, state: &str) -> Value {
    common::cases::case(id, no, state, "张三", ID, "汕尾市公安局")
}

fn record(id: &str, version: i64, payload: Value) -> Value {
    json!({ "id": id, "kind": "case", "version": version, "payload": payload })
}

fn case_no() -> String {
    format!("U{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

async fn push(ws: &Ws, records: Vec<Value>) {
    let (status, acks) = ws
        .post_json("/api/v1/sync/push", &json!({ "records": records }))
        .await;
    assert_eq!(status, 200, "{acks}");
    for a in acks["acks"].as_array().unwrap() {
        assert_eq!(a["outcome"], "accepted", "{acks}");
    }
}

/// The outbox rows of a case: (id, event, state, attempts, last_code).
async fn rows(
    server: &Running,
    case_id: &str,
) -> Vec<(String, String, String, i64, Option<String>)> {
    sqlx::query(
        "SELECT id, event, state, attempts, last_code FROM upstream_outbox WHERE case_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(case_id)
    .fetch_all(&server.state.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get::<i64, _>(3),
            r.get::<Option<String>, _>(4),
        )
    })
    .collect()
}

/// Waits (polling) until the case's `event` row is in `state`; fails after 30 s.
async fn until_state(server: &Running, case_id: &str, event: &str, state: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = rows(server, case_id).await;
        if now.iter().any(|r| r.1 == event && r.2 == state) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "case {case_id}: no {event} row {state} within 30 s: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn admin(server: &Running, cmd: UpstreamCommand) -> yichuang_server::Result<Vec<String>> {
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    yichuang_server::upstream::admin::upstream(&server.state.db, &cmd, now).await
}

async fn forwarded_after_retries(server: &Running, up: &Upstream) {
    let ws = Ws::enroll(server, &random_hall(), 3).await;
    let (a, d, r) = (new_id(), new_id(), new_id());
    let (no_a, no_d, no_r) = (case_no(), case_no(), case_no());
    up.fail(&no_a, &[503, 503]);
    push(
        &ws,
        vec![
            record(&a, 2, case(&a, &no_a, "accepted")),
            record(&d, 2, case(&d, &no_d, "deferred")),
            record(&r, 2, case(&r, &no_r, "rejected")),
        ],
    )
    .await;
    until_state(server, &a, "accepted", "sent").await;
    until_state(server, &d, "accepted", "sent").await;

    // Three attempts, one key: the outbox row's id.
    let seen = up.seen_for(&no_a);
    let answered: Vec<u16> = seen.iter().map(|s| s.answered).collect();
    assert_eq!(answered, [503, 503, 200]);
    let row = rows(server, &a).await;
    assert_eq!(row.len(), 1, "{row:?}");
    assert_eq!(
        (row[0].3, row[0].4.as_deref()),
        (3, Some("upstream_server_error"))
    );
    for s in &seen {
        assert_eq!(s.key, row[0].0);
        assert_eq!(s.auth, format!("Bearer {TOKEN}"));
        assert_eq!(s.body, seen[0].body, "the same body on every attempt");
    }
    // The body: the case as the hall's record holds it, identities masked.
    let body = &seen[0].body;
    assert_eq!(body["schema"], "yichuang.upstream.case-event.v1");
    assert_eq!(body["event"], "accepted");
    assert_eq!(body["event_id"], row[0].0.as_str());
    assert_eq!(body["case"]["case_no"], no_a.as_str());
    assert_eq!(body["case"]["decision"], "accepted");
    assert_eq!(body["case"]["window"], 3);
    assert_eq!(body["case"]["item_code"], "GA-HJ-0301");
    assert_eq!(body["case"]["applicant"], "张* 4415**********123X");
    assert_eq!(body["case"]["parties"][0]["role"], "pickup");
    assert_eq!(body["case"]["materials"].as_array().unwrap().len(), 2);
    let text = body.to_string();
    assert!(!text.contains(ID) && !text.contains("441502198001011234") && !text.contains("张三"));
    // 容缺受理 goes too, with its decision; a rejected case does not.
    let deferred = up.seen_for(&no_d);
    assert_eq!(deferred.len(), 1);
    assert_eq!(deferred[0].body["case"]["decision"], "deferred");
    assert!(rows(server, &r).await.is_empty());
    assert!(up.seen_for(&no_r).is_empty());

    // The case withdrawn (撤回): one more event under a key of its own.
    let mut withdrawn = case(&a, &no_a, "withdrawn");
    withdrawn["version"] = json!(3);
    // With the citizen's signed request, as a withdrawal must carry it (E9).
    withdrawn["changes"] = json!([{ "at": 1, "clerk_id": "C001", "kind": "withdraw",
        "reason": "申请人撤回", "detail": "",
        "files": [{ "sha256": "ab".repeat(32), "name": "撤件申请", "size": 10, "pages": 1,
                    "mime": "image/jpeg" }] }]);
    push(&ws, vec![record(&a, 3, withdrawn)]).await;
    until_state(server, &a, "withdrawn", "sent").await;
    let seen = up.seen_for(&no_a);
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[3].body["event"], "withdrawn");
    assert_eq!(seen[3].body["case"]["decision"], "withdrawn");
    assert_ne!(seen[3].key, seen[0].key);

    // 送达: the 容缺 case's result ready, then handed over to the applicant at a window.
    let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
    yichuang_server::cases::store::report(
        &server.state.db.pool,
        None,
        &no_d,
        yichuang_server::cases::Progress::Ready,
        "",
        "admin",
        now,
    )
    .await
    .unwrap();
    let handover = json!({ "case_id": d, "case_no": no_d,
        "person": { "name": "张三", "id_number": ID }, "authorised": false, "method": "on_site",
        "locker_code": null, "tracking_no": null, "photo": "ab".repeat(32), "clerk_id": "T-issuer",
        "picked_at": now + 1000 });
    let pickup = json!({ "id": new_id(), "kind": "pickup", "version": 1, "payload": handover });
    push(&ws, vec![pickup.clone()]).await;
    push(&ws, vec![pickup]).await;
    until_state(server, &d, "picked_up", "sent").await;
    let seen = up.seen_for(&no_d);
    assert_eq!(seen.len(), 2, "accepted and picked_up, once each");
    let body = &seen[1].body;
    assert_eq!(body["event"], "picked_up");
    assert_eq!(body["occurred_at"], now + 1000);
    assert_eq!(body["case"]["pickup"]["method"], "on_site");
    assert_eq!(body["case"]["pickup"]["person"], "张* 4415**********123X");
    assert!(!body.to_string().contains(ID));
    assert!(seen[0].body["case"]["pickup"].is_null());
}

#[tokio::test]
async fn i18_accepted_case_forwarded_upstream_once_after_retries() {
    let dir = tempfile::tempdir().unwrap();
    let up = Upstream::start().await;
    for mut config in databases(dir.path()).await {
        config.upstream = Some(up.config());
        let server = Running::start(config.clone()).await;
        forwarded_after_retries(&server, &up).await;
        server.stop().await;
        done_with(&config).await;
    }
}

async fn refused_then_retried(server: &Running, up: &Upstream) {
    let ws = Ws::enroll(server, &random_hall(), 5).await;
    let (a, b) = (new_id(), new_id());
    let (no_a, no_b) = (case_no(), case_no());
    up.fail(&no_a, &[400]);
    up.fail(&no_b, &[503, 503, 503, 503, 503, 503, 503]);
    push(
        &ws,
        vec![
            record(&a, 2, case(&a, &no_a, "accepted")),
            record(&b, 2, case(&b, &no_b, "accepted")),
        ],
    )
    .await;
    // A refusal is final at once; a server error after max_attempts (5).
    until_state(server, &a, "accepted", "dead").await;
    until_state(server, &b, "accepted", "dead").await;
    let row_a = rows(server, &a).await.remove(0);
    assert_eq!((row_a.3, row_a.4.as_deref()), (1, Some("upstream_refused")));
    let row_b = rows(server, &b).await.remove(0);
    assert_eq!(
        (row_b.3, row_b.4.as_deref()),
        (5, Some("upstream_server_error"))
    );

    // IT sees why.
    let list = admin(
        server,
        UpstreamCommand::List {
            state: Some("dead".into()),
            limit: 100,
        },
    )
    .await
    .unwrap();
    let line = list.iter().find(|l| l.starts_with(&row_a.0)).unwrap();
    assert!(
        line.contains(&no_a) && line.contains("dead") && line.contains("attempts=1"),
        "{line}"
    );
    assert!(
        line.contains("upstream_refused") && line.contains("HTTP 400"),
        "{line}"
    );
    assert!(line.contains("上级平台拒收"), "{line}");
    assert!(list.last().unwrap().contains("已放弃 2 条"), "{list:?}");
    // What was sent, to check the refusal against.
    let shown = admin(
        server,
        UpstreamCommand::Show {
            id: row_a.0.clone(),
        },
    )
    .await
    .unwrap();
    let shown: Value = serde_json::from_str(&shown[0]).unwrap();
    assert_eq!(shown, up.seen_for(&no_a)[0].body);
    let bad = admin(
        server,
        UpstreamCommand::List {
            state: Some("lost".into()),
            limit: 10,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(bad.code(), "invalid_input");

    // Sent again on `retry <id>`, under the same key.
    let out = admin(
        server,
        UpstreamCommand::Retry {
            id: Some(row_a.0.clone()),
            dead: false,
        },
    )
    .await
    .unwrap();
    assert!(out[0].contains('1'), "{out:?}");
    until_state(server, &a, "accepted", "sent").await;
    let seen = up.seen_for(&no_a);
    let answered: Vec<u16> = seen.iter().map(|s| s.answered).collect();
    assert_eq!(answered, [400, 200]);
    assert!(seen.iter().all(|s| s.key == row_a.0));
    // A sent row is not sent again.
    let again = admin(
        server,
        UpstreamCommand::Retry {
            id: Some(row_a.0.clone()),
            dead: false,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), "invalid_input");
    assert!(again.detail().contains(&row_a.0));

    // `retry --dead`: B goes again (two more 503s, then 200).
    admin(
        server,
        UpstreamCommand::Retry {
            id: None,
            dead: true,
        },
    )
    .await
    .unwrap();
    until_state(server, &b, "accepted", "sent").await;
    assert_eq!(up.seen_for(&no_b).len(), 8);
    assert_eq!(up.seen_for(&no_b).last().unwrap().answered, 200);
}

#[tokio::test]
async fn i18_case_refused_upstream_is_given_up_and_sent_again_on_retry() {
    let dir = tempfile::tempdir().unwrap();
    let up = Upstream::start().await;
    for mut config in databases(dir.path()).await {
        // `upstream retry` (another process in real life) is found by the poll.
        let mut forwarding = up.config();
        forwarding.poll = Duration::from_millis(50);
        config.upstream = Some(forwarding);
        let server = Running::start(config.clone()).await;
        refused_then_retried(&server, &up).await;
        server.stop().await;
        done_with(&config).await;
    }
}

#[tokio::test]
async fn i18_re_pushed_case_is_forwarded_once_and_nothing_without_forwarding() {
    let dir = tempfile::tempdir().unwrap();
    let up = Upstream::start().await;
    for config in databases(dir.path()).await {
        // Forwarding off: nothing enqueued.
        let server = Running::start(config.clone()).await;
        let hall = random_hall();
        let ws = Ws::enroll(&server, &hall, 1).await;
        let (x, no_x) = (new_id(), case_no());
        push(&ws, vec![record(&x, 2, case(&x, &no_x, "accepted"))]).await;
        assert!(rows(&server, &x).await.is_empty());
        server.stop().await;

        // On: the same record pushed again, and a later version of the same decision, enqueue
        // once and are sent once.
        let mut on = config.clone();
        on.upstream = Some(up.config());
        let server = Running::start(on).await;
        let ws = Ws::enroll(&server, &hall, 2).await;
        let (y, no_y) = (new_id(), case_no());
        let first = record(&y, 2, case(&y, &no_y, "accepted"));
        push(&ws, vec![first.clone()]).await;
        push(&ws, vec![first]).await;
        let mut later = case(&y, &no_y, "accepted");
        later["version"] = json!(3);
        push(&ws, vec![record(&y, 3, later)]).await;
        until_state(&server, &y, "accepted", "sent").await;
        let mut later = case(&y, &no_y, "accepted");
        later["version"] = json!(4);
        push(&ws, vec![record(&y, 4, later)]).await;
        let all = rows(&server, &y).await;
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!((all[0].2.as_str(), all[0].3), ("sent", 1));
        assert_eq!(up.seen_for(&no_y).len(), 1);
        assert!(
            up.seen_for(&no_x).is_empty(),
            "a case of before stays unsent"
        );
        server.stop().await;
        done_with(&config).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn i18_two_instances_forward_each_case_exactly_once() {
    use yichuang_server::upstream::{store, EventKind};
    use yichuang_server::DatabaseKind;
    let Some(url) = pg_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let up = Upstream::start().await;
    up.script.lock().unwrap().delay = Duration::from_millis(15);
    let db = fresh_pg(&url).await;
    let config = |name: &str| {
        let mut c = ServerConfig::sqlite(any_port(), tmp.path().join(name));
        c.database_url = Some(db.clone());
        c.auth.rate_limits.enroll_per_address.max = 1000;
        c.upstream = Some(up.config());
        c
    };
    let a = Running::start(config("a")).await;
    let b = Running::start(config("b")).await;
    let hall = random_hall();
    let wa = Ws::enroll(&a, &hall, 1).await;
    let mut wb = Ws::enroll(&a, &hall, 2).await;
    wb.base = b.base.clone();
    let cases: Vec<(String, String)> = (0..60).map(|_| (new_id(), case_no())).collect();
    for (i, chunk) in cases.chunks(10).enumerate() {
        let ws = if i % 2 == 0 { &wa } else { &wb };
        let records = chunk
            .iter()
            .map(|(id, no)| record(id, 2, case(id, no, "accepted")))
            .collect();
        push(ws, records).await;
    }
    for (id, _) in &cases {
        until_state(&a, id, "accepted", "sent").await;
    }
    let seen = up.script.lock().unwrap().seen.clone();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for s in &seen {
        *per_key.entry(s.key.clone()).or_default() += 1;
    }
    assert_eq!(per_key.len(), cases.len());
    assert!(
        per_key.values().all(|n| *n == 1),
        "a case sent twice: {per_key:?}"
    );
    assert_eq!(seen.len(), cases.len());
    // Both instances took part.
    let senders: i64 =
        sqlx::query("SELECT COUNT(DISTINCT sent_by) FROM upstream_outbox WHERE state = 'sent'")
            .fetch_one(&a.state.db.pool)
            .await
            .unwrap()
            .get(0);
    assert_eq!(senders, 2);
    a.stop().await;
    b.stop().await;

    // The claim itself under contention: eight claimers at once on 200 due rows take each
    // row exactly once.
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let now = yichuang_server::Clock::now_ms(&yichuang_server::config::SystemClock);
    let mut tx = pool.begin().await.unwrap();
    for _ in 0..200 {
        store::enqueue(&mut tx, &new_id(), EventKind::Accepted, now, now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let claimers = (0..8).map(|i| {
        let pool = pool.clone();
        tokio::spawn(async move {
            let me = format!("claimer-{i}");
            let mut got = Vec::new();
            while let Some(c) = store::claim(&pool, DatabaseKind::Postgres, &me, now, 60_000)
                .await
                .unwrap()
            {
                got.push(c.id);
            }
            got
        })
    });
    let mut all = Vec::new();
    for c in claimers.collect::<Vec<_>>() {
        all.extend(c.await.unwrap());
    }
    let distinct: std::collections::HashSet<&String> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (200, 200));
    pool.close().await;
    drop_db(&db).await;
}

#[tokio::test]
async fn i18_a_claimed_row_is_neither_lost_by_a_stop_nor_held_by_a_dead_sender() {
    use yichuang_server::upstream::{store, EventKind};
    let dir = tempfile::tempdir().unwrap();
    let up = Upstream::start().await;
    for config in databases(dir.path()).await {
        // A stop while a delivery is under way: it finishes and its outcome is written.
        let mut on = config.clone();
        on.upstream = Some(up.config());
        let server = Running::start(on).await;
        let ws = Ws::enroll(&server, &random_hall(), 4).await;
        let (a, no_a) = (new_id(), case_no());
        up.script.lock().unwrap().delay = Duration::from_millis(800);
        let before = up.script.lock().unwrap().arrived;
        push(&ws, vec![record(&a, 2, case(&a, &no_a, "accepted"))]).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while up.script.lock().unwrap().arrived == before {
            assert!(Instant::now() < deadline, "no delivery began within 30 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.stop().await;
        up.script.lock().unwrap().delay = Duration::ZERO;
        // Back without forwarding (no sender): the row was written sent, once.
        let server = Running::start(config.clone()).await;
        let row = rows(&server, &a).await;
        assert_eq!((row[0].2.as_str(), row[0].3), ("sent", 1), "{row:?}");
        assert_eq!(up.seen_for(&no_a).len(), 1);

        // A sender that died holding a claim: the row waits out the lease, then another
        // instance takes it (a second attempt) and the dead one's late outcome is not written.
        let pool = &server.state.db.pool;
        let kind = server.state.db.kind;
        let now = yichuang_server::Clock::now_ms(server.state.auth.clock.as_ref());
        let b = new_id();
        let mut tx = pool.begin().await.unwrap();
        assert!(store::enqueue(&mut tx, &b, EventKind::Accepted, now, now)
            .await
            .unwrap());
        assert!(!store::enqueue(&mut tx, &b, EventKind::Accepted, now, now)
            .await
            .unwrap());
        tx.commit().await.unwrap();
        let ghost = store::claim(pool, kind, "ghost", now, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((ghost.case_id.as_str(), ghost.attempts), (b.as_str(), 1));
        assert!(store::claim(pool, kind, "other", now + 10, 1000)
            .await
            .unwrap()
            .is_none());
        let other = store::claim(pool, kind, "other", now + 1001, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((other.id.as_str(), other.attempts), (ghost.id.as_str(), 2));
        assert!(!store::mark_sent(pool, &ghost, "ghost", 200, now + 1002)
            .await
            .unwrap());
        assert!(store::mark_sent(pool, &other, "other", 200, now + 1003)
            .await
            .unwrap());
        let row = rows(&server, &b).await;
        assert_eq!((row[0].2.as_str(), row[0].3), ("sent", 2), "{row:?}");

        // A case's events go in order: its withdrawal waits while its acceptance is retried,
        // and the sender sleeps until the acceptance falls due, not the withdrawal.
        let c = new_id();
        let mut tx = pool.begin().await.unwrap();
        store::enqueue(&mut tx, &c, EventKind::Accepted, now, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        store::enqueue(&mut tx, &c, EventKind::Withdrawn, now + 1, now + 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let first = store::claim(pool, kind, "x", now + 2, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.event, EventKind::Accepted);
        let failed = yichuang_server::upstream::Failure::new(
            yichuang_server::upstream::FailureKind::ServerError,
            "HTTP 503",
        );
        assert!(
            store::mark_failed(pool, &first, "x", &failed, false, now + 5000, now + 3)
                .await
                .unwrap()
        );
        assert!(store::claim(pool, kind, "x", now + 10, 1000)
            .await
            .unwrap()
            .is_none());
        assert_eq!(store::next_due(pool).await.unwrap(), Some(now + 5000));
        let again = store::claim(pool, kind, "x", now + 5000, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.event, again.attempts), (EventKind::Accepted, 2));
        assert!(store::mark_sent(pool, &again, "x", 200, now + 5001)
            .await
            .unwrap());
        let then = store::claim(pool, kind, "x", now + 5002, 1000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(then.event, EventKind::Withdrawn);
        server.stop().await;
        done_with(&config).await;
    }
}

#[tokio::test]
async fn i18_a_plain_http_upstream_off_this_machine_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), dir.path());
    config.upstream = Some(UpstreamConfig::new(
        "http://192.0.2.7/cases".parse().unwrap(),
    ));
    let err = yichuang_server::Server::bind(config.clone())
        .await
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.code(), "upstream_url_refused");
    assert!(err.message().contains("https://"), "{}", err.message());
    // Said explicitly (a test environment), it starts.
    config.upstream.as_mut().unwrap().allow_http = true;
    let server = Running::start(config).await;
    server.stop().await;
}
