//! Serialises `lopdf` objects for the incremental update. Hand-written because lopdf 0.44
//! keeps its writer private, and the update must know the exact byte offsets of the
//! signature dictionary's `/ByteRange` and `/Contents` (written by `stamp` itself).

use lopdf::{Dictionary, Object};

fn regular(b: u8) -> bool {
    (b'!'..=b'~').contains(&b) && !b"#()<>[]{}/%".contains(&b)
}

pub fn name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if regular(b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// A byte string as a hex string `<…>` (no escaping questions).
pub fn hex_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'<');
    for b in s {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// A PDF text string: UTF-16BE with a byte-order mark, as hex.
pub fn text_string(out: &mut Vec<u8>, s: &str) {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    hex_string(out, &bytes);
}

/// A number without exponent, at most four decimals.
pub fn real(out: &mut Vec<u8>, v: f32) {
    let v = if v.is_finite() { v } else { 0.0 };
    let text = format!("{v:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    out.extend_from_slice(
        if text.is_empty() || text == "-" {
            "0"
        } else {
            text
        }
        .as_bytes(),
    );
}

pub fn dictionary(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        name(out, k);
        out.push(b' ');
        object(out, v);
    }
    out.extend_from_slice(b">>");
}

pub fn object(out: &mut Vec<u8>, o: &Object) {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => real(out, *r),
        Object::Name(n) => name(out, n),
        Object::String(s, _) => hex_string(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => dictionary(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            dictionary(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, gen)) => out.extend_from_slice(format!("{id} {gen} R").as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn objects_serialise_as_pdf_syntax() {
        let mut out = Vec::new();
        let d = dictionary! {
            "Type" => "Annot",
            "Rect" => vec![Object::Real(1.5), Object::Integer(2)],
            "P" => Object::Reference((7, 0)),
            "T" => Object::string_literal("a(b"),
            "N a" => Object::Null,
        };
        dictionary(&mut out, &d);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<</Type /Annot/Rect [1.5 2]/P 7 0 R/T <612862>/N#20a null>>"
        );
        let mut t = Vec::new();
        text_string(&mut t, "章");
        assert_eq!(t, b"<FEFF7AE0>");
    }
}
