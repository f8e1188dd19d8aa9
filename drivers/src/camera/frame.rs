//! One camera frame as it came from the device, and its conversions. An MJPEG frame keeps
//! its JPEG bytes untouched, so the preview can forward them as-is; luma (for the QR reader)
//! and RGB (for a captured page) are decoded on demand. Uncompressed fallbacks (YUYV, NV12,
//! grey, RGB) convert without a codec. Frames share their bytes (`Arc`): cloning is free.

use super::image::{GrayImage, RgbImage};
use super::jpeg;
use super::CameraError;
use std::sync::Arc;

/// How a frame's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PixelFormat {
    /// One JPEG image per frame.
    Mjpeg,
    /// YUV 4:2:2 packed Y0 U Y1 V.
    Yuyv,
    /// YUV 4:2:0: the Y plane, then interleaved U V at half resolution.
    Nv12,
    /// 8-bit grey.
    Gray,
    /// 8-bit RGB.
    Rgb,
}

/// A frame from the camera.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    pub data: Arc<[u8]>,
    /// Increases by one per frame delivered by a source (per opening).
    pub seq: u64,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Frame#{}({}×{} {:?}, {} bytes)",
            self.seq,
            self.width,
            self.height,
            self.format,
            self.data.len()
        )
    }
}

impl Frame {
    /// An MJPEG frame from JPEG bytes; its size is read from the JPEG header.
    pub fn from_jpeg(bytes: impl Into<Arc<[u8]>>, seq: u64) -> Result<Frame, CameraError> {
        let data: Arc<[u8]> = bytes.into();
        let (width, height) = jpeg::dimensions(&data)?;
        Ok(Frame {
            width,
            height,
            format: PixelFormat::Mjpeg,
            data,
            seq,
        })
    }

    fn check_len(&self, expected: usize) -> Result<(), CameraError> {
        if self.data.len() < expected {
            return Err(CameraError::Frame(format!(
                "{:?} {}×{} needs {expected} bytes, got {}",
                self.format,
                self.width,
                self.height,
                self.data.len()
            )));
        }
        Ok(())
    }

    fn pixels(&self) -> usize {
        self.width as usize * self.height as usize
    }

    /// The luma plane (what the QR reader and the document finder need).
    pub fn to_luma(&self) -> Result<GrayImage, CameraError> {
        let n = self.pixels();
        let (w, h) = (self.width, self.height);
        let data = match self.format {
            PixelFormat::Mjpeg => return Ok(jpeg::decode_luma(&self.data)?),
            PixelFormat::Gray | PixelFormat::Nv12 => {
                self.check_len(n)?;
                self.data[..n].to_vec()
            }
            PixelFormat::Yuyv => {
                self.check_len(n * 2)?;
                self.data[..n * 2].iter().step_by(2).copied().collect()
            }
            PixelFormat::Rgb => {
                self.check_len(n * 3)?;
                return Ok(RgbImage::new(w, h, self.data[..n * 3].to_vec())
                    .expect("length checked")
                    .to_gray());
            }
        };
        Ok(GrayImage::new(w, h, data).expect("length checked"))
    }

    /// The frame as RGB (what a captured page is cut from).
    pub fn to_rgb(&self) -> Result<RgbImage, CameraError> {
        let n = self.pixels();
        let (w, h) = (self.width as usize, self.height as usize);
        let data = match self.format {
            PixelFormat::Mjpeg => return Ok(jpeg::decode_rgb(&self.data)?),
            PixelFormat::Rgb => {
                self.check_len(n * 3)?;
                self.data[..n * 3].to_vec()
            }
            PixelFormat::Gray => {
                self.check_len(n)?;
                self.data[..n].iter().flat_map(|&v| [v, v, v]).collect()
            }
            PixelFormat::Yuyv => {
                self.check_len(n * 2)?;
                let mut out = Vec::with_capacity(n * 3);
                for q in self.data[..(n / 2) * 4].chunks_exact(4) {
                    let (u, v) = (q[1], q[3]);
                    out.extend_from_slice(&yuv_to_rgb(q[0], u, v));
                    out.extend_from_slice(&yuv_to_rgb(q[2], u, v));
                }
                out.resize(n * 3, 0);
                out
            }
            PixelFormat::Nv12 => {
                let chroma = (w.div_ceil(2)) * 2 * h.div_ceil(2);
                self.check_len(n + chroma)?;
                let (ys, uv) = self.data.split_at(n);
                let mut out = Vec::with_capacity(n * 3);
                for y in 0..h {
                    for x in 0..w {
                        let c = (y / 2) * w.div_ceil(2) * 2 + (x / 2) * 2;
                        out.extend_from_slice(&yuv_to_rgb(ys[y * w + x], uv[c], uv[c + 1]));
                    }
                }
                out
            }
        };
        Ok(RgbImage::new(self.width, self.height, data).expect("length checked"))
    }

    /// The frame as JPEG: an MJPEG frame's own bytes (no re-encoding), anything else
    /// encoded at `quality`. What the preview sends to the window.
    pub fn to_jpeg(&self, quality: u8) -> Result<Arc<[u8]>, CameraError> {
        match self.format {
            PixelFormat::Mjpeg => Ok(self.data.clone()),
            PixelFormat::Gray => {
                let g = self.to_luma()?;
                Ok(jpeg::encode_gray(&g, quality)?.into())
            }
            _ => Ok(jpeg::encode_rgb(&self.to_rgb()?, quality)?.into()),
        }
    }
}

/// BT.601 full-range YCbCr → RGB.
fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let (y, u, v) = (y as i32, u as i32 - 128, v as i32 - 128);
    let clamp = |x: i32| x.clamp(0, 255) as u8;
    [
        clamp(y + ((91_881 * v) >> 16)),
        clamp(y - ((22_554 * u + 46_802 * v) >> 16)),
        clamp(y + ((116_130 * u) >> 16)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(format: PixelFormat, w: u32, h: u32, data: Vec<u8>) -> Frame {
        Frame {
            width: w,
            height: h,
            format,
            data: data.into(),
            seq: 0,
        }
    }

    #[test]
    fn every_format_gives_luma_rgb_and_jpeg() {
        let (w, h) = (8u32, 4u32);
        let n = (w * h) as usize;
        let frames = [
            raw(PixelFormat::Gray, w, h, vec![200; n]),
            raw(PixelFormat::Rgb, w, h, vec![200; n * 3]),
            raw(
                PixelFormat::Yuyv,
                w,
                h,
                [200u8, 128].iter().copied().cycle().take(n * 2).collect(),
            ),
            raw(PixelFormat::Nv12, w, h, {
                let mut d = vec![200; n];
                d.extend(vec![128; n / 2]);
                d
            }),
        ];
        for f in frames {
            let l = f.to_luma().unwrap();
            assert!(l.data.iter().all(|&v| v.abs_diff(200) <= 1), "{f:?}");
            let rgb = f.to_rgb().unwrap();
            assert!(rgb.data.iter().all(|&v| v.abs_diff(200) <= 2), "{f:?}");
            let j = f.to_jpeg(85).unwrap();
            let back = Frame::from_jpeg(j.to_vec(), 1).unwrap();
            assert_eq!((back.width, back.height), (w, h));
            assert!(back
                .to_luma()
                .unwrap()
                .data
                .iter()
                .all(|&v| v.abs_diff(200) <= 3));
        }
    }

    #[test]
    fn short_buffers_and_garbage_jpeg_are_errors() {
        for format in [
            PixelFormat::Gray,
            PixelFormat::Rgb,
            PixelFormat::Yuyv,
            PixelFormat::Nv12,
            PixelFormat::Mjpeg,
        ] {
            let f = raw(format, 640, 480, vec![1, 2, 3]);
            assert!(f.to_luma().is_err(), "{format:?}");
            assert!(f.to_rgb().is_err(), "{format:?}");
        }
        assert!(Frame::from_jpeg(vec![0xFF, 0xD8, 0, 0], 0).is_err());
        let mjpeg = raw(PixelFormat::Mjpeg, 1, 1, vec![9; 10]);
        // The preview forwards MJPEG bytes untouched, even when they would not decode.
        assert_eq!(&*mjpeg.to_jpeg(80).unwrap(), &[9u8; 10][..]);
    }
}
