//! F2 over a real socket: the receipt printer driver talks raw TCP (port-9100 style) to the
//! ESC/POS simulator on 127.0.0.1, and the tests read back what came out of the printer.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use yichuang_drivers::escpos::{
    Fault, PaperWidth, PrinterConfig, PrinterError, ReceiptPrinter, Simulator, TicketSlip,
    TransportConfig,
};
use yichuang_drivers::ErrorKind;

fn tcp_config(sim: &Simulator, paper: PaperWidth) -> PrinterConfig {
    let addr = sim.listen("127.0.0.1:0").expect("simulator listens");
    let mut config = PrinterConfig::new(
        TransportConfig::Tcp {
            address: addr.to_string(),
        },
        paper,
    );
    config.timeout_ms = 1_000;
    config
}

#[test]
fn f2_slip_printed_over_tcp_reads_back_text_and_qr() {
    for paper in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let sim = Simulator::new(paper);
        let config = tcp_config(&sim, paper);
        let mut printer = ReceiptPrinter::open(&config).expect("connects");
        let slip = TicketSlip::sample();
        let report = printer.print_slip(&slip).expect("prints");
        assert!(report.bytes_sent <= 2000, "{} bytes", report.bytes_sent);
        assert!(!report.paper_near_end());

        // The status check after the job is answered after the job was processed.
        let printed = sim.paper();
        let text = printed.text();
        for want in [
            "示范市政务服务中心",
            "A023",
            "前面等候",
            "12 人",
            "2025-03-01 09:30",
        ] {
            assert!(text.contains(want), "{paper:?} lacks {want}:\n{text}");
        }
        assert_eq!(printed.qr_payloads(), [slip.ticket_code.as_str()]);
        assert_eq!(printed.cuts(), 1);
    }
}

#[test]
fn f2_paper_out_is_a_typed_error_nothing_prints_and_restoring_paper_prints() {
    let sim = Simulator::new(PaperWidth::Mm80);
    let config = tcp_config(&sim, PaperWidth::Mm80);
    let mut printer = ReceiptPrinter::open(&config).expect("connects");
    sim.set_fault(Fault::PaperOut, true);

    let err = printer.print_slip(&TicketSlip::sample()).unwrap_err();
    assert!(matches!(err, PrinterError::PaperOut), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::NeedsAttention);
    assert!(err.message().contains("打印机缺纸"), "{}", err.message());
    assert!(err.to_device_error().detail.contains("打印机缺纸"));
    assert!(sim.paper().is_empty());
    assert_eq!(sim.received_commands(), 0, "the job was never sent");

    sim.set_fault(Fault::PaperOut, false);
    printer
        .print_slip(&TicketSlip::sample())
        .expect("prints once paper is back");
    assert_eq!(
        sim.paper().qr_payloads(),
        [TicketSlip::sample().ticket_code.as_str()]
    );
}

#[test]
fn f2_near_end_prints_and_warns() {
    let sim = Simulator::new(PaperWidth::Mm80);
    let mut printer = ReceiptPrinter::open(&tcp_config(&sim, PaperWidth::Mm80)).unwrap();
    sim.set_fault(Fault::PaperNearEnd, true);
    let report = printer.print_slip(&TicketSlip::sample()).unwrap();
    assert!(report.paper_near_end());
    assert_eq!(sim.paper().cuts(), 1);
    assert!(PrinterError::PaperNearEnd
        .message()
        .contains("打印机纸将用尽"));
}

#[test]
fn f2_cover_open_is_a_typed_error() {
    let sim = Simulator::new(PaperWidth::Mm58);
    let mut printer = ReceiptPrinter::open(&tcp_config(&sim, PaperWidth::Mm58)).unwrap();
    sim.set_fault(Fault::CoverOpen, true);
    let err = printer.print_slip(&TicketSlip::sample()).unwrap_err();
    assert!(matches!(err, PrinterError::CoverOpen), "{err:?}");
    assert!(err.message().contains("打印机盖未合上"));
    assert!(sim.paper().is_empty());
}

#[test]
fn f2_offline_printer_drops_the_connection_and_reconnecting_works_after() {
    let sim = Simulator::new(PaperWidth::Mm80);
    let config = tcp_config(&sim, PaperWidth::Mm80);
    let mut printer = ReceiptPrinter::open(&config).unwrap();
    printer.status().expect("online at first");

    sim.set_fault(Fault::Offline, true);
    std::thread::sleep(Duration::from_millis(100));
    let err = printer.print_slip(&TicketSlip::sample()).unwrap_err();
    assert!(
        matches!(err, PrinterError::Offline(_)),
        "a dropped connection is offline: {err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::NotConnected);
    assert!(err.message().contains("打印机离线"));

    // A new connection while offline is accepted and dropped at once.
    let err = ReceiptPrinter::open(&config)
        .and_then(|mut p| p.status())
        .unwrap_err();
    assert!(matches!(err, PrinterError::Offline(_)), "{err:?}");

    sim.set_fault(Fault::Offline, false);
    let mut printer = ReceiptPrinter::open(&config).unwrap();
    printer.print_slip(&TicketSlip::sample()).unwrap();
    assert_eq!(sim.paper().cuts(), 1);
}

#[test]
fn nobody_listening_is_offline() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = PrinterConfig::new(
        TransportConfig::Tcp {
            address: format!("127.0.0.1:{port}"),
        },
        PaperWidth::Mm80,
    );
    let err = ReceiptPrinter::open(&config).err().expect("refused");
    assert!(matches!(err, PrinterError::Offline(_)), "{err:?}");
}

#[test]
fn faults_can_be_set_from_the_loopback_control_port() {
    let sim = Simulator::new(PaperWidth::Mm80);
    let config = tcp_config(&sim, PaperWidth::Mm80);
    let control = sim.listen_control("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(control).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut ask = |cmd: &str| {
        out.write_all(format!("{cmd}\n").as_bytes()).unwrap();
        let mut answer = String::new();
        lines.read_line(&mut answer).unwrap();
        answer
    };

    assert_eq!(ask("paper-out on"), "ok\n");
    let mut printer = ReceiptPrinter::open(&config).unwrap();
    assert!(matches!(
        printer.print_slip(&TicketSlip::sample()),
        Err(PrinterError::PaperOut)
    ));
    assert_eq!(ask("status"), "ok paper-out\n");
    assert_eq!(ask("clear"), "ok\n");
    printer.print_slip(&TicketSlip::sample()).unwrap();
    assert_eq!(ask("status"), "ok ready\n");
}
