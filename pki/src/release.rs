//! Signed releases (issue 19, K1): an installer signed with minisign (Ed25519) by whoever
//! builds releases for the hall, with the target and version in the signature's *trusted*
//! comment, so a file cannot be offered as another version or for another target than the
//! one it was signed for:
//!
//! ```text
//! minisign -S -s release.key -m yichuang-1.2.0-setup.exe \
//!     -t "yichuang-release target=windows-x86_64 version=1.2.0"
//! ```
//!
//! The hall server checks the claim against what the admin publishes ([`ReleaseClaim::read`]);
//! the workstation verifies the file against the public key pinned in its config and refuses
//! anything not newer than what runs ([`verify_release`]). minisign is used as a well-kept
//! format with standard tools (`minisign`, `rsign`) on every system IT uses.

use minisign_verify::{PublicKey, Signature};

/// The trusted comment's fixed start.
pub const RELEASE_COMMENT_PREFIX: &str = "yichuang-release";

/// Longest target name (`linux-x86_64-deb`, `windows-x86_64`…).
pub const MAX_TARGET_LEN: usize = 64;

/// Why a release is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    /// The pinned public key is not a minisign public key.
    #[error("release public key unreadable: {0}")]
    PublicKey(String),
    /// The signature text is not a minisign signature.
    #[error("release signature unreadable: {0}")]
    SignatureMalformed(String),
    /// The trusted comment does not name a target and a version.
    #[error("release signature's trusted comment is not a yichuang release claim: {0}")]
    ClaimMalformed(String),
    /// The file does not match the signature, or the key did not sign it.
    #[error("release signature does not verify: {0}")]
    SignatureInvalid(String),
    /// Signed for another target or version than offered.
    #[error("release signed for {signed}, offered as {offered}")]
    ClaimMismatch { signed: String, offered: String },
    /// Not newer than what runs.
    #[error("release {offered} is not newer than the running {running}")]
    Downgrade { offered: String, running: String },
}

/// What the signature says the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseClaim {
    pub target: String,
    pub version: semver::Version,
}

impl ReleaseClaim {
    /// The trusted comment to sign with.
    pub fn comment(&self) -> String {
        format!(
            "{RELEASE_COMMENT_PREFIX} target={} version={}",
            self.target, self.version
        )
    }

    /// The claim of a signature text, without verifying it (the server's publish check).
    pub fn read(signature: &str) -> Result<ReleaseClaim, ReleaseError> {
        let sig = decode_signature(signature)?;
        parse_comment(sig.trusted_comment())
    }
}

/// A target name: lower-case ASCII letters, digits, `.`, `_`, `-`; 1..=64 bytes.
pub fn is_target(target: &str) -> bool {
    !target.is_empty()
        && target.len() <= MAX_TARGET_LEN
        && target
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// Checks that `public_key` is a minisign public key (the config's `update.public_key`).
pub fn check_public_key(public_key: &str) -> Result<(), ReleaseError> {
    PublicKey::from_base64(public_key.trim())
        .map(drop)
        .map_err(|e| ReleaseError::PublicKey(e.to_string()))
}

fn decode_signature(signature: &str) -> Result<Signature, ReleaseError> {
    Signature::decode(signature.trim()).map_err(|e| ReleaseError::SignatureMalformed(e.to_string()))
}

fn parse_comment(comment: &str) -> Result<ReleaseClaim, ReleaseError> {
    let bad = || ReleaseError::ClaimMalformed(comment.chars().take(120).collect());
    let mut words = comment.split_ascii_whitespace();
    if words.next() != Some(RELEASE_COMMENT_PREFIX) {
        return Err(bad());
    }
    let (mut target, mut version) = (None, None);
    for word in words {
        match word.split_once('=') {
            Some(("target", t)) if is_target(t) && target.is_none() => target = Some(t),
            Some(("version", v)) if version.is_none() => {
                version = Some(semver::Version::parse(v).map_err(|_| bad())?)
            }
            _ => return Err(bad()),
        }
    }
    match (target, version) {
        (Some(target), Some(version)) => Ok(ReleaseClaim {
            target: target.to_owned(),
            version,
        }),
        _ => Err(bad()),
    }
}

/// Verifies a downloaded release at the workstation: `file` signed by `public_key` (minisign
/// base64, pinned in the config), for `target` and the `offered` version, which must be newer
/// than `running`. Returns the signed claim.
pub fn verify_release(
    public_key: &str,
    file: &[u8],
    signature: &str,
    target: &str,
    offered: &semver::Version,
    running: &semver::Version,
) -> Result<ReleaseClaim, ReleaseError> {
    let key = PublicKey::from_base64(public_key.trim())
        .map_err(|e| ReleaseError::PublicKey(e.to_string()))?;
    let sig = decode_signature(signature)?;
    key.verify(file, &sig, false)
        .map_err(|e| ReleaseError::SignatureInvalid(e.to_string()))?;
    let claim = parse_comment(sig.trusted_comment())?;
    let mismatch = || ReleaseError::ClaimMismatch {
        signed: format!("{} {}", claim.target, claim.version),
        offered: format!("{target} {offered}"),
    };
    if claim.target != target {
        return Err(mismatch());
    }
    // What the file is, by its signature, decides: an old release relabelled as new is a
    // downgrade, whatever the offer says.
    if claim.version <= *running {
        return Err(ReleaseError::Downgrade {
            offered: claim.version.to_string(),
            running: running.to_string(),
        });
    }
    if &claim.version != offered {
        return Err(mismatch());
    }
    Ok(claim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(file: &[u8], comment: &str) -> (String, String) {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let sig = minisign::sign(Some(&kp.pk), &kp.sk, file, Some(comment), None).unwrap();
        (kp.pk.to_base64(), sig.into_string())
    }

    fn v(s: &str) -> semver::Version {
        semver::Version::parse(s).unwrap()
    }

    #[test]
    fn k1_a_signed_newer_release_verifies_and_names_its_claim() {
        let (pk, sig) = sign(
            b"installer",
            "yichuang-release target=windows-x86_64 version=1.2.0",
        );
        let claim = verify_release(
            &pk,
            b"installer",
            &sig,
            "windows-x86_64",
            &v("1.2.0"),
            &v("1.1.9"),
        )
        .unwrap();
        assert_eq!(
            claim.comment(),
            "yichuang-release target=windows-x86_64 version=1.2.0"
        );
        assert_eq!(ReleaseClaim::read(&sig).unwrap(), claim);
    }

    #[test]
    fn k1_tampered_file_other_key_other_claim_and_downgrade_are_refused() {
        let comment = "yichuang-release target=linux-x86_64-deb version=2.0.0";
        let (pk, sig) = sign(b"package", comment);
        let (other_pk, _) = sign(b"x", comment);
        let t = "linux-x86_64-deb";
        let ok = |pk: &str, file: &[u8], target: &str, offered: &str, running: &str| {
            verify_release(pk, file, &sig, target, &v(offered), &v(running))
        };
        assert!(matches!(
            ok(&pk, b"packagE", t, "2.0.0", "1.0.0"),
            Err(ReleaseError::SignatureInvalid(_))
        ));
        assert!(matches!(
            ok(&other_pk, b"package", t, "2.0.0", "1.0.0"),
            Err(ReleaseError::SignatureInvalid(_))
        ));
        assert!(matches!(
            ok(&pk, b"package", "windows-x86_64", "2.0.0", "1.0.0"),
            Err(ReleaseError::ClaimMismatch { .. })
        ));
        // An old signed file offered as a newer version is what it was signed as.
        assert!(matches!(
            ok(&pk, b"package", t, "9.0.0", "1.0.0"),
            Err(ReleaseError::ClaimMismatch { .. })
        ));
        assert!(matches!(
            ok(&pk, b"package", t, "2.0.0", "2.0.0"),
            Err(ReleaseError::Downgrade { .. })
        ));
        assert!(matches!(
            ok(&pk, b"package", t, "2.0.0", "3.1.0"),
            Err(ReleaseError::Downgrade { .. })
        ));
        // An old signed release relabelled as a newer version is a downgrade.
        assert!(matches!(
            ok(&pk, b"package", t, "4.0.0", "3.1.0"),
            Err(ReleaseError::Downgrade { .. })
        ));
        assert!(matches!(
            ok("not a key", b"package", t, "2.0.0", "1.0.0"),
            Err(ReleaseError::PublicKey(_))
        ));
    }

    #[test]
    fn k1_malformed_signatures_and_claims_are_refused_without_panic() {
        assert!(matches!(
            ReleaseClaim::read("garbage"),
            Err(ReleaseError::SignatureMalformed(_))
        ));
        for comment in [
            "timestamp:1 file:x",
            "yichuang-release target=Windows version=1.0.0",
            "yichuang-release target=w version=1.0",
            "yichuang-release target=w",
            "yichuang-release target=w version=1.0.0 extra=1",
            "yichuang-release target=w target=x version=1.0.0",
        ] {
            let (_, sig) = sign(b"f", comment);
            assert!(
                matches!(
                    ReleaseClaim::read(&sig),
                    Err(ReleaseError::ClaimMalformed(_))
                ),
                "{comment}"
            );
        }
        assert!(is_target("linux-x86_64-deb") && !is_target("") && !is_target("a/b"));
    }
}
