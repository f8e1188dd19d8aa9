//! The one font every document is set in: WenQuanYi Micro Hei, face 0 of the TTC in
//! `assets/fonts/`, compiled into the binary so the app finds it in development and when
//! installed. It is parsed once per process (a few tens of milliseconds for 5 MB) and shared
//! by every document; each PDF then embeds only the glyphs it uses.

use super::DocumentError;
use printpdf::ParsedFont;
use std::sync::OnceLock;

/// The bundled TrueType collection.
pub const FONT_BYTES: &[u8] = include_bytes!("../../../../assets/fonts/wqy-microhei.ttc");
/// Micro Hei (face 1 is its monospaced sibling).
pub const FONT_FACE: usize = 0;

/// Glyph advances: how wide a character is set at a given size. The layout only needs this,
/// so it can be tested with fixed widths.
pub trait Measure {
    /// Advance of `c` in millimetres at `size_pt` points.
    fn advance_mm(&self, c: char, size_pt: f32) -> f32;
    /// Distance from the top of a line box to the baseline, as a fraction of the size.
    fn ascent(&self) -> f32 {
        0.8
    }
}

/// The parsed bundled font and what the layout reads from it.
pub struct BundledFont {
    pub parsed: ParsedFont,
    units_per_em: f32,
    ascent: f32,
    /// Advance of the glyph a missing character is set with (.notdef), in font units.
    notdef_advance: f32,
}

impl std::fmt::Debug for BundledFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundledFont")
            .field("units_per_em", &self.units_per_em)
            .finish_non_exhaustive()
    }
}

pub const PT_TO_MM: f32 = 25.4 / 72.0;

impl BundledFont {
    fn parse() -> Option<BundledFont> {
        let parsed = ParsedFont::from_bytes(FONT_BYTES, FONT_FACE, &mut Vec::new())?;
        let metrics = &parsed.font_metrics;
        let units_per_em = f32::from(metrics.units_per_em.max(1));
        let ascent = (metrics.ascent / units_per_em).clamp(0.5, 1.2);
        let notdef_advance = f32::from(parsed.get_horizontal_advance(0));
        Some(BundledFont {
            units_per_em,
            ascent,
            notdef_advance: if notdef_advance > 0.0 {
                notdef_advance
            } else {
                units_per_em
            },
            parsed,
        })
    }

    /// Whether the font has a glyph for `c` (the test page shows which rare characters
    /// are covered).
    pub fn covers(&self, c: char) -> bool {
        self.parsed
            .lookup_glyph_index(c as u32)
            .is_some_and(|g| g != 0)
    }
}

impl Measure for BundledFont {
    fn advance_mm(&self, c: char, size_pt: f32) -> f32 {
        let units = match self.parsed.lookup_glyph_index(c as u32) {
            Some(gid) if gid != 0 => f32::from(self.parsed.get_horizontal_advance(gid)),
            _ => self.notdef_advance,
        };
        units / self.units_per_em * size_pt * PT_TO_MM
    }

    fn ascent(&self) -> f32 {
        self.ascent
    }
}

/// The bundled font, parsed on first use.
pub fn bundled() -> Result<&'static BundledFont, DocumentError> {
    static FONT: OnceLock<Option<BundledFont>> = OnceLock::new();
    FONT.get_or_init(BundledFont::parse)
        .as_ref()
        .ok_or(DocumentError::Font)
}
