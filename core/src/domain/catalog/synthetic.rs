//! A synthetic catalog of any size for the benchmarks (issue 5: 20,000 items for the item
//! search benchmark). Deterministic from a seed; passes [`super::validate`].
//!
//! Item names are composed like the real ones: an optional qualifier, a subject of the
//! department and an action (`个人` + `户籍` + `证明`), so pinyin and initials behave as in the
//! real catalog (`hjzm` → 户籍证明). Every unqualified name comes first, so the well-known
//! names (户籍证明, 营业执照变更登记, 公积金提取 …) are always in a catalog of a few thousand
//! items or more; the qualified ones follow in a seeded order.

use super::model::*;

/// (code, full name, short name, subjects).
const DEPARTMENTS: &[(&str, &str, &str, &[&str])] = &[
    (
        "gaj",
        "某市公安局",
        "公安",
        &[
            "户籍",
            "户口",
            "居住证",
            "居民身份证",
            "出入境证件",
            "机动车",
            "驾驶证",
            "养犬",
        ],
    ),
    (
        "rsj",
        "某市人力资源和社会保障局",
        "人社",
        &[
            "社保",
            "养老保险",
            "失业保险",
            "工伤保险",
            "就业创业证",
            "职业资格证书",
            "社会保障卡",
            "劳动合同",
        ],
    ),
    (
        "gjj",
        "某市住房公积金管理中心",
        "公积金",
        &[
            "公积金",
            "住房公积金账户",
            "公积金贷款",
            "公积金缴存",
            "公积金提取",
        ],
    ),
    (
        "bdc",
        "某市不动产登记中心",
        "不动产",
        &[
            "不动产",
            "房屋所有权",
            "土地使用权",
            "抵押权",
            "预告",
            "地役权",
            "不动产权证书",
        ],
    ),
    (
        "scj",
        "某市市场监督管理局",
        "市场监管",
        &[
            "营业执照",
            "个体工商户",
            "食品经营许可证",
            "农民专业合作社",
            "企业名称",
            "股权出质",
            "特种设备使用",
            "药品零售许可证",
        ],
    ),
    (
        "mzj",
        "某市民政局",
        "民政",
        &[
            "婚姻",
            "最低生活保障",
            "特困人员供养",
            "社会团体",
            "民办非企业单位",
            "殡葬",
            "残疾人两项补贴",
            "养老机构",
        ],
    ),
    (
        "wjw",
        "某市卫生健康委员会",
        "卫健",
        &[
            "出生医学证明",
            "医师执业",
            "护士执业",
            "医疗机构执业许可证",
            "计划生育",
            "母婴保健技术服务",
        ],
    ),
    (
        "jyj",
        "某市教育局",
        "教育",
        &["学籍", "教师资格", "民办学校办学许可证", "义务教育入学"],
    ),
    (
        "swj",
        "国家税务总局某市税务局",
        "税务",
        &["税务", "发票", "纳税证明", "个人所得税", "契税", "车船税"],
    ),
    (
        "jtj",
        "某市交通运输局",
        "交通",
        &[
            "道路运输经营许可证",
            "出租汽车驾驶员从业资格证",
            "网约车运输证",
            "道路运输证",
        ],
    ),
    (
        "zjj",
        "某市住房和城乡建设局",
        "住建",
        &[
            "商品房预售许可证",
            "建筑工程施工许可证",
            "房屋租赁",
            "物业服务",
            "建筑业企业资质",
        ],
    ),
    (
        "ybj",
        "某市医疗保障局",
        "医保",
        &[
            "医保",
            "医保关系转移",
            "异地就医",
            "门诊慢特病",
            "生育保险待遇",
        ],
    ),
    (
        "zrj",
        "某市自然资源局",
        "自然资源",
        &[
            "建设用地规划许可证",
            "建设工程规划许可证",
            "采矿许可证",
            "测绘资质",
        ],
    ),
    (
        "wlj",
        "某市文化广电旅游局",
        "文旅",
        &[
            "娱乐场所经营许可证",
            "旅行社业务经营许可证",
            "网吧",
            "营业性演出许可证",
        ],
    ),
];

const ACTIONS: &[&str] = &[
    "登记",
    "变更",
    "注销",
    "证明",
    "备案",
    "补领",
    "换领",
    "申领",
    "延续",
    "核准",
    "转移",
    "查询",
    "撤销",
    "迁移",
    "审核",
    "设立登记",
    "变更登记",
    "注销登记",
];

const QUALIFIERS: &[&str] = &[
    "个人",
    "单位",
    "企业",
    "外籍人员",
    "港澳台居民",
    "现役军人",
    "未成年人",
    "老年人",
    "残疾人",
    "退役军人",
    "异地",
    "首次",
    "农村",
    "城镇",
    "灵活就业人员",
    "新就业人员",
    "留学回国人员",
];

/// The licence types the materials below name, with their GB/T 36904 type codes (the issuing
/// department's code and a number; only 公安部's code is the real one, the rest are made up).
const LICENCE_TYPES: &[(&str, &str)] = &[
    ("11100000000013338W001", "居民身份证电子证照"),
    ("11100000000013338W002", "居民户口簿电子证照"),
    ("11100000000017654G001", "营业执照电子证照"),
    ("11100000000019999K001", "不动产权证书电子证照"),
    ("11100000000014320A001", "结婚证电子证照"),
    ("11100000000012345D001", "出生医学证明电子证照"),
    ("11100000000015555F001", "学历证书电子证照"),
];

/// (name, licence type that can replace it).
const MATERIALS: &[(&str, Option<&str>)] = &[
    ("居民身份证", Some("居民身份证电子证照")),
    ("居民户口簿", Some("居民户口簿电子证照")),
    ("申请表", None),
    ("授权委托书", None),
    ("代理人身份证明", None),
    ("营业执照", Some("营业执照电子证照")),
    ("不动产权证书", Some("不动产权证书电子证照")),
    ("结婚证", Some("结婚证电子证照")),
    ("出生医学证明", Some("出生医学证明电子证照")),
    ("户口迁移证", None),
    ("社会保障卡", None),
    ("劳动合同", None),
    ("房屋租赁合同", None),
    ("法定代表人身份证明", None),
    ("公司章程", None),
    ("近期免冠照片", None),
    ("病历资料", None),
    ("学历证书", Some("学历证书电子证照")),
    ("承诺书", None),
    ("情况说明", None),
    ("村（居）委会证明", None),
    ("体检报告", None),
    ("无犯罪记录证明", None),
];

const REVIEW_POINTS: &[&str] = &[
    "核对原件与复印件一致",
    "在有效期内",
    "申请人签名或盖章",
    "信息填写完整、字迹清晰",
    "与身份证件信息一致",
    "复印件加盖单位公章",
];

const SITUATIONS: &[&str] = &[
    "本人申请",
    "委托代办",
    "单位申请",
    "监护人代为申请",
    "首次申请",
    "再次申请",
];

const KINDS: &[ItemKind] = &[
    ItemKind::Permit,
    ItemKind::Confirmation,
    ItemKind::Benefit,
    ItemKind::Levy,
    ItemKind::OtherPower,
    ItemKind::PublicService,
];

/// A catalog of `n` items, the same for the same `seed`.
pub fn catalog(seed: u64, n: usize) -> Catalog {
    let mut rng = fastrand::Rng::with_seed(seed);
    // Every (department, subject, action) once unqualified, then the qualified combinations
    // in a seeded order; beyond those the names repeat with a numbered variant.
    let mut plain = Vec::new();
    let mut qualified = Vec::new();
    for (d, (_, _, _, subjects)) in DEPARTMENTS.iter().enumerate() {
        for s in subjects.iter() {
            for a in ACTIONS {
                plain.push((d, String::new(), *s, *a));
                for q in QUALIFIERS {
                    qualified.push((d, q.to_string(), *s, *a));
                }
            }
        }
    }
    rng.shuffle(&mut qualified);
    let combos: Vec<_> = plain.into_iter().chain(qualified).collect();

    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let (d, q, s, a) = &combos[i % combos.len()];
        let round = i / combos.len();
        let dept = DEPARTMENTS[*d].0;
        let mut name = format!("{q}{s}{a}");
        if round > 0 {
            name.push_str(&format!("（{}类）", round + 1));
        }
        items.push(item(&mut rng, i, dept, &name, s));
    }
    Catalog {
        version: format!("synthetic-{seed}-{n}"),
        departments: DEPARTMENTS
            .iter()
            .map(|(code, name, short, _)| Department {
                code: code.to_string(),
                name: name.to_string(),
                short_name: short.to_string(),
            })
            .collect(),
        items,
        licence_types: LICENCE_TYPES
            .iter()
            .map(|(code, name)| LicenceType {
                code: code.to_string(),
                name: name.to_string(),
            })
            .collect(),
        templates: templates(),
        calendar: Calendar {
            holidays: [
                "2026-01-01",
                "2026-02-16",
                "2026-02-17",
                "2026-02-18",
                "2026-02-19",
                "2026-02-20",
                "2026-04-06",
                "2026-05-01",
                "2026-05-04",
                "2026-05-05",
                "2026-06-19",
                "2026-09-25",
                "2026-10-01",
                "2026-10-02",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            workdays: ["2026-02-14", "2026-02-28", "2026-05-09", "2026-09-27"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        },
    }
}

fn pick<'a, T>(rng: &mut fastrand::Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.usize(..xs.len())]
}

fn item(rng: &mut fastrand::Rng, i: usize, dept: &str, name: &str, subject: &str) -> Item {
    let legal_days = *pick(rng, &[0u32, 5, 10, 15, 20, 30, 60]);
    let promised_days = if legal_days == 0 {
        *pick(rng, &[0u32, 0, 1, 3, 5])
    } else {
        rng.u32(0..=legal_days)
            .min(*pick(rng, &[0u32, 1, 3, 5, 7, 10]))
    };
    let deferrable = rng.u8(..4) == 0;

    // The material pool: 2–7 distinct materials; 居民身份证 is almost always first.
    let pool_len = rng.usize(2..=7);
    let mut chosen: Vec<usize> = Vec::with_capacity(pool_len);
    if rng.u8(..10) != 0 {
        chosen.push(0);
    }
    while chosen.len() < pool_len {
        let m = rng.usize(..MATERIALS.len());
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    let materials: Vec<Material> = chosen
        .iter()
        .enumerate()
        .map(|(k, &m)| {
            let (mname, licence) = MATERIALS[m];
            let required = k == 0 || rng.u8(..3) != 0;
            Material {
                id: format!("m{}", k + 1),
                name: mname.to_string(),
                required,
                form: *pick(
                    rng,
                    &[
                        MaterialForm::Original,
                        MaterialForm::Copy,
                        MaterialForm::OriginalAndCopy,
                        MaterialForm::Electronic,
                    ],
                ),
                count: rng.u32(1..=3),
                review_points: (0..rng.usize(0..=2))
                    .map(|_| pick(rng, REVIEW_POINTS).to_string())
                    .collect(),
                sample: (rng.u8(..5) == 0).then(|| format!("{mname}填写示例")),
                licence_type: licence.map(str::to_string),
                deferrable: deferrable && k > 0 && !required,
            }
        })
        .collect();

    // 1–4 situations, each with a non-empty subset of the pool; several: one question.
    let n_sit = *pick(rng, &[1usize, 1, 2, 2, 3, 4]);
    let mut labels: Vec<&str> = SITUATIONS.to_vec();
    rng.shuffle(&mut labels);
    let situations: Vec<Situation> = (0..n_sit)
        .map(|k| {
            let mut ms: Vec<String> = materials
                .iter()
                .filter(|m| m.required || rng.bool())
                .map(|m| m.id.clone())
                .collect();
            if ms.is_empty() {
                ms.push("m1".into());
            }
            Situation {
                id: format!("s{}", k + 1),
                name: format!("{}{}", labels[k], name),
                materials: ms,
                notes: String::new(),
            }
        })
        .collect();
    let questions = if n_sit > 1 {
        vec![Question {
            id: "q1".into(),
            text: "申请情形？".into(),
            options: situations
                .iter()
                .enumerate()
                .map(|(k, s)| QuestionOption {
                    label: labels[k].to_string(),
                    next: Next::Situation(s.id.clone()),
                })
                .collect(),
        }]
    } else {
        Vec::new()
    };

    let mut fields = Vec::new();
    if rng.bool() {
        fields.push(FieldDef {
            id: "purpose".into(),
            label: "申请用途".into(),
            kind: FieldKind::Select {
                options: ["本人使用", "单位要求", "其他"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            required: true,
            max_len: 0,
            hint: String::new(),
            default: Some("本人使用".into()),
        });
    }
    if rng.bool() {
        fields.push(FieldDef {
            id: "phone".into(),
            label: "联系电话".into(),
            kind: FieldKind::Phone,
            required: rng.bool(),
            max_len: 20,
            hint: "手机或固定电话".into(),
            default: None,
        });
    }
    if rng.u8(..3) == 0 {
        fields.push(FieldDef {
            id: "remark".into(),
            label: "备注".into(),
            kind: FieldKind::TextArea,
            required: false,
            max_len: 200,
            hint: String::new(),
            default: None,
        });
    }

    let keywords = match rng.u8(..4) {
        0 => vec![format!("{subject}办理")],
        1 => vec![format!("办{name}"), format!("{subject}业务")],
        _ => Vec::new(),
    };
    Item {
        code: format!("SYN-{}-{:05}", dept.to_uppercase(), i + 1),
        name: name.to_string(),
        department: dept.to_string(),
        kind: *pick(rng, KINDS),
        legal_days,
        promised_days,
        instant: promised_days == 0,
        deferrable,
        online: rng.bool(),
        keywords,
        notes: format!("{name}：核验申请人身份，材料齐全当场受理。"),
        questions,
        situations,
        materials,
        fields,
    }
}

fn templates() -> Vec<NoticeTemplate> {
    let t = |kind, title: &str, body: &str| NoticeTemplate {
        kind,
        department: None,
        item: None,
        title: title.into(),
        body: body.into(),
    };
    vec![
        t(
            NoticeKind::Accept,
            "受理通知书",
            "{applicant}：\n您申请的{item}已于{date}受理，受理编号{case_no}，承诺{promised_days}个工作日内办结。\n{department}",
        ),
        t(
            NoticeKind::Deferred,
            "容缺受理通知书",
            "{applicant}：\n您申请的{item}已容缺受理，请于{deadline}前补齐：\n{materials}\n{department}",
        ),
        t(
            NoticeKind::Reject,
            "不予受理通知书",
            "{applicant}：\n您申请的{item}不予受理，理由：{reason}\n{department}",
        ),
        t(
            NoticeKind::Supplement,
            "补正补齐告知书",
            "{applicant}：\n您申请的{item}材料不全，请于{deadline}前补正：\n{materials}\n{department}",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_thousand_valid_items_with_mostly_distinct_names() {
        let c = catalog(42, 20_000);
        super::super::validate(&c).expect("the synthetic catalog is valid");
        assert_eq!(c.items.len(), 20_000);
        let names: std::collections::HashSet<&str> =
            c.items.iter().map(|i| i.name.as_str()).collect();
        assert!(names.len() >= 19_000, "{} distinct names", names.len());
        assert!(names.contains("户籍证明"));
        assert!(names.contains("营业执照变更登记"));
        let situations: usize = c.items.iter().map(|i| i.situations.len()).sum();
        assert!(situations > 30_000, "{situations} situations");
        assert!(c
            .items
            .iter()
            .all(|i| (1..=4).contains(&i.situations.len())));
        // Deterministic from the seed.
        assert_eq!(catalog(42, 500), catalog(42, 500));
        assert_ne!(catalog(42, 500), catalog(43, 500));
    }
}
