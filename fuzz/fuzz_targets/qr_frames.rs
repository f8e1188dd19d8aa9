//! The QR reader on arbitrary small luma frames, with no panic guard: `QrReader::read` (paper
//! regions, then rxing and the sharpened/enlarged retries) and `read_full_frame` (rxing on
//! the whole frame) must return, never panic. A panic here is a decoder bug the camera's
//! `try_read` turns into a per-frame error; this target finds the inputs that cause them.
//!
//! Input: `w-1, h-1, k, border, pixels…`. The frame is `w`×`h` (at most 256×256) of desk grey
//! (60) with a margin of `border mod 64` px; inside it the pixels form a grid of cells of
//! `k mod 4 + 1` px a side (so a few hundred bytes make a code of 2–4 px modules, within
//! libFuzzer's default input length), read row by row and repeated when the input is short.
//! Tickets drawn with `scene::ticket(text, 1)` in this format are good seeds.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yichuang_drivers::camera::{GrayImage, QrReader};

fn frame(data: &[u8]) -> Option<GrayImage> {
    let (&[w, h, k, border], pixels) = data.split_first_chunk::<4>()?;
    let (w, h) = (w as u32 + 1, h as u32 + 1);
    let k = (k % 4) as u32 + 1;
    let border = (border % 64) as u32;
    let mut img = GrayImage::filled(w, h, 60);
    if pixels.is_empty() {
        return Some(img);
    }
    let grid_w = (w.saturating_sub(2 * border)).div_ceil(k).max(1);
    for y in border..h.saturating_sub(border) {
        for x in border..w.saturating_sub(border) {
            let cell = ((y - border) / k * grid_w + (x - border) / k) as usize;
            img.data[(y * w + x) as usize] = pixels[cell % pixels.len()];
        }
    }
    Some(img)
}

fuzz_target!(|data: &[u8]| {
    let Some(img) = frame(data) else {
        return;
    };
    let reader = QrReader::default();
    let _ = reader.read(&img);
    let _ = reader.read_full_frame(&img);
});
