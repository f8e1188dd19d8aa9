//! Issue 19 (K1, K3) on the server: IT publishes a signed release with the admin command; an
//! enrolled workstation is offered only a newer one (204 when up to date) and downloads the
//! very file; a publish whose signature claims another target or version is refused; a
//! withdrawn release is no longer offered. A workstation's diagnostics bundle (zip) is kept
//! once under the workstation of its signature and saved by IT with `diagnostics get`.
//! On SQLite and, where `YICHUANG_TEST_PG_URL` is set, PostgreSQL.

mod common;

use common::{client, databases, random_hall, Running, Ws};
use yichuang_server::config::AdminCommand;
use yichuang_server::maintenance::admin::{DiagnosticsCommand, ReleaseCommand};

fn sign(kp: &minisign::KeyPair, file: &[u8], target: &str, version: &str) -> String {
    let comment = format!("yichuang-release target={target} version={version}");
    minisign::sign(Some(&kp.pk), &kp.sk, file, Some(&comment), None)
        .unwrap()
        .into_string()
}

async fn admin(
    config: &yichuang_server::config::ServerConfig,
    cmd: AdminCommand,
) -> Result<Vec<String>, String> {
    yichuang_server::admin::run(config, &cmd)
        .await
        .map_err(|e| format!("{}: {}", e.code(), e.detail()))
}

async fn release_scenario(server: &Running, config: &yichuang_server::config::ServerConfig) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Ws::enroll(server, &random_hall(), 5).await;
    let target = format!("test-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let file = dir.path().join("setup.exe");
    let content = common::unique_content(300_000);
    std::fs::write(&file, &content).unwrap();
    let sig_path = dir.path().join("setup.exe.minisig");
    let publish = |version: &str, notes: &str| {
        AdminCommand::Release(ReleaseCommand::Publish {
            target: target.clone(),
            version: version.into(),
            file: file.clone(),
            signature: sig_path.clone(),
            notes: notes.into(),
        })
    };

    // Nothing published: up to date.
    let offer_path = |current: &str| format!("/api/v1/updates/{target}?current={current}");
    assert_eq!(ws.get(&offer_path("1.0.0")).await.status(), 204);

    // A signature claiming another version is refused, naming the claim.
    std::fs::write(&sig_path, sign(&kp, &content, &target, "1.9.0")).unwrap();
    let refused = admin(config, publish("2.0.0", "")).await.unwrap_err();
    assert!(refused.starts_with("release_invalid"), "{refused}");
    assert!(refused.contains("1.9.0"), "{refused}");
    std::fs::write(&sig_path, "not a signature").unwrap();
    assert!(admin(config, publish("2.0.0", ""))
        .await
        .unwrap_err()
        .starts_with("release_invalid"));

    // Published right: offered to an older workstation, not to one at or past it.
    std::fs::write(&sig_path, sign(&kp, &content, &target, "2.0.0")).unwrap();
    let out = admin(config, publish("2.0.0", "修复打印问题"))
        .await
        .unwrap();
    assert!(
        out[0].starts_with(&format!("published {target} 2.0.0")),
        "{out:?}"
    );
    let again = admin(config, publish("2.0.0", "")).await.unwrap_err();
    assert!(
        again.starts_with("release_invalid"),
        "a version is published once: {again}"
    );
    let (status, offer) = ws.get_json(&offer_path("1.4.2")).await;
    assert_eq!(status, 200, "{offer}");
    assert_eq!(offer["version"], "2.0.0");
    assert_eq!(offer["notes"], "修复打印问题");
    assert_eq!(offer["size"], content.len() as u64);
    assert_eq!(offer["sha256"], common::sha_hex(&content));
    let claim =
        yichuang_pki::release::ReleaseClaim::read(offer["signature"].as_str().unwrap()).unwrap();
    assert_eq!(
        (claim.target.as_str(), claim.version.to_string().as_str()),
        (target.as_str(), "2.0.0")
    );
    assert_eq!(ws.get(&offer_path("2.0.0")).await.status(), 204);
    assert_eq!(ws.get(&offer_path("3.0.0")).await.status(), 204);
    let (status, bad) = ws.get_json(&offer_path("latest")).await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("bad_request")));
    let (status, bad) = ws
        .get_json("/api/v1/updates/Bad%2FTarget?current=1.0.0")
        .await;
    assert_eq!(status, 404, "{bad}");

    // The file is the published bytes; unsigned requests get nothing.
    let file_path = offer["file"].as_str().unwrap().to_owned();
    let resp = ws.get(&file_path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), content.as_slice());
    let unsigned = client().get(server.url(&file_path)).send().await.unwrap();
    assert_eq!(unsigned.status(), 401);
    let unsigned = client()
        .get(server.url(&offer_path("1.0.0")))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);

    // Withdrawn: neither offered nor served.
    let w = AdminCommand::Release(ReleaseCommand::Withdraw {
        target: target.clone(),
        version: "2.0.0".into(),
    });
    admin(config, w).await.unwrap();
    assert_eq!(ws.get(&offer_path("1.4.2")).await.status(), 204);
    let (status, gone) = ws.get_json(&file_path).await;
    assert_eq!(
        (status, gone["code"].as_str()),
        (404, Some("release_unknown"))
    );
    let listed = admin(
        config,
        AdminCommand::Release(ReleaseCommand::List {
            target: Some(target.clone()),
        }),
    )
    .await
    .unwrap();
    assert!(listed[0].contains("withdrawn="), "{listed:?}");
}

async fn diagnostics_scenario(server: &Running, config: &yichuang_server::config::ServerConfig) {
    let dir = tempfile::tempdir().unwrap();
    let ws = Ws::enroll(server, &random_hall(), 2).await;
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend(common::unique_content(5000));
    let send = |body: Vec<u8>, content_type: &'static str| {
        let ws = &ws;
        async move {
            let resp = ws
                .request(reqwest::Method::POST, "/api/v1/diagnostics", Some(&body))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .send()
                .await
                .unwrap();
            (
                resp.status().as_u16(),
                resp.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    let (status, kept) = send(zip.clone(), "application/zip").await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(kept["workstation"], ws.id.as_str());
    // A retry is the same bundle.
    let (status, again) = send(zip.clone(), "application/zip").await;
    assert_eq!((status, &again["id"]), (200, &kept["id"]));
    // Not a zip, or not said to be one.
    let (status, bad) = send(b"plain text log".to_vec(), "application/zip").await;
    assert_eq!(
        (status, bad["code"].as_str()),
        (415, Some("diagnostics_invalid"))
    );
    let (status, _) = send(zip.clone(), "application/octet-stream").await;
    assert_eq!(status, 415);

    let listed = admin(
        config,
        AdminCommand::Diagnostics(DiagnosticsCommand::List {
            workstation: Some(ws.id.clone()),
            limit: 10,
        }),
    )
    .await
    .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let out = dir.path().join("bundle.zip");
    let id = kept["id"].as_str().unwrap().to_owned();
    admin(
        config,
        AdminCommand::Diagnostics(DiagnosticsCommand::Get {
            id,
            out: out.clone(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), zip);
    let unknown = admin(
        config,
        AdminCommand::Diagnostics(DiagnosticsCommand::Get {
            id: "nope".into(),
            out,
        }),
    )
    .await
    .unwrap_err();
    assert!(unknown.starts_with("diagnostics_unknown"), "{unknown}");
}

#[tokio::test]
async fn k1_signed_releases_are_offered_when_newer_and_served_as_published() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config.clone()).await;
        release_scenario(&server, &config).await;
        server.stop().await;
    }
}

#[tokio::test]
async fn k3_a_diagnostics_bundle_is_kept_once_under_the_signing_workstation() {
    let dir = tempfile::tempdir().unwrap();
    for config in databases(dir.path()) {
        let server = Running::start(config.clone()).await;
        diagnostics_scenario(&server, &config).await;
        server.stop().await;
    }
}
