//! Material files on the workstation: content-addressed, encrypted at rest, queued for upload.
//!
//! A blob is named by the SHA-256 of its plain content (hex) and kept as
//! `<dir>/<sha[0..2]>/<sha>`, encrypted with AES-256-GCM in 64 KiB segments under a key derived
//! from the workstation's data key ([`crate::infra::keystore`]). Each segment is sealed with a nonce
//! made of a random per-file prefix and the segment number, and authenticated together with
//! the blob's name and size, so a segment cannot be moved, cut or swapped unnoticed. Segments
//! let the uploader read any chunk ([`BlobReader::read_at`]) without decrypting the whole file.
//!
//! Intake calls [`BlobStore::put`] (the file is written and flushed before the call returns;
//! putting the same content again is free) and then [`enqueue`] inside the transaction that
//! records the material, so the upload queue and the case agree. A crash between the two
//! leaves an unreferenced file, never a reference to a missing one.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::SecureRandom;
use rusqlite::{params, Transaction};
use sha2::{Digest, Sha256};

use crate::infra::keystore::StoreKey;

/// Plain bytes per encrypted segment.
pub const SEGMENT: usize = 64 * 1024;
const TAG: usize = 16;
const MAGIC: &[u8; 4] = b"YCB1";
const HEADER: usize = 4 + 8 + 8;

/// A stored blob: its name and plain size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{path}: {detail}")]
    Io { path: PathBuf, detail: String },
    #[error("blob {sha256} is damaged: {detail}")]
    Corrupt { sha256: String, detail: String },
    #[error("blob {0} is not stored here")]
    NotFound(String),
    #[error("bad blob name {0:?}")]
    BadName(String),
}

impl BlobError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            BlobError::Io { .. } => C::BlobIo,
            BlobError::Corrupt { .. } => C::BlobCorrupt,
            BlobError::NotFound(_) => C::BlobNotFound,
            BlobError::BadName(_) => C::BlobBadName,
        }
    }

    /// For the clerk, from the message table.
    pub fn message(&self) -> String {
        self.code().message().into()
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> BlobError {
    BlobError::Io {
        path: path.to_owned(),
        detail: e.to_string(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn check_name(sha: &str) -> Result<(), BlobError> {
    if sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(BlobError::BadName(sha.to_owned()))
    }
}

pub struct BlobStore {
    dir: PathBuf,
    key: LessSafeKey,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStore").field("dir", &self.dir).finish()
    }
}

fn nonce(prefix: &[u8; 8], segment: u64) -> Nonce {
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(&(segment as u32).to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn aad(sha: &str, size: u64, segment: u64) -> Vec<u8> {
    let mut a = Vec::with_capacity(64 + 16);
    a.extend_from_slice(sha.as_bytes());
    a.extend_from_slice(&size.to_le_bytes());
    a.extend_from_slice(&segment.to_le_bytes());
    a
}

impl BlobStore {
    /// The blob directory (created if missing), encrypting with a subkey of `key`.
    pub fn open(dir: &Path, key: &StoreKey) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let sub = key.derive(b"blobs/aes-256-gcm");
        let unbound = UnboundKey::new(&AES_256_GCM, &sub).map_err(|_| io(dir, "bad key"))?;
        Ok(Self {
            dir: dir.to_owned(),
            key: LessSafeKey::new(unbound),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path_of(&self, sha: &str) -> PathBuf {
        self.dir.join(&sha[..2]).join(sha)
    }

    pub fn contains(&self, sha: &str) -> bool {
        check_name(sha).is_ok() && self.path_of(sha).is_file()
    }

    /// Stores `bytes` (encrypted, flushed, atomically renamed into place) and returns its name.
    pub fn put(&self, bytes: &[u8]) -> Result<BlobRef, BlobError> {
        let sha = sha256_hex(bytes);
        let size = bytes.len() as u64;
        let path = self.path_of(&sha);
        if path.is_file() {
            return Ok(BlobRef { sha256: sha, size });
        }
        let parent = path.parent().unwrap_or(&self.dir).to_owned();
        std::fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
        let mut prefix = [0u8; 8];
        ring::rand::SystemRandom::new()
            .fill(&mut prefix)
            .map_err(|_| io(&path, "random source failed"))?;
        let tmp = parent.join(format!(".{sha}.{}.tmp", uuid::Uuid::new_v4().as_simple()));
        let write = || -> Result<(), BlobError> {
            let mut f = std::io::BufWriter::with_capacity(
                SEGMENT * 4,
                File::create(&tmp).map_err(|e| io(&tmp, e))?,
            );
            f.write_all(MAGIC).map_err(|e| io(&tmp, e))?;
            f.write_all(&prefix).map_err(|e| io(&tmp, e))?;
            f.write_all(&size.to_le_bytes()).map_err(|e| io(&tmp, e))?;
            let mut buf = Vec::with_capacity(SEGMENT + TAG);
            for (i, seg) in bytes.chunks(SEGMENT).enumerate() {
                buf.clear();
                buf.extend_from_slice(seg);
                self.key
                    .seal_in_place_append_tag(
                        nonce(&prefix, i as u64),
                        Aad::from(aad(&sha, size, i as u64)),
                        &mut buf,
                    )
                    .map_err(|_| io(&tmp, "encryption failed"))?;
                f.write_all(&buf).map_err(|e| io(&tmp, e))?;
            }
            let f = f.into_inner().map_err(|e| io(&tmp, e.error()))?;
            f.sync_all().map_err(|e| io(&tmp, e))?;
            Ok(())
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
        if let Ok(d) = File::open(&parent) {
            let _ = d.sync_all();
        }
        Ok(BlobRef { sha256: sha, size })
    }

    /// Opens a blob for reading at any offset.
    pub fn reader(&self, sha: &str) -> Result<BlobReader<'_>, BlobError> {
        check_name(sha)?;
        let path = self.path_of(sha);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(sha.to_owned()))
            }
            Err(e) => return Err(io(&path, e)),
        };
        let mut head = [0u8; HEADER];
        file.read_exact(&mut head).map_err(|e| BlobError::Corrupt {
            sha256: sha.to_owned(),
            detail: format!("header: {e}"),
        })?;
        if &head[..4] != MAGIC {
            return Err(BlobError::Corrupt {
                sha256: sha.to_owned(),
                detail: "not a blob file".into(),
            });
        }
        let mut prefix = [0u8; 8];
        prefix.copy_from_slice(&head[4..12]);
        let mut sz = [0u8; 8];
        sz.copy_from_slice(&head[12..20]);
        Ok(BlobReader {
            store: self,
            file,
            sha: sha.to_owned(),
            prefix,
            size: u64::from_le_bytes(sz),
        })
    }

    /// The whole plain content, checked against its name.
    pub fn read(&self, sha: &str) -> Result<Vec<u8>, BlobError> {
        let mut r = self.reader(sha)?;
        let size = usize::try_from(r.size()).map_err(|_| io(&self.path_of(sha), "too large"))?;
        let bytes = r.read_at(0, size)?;
        if sha256_hex(&bytes) != sha {
            return Err(BlobError::Corrupt {
                sha256: sha.to_owned(),
                detail: "content does not match its hash".into(),
            });
        }
        Ok(bytes)
    }
}

/// Random access to one blob's plain content.
pub struct BlobReader<'a> {
    store: &'a BlobStore,
    file: File,
    sha: String,
    prefix: [u8; 8],
    size: u64,
}

impl BlobReader<'_> {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Up to `len` plain bytes from `offset` (fewer at the end).
    pub fn read_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, BlobError> {
        let end = (offset + len as u64).min(self.size);
        let mut out = Vec::with_capacity(end.saturating_sub(offset) as usize);
        if offset >= end {
            return Ok(out);
        }
        let seg = SEGMENT as u64;
        let corrupt = |detail: String| BlobError::Corrupt {
            sha256: self.sha.clone(),
            detail,
        };
        let mut i = offset / seg;
        let mut buf = vec![0u8; SEGMENT + TAG];
        while i * seg < end {
            let plain_len = (self.size - i * seg).min(seg) as usize;
            let pos = HEADER as u64 + i * (seg + TAG as u64);
            self.file
                .seek(SeekFrom::Start(pos))
                .map_err(|e| corrupt(e.to_string()))?;
            let cipher = &mut buf[..plain_len + TAG];
            self.file
                .read_exact(cipher)
                .map_err(|e| corrupt(format!("segment {i}: {e}")))?;
            let plain = self
                .store
                .key
                .open_in_place(
                    nonce(&self.prefix, i),
                    Aad::from(aad(&self.sha, self.size, i)),
                    cipher,
                )
                .map_err(|_| corrupt(format!("segment {i} fails authentication")))?;
            let seg_start = i * seg;
            let from = offset.max(seg_start) - seg_start;
            let to = end.min(seg_start + plain_len as u64) - seg_start;
            out.extend_from_slice(&plain[from as usize..to as usize]);
            i += 1;
        }
        Ok(out)
    }
}

/// Records `blob` and queues it for upload, inside the caller's transaction. Idempotent: a
/// blob already known (queued or uploaded) is left as it is.
pub fn enqueue(tx: &Transaction<'_>, blob: &BlobRef, now_ms: i64) -> rusqlite::Result<()> {
    let size = i64::try_from(blob.size).unwrap_or(i64::MAX);
    let fresh = tx.execute(
        "INSERT INTO blobs (sha256, size, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(sha256) DO NOTHING",
        params![blob.sha256, size, now_ms],
    )?;
    if fresh == 1 {
        tx.execute(
            "INSERT INTO blob_outbox (sha256, size, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(sha256) DO NOTHING",
            params![blob.sha256, size, now_ms],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> BlobStore {
        BlobStore::open(dir, &StoreKey::from_bytes([3; 32])).unwrap()
    }

    #[test]
    fn round_trip_at_any_offset_and_nothing_plain_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let content: Vec<u8> = (0..(SEGMENT * 3 + 123))
            .map(|i| (i * 7 % 251) as u8)
            .chain("110105194912310021 张三丰".bytes())
            .collect();
        let r = s.put(&content).unwrap();
        assert_eq!(r.size, content.len() as u64);
        assert_eq!(s.put(&content).unwrap(), r, "putting again is idempotent");
        assert_eq!(s.read(&r.sha256).unwrap(), content);
        let mut rd = s.reader(&r.sha256).unwrap();
        for (off, len) in [
            (0, 10),
            (SEGMENT - 5, 10),
            (SEGMENT * 2 + 1, SEGMENT * 2),
            (5, 0),
        ] {
            let got = rd.read_at(off as u64, len).unwrap();
            let end = (off + len).min(content.len());
            assert_eq!(got, content[off..end], "offset {off} len {len}");
        }
        let raw = std::fs::read(s.path_of(&r.sha256)).unwrap();
        assert!(!raw.windows(18).any(|w| w == b"110105194912310021"));
        let empty = s.put(b"").unwrap();
        assert_eq!(s.read(&empty.sha256).unwrap(), b"");
    }

    #[test]
    fn tampering_and_a_wrong_key_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let r = s.put(b"material").unwrap();
        let other = BlobStore::open(dir.path(), &StoreKey::from_bytes([4; 32])).unwrap();
        assert!(matches!(
            other.read(&r.sha256),
            Err(BlobError::Corrupt { .. })
        ));
        let path = s.path_of(&r.sha256);
        let mut raw = std::fs::read(&path).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        std::fs::write(&path, raw).unwrap();
        let e = s.read(&r.sha256).unwrap_err();
        assert!(matches!(e, BlobError::Corrupt { .. }));
        assert!(e.message().contains("损坏"));
        assert!(matches!(
            s.read(&"0".repeat(64)),
            Err(BlobError::NotFound(_))
        ));
        assert!(matches!(s.read("../x"), Err(BlobError::BadName(_))));
    }
}
