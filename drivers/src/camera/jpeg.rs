//! JPEG in and out, as pure functions over bytes. Camera frames (MJPEG: one JPEG per frame)
//! are decoded straight to luma for the QR reader — zune-jpeg then skips the chroma colour
//! conversion — or to RGB for a captured page; pages and the simulator's frames are encoded
//! with `jpeg-encoder`. Garbage in gives a [`JpegError`], never a panic, and a header that
//! claims a huge image is refused before anything is allocated for it.

use super::image::{GrayImage, RgbImage};
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

fn decode(bytes: &[u8], out: ColorSpace) -> Result<(Vec<u8>, usize, usize), JpegError> {
    let options = DecoderOptions::new_fast()
        .set_max_width(MAX_SIDE)
        .set_max_height(MAX_SIDE)
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
pub fn decode_luma(bytes: &[u8]) -> Result<GrayImage, JpegError> {
    let (data, w, h) = decode(bytes, ColorSpace::Luma)?;
    Ok(GrayImage {
        width: w as u32,
        height: h as u32,
        data,
    })
}

/// Decodes a JPEG to RGB.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, JpegError> {
    let (data, w, h) = decode(bytes, ColorSpace::RGB)?;
    Ok(RgbImage {
        width: w as u32,
        height: h as u32,
        data,
    })
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
