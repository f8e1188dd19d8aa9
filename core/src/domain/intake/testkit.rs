//! Fixtures of the intake tests: the bundled catalog, a clerk at window 3 of the Shanwei hall,
//! a fresh store, a card read, a walk-in for 户籍证明 and a decided case.

use super::cases;
use super::*;
use crate::domain::audit::{self, AuditEntry};
use crate::infra::store::Store;

pub(crate) const ID: &str = "11010519491231002X";
// 2026-11-23 10:00 China time (a Monday).
pub(crate) const NOW: i64 = 1_795_399_200_000;

pub(crate) fn view() -> CatalogView {
    CatalogView::new(
        crate::domain::catalog::load_dir(&crate::domain::catalog::bundled_dir()).unwrap(),
    )
}

pub(crate) fn desk() -> Desk {
    Desk {
        clerk_id: "c001".into(),
        clerk_name: "钱七".into(),
        hall_name: "汕尾市政务服务中心".into(),
        hall_code: "441500".into(),
        window_number: 3,
        window_label: "3号窗口".into(),
    }
}

pub(crate) fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("w.db")).unwrap();
    (dir, s)
}

pub(crate) fn card_read(store: &mut Store, id: &str, at: i64) {
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
pub(crate) fn walk_in(v: &CatalogView) -> CaseDraft {
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

/// A published 统一社会信用代码 (GB 32100 check character verified).
pub(crate) const USCC: &str = "91350100M000100Y43";
pub(crate) const COMPANY: &str = "汕尾市海丰县红海湾贸易有限公司";

/// The walk-in for an organisation: 张三 (card read) as its legal representative.
pub(crate) fn company(v: &CatalogView) -> CaseDraft {
    let mut d = walk_in(v);
    d.organisation = Some(Organisation {
        name: COMPANY.into(),
        uscc: USCC.into(),
    });
    d
}

pub(crate) fn accept() -> DecisionInput {
    DecisionInput {
        kind: DecisionKind::Accept,
        reason: String::new(),
        promise: String::new(),
        deadline: None,
    }
}

pub(crate) fn count(store: &mut Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

pub(crate) fn decided(s: &mut Store, v: &CatalogView, name: &str, at: i64) -> Case {
    let mut d = walk_in(v);
    d.applicant.name = name.into();
    let p = cases::prepare_notice(s, v, &desk(), d, &accept(), at).unwrap();
    cases::record_notice_print(s, &desk(), &p, "j", at).unwrap();
    cases::decide(s, v, &desk(), &p.case_id, &accept(), at).unwrap()
}
