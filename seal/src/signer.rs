//! [`SealSigner`]: what stamping needs from the key that holds the seal — its certificates,
//! its algorithm and a signature over a message. The UKey implementation is
//! [`crate::ukey::UkeySealSigner`] (feature `ukey`); tests use software keys.

use serde::Serialize;

/// The signature algorithm of a seal key; decides the CMS digest and signature OIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SealAlgorithm {
    /// SM2 over `SM3(Z‖M)` with the GM/T 0009 default user ID; DER `SEQUENCE { r, s }`.
    /// The CMS follows GM/T 0010 (GB/T 35275).
    Sm2Sm3,
    /// ECDSA P-256 over SHA-256(M); DER `SEQUENCE { r, s }`. Standard CMS (RFC 5652).
    EcdsaP256Sha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256; the raw signature. Standard CMS.
    RsaPkcs1Sha256,
}

impl SealAlgorithm {
    /// Short name for logs and the window: `SM2`, `ECDSA-P256`, `RSA`.
    pub fn name(self) -> &'static str {
        match self {
            SealAlgorithm::Sm2Sm3 => "SM2",
            SealAlgorithm::EcdsaP256Sha256 => "ECDSA-P256",
            SealAlgorithm::RsaPkcs1Sha256 => "RSA",
        }
    }
}

/// The key that stamps: a department signing certificate and its private key (on a UKey,
/// unlocked with the seal PIN before stamping).
pub trait SealSigner {
    /// What a failed signature is (e.g. the UKey's error, with its own Chinese message).
    type Error;

    /// The signing certificate first, then any chain certificates to embed, all DER.
    fn certificates(&self) -> Vec<Vec<u8>>;

    fn algorithm(&self) -> SealAlgorithm;

    /// Signs `message` (the DER of the CMS signed attributes), hashing it as the algorithm
    /// requires (SM2: `SM3(Z‖M)`; ECDSA and RSA: SHA-256). SM2 and ECDSA return DER
    /// `SEQUENCE { r, s }`, RSA the raw signature.
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, Self::Error>;
}
