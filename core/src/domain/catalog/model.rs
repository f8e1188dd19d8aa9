//! The service catalog (事项目录) as data: departments, items, their situation question trees,
//! materials, form fields, notice wording and the working-day calendar.
//!
//! The same JSON is shipped in `assets/catalog/`, served and versioned by the server, and
//! cached by the workstation for offline use. Field names are English; every text a clerk or
//! citizen reads is Simplified Chinese.

use serde::{Deserialize, Serialize};

/// The whole catalog, as served by `GET /api/v1/catalog` and cached by the workstation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Catalog {
    /// Content version, e.g. "2026.11-1"; the ETag is a hash of the serialised catalog.
    pub version: String,
    pub departments: Vec<Department>,
    pub items: Vec<Item>,
    /// Notice wording per kind, optionally per department or item (most specific wins).
    pub templates: Vec<NoticeTemplate>,
    pub calendar: Calendar,
    /// The 电子证照 types the materials name (`Material::licence_type`), with the GB/T 36904
    /// type code the licence library files them under (L1).
    #[serde(default)]
    pub licence_types: Vec<LicenceType>,
}

/// A licence type of the licence catalog (证照目录): its GB/T 36904 type code (the issuing
/// department's 统一社会信用代码 and a 3-digit number) and its name as the materials say it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LicenceType {
    pub code: String,
    pub name: String,
}

impl Catalog {
    /// The type code of the licence type a material names.
    pub fn licence_type_code(&self, name: &str) -> Option<&str> {
        self.licence_types
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.code.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Department {
    /// Short stable code, e.g. "gaj" (公安局).
    pub code: String,
    /// Full name as printed on notices, e.g. "某市公安局".
    pub name: String,
    /// Short name for lists, e.g. "公安".
    pub short_name: String,
}

/// 事项类型 as in the national catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 行政许可
    Permit,
    /// 行政确认
    Confirmation,
    /// 行政给付
    Benefit,
    /// 行政征收
    Levy,
    /// 其他行政权力
    OtherPower,
    /// 公共服务
    PublicService,
}

impl ItemKind {
    pub fn label(self) -> &'static str {
        super::labels::item_kind(self)
    }
}

/// A service item (事项).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Item {
    /// Stable code, unique in the catalog, e.g. "GA-HJ-0101".
    pub code: String,
    /// Name as the citizen knows it, e.g. "户籍证明".
    pub name: String,
    /// `Department::code`.
    pub department: String,
    pub kind: ItemKind,
    /// 法定办结时限, working days (0 = none set by law).
    pub legal_days: u32,
    /// 承诺办结时限, working days (0 = 即办).
    pub promised_days: u32,
    /// 即办件: decided at the counter.
    pub instant: bool,
    /// 容缺受理 allowed for this item (only materials marked `deferrable` may be missing).
    pub deferrable: bool,
    /// 可网上申报.
    pub online: bool,
    /// Extra search words (aliases, common names), e.g. ["开户籍证明", "户口证明"].
    #[serde(default)]
    pub keywords: Vec<String>,
    /// 收件说明: what the clerk should know when taking the papers in.
    #[serde(default)]
    pub notes: String,
    /// The situation question tree. Empty: the item has exactly one situation.
    #[serde(default)]
    pub questions: Vec<Question>,
    /// Every case of this item ends in exactly one situation.
    pub situations: Vec<Situation>,
    /// Material pool of the item; situations pick from it by id.
    pub materials: Vec<Material>,
    /// Item-specific form fields (the applicant's identity fields are not listed here).
    #[serde(default)]
    pub fields: Vec<FieldDef>,
}

/// One question of the 情形问答. The first question in `Item::questions` is the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Question {
    /// Unique within the item, e.g. "q1".
    pub id: String,
    /// e.g. "申请人与被证明人的关系？"
    pub text: String,
    pub options: Vec<QuestionOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct QuestionOption {
    /// e.g. "本人申请"
    pub label: String,
    pub next: Next,
}

/// Where an answer leads: another question or the final situation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    Question(String),
    Situation(String),
}

/// A situation (情形): one exact case of an item with its material list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Situation {
    /// Unique within the item, e.g. "s1".
    pub id: String,
    /// e.g. "本人申请开具户籍证明"
    pub name: String,
    /// `Material::id`s from the item's pool, in checklist order.
    pub materials: Vec<String>,
    /// Situation-specific note shown beside the checklist.
    #[serde(default)]
    pub notes: String,
}

/// How a material is handed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// 原件
    Original,
    /// 复印件
    Copy,
    /// 原件及复印件
    OriginalAndCopy,
    /// 电子材料
    Electronic,
}

impl MaterialForm {
    pub fn label(self) -> &'static str {
        super::labels::material_form(self)
    }
}

/// A material (申请材料) of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Material {
    /// Unique within the item, e.g. "m1".
    pub id: String,
    /// e.g. "居民户口簿"
    pub name: String,
    pub required: bool,
    pub form: MaterialForm,
    /// 份数.
    pub count: u32,
    /// 审查要点, one point per entry.
    #[serde(default)]
    pub review_points: Vec<String>,
    /// 样表/示例 description, if the item has one.
    #[serde(default)]
    pub sample: Option<String>,
    /// 电子证照 type that can replace the paper, e.g. "居民户口簿电子证照".
    #[serde(default)]
    pub licence_type: Option<String>,
    /// May be missing at 容缺受理 (only when the item allows 容缺).
    #[serde(default)]
    pub deferrable: bool,
}

/// Type of a form field; drives the input and the validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// Multi-line text.
    TextArea,
    /// Digits with optional decimals.
    Number,
    /// yyyy-mm-dd.
    Date,
    /// Mainland mobile or landline.
    Phone,
    /// 18-digit resident ID number with a valid check digit.
    IdNumber,
    /// One of the listed options.
    Select {
        options: Vec<String>,
    },
}

/// An item form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FieldDef {
    /// Unique within the item, e.g. "purpose".
    pub id: String,
    /// e.g. "证明用途"
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    pub required: bool,
    /// Maximum length in characters (0 = no limit).
    #[serde(default)]
    pub max_len: u32,
    /// Placeholder / hint, e.g. "如：办理入学".
    #[serde(default)]
    pub hint: String,
    /// Value proposed when the form opens.
    #[serde(default)]
    pub default: Option<String>,
}

/// Which notice a template words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 受理通知书 / 受理回执
    Accept,
    /// 容缺受理通知书
    Deferred,
    /// 不予受理通知书
    Reject,
    /// 补正补齐告知书
    Supplement,
}

/// Editable notice wording (回执模板). Placeholders in `body`: {applicant} {item} {case_no}
/// {department} {date} {deadline} {promised_days} {reason} {materials} {hall} {window}.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct NoticeTemplate {
    pub kind: NoticeKind,
    /// `Department::code` this wording applies to; `None` for the default.
    #[serde(default)]
    pub department: Option<String>,
    /// `Item::code` this wording applies to; wins over the department's.
    #[serde(default)]
    pub item: Option<String>,
    /// e.g. "受理通知书"
    pub title: String,
    /// Paragraphs separated by "\n".
    pub body: String,
}

/// Working-day calendar: weekends are rest days unless listed in `workdays` (调休上班);
/// `holidays` are rest days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Calendar {
    /// yyyy-mm-dd.
    pub holidays: Vec<String>,
    /// yyyy-mm-dd weekend days that are working days.
    pub workdays: Vec<String>,
}
