//! The ID-card reader over the USB "部标" interface.
//!
//! Two halves, because this machine has no USB bus (no `/dev/bus/usb`, no `vhci_hcd` for
//! USB/IP, no `dummy_hcd` gadget), so no USB device, real or emulated, can be attached here:
//! - the real libusb path: the library is built in, initialises (or reports the missing bus)
//!   and opening a reader that is not there is the typed 「未检测到身份证读卡器」 error;
//! - the packet layer: the unchanged reader driver through [`UsbTransport`] against the SAM
//!   simulator behind 64-byte IN/OUT endpoints, so a 1295-byte read reply arrives in 21
//!   packets exactly as a full-speed reader delivers it.

use std::time::Duration;

use yichuang_drivers::idcard::simulator::{sample_foreign_permanent, sample_resident};
use yichuang_drivers::idcard::usb::{self, SimulatedUsbReader, UsbConfig, UsbPipe};
use yichuang_drivers::idcard::{
    IdCardError, IdCardReader, ReaderConfig, ReaderEvent, SamSimulator, SampleCard, UsbTransport,
};
use yichuang_drivers::ErrorKind;

fn reader(
    packet: usize,
) -> (
    IdCardReader<UsbTransport<SimulatedUsbReader>>,
    usb::SimulatedUsbHandle,
) {
    let (pipe, handle) = SimulatedUsbReader::new(SamSimulator::new(), packet);
    let config = ReaderConfig {
        command_timeout: Duration::from_millis(800),
        read_timeout: Duration::from_millis(3000),
        ..ReaderConfig::default()
    };
    (
        IdCardReader::new(UsbTransport::new(pipe, "simulated 0400:c35a"), config),
        handle,
    )
}

#[test]
fn c1_usb_reader_reads_cards_through_64_byte_packets() {
    let (mut reader, sim) = reader(64);
    reader.sam_status().unwrap();
    assert_eq!(
        reader.sam_id().unwrap().to_string(),
        "05.01-20101020-0012345678-1234567890"
    );
    assert!(reader.poll().unwrap().is_empty(), "no card yet");

    sim.with(|s| s.place_card(SampleCard::resident()));
    let events = reader.poll().unwrap();
    let [ReaderEvent::CardPresent(read)] = events.as_slice() else {
        panic!("expected one card event, got {events:?}");
    };
    assert_eq!(read.identity, sample_resident());
    assert_eq!(read.photo.0.len(), 1024, "WLT photo kept raw");
    assert!(
        reader.poll().unwrap().is_empty(),
        "a card left on fires once"
    );

    sim.with(|s| s.remove_card());
    // Removal is debounced over a few empty probes.
    let events: Vec<_> = (0..6).flat_map(|_| reader.poll().unwrap()).collect();
    assert!(
        matches!(events.as_slice(), [ReaderEvent::CardRemoved]),
        "{events:?}"
    );
    sim.with(|s| s.place_card(SampleCard::foreign_permanent()));
    let events = reader.poll().unwrap();
    assert!(
        matches!(events.as_slice(), [ReaderEvent::CardPresent(r)] if r.identity == sample_foreign_permanent()),
        "{events:?}"
    );
}

#[test]
fn c1_usb_reader_works_with_other_packet_sizes() {
    // Some readers enumerate interrupt endpoints of 32 bytes, high-speed bulk ones 512.
    for packet in [32, 512] {
        let (mut reader, sim) = reader(packet);
        sim.with(|s| s.place_card(SampleCard::hk_macao_taiwan()));
        let read = reader.read_card().unwrap();
        assert_eq!(read.identity.name, "陈大文", "packet {packet}");
    }
}

#[test]
fn c1_usb_unplug_is_a_link_error_the_service_reconnects_on() {
    let (mut reader, sim) = reader(64);
    reader.sam_status().unwrap();
    sim.unplug();
    let e = reader.poll().unwrap_err();
    assert!(matches!(e, IdCardError::Io(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::NotConnected);
}

#[test]
fn c1_usb_transport_sends_commands_one_packet_per_transfer() {
    struct Recorder(Vec<usize>);
    impl UsbPipe for Recorder {
        fn max_packet(&self) -> usize {
            8
        }
        fn write(&mut self, bytes: &[u8], _: Duration) -> Result<usize, usb::PipeError> {
            self.0.push(bytes.len());
            Ok(bytes.len())
        }
        fn read(&mut self, _: &mut [u8], _: Duration) -> Result<usize, usb::PipeError> {
            Ok(0)
        }
    }
    use yichuang_drivers::transport::{ByteSource, ByteStream};
    let mut t = UsbTransport::new(Recorder(Vec::new()), "recorder");
    t.send(&[0u8; 20]).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(t.recv(&mut buf, Duration::from_millis(1)).unwrap(), 0);
    // Reach the recorder through a fresh send to read what it saw.
    let Recorder(sizes) =
        std::mem::replace(&mut t, UsbTransport::new(Recorder(Vec::new()), "x")).into_pipe();
    assert_eq!(sizes, vec![8, 8, 4]);
}

#[test]
fn c1_real_libusb_reports_a_missing_reader_as_not_connected() {
    // The real library: built in, initialised here. No reader is attached to this machine,
    // so opening one must be the typed "not found" error with a detail for IT.
    match usb::list_devices(&UsbConfig::default()) {
        Ok(devices) => assert!(
            devices.iter().all(|d| !d.is_reader),
            "a reader is attached? {devices:?}"
        ),
        Err(e) => assert_eq!(e.kind(), ErrorKind::NotConnected, "{e}"),
    }
    let e = usb::open(&UsbConfig::parse("0400:c35a").unwrap()).unwrap_err();
    assert!(matches!(e, IdCardError::NotFound { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::NotConnected);
    assert_eq!(
        e.message(),
        "未检测到身份证读卡器，请检查USB连接线或端口设置。"
    );
    assert!(e.to_string().contains("0400:c35a"), "{e}");
}
