//! Citizen data is never stored in clear (the project's security rule): a pushed case's record
//! and a case kept aside for a number clash hold the applicant's name and ID number only
//! sealed (AES-256-GCM under a key derived from the hall's grant key, shared by its
//! instances); the hall's key opens them to the very JSON pushed. On SQLite and, where
//! `YICHUANG_TEST_PG_URL` is set, PostgreSQL.

mod common;

use common::cases::{case, new_id, outcomes, record, ID};
use common::{databases, random_hall, Running, Ws};
use serde_json::{json, Value};
use sqlx::Row;

async fn stored(server: &Running, sql: &str, id: &str) -> String {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&server.state.db.pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn at_rest_scenario(server: &Running) {
    let hall = random_hall();
    let w = Ws::enroll(server, &hall, 3).await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..10];
    let (a, b) = (new_id(), new_id());
    let case_a = case(
        &a,
        &format!("N{tag}"),
        "accepted",
        "张三",
        ID,
        "汕尾市公安局",
    );
    let push = json!({ "records": [record(&a, case_a.clone())] });
    let (status, acks) = w.post_json("/api/v1/sync/push", &push).await;
    assert_eq!(
        (status, outcomes(&acks)[0].0.as_str()),
        (200, "accepted"),
        "{acks}"
    );
    // Another case under the same number: kept aside whole, and refused.
    let case_b = case(
        &b,
        &format!("N{tag}"),
        "accepted",
        "李四",
        "441502198001011234",
        "汕尾市公安局",
    );
    let (_, acks) = w
        .post_json(
            "/api/v1/sync/push",
            &json!({ "records": [record(&b, case_b.clone())] }),
        )
        .await;
    assert_eq!(
        outcomes(&acks)[0].1.as_deref(),
        Some("case_no_clash"),
        "{acks}"
    );

    let key = &server.state.auth.case_index;
    for (text, pushed, secrets) in [
        (
            stored(server, "SELECT payload FROM sync_records WHERE id = $1", &a).await,
            case_a,
            ["张三", ID],
        ),
        (
            stored(
                server,
                "SELECT payload FROM case_clashes WHERE record_id = $1",
                &b,
            )
            .await,
            case_b,
            ["李四", "441502198001011234"],
        ),
    ] {
        assert!(text.starts_with("seal:v1:"), "stored in clear: {text}");
        for s in secrets {
            assert!(!text.contains(s), "{s} in clear");
        }
        let opened: Value =
            serde_json::from_str(&key.open(&text).expect("the hall's key opens it")).unwrap();
        assert_eq!(opened, pushed);
        let other = yichuang_server::cases::IndexKey::derive(&[9; 32]);
        assert_eq!(other.open(&text), None, "another hall's key opened it");
    }
}

/// A material file (a scan) uploaded in two chunks: half uploaded it is encrypted in staging,
/// complete it is sealed, and the store reads it back whole.
async fn blob_scenario(server: &Running, blob_dir: &std::path::Path) {
    let w = Ws::enroll(server, &random_hall(), 4).await;
    let mut scan = b"%PDF-1.7 scan of the ID card of 44150219900101123X ".repeat(3000);
    scan.extend(common::unique_content(100));
    let sha = common::sha_hex(&scan);
    let total = scan.len();
    let staged = blob_dir.join("staging").join(format!("{sha}.part"));
    for (offset, piece) in [(0, &scan[..70_000]), (70_000, &scan[70_000..])] {
        if offset > 0 {
            // Half uploaded: what waits in staging is not the scan in clear either.
            let part = std::fs::read(&staged).unwrap();
            assert_eq!(part.len(), offset, "the staged length is the plain length");
            assert!(
                !part.windows(18).any(|w| w == ID.as_bytes()),
                "staged scan in clear"
            );
        }
        let resp = w
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/sync/blobs/{sha}?offset={offset}&total={total}"),
                None,
            )
            .header("content-type", "application/octet-stream")
            .body(piece.to_vec())
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    }
    let on_disk = std::fs::read(blob_dir.join(&sha[..2]).join(&sha)).unwrap();
    assert!(on_disk.starts_with(b"yichuang-blob-s1"), "not sealed");
    assert!(
        !on_disk.windows(18).any(|w| w == ID.as_bytes()),
        "scan in clear"
    );
    let blob = server.state.sync.blobs.read(&sha).await.unwrap();
    assert_eq!(blob.len, total as u64);
    let back = axum::body::to_bytes(blob.body, usize::MAX).await.unwrap();
    assert_eq!(back.as_ref(), scan.as_slice());
    assert!(!staged.exists(), "the staged upload is gone");
    assert!(
        !blob_dir.join("staging").join(format!("{sha}.iv")).exists(),
        "its IV is gone"
    );
}

#[tokio::test]
async fn a6_citizen_data_in_pushed_records_and_files_is_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let blob_dir = config.blob_dir();
        let server = Running::start(config).await;
        at_rest_scenario(&server).await;
        blob_scenario(&server, &blob_dir).await;
        server.stop().await;
    }
}
