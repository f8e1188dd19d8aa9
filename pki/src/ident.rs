//! Identifiers of the licence library (issue 20, L3): the 统一社会信用代码 of GB 32100 and the
//! 电子证照标识 of GB/T 36904. Pure functions over text; no input makes them panic (a fuzz
//! target runs both parsers).
//!
//! **GB 32100-2015** (法人和其他组织统一社会信用代码编码规则): 18 characters from the 31
//! characters `0-9 A-Z` without `I O Z S V`: position 1 the registering department, 2 the
//! organisation kind, 3–8 the registering authority's division code (GB/T 2260, digits), 9–17
//! the organisation's code (GB 11714), 18 the check character: with the characters' values
//! `a_i` (their index in that alphabet) and the weights `3^(i-1) mod 31`
//! (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28), the check is the
//! character of value `31 − (Σ a_i·w_i mod 31)`, where 31 stands for 0.
//!
//! **GB/T 36904-2018** (电子证照 标识规范): an identifier is the electronic-licence root
//! `1.2.156.3005.2`, then, separated by `.`: the licence type code (证照类型代码: the 18-character
//! 统一社会信用代码 of the department that defines the type and a 3-digit type number, per
//! GB/T 36902), the issuing authority's code (证照颁发机构代码, its 统一社会信用代码), a serial
//! number (流水号, letters and digits, assigned by the issuer), a 3-digit version (版本号) and
//! one check character (校验位) computed over type code, issuer code, serial and version
//! written together without separators, by ISO/IEC 7064 MOD 37,36 (GB/T 17710, the hybrid
//! system over `0-9 A-Z`). We could not read the standard's own text; the structure is taken
//! from published national-platform identifiers and the code that makes them, e.g.
//! `1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S` (the schema of
//! 全国一体化政务服务平台 建筑施工企业安全生产管理人员考核合格证书, appendix A.2) and the
//! MOD 37,36 check-character generators written for GB/T 36904 (CSDN "电子证照标识生成校验位生成，
//! 符合36904-2018和7064 MOD37.36"); the tests below check our check characters against those
//! published identifiers.

use std::fmt;

/// The electronic-licence root of every GB/T 36904 identifier.
pub const LICENCE_ROOT: &str = "1.2.156.3005.2";
/// The 31 characters of GB 32100, in value order.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Longest serial number accepted (the published ones have up to 32 characters).
pub const MAX_SERIAL_LEN: usize = 64;

/// Why an identifier was refused; the Chinese sentence is in [`crate::messages::ident`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentError {
    /// Not 18 characters.
    UsccLength,
    /// A character outside the GB 32100 alphabet (or positions 3–8 not digits).
    UsccCharacter,
    /// The 18th character is not the check character of the first 17.
    UsccCheck,
    /// Not `1.2.156.3005.2.` followed by five `.`-separated parts.
    LicenceShape,
    /// The type code is not a 统一社会信用代码 and a 3-digit number.
    LicenceType,
    /// The issuer code is not a valid 统一社会信用代码.
    LicenceIssuer,
    /// The serial is empty, too long or not letters and digits.
    LicenceSerial,
    /// The version is not 3 digits.
    LicenceVersion,
    /// The check character does not match (a typing or transfer error).
    LicenceCheck,
}

impl IdentError {
    /// Stable code for logs and APIs.
    pub fn code(self) -> &'static str {
        match self {
            IdentError::UsccLength => "uscc_length",
            IdentError::UsccCharacter => "uscc_character",
            IdentError::UsccCheck => "uscc_check",
            IdentError::LicenceShape => "licence_id_shape",
            IdentError::LicenceType => "licence_id_type",
            IdentError::LicenceIssuer => "licence_id_issuer",
            IdentError::LicenceSerial => "licence_id_serial",
            IdentError::LicenceVersion => "licence_id_version",
            IdentError::LicenceCheck => "licence_id_check",
        }
    }

    /// The clerk's sentence (Simplified Chinese).
    pub fn message(self) -> &'static str {
        crate::messages::ident(self)
    }
}

impl fmt::Display for IdentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for IdentError {}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The GB 32100 check character of the first 17 characters (`None` when one is outside the
/// alphabet or there are not 17).
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    let mut weight = 1u32;
    for &b in bytes {
        sum += uscc_value(b)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_ALPHABET[check as usize] as char)
}

/// A 统一社会信用代码 whose check character verified; upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses and verifies a code (surrounding spaces ignored, lower case accepted).
    pub fn parse(text: &str) -> Result<Uscc, IdentError> {
        let code = text.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(IdentError::UsccLength);
        }
        let bytes = code.as_bytes();
        if bytes.iter().any(|&b| uscc_value(b).is_none())
            || !bytes[2..8].iter().all(u8::is_ascii_digit)
        {
            return Err(IdentError::UsccCharacter);
        }
        match uscc_check_char(&code[..17]) {
            Some(c) if c as u8 == bytes[17] => Ok(Uscc(code)),
            _ => Err(IdentError::UsccCheck),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn mod37_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

fn mod37_char(v: u32) -> char {
    // v < 36 by construction.
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[v as usize % 36] as char
}

/// The ISO/IEC 7064 MOD 37,36 check character of `text` (`0-9 A-Z` only; `None` otherwise).
pub fn mod37_36_check_char(text: &str) -> Option<char> {
    let mut p = 36u32;
    for &b in text.as_bytes() {
        let mut s = (p + mod37_value(b)?) % 36;
        if s == 0 {
            s = 36;
        }
        p = s * 2 % 37;
    }
    Some(mod37_char((37 - p) % 36))
}

/// A GB/T 36904 electronic licence identifier whose parts and check character verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LicenceId {
    /// 证照类型代码: the defining department's code and the 3-digit type number.
    pub type_code: String,
    /// 证照颁发机构代码.
    pub issuer: Uscc,
    /// 流水号.
    pub serial: String,
    /// 版本号, 3 digits.
    pub version: String,
    /// 校验位.
    pub check: char,
}

impl LicenceId {
    /// Parses and verifies an identifier (surrounding spaces ignored, lower case accepted).
    pub fn parse(text: &str) -> Result<LicenceId, IdentError> {
        let text = text.trim().to_ascii_uppercase();
        let rest = text
            .strip_prefix(LICENCE_ROOT)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or(IdentError::LicenceShape)?;
        let parts: Vec<&str> = rest.split('.').collect();
        let [type_code, issuer, serial, version, check] = parts.as_slice() else {
            return Err(IdentError::LicenceShape);
        };
        check_type_code(type_code)?;
        let issuer = Uscc::parse(issuer).map_err(|_| IdentError::LicenceIssuer)?;
        if serial.is_empty()
            || serial.len() > MAX_SERIAL_LEN
            || !serial.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(IdentError::LicenceSerial);
        }
        if version.len() != 3 || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentError::LicenceVersion);
        }
        let mut chars = check.chars();
        let (Some(check), None) = (chars.next(), chars.next()) else {
            return Err(IdentError::LicenceShape);
        };
        let body = format!("{type_code}{issuer}{serial}{version}");
        if mod37_36_check_char(&body) != Some(check) {
            return Err(IdentError::LicenceCheck);
        }
        Ok(LicenceId {
            type_code: (*type_code).to_owned(),
            issuer,
            serial: (*serial).to_owned(),
            version: (*version).to_owned(),
            check,
        })
    }

    /// Builds the identifier of these parts, computing the check character.
    pub fn new(
        type_code: &str,
        issuer: &Uscc,
        serial: &str,
        version: u16,
    ) -> Result<LicenceId, IdentError> {
        if version > 999 {
            return Err(IdentError::LicenceVersion);
        }
        let candidate = format!(
            "{LICENCE_ROOT}.{type_code}.{issuer}.{serial}.{version:03}.0",
            type_code = type_code.trim().to_ascii_uppercase(),
            serial = serial.trim().to_ascii_uppercase(),
        );
        let body = format!(
            "{}{}{}{version:03}",
            type_code.trim().to_ascii_uppercase(),
            issuer,
            serial.trim().to_ascii_uppercase()
        );
        let check = mod37_36_check_char(&body).ok_or(IdentError::LicenceSerial)?;
        let text = format!("{}{check}", &candidate[..candidate.len() - 1]);
        LicenceId::parse(&text)
    }
}

/// The type code: an 18-character 统一社会信用代码 and a 3-digit number.
fn check_type_code(code: &str) -> Result<(), IdentError> {
    if code.len() != 21 || !code.is_char_boundary(18) {
        return Err(IdentError::LicenceType);
    }
    let (dept, number) = code.split_at(18);
    Uscc::parse(dept).map_err(|_| IdentError::LicenceType)?;
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentError::LicenceType);
    }
    Ok(())
}

/// Whether `code` is a licence type code of GB/T 36902 (a department's code and a number).
pub fn is_licence_type_code(code: &str) -> bool {
    check_type_code(code.trim()).is_ok()
}

impl fmt::Display for LicenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{LICENCE_ROOT}.{}.{}.{}.{}.{}",
            self.type_code, self.issuer, self.serial, self.version, self.check
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published identifiers of the national platform (see the module comment).
    const PUBLISHED: &[&str] = &[
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "1.2.156.3005.2.11100000000013338W087.11370800MB28559184.37080001202411010001.001.3",
    ];

    #[test]
    fn l3_published_licence_identifiers_verify() {
        for text in PUBLISHED {
            let id = LicenceId::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(id.to_string(), *text);
        }
        let id = LicenceId::parse(PUBLISHED[0]).unwrap();
        assert_eq!(id.type_code, "11100000000013338W011");
        assert_eq!(id.issuer.as_str(), "11430000006122244L");
        assert_eq!(id.serial, "20230000403");
        assert_eq!(id.version, "002");
        assert_eq!(id.check, 'S');
    }

    #[test]
    fn l3_each_kind_of_bad_identifier_is_refused_with_its_reason() {
        let good = PUBLISHED[0];
        let cases = [
            ("", IdentError::LicenceShape),
            (
                "11100000000013338W011.11430000006122244L.20230000403.002.S",
                IdentError::LicenceShape,
            ),
            (&good.replace(".002.S", ".002"), IdentError::LicenceShape),
            (&good.replace(".S", ".SS"), IdentError::LicenceShape),
            (&good.replace("W011", "W01"), IdentError::LicenceType),
            (
                &good.replace("13338W011", "13338X011"),
                IdentError::LicenceType,
            ),
            (
                &good.replace("6122244L", "6122244M"),
                IdentError::LicenceIssuer,
            ),
            (
                &good.replace("20230000403", "2023-0000403"),
                IdentError::LicenceSerial,
            ),
            (
                &good.replace("20230000403", "2023_0000403"),
                IdentError::LicenceSerial,
            ),
            (
                &good.replace(".20230000403.", ".."),
                IdentError::LicenceSerial,
            ),
            (&good.replace(".002.", ".2."), IdentError::LicenceVersion),
            (&good.replace(".S", ".T"), IdentError::LicenceCheck),
            (
                &good.replace("20230000403", "20230000430"),
                IdentError::LicenceCheck,
            ),
            (
                &good.replace("20230000403", "2023000040３"),
                IdentError::LicenceSerial,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(LicenceId::parse(text), Err(want), "{text}");
        }
        // Lower case and spaces around are accepted.
        assert!(LicenceId::parse(&format!("  {}  ", good.to_lowercase())).is_ok());
    }

    #[test]
    fn l3_new_makes_identifiers_that_parse() {
        let issuer = Uscc::parse("11430000006122244L").unwrap();
        let id = LicenceId::new("11100000000013338W011", &issuer, "20230000403", 2).unwrap();
        assert_eq!(id.to_string(), PUBLISHED[0]);
        assert!(LicenceId::new("11100000000013338W011", &issuer, "A-1", 1).is_err());
        assert!(LicenceId::new("11100000000013338W011", &issuer, "A1", 1000).is_err());
    }

    #[test]
    fn a6_uscc_check_characters_verify() {
        // Published codes: 国务院办公厅, a provincial organ, a company.
        for code in [
            "11100000000013338W",
            "11430000006122244L",
            "91350100M000100Y43",
        ] {
            assert_eq!(Uscc::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(uscc_check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(
            Uscc::parse("11100000000013338X"),
            Err(IdentError::UsccCheck)
        );
        assert_eq!(
            Uscc::parse("11100000000013338"),
            Err(IdentError::UsccLength)
        );
        assert_eq!(
            Uscc::parse("1110000000001333 8W"),
            Err(IdentError::UsccLength)
        );
        assert_eq!(
            Uscc::parse("11100000000013338I"),
            Err(IdentError::UsccCharacter)
        );
        assert_eq!(
            Uscc::parse("111A0000000013338W"),
            Err(IdentError::UsccCharacter)
        );
        assert_eq!(
            Uscc::parse("11100000000013338Ｗ"),
            Err(IdentError::UsccCharacter)
        );
        assert_eq!(
            Uscc::parse("11100000000O13338W"),
            Err(IdentError::UsccCharacter)
        );
    }

    #[test]
    fn mod37_36_detects_single_substitutions_and_transpositions() {
        let body = "11100000000013338W01111430000006122244L20230000403002";
        let check = mod37_36_check_char(body).unwrap();
        let bytes = body.as_bytes();
        for i in 0..bytes.len() - 1 {
            if bytes[i] != bytes[i + 1] {
                let mut swapped = bytes.to_vec();
                swapped.swap(i, i + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                assert_ne!(mod37_36_check_char(&swapped), Some(check), "swap at {i}");
            }
        }
        assert_eq!(mod37_36_check_char("ab"), None);
    }
}
