//! The printed wording of intake's notices (E6): dates, material lines, the default bodies
//! when the catalog has no template, and the fixed lines of the laid-out notice.

use super::DecisionKind;
use std::fmt::Display;
use yichuang_drivers::idcard::Date;

/// A date as a notice prints it.
pub(crate) fn date(d: Date) -> String {
    format!("{}年{}月{}日", d.year, d.month, d.day)
}

/// One material line: number, name, form, copies and, if known, pages.
pub(crate) fn material_line(
    n: usize,
    name: &str,
    form: &str,
    copies: impl Display,
    pages: Option<impl Display>,
) -> String {
    let mut s = format!("{}. {}（{}，{}份", n, name, form, copies);
    if let Some(pages) = pages {
        s.push_str(&format!("，{}页", pages));
    }
    s.push('）');
    s
}

/// A material received as an electronic licence (L2): the licence named by its identifier.
pub(crate) fn licence_material_line(
    n: usize,
    name: &str,
    type_name: &str,
    identifier: &str,
) -> String {
    format!("{n}. {name}（电子证照：{type_name}，证照标识 {identifier}）")
}

/// The salutation when the applicant has no name.
pub(crate) const APPLICANT: &str = "申请人";

/// An organisation applying, under the salutation of its notices and decisions.
pub(crate) fn organisation_line(name: &str, uscc: &str, legal_representative: &str) -> String {
    format!("申请单位：{name}（统一社会信用代码：{uscc}），法定代表人：{legal_representative}。")
}

/// The material list when there is no material.
pub(crate) const NO_MATERIALS: &str = "（无）";

/// In place of the deadline line of an instant item's acceptance.
pub(crate) const INSTANT_ITEM: &str = "本事项为即办件，当场办结。";

/// The full stop, trimmed off a reason and ending a body paragraph.
pub(crate) const FULL_STOP: char = '。';

/// The colon ending a salutation or a list's lead-in.
pub(crate) const COLON: char = '：';

/// The default body of a decision's notice, one paragraph a line.
pub(crate) fn fallback_body(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Accept => "{applicant}：\n你（单位）于{date}提出的{item}申请（受理编号：{case_no}），经审查，申请材料齐全、符合法定形式，决定予以受理，预计于{deadline}前办结。\n已收取材料：\n{materials}\n{department}\n{date}",
        DecisionKind::Deferred => "{applicant}：\n你（单位）于{date}提出的{item}申请（受理编号：{case_no}）予以容缺受理。请于{deadline}前补交：\n{materials}\n{department}\n{date}",
        DecisionKind::Reject => "{applicant}：\n你（单位）于{date}提出的{item}申请（收件编号：{case_no}），经审查，{reason}，决定不予受理。\n{department}\n{date}",
        DecisionKind::Supplement => "{applicant}：\n你（单位）于{date}提出的{item}申请（收件编号：{case_no}），请于{deadline}前补正补齐：\n{materials}\n说明：{reason}\n{department}\n{date}",
    }
}

/// Where the case number will be, on the preview of a notice not yet printed.
pub(crate) const PREVIEW_NUMBER: &str = "（打印时编号）";

/// The number line under the notice's title.
pub(crate) fn number_line(case_no: &str) -> String {
    format!("编号：{case_no}")
}

/// The case number as the QR caption and the page footer print it.
pub(crate) fn number_caption(case_no: &str) -> String {
    format!("编号 {case_no}")
}

/// The citizen's signature line.
pub(crate) const SIGNATURE: &str = "申请人（签收）：";

/// The body of a 即办件's decision printed at the counter (E11), one paragraph a line:
/// `{reason}` is the 不予许可 reason; `{remark}` the 准予许可 line with the clerk's remark, or
/// nothing.
pub(crate) fn conclusion_body(r: super::ConclusionResult) -> &'static str {
    match r {
        super::ConclusionResult::Approved => "{applicant}：\n你（单位）于{applied}提出的{item}申请（受理编号：{case_no}），经审查，符合法定条件和标准，决定准予许可。本事项为即办件，已当场办结。\n{remark}\n{department}\n{date}",
        super::ConclusionResult::Denied => "{applicant}：\n你（单位）于{applied}提出的{item}申请（受理编号：{case_no}），经审查，{reason}，决定不予许可。本事项为即办件，已当场办结。\n如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。\n{department}\n{date}",
    }
}

/// The 准予许可 decision's line with the clerk's remark.
pub(crate) fn conclusion_remark(remark: &str) -> String {
    format!("说明：{remark}。")
}

/// The withdrawal request the citizen signs (撤件申请书, E9), one paragraph a line.
pub(crate) const WITHDRAW_FORM_BODY: &str = "{department}：\n本人{applicant}（证件号码：{id_number}）于{applied}申请办理的{item}（受理编号：{case_no}），现自愿申请撤回，不再办理，所提交的材料按规定退还或留存。\n撤件原因：______________________________________________\n特此申请。\n{hall}\n{date}";

/// The signature line of the withdrawal request.
pub(crate) const WITHDRAW_SIGNATURE: &str = "申请人（签字、捺印）：";

/// The case receipt on the thermal printer (受理回执小票, F2).
pub(crate) mod slip {
    pub const TITLE: &str = "受理回执";
    pub const CASE_NO: &str = "受理编号";
    pub const ITEM: &str = "办理事项";
    pub const APPLICANT: &str = "申请人";
    pub const ORGANISATION: &str = "申请单位";
    pub const DECISION: &str = "受理决定";
    pub const DUE: &str = "承诺办结";
    pub const INSTANT: &str = "已当场办结";
    pub const BRING: &str = "领取须知";
    pub const BRING_RESULT: &str = "凭本回执及申请人身份证件领取办件结果";
    pub const PRINTED_AT: &str = "打印时间";
    pub const FOOTER: [&str; 1] = ["请妥善保管本回执，扫码可查询办件进度。"];

    /// 容缺: what the citizen still brings, by when.
    pub fn bring_missing(deadline: &str, missing: &[String]) -> String {
        format!("请于{deadline}前补交：{}", missing.join("、"))
    }
}
