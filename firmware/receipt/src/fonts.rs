//! The embedded Vazirmatn faces, parsed once.
//!
//! Vazirmatn 33.0.3 (npm package `vazirmatn`, SIL OFL 1.1: `fonts/OFL.txt` beside the files) is
//! embedded with `include_bytes!` so a receipt never depends on what fonts the device has.
//! Medium is the body weight (Regular is too thin on thermal paper), Bold the headings and the
//! tracking code. Each face is parsed twice over the same bytes: by rustybuzz for shaping and by
//! ab_glyph for outlines, glyphs being passed between them by id.

use std::sync::LazyLock;

use ab_glyph::{Font as _, FontRef};

/// Vazirmatn Medium, the body text.
pub static MEDIUM_TTF: &[u8] = include_bytes!("../fonts/Vazirmatn-Medium.ttf");
/// Vazirmatn Bold, headings and the tracking code.
pub static BOLD_TTF: &[u8] = include_bytes!("../fonts/Vazirmatn-Bold.ttf");

/// Which embedded face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    /// Vazirmatn Medium.
    Medium,
    /// Vazirmatn Bold.
    Bold,
}

/// One face, ready for shaping and outlining.
pub struct Face {
    /// For shaping.
    pub shaper: rustybuzz::Face<'static>,
    /// For outlines.
    pub outlines: FontRef<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Self {
        // The bytes are ours and tested (`both_faces_parse`): a failure here is a build defect.
        #[allow(clippy::expect_used)]
        Self {
            shaper: rustybuzz::Face::from_slice(bytes, 0).expect("embedded font parses"),
            outlines: FontRef::try_from_slice(bytes).expect("embedded font parses"),
        }
    }

    /// Font units per em.
    pub fn units_per_em(&self) -> f32 {
        self.shaper.units_per_em() as f32
    }

    /// Whether the face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.outlines.glyph_id(c).0 != 0
    }
}

static MEDIUM: LazyLock<Face> = LazyLock::new(|| Face::load(MEDIUM_TTF));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::load(BOLD_TTF));

/// The parsed face of a weight.
pub fn face(weight: Weight) -> &'static Face {
    match weight {
        Weight::Medium => &MEDIUM,
        Weight::Bold => &BOLD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_parse_and_cover_persian_but_not_emoji() {
        for w in [Weight::Medium, Weight::Bold] {
            let f = face(w);
            assert!(f.units_per_em() > 0.0);
            for c in "پچژگکیلا‌۰۹ABC?\u{FFFD}".chars() {
                assert!(f.covers(c), "{c:?} missing in {w:?}");
            }
            assert!(!f.covers('😀'));
            assert!(!f.covers('□'));
        }
    }
}
