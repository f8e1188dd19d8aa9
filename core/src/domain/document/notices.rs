//! The standard documents, each only data poured into the shared layout: the A4 printer's
//! test page, the acceptance receipt (受理回执) and the three notices (受理通知书,
//! 不予受理通知书, 补正补齐告知书).

use super::model::{Align, Block, Column, Document, KeyValue, Paragraph, QrBlock, Table};
use yichuang_drivers::escpos::SlipTime;

/// Rare characters of personal names that the test page prints to show font coverage.
pub const RARE_NAME_CHARS: &str = "𠇔 龑 堃 喆 玥 昇 燚 犇 淼 赟 珺 翀";

fn date_cn(at: SlipTime) -> String {
    format!("{}年{}月{}日", at.year, at.month, at.day)
}

/// What the device panel's 「打印测试页」 prints on the A4 printer.
#[derive(Debug, Clone, PartialEq)]
pub struct TestPage {
    pub hall_name: String,
    /// e.g. 「3号窗口 综合受理窗口」.
    pub window: String,
    /// The queue the page was sent to, as configured.
    pub printer: String,
    pub at: SlipTime,
}

pub fn test_page(p: &TestPage) -> Document {
    let case = format!(
        "TEST-{:04}{:02}{:02}{:02}{:02}",
        p.at.year, p.at.month, p.at.day, p.at.hour, p.at.minute
    );
    Document {
        title: "A4打印机测试页".into(),
        header: Some(p.hall_name.clone()),
        footer: Some("一窗受理工作站".into()),
        blocks: vec![
            Block::Title("A4打印机测试页".into()),
            Block::KeyValues(vec![
                KeyValue::new("服务大厅：", &p.hall_name),
                KeyValue::new("窗口：", &p.window),
                KeyValue::new("打印机：", &p.printer),
                KeyValue::new("打印时间：", p.at.to_string()),
            ]),
            Block::Paragraph(Paragraph::body(
                "本页用于检查A4打印机的连接、纸张和打印质量。请核对：文字清晰、无缺字；\
                 表格线条完整；二维码可以扫描；页面四边的内容都没有被裁切。\
                 如有异常，请联系运维人员 (IT support) 并附上本页。",
            )),
            Block::Heading("检查项目".into()),
            Block::Table(Table {
                columns: vec![
                    Column::new("序号", 1.0).centered(),
                    Column::new("检查项目", 3.0),
                    Column::new("合格标准", 5.0),
                ],
                rows: vec![
                    row(["1", "中文字体", "宋体、黑体字形完整，无方框或乱码"]),
                    row(["2", "生僻字", RARE_NAME_CHARS]),
                    row(["2a", "字库未收录", &uncovered(RARE_NAME_CHARS)]),
                    row(["3", "英文与数字", "ABCDEFG abcdefg 0123456789"]),
                    row(["4", "表格线条", "横线、竖线连续，粗细均匀"]),
                    row(["5", "二维码", "用手机或扫码枪扫描，应显示测试编号"]),
                ],
                size: 11.0,
            }),
            Block::Qr(QrBlock {
                data: case.clone(),
                caption: Some(format!("测试编号 {case}")),
                size_mm: 32.0,
                align: Align::Center,
            }),
            Block::Seal {
                issuer: p.hall_name.clone(),
                date: date_cn(p.at),
            },
        ],
    }
}

/// The characters of `text` the bundled font has no glyph for (they print as boxes), so
/// the test page says which rare characters this workstation cannot print.
fn uncovered(text: &str) -> String {
    let Ok(font) = super::font::bundled() else {
        return "（字体无法加载）".into();
    };
    let missing: Vec<String> = text
        .chars()
        .filter(|c| !c.is_whitespace() && !font.covers(*c))
        .map(|c| format!("{c} U+{:04X}", c as u32))
        .collect();
    if missing.is_empty() {
        "无".into()
    } else {
        missing.join("、")
    }
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// One item of a material list.
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    pub name: String,
    /// 「原件」, 「复印件」, 「原件及复印件」.
    pub form: String,
    pub copies: u32,
}

/// What the citizen takes home when an application is accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceReceipt {
    pub hall_name: String,
    pub case_number: String,
    pub item: String,
    pub applicant: String,
    /// Already masked for printing (e.g. 「440***********1234」).
    pub id_number_masked: String,
    pub phone_masked: String,
    pub window: String,
    pub clerk: String,
    pub accepted_at: SlipTime,
    /// 「20个工作日」.
    pub time_limit: String,
    pub materials: Vec<Material>,
    /// Where progress can be checked (printed and encoded with the case number).
    pub query_hint: String,
}

impl AcceptanceReceipt {
    /// The standard receipt of the bench and the tests: ~30 lines and a QR code.
    pub fn sample() -> AcceptanceReceipt {
        let materials = [
            ("不动产登记申请书", "原件", 1),
            ("申请人身份证明", "原件及复印件", 1),
            ("不动产权属证书", "原件", 1),
            ("买卖合同", "原件", 2),
            ("完税凭证", "复印件", 1),
            ("婚姻状况证明", "原件及复印件", 1),
            ("授权委托书（委托办理的）", "原件", 1),
            ("宗地图及房屋平面图", "复印件", 1),
        ];
        AcceptanceReceipt {
            hall_name: "广州市政务服务中心".into(),
            case_number: "YC-440100-20261123-000123".into(),
            item: "不动产转移登记（二手房买卖）".into(),
            applicant: "张晓堃".into(),
            id_number_masked: "440***********1234".into(),
            phone_masked: "138****5678".into(),
            window: "12号窗口 综合受理窗口".into(),
            clerk: "李明（工号 0412）".into(),
            accepted_at: SlipTime {
                year: 2026,
                month: 11,
                day: 23,
                hour: 9,
                minute: 30,
            },
            time_limit: "20个工作日".into(),
            materials: materials
                .iter()
                .map(|(name, form, copies)| Material {
                    name: name.to_string(),
                    form: form.to_string(),
                    copies: *copies,
                })
                .collect(),
            query_hint: "可扫描下方二维码，或登录政务服务网、拨打12345查询办理进度。".into(),
        }
    }
}

pub fn acceptance_receipt(r: &AcceptanceReceipt) -> Document {
    Document {
        title: format!("受理回执 {}", r.case_number),
        header: Some(r.hall_name.clone()),
        footer: Some(format!("案件编号 {}", r.case_number)),
        blocks: vec![
            Block::Title("受理回执".into()),
            Block::KeyValues(vec![
                KeyValue::new("案件编号：", &r.case_number),
                KeyValue::new("办理事项：", &r.item),
                KeyValue::new("申请人：", &r.applicant),
                KeyValue::new("证件号码：", &r.id_number_masked),
                KeyValue::new("联系电话：", &r.phone_masked),
                KeyValue::new("受理窗口：", &r.window),
                KeyValue::new("受理人员：", &r.clerk),
                KeyValue::new("受理时间：", r.accepted_at.to_string()),
                KeyValue::new("承诺时限：", &r.time_limit),
            ]),
            Block::Paragraph(Paragraph::body(format!(
                "您申请的「{}」已于{}受理，收到以下申请材料：",
                r.item,
                date_cn(r.accepted_at)
            ))),
            materials_table(&r.materials),
            Block::Paragraph(Paragraph::body(format!(
                "请妥善保管本回执，凭本回执领取办理结果。{}",
                r.query_hint
            ))),
            Block::Qr(QrBlock {
                data: r.case_number.clone(),
                caption: Some("扫码查询办理进度".into()),
                size_mm: 30.0,
                align: Align::Right,
            }),
            Block::Signatures(vec!["申请人（签字）：".into()]),
            Block::Seal {
                issuer: r.hall_name.clone(),
                date: date_cn(r.accepted_at),
            },
        ],
    }
}

fn materials_table(materials: &[Material]) -> Block {
    Block::Table(Table {
        columns: vec![
            Column::new("序号", 1.0).centered(),
            Column::new("材料名称", 5.0),
            Column::new("形式", 2.2).centered(),
            Column::new("份数", 1.2).centered(),
        ],
        rows: materials
            .iter()
            .enumerate()
            .map(|(i, m)| {
                vec![
                    (i + 1).to_string(),
                    m.name.clone(),
                    m.form.clone(),
                    m.copies.to_string(),
                ]
            })
            .collect(),
        size: 11.0,
    })
}

/// Which of the three notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// 受理通知书
    Accepted,
    /// 不予受理通知书
    Rejected,
    /// 补正补齐告知书
    Supplement,
}

impl NoticeKind {
    pub fn title(self) -> &'static str {
        match self {
            NoticeKind::Accepted => "受理通知书",
            NoticeKind::Rejected => "不予受理通知书",
            NoticeKind::Supplement => "补正补齐告知书",
        }
    }
}

/// The data of a notice; which parts are printed depends on the kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub hall_name: String,
    /// The issuing department, e.g. 「广州市规划和自然资源局」.
    pub issuer: String,
    /// 文号, e.g. 「穗政服受〔2026〕123号」.
    pub document_number: String,
    pub case_number: String,
    pub applicant: String,
    pub item: String,
    pub date: SlipTime,
    /// Accepted: the time limit; rejected: the reasons; supplement: what is missing.
    pub reasons: Vec<String>,
    /// Supplement: the materials to bring (a table).
    pub materials: Vec<Material>,
    /// Rejected: where to appeal (复议 / 诉讼 text).
    pub remedy: Option<String>,
}

pub fn notice(n: &Notice) -> Document {
    let mut blocks = vec![
        Block::Title(n.kind.title().into()),
        Block::Paragraph(Paragraph {
            text: n.document_number.clone(),
            size: 12.0,
            align: Align::Center,
            indent: false,
        }),
        Block::Paragraph(Paragraph::plain(format!("{}：", n.applicant), 12.0)),
    ];
    let date = date_cn(n.date);
    let lead = match n.kind {
        NoticeKind::Accepted => format!(
            "你（单位）于{date}提出的「{}」申请（案件编号：{}），经审查，申请材料齐全、\
             符合法定形式，本机关决定予以受理。",
            n.item, n.case_number
        ),
        NoticeKind::Rejected => format!(
            "你（单位）于{date}提出的「{}」申请（案件编号：{}），经审查，因下列原因，\
             本机关决定不予受理：",
            n.item, n.case_number
        ),
        NoticeKind::Supplement => format!(
            "你（单位）于{date}提出的「{}」申请（案件编号：{}），经审查，申请材料不齐全或者\
             不符合法定形式，请按下列要求补正补齐后重新提交：",
            n.item, n.case_number
        ),
    };
    blocks.push(Block::Paragraph(Paragraph::body(lead)));
    for (i, reason) in n.reasons.iter().enumerate() {
        blocks.push(Block::Paragraph(Paragraph::body(format!(
            "{}. {reason}",
            i + 1
        ))));
    }
    if !n.materials.is_empty() {
        blocks.push(materials_table(&n.materials));
    }
    if let Some(remedy) = &n.remedy {
        blocks.push(Block::Paragraph(Paragraph::body(remedy.clone())));
    }
    blocks.push(Block::Qr(QrBlock {
        data: n.case_number.clone(),
        caption: Some(format!("案件编号 {}", n.case_number)),
        size_mm: 26.0,
        align: Align::Right,
    }));
    blocks.push(Block::Signatures(vec!["申请人（签收）：".into()]));
    blocks.push(Block::Seal {
        issuer: n.issuer.clone(),
        date,
    });
    Document {
        title: format!("{} {}", n.kind.title(), n.case_number),
        header: Some(n.hall_name.clone()),
        footer: Some(format!("案件编号 {}", n.case_number)),
        blocks,
    }
}
