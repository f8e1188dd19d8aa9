//! ID numbers of the three card types: which scheme a number follows, the GB 11643 check
//! digit (ISO 7064 MOD 11-2) and validation. Re-exported from [`super`].

use serde::Serialize;

use super::Date;
use crate::error::ErrorKind;

/// Which numbering scheme an ID number follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IdNumberKind {
    /// 18-character 公民身份号码 (GB 11643).
    Resident,
    /// 18-character 港澳台居民居住证 number, prefix 81 / 82 / 83.
    HkMacaoTaiwan,
    /// 2023 外国人永久居留身份证 number: 18 characters starting with 9, same check digit.
    ForeignPermanent2023,
    /// 2017 外国人永久居留身份证 number: 3 letters + 12 digits, no check digit.
    ForeignPermanentLegacy,
}

/// Why an ID number fails validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("has {0} characters")]
    Length(usize),
    #[error("character {0} is not allowed there")]
    BadCharacter(usize),
    #[error("embedded birth date is not a date")]
    BadBirthDate,
    #[error("check digit is {found}, expected {expected}")]
    BadCheckDigit { expected: char, found: char },
}

impl IdNumberError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The ISO 7064 MOD 11-2 check character for the first 17 digits, or `None` if `first17` is
/// not 17 ASCII digits.
pub fn check_digit(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += c.to_digit(10)? * w;
    }
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

/// Validates an ID number of any of the card types: the 18-character GB 11643 form (resident,
/// 港澳台 81/82/83, 2023 permanent residence starting with 9) with its embedded birth date and
/// check digit (a lower-case `x` is accepted), or the 2017 permanent-residence form.
pub fn validate_id_number(s: &str) -> Result<IdNumberKind, IdNumberError> {
    let n = s.chars().count();
    if n == 15 && s.is_ascii() {
        let (letters, digits) = s.split_at(3);
        if let Some(i) = letters.bytes().position(|b| !b.is_ascii_uppercase()) {
            return Err(IdNumberError::BadCharacter(i));
        }
        if let Some(i) = digits.bytes().position(|b| !b.is_ascii_digit()) {
            return Err(IdNumberError::BadCharacter(3 + i));
        }
        return Ok(IdNumberKind::ForeignPermanentLegacy);
    }
    if n != 18 || !s.is_ascii() {
        return Err(IdNumberError::Length(n));
    }
    let (first17, last) = s.split_at(17);
    if let Some(i) = first17.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(IdNumberError::BadCharacter(i));
    }
    let found = last.chars().next().unwrap_or(' ').to_ascii_uppercase();
    if !(found.is_ascii_digit() || found == 'X') {
        return Err(IdNumberError::BadCharacter(17));
    }
    if first17.get(6..14).and_then(Date::parse_compact).is_none() {
        return Err(IdNumberError::BadBirthDate);
    }
    let expected = check_digit(first17).ok_or(IdNumberError::BadCharacter(0))?;
    if expected != found {
        return Err(IdNumberError::BadCheckDigit { expected, found });
    }
    Ok(match first17.get(0..2) {
        Some("81" | "82" | "83") => IdNumberKind::HkMacaoTaiwan,
        Some(p) if p.starts_with('9') => IdNumberKind::ForeignPermanent2023,
        _ => IdNumberKind::Resident,
    })
}
