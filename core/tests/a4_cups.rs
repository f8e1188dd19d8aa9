//! The A4 printer through a real CUPS server, when `YICHUANG_TEST_CUPS` is set (`make unit`
//! starts one with `scripts/cups-test.sh`). Without it they skip outside CI and fail in CI
//! (`yichuang_testkit::require_env`).
//!
//! The queue `yichuang-test` writes each job to a file (its `device-uri`), which is read back
//! with `pdftotext` and rendered with `pdftoppm`; `yichuang-stopped` is a disabled queue.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use yichuang_core::devices::a4_printer::A4PrinterService;
use yichuang_core::domain::document::{render_pdf, test_page, TestPage};
use yichuang_drivers::escpos::SlipTime;
use yichuang_drivers::spooler::{job_state, Condition, Spooler, SpoolerConfig, SpoolerError};

/// The file queue keeps one output file: print to it one test at a time.
static FILE_QUEUE: Mutex<()> = Mutex::new(());

/// The test CUPS server's address; `None` (skip outside CI, a failure in CI) without it.
fn cups() -> Option<String> {
    yichuang_testkit::require_env(
        "YICHUANG_TEST_CUPS",
        "make unit starts a private cupsd with scripts/cups-test.sh and exports its address",
    )
}

fn spooler(addr: &str, queue: &str) -> Spooler {
    let mut config = SpoolerConfig::new(Some(addr), queue).unwrap();
    config.job_timeout = Duration::from_secs(30);
    config.poll_every = Duration::from_millis(100);
    Spooler::new(config)
}

fn at() -> SlipTime {
    SlipTime::new(2026, 11, 23, 9, 30)
}

fn output_file(s: &Spooler) -> PathBuf {
    let uri = s
        .queue()
        .unwrap()
        .device_uri
        .expect("the test server reports the queue's device-uri");
    PathBuf::from(uri.trim_start_matches("file://"))
}

fn tool(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (poppler-utils installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Width and height of a PNG from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

#[test]
fn f1_test_page_prints_through_cups_and_reads_back() {
    let Some(addr) = cups() else { return };
    let _file = FILE_QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    let s = spooler(&addr, "yichuang-test");
    let out_file = output_file(&s);
    let _ = std::fs::remove_file(&out_file);

    let pdf = render_pdf(&test_page(&TestPage {
        hall_name: "测试市政务服务中心".into(),
        window: "3号窗口 综合受理窗口".into(),
        printer: "yichuang-test".into(),
        at: at(),
    }))
    .unwrap();
    let id = s.submit(&pdf, "A4打印机测试页").unwrap();
    let mut seen = Vec::new();
    let job = s.wait(id, |st| seen.push(st.state)).unwrap();
    assert_eq!(job.id, id);
    assert_eq!(seen.last(), Some(&job_state::COMPLETED), "{seen:?}");

    let printed = std::fs::read(&out_file).unwrap();
    assert_eq!(printed, pdf, "the queue passes the PDF through unchanged");

    let dir = tempfile::tempdir().unwrap();
    let text = tool(
        Command::new("pdftotext")
            .arg("-layout")
            .arg(&out_file)
            .arg("-"),
    );
    let text = String::from_utf8(text.stdout).unwrap();
    // pdftotext drops the narrow spaces between Chinese and digits: compare without spaces.
    let flat: String = text.split_whitespace().collect();
    for expected in [
        "A4打印机测试页",
        "测试市政务服务中心",
        "3号窗口",
        "2026-11-23 09:30",
        "检查项目",
        "龑",
        "堃",
        "第1页共1页",
    ] {
        let expected: String = expected.split_whitespace().collect();
        assert!(
            flat.contains(&expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    tool(
        Command::new("pdftoppm")
            .args(["-r", "50", "-png", "-singlefile"])
            .arg(&out_file)
            .arg(dir.path().join("page")),
    );
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    let (w, h) = png_size(&png);
    // A4 at 50 dpi: 413 × 585 pixels.
    assert!(
        (410..=416).contains(&w) && (582..=588).contains(&h),
        "{w}×{h}"
    );
    // Not blank: count dark pixels of a grey rendering.
    tool(
        Command::new("pdftoppm")
            .args(["-r", "50", "-gray", "-singlefile"])
            .arg(&out_file)
            .arg(dir.path().join("gray")),
    );
    let pgm = std::fs::read(dir.path().join("gray.pgm")).unwrap();
    let pixels = &pgm[pgm.len() - (w * h) as usize..];
    let dark = pixels.iter().filter(|p| **p < 128).count();
    assert!(dark > 2_000, "only {dark} dark pixels: a blank page?");
}

#[test]
fn f1_service_prints_the_test_page_and_reports_the_job() {
    let Some(addr) = cups() else { return };
    let _file = FILE_QUEUE.lock().unwrap_or_else(|e| e.into_inner());
    let svc = A4PrinterService::with_spooler(spooler(&addr, "yichuang-test"));
    assert_eq!(
        svc.state(),
        yichuang_core::infra::status::DeviceState::Connected
    );
    let out = svc
        .print_test_page("测试市政务服务中心", "3号窗口", at())
        .unwrap();
    assert_eq!(out.message, "A4打印机测试页已打印。");
    assert!(out.job_id.is_some());
}

#[test]
fn f1_stopped_queue_gives_a_typed_error_and_leaves_no_job_behind() {
    let Some(addr) = cups() else { return };
    let s = spooler(&addr, "yichuang-stopped");
    let err = s.print_pdf(b"%PDF-1.4\n", "x").unwrap_err();
    match &err {
        SpoolerError::Printer { condition, .. } => assert_eq!(*condition, Condition::Stopped),
        other => panic!("{other:?}"),
    }
    assert!(err.message().contains("打印机已暂停"), "{}", err.message());

    // A job submitted anyway waits in the stopped queue: following it reports the stop
    // and cancels the job.
    let id = s.submit(b"%PDF-1.4\n", "x").unwrap();
    let err = s.wait(id, |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            SpoolerError::Printer {
                condition: Condition::Stopped,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(s.job(id).unwrap().state, job_state::CANCELED);
}

#[test]
fn f1_missing_queue_gives_a_typed_error() {
    let Some(addr) = cups() else { return };
    let s = spooler(&addr, "no-such-printer");
    let err = s.print_pdf(b"%PDF-1.4\n", "x").unwrap_err();
    assert!(matches!(err, SpoolerError::QueueNotFound { .. }), "{err:?}");
    assert!(
        err.message().starts_with("未找到打印机「no-such-printer」"),
        "{}",
        err.message()
    );
    let names: Vec<String> = s.queues().unwrap().into_iter().map(|q| q.name).collect();
    assert!(names.contains(&"yichuang-test".to_string()), "{names:?}");
}

#[test]
fn f1_layout_wraps_breaks_tables_and_numbers_pages_in_the_pdf() {
    // Layout read back from the rendered PDF with pdftotext (poppler is part of the same
    // test setup as CUPS).
    if !yichuang_testkit::require_tool("pdftotext", "install poppler-utils (scripts/setup.sh)") {
        return;
    }
    use yichuang_core::domain::document::{Block, Column, Document, Paragraph, Table};
    let rows = (1..=30)
        .map(|i| vec![i.to_string(), format!("申请材料第{i}项"), "原件".into()])
        .collect();
    let doc = Document {
        title: "版式测试".into(),
        header: Some("测试市政务服务中心".into()),
        footer: None,
        blocks: vec![
            Block::Title("版式测试".into()),
            Block::Paragraph(Paragraph::body(
                "这是一段很长的说明文字，用于检查自动换行。The quick brown fox jumps over the lazy dog. "
                    .repeat(8),
            )),
            Block::Table(Table {
                columns: vec![
                    Column::new("序号", 1.0).centered(),
                    Column::new("材料名称", 5.0),
                    Column::new("形式", 2.0),
                ],
                rows,
                size: 11.0,
            }),
        ],
    };
    let pdf = render_pdf(&doc).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("layout.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let page = |n: u32| {
        let out = tool(
            Command::new("pdftotext")
                .args(["-f", &n.to_string(), "-l", &n.to_string(), "-layout"])
                .arg(&file)
                .arg("-"),
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let (p1, p2) = (page(1), page(2));
    let flat = |t: &str| t.split_whitespace().collect::<String>();
    assert!(flat(&p1).contains("第1页共2页"), "{p1}");
    assert!(flat(&p2).contains("第2页共2页"), "{p2}");
    assert!(
        p1.contains("材料名称") && p2.contains("材料名称"),
        "the header row repeats"
    );
    assert!(p2.contains("申请材料第30项"));
    let wrapped: Vec<&str> = p1.lines().filter(|l| l.contains("换行")).collect();
    assert!(wrapped.len() >= 2, "{p1}");
    // Every word sits within the 25 mm margins of the 595 pt page (70.9 … 524.4 pt).
    let bbox = tool(Command::new("pdftotext").arg("-bbox").arg(&file).arg("-"));
    let bbox = String::from_utf8(bbox.stdout).unwrap();
    let mut words = 0;
    for line in bbox.lines().filter(|l| l.contains("<word ")) {
        let attr = |name: &str| -> f32 {
            let start = line.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            line[start..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(attr("xMin") >= 70.0 && attr("xMax") <= 525.5, "{line}");
        words += 1;
    }
    assert!(words > 100, "{words}");
}
