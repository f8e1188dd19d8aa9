//! A stand-in for a reader vendor's WLT photo decoder (`libwlt2bmp.so`): it exports the same
//! C function, `int unpack(char *src, char *dst, int bmpSave)`, and writes a deterministic
//! 102 × 126 image derived from the 1024 input bytes (R, G, B per pixel, bottom row first,
//! like the vendor's buffer), returning 1. It decodes nothing: real WLT data needs the
//! vendor's library.
//!
//! Faulty variants, chosen by the first four input bytes or, for a whole process, by
//! `YICHUANG_WLT_SIM_MODE` (so a simulated card shows them in the running app):
//! - `CRSH` / `crash`: aborts the process, as a vendor decoder that faults;
//! - `HANG` / `hang`: never returns;
//! - `FAIL` / `fail`: returns 0 (the decoder refuses the photo).

use std::ffi::{c_char, c_int};

const WIDTH: usize = 102;
const HEIGHT: usize = 126;
const WLT_LEN: usize = 1024;

/// The vendor ABI.
///
/// # Safety
/// `src` must point at 1024 readable bytes and `dst` at 38 556 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn unpack(src: *mut c_char, dst: *mut c_char, bmp_save: c_int) -> c_int {
    if src.is_null() || dst.is_null() || bmp_save != 0 {
        return 0;
    }
    // SAFETY: the caller passes 1024 readable bytes (the ABI's contract).
    let wlt = unsafe { std::slice::from_raw_parts(src.cast::<u8>(), WLT_LEN) };
    let mode = std::env::var("YICHUANG_WLT_SIM_MODE").unwrap_or_default();
    match (mode.as_str(), wlt.get(..4)) {
        ("crash", _) | (_, Some(b"CRSH")) => std::process::abort(),
        ("hang", _) | (_, Some(b"HANG")) => loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        },
        ("fail", _) | (_, Some(b"FAIL")) => return 0,
        _ => {}
    }
    // SAFETY: the caller passes 38 556 writable bytes (the ABI's contract).
    let out = unsafe { std::slice::from_raw_parts_mut(dst.cast::<u8>(), WIDTH * HEIGHT * 3) };
    render(wlt, out);
    1
}

/// The deterministic image: a gradient tinted by the input bytes, with a dark band across
/// the bottom rows (so a test can tell the orientation).
fn render(wlt: &[u8], out: &mut [u8]) {
    let tint = wlt.iter().take(8).fold(0u8, |a, &b| a.rotate_left(3) ^ b);
    for (i, px) in out.chunks_exact_mut(3).enumerate() {
        let (x, y_from_bottom) = (i % WIDTH, i / WIDTH);
        let (r, g, b) = if y_from_bottom < 10 {
            (0, 0, 0)
        } else {
            (
                (x * 255 / (WIDTH - 1)) as u8,
                (y_from_bottom * 255 / (HEIGHT - 1)) as u8,
                tint,
            )
        };
        px.copy_from_slice(&[r, g, b]);
    }
}
