//! Stamping on arbitrary bytes: `stamp` reads an untrusted PDF (with lopdf) and must return
//! the stamped file or a typed error, never panic. The first bytes choose the appearance
//! (page, position, size, the texts, the time), the rest is the document; plain and stamped
//! PDFs are good seeds. The key is a software ECDSA P-256 key with a fixed self-signed
//! certificate (`seal/tests/support/software_seal.der`, shared with the seal tests): what is
//! fuzzed is the document, not the UKey.
//!
//! `stamp` turns a panic inside lopdf into `document_malformed` (`catch_unwind`); this
//! target keeps that guard working by silencing the panic hook that libFuzzer installs (it
//! would abort first), so a crash found here is a panic in the seal crate's own code, which
//! the guard does not cover.
#![no_main]
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::{signature::Signer, DerSignature, SigningKey};
use yichuang_seal::{stamp, SealAlgorithm, SealAppearance, SealSigner};

const CERT: &[u8] = include_bytes!("../../seal/tests/support/software_seal.der");
const KEY: [u8; 32] = [
    0xde, 0x46, 0x0a, 0x28, 0x72, 0x36, 0x53, 0xde, 0x3c, 0x6b, 0xa5, 0xa8, 0x1d, 0x93, 0xd4, 0x1d,
    0x11, 0x61, 0xef, 0x65, 0xbe, 0x21, 0xa7, 0x7e, 0x03, 0x05, 0x76, 0xd9, 0x46, 0x47, 0x27, 0x25,
];

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

const TEXTS: [&str; 4] = ["某市市场监督管理局", "", " \t", "A𝄞\u{0}(\\)"];

fuzz_target!(|data: &[u8]| {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let (head, pdf) = data.split_at(data.len().min(4));
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let mut look = SealAppearance::new(
        TEXTS[usize::from(byte(0) & 3)],
        TEXTS[usize::from(byte(0) >> 2 & 3)],
    );
    look.page = match byte(1) {
        0 => None,
        255 => Some(usize::MAX),
        n => Some(usize::from(n - 1)),
    };
    look.position = match byte(2) & 3 {
        0 => None,
        1 => Some((f32::from(byte(3)) * 4.0, f32::from(byte(2)) * 3.0)),
        2 => Some((f32::NAN, f32::INFINITY)),
        _ => Some((f32::MAX, -f32::MAX)),
    };
    look.size = match byte(3) & 3 {
        0 => 119.0,
        1 => f32::from(byte(3)),
        2 => f32::MAX,
        _ => f32::NAN,
    };
    look.reason = (byte(0) & 16 != 0).then(|| "部门协查盖章".to_string());
    let time = if byte(0) & 32 != 0 {
        i64::MIN
    } else {
        1_800_000_000
    };
    let mut signer = Software(SigningKey::from_slice(&KEY).expect("a valid P-256 scalar"));
    if let Ok(stamped) = stamp(pdf, &look, &mut signer, time) {
        // What was stamped keeps the original bytes and carries one more signature.
        assert!(stamped.starts_with(pdf));
        let before = yichuang_seal::scan::find_signatures(pdf).len();
        assert!(yichuang_seal::scan::find_signatures(&stamped).len() > before);
    }
});
