//! The citizen's photo (C1): the card's 1024-byte WLT image decoded by the reader vendor's
//! library, never by us (no open decoder exists), and never inside the app's process.
//!
//! Vendor decoders (`libwlt2bmp.so`, `WltRS.dll`-style) export the C function
//! `int unpack(char *src, char *dst, int bmpSave)`: `src` is the 1024 WLT bytes, `dst` a
//! 102 × 126 × 3 = 38 556-byte buffer, `bmpSave` 0 (decode to the buffer, write no file); it
//! returns 1 on success. The decoded buffer holds R, G, B per pixel with the bottom row first
//! (public callers write it to a BMP file row by row, swapping each pixel's bytes to B, G, R;
//! HARDWARE.md §1.7) — verify with the vendor's library before relying on the orientation.
//!
//! [`PhotoHelper`] runs the library in a child process (`yichuang-wlt-helper`, whose `main`
//! is [`helper_main`]): the WLT bytes go in on stdin, the decoded pixels come back on stdout,
//! and a crash (the vendor's code faults), a refusal or a hang (killed after the timeout) is
//! a typed [`PhotoError`] for that card while the app goes on. Nothing is written to disk.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::identity::{DecodedPhoto, PhotoDecoder, PHOTO_HEIGHT, PHOTO_WIDTH, WLT_LEN};
use crate::error::ErrorKind;
use crate::messages;

/// Bytes of a decoded photo: 102 × 126 pixels × 3.
pub const DECODED_LEN: usize = (PHOTO_WIDTH * PHOTO_HEIGHT * 3) as usize;
/// The symbol the vendor library exports.
pub const UNPACK_SYMBOL: &str = "unpack";
/// How long a decode may take before the helper is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Exit codes of the helper (other than 0, success).
pub mod exit {
    /// The WLT bytes on stdin were not 1024 bytes.
    pub const BAD_INPUT: i32 = 2;
    /// The library could not be loaded.
    pub const LOAD_FAILED: i32 = 3;
    /// The library has no `unpack`.
    pub const NO_SYMBOL: i32 = 4;
    /// `unpack` returned something other than 1.
    pub const REFUSED: i32 = 5;
    /// The usage was wrong (no library path).
    pub const USAGE: i32 = 64;
}

/// What the clerk is told about a photo that did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhotoProblem {
    /// The decoder component (helper or vendor library) is missing or cannot be loaded.
    DecoderMissing,
    /// The decoder failed, refused the photo or crashed.
    DecoderFailed,
    /// The decoder did not answer in time.
    DecoderTimeout,
}

/// Why a card's photo could not be decoded; the `Display` text is the detail for IT (no
/// citizen data in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// The helper program could not be started.
    #[error("cannot start the WLT helper {helper}: {detail}")]
    HelperMissing { helper: String, detail: String },
    /// The vendor library could not be loaded (missing file, wrong architecture).
    #[error("cannot load the WLT decoder library {library}")]
    LoadFailed { library: String },
    /// The library does not export `unpack`.
    #[error("the WLT decoder library {library} has no `unpack`")]
    NoSymbol { library: String },
    /// `unpack` returned a failure code.
    #[error("the WLT decoder refused the photo")]
    Refused,
    /// The helper died (the vendor code crashed: a signal, or an unexpected exit code).
    #[error("the WLT decoder crashed ({status})")]
    Crashed { status: String },
    /// The helper did not finish in time and was killed.
    #[error("the WLT decoder did not finish within {waited_ms} ms; killed")]
    Timeout { waited_ms: u64 },
    /// The helper's output is not a decoded photo.
    #[error("the WLT decoder gave {len} bytes, expected {DECODED_LEN}")]
    BadOutput { len: usize },
    /// The photo block is not 1024 bytes.
    #[error("the WLT photo is {0} bytes, expected 1024")]
    BadInput(usize),
}

impl PhotoError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            PhotoError::HelperMissing { .. }
            | PhotoError::LoadFailed { .. }
            | PhotoError::NoSymbol { .. } => ErrorKind::Misconfigured,
            PhotoError::Timeout { .. } => ErrorKind::Timeout,
            PhotoError::Refused
            | PhotoError::Crashed { .. }
            | PhotoError::BadOutput { .. }
            | PhotoError::BadInput(_) => ErrorKind::DeviceFault,
        }
    }

    pub fn problem(&self) -> PhotoProblem {
        match self.kind() {
            ErrorKind::Misconfigured => PhotoProblem::DecoderMissing,
            ErrorKind::Timeout => PhotoProblem::DecoderTimeout,
            _ => PhotoProblem::DecoderFailed,
        }
    }

    /// One Chinese sentence for the photo slot.
    pub fn message(&self) -> &'static str {
        messages::id_card_photo(self.problem())
    }
}

/// The vendor library run in a child process, with a timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoHelper {
    /// The `yichuang-wlt-helper` program.
    pub helper: PathBuf,
    /// The vendor's decoder library (`libwlt2bmp.so`, `WltRS.dll`-style).
    pub library: PathBuf,
    pub timeout: Duration,
}

impl PhotoHelper {
    /// The helper installed next to the running program (`yichuang-wlt-helper[.exe]`).
    pub fn beside_current_exe(library: impl Into<PathBuf>) -> Self {
        let name = format!("yichuang-wlt-helper{}", std::env::consts::EXE_SUFFIX);
        let helper = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(&name)))
            .unwrap_or_else(|| PathBuf::from(name));
        PhotoHelper {
            helper,
            library: library.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Decodes one photo in a fresh helper process.
    pub fn decode_photo(&self, wlt: &[u8]) -> Result<DecodedPhoto, PhotoError> {
        if wlt.len() != WLT_LEN {
            return Err(PhotoError::BadInput(wlt.len()));
        }
        let mut child = Command::new(&self.helper)
            .arg(&self.library)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| PhotoError::HelperMissing {
                helper: self.helper.display().to_string(),
                detail: e.to_string(),
            })?;
        // 1 KiB fits the pipe buffer: the write cannot block on a helper that reads nothing.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(wlt);
        }
        // Read stdout on a thread so a helper that hangs after writing cannot block us.
        let mut stdout = child.stdout.take();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::with_capacity(DECODED_LEN);
            if let Some(s) = stdout.as_mut() {
                let _ = s.take(DECODED_LEN as u64 + 1).read_to_end(&mut out);
            }
            out
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let _ = reader.join();
                    return Err(PhotoError::Timeout {
                        waited_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(PhotoError::Crashed {
                        status: e.to_string(),
                    });
                }
            }
        };
        let out = reader.join().unwrap_or_default();
        let library = self.library.display().to_string();
        match status.code() {
            Some(0) if out.len() == DECODED_LEN => Ok(from_unpacked(&out)),
            Some(0) => Err(PhotoError::BadOutput { len: out.len() }),
            Some(exit::LOAD_FAILED) => Err(PhotoError::LoadFailed { library }),
            Some(exit::NO_SYMBOL) => Err(PhotoError::NoSymbol { library }),
            Some(exit::REFUSED) => Err(PhotoError::Refused),
            Some(exit::BAD_INPUT) => Err(PhotoError::BadInput(wlt.len())),
            _ => Err(PhotoError::Crashed {
                status: status.to_string(),
            }),
        }
    }
}

impl PhotoDecoder for PhotoHelper {
    fn decode(&self, wlt: &[u8]) -> Result<DecodedPhoto, String> {
        self.decode_photo(wlt).map_err(|e| e.to_string())
    }
}

/// The vendor's buffer (R, G, B per pixel, bottom row first) as a top-down BGR photo.
pub fn from_unpacked(rgb_bottom_up: &[u8]) -> DecodedPhoto {
    let row = (PHOTO_WIDTH * 3) as usize;
    let mut bgr = Vec::with_capacity(DECODED_LEN);
    for line in rgb_bottom_up.chunks_exact(row).rev() {
        for px in line.chunks_exact(3) {
            if let [r, g, b] = *px {
                bgr.extend_from_slice(&[b, g, r]);
            }
        }
    }
    DecodedPhoto {
        width: PHOTO_WIDTH,
        height: PHOTO_HEIGHT,
        bgr,
    }
}

impl DecodedPhoto {
    /// The photo as a PNG file (in memory).
    pub fn to_png(&self) -> Vec<u8> {
        let mut rgb = Vec::with_capacity(self.bgr.len());
        for px in self.bgr.chunks_exact(3) {
            if let [b, g, r] = *px {
                rgb.extend_from_slice(&[r, g, b]);
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&rgb));
        if written.is_err() {
            out.clear();
        }
        out
    }
}

/// The helper program: `yichuang-wlt-helper <library>` reads the 1024 WLT bytes on stdin,
/// loads the library, calls `unpack` and writes the 38 556 decoded bytes on stdout. Returns
/// the exit code ([`exit`]).
pub fn helper_main(args: &[String]) -> i32 {
    let Some(library) = args.get(1) else {
        return exit::USAGE;
    };
    forbid_core_dumps();
    let mut wlt = Vec::with_capacity(WLT_LEN);
    if std::io::stdin()
        .take(WLT_LEN as u64 + 1)
        .read_to_end(&mut wlt)
        .is_err()
        || wlt.len() != WLT_LEN
    {
        return exit::BAD_INPUT;
    }
    match unpack_in_process(Path::new(library), &wlt) {
        Ok(decoded) => {
            let mut out = std::io::stdout().lock();
            if out.write_all(&decoded).and_then(|()| out.flush()).is_err() {
                return exit::REFUSED;
            }
            0
        }
        Err(code) => code,
    }
}

/// A crash in vendor code must not leave the citizen's photo in a core file.
fn forbid_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain syscalls on this process with valid arguments.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    }
}

type Unpack = unsafe extern "C" fn(
    src: *mut std::ffi::c_char,
    dst: *mut std::ffi::c_char,
    bmp_save: std::ffi::c_int,
) -> std::ffi::c_int;

/// Loads `library` and runs its `unpack` on `wlt` (in this process: only the helper calls
/// this). `Err` is the helper's exit code.
fn unpack_in_process(library: &Path, wlt: &[u8]) -> Result<Vec<u8>, i32> {
    // SAFETY: loading a library runs its initialisers; this is the vendor's decoder named
    // by IT in the device config, and it runs in this throw-away helper process only.
    let lib = unsafe { libloading::Library::new(library) }.map_err(|_| exit::LOAD_FAILED)?;
    // SAFETY: the symbol is declared with the vendor ABI documented above.
    let unpack: libloading::Symbol<'_, Unpack> =
        unsafe { lib.get(UNPACK_SYMBOL.as_bytes()) }.map_err(|_| exit::NO_SYMBOL)?;
    let mut src = wlt.to_vec();
    // Vendor decoders are known to write past 38 556 bytes on some inputs: leave a margin.
    let mut dst = vec![0u8; DECODED_LEN + 1024];
    // SAFETY: `src` holds the 1024 bytes `unpack` reads and `dst` more than the 38 556 it
    // writes; bmpSave 0 asks for no file.
    let rc = unsafe { unpack(src.as_mut_ptr().cast(), dst.as_mut_ptr().cast(), 0) };
    if rc != 1 {
        return Err(exit::REFUSED);
    }
    dst.truncate(DECODED_LEN);
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_unpacked_rows_become_a_top_down_bgr_photo_and_a_png() {
        // Bottom row red, everything else blue, as the vendor buffer holds it.
        let row = (PHOTO_WIDTH * 3) as usize;
        let mut buf = Vec::with_capacity(DECODED_LEN);
        for y in 0..PHOTO_HEIGHT {
            for _ in 0..PHOTO_WIDTH {
                buf.extend_from_slice(if y == 0 { &[255, 0, 0] } else { &[0, 0, 255] });
            }
        }
        let photo = from_unpacked(&buf);
        assert_eq!((photo.width, photo.height), (102, 126));
        assert_eq!(photo.bgr.len(), DECODED_LEN);
        // Last row (bottom) is red in BGR: 0, 0, 255.
        assert_eq!(
            &photo.bgr[DECODED_LEN - row..DECODED_LEN - row + 3],
            &[0, 0, 255]
        );
        assert_eq!(&photo.bgr[..3], &[255, 0, 0]);
        let png = photo.to_png();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn c1_photo_errors_are_typed_with_chinese_hints() {
        let missing = PhotoError::LoadFailed {
            library: "/opt/x.so".into(),
        };
        assert_eq!(missing.kind(), ErrorKind::Misconfigured);
        assert_eq!(missing.problem(), PhotoProblem::DecoderMissing);
        let hang = PhotoError::Timeout { waited_ms: 300 };
        assert_eq!(hang.problem(), PhotoProblem::DecoderTimeout);
        let crash = PhotoError::Crashed {
            status: "signal 6".into(),
        };
        assert_eq!(crash.problem(), PhotoProblem::DecoderFailed);
        for e in [missing, hang, crash, PhotoError::Refused] {
            assert!(e.message().contains("照片"), "{e}");
        }
        let helper = PhotoHelper {
            helper: "/nonexistent/yichuang-wlt-helper".into(),
            library: "/nonexistent/lib.so".into(),
            timeout: Duration::from_secs(1),
        };
        assert!(matches!(
            helper.decode_photo(&[0; WLT_LEN]),
            Err(PhotoError::HelperMissing { .. })
        ));
        assert_eq!(helper.decode_photo(&[0; 3]), Err(PhotoError::BadInput(3)));
    }
}
