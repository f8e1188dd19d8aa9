//! QR codes from document-camera frames: find the paper first, decode only there.
//!
//! A frame from the document camera is mostly desk; the queue ticket or the phone screen is a
//! bright, compact region. [`find_paper`] finds such regions on a 4×-reduced copy of the
//! frame (box average, Otsu threshold, connected components) in about a millisecond; each
//! candidate, largest first, is cut from the full-resolution luma and handed to the ZXing
//! port's QR reader (`rxing`: the zxing-cpp detector first, then the classic one), on the
//! matrix of [`BlockBinarizer`] (ZXing's hybrid binariser, the same bits as rxing's, in a
//! fifth of its time, which was about half of a decode). A crop that
//! does not decode is retried, whatever its size, unsharp-masked, then unsharp-masked and
//! enlarged 2× (the ladder of `QrReader::retry_crop`): slightly defocused codes of 2–3 px
//! modules and low-contrast codes get their edges back. Decoding a ticket-sized crop instead
//! of the whole frame is what makes this both faster and more reliable than decoding the
//! frame: the local binariser sees the paper's contrast, not the desk's.
//! [`QrReader::read_full_frame`] decodes the whole frame, for callers (and the bench) that
//! want the plain decoder.

use super::binarize::BlockBinarizer;
use super::error::CameraError;
use super::image::GrayImage;
use rxing::qrcode::cpp_port::QrReader as CppQrReader;
use rxing::qrcode::QRCodeReader;
use rxing::{BinaryBitmap, DecodeHints, Luma8Source, Reader};

/// A rectangle in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// One decoded code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    pub text: String,
    /// The region it was found in (the whole frame for [`QrReader::read_full_frame`]).
    pub region: Rect,
}

/// Tunables of [`QrReader`]; the defaults suit 1080p–8 MP document cameras.
#[derive(Debug, Clone)]
pub struct QrReaderConfig {
    /// Candidate regions tried per frame, largest first.
    pub max_candidates: usize,
    /// Smallest paper region, as a fraction of the frame's area.
    pub min_area_fraction: f64,
    /// The enlarged retry of a crop is made only when the enlarged crop has at most this many
    /// pixels: bounds what a frame with paper but no readable code costs (2 MP: 10–20 ms of
    /// decoding on one core, both readers, measured with rxing's own binariser).
    pub max_upscaled_pixels: u32,
}

impl Default for QrReaderConfig {
    fn default() -> Self {
        QrReaderConfig {
            max_candidates: 3,
            min_area_fraction: 0.002,
            max_upscaled_pixels: 2_000_000,
        }
    }
}

/// Reads QR codes from luma frames. Cheap to create; holds no per-frame state.
#[derive(Debug, Clone, Default)]
pub struct QrReader {
    pub config: QrReaderConfig,
}

impl QrReader {
    pub fn new(config: QrReaderConfig) -> Self {
        QrReader { config }
    }

    /// The first code found on paper-like regions of `frame`, if any. Every region is first
    /// decoded as it is; only then do the regions go through the retries, so a code that reads
    /// plainly on a smaller region never waits for the retries of a larger one.
    pub fn read(&self, frame: &GrayImage) -> Option<QrCode> {
        let regions = find_paper(frame, self.config.min_area_fraction);
        let crops: Vec<_> = regions
            .into_iter()
            .take(self.config.max_candidates)
            .map(|r| (r, frame.crop(r.x, r.y, r.w, r.h)))
            .collect();
        for (region, crop) in &crops {
            if let Some(text) = decode_luma(crop) {
                return Some(QrCode {
                    text,
                    region: *region,
                });
            }
        }
        for (region, crop) in &crops {
            if let Some(text) = self.retry_crop(crop) {
                return Some(QrCode {
                    text,
                    region: *region,
                });
            }
        }
        None
    }

    /// The retries of a paper crop that did not decode as it is, each step only when the one
    /// before failed, whatever the crop's size:
    /// 1. (in [`read`](Self::read)) the crop as it is;
    /// 2. unsharp-masked ([`sharpen`]: 3×3 mean, amount 2): a blur of σ ≈ 1 px spreads a
    ///    2–3 px module over its neighbours and leaves the binariser a contrast too flat to
    ///    split; the mask restores the edges, and stretches a low-contrast code;
    /// 3. unsharp-masked over a 5×5 mean, then enlarged 2× ([`upscale2`]): for modules too
    ///    small or too blurred for step 2 (the enlargement gives the binariser's 8 px blocks
    ///    whole modules), while the enlarged crop has at most
    ///    [`QrReaderConfig::max_upscaled_pixels`].
    ///
    /// A crop with a readable code costs one decode; one without costs about six crop-sized
    /// decodes (1 + 1 + 4 pixels' worth). No cheaper test tells the crops worth retrying:
    /// of the 37 codes only the retries read on the three comparison sets, 9 had no finder
    /// pattern in the plain crop, and 2 none in the sharpened one either.
    fn retry_crop(&self, crop: &GrayImage) -> Option<String> {
        if let Some(text) = decode_luma(&sharpen(crop, 1, 2)) {
            return Some(text);
        }
        let enlarged = 4 * crop.width as u64 * crop.height as u64;
        if enlarged > self.config.max_upscaled_pixels as u64 {
            return None;
        }
        decode_luma(&upscale2(&sharpen(crop, 2, 2)))
    }

    /// [`read`](Self::read) with decoder panics caught: a damaged or crafted code that hits a
    /// bug in the decoder is [`CameraError::QrDecoder`] for this frame, never the end of the
    /// camera thread.
    pub fn try_read(&self, frame: &GrayImage) -> Result<Option<QrCode>, CameraError> {
        decode_guarded(|| self.read(frame))
    }

    /// The whole frame through the decoder, without looking for paper first.
    pub fn read_full_frame(&self, frame: &GrayImage) -> Option<QrCode> {
        decode_luma(frame).map(|text| QrCode {
            text,
            region: Rect {
                x: 0,
                y: 0,
                w: frame.width,
                h: frame.height,
            },
        })
    }
}

/// Runs one decode with panics caught: a panic inside `decode` becomes
/// [`CameraError::QrDecoder`] (with the panic's message for IT; a decoder's message names
/// indexes and sizes, never the code's content). The decoders keep no state between calls
/// (a reader and its bitmap are made per image), so nothing half-updated survives the
/// unwind.
pub fn decode_guarded<T>(decode: impl FnOnce() -> T) -> Result<T, CameraError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic without a message".to_owned());
        CameraError::QrDecoder(detail)
    })
}

/// Runs the QR readers over one luma image (binarised by [`BlockBinarizer`]); `None` when
/// nothing decodes.
pub fn decode_luma(img: &GrayImage) -> Option<String> {
    if img.width < 21 || img.height < 21 {
        return None;
    }
    let hints = DecodeHints {
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    let Ok(source) = Luma8Source::new_with_slice(&img.data, img.width, img.height) else {
        return None;
    };
    let mut bitmap = BinaryBitmap::new(BlockBinarizer::new(source));
    if let Ok(r) = CppQrReader.decode_with_hints(&mut bitmap, &hints) {
        return Some(r.getText().to_string());
    }
    QRCodeReader
        .decode_with_hints(&mut bitmap, &hints)
        .ok()
        .map(|r| r.getText().to_string())
}

/// Unsharp mask: `v + amount × (v − mean)`, the mean over the (2·`radius`+1)² box around
/// each pixel (edges repeated; radius at most 16), clamped to 0–255. Box sums by running rows
/// then columns, so the cost is a few additions per pixel whatever the radius.
pub fn sharpen(img: &GrayImage, radius: u32, amount: i32) -> GrayImage {
    let (w, h) = (img.width as usize, img.height as usize);
    let r = radius.min(16) as usize;
    if w == 0 || h == 0 {
        return img.clone();
    }
    // Horizontal box sums, from each row padded by its edge pixels, into a ring of 2·r + 2
    // rows (row k in slot k mod 2·r + 2: the rows the running column totals add and drop at a
    // step), not a frame of u32s whose fresh pages cost more than the sums.
    let ring_rows = 2 * r + 2;
    let mut ring = vec![0u32; ring_rows * w];
    let mut padded = vec![0u32; w + 2 * r];
    let mut summed = 0;
    let mut sum_rows_to = |last: usize, ring: &mut [u32]| {
        while summed <= last {
            let src = &img.data[summed * w..(summed + 1) * w];
            padded[..r].fill(src[0] as u32);
            padded[r + w..].fill(src[w - 1] as u32);
            for (p, &v) in padded[r..r + w].iter_mut().zip(src) {
                *p = v as u32;
            }
            let slot = summed % ring_rows;
            let dst = &mut ring[slot * w..(slot + 1) * w];
            match r {
                1 => window_sums::<3>(&padded, dst),
                2 => window_sums::<5>(&padded, dst),
                _ => {
                    let mut sum: u32 = padded[..2 * r + 1].iter().sum();
                    dst[0] = sum;
                    for x in 1..w {
                        sum = sum + padded[x + 2 * r] - padded[x - 1];
                        dst[x] = sum;
                    }
                }
            }
            summed += 1;
        }
    };
    // Vertical box sums of those, one running total per column; the mean by a fixed-point
    // reciprocal of the box's area (sum × reciprocal ≤ 255 × 2²⁰: no overflow in u32).
    let row_at = |y: isize| y.clamp(0, h as isize - 1) as usize;
    let slot_of = |y: usize| (y % ring_rows) * w;
    sum_rows_to(r.min(h - 1), &mut ring);
    let mut col: Vec<u32> = vec![0; w];
    for dy in -(r as isize)..=r as isize {
        let base = slot_of(row_at(dy));
        for (c, v) in col.iter_mut().zip(&ring[base..base + w]) {
            *c += v;
        }
    }
    let side = (2 * r + 1) as u32;
    let inv = ((1u32 << 20) + side * side / 2) / (side * side);
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let line = &img.data[y * w..(y + 1) * w];
        for ((o, &v), &c) in out[y * w..(y + 1) * w].iter_mut().zip(line).zip(&col) {
            let mean = ((c * inv + (1 << 19)) >> 20) as i32;
            let v = v as i32;
            *o = (v + amount * (v - mean)).clamp(0, 255) as u8;
        }
        let (add, sub) = (
            row_at((y + r + 1) as isize),
            row_at(y as isize - r as isize),
        );
        sum_rows_to(add, &mut ring);
        let (add, sub) = (slot_of(add), slot_of(sub));
        for ((c, a), s) in col
            .iter_mut()
            .zip(&ring[add..add + w])
            .zip(&ring[sub..sub + w])
        {
            *c = *c + a - s;
        }
    }
    GrayImage {
        width: img.width,
        height: img.height,
        data: out,
    }
}

/// `dst[x]` = the sum of `padded[x..x + N]`: for the radii the retries use, a window of a
/// known width the compiler vectorises, where a running sum goes one pixel at a time.
fn window_sums<const N: usize>(padded: &[u32], dst: &mut [u32]) {
    for (d, win) in dst.iter_mut().zip(padded.windows(N)) {
        *d = win.iter().sum();
    }
}

/// Bilinear 2× enlargement (output pixel centres at ¼ and ¾ of the source pixels: weights
/// 9-3-3-1 / 16). Smooths sensor noise and gives the binariser's blocks whole modules.
pub fn upscale2(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width as usize, img.height as usize);
    if w == 0 || h == 0 {
        return GrayImage::filled(0, 0, 0);
    }
    let nw = w * 2;
    let mut out = vec![0u8; nw * h * 2];
    // Horizontal pass into u16 rows (×4), then vertical blend (×4) → ÷16. The horizontal rows
    // live in a ring of three (row r in slot r mod 3: the rows above, at and below y), not in
    // a frame-sized buffer whose fresh pages cost more than the arithmetic.
    let mut ring = vec![0u16; 3 * nw];
    let widen = |y: usize, ring: &mut [u16]| {
        let src = &img.data[y * w..(y + 1) * w];
        let dst = &mut ring[(y % 3) * nw..(y % 3 + 1) * nw];
        // The edge pixels repeat outwards; between them a window of three, no bounds to test.
        let (first, last) = (src[0] as u16, src[w - 1] as u16);
        dst[0] = 4 * first;
        dst[nw - 1] = 4 * last;
        if w == 1 {
            return;
        }
        dst[1] = 3 * first + src[1] as u16;
        dst[nw - 2] = 3 * last + src[w - 2] as u16;
        for (pair, win) in dst[2..nw - 2].chunks_exact_mut(2).zip(src.windows(3)) {
            let c = 3 * win[1] as u16;
            pair[0] = c + win[0] as u16;
            pair[1] = c + win[2] as u16;
        }
    };
    widen(0, &mut ring);
    for y in 0..h {
        if y + 1 < h {
            widen(y + 1, &mut ring);
        }
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h - 1));
        let row = |r: usize| &ring[(r % 3) * nw..(r % 3 + 1) * nw];
        let (c, u, d) = (row(y), row(up), row(down));
        let (top, bottom) = out[2 * y * nw..(2 * y + 2) * nw].split_at_mut(nw);
        for (o, (&c, &u)) in top.iter_mut().zip(c.iter().zip(u)) {
            *o = ((3 * c + u + 8) >> 4) as u8;
        }
        for (o, (&c, &d)) in bottom.iter_mut().zip(c.iter().zip(d)) {
            *o = ((3 * c + d + 8) >> 4) as u8;
        }
    }
    GrayImage {
        width: nw as u32,
        height: (h * 2) as u32,
        data: out,
    }
}

/// Bright, compact regions of `frame` (paper on a desk), largest first, each with a margin.
pub fn find_paper(frame: &GrayImage, min_area_fraction: f64) -> Vec<Rect> {
    let scale = (frame.width.max(frame.height) / 480).max(1);
    let small = reduce(frame, scale);
    let (sw, sh) = (small.width as usize, small.height as usize);
    if sw < 4 || sh < 4 {
        return Vec::new();
    }
    let Some(threshold) = paper_threshold(&small.data) else {
        return Vec::new();
    };
    // Bright pixels, then 4-connected components by an explicit stack (no recursion).
    let mut label = vec![0u32; sw * sh];
    let mut comps: Vec<(usize, Rect)> = Vec::new();
    let mut stack = Vec::new();
    let min_area = ((sw * sh) as f64 * min_area_fraction).max(12.0) as usize;
    for start in 0..sw * sh {
        if label[start] != 0 || small.data[start] <= threshold {
            continue;
        }
        let id = comps.len() as u32 + 1;
        label[start] = id;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1, mut area) = (sw, sh, 0, 0, 0usize);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % sw, i / sw);
            area += 1;
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            let mut visit = |j: usize| {
                if label[j] == 0 && small.data[j] > threshold {
                    label[j] = id;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < sw {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - sw);
            }
            if y + 1 < sh {
                visit(i + sw);
            }
        }
        let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
        let fill = area as f64 / (bw * bh) as f64;
        // Paper is compact (a 45°-turned rectangle fills half its box); the desk's bright
        // speckle is small or ragged; a region spanning the whole frame is lighting, not paper.
        let spans_frame = bw * 10 > sw * 9 && bh * 10 > sh * 9;
        if area >= min_area && fill >= 0.3 && !spans_frame {
            // Margin: an eighth of the box plus two reduced pixels on every side.
            let mx = bw / 8 + 2;
            let my = bh / 8 + 2;
            let rx0 = x0.saturating_sub(mx);
            let ry0 = y0.saturating_sub(my);
            let rx1 = (x1 + mx + 1).min(sw);
            let ry1 = (y1 + my + 1).min(sh);
            let s = scale as usize;
            let x = (rx0 * s) as u32;
            let y = (ry0 * s) as u32;
            let w = ((rx1 * s) as u32).min(frame.width) - x;
            let h = ((ry1 * s) as u32).min(frame.height) - y;
            comps.push((area, Rect { x, y, w, h }));
        } else {
            comps.push((
                0,
                Rect {
                    x: 0,
                    y: 0,
                    w: 0,
                    h: 0,
                },
            ));
        }
    }
    let mut found: Vec<(usize, Rect)> = comps.into_iter().filter(|(a, _)| *a > 0).collect();
    found.sort_by_key(|b| std::cmp::Reverse(b.0));
    found.into_iter().map(|(_, r)| r).collect()
}

/// Box-average reduction by an integer factor (the last partial row/column dropped).
pub fn reduce(img: &GrayImage, factor: u32) -> GrayImage {
    let f = factor.clamp(1, 16) as usize;
    let src_w = img.width as usize;
    let (w, h) = (src_w / f, img.height as usize / f);
    let mut acc = vec![0u16; src_w];
    let mut out = Vec::with_capacity(w * h);
    // ⌊sum / f²⌋ as ⌊sum × ⌈2³²/f²⌉ / 2³²⌋: exact for sums below 2¹⁶ (the multiplier's
    // excess is under f², so the error stays under sum / 2³², less than the 1/f² gap from
    // the next integer); a division per output pixel was half of this function's time.
    let div = (f * f) as u64;
    let inv = (1u64 << 32).div_ceil(div);
    let mut sums = vec![0u32; w];
    for y in 0..h {
        acc.iter_mut().for_each(|s| *s = 0);
        for row in img.data[y * f * src_w..(y + 1) * f * src_w].chunks_exact(src_w) {
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += v as u16;
            }
        }
        match f {
            2 => sum_runs::<2>(&acc, &mut sums),
            3 => sum_runs::<3>(&acc, &mut sums),
            4 => sum_runs::<4>(&acc, &mut sums),
            5 => sum_runs::<5>(&acc, &mut sums),
            6 => sum_runs::<6>(&acc, &mut sums),
            8 => sum_runs::<8>(&acc, &mut sums),
            _ => {
                for (s, c) in sums.iter_mut().zip(acc.chunks_exact(f)) {
                    *s = c.iter().map(|&v| v as u32).sum();
                }
            }
        }
        out.extend(sums.iter().map(|&s| ((s as u64 * inv) >> 32) as u8));
    }
    GrayImage {
        width: w as u32,
        height: h as u32,
        data: out,
    }
}

/// `sums[i]` = the sum of `acc[F·i..F·(i+1)]`; with `F` known the loop unrolls (a loop of a
/// run-time length per output cost as much as the rest of [`reduce`]).
fn sum_runs<const F: usize>(acc: &[u16], sums: &mut [u32]) {
    for (s, c) in sums.iter_mut().zip(acc.chunks_exact(F)) {
        *s = c.iter().map(|&v| v as u32).sum();
    }
}

/// The level between desk and paper: paper is the brightest ~0.2 % of the reduced frame (a
/// queue ticket at 2 px per module still covers ~1 %), the desk is the median. `None` when the
/// two are too close for any paper to be there.
fn paper_threshold(pixels: &[u8]) -> Option<u8> {
    let mut hist = [0usize; 256];
    for &p in pixels {
        hist[p as usize] += 1;
    }
    let level_at = |fraction: f64| {
        let target = (pixels.len() as f64 * fraction) as usize;
        let mut seen = 0;
        for (v, &c) in hist.iter().enumerate() {
            seen += c;
            if seen > target {
                return v as i32;
            }
        }
        255
    };
    let desk = level_at(0.5);
    let paper = level_at(0.998);
    (paper - desk >= MIN_PAPER_CONTRAST).then(|| (desk + (paper - desk) * 6 / 10) as u8)
}

/// Paper must be at least this much brighter than the desk (grey levels).
const MIN_PAPER_CONTRAST: i32 = 16;

/// Otsu's threshold of an 8-bit histogram: pixels above it are the bright class.
pub fn otsu(pixels: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &p in pixels {
        hist[p as usize] += 1;
    }
    let total = pixels.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let m0 = sum0 / w0;
        let m1 = (sum_all - sum0) / w1;
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::super::scene;
    use super::*;

    /// A desk with `payload` on a ticket of `module` px modules turned by `angle`, defocused
    /// by `blur` passes of a 3×3 mean (an unsharp mask of amount −1 is the mean itself) and
    /// its contrast scaled to `contrast` %.
    fn soft_ticket(
        payload: &str,
        module: u32,
        angle: f32,
        blur: usize,
        contrast: i32,
    ) -> GrayImage {
        let ticket = scene::ticket(payload, module).unwrap();
        let mut frame = scene::desk(1280, 960, 11);
        let at = scene::Placement {
            cx: 620.0,
            cy: 470.0,
            angle_deg: angle,
        };
        scene::place(&mut frame, &ticket, at);
        for _ in 0..blur {
            frame = sharpen(&frame, 1, -1);
        }
        for v in frame.data.iter_mut() {
            *v = (128 + (*v as i32 - 128) * contrast / 100).clamp(0, 255) as u8;
        }
        frame
    }

    #[test]
    fn i16_soft_codes_the_plain_decode_misses_are_read_by_the_sharpened_retries_at_any_crop_size() {
        let payload = "https://appt.hall.example.gov.cn/v1/checkin?id=AP4410023187&dept=NK03&t=B207&sig=9f2c41d07be35a88e1d6c0f7";
        // (module px, turn, blur passes, contrast %, the crop's shorter side is ≥ 400 px)
        let cases = [
            // 2 px modules, slightly defocused.
            (2, 0.0, 1, 100, false),
            // 3 px modules, defocused and at 40 % contrast.
            (3, 0.0, 2, 40, false),
            // A crop of 480 px and more (never retried before), too soft even when enlarged.
            (3, 20.0, 3, 100, true),
        ];
        let reader = QrReader::default();
        for (module, angle, blur, contrast, large) in cases {
            let case = format!("m{module} turn {angle} blur {blur} contrast {contrast}");
            let frame = soft_ticket(payload, module, angle, blur, contrast);
            let region = find_paper(&frame, reader.config.min_area_fraction)[0];
            let crop = frame.crop(region.x, region.y, region.w, region.h);
            assert_eq!(
                crop.width.min(crop.height) >= 400,
                large,
                "{case}: {region:?}"
            );
            // Only the retries can read it: the crop as it is, or just enlarged, does not.
            assert_eq!(decode_luma(&crop), None, "{case}");
            assert_eq!(decode_luma(&upscale2(&crop)), None, "{case}");
            let code = reader.read(&frame).expect(&case);
            assert_eq!(code.text, payload, "{case}");
            assert_eq!(code.region, region, "{case}");
        }
        // An enlarged retry beyond the configured size is not made.
        let frame = soft_ticket(payload, 2, 0.0, 1, 100);
        let capped = QrReader::new(QrReaderConfig {
            max_upscaled_pixels: 1000,
            ..QrReaderConfig::default()
        });
        assert_eq!(capped.read(&frame), None);
    }

    #[test]
    fn reduce_is_the_box_mean_rounded_down_for_every_factor() {
        let mut noise = scene::Noise::new(5);
        let img = GrayImage::new(
            103,
            61,
            (0..103 * 61)
                .map(|_| (noise.next_u64() % 256) as u8)
                .collect(),
        )
        .unwrap();
        // All white and all black too: the largest and smallest sums of each factor.
        for img in [
            img,
            GrayImage::filled(103, 61, 255),
            GrayImage::filled(40, 40, 0),
        ] {
            for f in 1..=16u32 {
                let out = reduce(&img, f);
                let (w, h) = (img.width / f, img.height / f);
                assert_eq!((out.width, out.height), (w, h), "factor {f}");
                for (y, x) in (0..h).flat_map(|y| (0..w).map(move |x| (y, x))) {
                    let sum: u32 = (0..f * f)
                        .map(|i| img.get(x * f + i % f, y * f + i / f) as u32)
                        .sum();
                    assert_eq!(out.get(x, y) as u32, sum / (f * f), "factor {f} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn sharpen_and_upscale2_match_their_formulas_pixel_by_pixel() {
        let mut noise = scene::Noise::new(9);
        for (w, h) in [(1, 1), (1, 6), (7, 1), (2, 3), (37, 29)] {
            let data = (0..w * h).map(|_| (noise.next_u64() % 256) as u8).collect();
            let img = GrayImage::new(w, h, data).unwrap();
            let px = |x: i64, y: i64| {
                img.get(
                    x.clamp(0, w as i64 - 1) as u32,
                    y.clamp(0, h as i64 - 1) as u32,
                ) as u32
            };
            for (r, amount) in [(0, 2), (1, 2), (2, 2), (1, -1), (3, 2)] {
                let out = sharpen(&img, r, amount);
                let side = 2 * r + 1;
                let inv = ((1u32 << 20) + side * side / 2) / (side * side);
                for (y, x) in (0..h as i64).flat_map(|y| (0..w as i64).map(move |x| (y, x))) {
                    let r = r as i64;
                    let sum: u32 = (-r..=r)
                        .flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)))
                        .map(|(dx, dy)| px(x + dx, y + dy))
                        .sum();
                    let mean = ((sum * inv + (1 << 19)) >> 20) as i32;
                    let v = px(x, y) as i32;
                    let want = (v + amount * (v - mean)).clamp(0, 255) as u8;
                    assert_eq!(out.get(x as u32, y as u32), want, "{w}x{h} r{r} at {x},{y}");
                }
            }
            let up = upscale2(&img);
            assert_eq!((up.width, up.height), (2 * w, 2 * h));
            // Output (2x + i, 2y + j) weighs its source pixel 3 and the neighbour on its side 1,
            // across then down.
            let wide = |x: i64, y: i64, i: i64| 3 * px(x, y) + px(x + 2 * i - 1, y);
            for (y, x) in (0..h as i64).flat_map(|y| (0..w as i64).map(move |x| (y, x))) {
                for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let v = (3 * wide(x, y, i) + wide(x, y + 2 * j - 1, i) + 8) >> 4;
                    let at = ((2 * x + i) as u32, (2 * y + j) as u32);
                    assert_eq!(up.get(at.0, at.1) as u32, v, "{w}x{h} at {at:?}");
                }
            }
        }
    }

    #[test]
    fn sharpen_keeps_flat_areas_and_steepens_edges() {
        let mut img = GrayImage::filled(12, 5, 100);
        for y in 0..5 {
            for x in 6..12 {
                img.data[y * 12 + x] = 160;
            }
        }
        let out = sharpen(&img, 1, 2);
        let row = &out.data[2 * 12..3 * 12];
        assert_eq!(&row[..4], &[100; 4]);
        assert_eq!(&row[8..], &[160; 4]);
        // Either side of the step overshoots: v ± 2 × (a third of the 60 step).
        assert_eq!((row[5], row[6]), (60, 200));
        // Amount −1 is the 3×3 mean.
        assert_eq!(
            &sharpen(&img, 1, -1).data[2 * 12 + 5..2 * 12 + 7],
            &[120, 140]
        );
        assert_eq!(
            sharpen(&GrayImage::filled(0, 0, 0), 2, 2).data,
            Vec::<u8>::new()
        );
    }

    #[test]
    fn a_decoder_panic_is_a_typed_error_and_the_next_decode_works() {
        let failed = decode_guarded(|| -> Option<QrCode> {
            panic!("index out of bounds: the len is 45 but the index is 45")
        })
        .unwrap_err();
        assert_eq!(
            failed,
            CameraError::QrDecoder("index out of bounds: the len is 45 but the index is 45".into())
        );
        assert_eq!(failed.kind(), crate::ErrorKind::Protocol);
        assert!(!failed.is_fatal());
        assert!(failed.message().contains("二维码无法识别"));
        let formatted = decode_guarded(|| -> u8 { panic!("{} of {}", 3, 4) }).unwrap_err();
        assert_eq!(formatted, CameraError::QrDecoder("3 of 4".into()));
        // The reader is usable right after.
        let ticket = scene::ticket("QT|A023|20261122|W3|7f3k", 4).unwrap();
        let mut frame = scene::desk(640, 480, 7);
        let at = scene::Placement {
            cx: 320.0,
            cy: 240.0,
            angle_deg: 3.0,
        };
        scene::place(&mut frame, &ticket, at);
        let code = QrReader::default().try_read(&frame).unwrap().unwrap();
        assert_eq!(code.text, "QT|A023|20261122|W3|7f3k");
    }
}
