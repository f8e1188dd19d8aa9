//! The case number's QR code as a few vector rectangles: dark modules that touch in a row
//! are merged into one rectangle, which keeps the page's content stream small (a 25×25 code
//! needs ~150 rectangles instead of ~300 squares).

use super::DocumentError;
use qrcode::{EcLevel, QrCode};

/// A run of dark modules, in module units from the top-left of the code (quiet zone
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub row: u32,
    pub col: u32,
    pub len: u32,
}

/// Modules of quiet zone on each side.
pub const QUIET: u32 = 4;

/// The dark runs of `data`'s QR code (error correction M) and the code's side in modules,
/// quiet zone included.
pub fn qr_runs(data: &str) -> Result<(Vec<Run>, u32), DocumentError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| {
        DocumentError::Qr {
            data: data.to_string(),
            detail: e.to_string(),
        }
    })?;
    let width = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for (r, row) in colors.chunks(width.max(1)).enumerate() {
        let mut start: Option<usize> = None;
        for (c, color) in row
            .iter()
            .chain(std::iter::once(&qrcode::Color::Light))
            .enumerate()
        {
            match (color, start) {
                (qrcode::Color::Dark, None) => start = Some(c),
                (qrcode::Color::Light, Some(s)) => {
                    runs.push(Run {
                        row: r as u32 + QUIET,
                        col: s as u32 + QUIET,
                        len: (c - s) as u32,
                    });
                    start = None;
                }
                _ => {}
            }
        }
    }
    Ok((runs, width as u32 + 2 * QUIET))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let data = "YC-440100-20261123-0001";
        let (runs, side) = qr_runs(data).unwrap();
        let code = QrCode::with_error_correction_level(data, EcLevel::M).unwrap();
        let w = code.width() as u32;
        assert_eq!(side, w + 2 * QUIET);
        let mut grid = vec![false; (w * w) as usize];
        for run in &runs {
            for c in run.col..run.col + run.len {
                let i = ((run.row - QUIET) * w + (c - QUIET)) as usize;
                assert!(!grid[i], "overlap");
                grid[i] = true;
            }
        }
        let dark: Vec<bool> = code
            .to_colors()
            .iter()
            .map(|c| *c == qrcode::Color::Dark)
            .collect();
        assert_eq!(grid, dark);
        assert!(runs.len() < dark.iter().filter(|d| **d).count() / 2 + 50);
    }

    #[test]
    fn data_too_long_is_an_error() {
        assert!(matches!(
            qr_runs(&"号".repeat(3000)),
            Err(DocumentError::Qr { .. })
        ));
    }
}
