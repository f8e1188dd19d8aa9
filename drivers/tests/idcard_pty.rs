//! The real ID-card reader driver against the simulated SAM over a real pty pair
//! (`TTYPort::pair`): every byte goes through the kernel's tty layer, so reads split the way
//! they do on a USB-serial adapter.
#![cfg(unix)]

use std::time::Duration;

use yichuang_drivers::idcard::simulator::{
    pty_pair, sample_expired, sample_foreign_permanent, sample_foreign_permanent_2023,
    sample_hk_macao_taiwan, sample_long_term, sample_resident, SimulatorHandle,
};
use yichuang_drivers::idcard::{
    CardDetails, CardKind, Date, Fault, IdCardError, IdCardReader, ReaderConfig, ReaderEvent,
    SamSimulator, SamStatus, SampleCard,
};
use yichuang_drivers::serial::SerialLink;
use yichuang_drivers::ErrorKind;

fn config() -> ReaderConfig {
    ReaderConfig {
        command_timeout: Duration::from_millis(800),
        read_timeout: Duration::from_millis(3000),
        ..ReaderConfig::default()
    }
}

fn setup_with(sim: SamSimulator) -> (IdCardReader<SerialLink>, SimulatorHandle) {
    let (transport, handle) = pty_pair(sim).expect("pty pair");
    (IdCardReader::new(transport, config()), handle)
}

fn setup() -> (IdCardReader<SerialLink>, SimulatorHandle) {
    setup_with(SamSimulator::new())
}

fn today() -> Date {
    Date::new(2025, 6, 1).unwrap()
}

/// Polls `n` times, collecting every event.
fn poll_n(reader: &mut IdCardReader<SerialLink>, n: usize) -> Vec<ReaderEvent> {
    (0..n).flat_map(|_| reader.poll().expect("poll")).collect()
}

fn presents(events: &[ReaderEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            ReaderEvent::CardPresent(c) => Some(c.identity.id_number.clone()),
            _ => None,
        })
        .collect()
}

fn removals(events: &[ReaderEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ReaderEvent::CardRemoved))
        .count()
}

#[test]
fn c1_sam_status_and_id_over_pty() {
    let (mut reader, _sim) = setup();
    reader.reset_sam().unwrap();
    reader.sam_status().unwrap();
    let id = reader.sam_id().unwrap();
    assert_eq!(id.to_string(), "05.01-20101020-0012345678-1234567890");
}

#[test]
fn c1_reads_each_card_type() {
    let (mut reader, sim) = setup();
    for (card, expected) in [
        (SampleCard::resident(), sample_resident()),
        (SampleCard::resident_long_term(), sample_long_term()),
        (SampleCard::foreign_permanent(), sample_foreign_permanent()),
        (SampleCard::hk_macao_taiwan(), sample_hk_macao_taiwan()),
        (SampleCard::expired(), sample_expired()),
    ] {
        sim.place_card(card.clone());
        let read = reader.read_card().unwrap();
        assert_eq!(read.identity, expected);
        assert_eq!(read.photo.0, card.photo);
        assert!(
            read.photo.decode(None).is_none(),
            "no decoder → placeholder"
        );
        assert!(read.identity.id_number_valid);
        sim.remove_card();
    }
}

#[test]
fn c1_card_types_and_expiry_are_flagged() {
    let (mut reader, sim) = setup();
    let mut read = |card: SampleCard| {
        sim.place_card(card);
        let r = reader.read_card().unwrap();
        sim.remove_card();
        r.identity
    };
    let resident = read(SampleCard::resident());
    assert_eq!(resident.kind, CardKind::Resident);
    assert!(!resident.is_expired(today()));
    let expired = read(SampleCard::expired());
    assert!(expired.is_expired(today()));
    assert!(
        !expired.is_expired(Date::new(2020, 2, 1).unwrap()),
        "valid through its end date"
    );
    let long_term = read(SampleCard::resident_long_term());
    assert!(!long_term.is_expired(Date::new(2099, 12, 31).unwrap()));
    assert_eq!(
        read(SampleCard::foreign_permanent()).kind,
        CardKind::ForeignPermanent
    );
    assert_eq!(
        read(SampleCard::hk_macao_taiwan()).kind,
        CardKind::HkMacaoTaiwan
    );
}

#[test]
fn i16_2023_permanent_residence_card_reads_through_the_reader() {
    // The 2023 card's frame (text block built from the published layout, 'Y' at 248) through
    // the SAM simulator, the real pty and the driver.
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::foreign_permanent_2023());
    let read = reader.read_card().unwrap();
    let id = read.identity;
    assert_eq!(id, sample_foreign_permanent_2023());
    assert_eq!(id.kind, CardKind::ForeignPermanent2023);
    assert!(id.id_number.starts_with('9') && id.id_number_valid);
    assert!(!id.is_expired(today()));
    // Every field is the sample's (the equality above); what makes the sample worth reading:
    // an English name past the 35 characters at 52 (the rest is at 220), and an earlier
    // number rebuilt from the link.
    let CardDetails::ForeignPermanent2023 {
        name_en,
        previous_number,
        ..
    } = &id.details
    else {
        panic!("{:?}", id.details);
    };
    assert!(
        name_en.chars().count() > 35,
        "both parts of the English name"
    );
    assert_eq!(previous_number.as_deref(), Some("PAK310180010126"));
}

#[test]
fn c1_card_left_on_reader_fires_once() {
    let (mut reader, sim) = setup();
    assert!(poll_n(&mut reader, 2).is_empty());
    sim.place_card(SampleCard::resident());
    let events = poll_n(&mut reader, 8);
    assert_eq!(presents(&events), vec![sample_resident().id_number]);
    assert_eq!(removals(&events), 0);
}

#[test]
fn c1_card_left_on_a_non_halting_reader_fires_once() {
    let mut sim = SamSimulator::new();
    sim.halt_after_read = false;
    let (mut reader, handle) = setup_with(sim);
    handle.place_card(SampleCard::hk_macao_taiwan());
    let events = poll_n(&mut reader, 5);
    assert_eq!(presents(&events), vec![sample_hk_macao_taiwan().id_number]);
    assert_eq!(removals(&events), 0);
}

#[test]
fn c1_card_removed_fires_once_and_a_new_card_fires_again() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::resident());
    assert_eq!(presents(&poll_n(&mut reader, 2)).len(), 1);
    sim.remove_card();
    let events = poll_n(&mut reader, 6);
    assert_eq!(removals(&events), 1);
    assert!(presents(&events).is_empty());
    sim.place_card(SampleCard::foreign_permanent());
    let events = poll_n(&mut reader, 3);
    assert_eq!(
        presents(&events),
        vec![sample_foreign_permanent().id_number]
    );
}

#[test]
fn c1_a_quick_swap_reports_removal_then_the_new_card() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::resident());
    assert_eq!(presents(&poll_n(&mut reader, 1)).len(), 1);
    // Swapped between two polls: the reader never sees an empty field.
    sim.place_card(SampleCard::expired());
    let events = reader.poll().unwrap();
    assert!(matches!(events.first(), Some(ReaderEvent::CardRemoved)));
    assert_eq!(presents(&events), vec![sample_expired().id_number]);
}

#[test]
fn c1_card_pulled_mid_read_is_a_typed_error() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::resident());
    sim.inject(Fault::PullMidRead { after: 300 });
    let err = reader.read_card().unwrap_err();
    assert_eq!(err, IdCardError::CardPulled);
    assert_eq!(err.kind(), ErrorKind::NeedsAttention);
    assert!(err.message().contains("移开"));
}

#[test]
fn c1_card_pulled_mid_read_in_the_poll_loop_reports_once() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::resident());
    sim.inject(Fault::PullMidRead { after: 40 });
    let events = poll_n(&mut reader, 4);
    assert_eq!(
        events,
        vec![ReaderEvent::ReadFailed(IdCardError::CardPulled)]
    );
    sim.place_card(SampleCard::resident());
    assert_eq!(presents(&poll_n(&mut reader, 2)).len(), 1);
}

#[test]
fn c1_no_card_is_a_typed_error() {
    let (mut reader, _sim) = setup();
    let err = reader.read_card().unwrap_err();
    assert_eq!(err, IdCardError::NoCard);
    assert_eq!(err.kind(), ErrorKind::NeedsAttention);
}

#[test]
fn c1_noise_and_split_frames_are_handled() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::foreign_permanent());
    // find ← noise, select ← split in 5, read ← split in 40 pieces with gaps.
    sim.inject(Fault::Noise(vec![
        0x00, 0xAA, 0xAA, 0x13, 0x96, 0x69, 0xFF, 0xAA,
    ]));
    sim.inject(Fault::Split {
        pieces: 5,
        gap: Duration::from_millis(10),
    });
    sim.inject(Fault::Split {
        pieces: 40,
        gap: Duration::from_millis(5),
    });
    let read = reader.read_card().unwrap();
    assert_eq!(read.identity, sample_foreign_permanent());
}

#[test]
fn c1_bad_checksum_and_bad_length_replies_are_retried() {
    let (mut reader, sim) = setup();
    sim.place_card(SampleCard::resident());
    sim.inject(Fault::BadChecksum);
    sim.inject(Fault::BadLength);
    assert_eq!(reader.read_card().unwrap().identity, sample_resident());
}

#[test]
fn c1_persistent_bad_checksum_is_a_protocol_error() {
    let (mut reader, sim) = setup();
    for _ in 0..3 {
        sim.inject(Fault::BadChecksum);
    }
    let err = reader.sam_status().unwrap_err();
    assert!(matches!(err, IdCardError::Frame(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Protocol);
}

#[test]
fn c1_sam_timeout_is_retried_then_typed() {
    let (mut reader, sim) = setup();
    sim.inject(Fault::Silence);
    reader.sam_status().unwrap();
    for _ in 0..3 {
        sim.inject(Fault::Silence);
    }
    let err = reader.sam_status().unwrap_err();
    assert!(
        matches!(err, IdCardError::Timeout { partial: false, .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // And the link is fine afterwards.
    reader.sam_status().unwrap();
}

#[test]
fn c1_status_codes_map_to_typed_errors() {
    let (mut reader, sim) = setup();
    sim.with(|s| s.self_test_fails = true);
    let err = reader.sam_status().unwrap_err();
    assert_eq!(err, IdCardError::Status(SamStatus::SelfTestFailed));
    assert_eq!(err.kind(), ErrorKind::DeviceFault);
    sim.with(|s| s.self_test_fails = false);
    sim.inject(Fault::Status(0x66));
    let err = reader.sam_status().unwrap_err();
    assert_eq!(err, IdCardError::Status(SamStatus::SamNotAuthorised));
    assert!(err.to_device_error().message().starts_with("身份证读卡器"));
}

#[test]
fn c1_the_link_going_away_is_not_connected() {
    let (mut reader, mut sim) = setup();
    sim.unplug();
    drop(sim);
    let err = reader.sam_status().unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NotConnected | ErrorKind::Timeout),
        "{err:?}"
    );
}
