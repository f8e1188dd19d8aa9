//! F2 over a real tty: the simulator sits on the master side of a pty pair and the driver
//! prints through the slave side, with the serial transport and with the USB printer-class
//! transport (the slave is a character device, as `/dev/usb/lp0` is).
#![cfg(unix)]

use std::time::Duration;

use serialport::{SerialPort, TTYPort};
use yichuang_drivers::escpos::{
    Fault, PaperWidth, PrinterConfig, PrinterError, ReceiptPrinter, Simulator, TicketSlip,
    TransportConfig,
};
use yichuang_drivers::serial::SerialLink;

/// A simulator on the master side; returns it with the slave port (kept open so the
/// master does not see a hang-up while the driver reopens the slave by path).
fn simulator_on_pty(paper: PaperWidth) -> (Simulator, TTYPort) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    master
        .set_timeout(Duration::from_millis(20))
        .expect("master timeout");
    let sim = Simulator::new(paper);
    sim.attach(master).expect("simulator thread");
    (sim, slave)
}

#[test]
fn f2_slip_over_a_pty_with_the_serial_transport() {
    let (sim, slave) = simulator_on_pty(PaperWidth::Mm58);
    let transport = SerialLink::from_port(Box::new(slave));
    let mut printer =
        ReceiptPrinter::new(transport, PaperWidth::Mm58, Duration::from_millis(1_000)).unwrap();
    let slip = TicketSlip::sample();
    printer.print_slip(&slip).expect("prints over the pty");
    let printed = sim.paper();
    assert!(
        printed.text().contains("示范市政务服务中心"),
        "{}",
        printed.text()
    );
    assert!(printed.text().contains("A023"));
    assert_eq!(printed.qr_payloads(), [slip.ticket_code.as_str()]);

    sim.set_fault(Fault::PaperOut, true);
    let err = printer.print_slip(&slip).unwrap_err();
    assert!(matches!(err, PrinterError::PaperOut), "{err:?}");
    assert!(err.message().contains("打印机缺纸"));
    sim.set_fault(Fault::PaperOut, false);
    printer.print_slip(&slip).unwrap();
    assert_eq!(sim.paper().cuts(), 2);
}

#[test]
fn f2_serial_transport_opened_by_path_from_config() {
    let (sim, slave) = simulator_on_pty(PaperWidth::Mm80);
    let path = slave.name().expect("pty path");
    let mut config = PrinterConfig::new(
        TransportConfig::Serial {
            path,
            baud: 115_200,
        },
        PaperWidth::Mm80,
    );
    config.timeout_ms = 1_000;
    let mut printer = ReceiptPrinter::open(&config).expect("opens the tty");
    printer.print_slip(&TicketSlip::sample()).unwrap();
    assert_eq!(sim.paper().cuts(), 1);
    drop(slave);
}

#[test]
fn f2_usb_printer_class_transport_on_a_character_device() {
    let (sim, slave) = simulator_on_pty(PaperWidth::Mm80);
    let path = slave.name().expect("pty path");
    let mut config = PrinterConfig::new(TransportConfig::UsbLp { path }, PaperWidth::Mm80);
    config.timeout_ms = 1_000;
    let mut printer = ReceiptPrinter::open(&config).expect("opens the device file");
    assert!(printer.describe().starts_with("usb "));
    printer.print_slip(&TicketSlip::sample()).unwrap();
    assert_eq!(
        sim.paper().qr_payloads(),
        [TicketSlip::sample().ticket_code.as_str()]
    );

    // Offline on a byte stream means no answers: the status read times out.
    sim.set_fault(Fault::Offline, true);
    let err = printer.status().unwrap_err();
    assert!(matches!(err, PrinterError::Timeout(_)), "{err:?}");
    drop(slave);
}
