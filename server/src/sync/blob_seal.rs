//! Complete blobs sealed at rest (material scans, handover photos, bundles, installers): each
//! is stored as a header (a 16-byte mark and the 7-byte nonce prefix) and 64 KiB pieces
//! encrypted with AES-256-GCM in the STREAM construction (`aead::stream`, big-endian 32-bit
//! counter, last-piece flag), so a piece cannot be cut, reordered or truncated unnoticed and a
//! blob is decrypted as it is streamed out. The key is derived from the hall's grant key, which
//! every instance shares. A blob stored before sealing (no mark) is served as it is.
//!
//! Uploads still arriving are not in clear either: each staged upload is encrypted as it is
//! written with AES-256-CTR ([`StagingKey`]) under a random IV kept beside it, which lets a
//! chunk land at any offset and a retry rewrite from any offset; integrity is checked when the
//! upload is complete (its SHA-256 is its name) and only then is it sealed as above.

use std::io::{Read, Write};
use std::path::Path;

use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::{KeyInit, OsRng};
use aes_gcm::Aes256Gcm;
use axum::body::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The mark at the start of a sealed blob.
const MARK: &[u8; 16] = b"yichuang-blob-s1";
const NONCE_PREFIX: usize = 7;
const HEADER: usize = MARK.len() + NONCE_PREFIX;
/// Plain bytes per piece.
const PIECE: usize = 64 * 1024;
const TAG: usize = 16;

#[derive(Clone)]
pub struct BlobSeal([u8; 32]);

/// The key of staged uploads (AES-256-CTR; see the module docs).
#[derive(Clone)]
pub struct StagingKey([u8; 32]);

impl std::fmt::Debug for StagingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StagingKey(..)")
    }
}

/// The IV of one staged upload.
pub type StagingIv = [u8; 16];

impl StagingKey {
    /// A fresh random IV for a new upload.
    pub fn new_iv() -> StagingIv {
        use aes_gcm::aead::rand_core::RngCore;
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut iv);
        iv
    }

    /// Encrypts or decrypts (the same operation) `buf`, which sits at `offset` of the upload.
    pub fn apply(&self, iv: &StagingIv, offset: u64, buf: &mut [u8]) {
        use ctr::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};
        let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new((&self.0).into(), iv.into());
        cipher.seek(offset);
        cipher.apply_keystream(buf);
    }

    /// A reader of the plain content of a staged file.
    pub fn reader<R: Read>(&self, inner: R, iv: StagingIv) -> StagingReader<R> {
        StagingReader {
            inner,
            key: self.clone(),
            iv,
            pos: 0,
        }
    }
}

/// Decrypts a staged upload as it is read.
pub struct StagingReader<R> {
    inner: R,
    key: StagingKey,
    iv: StagingIv,
    pos: u64,
}

impl<R: Read> Read for StagingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.key.apply(&self.iv, self.pos, &mut buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl std::fmt::Debug for BlobSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobSeal(..)")
    }
}

/// The plain length of a sealed blob of `stored` bytes (header included).
pub fn plain_len(stored: u64) -> u64 {
    let body = stored.saturating_sub(HEADER as u64);
    let pieces = body.div_ceil((PIECE + TAG) as u64).max(1);
    body.saturating_sub(pieces * TAG as u64)
}

impl BlobSeal {
    /// The blob key, derived from the grant key's seed.
    pub fn derive(grant_seed: &[u8; 32]) -> BlobSeal {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(grant_seed).expect("any key length");
        mac.update(b"yichuang blob seal v1");
        BlobSeal(mac.finalize().into_bytes().into())
    }

    /// The key staged uploads are encrypted with, derived from the blob key.
    pub fn staging(&self) -> StagingKey {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        mac.update(b"yichuang staging v1");
        StagingKey(mac.finalize().into_bytes().into())
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new((&self.0).into())
    }

    /// The blob key of the server whose (default-placed) grant key is in `data_dir`, for IT
    /// tools and tests that read the blob files on disk.
    pub fn for_data_dir(data_dir: &Path) -> crate::Result<BlobSeal> {
        let path = data_dir.join(crate::config::GRANT_KEY_FILE);
        let grant = crate::auth::load_or_create_grant_key(&path)?;
        Ok(BlobSeal::derive(&grant.to_bytes()))
    }

    /// A whole stored blob, opened (blocking); a blob without the mark is returned as it is.
    pub fn open_bytes(&self, stored: &[u8]) -> std::io::Result<Vec<u8>> {
        if stored.len() < HEADER || &stored[..MARK.len()] != MARK {
            return Ok(stored.to_vec());
        }
        let broken = |_| std::io::Error::other("sealed blob does not open (altered or cut)");
        let prefix: [u8; NONCE_PREFIX] = stored[MARK.len()..HEADER].try_into().expect("7 bytes");
        let mut dec = DecryptorBE32::from_aead(self.cipher(), (&prefix).into());
        let mut rest = &stored[HEADER..];
        let mut out = Vec::with_capacity(rest.len());
        while rest.len() > PIECE + TAG {
            let (piece, tail) = rest.split_at(PIECE + TAG);
            out.extend(dec.decrypt_next(piece).map_err(broken)?);
            rest = tail;
        }
        out.extend(dec.decrypt_last(rest).map_err(broken)?);
        Ok(out)
    }

    /// Writes `src` sealed to `dst` (blocking); returns the bytes written.
    pub fn seal_file(&self, src: &Path, dst: &Path) -> std::io::Result<u64> {
        self.seal_from(std::fs::File::open(src)?, dst)
    }

    /// Writes what `input` yields sealed to `dst` (blocking); returns the bytes written.
    pub fn seal_from(&self, mut input: impl Read, dst: &Path) -> std::io::Result<u64> {
        use aes_gcm::aead::rand_core::RngCore;
        let mut prefix = [0u8; NONCE_PREFIX];
        OsRng.fill_bytes(&mut prefix);
        let mut out = std::io::BufWriter::new(crate::files::private_create(dst)?);
        out.write_all(MARK)?;
        out.write_all(&prefix)?;
        let mut written = HEADER as u64;
        let mut enc = EncryptorBE32::from_aead(self.cipher(), (&prefix).into());
        let seal_err = |_| std::io::Error::other("blob seal failed");
        let mut piece = read_piece(&mut input)?;
        loop {
            let next = read_piece(&mut input)?;
            if next.is_empty() {
                let sealed = enc.encrypt_last(piece.as_slice()).map_err(seal_err)?;
                out.write_all(&sealed)?;
                written += sealed.len() as u64;
                break;
            }
            let sealed = enc.encrypt_next(piece.as_slice()).map_err(seal_err)?;
            out.write_all(&sealed)?;
            written += sealed.len() as u64;
            piece = next;
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(written)
    }

    /// The plain content of a stored blob of `stored_len` bytes read from `inner`, and its
    /// length; a blob without the mark passes through.
    pub async fn open(
        &self,
        mut inner: BoxStream<'static, std::io::Result<Bytes>>,
        stored_len: u64,
    ) -> std::io::Result<(u64, BoxStream<'static, std::io::Result<Bytes>>)> {
        let mut head = Vec::new();
        while head.len() < HEADER {
            match inner.next().await {
                Some(piece) => head.extend_from_slice(&piece?),
                None => break,
            }
        }
        if head.len() < HEADER || &head[..MARK.len()] != MARK {
            let first = futures_util::stream::once(async move { Ok(Bytes::from(head)) });
            return Ok((stored_len, first.chain(inner).boxed()));
        }
        let prefix: [u8; NONCE_PREFIX] = head[MARK.len()..HEADER].try_into().expect("7 bytes");
        let state = Opening {
            inner,
            buf: head[HEADER..].to_vec(),
            dec: Some(DecryptorBE32::from_aead(self.cipher(), (&prefix).into())),
            eof: false,
        };
        let stream = futures_util::stream::unfold(state, |mut s| async move {
            let piece = s.next_piece().await?;
            Some((piece, s))
        });
        Ok((plain_len(stored_len), stream.boxed()))
    }
}

fn read_piece(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut piece = Vec::with_capacity(PIECE);
    Read::by_ref(input)
        .take(PIECE as u64)
        .read_to_end(&mut piece)?;
    Ok(piece)
}

struct Opening {
    inner: BoxStream<'static, std::io::Result<Bytes>>,
    buf: Vec<u8>,
    dec: Option<DecryptorBE32<Aes256Gcm>>,
    eof: bool,
}

impl Opening {
    /// The next plain piece; `None` after the last one (or after an error was given).
    async fn next_piece(&mut self) -> Option<std::io::Result<Bytes>> {
        let broken = || std::io::Error::other("sealed blob does not open (altered or cut)");
        loop {
            if self.buf.len() > PIECE + TAG {
                let rest = self.buf.split_off(PIECE + TAG);
                let sealed = std::mem::replace(&mut self.buf, rest);
                let dec = self.dec.as_mut()?;
                return Some(
                    dec.decrypt_next(sealed.as_slice())
                        .map(Bytes::from)
                        .map_err(|_| {
                            self.dec = None;
                            broken()
                        }),
                );
            }
            if self.eof {
                let dec = self.dec.take()?;
                let sealed = std::mem::take(&mut self.buf);
                return Some(
                    dec.decrypt_last(sealed.as_slice())
                        .map(Bytes::from)
                        .map_err(|_| broken()),
                );
            }
            match self.inner.next().await {
                Some(Ok(b)) => self.buf.extend_from_slice(&b),
                Some(Err(e)) => {
                    self.dec = None;
                    return Some(Err(e));
                }
                None => self.eof = true,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn roundtrip(seal: &BlobSeal, plain: &[u8], split: usize) -> (Vec<u8>, u64) {
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("p"), dir.path().join("s"));
        std::fs::write(&src, plain).unwrap();
        let stored = seal.seal_file(&src, &dst).unwrap();
        let bytes = std::fs::read(&dst).unwrap();
        assert_eq!(bytes.len() as u64, stored);
        let pieces: Vec<std::io::Result<Bytes>> = bytes
            .chunks(split.max(1))
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let (len, stream) = seal
            .open(futures_util::stream::iter(pieces).boxed(), stored)
            .await
            .unwrap();
        let out: Vec<u8> = stream.map(|p| p.unwrap().to_vec()).concat().await;
        (out, len)
    }

    #[tokio::test]
    async fn a6_sealed_blobs_open_to_their_content_at_any_size_and_split() {
        let seal = BlobSeal::derive(&[3; 32]);
        for size in [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 17] {
            let plain: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            for split in [1000, 7, PIECE + TAG] {
                let (out, len) = roundtrip(&seal, &plain, split).await;
                assert_eq!(len, size as u64, "size {size}");
                assert_eq!(out, plain, "size {size} split {split}");
            }
        }
    }

    #[tokio::test]
    async fn a6_an_altered_or_cut_blob_does_not_open_and_a_plain_one_passes() {
        let seal = BlobSeal::derive(&[3; 32]);
        let dir = tempfile::tempdir().unwrap();
        let (src, dst) = (dir.path().join("p"), dir.path().join("s"));
        let plain = vec![5u8; 2 * PIECE + 9];
        std::fs::write(&src, &plain).unwrap();
        let stored = seal.seal_file(&src, &dst).unwrap();
        let bytes = std::fs::read(&dst).unwrap();
        assert!(
            !bytes.windows(64).any(|w| w == &plain[..64]),
            "content in clear"
        );
        let open = |b: Vec<u8>, s: BlobSeal| async move {
            let len = b.len() as u64;
            let (_, stream) = s
                .open(
                    futures_util::stream::iter([Ok(Bytes::from(b))]).boxed(),
                    len,
                )
                .await
                .unwrap();
            stream.collect::<Vec<_>>().await
        };
        let mut altered = bytes.clone();
        altered[HEADER + 10] ^= 1;
        assert!(open(altered, seal.clone()).await.iter().any(|p| p.is_err()));
        let cut = bytes[..bytes.len() - (PIECE + TAG) + 3].to_vec();
        assert!(open(cut, seal.clone()).await.iter().any(|p| p.is_err()));
        let other = BlobSeal::derive(&[4; 32]);
        assert!(open(bytes.clone(), other).await.iter().any(|p| p.is_err()));
        // Stored before sealing: served as it is.
        let legacy = b"%PDF-1.7 a plain blob".to_vec();
        let got: Vec<u8> = open(legacy.clone(), seal)
            .await
            .into_iter()
            .flat_map(|p| p.unwrap().to_vec())
            .collect();
        assert_eq!(got, legacy);
        assert_eq!(plain_len(stored), plain.len() as u64);
        assert_eq!(
            BlobSeal::derive(&[3; 32]).open_bytes(&bytes).unwrap(),
            plain
        );
    }
}
