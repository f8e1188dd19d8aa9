//! Issue 20 item 6 (E2, A6) in the real app window: a company applies — the clerk chooses
//! 法人或其他组织, types its name and 统一社会信用代码 (a wrong check character refused under
//! the field, in Chinese, as it is typed), its legal representative comes from the ID card on
//! the simulated reader, and the accepted case's printed notice names the company, its code and
//! its legal representative; the history lists the case by the company's name, and the hall
//! server's record holds it under the company with its legal representative masked.
//! Run by `make e2e`.

use anyhow::{ensure, Result};
use fantoccini::Locator;
use std::time::Duration;
use yichuang_e2e::clerk::{pick, print_and_decide, Hands};
use yichuang_e2e::webdriver::{settled, until, wait_text, wd};
use yichuang_e2e::{artifacts_dir, pdf_texts, App};

/// A published 统一社会信用代码, and the same with its check character wrong.
const USCC: &str = "91350100M000100Y43";
const USCC_WRONG: &str = "91350100M000100Y44";
const COMPANY: &str = "汕尾市红海湾便利店有限公司";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2_company_applicant_accepted_with_its_legal_representative() -> Result<()> {
    let mut app = App::counter("company-applicant", 3).await?;
    let client = &app.client;
    let resident = yichuang_drivers::idcard::simulator::sample_resident();
    let result = app
        .scenario(async {
            let mut h = Hands::new(client);
            // The legal representative puts the card down; the item has a single situation.
            app.sim("card place resident")?;
            pick(&mut h, "预包装食品备案", "SC-XK-0102").await?;
            wait_text(client, "[data-testid=material-row]", Duration::from_secs(3)).await?;

            // 申请人类型: 法人或其他组织; the company's fields appear, the focus in the first.
            h.click("[data-testid=applicant-kind-organisation]").await?;
            let org = wait_text(
                client,
                "[data-testid=party-organisation]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(
                org.contains("单位名称") && org.contains("统一社会信用代码"),
                "organisation fields: {org:?}"
            );
            let focused = wd(client.execute(
                "return document.activeElement?.dataset?.testid ?? ''",
                vec![],
            ))
            .await?;
            ensure!(focused == "org-name", "focus after the choice: {focused}");
            h.type_in("[data-testid=org-name]", COMPANY).await?;

            // A wrong check character: refused under the field as it is typed.
            h.type_in("[data-testid=org-uscc]", USCC_WRONG).await?;
            let said = wait_text(
                client,
                "[data-testid=org-uscc-error]",
                Duration::from_secs(3),
            )
            .await?;
            ensure!(
                said.contains("统一社会信用代码") && said.contains("校验位"),
                "the refusal under the field: {said:?}"
            );
            settled(client).await?;
            app.display
                .screenshot(&artifacts_dir("e2e").join("e2-company-applicant-uscc-refused.png"))?;
            h.type_in("[data-testid=org-uscc]", USCC).await?;
            until(
                Duration::from_secs(3),
                "the USCC refusal gone",
                || async move {
                    Ok(client
                        .find(Locator::Css("[data-testid=org-uscc-error]"))
                        .await
                        .is_err())
                },
            )
            .await?;

            // The legal representative is the person on the card, read at this window.
            let rep = wd(client.find(Locator::Css("[data-testid=applicant-name]")))
                .await?
                .prop("value")
                .await?
                .unwrap_or_default();
            ensure!(rep == resident.name, "legal representative: {rep:?}");
            let form = wd(client.find(Locator::Css(".parties")))
                .await?
                .text()
                .await?;
            ensure!(form.contains("法定代表人"), "form: {form:?}");
            wait_text(
                client,
                "[data-testid=applicant-source]",
                Duration::from_secs(1),
            )
            .await?;
            h.type_in("[data-field=place] input", "汕尾市城区香洲路1号")
                .await?;
            h.type_in("[data-field=phone] input", "13800138000").await?;

            // The form as the clerk sees it (1366×768), for a person to look at.
            settled(client).await?;
            app.display
                .screenshot(&artifacts_dir("e2e").join("e2-company-applicant-form.png"))?;

            h.click("[data-testid=receive-all]").await?;
            let done = print_and_decide(&mut h).await?;
            ensure!(done.contains("已受理"), "company case: {done}");

            // The history lists the case by the company's name.
            h.click("[data-menu=history]").await?;
            let rows =
                wait_text(client, "[data-testid=history-row]", Duration::from_secs(5)).await?;
            ensure!(rows.contains(COMPANY), "history row: {rows:?}");

            // The hall server holds the case under the company, its code and its legal
            // representative masked (never the ID number in clear). 数据同步 → 立即同步 pushes
            // it now rather than at the next cycle.
            h.click("[data-menu=sync]").await?;
            h.click("[data-testid=sync-now]").await?;
            let db = app.server()?.data_dir().join("server.db");
            let shown = std::cell::RefCell::new(String::new());
            let shown = &shown;
            until(
                Duration::from_secs(30),
                "the company case synced to the hall server",
                || {
                    let db = db.clone();
                    async move {
                        let conn = rusqlite::Connection::open(&db)?;
                        let row: Option<String> = conn
                            .query_row(
                                "SELECT applicant_masked FROM cases WHERE applicant_masked LIKE ?1",
                                [format!("{COMPANY}%")],
                                |r| r.get(0),
                            )
                            .ok();
                        let found = row.is_some();
                        *shown.borrow_mut() = row.unwrap_or_default();
                        Ok(found)
                    }
                },
            )
            .await?;
            let shown = shown.borrow().clone();
            ensure!(
                shown.contains(USCC)
                    && shown.contains("法定代表人")
                    && !shown.contains(&resident.id_number),
                "the hall's record: {shown:?}"
            );
            Ok(())
        })
        .await;
    app.close().await;
    result?;

    // The notice names the company, its code and its legal representative.
    let texts = pdf_texts(&app.ws.data_dir().join("a4-simulated"))?;
    ensure!(texts.len() == 1, "{} notices printed", texts.len());
    let notice = texts[0].replace(char::is_whitespace, "");
    for want in [COMPANY, USCC, "法定代表人", resident.name.as_str()] {
        ensure!(notice.contains(want), "{want} not on the notice: {notice}");
    }
    Ok(())
}
