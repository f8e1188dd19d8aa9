//! A standalone simulated receipt printer for `make run` and manual tests: raw TCP print
//! port, optional pty (serial) endpoint, and the loopback control port for faults.
//!
//! ```text
//! cargo run -p yichuang-drivers --example escpos_simulator -- \
//!     [--tcp 127.0.0.1:9100] [--control 127.0.0.1:9101] [--pty] [--paper 58|80]
//! ```
//! Control port (one line each): `paper-out on|off`, `near-end on|off`, `cover-open on|off`,
//! `offline on|off`, `clear`, `status`, `paper`, `reset-paper`. Runs until killed.

use std::process::ExitCode;
use std::time::Duration;

use yichuang_drivers::escpos::{PaperWidth, Simulator};

fn main() -> ExitCode {
    let mut tcp = "127.0.0.1:9100".to_string();
    let mut control = "127.0.0.1:9101".to_string();
    let mut pty = false;
    let mut paper = PaperWidth::Mm80;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match (arg.as_str(), it.next()) {
            ("--tcp", Some(v)) => tcp = v,
            ("--control", Some(v)) => control = v,
            ("--paper", Some(v)) if v == "58" => paper = PaperWidth::Mm58,
            ("--paper", Some(v)) if v == "80" => paper = PaperWidth::Mm80,
            ("--pty", next) => {
                pty = true;
                if let Some(n) = next {
                    eprintln!("未知参数: {n}");
                    return ExitCode::from(2);
                }
            }
            _ => {
                eprintln!(
                    "用法: escpos_simulator [--tcp 地址] [--control 地址] [--pty] [--paper 58|80]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let sim = Simulator::new(paper);
    match sim.listen(tcp.as_str()) {
        Ok(a) => println!("打印端口 (raw TCP): {a}"),
        Err(e) => {
            eprintln!("无法监听 {tcp}: {e}");
            return ExitCode::from(1);
        }
    }
    match sim.listen_control(control.as_str()) {
        Ok(a) => println!("控制端口: {a}"),
        Err(e) => {
            eprintln!("无法监听 {control}: {e}");
            return ExitCode::from(1);
        }
    }
    // Kept alive for the whole run so the master never sees a hang-up between clients.
    let _slave = if pty { open_pty(&sim) } else { None };
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

#[cfg(unix)]
fn open_pty(sim: &Simulator) -> Option<serialport::TTYPort> {
    use serialport::SerialPort;
    let (mut master, slave) = match serialport::TTYPort::pair() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("无法创建伪终端: {e}");
            return None;
        }
    };
    let _ = master.set_timeout(Duration::from_millis(20));
    if let Err(e) = sim.attach(master) {
        eprintln!("无法启动串口模拟: {e}");
        return None;
    }
    println!("串口 (pty): {}", slave.name().unwrap_or_default());
    Some(slave)
}

#[cfg(not(unix))]
fn open_pty(_: &Simulator) -> Option<()> {
    eprintln!("此平台不支持伪终端");
    None
}
