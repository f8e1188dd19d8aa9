//! A minimal S3-compatible object client: PUT and GET of whole objects with AWS Signature
//! Version 4, path-style addressing (`<endpoint>/<bucket>/<key>`), as MinIO, Ceph RGW and the
//! cloud object stores accept. Only what the blob store needs; no multipart (blobs are staged
//! and verified on local disk first, then put in one request).

use sha2::{Digest, Sha256};

use super::hex;
use crate::config::S3Config;
use crate::error::{Error, Result};

#[derive(Debug)]
pub struct S3Client {
    config: S3Config,
    http: reqwest::Client,
}

fn store_err(detail: impl Into<String>) -> Error {
    Error::BlobStore {
        detail: detail.into(),
    }
}

impl S3Client {
    pub fn new(config: S3Config) -> Result<Self> {
        if config.url.host_str().is_none() || config.url.path().trim_matches('/').is_empty() {
            return Err(store_err(format!(
                "S3 URL needs a host and a bucket path: {}",
                config.url
            )));
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .map_err(|e| store_err(e.to_string()))?;
        Ok(Self { config, http })
    }

    fn object_url(&self, key: &str) -> url::Url {
        let mut u = self.config.url.clone();
        let path = format!("{}/{key}", u.path().trim_end_matches('/'));
        u.set_path(&path);
        u
    }

    pub async fn put(&self, key: &str, body: Vec<u8>) -> Result<()> {
        let url = self.object_url(key);
        let payload_hash = hex(&Sha256::digest(&body));
        let headers = self.sign("PUT", &url, &payload_hash, now_secs());
        let mut req = self.http.put(url.clone()).body(body);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| store_err(format!("PUT {url}: {e}")))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            return Err(store_err(format!("PUT {url}: HTTP {status}: {text}")));
        }
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let url = self.object_url(key);
        let headers = self.sign("GET", &url, &hex(&Sha256::digest(b"")), now_secs());
        let mut req = self.http.get(url.clone());
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| store_err(format!("GET {url}: {e}")))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(Error::BlobNotFound {
                detail: key.to_owned(),
            });
        }
        if !resp.status().is_success() {
            return Err(store_err(format!("GET {url}: HTTP {}", resp.status())));
        }
        Ok(resp
            .bytes()
            .await
            .map_err(|e| store_err(format!("GET {url}: {e}")))?
            .to_vec())
    }

    /// The SigV4 headers (`x-amz-date`, `x-amz-content-sha256`, `authorization`).
    pub fn sign(
        &self,
        method: &str,
        url: &url::Url,
        payload_hash: &str,
        unix_secs: i64,
    ) -> Vec<(&'static str, String)> {
        let (date, amz_date) = amz_dates(unix_secs);
        let host = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let canonical = format!(
            "{method}\n{}\n\nhost:{host}\nx-amz-content-sha256:{payload_hash}\nx-amz-date:{amz_date}\n\nhost;x-amz-content-sha256;x-amz-date\n{payload_hash}",
            url.path()
        );
        let scope = format!("{date}/{}/s3/aws4_request", self.config.region);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let k_date = hmac(
            format!("AWS4{}", self.config.secret_key).as_bytes(),
            date.as_bytes(),
        );
        let k_region = hmac(&k_date, self.config.region.as_bytes());
        let k_service = hmac(&k_region, b"s3");
        let k_signing = hmac(&k_service, b"aws4_request");
        let signature = hex(&hmac(&k_signing, to_sign.as_bytes()));
        vec![
            ("x-amz-date", amz_date),
            ("x-amz-content-sha256", payload_hash.to_owned()),
            (
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
                    self.config.access_key
                ),
            ),
        ]
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// `YYYYMMDD` and `YYYYMMDDTHHMMSSZ` (UTC) of a Unix time.
pub fn amz_dates(unix_secs: i64) -> (String, String) {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let date = format!("{y:04}{m:02}{d:02}");
    let time = format!(
        "{date}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    );
    (date, time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(
            amz_dates(1_369_353_600),
            ("20130524".into(), "20130524T000000Z".into())
        );
        assert_eq!(amz_dates(951_782_400).0, "20000229");
    }

    #[test]
    fn signature_matches_the_aws_documentation_example() {
        // "GET Object" example of the S3 SigV4 documentation, minus the Range header: the
        // signing key derivation and the string to sign are what is checked here.
        let c = S3Client::new(S3Config {
            url: url::Url::parse("https://examplebucket.s3.amazonaws.com/b").unwrap(),
            access_key: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
        })
        .unwrap();
        let k_date = hmac(b"AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", b"20130524");
        let k = hmac(&hmac(&hmac(&k_date, b"us-east-1"), b"s3"), b"aws4_request");
        assert_eq!(
            hex(&k),
            "dbb893acc010964918f1fd433add87c70e8b0db6be30c1fbeafefa5ec6ba8378"
        );
        let url = url::Url::parse("https://examplebucket.s3.amazonaws.com/b/test.txt").unwrap();
        let h = c.sign("GET", &url, &hex(&Sha256::digest(b"")), 1_369_353_600);
        assert!(h[2].1.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
        ));
    }
}
