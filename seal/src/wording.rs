//! Every Chinese sentence of the seal crate: what the clerk reads about a stamp's verdict and
//! how a signing time is written. The error sentences themselves are pki's
//! (`yichuang_pki::messages`).

/// A signer without a name in the certificate.
pub const UNKNOWN_SIGNER: &str = "未知签章人";

/// ` 于2026年12月07日 12:05` after the signer's name.
pub fn at(time: &str) -> String {
    format!("于{time}")
}

/// `2026年12月07日 12:05`.
pub fn date_time(y: i64, mo: u32, d: u32, h: u32, mi: u32) -> String {
    format!("{y}年{mo:02}月{d:02}日 {h:02}:{mi:02}")
}

/// A valid stamp, with later changes covered by later valid stamps.
pub fn valid_later_signed(who: &str, when: &str) -> String {
    format!("签章有效：{who}{when}盖章；此后的修改均有后续有效签章")
}

/// A valid stamp on an unchanged document.
pub fn valid(who: &str, when: &str) -> String {
    format!("签章有效：{who}{when}盖章，文档盖章后未被修改")
}

/// An invalid stamp and why.
pub fn invalid(who: &str, when: &str, why: &str) -> String {
    format!("签章无效（{who}{when}）：{why}")
}
