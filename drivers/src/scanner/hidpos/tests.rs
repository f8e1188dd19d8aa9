use super::*;
use crate::scanner::codec::{SymbologyKind, TextEncoding};
use std::os::unix::net::UnixDatagram;

/// A scanner's reports through the real hidraw read path: a datagram socket keeps each report
/// a message of its own, as a hidraw node does.
fn hidraw_pair() -> (Hidraw, UnixDatagram) {
    let (ours, device) = UnixDatagram::pair().unwrap();
    let file = std::fs::File::from(std::os::fd::OwnedFd::from(ours));
    (Hidraw::from_file(file, "socketpair"), device)
}

fn framing(encoding: TextEncoding) -> FramerConfig {
    FramerConfig {
        encoding,
        ..FramerConfig::default()
    }
}

#[test]
fn d1_a_hid_pos_scan_split_over_reports_comes_out_whole_through_hidraw() {
    let (hidraw, device) = hidraw_pair();
    let mut scanner = HidPosScanner::new(hidraw, framing(TextEncoding::Gb18030)).unwrap();
    // A personal code with Chinese text, 150 bytes in GB18030: three reports.
    let text = format!("{}{}", "粤省事个人码".repeat(6), "X".repeat(78));
    let bytes = TextEncoding::Gb18030.encode(&text);
    let reports = scan_reports(*b"]Q1", &bytes);
    assert_eq!(reports.len(), bytes.len().div_ceil(DATA_PER_REPORT));
    for r in &reports {
        device.send(r).unwrap();
    }
    let scan = scanner
        .next_scan(Duration::from_secs(2))
        .unwrap()
        .expect("a scan");
    assert_eq!(scan.text, text);
    assert_eq!(scan.symbology.map(|s| s.kind), Some(SymbologyKind::Qr));
    // Nothing more: the wait ends empty.
    assert!(scanner
        .next_scan(Duration::from_millis(50))
        .unwrap()
        .is_none());
}

#[test]
fn d1_a_malformed_report_drops_its_scan_and_the_next_scan_reads() {
    let mut sim = SimulatedHidPosScanner::new();
    let mut bad = scan_reports(*b"]Q1", b"A001").remove(0).to_vec();
    bad[1] = 57; // more data than a report holds
    sim.queue_reports([bad, vec![0x02], vec![]]);
    sim.scan(b"T-441500-A002");
    let mut scanner = HidPosScanner::new(sim, framing(TextEncoding::Utf8)).unwrap();
    let first = scanner.next_scan(Duration::from_millis(100)).unwrap_err();
    assert!(
        matches!(first, ScannerError::Frame(FrameError::BadReport { .. })),
        "{first:?}"
    );
    assert!(!first.is_fatal());
    // The one-byte report is too short for its own header: dropped as well.
    let second = scanner.next_scan(Duration::from_millis(100)).unwrap_err();
    assert!(
        matches!(second, ScannerError::Frame(FrameError::BadReport { .. })),
        "{second:?}"
    );
    let scan = scanner
        .next_scan(Duration::from_millis(100))
        .unwrap()
        .expect("the good scan after the bad ones");
    assert_eq!(scan.text, "T-441500-A002");
}

#[test]
fn d1_reports_of_other_ids_are_not_scans() {
    let mut sim = SimulatedHidPosScanner::new();
    let mut status = vec![0u8; REPORT_LEN];
    status[0] = 0x04; // a vendor status report
    status[1] = 3;
    sim.queue_reports([status]);
    sim.scan(b"");
    sim.scan(b"https://zwfw.example.gov.cn/q?t=A003");
    let mut scanner = HidPosScanner::new(sim, framing(TextEncoding::Utf8)).unwrap();
    // The empty scan decodes to an empty text; the status report is skipped.
    let empty = scanner
        .next_scan(Duration::from_millis(100))
        .unwrap()
        .unwrap();
    assert_eq!(empty.text, "");
    let scan = scanner
        .next_scan(Duration::from_millis(100))
        .unwrap()
        .unwrap();
    assert_eq!(scan.text, "https://zwfw.example.gov.cn/q?t=A003");
}

#[test]
fn d1_a_hid_pos_scan_over_the_length_limit_is_dropped_whole() {
    let mut sim = SimulatedHidPosScanner::new();
    sim.scan(&vec![b'9'; 300]);
    sim.scan(b"A004");
    let config = FramerConfig {
        max_len: 200,
        ..framing(TextEncoding::Utf8)
    };
    let mut scanner = HidPosScanner::new(sim, config).unwrap();
    let err = scanner.next_scan(Duration::from_millis(100)).unwrap_err();
    assert!(
        matches!(err, ScannerError::Frame(FrameError::TooLong { limit: 200 })),
        "{err:?}"
    );
    let scan = scanner
        .next_scan(Duration::from_millis(100))
        .unwrap()
        .unwrap();
    assert_eq!(scan.text, "A004");
}

#[test]
fn d1_the_assembler_never_panics_on_any_report() {
    let mut a = ReportAssembler::default();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 70) as usize;
        let mut report: Vec<u8> = (0..len).map(|i| (seed >> (i % 56)) as u8).collect();
        if let Some(first) = report.first_mut() {
            *first = if seed & 1 == 0 {
                SCAN_REPORT_ID
            } else {
                *first
            };
        }
        let _ = a.push(&report, 4096);
    }
}

#[test]
fn d1_a_hid_pos_scanner_is_found_by_its_usage_page_and_usb_ids() {
    let root = tempfile::tempdir().unwrap();
    let add = |name: &str, descriptor: &[u8], hid_id: &str| {
        let device = root.path().join(name).join("device");
        std::fs::create_dir_all(&device).unwrap();
        std::fs::write(device.join("report_descriptor"), descriptor).unwrap();
        std::fs::write(
            device.join("uevent"),
            format!("DRIVER=hid-generic\nHID_ID={hid_id}\n"),
        )
        .unwrap();
    };
    // A keyboard (Generic Desktop), then a scanner in keyboard mode's twin, then HID-POS ones.
    add(
        "hidraw0",
        &[0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0xC0],
        "0003:0000046D:0000C31C",
    );
    add(
        "hidraw2",
        &[0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0xC0],
        "0003:00000C2E:00000B61",
    );
    add(
        "hidraw10",
        &[0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0xC0],
        "0003:00001EAB:00001D22",
    );
    assert_eq!(
        find_hidraw(root.path(), None),
        Some(std::path::PathBuf::from("/dev/hidraw2"))
    );
    assert_eq!(
        find_hidraw(root.path(), Some((0x1EAB, 0x1D22))),
        Some(std::path::PathBuf::from("/dev/hidraw10"))
    );
    assert_eq!(find_hidraw(root.path(), Some((0x046D, 0xC31C))), None);
    assert_eq!(find_hidraw(&root.path().join("absent"), None), None);
}

#[test]
fn hid_descriptor_items_are_walked_by_their_sizes() {
    use super::hidraw::usage_pages;
    // A four-byte Usage Page item, a long item, and a truncated item at the end.
    let d = [
        0x07, 0x8C, 0x00, 0x00, 0x00, 0xFE, 0x02, 0x10, 0x05, 0x8C, 0x05,
    ];
    assert_eq!(usage_pages(&d), vec![0x8C]);
    assert_eq!(usage_pages(&[]), Vec::<u16>::new());
    assert_eq!(
        super::hidraw::hid_id_for_tests("HID_ID=0003:00000C2E:00000B61"),
        Some((0x0C2E, 0x0B61))
    );
    assert_eq!(super::hidraw::hid_id_for_tests("HID_ID=junk"), None);
}

#[test]
fn d1_an_unplugged_hid_pos_scanner_is_a_lost_link() {
    // A seqpacket pair: message boundaries like hidraw, and an end when the device goes.
    let mut fds = [0i32; 2];
    // SAFETY: socketpair writes two descriptors into the array on success.
    let r = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0, fds.as_mut_ptr()) };
    assert_eq!(r, 0);
    // SAFETY: both descriptors were just created and are owned here alone.
    let (ours, device) = unsafe {
        use std::os::fd::FromRawFd;
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    };
    let mut scanner = HidPosScanner::new(
        Hidraw::from_file(ours, "seqpacket"),
        framing(TextEncoding::Utf8),
    )
    .unwrap();
    {
        use std::io::Write;
        let mut device = &device;
        for r in scan_reports(*b"]Q1", b"A005") {
            device.write_all(&r).unwrap();
        }
    }
    assert_eq!(
        scanner
            .next_scan(Duration::from_secs(2))
            .unwrap()
            .unwrap()
            .text,
        "A005"
    );
    drop(device);
    let err = scanner.next_scan(Duration::from_secs(2)).unwrap_err();
    assert!(matches!(err, ScannerError::Io(_)), "{err:?}");
    assert!(err.is_fatal());
}
