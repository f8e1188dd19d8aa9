//! What the clerk at the window may do and which items they may open (A4; seed 000 §3.1:
//! 「登录后只能看到本部门、本岗位的事项及工作权限」).
//!
//! **Permissions** are the codes of the server's clerk list (`accept;query;…`, carried by the
//! session and the offline grant), parsed into [`Permission`]; a code this workstation does
//! not know grants nothing. Every workstation command that needs one checks it and refuses
//! with [`AccessError::NotPermitted`] (the refusal audited as `permission.denied`):
//!
//! | permission | commands |
//! | --- | --- |
//! | `accept` | new case, situation, save / park, discard, card fill, attach, notice preview and print (the notice is part of the decision, E6), decide |
//! | `query` | history search, case view, case trail |
//! | `export` | history export (needs `query` too: it is a search) |
//! | `reprint` | notice reprint (from history or the result banner) |
//! | `change` | change or withdraw a decided case |
//! | `accept` | 协查: request a proof from another department, my requests, receive it as a material |
//! | `assist` | 协查: the department's inbox, attach or write the proof, stamp it, return it |
//! | `print`, `issue`, `admin` | no workstation command yet (no issuing or settings page exists) |
//!
//! **Items** ([`ItemScope`]): a clerk serves every department when they hold `all_items` or
//! their post is a comprehensive window (a post naming 「综合」 or 「综窗」, seed 004: the
//! 综合窗口 takes in every department's items, 无差别收件). Otherwise they serve the catalog
//! departments their department or post names: the department equal to a catalog
//! department's code or full name, or the department or post containing its short name
//! (「汕尾市公安局」 → 公安, 「不动产窗口」 → 不动产). Nothing named: no items — closed, not
//! open. Lists and searches offer only items in scope; opening an item outside it is refused
//! with [`AccessError::OutOfScope`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::domain::catalog::{Catalog, Item};
use crate::domain::login::ClerkInfo;
use crate::{ErrorCode, UserError};

/// A permission code of the clerk list, as the workstation knows it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// 收件受理.
    Accept,
    /// 查询 (history, case views).
    Query,
    /// 打印.
    Print,
    /// 导出.
    Export,
    /// 补打.
    Reprint,
    /// 变更 (after the decision).
    Change,
    /// 出件.
    Issue,
    /// 系统管理.
    Admin,
    /// 全部事项: every department's items.
    AllItems,
    /// 协查办理: handle other departments' 协查 requests to the clerk's department (L4).
    Assist,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::Accept,
        Permission::Query,
        Permission::Print,
        Permission::Export,
        Permission::Reprint,
        Permission::Change,
        Permission::Issue,
        Permission::Admin,
        Permission::AllItems,
        Permission::Assist,
    ];

    /// The code as the clerk list writes it.
    pub fn code(self) -> &'static str {
        match self {
            Permission::Accept => "accept",
            Permission::Query => "query",
            Permission::Print => "print",
            Permission::Export => "export",
            Permission::Reprint => "reprint",
            Permission::Change => "change",
            Permission::Issue => "issue",
            Permission::Admin => "admin",
            Permission::AllItems => "all_items",
            Permission::Assist => "assist",
        }
    }

    pub fn parse(code: &str) -> Option<Permission> {
        let code = code.trim();
        Permission::ALL
            .into_iter()
            .find(|p| p.code().eq_ignore_ascii_case(code))
    }

    /// The clerk-facing name (「补打」).
    pub fn label(self) -> &'static str {
        crate::labels::permissions::label(self)
    }
}

/// The known permissions among `codes`, each once, in [`Permission::ALL`] order.
pub fn parse_permissions(codes: &[String]) -> Vec<Permission> {
    let set: BTreeSet<Permission> = codes.iter().filter_map(|c| Permission::parse(c)).collect();
    set.into_iter().collect()
}

/// Which departments' items the clerk serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ItemScope {
    /// Every department (comprehensive window or `all_items`).
    All,
    /// These catalog department codes, in catalog order (none: no items).
    Departments { codes: Vec<String> },
}

/// Why the clerk may not do something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("permission {} not granted", .0.code())]
    NotPermitted(Permission),
    #[error("item {code} is outside the clerk's departments")]
    OutOfScope { code: String, name: String },
}

impl AccessError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AccessError::NotPermitted(_) => ErrorCode::PermissionDenied,
            AccessError::OutOfScope { .. } => ErrorCode::PermissionItemOutOfScope,
        }
    }

    pub fn to_user(&self) -> UserError {
        let message = match self {
            AccessError::NotPermitted(p) => crate::messages::permission_denied(p.label()),
            AccessError::OutOfScope { name, .. } => crate::messages::item_out_of_scope(name),
        };
        UserError::with_message(self.code(), message, self.to_string())
    }
}

impl From<AccessError> for UserError {
    fn from(e: AccessError) -> Self {
        e.to_user()
    }
}

/// The clerk's permissions and item scope against one catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Access {
    pub permissions: Vec<Permission>,
    pub scope: ItemScope,
}

impl Access {
    /// The clerk's access under `catalog`'s departments (rules in the module docs).
    pub fn of(clerk: &ClerkInfo, catalog: &Catalog) -> Access {
        let permissions = parse_permissions(&clerk.permissions);
        let comprehensive = crate::labels::permissions::COMPREHENSIVE_POSTS
            .iter()
            .any(|m| clerk.post.contains(m));
        let scope = if comprehensive || permissions.contains(&Permission::AllItems) {
            ItemScope::All
        } else {
            let (dept, post) = (clerk.department.trim(), clerk.post.trim());
            let names = |d: &crate::domain::catalog::Department| {
                dept == d.code
                    || dept == d.name
                    || (!d.short_name.is_empty()
                        && (dept.contains(&d.short_name) || post.contains(&d.short_name)))
            };
            ItemScope::Departments {
                codes: catalog
                    .departments
                    .iter()
                    .filter(|d| names(d))
                    .map(|d| d.code.clone())
                    .collect(),
            }
        };
        Access { permissions, scope }
    }

    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    pub fn require(&self, p: Permission) -> Result<(), AccessError> {
        if self.has(p) {
            Ok(())
        } else {
            Err(AccessError::NotPermitted(p))
        }
    }

    /// Whether items of department `code` are in the clerk's scope.
    pub fn serves_department(&self, code: &str) -> bool {
        match &self.scope {
            ItemScope::All => true,
            ItemScope::Departments { codes } => codes.iter().any(|c| c == code),
        }
    }

    pub fn serves(&self, item: &Item) -> bool {
        self.serves_department(&item.department)
    }

    /// `item` when it is in scope, else the refusal.
    pub fn check_item<'a>(&self, item: &'a Item) -> Result<&'a Item, AccessError> {
        if self.serves(item) {
            Ok(item)
        } else {
            Err(AccessError::OutOfScope {
                code: item.code.clone(),
                name: item.name.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clerk(department: &str, post: &str, permissions: &[&str]) -> ClerkInfo {
        ClerkInfo {
            id: "c1".into(),
            name: "测试".into(),
            department: department.into(),
            post: post.into(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn catalog() -> Catalog {
        crate::domain::catalog::bundled().unwrap()
    }

    fn codes(a: &Access) -> Vec<String> {
        match &a.scope {
            ItemScope::All => vec!["*".into()],
            ItemScope::Departments { codes } => codes.clone(),
        }
    }

    #[test]
    fn a4_permission_codes_parse_and_unknown_codes_grant_nothing() {
        let c = clerk(
            "x",
            "",
            &["query", "accept", " Reprint ", "intake", "accept"],
        );
        assert_eq!(
            parse_permissions(&c.permissions),
            [Permission::Accept, Permission::Query, Permission::Reprint]
        );
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.code()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.code());
            assert!(!p.label().is_empty());
        }
    }

    #[test]
    fn a4_a_comprehensive_window_serves_every_department() {
        let cat = catalog();
        for post in ["综合窗口", "综合受理岗", "综窗"] {
            let a = Access::of(&clerk("市政务服务中心", post, &["accept"]), &cat);
            assert_eq!(a.scope, ItemScope::All, "{post}");
            assert!(cat.items.iter().all(|i| a.serves(i)));
        }
        let all = Access::of(&clerk("市政务服务中心", "", &["all_items"]), &cat);
        assert_eq!(all.scope, ItemScope::All);
    }

    #[test]
    fn a4_a_department_window_serves_its_department_only() {
        let cat = catalog();
        let bdc = Access::of(&clerk("市政务服务中心", "不动产窗口", &["accept"]), &cat);
        assert_eq!(codes(&bdc), ["bdc"]);
        let item_gaj = cat.items.iter().find(|i| i.department == "gaj").unwrap();
        let item_bdc = cat.items.iter().find(|i| i.department == "bdc").unwrap();
        assert!(bdc.serves(item_bdc) && !bdc.serves(item_gaj));
        let refused = bdc.check_item(item_gaj).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::PermissionItemOutOfScope);
        assert!(
            refused.to_user().message.contains(&item_gaj.name),
            "{}",
            refused.to_user().message
        );
        // By the department's full name, its code, or its short name inside the name.
        assert_eq!(
            codes(&Access::of(&clerk("汕尾市公安局", "户政窗口", &[]), &cat)),
            ["gaj"]
        );
        assert_eq!(codes(&Access::of(&clerk("rsj", "", &[]), &cat)), ["rsj"]);
        assert_eq!(
            codes(&Access::of(&clerk("医保局", "税务窗口", &[]), &cat)),
            ["ybj", "swj"]
        );
    }

    #[test]
    fn a4_a_clerk_whose_department_names_no_catalog_department_serves_nothing() {
        let cat = catalog();
        let a = Access::of(&clerk("区政务服务中心", "导办岗", &["accept"]), &cat);
        assert_eq!(codes(&a), Vec::<String>::new());
        assert!(cat.items.iter().all(|i| !a.serves(i)));
    }

    #[test]
    fn a4_a_missing_permission_is_refused_with_its_name() {
        let a = Access::of(&clerk("x", "综合窗口", &["accept"]), &catalog());
        assert!(a.require(Permission::Accept).is_ok());
        let e = a.require(Permission::Reprint).unwrap_err().to_user();
        assert_eq!(e.code, ErrorCode::PermissionDenied);
        assert_eq!(e.message, "您没有“补打”权限，请联系管理员。");
    }
}
