//! What a code read under the document camera is (queue ticket, appointment, personal code)
//! and what it opens at the window (D1, C4).

use serde::Serialize;
use yichuang_drivers::idcard::Sex;

use super::signed::{self, PersonalCodeKeys, Refusal};
use crate::labels::codes::{CODE_SUFFIX, FULLWIDTH_COLON};

/// What a QR code held up to the camera is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A queue ticket (取号凭条): opens the ticket's item.
    QueueTicket,
    /// An online appointment (预约): opens the appointment's item.
    Appointment,
    /// A personal identity code (粤居码-style): fills the applicant's fields.
    PersonalCode,
    /// The QR of a case receipt or notice this system printed: the case number (hall code,
    /// date, window, sequence — 21 digits); opens the case.
    CaseReceipt,
    /// The QR of a material-flow slip (物料流转单, F3) this system printed: the package number
    /// (`WL` + hall code, date, window, sequence); opens the sign-off.
    MaterialFlow,
    /// Anything else; shown to the clerk as text.
    Other,
}

/// A decoded code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ScannedCode {
    pub text: String,
    pub kind: CodeKind,
}

/// A case number as `allocate_case_no` makes it: 6-digit hall code, `yyyymmdd`, 3-digit
/// window, 4-digit sequence.
fn is_case_number(t: &str) -> bool {
    t.len() == 21
        && t.bytes().all(|b| b.is_ascii_digit())
        && &t[6..8] == "20"
        && (1..=12).contains(&t[10..12].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&t[12..14].parse::<u8>().unwrap_or(0))
}

impl ScannedCode {
    /// Classifies a code's text by the shapes the hall's systems issue: ticket codes
    /// (`QT|A023|…`, `YC-20250301-A023-…`, ticket URLs, `{"t":…}`), appointments
    /// (`{"appt":…}`, `AP` + 10 digits, check-in URLs) and personal codes (a `…码:` prefix
    /// such as 「粤居码:」 or JSON carrying an ID number).
    pub fn classify(text: &str) -> ScannedCode {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let json_has = |key: &str| t.starts_with('{') && t.contains(&format!("\"{key}\""));
        let kind = if t.starts_with("QT|")
            || (t.starts_with("YC-") && t.split('-').count() >= 4)
            || lower.contains("/ticket?")
            || json_has("t") && !json_has("appt")
        {
            CodeKind::QueueTicket
        } else if json_has("appt")
            || lower.contains("/checkin?id=ap")
            || (t.len() == 12 && t.starts_with("AP") && t[2..].bytes().all(|b| b.is_ascii_digit()))
        {
            CodeKind::Appointment
        } else if t
            .split_once([':', FULLWIDTH_COLON])
            .is_some_and(|(head, _)| head.ends_with(CODE_SUFFIX) && head.chars().count() <= 6)
            || json_has("id_number")
            || json_has("idNo")
        {
            CodeKind::PersonalCode
        } else if is_case_number(t) {
            CodeKind::CaseReceipt
        } else if crate::domain::flow::is_flow_no(t) {
            CodeKind::MaterialFlow
        } else {
            CodeKind::Other
        };
        ScannedCode {
            text: t.to_string(),
            kind,
        }
    }
}

/// What a code read under the camera opens at the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CodeTarget {
    pub code: ScannedCode,
    /// The queue ticket's number (取号号码), e.g. `A023`.
    pub ticket: Option<String>,
    /// The online appointment's number, e.g. `AP1234567890`.
    pub appointment: Option<String>,
    /// The service item the ticket or appointment was issued for (catalog code).
    pub item_code: Option<String>,
    /// The person a personal identity code names, with [`IdSource::Code`]; only when the code
    /// carries a valid signature from a trusted issuer ([`super::signed`]), has not expired
    /// and the ID number passes its check digit.
    ///
    /// [`IdSource::Code`]: crate::domain::intake::IdSource::Code
    pub party: Option<crate::domain::intake::Party>,
    /// Why a personal code names nobody (unsigned, bad signature, expired, invalid), in
    /// Chinese for the clerk; none for other codes.
    pub refusal: Option<crate::UserError>,
}

impl ScannedCode {
    /// Reads the fields the hall's systems put into their codes. Tickets and appointments name
    /// their item as `item=<code>` (a URL query parameter or a `|`-separated field) or as the
    /// JSON key `"item"`; a personal code names its person only when signed by one of `keys`
    /// and unexpired at `now_s` (unix seconds), see [`super::signed`].
    pub fn target(&self, keys: &PersonalCodeKeys, now_s: i64) -> CodeTarget {
        let t = self.text.as_str();
        let json: Option<serde_json::Value> = t
            .find('{')
            .and_then(|i| serde_json::from_str(&t[i..]).ok())
            .filter(serde_json::Value::is_object);
        let json_str = |keys: &[&str]| -> Option<String> {
            let obj = json.as_ref()?.as_object()?;
            keys.iter().find_map(|k| {
                obj.get(*k).and_then(|v| match v {
                    serde_json::Value::String(s) => Some(s.trim().to_string()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            })
        };
        // `key=value` pairs from a URL query or from `|` fields.
        let pairs: Vec<(&str, &str)> = t
            .split(['?', '&', '|'])
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        let pair = |keys: &[&str]| {
            pairs
                .iter()
                .find(|(k, v)| keys.contains(k) && !v.is_empty())
                .map(|(_, v)| v.to_string())
        };
        let plain = |s: &String| !s.is_empty() && s.len() <= 64 && !s.contains(char::is_whitespace);
        let item_code = json_str(&["item", "item_code"])
            .or_else(|| pair(&["item", "item_code"]))
            .filter(plain);
        let mut ticket = None;
        let mut appointment = None;
        let mut party = None;
        let mut refusal = None;
        match self.kind {
            CodeKind::QueueTicket => {
                ticket = if let Some(rest) = t.strip_prefix("QT|") {
                    rest.split('|').next().map(str::to_string)
                } else if t.starts_with("YC-") {
                    t.split('-').nth(2).map(str::to_string)
                } else {
                    json_str(&["t"]).or_else(|| pair(&["no", "t", "ticket"]))
                }
                .filter(plain);
            }
            CodeKind::Appointment => {
                appointment = json_str(&["appt"])
                    .or_else(|| pair(&["id"]))
                    .or_else(|| t.starts_with("AP").then(|| t.to_string()))
                    .filter(plain);
            }
            CodeKind::PersonalCode => {
                match signed::verify(t, keys, now_s)
                    .and_then(|(name, id)| code_party(&name, &id).ok_or(Refusal::Invalid))
                {
                    Ok(p) => party = Some(p),
                    Err(why) => refusal = Some(why.error()),
                }
            }
            CodeKind::CaseReceipt | CodeKind::MaterialFlow | CodeKind::Other => {}
        }
        CodeTarget {
            code: self.clone(),
            ticket,
            appointment,
            item_code,
            party,
            refusal,
        }
    }
}

/// A party from a verified personal code: the name and ID number it carries, sex and birth
/// date from the number.
fn code_party(name: &str, id: &str) -> Option<crate::domain::intake::Party> {
    let id = id.trim().to_ascii_uppercase();
    yichuang_drivers::idcard::identity::validate_id_number(&id).ok()?;
    let b = id.as_bytes();
    let sex = crate::labels::party_sex(if (b[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    });
    Some(crate::domain::intake::Party {
        name: name.chars().take(40).collect(),
        birth: format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]),
        id_number: id,
        id_source: crate::domain::intake::IdSource::Code,
        sex: sex.into(),
        ..Default::default()
    })
}
