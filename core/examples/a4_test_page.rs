//! Writes the A4 test page (and, with `--receipt`, the standard acceptance receipt) as a PDF
//! file, e.g. to print it with `spooler_diagnose` or look at it:
//!
//!   cargo run -p yichuang-core --example a4_test_page -- out.pdf [--receipt]

use yichuang_core::domain::document::notices::AcceptanceReceipt;
use yichuang_core::domain::document::{acceptance_receipt, render_pdf, test_page, TestPage};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: a4_test_page OUT.pdf [--receipt]");
        std::process::exit(2);
    };
    let doc = if args.iter().any(|a| a == "--receipt") {
        acceptance_receipt(&AcceptanceReceipt::sample())
    } else {
        test_page(&TestPage {
            hall_name: "政务服务中心（演示）".into(),
            window: "1号窗口 综合受理窗口".into(),
            printer: "诊断".into(),
            at: yichuang_core::infra::clock::slip_time_in_china(),
        })
    };
    match render_pdf(&doc).map(|pdf| std::fs::write(path, pdf)) {
        Ok(Ok(())) => println!("{path}"),
        Ok(Err(e)) => {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{}（{e}）", e.message());
            std::process::exit(1);
        }
    }
}
