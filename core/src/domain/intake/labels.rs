//! The clerk-facing names of intake's enums — case states, decisions, how a material was
//! handed in, where an identity came from, time-limit lights — in one table the UI loads once
//! (`intake_labels`), so the pages hold no copy of them.

use super::{
    ApplicantKind, CaseDraft, CaseProgress, CaseState, ConclusionResult, DecisionKind, IdSource,
    ReceivedAs,
};
use crate::domain::access::Permission;
use crate::domain::catalog::calendar::Light;
use crate::infra::licence_api::{FeedbackCategory, LicenceStatus};
use serde::{Deserialize, Serialize};
use yichuang_drivers::idcard::identity::{CardKind, Sex};

/// The Chinese name of a value as the clerk sees it.
pub trait Label: Copy {
    fn label(self) -> &'static str;
}

impl Label for CaseState {
    fn label(self) -> &'static str {
        CaseState::label(self)
    }
}

impl Label for CaseProgress {
    fn label(self) -> &'static str {
        match self {
            CaseProgress::Received => "已受理",
            CaseProgress::InReview => "审批中",
            CaseProgress::Approved => "办结（准予许可）",
            CaseProgress::Denied => "办结（不予许可）",
            CaseProgress::Ready => "待领取",
            CaseProgress::PickedUp => "已领取",
        }
    }
}

impl Label for crate::domain::flow::FlowState {
    fn label(self) -> &'static str {
        match self {
            crate::domain::flow::FlowState::Sent => "材料流转中",
            crate::domain::flow::FlowState::Received => "材料已签收",
        }
    }
}

impl Label for ConclusionResult {
    fn label(self) -> &'static str {
        match self {
            ConclusionResult::Approved => "准予许可",
            ConclusionResult::Denied => "不予许可",
        }
    }
}

impl Label for DecisionKind {
    fn label(self) -> &'static str {
        match self {
            DecisionKind::Accept => "受理",
            DecisionKind::Deferred => "容缺受理",
            DecisionKind::Reject => "不予受理",
            DecisionKind::Supplement => "补正补齐",
        }
    }
}

impl Label for ReceivedAs {
    fn label(self) -> &'static str {
        match self {
            ReceivedAs::Missing => "未收取",
            ReceivedAs::Paper => "纸质原件",
            ReceivedAs::Copy => "复印件",
            ReceivedAs::Electronic => "电子材料",
            ReceivedAs::Scanned => "高拍仪采集",
        }
    }
}

impl Label for IdSource {
    fn label(self) -> &'static str {
        match self {
            IdSource::Card => "读卡",
            IdSource::Code => "扫身份码",
            IdSource::Typed => "手工录入",
            IdSource::None => "",
        }
    }
}

impl Label for ApplicantKind {
    fn label(self) -> &'static str {
        match self {
            ApplicantKind::Person => "个人",
            ApplicantKind::Organisation => "法人或其他组织",
        }
    }
}

impl Label for Light {
    fn label(self) -> &'static str {
        match self {
            Light::None => "",
            Light::Green => "正常",
            Light::Yellow => "今日到期",
            Light::Orange => "超期1个工作日",
            Light::Red => "严重超期",
        }
    }
}

impl Label for crate::domain::access::Permission {
    fn label(self) -> &'static str {
        crate::domain::access::Permission::label(self)
    }
}

impl Label for CardKind {
    fn label(self) -> &'static str {
        yichuang_drivers::idcard::labels::card_kind(self)
    }
}

impl Label for Sex {
    fn label(self) -> &'static str {
        yichuang_drivers::idcard::labels::sex(self)
    }
}

impl Label for LicenceStatus {
    fn label(self) -> &'static str {
        match self {
            LicenceStatus::Valid => "有效",
            LicenceStatus::Revoked => "已吊销",
            LicenceStatus::Expired => "已过期",
        }
    }
}

impl Label for FeedbackCategory {
    fn label(self) -> &'static str {
        match self {
            FeedbackCategory::WrongData => "证照信息有误",
            FeedbackCategory::Missing => "应有证照未查到",
            FeedbackCategory::Outdated => "证照信息已过时",
            FeedbackCategory::Other => "其他问题",
        }
    }
}

/// One table per enum: a field per value, named as the value is serialised, so TypeScript
/// sees exactly the enum's keys.
macro_rules! table {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $value:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
        pub struct $name {
            $(pub $field: String,)*
        }

        impl $name {
            fn build() -> $name {
                $name { $($field: Label::label($value).to_string(),)* }
            }

            /// Each field's name with the value it names, serialised (for the tests).
            #[cfg(test)]
            fn keys() -> Vec<(&'static str, serde_json::Value)> {
                vec![$((stringify!($field), serde_json::to_value($value).unwrap()),)*]
            }
        }
    };
}

table!(
    /// 办件状态 by `CaseState`.
    CaseStateLabels {
        draft: CaseState::Draft,
        accepted: CaseState::Accepted,
        deferred: CaseState::Deferred,
        rejected: CaseState::Rejected,
        supplement: CaseState::Supplement,
        withdrawn: CaseState::Withdrawn,
    }
);

table!(
    /// 办理进度 by `CaseProgress` (the back office's, issue 18).
    CaseProgressLabels {
        received: CaseProgress::Received,
        in_review: CaseProgress::InReview,
        approved: CaseProgress::Approved,
        denied: CaseProgress::Denied,
        ready: CaseProgress::Ready,
        picked_up: CaseProgress::PickedUp,
    }
);

table!(
    /// 物料流转 by `FlowState` (F3).
    FlowStateLabels {
        sent: crate::domain::flow::FlowState::Sent,
        received: crate::domain::flow::FlowState::Received,
    }
);

table!(
    /// 决定 by `DecisionKind`.
    DecisionKindLabels {
        accept: DecisionKind::Accept,
        deferred: DecisionKind::Deferred,
        reject: DecisionKind::Reject,
        supplement: DecisionKind::Supplement,
    }
);

table!(
    /// 收取方式 by `ReceivedAs`.
    ReceivedAsLabels {
        missing: ReceivedAs::Missing,
        paper: ReceivedAs::Paper,
        copy: ReceivedAs::Copy,
        electronic: ReceivedAs::Electronic,
        scanned: ReceivedAs::Scanned,
    }
);

table!(
    /// 身份信息来源 by `IdSource`.
    IdSourceLabels {
        card: IdSource::Card,
        code: IdSource::Code,
        typed: IdSource::Typed,
        none: IdSource::None,
    }
);

table!(
    /// 申请人类型 by `ApplicantKind` (seed 003 §3.3.2 申请对象).
    ApplicantKindLabels {
        person: ApplicantKind::Person,
        organisation: ApplicantKind::Organisation,
    }
);

/// The names of the applicant form's organisation fields (E2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OrganisationFieldLabels {
    /// 申请人类型.
    pub kind: String,
    /// 单位名称.
    pub name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// 法定代表人: the applicant party of an organisation.
    pub legal_representative: String,
    /// 经办人: the agent party of an organisation.
    pub handler: String,
}

impl OrganisationFieldLabels {
    fn build() -> OrganisationFieldLabels {
        OrganisationFieldLabels {
            kind: APPLICANT_KIND.into(),
            name: ORGANISATION_NAME.into(),
            uscc: USCC.into(),
            legal_representative: ROLE_LEGAL_REPRESENTATIVE.into(),
            handler: ROLE_HANDLER.into(),
        }
    }
}

table!(
    /// 办理时限 by `Light`.
    LightLabels {
        none: Light::None,
        green: Light::Green,
        yellow: Light::Yellow,
        orange: Light::Orange,
        red: Light::Red,
    }
);

table!(
    /// 当场办结的结果 by `ConclusionResult` (E11).
    ConclusionResultLabels {
        approved: ConclusionResult::Approved,
        denied: ConclusionResult::Denied,
    }
);

table!(
    /// 证件类型 by `CardKind` (the reader's own names).
    CardKindLabels {
        resident: CardKind::Resident,
        foreign_permanent: CardKind::ForeignPermanent,
        hk_macao_taiwan: CardKind::HkMacaoTaiwan,
        foreign_permanent_2023: CardKind::ForeignPermanent2023,
    }
);

table!(
    /// 性别 by `Sex` (GB/T 2261.1, the reader's names).
    SexLabels {
        unknown: Sex::Unknown,
        male: Sex::Male,
        female: Sex::Female,
        unspecified: Sex::Unspecified,
    }
);

table!(
    /// 权限 by `Permission` (A4).
    PermissionLabels {
        accept: Permission::Accept,
        query: Permission::Query,
        print: Permission::Print,
        export: Permission::Export,
        reprint: Permission::Reprint,
        change: Permission::Change,
        issue: Permission::Issue,
        admin: Permission::Admin,
        all_items: Permission::AllItems,
        assist: Permission::Assist,
    }
);

table!(
    /// 电子证照状态 by `LicenceStatus` (L1).
    LicenceStatusLabels {
        valid: LicenceStatus::Valid,
        revoked: LicenceStatus::Revoked,
        expired: LicenceStatus::Expired,
    }
);

table!(
    /// 反馈类型 by `FeedbackCategory` (L1).
    FeedbackCategoryLabels {
        wrong_data: FeedbackCategory::WrongData,
        missing: FeedbackCategory::Missing,
        outdated: FeedbackCategory::Outdated,
        other: FeedbackCategory::Other,
    }
);

/// Every label table the intake pages show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IntakeLabels {
    pub case_states: CaseStateLabels,
    pub case_progress: CaseProgressLabels,
    pub flow_states: FlowStateLabels,
    pub decision_kinds: DecisionKindLabels,
    pub conclusion_results: ConclusionResultLabels,
    pub received_as: ReceivedAsLabels,
    pub id_sources: IdSourceLabels,
    pub applicant_kinds: ApplicantKindLabels,
    pub organisation_fields: OrganisationFieldLabels,
    pub lights: LightLabels,
    pub card_kinds: CardKindLabels,
    pub sexes: SexLabels,
    pub permissions: PermissionLabels,
    pub licence_statuses: LicenceStatusLabels,
    pub feedback_categories: FeedbackCategoryLabels,
}

impl IntakeLabels {
    pub fn new() -> IntakeLabels {
        IntakeLabels {
            case_states: CaseStateLabels::build(),
            case_progress: CaseProgressLabels::build(),
            flow_states: FlowStateLabels::build(),
            decision_kinds: DecisionKindLabels::build(),
            conclusion_results: ConclusionResultLabels::build(),
            received_as: ReceivedAsLabels::build(),
            id_sources: IdSourceLabels::build(),
            applicant_kinds: ApplicantKindLabels::build(),
            organisation_fields: OrganisationFieldLabels::build(),
            lights: LightLabels::build(),
            card_kinds: CardKindLabels::build(),
            sexes: SexLabels::build(),
            permissions: PermissionLabels::build(),
            licence_statuses: LicenceStatusLabels::build(),
            feedback_categories: FeedbackCategoryLabels::build(),
        }
    }
}

impl Default for IntakeLabels {
    fn default() -> Self {
        IntakeLabels::new()
    }
}

/// 办件状态 as the clerk sees it (`CaseState::label`).
pub(crate) fn case_state(s: CaseState) -> &'static str {
    match s {
        CaseState::Draft => "暂存",
        CaseState::Accepted => "已受理",
        CaseState::Deferred => "容缺受理",
        CaseState::Rejected => "不予受理",
        CaseState::Supplement => "补正补齐",
        CaseState::Withdrawn => "已撤回",
    }
}

/// The title of a decision's notice when no catalog template gives one.
pub(crate) fn notice_title(d: DecisionKind) -> &'static str {
    match d {
        DecisionKind::Accept => "受理通知书",
        DecisionKind::Deferred => "容缺受理通知书",
        DecisionKind::Reject => "不予受理通知书",
        DecisionKind::Supplement => "补正补齐告知书",
    }
}

/// The title of a 即办件's decision printed at the counter (E11).
pub(crate) fn conclusion_title(r: ConclusionResult) -> &'static str {
    match r {
        ConclusionResult::Approved => "准予许可决定书",
        ConclusionResult::Denied => "不予许可决定书",
    }
}

/// The title of the withdrawal request the citizen signs (E9 撤件).
pub(crate) const WITHDRAW_FORM_TITLE: &str = "撤件申请书";

/// The parties' roles, as named in the clerk's error sentences.
pub(crate) const ROLE_APPLICANT: &str = "申请人";
pub(crate) const ROLE_AGENT: &str = "代办人";
pub(crate) const ROLE_PICKUP: &str = "领取人";
/// An organisation applying (申请单位), and the person standing for it.
pub(crate) const ROLE_ORGANISATION: &str = "申请单位";
pub(crate) const ROLE_LEGAL_REPRESENTATIVE: &str = "法定代表人";
/// Who handles an organisation's case for it (its agent party).
pub(crate) const ROLE_HANDLER: &str = "经办人";

/// The organisation fields' names on the applicant form.
const APPLICANT_KIND: &str = "申请人类型";
const ORGANISATION_NAME: &str = "单位名称";
pub(crate) const USCC: &str = "统一社会信用代码";

/// The applicant party's role as errors name it: 申请人, or for an organisation 法定代表人.
pub(crate) fn applicant_role(draft: &CaseDraft) -> &'static str {
    match draft.applicant_kind() {
        ApplicantKind::Person => ROLE_APPLICANT,
        ApplicantKind::Organisation => ROLE_LEGAL_REPRESENTATIVE,
    }
}

/// The agent party's role as errors name it: 代办人, or for an organisation 经办人.
pub(crate) fn agent_role(draft: &CaseDraft) -> &'static str {
    match draft.applicant_kind() {
        ApplicantKind::Person => ROLE_AGENT,
        ApplicantKind::Organisation => ROLE_HANDLER,
    }
}

/// The name of an attachment handed in without one.
pub(crate) const UNNAMED_ATTACHMENT: &str = "材料文件";

/// A trail entry's label by its audit action.
pub(crate) fn trail_action(action: &str) -> &'static str {
    match action {
        "print.notice" => "打印通知书",
        "print.reprint" => "补打通知书",
        "intake.decide" => "作出决定",
        "intake.change" => "受理后变更",
        "intake.park" => "暂存",
        "intake.typed_id" => "手工录入证件号码",
        "intake.conclude" => "当场办结",
        "print.withdraw_form" => "打印撤件申请书",
        "print.receipt_slip" => "打印小票回执",
        _ => "其他操作",
    }
}

/// The detail of a withdrawal after acceptance.
pub(crate) fn change_withdrawn(before: &str) -> String {
    format!("状态：{} → 已撤回", before)
}

/// The detail of a withdrawal: the signed request kept with it.
pub(crate) fn change_withdraw_request(pages: u32) -> String {
    format!("已留存申请人签字的撤件申请（{}页）", pages)
}

/// The detail of a changed phone number.
pub(crate) fn change_phone(before: &str, after: &str) -> String {
    format!("联系电话：{} → {}", before, after)
}

/// The detail of changed intake notes.
pub(crate) const CHANGE_NOTES: &str = "收件备注已修改";

/// The detail of a changed pickup person.
pub(crate) fn change_pickup(name: &str) -> String {
    format!("领取人：{}", name)
}

/// Between the details of one change.
pub(crate) const CHANGE_SEPARATOR: &str = "；";

/// The history export's sheet name.
pub(crate) const EXPORT_SHEET: &str = "已办件";

/// The history export's column headers.
pub(crate) const EXPORT_HEADERS: [&str; 10] = [
    "受理编号",
    "事项名称",
    "申请人",
    "证件号码",
    "状态",
    "收件时间",
    "决定时间",
    "期限",
    "时限状态",
    "打印次数",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_tables_are_keyed_by_the_serialised_values() {
        for keys in [
            CaseStateLabels::keys(),
            CaseProgressLabels::keys(),
            FlowStateLabels::keys(),
            DecisionKindLabels::keys(),
            ConclusionResultLabels::keys(),
            ReceivedAsLabels::keys(),
            IdSourceLabels::keys(),
            ApplicantKindLabels::keys(),
            LightLabels::keys(),
            CardKindLabels::keys(),
            SexLabels::keys(),
            PermissionLabels::keys(),
            LicenceStatusLabels::keys(),
            FeedbackCategoryLabels::keys(),
        ] {
            for (field, value) in keys {
                assert_eq!(value, serde_json::Value::from(field));
            }
        }
    }

    #[test]
    fn labels_come_from_the_rust_names() {
        let l = IntakeLabels::new();
        assert_eq!(l.case_states.accepted, CaseState::Accepted.label());
        assert_eq!(l.case_states.draft, "暂存");
        assert_eq!(l.decision_kinds.deferred, "容缺受理");
        assert_eq!(l.received_as.scanned, "高拍仪采集");
        assert_eq!(l.id_sources.code, "扫身份码");
        assert_eq!(l.lights.orange, "超期1个工作日");
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(json["decision_kinds"]["reject"], "不予受理");
        assert_eq!(json["lights"]["none"], "");
        assert_eq!(json["card_kinds"]["hk_macao_taiwan"], "港澳台居民居住证");
        assert_eq!(json["sexes"]["female"], "女");
        assert_eq!(json["applicant_kinds"]["organisation"], "法人或其他组织");
        assert_eq!(json["organisation_fields"]["uscc"], "统一社会信用代码");
    }
}
