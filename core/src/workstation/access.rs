//! The clerk's permissions and item scope at the workstation (A4; rules in
//! [`crate::domain::access`]): every command that needs a permission asks [`Workstation::permit`]
//! first, so a refusal comes before any device or store is touched; a refused action that
//! would have been audited leaves a `permission.denied` entry naming the permission and the
//! action instead.

use std::collections::HashSet;
use std::sync::Arc;

use crate::domain::access::{Access, AccessError, Permission};
use crate::domain::catalog::search::ItemHit;
use crate::domain::catalog::Item;
use crate::domain::intake::{CatalogView, Desk};
use crate::UserError;

use super::Workstation;

/// The clerk at the desk, the catalog now and what the clerk may do under it.
pub struct Clerk {
    pub desk: Desk,
    pub view: Arc<CatalogView>,
    pub access: Access,
}

impl Clerk {
    /// `code`'s item when it is in the clerk's scope.
    pub fn item(&self, code: &str) -> Result<&Item, UserError> {
        let item = self.view.item(code).map_err(|e| e.to_user())?;
        Ok(self.access.check_item(item)?)
    }

    /// The hits whose items are in the clerk's scope.
    pub fn keep(&self, hits: Vec<ItemHit>) -> Vec<ItemHit> {
        let codes = self.codes_in_scope();
        hits.into_iter()
            .filter(|h| codes.as_ref().is_none_or(|c| c.contains(h.code.as_str())))
            .collect()
    }

    /// The item codes in scope; `None` when every item is.
    pub fn codes_in_scope(&self) -> Option<HashSet<&str>> {
        match self.access.scope {
            crate::domain::access::ItemScope::All => None,
            _ => Some(
                self.view
                    .catalog
                    .items
                    .iter()
                    .filter(|i| self.access.serves(i))
                    .map(|i| i.code.as_str())
                    .collect(),
            ),
        }
    }
}

/// The audit action a refused command would have written, for the refusal's entry; `None`
/// for a command that is not audited (its refusal is not either).
pub type Audited = Option<&'static str>;

impl Workstation {
    /// The clerk at the window (logged in, not locked) with the catalog and their access.
    pub(super) fn clerk(&self) -> Result<Clerk, UserError> {
        let desk = self.clerk_desk()?;
        let session = self
            .session()
            .ok_or_else(|| UserError::new(crate::ErrorCode::IntakeNoSession, "no clerk session"))?;
        let view = self.catalog()?;
        let access = Access::of(&session.clerk, &view.catalog);
        Ok(Clerk { desk, view, access })
    }

    /// [`Workstation::clerk`] when they hold `permission`; else the refusal, audited as
    /// `permission.denied` when `audited` names the action it refused.
    pub(super) fn permit(
        &self,
        permission: Permission,
        audited: Audited,
        case_id: Option<&str>,
    ) -> Result<Clerk, UserError> {
        let clerk = self.clerk()?;
        match clerk.access.require(permission) {
            Ok(()) => Ok(clerk),
            Err(e) => Err(self.refused(e, audited, case_id)),
        }
    }

    /// [`Workstation::permit`] for every one of `permissions`.
    pub(super) fn permit_all(
        &self,
        permissions: &[Permission],
        audited: Audited,
    ) -> Result<Clerk, UserError> {
        let clerk = self.clerk()?;
        for &p in permissions {
            if let Err(e) = clerk.access.require(p) {
                return Err(self.refused(e, audited, None));
            }
        }
        Ok(clerk)
    }

    /// The refusal for the clerk, its audit entry written first when the action is audited.
    /// The entry holds the permission, the action and the case id: no citizen data.
    fn refused(&self, e: AccessError, audited: Audited, case_id: Option<&str>) -> UserError {
        let user = e.to_user();
        if let (Some(action), AccessError::NotPermitted(p)) = (audited, &e) {
            let detail = serde_json::json!({
                "permission": p.code(),
                "action": action,
                "case_id": case_id,
            });
            if let Err(audit) = self.audit("permission.denied", None, detail) {
                tracing::error!(error = %audit.detail, "refusal not audited");
            }
        }
        tracing::info!(refused = %user.detail, "clerk action refused (A4)");
        user
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::cases::ChangeInput;
    use crate::domain::intake::history::{ExportFormat, HistoryQuery};
    use crate::domain::intake::{DecisionInput, DecisionKind};
    use crate::domain::login::{ClerkInfo, Session, SessionMode};
    use crate::infra::config::WorkstationConfig;
    use crate::infra::store::Store;
    use crate::workstation::tests::FixedClock;
    use crate::workstation::{lock, RandomIds, Setup};
    use crate::ErrorCode;

    const NOW: i64 = 1_795_000_000_000;

    struct Desk {
        _dir: tempfile::TempDir,
        ws: Workstation,
    }

    fn workstation() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("w.db")).unwrap();
        let mut config = WorkstationConfig::default();
        config.hall.code = Some("441500".into());
        config.window.number = 3;
        let ws = Workstation::new(
            Setup {
                config_path: dir.path().join("workstation.toml"),
                data_dir: dir.path().to_owned(),
                config: Ok(config),
                catalog_dir: None,
                clock: Arc::new(FixedClock(NOW)),
                ids: Arc::new(RandomIds),
            },
            Ok(store),
        );
        Desk { _dir: dir, ws }
    }

    /// Puts a clerk with this post and these permissions at the window.
    fn clerk_in(ws: &Workstation, id: &str, post: &str, permissions: &[&str]) {
        lock(&ws.session).start(Session {
            clerk: ClerkInfo {
                id: id.into(),
                name: "测试".into(),
                department: "市政务服务中心".into(),
                post: post.into(),
                permissions: permissions.iter().map(|p| p.to_string()).collect(),
            },
            mode: SessionMode::Offline,
            key_id: "k".into(),
            cert_id: "c".into(),
            cert_fingerprint: "f".into(),
            expires_at: NOW + 3_600_000,
            token: None,
        });
    }

    const EVERYTHING: &[&str] = &["accept", "query", "export", "reprint", "change"];

    fn count(ws: &Workstation, sql: &str) -> i64 {
        ws.with_store(|s| Ok(s.conn().query_row(sql, [], |r| r.get(0)).unwrap()))
            .unwrap()
    }

    /// The `permission.denied` entries: (actor, permission, action).
    fn refusals(ws: &Workstation) -> Vec<(String, String, String)> {
        ws.with_store(|s| {
            let mut stmt = s
                .conn()
                .prepare(
                    "SELECT actor, detail FROM audit_log WHERE action = 'permission.denied' ORDER BY seq",
                )
                .unwrap();
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .map(|r| {
                    let (actor, detail) = r.unwrap();
                    let d: serde_json::Value = serde_json::from_str(&detail).unwrap();
                    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
                    (actor, s("permission"), s("action"))
                })
                .collect();
            Ok(rows)
        })
        .unwrap()
    }

    /// A parked case of 户籍证明 by a clerk who may do everything; its id.
    fn parked_case(ws: &Workstation) -> String {
        clerk_in(ws, "c-all", "综合窗口", EVERYTHING);
        let draft = ws.intake_new("GA-HJ-0301").unwrap();
        ws.intake_save(draft, true).unwrap().id
    }

    fn refused(e: UserError, label: &str) {
        assert_eq!(e.code, ErrorCode::PermissionDenied, "{e}");
        assert_eq!(e.message, format!("您没有“{label}”权限，请联系管理员。"));
    }

    #[test]
    fn a4_clerk_without_reprint_is_refused() {
        let d = workstation();
        let case_id = parked_case(&d.ws);
        let (audit_before, outbox_before, others_before) = (
            count(&d.ws, "SELECT count(*) FROM audit_log"),
            count(&d.ws, "SELECT count(*) FROM outbox"),
            count(&d.ws, "SELECT count(*) FROM outbox WHERE kind <> 'audit'"),
        );
        clerk_in(&d.ws, "c-acc", "综合窗口", &["accept", "query"]);
        refused(d.ws.reprint(&case_id, 0, "群众遗失").unwrap_err(), "补打");
        assert_eq!(
            refusals(&d.ws),
            [("c-acc".into(), "reprint".into(), "print.reprint".into())],
            "the refusal is audited with the clerk, permission and action"
        );
        assert_eq!(
            count(&d.ws, "SELECT count(*) FROM audit_log"),
            audit_before + 1,
            "only the refusal"
        );
        assert_eq!(
            count(
                &d.ws,
                "SELECT count(*) FROM audit_log WHERE action = 'print.reprint'"
            ),
            0
        );
        // Only the refusal's audit row goes to the backend; no case row.
        assert_eq!(
            count(&d.ws, "SELECT count(*) FROM outbox"),
            outbox_before + 1
        );
        assert_eq!(
            count(&d.ws, "SELECT count(*) FROM outbox WHERE kind <> 'audit'"),
            others_before
        );
        assert_eq!(count(&d.ws, "SELECT sum(print_count) FROM cases"), 0);
        // With the permission the same call gets past the check (and meets the printer,
        // which this workstation has not started).
        clerk_in(&d.ws, "c-rep", "综合窗口", &["reprint"]);
        let e = d.ws.reprint(&case_id, 0, "群众遗失").unwrap_err();
        assert_ne!(e.code, ErrorCode::PermissionDenied, "{e}");
        assert_eq!(refusals(&d.ws).len(), 1);
    }

    #[test]
    fn a4_clerk_without_query_cannot_search_view_or_read_a_trail() {
        let d = workstation();
        let case_id = parked_case(&d.ws);
        clerk_in(&d.ws, "c-acc", "综合窗口", &["accept"]);
        refused(
            d.ws.history_search(&HistoryQuery::default()).unwrap_err(),
            "查询",
        );
        refused(d.ws.case_get(&case_id).unwrap_err(), "查询");
        refused(d.ws.case_trail(&case_id).unwrap_err(), "查询");
        let actions: Vec<String> = refusals(&d.ws).into_iter().map(|r| r.2).collect();
        assert_eq!(actions, ["history.search", "case.view", "case.trail"]);
        assert_eq!(
            count(
                &d.ws,
                "SELECT count(*) FROM audit_log WHERE action IN ('history.search','case.view','case.trail')"
            ),
            0
        );
        clerk_in(&d.ws, "c-q", "综合窗口", &["query"]);
        assert!(d.ws.history_search(&HistoryQuery::default()).is_ok());
    }

    #[test]
    fn a4_clerk_without_export_writes_no_file() {
        let d = workstation();
        parked_case(&d.ws);
        clerk_in(&d.ws, "c-q", "综合窗口", &["query"]);
        let q = HistoryQuery::default();
        refused(
            d.ws.history_export(&q, ExportFormat::Csv).unwrap_err(),
            "导出",
        );
        clerk_in(&d.ws, "c-x", "综合窗口", &["export"]);
        refused(
            d.ws.history_export(&q, ExportFormat::Csv).unwrap_err(),
            "查询",
        );
        assert!(!d.ws.data_dir.join("exports").exists(), "no export file");
        let actions: Vec<String> = refusals(&d.ws).into_iter().map(|r| r.2).collect();
        assert_eq!(actions, ["history.export", "history.export"]);
        clerk_in(&d.ws, "c-qx", "综合窗口", &["query", "export"]);
        let out = d.ws.history_export(&q, ExportFormat::Csv).unwrap();
        assert!(std::path::Path::new(&out.path).is_file());
    }

    #[test]
    fn a4_clerk_without_change_cannot_change_a_case() {
        let d = workstation();
        let case_id = parked_case(&d.ws);
        clerk_in(&d.ws, "c-acc", "综合窗口", &["accept", "query"]);
        let withdraw = ChangeInput::Withdraw { request: None };
        let e =
            d.ws.case_change(&case_id, &withdraw, "申请人撤回")
                .unwrap_err();
        refused(e, "变更");
        assert_eq!(refusals(&d.ws)[0].2, "intake.change");
        assert_eq!(
            count(
                &d.ws,
                "SELECT count(*) FROM audit_log WHERE action = 'intake.change'"
            ),
            0
        );
    }

    #[test]
    fn a4_clerk_without_accept_cannot_open_park_print_or_decide() {
        let d = workstation();
        let case_id = parked_case(&d.ws);
        let draft = d.ws.intake_new("GA-HJ-0301").unwrap();
        let cases_before = count(&d.ws, "SELECT count(*) FROM cases");
        clerk_in(&d.ws, "c-q", "综合窗口", &["query"]);
        refused(d.ws.intake_new("GA-HJ-0301").unwrap_err(), "收件受理");
        refused(
            d.ws.intake_save(draft.clone(), true).unwrap_err(),
            "收件受理",
        );
        let accept = DecisionInput {
            kind: DecisionKind::Accept,
            reason: String::new(),
            promise: String::new(),
            deadline: None,
        };
        refused(
            d.ws.print_notice(draft.clone(), &accept).unwrap_err(),
            "收件受理",
        );
        refused(
            d.ws.intake_decide(&case_id, &accept).unwrap_err(),
            "收件受理",
        );
        refused(d.ws.intake_discard(&case_id).unwrap_err(), "收件受理");
        refused(
            d.ws.attach_file("a.pdf", b"%PDF-1.4").unwrap_err(),
            "收件受理",
        );
        assert_eq!(count(&d.ws, "SELECT count(*) FROM cases"), cases_before);
        let actions: Vec<String> = refusals(&d.ws).into_iter().map(|r| r.2).collect();
        // Opening an item is not audited, so neither is its refusal.
        assert_eq!(
            actions,
            [
                "intake.park",
                "print.notice",
                "intake.decide",
                "intake.discard",
                "intake.attach"
            ]
        );
    }

    #[test]
    fn a4_a_department_window_sees_and_opens_only_its_items() {
        let d = workstation();
        clerk_in(&d.ws, "c-bdc", "不动产窗口", &["accept"]);
        let home = d.ws.catalog_home().unwrap();
        let deps: Vec<&str> = home.departments.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(deps, ["bdc"]);
        assert_eq!(home.items, 3);
        let view = d.ws.catalog().unwrap();
        let in_bdc = |code: &str| view.item(code).unwrap().department == "bdc";
        assert!(d.ws.catalog_search("户籍").unwrap().is_empty());
        let hits = d.ws.catalog_search("登记").unwrap();
        assert!(
            !hits.is_empty() && hits.iter().all(|h| in_bdc(&h.code)),
            "{hits:?}"
        );
        assert!(d.ws.catalog_department("gaj").unwrap().is_empty());
        assert_eq!(d.ws.catalog_department("bdc").unwrap().len(), 3);
        for e in [
            d.ws.catalog_item("GA-HJ-0301").unwrap_err(),
            d.ws.intake_new("GA-HJ-0301").unwrap_err(),
            d.ws.catalog_favourite("GA-HJ-0301", true).unwrap_err(),
        ] {
            assert_eq!(e.code, ErrorCode::PermissionItemOutOfScope, "{e}");
            assert!(e.message.contains("户籍证明"), "{}", e.message);
        }
        let bdc = &hits[0].code;
        assert!(d.ws.intake_new(bdc).is_ok());
        // A draft made elsewhere (a comprehensive window's) is not saved or printed here.
        clerk_in(&d.ws, "c-all", "综合窗口", EVERYTHING);
        let other = d.ws.intake_new("GA-HJ-0301").unwrap();
        clerk_in(&d.ws, "c-bdc", "不动产窗口", &["accept"]);
        let e = d.ws.intake_save(other, false).unwrap_err();
        assert_eq!(e.code, ErrorCode::PermissionItemOutOfScope);
        assert_eq!(count(&d.ws, "SELECT count(*) FROM cases"), 0);
    }

    #[test]
    fn a4_a_comprehensive_window_sees_every_department() {
        let d = workstation();
        clerk_in(&d.ws, "c-all", "综合窗口", &["accept"]);
        let home = d.ws.catalog_home().unwrap();
        let view = d.ws.catalog().unwrap();
        assert_eq!(home.items as usize, view.catalog.items.len());
        assert_eq!(home.departments.len(), view.catalog.departments.len());
        assert!(!d.ws.catalog_search("户籍").unwrap().is_empty());
    }
}
