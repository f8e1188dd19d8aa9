//! Document wording of the material flow (F3): what the 物料流转单 prints and the clerk's
//! sentences after a package is made or signed for. Only the text; [`super::document`] lays it
//! out.

pub const ORIGINAL: &str = "原件";
pub const COPY: &str = "复印件";
pub const TITLE: &str = "物料流转单";
pub const NO: &str = "流转单号：";
pub const TO: &str = "接收部门：";
pub const FROM: &str = "发起窗口：";
pub const CLERK: &str = "发起人：";
pub const AT: &str = "发起时间：";
pub const CASES: &str = "办件数：";
pub const COLUMNS: [&str; 6] = ["序号", "受理编号", "事项", "申请人", "纸质材料", "签收"];
pub const QR_CAPTION: &str = "接收时扫码签收";
pub const SIGNATURES: [&str; 2] = ["移交人（签字）：", "接收人（签字）："];
pub const INTRO: &str = "下列办件的纸质材料随本单移交，请接收部门逐件核对后扫描本单二维码签收。";

/// One material in the table's cell (one per line): 「户口簿 原件 2页」.
pub fn material(name: &str, form: &str, pages: u32) -> String {
    format!("{name} {form} {pages}页")
}

pub fn case_count(n: usize) -> String {
    format!("{n} 件")
}

/// After a package was made: 「已发起物料流转 WL…（2 件），流转单已打印」.
pub fn created(no: &str, cases: usize, printed: bool) -> String {
    if printed {
        format!("已发起物料流转 {no}（{cases} 件），流转单已打印。")
    } else {
        format!("已发起物料流转 {no}（{cases} 件），流转单未能打印，请检查打印机后补打。")
    }
}

/// After a sign-off: 「已签收 2 件（共 3 件）」.
pub fn signed(now: usize, of: usize, offline: bool) -> String {
    let tail = if offline {
        "，网络恢复后自动上报"
    } else {
        ""
    };
    format!("已签收 {now} 件（本单共 {of} 件）{tail}。")
}
