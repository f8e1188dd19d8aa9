//! Document wording: what the receipt slips print, and the contents of the sample ticket
//! used for test prints and benchmarks. Only the text; [`super::slip`] lays it out.

/// The ticket slip's labels.
pub const YOUR_NUMBER: &str = "您的排队号";
pub const ITEM: &str = "办理事项";
pub const WAITING: &str = "前面等候";
pub const ISSUED_AT: &str = "取号时间";

/// 「12 人」: how many people wait ahead.
pub fn waiting_people(n: u32) -> String {
    format!("{n} 人")
}

/// The sample ticket ([`super::TicketSlip::sample`]).
pub mod sample {
    pub const HALL_NAME: &str = "示范市政务服务中心";
    pub const ITEM: &str = "不动产登记（二手房转移登记）";
    pub const FOOTER: [&str; 2] = ["请留意叫号，过号需重新取号。", "扫码查看排队进度"];
}
