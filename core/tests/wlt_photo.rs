//! C1, the citizen's photo: the card's WLT bytes decoded by a vendor-ABI library
//! (`yichuang-wlt-sim`, a cdylib exporting `int unpack(char*, char*, int)` like
//! `libwlt2bmp.so`) in the `yichuang-wlt-helper` process, through the ID-card service with the
//! SAM simulator on a real pty. The test library's crashing, hanging and refusing variants
//! (chosen by the photo's first bytes) prove the app reads on with a typed, Chinese message.
//!
//! The library is `YICHUANG_WLT_LIB`, else the one `cargo build -p yichuang-wlt-sim` puts
//! beside the helper (`make unit` builds it); without it these tests skip outside CI and fail
//! in CI.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use yichuang_core::devices::id_card::{
    CardEvent, CitizenCard, DeviceEvent, IdCardService, ServiceTiming,
};
use yichuang_core::error::ErrorCode;
use yichuang_core::infra::config::{DeviceConfig, DeviceDriver};
use yichuang_drivers::idcard::identity::{WltPhoto, WLT_LEN};
use yichuang_drivers::idcard::photo::{PhotoError, PhotoHelper, DECODED_LEN};
use yichuang_drivers::idcard::{Date, SampleCard};

const HELPER: &str = env!("CARGO_BIN_EXE_yichuang-wlt-helper");

fn library() -> Option<PathBuf> {
    let path = std::env::var("YICHUANG_WLT_LIB")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let dir = PathBuf::from(HELPER);
            let dir = dir.parent().map(PathBuf::from).unwrap_or_default();
            dir.join(format!(
                "{}yichuang_wlt_sim{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            ))
        });
    yichuang_testkit::require_file(
        &path.display().to_string(),
        "build the test decoder with `cargo build -p yichuang-wlt-sim` (make unit does) or set YICHUANG_WLT_LIB",
    )
    .then_some(path)
}

fn helper(library: PathBuf, timeout: Duration) -> PhotoHelper {
    PhotoHelper {
        helper: PathBuf::from(HELPER),
        library,
        timeout,
    }
}

fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

/// A sample card whose photo starts with `magic` (the test decoder's fault switch).
fn card_with_photo(magic: &[u8; 4]) -> SampleCard {
    SampleCard::resident().with_photo_magic(magic)
}

struct Desk {
    svc: IdCardService,
    rx: mpsc::Receiver<DeviceEvent>,
}

impl Desk {
    fn start(photo: Option<PhotoHelper>) -> Desk {
        let (tx, rx) = mpsc::channel();
        let timing = ServiceTiming {
            poll: Duration::from_millis(50),
            reopen: Duration::from_millis(200),
        };
        let cfg = DeviceConfig::driver(DeviceDriver::Simulator);
        let svc = IdCardService::start_with_photo(&cfg, today, timing, photo, move |e| {
            let _ = tx.send(e);
        })
        .expect("service");
        Desk { svc, rx }
    }

    /// Places `card` and waits for its read (and then takes it off the reader).
    fn read(&self, card: SampleCard) -> CitizenCard {
        self.svc.simulator_place_card(card).unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let read = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let DeviceEvent::Card(event) = self.rx.recv_timeout(left).expect("a card event") {
                match *event {
                    CardEvent::Present { card } => break card,
                    CardEvent::ReadFailed { error } => panic!("read failed: {}", error.message),
                    CardEvent::Removed => {}
                }
            }
        };
        self.svc.simulator_remove().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let DeviceEvent::Card(event) = self.rx.recv_timeout(left).expect("removal in time") {
                if *event == CardEvent::Removed {
                    return read;
                }
            }
        }
    }
}

/// The PNG inside a `data:image/png;base64,` URL: its width and height from IHDR.
fn png_size(data_url: &str) -> (u32, u32) {
    let b64 = data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

#[test]
fn c1_the_card_photo_is_decoded_by_the_vendor_abi_library_in_the_helper() {
    let Some(lib) = library() else { return };
    let photo = helper(lib, Duration::from_secs(10))
        .decode_photo(&SampleCard::resident().photo)
        .unwrap();
    assert_eq!((photo.width, photo.height), (102, 126));
    assert_eq!(photo.bgr.len(), DECODED_LEN);
    // The test decoder draws a black band over the bottom 10 rows and a gradient above it:
    // the vendor buffer's bottom-up rows came out top-down.
    let px = |x: usize, y: usize| &photo.bgr[(y * 102 + x) * 3..(y * 102 + x) * 3 + 3];
    assert_eq!(px(101, 125), &[0, 0, 0]);
    assert_eq!(px(101, 0)[2], 255, "red rises to the right");
    assert_ne!(px(0, 0), &[0, 0, 0]);
    // Deterministic: the same photo decodes to the same image, another to another.
    let again = helper(library().unwrap(), Duration::from_secs(10))
        .decode_photo(&SampleCard::resident().photo)
        .unwrap();
    assert!(again == photo, "the same photo decodes alike");
    let mut other_wlt = SampleCard::resident().photo;
    other_wlt[0] ^= 0x5A;
    let other = helper(library().unwrap(), Duration::from_secs(10))
        .decode_photo(&other_wlt)
        .unwrap();
    assert!(other != photo, "another photo decodes to another image");
}

#[test]
fn c1_the_photo_reaches_the_card_read_and_no_decoder_keeps_the_placeholder() {
    let Some(lib) = library() else { return };
    let desk = Desk::start(Some(helper(lib, Duration::from_secs(10))));
    let card = desk.read(SampleCard::resident());
    assert!(card.photo_available);
    assert!(card.photo_error.is_none());
    assert_eq!(png_size(card.photo.as_deref().unwrap()), (102, 126));
    // Without a decoder configured: no photo and no error (the slot says none is installed).
    let bare = Desk::start(None);
    let card = bare.read(SampleCard::resident());
    assert!(!card.photo_available && card.photo.is_none() && card.photo_error.is_none());
}

#[test]
fn c1_a_crashing_decoder_leaves_the_reader_working_with_a_chinese_message() {
    let Some(lib) = library() else { return };
    let desk = Desk::start(Some(helper(lib, Duration::from_secs(10))));
    let crashed = desk.read(card_with_photo(b"CRSH"));
    assert!(!crashed.photo_available && crashed.photo.is_none());
    let error = crashed.photo_error.expect("a typed photo error");
    assert_eq!(error.code, ErrorCode::IdCardPhotoDecoderFailed);
    assert!(error.message.contains("照片解码失败"), "{}", error.message);
    assert_eq!(
        crashed.identity.name, "张伟",
        "the card's data are read anyway"
    );
    let refused = desk.read(card_with_photo(b"FAIL"));
    assert_eq!(
        refused.photo_error.map(|e| e.code),
        Some(ErrorCode::IdCardPhotoDecoderFailed)
    );
    // The next card's photo decodes.
    let next = desk.read(SampleCard::resident());
    assert!(next.photo_available, "{:?}", next.photo_error);
}

#[test]
fn c1_a_hanging_decoder_is_stopped_at_the_timeout_and_the_next_card_decodes() {
    let Some(lib) = library() else { return };
    let timeout = Duration::from_millis(1500);
    let h = helper(lib, timeout);
    let started = Instant::now();
    let mut hang = vec![0u8; WLT_LEN];
    hang[..4].copy_from_slice(b"HANG");
    assert_eq!(
        h.decode_photo(&hang),
        Err(PhotoError::Timeout { waited_ms: 1500 })
    );
    assert!(
        started.elapsed() < timeout + Duration::from_secs(5),
        "killed, not waited on"
    );
    let desk = Desk::start(Some(h));
    let hung = desk.read(card_with_photo(b"HANG"));
    let error = hung.photo_error.expect("a typed photo error");
    assert_eq!(error.code, ErrorCode::IdCardPhotoDecoderTimeout);
    assert!(error.message.contains("超时"), "{}", error.message);
    let next = desk.read(SampleCard::resident());
    assert!(next.photo_available, "{:?}", next.photo_error);
    // A missing library is a configuration problem, not a crash.
    let missing = helper(PathBuf::from("/nonexistent/libwlt2bmp.so"), timeout)
        .decode_photo(&WltPhoto(vec![0; WLT_LEN]).0);
    assert!(matches!(missing, Err(PhotoError::LoadFailed { .. })));
}
