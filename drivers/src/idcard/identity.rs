//! What a card says: the 256-byte text block (UCS-2 LE, space padded) of the resident card,
//! the foreigner permanent-residence card ('I') and the HK/Macau/Taiwan residence permit ('J'),
//! the sex and nation code tables, dates and validity, and the GB 11643 check digit
//! (HARDWARE.md §1.6–1.8). The WLT photo is kept raw; decoding it needs a vendor plug-in behind
//! [`PhotoDecoder`].
//!
//! Everything here is pure: "today" is passed in, never read from a clock.

use serde::Serialize;

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
        if s == "长期" {
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
            Validity::LongTerm => f.write_str("长期"),
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
        match self {
            Sex::Unknown => "未知",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unspecified => "未说明",
        }
    }
}

/// GB 3304 nation codes: the 56 nations plus 97 其他 and 98 外国血统中国籍人士.
const NATIONS: [(u8, &str); 58] = [
    (1, "汉"),
    (2, "蒙古"),
    (3, "回"),
    (4, "藏"),
    (5, "维吾尔"),
    (6, "苗"),
    (7, "彝"),
    (8, "壮"),
    (9, "布依"),
    (10, "朝鲜"),
    (11, "满"),
    (12, "侗"),
    (13, "瑶"),
    (14, "白"),
    (15, "土家"),
    (16, "哈尼"),
    (17, "哈萨克"),
    (18, "傣"),
    (19, "黎"),
    (20, "傈僳"),
    (21, "佤"),
    (22, "畲"),
    (23, "高山"),
    (24, "拉祜"),
    (25, "水"),
    (26, "东乡"),
    (27, "纳西"),
    (28, "景颇"),
    (29, "柯尔克孜"),
    (30, "土"),
    (31, "达斡尔"),
    (32, "仫佬"),
    (33, "羌"),
    (34, "布朗"),
    (35, "撒拉"),
    (36, "毛南"),
    (37, "仡佬"),
    (38, "锡伯"),
    (39, "阿昌"),
    (40, "普米"),
    (41, "塔吉克"),
    (42, "怒"),
    (43, "乌孜别克"),
    (44, "俄罗斯"),
    (45, "鄂温克"),
    (46, "德昂"),
    (47, "保安"),
    (48, "裕固"),
    (49, "京"),
    (50, "塔塔尔"),
    (51, "独龙"),
    (52, "鄂伦春"),
    (53, "赫哲"),
    (54, "门巴"),
    (55, "珞巴"),
    (56, "基诺"),
    (97, "其他"),
    (98, "外国血统中国籍人士"),
];

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
            format!("{}族", self.name)
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
}

impl CardKind {
    pub fn name(self) -> &'static str {
        match self {
            CardKind::Resident => "居民身份证",
            CardKind::ForeignPermanent => "外国人永久居留身份证",
            CardKind::HkMacaoTaiwan => "港澳台居民居住证",
        }
    }
    /// The UCS-2 marker written at offset 248.
    pub fn marker(self) -> char {
        match self {
            CardKind::Resident => ' ',
            CardKind::ForeignPermanent => 'I',
            CardKind::HkMacaoTaiwan => 'J',
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
            CardDetails::ForeignPermanent { name_en, .. } if self.name.is_empty() => name_en,
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
        _ => Err(IdentityError::UnknownCardType(marker)),
    }
}

fn parse_resident(f: &dyn Fn(usize, usize) -> String) -> Result<Identity, IdentityError> {
    let nation_s = f(32, 4);
    let nation = Nation::parse(&nation_s).ok_or_else(|| invalid("民族", &nation_s))?;
    let id_number = f(122, 36);
    Ok(Identity {
        kind: CardKind::Resident,
        name: f(0, 30),
        sex: sex(&f(30, 2))?,
        birth: date("出生日期", &f(36, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date("有效期起始日期", &f(188, 16))?,
        valid_until: Validity::parse("有效期截止日期", &f(204, 16))?,
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
        birth: date("出生日期", &f(220, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date("签发日期", &f(188, 16))?,
        valid_until: Validity::parse("终止日期", &f(204, 16))?,
        details: CardDetails::ForeignPermanent {
            name_en: f(0, 120),
            nationality: f(152, 6),
            card_version: f(236, 4),
            authority_code: f(240, 8),
        },
    })
}

fn parse_hmt(f: &dyn Fn(usize, usize) -> String) -> Result<Identity, IdentityError> {
    let id_number = f(122, 36);
    let count_s = f(238, 4);
    let issue_count = if count_s.is_empty() {
        0
    } else {
        count_s.parse().map_err(|_| invalid("签发次数", &count_s))?
    };
    Ok(Identity {
        kind: CardKind::HkMacaoTaiwan,
        name: f(0, 30),
        sex: sex(&f(30, 2))?,
        birth: date("出生日期", &f(36, 16))?,
        id_number_valid: validate_id_number(&id_number).is_ok(),
        id_number,
        valid_from: date("有效期起始日期", &f(188, 16))?,
        valid_until: Validity::parse("有效期截止日期", &f(204, 16))?,
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
    Sex::from_code(s).ok_or_else(|| invalid("性别", s))
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
mod tests {
    use super::*;

    #[test]
    fn c1_check_digit_known_numbers() {
        // The GB 11643 textbook example.
        assert_eq!(check_digit("11010519491231002"), Some('X'));
        assert_eq!(
            validate_id_number("11010519491231002X"),
            Ok(IdNumberKind::Resident)
        );
        assert_eq!(
            validate_id_number("11010519491231002x"),
            Ok(IdNumberKind::Resident)
        );
        assert_eq!(check_digit("44052418800101001"), Some('4'));
        assert_eq!(
            validate_id_number("440524188001010014"),
            Ok(IdNumberKind::Resident)
        );
        assert_eq!(
            validate_id_number("440524188001010015"),
            Err(IdNumberError::BadCheckDigit {
                expected: '4',
                found: '5'
            })
        );
        assert_eq!(check_digit("1101051949123100"), None);
        assert_eq!(check_digit("1101051949123100A"), None);
    }

    #[test]
    fn c1_check_digit_rejects_bad_shapes() {
        assert_eq!(validate_id_number(""), Err(IdNumberError::Length(0)));
        assert_eq!(
            validate_id_number("11010519491331002X"),
            Err(IdNumberError::BadBirthDate)
        );
        assert_eq!(
            validate_id_number("1101051949123100XX"),
            Err(IdNumberError::BadCharacter(16))
        );
        assert_eq!(
            validate_id_number("usa110085031201"),
            Err(IdNumberError::BadCharacter(0))
        );
        assert!(validate_id_number("张三李四王五赵六钱七孙八周九吴十郑甲乙").is_err());
    }

    #[test]
    fn c1_check_digit_other_schemes() {
        let hk = format!(
            "81000019900101123{}",
            check_digit("81000019900101123").unwrap()
        );
        assert_eq!(validate_id_number(&hk), Ok(IdNumberKind::HkMacaoTaiwan));
        // 2023 PR: 9 + province 11 + nationality 840 + birth + seq + check.
        let pr = format!(
            "91184019800101001{}",
            check_digit("91184019800101001").unwrap()
        );
        assert_eq!(
            validate_id_number(&pr),
            Ok(IdNumberKind::ForeignPermanent2023)
        );
        assert_eq!(
            validate_id_number("USA110085031201"),
            Ok(IdNumberKind::ForeignPermanentLegacy)
        );
    }

    #[test]
    fn c1_dates_and_validity() {
        assert_eq!(Date::parse_compact("20240229"), Date::new(2024, 2, 29));
        assert!(Date::parse_compact("20230229").is_none());
        assert!(Date::parse_compact("2023-1-1").is_none());
        assert!(Date::parse_compact("２０２３０１０１").is_none());
        let d = Date::new(2030, 1, 31).unwrap();
        assert_eq!(d.to_string(), "2030-01-31");
        assert_eq!(d.to_compact(), "20300131");
        assert_eq!(Validity::parse("x", "长期"), Ok(Validity::LongTerm));
        assert!(Validity::parse("x", "永久").is_err());
    }

    #[test]
    fn c1_nation_table_has_56_nations_plus_two() {
        assert_eq!(Nation::all().count(), 58);
        assert_eq!(Nation::all().filter(|n| n.code <= 56).count(), 56);
        assert_eq!(
            Nation::parse("01").map(|n| n.display_name()),
            Some("汉族".into())
        );
        assert_eq!(Nation::parse("56").map(|n| n.name), Some("基诺"));
        assert_eq!(
            Nation::parse("98").map(|n| n.display_name()),
            Some("外国血统中国籍人士".into())
        );
        assert!(Nation::parse("57").is_none());
        assert!(Nation::parse("1").is_none());
        assert!(Nation::parse("+1").is_none());
        assert_eq!(Sex::from_code("2").map(Sex::name), Some("女"));
        assert!(Sex::from_code("3").is_none());
    }

    #[test]
    fn c1_ucs2_fields_trim_and_survive_garbage() {
        let f = encode_ucs2_field("长期", 16);
        assert_eq!(f.len(), 16);
        assert_eq!(decode_ucs2(&f).trim(), "长期");
        // Lone surrogate and odd length never panic.
        assert_eq!(decode_ucs2(&[0x00, 0xD8, 0x41]), "\u{FFFD}");
        assert!(parse_text(&[0xFF; 256]).is_err());
        assert_eq!(parse_text(&[0; 10]), Err(IdentityError::TextLength(10)));
    }

    /// A block built field by field at the documented offsets, independent of the simulator.
    fn block(fields: &[(usize, usize, &str)]) -> Vec<u8> {
        let mut b = encode_ucs2_field("", TEXT_LEN);
        for &(offset, len, s) in fields {
            b.splice(offset..offset + len, encode_ucs2_field(s, len));
        }
        b
    }

    #[test]
    fn c1_resident_block_parses() {
        let b = block(&[
            (0, 30, "王小明"),
            (30, 2, "1"),
            (32, 4, "05"),
            (36, 16, "20000229"),
            (52, 70, "新疆维吾尔自治区乌鲁木齐市天山区1号"),
            (122, 36, "65010220000229001X"),
            (158, 30, "乌鲁木齐市公安局天山区分局"),
            (188, 16, "20180101"),
            (204, 16, "20280101"),
        ]);
        let id = parse_text(&b).unwrap();
        assert_eq!(id.kind, CardKind::Resident);
        assert_eq!(id.name, "王小明");
        assert_eq!(id.sex, Sex::Male);
        assert_eq!(id.birth, Date::new(2000, 2, 29).unwrap());
        assert_eq!(
            id.valid_until,
            Validity::Until(Date::new(2028, 1, 1).unwrap())
        );
        assert_eq!(
            validate_id_number(&id.id_number).is_ok(),
            id.id_number_valid
        );
        match id.details {
            CardDetails::Resident { nation, .. } => assert_eq!(nation.name, "维吾尔"),
            other => panic!("{other:?}"),
        }
        assert!(!id.is_expired(Date::new(2028, 1, 1).unwrap()));
        assert!(id.is_expired(Date::new(2028, 1, 2).unwrap()));
    }

    #[test]
    fn c1_foreign_permanent_block_parses_and_falls_back_to_the_english_name() {
        let b = block(&[
            (0, 120, "MUELLER ANNA"),
            (120, 2, "2"),
            (122, 30, "DEU310089101501"),
            (152, 6, "DEU"),
            (188, 16, "20190301"),
            (204, 16, "20290301"),
            (220, 16, "19891015"),
            (236, 4, "01"),
            (240, 8, "3100"),
            (248, 2, "I"),
        ]);
        let id = parse_text(&b).unwrap();
        assert_eq!(id.kind, CardKind::ForeignPermanent);
        assert_eq!(id.name, "");
        assert_eq!(id.display_name(), "MUELLER ANNA");
        assert_eq!(id.sex, Sex::Female);
        assert_eq!(id.birth, Date::new(1989, 10, 15).unwrap());
        assert!(id.id_number_valid);
    }

    #[test]
    fn c1_hk_macao_taiwan_block_parses_with_long_term_validity() {
        let number = format!(
            "83000019750505002{}",
            check_digit("83000019750505002").unwrap()
        );
        let b = block(&[
            (0, 30, "林美玲"),
            (30, 2, "2"),
            (36, 16, "19750505"),
            (52, 70, "福建省厦门市思明区1号"),
            (122, 36, &number),
            (158, 30, "厦门市公安局"),
            (188, 16, "20200101"),
            (204, 16, "长期"),
            (220, 18, "T0123456"),
            (238, 4, "03"),
            (248, 2, "J"),
        ]);
        let id = parse_text(&b).unwrap();
        assert_eq!(id.kind, CardKind::HkMacaoTaiwan);
        assert_eq!(id.valid_until, Validity::LongTerm);
        assert!(!id.is_expired(Date::new(2100, 1, 1).unwrap()));
        assert_eq!(
            validate_id_number(&id.id_number),
            Ok(IdNumberKind::HkMacaoTaiwan)
        );
        match id.details {
            CardDetails::HkMacaoTaiwan {
                pass_number,
                issue_count,
                ..
            } => {
                assert_eq!(pass_number, "T0123456");
                assert_eq!(issue_count, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn c1_bad_blocks_are_typed_errors() {
        assert!(matches!(
            parse_text(&block(&[(248, 2, "Y")])),
            Err(IdentityError::UnknownCardType(t)) if t == "Y"
        ));
        let base = [
            (30, 2, "1"),
            (32, 4, "01"),
            (36, 16, "19900101"),
            (188, 16, "20200101"),
            (204, 16, "20300101"),
        ];
        assert!(parse_text(&block(&base)).is_ok());
        let mut bad_nation = base;
        bad_nation[1] = (32, 4, "99");
        assert!(matches!(
            parse_text(&block(&bad_nation)),
            Err(IdentityError::InvalidField {
                field: "民族", ..
            })
        ));
        let mut bad_sex = base;
        bad_sex[0] = (30, 2, "5");
        assert!(matches!(
            parse_text(&block(&bad_sex)),
            Err(IdentityError::InvalidField {
                field: "性别", ..
            })
        ));
        let mut bad_date = base;
        bad_date[4] = (204, 16, "2030-1-1");
        assert!(parse_text(&block(&bad_date)).is_err());
    }

    struct FakeDecoder;
    impl PhotoDecoder for FakeDecoder {
        fn decode(&self, wlt: &[u8]) -> Result<DecodedPhoto, String> {
            if wlt.len() != WLT_LEN {
                return Err("bad size".into());
            }
            Ok(DecodedPhoto {
                width: PHOTO_WIDTH,
                height: PHOTO_HEIGHT,
                bgr: vec![0; 38_556],
            })
        }
    }

    #[test]
    fn c1_photo_without_decoder_is_none_for_the_placeholder() {
        let photo = WltPhoto(vec![0; WLT_LEN]);
        assert!(photo.decode(None).is_none());
        let decoded = photo.decode(Some(&FakeDecoder)).unwrap();
        assert_eq!(decoded.bgr.len(), 102 * 126 * 3);
        assert!(WltPhoto(vec![0; 3]).decode(Some(&FakeDecoder)).is_none());
    }
}
