//! Unit tests of [`super`]: suffixes, encodings, AIM identifiers, the bounded buffer and
//! splitting the stream anywhere.

use super::super::simulator::XorShift;
use super::*;

fn config(suffix: Suffix, encoding: TextEncoding) -> FramerConfig {
    FramerConfig {
        suffix,
        encoding,
        ..FramerConfig::default()
    }
}

fn drain(f: &mut ScanFramer) -> Vec<Result<ScanEvent, FrameError>> {
    std::iter::from_fn(|| f.next_scan()).collect()
}

fn texts(results: &[Result<ScanEvent, FrameError>]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(e) => e.text.clone(),
            Err(e) => format!("ERR {e}"),
        })
        .collect()
}

#[test]
fn scan_event_is_a_ui_type() {
    fn ui_type<T: Serialize + specta::Type + Clone + Eq>() {}
    ui_type::<ScanEvent>();
    ui_type::<Symbology>();
    ui_type::<Suffix>();
    ui_type::<TextEncoding>();
}

#[test]
fn each_suffix_splits_scans() {
    for suffix in [Suffix::Cr, Suffix::Lf, Suffix::CrLf, Suffix::Tab] {
        let mut f = ScanFramer::new(config(suffix, TextEncoding::Utf8));
        let mut stream = Vec::new();
        for s in ["ABC123", "办件编号 2025-0001", "x"] {
            stream.extend_from_slice(s.as_bytes());
            stream.extend_from_slice(suffix.bytes());
        }
        f.push(&stream);
        assert_eq!(
            texts(&drain(&mut f)),
            ["ABC123", "办件编号 2025-0001", "x"],
            "{suffix:?}"
        );
        assert!(!f.is_mid_scan());
    }
}

#[test]
fn no_suffix_ends_a_scan_on_idle() {
    let mut f = ScanFramer::new(config(Suffix::None, TextEncoding::Utf8));
    f.push(b"6901234567892");
    assert!(f.next_scan().is_none());
    assert!(f.is_mid_scan());
    f.idle();
    let r = drain(&mut f);
    assert_eq!(texts(&r), ["6901234567892"]);
    f.idle();
    assert!(
        f.next_scan().is_none(),
        "idle with nothing buffered is silent"
    );
}

#[test]
fn strict_crlf_keeps_lone_cr_and_handles_split_suffix() {
    let mut f = ScanFramer::new(FramerConfig {
        strict_suffix: true,
        ..config(Suffix::CrLf, TextEncoding::Utf8)
    });
    f.push(b"a\rb\r\r");
    assert!(f.next_scan().is_none());
    f.push(b"\n");
    assert_eq!(texts(&drain(&mut f)), ["a\rb\r"]);
    // A CR left hanging at idle is data of an unfinished scan.
    f.push(b"zz\r");
    f.idle();
    assert_eq!(
        drain(&mut f),
        [Err(FrameError::MissingSuffix {
            suffix: Suffix::CrLf,
            len: 3
        })]
    );
}

#[test]
fn cr_lf_and_crlf_are_one_terminator_unless_strict() {
    // Whatever line end the desk names, a scanner sending any of the three gives clean scans,
    // split anywhere (the LF of a CR LF in its own read included).
    for desk in [Suffix::Cr, Suffix::Lf, Suffix::CrLf] {
        for scanner in [Suffix::Cr, Suffix::Lf, Suffix::CrLf] {
            let mut stream = Vec::new();
            for s in ["ABC123", "办件编号 2025-0001", "x"] {
                stream.extend_from_slice(s.as_bytes());
                stream.extend_from_slice(scanner.bytes());
            }
            for cut in 0..=stream.len() {
                let mut f = ScanFramer::new(config(desk, TextEncoding::Utf8));
                f.push(&stream[..cut]);
                f.push(&stream[cut..]);
                assert_eq!(
                    texts(&drain(&mut f)),
                    ["ABC123", "办件编号 2025-0001", "x"],
                    "desk {desk:?}, scanner {scanner:?}, cut at {cut}"
                );
                assert!(!f.is_mid_scan());
            }
        }
    }
    // A strict CR desk keeps the LF as data: the stray LF the lenient default removes.
    let mut f = ScanFramer::new(FramerConfig {
        strict_suffix: true,
        ..config(Suffix::Cr, TextEncoding::Utf8)
    });
    f.push(b"ABC\r\nDEF\r\n");
    assert_eq!(texts(&drain(&mut f)), ["ABC", "\nDEF"]);
    // Tab stays exact: line ends inside a tab-ended scan are data.
    let mut f = ScanFramer::new(config(Suffix::Tab, TextEncoding::Utf8));
    f.push(b"A\r\nB\t");
    assert_eq!(texts(&drain(&mut f)), ["A\r\nB"]);
}

#[test]
fn empty_scans_are_skipped() {
    let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
    f.push(b"\r\r12345\r\r");
    assert_eq!(texts(&drain(&mut f)), ["12345"]);
}

#[test]
fn gb18030_payload_decodes() {
    let text = "不动产权证书 京(2025)东城区不动产权第0001234号";
    let bytes = TextEncoding::Gb18030.encode(text);
    assert_ne!(bytes, text.as_bytes());
    let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Gb18030));
    f.push(&bytes);
    f.push(b"\r");
    let r = drain(&mut f);
    assert_eq!(texts(&r), [text]);
    assert_eq!(r[0].as_ref().map(|e| e.raw_len as usize), Ok(bytes.len()));
    // The same bytes under UTF-8 are a typed decode error, not mojibake.
    let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
    f.push(&bytes);
    f.push(b"\r");
    assert!(matches!(
        drain(&mut f).as_slice(),
        [Err(FrameError::Decode {
            encoding: TextEncoding::Utf8,
            ..
        })]
    ));
}

#[test]
fn auto_encoding_takes_utf8_then_gb18030() {
    let text = "申请人张伟";
    for bytes in [
        TextEncoding::Utf8.encode(text),
        TextEncoding::Gb18030.encode(text),
    ] {
        assert_eq!(TextEncoding::Auto.decode(&bytes).as_deref(), Some(text));
    }
    assert_eq!(TextEncoding::Auto.decode(&[0xFF, 0xFF]), None);
}

#[test]
fn aim_prefix_becomes_a_typed_symbology() {
    let mut cfg = config(Suffix::Cr, TextEncoding::Utf8);
    cfg.aim_prefix = true;
    let mut f = ScanFramer::new(cfg);
    f.push("]Q1办件码:BJ20250001\r]E06901234567892\r]C".as_bytes());
    f.push(b"\r]\r");
    let r = drain(&mut f);
    let ok: Vec<&ScanEvent> = r.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(ok.len(), 4);
    assert_eq!(ok[0].text, "办件码:BJ20250001");
    assert_eq!(
        ok[0].symbology,
        Some(Symbology {
            kind: SymbologyKind::Qr,
            aim: "]Q1".into()
        })
    );
    assert_eq!(ok[0].raw_len as usize, "]Q1办件码:BJ20250001".len());
    assert_eq!(ok[1].text, "6901234567892");
    assert_eq!(
        ok[1].symbology.as_ref().map(|s| s.kind),
        Some(SymbologyKind::EanUpc)
    );
    // Too short to be an identifier: kept as text.
    assert_eq!(
        (ok[2].text.as_str(), ok[2].symbology.is_none()),
        ("]C", true)
    );
    assert_eq!(
        (ok[3].text.as_str(), ok[3].symbology.is_none()),
        ("]", true)
    );
    // With the option off, the identifier stays in the text.
    let mut f = ScanFramer::new(config(Suffix::Cr, TextEncoding::Utf8));
    f.push(b"]Q1abc\r");
    assert_eq!(texts(&drain(&mut f)), ["]Q1abc"]);
}

#[test]
fn over_long_scan_is_an_error_and_the_next_scan_survives() {
    let mut cfg = config(Suffix::Cr, TextEncoding::Utf8);
    cfg.max_len = 8;
    let mut f = ScanFramer::new(cfg);
    f.push(b"12345678\r"); // exactly the limit is fine
    f.push(b"123456789abcdefghijklmnop");
    assert!(f.pending() <= 8);
    f.push(b"qrstuvwxyz\rOK\r");
    assert_eq!(
        drain(&mut f),
        [
            Ok(ScanEvent {
                text: "12345678".into(),
                symbology: None,
                raw_len: 8
            }),
            Err(FrameError::TooLong { limit: 8 }),
            Ok(ScanEvent {
                text: "OK".into(),
                symbology: None,
                raw_len: 2
            }),
        ]
    );
    // Without a suffix the over-long scan ends at the quiet line.
    let mut cfg = config(Suffix::None, TextEncoding::Utf8);
    cfg.max_len = 4;
    let mut f = ScanFramer::new(cfg);
    f.push(b"abcdefgh");
    f.idle();
    f.push(b"ok");
    f.idle();
    assert_eq!(
        texts(&drain(&mut f)),
        [
            "ERR scan longer than 4 bytes without a suffix; discarded",
            "ok"
        ]
    );
}

#[test]
fn crlf_suffix_does_not_count_towards_the_limit() {
    let mut cfg = config(Suffix::CrLf, TextEncoding::Utf8);
    cfg.max_len = 4;
    let mut f = ScanFramer::new(cfg);
    f.push(b"abcd\r\n");
    assert_eq!(texts(&drain(&mut f)), ["abcd"]);
}

#[test]
fn missing_suffix_is_reported_on_idle() {
    // Strict CR: the LF the scanner sends is data, and no CR ever comes.
    let mut f = ScanFramer::new(FramerConfig {
        strict_suffix: true,
        ..config(Suffix::Cr, TextEncoding::Utf8)
    });
    f.push(b"ABC\n");
    f.idle();
    assert_eq!(
        drain(&mut f),
        [Err(FrameError::MissingSuffix {
            suffix: Suffix::Cr,
            len: 4
        })]
    );
    assert!(!f.is_mid_scan());
}

#[test]
fn config_validation_and_names() {
    assert!(FramerConfig::default().validate().is_ok());
    let bad = FramerConfig {
        max_len: 0,
        ..FramerConfig::default()
    };
    assert!(bad.validate().is_err());
    let bad = FramerConfig {
        suffix: Suffix::None,
        idle_gap: Duration::ZERO,
        ..FramerConfig::default()
    };
    assert!(bad.validate().is_err());
    for name in Suffix::NAMES {
        assert!(Suffix::from_name(name).is_some());
    }
    for name in TextEncoding::NAMES {
        assert!(TextEncoding::from_name(name).is_some());
    }
    assert_eq!(
        TextEncoding::from_name("GB-18030"),
        Some(TextEncoding::Gb18030)
    );
    assert_eq!(Suffix::from_name("CRLF"), Some(Suffix::CrLf));
    // max_len 0 is clamped rather than panicking.
    let mut f = ScanFramer::new(bad_max_len());
    f.push(b"ab\r");
    assert_eq!(drain(&mut f).len(), 1);
}

fn bad_max_len() -> FramerConfig {
    FramerConfig {
        max_len: 0,
        ..FramerConfig::default()
    }
}

/// Runs `stream` through a fresh framer in random chunks, with `idle` at the end.
fn frame_in_chunks(
    stream: &[u8],
    config: &FramerConfig,
    rng: &mut XorShift,
) -> Vec<Result<ScanEvent, FrameError>> {
    let mut f = ScanFramer::new(config.clone());
    let mut results = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(40));
        let (chunk, tail) = rest.split_at(n);
        f.push(chunk);
        assert!(f.pending() <= config.max_len + 1, "bounded buffer");
        results.extend(std::iter::from_fn(|| f.next_scan()));
        rest = tail;
    }
    f.idle();
    results.extend(std::iter::from_fn(|| f.next_scan()));
    results
}

fn random_config(rng: &mut XorShift) -> FramerConfig {
    FramerConfig {
        suffix: [
            Suffix::Cr,
            Suffix::Lf,
            Suffix::CrLf,
            Suffix::Tab,
            Suffix::None,
        ][rng.below(5)],
        encoding: [
            TextEncoding::Utf8,
            TextEncoding::Gb18030,
            TextEncoding::Auto,
        ][rng.below(3)],
        aim_prefix: rng.below(2) == 0,
        strict_suffix: rng.below(2) == 0,
        max_len: 1 + rng.below(300),
        ..FramerConfig::default()
    }
}

/// Bytes biased towards suffixes, `]` and multi-byte lead bytes.
fn nasty_bytes(rng: &mut XorShift, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| match rng.below(10) {
            0 => b'\r',
            1 => b'\n',
            2 => b'\t',
            3 => b']',
            4 => 0xE5,
            5 => 0x81,
            _ => rng.byte(),
        })
        .collect()
}

#[test]
fn random_bytes_never_panic_and_splitting_never_changes_the_result() {
    let mut rng = XorShift::new(0x5CA7_7E12);
    for _ in 0..2000 {
        let config = random_config(&mut rng);
        let len = rng.below(600);
        let stream = nasty_bytes(&mut rng, len);
        let whole = {
            let mut f = ScanFramer::new(config.clone());
            f.push(&stream);
            f.idle();
            drain(&mut f)
        };
        assert_eq!(frame_in_chunks(&stream, &config, &mut rng), whole);
        assert_eq!(frame_in_chunks(&stream, &config, &mut rng), whole);
        fuzz_framing(&stream);
    }
}

#[test]
fn random_scans_round_trip_through_random_splits() {
    let alphabet: Vec<char> = "0123456789ABCXYZabc-:/ ]办件编号申请人张伟北京市东城区€😀"
        .chars()
        .collect();
    let mut rng = XorShift::new(0xC0DE);
    for _ in 0..500 {
        let mut config = random_config(&mut rng);
        config.max_len = FramerConfig::DEFAULT_MAX_LEN;
        // Only the idle gap separates scans without a suffix; send one per stream then.
        let count = if config.suffix == Suffix::None {
            1
        } else {
            1 + rng.below(6)
        };
        let enc = match config.encoding {
            TextEncoding::Auto => TextEncoding::Utf8,
            e => e,
        };
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for _ in 0..count {
            let n = 1 + rng.below(40);
            let mut text: String = (0..n)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            if config.aim_prefix && text.starts_with(']') {
                text.insert(0, '0');
            }
            let aim = config.aim_prefix && rng.below(2) == 0;
            let mut bytes = Vec::new();
            if aim {
                bytes.extend_from_slice(b"]Q1");
            }
            bytes.extend_from_slice(&enc.encode(&text));
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(config.suffix.bytes());
            expected.push(Ok(ScanEvent {
                text,
                symbology: aim.then(|| Symbology {
                    kind: SymbologyKind::Qr,
                    aim: "]Q1".into(),
                }),
                raw_len: bytes.len() as u32,
            }));
        }
        assert_eq!(
            frame_in_chunks(&stream, &config, &mut rng),
            expected,
            "{config:?}"
        );
    }
}
