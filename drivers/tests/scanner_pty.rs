//! The serial scanner driver against the simulated scanner over a real pty pair
//! (`TTYPort::pair`): every byte goes through the kernel's tty layer, so reads split the way
//! they do on a USB-CDC port.
#![cfg(unix)]

use std::time::{Duration, Instant};

use yichuang_drivers::scanner::simulator::{pty_pair, SAMPLE_SCANS};
use yichuang_drivers::scanner::{
    self, FrameError, FramerConfig, ScanEvent, ScanSimulator, ScanSource, Scanner, ScannerConfig,
    ScannerError, SerialConfig, SimConfig, SimulatorHandle, Split, Suffix, SymbologyKind,
    TextEncoding,
};
use yichuang_drivers::serial::SerialLink;
use yichuang_drivers::ErrorKind;

const CHINESE: &str = "办件编号:DC2025060100123;申请人:张伟;住所:北京市东城区景山前街4号";

fn setup(
    suffix: Suffix,
    encoding: TextEncoding,
    tweak: impl FnOnce(&mut SimConfig, &mut FramerConfig),
) -> (Scanner<SerialLink>, SimulatorHandle) {
    let mut sim = SimConfig {
        suffix,
        encoding,
        ..SimConfig::default()
    };
    let mut framing = FramerConfig {
        suffix,
        encoding,
        ..FramerConfig::default()
    };
    tweak(&mut sim, &mut framing);
    let (transport, handle) = pty_pair(ScanSimulator::new(sim)).expect("pty pair");
    let scanner = Scanner::new(transport, ScannerConfig { framing }).expect("config");
    (scanner, handle)
}

/// Reads until `n` results came or 5 s passed.
fn collect(s: &mut impl ScanSource, n: usize) -> Vec<Result<ScanEvent, ScannerError>> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        match s.next_scan(Duration::from_millis(200)) {
            Ok(Some(e)) => out.push(Ok(e)),
            Ok(None) => {}
            Err(e) => {
                let fatal = e.is_fatal();
                out.push(Err(e));
                if fatal {
                    break;
                }
            }
        }
    }
    out
}

fn texts(results: &[Result<ScanEvent, ScannerError>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(e) => e.text.clone(),
            Err(e) => format!("ERR {e}"),
        })
        .collect()
}

/// Nothing more arrives (no duplicate or phantom events).
fn assert_quiet(s: &mut impl ScanSource) {
    assert_eq!(s.next_scan(Duration::from_millis(250)).unwrap(), None);
}

#[test]
fn utf8_chinese_scan_is_one_event() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |_, _| {});
    sim.scan(CHINESE);
    let r = collect(&mut scanner, 1);
    let event = r[0].as_ref().unwrap();
    assert_eq!(event.text, CHINESE);
    assert_eq!(event.raw_len as usize, CHINESE.len());
    assert_eq!(event.symbology, None);
    assert_quiet(&mut scanner);
}

#[test]
fn gb18030_chinese_scan_decodes() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Gb18030, |_, _| {});
    let rare = "龘𠀀€ 不动产权第0001234号";
    sim.scan(CHINESE);
    sim.scan(rare);
    let r = collect(&mut scanner, 2);
    assert_eq!(texts(&r), [CHINESE, rare]);
    let gb_len = TextEncoding::Gb18030.encode(CHINESE).len();
    assert_eq!(r[0].as_ref().unwrap().raw_len as usize, gb_len);
    assert_ne!(gb_len, CHINESE.len());
    assert_quiet(&mut scanner);
}

#[test]
fn every_suffix_frames_scans_in_both_encodings() {
    for suffix in [
        Suffix::Cr,
        Suffix::Lf,
        Suffix::CrLf,
        Suffix::Tab,
        Suffix::None,
    ] {
        for encoding in [TextEncoding::Utf8, TextEncoding::Gb18030] {
            // Without a suffix only the quiet line separates scans: keep it well clear of a
            // busy machine's scheduling hiccups.
            let (mut scanner, sim) = setup(suffix, encoding, |sim, framing| {
                sim.gap_after = Duration::from_millis(200);
                framing.idle_gap = Duration::from_millis(60);
            });
            for text in SAMPLE_SCANS {
                sim.scan(text);
            }
            let r = collect(&mut scanner, SAMPLE_SCANS.len());
            assert_eq!(texts(&r), SAMPLE_SCANS, "{suffix:?} {encoding:?}");
        }
    }
}

#[test]
fn several_scans_in_one_write_are_one_event_each() {
    let (mut scanner, sim) = setup(Suffix::CrLf, TextEncoding::Utf8, |_, _| {});
    let mut burst = Vec::new();
    for text in SAMPLE_SCANS {
        burst.extend_from_slice(text.as_bytes());
        burst.extend_from_slice(b"\r\n");
    }
    sim.send_raw(&burst);
    assert_eq!(texts(&collect(&mut scanner, 4)), SAMPLE_SCANS);
    assert_quiet(&mut scanner);
}

#[test]
fn split_writes_with_pauses_do_not_change_the_scans() {
    for (suffix, encoding) in [
        (Suffix::Cr, TextEncoding::Gb18030),
        (Suffix::CrLf, TextEncoding::Utf8),
        (Suffix::None, TextEncoding::Utf8),
    ] {
        let (mut scanner, sim) = setup(suffix, encoding, |sim, framing| {
            sim.split = Some(Split {
                max_chunk: 3,
                max_pause: Duration::from_millis(6),
            });
            sim.gap_after = Duration::from_millis(250);
            framing.idle_gap = Duration::from_millis(80);
        });
        let scans = [CHINESE, SAMPLE_SCANS[0], "龘𠀀€", SAMPLE_SCANS[3]];
        for text in scans {
            sim.scan(text);
        }
        let r = collect(&mut scanner, scans.len());
        assert_eq!(texts(&r), scans, "{suffix:?} {encoding:?}");
        assert_quiet(&mut scanner);
    }
}

#[test]
fn crlf_scanner_on_a_cr_desk_gives_clean_scans() {
    // The scanner ends each scan with CR LF, the desk is set to CR; delivered in small pieces
    // so the LF often arrives in a read of its own.
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, _| {
        sim.suffix = Suffix::CrLf;
        sim.split = Some(Split {
            max_chunk: 2,
            max_pause: Duration::from_millis(3),
        });
    });
    for text in SAMPLE_SCANS {
        sim.scan(text);
    }
    let r = collect(&mut scanner, SAMPLE_SCANS.len());
    assert_eq!(texts(&r), SAMPLE_SCANS);
    assert_quiet(&mut scanner);
    // And an LF-only scanner on the same desk.
    sim.with(|s| {
        let mut config = s.config().clone();
        config.suffix = Suffix::Lf;
        s.set_config(config);
    });
    sim.scan(CHINESE);
    assert_eq!(texts(&collect(&mut scanner, 1)), [CHINESE]);
    assert_quiet(&mut scanner);
}

#[test]
fn strict_cr_desk_keeps_the_lf_as_data() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, framing| {
        sim.suffix = Suffix::CrLf;
        framing.strict_suffix = true;
    });
    sim.scan("ABC123");
    sim.scan("DEF456");
    assert_eq!(texts(&collect(&mut scanner, 2)), ["ABC123", "\nDEF456"]);
}

#[test]
fn over_long_scan_is_a_typed_error_and_reading_continues() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, framing| {
        framing.max_len = 64;
        sim.split = Some(Split {
            max_chunk: 50,
            max_pause: Duration::from_millis(2),
        });
    });
    sim.scan(&"9".repeat(5000));
    sim.scan("OK-0001");
    let r = collect(&mut scanner, 2);
    match &r[0] {
        Err(e @ ScannerError::Frame(FrameError::TooLong { limit: 64 })) => {
            assert!(!e.is_fatal());
            assert_eq!(e.kind(), ErrorKind::Protocol);
            assert!(e.message().contains("过长"));
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
    assert_eq!(texts(&r[1..]), ["OK-0001"]);
    assert_quiet(&mut scanner);
}

#[test]
fn noise_is_a_decode_error_and_the_next_scan_is_intact() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Gb18030, |_, _| {});
    sim.noise(20);
    sim.scan(CHINESE);
    let r = collect(&mut scanner, 2);
    assert!(
        matches!(&r[0], Err(ScannerError::Frame(FrameError::Decode { .. }))),
        "{r:?}"
    );
    assert_eq!(texts(&r[1..]), [CHINESE]);
}

#[test]
fn wrong_encoding_is_reported_not_garbled() {
    // Scanner sends GB18030, the workstation expects UTF-8.
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, _| {
        sim.encoding = TextEncoding::Gb18030;
    });
    sim.scan(CHINESE);
    let r = collect(&mut scanner, 1);
    assert!(matches!(
        &r[0],
        Err(ScannerError::Frame(FrameError::Decode {
            encoding: TextEncoding::Utf8,
            ..
        }))
    ));
}

#[test]
fn missing_suffix_is_reported_as_misconfiguration() {
    // Scanner set to no suffix, workstation expects CR.
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, framing| {
        sim.suffix = Suffix::None;
        framing.stale_after = Duration::from_millis(200);
    });
    sim.scan("ABC123");
    let r = collect(&mut scanner, 1);
    let e = r[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Misconfigured);
    assert!(matches!(
        e,
        ScannerError::Frame(FrameError::MissingSuffix { len: 6, .. })
    ));
}

#[test]
fn aim_identifier_becomes_the_symbology() {
    let (mut scanner, sim) = setup(Suffix::Cr, TextEncoding::Utf8, |sim, framing| {
        sim.aim = Some("]Q1".into());
        framing.aim_prefix = true;
    });
    sim.scan(CHINESE);
    sim.with(|s| {
        let mut c = s.config().clone();
        c.aim = Some("]E0".into());
        s.set_config(c);
    });
    sim.scan("6901234567892");
    let r = collect(&mut scanner, 2);
    let (qr, ean) = (r[0].as_ref().unwrap(), r[1].as_ref().unwrap());
    assert_eq!(qr.text, CHINESE);
    assert_eq!(qr.raw_len as usize, CHINESE.len() + 3);
    let sym = qr.symbology.as_ref().unwrap();
    assert_eq!((sym.kind, sym.aim.as_str()), (SymbologyKind::Qr, "]Q1"));
    assert_eq!(ean.text, "6901234567892");
    assert_eq!(
        ean.symbology.as_ref().map(|s| s.kind),
        Some(SymbologyKind::EanUpc)
    );
}

#[test]
fn unplugged_scanner_is_not_connected() {
    let (mut scanner, mut sim) = setup(Suffix::Cr, TextEncoding::Utf8, |_, _| {});
    sim.scan("last-scan");
    assert_eq!(texts(&collect(&mut scanner, 1)), ["last-scan"]);
    sim.unplug();
    let e = scanner
        .next_scan(Duration::from_secs(2))
        .expect_err("unplug must be an error");
    assert!(e.is_fatal());
    assert_eq!(e.kind(), ErrorKind::NotConnected);
    assert!(e.message().starts_with("扫码枪未连接"));
    assert!(e.to_device_error().message().starts_with("扫码枪未连接"));
}

#[test]
fn missing_port_is_not_connected() {
    let e = scanner::open_serial("/dev/does-not-exist-scanner0", &SerialConfig::default())
        .expect_err("no such port");
    assert_eq!(e.kind(), ErrorKind::NotConnected, "{e}");
}
