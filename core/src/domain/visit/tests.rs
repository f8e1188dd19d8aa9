use rusqlite::params;

use super::*;
use crate::infra::store::Store;

const CLERK: &str = "T-ZS";
const LOGIN: i64 = 1_000_000;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("ws.db")).unwrap();
    (dir, store)
}

fn decided(store: &mut Store, case_no: &str, item: &str, at: i64) {
    store
        .conn()
        .execute(
            "INSERT INTO cases (id, case_no, version, state, item_code, item_name, department,
                 clerk_id, created_at, updated_at, decided_at, data)
             VALUES (?1, ?2, 1, 'accepted', ?3, '事项', '部门', ?4, ?5, ?5, ?5, '{}')",
            params![uuid::Uuid::now_v7().to_string(), case_no, item, CLERK, at],
        )
        .unwrap();
}

fn outbox(store: &mut Store, kind: &str) -> Vec<serde_json::Value> {
    let mut stmt = store
        .conn()
        .prepare("SELECT payload FROM outbox WHERE kind = ?1 ORDER BY created_at")
        .unwrap();
    let rows = stmt
        .query_map([kind], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| serde_json::from_str(&p.unwrap()).unwrap())
        .collect();
    rows
}

fn actions(store: &mut Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

#[test]
fn g2_a_walk_ins_rating_closes_the_visit_with_its_cases_in_one_transaction() {
    let (_d, mut s) = store();
    decided(&mut s, "S-1", "ITEM-A", LOGIN + 10);
    decided(&mut s, "S-2", "ITEM-B", LOGIN + 20);
    let v = request_rating(&mut s, CLERK, LOGIN, LOGIN + 30_000, LOGIN + 30).unwrap();
    assert_eq!(v.state, "rating");
    assert_eq!(v.cases.len(), 2);
    let given = RatingGiven {
        level: RatingLevel::VerySatisfied,
        reasons: vec![],
        timed_out: false,
    };
    close_with_rating(&mut s, CLERK, &given, LOGIN + 40).unwrap();
    assert!(current(s.conn(), CLERK).unwrap().is_none());
    let ratings = outbox(&mut s, "rating");
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0]["level"], "very_satisfied");
    assert_eq!(ratings[0]["cases"], serde_json::json!(["S-1", "S-2"]));
    assert_eq!(
        ratings[0]["item_codes"],
        serde_json::json!(["ITEM-A", "ITEM-B"])
    );
    let visits = outbox(&mut s, "visit");
    assert_eq!(visits[0]["mode"], "walk_in");
    assert_eq!(visits[0]["finished_at"], LOGIN + 40);
    assert_eq!(ratings[0]["visit_id"], v.id.as_str());
    assert_eq!(
        actions(&mut s),
        ["visit.rating_requested", "visit.rated"],
        "each step audited"
    );

    // The next walk-in's cases start where this visit ended.
    decided(&mut s, "S-3", "ITEM-A", LOGIN + 50);
    let next = request_rating(&mut s, CLERK, LOGIN, LOGIN + 90_000, LOGIN + 60).unwrap();
    assert_eq!(next.cases.len(), 1);
    assert_eq!(next.cases[0].case_no, "S-3");
}

#[test]
fn g2_a_dissatisfied_rating_needs_a_reason_and_nothing_is_written_without_one() {
    let (_d, mut s) = store();
    request_rating(&mut s, CLERK, LOGIN, LOGIN + 30_000, LOGIN).unwrap();
    let without = RatingGiven {
        level: RatingLevel::Dissatisfied,
        reasons: vec![],
        timed_out: false,
    };
    assert_eq!(
        close_with_rating(&mut s, CLERK, &without, LOGIN + 1),
        Err(VisitError::ReasonRequired(RatingLevel::Dissatisfied))
    );
    assert!(outbox(&mut s, "rating").is_empty());
    let with = RatingGiven {
        reasons: vec![RatingReason::Attitude, RatingReason::Efficiency],
        ..without
    };
    close_with_rating(&mut s, CLERK, &with, LOGIN + 2).unwrap();
    let r = &outbox(&mut s, "rating")[0];
    assert_eq!(r["level"], "dissatisfied");
    assert_eq!(r["reasons"], serde_json::json!(["attitude", "efficiency"]));
}

#[test]
fn g2_no_answer_before_the_countdown_counts_as_satisfied() {
    let (_d, mut s) = store();
    request_rating(&mut s, CLERK, LOGIN, LOGIN + 20_000, LOGIN).unwrap();
    assert_eq!(expire_due(&mut s, CLERK, LOGIN + 19_999).unwrap(), None);
    let given = expire_due(&mut s, CLERK, LOGIN + 20_000).unwrap().unwrap();
    assert_eq!(given.level, RatingLevel::Satisfied);
    assert!(given.timed_out);
    let r = &outbox(&mut s, "rating")[0];
    assert_eq!(r["level"], "satisfied");
    assert_eq!(r["timed_out"], true);
    assert_eq!(expire_due(&mut s, CLERK, LOGIN + 99_000).unwrap(), None);
}

#[test]
fn g2_a_picked_dissatisfied_level_left_without_reasons_is_kept_with_other() {
    let (_d, mut s) = store();
    request_rating(&mut s, CLERK, LOGIN, LOGIN + 20_000, LOGIN).unwrap();
    let v = pick(&mut s, CLERK, RatingLevel::VeryDissatisfied, LOGIN + 40_000).unwrap();
    assert_eq!(v.picked_level, Some(RatingLevel::VeryDissatisfied));
    assert_eq!(
        expire_due(&mut s, CLERK, LOGIN + 30_000).unwrap(),
        None,
        "new countdown"
    );
    let given = expire_due(&mut s, CLERK, LOGIN + 40_000).unwrap().unwrap();
    assert_eq!(given.level, RatingLevel::VeryDissatisfied);
    assert_eq!(given.reasons, vec![RatingReason::Other]);
}

#[test]
fn b5_a_called_tickets_visit_carries_the_ticket_into_both_records() {
    let (_d, mut s) = store();
    let ticket = TicketRef {
        id: Some("t-42".into()),
        number: "A023".into(),
    };
    open(&mut s, CLERK, Some(&ticket), VisitMode::Hall, LOGIN).unwrap();
    decided(&mut s, "S-9", "ITEM-C", LOGIN + 5);
    let v = request_rating(&mut s, CLERK, LOGIN - 50_000, LOGIN + 30_000, LOGIN + 6).unwrap();
    assert_eq!(v.ticket.as_ref(), Some(&ticket));
    assert_eq!(v.cases.len(), 1, "only the cases decided since the call");
    close_with_rating(
        &mut s,
        CLERK,
        &RatingGiven {
            level: RatingLevel::Satisfied,
            reasons: vec![],
            timed_out: false,
        },
        LOGIN + 7,
    )
    .unwrap();
    let visit = &outbox(&mut s, "visit")[0];
    assert_eq!(visit["ticket_no"], "A023");
    assert_eq!(visit["ticket_id"], "t-42");
    assert_eq!(visit["mode"], "hall");
    assert_eq!(visit["called_at"], LOGIN);
    assert_eq!(outbox(&mut s, "rating")[0]["ticket_id"], "t-42");
}

#[test]
fn g2_rating_with_nothing_waiting_is_refused() {
    let (_d, mut s) = store();
    let given = RatingGiven {
        level: RatingLevel::Satisfied,
        reasons: vec![],
        timed_out: false,
    };
    assert_eq!(
        close_with_rating(&mut s, CLERK, &given, LOGIN),
        Err(VisitError::NoneWaiting)
    );
}

#[test]
fn i3_todays_figures_count_the_tickets_called_and_the_ratings_given() {
    use crate::domain::intake::history::today_figures;
    let (_d, mut s) = store();
    let today = yichuang_drivers::idcard::Date {
        year: 1970,
        month: 1,
        day: 1,
    };
    // A called visit rated 非常满意, a walk-in rated 不满意 with its reason.
    let ticket = TicketRef {
        id: Some("t-1".into()),
        number: "A001".into(),
    };
    open(&mut s, CLERK, Some(&ticket), VisitMode::Hall, LOGIN).unwrap();
    decided(&mut s, "S-1", "ITEM-A", LOGIN + 10);
    request_rating(&mut s, CLERK, LOGIN, LOGIN + 30_000, LOGIN + 20).unwrap();
    let very = RatingGiven {
        level: RatingLevel::VerySatisfied,
        reasons: vec![],
        timed_out: false,
    };
    close_with_rating(&mut s, CLERK, &very, LOGIN + 30).unwrap();
    request_rating(&mut s, CLERK, LOGIN, LOGIN + 90_000, LOGIN + 40).unwrap();
    let bad = RatingGiven {
        level: RatingLevel::Dissatisfied,
        reasons: vec![RatingReason::Attitude],
        timed_out: false,
    };
    close_with_rating(&mut s, CLERK, &bad, LOGIN + 50).unwrap();

    let f = today_figures(&mut s, CLERK, today).unwrap();
    assert_eq!((f.total, f.accepted), (1, 1));
    assert_eq!(f.calls, 1, "only the visit with a ticket is a call");
    assert_eq!((f.ratings, f.satisfied, f.dissatisfied), (2, 1, 1));
    // Another clerk's day is not this clerk's.
    let other = today_figures(&mut s, "T-LS", today).unwrap();
    assert_eq!((other.calls, other.ratings), (0, 0));
}
