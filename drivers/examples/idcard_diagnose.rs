//! `diagnose` for the ID-card reader, for IT at the counter: opens the reader, prints the SAM's
//! status and serial number, waits for a card and prints what it read, all in Chinese.
//!
//! ```text
//! cargo run -p yichuang-drivers --example idcard_diagnose -- --port /dev/ttyUSB0 --baud 115200
//! cargo run -p yichuang-drivers --example idcard_diagnose -- --usb              # any 部标 USB reader
//! cargo run -p yichuang-drivers --example idcard_diagnose -- --usb --port 0400:c35a
//! cargo run -p yichuang-drivers --example idcard_diagnose -- --simulate --card foreign_permanent
//! ```
//! Options: `--port P` (serial port, or VID:PID with `--usb`), `--usb` (the USB "部标"
//! interface; lists the USB devices libusb sees), `--baud N` (115200), `--wait SECS` (15),
//! `--simulate` (with `--usb`: the simulator behind 64-byte USB endpoints),
//! `--card NAME` (with `--simulate`: resident, long_term, expired, foreign_permanent,
//! hk_macao_taiwan), `--today YYYYMMDD` (expiry check date; default: the system clock).
//! Exit code 0 when a card was read, 1 on a device error, 2 on bad arguments.

use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use yichuang_drivers::idcard::{
    self, CardDetails, Date, IdCardError, IdCardReader, ReaderConfig, ReaderEvent, SampleCard,
    SerialConfig, DEVICE_NAME,
};
use yichuang_drivers::transport::ByteStream;

struct Args {
    port: Option<String>,
    baud: u32,
    wait: u64,
    simulate: bool,
    usb: bool,
    card: String,
    today: Option<Date>,
}

const USAGE: &str = "用法: idcard_diagnose (--port 端口 [--baud 115200] | --usb [--port VID:PID] | --simulate [--usb] [--card resident]) [--wait 15] [--today YYYYMMDD]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: None,
        baud: SerialConfig::default().baud,
        wait: 15,
        simulate: false,
        usb: false,
        card: "resident".into(),
        today: None,
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
            "--wait" => {
                args.wait = value()?
                    .parse()
                    .map_err(|_| "等待秒数必须是数字".to_string())?
            }
            "--simulate" => args.simulate = true,
            "--usb" => args.usb = true,
            "--card" => args.card = value()?,
            "--today" => {
                args.today = Some(Date::parse_compact(&value()?).ok_or("日期格式应为 YYYYMMDD")?)
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("未知参数 {other}\n{USAGE}")),
        }
    }
    if !args.simulate && !args.usb && args.port.is_none() {
        return Err(USAGE.into());
    }
    if !SerialConfig::ALLOWED_BAUDS.contains(&args.baud) {
        println!(
            "注意: 波特率 {} 不是读卡器常用值 {:?}",
            args.baud,
            SerialConfig::ALLOWED_BAUDS
        );
    }
    Ok(args)
}

/// Today's date from the system clock (UTC+8), at the edge of the program.
fn system_today() -> Date {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        + 8 * 3600;
    Date::from_unix_days((secs / 86_400) as i64)
}

fn fail(e: &IdCardError) -> ExitCode {
    println!("错误: {}", e.message());
    println!("  类别: {}", e.kind().message(DEVICE_NAME));
    println!("  详情（运维）: {e}");
    ExitCode::from(1)
}

fn run<T: ByteStream>(mut reader: IdCardReader<T>, args: &Args) -> ExitCode {
    match reader.sam_status() {
        Ok(()) => println!("SAM 状态: 正常 (90)"),
        Err(e) => return fail(&e),
    }
    match reader.sam_id() {
        Ok(id) => println!("SAM 编号: {id}"),
        Err(e) => return fail(&e),
    }
    println!("请放置身份证（最多等待 {} 秒）……", args.wait);
    let deadline = Instant::now() + Duration::from_secs(args.wait);
    while Instant::now() < deadline {
        match reader.poll() {
            Ok(events) => {
                for event in events {
                    match event {
                        ReaderEvent::CardPresent(card) => {
                            print_card(&card, args.today.unwrap_or_else(system_today));
                            return ExitCode::SUCCESS;
                        }
                        ReaderEvent::ReadFailed(e) => return fail(&e),
                        ReaderEvent::CardRemoved => println!("证件已移开"),
                    }
                }
            }
            Err(e) => return fail(&e),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    fail(&IdCardError::NoCard)
}

fn print_card(card: &yichuang_drivers::idcard::CardRead, today: Date) {
    let id = &card.identity;
    println!("证件类型: {}", id.kind.name());
    println!("姓名: {}", id.display_name());
    println!("性别: {}", id.sex.name());
    println!("出生日期: {}", id.birth);
    match &id.details {
        CardDetails::Resident {
            nation,
            address,
            issuer,
        } => {
            println!("民族: {}", nation.display_name());
            println!("住址: {address}");
            println!("签发机关: {issuer}");
        }
        CardDetails::ForeignPermanent {
            name_en,
            nationality,
            card_version,
            authority_code,
        } => {
            println!("英文姓名: {name_en}");
            println!("国籍代码: {nationality}");
            println!("证件版本: {card_version}  受理机关代码: {authority_code}");
        }
        CardDetails::HkMacaoTaiwan {
            address,
            issuer,
            pass_number,
            issue_count,
        } => {
            println!("住址: {address}");
            println!("签发机关: {issuer}");
            println!("通行证号码: {pass_number}  签发次数: {issue_count}");
        }
        CardDetails::ForeignPermanent2023 {
            name_en,
            nationality,
            renewal_count,
            previous_number,
        } => {
            println!("英文姓名: {name_en}");
            println!("国家和地区代码: {nationality}  换证次数: {renewal_count}");
            if let Some(previous) = previous_number {
                println!("既往版本永居证号码: {previous}");
            }
        }
    }
    println!(
        "证件号码: {}（校验{}）",
        id.id_number,
        if id.id_number_valid {
            "通过"
        } else {
            "未通过"
        }
    );
    let expired = if id.is_expired(today) {
        "  【已过期】"
    } else {
        ""
    };
    println!("有效期限: {} 至 {}{expired}", id.valid_from, id.valid_until);
    println!(
        "照片: WLT 原始数据 {} 字节（未安装解码插件，界面显示占位图）",
        card.photo.0.len()
    );
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
    if args.simulate && args.usb {
        simulate_usb(&args)
    } else if args.simulate {
        simulate(&args)
    } else if args.usb {
        usb(&args)
    } else {
        let port = args.port.clone().unwrap_or_default();
        println!("端口: {port}  波特率: {}", args.baud);
        match idcard::open_serial(&port, &SerialConfig { baud: args.baud }) {
            Ok(t) => run(IdCardReader::new(t, ReaderConfig::default()), &args),
            Err(e) => fail(&e),
        }
    }
}

fn usb(args: &Args) -> ExitCode {
    use yichuang_drivers::idcard::usb::{self, UsbConfig};
    let config = match UsbConfig::parse(args.port.as_deref().unwrap_or("")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("USB 设备号应为 VID:PID（十六进制），例如 0400:c35a：{e}");
            return ExitCode::from(2);
        }
    };
    match usb::list_devices(&config) {
        Ok(devices) => {
            println!("USB 设备 {} 个:", devices.len());
            for d in &devices {
                println!(
                    "  {:04x}:{:04x}  总线 {} 地址 {}{}",
                    d.vid,
                    d.pid,
                    d.bus,
                    d.address,
                    if d.is_reader {
                        "  ← 身份证读卡器"
                    } else {
                        ""
                    }
                );
            }
        }
        Err(e) => return fail(&e),
    }
    match usb::open(&config) {
        Ok(t) => {
            println!("已打开: {}", t.name());
            run(IdCardReader::new(t, ReaderConfig::default()), args)
        }
        Err(e) => fail(&e),
    }
}

fn simulate_usb(args: &Args) -> ExitCode {
    use yichuang_drivers::idcard::usb::SimulatedUsbReader;
    use yichuang_drivers::idcard::{SamSimulator, UsbTransport};
    let Some(card) = SampleCard::by_name(&args.card) else {
        eprintln!("未知样例卡 {}，可选: {:?}", args.card, SampleCard::NAMES);
        return ExitCode::from(2);
    };
    let (pipe, sim) = SimulatedUsbReader::new(SamSimulator::new(), 64);
    println!(
        "模拟模式: 读卡器模拟器位于 64 字节 USB 端点之后，样例卡 {}",
        args.card
    );
    sim.with(|s| s.place_card(card));
    let transport = UsbTransport::new(pipe, "simulated usb");
    run(IdCardReader::new(transport, ReaderConfig::default()), args)
}

#[cfg(unix)]
fn simulate(args: &Args) -> ExitCode {
    use yichuang_drivers::idcard::simulator::pty_pair;
    use yichuang_drivers::idcard::SamSimulator;
    let Some(card) = SampleCard::by_name(&args.card) else {
        eprintln!("未知样例卡 {}，可选: {:?}", args.card, SampleCard::NAMES);
        return ExitCode::from(2);
    };
    let (transport, sim) = match pty_pair(SamSimulator::new()) {
        Ok(p) => p,
        Err(e) => {
            println!("无法创建模拟串口: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "模拟模式: 读卡器模拟器位于伪终端 {}，样例卡 {}",
        transport.name().unwrap_or_default(),
        args.card
    );
    sim.place_card(card);
    run(IdCardReader::new(transport, ReaderConfig::default()), args)
}

#[cfg(not(unix))]
fn simulate(_args: &Args) -> ExitCode {
    eprintln!("--simulate 需要伪终端，仅支持 Linux / macOS");
    ExitCode::from(2)
}
