//! Auto-crop and deskew of a captured page (自动裁边 / 纠偏): find the document as the
//! largest bright quadrilateral, then warp it to an upright rectangle.
//!
//! Finding works on a reduced copy (long side ~480 px): Otsu threshold, the largest
//! connected bright region, its convex hull (from each row's extreme pixels), and the
//! quadrilateral of largest area inscribed in that hull — for a page, its four corners, also
//! under perspective. The corners are scaled back to the full frame and the page is
//! resampled (bilinear, through the homography of the four corners) at the size of its
//! edges. Rotation by quarter turns is [`RgbImage::rotated`].

use super::image::{GrayImage, RgbImage};
use super::qr::{otsu, reduce};

/// Four corners in frame pixels: top-left, top-right, bottom-right, bottom-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quad(pub [(f32, f32); 4]);

impl Quad {
    pub fn area(&self) -> f32 {
        let p = &self.0;
        let mut a = 0.0;
        for i in 0..4 {
            let (x0, y0) = p[i];
            let (x1, y1) = p[(i + 1) % 4];
            a += x0 * y1 - x1 * y0;
        }
        a.abs() / 2.0
    }

    /// Width and height of the upright page: the mean of opposite edges.
    pub fn page_size(&self) -> (u32, u32) {
        let d = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let p = &self.0;
        let w = (d(p[0], p[1]) + d(p[3], p[2])) / 2.0;
        let h = (d(p[0], p[3]) + d(p[1], p[2])) / 2.0;
        (w.round().max(1.0) as u32, h.round().max(1.0) as u32)
    }
}

/// The smallest page, as a fraction of the frame, that counts as a document.
pub const MIN_PAGE_FRACTION: f32 = 0.05;

/// How much brighter than the desk (mean grey levels) a page must be.
const MIN_PAGE_CONTRAST: u64 = 40;

/// The document in `frame`, if a bright page covering at least [`MIN_PAGE_FRACTION`] of it
/// is there.
pub fn find_document(frame: &GrayImage) -> Option<Quad> {
    let scale = (frame.width.max(frame.height) / 480).max(1);
    let small = reduce(frame, scale);
    let (w, h) = (small.width as usize, small.height as usize);
    if w < 8 || h < 8 {
        return None;
    }
    let t = otsu(&small.data);
    // Paper must stand out from the desk, not be the brighter half of its texture.
    let (mut sum_hi, mut n_hi, mut sum_lo, mut n_lo) = (0u64, 0u64, 0u64, 0u64);
    for &v in &small.data {
        if v > t {
            sum_hi += v as u64;
            n_hi += 1;
        } else {
            sum_lo += v as u64;
            n_lo += 1;
        }
    }
    if n_hi == 0 || n_lo == 0 || sum_hi / n_hi < sum_lo / n_lo + MIN_PAGE_CONTRAST {
        return None;
    }
    let bright: Vec<bool> = small.data.iter().map(|&v| v > t).collect();
    let (label, best) = largest_component(&bright, w, h)?;
    // Each row's leftmost and rightmost pixel of the component: enough for the hull, and
    // the span between them is the page's area with its printed lines filled in.
    let mut pts = Vec::with_capacity(2 * h);
    let mut count = 0usize;
    for y in 0..h {
        let row = &label[y * w..(y + 1) * w];
        let first = row.iter().position(|&l| l == best);
        let last = row.iter().rposition(|&l| l == best);
        if let (Some(a), Some(b)) = (first, last) {
            count += b - a + 1;
            pts.push((a as f32, y as f32));
            pts.push((b as f32 + 1.0, y as f32));
            pts.push((a as f32, y as f32 + 1.0));
            pts.push((b as f32 + 1.0, y as f32 + 1.0));
        }
    }
    if (count as f32) < (w * h) as f32 * MIN_PAGE_FRACTION {
        return None;
    }
    let hull = convex_hull(pts);
    let quad = max_quad(&hull)?;
    // A page fills its quadrilateral; a ragged bright blob does not.
    let quad_area = Quad(quad).area();
    if quad_area <= 0.0 || (count as f32) < quad_area * 0.8 {
        return None;
    }
    let s = scale as f32;
    let mut corners = quad.map(|(x, y)| (x * s, y * s));
    order_corners(&mut corners);
    Some(Quad(corners))
}

fn largest_component(bright: &[bool], w: usize, h: usize) -> Option<(Vec<u32>, u32)> {
    let mut label = vec![0u32; w * h];
    let mut stack = Vec::new();
    let (mut best, mut best_area, mut next) = (0u32, 0usize, 0u32);
    for start in 0..w * h {
        if !bright[start] || label[start] != 0 {
            continue;
        }
        next += 1;
        label[start] = next;
        stack.push(start);
        let mut area = 0;
        while let Some(i) = stack.pop() {
            area += 1;
            let (x, y) = (i % w, i / w);
            let mut visit = |j: usize| {
                if bright[j] && label[j] == 0 {
                    label[j] = next;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < w {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - w);
            }
            if y + 1 < h {
                visit(i + w);
            }
        }
        if area > best_area {
            best_area = area;
            best = next;
        }
    }
    (best != 0).then_some((label, best))
}

fn cross(o: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

/// Andrew's monotone chain; counter-clockwise in image coordinates, no repeated point.
fn convex_hull(mut pts: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    pts.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut lower: Vec<(f32, f32)> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<(f32, f32)> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The largest-area quadrilateral with corners on the hull's vertices (O(n³), n ≤ ~200).
fn max_quad(hull: &[(f32, f32)]) -> Option<[(f32, f32); 4]> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let tri = |a: usize, b: usize, c: usize| cross(hull[a], hull[b], hull[c]).abs() / 2.0;
    let mut best = (0.0f32, [0usize; 4]);
    for i in 0..n {
        for k in i + 2..n {
            if i == 0 && k == n - 1 {
                continue;
            }
            let (mut bj, mut aj) = (i + 1, 0.0f32);
            for j in i + 1..k {
                let a = tri(i, j, k);
                if a > aj {
                    aj = a;
                    bj = j;
                }
            }
            let (mut bl, mut al) = (k + 1, 0.0f32);
            for l in (k + 1..n).chain(0..i) {
                let a = tri(k, l, i);
                if a > al {
                    al = a;
                    bl = l;
                }
            }
            if aj + al > best.0 {
                best = (aj + al, [i, bj, k, bl]);
            }
        }
    }
    (best.0 > 0.0).then(|| best.1.map(|i| hull[i]))
}

/// Orders four corners as top-left, top-right, bottom-right, bottom-left: clockwise from
/// the corner nearest the frame's top-left.
fn order_corners(c: &mut [(f32, f32); 4]) {
    let cx = c.iter().map(|p| p.0).sum::<f32>() / 4.0;
    let cy = c.iter().map(|p| p.1).sum::<f32>() / 4.0;
    c.sort_by(|a, b| {
        let ta = (a.1 - cy).atan2(a.0 - cx);
        let tb = (b.1 - cy).atan2(b.0 - cx);
        ta.partial_cmp(&tb).unwrap_or(std::cmp::Ordering::Equal)
    });
    // Sorted by angle from -π: starts near the left going clockwise in image coordinates
    // (y down). Rotate so the corner with the smallest x + y comes first.
    let first = (0..4)
        .min_by(|&i, &j| {
            (c[i].0 + c[i].1)
                .partial_cmp(&(c[j].0 + c[j].1))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .unwrap_or(0);
    c.rotate_left(first);
}

/// The homography taking the unit-free rectangle (0,0)-(w,h) to `quad`, as 8 coefficients.
fn homography(w: f32, h: f32, quad: &Quad) -> Option<[f64; 8]> {
    let src = [
        (0.0, 0.0),
        (w as f64, 0.0),
        (w as f64, h as f64),
        (0.0, h as f64),
    ];
    let mut a = [[0f64; 9]; 8];
    for (k, (&(x, y), &(u, v))) in src.iter().zip(quad.0.iter()).enumerate() {
        let (u, v) = (u as f64, v as f64);
        a[2 * k] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * k + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| {
            a[i][col]
                .abs()
                .partial_cmp(&a[j][col].abs())
                .unwrap_or(std::cmp::Ordering::Equal)
        })?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let f = a[row][col] / a[col][col];
                let pivot_row = a[col];
                for (x, p) in a[row].iter_mut().zip(pivot_row.iter()).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut hcoef = [0f64; 8];
    for i in 0..8 {
        hcoef[i] = a[i][8] / a[i][i];
    }
    Some(hcoef)
}

/// The page inside `quad`, warped upright to its own size (bilinear).
pub fn warp(frame: &RgbImage, quad: &Quad) -> Option<RgbImage> {
    let (w, h) = quad.page_size();
    let m = homography(w as f32, h as f32, quad)?;
    let (fw, fh) = (frame.width as i64, frame.height as i64);
    if fw == 0 || fh == 0 {
        return None;
    }
    let mut out = vec![0u8; w as usize * h as usize * 3];
    for y in 0..h as usize {
        let yf = y as f64 + 0.5;
        for x in 0..w as usize {
            let xf = x as f64 + 0.5;
            let d = m[6] * xf + m[7] * yf + 1.0;
            let u = (m[0] * xf + m[1] * yf + m[2]) / d - 0.5;
            let v = (m[3] * xf + m[4] * yf + m[5]) / d - 0.5;
            let (u0, v0) = (u.floor(), v.floor());
            let (fu, fv) = ((u - u0) as f32, (v - v0) as f32);
            let (u0, v0) = (u0 as i64, v0 as i64);
            let idx =
                |i: i64, j: i64| ((j.clamp(0, fh - 1) * fw + i.clamp(0, fw - 1)) * 3) as usize;
            let (a, b, c, e) = (
                idx(u0, v0),
                idx(u0 + 1, v0),
                idx(u0, v0 + 1),
                idx(u0 + 1, v0 + 1),
            );
            let o = (y * w as usize + x) * 3;
            for ch in 0..3 {
                let p = |i: usize| frame.data[i + ch] as f32;
                let top = p(a) + (p(b) - p(a)) * fu;
                let bot = p(c) + (p(e) - p(c)) * fu;
                out[o + ch] = (top + (bot - top) * fv + 0.5) as u8;
            }
        }
    }
    RgbImage::new(w, h, out)
}

/// Finds and deskews the document; the whole frame when no document is found.
pub fn auto_crop(frame: &RgbImage) -> (RgbImage, Option<Quad>) {
    match find_document(&frame.to_gray()) {
        Some(q) => match warp(frame, &q) {
            Some(page) => (page, Some(q)),
            None => (frame.clone(), None),
        },
        None => (frame.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scene::{desk, document_page, place, Placement};
    use super::*;

    fn gray_to_rgb(g: &GrayImage) -> RgbImage {
        RgbImage::new(
            g.width,
            g.height,
            g.data.iter().flat_map(|&v| [v, v, v]).collect(),
        )
        .unwrap()
    }

    #[test]
    fn e3_a_turned_page_is_found_at_its_corners_and_warped_upright() {
        for angle in [0.0f32, 8.0, -17.0, 33.0] {
            let mut frame = desk(960, 720, 5);
            let page = document_page(360);
            let at = Placement {
                cx: 470.0,
                cy: 350.0,
                angle_deg: angle,
            };
            place(&mut frame, &page, at);
            let truth = at.corners(page.width, page.height);
            let q = find_document(&frame).expect("document found");
            // Every found corner is within 2 % of the page's width of a true corner.
            for c in q.0 {
                let d = truth
                    .iter()
                    .map(|t| ((t.0 - c.0).powi(2) + (t.1 - c.1).powi(2)).sqrt())
                    .fold(f32::MAX, f32::min);
                assert!(d < 9.0, "angle {angle}: corner {c:?} vs {truth:?}");
            }
            let (w, h) = q.page_size();
            let (pw, ph) = (w.min(h), w.max(h));
            assert!(pw.abs_diff(360) < 12 && ph.abs_diff(509) < 14, "{w}×{h}");
            let (out, found) = auto_crop(&gray_to_rgb(&frame));
            assert!(found.is_some());
            // Upright page: the header bar is dark, the margins are paper-white.
            let g = out.to_gray();
            let mean = g.data.iter().map(|&v| v as u64).sum::<u64>() / g.data.len() as u64;
            assert!(mean > 150, "mostly paper, got mean {mean}");
        }
    }

    #[test]
    fn an_empty_desk_has_no_document() {
        assert!(find_document(&desk(640, 480, 9)).is_none());
        assert!(find_document(&GrayImage::filled(4, 4, 255)).is_none());
        let (out, q) = auto_crop(&gray_to_rgb(&desk(320, 240, 1)));
        assert!(q.is_none());
        assert_eq!((out.width, out.height), (320, 240));
    }
}
