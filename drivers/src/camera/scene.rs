//! Synthetic document-camera scenes, as pure functions of their parameters: a grey textured
//! desk, a paper queue ticket carrying a QR code, an A4 page with lines of "text", each
//! placed at any position and angle. The simulator streams them, the tests and the benches
//! use them as known inputs (where the page's corners are, what the QR code says).

use super::image::GrayImage;

/// Deterministic xorshift noise (the scenes must be the same on every run).
#[derive(Debug, Clone)]
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.0 = s;
        s
    }
}

/// A grey desk: mean ~120, coarse blotches and fine grain.
pub fn desk(width: u32, height: u32, seed: u64) -> GrayImage {
    let mut noise = Noise::new(seed);
    let (w, h) = (width as usize, height as usize);
    // Coarse blotches: a 32 px grid of random levels, bilinearly interpolated.
    let cell = 32usize;
    let (gw, gh) = (w / cell + 2, h / cell + 2);
    let grid: Vec<i32> = (0..gw * gh)
        .map(|_| (noise.next_u64() % 25) as i32 - 12)
        .collect();
    let mut data = Vec::with_capacity(w * h);
    for y in 0..h {
        let (gy, fy) = (y / cell, (y % cell) as i32);
        for x in 0..w {
            let (gx, fx) = (x / cell, (x % cell) as i32);
            let g = |i: usize, j: usize| grid[j * gw + i];
            let top = g(gx, gy) * (32 - fx) + g(gx + 1, gy) * fx;
            let bot = g(gx, gy + 1) * (32 - fx) + g(gx + 1, gy + 1) * fx;
            let blotch = (top * (32 - fy) + bot * fy) / 1024;
            let grain = (noise.next_u64() % 9) as i32 - 4;
            data.push((120 + blotch + grain).clamp(0, 255) as u8);
        }
    }
    GrayImage {
        width,
        height,
        data,
    }
}

/// A queue ticket (paper, white) with a few lines of "text" and `text` as a QR code of
/// `module` px per module. `None` when the text does not fit a QR code.
pub fn ticket(text: &str, module: u32) -> Option<GrayImage> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let n = code.width() as u32;
    let colors = code.to_colors();
    let qpx = n * module;
    let (tw, th) = (qpx * 22 / 10, qpx * 3);
    let mut img = GrayImage::filled(tw, th, 246);
    // Text lines: dark dashes of varying length.
    let line_h = (qpx / 14).max(3);
    let mut y = line_h;
    let mut noise = Noise::new(text.len() as u64 + 7);
    while y + line_h < th - qpx - qpx / 3 {
        let len = tw / 2 + (noise.next_u64() % (tw as u64 / 3)) as u32;
        fill_rect(&mut img, tw / 12, y, len, line_h * 2 / 3, 40);
        y += line_h * 2;
    }
    let (ox, oy) = ((tw - qpx) / 2, th - qpx - qpx / 4);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % n, i as u32 / n);
            fill_rect(
                &mut img,
                ox + mx * module,
                oy + my * module,
                module,
                module,
                22,
            );
        }
    }
    Some(img)
}

/// An A4-proportioned page (1 : √2) `width` px wide with lines of "text" and a header bar.
pub fn document_page(width: u32) -> GrayImage {
    let height = width * 1414 / 1000;
    let mut img = GrayImage::filled(width, height, 240);
    let margin = width / 10;
    fill_rect(
        &mut img,
        margin,
        margin,
        width - 2 * margin,
        height / 30,
        60,
    );
    let line_h = (height / 60).max(2);
    let mut y = margin + height / 15;
    let mut noise = Noise::new(u64::from(width));
    while y + line_h < height - margin {
        let len = (width - 2 * margin) * (6 + (noise.next_u64() % 5) as u32) / 10;
        fill_rect(&mut img, margin, y, len, line_h / 2 + 1, 50);
        y += line_h * 2;
    }
    img
}

fn fill_rect(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, v: u8) {
    let x1 = (x + w).min(img.width);
    let y1 = (y + h).min(img.height);
    for row in y.min(img.height)..y1 {
        let start = (row * img.width) as usize;
        img.data[start + x.min(x1) as usize..start + x1 as usize].fill(v);
    }
}

/// Where `paper` lands in the frame: its centre and its turn (degrees, clockwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    pub cx: f32,
    pub cy: f32,
    pub angle_deg: f32,
}

impl Placement {
    /// The paper's corners in frame coordinates: top-left, top-right, bottom-right,
    /// bottom-left of the paper.
    pub fn corners(&self, paper_w: u32, paper_h: u32) -> [(f32, f32); 4] {
        let (s, c) = self.angle_deg.to_radians().sin_cos();
        let (hw, hh) = (paper_w as f32 / 2.0, paper_h as f32 / 2.0);
        [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
            .map(|(x, y)| (self.cx + x * c - y * s, self.cy + x * s + y * c))
    }
}

/// Draws `paper` onto `frame` turned and placed as given (bilinear, with a soft shadow).
pub fn place(frame: &mut GrayImage, paper: &GrayImage, at: Placement) {
    let corners = at.corners(paper.width, paper.height);
    let (fw, fh) = (frame.width as i64, frame.height as i64);
    let minx = corners.iter().map(|c| c.0).fold(f32::MAX, f32::min).floor() as i64;
    let maxx = corners.iter().map(|c| c.0).fold(f32::MIN, f32::max).ceil() as i64;
    let miny = corners.iter().map(|c| c.1).fold(f32::MAX, f32::min).floor() as i64;
    let maxy = corners.iter().map(|c| c.1).fold(f32::MIN, f32::max).ceil() as i64;
    let (s, c) = at.angle_deg.to_radians().sin_cos();
    let (hw, hh) = (paper.width as f32 / 2.0, paper.height as f32 / 2.0);
    let (pw, ph) = (paper.width as i64, paper.height as i64);
    for y in miny.max(0)..(maxy + 1).min(fh) {
        for x in minx.max(0)..(maxx + 1).min(fw) {
            // Inverse rotation into paper coordinates.
            let (dx, dy) = (x as f32 + 0.5 - at.cx, y as f32 + 0.5 - at.cy);
            let u = dx * c + dy * s + hw - 0.5;
            let v = -dx * s + dy * c + hh - 0.5;
            if u < -0.5 || v < -0.5 || u > pw as f32 - 0.5 || v > ph as f32 - 0.5 {
                continue;
            }
            let (u0, v0) = (u.floor() as i64, v.floor() as i64);
            let (fu, fv) = (u - u0 as f32, v - v0 as f32);
            let p = |i: i64, j: i64| {
                paper.data[(j.clamp(0, ph - 1) * pw + i.clamp(0, pw - 1)) as usize] as f32
            };
            let val = (p(u0, v0) * (1.0 - fu) + p(u0 + 1, v0) * fu) * (1.0 - fv)
                + (p(u0, v0 + 1) * (1.0 - fu) + p(u0 + 1, v0 + 1) * fu) * fv;
            frame.data[(y * fw + x) as usize] = val.round().clamp(0.0, 255.0) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placed_ticket_reads_back_its_qr_code() {
        let mut frame = desk(640, 480, 3);
        let t = ticket("QT|A023|20261122|W3|7f3k", 3).unwrap();
        place(
            &mut frame,
            &t,
            Placement {
                cx: 300.0,
                cy: 240.0,
                angle_deg: 12.0,
            },
        );
        let code = super::super::qr::QrReader::default().read(&frame).unwrap();
        assert_eq!(code.text, "QT|A023|20261122|W3|7f3k");
        assert!(ticket(&"x".repeat(5000), 2).is_none());
    }

    #[test]
    fn corners_follow_the_turn() {
        let at = Placement {
            cx: 100.0,
            cy: 100.0,
            angle_deg: 90.0,
        };
        let c = at.corners(40, 20);
        // Turned a quarter clockwise, the top-left corner goes to the top-right.
        assert!(
            (c[0].0 - 110.0).abs() < 1e-3 && (c[0].1 - 80.0).abs() < 1e-3,
            "{c:?}"
        );
    }
}
