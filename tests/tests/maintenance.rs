//! Issue 19 in the real window against the real server: signed updates (K1) and the
//! diagnostics bundle (K3). IT publishes a newer release signed with the hall's release key;
//! the running app says 「有新版本」, downloads it and verifies it against the key pinned in
//! its config. A release whose file does not match its signature, and an old release an
//! attacker with the server's database relabelled as new, are refused in Chinese. A bundle made
//! from the device panel after a card was read arrives on the server without the citizen's
//! name or ID number. Run by `make e2e`.

use std::io::Read;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use yichuang_core::infra::config::build_target;
use yichuang_e2e::webdriver::{click, switch_to_window_with, wait_attr, wait_text};
use yichuang_e2e::App;

struct Releases {
    dir: tempfile::TempDir,
    key: minisign::KeyPair,
}

impl Releases {
    fn new() -> Result<Self> {
        Ok(Releases {
            dir: tempfile::tempdir()?,
            key: minisign::KeyPair::generate_unencrypted_keypair()?,
        })
    }

    /// Writes `file` and a signature of `signed` claiming `version`; returns both paths.
    fn make(&self, version: &str, file: &[u8], signed: &[u8]) -> Result<[String; 2]> {
        let comment = format!(
            "yichuang-release target={} version={version}",
            build_target()
        );
        let sig = minisign::sign(
            Some(&self.key.pk),
            &self.key.sk,
            signed,
            Some(&comment),
            None,
        )?;
        let path = self.dir.path().join(format!("yichuang-{version}.deb"));
        std::fs::write(&path, file)?;
        let sig_path = path.with_extension("deb.minisig");
        std::fs::write(&sig_path, sig.into_string())?;
        Ok([path.display().to_string(), sig_path.display().to_string()])
    }
}

fn publish(app: &App, version: &str, files: &[String; 2]) -> Result<String> {
    app.server()?.admin(&[
        "release",
        "publish",
        "--target",
        build_target(),
        "--version",
        version,
        "--file",
        &files[0],
        "--signature",
        &files[1],
        "--notes",
        "修复打印问题",
    ])
}

async fn check(app: &App, version: &str) -> Result<()> {
    let client = &app.client;
    click(client, "[data-testid=update-check]").await?;
    wait_attr(
        client,
        "[data-testid=update-available]",
        "data-version",
        Duration::from_secs(10),
        |v| v == version,
    )
    .await
    .with_context(|| format!("{version} not offered"))?;
    Ok(())
}

async fn check_and_download(app: &App, version: &str) -> Result<()> {
    check(app, version).await?;
    click(&app.client, "[data-testid=update-download]").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k1_a_signed_update_is_verified_and_a_tampered_or_older_one_refused() -> Result<()> {
    let releases = Releases::new()?;
    let public_key = releases.key.pk.to_base64();
    let mut app = App::builder("update")
        .server()
        .config(|c| c.update.public_key = Some(public_key))
        .start()
        .await?;
    let result = app
        .scenario(async {
            let client = &app.client;
            let good = vec![7u8; 200_000];
            publish(&app, "0.2.0", &releases.make("0.2.0", &good, &good)?)?;
            ensure!(
                switch_to_window_with(client, "[data-testid=login-view]", Duration::from_secs(15))
                    .await?,
                "no login view"
            );
            // The app checks at start and daily; published just now, 检查更新 asks at once.
            // The status bar then says so too, and its chip opens the device panel.
            click(client, "[data-testid=open-device-panel]").await?;
            check(&app, "0.2.0").await?;
            wait_attr(
                client,
                "[data-testid=status-update]",
                "data-version",
                Duration::from_secs(5),
                |v| v == "0.2.0",
            )
            .await
            .context("the status bar never said 有新版本 0.2.0")?;
            click(client, "[data-testid=update-download]").await?;
            wait_attr(
                client,
                "[data-testid=update-verified]",
                "data-version",
                Duration::from_secs(20),
                |v| v == "0.2.0",
            )
            .await
            .context("0.2.0 not verified")?;
            ensure!(
                app.exists("[data-testid=update-install]").await,
                "no 立即安装 for a verified release"
            );

            // The file is not what was signed.
            publish(
                &app,
                "0.3.0",
                &releases.make("0.3.0", &vec![8u8; 1000], &vec![9u8; 1000])?,
            )?;
            check_and_download(&app, "0.3.0").await?;
            let (code, _) = wait_attr(
                client,
                "[data-testid=maintenance-error]",
                "data-code",
                Duration::from_secs(20),
                |c| !c.is_empty(),
            )
            .await?;
            ensure!(
                code == "update.signature_invalid",
                "tampered file refused with {code}"
            );
            let text = wait_text(
                client,
                "[data-testid=maintenance-error]",
                Duration::from_secs(2),
            )
            .await?;
            ensure!(text.contains("签名无效"), "refusal says {text:?}");
            ensure!(
                !app.exists("[data-testid=update-install]").await,
                "a refused release offered for install"
            );
            let left: Vec<_> = std::fs::read_dir(app.ws.data_dir().join("updates"))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            ensure!(
                left.iter().all(|n| !n.contains("0.3.0")),
                "refused file kept: {left:?}"
            );

            // An old signed release relabelled as 0.5.0 in the server's database.
            let old = vec![1u8; 5000];
            publish(&app, "0.0.9", &releases.make("0.0.9", &old, &old)?)?;
            app.server()?.admin(&[
                "release",
                "withdraw",
                "--target",
                build_target(),
                "--version",
                "0.3.0",
            ])?;
            let db = rusqlite::Connection::open(app.server()?.data_dir().join("server.db"))?;
            let n = db.execute(
                "UPDATE releases SET version = '0.5.0' WHERE version = '0.0.9'",
                [],
            )?;
            ensure!(n == 1, "relabelled {n} rows");
            check_and_download(&app, "0.5.0").await?;
            let (code, _) = wait_attr(
                client,
                "[data-testid=maintenance-error]",
                "data-code",
                Duration::from_secs(20),
                |c| c == "update.downgrade" || c.starts_with("update.claim"),
            )
            .await?;
            ensure!(
                code == "update.downgrade",
                "relabelled old release refused with {code}"
            );
            let text = wait_text(
                client,
                "[data-testid=maintenance-error]",
                Duration::from_secs(2),
            )
            .await?;
            ensure!(text.contains("不能降级"), "refusal says {text:?}");
            Ok(())
        })
        .await;
    app.close().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k3_a_diagnostics_bundle_from_the_device_panel_reaches_the_server_without_citizen_data(
) -> Result<()> {
    use yichuang_drivers::idcard::simulator::{self, SampleCard};

    let reader = yichuang_e2e::devices::SerialIdCardReader::open()?;
    let mut app = App::builder("diagnostics")
        .server()
        .config(|c| c.devices.id_card = reader.config())
        .start()
        .await?;
    let result = app
        .scenario(async {
            let client = &app.client;
            yichuang_e2e::webdriver::open_device_panel_when_connected(client, "id_card").await?;
            let citizen = simulator::sample_resident();
            reader.sim.place_card(SampleCard::from_identity(&citizen));
            let shown = wait_text(
                client,
                "[data-testid=id-card-number]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(!shown.is_empty(), "the card was not read");
            click(client, "[data-testid=diagnostics-make]").await?;
            let (id, _) = wait_attr(
                client,
                "[data-testid=diagnostics-result]",
                "data-uploaded",
                Duration::from_secs(30),
                |v| !v.is_empty(),
            )
            .await
            .context("the bundle was not uploaded")?;
            let listed = app.server()?.admin(&["diagnostics", "list"])?;
            ensure!(
                listed.contains(&id),
                "{id} not listed by the server: {listed}"
            );
            let out = tempfile::tempdir()?;
            let file = out.path().join("bundle.zip");
            app.server()?.admin(&[
                "diagnostics",
                "get",
                &id,
                "--out",
                &file.display().to_string(),
            ])?;
            let mut zip = zip::ZipArchive::new(std::fs::File::open(&file)?)?;
            let mut names = Vec::new();
            for i in 0..zip.len() {
                let mut entry = zip.by_index(i)?;
                let mut text = String::new();
                entry.read_to_string(&mut text)?;
                for secret in [citizen.name.as_str(), citizen.id_number.as_str()] {
                    ensure!(
                        !text.contains(secret),
                        "{} holds citizen data",
                        entry.name()
                    );
                }
                names.push(entry.name().to_owned());
            }
            for wanted in [
                "versions.json",
                "os.json",
                "config.toml",
                "devices.json",
                "sync.json",
            ] {
                ensure!(
                    names.iter().any(|n| n == wanted),
                    "{wanted} missing from {names:?}"
                );
            }
            ensure!(
                names.iter().any(|n| n.starts_with("logs/")),
                "no log in {names:?}"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result
}
