//! Tests of the camera service, codes and pages.

use super::*;
use std::sync::mpsc;
use std::time::Instant;

/// 2026-11-24 (unix seconds), for personal code expiry.
const NOW_S: i64 = 1_795_399_200;

fn keys() -> signed::PersonalCodeKeys {
    signed::PersonalCodeKeys::parse(&[signed::TEST_PUBLIC_KEY.to_string()]).unwrap()
}

fn small_sim() -> CameraSimulator {
    CameraSimulator::new(SimConfig {
        width: 640,
        height: 480,
        fps: 30,
        slide_frames: 3,
        ..SimConfig::default()
    })
}

fn fast() -> ServiceTiming {
    ServiceTiming {
        reopen: Duration::from_millis(100),
    }
}

/// The next event that `pick` accepts, skipping others.
fn wait_for<T>(
    rx: &mpsc::Receiver<CameraEvent>,
    within: Duration,
    mut pick: impl FnMut(CameraEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = rx.recv_timeout(left).expect("event in time");
        if let Some(t) = pick(e) {
            return t;
        }
    }
}

fn start(sim: &CameraSimulator) -> (CameraService, mpsc::Receiver<CameraEvent>) {
    let (tx, rx) = mpsc::channel();
    let svc =
        CameraService::with_backend(Arc::new(sim.clone()), Some(sim.clone()), fast(), move |e| {
            let _ = tx.send(e);
        })
        .unwrap();
    (svc, rx)
}

#[test]
fn d1_a_ticket_under_the_camera_is_read_once_and_the_preview_stops() {
    let sim = small_sim();
    let (svc, rx) = start(&sim);
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::State(DeviceState::Connected) => Some(()),
        _ => None,
    });
    svc.start_scan();
    let frame = wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::Frame(f) => Some(f),
        _ => None,
    });
    assert_eq!((frame.width, frame.height), (640, 480));
    assert_eq!(&frame.jpeg[..2], &[0xFF, 0xD8]);
    sim.show_ticket("QT|A023|20261122|W3|7f3k");
    let code = wait_for(&rx, Duration::from_secs(10), |e| match e {
        CameraEvent::Code(c) => Some(c),
        _ => None,
    });
    assert_eq!(code.text, "QT|A023|20261122|W3|7f3k");
    assert_eq!(code.kind, CodeKind::QueueTicket);
    assert!(!svc.is_scanning() && !svc.is_previewing());
    // No second report of the same code: nothing that arrives within 300 ms is a code.
    let deadline = std::time::Instant::now() + Duration::from_millis(300);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(e) => assert!(!matches!(e, CameraEvent::Code(_)), "a second code"),
            Err(_) => break,
        }
    }
}

#[test]
fn a_qr_that_panics_the_decoder_is_reported_and_the_preview_goes_on() {
    // The real decoder, with a fault like rxing's open panic reports: a certain code makes it
    // panic (here the crafted ticket's content, found by the real reader, is the trigger).
    let reader = QrReader::default();
    let decoder: QrDecoder = Arc::new(move |luma| {
        let code = reader.read(luma);
        if code.as_ref().is_some_and(|c| c.text.starts_with("CRAFTED")) {
            panic!("index out of bounds: the len is 45 but the index is 45");
        }
        code
    });
    let sim = small_sim();
    let (tx, rx) = mpsc::channel();
    let svc = CameraService::with_decoder(
        Arc::new(sim.clone()),
        Some(sim.clone()),
        fast(),
        decoder,
        move |e| {
            let _ = tx.send(e);
        },
    )
    .unwrap();
    sim.show_ticket("CRAFTED|A023|20261122|W3|7f3k");
    svc.start_scan();
    let error = wait_for(&rx, Duration::from_secs(10), |e| match e {
        CameraEvent::Error(u) => Some(u),
        CameraEvent::Code(c) => panic!("a code from the panicking decoder: {}", c.text),
        _ => None,
    });
    assert_eq!(error.code, ErrorCode::CameraProtocol);
    assert!(
        error.message.contains("二维码无法识别"),
        "{}",
        error.message
    );
    // The thread lives: frames keep coming, still scanning, and the failure is reported once.
    let mut frames = 0;
    while frames < 10 {
        match rx
            .recv_timeout(Duration::from_secs(5))
            .expect("preview goes on")
        {
            CameraEvent::Frame(_) => frames += 1,
            CameraEvent::Error(e) => panic!("reported again: {}", e.message),
            _ => {}
        }
    }
    assert!(svc.is_scanning() && svc.is_previewing());
    // The next code decodes.
    sim.show_ticket("QT|A024|20261122|W3|8g4m");
    let code = wait_for(&rx, Duration::from_secs(10), |e| match e {
        CameraEvent::Code(c) => Some(c),
        _ => None,
    });
    assert_eq!(code.text, "QT|A024|20261122|W3|8g4m");
}

#[test]
fn e3_capture_crops_the_page_and_pages_make_a_pdf() {
    let sim = small_sim();
    let (svc, rx) = start(&sim);
    assert!(svc.capture(0).is_err(), "no frame before the preview");
    sim.show_document();
    svc.start_preview();
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::Frame(_) => Some(()),
        _ => None,
    });
    let page = svc.capture(1).unwrap();
    assert!(page.cropped);
    // The simulated page is A4 portrait, 264 px wide; a quarter turn makes it landscape.
    assert!(page.width > page.height, "{}×{}", page.width, page.height);
    assert!(page.height.abs_diff(264) < 16, "{}", page.height);
    let pdf =
        crate::domain::document::jpeg_pages_to_pdf("身份证明", &[&page.jpeg, &page.jpeg]).unwrap();
    assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
}

#[test]
fn c5_unplug_reports_not_connected_in_chinese_and_replug_recovers() {
    let sim = small_sim();
    let (svc, rx) = start(&sim);
    svc.start_preview();
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::Frame(_) => Some(()),
        _ => None,
    });
    sim.unplug();
    let err = wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::Error(u) => Some(u),
        _ => None,
    });
    assert!(err.message.starts_with("高拍仪未连接"), "{err:?}");
    assert_eq!(err.code, ErrorCode::CameraNotConnected);
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::State(DeviceState::Disconnected) => Some(()),
        _ => None,
    });
    let e = svc.latest_frame().unwrap_err();
    assert!(e.message.starts_with("高拍仪未连接"), "{e:?}");
    sim.plug();
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::State(DeviceState::Connected) => Some(()),
        _ => None,
    });
    wait_for(&rx, Duration::from_secs(5), |e| match e {
        CameraEvent::Frame(_) => Some(()),
        _ => None,
    });
    assert!(svc.latest_frame().is_ok());
}

#[test]
fn e3_pages_belong_to_their_material_turn_and_make_one_pdf() {
    let page = |w: u32, h: u32| {
        let img = yichuang_drivers::camera::GrayImage::filled(w, h, 200);
        CapturedPage {
            jpeg: camera::jpeg::encode_gray(&img, 90).unwrap(),
            width: w,
            height: h,
            cropped: true,
        }
    };
    let mut set = PageSet::default();
    assert!(set.for_material("居民户口簿").is_empty());
    assert!(set.pdf().is_err(), "nothing to attach yet");
    set.add(page(40, 60));
    let infos = set.add(page(40, 60));
    assert_eq!(infos.len(), 2);
    let turned = turn_page(&set.jpeg(infos[1].id).unwrap()).unwrap();
    let infos = set.replace(infos[1].id, turned);
    assert_eq!((infos[1].width, infos[1].height), (60, 40));
    assert_ne!(infos[1].id, 2, "a turned page gets a new id");
    assert!(set.jpeg(2).is_err());
    let (name, pdf) = set.pdf().unwrap();
    assert_eq!(name, "居民户口簿.pdf");
    assert!(String::from_utf8_lossy(&pdf).contains("/Count 2"));
    assert_eq!(set.remove(infos[0].id).len(), 1);
    // The same material keeps its pages; another one starts empty.
    assert_eq!(set.for_material("居民户口簿").len(), 1);
    assert!(set.for_material("居民身份证").is_empty());
}

#[test]
fn codes_name_their_ticket_appointment_item_and_person() {
    let t =
        ScannedCode::classify("QT|A023|20261123|W3|item=1144010000001|7f3k").target(&keys(), NOW_S);
    assert_eq!(t.ticket.as_deref(), Some("A023"));
    assert_eq!(t.item_code.as_deref(), Some("1144010000001"));
    assert!(t.party.is_none());
    let t = ScannedCode::classify(
        "https://appt.hall.example.gov.cn/v1/checkin?id=AP1234567890&item=HJ-001",
    )
    .target(&keys(), NOW_S);
    assert_eq!(t.code.kind, CodeKind::Appointment);
    assert_eq!(t.appointment.as_deref(), Some("AP1234567890"));
    assert_eq!(t.item_code.as_deref(), Some("HJ-001"));
    let t =
        ScannedCode::classify(r#"{"appt":"AP1234567890","item":"HJ-002"}"#).target(&keys(), NOW_S);
    assert_eq!(t.item_code.as_deref(), Some("HJ-002"));
    // A ticket without an item opens nothing but still names the ticket.
    let t = ScannedCode::classify("YC-20250301-A023-7F3K").target(&keys(), NOW_S);
    assert_eq!((t.ticket.as_deref(), t.item_code), (Some("A023"), None));

    let code = signed::sample_personal_code(NOW_S);
    let t = ScannedCode::classify(&code).target(&keys(), NOW_S);
    assert_eq!(t.code.kind, CodeKind::PersonalCode);
    assert_eq!(t.refusal, None);
    let p = t.party.expect("a signed personal code names its person");
    assert_eq!(
        (p.name.as_str(), p.id_number.as_str()),
        ("张三", "11010519491231002X")
    );
    assert_eq!((p.sex.as_str(), p.birth.as_str()), ("女", "1949-12-31"));
    assert_eq!(p.id_source, crate::domain::intake::IdSource::Code);
}

#[test]
fn c4_unsigned_or_badly_signed_personal_codes_name_nobody_and_say_why() {
    let key = signed::test_signing_key();
    let other = yichuang_pki::grant::SigningKey::from_bytes(&[3; 32]);
    let cases = [
        (
            "粤居码:张三|11010519491231002X".to_string(),
            ErrorCode::CameraPersonalCodeUnsigned,
        ),
        (
            r#"{"name":"李四","idNo":"110105194912310038"}"#.to_string(),
            ErrorCode::CameraPersonalCodeUnsigned,
        ),
        (
            signed::sign(
                &other,
                "粤居码",
                "张三",
                signed::SAMPLE_ID_NUMBER,
                NOW_S + 60,
            ),
            ErrorCode::CameraPersonalCodeBadSignature,
        ),
        (
            signed::sample_personal_code(NOW_S).replace("张三", "王五"),
            ErrorCode::CameraPersonalCodeBadSignature,
        ),
        (
            signed::sign(&key, "粤居码", "张三", signed::SAMPLE_ID_NUMBER, NOW_S - 1),
            ErrorCode::CameraPersonalCodeExpired,
        ),
        // Signed, but the number fails its check digit.
        (
            signed::sign(&key, "粤居码", "张三", "110105194912310020", NOW_S + 60),
            ErrorCode::CameraPersonalCodeInvalid,
        ),
    ];
    for (text, code) in cases {
        let t = ScannedCode::classify(&text).target(&keys(), NOW_S);
        assert_eq!(t.code.kind, CodeKind::PersonalCode, "{text}");
        assert!(t.party.is_none(), "{text}");
        let refusal = t.refusal.expect("a reason");
        assert_eq!(refusal.code, code, "{text}");
        assert!(!refusal.message.is_empty());
    }
    // Without trusted keys, even the sample names nobody.
    let t = ScannedCode::classify(&signed::sample_personal_code(NOW_S))
        .target(&Default::default(), NOW_S);
    assert!(t.party.is_none() && t.refusal.is_some());
}

#[test]
fn codes_are_classified_by_their_shape() {
    let cases = [
        ("QT|A023|20261122|W3|7f3k", CodeKind::QueueTicket),
        ("YC-20250301-A023-7F3K", CodeKind::QueueTicket),
        (
            "https://q.hall.example.gov.cn/ticket?no=A001&sig=1",
            CodeKind::QueueTicket,
        ),
        (r#"{"t":"A001","dept":"NK01"}"#, CodeKind::QueueTicket),
        (
            r#"{"appt":"AP1234567890","slot":"09:30"}"#,
            CodeKind::Appointment,
        ),
        ("AP1234567890", CodeKind::Appointment),
        (
            "https://appt.hall.example.gov.cn/v1/checkin?id=AP1234567890&t=A1",
            CodeKind::Appointment,
        ),
        ("粤居码:4401…", CodeKind::PersonalCode),
        (
            r#"{"name":"张三","id_number":"11010519491231002X"}"#,
            CodeKind::PersonalCode,
        ),
        ("441500202612060050003", CodeKind::CaseReceipt),
        ("WL44150020261206005001", CodeKind::MaterialFlow),
        ("WL4415002026120600500", CodeKind::Other),
        ("441500202613060050003", CodeKind::Other),
        ("44150020261206005000", CodeKind::Other),
        ("hello", CodeKind::Other),
    ];
    for (text, kind) in cases {
        assert_eq!(ScannedCode::classify(text).kind, kind, "{text}");
    }
}

#[test]
fn no_camera_installed_starts_nothing_and_a_real_camera_without_device_is_disconnected() {
    let none = DeviceConfig {
        driver: DeviceDriver::None,
        ..DeviceConfig::default()
    };
    assert!(CameraService::start(&none, fast(), |_| {}).is_none());
    let real = DeviceConfig {
        driver: DeviceDriver::Camera,
        port: Some("63".into()),
        ..DeviceConfig::default()
    };
    let (tx, rx) = mpsc::channel();
    let svc = CameraService::start(&real, fast(), move |e| {
        let _ = tx.send(e);
    })
    .unwrap();
    assert!(svc.simulator().is_err());
    svc.start_preview();
    let err = wait_for(&rx, Duration::from_secs(10), |e| match e {
        CameraEvent::Error(u) => Some(u),
        _ => None,
    });
    assert!(err.message.starts_with("高拍仪"), "{err:?}");
}
