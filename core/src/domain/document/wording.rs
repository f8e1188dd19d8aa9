//! The layout's own wording and typesetting data: the 禁则 punctuation of line breaking, the
//! em-width reference character, the signature date label and the page number.

/// Characters that must not start a line (closing punctuation).
pub(crate) const NO_LINE_START: &str = "，。、；：？！）」』》〉】〕”’…—·,.;:?!)]}%";

/// Characters that must not end a line (opening brackets).
pub(crate) const NO_LINE_END: &str = "（「『《〈【〔“‘([{";

/// The character whose advance is one em: a body paragraph is indented by two.
pub(crate) const EM_CHAR: char = '一';

/// The date label of a signature line.
pub(crate) const SIGNATURE_DATE: &str = "日期：";

/// The page number in the footer.
pub(crate) fn page_number(page: usize, total: usize) -> String {
    format!("第 {} 页 共 {} 页", page, total)
}
