//! Accessibility figures computed from the theme: WCAG contrast of every text colour on the
//! background it is drawn on (read from the compiled `Theme` global, not from a copy), and
//! touch-target sizes in millimetres on the configured panel.

use slint::{Color, ComponentHandle as _};

use crate::{KioskWindow, Theme};

/// The display panel: its size decides how many pixels 9 mm is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Panel {
    /// Diagonal in inches.
    pub diagonal_in: f32,
    /// Width in pixels.
    pub width_px: u32,
    /// Height in pixels.
    pub height_px: u32,
}

impl Panel {
    /// The kiosk's panel: the official Raspberry Pi-class 10.1" 1280×800 touchscreen.
    pub const TEN_INCH_1280X800: Panel = Panel {
        diagonal_in: 10.1,
        width_px: 1280,
        height_px: 800,
    };

    /// A panel from its resolution and active area in millimetres (as the visitor sees it,
    /// after rotation): the diagonal is computed from the two sides.
    pub fn from_mm(width_px: u32, height_px: u32, width_mm: f32, height_mm: f32) -> Panel {
        Panel {
            diagonal_in: (width_mm * width_mm + height_mm * height_mm).sqrt() / 25.4,
            width_px,
            height_px,
        }
    }

    /// Pixels per millimetre.
    pub fn px_per_mm(&self) -> f32 {
        let w = self.width_px as f32;
        let h = self.height_px as f32;
        (w * w + h * h).sqrt() / (self.diagonal_in * 25.4)
    }

    /// A length in millimetres, in pixels.
    pub fn mm_to_px(&self, mm: f32) -> f32 {
        mm * self.px_per_mm()
    }

    /// A length in pixels, in millimetres.
    pub fn px_to_mm(&self, px: f32) -> f32 {
        px / self.px_per_mm()
    }

    /// The smallest touch target allowed: at least 44 px and at least 9 mm.
    pub fn min_target_px(&self) -> f32 {
        self.mm_to_px(9.0).max(44.0)
    }
}

impl Default for Panel {
    fn default() -> Self {
        Self::TEN_INCH_1280X800
    }
}

/// WCAG 2 relative luminance of an opaque colour.
pub fn relative_luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
}

/// WCAG 2 contrast ratio (1 to 21) of two opaque colours.
pub fn contrast_ratio(a: Color, b: Color) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// One text colour on the background it is drawn on.
#[derive(Debug, Clone, PartialEq)]
pub struct ContrastPair {
    /// Where it is used.
    pub name: &'static str,
    /// Text colour.
    pub fg: Color,
    /// Background.
    pub bg: Color,
}

impl ContrastPair {
    /// Its contrast ratio.
    pub fn ratio(&self) -> f64 {
        contrast_ratio(self.fg, self.bg)
    }
}

/// Every text-on-background pair the pages draw, with the palette currently selected in the
/// window's `Theme` (set `palette` first to measure another one).
pub fn text_pairs(window: &KioskWindow) -> Vec<ContrastPair> {
    let t = window.global::<Theme>();
    let pair = |name, fg, bg| ContrastPair { name, fg, bg };
    vec![
        pair("text on page", t.get_text(), t.get_page()),
        pair("muted on page", t.get_muted(), t.get_page()),
        pair("text on surface", t.get_text(), t.get_surface()),
        pair("muted on surface", t.get_muted(), t.get_surface()),
        pair("label on primary", t.get_on_primary(), t.get_primary()),
        pair("error on surface", t.get_error(), t.get_surface()),
        pair("error on page", t.get_error(), t.get_page()),
    ]
}

/// Non-text indicators (focus ring, borders) against the page: WCAG asks 3:1 for these.
pub fn indicator_pairs(window: &KioskWindow) -> Vec<ContrastPair> {
    let t = window.global::<Theme>();
    let pair = |name, fg, bg| ContrastPair { name, fg, bg };
    vec![
        pair("focus ring on page", t.get_focus(), t.get_page()),
        pair("focus ring on surface", t.get_focus(), t.get_surface()),
        pair("border on page", t.get_border(), t.get_page()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wcag_reference_values() {
        let black = Color::from_rgb_u8(0, 0, 0);
        let white = Color::from_rgb_u8(255, 255, 255);
        assert!((contrast_ratio(black, white) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(white, white) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = Color::from_rgb_u8(0x76, 0x76, 0x76);
        assert!((contrast_ratio(grey, white) - 4.54).abs() < 0.01);
    }

    #[test]
    fn nine_millimetres_on_the_ten_inch_panel() {
        let p = Panel::TEN_INCH_1280X800;
        assert!((p.px_per_mm() - 5.884).abs() < 0.01, "{}", p.px_per_mm());
        assert!(
            (p.min_target_px() - 52.95).abs() < 0.1,
            "{}",
            p.min_target_px()
        );
        // A small high-resolution panel: 9 mm is fewer pixels but never under 44.
        let tiny = Panel {
            diagonal_in: 30.0,
            width_px: 800,
            height_px: 480,
        };
        assert_eq!(tiny.min_target_px(), 44.0);
        // The same 10.1" panel described by its active area (217 × 136 mm).
        let mm = Panel::from_mm(1280, 800, 217.0, 136.0);
        assert!((mm.diagonal_in - 10.08).abs() < 0.01, "{}", mm.diagonal_in);
        assert!((mm.px_per_mm() - 5.9).abs() < 0.01, "{}", mm.px_per_mm());
        // A 7" 800×480 panel (154 × 86 mm): 9 mm is 47.6 px, above the 44 px floor.
        let seven = Panel::from_mm(800, 480, 154.0, 86.0);
        assert!(
            (seven.min_target_px() - 47.6).abs() < 0.2,
            "{}",
            seven.min_target_px()
        );
    }
}
