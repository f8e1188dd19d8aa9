//! End-to-end scenarios in the real app window (tauri-driver + WebKitWebDriver), against the
//! real central server on a loopback port. Run by `make e2e` (part of `make test`), which
//! builds the release binaries first. One scenario at a time: each drives a whole app.

use anyhow::{ensure, Context, Result};
use fantoccini::Locator;
use std::io::Read;
use std::time::{Duration, Instant};
use yichuang_e2e::clerk::{click_when_enabled, login_with};
use yichuang_e2e::webdriver::{
    click, open_device_panel_when_connected, switch_to_window_with, wait_attr, wait_text, wd,
    with_screenshots, Driver,
};
use yichuang_e2e::{Display, Server, Workstation};

const BACKEND: &str = "[data-testid=status-backend]";

/// Issue 2's first scenario: the app opens on the Chinese login screen, the citizen window
/// shows its idle screen, and the status bar follows the server going away and coming back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_login_citizen_idle_and_backend_reachability() -> Result<()> {
    let display = Display::ensure()?;
    let server_dir = tempfile::tempdir()?;
    let mut server = Server::start(server_dir.path())?;
    let ws = Workstation::new(Some(&server.url()), 12)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;

    let result = with_screenshots("shell", &display, &client, async {
        // The clerk window: Chinese login screen.
        ensure!(
            switch_to_window_with(&client, "[data-testid=login-view]", Duration::from_secs(15))
                .await?,
            "no window shows the login view"
        );
        let login = wait_text(&client, "[data-testid=login-view]", Duration::from_secs(15)).await?;
        ensure!(
            login.contains("一窗受理工作站") && login.contains("UKey 证书登录"),
            "login text: {login}"
        );
        ensure!(login.contains("12号窗口"), "window number missing: {login}");
        let lang = client
            .find(Locator::Css("html"))
            .await?
            .attr("lang")
            .await?;
        ensure!(lang.as_deref() == Some("zh-CN"), "html lang = {lang:?}");
        let title = client.title().await?;
        ensure!(title == "一窗受理工作站", "document title {title:?}");

        // Status bar: server reachable.
        wait_attr(
            &client,
            BACKEND,
            "data-state",
            Duration::from_secs(10),
            |s| s == "reachable",
        )
        .await?;
        let text = client.find(Locator::Css(BACKEND)).await?.text().await?;
        ensure!(text == "中心服务：已连接", "backend label {text:?}");
        let pending = client
            .find(Locator::Css("[data-testid=status-pending]"))
            .await?
            .attr("data-count")
            .await?;
        ensure!(pending.as_deref() == Some("0"), "pending {pending:?}");

        // The citizen window exists and shows its idle screen.
        let clerk_handle = client.window().await?;
        ensure!(client.windows().await?.len() == 2, "expected two windows");
        ensure!(
            switch_to_window_with(
                &client,
                "[data-testid=citizen-idle]",
                Duration::from_secs(10)
            )
            .await?,
            "no window shows the citizen idle screen"
        );
        let idle = wait_text(
            &client,
            "[data-testid=citizen-idle]",
            Duration::from_secs(10),
        )
        .await?;
        ensure!(
            idle.contains("12号窗口") && idle.contains("欢迎您"),
            "citizen idle text: {idle}"
        );
        client.switch_to_window(clerk_handle).await?;

        // Server stopped: unreachable within 5 s.
        ensure!(server.stop(), "server did not shut down gracefully");
        let (_, took) = wait_attr(
            &client,
            BACKEND,
            "data-state",
            Duration::from_secs(5),
            |s| s == "unreachable",
        )
        .await
        .context("status bar still not showing the server unreachable after 5 s")?;
        let text = client.find(Locator::Css(BACKEND)).await?.text().await?;
        ensure!(text.contains("无法连接"), "backend label {text:?}");
        eprintln!(
            "e2e: unreachable shown {} ms after server stop",
            took.as_millis()
        );

        // Server restarted on the same port: reachable again.
        server.restart()?;
        let (_, took) = wait_attr(
            &client,
            BACKEND,
            "data-state",
            Duration::from_secs(5),
            |s| s == "reachable",
        )
        .await?;
        eprintln!(
            "e2e: reachable shown {} ms after server restart",
            took.as_millis()
        );
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    result
}

/// A config with a bad value opens the app on a Chinese error that names the key, not on a
/// half-configured login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_names_the_key_in_chinese() -> Result<()> {
    let display = Display::ensure()?;
    let text = Workstation::config_text(None, 12).replace("number = 12", "number = 0");
    let ws = Workstation::with_config_text(&text)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;
    let result = with_screenshots("bad-config", &display, &client, async {
        ensure!(
            switch_to_window_with(
                &client,
                "[data-testid=startup-error]",
                Duration::from_secs(15)
            )
            .await?,
            "no window shows the startup error"
        );
        let text = wait_text(
            &client,
            "[data-testid=startup-error]",
            Duration::from_secs(10),
        )
        .await?;
        ensure!(text.contains("工作站无法启动"), "{text}");
        ensure!(text.contains("「window.number」"), "key not named: {text}");
        ensure!(
            client
                .find(Locator::Css("[data-testid=login-view]"))
                .await
                .is_err(),
            "login shown despite a bad config"
        );
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    result
}

/// Two instances on one workstation must never run at once: the second exits at once with
/// a Chinese message while the first keeps running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_instance_is_refused() -> Result<()> {
    let display = Display::ensure()?;
    let ws = Workstation::new(None, 3)?;
    let mut first = ws.spawn_app(&display, &[("YICHUANG_STARTUP_PROBE", "1")])?;
    // Wait until the first instance has rendered, i.e. certainly holds the lock.
    let mut stdout = first.child.stdout.take().context("stdout")?;
    let started = Instant::now();
    let mut seen = String::new();
    let mut buf = [0u8; 256];
    while !seen.contains("yichuang-rendered clerk login") {
        ensure!(
            started.elapsed() < Duration::from_secs(30),
            "first instance never rendered: {seen}"
        );
        let n = stdout.read(&mut buf)?;
        ensure!(n > 0, "first instance exited early: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }

    let mut second = ws.spawn_app(&display, &[])?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = second.child.try_wait()? {
            break s;
        }
        ensure!(
            Instant::now() < deadline,
            "second instance is still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    second
        .child
        .stderr
        .take()
        .context("stderr")?
        .read_to_string(&mut err)?;
    ensure!(
        status.code() == Some(3),
        "second instance exit status {status}"
    );
    ensure!(
        err.contains("已在本机运行"),
        "second instance stderr: {err}"
    );
    ensure!(first.child.try_wait()?.is_none(), "first instance died");
    Ok(())
}

/// Issue 3 (C1, C2, K2): the app drives a serial ID-card reader — the SAM simulator behind a
/// real pty, the app opening the pty by path like any USB-serial reader. Placing each card
/// type shows its identity within 1.5 s, and an expired card is flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_card_on_serial_reader_shows_identity() -> Result<()> {
    use serialport::SerialPort;
    use yichuang_drivers::idcard::simulator::{self, SampleCard};
    use yichuang_drivers::idcard::SamSimulator;

    let display = Display::ensure()?;
    let (master, slave) = serialport::TTYPort::pair().context("pty pair")?;
    let pty = slave.name().context("pty has a path")?;
    // Keep our slave handle open: with no slave open, the master reads EIO and the simulator
    // would stop. The app opens the same pty by path, like any USB-serial reader.
    let _slave = slave;
    let sim = simulator::spawn(Box::new(master), SamSimulator::new());

    let config = format!(
        "{}\n[devices.id_card]\ndriver = \"serial\"\nport = \"{pty}\"\nbaud = 115200\n",
        Workstation::config_text(None, 5)
    );
    let ws = Workstation::with_config_text(&config)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;
    let result = with_screenshots("id-card", &display, &client, async {
        open_device_panel_when_connected(&client, "id_card").await?;

        let cases = [
            (simulator::sample_resident(), "resident", false),
            (
                simulator::sample_foreign_permanent(),
                "foreign_permanent",
                false,
            ),
            (
                simulator::sample_hk_macao_taiwan(),
                "hk_macao_taiwan",
                false,
            ),
            (simulator::sample_expired(), "resident", true),
        ];
        for (identity, kind, expired) in cases {
            let number = identity.id_number.clone();
            sim.place_card(SampleCard::from_identity(&identity));
            let started = Instant::now();
            let (_, _) = wait_attr(
                &client,
                "[data-testid=id-card]",
                "data-kind",
                Duration::from_millis(1500),
                |k| k == kind,
            )
            .await
            .with_context(|| format!("{kind} card not shown within 1.5 s"))?;
            let shown_number = wait_text(
                &client,
                "[data-testid=id-card-number]",
                Duration::from_millis(500),
            )
            .await?;
            ensure!(
                shown_number.contains(&number),
                "number {shown_number:?}, expected {number}"
            );
            let took = started.elapsed();
            ensure!(took <= Duration::from_millis(1500), "{kind}: {took:?}");
            eprintln!(
                "e2e: {kind} card shown {} ms after placing",
                took.as_millis()
            );
            let flagged = client
                .find(Locator::Css("[data-testid=id-card-expired]"))
                .await
                .is_ok();
            ensure!(
                flagged == expired,
                "{kind}: expired flag {flagged}, expected {expired}"
            );
            sim.remove_card();
            wait_text(
                &client,
                "[data-testid=id-card] .removed",
                Duration::from_secs(3),
            )
            .await?;
        }
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    result
}

/// Issue 3 (F2, K2): the device panel prints a test slip on an ESC/POS printer over raw TCP
/// (the printer simulator on a loopback port, as a network printer on 9100 would be). Out of
/// paper, the status bar and the print say 「打印机缺纸」 and nothing is printed; with paper
/// restored the slip prints and the printer received its text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f2_test_slip_paper_out_then_success() -> Result<()> {
    use yichuang_drivers::escpos::{Fault, PaperWidth, Simulator};

    let display = Display::ensure()?;
    let printer = Simulator::new(PaperWidth::Mm80);
    let addr = printer.listen("127.0.0.1:0")?;
    let config = format!(
        "{}\n[devices.receipt_printer]\ndriver = \"tcp\"\naddress = \"{addr}\"\n",
        Workstation::config_text(None, 8)
    );
    let ws = Workstation::with_config_text(&config)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;
    let slot = "[data-testid=status-devices] [data-slot=receipt_printer]";
    let result = with_screenshots("receipt-printer", &display, &client, async {
        open_device_panel_when_connected(&client, "receipt_printer").await?;

        printer.set_fault(Fault::PaperOut, true);
        wait_attr(&client, slot, "data-state", Duration::from_secs(8), |s| {
            s == "error"
        })
        .await
        .context("status bar never showed the printer fault")?;
        let bar = wd(client.find(Locator::Css(slot))).await?.text().await?;
        ensure!(bar.contains("打印机缺纸"), "status bar: {bar}");

        wd(client.find(Locator::Css("[data-testid=print-test-slip]")))
            .await?
            .click()
            .await?;
        wait_attr(
            &client,
            "[data-testid=print-result]",
            "data-ok",
            Duration::from_secs(10),
            |v| v == "false",
        )
        .await?;
        let text = wait_text(
            &client,
            "[data-testid=print-result]",
            Duration::from_secs(2),
        )
        .await?;
        ensure!(text.contains("打印机缺纸"), "print result: {text}");
        ensure!(
            printer.paper().is_empty(),
            "something printed while out of paper"
        );

        printer.set_fault(Fault::PaperOut, false);
        wd(client.find(Locator::Css("[data-testid=print-test-slip]")))
            .await?
            .click()
            .await?;
        wait_attr(
            &client,
            "[data-testid=print-result]",
            "data-ok",
            Duration::from_secs(10),
            |v| v == "true",
        )
        .await?;
        let text = wait_text(
            &client,
            "[data-testid=print-result]",
            Duration::from_secs(2),
        )
        .await?;
        ensure!(text.contains("测试小票已打印"), "print result: {text}");
        let paper = printer.paper().text();
        ensure!(paper.contains("测试市政务服务中心"), "printed: {paper}");
        wait_attr(&client, slot, "data-state", Duration::from_secs(8), |s| {
            s == "connected"
        })
        .await?;
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    result
}

/// Issue 3 (D1): a scan from a serial scanner gun (the scan simulator behind a real pty)
/// arrives as one event; a keyboard-wedge burst typed into a focused text field is caught as a
/// scan and none of it lands in the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d1_scans_arrive_once_and_never_in_a_text_field() -> Result<()> {
    use serialport::SerialPort;
    use yichuang_drivers::scanner::{simulator, ScanSimulator, SimConfig, Suffix, TextEncoding};

    let display = Display::ensure()?;
    let (master, slave) = serialport::TTYPort::pair().context("pty pair")?;
    let pty = slave.name().context("pty has a path")?;
    let _slave = slave; // see c1_card_on_serial_reader_shows_identity
                        // A scanner set to GB18030 with CR LF, configured the same way in workstation.toml.
    let sim_config = SimConfig {
        suffix: Suffix::CrLf,
        encoding: TextEncoding::Gb18030,
        ..SimConfig::default()
    };
    let sim = simulator::spawn(Box::new(master), ScanSimulator::new(sim_config));
    let config = format!(
        "{}\n[devices.scanner]\ndriver = \"serial\"\nport = \"{pty}\"\nbaud = 9600\nsuffix = \"crlf\"\nencoding = \"gb18030\"\n",
        Workstation::config_text(None, 9)
    );
    let ws = Workstation::with_config_text(&config)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;
    let result = with_screenshots("scanner", &display, &client, async {
        open_device_panel_when_connected(&client, "scanner").await?;
        let probe = wd(client.find(Locator::Css("input[data-testid=scan-probe]"))).await?;
        wd(probe.click())
            .await
            .context("focusing the probe field")?;

        sim.scan("YY20261123-0042 户籍证明");
        let (_, took) = wait_attr(
            &client,
            "[data-testid=last-scan]",
            "data-count",
            Duration::from_secs(5),
            |c| c == "1",
        )
        .await?;
        let shown = wait_text(&client, "[data-testid=last-scan]", Duration::from_secs(2)).await?;
        ensure!(
            shown.contains("YY20261123-0042 户籍证明") && shown.contains("串口"),
            "{shown}"
        );
        eprintln!(
            "e2e: serial scan shown {} ms after the scan",
            took.as_millis()
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        let count = wd(client.find(Locator::Css("[data-testid=last-scan]")))
            .await?
            .attr("data-count")
            .await?;
        ensure!(count.as_deref() == Some("1"), "one scan, {count:?} events");

        // Keyboard wedge: WebDriver types the burst at machine speed, as a HID scanner does.
        wd(probe.send_keys("ABC1234567\u{E007}"))
            .await
            .context("typing the wedge burst")?;
        wait_attr(
            &client,
            "[data-testid=last-scan]",
            "data-source",
            Duration::from_secs(5),
            |s| s == "keyboard",
        )
        .await
        .context("the wedge burst was not taken as a scan")?;
        let shown = wait_text(&client, "[data-testid=last-scan]", Duration::from_secs(2)).await?;
        ensure!(shown.contains("ABC1234567"), "{shown}");
        let value = wd(client.execute(
            "return document.querySelector('input[data-testid=scan-probe]').value",
            vec![],
        ))
        .await?;
        ensure!(
            value.as_str() == Some(""),
            "scan leaked into the field: {value}"
        );
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    result
}

/// Issue 3 (K2, item 7) and A6: `make run`'s setup — every device simulated, the control
/// surface on a loopback port. A test acting as the world outside the counter places an 'I'
/// card, pulls the scanner trigger and empties the printer through `yichuang-sim`'s protocol;
/// the device panel's self-tests pass against the simulators; the card read is in the
/// hash-chained audit trail with its outbox row (the status bar's pending count).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k2_simulated_devices_driven_from_the_control_surface() -> Result<()> {
    use yichuang_core::devices::simctl::send;

    let display = Display::ensure()?;
    let control = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.to_string()
    };
    let config = format!(
        "{}\n[simulator]\ncontrol = \"{control}\"\n",
        Workstation::config_text(None, 10)
    );
    let ws = Workstation::with_config_text(&config)?;
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;
    let result = with_screenshots("simulated-devices", &display, &client, async {
        open_device_panel_when_connected(&client, "id_card").await?;
        let pending_before: u64 = wd(client.find(Locator::Css("[data-testid=status-pending]")))
            .await?
            .attr("data-count")
            .await?
            .unwrap_or_default()
            .parse()
            .unwrap_or(0);

        // Read card: the foreigner's permanent-residence card ('I').
        let reply = send(&control, "card place foreign_permanent")?;
        ensure!(reply == "ok", "control surface: {reply}");
        wait_attr(
            &client,
            "[data-testid=id-card]",
            "data-kind",
            Duration::from_millis(1500),
            |k| k == "foreign_permanent",
        )
        .await
        .context("'I' card from the control surface not shown within 1.5 s")?;
        // A6: the read was audited, so one more record waits for the backend.
        wait_attr(
            &client,
            "[data-testid=status-pending]",
            "data-count",
            Duration::from_secs(5),
            |n| n.parse::<u64>().is_ok_and(|n| n > pending_before),
        )
        .await
        .context("card read did not add an audit record to the outbox")?;
        ensure!(send(&control, "card remove")? == "ok");
        let bad = send(&control, "card place nobody")?;
        ensure!(bad.starts_with("error "), "unknown sample accepted: {bad}");

        // Test scan: arrives once, as a serial scan.
        ensure!(send(&control, "scan YCBJ:2026-000123")? == "ok");
        wait_attr(
            &client,
            "[data-testid=last-scan]",
            "data-source",
            Duration::from_secs(3),
            |s| s == "serial",
        )
        .await?;
        let text = wait_text(&client, "[data-testid=last-scan]", Duration::from_secs(1)).await?;
        ensure!(text.contains("YCBJ:2026-000123"), "last scan: {text}");

        // Printer: paper out from outside, then the self-test slip after paper is back.
        ensure!(send(&control, "printer fault paper_out on")? == "ok");
        let slot = "[data-testid=status-devices] [data-slot=receipt_printer]";
        wait_attr(&client, slot, "data-state", Duration::from_secs(8), |s| {
            s == "error"
        })
        .await?;
        let bar = wd(client.find(Locator::Css(slot))).await?.text().await?;
        ensure!(bar.contains("打印机缺纸"), "status bar: {bar}");
        ensure!(send(&control, "printer fault paper_out off")? == "ok");
        wait_attr(&client, slot, "data-state", Duration::from_secs(8), |s| {
            s == "connected"
        })
        .await?;
        click(&client, "[data-testid=print-test-slip]").await?;
        wait_attr(
            &client,
            "[data-testid=print-result]",
            "data-ok",
            Duration::from_secs(10),
            |v| v == "true",
        )
        .await
        .context("test slip did not print")?;

        // A4 test page through the simulated A4 printer: a real PDF, followed to the end.
        click(&client, "[data-testid=print-test-page]").await?;
        wait_attr(
            &client,
            "[data-testid=a4-result]",
            "data-ok",
            Duration::from_secs(15),
            |v| v == "true",
        )
        .await
        .context("A4 test page did not print")?;
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    drop(driver);
    result?;

    // The A4 page the simulated printer received: Chinese text of the test page.
    let pdf = std::fs::read_dir(ws.data_dir().join("a4-simulated"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .context("no PDF from the simulated A4 printer")?;
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .context("pdftotext (poppler-utils)")?;
    let text = String::from_utf8_lossy(&text.stdout);
    ensure!(text.contains("测试页"), "A4 test page text: {text}");

    // The audit trail on disk: intact chain, the card read in it.
    let mut store = ws.open_store()?;
    let n = yichuang_core::domain::audit::verify_chain(store.conn())?;
    let recent = yichuang_core::domain::audit::recent(store.conn(), 10)?;
    ensure!(
        recent
            .iter()
            .any(|r| r.action == "card.read" && r.subject.as_deref() == Some("USA110085031201")),
        "card read not in the audit trail ({n} entries): {recent:?}"
    );
    Ok(())
}

/// Issue 4 (A1–A3, A5): certificate login with the simulated SKF key (SM2, through the SKF
/// library loaded at run time) against the real server's challenge–response. A wrong PIN
/// shows the retries left; the right one logs 钱七 in; pulling the key locks both windows
/// within 1 s (citizen screen 「暂停服务」); re-inserting it and the PIN unlock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a1_skf_login_wrong_pin_lock_on_removal_and_unlock() -> Result<()> {
    use yichuang_e2e::{AuthServer, TestKeys};

    let display = Display::ensure()?;
    let keys = TestKeys::setup()?;
    let var = |k: &str| keys.var(k);
    let (lib, state, sim_bin, pin) = (
        var("YICHUANG_SKF_LIB")?,
        var("YICHUANG_SKF_SIM_STATE")?,
        var("YICHUANG_SKF_SIM_BIN")?,
        var("YICHUANG_SKF_PIN")?,
    );
    let sim = |cmd: &str| -> Result<()> {
        let st = std::process::Command::new(&sim_bin)
            .args(["--state", &state, cmd])
            .status()?;
        ensure!(st.success(), "yichuang-skf-sim {cmd} failed");
        Ok(())
    };

    // The server trusts the test CAs; 钱七 is bound to the SKF key's certificate.
    let auth = AuthServer::start(
        keys.path(),
        "id,name,department,post,permissions\nT-QQ,钱七,区政务服务中心,综合窗口,accept;query\n",
        &[("T-QQ", "skf/clerk.pem")],
    )?;
    let server = &auth.server;

    let config = format!(
        "{}\n[devices.ukey]\ndriver = \"skf\"\nmodule = \"{lib}\"\nvendor = \"standard\"\n",
        Workstation::config_text(Some(&server.url()), 11)
    );
    let ws = Workstation::with_config_text(&config)?;
    let mut env = ws.env(&display);
    env.push(("YICHUANG_SKF_SIM_STATE".into(), state.clone()));
    let driver = Driver::start(&env)?;
    let client = driver.session().await?;
    let result = with_screenshots("ukey-login", &display, &client, async {
        ensure!(
            switch_to_window_with(&client, "[data-testid=login-view]", Duration::from_secs(15))
                .await?,
            "no login view"
        );
        let retries = wait_text(
            &client,
            "[data-testid=login-retries]",
            Duration::from_secs(10),
        )
        .await
        .context("key not detected on the login view")?;
        ensure!(retries.contains("6/6"), "retries: {retries}");

        // Wrong PIN: the key counts down and the clerk is told how many tries remain.
        let pin_box = wd(client.find(Locator::Css("input[data-testid=login-pin]"))).await?;
        wd(pin_box.send_keys("00000000")).await?;
        click_when_enabled(&client, "[data-testid=login-submit]").await?;
        let err = wait_text(
            &client,
            "[data-testid=login-error]",
            Duration::from_secs(10),
        )
        .await?;
        ensure!(
            err.contains("PIN码错误") && err.contains('5'),
            "wrong PIN message: {err}"
        );

        // Right PIN: SM2 challenge–response with the server.
        let pin_box = wd(client.find(Locator::Css("input[data-testid=login-pin]"))).await?;
        wd(pin_box.send_keys(&pin)).await?;
        click_when_enabled(&client, "[data-testid=login-submit]").await?;
        let who = wait_text(
            &client,
            "[data-testid=workbench-clerk]",
            Duration::from_secs(10),
        )
        .await
        .context("login did not reach the workbench")?;
        ensure!(
            who.contains("钱七") && who.contains("区政务服务中心"),
            "workbench: {who}"
        );
        let bar = wait_text(
            &client,
            "[data-testid=status-clerk]",
            Duration::from_secs(2),
        )
        .await?;
        ensure!(bar.contains("钱七"), "status bar: {bar}");
        wait_text(
            &client,
            "[data-testid=session-online]",
            Duration::from_secs(2),
        )
        .await?;

        // Pull the key: locked within 1 s.
        sim("remove")?;
        let pulled = Instant::now();
        wait_text(
            &client,
            "[data-testid=lock-screen]",
            Duration::from_millis(1000),
        )
        .await
        .context("not locked within 1 s of pulling the key")?;
        let took = pulled.elapsed();
        eprintln!(
            "a1: locked {} ms after the key was pulled",
            took.as_millis()
        );
        // The citizen window says 暂停服务.
        let clerk_window = client.window().await?;
        ensure!(
            switch_to_window_with(
                &client,
                "[data-testid=citizen-paused]",
                Duration::from_secs(3)
            )
            .await?,
            "citizen window does not show 暂停服务"
        );
        client.switch_to_window(clerk_window).await?;

        // Re-insert and unlock with the PIN.
        sim("insert")?;
        let pin_box = wd(client.find(Locator::Css("input[data-testid=unlock-pin]"))).await?;
        wd(pin_box.send_keys(&pin)).await?;
        click_when_enabled(&client, "[data-testid=unlock-submit]").await?;
        let mut unlocked = false;
        for _ in 0..50 {
            if client
                .find(Locator::Css("[data-testid=lock-screen]"))
                .await
                .is_err()
            {
                unlocked = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !unlocked {
            let text = match client
                .find(Locator::Css("[data-testid=unlock-error]"))
                .await
            {
                Ok(m) => m.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            anyhow::bail!("still locked after re-insert + PIN: {text}");
        }
        wait_text(
            &client,
            "[data-testid=workbench-clerk]",
            Duration::from_secs(2),
        )
        .await?;

        // Log out; wrong PINs until the key's retry limit locks it: 「UKey已锁定」.
        click(&client, "[data-testid=logout]").await?;
        wait_text(&client, "[data-testid=login-view]", Duration::from_secs(5)).await?;
        let mut last = String::new();
        for attempt in 1..=6 {
            let pin_box = wd(client.find(Locator::Css("input[data-testid=login-pin]"))).await?;
            wd(pin_box.send_keys("99999999")).await?;
            click_when_enabled(&client, "[data-testid=login-submit]").await?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let now = wait_text(
                    &client,
                    "[data-testid=login-error]",
                    Duration::from_secs(10),
                )
                .await
                .unwrap_or_default();
                // Each attempt replaces the message; wait for this attempt's.
                if now != last || attempt == 1 {
                    last = now;
                    break;
                }
                ensure!(
                    Instant::now() < deadline,
                    "no answer to wrong PIN {attempt}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            if last.contains("UKey已锁定") {
                ensure!(attempt >= 5, "locked after only {attempt} wrong PINs");
                break;
            }
        }
        ensure!(last.contains("UKey已锁定"), "never locked: {last}");
        let retries = wait_text(
            &client,
            "[data-testid=login-retries]",
            Duration::from_secs(3),
        )
        .await?;
        ensure!(retries.contains("UKey已锁定"), "retries line: {retries}");
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    drop(driver);
    drop(auth);
    result
}

/// Issue 4 (A1, A3, offline login): PKCS#11 tokens (SoftHSM2, ECDSA P-256). The unbound
/// certificate of 王五 is refused with its message; 张三 logs in online and gets an offline
/// grant; with the server stopped 张三 logs in offline with it, while 李四 (no grant on this
/// workstation) is refused with the offline message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a1_pkcs11_login_unbound_refused_and_offline_grant() -> Result<()> {
    use yichuang_e2e::{AuthServer, TestKeys};

    let display = Display::ensure()?;
    let keys = TestKeys::setup()?;
    let var = |k: &str| keys.var(k);
    let (module, conf, pin) = (
        var("YICHUANG_PKCS11_MODULE")?,
        var("SOFTHSM2_CONF")?,
        var("YICHUANG_PKCS11_PIN")?,
    );
    let mut auth = AuthServer::start(
        keys.path(),
        "id,name,department,post,permissions\nT-ZS,张三,市政务服务中心,综合窗口,accept\nT-LS,李四,市政务服务中心,不动产窗口,accept\n",
        &[("T-ZS", "ca/clerk-ecdsa.pem"), ("T-LS", "ca/clerk-rsa.pem")],
    )?;
    let server = &mut auth.server;
    let config = format!(
        "{}\n[devices.ukey]\ndriver = \"pkcs11\"\nmodule = \"{module}\"\n",
        Workstation::config_text(Some(&server.url()), 13)
    );
    let ws = Workstation::with_config_text(&config)?;
    let mut env = ws.env(&display);
    env.push(("SOFTHSM2_CONF".into(), conf));
    let driver = Driver::start(&env)?;
    let client = driver.session().await?;
    let result = with_screenshots("pkcs11-login", &display, &client, async {
        ensure!(
            switch_to_window_with(&client, "[data-testid=login-view]", Duration::from_secs(15))
                .await?,
            "no login view"
        );
        wait_attr(
            &client,
            "[data-testid=status-backend]",
            "data-state",
            Duration::from_secs(10),
            |s| s == "reachable",
        )
        .await?;

        // 王五's certificate is valid but bound to no clerk.
        login_with(&client, "王五", &pin).await?;
        let (_, _) = wait_attr(
            &client,
            "[data-testid=login-error]",
            "data-code",
            Duration::from_secs(10),
            |c| c == "login.cert_not_bound",
        )
        .await
        .context("unbound certificate not refused")?;
        let msg = wait_text(&client, "[data-testid=login-error]", Duration::from_secs(1)).await?;
        ensure!(msg.contains("未绑定"), "unbound message: {msg}");

        // 张三 online (ECDSA P-256): the workbench, and a grant kept for offline days.
        login_with(&client, "张三", &pin).await?;
        let who = wait_text(
            &client,
            "[data-testid=workbench-clerk]",
            Duration::from_secs(10),
        )
        .await
        .context("张三 not logged in")?;
        ensure!(who.contains("张三"), "workbench: {who}");
        wait_text(
            &client,
            "[data-testid=session-online]",
            Duration::from_secs(2),
        )
        .await?;
        click(&client, "[data-testid=logout]").await?;
        wait_text(&client, "[data-testid=login-view]", Duration::from_secs(5)).await?;

        // The server goes away: 张三 gets in offline with the grant, 李四 does not.
        ensure!(server.stop(), "server did not stop");
        wait_attr(
            &client,
            "[data-testid=status-backend]",
            "data-state",
            Duration::from_secs(10),
            |s| s == "unreachable",
        )
        .await?;
        login_with(&client, "李四", &pin).await?;
        wait_attr(
            &client,
            "[data-testid=login-error]",
            "data-code",
            Duration::from_secs(15),
            |c| c == "login.offline_no_grant",
        )
        .await
        .context("李四 without a grant not refused offline")?;
        login_with(&client, "张三", &pin).await?;
        wait_text(
            &client,
            "[data-testid=session-offline]",
            Duration::from_secs(15),
        )
        .await
        .context("张三 not logged in offline")?;
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    drop(driver);
    result?;

    // Every attempt is in the audit trail, chained.
    let mut store = ws.open_store()?;
    yichuang_core::domain::audit::verify_chain(store.conn())?;
    let actions: Vec<String> = yichuang_core::domain::audit::recent(store.conn(), 20)?
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in ["login.failed", "login.ok", "logout", "login.offline"] {
        ensure!(
            actions.iter().any(|x| x == a),
            "{a} not audited: {actions:?}"
        );
    }
    Ok(())
}

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
    use yichuang_core::devices::simctl::send;
    use yichuang_drivers::idcard::simulator::sample_resident;

    let display = Display::ensure()?;
    let server_dir = tempfile::tempdir()?;
    // Started once to own a port, then down before the workstation starts.
    let mut server = Server::start(server_dir.path())?;
    ensure!(server.stop(), "server did not shut down gracefully");
    let control = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
        probe.local_addr()?.to_string()
    };
    let config = format!(
        "{}\n[simulator]\ncontrol = \"{control}\"\n",
        Workstation::config_text(Some(&server.url()), 7)
    );
    let ws = Workstation::with_config_text(&config)?;
    let citizen = sample_resident();
    let driver = Driver::start(&ws.env(&display))?;
    let client = driver.session().await?;

    let result = with_screenshots("sync-offline", &display, &client, async {
        ensure!(
            switch_to_window_with(&client, "[data-testid=login-view]", Duration::from_secs(15))
                .await?,
            "no window shows the login view"
        );
        wait_attr(
            &client,
            BACKEND,
            "data-state",
            Duration::from_secs(10),
            |s| s == "unreachable",
        )
        .await?;
        wait_attr(
            &client,
            "[data-testid=status-devices] [data-slot=id_card]",
            "data-state",
            Duration::from_secs(10),
            |s| s == "connected",
        )
        .await?;

        // Offline work: three card reads, each audited with its outbox row; each shows as one
        // more pending record.
        let mut count = String::new();
        for (i, sample) in ["resident", "foreign_permanent", "resident"]
            .iter()
            .enumerate()
        {
            ensure!(send(&control, &format!("card place {sample}"))? == "ok");
            (count, _) = wait_attr(
                &client,
                PENDING,
                "data-count",
                Duration::from_secs(5),
                |n| n.parse::<usize>().is_ok_and(|n| n > i),
            )
            .await
            .with_context(|| format!("read {} not shown as pending", i + 1))?;
            ensure!(send(&control, "card remove")? == "ok");
            tokio::time::sleep(Duration::from_millis(300)).await;
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
            &client,
            "[data-testid=status-sync-error]",
            Duration::from_secs(10),
        )
        .await
        .context("no sync error in the status bar while the server is down")?;
        ensure!(error.contains("无法连接中心服务"), "sync error: {error}");
        let age = wait_text(
            &client,
            "[data-testid=status-sync-age]",
            Duration::from_secs(3),
        )
        .await?;
        ensure!(age.starts_with("最早 "), "oldest pending: {age}");

        // The sync page (from the status bar) shows the same.
        click(&client, PENDING).await?;
        wait_attr(
            &client,
            "[data-testid=sync-pending]",
            "data-count",
            Duration::from_secs(5),
            |n| n == pending.to_string(),
        )
        .await?;
        let last_error = wait_text(
            &client,
            "[data-testid=sync-last-error]",
            Duration::from_secs(3),
        )
        .await?;
        ensure!(last_error.contains("无法连接中心服务"), "{last_error}");
        let success = wait_text(
            &client,
            "[data-testid=sync-last-success]",
            Duration::from_secs(3),
        )
        .await?;
        ensure!(
            success == "从未成功",
            "last success while never synced: {success}"
        );
        click(&client, "[data-testid=sync-close]").await?;

        // The server returns: everything goes up by itself, the bar reaches 0 and 「已同步」.
        let back = Instant::now();
        server.restart()?;
        wait_attr(
            &client,
            PENDING,
            "data-synced",
            Duration::from_secs(30),
            |s| s == "true",
        )
        .await
        .context("not synced within 30 s of the server's return")?;
        eprintln!(
            "e2e: {pending} pending records synced {} ms after the server returned",
            back.elapsed().as_millis()
        );
        let el = wd(client.find(Locator::Css(PENDING))).await?;
        ensure!(wd(el.attr("data-count")).await?.as_deref() == Some("0"));
        ensure!(wd(el.text()).await? == "已同步");
        ensure!(
            wd(client.find(Locator::Css("[data-testid=status-sync-error]")))
                .await
                .is_err(),
            "an old error is still shown after the sync succeeded"
        );
        let (status, body) = server.get("/api/v1/sync/stats?workstation=000000-7")?;
        ensure!(status == 200, "stats: {status} {body}");
        let stats: serde_json::Value = serde_json::from_str(&body)?;
        let held = stats["records"]["audit"].as_u64().unwrap_or(0);
        ensure!(
            held >= u64::from(pending),
            "server holds {held} audit records, {pending} were pending: {body}"
        );

        click(&client, PENDING).await?;
        wait_attr(
            &client,
            "[data-testid=sync-state]",
            "data-synced",
            Duration::from_secs(5),
            |s| s == "true",
        )
        .await?;
        let success = wait_text(
            &client,
            "[data-testid=sync-last-success]",
            Duration::from_secs(3),
        )
        .await?;
        ensure!(success != "从未成功", "sync page: last success {success}");
        Ok(())
    })
    .await;
    wd(client.close()).await.ok();
    drop(driver);
    result?;

    // Encrypted at rest: no file of the store or the material store holds the citizen's name
    // or ID number in clear text…
    let data = ws.data_dir();
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
    let mut store = ws.open_store()?;
    yichuang_core::domain::audit::verify_chain(store.conn())?;
    let reads = yichuang_core::domain::audit::recent(store.conn(), 20)?
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
