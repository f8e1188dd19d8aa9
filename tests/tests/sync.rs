//! Offline work and sync in the real app window (J1, J2, A6): with the central server down the
//! workstation keeps working and says honestly what waits; when it returns everything goes up
//! by itself; the store on disk is encrypted. How fast the backlog drains is measured by
//! `make bench` (`drain-bench`). Run by `make e2e`.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_e2e::webdriver::{click, wait_attr, wait_text, wd};
use yichuang_e2e::App;

const PENDING: &str = "[data-testid=status-pending]";

/// Issue 6 (J1–J3, A6): with the central server down the workstation keeps working — each card
/// read is audited into the outbox — and the status bar says honestly how many records wait,
/// since when, and why (in Chinese), never 「已同步」. When the server comes back the records go
/// up by themselves, the server holds them, and the status bar reaches 0 pending and 「已同步」.
/// The sync page shows the same figures. Finally the files on disk (SQLCipher database, its
/// WAL, material files) do not contain the citizen's name or ID number in clear text, while the
/// decrypted store does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn j1_offline_records_pending_then_synced_and_encrypted_at_rest() -> Result<()> {
    use yichuang_drivers::idcard::simulator::sample_resident;

    let citizen = sample_resident();
    // The configured server is down when the workstation starts.
    let mut app = App::builder("sync-offline")
        .window(7)
        .server_down()
        .simulator_control()
        .start()
        .await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            app.login_view().await?;
            app.backend_state("unreachable", Duration::from_secs(10))
                .await?;
            wait_attr(
                client,
                "[data-testid=status-devices] [data-slot=id_card]",
                "data-state",
                Duration::from_secs(10),
                |s| s == "connected",
            )
            .await?;

            // Offline work: three card reads, each audited with its outbox row; each shows as one
            // more pending record.
            // Counted from what is pending already (the enrollment's audit entry, written when IT
            // provisioned the workstation).
            let before: usize = wd(wd(client.find(Locator::Css(PENDING)))
                .await?
                .attr("data-count"))
            .await?
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
            let mut count = String::new();
            for (i, sample) in ["resident", "foreign_permanent", "resident"]
                .iter()
                .enumerate()
            {
                app.sim(&format!("card place {sample}"))?;
                (count, _) =
                    wait_attr(client, PENDING, "data-count", Duration::from_secs(5), |n| {
                        n.parse::<usize>().is_ok_and(|n| n > before + i)
                    })
                    .await
                    .with_context(|| format!("read {} not shown as pending", i + 1))?;
                // The next card is another one, so the reader reports it as new whether or not it
                // saw this one go (a quick swap).
                app.sim("card remove")?;
            }
            let pending: u32 = count.parse()?;
            let el = wd(client.find(Locator::Css(PENDING))).await?;
            ensure!(
                wd(el.attr("data-synced")).await?.as_deref() == Some("false"),
                "synced while {pending} records wait"
            );
            let text = wd(el.text()).await?;
            ensure!(
                text == format!("待同步：{pending} 条"),
                "status bar: {text:?}"
            );
            ensure!(!text.contains("已同步"), "status bar: {text:?}");
            let error = wait_text(
                client,
                "[data-testid=status-sync-error]",
                Duration::from_secs(10),
            )
            .await
            .context("no sync error in the status bar while the server is down")?;
            ensure!(error.contains("无法连接中心服务"), "sync error: {error}");
            let age = wait_text(
                client,
                "[data-testid=status-sync-age]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(age.starts_with("最早 "), "oldest pending: {age}");

            // The sync page (from the status bar) shows the same.
            click(client, PENDING).await?;
            wait_attr(
                client,
                "[data-testid=sync-pending]",
                "data-count",
                Duration::from_secs(5),
                |n| n == pending.to_string(),
            )
            .await?;
            let last_error = wait_text(
                client,
                "[data-testid=sync-last-error]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(last_error.contains("无法连接中心服务"), "{last_error}");
            let success = wait_text(
                client,
                "[data-testid=sync-last-success]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(
                success == "从未成功",
                "last success while never synced: {success}"
            );
            click(client, "[data-testid=sync-close]").await?;

            // The server returns: everything goes up by itself, the bar reaches 0 and 「已同步」.
            app.restart_server()?;
            wait_attr(
                client,
                PENDING,
                "data-synced",
                Duration::from_secs(30),
                |s| s == "true",
            )
            .await
            .context("not synced within 30 s of the server's return")?;
            let el = wd(client.find(Locator::Css(PENDING))).await?;
            ensure!(wd(el.attr("data-count")).await?.as_deref() == Some("0"));
            ensure!(wd(el.text()).await? == "已同步");
            ensure!(
                wd(client.find(Locator::Css("[data-testid=status-sync-error]")))
                    .await
                    .is_err(),
                "an old error is still shown after the sync succeeded"
            );
            // The workstation's own audit check (stats need an admin clerk's session).
            let (status, body) = app.server_get("/api/v1/sync/audit/441500-7")?;
            ensure!(status == 200, "audit check: {status} {body}");
            let check: serde_json::Value = serde_json::from_str(&body)?;
            let held = check["entries"].as_u64().unwrap_or(0);
            ensure!(
                held >= u64::from(pending),
                "server holds {held} audit records, {pending} were pending: {body}"
            );

            click(client, PENDING).await?;
            wait_attr(
                client,
                "[data-testid=sync-state]",
                "data-synced",
                Duration::from_secs(5),
                |s| s == "true",
            )
            .await?;
            let success = wait_text(
                client,
                "[data-testid=sync-last-success]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(success != "从未成功", "sync page: last success {success}");
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // Encrypted at rest: no file of the store or the material store holds the citizen's name
    // or ID number in clear text…
    let data = app.ws.data_dir();
    let mut files = Vec::new();
    for name in ["workstation.db", "workstation.db-wal", "workstation.db-shm"] {
        if data.join(name).exists() {
            files.push(data.join(name));
        }
    }
    ensure!(!files.is_empty(), "no database file in {}", data.display());
    let mut dirs = vec![data.join("blobs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    let needles = [
        citizen.name.as_bytes().to_vec(),
        citizen.id_number.as_bytes().to_vec(),
    ];
    let mut bytes_checked = 0;
    for f in &files {
        let bytes = std::fs::read(f)?;
        bytes_checked += bytes.len();
        for n in &needles {
            ensure!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "{} contains {:?} in clear text",
                f.display(),
                String::from_utf8_lossy(n)
            );
        }
    }
    eprintln!(
        "e2e: {} files, {bytes_checked} bytes free of the citizen's name and ID number",
        files.len()
    );
    // …while the decrypted store does hold the read (so the search above could have failed),
    // and nothing is left in the outbox.
    let mut store = app.open_store()?;
    yichuang_core::domain::audit::verify_chain(store.conn())?;
    let reads = yichuang_core::domain::audit::recent(store.conn(), 500)?
        .into_iter()
        .filter(|r| r.action == "card.read" && r.subject.as_deref() == Some(&citizen.id_number))
        .count();
    ensure!(
        reads == 2,
        "{reads} audited reads of the resident card in the store"
    );
    ensure!(store.pending_sync_count()? == 0, "outbox not empty");
    Ok(())
}
