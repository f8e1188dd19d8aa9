//! IPP/1.1 messages (RFC 8010): the request and response bodies the spooler client sends to
//! and reads from a CUPS server. Pure: [`Message::encode`] and [`Message::decode`] over bytes;
//! decoding is total and never panics on any input.
//!
//! A message is a version, an operation id (requests) or status code (responses), a request
//! id, attribute groups of tag–name–value entries, and after the end tag the document data.

use crate::error::ErrorKind;
use std::fmt;

/// Delimiter tags that open an attribute group.
pub mod group {
    pub const OPERATION: u8 = 0x01;
    pub const JOB: u8 = 0x02;
    pub const END: u8 = 0x03;
    pub const PRINTER: u8 = 0x04;
    pub const UNSUPPORTED: u8 = 0x05;
}

/// Value tags this client writes or interprets.
pub mod tag {
    pub const UNSUPPORTED: u8 = 0x10;
    pub const UNKNOWN: u8 = 0x12;
    pub const NO_VALUE: u8 = 0x13;
    pub const INTEGER: u8 = 0x21;
    pub const BOOLEAN: u8 = 0x22;
    pub const ENUM: u8 = 0x23;
    pub const TEXT: u8 = 0x41;
    pub const NAME: u8 = 0x42;
    pub const KEYWORD: u8 = 0x44;
    pub const URI: u8 = 0x45;
    pub const CHARSET: u8 = 0x47;
    pub const LANGUAGE: u8 = 0x48;
    pub const MIME: u8 = 0x49;
}

/// Operation ids.
pub mod op {
    pub const PRINT_JOB: u16 = 0x0002;
    pub const CANCEL_JOB: u16 = 0x0008;
    pub const GET_JOB_ATTRIBUTES: u16 = 0x0009;
    pub const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;
    pub const CUPS_GET_PRINTERS: u16 = 0x4002;
}

/// Status codes the client tells apart.
pub mod status {
    pub const CLIENT_ERROR_FORBIDDEN: u16 = 0x0401;
    pub const CLIENT_ERROR_NOT_AUTHENTICATED: u16 = 0x0402;
    pub const CLIENT_ERROR_NOT_AUTHORIZED: u16 = 0x0403;
    pub const CLIENT_ERROR_NOT_FOUND: u16 = 0x0406;
    pub const CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED: u16 = 0x040A;
    pub const SERVER_ERROR_NOT_ACCEPTING_JOBS: u16 = 0x0506;

    /// Whether `code` is one of the successful-ok family (0x0000–0x00FF).
    pub fn is_success(code: u16) -> bool {
        code < 0x0100
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Integer(i32),
    Boolean(bool),
    Enum(i32),
    /// text, name, keyword, uri, charset, language, MIME type and the other string syntaxes,
    /// with their tag.
    Str(u8, String),
    /// unsupported, unknown, no-value and the other out-of-band tags (0x10–0x1F).
    OutOfBand(u8),
    /// Every other syntax (dateTime, resolution, rangeOfInteger, octetString, collections),
    /// kept as tag and bytes.
    Raw(u8, Vec<u8>),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Str(_, s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i32> {
        match self {
            Value::Integer(i) | Value::Enum(i) => Some(*i),
            _ => None,
        }
    }

    fn tag(&self) -> u8 {
        match self {
            Value::Integer(_) => tag::INTEGER,
            Value::Boolean(_) => tag::BOOLEAN,
            Value::Enum(_) => tag::ENUM,
            Value::Str(t, _) | Value::OutOfBand(t) | Value::Raw(t, _) => *t,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Integer(i) | Value::Enum(i) => i.to_be_bytes().to_vec(),
            Value::Boolean(b) => vec![u8::from(*b)],
            Value::Str(_, s) => s.as_bytes().to_vec(),
            Value::OutOfBand(_) => Vec::new(),
            Value::Raw(_, b) => b.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    /// At least one value (a 1setOf has several).
    pub values: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub tag: u8,
    pub attributes: Vec<Attribute>,
}

impl Group {
    pub fn new(tag: u8) -> Group {
        Group {
            tag,
            attributes: Vec::new(),
        }
    }

    pub fn with(mut self, name: &str, value: Value) -> Group {
        self.attributes.push(Attribute {
            name: name.to_string(),
            values: vec![value],
        });
        self
    }

    pub fn with_all(mut self, name: &str, values: Vec<Value>) -> Group {
        self.attributes.push(Attribute {
            name: name.to_string(),
            values,
        });
        self
    }

    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub version: (u8, u8),
    /// The operation id of a request or the status code of a response.
    pub code: u16,
    pub request_id: u32,
    pub groups: Vec<Group>,
    /// Document data after the end-of-attributes tag.
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("message shorter than the 8-byte header ({0} bytes)")]
    ShortHeader(usize),
    #[error("truncated at byte {0}")]
    Truncated(usize),
    #[error("no end-of-attributes tag")]
    NoEnd,
    #[error("attribute before any group at byte {0}")]
    NoGroup(usize),
    #[error("additional value without an attribute at byte {0}")]
    OrphanValue(usize),
    #[error("value of tag {tag:#04x} has length {len} at byte {at}")]
    BadLength { tag: u8, len: usize, at: usize },
    #[error("attribute name is not UTF-8 at byte {0}")]
    BadName(usize),
}

impl DecodeError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

impl Message {
    /// An IPP/1.1 request with the operation attributes every request starts with.
    pub fn request(operation: u16, request_id: u32) -> Message {
        Message {
            version: (1, 1),
            code: operation,
            request_id,
            groups: vec![Group::new(group::OPERATION)
                .with(
                    "attributes-charset",
                    Value::Str(tag::CHARSET, "utf-8".into()),
                )
                .with(
                    "attributes-natural-language",
                    Value::Str(tag::LANGUAGE, "zh-cn".into()),
                )],
            data: Vec::new(),
        }
    }

    /// Adds an operation attribute.
    pub fn op_attr(mut self, name: &str, value: Value) -> Message {
        if let Some(g) = self.groups.iter_mut().find(|g| g.tag == group::OPERATION) {
            g.attributes.push(Attribute {
                name: name.to_string(),
                values: vec![value],
            });
        }
        self
    }

    pub fn op_attr_all(mut self, name: &str, values: Vec<Value>) -> Message {
        if let Some(g) = self.groups.iter_mut().find(|g| g.tag == group::OPERATION) {
            g.attributes.push(Attribute {
                name: name.to_string(),
                values,
            });
        }
        self
    }

    /// The first attribute `name` in a group with tag `group_tag`.
    pub fn attr(&self, group_tag: u8, name: &str) -> Option<&Attribute> {
        self.groups
            .iter()
            .filter(|g| g.tag == group_tag)
            .find_map(|g| g.get(name))
    }

    /// Text of the first value of an attribute in any group.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.groups
            .iter()
            .find_map(|g| g.get(name))
            .and_then(|a| a.values.first())
            .and_then(Value::text)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.data.len());
        out.extend_from_slice(&[self.version.0, self.version.1]);
        out.extend_from_slice(&self.code.to_be_bytes());
        out.extend_from_slice(&self.request_id.to_be_bytes());
        for g in &self.groups {
            out.push(g.tag);
            for a in &g.attributes {
                for (i, v) in a.values.iter().enumerate() {
                    out.push(v.tag());
                    let name = if i == 0 { a.name.as_bytes() } else { &[] };
                    let name = &name[..name.len().min(u16::MAX as usize)];
                    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
                    out.extend_from_slice(name);
                    let bytes = v.bytes();
                    let bytes = &bytes[..bytes.len().min(u16::MAX as usize)];
                    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
        out.push(group::END);
        out.extend_from_slice(&self.data);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        if bytes.len() < 8 {
            return Err(DecodeError::ShortHeader(bytes.len()));
        }
        let mut msg = Message {
            version: (bytes[0], bytes[1]),
            code: u16::from_be_bytes([bytes[2], bytes[3]]),
            request_id: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            groups: Vec::new(),
            data: Vec::new(),
        };
        let mut at = 8;
        let take = |at: &mut usize, n: usize| -> Result<&[u8], DecodeError> {
            let end = at.checked_add(n).ok_or(DecodeError::Truncated(*at))?;
            let slice = bytes.get(*at..end).ok_or(DecodeError::Truncated(*at))?;
            *at = end;
            Ok(slice)
        };
        loop {
            let Some(&t) = bytes.get(at) else {
                return Err(DecodeError::NoEnd);
            };
            if t == group::END {
                msg.data = bytes[at + 1..].to_vec();
                return Ok(msg);
            }
            if t <= 0x0F {
                msg.groups.push(Group::new(t));
                at += 1;
                continue;
            }
            let start = at;
            at += 1;
            let name_len = take(&mut at, 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)?;
            let name = std::str::from_utf8(take(&mut at, name_len)?)
                .map_err(|_| DecodeError::BadName(start))?
                .to_string();
            let value_len = take(&mut at, 2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)?;
            let raw = take(&mut at, value_len)?;
            let bad = || DecodeError::BadLength {
                tag: t,
                len: value_len,
                at: start,
            };
            let value = match t {
                tag::INTEGER | tag::ENUM => {
                    let b: [u8; 4] = raw.try_into().map_err(|_| bad())?;
                    let i = i32::from_be_bytes(b);
                    if t == tag::INTEGER {
                        Value::Integer(i)
                    } else {
                        Value::Enum(i)
                    }
                }
                tag::BOOLEAN => match raw {
                    [b] => Value::Boolean(*b != 0),
                    _ => return Err(bad()),
                },
                0x10..=0x1F => Value::OutOfBand(t),
                0x40..=0x5F => Value::Str(t, String::from_utf8_lossy(raw).into_owned()),
                _ => Value::Raw(t, raw.to_vec()),
            };
            let Some(group) = msg.groups.last_mut() else {
                return Err(DecodeError::NoGroup(start));
            };
            if name.is_empty() {
                match group.attributes.last_mut() {
                    Some(a) => a.values.push(value),
                    None => return Err(DecodeError::OrphanValue(start)),
                }
            } else {
                group.attributes.push(Attribute {
                    name,
                    values: vec![value],
                });
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Integer(i) | Value::Enum(i) => write!(f, "{i}"),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::Str(_, s) => f.write_str(s),
            Value::OutOfBand(t) => write!(f, "<out-of-band {t:#04x}>"),
            Value::Raw(t, b) => write!(f, "<{t:#04x}: {} bytes>", b.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        let mut m = Message::request(op::PRINT_JOB, 7)
            .op_attr(
                "printer-uri",
                Value::Str(tag::URI, "ipp://localhost/printers/a4".into()),
            )
            .op_attr_all(
                "requested-attributes",
                vec![
                    Value::Str(tag::KEYWORD, "job-state".into()),
                    Value::Str(tag::KEYWORD, "job-state-reasons".into()),
                ],
            )
            .op_attr("job-id", Value::Integer(-3))
            .op_attr("fit", Value::Boolean(true));
        m.groups.push(
            Group::new(group::JOB)
                .with("job-state", Value::Enum(9))
                .with("x", Value::OutOfBand(tag::NO_VALUE))
                .with("when", Value::Raw(0x31, vec![1; 11])),
        );
        m.data = b"%PDF-1.3 data".to_vec();
        m
    }

    #[test]
    fn round_trip() {
        let m = sample();
        let bytes = m.encode();
        assert_eq!(&bytes[..8], &[1, 1, 0, 2, 0, 0, 0, 7]);
        assert_eq!(Message::decode(&bytes).unwrap(), m);
        assert_eq!(
            m.attr(group::JOB, "job-state").unwrap().values[0].int(),
            Some(9)
        );
        assert_eq!(m.text("printer-uri"), Some("ipp://localhost/printers/a4"));
    }

    #[test]
    fn every_truncation_of_a_valid_message_is_an_error_not_a_panic() {
        let bytes = sample().encode();
        let end = bytes.len() - b"%PDF-1.3 data".len() - 1;
        for n in 0..=end {
            assert!(Message::decode(&bytes[..n]).is_err(), "prefix of {n} bytes");
        }
    }

    #[test]
    fn malformed_messages_are_typed_errors() {
        let head = [1u8, 1, 0, 0, 0, 0, 0, 1];
        let with = |rest: &[u8]| [&head[..], rest].concat();
        assert_eq!(
            Message::decode(&head[..5]),
            Err(DecodeError::ShortHeader(5))
        );
        assert_eq!(Message::decode(&head), Err(DecodeError::NoEnd));
        // A value before any group.
        assert_eq!(
            Message::decode(&with(&[0x21, 0, 1, b'a', 0, 4, 0, 0, 0, 1, 3])),
            Err(DecodeError::NoGroup(8))
        );
        // An integer of 3 bytes.
        assert!(matches!(
            Message::decode(&with(&[1, 0x21, 0, 1, b'a', 0, 3, 0, 0, 1, 3])),
            Err(DecodeError::BadLength {
                tag: 0x21,
                len: 3,
                ..
            })
        ));
        // A boolean of 2 bytes.
        assert!(matches!(
            Message::decode(&with(&[1, 0x22, 0, 1, b'a', 0, 2, 0, 1, 3])),
            Err(DecodeError::BadLength { .. })
        ));
        // An additional value with nothing before it.
        assert_eq!(
            Message::decode(&with(&[1, 0x44, 0, 0, 0, 1, b'k', 3])),
            Err(DecodeError::OrphanValue(9))
        );
        // A name that is not UTF-8.
        assert_eq!(
            Message::decode(&with(&[1, 0x44, 0, 1, 0xFF, 0, 0, 3])),
            Err(DecodeError::BadName(9))
        );
        // A length running past the end.
        assert!(matches!(
            Message::decode(&with(&[1, 0x44, 0xFF, 0xFF, b'a'])),
            Err(DecodeError::Truncated(_))
        ));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic generator (xorshift) over many lengths and seeds, with the
        // header forced valid half of the time so the attribute parser is reached.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..20_000 {
            let len = (next() % 64) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| (next() % 256) as u8).collect();
            if i % 2 == 0 && len > 9 {
                bytes[8] = group::OPERATION;
                for b in bytes.iter_mut().skip(9).step_by(3) {
                    *b %= 8;
                }
            }
            let _ = Message::decode(&bytes);
        }
    }
}
