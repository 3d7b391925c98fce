//! QR symbols, the same for the preview, the raster and the test decoder.
//!
//! Payloads are encoded in byte mode at the smallest version that holds them, which is what a
//! printer's own `GS ( k` engine does with the bytes we store; so the raster QR we draw and the
//! native QR the printer draws are the same symbol, and the preview shows what will be printed.

use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::Color;
use qrcode::{EcLevel, Version};

use crate::canvas::Raster;
use crate::profile::QrLevel;

/// Why a QR code could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// Nothing to encode.
    #[error("QR payload is empty")]
    Empty,
    /// More than a version-40 symbol holds at that level.
    #[error("QR payload of {0} bytes does not fit in a QR code")]
    TooLong(usize),
}

/// A QR symbol: `width`×`width` modules, `true` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// Modules per side.
    pub width: usize,
    modules: Vec<bool>,
}

fn ec(level: QrLevel) -> EcLevel {
    match level {
        QrLevel::M => EcLevel::M,
        QrLevel::Q => EcLevel::Q,
    }
}

/// The bits of `payload` in byte mode at the smallest version that holds them.
fn bits(payload: &str, level: QrLevel) -> Result<Bits, QrError> {
    if payload.is_empty() {
        return Err(QrError::Empty);
    }
    let data = payload.as_bytes();
    (1..=40i16)
        .find_map(|v| {
            let mut bits = Bits::new(Version::Normal(v));
            (bits.push_byte_data(data).is_ok() && bits.push_terminator(ec(level)).is_ok())
                .then_some(bits)
        })
        .ok_or(QrError::TooLong(data.len()))
}

/// Modules per side of the symbol [`symbol`] would make, without making it (the layout of a
/// native QR code only needs its size; drawing it costs milliseconds with the `qrcode` crate).
pub fn modules(payload: &str, level: QrLevel) -> Result<usize, QrError> {
    match bits(payload, level)?.version() {
        Version::Normal(v) => Ok(17 + 4 * v as usize),
        Version::Micro(v) => Ok(9 + 2 * v as usize),
    }
}

/// Encodes `payload` in byte mode at the smallest version, with the mask of lowest penalty.
///
/// The `qrcode` crate draws the symbol; the mask is chosen here by the four penalty rules of
/// ISO/IEC 18004 (runs, 2×2 blocks, finder-like patterns, balance) computed on a flat module
/// array: the crate's own `apply_best_mask` takes ~2.5 ms for a version-9 symbol, this
/// ~0.4 ms. Its choice is the crate's (the golden images did not change).
pub fn symbol(payload: &str, level: QrLevel) -> Result<Symbol, QrError> {
    let bits = bits(payload, level)?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (codewords, ec_words) = qrcode::ec::construct_codewords(&data, version, ec(level))
        .map_err(|_| QrError::TooLong(payload.len()))?;
    let mut canvas = Canvas::new(version, ec(level));
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec_words);
    let width = version.width().max(0) as usize;
    // Score each mask on the symbol as it would be printed (format information included).
    let best = MASKS
        .iter()
        .min_by_key(|&&mask| {
            let mut masked = canvas.clone();
            masked.apply_mask(mask);
            let modules: Vec<bool> = masked
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            penalty(&modules, width)
        })
        .copied()
        .ok_or(QrError::TooLong(payload.len()))?;
    canvas.apply_mask(best);
    let best: Vec<bool> = canvas
        .into_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok(Symbol {
        width,
        modules: best,
    })
}

const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// ISO/IEC 18004 mask penalty (N1 = 3, N2 = 3, N3 = 40, N4 = 10) of a `width`² symbol.
///
/// Written without data-dependent branches (runs counted with a running length, finder-like
/// patterns with a sliding 15-module window): on a real symbol the modules are random and a
/// branchy version spends its time in mispredictions.
pub(crate) fn penalty(m: &[bool], width: usize) -> u32 {
    let mut columns = vec![false; width * width];
    for y in 0..width {
        for x in 0..width {
            columns[x * width + y] = m[y * width + x];
        }
    }
    // 1011101 then four light; four light then 1011101; both (one pattern, counted once).
    const AFTER: u32 = 0b101_1101_0000;
    const BEFORE: u32 = 0b000_0101_1101;
    const BOTH: u32 = 0b000_0101_1101_0000;
    let mut score = 0u32;
    for grid in [m, &columns[..]] {
        for line in grid.chunks_exact(width) {
            // N1: a run scores 3 at its fifth module and 1 more for each further one.
            let mut run = 1u32;
            for i in 1..width {
                let same = u32::from(line[i] == line[i - 1]);
                run = same * run + 1;
                score += 3 * u32::from(run == 5) + u32::from(run > 5);
            }
            // N3, over the line with four light modules either side (outside is light).
            let mut window = 0u32;
            for i in 0..width + 8 {
                let dark = i >= 4 && i < width + 4 && line[i - 4];
                window = ((window << 1) | u32::from(dark)) & 0x7FFF;
                let w11 = window & 0x7FF;
                score += 40 * (u32::from(w11 == AFTER) + u32::from(w11 == BEFORE));
                score -= 40 * u32::from(window == BOTH);
            }
        }
    }
    // N2: 2×2 blocks of one colour.
    for y in 0..width - 1 {
        let (top, bottom) = (
            &m[y * width..(y + 1) * width],
            &m[(y + 1) * width..(y + 2) * width],
        );
        for x in 0..width - 1 {
            let c = top[x];
            score += 3 * u32::from((top[x + 1] == c) & (bottom[x] == c) & (bottom[x + 1] == c));
        }
    }
    // N4: balance of dark and light, 10 points per 5 % away from half.
    let dark = m.iter().filter(|&&d| d).count();
    let percent = dark * 100 / m.len().max(1);
    score += 10 * (percent.abs_diff(50) / 5) as u32;
    score
}

impl Symbol {
    /// Whether module (x, y) is dark.
    pub fn dark(&self, x: usize, y: usize) -> bool {
        self.modules[y * self.width + x]
    }

    /// Side in dots at `module` dots per module (no quiet zone).
    pub fn size(&self, module: u8) -> u32 {
        self.width as u32 * u32::from(module)
    }

    /// Draws the symbol with its top-left corner at (x, y).
    pub fn draw(&self, canvas: &mut Raster, x: i32, y: i32, module: u8) {
        let m = i32::from(module);
        for my in 0..self.width {
            for mx in 0..self.width {
                if self.dark(mx, my) {
                    let area = Rectangle::new(
                        Point::new(x + mx as i32 * m, y + my as i32 * m),
                        Size::new(u32::from(module), u32::from(module)),
                    );
                    canvas
                        .fill_solid(&area, BinaryColor::On)
                        .unwrap_or_else(|e| match e {});
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::QrCode;

    #[test]
    fn smallest_byte_mode_version_is_chosen() {
        let s = symbol("1000120000004275", QrLevel::M).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.width, 25,
            "16 bytes need version 2-M in byte mode (1-M holds 14)"
        );
        let long = "x".repeat(200);
        let big = symbol(&long, QrLevel::Q).unwrap_or_else(|e| panic!("{e}"));
        assert!(big.width > 41);
        assert_eq!(symbol("", QrLevel::M), Err(QrError::Empty));
        assert_eq!(
            symbol(&"x".repeat(3000), QrLevel::M),
            Err(QrError::TooLong(3000))
        );
        for len in [1, 14, 15, 100, 400] {
            let p = "y".repeat(len);
            for level in [QrLevel::M, QrLevel::Q] {
                let s = symbol(&p, level).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(modules(&p, level), Ok(s.width), "{len} {level:?}");
            }
        }
    }

    #[test]
    fn penalty_rules_score_what_they_should() {
        // 5×5 all light: N1 = 5 rows + 5 columns of a 5-run (3 each) = 30, N2 = 16 blocks × 3
        // = 48, N4 = 0 % dark → 10 × 10 = 100.
        assert_eq!(penalty(&[false; 25], 5), 30 + 48 + 100);
        // A finder-like 1011101 in a light 19×19 field scores N3 (40); breaking its centre
        // removes that and changes the other rules by a few points only.
        let mut m = vec![false; 19 * 19];
        for (x, dark) in [1, 0, 1, 1, 1, 0, 1].iter().enumerate() {
            m[9 * 19 + 6 + x] = *dark == 1;
        }
        let with = penalty(&m, 19);
        m[9 * 19 + 9] = false;
        let without = penalty(&m, 19);
        assert!(with >= without + 30, "N3 counted: {with} vs {without}");
    }

    #[test]
    fn the_mask_chosen_is_the_qrcode_crates_choice() {
        let payloads = [
            "1".to_owned(),
            "https://samad.example.ir/t/1000120000004275".to_owned(),
            crate::sample::SAMPLE_SATISFACTION_URL.to_owned(),
            "https://rahvar.example.ir/plak".to_owned(),
            "k".repeat(90),
            (0..300)
                .map(|i| char::from(b'!' + (i * 7 % 90) as u8))
                .collect(),
        ];
        for payload in &payloads {
            for level in [QrLevel::M, QrLevel::Q] {
                let ours = symbol(payload, level).unwrap_or_else(|e| panic!("{e}"));
                let theirs = QrCode::with_bits(
                    bits(payload, level).unwrap_or_else(|e| panic!("{e}")),
                    ec(level),
                )
                .unwrap_or_else(|e| panic!("{e}"));
                let theirs: Vec<bool> = theirs
                    .to_colors()
                    .iter()
                    .map(|c| *c == Color::Dark)
                    .collect();
                assert_eq!(ours.modules, theirs, "{payload} {level:?}");
            }
        }
    }

    #[test]
    fn symbols_decode_at_every_mask_choice_and_level() {
        for payload in [
            "1",
            "https://samad.example.ir/t/1000120000004275",
            &"z".repeat(300),
        ] {
            for level in [QrLevel::M, QrLevel::Q] {
                let s = symbol(payload, level).unwrap_or_else(|e| panic!("{e}"));
                let mut r = Raster::new(s.size(4) + 64, s.size(4) + 64);
                s.draw(&mut r, 32, 32, 4);
                let mut img = rqrr::PreparedImage::prepare_from_greyscale(
                    r.width() as usize,
                    r.height() as usize,
                    |x, y| if r.get(x as i32, y as i32) { 0 } else { 255 },
                );
                let grids = img.detect_grids();
                assert_eq!(grids.len(), 1);
                let (_, text) = grids[0].decode().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(text, payload);
            }
        }
    }

    #[test]
    fn drawn_symbol_has_finder_patterns_at_module_size() {
        let s = symbol("abc", QrLevel::M).unwrap_or_else(|e| panic!("{e}"));
        let mut r = Raster::new(200, 200);
        s.draw(&mut r, 10, 10, 4);
        // Top-left finder: dark 7×7 ring, its corner module is 4×4 dots.
        for d in 0..4 {
            assert!(r.get(10 + d, 10 + d));
        }
        assert!(!r.get(9, 9));
        assert!(!r.get(10 + 4, 10 + 4), "second ring is light");
        assert_eq!(s.size(4), 84);
    }
}
