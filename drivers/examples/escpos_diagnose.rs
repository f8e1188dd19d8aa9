//! `diagnose` for the receipt printer, for IT at the counter: connects over the configured
//! transport, reads the printer's status and prints a test slip, reporting in Chinese.
//!
//! ```text
//! cargo run -p yichuang-drivers --example escpos_diagnose -- --tcp 10.1.2.3:9100
//! cargo run -p yichuang-drivers --example escpos_diagnose -- --serial /dev/ttyUSB0 --baud 115200
//! cargo run -p yichuang-drivers --example escpos_diagnose -- --usb /dev/usb/lp0 --paper 58
//! cargo run -p yichuang-drivers --example escpos_diagnose -- --simulate [--fault paper-out]
//! ```
//! Options: `--paper 58|80` (default 80), `--timeout-ms N` (default 2000), `--status-only`.
//! Exit code 0 when the printer is ready and the slip printed, 1 on a printer problem,
//! 2 on bad arguments.

use std::process::ExitCode;

use yichuang_drivers::escpos::{
    Fault, PaperState, PaperWidth, PrinterConfig, PrinterError, PrinterStatus, ReceiptPrinter,
    Simulator, TicketSlip, TransportConfig,
};

const USAGE: &str = "用法: escpos_diagnose (--tcp 主机:9100 | --serial /dev/ttyUSB0 [--baud 115200] | --usb /dev/usb/lp0 | --simulate [--fault paper-out|near-end|cover-open|offline])
       [--paper 58|80] [--timeout-ms 2000] [--status-only]";

struct Args {
    transport: Option<TransportConfig>,
    simulate: bool,
    faults: Vec<Fault>,
    paper: PaperWidth,
    timeout_ms: u64,
    status_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        transport: None,
        simulate: false,
        faults: Vec::new(),
        paper: PaperWidth::Mm80,
        timeout_ms: 2_000,
        status_only: false,
    };
    let mut baud = 115_200u32;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} 需要一个参数"));
        match arg.as_str() {
            "--tcp" => {
                args.transport = Some(TransportConfig::Tcp {
                    address: value("--tcp")?,
                })
            }
            "--serial" => {
                args.transport = Some(TransportConfig::Serial {
                    path: value("--serial")?,
                    baud,
                })
            }
            "--usb" => {
                args.transport = Some(TransportConfig::UsbLp {
                    path: value("--usb")?,
                })
            }
            "--baud" => {
                let v = value("--baud")?;
                baud = v.parse().map_err(|_| format!("波特率无效: {v}"))?;
            }
            "--paper" => {
                args.paper = match value("--paper")?.as_str() {
                    "58" => PaperWidth::Mm58,
                    "80" => PaperWidth::Mm80,
                    other => return Err(format!("纸宽只能是 58 或 80: {other}")),
                }
            }
            "--timeout-ms" => {
                let v = value("--timeout-ms")?;
                args.timeout_ms = v.parse().map_err(|_| format!("超时无效: {v}"))?;
            }
            "--simulate" => args.simulate = true,
            "--fault" => {
                let v = value("--fault")?;
                args.faults
                    .push(Fault::from_name(&v).ok_or(format!("未知故障: {v}"))?);
            }
            "--status-only" => args.status_only = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("未知参数: {other}")),
        }
    }
    // --baud may come after --serial.
    if let Some(TransportConfig::Serial { baud: b, .. }) = &mut args.transport {
        *b = baud;
    }
    if args.transport.is_none() && !args.simulate {
        return Err("请指定 --tcp、--serial、--usb 或 --simulate 之一".into());
    }
    Ok(args)
}

fn yes_no(problem: bool, bad: &str, good: &str) -> String {
    if problem {
        format!("✗ {bad}")
    } else {
        format!("✓ {good}")
    }
}

fn describe_status(s: &PrinterStatus) {
    println!("  {}", yes_no(s.offline, "离线", "在线"));
    println!("  {}", yes_no(s.cover_open, "纸仓盖未合上", "纸仓盖已合上"));
    let paper = match s.paper {
        PaperState::Ok => "✓ 纸张充足".to_string(),
        PaperState::NearEnd => "! 纸将用尽，请准备更换纸卷".to_string(),
        PaperState::Out => "✗ 缺纸".to_string(),
    };
    println!("  {paper}");
    println!(
        "  {}",
        yes_no(
            s.cutter_error || s.unrecoverable_error || s.recoverable_error,
            "打印机报告故障",
            "无故障"
        )
    );
}

fn report_error(step: &str, err: &PrinterError) {
    println!("{step}: 失败");
    println!("  提示: {}", err.message());
    println!("  详情（运维）: {err} [{:?}]", err.kind());
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };

    // --simulate: an in-process simulator on a loopback port, reached over real TCP.
    let simulator = if args.simulate {
        let sim = Simulator::new(args.paper);
        let addr = match sim.listen("127.0.0.1:0") {
            Ok(a) => a,
            Err(e) => {
                eprintln!("无法启动模拟打印机: {e}");
                return ExitCode::from(1);
            }
        };
        for f in &args.faults {
            sim.set_fault(*f, true);
        }
        println!("模拟打印机已启动: {addr}");
        Some((sim, addr))
    } else {
        None
    };
    let transport = match (&args.transport, &simulator) {
        (_, Some((_, addr))) => TransportConfig::Tcp {
            address: addr.to_string(),
        },
        (Some(t), None) => t.clone(),
        (None, None) => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut config = PrinterConfig::new(transport, args.paper);
    config.timeout_ms = args.timeout_ms;
    let width = match args.paper {
        PaperWidth::Mm58 => 58,
        PaperWidth::Mm80 => 80,
    };
    println!(
        "小票打印机诊断（纸宽 {width} mm，超时 {} ms）",
        args.timeout_ms
    );

    let mut printer = match ReceiptPrinter::open(&config) {
        Ok(p) => {
            println!("连接 {}: 成功", p.describe());
            p
        }
        Err(e) => {
            report_error("连接", &e);
            return ExitCode::from(1);
        }
    };
    match printer.status() {
        Ok(s) => {
            println!("状态查询: 成功");
            describe_status(&s);
            if args.status_only {
                return match s.problem() {
                    Some(p) => {
                        println!("结论: {}", PrinterError::from_problem(p).message());
                        ExitCode::from(1)
                    }
                    None => {
                        println!("结论: 打印机就绪");
                        ExitCode::SUCCESS
                    }
                };
            }
        }
        Err(e) => {
            report_error("状态查询", &e);
            return ExitCode::from(1);
        }
    }
    let slip = TicketSlip::sample();
    match printer.print_slip(&slip) {
        Ok(report) => {
            println!("打印测试小票: 成功（发送 {} 字节）", report.bytes_sent);
            if report.paper_near_end() {
                println!("  注意: {}", PrinterError::PaperNearEnd.message());
            }
        }
        Err(e) => {
            report_error("打印测试小票", &e);
            return ExitCode::from(1);
        }
    }
    if let Some((sim, _)) = &simulator {
        println!("模拟打印机打出的内容（[QR …] 为二维码，[CUT] 为切纸）:");
        for line in sim.paper().to_string().lines() {
            println!("  | {line}");
        }
    }
    ExitCode::SUCCESS
}
