//! Document wording of issuing (H2): what the pickup slip prints and the clerk's sentences
//! after a handover. Only the text; [`super::slip`] lays it out.

use super::{PickupMethod, Relation};

pub const PICKUP_TITLE: &str = "办件结果领取凭证";
pub const CASE_NO: &str = "受理编号";
pub const ITEM: &str = "办理事项";
pub const PERSON: &str = "领取人";
pub const RELATION: &str = "领取身份";
pub const METHOD: &str = "领取方式";
pub const TRACKING_NO: &str = "快递单号";
pub const LOCKER_CODE: &str = "取件码";
pub const PICKED_AT: &str = "领取时间";
pub const CLERK: &str = "经办人";
pub const FOOTER: [&str; 1] = ["请妥善保管本凭证，扫码可查询办件信息。"];

pub fn method(m: PickupMethod) -> &'static str {
    match m {
        PickupMethod::OnSite => "现场领取",
        PickupMethod::Post => "邮寄送达",
        PickupMethod::Locker => "智能柜自取",
    }
}

pub fn relation(r: Relation) -> &'static str {
    match r {
        Relation::Applicant => "申请人本人",
        Relation::Designated => "受理时登记的领取人",
        Relation::Agent => "代领（持授权委托书）",
    }
}

/// 「已登记领取 2 件，领取凭证已打印。」
pub fn handed_over(n: usize, printed: bool, offline: bool) -> String {
    let slip = if printed {
        "领取凭证已打印"
    } else {
        "领取凭证未能打印，可稍后补打"
    };
    let offline = if offline {
        "（离线登记，联网后自动上报）"
    } else {
        ""
    };
    format!("已登记领取 {n} 件{offline}，{slip}。")
}

pub const PHOTO_NAME: &str = "交接照片.jpg";
