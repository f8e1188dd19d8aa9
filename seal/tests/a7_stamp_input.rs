//! Stamping untrusted documents (A7, bad input): whatever the PDF, `stamp` returns the
//! stamped file or a typed pki error, never a panic. A software ECDSA P-256 seal key with a
//! fixed self-signed certificate (`support/software_seal.der`, also the key of the
//! `pdf_stamp` fuzz target) stands in for the UKey, so these tests need no tools.

mod support;

use p256::ecdsa::{signature::Signer, DerSignature, SigningKey};
use support::sample_pdf;
use yichuang_pki::{Cert, PkiErrorKind, TrustStore};
use yichuang_seal::{stamp, verify, SealAlgorithm, SealAppearance, SealSigner, StampError};

const CERT: &[u8] = include_bytes!("support/software_seal.der");
/// The private scalar of `software_seal.der` (a test key, used nowhere else).
const KEY: [u8; 32] = [
    0xde, 0x46, 0x0a, 0x28, 0x72, 0x36, 0x53, 0xde, 0x3c, 0x6b, 0xa5, 0xa8, 0x1d, 0x93, 0xd4, 0x1d,
    0x11, 0x61, 0xef, 0x65, 0xbe, 0x21, 0xa7, 0x7e, 0x03, 0x05, 0x76, 0xd9, 0x46, 0x47, 0x27, 0x25,
];
const NOW: i64 = 1_800_000_000;

struct Software(SigningKey);

impl SealSigner for Software {
    type Error = std::convert::Infallible;
    fn certificates(&self) -> Vec<Vec<u8>> {
        vec![CERT.to_vec()]
    }
    fn algorithm(&self) -> SealAlgorithm {
        SealAlgorithm::EcdsaP256Sha256
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, Self::Error> {
        let sig: DerSignature = self.0.sign(message);
        Ok(sig.as_bytes().to_vec())
    }
}

fn signer() -> Software {
    Software(SigningKey::from_slice(&KEY).unwrap())
}

fn look() -> SealAppearance {
    SealAppearance::new("某市市场监督管理局", "协查专用章")
}

fn refusal(pdf: &[u8], look: &SealAppearance) -> PkiErrorKind {
    match stamp(pdf, look, &mut signer(), NOW) {
        Err(StampError::Document(e)) => e.kind(),
        other => panic!(
            "expected a document refusal, got {:?}",
            other.map(|v| v.len())
        ),
    }
}

#[test]
fn a7_software_seal_stamps_and_verifies() {
    let pdf = sample_pdf(2);
    let stamped = stamp(&pdf, &look(), &mut signer(), NOW).unwrap();
    assert!(stamped.starts_with(&pdf));
    let mut trust = TrustStore::new();
    trust.add_ca(Cert::from_der(CERT).unwrap()).unwrap();
    let v = &verify(&stamped, &trust, NOW).unwrap()[0];
    assert_eq!(v.algorithm, Some(SealAlgorithm::EcdsaP256Sha256));
    assert_eq!(v.signed_end, stamped.len());
    assert!(v.is_valid(), "{v:?}");
    assert_eq!(v.signer_name, "模糊测试印章");
}

#[test]
fn a7_stamp_refuses_malformed_documents_with_typed_errors() {
    let pdf = sample_pdf(1);
    assert_eq!(
        refusal(b"\x00garbage", &look()),
        PkiErrorKind::DocumentMalformed
    );
    assert_eq!(
        refusal(&pdf[..pdf.len() - 10], &look()),
        PkiErrorKind::DocumentTruncated
    );
    assert_eq!(
        refusal(b"%PDF-1.7\n%%EOF\n", &look()),
        PkiErrorKind::DocumentMalformed
    );
    // A page that does not exist.
    let mut far = look();
    far.page = Some(usize::MAX);
    assert_eq!(refusal(&pdf, &far), PkiErrorKind::DocumentMalformed);
    // A trailer whose /Size leaves no object numbers for the seal.
    let at = pdf.windows(5).rposition(|w| w == b"/Size").unwrap() + 5;
    let digits = at + pdf[at..].iter().take_while(|b| *b == &b' ').count();
    let end = digits
        + pdf[digits..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
    assert!(end > digits, "a /Size number");
    let mut huge = pdf[..digits].to_vec();
    huge.extend_from_slice(b"4294967295");
    huge.extend_from_slice(&pdf[end..]);
    assert_eq!(refusal(&huge, &look()), PkiErrorKind::DocumentMalformed);
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn a7_stamp_never_panics_on_mutated_documents() {
    let seeds = [sample_pdf(1), sample_pdf(3), {
        let once = sample_pdf(1);
        stamp(&once, &look(), &mut signer(), NOW).unwrap()
    }];
    let mut rng = Rng(0x5EA1_0001);
    let mut outcomes = [0usize; 2];
    for round in 0..600 {
        let mut pdf = seeds[round % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(pdf.len());
            match rng.below(4) {
                0 => pdf[at] = rng.next() as u8,
                1 => pdf[at] = b"0123456789 /<>[]()R"[rng.below(19)],
                2 => {
                    let len = rng.below(64).min(pdf.len() - at);
                    pdf.drain(at..at + len);
                }
                _ => {
                    let from = rng.below(pdf.len());
                    let chunk: Vec<u8> = pdf[from..(from + 32).min(pdf.len())].to_vec();
                    pdf.splice(at..at, chunk);
                }
            }
        }
        let mut appearance = look();
        appearance.page = (round % 5 == 0).then_some(round % 4);
        match stamp(&pdf, &appearance, &mut signer(), NOW) {
            Ok(stamped) => {
                assert!(stamped.starts_with(&pdf));
                outcomes[0] += 1;
            }
            Err(StampError::Document(e)) => {
                assert!(!e.kind().message().is_empty());
                outcomes[1] += 1;
            }
            Err(StampError::Signer(never)) => match never {},
        }
    }
    // Both outcomes occur: the mutations reach the writer as well as the refusals.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}
