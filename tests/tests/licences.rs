//! Issue 20 (L1, L2, A6) in the real window against the real server: the licence library
//! holds, for the citizen on the simulated card, a valid 居民户口簿 licence and a revoked one.
//! 张三 reads the card, takes 户籍证明 in: the 户口簿 row shows both; the revoked one is refused
//! with its reason, the valid one is received as 电子证照 instead of paper; the notice names
//! it and the hall's record of the case carries it. Then, after logging in again (no card
//! read in the new session), a company's lookup on the 证照查询 page goes to the server without
//! a proof and is refused there; with the card read, the page lists the licences, previews
//! one (its text) and sends 反馈, which the server keeps for the issuing department.

use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use fantoccini::{Client, Locator};
use serde_json::json;
use yichuang_core::domain::document::{pdf::render_pdf, Block, Document, KeyValue};
use yichuang_e2e::clerk::{option, pick, print_and_decide, remove_card, Hands};
use yichuang_e2e::issuing::{issuing_app, server_case};
use yichuang_e2e::webdriver::{click, until, wait_attr, wait_text, wd};
use yichuang_e2e::{artifacts_dir, pdf_texts, App};
use yichuang_pki::ident::{uscc_check_char, LicenceId, Uscc};

/// 居民户口簿电子证照 as the bundled catalog codes it.
const HUKOU: &str = "11100000000013338W002";

fn uscc(first17: &str) -> Result<Uscc> {
    let check = uscc_check_char(first17).context("not a code body")?;
    Ok(Uscc::parse(&format!("{first17}{check}"))?)
}

/// A licence file with its words on the page, as the preview reads them.
fn licence_pdf(holder_name: &str, number: &str) -> Result<Vec<u8>> {
    let kv = |k: &str, v: &str| KeyValue {
        key: k.into(),
        value: v.into(),
    };
    Ok(render_pdf(&Document {
        title: "居民户口簿".into(),
        header: None,
        footer: None,
        blocks: vec![
            Block::Title("居民户口簿".into()),
            Block::KeyValues(vec![kv("户主姓名", holder_name), kv("户号", number)]),
        ],
    })?)
}

/// A folder for `licence import`: the valid and the revoked 户口簿 licence of `holder`.
fn licence_folder(dir: &Path, holder: &str) -> Result<(String, String)> {
    std::fs::create_dir_all(dir)?;
    let issuer = uscc("11441500MB2C12345")?;
    let mut ids = Vec::new();
    let mut meta = Vec::new();
    for (i, serial) in ["2019000123", "2012000456"].iter().enumerate() {
        let id = LicenceId::new(HUKOU, &issuer, serial, 1)?.to_string();
        let file = format!("hukou-{i}.pdf");
        std::fs::write(dir.join(&file), licence_pdf("张伟", serial)?)?;
        meta.push(json!({
            "identifier": id, "type_name": "居民户口簿电子证照", "holder_kind": "person",
            "holder": holder, "holder_name": "张伟", "issuer_name": "北京市公安局东城分局",
            "issued_on": if i == 0 { "2019-05-01" } else { "2012-03-01" },
            "valid_until": null, "file": file,
        }));
        ids.push(id);
    }
    std::fs::write(dir.join("licences.json"), serde_json::to_vec(&meta)?)?;
    Ok((ids[0].clone(), ids[1].clone()))
}

async fn attr_of(client: &Client, css: &str, name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for el in wd(client.find_all(Locator::Css(css))).await? {
        out.push(wd(el.attr(name)).await?.unwrap_or_default());
    }
    Ok(out)
}

/// The workstation's own audit of its licence calls: (action, outcome).
fn ws_licence_audit(app: &App) -> Result<Vec<(String, String)>> {
    let mut store = app.open_store()?;
    let mut stmt = store.conn().prepare(
        "SELECT action, coalesce(json_extract(detail, '$.outcome'), '') FROM audit_log \
         WHERE action LIKE 'licence.%' ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l2_a_valid_licence_replaces_the_paper_a_revoked_one_is_refused_and_a_lookup_without_a_card_read_is_refused_by_the_server(
) -> Result<()> {
    let holder = yichuang_drivers::idcard::simulator::sample_resident().id_number;
    let mut app = issuing_app("licences", 6).start().await?;
    let folder = app.ws.data_dir().join("licence-import");
    let (valid, revoked) = licence_folder(&folder, &holder)?;
    {
        let server = app.server()?;
        server.admin(&["licence", "import", "--dir", &folder.to_string_lossy()])?;
        server.admin(&["licence", "revoke", &revoked, "--reason", "户口已迁出"])?;
    }
    app.login("张三").await?;
    let client = &app.client;
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            app.sim("card place resident")?;
            pick(&mut h, "hjzm", "GA-HJ-0301").await?;
            option(&mut h, 1).await?;
            // The applicant's card read asks the library at once: both licences on the row.
            let found = "[data-testid=material-row] [data-testid=licence-found]";
            until(
                Duration::from_secs(15),
                "the 户口簿 licences listed",
                || async { Ok(attr_of(client, found, "data-status").await?.len() == 2) },
            )
            .await?;
            let statuses = attr_of(client, found, "data-status").await?;
            ensure!(
                statuses.contains(&"valid".to_string())
                    && statuses.contains(&"revoked".to_string()),
                "{statuses:?}"
            );

            // The revoked one: refused with its reason, the material still missing.
            click(
                client,
                &format!("{found}[data-status=revoked] [data-testid=licence-use]"),
            )
            .await?;
            let refused = wait_text(
                client,
                "[data-testid=licence-refused]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(
                refused.contains("已吊销") && refused.contains("户口已迁出"),
                "refusal: {refused}"
            );

            // The valid one: received as 电子证照.
            click(
                client,
                &format!("{found}[data-status=valid] [data-testid=licence-use]"),
            )
            .await?;
            let in_use = wait_text(
                client,
                "[data-testid=licence-in-use]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(in_use.contains("已使用电子证照"), "{in_use}");
            let row = wait_attr(
                client,
                "[data-testid=material-row]:has([data-testid=licence-in-use])",
                "data-received",
                Duration::from_secs(5),
                |r| r == "electronic",
            )
            .await;
            ensure!(row.is_ok(), "the material is not received as 电子材料");
            // The checklist as the clerk sees it (1366×768), for a person to look at.
            if let Ok(png) = wd(client.screenshot()).await {
                let _ = std::fs::write(artifacts_dir("e2e").join("l2-checklist-licence.png"), png);
            }

            h.click("[data-testid=receive-all]").await?;
            remove_card(&app).await?;
            let done = print_and_decide(&mut h).await?;
            let case_no: String = done
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 21)
                .with_context(|| format!("no case number in {done:?}"))?
                .to_owned();
            // The hall's record carries the licence in place of the paper.
            let case = server_case(&app, &case_no, "the case with its licence", |v| {
                v["materials"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|m| m["licence"] == valid.as_str()))
            })
            .await?;
            let m = case["materials"].as_array().context("materials")?;
            let hukou = m
                .iter()
                .find(|m| m["licence"] == valid.as_str())
                .context("licence")?;
            ensure!(
                hukou["received"] == "electronic" && hukou["files"] == 1,
                "{hukou}"
            );
            Ok(case_no)
        })
        .await;
    let case_no = match result {
        Ok(c) => c,
        Err(e) => {
            app.close().await;
            return Err(e);
        }
    };
    // The notice names the licence.
    // (Spaces and line breaks dropped: the long identifier wraps on the page.)
    let notices: String = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?
        .join("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    ensure!(
        notices.contains(&case_no) && notices.contains(&valid) && notices.contains("电子证照"),
        "the notice does not name {valid}"
    );

    // A new session: no card read in it. A company's lookup goes out without a proof and the
    // server refuses it; then the card read, the page lists, previews and takes 反馈.
    let company = uscc("91441500MA4UABCD1")?.to_string();
    let result = app
        .scenario(async {
            click(client, "[data-testid=logout]").await?;
            app.login("张三").await?;
            click(client, "[data-menu=licences]").await?;
            wait_text(
                client,
                "[data-testid=licence-query-page]",
                Duration::from_secs(5),
            )
            .await?;
            let mut h = Hands::new(client);
            h.type_in("[data-testid=licence-item-search]", "hjzm")
                .await?;
            click(client, "[data-testid=licence-item-hit]").await?;
            h.type_in("[data-testid=licence-organisation]", &company)
                .await?;
            click(client, "[data-testid=licence-query-lookup]").await?;
            let refused = wait_text(
                client,
                "[data-testid=licence-query-error]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(
                refused.contains("身份证"),
                "the server's refusal: {refused}"
            );

            // The card on the reader: the person's licences.
            // Backspaces, as a clerk empties the field (the page sees each key).
            h.press("[data-testid=licence-organisation]", &"\u{E003}".repeat(20))
                .await?;
            app.sim("card place resident")?;
            until(Duration::from_secs(10), "the holder read", || async {
                Ok(wait_text(
                    client,
                    "[data-testid=licence-holder]",
                    Duration::from_secs(1),
                )
                .await?
                .contains("张伟"))
            })
            .await?;
            click(client, "[data-testid=licence-query-lookup]").await?;
            wait_attr(
                client,
                "[data-testid=licence-result]:has([data-testid=licence-found])",
                "data-outcome",
                Duration::from_secs(10),
                |o| o == "found",
            )
            .await?;
            click(
                client,
                "[data-testid=licence-found][data-status=valid] [data-testid=licence-preview-open]",
            )
            .await?;
            until(Duration::from_secs(10), "the licence's text", || async {
                Ok(
                    wait_text(client, "[data-testid=licence-text]", Duration::from_secs(1))
                        .await?
                        .contains("户主姓名"),
                )
            })
            .await?;
            click(client, "[data-testid=licence-feedback]").await?;
            h.type_in(
                "[data-testid=licence-feedback-comment]",
                "户号有误，应为2019000124",
            )
            .await?;
            click(client, "[data-testid=licence-feedback-send]").await?;
            let sent = wait_text(
                client,
                "[data-testid=licence-feedback-sent]",
                Duration::from_secs(10),
            )
            .await?;
            ensure!(sent.contains("反馈已提交"), "{sent}");
            if let Ok(png) = wd(client.screenshot()).await {
                let _ = std::fs::write(artifacts_dir("e2e").join("l1-licence-preview.png"), png);
            }
            Ok(())
        })
        .await;
    let feedback = app
        .server()
        .and_then(|s| s.admin(&["licence", "feedback", "list"]));
    let audit = ws_licence_audit(&app);
    app.close().await;
    result?;
    let feedback = feedback?;
    ensure!(
        feedback.contains(&valid) && feedback.contains("户号有误"),
        "feedback on the server: {feedback}"
    );
    let audit = audit?;
    let refused_without_proof = audit
        .iter()
        .any(|(a, o)| a == "licence.lookup" && o.contains("licence_proof_missing"));
    ensure!(
        refused_without_proof,
        "no server refusal audited here: {audit:?}"
    );
    for action in [
        "licence.attach_refused",
        "licence.attach",
        "licence.preview",
        "licence.feedback",
    ] {
        ensure!(
            audit.iter().any(|(a, _)| a == action),
            "{action} not audited: {audit:?}"
        );
    }
    Ok(())
}
