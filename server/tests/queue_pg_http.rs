//! Issue 17 on PostgreSQL with several server instances: desks calling at once through two
//! instances never get the same ticket and lose none; events cross instances through
//! LISTEN/NOTIFY; a server instance killed mid-call leaves the queue consistent.
//!
//! `YICHUANG_QUEUE_STRESS_SECS` sets how long the desks call (default 10; the bench-style long
//! run is 60: `make queue-long`).

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::queue::{desk_events, setup_hall, Desk, Hall};
use common::{any_port, pg_url, Running, Spawned};
use serde_json::{json, Value};
use sqlx::Row;
use yichuang_server::ServerConfig;

fn pg_config(dir: &std::path::Path, url: &str) -> ServerConfig {
    let mut c = ServerConfig::sqlite(any_port(), dir);
    c.database_url = Some(url.to_owned());
    c.auth.rate_limits.enroll_per_address.max = 10_000;
    c
}

/// The same desk, talking to another instance.
fn via(desk: &Desk, base: &str) -> Desk {
    let mut d = desk.clone();
    d.ws.base = base.to_owned();
    d
}

/// Event ids of the hall: 1..=n without a gap, each ticket called at most once per call
/// event (a ticket is called again only after a skip or transfer, which this load never does),
/// and the waiting counts the events carry (kept in `queue_waiting`) equal to the waiting
/// tickets.
async fn check_hall_consistent(server: &Running, hall: &str) {
    let pool = &server.state.db.pool;
    let counts = sqlx::query(
        "SELECT t.group_code, COUNT(*), (SELECT w.n FROM queue_waiting w \
           WHERE w.hall_code = t.hall_code AND w.day = t.day AND w.group_code = t.group_code) \
         FROM queue_tickets t WHERE t.hall_code = $1 AND t.status = 'waiting' \
         GROUP BY t.hall_code, t.day, t.group_code",
    )
    .bind(hall)
    .fetch_all(pool)
    .await
    .unwrap();
    for r in &counts {
        let (group, n, kept): (String, i64, Option<i64>) = (
            r.try_get(0).unwrap(),
            r.try_get(1).unwrap(),
            r.try_get(2).unwrap(),
        );
        assert_eq!(Some(n), kept, "waiting count of group {group}");
    }
    let kept: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM queue_waiting WHERE hall_code = $1",
    )
    .bind(hall)
    .fetch_one(pool)
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let waiting: i64 = counts.iter().map(|r| r.try_get::<i64, _>(1).unwrap()).sum();
    assert_eq!(
        kept, waiting,
        "waiting counts of groups without waiting tickets"
    );
    let rows = sqlx::query("SELECT seq FROM queue_events WHERE hall_code = $1 ORDER BY seq")
        .bind(hall)
        .fetch_all(pool)
        .await
        .unwrap();
    let seqs: Vec<i64> = rows.iter().map(|r| r.try_get(0).unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "event ids without gaps"
    );
    let current = sqlx::query(
        "SELECT window_no, COUNT(*) AS n FROM queue_tickets WHERE hall_code = $1 AND status = 'called' \
         GROUP BY window_no HAVING COUNT(*) > 1",
    )
    .bind(hall)
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(current.is_empty(), "a window serves two tickets at once");
    let called =
        sqlx::query("SELECT payload FROM queue_events WHERE hall_code = $1 AND kind = 'called'")
            .bind(hall)
            .fetch_all(pool)
            .await
            .unwrap();
    let mut seen = HashSet::new();
    for r in &called {
        let v: Value = serde_json::from_str(&r.try_get::<String, _>(0).unwrap()).unwrap();
        let id = v["ticket"]["id"].as_str().unwrap().to_owned();
        assert!(seen.insert(id.clone()), "ticket {id} called twice");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn i17_two_instances_fifty_desks_calling_at_once_never_call_a_ticket_twice_nor_lose_one() {
    let Some(url) = pg_url() else { return };
    let secs: u64 = std::env::var("YICHUANG_QUEUE_STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let tmp = tempfile::tempdir().unwrap();
    let a = Running::start(pg_config(&tmp.path().join("a"), &url)).await;
    let b = Running::start(pg_config(&tmp.path().join("b"), &url)).await;
    let windows: Vec<(u32, &[&str])> = (1..=50).map(|w| (w, &["A", "B"][..])).collect();
    let hall: Hall = setup_hall(&a, &windows, &["intake"]).await;
    let kiosk_b = Hall {
        code: hall.code.clone(),
        desks: Vec::new(),
        kiosk: hall.kiosk.clone(),
        base: b.base.clone(),
    };

    // Events cross instances: a stream on B sees a call made through A within a second (the
    // streams' own poll is 5 s, so this is the notification).
    let d1 = hall.desk(1);
    let mut stream_b = desk_events(&via(d1, &b.base), None).await;
    assert_eq!(
        stream_b.next(Duration::from_secs(5)).await.unwrap().event,
        "snapshot"
    );
    hall.issue("A").await;
    stream_b.until("issued", Duration::from_secs(5)).await;
    let t0 = Instant::now();
    let (status, r) = d1.call_next().await;
    assert_eq!(status, 200, "{r}");
    let got = stream_b.until("called", Duration::from_secs(1)).await;
    assert!(
        t0.elapsed() < Duration::from_secs(1),
        "cross-instance event in {:?}",
        t0.elapsed()
    );
    assert_eq!(got.last().unwrap().data["ticket"]["id"], r["ticket"]["id"]);
    assert_eq!(d1.act("finish", json!({})).await.0, 200);
    drop(stream_b);

    let issued = Arc::new(tokio::sync::Mutex::new(vec![r["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned()]));
    let called = Arc::new(tokio::sync::Mutex::new(vec![r["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_owned()]));
    // A backlog first, so that the 50 desks start by all calling at once.
    for _ in 0..100 {
        let t = hall.issue(if rand_bit() { "A" } else { "B" }).await;
        issued
            .lock()
            .await
            .push(t["id"].as_str().unwrap().to_owned());
    }
    let stop_at = Instant::now() + Duration::from_secs(secs);
    // Two kiosks (one per instance) issue; 50 desks (half on each instance) call and finish.
    let mut tasks = Vec::new();
    for (i, kiosk) in [hall.kiosk.clone(), hall.kiosk.clone()]
        .into_iter()
        .enumerate()
    {
        let base = if i == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let issued = issued.clone();
        let code = hall.code.clone();
        tasks.push(tokio::spawn(async move {
            let k = Hall {
                code,
                desks: Vec::new(),
                kiosk,
                base,
            };
            while Instant::now() < stop_at {
                let (status, t) = k
                    .issue_with(json!({ "group": if rand_bit() { "A" } else { "B" } }))
                    .await;
                assert_eq!(status, 200, "{t}");
                issued
                    .lock()
                    .await
                    .push(t["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let _ = kiosk_b;
    for (i, desk) in hall.desks.iter().enumerate() {
        let desk = if i % 2 == 0 {
            desk.clone()
        } else {
            via(desk, &b.base)
        };
        let called = called.clone();
        tasks.push(tokio::spawn(async move {
            let mut idle = 0;
            loop {
                let (status, r) = desk.call_next().await;
                match status {
                    200 => {
                        called
                            .lock()
                            .await
                            .push(r["ticket"]["id"].as_str().unwrap().to_owned());
                        let (s, f) = desk.act("finish", json!({})).await;
                        assert_eq!(s, 200, "{f}");
                        idle = 0;
                    }
                    404 => {
                        // Drained after the kiosks stopped: done.
                        if Instant::now() >= stop_at {
                            idle += 1;
                            if idle > 3 {
                                return;
                            }
                        }
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                    _ => panic!("call-next: {status} {r}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let issued = issued.lock().await.clone();
    let called = called.lock().await.clone();
    let unique: HashSet<&String> = called.iter().collect();
    assert_eq!(unique.len(), called.len(), "a ticket was called twice");
    let issued_set: HashSet<&String> = issued.iter().collect();
    assert_eq!(
        unique, issued_set,
        "every issued ticket was called exactly once"
    );
    eprintln!(
        "queue stress: {} tickets issued and called by 50 desks on 2 instances in {secs} s",
        issued.len()
    );
    check_hall_consistent(&a, &hall.code).await;
    a.stop().await;
    b.stop().await;
}

fn rand_bit() -> bool {
    uuid::Uuid::new_v4().as_bytes()[0] & 1 == 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn i17_a_server_instance_killed_mid_call_leaves_the_queue_consistent() {
    let Some(url) = pg_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let survivor = Running::start(pg_config(&tmp.path().join("a"), &url)).await;
    let windows: Vec<(u32, &[&str])> = (1..=10).map(|w| (w, &["A"][..])).collect();
    let hall = setup_hall(&survivor, &windows, &["intake"]).await;
    for _ in 0..300 {
        hall.issue("A").await;
    }
    let victim = Spawned::start(
        &tmp.path().join("victim"),
        &[("YICHUANG_DATABASE_URL", url.as_str())],
    );
    // Each desk calls and finishes through the victim with known request ids until a request
    // fails (the kill), then retries that same request on the survivor.
    let mut tasks = Vec::new();
    for desk in &hall.desks {
        let on_victim = via(desk, &victim.base);
        let on_survivor = desk.clone();
        tasks.push(tokio::spawn(async move {
            let mut results: Vec<(String, Value)> = Vec::new();
            loop {
                for verb in ["call-next", "finish"] {
                    let body = json!({ "request_id": uuid::Uuid::new_v4().to_string() });
                    let (status, r) = on_victim.verb(verb, &body).await;
                    if status == 0 || status >= 500 {
                        // Lost mid-call: the same request id on the other instance.
                        let (status, r) = on_survivor.verb(verb, &body).await;
                        assert!(
                            status == 200 || status == 404 || status == 409,
                            "{verb} retried: {status} {r}"
                        );
                        if status == 200 {
                            results.push((verb.to_owned(), r));
                        }
                        return (results, on_survivor);
                    }
                    assert!(status == 200 || status == 404, "{verb}: {status} {r}");
                    if status == 404 {
                        return (results, on_survivor);
                    }
                    results.push((verb.to_owned(), r));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = nix::unistd::Pid::from_raw(victim.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    let mut called: HashMap<String, u32> = HashMap::new();
    let mut survivors = Vec::new();
    for t in tasks {
        let (results, desk) = t.await.unwrap();
        for (verb, r) in &results {
            if verb == "call-next" {
                let id = r["ticket"]["id"].as_str().unwrap().to_owned();
                if let Some(w) = called.insert(id.clone(), desk.window) {
                    panic!("ticket {id} called at windows {w} and {}", desk.window);
                }
            }
        }
        survivors.push(desk);
    }
    drop(victim);
    check_hall_consistent(&survivor, &hall.code).await;
    // The queue goes on: every desk finishes what it holds, then the rest is called once each.
    for d in &survivors {
        let _ = d.act("finish", json!({})).await;
    }
    let mut rest = 0;
    loop {
        let mut progressed = false;
        for d in &survivors {
            let (status, r) = d.call_next().await;
            if status == 200 {
                let id = r["ticket"]["id"].as_str().unwrap().to_owned();
                assert!(called.insert(id, d.window).is_none(), "called twice");
                assert_eq!(d.act("finish", json!({})).await.0, 200);
                rest += 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let row = sqlx::query(
        "SELECT COUNT(*) FROM queue_tickets WHERE hall_code = $1 AND status <> 'finished'",
    )
    .bind(&hall.code)
    .fetch_one(&survivor.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        row.try_get::<i64, _>(0).unwrap(),
        0,
        "every ticket finished, none lost"
    );
    assert_eq!(called.len(), 300, "{rest} called after the kill");
    check_hall_consistent(&survivor, &hall.code).await;
    survivor.stop().await;
}
