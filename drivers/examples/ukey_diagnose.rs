//! `diagnose` for the UKey, for IT at the counter: loads the PKCS#11 module or SKF library,
//! lists the keys, their certificates (CN, issuer, validity, usage) and PIN state; with
//! `--pin` it verifies the PIN and signs a test message with each login certificate.
//!
//! ```text
//! cargo run -p yichuang-drivers --example ukey_diagnose -- --pkcs11 /usr/lib/softhsm/libsofthsm2.so
//! cargo run -p yichuang-drivers --example ukey_diagnose -- --skf /opt/vendor/libskf.so [--vendor gmt0006] [--user-pin-type 0]
//! cargo run -p yichuang-drivers --example ukey_diagnose -- --skf … --pin 12345678
//! ```
//! Exit code 0 when every step worked, 1 on a UKey problem, 2 on bad arguments.

use std::path::PathBuf;
use std::process::ExitCode;

use yichuang_drivers::ukey::skf::SkfOverrides;
use yichuang_drivers::ukey::{self, Backend, Ukey, UkeyConfig, UkeyError};

const USAGE: &str = "用法: ukey_diagnose (--pkcs11 模块路径 | --skf 库路径 [--vendor standard|gmt0006] [--user-pin-type N]) [--pin PIN码]";

fn parse() -> Result<(UkeyConfig, Option<String>), String> {
    let mut backend = None;
    let mut module = None;
    let mut vendor = None;
    let mut overrides = SkfOverrides::default();
    let mut pin = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} 缺少参数"));
        match a.as_str() {
            "--pkcs11" => {
                backend = Some(Backend::Pkcs11);
                module = Some(PathBuf::from(value()?));
            }
            "--skf" => {
                backend = Some(Backend::Skf);
                module = Some(PathBuf::from(value()?));
            }
            "--vendor" => vendor = Some(value()?),
            "--user-pin-type" => {
                overrides.user_pin_type = Some(value()?.parse().map_err(|_| "PIN类型应为数字")?)
            }
            "--pin" => pin = Some(value()?),
            other => return Err(format!("未知参数 {other}")),
        }
    }
    let (Some(backend), Some(module)) = (backend, module) else {
        return Err("需要 --pkcs11 或 --skf".into());
    };
    Ok((
        UkeyConfig {
            backend,
            module,
            vendor,
            skf_overrides: overrides,
        },
        pin,
    ))
}

fn date(unix: i64) -> String {
    let d = yichuang_drivers::idcard::Date::from_unix_days(unix.div_euclid(86_400));
    format!("{d}")
}

fn report(err: &UkeyError) {
    println!("  失败: {}", err.message());
    println!("  详情: {}", err.detail());
}

fn run(u: &mut dyn Ukey, pin: Option<&str>) -> bool {
    let mut ok = true;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let keys = match u.keys() {
        Ok(k) if k.is_empty() => {
            report(&UkeyError::NoKey);
            return false;
        }
        Ok(k) => k,
        Err(e) => {
            report(&e);
            return false;
        }
    };
    for key in keys {
        println!(
            "UKey {}: 标签「{}」 厂商「{}」 序列号 {} 算法 {}",
            key.id,
            key.label,
            key.manufacturer,
            key.serial,
            key.algorithms.join("/")
        );
        match u.pin_info(&key.id) {
            Ok(p) => println!(
                "  PIN: 剩余次数 {} / 最大 {}{}{}",
                p.retries_left.map_or("未知".into(), |n| n.to_string()),
                p.max_retries.map_or("未知".into(), |n| n.to_string()),
                if p.locked { "，已锁定" } else { "" },
                if p.count_low { "，曾输错" } else { "" }
            ),
            Err(e) => {
                report(&e);
                ok = false;
            }
        }
        let certs = match u.certificates(&key.id) {
            Ok(c) => c,
            Err(e) => {
                report(&e);
                ok = false;
                continue;
            }
        };
        if certs.is_empty() {
            report(&UkeyError::CertificateNotFound { id: key.id.clone() });
            ok = false;
        }
        for c in &certs {
            let mut usage = Vec::new();
            if c.usage.authentication {
                usage.push("身份认证");
            }
            if c.usage.signing {
                usage.push("签名");
            }
            if c.usage.encryption {
                usage.push("加密");
            }
            println!(
                "  证书 {}: CN「{}」 算法 {:?}",
                c.id, c.subject_cn, c.algorithm
            );
            println!("    颁发者: {}", c.issuer);
            println!("    序列号: {}", c.serial);
            println!(
                "    有效期: {} 至 {}{}",
                date(c.not_before),
                date(c.not_after),
                match c.check_validity(now) {
                    Ok(()) => String::new(),
                    Err(e) => format!("（{}）", e.message()),
                }
            );
            println!(
                "    用途: {}{}",
                usage.join("、"),
                if c.can_sign { "（有私钥）" } else { "" }
            );
        }
        let Some(pin) = pin else { continue };
        match u.login(&key.id, pin) {
            Ok(()) => println!("  PIN码验证通过"),
            Err(e) => {
                report(&e);
                ok = false;
                continue;
            }
        }
        for c in certs.iter().filter(|c| c.is_login_certificate()) {
            match u.sign(&key.id, &c.id, b"yichuang ukey diagnose") {
                Ok(sig) => println!(
                    "  证书 {} 签名成功: {:?}，{} 字节",
                    c.id,
                    sig.algorithm,
                    sig.bytes.len()
                ),
                Err(e) => {
                    report(&e);
                    ok = false;
                }
            }
        }
        let _ = u.logout(&key.id);
    }
    ok
}

fn main() -> ExitCode {
    let (config, pin) = match parse() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    println!("加载 {}", config.module.display());
    let mut u = match ukey::open(&config) {
        Ok(u) => u,
        Err(e) => {
            report(&e);
            return ExitCode::from(1);
        }
    };
    if run(u.as_mut(), pin.as_deref()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
