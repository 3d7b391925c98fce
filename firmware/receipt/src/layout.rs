//! Lays a [`ReceiptContent`] out on the paper width of a [`Profile`]: one 1-bit raster with every
//! block drawn into it, QR codes included, plus where each QR code sits.
//!
//! Persian text is right-aligned; headings, titles, codes and QR codes are centred. Sizes are
//! given for 203 dpi and scaled by the profile's dpi. Each QR code has rows of its own (nothing
//! else is drawn beside it), so the encoder can replace exactly those rows with a native
//! `GS ( k` command and the printed result is the same image.

use embedded_graphics::image::{Image, ImageRaw};
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

use crate::canvas::Raster;
use crate::content::{Block, Logo, ReceiptContent};
use crate::fonts::Weight;
use crate::profile::{Profile, ProfileError};
use crate::qr::{QrError, modules, symbol};
use crate::text::{Direction, Line, Style, layout, single_line};

/// Why a receipt could not be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The profile is invalid.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A QR payload cannot be encoded.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// A QR code does not fit the paper even at 4 dots per module.
    #[error("QR code of {modules} modules does not fit {dots} dots at 4 dots per module")]
    QrTooWide {
        /// Modules per side.
        modules: usize,
        /// Paper width.
        dots: u32,
    },
}

/// Where a QR code was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrPlacement {
    /// What it encodes.
    pub payload: String,
    /// First row.
    pub top: u32,
    /// Left column.
    pub left: u32,
    /// Side in dots.
    pub size: u32,
    /// Dots per module used.
    pub module: u8,
}

/// A laid-out receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The whole slip as the printer prints it.
    pub raster: Raster,
    /// QR codes, top to bottom.
    pub qr: Vec<QrPlacement>,
}

#[derive(Clone, Copy)]
enum Align {
    Right,
    Center,
}

struct Pen<'a> {
    profile: &'a Profile,
    canvas: Raster,
    y: i32,
    margin: i32,
    qr: Vec<QrPlacement>,
    draw_qr: bool,
}

impl Pen<'_> {
    fn px(&self, at_203: f32) -> f32 {
        self.profile.scale(at_203)
    }

    fn style(&self, weight: Weight, at_203: f32) -> Style {
        Style::new(weight, self.px(at_203).round())
    }

    fn avail(&self) -> f32 {
        (self.profile.dots as i32 - 2 * self.margin) as f32
    }

    fn gap(&mut self, at_203: f32) {
        self.y += self.px(at_203).round() as i32;
    }

    fn put_line(&mut self, line: &Line, align: Align, right_edge: i32) {
        let style = line.style();
        let h = style.line_height();
        self.canvas.ensure_height((self.y + h).max(0) as u32);
        let w = line.width.ceil() as i32;
        let x = match align {
            Align::Right => right_edge - w,
            Align::Center => (self.profile.dots as i32 - w) / 2,
        };
        line.draw(&mut self.canvas, x, self.y + style.ascent());
        self.y += h;
    }

    fn text(&mut self, text: &str, style: Style, align: Align, max_lines: Option<usize>) {
        let right = self.profile.dots as i32 - self.margin;
        for line in layout(text, style, Direction::Rtl, self.avail(), max_lines) {
            self.put_line(&line, align, right);
        }
    }

    fn rule(&mut self) {
        self.gap(6.0);
        let thick = self.px(2.0).round().max(1.0) as u32;
        self.canvas.ensure_height((self.y as u32) + thick);
        // Half the width, centred: it separates as well and costs half the bytes.
        let width = self.avail() as u32 / 2;
        let area = Rectangle::new(
            Point::new((self.profile.dots - width) as i32 / 2, self.y),
            Size::new(width, thick),
        );
        self.canvas
            .fill_solid(&area, BinaryColor::On)
            .unwrap_or_else(|e| match e {});
        self.y += thick as i32;
        self.gap(8.0);
    }

    fn mark(&mut self, text: &str) {
        let style = self.style(Weight::Bold, 26.0);
        let line = single_line(text, style, Direction::Rtl);
        let pad = self.px(8.0).round() as i32;
        let w = (line.width.ceil() as i32 + 2 * pad).min(self.avail() as i32);
        let h = style.line_height() + pad;
        let x = (self.profile.dots as i32 - w) / 2;
        let top = self.y;
        self.canvas.ensure_height((top + h + 3) as u32);
        Rectangle::new(Point::new(x, top), Size::new(w as u32, h as u32))
            .into_styled(PrimitiveStyle::with_stroke(BinaryColor::On, 3))
            .draw(&mut self.canvas)
            .unwrap_or_else(|e| match e {});
        self.y += pad / 2;
        let right = self.profile.dots as i32 - self.margin;
        self.put_line(&line, Align::Center, right);
        self.y = top + h;
        self.gap(6.0);
    }

    fn code(&mut self, label: &str, code: &str) {
        self.text(label, self.style(Weight::Medium, 18.0), Align::Center, None);
        let mut style = self.style(Weight::Bold, 40.0);
        let mut line = single_line(code, style, Direction::Ltr);
        if line.width > self.avail() {
            style.size = (style.size * self.avail() / line.width).floor();
            line = single_line(code, style, Direction::Ltr);
        }
        let right = self.profile.dots as i32 - self.margin;
        self.put_line(&line, Align::Center, right);
    }

    fn field(&mut self, label: &str, value: &str, direction: Direction) {
        let label_style = self.style(Weight::Bold, 20.0);
        let value_style = self.style(Weight::Medium, 20.0);
        let label_line = single_line(&format!("{label}:"), label_style, Direction::Rtl);
        let gap = self.px(8.0);
        let right = self.profile.dots as i32 - self.margin;
        let value_width = self.avail() - label_line.width - gap;
        let single = single_line(value, value_style, direction);
        if single.width <= value_width {
            let top = self.y;
            self.put_line(&label_line, Align::Right, right);
            self.y = top;
            let value_right = right - (label_line.width + gap).ceil() as i32;
            self.put_line(&single, Align::Right, value_right);
        } else if label_line.width < self.avail() * 0.4 && direction == Direction::Rtl {
            // Hanging: the value wraps in the column left of the label.
            let top = self.y;
            self.put_line(&label_line, Align::Right, right);
            self.y = top;
            let value_right = right - (label_line.width + gap).ceil() as i32;
            for line in layout(value, value_style, direction, value_width, Some(4)) {
                self.put_line(&line, Align::Right, value_right);
            }
        } else {
            self.put_line(&label_line, Align::Right, right);
            for line in layout(value, value_style, direction, self.avail(), Some(4)) {
                self.put_line(&line, Align::Right, right);
            }
        }
    }

    fn qr(&mut self, payload: &str, caption: &str) -> Result<(), LayoutError> {
        let width = modules(payload, self.profile.qr_level)?;
        let side = |module: u8| width as u32 * u32::from(module);
        let mut module = self.profile.qr_module;
        while side(module) > self.avail() as u32 && module > 4 {
            module -= 1;
        }
        if side(module) > self.profile.dots {
            return Err(LayoutError::QrTooWide {
                modules: width,
                dots: self.profile.dots,
            });
        }
        let quiet = 4 * i32::from(module);
        self.y += quiet;
        let size = side(module);
        let left = (self.profile.dots - size) / 2;
        let top = self.y as u32;
        self.canvas.ensure_height(top + size);
        if self.draw_qr {
            symbol(payload, self.profile.qr_level)?.draw(
                &mut self.canvas,
                left as i32,
                top as i32,
                module,
            );
        }
        self.qr.push(QrPlacement {
            payload: payload.to_owned(),
            top,
            left,
            size,
            module,
        });
        self.y += size as i32 + quiet;
        self.text(
            caption,
            self.style(Weight::Medium, 19.0),
            Align::Center,
            Some(2),
        );
        Ok(())
    }

    fn logo(&mut self, logo: &Logo) {
        let avail = self.avail() as u32;
        let factor = logo.width().div_ceil(avail.max(1)).max(1);
        let (w, h) = (logo.width() / factor, logo.height() / factor);
        let stride = w.div_ceil(8) as usize;
        let mut data = vec![0u8; stride * h as usize];
        for y in 0..h {
            for x in 0..w {
                if logo.get(x * factor, y * factor) {
                    data[y as usize * stride + x as usize / 8] |= 0x80 >> (x % 8);
                }
            }
        }
        let raw = ImageRaw::<BinaryColor>::new(&data, w);
        let x = (self.profile.dots as i32 - w as i32) / 2;
        self.canvas.ensure_height(self.y as u32 + h);
        Image::new(&raw, Point::new(x, self.y))
            .draw(&mut self.canvas)
            .unwrap_or_else(|e| match e {});
        self.y += h as i32;
        self.gap(6.0);
    }
}

/// Lays `content` out for `profile`, QR codes drawn whatever the profile's QR mode: the image
/// the printer prints.
pub fn render(content: &ReceiptContent, profile: &Profile) -> Result<Rendered, LayoutError> {
    render_with(content, profile, true)
}

/// Lays `content` out; with `draw_qr` false the QR codes' rows are left blank (the encoder in
/// native mode replaces them with `GS ( k` and needs only their place).
pub fn render_with(
    content: &ReceiptContent,
    profile: &Profile,
    draw_qr: bool,
) -> Result<Rendered, LayoutError> {
    profile.validate()?;
    let mut pen = Pen {
        profile,
        canvas: Raster::new(profile.dots, 0),
        y: 0,
        margin: profile.scale(8.0).round() as i32,
        qr: Vec::new(),
        draw_qr,
    };
    pen.gap(4.0);
    for block in &content.blocks {
        match block {
            Block::Logo(logo) => pen.logo(logo),
            Block::Heading(t) => {
                let s = pen.style(Weight::Bold, 22.0);
                pen.text(t, s, Align::Center, Some(3));
            }
            Block::Subheading(t) => {
                let s = pen.style(Weight::Medium, 20.0);
                pen.text(t, s, Align::Center, Some(2));
            }
            Block::Title(t) => {
                let s = pen.style(Weight::Bold, 26.0);
                pen.text(t, s, Align::Center, Some(2));
            }
            Block::Mark(t) => pen.mark(t),
            Block::Code { label, code } => pen.code(label, code),
            Block::Field {
                label,
                value,
                direction,
            } => pen.field(label, value, *direction),
            Block::Paragraph { text, max_lines } => {
                let s = pen.style(Weight::Medium, 20.0);
                pen.text(text, s, Align::Right, *max_lines);
            }
            Block::Qr { payload, caption } => pen.qr(payload, caption)?,
            Block::Rule => pen.rule(),
            Block::Small(t) => {
                let s = pen.style(Weight::Medium, 19.0);
                pen.text(t, s, Align::Center, Some(4));
            }
        }
    }
    pen.gap(8.0);
    let height = pen.y.max(1) as u32;
    pen.canvas.ensure_height(height);
    pen.canvas.truncate(height);
    Ok(Rendered {
        raster: pen.canvas,
        qr: pen.qr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Variant;

    fn content(blocks: Vec<Block>) -> ReceiptContent {
        ReceiptContent {
            variant: Variant::Receipt,
            blocks,
        }
    }

    /// Runs of inked rows: (first, end) pairs.
    fn ink_runs(r: &Raster) -> Vec<(u32, u32)> {
        let mut runs = Vec::new();
        let mut y = 0;
        while y < r.height() {
            if r.row_is_blank(y) {
                y += 1;
                continue;
            }
            let start = y;
            while y < r.height() && !r.row_is_blank(y) {
                y += 1;
            }
            runs.push((start, y));
        }
        runs
    }

    fn rightmost_ink(r: &Raster, rows: (u32, u32)) -> i32 {
        (0..r.width() as i32)
            .rev()
            .find(|&x| (rows.0..rows.1).any(|y| r.get(x, y as i32)))
            .unwrap_or(-1)
    }

    #[test]
    fn persian_paragraph_lines_are_right_aligned_at_every_width() {
        let text = "این یک متن بلند فارسی است که باید در چند خط شکسته شود و هر خط آن از سمت راست کاغذ شروع شود؛ شامل English و ۱۲۳۴.";
        for profile in [Profile::MM58, Profile::MM80] {
            let r = render(
                &content(vec![Block::Paragraph {
                    text: format!("{text} {text}"),
                    max_lines: None,
                }]),
                &profile,
            )
            .unwrap()
            .raster;
            let runs = ink_runs(&r);
            assert!(runs.len() >= 3, "{} lines at {}", runs.len(), profile.dots);
            let right_margin = profile.dots as i32 - 8;
            for run in runs {
                let right = rightmost_ink(&r, run);
                assert!(
                    (right_margin - 5..=right_margin + 4).contains(&right),
                    "line {run:?} ends at {right}, margin {right_margin}"
                );
            }
        }
    }

    #[test]
    fn qr_rows_hold_only_the_qr_code_and_native_encoding_needs_no_drawing() {
        let c = content(vec![
            Block::Heading("عنوان".to_owned()),
            Block::Qr {
                payload: "https://example.ir/t/1".to_owned(),
                caption: "زیرنویس".to_owned(),
            },
        ]);
        let drawn = render(&c, &Profile::MM80).unwrap();
        let blank = render_with(&c, &Profile::MM80, false).unwrap();
        assert_eq!(drawn.qr, blank.qr);
        let q = &drawn.qr[0];
        assert_eq!(q.module, 5);
        assert_eq!(q.left, (576 - q.size) / 2);
        for y in q.top..q.top + q.size {
            assert!(
                blank.raster.row_is_blank(y),
                "row {y} has ink besides the QR"
            );
            let cols = drawn.raster.ink_bytes(y..y + 1);
            assert!(cols.is_some_and(|c| c.start * 8 >= q.left as usize - 7));
        }
    }

    #[test]
    fn a_qr_code_too_big_for_the_paper_is_an_error() {
        let c = content(vec![Block::Qr {
            payload: "x".repeat(1200),
            caption: String::new(),
        }]);
        assert!(matches!(
            render(&c, &Profile::MM58),
            Err(LayoutError::QrTooWide { .. })
        ));
    }
}
