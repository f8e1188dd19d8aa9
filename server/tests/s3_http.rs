//! The S3 blob store (issue 15 item 11: `object_store` instead of the hand-written client)
//! against a real S3-compatible server: moto in server mode, started by
//! `scripts/s3-test.sh` (`make unit` exports its bucket URL as `YICHUANG_TEST_S3_URL`). Outside
//! CI the test skips without it; with `CI` set it fails. On SQLite and, with
//! `YICHUANG_TEST_PG_URL`, PostgreSQL.

mod common;

use serde_json::Value;
use yichuang_server::config::S3Config;
use yichuang_server::ServerConfig;

use common::{any_port, clerk_session, pg_url, random_hall, sha_hex, unique_content, Running, Ws};

const MIB: usize = 1024 * 1024;

fn s3_url() -> Option<String> {
    yichuang_testkit::require_env(
        "YICHUANG_TEST_S3_URL",
        "make unit starts moto with scripts/s3-test.sh and exports its bucket URL",
    )
}

/// Uploads `content` in chunks of `chunk` bytes as `ws`; returns the last answer.
async fn upload(ws: &Ws, content: &[u8], chunk: usize) -> Value {
    let sha = sha_hex(content);
    let mut last = Value::Null;
    for (i, piece) in content.chunks(chunk).enumerate() {
        let path = format!(
            "/api/v1/sync/blobs/{sha}?offset={}&total={}",
            i * chunk,
            content.len()
        );
        let resp = ws
            .request(reqwest::Method::PUT, &path, None)
            .header("content-type", "application/octet-stream")
            .body(piece.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        last = resp.json().await.unwrap();
    }
    last
}

async fn s3_scenario(mut config: ServerConfig, bucket: &str) {
    config.sync.s3 = Some(S3Config {
        url: url::Url::parse(bucket).unwrap(),
        access_key: "testing".into(),
        secret_key: "testing".into(),
        region: "us-east-1".into(),
    });
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let admin = clerk_session(&server, &ws, &["admin"]).await;
    let (status, stats) = ws.get_with_session("/api/v1/sync/stats", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(stats["blob_store"], "s3");

    // A small blob goes in one PUT, a large one (over the 8 MiB part size) as a multipart upload.
    for len in [300 * 1024, 19 * MIB + 123] {
        let content = unique_content(len);
        let sha = sha_hex(&content);
        let done = upload(&ws, &content, 4 * MIB).await;
        assert_eq!(done["complete"], true, "{done}");
        assert_eq!(done["received"], len);
        let resp = ws
            .request(
                reqwest::Method::GET,
                &format!("/api/v1/sync/blobs/{sha}"),
                Some(b""),
            )
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()[reqwest::header::CONTENT_LENGTH],
            len.to_string().as_str()
        );
        let got = resp.bytes().await.unwrap();
        assert!(got.as_ref() == content.as_slice(), "{len} bytes read back");
    }
    server.stop().await;
}

#[tokio::test]
async fn i15_blobs_are_stored_and_streamed_through_an_s3_server() {
    let Some(bucket) = s3_url() else { return };
    let tmp = tempfile::tempdir().unwrap();
    s3_scenario(
        ServerConfig::sqlite(any_port(), tmp.path().join("sqlite")),
        &bucket,
    )
    .await;
    if let Some(url) = pg_url() {
        let mut pg = ServerConfig::sqlite(any_port(), tmp.path().join("pg"));
        pg.database_url = Some(url);
        s3_scenario(pg, &bucket).await;
    }
}
