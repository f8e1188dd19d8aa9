//! Pure conversions between what key libraries return and what the app sends on: ECDSA/SM2
//! signatures (raw `r‖s`, SKF `ECCSIGNATUREBLOB`) to DER `SEQUENCE { r INTEGER, s INTEGER }`,
//! SKF multi-strings (NUL-separated, double-NUL-terminated name lists), the SM2 `Z` value of
//! GM/T 0009 (`e = SM3(Z‖M)`) and the PKCS#1 v1.5 `DigestInfo` for SHA-256. None of them
//! panic on any input.

use sm3::{Digest, Sm3};

/// The default SM2 user ID of GM/T 0009 (16 ASCII bytes, ENTL = 128 bits).
pub const SM2_DEFAULT_ID: &[u8] = b"1234567812345678";

const SM2_A: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
const SM2_B: [u8; 32] = hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const SM2_GX: [u8; 32] = hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const SM2_GY: [u8; 32] = hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

const fn hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("bad hex constant"),
        }
    }
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// `Z = SM3(ENTL‖ID‖a‖b‖xG‖yG‖xA‖yA)` for the public key `(x, y)` (32-byte big-endian each).
/// `None` when the ID is longer than ENTL's 16 bits can count.
pub fn sm2_z(id: &[u8], x: &[u8; 32], y: &[u8; 32]) -> Option<[u8; 32]> {
    let entl = u16::try_from(id.len().checked_mul(8)?).ok()?;
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    h.update(SM2_A);
    h.update(SM2_B);
    h.update(SM2_GX);
    h.update(SM2_GY);
    h.update(x);
    h.update(y);
    Some(h.finalize().into())
}

/// `e = SM3(Z‖M)`: what an SM2 key signs for message `M`.
pub fn sm2_e(id: &[u8], x: &[u8; 32], y: &[u8; 32], message: &[u8]) -> Option<[u8; 32]> {
    let z = sm2_z(id, x, y)?;
    let mut h = Sm3::new();
    h.update(z);
    h.update(message);
    Some(h.finalize().into())
}

/// DER `SEQUENCE { r INTEGER, s INTEGER }` from big-endian unsigned `r` and `s` of any
/// length (leading zeros are dropped, a 0x00 is prepended where the top bit is set).
pub fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let ri = der_uint(r);
    let si = der_uint(s);
    let mut body = Vec::with_capacity(ri.len() + si.len());
    body.extend_from_slice(&ri);
    body.extend_from_slice(&si);
    let mut out = vec![0x30];
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

/// DER from a PKCS#11 `CKM_ECDSA` result: `r‖s`, each half the length. `None` for an empty
/// or odd-length input.
pub fn der_from_raw_rs(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    Some(der_signature(r, s))
}

/// Size of the SKF `ECCSIGNATUREBLOB { BYTE r[64]; BYTE s[64]; }`.
pub const ECC_SIGNATURE_BLOB_LEN: usize = 128;
/// Size of the SKF `ECCPUBLICKEYBLOB { ULONG BitLen; BYTE X[64]; BYTE Y[64]; }`.
pub const ECC_PUBLIC_KEY_BLOB_LEN: usize = 132;

/// DER from an SKF `ECCSIGNATUREBLOB` (64-byte `r` and `s`, values right-aligned).
pub fn der_from_ecc_signature_blob(blob: &[u8; ECC_SIGNATURE_BLOB_LEN]) -> Vec<u8> {
    der_signature(&blob[..64], &blob[64..])
}

/// The 32-byte `x` and `y` of a 256-bit key in an SKF `ECCPUBLICKEYBLOB` (little-endian
/// `BitLen`, then 64-byte right-aligned coordinates). `None` unless `BitLen` is 256 and the
/// unused left halves are zero.
pub fn ecc_public_key_from_blob(blob: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    if blob.len() < ECC_PUBLIC_KEY_BLOB_LEN {
        return None;
    }
    let bits = u32::from_le_bytes(blob[..4].try_into().ok()?);
    if bits != 256 {
        return None;
    }
    let (xs, ys) = (&blob[4..68], &blob[68..132]);
    if xs[..32].iter().chain(&ys[..32]).any(|&b| b != 0) {
        return None;
    }
    Some((xs[32..].try_into().ok()?, ys[32..].try_into().ok()?))
}

/// `(r, s)` as 32-byte big-endian values from a DER ECDSA/SM2 signature over a 256-bit curve.
pub fn raw_rs_from_der(der: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let (tag, body, rest) = der_tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (t1, r, rest) = der_tlv(body)?;
    let (t2, s, rest) = der_tlv(rest)?;
    if t1 != 0x02 || t2 != 0x02 || !rest.is_empty() {
        return None;
    }
    Some((left_pad32(r)?, left_pad32(s)?))
}

/// Names from an SKF multi-string: NUL-separated, ended by an empty name (double NUL) or the
/// end of the buffer. Names are decoded as UTF-8, else GB18030 (Chinese vendor libraries),
/// and empty names are skipped.
pub fn parse_multi_string(buf: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for part in buf.split(|&b| b == 0) {
        if part.is_empty() {
            // Double NUL ends the list.
            break;
        }
        names.push(decode_text(part));
    }
    names
}

/// Text from a fixed-size C field: up to the first NUL, trailing spaces and 0xFF padding
/// removed, decoded as UTF-8 or else GB18030.
pub fn c_field_text(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let mut bytes = &field[..end];
    while let [head @ .., last] = bytes {
        if *last == b' ' || *last == 0xFF {
            bytes = head;
        } else {
            break;
        }
    }
    decode_text(bytes)
}

fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The PKCS#1 v1.5 `DigestInfo` for a SHA-256 digest (what `CKM_RSA_PKCS` signs).
pub fn pkcs1_sha256_digest_info(digest: &[u8; 32]) -> Vec<u8> {
    const PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let mut out = PREFIX.to_vec();
    out.extend_from_slice(digest);
    out
}

/// Upper-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Bytes from hex (either case); `None` on odd length or a non-hex character.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn der_uint(v: &[u8]) -> Vec<u8> {
    let first = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    let v = &v[first..];
    let mut body = Vec::with_capacity(v.len() + 1);
    if v.is_empty() || v[0] & 0x80 != 0 {
        body.push(0);
    }
    body.extend_from_slice(v);
    let mut out = vec![0x02];
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
}

/// One DER TLV: (tag, value, rest). Short and long (up to 4 bytes) lengths.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else {
        let n = (l0 & 0x7F) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn left_pad32(v: &[u8]) -> Option<[u8; 32]> {
    let first = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    let v = &v[first..];
    if v.len() > 32 {
        return None;
    }
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_string_parsing_stops_at_double_nul_and_never_panics() {
        assert_eq!(
            parse_multi_string(b"KEY-1\0KEY-2\0\0garbage\0"),
            vec!["KEY-1".to_string(), "KEY-2".to_string()]
        );
        assert_eq!(parse_multi_string(b"only"), vec!["only".to_string()]);
        assert!(parse_multi_string(b"").is_empty());
        assert!(parse_multi_string(b"\0\0").is_empty());
        // GB18030 "容器" from a Chinese vendor library.
        assert_eq!(parse_multi_string(b"\xc8\xdd\xc6\xf7\0\0"), vec!["容器"]);
        for len in 0..64usize {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let _ = parse_multi_string(&junk);
            let _ = c_field_text(&junk);
            let _ = raw_rs_from_der(&junk);
            let _ = ecc_public_key_from_blob(&junk);
        }
    }

    #[test]
    fn c_fields_drop_padding() {
        assert_eq!(c_field_text(b"Label   \0\0\0"), "Label");
        assert_eq!(c_field_text(b"SN\xff\xff"), "SN");
    }

    #[test]
    fn signature_blob_and_raw_rs_become_the_same_der() {
        let mut blob = [0u8; 128];
        blob[32..64].copy_from_slice(&[0x80; 32]);
        blob[96..128].copy_from_slice(&[0x01; 32]);
        let der = der_from_ecc_signature_blob(&blob);
        assert_eq!(der[0], 0x30);
        // r has its top bit set, so it gets a 0x00 pad: 33 + 32 + 2 * 2 header bytes.
        assert_eq!(der[1] as usize, der.len() - 2);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        let mut raw = vec![0x80; 32];
        raw.extend_from_slice(&[0x01; 32]);
        assert_eq!(der_from_raw_rs(&raw).unwrap(), der);
        let (r, s) = raw_rs_from_der(&der).unwrap();
        assert_eq!((r, s), ([0x80; 32], [0x01; 32]));
        assert_eq!(der_from_raw_rs(&[1, 2, 3]), None);
    }

    #[test]
    fn public_key_blob_layout() {
        let mut blob = vec![0u8; 132];
        blob[..4].copy_from_slice(&256u32.to_le_bytes());
        blob[36..68].copy_from_slice(&[7; 32]);
        blob[100..132].copy_from_slice(&[9; 32]);
        assert_eq!(ecc_public_key_from_blob(&blob), Some(([7; 32], [9; 32])));
        blob[1] = 0;
        assert_eq!(ecc_public_key_from_blob(&blob), None);
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(unhex(&hex(&[0, 0xAB, 0x10])).unwrap(), vec![0, 0xAB, 0x10]);
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
