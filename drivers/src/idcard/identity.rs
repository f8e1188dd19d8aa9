//! What a card says: the 256-byte text block (UCS-2 LE, space padded) of the resident card,
//! the foreigner permanent-residence card (2017 layout 'I', 2023 layout 'Y') and the
//! HK/Macau/Taiwan residence permit ('J'),
//! the sex and nation code tables, dates and validity, and the GB 11643 check digit
//! (HARDWARE.md §1.6–1.8). The WLT photo is kept raw; decoding it needs a vendor plug-in behind
//! [`PhotoDecoder`].
//!
//! Everything here is pure: "today" is passed in, never read from a clock.

use serde::Serialize;

use super::labels::{self, field as field_name};
use super::nations::NATIONS;
use crate::error::ErrorKind;

mod id_number;

pub use id_number::{check_digit, validate_id_number, IdNumberError, IdNumberKind};

/// Size of the text block.
pub const TEXT_LEN: usize = 256;
/// Size of the WLT photo block.
pub const WLT_LEN: usize = 1024;
/// Decoded photo size (HARDWARE.md §1.7).
pub const PHOTO_WIDTH: u32 = 102;
pub const PHOTO_HEIGHT: u32 = 126;

/// Why a text block or an ID number is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    #[error("text block is {0} bytes, expected 256")]
    TextLength(usize),
    #[error("unsupported card type marker {0:?} at offset 248")]
    UnknownCardType(String),
    #[error("field {field} has an invalid value {value:?}")]
    InvalidField { field: &'static str, value: String },
    #[error("ID number {number:?}: {reason}")]
    IdNumber {
        number: String,
        reason: IdNumberError,
    },
}

impl IdentityError {
    /// A card whose data does not parse: the reader passed on bytes it should not have.
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

/// A calendar date as printed on the card. Field order makes the derived `Ord` chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, specta::Type)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The civil date `days` days after 1970-01-01 (proleptic Gregorian; after H. Hinnant's
    /// public-domain days-to-civil algorithm). Dates outside the `u16` year range clamp to
    /// 1970-01-01.
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        u16::try_from(year)
            .ok()
            .and_then(|y| Date::new(y, month, day))
            .unwrap_or(Date {
                year: 1970,
                month: 1,
                day: 1,
            })
    }

    /// A valid Gregorian date, or `None`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1800 && (1..=days).contains(&day)).then_some(Self { year, month, day })
    }

    /// Parses `YYYYMMDD`.
    pub fn parse_compact(s: &str) -> Option<Self> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let year = s.get(0..4)?.parse().ok()?;
        let month = s.get(4..6)?.parse().ok()?;
        let day = s.get(6..8)?.parse().ok()?;
        Self::new(year, month, day)
    }

    /// `YYYYMMDD`, the card's own encoding.
    pub fn to_compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

impl std::fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The end of a card's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(tag = "type", content = "date", rename_all = "snake_case")]
pub enum Validity {
    Until(Date),
    /// 「长期」: issued to holders aged 46 and over; never expires.
    LongTerm,
}

impl Validity {
    fn parse(field: &'static str, s: &str) -> Result<Self, IdentityError> {
        if s == labels::LONG_TERM {
            return Ok(Validity::LongTerm);
        }
        Date::parse_compact(s)
            .map(Validity::Until)
            .ok_or_else(|| invalid(field, s))
    }
}

impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Validity::Until(d) => d.fmt(f),
            Validity::LongTerm => f.write_str(labels::LONG_TERM),
        }
    }
}

/// Sex code, GB/T 2261.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Unknown,
    Male,
    Female,
    Unspecified,
}

impl Sex {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "0" => Some(Sex::Unknown),
            "1" => Some(Sex::Male),
            "2" => Some(Sex::Female),
            "9" => Some(Sex::Unspecified),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Sex::Unknown => "0",
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unspecified => "9",
        }
    }
    pub fn name(self) -> &'static str {
        labels::sex(self)
    }
}

/// A nation (民族) by its GB 3304 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
pub struct Nation {
    pub code: u8,
    pub name: &'static str,
}

impl Nation {
    pub fn from_code(code: u8) -> Option<Self> {
        NATIONS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(code, name)| Nation { code, name })
    }

    /// Parses the two-digit field of the text block.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::from_code(s.parse().ok()?)
    }

    /// The name as printed on the card, with 族 (e.g. 「汉族」); 97/98 are printed as they are.
    pub fn display_name(self) -> String {
        if self.code >= 97 {
            self.name.to_string()
        } else {
            format!("{}{}", self.name, labels::NATION_SUFFIX)
        }
    }

    /// All 58 codes, in order.
    pub fn all() -> impl Iterator<Item = Nation> {
        NATIONS.iter().map(|&(code, name)| Nation { code, name })
    }
}

/// Which card the text block belongs to (the marker at offset 248).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    /// 居民身份证 (marker blank).
    Resident,
    /// 外国人永久居留身份证 (2017 layout, marker 'I').
    ForeignPermanent,
    /// 港澳台居民居住证 (marker 'J').
    HkMacaoTaiwan,
    /// 外国人永久居留身份证, issued since December 2023 (marker 'Y'; 18-character number
    /// starting with 9; the resident card's layout for name, sex, birth, number and validity).
    #[serde(rename = "foreign_permanent_2023")]
    ForeignPermanent2023,
}

impl CardKind {
    pub fn name(self) -> &'static str {
        labels::card_kind(self)
    }
    /// The UCS-2 marker written at offset 248.
    pub fn marker(self) -> char {
        match self {
            CardKind::Resident => ' ',
            CardKind::ForeignPermanent => 'I',
            CardKind::HkMacaoTaiwan => 'J',
            CardKind::ForeignPermanent2023 => 'Y',
        }
    }
}

/// Fields only some card types carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CardDetails {
    Resident {
        nation: Nation,
        address: String,
        issuer: String,
    },
    ForeignPermanent {
        /// 英文姓名 as printed (surname first).
        name_en: String,
        /// ISO 3166 alpha-3 nationality code (e.g. "USA").
        nationality: String,
        /// 证件版本 (e.g. "01").
        card_version: String,
        /// 受理机关代码.
        authority_code: String,
    },
    HkMacaoTaiwan {
        address: String,
        issuer: String,
        /// 通行证号码 (e.g. H + 8 digits for Hong Kong).
        pass_number: String,
        /// 签发次数.
        issue_count: u32,
    },
    /// The 2023 card ('Y'); see [`parse_foreign_2023`] for the layout.
    #[serde(rename = "foreign_permanent_2023")]
    ForeignPermanent2023 {
        /// 英文姓名 as printed (up to 46 characters: 35 at offset 52, the rest at 220).
        name_en: String,
        /// 所属国家和地区代码: GB/T 2659 (ISO 3166) alpha-3 (e.g. "PAK"); the number carries
        /// the numeric code.
        nationality: String,
        /// 换证次数.
        renewal_count: u32,
        /// The holder's earlier (2017-layout, 15-character) permanent-residence number, derived
        /// from the 既往版本永居证号码关联项 when the card has one (same person, linked
        /// records).
        previous_number: Option<String>,
    },
}

/// A parsed card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Identity {
    pub kind: CardKind,
    /// 姓名; for an 'I' card the Chinese name, which may be empty (then show `name_en`).
    pub name: String,
    pub sex: Sex,
    pub birth: Date,
    /// 公民身份号码 / 永久居留证号码 / 居住证号码.
    pub id_number: String,
    /// Whether `id_number` passes its format and check-digit rule (see [`validate_id_number`]).
    /// Cards come through an authenticated SAM, so `false` points at a decoding bug.
    pub id_number_valid: bool,
    pub valid_from: Date,
    pub valid_until: Validity,
    pub details: CardDetails,
}

impl Identity {
    /// Whether the card has expired on `today`. A card is valid through its end date inclusive;
    /// 「长期」 never expires.
    pub fn is_expired(&self, today: Date) -> bool {
        match self.valid_until {
            Validity::Until(end) => end < today,
            Validity::LongTerm => false,
        }
    }

    /// The name to show: the Chinese name, or the English one when an 'I' card has none.
    pub fn display_name(&self) -> &str {
        match &self.details {
            CardDetails::ForeignPermanent { name_en, .. }
            | CardDetails::ForeignPermanent2023 { name_en, .. }
                if self.name.is_empty() =>
            {
                name_en
            }
            _ => &self.name,
        }
    }
}

/// Parses a 256-byte text block.
pub fn parse_text(block: &[u8]) -> Result<Identity, IdentityError> {
    if block.len() != TEXT_LEN {
        return Err(IdentityError::TextLength(block.len()));
    }
    let f = |offset: usize, len: usize| field(block, offset, len);
    let marker = f(248, 2);
    match marker.as_str() {
        "" => parse_resident(&f),
        "I" => parse_foreign(&f),
        "J" => parse_hmt(&f),
        "Y" => parse_foreign_2023(block, &f),
        _ => Err(IdentityError::UnknownCardType(marker)),
    }
}

fn parse_resident(f: &dyn Fn(usize, usize) -> String) -> Result<Identity, IdentityError> {
    let nation_s = f(32, 4);
    let nation = Nation::parse(&nation_s).ok_or_else(|| invalid(field_name::NATION, &nation_s))?;
    let id_number = f(122, 36);
    Ok(Identity {
        kind: CardKind::Resident,
        name: f(0, 30),
        sex: sex(&f(30, 2))?,
        birth: date(field_name::BIRTH, &f(36, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date(field_name::VALID_FROM, &f(188, 16))?,
        valid_until: Validity::parse(field_name::VALID_UNTIL, &f(204, 16))?,
        details: CardDetails::Resident {
            nation,
            address: f(52, 70),
            issuer: f(158, 30),
        },
    })
}

fn parse_foreign(f: &dyn Fn(usize, usize) -> String) -> Result<Identity, IdentityError> {
    let id_number = f(122, 30);
    Ok(Identity {
        kind: CardKind::ForeignPermanent,
        name: f(158, 30),
        sex: sex(&f(120, 2))?,
        birth: date(field_name::BIRTH, &f(220, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date(field_name::ISSUED, &f(188, 16))?,
        valid_until: Validity::parse(field_name::EXPIRES, &f(204, 16))?,
        details: CardDetails::ForeignPermanent {
            name_en: f(0, 120),
            nationality: f(152, 6),
            card_version: f(236, 4),
            authority_code: f(240, 8),
        },
    })
}

/// The 2023 card ('Y'). Layout (byte offset, length; UCS-2 LE like the others), after the
/// published 新版外国人永久居留身份证机读信息规则 (2023) as reader vendors' SDKs read it:
/// 0/30 中文姓名 · 30/2 性别 · 32/4 换证次数 · 36/16 出生日期 · 52/70 英文姓名 (1–35) ·
/// 122/36 证件号码 (18) · 158/30 reserved · 188/16 签发日期 · 204/16 终止日期 ·
/// 220/22 英文姓名 (36–46) · 242/6 国家和地区代码 (alpha-3) · 248/2 'Y' ·
/// 250/6 既往版本永居证号码关联项 (3 characters).
fn parse_foreign_2023(
    block: &[u8],
    f: &dyn Fn(usize, usize) -> String,
) -> Result<Identity, IdentityError> {
    let id_number = f(122, 36);
    let renewal_s = f(32, 4);
    let renewal_count = if renewal_s.is_empty() {
        0
    } else {
        renewal_s
            .parse()
            .map_err(|_| invalid(field_name::RENEWAL_COUNT, &renewal_s))?
    };
    // The English name's two parts are one string cut after its 35th character: join them
    // before trimming, so a space at the cut survives.
    let name_en = {
        let head = decode_ucs2(block.get(52..122).unwrap_or(&[]));
        let tail = decode_ucs2(block.get(220..242).unwrap_or(&[]));
        format!("{head}{tail}")
            .trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{3000}')
            .to_string()
    };
    let nationality = f(242, 6);
    let link = f(250, 6);
    // A link of another shape than the sample's (the derivation is not the card's own data)
    // gives no earlier number rather than refusing an authenticated card.
    let previous_number = previous_number(&id_number, &nationality, &link);
    Ok(Identity {
        kind: CardKind::ForeignPermanent2023,
        name: f(0, 30),
        sex: sex(&f(30, 2))?,
        birth: date(field_name::BIRTH, &f(36, 16))?,
        id_number_valid: validate_id_number(&id_number) == Ok(IdNumberKind::ForeignPermanent2023),
        id_number,
        valid_from: date(field_name::ISSUED, &f(188, 16))?,
        valid_until: Validity::parse(field_name::EXPIRES, &f(204, 16))?,
        details: CardDetails::ForeignPermanent2023 {
            name_en,
            nationality,
            renewal_count,
            previous_number,
        },
    })
}

/// The 2017-layout number of a 2023 card's holder, from the card's 3-character link:
/// nationality (3 letters) · province of acceptance (number digits 2–3) · link 1–2 · birth
/// YYMMDD (number digits 9–14) · link 3 · a check digit (weights 7 3 1, A = 10 … Z = 35,
/// mod 10). `None` when the link is blank (no earlier card) or the parts do not have their
/// shape. The derivation follows a reader vendor's published sample; verify against a real
/// card before relying on it for anything but display.
pub fn previous_number(id_number: &str, nationality: &str, link: &str) -> Option<String> {
    let shaped = link.len() == 3
        && link.bytes().all(|b| b.is_ascii_digit())
        && nationality.len() == 3
        && nationality.bytes().all(|b| b.is_ascii_uppercase())
        && id_number.len() == 18
        && id_number.is_ascii();
    if !shaped {
        return None;
    }
    let body = format!(
        "{nationality}{}{}{}{}",
        id_number.get(1..3)?,
        link.get(0..2)?,
        id_number.get(8..14)?,
        link.get(2..3)?
    );
    let check = legacy_check_digit(&body)?;
    Some(format!("{body}{check}"))
}

/// The 7-3-1 check digit of a 2017-layout number's first 14 characters.
fn legacy_check_digit(body: &str) -> Option<char> {
    let mut sum = 0u32;
    for (c, w) in body.chars().zip([7u32, 3, 1].into_iter().cycle()) {
        sum += c.to_digit(36)? * w;
    }
    char::from_digit(sum % 10, 10)
}

fn parse_hmt(f: &dyn Fn(usize, usize) -> String) -> Result<Identity, IdentityError> {
    let id_number = f(122, 36);
    let count_s = f(238, 4);
    let issue_count = if count_s.is_empty() {
        0
    } else {
        count_s
            .parse()
            .map_err(|_| invalid(field_name::ISSUE_COUNT, &count_s))?
    };
    Ok(Identity {
        kind: CardKind::HkMacaoTaiwan,
        name: f(0, 30),
        sex: sex(&f(30, 2))?,
        birth: date(field_name::BIRTH, &f(36, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date(field_name::VALID_FROM, &f(188, 16))?,
        valid_until: Validity::parse(field_name::VALID_UNTIL, &f(204, 16))?,
        details: CardDetails::HkMacaoTaiwan {
            address: f(52, 70),
            issuer: f(158, 30),
            pass_number: f(220, 18),
            issue_count,
        },
    })
}

fn invalid(field: &'static str, value: &str) -> IdentityError {
    IdentityError::InvalidField {
        field,
        value: value.to_string(),
    }
}

fn sex(s: &str) -> Result<Sex, IdentityError> {
    Sex::from_code(s).ok_or_else(|| invalid(field_name::SEX, s))
}

fn date(field: &'static str, s: &str) -> Result<Date, IdentityError> {
    Date::parse_compact(s).ok_or_else(|| invalid(field, s))
}

/// Decodes a UCS-2 LE field and trims padding (spaces, NULs, full-width spaces).
fn field(block: &[u8], offset: usize, len: usize) -> String {
    let bytes = block.get(offset..offset + len).unwrap_or(&[]);
    decode_ucs2(bytes)
        .trim_matches(|c: char| c == ' ' || c == '\0' || c == '\u{3000}')
        .to_string()
}

/// UCS-2 LE → String; a lone surrogate becomes U+FFFD, an odd trailing byte is ignored.
pub fn decode_ucs2(bytes: &[u8]) -> String {
    let units = bytes.chunks_exact(2).map(|p| {
        u16::from_le_bytes([
            p.first().copied().unwrap_or(0),
            p.get(1).copied().unwrap_or(0),
        ])
    });
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// String → UCS-2 LE, space padded (or cut) to exactly `len` bytes. The inverse of the field
/// decoding, used by the simulator to build cards.
pub fn encode_ucs2_field(s: &str, len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    out.truncate(len - len % 2);
    while out.len() < len {
        out.push(if out.len().is_multiple_of(2) {
            0x20
        } else {
            0x00
        });
    }
    out
}

/// The raw 1024-byte WLT photo. Decoding is vendor-only (no open decoder exists); keep the
/// bytes and hand them to a [`PhotoDecoder`] when one is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct WltPhoto(pub Vec<u8>);

/// A decoded photo: 102×126, 24-bit BGR rows, top-down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPhoto {
    pub width: u32,
    pub height: u32,
    pub bgr: Vec<u8>,
}

/// A per-site WLT decoder (a vendor library behind a plug-in).
pub trait PhotoDecoder: Send + Sync {
    fn decode(&self, wlt: &[u8]) -> Result<DecodedPhoto, String>;
}

impl WltPhoto {
    /// The decoded photo, or `None` when no decoder is installed or it failed — the UI then
    /// shows a placeholder.
    pub fn decode(&self, decoder: Option<&dyn PhotoDecoder>) -> Option<DecodedPhoto> {
        decoder?.decode(&self.0).ok()
    }
}

#[cfg(test)]
mod tests;
