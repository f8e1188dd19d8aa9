//! `diagnose` for the serial scanner gun, for IT at the counter: opens the port, waits for
//! scans and prints each one — text, symbology, and the raw bytes with the suffix and encoding
//! they suggest — all in Chinese, so a wrong suffix or encoding setting is plain to see.
//!
//! ```text
//! cargo run -p yichuang-drivers --example scanner_diagnose -- --port /dev/ttyACM0 --suffix cr --encoding utf8
//! cargo run -p yichuang-drivers --example scanner_diagnose -- --simulate --encoding gb18030 --suffix crlf
//! ```
//! Options: `--port P`, `--baud N` (9600; ignored by USB-CDC), `--suffix cr|lf|crlf|tab|none`
//! (cr), `--encoding utf8|gb18030|auto` (utf8), `--aim` (strip an AIM identifier such as `]Q1`),
//! `--count N` scans to wait for (1), `--wait SECS` (30), `--simulate` (a simulated scanner on a
//! pty sends the sample scans), `--text T` (with `--simulate`: send this instead).
//! Exit code 0 when `count` scans were read, 1 on a device error or timeout, 2 on bad arguments.

use std::io;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use yichuang_drivers::scanner::codec::hex_preview;
use yichuang_drivers::scanner::{
    self, FramerConfig, ScanEvent, ScanSource, Scanner, ScannerConfig, ScannerError, SerialConfig,
    Suffix, TextEncoding, DEVICE_NAME,
};
use yichuang_drivers::transport::ByteSource;

struct Args {
    port: Option<String>,
    baud: u32,
    suffix: Suffix,
    encoding: TextEncoding,
    aim: bool,
    count: usize,
    wait: u64,
    simulate: bool,
    text: Option<String>,
}

const USAGE: &str = "用法: scanner_diagnose (--port 端口 [--baud 9600] | --simulate [--text 内容]) [--suffix cr|lf|crlf|tab|none] [--encoding utf8|gb18030|auto] [--aim] [--count 1] [--wait 30]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: None,
        baud: SerialConfig::default().baud,
        suffix: Suffix::Cr,
        encoding: TextEncoding::Utf8,
        aim: false,
        count: 1,
        wait: 30,
        simulate: false,
        text: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} 缺少参数值"));
        match flag.as_str() {
            "--port" => args.port = Some(value()?),
            "--baud" => {
                args.baud = value()?
                    .parse()
                    .map_err(|_| "波特率必须是数字".to_string())?
            }
            "--suffix" => {
                let v = value()?;
                args.suffix = Suffix::from_name(&v)
                    .ok_or(format!("未知结束符 {v}，可选: {:?}", Suffix::NAMES))?;
            }
            "--encoding" => {
                let v = value()?;
                args.encoding = TextEncoding::from_name(&v)
                    .ok_or(format!("未知编码 {v}，可选: {:?}", TextEncoding::NAMES))?;
            }
            "--aim" => args.aim = true,
            "--count" => {
                args.count = value()?
                    .parse()
                    .map_err(|_| "扫码次数必须是数字".to_string())?
            }
            "--wait" => {
                args.wait = value()?
                    .parse()
                    .map_err(|_| "等待秒数必须是数字".to_string())?
            }
            "--simulate" => args.simulate = true,
            "--text" => args.text = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("未知参数 {other}\n{USAGE}")),
        }
    }
    if !args.simulate && args.port.is_none() {
        return Err(USAGE.into());
    }
    Ok(args)
}

/// A transport that keeps a copy of every byte, so each scan's raw bytes can be shown.
struct Tap<T> {
    inner: T,
    seen: Vec<u8>,
}

impl<T: ByteSource> ByteSource for Tap<T> {
    fn recv(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let n = self.inner.recv(buf, timeout)?;
        self.seen.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        Ok(n)
    }
    fn discard_input(&mut self) -> io::Result<()> {
        self.inner.discard_input()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

fn suffix_name(suffix: Suffix) -> &'static str {
    match suffix {
        Suffix::Cr => "CR (0D)",
        Suffix::Lf => "LF (0A)",
        Suffix::CrLf => "CR LF (0D 0A)",
        Suffix::Tab => "Tab (09)",
        Suffix::None => "无（按停顿分隔）",
    }
}

/// What the raw bytes of one scan suggest about the scanner's settings.
fn describe_raw(raw: &[u8]) {
    println!("  原始字节 ({} 字节): {}", raw.len(), hex_preview(raw, 48));
    let (body, seen_suffix) = match raw {
        [body @ .., b'\r', b'\n'] => (body, Suffix::CrLf),
        [body @ .., b'\r'] => (body, Suffix::Cr),
        [body @ .., b'\n'] => (body, Suffix::Lf),
        [body @ .., b'\t'] => (body, Suffix::Tab),
        body => (body, Suffix::None),
    };
    println!("  扫码枪实际结束符: {}", suffix_name(seen_suffix));
    let utf8 = TextEncoding::Utf8.decode(body).is_some();
    let gb = TextEncoding::Gb18030.decode(body).is_some();
    let ascii = body.is_ascii();
    let guess = match (ascii, utf8, gb) {
        (true, _, _) => "纯 ASCII（任一编码均可）",
        (false, true, true) => "UTF-8 与 GB18030 均可解码（多为 UTF-8）",
        (false, true, false) => "UTF-8",
        (false, false, true) => "GB18030 / GBK",
        (false, false, false) => "无法识别（非 UTF-8 亦非 GB18030）",
    };
    println!("  内容编码判断: {guess}");
}

fn print_event(i: usize, e: &ScanEvent) {
    println!("第 {i} 次扫码:");
    println!("  内容: {}", e.text);
    match &e.symbology {
        Some(s) => println!("  码制: {} ({})", s.kind.name(), s.aim),
        None => println!("  码制: 未知（未启用或未发送 AIM 标识）"),
    }
    println!(
        "  字符数: {}  字节数: {}",
        e.text.chars().count(),
        e.raw_len
    );
}

fn fail(e: &ScannerError) -> ExitCode {
    println!("错误: {}", e.message());
    println!("  类别: {}", e.kind().message(DEVICE_NAME));
    println!("  详情（运维）: {e}");
    ExitCode::from(1)
}

fn run<T: ByteSource>(transport: T, args: &Args) -> ExitCode {
    let framing = FramerConfig {
        suffix: args.suffix,
        encoding: args.encoding,
        aim_prefix: args.aim,
        ..FramerConfig::default()
    };
    println!(
        "配置: 结束符 {}，编码 {:?}，AIM 标识{}",
        suffix_name(args.suffix),
        args.encoding,
        if args.aim { "剥离" } else { "不处理" }
    );
    let tap = Tap {
        inner: transport,
        seen: Vec::new(),
    };
    let mut scanner = match Scanner::new(tap, ScannerConfig { framing }) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    println!(
        "请扫码（共 {} 次，最多等待 {} 秒）……",
        args.count, args.wait
    );
    let deadline = Instant::now() + Duration::from_secs(args.wait);
    let mut got = 0;
    let mut bad = 0;
    while got < args.count && Instant::now() < deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        let result = scanner.next_scan(left.min(Duration::from_millis(500)));
        let raw = std::mem::take(&mut scanner.transport_mut().seen);
        match result {
            Ok(None) => {
                // Nothing complete yet: keep the bytes for the scan in progress.
                scanner.transport_mut().seen = raw;
            }
            Ok(Some(event)) => {
                got += 1;
                print_event(got, &event);
                // This scan's bytes plus the line-end bytes right after them; the rest (a next
                // scan read in the same chunk) stays for the next round.
                let mut end = (event.raw_len as usize + args.suffix.bytes().len()).min(raw.len());
                while matches!(raw.get(end), Some(b'\r' | b'\n' | b'\t')) {
                    end += 1;
                }
                let (this, rest) = raw.split_at(end);
                describe_raw(this);
                scanner.transport_mut().seen = rest.to_vec();
            }
            Err(e) if !e.is_fatal() => {
                bad += 1;
                println!("扫码无效: {}", e.message());
                println!("  详情（运维）: {e}");
                describe_raw(&raw);
            }
            Err(e) => return fail(&e),
        }
    }
    if got < args.count {
        println!("等待超时: 收到 {got} 次有效扫码，{bad} 次无效。");
        println!("  若扫码时电脑有输入但此处无反应，扫码枪可能处于键盘模式，请扫描“USB 虚拟串口”设置码。");
        return ExitCode::from(1);
    }
    println!("{DEVICE_NAME}正常。");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    println!("{DEVICE_NAME}诊断");
    if args.simulate {
        simulate(&args)
    } else {
        let port = args.port.clone().unwrap_or_default();
        println!("端口: {port}  波特率: {}", args.baud);
        match scanner::open_serial(&port, &SerialConfig { baud: args.baud }) {
            Ok(t) => run(t, &args),
            Err(e) => fail(&e),
        }
    }
}

#[cfg(unix)]
fn simulate(args: &Args) -> ExitCode {
    use yichuang_drivers::scanner::simulator::{pty_pair, SAMPLE_SCANS};
    use yichuang_drivers::scanner::{ScanSimulator, SimConfig, Split};
    let sim = ScanSimulator::new(SimConfig {
        suffix: args.suffix,
        encoding: args.encoding,
        aim: args.aim.then(|| "]Q1".to_string()),
        split: Some(Split {
            max_chunk: 8,
            max_pause: Duration::from_millis(3),
        }),
        ..SimConfig::default()
    });
    let (transport, handle) = match pty_pair(sim) {
        Ok(p) => p,
        Err(e) => {
            println!("无法创建模拟串口: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "模拟模式: 扫码枪模拟器位于伪终端 {}",
        transport.name().unwrap_or_default()
    );
    let texts: Vec<String> = match &args.text {
        Some(t) => vec![t.clone(); args.count],
        None => SAMPLE_SCANS
            .iter()
            .cycle()
            .take(args.count)
            .map(|s| s.to_string())
            .collect(),
    };
    for t in &texts {
        handle.scan(t);
    }
    run(transport, args)
}

#[cfg(not(unix))]
fn simulate(_args: &Args) -> ExitCode {
    eprintln!("--simulate 需要伪终端，仅支持 Linux / macOS");
    ExitCode::from(2)
}
