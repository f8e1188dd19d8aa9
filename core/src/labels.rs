//! The core's label table: the Chinese words and non-error sentences the core shows or
//! writes — device and window names, the demo configuration's defaults, print-result notes,
//! file names, sex labels, the simulator control surface's usage text — and the characters
//! the code recognisers parse. Error sentences live in [`crate::messages`].

use yichuang_drivers::idcard::{labels as card_labels, Sex};

/// The device slots' names, as the status bar shows them.
pub mod devices {
    pub const ID_CARD: &str = "身份证读卡器";
    pub const SCANNER: &str = "扫码枪";
    pub const CAMERA: &str = "高拍仪";
    pub const RECEIPT_PRINTER: &str = "小票打印机";
    pub const A4_PRINTER: &str = "A4打印机";
    /// The printer line of the A4 test page when the printer is simulated.
    pub const A4_SIMULATOR: &str = "模拟A4打印机";

    /// The printer line of the A4 test page: 「{queue}（{server}）」.
    pub fn spooler_queue(queue: &str, server: impl std::fmt::Display) -> String {
        format!("{queue}（{server}）")
    }
}

/// Why licences are looked up (L1), as both sides audit it.
pub mod licence {
    /// In intake, for the item's materials.
    pub const PURPOSE_INTAKE: &str = "受理";
    /// On the 证照查询 page, without a case.
    pub const PURPOSE_QUERY: &str = "证照查询";
}

/// What a workstation without a config file calls its hall and window.
pub mod demo {
    pub const HALL_NAME: &str = "政务服务中心（演示）";
    pub const WINDOW_NAME: &str = "综合受理窗口";
}

/// The counter window's name.
pub mod window {
    use std::fmt::Display;

    /// 「{number}号窗口」.
    pub fn numbered(number: impl Display) -> String {
        format!("{number}号窗口")
    }

    /// 「{number}号窗口（{name}）」.
    pub fn named(number: impl Display, name: &str) -> String {
        format!("{number}号窗口（{name}）")
    }

    /// 「{number}号窗口 {name}」, the window line of the A4 test page.
    pub fn test_page_line(number: impl Display, name: &str) -> String {
        format!("{number}号窗口 {name}")
    }
}

/// The notes shown after a print, and printed documents' names.
pub mod print {
    use std::fmt::Display;

    pub const TEST_SLIP_PRINTED: &str = "测试小票已打印。";
    pub const TEST_SLIP_PRINTED_PAPER_NEAR_END: &str =
        "测试小票已打印。打印机纸将用尽，请准备更换纸卷。";
    /// The A4 test page's document name, as the audit log records it.
    pub const TEST_PAGE: &str = "A4打印机测试页";

    /// 「{job}已打印。」
    pub fn a4_printed(job: impl Display) -> String {
        format!("{job}已打印。")
    }

    /// 「{job}已打印（模拟打印机）。」
    pub fn a4_printed_simulated(job: impl Display) -> String {
        format!("{job}已打印（模拟打印机）。")
    }
}

/// The local queue's words (field offices, issue 17 item 6).
pub mod queue {
    use std::fmt::Display;

    /// The default item group's name.
    pub const DEFAULT_GROUP_NAME: &str = "综合业务";
    /// The ticket slip's closing lines.
    pub const TICKET_FOOTER: [&str; 2] = ["请留意叫号，过号请到窗口咨询。", "请妥善保管本票。"];

    /// 「已取号 {number}，小票已打印。」
    pub fn issued_printed(number: impl Display) -> String {
        format!("已取号 {number}，小票已打印。")
    }

    /// 「已取号 {number}（未配置小票打印机，请告知号码）。」
    pub fn issued_no_printer(number: impl Display) -> String {
        format!("已取号 {number}（未配置小票打印机，请告知号码）。")
    }

    /// 「已取号 {number}，但小票未打印：{why}」
    pub fn issued_not_printed(number: impl Display, why: impl Display) -> String {
        format!("已取号 {number}，但小票未打印：{why}")
    }
}

/// File names the workstation writes.
pub mod files {
    /// The captured pages' PDF name when the material has no title.
    pub const CAMERA_CAPTURE: &str = "高拍仪拍摄";
    /// The head of a history export's file name: 「已办件-{clerk}-{date}-{time}.{ext}」.
    pub const EXPORT_PREFIX: &str = "已办件";
}

/// Characters the scanned-code recogniser parses (protocol data, not wording).
pub mod codes {
    /// The fullwidth colon after a personal code's head (「粤居码：…」).
    pub const FULLWIDTH_COLON: char = '：';
    /// The last character of a personal code's head (「…码」).
    pub const CODE_SUFFIX: char = '码';
    /// The simulated camera's sample personal code: its head and the test person's name.
    pub const SAMPLE_HEAD: &str = "粤居码";
    pub const SAMPLE_NAME: &str = "张三";
}

/// The clerk list's permissions (A4) in the counter's words, and the posts that serve every
/// department.
pub mod permissions {
    use crate::domain::access::Permission;

    pub fn label(p: Permission) -> &'static str {
        match p {
            Permission::Accept => "收件受理",
            Permission::Query => "查询",
            Permission::Print => "打印",
            Permission::Export => "导出",
            Permission::Reprint => "补打",
            Permission::Change => "变更",
            Permission::Issue => "出件",
            Permission::Admin => "系统管理",
            Permission::AllItems => "全部事项",
            Permission::Assist => "协查办理",
        }
    }

    /// A post naming one of these is a comprehensive window (综合窗口): it takes in every
    /// department's items (seed 004, 无差别收件).
    pub const COMPREHENSIVE_POSTS: [&str; 2] = ["综合", "综窗"];
}

/// The sex a party record holds: 男, 女, or 未说明 for anything else (the card's labels).
pub fn party_sex(sex: Sex) -> &'static str {
    match sex {
        Sex::Male | Sex::Female => card_labels::sex(sex),
        _ => card_labels::sex(Sex::Unspecified),
    }
}

/// The simulator control surface (`yichuang-sim`) and its command-line client.
pub mod simctl {
    pub const HELP: &str =
        "card place <resident|long_term|expired|foreign_permanent|hk_macao_taiwan|foreign_permanent_2023|photo_crash|photo_hang|photo_refused>|card remove|scan <文本>|printer fault <paper_out|near_end|cover_open|offline> on|off|printer paper|camera show <文本>|camera show-document|camera show-personal-code|camera clear|camera unplug|camera plug";
    pub const SCAN_NEEDS_TEXT: &str = "scan 需要扫码内容";
    pub const EMPTY_COMMAND: &str = "空命令";
    pub const LINE_TOO_LONG: &str = "命令过长";
    pub const NOT_UTF8: &str = "命令须为 UTF-8 文本";
    /// `yichuang-sim --control` or `--token` without its value.
    pub const OPTION_NEEDS_VALUE: &str =
        "--control 需要地址（例如 127.0.0.1:8721），--token 需要控制口令";
    /// `yichuang-sim` found no token anywhere.
    pub const CLIENT_NEEDS_TOKEN: &str =
        "缺少控制口令：请用 --token 或环境变量 YICHUANG_SIM_TOKEN 提供 workstation.toml 中的 simulator.token";

    pub fn card_usage(rest: &str) -> String {
        format!("用法：card place <样例> | card remove（收到：{rest}）")
    }

    pub fn printer_usage(rest: &str) -> String {
        format!("用法：printer fault <故障> on|off | printer paper（收到：{rest}）")
    }

    pub fn camera_usage(rest: &str) -> String {
        format!(
            "用法：camera show <文本> | camera show-document | camera show-personal-code | camera clear | camera unplug | camera plug（收到：{rest}）"
        )
    }

    pub fn unknown_command(other: &str) -> String {
        format!("未知命令 {other}；{HELP}")
    }

    /// `yichuang-sim --help`.
    pub fn client_usage() -> String {
        format!("用法: yichuang-sim [--control 地址] [--token 口令] <命令>\n命令: {HELP}")
    }

    /// `yichuang-sim` cannot reach the workstation.
    pub fn client_unreachable(addr: &str, error: impl std::fmt::Display) -> String {
        format!(
            "无法连接工作站的模拟设备控制端口 {addr}：{error}\n（工作站是否在运行，且 workstation.toml 中配置了 simulator.control 和 simulator.token？）"
        )
    }
}

/// 部门协查 (L4): states, the request form and the proof the window lays out, file names.
pub mod assist {
    /// 待发送 / 待处理 / 待盖章 / 已盖章 / 已退回.
    pub fn state(state: crate::workstation::assist::AssistState) -> &'static str {
        use crate::workstation::assist::AssistState;
        match state {
            AssistState::Queued => "待发送",
            AssistState::Pending => "待处理",
            AssistState::AwaitingSeal => "待盖章",
            AssistState::Sealed => "已盖章",
            AssistState::Returned => "已退回",
        }
    }

    pub const REQUEST_TITLE: &str = "部门协查申请单";
    pub const PROOF_TITLE: &str = "证明";
    pub const KEY_ID: &str = "协查编号";
    pub const KEY_FROM: &str = "申请部门";
    pub const KEY_CLERK: &str = "申请人员";
    pub const KEY_TO: &str = "协查部门";
    pub const KEY_ITEM: &str = "办理事项";
    pub const KEY_APPLICANT: &str = "申请人";
    pub const KEY_ID_NUMBER: &str = "证件号码";
    pub const KEY_ORGANISATION: &str = "单位名称";
    pub const KEY_USCC: &str = "统一社会信用代码";
    pub const KEY_STATE: &str = "状态";
    pub const KEY_CREATED: &str = "申请时间";
    pub const KEY_RETURN_REASON: &str = "退回原因";
    pub const HEADING_PROOFS: &str = "所需证明";
    pub const HEADING_NOTE: &str = "备注";
    /// The printed request's footer.
    pub const REQUEST_FOOTER: &str = "部门协查 · 一窗受理";

    /// The material file of a received stamped proof.
    pub fn material_file(id: &str) -> String {
        format!("协查证明-{}.pdf", &id[..id.len().min(8)])
    }

    /// 「张三（证件号码 110…）」 or 「某公司（统一社会信用代码 91…，经办人 张三）」.
    pub fn applicant(
        person_name: &str,
        person_number: &str,
        organisation: Option<(&str, &str)>,
    ) -> String {
        match organisation {
            Some((code, name)) => {
                format!("{name}（统一社会信用代码 {code}，经办人 {person_name}）")
            }
            None => format!("{person_name}（证件号码 {person_number}）"),
        }
    }

    /// 「X 于 2026年12月07日 10:30 盖章」 from the server's record of the seal.
    pub fn sealed_by(signer: &str, when: &str) -> String {
        format!("{signer} 于 {when} 盖章")
    }

    /// 「出租车驾驶员从业资格证核发（330100-001）」.
    pub fn item(name: &str, code: &str) -> String {
        format!("{name}（{code}）")
    }

    /// Several verdicts in one line.
    pub const VERDICT_SEPARATOR: &str = "；";
}
