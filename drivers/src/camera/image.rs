//! Plain owned pixel buffers the camera pipeline passes around: [`GrayImage`] (one luma byte
//! per pixel, what the QR reader and the document finder work on) and [`RgbImage`] (what a
//! captured page is cropped, rotated and re-encoded from). Row-major, no padding.

/// An 8-bit luma image.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// An 8-bit RGB image, 3 bytes per pixel.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage({}×{})", self.width, self.height)
    }
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}×{})", self.width, self.height)
    }
}

impl GrayImage {
    /// `None` when `data` does not hold exactly `width × height` bytes.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Option<Self> {
        (data.len() == width as usize * height as usize).then_some(GrayImage {
            width,
            height,
            data,
        })
    }

    pub fn filled(width: u32, height: u32, value: u8) -> Self {
        GrayImage {
            width,
            height,
            data: vec![value; width as usize * height as usize],
        }
    }

    #[inline]
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.data[y as usize * self.width as usize + x as usize]
    }

    /// The rectangle `x, y, w, h`, clamped to the image.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> GrayImage {
        let x = x.min(self.width);
        let y = y.min(self.height);
        let w = w.min(self.width - x);
        let h = h.min(self.height - y);
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for row in y..y + h {
            let start = row as usize * self.width as usize + x as usize;
            data.extend_from_slice(&self.data[start..start + w as usize]);
        }
        GrayImage {
            width: w,
            height: h,
            data,
        }
    }
}

impl RgbImage {
    /// `None` when `data` does not hold exactly `width × height × 3` bytes.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Option<Self> {
        (data.len() == width as usize * height as usize * 3).then_some(RgbImage {
            width,
            height,
            data,
        })
    }

    /// BT.601 luma, as JPEG's Y channel.
    pub fn to_gray(&self) -> GrayImage {
        let data = self
            .data
            .chunks_exact(3)
            .map(|p| ((77 * p[0] as u32 + 150 * p[1] as u32 + 29 * p[2] as u32 + 128) >> 8) as u8)
            .collect();
        GrayImage {
            width: self.width,
            height: self.height,
            data,
        }
    }

    /// Rotated clockwise by `quarter_turns × 90°`.
    pub fn rotated(&self, quarter_turns: u8) -> RgbImage {
        let (w, h) = (self.width as usize, self.height as usize);
        let turns = quarter_turns % 4;
        if turns == 0 {
            return self.clone();
        }
        let (nw, nh) = if turns == 2 { (w, h) } else { (h, w) };
        let mut out = vec![0u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let (nx, ny) = match turns {
                    1 => (h - 1 - y, x),
                    2 => (w - 1 - x, h - 1 - y),
                    _ => (y, w - 1 - x),
                };
                let s = (y * w + x) * 3;
                let d = (ny * nw + nx) * 3;
                out[d..d + 3].copy_from_slice(&self.data[s..s + 3]);
            }
        }
        RgbImage {
            width: nw as u32,
            height: nh as u32,
            data: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_moves_the_top_left_pixel_clockwise() {
        // 3×2, top-left red.
        let mut data = vec![0u8; 3 * 2 * 3];
        data[0] = 255;
        let img = RgbImage::new(3, 2, data).unwrap();
        let r1 = img.rotated(1);
        assert_eq!((r1.width, r1.height), (2, 3));
        assert_eq!(r1.data[3], 255, "top-right after a quarter turn");
        let r2 = img.rotated(2);
        assert_eq!(
            r2.data[(2 * 3 - 1) * 3],
            255,
            "bottom-right after a half turn"
        );
        assert_eq!(img.rotated(4), img);
        assert_eq!(img.rotated(1).rotated(3), img);
    }

    #[test]
    fn crop_is_clamped_to_the_image() {
        let img = GrayImage::new(4, 3, (0..12).collect()).unwrap();
        let c = img.crop(2, 1, 10, 10);
        assert_eq!((c.width, c.height), (2, 2));
        assert_eq!(c.data, vec![6, 7, 10, 11]);
        assert_eq!(img.crop(9, 9, 1, 1).data.len(), 0);
        assert!(GrayImage::new(2, 2, vec![0; 3]).is_none());
    }
}
