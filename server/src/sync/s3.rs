//! The S3-compatible blob store, through the `object_store` crate (SigV4, retries, multipart):
//! path-style addressing `<endpoint>/<bucket>[/<prefix>]/<key>`, as MinIO, Ceph RGW and the
//! cloud object stores accept. Blobs are staged and verified on local disk first, then put:
//! in one request when small, as a streamed multipart upload otherwise. Reads stream the
//! object to the client.

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::blobs::io_err;
use crate::config::S3Config;
use crate::error::{Error, Result};

/// Blobs up to this size go in one PUT; larger ones as multipart uploads of parts this size.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug)]
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

fn store_err(what: &str, e: object_store::Error) -> Error {
    tracing::error!(error = %e, "S3 blob store: {what} failed");
    match e {
        object_store::Error::NotFound { path, .. } => Error::BlobNotFound { detail: path },
        other => Error::BlobStore {
            detail: format!("S3 {what} failed: {}", short(&other)),
        },
    }
}

/// The error's kind without the request URL (the bucket layout stays in the log).
fn short(e: &object_store::Error) -> &'static str {
    match e {
        object_store::Error::NotFound { .. } => "not found",
        object_store::Error::AlreadyExists { .. } => "already exists",
        object_store::Error::Precondition { .. } => "precondition failed",
        object_store::Error::PermissionDenied { .. } => "permission denied",
        object_store::Error::Unauthenticated { .. } => "unauthenticated",
        _ => "request failed",
    }
}

impl S3Store {
    pub fn new(config: &S3Config) -> Result<Self> {
        let url = &config.url;
        let mut segments = url.path().trim_matches('/').splitn(2, '/');
        let bucket = segments.next().unwrap_or_default();
        let prefix = segments.next().unwrap_or_default().trim_matches('/');
        let Some(host) = url.host_str().filter(|_| !bucket.is_empty()) else {
            return Err(Error::BlobStore {
                detail: format!("S3 URL needs a host and a bucket path: {url}"),
            });
        };
        let endpoint = match url.port() {
            Some(p) => format!("{}://{host}:{p}", url.scheme()),
            None => format!("{}://{host}", url.scheme()),
        };
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(&config.secret_key)
            .with_allow_http(url.scheme() == "http")
            .with_virtual_hosted_style_request(false)
            .build()
            .map_err(|e| Error::BlobStore {
                detail: format!("S3 configuration: {e}"),
            })?;
        Ok(Self {
            store: Arc::new(store),
            prefix: prefix.to_owned(),
        })
    }

    fn key(&self, sha: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(sha)
        } else {
            ObjectPath::from(format!("{}/{sha}", self.prefix))
        }
    }

    /// Puts the verified file `path` of `len` bytes as the object `sha`.
    pub async fn put_file(&self, sha: &str, path: &Path, len: u64) -> Result<()> {
        let key = self.key(sha);
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| io_err("open", path, e))?;
        if len <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(len as usize);
            file.read_to_end(&mut bytes)
                .await
                .map_err(|e| io_err("read", path, e))?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| store_err("put", e))?;
            return Ok(());
        }
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| store_err("multipart start", e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(io_err("read", path, e));
                }
            };
            if n == 0 {
                break;
            }
            // At most two parts in flight: memory stays at a few parts whatever the blob size.
            if let Err(e) = writer.wait_for_capacity(2).await {
                return Err(store_err("multipart part", e));
            }
            writer.write(&buf[..n]);
        }
        writer
            .finish()
            .await
            .map_err(|e| store_err("multipart finish", e))?;
        Ok(())
    }

    /// Streams the object `sha`.
    /// The stored object's length and bytes.
    pub async fn get(
        &self,
        sha: &str,
    ) -> Result<(
        u64,
        futures_util::stream::BoxStream<'static, std::io::Result<axum::body::Bytes>>,
    )> {
        let got = self
            .store
            .get(&self.key(sha))
            .await
            .map_err(|e| store_err("get", e))?;
        let len = got.meta.size;
        let stream = got.into_stream().map(|piece| {
            piece.map_err(|e| {
                tracing::error!(error = %e, "S3 blob store: read failed mid-stream");
                std::io::Error::other(short(&e))
            })
        });
        Ok((len, stream.boxed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> S3Config {
        S3Config {
            url: url::Url::parse(url).unwrap(),
            access_key: "a".into(),
            secret_key: "s".into(),
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn bucket_and_prefix_come_from_the_url_path() {
        let s = S3Store::new(&config("http://127.0.0.1:9000/blobs")).unwrap();
        assert_eq!(s.key("ab").as_ref(), "ab");
        let s = S3Store::new(&config("http://127.0.0.1:9000/blobs/hall/441500/")).unwrap();
        assert_eq!(s.key("ab").as_ref(), "hall/441500/ab");
        let e = S3Store::new(&config("http://127.0.0.1:9000/")).unwrap_err();
        assert_eq!(e.code(), "blob_store");
    }
}
