//! Where blobs (material files) live on the server.
//!
//! Partial uploads are staged as `<blob_dir>/staging/<sha256>.part`: each chunk is written at
//! its offset and flushed to disk before it is acknowledged, so the staged length is what the
//! server reports and where the client resumes. A chunk at an offset below the staged length
//! (a retry after a lost answer) truncates and rewrites from there — the bytes are the same,
//! since the content is named by its hash. A complete upload is hashed; only a matching file
//! moves to its final place: `<blob_dir>/<sha[0..2]>/<sha>` on local disk (the default), or an
//! object `<sha>` in an S3-compatible bucket.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::s3::S3Client;
use super::{hex, is_sha256_hex};
use crate::config::ServerConfig;
use crate::error::{Error, Result};

/// Where complete blobs go.
#[derive(Debug)]
pub enum FinalStore {
    Local(PathBuf),
    S3(S3Client),
}

#[derive(Debug)]
pub struct BlobBackend {
    staging: PathBuf,
    store: FinalStore,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::BlobStore {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

impl BlobBackend {
    /// Local disk under the configured blob directory, or S3 when configured.
    pub fn from_config(config: &ServerConfig) -> Result<Self> {
        let dir = config.blob_dir();
        let store = match &config.sync.s3 {
            Some(s3) => FinalStore::S3(S3Client::new(s3.clone())?),
            None => FinalStore::Local(dir.clone()),
        };
        Self::new(dir.join("staging"), store)
    }

    pub fn new(staging: PathBuf, store: FinalStore) -> Result<Self> {
        std::fs::create_dir_all(&staging).map_err(|e| io_err("create", &staging, e))?;
        if let FinalStore::Local(dir) = &store {
            std::fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
        }
        Ok(Self { staging, store })
    }

    pub fn kind(&self) -> &'static str {
        match self.store {
            FinalStore::Local(_) => "local",
            FinalStore::S3(_) => "s3",
        }
    }

    fn part_path(&self, sha: &str) -> PathBuf {
        self.staging.join(format!("{sha}.part"))
    }

    fn final_path(dir: &Path, sha: &str) -> PathBuf {
        dir.join(&sha[..2]).join(sha)
    }

    /// Bytes staged so far.
    pub async fn staged_len(&self, sha: &str) -> Result<u64> {
        debug_assert!(is_sha256_hex(sha));
        match tokio::fs::metadata(self.part_path(sha)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io_err("stat", &self.part_path(sha), e)),
        }
    }

    /// Writes `bytes` at `offset` and flushes; returns the staged length after it.
    pub async fn write_chunk(&self, sha: &str, offset: u64, bytes: &[u8]) -> Result<u64> {
        let path = self.part_path(sha);
        let staged = self.staged_len(sha).await?;
        if offset > staged {
            return Err(Error::BlobOffset {
                received: staged,
                detail: format!("chunk at {offset}, {staged} bytes staged"),
            });
        }
        let mut f = tokio::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .await
            .map_err(|e| io_err("open", &path, e))?;
        f.set_len(offset)
            .await
            .map_err(|e| io_err("truncate", &path, e))?;
        f.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| io_err("seek", &path, e))?;
        f.write_all(bytes)
            .await
            .map_err(|e| io_err("write", &path, e))?;
        f.sync_data().await.map_err(|e| io_err("sync", &path, e))?;
        Ok(offset + bytes.len() as u64)
    }

    /// Verifies the staged upload against its name and moves it to its final place.
    /// A mismatch discards the staged bytes.
    pub async fn finish(&self, sha: &str) -> Result<u64> {
        let path = self.part_path(sha);
        let (digest, len) = hash_file(&path).await?;
        if digest != sha {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(Error::BlobHashMismatch {
                detail: format!("{len} bytes hash to {digest}, expected {sha}"),
            });
        }
        match &self.store {
            FinalStore::Local(dir) => {
                let dest = Self::final_path(dir, sha);
                let parent = dest.parent().unwrap_or(dir);
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| io_err("create", parent, e))?;
                tokio::fs::rename(&path, &dest)
                    .await
                    .map_err(|e| io_err("rename", &dest, e))?;
                if let Ok(d) = tokio::fs::File::open(parent).await {
                    let _ = d.sync_all().await;
                }
            }
            FinalStore::S3(s3) => {
                let body = tokio::fs::read(&path)
                    .await
                    .map_err(|e| io_err("read", &path, e))?;
                s3.put(sha, body).await?;
                let _ = tokio::fs::remove_file(&path).await;
            }
        }
        Ok(len)
    }

    /// The content of a complete blob.
    pub async fn read(&self, sha: &str) -> Result<Vec<u8>> {
        match &self.store {
            FinalStore::Local(dir) => {
                let path = Self::final_path(dir, sha);
                tokio::fs::read(&path).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Error::BlobNotFound {
                            detail: sha.to_owned(),
                        }
                    } else {
                        io_err("read", &path, e)
                    }
                })
            }
            FinalStore::S3(s3) => s3.get(sha).await,
        }
    }
}

/// SHA-256 (hex) and length of a file, read in 1 MiB pieces.
pub async fn hash_file(path: &Path) -> Result<(String, u64)> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| io_err("open", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| io_err("read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hex(&hasher.finalize()), len))
}
