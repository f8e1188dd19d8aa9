//! Document-camera benchmarks for `make bench`, one `bench: <name> <value> <unit>` line each.
//!
//! - `qr_read_shared`: codes read correctly by [`QrReader::read`] (find the paper, then
//!   rxing) on the shared synthetic set (`scripts/qr-testset.sh`; 94 frames, 84 with a code).
//! - `qr_1080p_median_ms`, `qr_5mp_median_ms`: median time of one `read` per frame over all
//!   frames of that size (codes and no codes), from a luma buffer; each frame's time is the
//!   median of 3 runs. Single thread.
//! - `qr_full_frame_read_shared`, `qr_full_frame_1080p_median_ms`: the same decoder on the
//!   whole frame without finding the paper first (the baseline the locator is measured against).
//! - `mjpeg_to_luma_1080p_ms`: one 1080p colour MJPEG frame (q90) decoded to its luma plane,
//!   median of 30.
//! - `crop_deskew_5mp_ms`: a 5 MP frame with a turned A4 page: find the page and warp it
//!   upright (RGB), median of 5.
//! - `qr_read_vs_zxing`: codes [`QrReader::read`] reads correctly minus codes zxing-cpp (the
//!   PyPI package, default options) reads correctly, summed over the sets of three generator
//!   seeds; each set's two counts go to stderr. zxing-cpp's counts come from
//!   `scripts/qr-testset.sh --zxing DIR`; when it cannot run, the bench fails.
//!
//! The set's directory is `$QR_TESTSET` (the Makefile passes what `scripts/qr-testset.sh`
//! prints), the comparison sets' are the lines of `$QR_COMPARE_SETS` (what
//! `scripts/qr-testset.sh --compare` prints).

use std::time::{Duration, Instant};
use yichuang_drivers::camera::{auto_crop, jpeg, scene, GrayImage, QrReader, RgbImage};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn load_png(path: &std::path::Path) -> GrayImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut d =
        zune_png::PngDecoder::new(zune_png::zune_core::bytestream::ZCursor::new(&bytes[..]));
    let px = d.decode_raw().expect("a PNG");
    let (w, h) = d.dimensions().expect("PNG dimensions");
    GrayImage::new(w as u32, h as u32, px).expect("an 8-bit grey PNG")
}

struct Entry {
    file: String,
    img: GrayImage,
    payload: Option<String>,
    res: String,
}

fn load_set(dir: &std::path::Path) -> Vec<Entry> {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json"),
    )
    .expect("manifest JSON");
    manifest
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            let file = e["file"].as_str().expect("file").to_string();
            Entry {
                img: load_png(&dir.join(&file)),
                file,
                payload: e["payload"].as_str().map(str::to_string),
                res: e["res"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}

/// Ours minus zxing-cpp's correct reads on each comparison set, summed. Panics (the bench
/// fails) when zxing-cpp cannot be run: an absent reference is never counted as zero reads.
fn read_vs_zxing(reader: &QrReader) -> i64 {
    let sets = std::env::var("QR_COMPARE_SETS").unwrap_or_default();
    let dirs: Vec<&str> = sets.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        dirs.len() == 3,
        "QR_COMPARE_SETS must name the three sets `scripts/qr-testset.sh --compare` prints; got {sets:?}"
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/qr-testset.sh");
    let mut total = 0i64;
    for dir in dirs {
        let dir = std::path::Path::new(dir.trim());
        let entries = load_set(dir);
        let ours = entries
            .iter()
            .filter(|e| e.payload.is_some() && reader.read(&e.img).map(|c| c.text) == e.payload)
            .count() as i64;
        let out = std::process::Command::new(script)
            .arg("--zxing")
            .arg(dir)
            .stderr(std::process::Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("{script}: {e}"));
        assert!(
            out.status.success(),
            "zxing-cpp could not read {} ({}): no qr_read_vs_zxing without it",
            dir.display(),
            out.status
        );
        let listed = String::from_utf8(out.stdout).expect("file names");
        let mut zxing = 0i64;
        for f in listed.lines() {
            assert!(
                entries.iter().any(|e| e.file == f && e.payload.is_some()),
                "zxing_read.py named {f:?}, not a frame with a code of {}",
                dir.display()
            );
            zxing += 1;
        }
        eprintln!(
            "qr_read_vs_zxing: {}: ours {ours}, zxing-cpp {zxing}",
            dir.display()
        );
        total += ours - zxing;
    }
    total
}

fn main() {
    let dir = std::env::var("QR_TESTSET")
        .expect("QR_TESTSET: the directory scripts/qr-testset.sh prints");
    let entries = load_set(std::path::Path::new(&dir));
    let with_code = entries.iter().filter(|e| e.payload.is_some()).count();

    let reader = QrReader::default();
    let run = |full: bool| {
        let mut read = 0;
        let mut false_reads = 0;
        let mut times_1080 = Vec::new();
        let mut times_5mp = Vec::new();
        for e in &entries {
            let mut t = Vec::new();
            let mut result = None;
            for _ in 0..3 {
                let started = Instant::now();
                result = if full {
                    reader.read_full_frame(&e.img)
                } else {
                    reader.read(&e.img)
                };
                t.push(ms(started.elapsed()));
            }
            match (&e.payload, result) {
                (Some(p), Some(c)) if &c.text == p => read += 1,
                (_, Some(_)) => false_reads += 1,
                _ => {}
            }
            if e.res == "1080p" {
                times_1080.push(median(t));
            } else {
                times_5mp.push(median(t));
            }
        }
        (read, false_reads, median(times_1080), median(times_5mp))
    };
    let (read, wrong, m1080, m5mp) = run(false);
    println!("bench: qr_read_shared {read} codes");
    println!("bench: qr_set_with_code {with_code} codes");
    if wrong > 0 {
        println!("bench: qr_wrong_reads {wrong} frames");
    }
    println!("bench: qr_1080p_median_ms {m1080:.2} ms");
    println!("bench: qr_5mp_median_ms {m5mp:.2} ms");
    let (read_full, _, f1080, _) = run(true);
    println!("bench: qr_full_frame_read_shared {read_full} codes");
    println!("bench: qr_full_frame_1080p_median_ms {f1080:.2} ms");

    // MJPEG → luma at 1080p: a colour q90 JPEG of a set frame, like a camera's MJPEG frame.
    let src = entries
        .iter()
        .find(|e| e.res == "1080p")
        .expect("a 1080p frame");
    let rgb = RgbImage::new(
        src.img.width,
        src.img.height,
        src.img
            .data
            .iter()
            .flat_map(|&v| [v.saturating_add(6), v, v.saturating_sub(6)])
            .collect(),
    )
    .expect("sizes match");
    let mjpeg = jpeg::encode_rgb(&rgb, 90).expect("encodes");
    let t: Vec<f64> = (0..30)
        .map(|_| {
            let started = Instant::now();
            let l = jpeg::decode_luma(&mjpeg).expect("decodes");
            let d = ms(started.elapsed());
            assert_eq!(l.width, 1920);
            d
        })
        .collect();
    println!("bench: mjpeg_to_luma_1080p_ms {:.2} ms", median(t));

    // Crop and deskew at 5 MP.
    let mut frame = scene::desk(2592, 1944, 7);
    let page = scene::document_page(1100);
    scene::place(
        &mut frame,
        &page,
        scene::Placement {
            cx: 1300.0,
            cy: 960.0,
            angle_deg: -7.0,
        },
    );
    let rgb = RgbImage::new(
        frame.width,
        frame.height,
        frame.data.iter().flat_map(|&v| [v, v, v]).collect(),
    )
    .expect("sizes match");
    let t: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (out, quad) = auto_crop(&rgb);
            let d = ms(started.elapsed());
            assert!(quad.is_some() && out.width < 1300, "page found");
            d
        })
        .collect();
    println!("bench: crop_deskew_5mp_ms {:.1} ms", median(t));
    drop(entries);

    let diff = read_vs_zxing(&reader);
    println!("bench: qr_read_vs_zxing {diff} frames");
}
