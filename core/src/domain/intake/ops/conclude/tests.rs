use crate::domain::catalog::calendar::Light;
use crate::domain::intake::cases;
use crate::domain::intake::history::{self, HistoryQuery, HistoryRow};
use crate::domain::intake::testkit::*;
use crate::domain::intake::*;
use crate::infra::store::Store;
use crate::infra::sync::progress::{self, CaseEvent, CaseEvents};

fn approve() -> ConclusionInput {
    ConclusionInput {
        result: ConclusionResult::Approved,
        reason: String::new(),
    }
}

fn deny(reason: &str) -> ConclusionInput {
    ConclusionInput {
        result: ConclusionResult::Denied,
        reason: reason.into(),
    }
}

fn conclude(
    s: &mut Store,
    v: &CatalogView,
    id: &str,
    input: &ConclusionInput,
) -> Result<Case, IntakeError> {
    let p = cases::prepare_conclusion(s, v, &desk(), id, input, NOW + 5000)?;
    cases::record_conclusion(s, v, &desk(), &p, "job-c", NOW + 6000)
}

/// The clerk's history row of a case, a month after its due date.
fn row(s: &mut Store, v: &CatalogView, no: &str) -> HistoryRow {
    let q = HistoryQuery {
        text: no.into(),
        ..HistoryQuery::default()
    };
    let later = china_date(NOW + 30 * 86_400_000);
    let mut page = history::search(s, &v.calendar, "c001", &q, later).unwrap();
    page.rows.remove(0)
}

/// 户口注销证明 (3 working days, not an instant item), accepted.
fn decided_not_instant(s: &mut Store, v: &CatalogView) -> Case {
    let mut d = new_draft(v.item("GA-HJ-0302").unwrap());
    d.answers = vec![Answer {
        question_id: "q1".into(),
        option: 0,
    }];
    let mut d = cases::refresh(v, d).unwrap();
    d.applicant = walk_in(v).applicant;
    d.form.insert("cancelled_name".into(), "李四".into());
    d.form.insert("phone".into(), "13800138000".into());
    for m in &mut d.materials {
        m.received = ReceivedAs::Paper;
    }
    let p = cases::prepare_notice(s, v, &desk(), d, &accept(), NOW).unwrap();
    cases::record_notice_print(s, &desk(), &p, "j", NOW).unwrap();
    cases::decide(s, v, &desk(), &p.case_id, &accept(), NOW).unwrap()
}

/// E11 / I2 (issue 18 item 5): an accepted 即办件 is closed at the counter — the decision
/// printed (准予许可 naming the result), then 办结 in one transaction with its audit entry and
/// the case for the hall server; the light stops; a later feed step never moves it back.
#[test]
fn e9_instant_item_closed_at_counter() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let c = decided(&mut s, &v, "张三", NOW);
    let no = c.case_no.clone().unwrap();
    assert_eq!(row(&mut s, &v, &no).light, Light::Red, "runs before 办结");
    let audited = count(&mut s, "SELECT count(*) FROM audit_log");

    let p = cases::prepare_conclusion(&mut s, &v, &desk(), &c.id, &approve(), NOW + 5000).unwrap();
    assert_eq!(p.conclusion.title, "准予许可决定书");
    let text = p.conclusion.paragraphs.join("\n");
    assert!(
        text.contains("决定准予许可") && text.contains(&no),
        "{text}"
    );
    assert!(text.contains("张三") && text.contains("户籍证明"), "{text}");
    let doc = format!("{:?}", p.document);
    assert!(doc.contains("准予许可决定书") && doc.contains(&no));
    // Laid out, not recorded: nothing written until the print came out.
    assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log"), audited);

    let done = cases::record_conclusion(&mut s, &v, &desk(), &p, "job-c", NOW + 6000).unwrap();
    let k = done.conclusion.clone().unwrap();
    assert_eq!((k.result, k.at), (ConclusionResult::Approved, NOW + 6000));
    assert_eq!(done.state, CaseState::Accepted);
    assert_eq!(done.print_count, c.print_count + 1);
    // One transaction: the case row at 办结, its audit entry, its outbox row of that version.
    let r = row(&mut s, &v, &no);
    assert_eq!(
        (r.progress, r.light),
        (Some(CaseProgress::Approved), Light::None)
    );
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.conclude'"
        ),
        1
    );
    let (version, payload): (i64, String) = s
        .conn()
        .query_row(
            "SELECT version, payload FROM outbox WHERE id = ?1",
            [&c.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(version, done.version as i64);
    let sent: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(sent["conclusion"]["result"], "approved");
    let trail = cases::trail(&mut s, "c001", &c.id).unwrap();
    assert!(trail.iter().any(|e| e.label == "当场办结"));

    // Once: no second conclusion, no withdrawal of a concluded case.
    for input in [approve(), deny("不符合条件")] {
        let e = conclude(&mut s, &v, &c.id, &input).unwrap_err();
        assert!(matches!(e, IntakeError::Concluded), "{e}");
    }
    let e = cases::prepare_withdraw_form(&mut s, &desk(), &c.id, NOW).unwrap_err();
    assert!(matches!(e, IntakeError::Concluded), "{e}");

    // The hall server's feed: its 已受理 (from the first push) arrives after 办结 and changes
    // nothing; 待领取 moves it on.
    let step = |seq: i64, p: &str| CaseEvent {
        seq,
        case_id: c.id.clone(),
        case_no: Some(no.clone()),
        progress: p.into(),
        note: String::new(),
        source: "desk".into(),
        at: NOW + seq,
        flow: None,
    };
    let page = |events: Vec<CaseEvent>| CaseEvents {
        last_seq: events.last().map(|e| e.seq).unwrap_or(0),
        events,
    };
    progress::apply(
        &mut s,
        &page(vec![step(1, "received"), step(2, "in_review")]),
    )
    .unwrap();
    assert_eq!(row(&mut s, &v, &no).progress, Some(CaseProgress::Approved));
    progress::apply(&mut s, &page(vec![step(3, "ready")])).unwrap();
    assert_eq!(row(&mut s, &v, &no).progress, Some(CaseProgress::Ready));
    crate::domain::audit::verify_chain(s.conn()).unwrap();
}

/// 不予许可 needs its reason, and the printed decision names it.
#[test]
fn e9_instant_item_denied_at_counter_with_reason() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let c = decided(&mut s, &v, "张三", NOW);
    let e = conclude(&mut s, &v, &c.id, &deny("  ")).unwrap_err();
    assert!(
        matches!(
            e,
            IntakeError::Decision(DecisionProblem::DenyReasonRequired)
        ),
        "{e}"
    );
    assert_eq!(e.message(), "不予许可须填写理由。");
    let done = conclude(&mut s, &v, &c.id, &deny("被证明人户籍不在本辖区。")).unwrap();
    let k = done.conclusion.unwrap();
    assert_eq!(k.title, "不予许可决定书");
    let text = k.paragraphs.join("\n");
    assert!(
        text.contains("经审查，被证明人户籍不在本辖区，决定不予许可"),
        "{text}"
    );
    assert!(text.contains("行政复议"), "{text}");
    let r = row(&mut s, &v, done.case_no.as_deref().unwrap());
    assert_eq!(
        (r.progress, r.light),
        (Some(CaseProgress::Denied), Light::None)
    );
}

/// Refused, with a typed error and nothing written: an item that is not 即办件, and a case
/// not accepted (补正, withdrawn).
#[test]
fn e9_only_accepted_instant_items_close_at_counter() {
    let v = view();
    let (dir, mut s) = store();
    card_read(&mut s, ID, NOW);
    let other = decided_not_instant(&mut s, &v);
    let audited = count(&mut s, "SELECT count(*) FROM audit_log");
    let e = conclude(&mut s, &v, &other.id, &approve()).unwrap_err();
    assert!(matches!(e, IntakeError::NotInstant), "{e}");
    assert_eq!(e.code(), crate::ErrorCode::IntakeNotInstant);
    assert!(e.message().contains("即办件"), "{}", e.message());

    // An instant item's case asked for a supplement.
    let mut short = walk_in(&v);
    short.materials[1].received = ReceivedAs::Missing;
    let supplement = DecisionInput {
        kind: DecisionKind::Supplement,
        reason: String::new(),
        promise: String::new(),
        deadline: None,
    };
    let p = cases::prepare_notice(&mut s, &v, &desk(), short, &supplement, NOW).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    let sup = cases::decide(&mut s, &v, &desk(), &p.case_id, &supplement, NOW).unwrap();
    let e = conclude(&mut s, &v, &sup.id, &approve()).unwrap_err();
    assert!(
        matches!(e, IntakeError::WrongState(CaseState::Supplement)),
        "{e}"
    );

    // A withdrawn one.
    let c = decided(&mut s, &v, "张三", NOW);
    let key = crate::infra::keystore::StoreKey::random().unwrap();
    let blobs = crate::infra::blobs::BlobStore::open(&dir.path().join("b"), &key).unwrap();
    let signed = cases::attach(&mut s, &blobs, &desk(), "撤件申请", b"\xFF\xD8\xFF1", NOW).unwrap();
    let w = cases::ChangeInput::Withdraw {
        request: Some(signed),
    };
    cases::change(&mut s, &desk(), &c.id, &w, "申请人撤回", NOW).unwrap();
    let audited_after = count(&mut s, "SELECT count(*) FROM audit_log");
    let e = conclude(&mut s, &v, &c.id, &approve()).unwrap_err();
    assert!(
        matches!(e, IntakeError::WrongState(CaseState::Withdrawn)),
        "{e}"
    );
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.conclude'"
        ),
        0
    );
    assert!(audited_after > audited);
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM cases WHERE progress IS NOT NULL"
        ),
        0
    );
}
