//! Issue 15 item 5, the server's limits, over real HTTP on SQLite and (with
//! `YICHUANG_TEST_PG_URL`) PostgreSQL: the per-file blob cap, the upload owner, stale upload
//! clean-up, private server files, the push body cap, the concurrency limit, header and body
//! read timeouts against a raw TCP client, and the JSON error shape of every bad input.

mod common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use yichuang_server::ServerConfig;

use common::{
    any_port, clerk_session, client, fresh_nonce, pg_url, random_hall, sha_hex, unique_content,
    Running, Ws,
};

const MIB: u64 = 1024 * 1024;

/// The configurations to run a database-backed scenario on: SQLite, and PostgreSQL when the
/// test cluster is there (a failure in CI when it is not).
fn databases(dir: &std::path::Path) -> Vec<ServerConfig> {
    let mut out = vec![ServerConfig::sqlite(any_port(), dir.join("sqlite"))];
    if let Some(url) = pg_url() {
        let mut pg = ServerConfig::sqlite(any_port(), dir.join("pg"));
        pg.database_url = Some(url);
        out.push(pg);
    }
    out
}

/// Status, content type and JSON body of a response (the body `Null` when it is not JSON).
async fn answer(resp: reqwest::Response) -> (u16, String, Value) {
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, ctype, body)
}

/// A chunk PUT signed by `ws` (`UNSIGNED-PAYLOAD`: chunk bytes are checked at completion).
async fn put_chunk(
    ws: &Ws,
    sha: &str,
    offset: u64,
    total: u64,
    bytes: Vec<u8>,
) -> (u16, String, Value) {
    let path = format!("/api/v1/sync/blobs/{sha}?offset={offset}&total={total}");
    let resp = ws
        .request(reqwest::Method::PUT, &path, None)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    answer(resp).await
}

/// The bytes of `sha` the server holds for `ws` (another's partial upload counts as none).
async fn staged(ws: &Ws, sha: &str) -> u64 {
    let (status, body) = ws
        .get_json(&format!("/api/v1/sync/blobs/{sha}/status"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["received"].as_u64().unwrap()
}

/// The signature headers of a raw request, as HTTP/1.1 header lines.
fn signed_head(ws: &Ws, method: &str, path: &str, body: Option<&[u8]>) -> String {
    let sig = yichuang_pki::credential::sign_request(
        &ws.key,
        &ws.id,
        method,
        path,
        ws.now_ms(),
        fresh_nonce(),
        body,
    );
    sig.headers()
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect()
}

#[tokio::test]
async fn i15_blob_over_the_size_cap_is_refused_with_413() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.limits.max_blob_bytes = MIB;
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let content = unique_content(1024);
    let sha = sha_hex(&content);

    let (status, ctype, body) = put_chunk(&ws, &sha, 0, MIB + 1, content).await;
    assert_eq!(status, 413, "{body}");
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_eq!(body["code"], "blob_too_large");
    assert_eq!(staged(&ws, &sha).await, 0, "nothing staged");

    // A declared 1 TiB is refused the same way, before any byte is read.
    let (status, _, body) = put_chunk(&ws, &sha, 0, 1 << 40, b"x".to_vec()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("blob_too_large"))
    );
    server.stop().await;
}

async fn owner_scenario(config: ServerConfig) {
    let server = Running::start(config).await;
    let hall = random_hall();
    let (a, b) = (
        Ws::enroll(&server, &hall, 1).await,
        Ws::enroll(&server, &hall, 2).await,
    );
    let content = unique_content(3 * 256 * 1024 + 17);
    let sha = sha_hex(&content);
    let total = content.len() as u64;
    let first = content[..256 * 1024].to_vec();

    let (status, _, body) = put_chunk(&a, &sha, 0, total, first.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["received"], 256 * 1024);

    // Another workstation (same hall) may neither restart (offset 0) nor continue the upload.
    for offset in [0, 256 * 1024] {
        let piece = content[offset as usize..offset as usize + 1024].to_vec();
        let (status, ctype, body) = put_chunk(&b, &sha, offset, total, piece).await;
        assert_eq!(status, 409, "{body}");
        assert!(ctype.starts_with("application/json"));
        assert_eq!(body["code"], "upload_owned_elsewhere", "{body}");
    }
    assert_eq!(staged(&a, &sha).await, 256 * 1024, "untouched");
    assert_eq!(
        staged(&b, &sha).await,
        0,
        "another's partial upload counts as none"
    );

    // Its sender continues and completes it; the read is the whole content.
    let rest = content[256 * 1024..].to_vec();
    let (status, _, body) = put_chunk(&a, &sha, 256 * 1024, total, rest).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["complete"], true, "{body}");
    let token = clerk_session(&server, &b, &["accept"]).await;
    let resp = b
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/sync/blobs/{sha}"),
            Some(b""),
        )
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()[reqwest::header::CONTENT_LENGTH],
        total.to_string().as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &content[..]);
    server.stop().await;
}

#[tokio::test]
async fn i15_only_the_uploading_workstation_may_continue_or_restart_its_upload() {
    let tmp = tempfile::tempdir().unwrap();
    for config in databases(tmp.path()) {
        owner_scenario(config).await;
    }
}

#[tokio::test]
async fn i15_an_abandoned_upload_may_be_restarted_by_another_workstation() {
    let tmp = tempfile::tempdir().unwrap();
    let clock = std::sync::Arc::new(yichuang_server::ManualClock::starting_now());
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.clock = clock.clone();
    let server = Running::start(config).await;
    let hall = random_hall();
    let (a, b) = (
        Ws::enroll(&server, &hall, 1).await,
        Ws::enroll(&server, &hall, 2).await,
    );
    let content = unique_content(3000);
    let sha = sha_hex(&content);
    let (status, _, body) = put_chunk(&a, &sha, 0, 3000, content[..1000].to_vec()).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = put_chunk(&b, &sha, 0, 3000, content[..1000].to_vec()).await;
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("upload_owned_elsewhere"))
    );

    // Left alone for over an hour (its bytes still staged): B restarts it from 0 and owns it.
    clock.advance_ms(61 * 60 * 1000);
    let (status, _, body) = put_chunk(&b, &sha, 0, 3000, content[..2000].to_vec()).await;
    assert_eq!((status, &body["received"]), (200, &json!(2000)), "{body}");
    let (status, _, body) = put_chunk(&a, &sha, 1000, 3000, content[1000..].to_vec()).await;
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("upload_owned_elsewhere"))
    );
    let (status, _, body) = put_chunk(&b, &sha, 2000, 3000, content[2000..].to_vec()).await;
    assert_eq!((status, &body["complete"]), (200, &json!(true)), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn i15_a_chunk_that_breaks_off_leaves_the_upload_where_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.limits.body_read_timeout = Duration::from_secs(1);
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let content = unique_content(4096);
    let sha = sha_hex(&content);
    let (status, _, _) = put_chunk(&ws, &sha, 0, 4096, content[..1000].to_vec()).await;
    assert_eq!(status, 200);

    // 3000 bytes announced, 500 sent, then silence: the body read timeout ends it.
    let mut tcp = TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let path = format!("/api/v1/sync/blobs/{sha}?offset=1000&total=4096");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/octet-stream\r\n\
         Content-Length: 3000\r\n\r\n",
        signed_head(&ws, "PUT", &path, None)
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&content[1000..1500]).await.unwrap();
    let (reply, closed) = read_until_closed(&mut tcp, Duration::from_secs(15)).await;
    assert!(closed, "the server closes the connection; got {reply:?}");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("\"code\":\"request_timeout\""), "{reply}");
    assert_eq!(
        staged(&ws, &sha).await,
        1000,
        "cut back to the chunk's offset"
    );
    server.stop().await;
}

/// Reads until the peer closes (or `limit` passes); returns what arrived and whether it closed.
async fn read_until_closed(tcp: &mut TcpStream, limit: Duration) -> (String, bool) {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test]
async fn i15_a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.limits.header_read_timeout = Duration::from_secs(1);
    let server = Running::start(config).await;
    let mut tcp = TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let started = Instant::now();
    tcp.write_all(b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-")
        .await
        .unwrap();
    let (reply, closed) = read_until_closed(&mut tcp, Duration::from_secs(15)).await;
    assert!(closed, "still open after 15 s; got {reply:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed after the timeout, not before: {:?}",
        started.elapsed()
    );
    // The server itself still answers.
    let (status, _) = common::get_json(&server.url("/api/v1/health")).await;
    assert_eq!(status, 200);
    server.stop().await;
}

#[tokio::test]
async fn i15_a_half_sent_push_body_is_answered_408_and_closed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.limits.body_read_timeout = Duration::from_secs(1);
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let mut tcp = TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    // Signed over the whole 1000-byte body; half of it is sent.
    let mut body = br#"{"records":[]}"#.to_vec();
    body.resize(1000, b' ');
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\n\
         Content-Length: 1000\r\n\r\n",
        signed_head(&ws, "POST", "/api/v1/sync/push", Some(&body))
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body[..500]).await.unwrap();
    let (reply, closed) = read_until_closed(&mut tcp, Duration::from_secs(15)).await;
    assert!(closed, "still open after 15 s; got {reply:?}");
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("application/json"), "{reply}");
    assert!(reply.contains("\"code\":\"request_timeout\""), "{reply}");
    server.stop().await;
}

#[tokio::test]
async fn i15_requests_over_the_concurrency_limit_get_503_with_retry_after() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::sqlite(any_port(), tmp.path());
    config.limits.max_concurrent_requests = 1;
    config.limits.body_read_timeout = Duration::from_secs(30);
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;

    // One request in progress: a signed push whose body never finishes (the server holds it
    // while reading the body it must hash).
    let mut holder = TcpStream::connect(server.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let mut body = br#"{"records":[]}"#.to_vec();
    body.resize(100, b' ');
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n",
        signed_head(&ws, "POST", "/api/v1/sync/push", Some(&body))
    );
    holder.write_all(head.as_bytes()).await.unwrap();
    holder.write_all(&body[..1]).await.unwrap();
    // Wait until the server has taken it (the next request is then refused).
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let resp = client()
            .get(server.url("/api/v1/version"))
            .send()
            .await
            .unwrap();
        if resp.status() == 503 {
            break resp;
        }
        assert!(Instant::now() < deadline, "never refused");
        tokio::task::yield_now().await;
    };
    assert_eq!(refused.headers()[reqwest::header::RETRY_AFTER], "1");
    let (status, ctype, body) = answer(refused).await;
    assert_eq!(status, 503);
    assert!(ctype.starts_with("application/json"));
    assert_eq!(body["code"], "overloaded", "{body}");

    // Once it is gone, requests are served again.
    drop(holder);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let resp = client()
            .get(server.url("/api/v1/version"))
            .send()
            .await
            .unwrap();
        if resp.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still refused after the holder left"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;
}

fn push_body(records: usize, payload_bytes: usize) -> Vec<u8> {
    let filler = "x".repeat(payload_bytes);
    let records: Vec<Value> = (0..records)
        .map(|_| {
            json!({
                "id": uuid::Uuid::now_v7().to_string(),
                "kind": "memo",
                "version": 1,
                "payload": {"note": filler},
            })
        })
        .collect();
    serde_json::to_vec(&json!({"records": records})).unwrap()
}

async fn push_cap_scenario(mut config: ServerConfig) {
    config.limits.max_push_bytes = 2 * MIB as usize;
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    // Signed over `body`: the server reads it under the cap before it checks the signature.
    let post = |body: &[u8]| {
        ws.request(reqwest::Method::POST, "/api/v1/sync/push", Some(body))
            .header("content-type", "application/json")
    };
    // A full batch under the cap goes through, every record accepted.
    let (status, _, body) = answer(post(&push_body(1000, 1500)).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let acks = body["acks"].as_array().unwrap();
    assert_eq!(acks.len(), 1000);
    assert!(acks.iter().all(|a| a["outcome"] == "accepted"), "{body}");

    // Over the cap: 413 with a code, declared length or not (chunked).
    let big = push_body(100, 30 * 1024);
    assert!(big.len() > 2 * MIB as usize);
    let (status, ctype, body) = answer(post(&big).send().await.unwrap()).await;
    assert_eq!(status, 413, "{body}");
    assert!(ctype.starts_with("application/json"));
    assert_eq!(body["code"], "payload_too_large");
    let chunked = reqwest::Body::wrap_stream(futures_util::stream::iter(
        big.chunks(64 * 1024)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    ));
    let (status, _, body) = answer(post(&big).body(chunked).send().await.unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    server.stop().await;
}

#[tokio::test]
async fn i15_push_over_the_body_cap_is_413_payload_too_large() {
    let tmp = tempfile::tempdir().unwrap();
    for config in databases(tmp.path()) {
        push_cap_scenario(config).await;
    }
}

#[cfg(unix)]
#[tokio::test]
async fn i15_server_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Running::start(ServerConfig::sqlite(any_port(), &data)).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    // A staged upload and a stored one, and the database written to.
    let content = unique_content(5000);
    let sha = sha_hex(&content);
    let (status, _, body) = put_chunk(&ws, &sha, 0, 5000, content.clone()).await;
    assert_eq!((status, &body["complete"]), (200, &json!(true)), "{body}");
    let other = unique_content(5000);
    let (status, _, body) = put_chunk(&ws, &sha_hex(&other), 0, 6000, other).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;

    let mut seen = 0;
    let mut stack = vec![data.clone()];
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
                seen += 1;
            }
        }
    }
    // server.db (+ -wal/-shm), the grant key, one stored blob, one staged part and its owner.
    assert!(seen >= 5, "{seen} files");
    assert!(data.join("grant-key.ed25519").is_file());
    assert!(data.join("blobs").join(&sha[..2]).join(&sha).is_file());
}

#[tokio::test]
async fn i15_stale_partial_uploads_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // One left over from before the start, a day old.
    let staging = data.join("blobs").join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let old = staging.join(format!("{}.part", "ab".repeat(32)));
    std::fs::write(&old, b"partial").unwrap();
    std::fs::write(
        staging.join(format!("{}.owner", "ab".repeat(32))),
        b"441500-1",
    )
    .unwrap();
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(day_ago)
        .unwrap();

    let mut config = ServerConfig::sqlite(any_port(), &data);
    config.limits.stale_upload_after = Duration::from_secs(2);
    let server = Running::start(config).await;
    let hall = random_hall();
    let (a, b) = (
        Ws::enroll(&server, &hall, 1).await,
        Ws::enroll(&server, &hall, 2).await,
    );
    assert!(!old.exists(), "removed at start");
    assert_eq!(
        std::fs::read_dir(&staging).unwrap().count(),
        0,
        "owner file too"
    );

    // One staged while running, then left alone: removed by the periodic clean-up.
    let content = unique_content(3000);
    let sha = sha_hex(&content);
    let (status, _, _) = put_chunk(&a, &sha, 0, 9000, content).await;
    assert_eq!(status, 200);
    assert_eq!(staged(&a, &sha).await, 3000);
    let deadline = Instant::now() + Duration::from_secs(20);
    while staged(&a, &sha).await != 0 {
        assert!(Instant::now() < deadline, "not cleaned within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Another workstation may now start it afresh.
    let (status, _, body) = put_chunk(&b, &sha, 0, 9000, b"abc".to_vec()).await;
    assert_eq!(status, 200, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn i15_every_bad_input_is_a_json_error_with_a_code() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut config = ServerConfig::sqlite(any_port(), &data);
    // Every signed body (a login's too) is read under this cap.
    config.limits.max_push_bytes = 2 * MIB as usize;
    let server = Running::start(config).await;
    let ws = Ws::enroll(&server, &random_hall(), 1).await;
    let admin = clerk_session(&server, &ws, &["admin"]).await;
    let clerk = clerk_session(&server, &ws, &["accept"]).await;
    let sha = "ab".repeat(32);
    let http = client();
    use reqwest::Method;
    let body = |method: Method, path: &str, ctype: &str, bytes: &[u8]| {
        ws.request(method, path, Some(bytes))
            .header("content-type", ctype)
    };
    let json_ct = "application/json";
    let chunk = |path: String, bytes: Vec<u8>| {
        ws.request(Method::PUT, &path, None)
            .header("content-type", "application/octet-stream")
            .body(bytes)
    };
    let get = |path: &str, token: &str| ws.request(Method::GET, path, Some(b"")).bearer_auth(token);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "push: not JSON",
            body(Method::POST, "/api/v1/sync/push", json_ct, b"{nope"),
            400,
            "bad_request",
        ),
        (
            "push: wrong content type",
            body(Method::POST, "/api/v1/sync/push", "text/plain", b"{}"),
            415,
            "unsupported_media_type",
        ),
        (
            "push: records not an array",
            body(
                Method::POST,
                "/api/v1/sync/push",
                json_ct,
                br#"{"records": 5}"#,
            ),
            400,
            "bad_request",
        ),
        (
            "push: unsigned",
            http.post(server.url("/api/v1/sync/push"))
                .json(&json!({"records": []})),
            401,
            "request_unsigned",
        ),
        (
            "blob status: name not a SHA-256",
            ws.request(Method::GET, "/api/v1/sync/blobs/abc/status", Some(b"")),
            400,
            "bad_request",
        ),
        (
            "chunk: missing query",
            chunk(format!("/api/v1/sync/blobs/{sha}"), b"abc".to_vec()),
            400,
            "bad_request",
        ),
        (
            "chunk: offset not a number",
            chunk(
                format!("/api/v1/sync/blobs/{sha}?offset=abc&total=3"),
                b"abc".to_vec(),
            ),
            400,
            "bad_request",
        ),
        (
            "chunk: beyond total",
            chunk(
                format!("/api/v1/sync/blobs/{sha}?offset=0&total=2"),
                b"abc".to_vec(),
            ),
            400,
            "bad_request",
        ),
        (
            "chunk: over 16 MiB",
            chunk(
                format!("/api/v1/sync/blobs/{sha}?offset=0&total={}", 60 * MIB),
                vec![0u8; 17 * MIB as usize],
            ),
            413,
            "payload_too_large",
        ),
        (
            "blob: name not a SHA-256",
            get("/api/v1/sync/blobs/..%2f..%2fetc%2fpasswd", &clerk),
            400,
            "bad_request",
        ),
        (
            "blob: unknown",
            get(&format!("/api/v1/sync/blobs/{sha}"), &clerk),
            404,
            "blob_not_found",
        ),
        (
            "stats: bad query",
            get("/api/v1/sync/stats?workstation=a&workstation=b", &admin),
            400,
            "bad_request",
        ),
        (
            "login: body over the cap",
            body(
                Method::POST,
                "/api/v1/auth/challenge",
                json_ct,
                &vec![b' '; 3 * MIB as usize],
            ),
            413,
            "payload_too_large",
        ),
        (
            "login: not JSON",
            body(Method::POST, "/api/v1/auth/login", json_ct, b"[1,2"),
            400,
            "bad_request",
        ),
        (
            "unknown route",
            http.get(server.url("/api/v1/nope")),
            404,
            "not_found",
        ),
        (
            "wrong method",
            http.delete(server.url("/api/v1/sync/push")),
            405,
            "method_not_allowed",
        ),
    ];
    let data_dir = data.canonicalize().unwrap();
    for (what, req, want_status, want_code) in cases {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = resp.text().await.unwrap();
        assert!(
            ctype.starts_with("application/json"),
            "{what}: {ctype} {text}"
        );
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
        // A 400 from a JSON rejection may be axum's 422; the code is what matters to clients.
        let ok_status = status == want_status || (want_status == 400 && status == 422);
        assert!(ok_status, "{what}: status {status}, {text}");
        assert_eq!(body["code"], want_code, "{what}: {text}");
        assert!(
            !body["message"].as_str().unwrap_or_default().is_empty(),
            "{what}"
        );
        assert!(
            !text.contains(data_dir.to_str().unwrap()) && !text.contains("/tmp/"),
            "{what}: a server path in {text}"
        );
    }
    server.stop().await;
}
