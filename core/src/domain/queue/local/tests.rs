//! The field office's queue on a real SQLite store.

use super::*;

const CLERK: &str = "T-ZS";
/// 2026-12-07 09:00 China Standard Time.
const NINE: i64 = 1_796_605_200_000;

fn groups() -> Vec<LocalGroup> {
    vec![
        LocalGroup {
            code: "A".into(),
            name: "综合业务".into(),
        },
        LocalGroup {
            code: "B".into(),
            name: "社保".into(),
        },
    ]
}

struct Office {
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
    groups: Vec<LocalGroup>,
}

impl Office {
    fn new() -> Office {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ws.db")).unwrap();
        Office {
            _dir: dir,
            store: Mutex::new(store),
            groups: groups(),
        }
    }

    fn at(&self, now: i64) -> LocalQueue<'_> {
        LocalQueue {
            store: &self.store,
            now,
            window: 1,
            clerk_id: CLERK,
            groups: &self.groups,
            recall_limit: 3,
            return_minutes: 10,
        }
    }

    fn issue(&self, group: &str, now: i64) -> Ticket {
        self.at(now)
            .issue_ticket(group, false, &uuid::Uuid::new_v4().to_string())
            .unwrap()
    }

    fn verb(
        &self,
        now: i64,
        verb: Verb,
        f: impl FnOnce(&mut VerbRequest),
    ) -> Result<VerbResult, QueueError> {
        let mut req = VerbRequest::new();
        f(&mut req);
        self.at(now).verb("", verb, &req)
    }

    fn count(&self, sql: &str) -> i64 {
        self.store
            .lock()
            .unwrap()
            .conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

fn problem(r: Result<VerbResult, QueueError>) -> LocalProblem {
    match r {
        Err(QueueError::Local { problem, .. }) => problem,
        other => panic!("expected a local refusal, got {other:?}"),
    }
}

#[test]
fn b2_local_tickets_are_called_in_order_recalled_past_the_limit_skipped_and_may_return() {
    let o = Office::new();
    assert_eq!(o.issue("A", NINE).number, "A001");
    assert_eq!(o.issue("B", NINE + 1).number, "B001");
    assert_eq!(o.issue("A", NINE + 2).number, "A002");

    let called = o.verb(NINE + 10, Verb::CallNext, |_| {}).unwrap();
    assert_eq!(
        (
            called.outcome.as_str(),
            called.ticket.unwrap().number.as_str()
        ),
        ("called", "A001")
    );
    // Still serving A001: no second call.
    assert_eq!(
        problem(o.verb(NINE + 11, Verb::CallNext, |_| {})),
        LocalProblem::DeskBusy
    );
    for n in 1..=3 {
        let r = o.verb(NINE + 20 + n, Verb::Recall, |_| {}).unwrap();
        assert_eq!(
            (r.outcome.as_str(), r.ticket.unwrap().recalls),
            ("recalled", n as u32)
        );
    }
    let r = o.verb(NINE + 30, Verb::Recall, |_| {}).unwrap();
    assert_eq!(r.outcome, "skipped", "the fourth recall skips");

    // The desk is free again; B001 is next in issue order.
    let next = o.verb(NINE + 40, Verb::CallNext, |_| {}).unwrap();
    assert_eq!(next.ticket.unwrap().number, "B001");
    o.verb(NINE + 50, Verb::Finish, |r| r.cases = vec!["C-1".into()])
        .unwrap();

    // The skipped A001 comes back within 10 minutes (特呼)…
    let back = o
        .verb(NINE + 60_000, Verb::Call, |r| {
            r.ticket = Some("a001".into())
        })
        .unwrap();
    assert_eq!(back.ticket.unwrap().number, "A001");
    o.verb(NINE + 61_000, Verb::Recall, |_| {}).unwrap();
    for _ in 0..3 {
        o.verb(NINE + 62_000, Verb::Recall, |_| {}).unwrap();
    }
    // …but not 10 minutes after its second skip.
    let late = o.verb(NINE + 62_000 + 10 * 60_000 + 1, Verb::Call, |r| {
        r.ticket = Some("A001".into())
    });
    assert_eq!(problem(late), LocalProblem::TicketDone);
    let unknown = o.verb(NINE + 70_000, Verb::Call, |r| {
        r.ticket = Some("Z999".into())
    });
    assert_eq!(problem(unknown), LocalProblem::TicketUnknown);
}

#[test]
fn b2_a_retried_local_verb_acts_once_and_a_refused_one_changes_nothing() {
    let o = Office::new();
    o.issue("A", NINE);
    o.issue("A", NINE + 1);
    let mut req = VerbRequest::new();
    let first = o.at(NINE + 10).verb("", Verb::CallNext, &req).unwrap();
    let again = o.at(NINE + 20).verb("", Verb::CallNext, &req).unwrap();
    assert!(!first.replayed && again.replayed);
    assert_eq!(first.ticket, again.ticket);
    assert_eq!(
        o.count("SELECT count(*) FROM local_tickets WHERE status = 'called'"),
        1
    );

    // A transfer to another window is refused as a whole: the ticket is still served here.
    req = VerbRequest::new();
    req.to_window = Some(2);
    assert_eq!(
        problem(o.at(NINE + 30).verb("", Verb::Transfer, &req)),
        LocalProblem::TransferNeedsGroup
    );
    // To another group it goes back to waiting there.
    req = VerbRequest::new();
    req.to_group = Some("B".into());
    let moved = o.at(NINE + 40).verb("", Verb::Transfer, &req).unwrap();
    let t = moved.ticket.unwrap();
    assert_eq!((t.group.as_str(), t.status.as_str()), ("B", "waiting"));
    let state = o.at(NINE + 50).desk("").unwrap();
    assert!(state.current.is_none());
    assert_eq!(state.waiting_count, 2);
    assert_eq!(
        state.groups.iter().map(|g| g.waiting).collect::<Vec<_>>(),
        [1, 1]
    );
}

#[test]
fn b4_a_paused_local_window_calls_nobody_until_it_resumes() {
    let o = Office::new();
    o.issue("A", NINE);
    assert_eq!(
        problem(o.verb(NINE + 1, Verb::Pause, |r| r.reason = Some("  ".into()))),
        LocalProblem::ReasonRequired
    );
    o.verb(NINE + 2, Verb::Pause, |r| {
        r.reason = Some("午间休息".into())
    })
    .unwrap();
    let state = o.at(NINE + 3).desk("").unwrap();
    assert!(state.paused);
    assert_eq!(state.pause_reason.as_deref(), Some("午间休息"));
    assert_eq!(
        problem(o.verb(NINE + 4, Verb::CallNext, |_| {})),
        LocalProblem::WindowPaused
    );
    o.verb(NINE + 5, Verb::Resume, |_| {}).unwrap();
    assert_eq!(
        o.verb(NINE + 6, Verb::CallNext, |_| {}).unwrap().outcome,
        "called"
    );
    assert_eq!(
        problem(o.verb(NINE + 7, Verb::CallNext, |_| {})),
        LocalProblem::DeskBusy
    );
}

#[test]
fn b5_every_local_verb_is_audited_and_the_ticket_synced_with_its_cases() {
    let o = Office::new();
    let t = o.issue("A", NINE);
    o.verb(NINE + 1, Verb::CallNext, |_| {}).unwrap();
    o.verb(NINE + 2, Verb::Finish, |r| {
        r.cases = vec!["4415002026120700001".into()]
    })
    .unwrap();
    let actions: Vec<String> = {
        let mut s = o.store.lock().unwrap();
        let mut stmt = s
            .conn()
            .prepare("SELECT action FROM audit_log ORDER BY seq")
            .unwrap();
        let rows = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows
    };
    assert_eq!(actions, ["queue.issue", "queue.call", "queue.finish"]);
    let (version, payload): (i64, String) = o
        .store
        .lock()
        .unwrap()
        .conn()
        .query_row(
            "SELECT version, payload FROM outbox WHERE kind = 'queue_ticket' AND id = ?1",
            [&t.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        version, 4,
        "issued, called, finished: the newest version replaces the row"
    );
    assert_eq!(payload["status"], "finished");
    assert_eq!(payload["cases"], serde_json::json!(["4415002026120700001"]));
    // Tomorrow the numbers start again.
    assert_eq!(o.issue("A", NINE + 86_400_000).number, "A001");
}

#[test]
fn b2_an_unknown_item_group_gets_no_ticket() {
    let o = Office::new();
    let r = o.at(NINE).issue_ticket("Z", false, "r-1");
    assert!(matches!(
        r,
        Err(QueueError::Local {
            problem: LocalProblem::GroupUnknown,
            ..
        })
    ));
    assert_eq!(o.count("SELECT count(*) FROM local_tickets"), 0);
}

#[test]
fn b2_the_green_channel_is_called_before_earlier_tickets() {
    let o = Office::new();
    o.issue("A", NINE);
    let green = o.at(NINE + 5).issue_ticket("B", true, "g-1").unwrap();
    assert_eq!(green.priority, "green");
    let called = o.verb(NINE + 10, Verb::CallNext, |_| {}).unwrap();
    assert_eq!(called.ticket.unwrap().number, "B001");
}
