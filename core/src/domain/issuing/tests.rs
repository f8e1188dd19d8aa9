//! H1–H2 on the workstation's own copy: the offline rules, one transaction per handover.

use super::*;
use crate::domain::intake::testkit::*;
use crate::infra::sync::progress::{self, CaseEvent, CaseEvents};

fn ready(s: &mut Store, case_id: &str, seq: i64) {
    let page = CaseEvents {
        events: vec![CaseEvent {
            seq,
            case_id: case_id.into(),
            case_no: None,
            progress: "ready".into(),
            note: String::new(),
            source: "backoffice:sys".into(),
            at: NOW,
            flow: None,
        }],
        last_seq: seq,
    };
    progress::apply(s, &page).unwrap();
}

fn person(name: &str, id: &str) -> Party {
    Party {
        name: name.into(),
        id_number: id.into(),
        ..Party::default()
    }
}

fn on_site(case_ids: Vec<String>, authorised: bool) -> HandoverInput {
    HandoverInput {
        case_ids,
        authorised,
        method: PickupMethod::OnSite,
        tracking_no: None,
        locker_code: Some("ignored".into()),
        photo: Some("ab".repeat(32)),
    }
}

#[test]
fn h2_offline_a_ready_result_goes_to_the_applicant_or_an_authorised_agent_once() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let a = decided(&mut s, &v, "张三", NOW);
    let b = decided(&mut s, &v, "张三", NOW + 1);
    ready(&mut s, &a.id, 1);

    // Found by number or by the card's ID number; only A is ready.
    let by_no = find_local(&mut s, &Find::CaseNo(a.case_no.clone().unwrap())).unwrap();
    assert_eq!(by_no.len(), 1);
    assert!(by_no[0].ready && by_no[0].held_here);
    assert_eq!(by_no[0].applicant, "张* 1101**********002X");
    let by_id = find_local(&mut s, &Find::IdNumber(ID.to_lowercase())).unwrap();
    assert_eq!(by_id.iter().filter(|c| c.ready).count(), 1);
    assert_eq!(by_id.len(), 2);

    let applicant = person("张三", &ID.to_lowercase());
    let stranger = person("赵六", "441502198502020022");
    assert_eq!(
        local_rules(&mut s, &a.id, &applicant, false),
        Ok(Relation::Applicant)
    );
    assert!(matches!(
        local_rules(&mut s, &a.id, &stranger, false),
        Err(IssueError::PersonMismatch(_))
    ));
    assert_eq!(
        local_rules(&mut s, &a.id, &stranger, true),
        Ok(Relation::Agent)
    );
    assert!(matches!(
        local_rules(&mut s, &b.id, &applicant, false),
        Err(IssueError::NotReady(_))
    ));
    assert!(matches!(
        local_rules(&mut s, "elsewhere", &applicant, false),
        Err(IssueError::NotHeldHere(_))
    ));

    // One transaction: the pickup record, the audit entry (no citizen data), 已领取.
    let mut input = on_site(vec![a.id.clone()], false);
    input.check().unwrap();
    assert_eq!(input.locker_code, None, "on site keeps no locker code");
    let audited = count(&mut s, "SELECT count(*) FROM audit_log");
    let h = Handover {
        case_id: a.id.clone(),
        case_no: a.case_no.clone(),
        relation: Relation::Applicant,
    };
    record(&mut s, "c009", &applicant, &input, &[h], NOW + 10).unwrap();
    assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log"), audited + 1);
    let (action, detail): (String, String) = s
        .conn()
        .query_row(
            "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "case.handover");
    assert!(!detail.contains(ID) && !detail.contains("张三"), "{detail}");
    let payload: String = s
        .conn()
        .query_row(
            "SELECT payload FROM outbox WHERE kind = 'pickup'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let p: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(p["person"]["id_number"], ID);
    assert_eq!(p["method"], "on_site");
    assert_eq!(p["case_no"], a.case_no.clone().unwrap());
    assert!(matches!(
        local_rules(&mut s, &a.id, &applicant, false),
        Err(IssueError::AlreadyDone(_))
    ));
}

#[test]
fn h2_the_method_needs_its_tracking_number_or_locker_code() {
    let mut post = on_site(vec!["c".into()], false);
    post.method = PickupMethod::Post;
    assert_eq!(post.check(), Err(IssueError::TrackingNo));
    post.tracking_no = Some(" SF1234567890 ".into());
    post.check().unwrap();
    assert_eq!(post.tracking_no.as_deref(), Some("SF1234567890"));
    assert_eq!(post.locker_code, None);
    let mut locker = on_site(vec!["c".into()], false);
    locker.method = PickupMethod::Locker;
    locker.locker_code = Some("L1".into());
    assert_eq!(locker.check(), Err(IssueError::LockerCode));
    locker.locker_code = Some("L0701".into());
    locker.check().unwrap();
    assert_eq!(
        on_site(vec![], false).check(),
        Err(IssueError::NothingChosen)
    );
}
