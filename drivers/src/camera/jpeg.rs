//! JPEG in and out, as pure functions over bytes. Camera frames (MJPEG: one JPEG per frame)
//! are decoded straight to luma for the QR reader — the decoder then skips the chroma IDCT,
//! upsampling and colour conversion — or to RGB for a captured page; pages and the
//! simulator's frames are encoded with `jpeg-encoder`. Garbage in gives a [`JpegError`],
//! never a panic, and a header that claims a huge image is refused before anything is
//! allocated for it.
//!
//! Decoding on Linux is libjpeg-turbo (the system libturbojpeg through its TurboJPEG API): a
//! 1080p colour frame to luma in ~55 % of zune-jpeg's time (the `camera_bench` figure
//! `mjpeg_to_luma_1080p_ms`), to RGB in ~85 %. Elsewhere (Windows) it is zune-jpeg, pure
//! Rust: libjpeg-turbo there would have to be built from source (the `turbojpeg-sys` vendored
//! build) with cmake and nasm on the Windows build machine, which this Linux build cannot
//! check, for a decode that zune-jpeg already does correctly, only slower. Headers are read
//! by zune-jpeg everywhere.

use super::image::{GrayImage, RgbImage};
use crate::error::ErrorKind;
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// The largest frame side accepted (a 20 MP document camera is 5472 px wide).
pub const MAX_SIDE: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JpegError {
    /// Not a JPEG, truncated or corrupt.
    #[error("JPEG decode failed: {0}")]
    Decode(String),
    /// The image is larger than [`MAX_SIDE`] or empty.
    #[error("JPEG of {width}×{height} is outside 1..={MAX_SIDE} px per side")]
    Size { width: usize, height: usize },
    /// Encoding failed (size out of JPEG's range).
    #[error("JPEG encode failed: {0}")]
    Encode(String),
}

impl JpegError {
    pub fn kind(&self) -> ErrorKind {
        ErrorKind::Protocol
    }
}

/// Decodes with zune-jpeg (the decoder on targets other than Linux; on Linux only the tests
/// use it, to check libjpeg-turbo against it).
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn decode_zune(bytes: &[u8], out: ColorSpace) -> Result<(Vec<u8>, usize, usize), JpegError> {
    // Strict: a truncated or corrupt scan is an error, as with libjpeg-turbo, rather than
    // an image padded with grey.
    let options = DecoderOptions::new_fast()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(out);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|e| JpegError::Decode(format!("{e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| JpegError::Decode("no image header".into()))?;
    let (width, height) = (info.width as usize, info.height as usize);
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(JpegError::Size { width, height });
    }
    // Even strict, zune-jpeg fills a scan cut inside its last MCU row with zeros: a frame
    // that does not end in the end-of-image marker (after any zero padding) is truncated.
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if !bytes[..end].ends_with(&[0xFF, 0xD9]) {
        return Err(JpegError::Decode(
            "no end-of-image marker: truncated".into(),
        ));
    }
    let pixels = decoder
        .decode()
        .map_err(|e| JpegError::Decode(format!("{e:?}")))?;
    let channels = if out == ColorSpace::Luma { 1 } else { 3 };
    if pixels.len() != width * height * channels {
        return Err(JpegError::Decode(format!(
            "decoder returned {} bytes for {width}×{height}×{channels}",
            pixels.len()
        )));
    }
    Ok((pixels, width, height))
}

/// What a JPEG's header says, read without decoding the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (YCbCr) or 4 (CMYK).
    pub components: u8,
}

/// The image's header (size, components), without decoding the scan.
pub fn header(bytes: &[u8]) -> Result<JpegHeader, JpegError> {
    let mut decoder = JpegDecoder::new_with_options(
        ZCursor::new(bytes),
        DecoderOptions::new_fast()
            .set_max_width(MAX_SIDE)
            .set_max_height(MAX_SIDE),
    );
    decoder
        .decode_headers()
        .map_err(|e| JpegError::Decode(format!("{e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| JpegError::Decode("no image header".into()))?;
    if info.width == 0 || info.height == 0 {
        return Err(JpegError::Size {
            width: info.width as usize,
            height: info.height as usize,
        });
    }
    Ok(JpegHeader {
        width: info.width as u32,
        height: info.height as u32,
        components: info.components,
    })
}

/// The image's size from its header, without decoding the scan.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), JpegError> {
    header(bytes).map(|h| (h.width, h.height))
}

/// Decodes a JPEG (an MJPEG frame) to its luma plane.
///
/// On Linux with libjpeg-turbo's fast integer IDCT: ~1.3 ms less on a 1080p frame, and
/// within ±1 of the accurate IDCT on 99.8 % of the pixels (a few levels at most elsewhere),
/// which makes no difference to QR reading (luma frames are for the QR reader).
pub fn decode_luma(bytes: &[u8]) -> Result<GrayImage, JpegError> {
    #[cfg(target_os = "linux")]
    let (data, w, h) = turbo::decode(bytes, turbo::Out::Luma)?;
    #[cfg(not(target_os = "linux"))]
    let (data, w, h) = decode_zune(bytes, ColorSpace::Luma)?;
    Ok(GrayImage {
        width: w as u32,
        height: h as u32,
        data,
    })
}

/// Decodes a JPEG to RGB (accurate IDCT, smooth chroma upsampling).
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, JpegError> {
    #[cfg(target_os = "linux")]
    let (data, w, h) = turbo::decode(bytes, turbo::Out::Rgb)?;
    #[cfg(not(target_os = "linux"))]
    let (data, w, h) = decode_zune(bytes, ColorSpace::RGB)?;
    Ok(RgbImage {
        width: w as u32,
        height: h as u32,
        data,
    })
}

/// libjpeg-turbo through the TurboJPEG API (`turbojpeg.h`), the only unsafe code here: the
/// library sets its own `setjmp` around every call and reports a corrupt stream as a return
/// value, so no `longjmp` crosses Rust frames.
#[cfg(target_os = "linux")]
mod turbo {
    use super::{JpegError, MAX_SIDE};
    use std::ffi::{c_int, c_ulong, CStr};
    use turbojpeg_sys as tj;

    /// The pixels wanted.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(super) enum Out {
        /// The luma plane, fast integer IDCT.
        Luma,
        /// RGB, accurate integer IDCT.
        Rgb,
    }

    /// One decompressor instance, destroyed on drop.
    struct Decompressor(tj::tjhandle);

    impl Drop for Decompressor {
        fn drop(&mut self) {
            // SAFETY: the handle came from tjInitDecompress and is destroyed once.
            unsafe { tj::tjDestroy(self.0) };
        }
    }

    impl Decompressor {
        fn new() -> Result<Self, JpegError> {
            // SAFETY: no arguments; null is the failure value.
            let handle = unsafe { tj::tjInitDecompress() };
            if handle.is_null() {
                return Err(JpegError::Decode("libjpeg-turbo: no decompressor".into()));
            }
            Ok(Self(handle))
        }

        /// The last call's message (the first warning, or the error) and whether it was
        /// only warnings.
        fn last_error(&self) -> (String, bool) {
            // SAFETY: the handle is live; the message is a NUL-terminated string owned by
            // the library (the handle or a thread-local buffer), copied at once.
            let message = unsafe { CStr::from_ptr(tj::tjGetErrorStr2(self.0)) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: the handle is live.
            let code = unsafe { tj::tjGetErrorCode(self.0) };
            (message, code == tj::TJERR_TJERR_WARNING as c_int)
        }
    }

    /// libjpeg's one warning about an image that decoded completely: stray bytes after the
    /// last scan, before the end-of-image marker (some cameras pad their MJPEG frames).
    /// Every other warning (truncated data, a bad Huffman code, a missing marker) means lost
    /// pixels and is an error.
    fn harmless(message: &str) -> bool {
        message.starts_with("Corrupt JPEG data: ")
            && message.ends_with(" extraneous bytes before marker 0xd9")
    }

    pub(super) fn decode(bytes: &[u8], out: Out) -> Result<(Vec<u8>, usize, usize), JpegError> {
        if bytes.is_empty() {
            return Err(JpegError::Decode("empty buffer".into()));
        }
        let len = c_ulong::try_from(bytes.len())
            .map_err(|_| JpegError::Decode("buffer too large".into()))?;
        let d = Decompressor::new()?;
        let (mut w, mut h, mut subsampling, mut colorspace) = (0, 0, 0, 0);
        // SAFETY: `bytes` is valid for `len` bytes; the outputs are valid `c_int`s.
        let rc = unsafe {
            tj::tjDecompressHeader3(
                d.0,
                bytes.as_ptr(),
                len,
                &mut w,
                &mut h,
                &mut subsampling,
                &mut colorspace,
            )
        };
        if rc != 0 {
            return Err(JpegError::Decode(d.last_error().0));
        }
        let (width, height) = (
            usize::try_from(w).unwrap_or(0),
            usize::try_from(h).unwrap_or(0),
        );
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(JpegError::Size { width, height });
        }
        let (format, channels, dct) = match out {
            Out::Luma => (tj::TJPF_TJPF_GRAY, 1, tj::TJFLAG_FASTDCT),
            Out::Rgb => (tj::TJPF_TJPF_RGB, 3, 0),
        };
        // At most 500 scans: a progressive file of thousands of tiny scans decodes for ages.
        let flags = dct | tj::TJFLAG_LIMITSCANS;
        // Not zeroed (that alone is ~0.2 ms of a 1080p frame): the length is set only once
        // the library has written every byte, below.
        let n = width * height * channels;
        let mut pixels = Vec::<u8>::with_capacity(n);
        // SAFETY: `bytes` is valid for `len` bytes; `pixels` has room for `height` rows of
        // `w * channels` bytes, the pitch passed; the size passed is the header's, so the
        // library decodes at 1:1 and writes no more than that.
        let rc = unsafe {
            tj::tjDecompress2(
                d.0,
                bytes.as_ptr(),
                len,
                pixels.as_mut_ptr(),
                w,
                w * channels as c_int,
                h,
                format as c_int,
                flags as c_int,
            )
        };
        if rc != 0 {
            // Without TJFLAG_STOPONWARNING a warning does not stop the decode; every error
            // does, and replaces the message (libjpeg keeps the first warning's otherwise).
            let (message, only_warnings) = d.last_error();
            if !(only_warnings && harmless(&message)) {
                return Err(JpegError::Decode(message));
            }
        }
        // SAFETY: the decode ran to its end (success, or only the harmless warning), which
        // writes all `height` rows of `w * channels` bytes: the `n` bytes reserved.
        unsafe { pixels.set_len(n) };
        Ok((pixels, width, height))
    }
}

fn dims16(width: u32, height: u32) -> Result<(u16, u16), JpegError> {
    match (u16::try_from(width), u16::try_from(height)) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => Err(JpegError::Encode(format!(
            "{width}×{height} is not a JPEG size"
        ))),
    }
}

/// Encodes RGB as a baseline JPEG (4:2:0) at `quality` (1–100).
pub fn encode_rgb(img: &RgbImage, quality: u8) -> Result<Vec<u8>, JpegError> {
    let (w, h) = dims16(img.width, img.height)?;
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder
        .encode(&img.data, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| JpegError::Encode(e.to_string()))?;
    Ok(out)
}

/// Encodes luma as a greyscale JPEG at `quality` (1–100).
pub fn encode_gray(img: &GrayImage, quality: u8) -> Result<Vec<u8>, JpegError> {
    let (w, h) = dims16(img.width, img.height)?;
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    encoder
        .encode(&img.data, w, h, jpeg_encoder::ColorType::Luma)
        .map_err(|e| JpegError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend_from_slice(&[(x * 255 / w) as u8, (y * 255 / h) as u8, 128]);
            }
        }
        RgbImage::new(w, h, data).unwrap()
    }

    #[test]
    fn rgb_round_trips_and_luma_matches_the_rgb_luma() {
        let img = gradient(160, 120);
        let jpg = encode_rgb(&img, 92).unwrap();
        assert_eq!(dimensions(&jpg).unwrap(), (160, 120));
        let rgb = decode_rgb(&jpg).unwrap();
        assert_eq!((rgb.width, rgb.height), (160, 120));
        let max_err = rgb
            .data
            .iter()
            .zip(&img.data)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        assert!(max_err < 24, "{max_err}");
        let luma = decode_luma(&jpg).unwrap();
        let expected = img.to_gray();
        let mean_err: f64 = luma
            .data
            .iter()
            .zip(&expected.data)
            .map(|(a, b)| a.abs_diff(*b) as f64)
            .sum::<f64>()
            / luma.data.len() as f64;
        assert!(mean_err < 3.0, "{mean_err}");
        let g = encode_gray(&expected, 90).unwrap();
        assert_eq!(decode_luma(&g).unwrap().width, 160);
    }

    #[test]
    fn garbage_truncation_and_bit_flips_are_errors_not_panics() {
        let jpg = encode_rgb(&gradient(64, 48), 80).unwrap();
        assert!(decode_luma(&[]).is_err());
        assert!(decode_rgb(b"not a jpeg at all").is_err());
        // Every truncation point of a valid frame.
        for cut in (0..jpg.len()).step_by(7) {
            let _ = decode_luma(&jpg[..cut]);
            let _ = decode_rgb(&jpg[..cut]);
        }
        // Deterministic pseudo-random bit flips and random buffers with a JPEG SOI.
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for _ in 0..300 {
            let mut b = jpg.clone();
            for _ in 0..1 + next() % 6 {
                let i = (next() as usize) % b.len();
                b[i] ^= 1 << (next() % 8);
            }
            let _ = decode_luma(&b);
            let _ = decode_rgb(&b);
            let mut r: Vec<u8> = (0..next() % 600).map(|_| next() as u8).collect();
            r.splice(0..0, [0xFF, 0xD8, 0xFF, 0xC0]);
            let _ = decode_luma(&r);
        }
    }

    /// A 4:2:0 colour frame with detail everywhere, like a camera's MJPEG frame.
    fn frame(w: u32, h: u32) -> Vec<u8> {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let v = ((x * 7 + y * 13) ^ (x * y / 5)) as u8;
                data.extend_from_slice(&[v, v.wrapping_add(40), 255 - v]);
            }
        }
        encode_rgb(&RgbImage::new(w, h, data).unwrap(), 90).unwrap()
    }

    /// The decoders of every target that this one can run: the platform's, and zune-jpeg
    /// (Windows') when that is not it.
    #[allow(clippy::type_complexity)]
    fn decoders() -> Vec<(&'static str, Box<dyn Fn(&[u8]) -> Result<usize, JpegError>>)> {
        let mut v: Vec<(&'static str, Box<dyn Fn(&[u8]) -> Result<usize, JpegError>>)> = vec![
            ("luma", Box::new(|b| decode_luma(b).map(|i| i.data.len()))),
            ("rgb", Box::new(|b| decode_rgb(b).map(|i| i.data.len()))),
        ];
        if cfg!(target_os = "linux") {
            v.push((
                "zune luma",
                Box::new(|b| decode_zune(b, ColorSpace::Luma).map(|p| p.0.len())),
            ));
            v.push((
                "zune rgb",
                Box::new(|b| decode_zune(b, ColorSpace::RGB).map(|p| p.0.len())),
            ));
        }
        v
    }

    #[test]
    fn truncated_and_garbage_frames_are_errors() {
        let jpg = frame(320, 240);
        let mut random = vec![0xFF, 0xD8];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..4000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            random.push(s as u8);
        }
        for (name, decode) in decoders() {
            assert_eq!(decode(&jpg).unwrap() % (320 * 240), 0, "{name}");
            // Cut inside the scan: a quarter, half, most, all but a few bytes.
            for cut in [
                jpg.len() / 4,
                jpg.len() / 2,
                jpg.len() * 9 / 10,
                jpg.len() - 40,
            ] {
                assert!(
                    matches!(decode(&jpg[..cut]), Err(JpegError::Decode(_))),
                    "{name}: cut at {cut} of {}",
                    jpg.len()
                );
            }
            for garbage in [&b""[..], b"not a jpeg at all", &[0xFF, 0xD8], &random] {
                assert!(decode(garbage).is_err(), "{name}: {} bytes", garbage.len());
            }
        }
    }

    #[test]
    fn padding_before_the_end_marker_is_accepted() {
        // Some cameras pad a frame after its scan; every pixel is there. Baseline, and
        // progressive (libjpeg reads all of its input, padding included, before the first
        // row comes out).
        let baseline = frame(64, 48);
        let mut progressive = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut progressive, 90);
        encoder.set_progressive(true);
        let rgb = decode_rgb(&baseline).unwrap();
        encoder
            .encode(&rgb.data, 64, 48, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        for jpg in [baseline, progressive] {
            let mut padded = jpg[..jpg.len() - 2].to_vec();
            padded.extend_from_slice(&[0; 16]);
            padded.extend_from_slice(&[0xFF, 0xD9]);
            assert_eq!(decode_luma(&padded).unwrap(), decode_luma(&jpg).unwrap());
            assert_eq!(decode_rgb(&padded).unwrap(), decode_rgb(&jpg).unwrap());
            #[cfg(target_os = "linux")]
            for out in [ColorSpace::Luma, ColorSpace::RGB] {
                assert_eq!(decode_zune(&padded, out), decode_zune(&jpg, out));
            }
        }
    }

    /// libjpeg-turbo (Linux) and zune-jpeg (Windows) give the same pixels, up to rounding
    /// and, for luma, libjpeg-turbo's fast IDCT.
    #[cfg(target_os = "linux")]
    #[test]
    fn libjpeg_turbo_matches_zune_jpeg() {
        let jpg = frame(640, 480);
        let stats = |a: &[u8], b: &[u8]| {
            assert_eq!(a.len(), b.len());
            let max = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
            let mean = a
                .iter()
                .zip(b)
                .map(|(x, y)| x.abs_diff(*y) as f64)
                .sum::<f64>()
                / a.len() as f64;
            (max, mean)
        };
        let luma = decode_luma(&jpg).unwrap();
        let (max, mean) = stats(&luma.data, &decode_zune(&jpg, ColorSpace::Luma).unwrap().0);
        assert!(max <= 8 && mean < 1.0, "luma: max {max}, mean {mean}");
        let rgb = decode_rgb(&jpg).unwrap();
        let (max, mean) = stats(&rgb.data, &decode_zune(&jpg, ColorSpace::RGB).unwrap().0);
        assert!(max <= 4 && mean < 0.2, "rgb: max {max}, mean {mean}");
    }

    #[test]
    fn oversized_headers_are_refused() {
        // A valid 16×16 JPEG with its SOF0 size patched to 60000×60000.
        let mut jpg = encode_gray(&GrayImage::filled(16, 16, 200), 80).unwrap();
        let sof = jpg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("baseline SOF0");
        jpg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        assert!(decode_luma(&jpg).is_err());
        assert!(encode_rgb(&RgbImage::new(0, 0, vec![]).unwrap(), 80).is_err());
    }
}
