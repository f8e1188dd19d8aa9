//! ZXing's hybrid binariser, built a word at a time.
//!
//! [`BlockBinarizer`] makes bit for bit the matrix `rxing::common::HybridBinarizer` makes (the
//! QR readers see the same image): the frame in 8×8 blocks, each block's black point its mean
//! (or, for a flat block, half its minimum, raised to its neighbours'), each pixel black when
//! at most the mean of the 5×5 black points around its block (the blocks of the last partial
//! row/column overlap the ones before; a pixel in two blocks is black when either says so).
//! rxing's sets the matrix one bit at a time through a bounds-checked setter, which was
//! about half of a crop's decode; this compares a row against its thresholds and stores whole
//! words, about a fifth of that time. Images under 40 px a side go to ZXing's global
//! histogram binariser, as in rxing.

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer, LineOrientation, Result};
use rxing::{Binarizer, LuminanceSource};
use std::borrow::Cow;

const BLOCK: usize = 8;
/// A block whose brightest and darkest pixels differ by at most this is flat.
const MIN_DYNAMIC_RANGE: u8 = 24;
/// Smaller images have too few blocks for the 5×5 means.
const MINIMUM_DIMENSION: usize = BLOCK * 5;

/// A [`Binarizer`] for the rxing readers whose black matrix is made when it is created.
pub struct BlockBinarizer<LS: LuminanceSource> {
    ghb: GlobalHistogramBinarizer<LS>,
    matrix: Result<BitMatrix>,
}

impl<LS: LuminanceSource> BlockBinarizer<LS> {
    pub fn new(source: LS) -> Self {
        let (width, height) = (source.get_width(), source.get_height());
        let ghb = GlobalHistogramBinarizer::new(source);
        let matrix = if width >= MINIMUM_DIMENSION && height >= MINIMUM_DIMENSION {
            let luma = ghb.get_luminance_source().get_matrix();
            block_matrix(&luma, width, height)
        } else {
            ghb.get_black_matrix().cloned()
        };
        BlockBinarizer { ghb, matrix }
    }
}

impl<LS: LuminanceSource> Binarizer for BlockBinarizer<LS> {
    type Source = LS;

    fn get_luminance_source(&self) -> &LS {
        self.ghb.get_luminance_source()
    }

    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.ghb.get_black_row(y)
    }

    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        match &self.matrix {
            Ok(m) => Ok(Cow::Owned(m.getRow(y as u32))),
            Err(_) => self.get_black_row(y),
        }
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        self.matrix.as_ref().map_err(Clone::clone)
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        self.ghb.get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: LS) -> Self {
        Self::new(source)
    }

    fn get_width(&self) -> usize {
        self.ghb.get_width()
    }

    fn get_height(&self) -> usize {
        self.ghb.get_height()
    }
}

/// The hybrid binariser's matrix of a `width`×`height` luma image (both at least 40).
fn block_matrix(luma: &[u8], width: usize, height: usize) -> Result<BitMatrix> {
    let (sub_w, sub_h) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let black = black_points(luma, width, height, sub_w, sub_h);
    // Each block's threshold: the mean of the 5×5 black points around it (clamped inside).
    let mut threshold = vec![0u8; sub_w * sub_h];
    for by in 0..sub_h {
        let top = by.clamp(2, sub_h - 3);
        for bx in 0..sub_w {
            let left = bx.clamp(2, sub_w - 3);
            let sum: u32 = (top - 2..=top + 2)
                .map(|y| {
                    black[y * sub_w + left - 2..=y * sub_w + left + 2]
                        .iter()
                        .sum::<u32>()
                })
                .sum();
            threshold[by * sub_w + bx] = (sum / 25) as u8;
        }
    }
    let mut matrix = BitMatrix::new(width as u32, height as u32)?;
    let mut row_threshold = vec![0u8; width];
    // The row's "black" bytes (0 or 1), padded to whole words.
    let word = usize::BITS as usize;
    let mut black = vec![0u8; width.div_ceil(word) * word];
    let mut bits = BitArray::with_size(width);
    let mut blocks_of_row = (usize::MAX, usize::MAX);
    for y in 0..height {
        // The block rows covering row y: its own, and the last one where they overlap.
        let own = (y / BLOCK).min(sub_h - 1);
        let last = if y + BLOCK >= height { sub_h - 1 } else { own };
        if (own, last) != blocks_of_row {
            blocks_of_row = (own, last);
            spread_thresholds(
                &threshold[own * sub_w..(own + 1) * sub_w],
                &threshold[last * sub_w..(last + 1) * sub_w],
                &mut row_threshold,
            );
        }
        let line = &luma[y * width..(y + 1) * width];
        for ((b, &p), &t) in black.iter_mut().zip(line).zip(&row_threshold) {
            *b = u8::from(p <= t);
        }
        for (i, chunk) in black.chunks_exact(word).enumerate() {
            // Eight 0/1 bytes to eight bits (byte k to bit k) by one multiplication: the
            // products' bits land on distinct positions, so nothing carries into the top byte.
            let w = chunk.chunks_exact(8).enumerate().fold(0usize, |w, (k, b)| {
                let b = u64::from_le_bytes(b.try_into().expect("8 bytes"));
                w | ((b.wrapping_mul(0x0102_0408_1020_4080) >> 56) as usize) << (8 * k)
            });
            bits.setBulk(i * word, w);
        }
        matrix.setRow(y as u32, &bits);
    }
    Ok(matrix)
}

/// Per pixel of a row, the threshold of the block(s) covering it: the block columns at
/// `min(8·bx, width − 8)`, the last overlapping the one before; where two blocks (or, from
/// `own` and `last`, two block rows) cover a pixel, the higher threshold (either block's
/// "black" makes it black).
fn spread_thresholds(own: &[u8], last: &[u8], out: &mut [u8]) {
    let width = out.len();
    out.fill(0);
    for (bx, (&a, &b)) in own.iter().zip(last).enumerate() {
        let x0 = (bx * BLOCK).min(width - BLOCK);
        for t in &mut out[x0..x0 + BLOCK] {
            *t = (*t).max(a).max(b);
        }
    }
}

/// Each 8×8 block's black point: its mean; for a flat block (range ≤ 24) half its minimum,
/// or the mean of its upper, left (twice) and upper-left neighbours' black points when its
/// minimum is below that (a flat block inside a dark region stays dark).
fn black_points(luma: &[u8], width: usize, height: usize, sub_w: usize, sub_h: usize) -> Vec<u32> {
    let mut points = vec![0u32; sub_w * sub_h];
    // Per column of a block row: the sum, minimum and maximum of its 8 pixels (runs along the
    // row, which the compiler vectorises), then per block the 8 columns' totals.
    let (mut sum, mut min, mut max) = (vec![0u16; width], vec![0u8; width], vec![0u8; width]);
    for by in 0..sub_h {
        let y0 = (by * BLOCK).min(height - BLOCK);
        let first = &luma[y0 * width..(y0 + 1) * width];
        for (((s, lo), hi), &p) in sum.iter_mut().zip(&mut min).zip(&mut max).zip(first) {
            (*s, *lo, *hi) = (p as u16, p, p);
        }
        for y in y0 + 1..y0 + BLOCK {
            let line = &luma[y * width..(y + 1) * width];
            for (((s, lo), hi), &p) in sum.iter_mut().zip(&mut min).zip(&mut max).zip(line) {
                *s += p as u16;
                *lo = (*lo).min(p);
                *hi = (*hi).max(p);
            }
        }
        for bx in 0..sub_w {
            let x0 = (bx * BLOCK).min(width - BLOCK);
            let cols = x0..x0 + BLOCK;
            let total: u32 = sum[cols.clone()].iter().map(|&s| s as u32).sum();
            let lo = *min[cols.clone()].iter().min().expect("8 columns");
            let hi = *max[cols].iter().max().expect("8 columns");
            let mut point = total >> 6;
            if hi - lo <= MIN_DYNAMIC_RANGE {
                point = lo as u32 / 2;
                if by > 0 && bx > 0 {
                    let neighbours = (points[(by - 1) * sub_w + bx]
                        + 2 * points[by * sub_w + bx - 1]
                        + points[(by - 1) * sub_w + bx - 1])
                        / 4;
                    if (lo as u32) < neighbours {
                        point = neighbours;
                    }
                }
            }
            points[by * sub_w + bx] = point;
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::super::{scene, GrayImage};
    use super::*;
    use rxing::common::HybridBinarizer;
    use rxing::Luma8Source;

    fn same_as_rxing(img: &GrayImage, case: &str) {
        let source = || Luma8Source::new_with_slice(&img.data, img.width, img.height).unwrap();
        let ours = BlockBinarizer::new(source());
        let theirs = HybridBinarizer::new(source());
        match (ours.get_black_matrix(), theirs.get_black_matrix()) {
            (Ok(a), Ok(b)) => assert!(a == b, "{case}: the matrices differ"),
            (a, b) => assert_eq!(a.err(), b.err(), "{case}"),
        }
    }

    #[test]
    fn the_block_binarizer_makes_rxings_hybrid_matrix_bit_for_bit() {
        // Sizes on and off the 8 px grid and the 64-bit words, the 40 px limit either side.
        let sizes = [
            (40, 40),
            (39, 80),
            (41, 47),
            (64, 64),
            (65, 129),
            (127, 66),
            (333, 257),
        ];
        for (i, &(w, h)) in sizes.iter().enumerate() {
            // Desk texture with a ticket (flat paper, dark modules, flat dark blocks).
            let mut img = scene::desk(w, h, i as u64);
            let ticket = scene::ticket("QT|A023|20261122|W3|7f3k", 2).unwrap();
            let at = scene::Placement {
                cx: w as f32 / 2.0,
                cy: h as f32 / 2.0,
                angle_deg: 10.0,
            };
            scene::place(&mut img, &ticket, at);
            same_as_rxing(&img, &format!("scene {w}x{h}"));
            // Noise, and large dark flat areas beside bright ones.
            let mut noise = scene::Noise::new(i as u64 + 100);
            let data = (0..w * h)
                .map(|p| match (p % w) * 3 / w {
                    0 => (noise.next_u64() % 256) as u8,
                    1 => 10 + (noise.next_u64() % 8) as u8,
                    _ => 200 + (noise.next_u64() % 20) as u8,
                })
                .collect();
            same_as_rxing(
                &GrayImage::new(w, h, data).unwrap(),
                &format!("noise {w}x{h}"),
            );
        }
        // A flat image under 40 px: the global binariser's answer (an error), as rxing's.
        same_as_rxing(&GrayImage::filled(30, 30, 128), "flat 30x30");
    }
}
