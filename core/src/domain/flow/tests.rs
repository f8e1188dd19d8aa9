//! F3 on the workstation's own copy: a package of the window's paper, its slip, the sign-off.

use super::*;
use crate::domain::document::preview;
use crate::domain::intake::testkit::*;
use crate::infra::sync::progress::{self, CaseEvent, CaseEvents};

fn records(s: &mut Store, kind: &str) -> i64 {
    count(
        s,
        &format!("SELECT count(*) FROM outbox WHERE kind = '{kind}'"),
    )
}

#[test]
fn f3_the_windows_paper_leaves_in_one_package_and_is_signed_for_once() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let a = decided(&mut s, &v, "张三", NOW);
    let b = decided(&mut s, &v, "李四", NOW + 1);

    let waiting = pending(&mut s).unwrap();
    assert_eq!(waiting.len(), 2);
    assert!(waiting[0]
        .materials
        .iter()
        .all(|m| m.form == wording::ORIGINAL));
    assert_eq!(waiting[0].applicant, "张* 1101**********002X");

    // Nothing chosen, an unknown case: refused, nothing written.
    let ids = |c: &[&Case]| c.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert!(matches!(
        create(&mut s, &desk(), "441500-3", &[], NOW),
        Err(FlowError::NothingChosen)
    ));
    assert!(matches!(
        create(&mut s, &desk(), "441500-3", &["nope".into()], NOW),
        Err(FlowError::NotPending(_))
    ));
    assert_eq!(records(&mut s, "flow"), 0);

    let flow = create(&mut s, &desk(), "441500-3", &ids(&[&a, &b]), NOW + 5).unwrap();
    assert_eq!(flow.no, "WL44150020261123003001");
    assert!(is_flow_no(&flow.no));
    assert_eq!(flow.entries.len(), 2);
    assert_eq!(records(&mut s, "flow"), 1);
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'flow.create'"
        ),
        1
    );
    // The cases left the window: not pending, not in a second package.
    assert!(pending(&mut s).unwrap().is_empty());
    assert!(matches!(
        create(&mut s, &desk(), "441500-3", &ids(&[&a]), NOW + 6),
        Err(FlowError::NotPending(_))
    ));
    let next = {
        let c = decided(&mut s, &v, "王五", NOW + 7);
        create(&mut s, &desk(), "441500-3", &ids(&[&c]), NOW + 8).unwrap()
    };
    assert_eq!(next.no, "WL44150020261123003002");

    // The slip: its number as text and as the QR code, a row per case, no full ID number.
    let doc = document::slip(&flow, "汕尾市政务服务中心", "3号窗口", "钱七");
    let text = preview(&doc)
        .lines
        .iter()
        .map(|l| l.text.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains(wording::TITLE) && text.contains(&flow.no),
        "{text}"
    );
    assert!(text.contains(a.case_no.as_deref().unwrap()));
    assert!(!text.contains(ID), "the full ID number is on the slip");
    // Laid out with the bundled font, each case number stays on one line of its cell.
    let font = crate::domain::document::font::bundled().unwrap();
    let pages = crate::domain::document::layout::layout(&doc, font).unwrap();
    let texts: Vec<&str> = pages.iter().flat_map(|p| p.texts()).collect();
    for e in &flow.entries {
        assert!(
            texts.contains(&e.case_no.as_str()),
            "{} wraps: {texts:?}",
            e.case_no
        );
    }
    assert!(doc
        .blocks
        .iter()
        .any(|b| matches!(b, crate::domain::document::Block::Qr(q) if q.data == flow.no)));

    // Signed for: A now, then both; the second time only B counts.
    let signed = sign(&mut s, "c009", &flow, &ids(&[&a]), NOW + 10).unwrap();
    assert_eq!(signed, vec![a.case_no.clone().unwrap()]);
    let held = load(&mut s, &flow.no, "441500-3").unwrap().unwrap();
    assert_eq!(held.received(), 1);
    let signed = sign(&mut s, "c009", &held, &ids(&[&a, &b]), NOW + 11).unwrap();
    assert_eq!(signed, vec![b.case_no.clone().unwrap()]);
    let held = load(&mut s, &flow.no, "441500-3").unwrap().unwrap();
    assert!(matches!(
        sign(&mut s, "c009", &held, &ids(&[&a, &b]), NOW + 12),
        Err(FlowError::AlreadySigned(_))
    ));
    assert_eq!(records(&mut s, "flow_signoff"), 2);
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM cases WHERE flow_state = 'received'"
        ),
        2
    );
    let today = list(&mut s, NOW).unwrap();
    assert_eq!(today.len(), 2);
    assert_eq!((today[1].cases, today[1].received), (2, 2));
}

#[test]
fn f3_a_sign_off_at_another_window_reaches_the_sender_through_the_case_feed() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let a = decided(&mut s, &v, "张三", NOW);
    let flow = create(
        &mut s,
        &desk(),
        "441500-3",
        std::slice::from_ref(&a.id),
        NOW + 5,
    )
    .unwrap();
    let page = CaseEvents {
        events: vec![CaseEvent {
            seq: 1,
            case_id: a.id.clone(),
            case_no: a.case_no.clone(),
            progress: "received".into(),
            note: String::new(),
            source: "flow:441500-7".into(),
            at: NOW + 20,
            flow: Some(flow.no.clone()),
        }],
        last_seq: 1,
    };
    progress::apply(&mut s, &page).unwrap();
    let held = load(&mut s, &flow.no, "441500-3").unwrap().unwrap();
    assert_eq!(held.entries[0].received_at, Some(NOW + 20));
    let state: String = s
        .conn()
        .query_row("SELECT flow_state FROM cases WHERE id = ?1", [&a.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(state, "received");
}

#[test]
fn f3_a_case_without_paper_or_not_taken_in_does_not_travel() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let mut d = walk_in(&v);
    for m in &mut d.materials {
        m.received = ReceivedAs::Scanned;
    }
    let p = crate::domain::intake::cases::prepare_notice(&mut s, &v, &desk(), d, &accept(), NOW)
        .unwrap();
    crate::domain::intake::cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    crate::domain::intake::cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
    assert!(
        pending(&mut s).unwrap().is_empty(),
        "scans only: no paper to send"
    );
}
