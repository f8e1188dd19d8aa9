//! The clerk-facing names of the catalog's enums — item kinds, material forms — and of the
//! search's match reasons, in one table.

use super::model::{ItemKind, MaterialForm};

/// 事项类型 as the clerk sees it (`ItemKind::label`).
pub(crate) fn item_kind(k: ItemKind) -> &'static str {
    match k {
        ItemKind::Permit => "行政许可",
        ItemKind::Confirmation => "行政确认",
        ItemKind::Benefit => "行政给付",
        ItemKind::Levy => "行政征收",
        ItemKind::OtherPower => "其他行政权力",
        ItemKind::PublicService => "公共服务",
    }
}

/// 材料形式 as the clerk sees it (`MaterialForm::label`).
pub(crate) fn material_form(f: MaterialForm) -> &'static str {
    match f {
        MaterialForm::Original => "原件",
        MaterialForm::Copy => "复印件",
        MaterialForm::OriginalAndCopy => "原件及复印件",
        MaterialForm::Electronic => "电子材料",
    }
}

/// Why a search hit matched, as the result list shows it.
pub(crate) const MATCH_NAME: &str = "名称";
pub(crate) const MATCH_INITIALS: &str = "拼音首字母";
pub(crate) const MATCH_FULL_PINYIN: &str = "全拼";
pub(crate) const MATCH_ALIAS: &str = "别名";
pub(crate) const MATCH_DEPARTMENT: &str = "部门";
pub(crate) const MATCH_KIND: &str = "类型";
pub(crate) const MATCH_FUZZY: &str = "近似";
