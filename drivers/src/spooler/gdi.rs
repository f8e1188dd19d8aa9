//! A4 printing through the Windows print spooler with GDI (issue 19, K1).
//!
//! Windows printers are reached through their driver, not IPP: the app opens a printer device
//! context (`CreateDCW` on the printer's name), draws each laid-out page itself — text in the
//! bundled CJK font (loaded for this process only with `AddFontMemResourceEx`, so nothing is
//! installed on the machine), rules and filled rectangles — between `StartDocW`/`StartPage`
//! and `EndPage`/`EndDoc`, and then follows the spooler job (`GetJobW`) to completion or to a
//! printer condition the clerk can act on (paper out, jam, offline…). The document layout is
//! the project's own ([`PrintPage`] is what the core's layout produces), so a notice printed on
//! Windows is set like the PDF on Linux.
//!
//! The geometry ([`DeviceGeometry`], [`device_ops`]) is pure and tested on every OS; the GDI
//! and winspool calls exist on Windows only.

use super::error::{Condition, SpoolerError};

/// One laid-out element, in millimetres from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum PageItem {
    /// One line of text; `y` is its baseline.
    Text {
        x: f32,
        y: f32,
        size_pt: f32,
        text: String,
    },
    /// A straight line `width_pt` thick.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width_pt: f32,
    },
    /// A filled rectangle (top-left corner, size); `gray` 0 is black, 1 white.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintPage {
    pub items: Vec<PageItem>,
}

/// A font the pages are set in, handed to GDI from memory.
#[derive(Debug, Clone, Copy)]
pub struct PrintFont {
    /// The TrueType font or collection.
    pub bytes: &'static [u8],
    /// Its family name as GDI knows it (the `name` table's family).
    pub family: &'static str,
}

/// What a printer's device context says about its page: resolution and the unprintable margin
/// (`GetDeviceCaps` `LOGPIXELSX/Y`, `PHYSICALOFFSETX/Y`). Device coordinates start at the
/// printable area's corner, so a point `mm` from the paper's edge is at
/// `mm / 25.4 × dpi − offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceGeometry {
    pub dpi_x: i32,
    pub dpi_y: i32,
    pub offset_x: i32,
    pub offset_y: i32,
}

/// A drawing call in device units, in the order it is made.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceOp {
    /// A filled rectangle `[left, top, right, bottom)` in `rgb` (0x00BBGGRR, GDI's COLORREF).
    Fill {
        left: i32,
        top: i32,
        right: i32,
        bottom: i32,
        rgb: u32,
    },
    Line {
        x1: i32,
        y1: i32,
        x2: i32,
        y2: i32,
        width: i32,
    },
    /// Text with its baseline's left end at `(x, y)`, `height` the font's em height in device
    /// units (passed to `CreateFontW` negated: character height, not cell height).
    Text {
        x: i32,
        y: i32,
        height: i32,
        text: Vec<u16>,
    },
}

fn finite(v: f32) -> f32 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

impl DeviceGeometry {
    pub fn x(&self, mm: f32) -> i32 {
        (finite(mm) / 25.4 * self.dpi_x as f32).round() as i32 - self.offset_x
    }

    pub fn y(&self, mm: f32) -> i32 {
        (finite(mm) / 25.4 * self.dpi_y as f32).round() as i32 - self.offset_y
    }

    /// Points to device units along y, at least one unit.
    fn pt_y(&self, pt: f32) -> i32 {
        ((finite(pt) / 72.0 * self.dpi_y as f32).round() as i32).max(1)
    }
}

/// `gray` (0 black … 1 white) as a GDI COLORREF.
pub fn gray_rgb(gray: f32) -> u32 {
    let level = (finite(gray).clamp(0.0, 1.0) * 255.0).round() as u32;
    level | level << 8 | level << 16
}

/// The drawing calls for one page: fills first (shadings, QR modules), then rules, then text
/// on top — the order the PDF renderer paints in.
pub fn device_ops(page: &PrintPage, geo: &DeviceGeometry) -> Vec<DeviceOp> {
    let mut ops = Vec::with_capacity(page.items.len());
    for item in &page.items {
        if let PageItem::Fill { x, y, w, h, gray } = item {
            let (left, top) = (geo.x(*x), geo.y(*y));
            // Edges from the rounded far corner, so adjacent QR modules leave no seams.
            let (right, bottom) = (geo.x(x + w), geo.y(y + h));
            if right > left && bottom > top {
                ops.push(DeviceOp::Fill {
                    left,
                    top,
                    right,
                    bottom,
                    rgb: gray_rgb(*gray),
                });
            }
        }
    }
    for item in &page.items {
        if let PageItem::Rule {
            x1,
            y1,
            x2,
            y2,
            width_pt,
        } = item
        {
            ops.push(DeviceOp::Line {
                x1: geo.x(*x1),
                y1: geo.y(*y1),
                x2: geo.x(*x2),
                y2: geo.y(*y2),
                width: geo.pt_y(*width_pt),
            });
        }
    }
    for item in &page.items {
        if let PageItem::Text {
            x,
            y,
            size_pt,
            text,
        } = item
        {
            if text.is_empty() {
                continue;
            }
            ops.push(DeviceOp::Text {
                x: geo.x(*x),
                y: geo.y(*y),
                height: geo.pt_y(*size_pt),
                text: text.encode_utf16().collect(),
            });
        }
    }
    ops
}

/// Windows' rule for printer names: 1–220 characters, no `,` and no `\` except the
/// `\\server\printer` form of a shared printer.
pub fn validate_printer_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 || count > 220 {
        return Err(format!(
            "printer name must have 1..=220 characters, got {name:?}"
        ));
    }
    if let Some(c) = name.chars().find(|c| c.is_control() || *c == ',') {
        return Err(format!("printer name {name:?} contains {c:?}"));
    }
    let local = name.strip_prefix(r"\\").map_or(Some(name), |rest| {
        // \\server\printer: exactly one separator after the server.
        rest.split_once('\\').map(
            |(server, printer)| {
                if server.is_empty() {
                    "\\"
                } else {
                    printer
                }
            },
        )
    });
    match local {
        Some(rest) if !rest.contains('\\') && !rest.is_empty() => Ok(()),
        _ => Err(format!(
            "printer name {name:?}: a local name has no '\\'; a shared one is \\\\server\\printer"
        )),
    }
}

/// A job's `Status` bits (`JOB_INFO_1W`) as the outcome so far: `Ok(true)` printed,
/// `Ok(false)` still going, `Err` what keeps it from printing.
pub fn job_outcome(status: u32, job: i32, printer: &str) -> Result<bool, SpoolerError> {
    const PAUSED: u32 = 0x1;
    const ERROR: u32 = 0x2;
    const DELETING: u32 = 0x4;
    const OFFLINE: u32 = 0x20;
    const PAPEROUT: u32 = 0x40;
    const PRINTED: u32 = 0x80;
    const DELETED: u32 = 0x100;
    const BLOCKED_DEVQ: u32 = 0x200;
    const USER_INTERVENTION: u32 = 0x400;
    const COMPLETE: u32 = 0x1000;
    let printer_condition = |condition: Condition| SpoolerError::Printer {
        queue: printer.to_string(),
        condition,
        reasons: format!("job status {status:#x}"),
    };
    if status & (PRINTED | COMPLETE) != 0 {
        Ok(true)
    } else if status & PAPEROUT != 0 {
        Err(printer_condition(Condition::PaperOut))
    } else if status & OFFLINE != 0 {
        Err(printer_condition(Condition::Offline))
    } else if status & (DELETED | DELETING) != 0 {
        Err(SpoolerError::JobCancelled {
            job,
            reasons: format!("job status {status:#x}"),
        })
    } else if status & (ERROR | USER_INTERVENTION | BLOCKED_DEVQ) != 0 {
        Err(SpoolerError::JobAborted {
            job,
            reasons: format!("job status {status:#x}"),
        })
    } else if status & PAUSED != 0 {
        Err(printer_condition(Condition::Stopped))
    } else {
        Ok(false)
    }
}

/// The printer's `Status` bits (`PRINTER_INFO_2W`) as the condition that keeps it from
/// printing, if any.
pub fn printer_condition(status: u32) -> Option<Condition> {
    const PAUSED: u32 = 0x1;
    const PAPER_JAM: u32 = 0x8;
    const PAPER_OUT: u32 = 0x10;
    const PAPER_PROBLEM: u32 = 0x40;
    const OFFLINE: u32 = 0x80;
    const NOT_AVAILABLE: u32 = 0x1000;
    const NO_TONER: u32 = 0x40000;
    const DOOR_OPEN: u32 = 0x400000;
    const SERVER_UNKNOWN: u32 = 0x800000;
    if status & (PAPER_OUT | PAPER_PROBLEM) != 0 {
        Some(Condition::PaperOut)
    } else if status & PAPER_JAM != 0 {
        Some(Condition::PaperJam)
    } else if status & DOOR_OPEN != 0 {
        Some(Condition::CoverOpen)
    } else if status & NO_TONER != 0 {
        Some(Condition::TonerEmpty)
    } else if status & (OFFLINE | NOT_AVAILABLE | SERVER_UNKNOWN) != 0 {
        Some(Condition::Offline)
    } else if status & PAUSED != 0 {
        Some(Condition::Stopped)
    } else {
        None
    }
}

#[cfg(windows)]
pub use win::WinSpooler;

#[cfg(windows)]
mod win;

#[cfg(test)]
mod tests {
    use super::*;

    const GEO: DeviceGeometry = DeviceGeometry {
        dpi_x: 600,
        dpi_y: 600,
        offset_x: 100,
        offset_y: 50,
    };

    #[test]
    fn k1_millimetres_become_device_units_from_the_printable_corner() {
        // 25.4 mm is one inch: 600 units from the paper's edge, less the margin.
        assert_eq!(GEO.x(25.4), 500);
        assert_eq!(GEO.y(25.4), 550);
        assert_eq!(GEO.x(0.0), -100);
        assert_eq!(GEO.x(f32::NAN), -100);
        assert_eq!(GEO.y(297.0), 7016 - 50);
    }

    #[test]
    fn k1_fills_then_rules_then_text_like_the_pdf() {
        let page = PrintPage {
            items: vec![
                PageItem::Text {
                    x: 25.0,
                    y: 40.0,
                    size_pt: 12.0,
                    text: "受理通知书".into(),
                },
                PageItem::Rule {
                    x1: 25.0,
                    y1: 50.0,
                    x2: 185.0,
                    y2: 50.0,
                    width_pt: 0.6,
                },
                PageItem::Fill {
                    x: 30.0,
                    y: 60.0,
                    w: 0.5,
                    h: 0.5,
                    gray: 0.0,
                },
                PageItem::Text {
                    x: 25.0,
                    y: 70.0,
                    size_pt: 12.0,
                    text: String::new(),
                },
            ],
        };
        let ops = device_ops(&page, &GEO);
        assert_eq!(ops.len(), 3, "the empty line draws nothing: {ops:?}");
        assert!(matches!(ops[0], DeviceOp::Fill { rgb: 0, .. }));
        assert!(matches!(ops[1], DeviceOp::Line { width: 5, .. }));
        match &ops[2] {
            DeviceOp::Text { x, y, height, text } => {
                assert_eq!((*x, *y, *height), (491, 895, 100));
                assert_eq!(String::from_utf16(text).unwrap(), "受理通知书");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn k1_adjacent_modules_share_their_edge() {
        let modules = |x: f32| PageItem::Fill {
            x,
            y: 10.0,
            w: 0.37,
            h: 0.37,
            gray: 0.0,
        };
        let page = PrintPage {
            items: vec![modules(10.0), modules(10.37)],
        };
        let ops = device_ops(&page, &GEO);
        let (DeviceOp::Fill { right, .. }, DeviceOp::Fill { left, .. }) = (&ops[0], &ops[1]) else {
            panic!("{ops:?}")
        };
        assert_eq!(right, left);
    }

    #[test]
    fn k1_gray_levels_are_colorrefs() {
        assert_eq!(gray_rgb(0.0), 0);
        assert_eq!(gray_rgb(1.0), 0x00ff_ffff);
        assert_eq!(gray_rgb(0.9), 0x00e6_e6e6);
        assert_eq!(gray_rgb(f32::INFINITY), 0);
    }

    #[test]
    fn k1_windows_printer_names() {
        for good in ["HP LaserJet Pro M404", "柜台A4打印机", r"\\print01\A4-2F"] {
            assert!(validate_printer_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "a,b",
            "a\\b",
            r"\\\x",
            r"\\server\",
            "x\n",
            &"p".repeat(221),
        ] {
            assert!(validate_printer_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn k1_job_and_printer_status_bits_are_typed() {
        assert!(matches!(job_outcome(0x80, 7, "p"), Ok(true)));
        assert!(matches!(job_outcome(0x1000, 7, "p"), Ok(true)));
        assert!(matches!(job_outcome(0x10, 7, "p"), Ok(false)), "spooling");
        assert!(matches!(
            job_outcome(0x40 | 0x2, 7, "p"),
            Err(SpoolerError::Printer {
                condition: Condition::PaperOut,
                ..
            })
        ));
        assert!(matches!(
            job_outcome(0x100, 7, "p"),
            Err(SpoolerError::JobCancelled { job: 7, .. })
        ));
        assert!(matches!(
            job_outcome(0x2, 7, "p"),
            Err(SpoolerError::JobAborted { .. })
        ));
        assert_eq!(printer_condition(0), None);
        assert_eq!(printer_condition(0x8), Some(Condition::PaperJam));
        assert_eq!(printer_condition(0x400000), Some(Condition::CoverOpen));
        assert_eq!(printer_condition(0x80), Some(Condition::Offline));
        assert_eq!(printer_condition(0x1), Some(Condition::Stopped));
    }
}
