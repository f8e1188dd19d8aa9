use super::cases::{self, ChangeInput};
use super::history::{self, ExportFormat, HistoryQuery};
use super::*;
use crate::domain::audit::{self, AuditEntry};
use crate::infra::store::Store;

const ID: &str = "11010519491231002X";
// 2026-11-23 10:00 China time (a Monday).
const NOW: i64 = 1_795_399_200_000;

fn view() -> CatalogView {
    CatalogView::new(crate::domain::catalog::load_dir(&crate::domain::catalog::bundled_dir()).unwrap())
}

fn desk() -> Desk {
    Desk {
        clerk_id: "c001".into(),
        clerk_name: "钱七".into(),
        hall_name: "汕尾市政务服务中心".into(),
        hall_code: "441500".into(),
        window_number: 3,
        window_label: "3号窗口".into(),
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("w.db")).unwrap();
    (dir, s)
}

fn card_read(store: &mut Store, id: &str, at: i64) {
    store
        .transact(|tx| {
            audit::record(
                tx,
                at,
                AuditEntry {
                    actor: Some("c001".into()),
                    action: "card.read".into(),
                    subject: Some(id.into()),
                    detail: serde_json::json!({}),
                },
            )
        })
        .unwrap();
}

/// 户籍证明, 本人申请, applicant from the card, both materials in.
fn walk_in(v: &CatalogView) -> CaseDraft {
    let item = v.item("GA-HJ-0301").unwrap();
    let mut d = new_draft(item);
    d.answers = vec![Answer {
        question_id: "q1".into(),
        option: 0,
    }];
    let mut d = cases::refresh(v, d).unwrap();
    d.applicant = Party {
        name: "张三".into(),
        id_number: ID.into(),
        id_source: IdSource::Card,
        ..Party::default()
    };
    for m in &mut d.materials {
        m.received = ReceivedAs::Paper;
        m.pages = 1;
    }
    d
}

fn accept() -> DecisionInput {
    DecisionInput {
        kind: DecisionKind::Accept,
        reason: String::new(),
        promise: String::new(),
        deadline: None,
    }
}

fn count(store: &mut Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn situation_tree_resolves_and_checklist_follows_the_answers() {
    let v = view();
    let item = v.item("GA-HJ-0402").unwrap();
    let a = |q: &str, o| Answer {
        question_id: q.into(),
        option: o,
    };
    assert!(resolve_situation(item, &[a("q1", 0)]).unwrap().is_none());
    let s = resolve_situation(item, &[a("q1", 1), a("q3", 1)])
        .unwrap()
        .unwrap();
    assert_eq!(s.id, "s4");
    assert!(resolve_situation(item, &[a("q2", 0)]).is_err());
    assert!(resolve_situation(item, &[a("q1", 9)]).is_err());
    let d = cases::refresh(
        &v,
        CaseDraft {
            answers: vec![a("q1", 0), a("q2", 0)],
            ..new_draft(item)
        },
    )
    .unwrap();
    assert_eq!(d.situation_id.as_deref(), Some("s1"));
    assert_eq!(d.materials.len(), 4);
}

#[test]
fn form_fields_are_validated_by_type() {
    let v = view();
    let item = v.item("GA-HJ-0301").unwrap();
    let f = |id: &str| item.fields.iter().find(|f| f.id == id).unwrap();
    assert!(field_problem(f("purpose"), "入学").is_none());
    assert!(field_problem(f("purpose"), "旅游").is_some());
    assert!(field_problem(f("purpose"), "").is_some());
    assert!(field_problem(f("subject_id"), "").is_none());
    assert!(field_problem(f("subject_id"), "110105194912310021").is_some());
    assert!(field_problem(f("subject_id"), ID).is_none());
    assert!(field_problem(f("phone"), "13800138000").is_none());
    assert!(field_problem(f("phone"), "0660-3312345").is_none());
    assert!(field_problem(f("phone"), "12345").is_some());
    assert!(field_problem(f("submit_to"), &"长".repeat(51)).is_some());
}

#[test]
fn walk_in_needs_its_notice_printed_before_the_decision() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW - 60_000);
    let draft = walk_in(&v);
    let prepared = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap();
    let case_id = prepared.case_id.clone();
    // Not printed yet: the decision is refused and nothing is queued for sync.
    let err = cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW).unwrap_err();
    assert!(matches!(err, IntakeError::NoticeNotPrinted), "{err}");
    assert_eq!(
        count(&mut s, "SELECT count(*) FROM outbox WHERE kind = 'case'"),
        0
    );

    let text = prepared.notice.paragraphs.join("\n");
    assert!(text.contains("张三"), "{text}");
    assert!(text.contains("户籍证明"));
    assert!(text.contains("本事项为即办件"), "即办件 wording: {text}");
    assert!(!text.contains("0个工作日"), "{text}");
    assert!(text.contains("1. 居民身份证（原件"), "{text}");
    assert!(!text.contains('{'), "unfilled placeholder: {text}");
    assert_eq!(prepared.notice.title, "户政业务受理回执");

    cases::record_notice_print(&mut s, &desk(), &prepared, "job-1", NOW).unwrap();
    let c = cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW + 1000).unwrap();
    assert_eq!(c.state, CaseState::Accepted);
    let no = c.case_no.clone().unwrap();
    assert_eq!(no, "441500202611230030001");
    assert_eq!(c.print_count, 1);
    assert_eq!(c.due_date.as_deref(), Some("2026-11-23"));
    // One action, one transaction: the case row, its audit entry and its outbox row.
    let (kind, version): (String, i64) = s
        .conn()
        .query_row(
            "SELECT kind, version FROM outbox WHERE id = ?1",
            [&case_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((kind.as_str(), version), ("case", c.version as i64));
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.decide'"
        ),
        1
    );
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'print.notice'"
        ),
        1
    );
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.typed_id'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut s,
            "SELECT uses FROM item_usage WHERE item_code = 'GA-HJ-0301'"
        ),
        1
    );
    // Decided: no second decision.
    assert!(matches!(
        cases::decide(&mut s, &v, &desk(), &case_id, &accept(), NOW).unwrap_err(),
        IntakeError::WrongState(CaseState::Accepted)
    ));
    crate::domain::audit::verify_chain(s.conn()).unwrap();
}

#[test]
fn a_change_after_printing_needs_a_new_notice() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let draft = walk_in(&v);
    let p = cases::prepare_notice(&mut s, &v, &desk(), draft.clone(), &accept(), NOW).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    let mut changed = draft;
    changed.id = Some(p.case_id.clone());
    changed.form.insert("purpose".into(), "入学".into());
    cases::save_draft(&mut s, &v, &desk(), changed.clone(), false, NOW).unwrap();
    assert!(matches!(
        cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap_err(),
        IntakeError::NoticeNotPrinted
    ));
    // Reprinting for the new content keeps the same case number.
    let p2 = cases::prepare_notice(&mut s, &v, &desk(), changed, &accept(), NOW).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p2, "j2", NOW).unwrap();
    let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
    assert_eq!(c.case_no.as_deref(), Some("441500202611230030001"));
    assert_eq!(c.notices.len(), 2);
}

#[test]
fn accept_refused_with_a_required_material_missing() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let mut draft = walk_in(&v);
    draft.materials[1].received = ReceivedAs::Missing;
    let err = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap_err();
    assert!(matches!(err, IntakeError::MaterialsMissing(ref m) if m == &["居民户口簿"]));
    assert!(err.message().contains("居民户口簿"));
    // 户籍证明 does not allow 容缺.
    let mut draft = walk_in(&v);
    draft.materials[1].received = ReceivedAs::Missing;
    let deferred = DecisionInput {
        kind: DecisionKind::Deferred,
        reason: String::new(),
        promise: "承诺补交".into(),
        deadline: None,
    };
    assert!(matches!(
        cases::prepare_notice(&mut s, &v, &desk(), draft, &deferred, NOW).unwrap_err(),
        IntakeError::NotDeferrable(_)
    ));
}

#[test]
fn card_sourced_party_must_have_been_read_here() {
    let v = view();
    let (_d, mut s) = store();
    let draft = walk_in(&v);
    let err = cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).unwrap_err();
    assert!(matches!(err, IntakeError::CardNotRead("申请人")));
    // A read long ago does not count.
    card_read(&mut s, ID, NOW - cases::CARD_READ_VALID_MS - 1);
    assert!(cases::save_draft(&mut s, &v, &desk(), draft.clone(), true, NOW).is_err());
    card_read(&mut s, ID, NOW - 1000);
    cases::save_draft(&mut s, &v, &desk(), draft, true, NOW).unwrap();
}

#[test]
fn typed_id_is_allowed_as_intake_data_and_flagged() {
    let v = view();
    let (_d, mut s) = store();
    let mut draft = walk_in(&v);
    draft.applicant.id_source = IdSource::Typed;
    draft.applicant.id_number = "110105194912310021".into();
    assert!(matches!(
        cases::prepare_notice(&mut s, &v, &desk(), draft.clone(), &accept(), NOW).unwrap_err(),
        IntakeError::Party { .. }
    ));
    draft.applicant.id_number = ID.into();
    let p = cases::prepare_notice(&mut s, &v, &desk(), draft, &accept(), NOW).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
    let subject: String = s
        .conn()
        .query_row(
            "SELECT subject FROM audit_log WHERE action = 'intake.typed_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(subject, ID);
}

#[test]
fn supplement_lists_what_is_missing_with_a_five_working_day_deadline() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let mut draft = walk_in(&v);
    draft.materials[1].received = ReceivedAs::Missing;
    let input = DecisionInput {
        kind: DecisionKind::Supplement,
        reason: String::new(),
        promise: String::new(),
        deadline: None,
    };
    let p = cases::prepare_notice(&mut s, &v, &desk(), draft, &input, NOW).unwrap();
    let text = p.notice.paragraphs.join("\n");
    assert!(text.contains("1. 居民户口簿"), "{text}");
    assert!(!text.contains("说明："), "no empty remark line: {text}");
    // Monday 2026-11-23 + 5 working days = Monday 2026-11-30.
    assert!(text.contains("2026年11月30日"), "{text}");
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &input, NOW).unwrap();
    assert_eq!(c.state, CaseState::Supplement);
    assert_eq!(c.due_date.as_deref(), Some("2026-11-30"));
    assert_eq!(c.decision.unwrap().missing, ["居民户口簿"]);
    // The citizen comes back with the book the next day (the card is read again): the same
    // case is accepted.
    card_read(&mut s, ID, NOW + 86_400_000);
    let mut back = c.draft.clone();
    back.materials[1].received = ReceivedAs::Paper;
    let p2 = cases::prepare_notice(&mut s, &v, &desk(), back, &accept(), NOW + 86_400_000).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p2, "j2", NOW + 86_400_000).unwrap();
    let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW + 86_400_000).unwrap();
    assert_eq!(c.state, CaseState::Accepted);
}

#[test]
fn reject_needs_a_reason_and_deferred_needs_a_promise() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let mut input = DecisionInput {
        kind: DecisionKind::Reject,
        reason: " ".into(),
        promise: String::new(),
        deadline: None,
    };
    assert!(matches!(
        cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &input, NOW).unwrap_err(),
        IntakeError::Decision(_)
    ));
    input.reason = "申请事项不属于本机关职权范围".into();
    let p = cases::prepare_notice(&mut s, &v, &desk(), walk_in(&v), &input, NOW).unwrap();
    assert!(p
        .notice
        .paragraphs
        .join("")
        .contains("不属于本机关职权范围"));
    assert_eq!(p.notice.title, "不予受理通知书");

    // 容缺: 市外迁入（购房入户）, 随迁 situation, the deferrable relation proof missing.
    let item = v.item("GA-HJ-0404").unwrap();
    let mut d = new_draft(item);
    d.answers = vec![Answer {
        question_id: "q1".into(),
        option: 1,
    }];
    let mut d = cases::refresh(&v, d).unwrap();
    d.applicant = walk_in(&v).applicant;
    d.form.insert("move_in_addr".into(), "城区香洲路1号".into());
    d.form.insert("phone".into(), "13800138000".into());
    for m in &mut d.materials {
        m.received = if m.deferrable {
            ReceivedAs::Missing
        } else {
            ReceivedAs::Paper
        };
    }
    let mut deferred = DecisionInput {
        kind: DecisionKind::Deferred,
        reason: String::new(),
        promise: String::new(),
        deadline: Some("2026-12-04".into()),
    };
    assert!(cases::prepare_notice(&mut s, &v, &desk(), d.clone(), &deferred, NOW).is_err());
    deferred.promise = "申请人承诺于期限内补交结婚证".into();
    let p = cases::prepare_notice(&mut s, &v, &desk(), d, &deferred, NOW).unwrap();
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    let c = cases::decide(&mut s, &v, &desk(), &p.case_id, &deferred, NOW).unwrap();
    assert_eq!(c.state, CaseState::Deferred);
    assert_eq!(c.due_date.as_deref(), Some("2026-12-04"));
    let text = c.notices[0].paragraphs.join("\n");
    assert!(
        text.contains("2026年12月4日") && text.contains("关系证明"),
        "{text}"
    );
    // Second case of the day gets the next number.
    assert_eq!(c.case_no.as_deref(), Some("441500202611230030002"));
}

#[test]
fn parked_drafts_are_listed_and_resumed() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let parked = cases::save_draft(&mut s, &v, &desk(), walk_in(&v), true, NOW).unwrap();
    assert_eq!(parked.state, CaseState::Draft);
    assert!(parked.case_no.is_none());
    let drafts = cases::drafts(&mut s, "c001").unwrap();
    assert_eq!(drafts.len(), 1);
    assert!(cases::drafts(&mut s, "other").unwrap().is_empty());
    assert!(cases::load(&mut s, &parked.id, "other").is_err());
    // Resumed: the same case, decided.
    let d = drafts[0].draft.clone();
    let p = cases::prepare_notice(&mut s, &v, &desk(), d, &accept(), NOW).unwrap();
    assert_eq!(p.case_id, parked.id);
    cases::record_notice_print(&mut s, &desk(), &p, "j", NOW).unwrap();
    cases::decide(&mut s, &v, &desk(), &p.case_id, &accept(), NOW).unwrap();
    assert!(cases::drafts(&mut s, "c001").unwrap().is_empty());
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.park'"
        ),
        1
    );
}

fn decided(s: &mut Store, v: &CatalogView, name: &str, at: i64) -> Case {
    let mut d = walk_in(v);
    d.applicant.name = name.into();
    let p = cases::prepare_notice(s, v, &desk(), d, &accept(), at).unwrap();
    cases::record_notice_print(s, &desk(), &p, "j", at).unwrap();
    cases::decide(s, v, &desk(), &p.case_id, &accept(), at).unwrap()
}

#[test]
fn changes_and_reprints_carry_a_reason_and_are_audited() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    let c = decided(&mut s, &v, "张三", NOW);
    let edit = ChangeInput::Edit {
        phone: Some("13900139000".into()),
        notes: None,
        pickup: None,
    };
    assert!(matches!(
        cases::change(&mut s, &desk(), &c.id, &edit, "  ", NOW).unwrap_err(),
        IntakeError::ReasonRequired
    ));
    let c2 = cases::change(&mut s, &desk(), &c.id, &edit, "申请人更换手机号", NOW).unwrap();
    assert_eq!(c2.draft.applicant.phone, "13900139000");
    assert_eq!(c2.changes.len(), 1);
    assert!(c2.version > c.version);
    let v_out: i64 = s
        .conn()
        .query_row("SELECT version FROM outbox WHERE id = ?1", [&c.id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(v_out, c2.version as i64);
    let p = cases::prepare_reprint(&mut s, &desk(), &c.id, 0).unwrap();
    assert!(matches!(
        cases::record_reprint(&mut s, &desk(), &p, "", "j", NOW).unwrap_err(),
        IntakeError::ReasonRequired
    ));
    let c3 = cases::record_reprint(&mut s, &desk(), &p, "群众遗失回执", "j9", NOW).unwrap();
    assert_eq!(c3.print_count, 2);
    let detail: String = s
        .conn()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'print.reprint'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("群众遗失回执"));
    let c4 = cases::change(
        &mut s,
        &desk(),
        &c.id,
        &ChangeInput::Withdraw,
        "申请人撤回申请",
        NOW,
    )
    .unwrap();
    assert_eq!(c4.state, CaseState::Withdrawn);
    assert_eq!(count(&mut s, "SELECT count(*) FROM case_changes"), 2);
}

#[test]
fn history_searches_own_cases_exports_and_counts_today() {
    let v = view();
    let (dir, mut s) = store();
    card_read(&mut s, ID, NOW);
    let a = decided(&mut s, &v, "张三", NOW);
    decided(&mut s, &v, "李四", NOW + 1000);
    decided(&mut s, &v, "张三丰", NOW + 2000);
    let today = china_date(NOW);
    let q = |text: &str| HistoryQuery {
        text: text.into(),
        ..HistoryQuery::default()
    };
    let names = |p: history::HistoryPage| {
        p.rows
            .into_iter()
            .map(|r| r.applicant_name)
            .collect::<Vec<_>>()
    };
    let search = |s: &mut Store, query: &HistoryQuery| {
        history::search(s, &v.calendar, "c001", query, today).unwrap()
    };
    assert_eq!(names(search(&mut s, &q(""))), ["张三丰", "李四", "张三"]);
    assert_eq!(names(search(&mut s, &q("张三"))), ["张三", "张三丰"]);
    assert_eq!(
        names(search(&mut s, &q(a.case_no.as_deref().unwrap()))),
        ["张三"]
    );
    assert_eq!(search(&mut s, &q("4415002026")).rows.len(), 3);
    assert_eq!(search(&mut s, &q(ID)).rows.len(), 3);
    assert!(history::search(&mut s, &v.calendar, "c002", &q(""), today)
        .unwrap()
        .rows
        .is_empty());
    let by_date = HistoryQuery {
        from: Some("2026-11-24".into()),
        ..HistoryQuery::default()
    };
    assert!(search(&mut s, &by_date).rows.is_empty());
    let page = search(
        &mut s,
        &HistoryQuery {
            limit: 2,
            ..HistoryQuery::default()
        },
    );
    assert!(page.more);
    // 即办件 due today: yellow today, orange and red when left undone.
    use crate::domain::catalog::calendar::Light;
    assert_eq!(search(&mut s, &q("李四")).rows[0].light, Light::Yellow);
    let tue = crate::domain::catalog::calendar::parse_date("2026-11-24").unwrap();
    let thu = crate::domain::catalog::calendar::parse_date("2026-11-26").unwrap();
    let light_on = |s: &mut Store, d| {
        history::search(s, &v.calendar, "c001", &q("李四"), d)
            .unwrap()
            .rows[0]
            .light
    };
    assert_eq!(light_on(&mut s, tue), Light::Orange);
    assert_eq!(light_on(&mut s, thu), Light::Red);

    for (fmt, name) in [(ExportFormat::Csv, "x.csv"), (ExportFormat::Xlsx, "x.xlsx")] {
        let path = dir.path().join("exports").join(name);
        let r =
            history::export(&mut s, &v.calendar, &desk(), &q(""), fmt, &path, today, NOW).unwrap();
        assert_eq!(r.rows, 3);
        let bytes = std::fs::read(&path).unwrap();
        match fmt {
            ExportFormat::Csv => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.starts_with("\u{feff}受理编号,"));
                assert!(text.contains("张三丰"));
                assert!(text.contains("1101**********002X"), "ID masked: {text}");
                assert!(!text.contains(ID));
            }
            ExportFormat::Xlsx => assert_eq!(&bytes[..2], b"PK"),
        }
    }
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'history.export'"
        ),
        2
    );
    let f = history::today_figures(&mut s, "c001", today).unwrap();
    assert_eq!((f.total, f.accepted, f.prints), (3, 3, 3));
}

#[test]
fn usage_gives_recent_frequent_and_favourites() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW);
    decided(&mut s, &v, "张三", NOW);
    decided(&mut s, &v, "李四", NOW + 1);
    cases::set_favourite(&mut s, "c001", "GA-HJ-0101", true).unwrap();
    let u = cases::usage(&mut s, "c001").unwrap();
    assert_eq!(u.counts["GA-HJ-0301"], 2);
    assert_eq!(u.recent, ["GA-HJ-0301"]);
    assert_eq!(u.frequent, ["GA-HJ-0301"]);
    assert_eq!(u.favourites, ["GA-HJ-0101"]);
    cases::set_favourite(&mut s, "c001", "GA-HJ-0101", false).unwrap();
    assert!(cases::usage(&mut s, "c001").unwrap().favourites.is_empty());
}

#[test]
fn case_numbers_restart_daily_and_carry_hall_and_window() {
    let v = view();
    let (_d, mut s) = store();
    card_read(&mut s, ID, NOW + 86_400_000);
    card_read(&mut s, ID, NOW);
    let a = decided(&mut s, &v, "张三", NOW);
    let b = decided(&mut s, &v, "张三", NOW + 86_400_000);
    assert_eq!(a.case_no.as_deref(), Some("441500202611230030001"));
    assert_eq!(b.case_no.as_deref(), Some("441500202611240030001"));
}

#[test]
fn imported_files_are_checked_stored_encrypted_and_queued() {
    let (dir, mut s) = store();
    let key = crate::infra::keystore::StoreKey::random().unwrap();
    let blobs = crate::infra::blobs::BlobStore::open(&dir.path().join("blobs"), &key).unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n%%EOF";
    let att = cases::attach(&mut s, &blobs, &desk(), "户口簿.pdf", pdf, NOW).unwrap();
    assert_eq!((att.mime.as_str(), att.pages), ("application/pdf", 2));
    assert_eq!(blobs.read(&att.sha256).unwrap(), pdf);
    // Encrypted on disk: the plain bytes are not in the file.
    let raw = std::fs::read(blobs.path_of(&att.sha256)).unwrap();
    assert!(!raw.windows(8).any(|w| w == b"/Type /P"));
    assert_eq!(count(&mut s, "SELECT count(*) FROM blob_outbox"), 1);
    assert_eq!(
        count(
            &mut s,
            "SELECT count(*) FROM audit_log WHERE action = 'intake.attach'"
        ),
        1
    );
    for bad in [&b""[..], &b"MZ\x90\x00 not a document"[..]] {
        let e = cases::attach(&mut s, &blobs, &desk(), "x.exe", bad, NOW).unwrap_err();
        assert!(matches!(e, IntakeError::Attachment(_)), "{e}");
    }
    let png = b"\x89PNG\r\n\x1a\n0000";
    assert_eq!(
        cases::attach(&mut s, &blobs, &desk(), "照片.png", png, NOW)
            .unwrap()
            .pages,
        1
    );
}
