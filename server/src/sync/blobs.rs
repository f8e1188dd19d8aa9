//! Where blobs (material files) live on the server.
//!
//! Partial uploads are staged as `<blob_dir>/staging/<sha256>.part`, with the workstation
//! uploading it in `<sha256>.owner` (who may write is decided in the database beforehand) and,
//! when blobs are sealed, encrypted as they arrive under the IV in `<sha256>.iv`
//! ([`super::blob_seal::StagingKey`]): a citizen's scan is never on disk in clear, not even
//! half uploaded.
//! Each chunk is streamed from the request body to its offset and flushed to disk before it is
//! acknowledged, so the staged length is what the server reports and where the client resumes.
//! A chunk at an offset below the staged length (a retry after a lost answer) truncates and
//! rewrites from there — the bytes are the same, since the content is named by its hash. A
//! chunk whose body breaks off is cut back to its offset. A complete upload is hashed; only a
//! matching file moves to its final place: `<blob_dir>/<sha[0..2]>/<sha>` on local disk (the
//! default), or an object `<sha>` in an S3-compatible bucket (see [`super::s3`]). Staged
//! uploads untouched for the configured time are removed ([`BlobBackend::remove_stale`]).
//! Directories are 0700 and files 0600.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::blob_seal::{StagingIv, StagingKey};
use super::s3::S3Store;
use super::{hex, is_sha256_hex};
use crate::config::ServerConfig;
use crate::error::{Error, Result};
use crate::files;

/// Where complete blobs go.
#[derive(Debug)]
pub enum FinalStore {
    Local(PathBuf),
    S3(S3Store),
}

#[derive(Debug)]
pub struct BlobBackend {
    staging: PathBuf,
    store: FinalStore,
    /// Complete blobs are sealed with it (see [`super::blob_seal`]); `None` only in tests of
    /// the store itself.
    seal: Option<super::blob_seal::BlobSeal>,
}

/// A blob store failure: the path goes to the log, the client gets the operation and the
/// error kind only.
pub(crate) fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    tracing::error!(path = %path.display(), error = %e, "blob store: {what} failed");
    Error::BlobStore {
        detail: format!("{what} failed: {}", e.kind()),
    }
}

/// A complete blob's content, streamed.
pub struct BlobBody {
    pub len: u64,
    pub body: Body,
}

impl BlobBackend {
    /// Local disk under the configured blob directory, or S3 when configured.
    /// Sealed with the key derived from the hall's grant key (created if missing, as the
    /// server does at its first start).
    pub fn from_config(config: &ServerConfig) -> Result<Self> {
        let dir = config.blob_dir();
        let store = match &config.sync.s3 {
            Some(s3) => FinalStore::S3(S3Store::new(s3)?),
            None => FinalStore::Local(dir.clone()),
        };
        let grant = crate::auth::load_or_create_grant_key(&config.grant_key_path())?;
        let mut backend = Self::new(dir.join("staging"), store)?;
        backend.seal = Some(super::blob_seal::BlobSeal::derive(&grant.to_bytes()));
        Ok(backend)
    }

    pub fn new(staging: PathBuf, store: FinalStore) -> Result<Self> {
        files::private_dir(&staging).map_err(|e| io_err("create", &staging, e))?;
        if let FinalStore::Local(dir) = &store {
            files::private_dir(dir).map_err(|e| io_err("create", dir, e))?;
        }
        Ok(Self {
            staging,
            store,
            seal: None,
        })
    }

    /// The staged upload sealed next to it (`<sha>.sealed`); returns that path and its size.
    async fn sealed(&self, sha: &str) -> Result<(PathBuf, u64)> {
        let part = self.part_path(sha);
        let out = self.staging.join(format!("{sha}.sealed"));
        let Some(seal) = self.seal.clone() else {
            let len = tokio::fs::metadata(&part)
                .await
                .map_err(|e| io_err("stat", &part, e))?
                .len();
            tokio::fs::rename(&part, &out)
                .await
                .map_err(|e| io_err("rename", &out, e))?;
            return Ok((out, len));
        };
        let (src, dst) = (part.clone(), out.clone());
        let iv = self.kept_iv(sha).await?;
        let len = tokio::task::spawn_blocking(move || {
            let staged = std::fs::File::open(&src)?;
            match iv {
                Some(iv) => seal.seal_from(seal.staging().reader(staged, iv), &dst),
                // Staged in clear by an earlier version.
                None => seal.seal_from(staged, &dst),
            }
        })
        .await
        .map_err(|e| io_err("seal", &part, std::io::Error::other(e)))?
        .map_err(|e| io_err("seal", &out, e))?;
        let _ = tokio::fs::remove_file(&part).await;
        Ok((out, len))
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

    fn owner_path(&self, sha: &str) -> PathBuf {
        self.staging.join(format!("{sha}.owner"))
    }

    fn iv_path(&self, sha: &str) -> PathBuf {
        self.staging.join(format!("{sha}.iv"))
    }

    /// The IV the staged upload of `sha` is encrypted under; `None` when there is none (blobs
    /// not sealed, or a part staged in clear by an earlier version).
    async fn kept_iv(&self, sha: &str) -> Result<Option<StagingIv>> {
        if self.seal.is_none() {
            return Ok(None);
        }
        let path = self.iv_path(sha);
        match tokio::fs::read(&path).await {
            Ok(bytes) => StagingIv::try_from(bytes.as_slice())
                .map(Some)
                .map_err(|_| io_err("read", &path, std::io::Error::other("bad IV length"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path, e)),
        }
    }

    /// The staging IV to write `sha` under (`None` when blobs are not sealed): a new random
    /// one when `fresh` (an upload starting from its first byte) or when there is none yet,
    /// else the kept one.
    async fn staging_iv(&self, sha: &str, fresh: bool) -> Result<Option<StagingIv>> {
        if self.seal.is_none() {
            return Ok(None);
        }
        if !fresh {
            if let Some(iv) = self.kept_iv(sha).await? {
                return Ok(Some(iv));
            }
        }
        let path = self.iv_path(sha);
        let iv = StagingKey::new_iv();
        let mut f = files::private_write_options()
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .map_err(|e| io_err("open", &path, e))?;
        f.write_all(&iv)
            .await
            .map_err(|e| io_err("write", &path, e))?;
        f.sync_data().await.map_err(|e| io_err("sync", &path, e))?;
        Ok(Some(iv))
    }

    /// The staging cipher of `sha` for a write at `offset`.
    async fn staging_cipher(&self, sha: &str, offset: u64) -> Result<Option<Encrypt>> {
        let staged = self.staged_len(sha).await?;
        // A new upload, or one rewritten from its start, gets a fresh IV.
        let fresh = offset == 0 || staged == 0;
        Ok(self
            .staging_iv(sha, fresh)
            .await?
            .zip(self.seal.as_ref().map(|s| s.staging()))
            .map(|(iv, key)| Encrypt { key, iv }))
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

    /// The workstation that started the staged upload of `sha`, if any.
    pub async fn upload_owner(&self, sha: &str) -> Result<Option<String>> {
        let path = self.owner_path(sha);
        match tokio::fs::read_to_string(&path).await {
            Ok(owner) => Ok(Some(owner)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &path, e)),
        }
    }

    /// Records `workstation` as the owner of the staged upload of `sha`. Who may write is
    /// decided before, in the database (`store::claim_upload`, shared by every instance): a
    /// second refusal here could disagree with it (an upload handed over after being
    /// abandoned) and lock both workstations out until the stale clean-up.
    async fn claim(&self, sha: &str, workstation: &str) -> Result<()> {
        match self.upload_owner(sha).await? {
            Some(owner) if owner == workstation => Ok(()),
            _ => {
                let path = self.owner_path(sha);
                let mut f = files::private_write_options()
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .await
                    .map_err(|e| io_err("open", &path, e))?;
                f.write_all(workstation.as_bytes())
                    .await
                    .map_err(|e| io_err("write", &path, e))?;
                f.sync_data().await.map_err(|e| io_err("sync", &path, e))?;
                Ok(())
            }
        }
    }

    /// Streams one chunk of at most `max_len` bytes from `body` to `offset` and flushes;
    /// returns the staged length after it. `workstation` must have been given the upload by
    /// `store::claim_upload`. A body that breaks off (or runs past `max_len`) leaves the staged
    /// file as it was up to `offset`.
    pub async fn write_chunk<S, E>(
        &self,
        sha: &str,
        workstation: &str,
        offset: u64,
        max_len: u64,
        body: S,
    ) -> Result<u64>
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
        E: Into<Error>,
    {
        let path = self.part_path(sha);
        let staged = self.staged_len(sha).await?;
        if offset > staged {
            return Err(Error::BlobOffset {
                received: staged,
                detail: format!("chunk at {offset}, {staged} bytes staged"),
            });
        }
        self.claim(sha, workstation).await?;
        let cipher = self.staging_cipher(sha, offset).await?;
        let mut f = files::private_write_options()
            .create(true)
            .truncate(false)
            .open(&path)
            .await
            .map_err(|e| io_err("open", &path, e))?;
        f.set_len(offset)
            .await
            .map_err(|e| io_err("truncate", &path, e))?;
        f.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| io_err("seek", &path, e))?;
        let written = match copy_limited(body, &mut f, max_len, &path, cipher, offset).await {
            Ok(n) => n,
            Err(e) => {
                // Back to what was acknowledged before this chunk.
                let _ = f.set_len(offset).await;
                let _ = f.sync_data().await;
                return Err(e);
            }
        };
        f.sync_data().await.map_err(|e| io_err("sync", &path, e))?;
        Ok(offset + written)
    }

    /// Verifies the staged upload against its name and moves it to its final place.
    /// A mismatch discards the staged bytes.
    pub async fn finish(&self, sha: &str) -> Result<u64> {
        let (digest, len) = self.hash_staged(sha).await?;
        if digest != sha {
            self.discard(sha).await;
            return Err(Error::BlobHashMismatch {
                detail: format!("{len} bytes hash to {digest}, expected {sha}"),
            });
        }
        let (sealed, sealed_len) = self.sealed(sha).await?;
        match &self.store {
            FinalStore::Local(dir) => {
                let dest = Self::final_path(dir, sha);
                let parent = dest.parent().unwrap_or(dir);
                files::private_dir(parent).map_err(|e| io_err("create", parent, e))?;
                tokio::fs::rename(&sealed, &dest)
                    .await
                    .map_err(|e| io_err("rename", &dest, e))?;
                if let Ok(d) = tokio::fs::File::open(parent).await {
                    let _ = d.sync_all().await;
                }
                let _ = tokio::fs::remove_file(self.owner_path(sha)).await;
                let _ = tokio::fs::remove_file(self.iv_path(sha)).await;
            }
            FinalStore::S3(s3) => {
                let put = s3.put_file(sha, &sealed, sealed_len).await;
                let _ = tokio::fs::remove_file(&sealed).await;
                put?;
                self.discard(sha).await;
            }
        }
        Ok(len)
    }

    /// SHA-256 (hex) and length of the plain content of a staged upload.
    async fn hash_staged(&self, sha: &str) -> Result<(String, u64)> {
        let path = self.part_path(sha);
        let (Some(iv), Some(seal)) = (self.kept_iv(sha).await?, self.seal.as_ref()) else {
            return hash_file(&path).await;
        };
        let key = seal.staging();
        let (p, io_path) = (path.clone(), path.clone());
        tokio::task::spawn_blocking(move || {
            let mut reader = key.reader(std::fs::File::open(&p)?, iv);
            let mut hasher = Sha256::new();
            let len = std::io::copy(&mut reader, &mut HashWriter(&mut hasher))?;
            Ok::<_, std::io::Error>((hex(&hasher.finalize()), len))
        })
        .await
        .map_err(|e| io_err("hash", &io_path, std::io::Error::other(e)))?
        .map_err(|e| io_err("hash", &io_path, e))
    }

    /// Stores `bytes` as a complete blob (diagnostics bundles); returns its SHA-256 and length.
    pub async fn store_bytes(&self, bytes: &[u8]) -> Result<(String, u64)> {
        let sha = hex(&Sha256::digest(bytes));
        let mut staged = bytes.to_vec();
        if let Some(Encrypt { key, iv }) = self.staging_cipher(&sha, 0).await? {
            key.apply(&iv, 0, &mut staged);
        }
        let bytes = staged.as_slice();
        let path = self.part_path(&sha);
        let mut f = files::private_write_options()
            .create(true)
            .truncate(true)
            .open(&path)
            .await
            .map_err(|e| io_err("open", &path, e))?;
        f.write_all(bytes)
            .await
            .map_err(|e| io_err("write", &path, e))?;
        f.sync_data().await.map_err(|e| io_err("sync", &path, e))?;
        let len = self.finish(&sha).await?;
        Ok((sha, len))
    }

    /// Stores a copy of the file at `src` as a complete blob (release installers); returns its
    /// SHA-256 and length.
    pub async fn store_file(&self, src: &Path) -> Result<(String, u64)> {
        let (sha, _) = hash_file(src).await?;
        let part = self.part_path(&sha);
        let cipher = self.staging_cipher(&sha, 0).await?;
        let (from, to) = (src.to_owned(), part.clone());
        tokio::task::spawn_blocking(move || {
            let mut input = std::fs::File::open(&from)?;
            let mut out = files::private_create(&to)?;
            let mut buf = vec![0u8; 1 << 20];
            let mut offset = 0u64;
            loop {
                let n = input.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                if let Some(Encrypt { key, iv }) = &cipher {
                    key.apply(iv, offset, &mut buf[..n]);
                }
                out.write_all(&buf[..n])?;
                offset += n as u64;
            }
            out.sync_data()
        })
        .await
        .map_err(|e| io_err("copy", &part, std::io::Error::other(e)))?
        .map_err(|e| io_err("copy", &part, e))?;
        let len = self.finish(&sha).await?;
        Ok((sha, len))
    }

    async fn discard(&self, sha: &str) {
        let _ = tokio::fs::remove_file(self.part_path(sha)).await;
        let _ = tokio::fs::remove_file(self.owner_path(sha)).await;
        let _ = tokio::fs::remove_file(self.iv_path(sha)).await;
    }

    /// The content of a complete blob, streamed from its file or object.
    pub async fn read(&self, sha: &str) -> Result<BlobBody> {
        match &self.store {
            FinalStore::Local(dir) => {
                let path = Self::final_path(dir, sha);
                let file = tokio::fs::File::open(&path).await.map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Error::BlobNotFound {
                            detail: sha.to_owned(),
                        }
                    } else {
                        io_err("open", &path, e)
                    }
                })?;
                let len = file
                    .metadata()
                    .await
                    .map_err(|e| io_err("stat", &path, e))?
                    .len();
                let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024);
                self.opened(len, stream.boxed(), &path).await
            }
            FinalStore::S3(s3) => {
                let (len, stream) = s3.get(sha).await?;
                self.opened(len, stream, Path::new(sha)).await
            }
        }
    }

    /// The plain body of a stored blob (sealed or stored before sealing).
    async fn opened(
        &self,
        stored_len: u64,
        stream: futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>,
        path: &Path,
    ) -> Result<BlobBody> {
        let (len, stream) = match &self.seal {
            Some(seal) => seal
                .open(stream, stored_len)
                .await
                .map_err(|e| io_err("read", path, e))?,
            None => (stored_len, stream),
        };
        Ok(BlobBody {
            len,
            body: Body::from_stream(stream),
        })
    }

    /// Removes staged uploads (and their owner files) not written for `older_than`; returns
    /// how many uploads were removed.
    pub async fn remove_stale(&self, older_than: Duration) -> Result<usize> {
        let mut dir = tokio::fs::read_dir(&self.staging)
            .await
            .map_err(|e| io_err("list", &self.staging, e))?;
        let now = SystemTime::now();
        let mut removed = 0;
        while let Some(entry) = dir
            .next_entry()
            .await
            .map_err(|e| io_err("list", &self.staging, e))?
        {
            let name = entry.file_name();
            let Some(sha) = name.to_str().and_then(|n| n.strip_suffix(".part")) else {
                continue;
            };
            if !is_sha256_hex(sha) {
                continue;
            }
            let Ok(meta) = entry.metadata().await else {
                continue;
            };
            let idle = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default();
            if idle >= older_than {
                self.discard(sha).await;
                removed += 1;
            }
        }
        // Owner files whose upload is gone (a crash between the two removals).
        let mut dir = tokio::fs::read_dir(&self.staging)
            .await
            .map_err(|e| io_err("list", &self.staging, e))?;
        while let Ok(Some(entry)) = dir.next_entry().await {
            let name = entry.file_name();
            let name = name.to_str();
            let orphan = name
                .and_then(|n| n.strip_suffix(".owner"))
                .or_else(|| name.and_then(|n| n.strip_suffix(".iv")));
            if let Some(sha) = orphan {
                if is_sha256_hex(sha) && !self.part_path(sha).exists() {
                    let _ = tokio::fs::remove_file(entry.path()).await;
                }
            }
        }
        Ok(removed)
    }
}

/// The staging key and IV a chunk is encrypted with.
struct Encrypt {
    key: StagingKey,
    iv: StagingIv,
}

/// Feeds what is written to a SHA-256.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Copies `body` into `f` (which is at `offset` of the upload), encrypted with `cipher` when
/// given, failing with `payload_too_large` past `max_len` bytes.
async fn copy_limited<S, E>(
    mut body: S,
    f: &mut tokio::fs::File,
    max_len: u64,
    path: &Path,
    cipher: Option<Encrypt>,
    offset: u64,
) -> Result<u64>
where
    S: Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: Into<Error>,
{
    let mut written = 0u64;
    while let Some(piece) = body.next().await {
        let piece = piece.map_err(Into::into)?;
        written += piece.len() as u64;
        if written > max_len {
            return Err(Error::PayloadTooLarge {
                detail: format!("chunk longer than {max_len} bytes"),
            });
        }
        let piece = match &cipher {
            Some(Encrypt { key, iv }) => {
                let mut sealed = piece.to_vec();
                key.apply(iv, offset + written - sealed.len() as u64, &mut sealed);
                Bytes::from(sealed)
            }
            None => piece,
        };
        f.write_all(&piece)
            .await
            .map_err(|e| io_err("write", path, e))?;
    }
    Ok(written)
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
