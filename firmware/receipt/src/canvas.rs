//! The 1-bit canvas everything on a receipt is drawn into.
//!
//! A thermal head prints dots, so the canvas stores exactly that: one bit per dot, rows padded to
//! whole bytes, most significant bit leftmost — the layout `GS v 0` sends and PNG's 1-bit
//! grayscale stores, so neither needs a conversion pass. It implements embedded-graphics'
//! [`DrawTarget`] (lines, boxes, QR modules and images come from there) and has a fast
//! [`Raster::set`] for glyphs. The height grows as the layout goes down the paper.

use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// A 1-bit image: `true`/[`BinaryColor::On`] is a printed (black) dot.
#[derive(Clone, PartialEq, Eq)]
pub struct Raster {
    width: u32,
    height: u32,
    stride: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for Raster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Raster({}×{})", self.width, self.height)
    }
}

impl Raster {
    /// A blank raster.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = (width as usize).div_ceil(8);
        Self {
            width,
            height,
            stride,
            data: vec![0; stride * height as usize],
        }
    }

    /// Width in dots.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in dots (rows).
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The packed rows, MSB-first, `stride` bytes each.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// One packed row.
    pub fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.stride]
    }

    /// Makes the raster at least `height` rows tall (new rows blank).
    pub fn ensure_height(&mut self, height: u32) {
        if height > self.height {
            self.height = height;
            self.data.resize(self.stride * height as usize, 0);
        }
    }

    /// Cuts the raster to `height` rows.
    pub fn truncate(&mut self, height: u32) {
        if height < self.height {
            self.height = height;
            self.data.truncate(self.stride * height as usize);
        }
    }

    /// Whether the dot at (x, y) is printed; outside is blank.
    pub fn get(&self, x: i32, y: i32) -> bool {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return false;
        }
        let byte = self.data[y as usize * self.stride + x as usize / 8];
        byte & (0x80 >> (x as usize % 8)) != 0
    }

    /// Prints (or clears) the dot at (x, y); outside the raster is ignored.
    #[inline]
    pub fn set(&mut self, x: i32, y: i32, on: bool) {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return;
        }
        let index = y as usize * self.stride + x as usize / 8;
        let mask = 0x80 >> (x as usize % 8);
        if on {
            self.data[index] |= mask;
        } else {
            self.data[index] &= !mask;
        }
    }

    /// Prints the dots `x0..x1` of row `y` (clipped to the raster), a byte at a time where it can.
    pub fn fill_span(&mut self, x0: i32, x1: i32, y: i32) {
        if y < 0 || y as u32 >= self.height {
            return;
        }
        let (x0, x1) = (
            x0.max(0) as usize,
            x1.min(self.width as i32).max(0) as usize,
        );
        if x0 >= x1 {
            return;
        }
        let row = &mut self.data[y as usize * self.stride..(y as usize + 1) * self.stride];
        let (first, last) = (x0 / 8, (x1 - 1) / 8);
        let head = 0xFFu8 >> (x0 % 8);
        let tail = 0xFFu8 << (7 - (x1 - 1) % 8);
        if first == last {
            row[first] |= head & tail;
        } else {
            row[first] |= head;
            row[first + 1..last].fill(0xFF);
            row[last] |= tail;
        }
    }

    /// Whether a row has no printed dot.
    pub fn row_is_blank(&self, y: u32) -> bool {
        self.row(y).iter().all(|&b| b == 0)
    }

    /// The range of bytes (columns of 8 dots) holding ink in rows `rows`, or `None` if blank.
    pub fn ink_bytes(&self, rows: std::ops::Range<u32>) -> Option<std::ops::Range<usize>> {
        let mut first = usize::MAX;
        let mut last = 0usize;
        for y in rows {
            let row = self.row(y);
            if let Some(f) = row.iter().position(|&b| b != 0) {
                first = first.min(f);
                if let Some(l) = row.iter().rposition(|&b| b != 0) {
                    last = last.max(l);
                }
            }
        }
        (first != usize::MAX).then_some(first..last + 1)
    }

    /// Copies `src` into this raster with its top-left corner at (x, y) (ink only: OR).
    pub fn blit(&mut self, src: &Raster, x: i32, y: i32) {
        for sy in 0..src.height as i32 {
            for sx in 0..src.width as i32 {
                if src.get(sx, sy) {
                    self.set(x + sx, y + sy, true);
                }
            }
        }
    }

    /// The number of printed dots (used by tests).
    pub fn ink(&self) -> usize {
        self.data.iter().map(|b| b.count_ones() as usize).sum()
    }
}

impl OriginDimensions for Raster {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Raster {
    type Color = BinaryColor;
    type Error = core::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Self::Color>>,
    {
        for Pixel(p, color) in pixels {
            self.set(p.x, p.y, color.is_on());
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Self::Color) -> Result<(), Self::Error> {
        let area = area.intersection(&self.bounding_box());
        if let Some(bottom_right) = area.bottom_right() {
            for y in area.top_left.y..=bottom_right.y {
                if color.is_on() {
                    self.fill_span(area.top_left.x, bottom_right.x + 1, y);
                } else {
                    for x in area.top_left.x..=bottom_right.x {
                        self.set(x, y, false);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::primitives::{Line, PrimitiveStyle};

    #[test]
    fn pixels_pack_msb_first_and_outside_is_ignored() {
        let mut r = Raster::new(12, 2);
        assert_eq!(r.stride(), 2);
        r.set(0, 0, true);
        r.set(9, 1, true);
        r.set(-1, 0, true);
        r.set(12, 0, true);
        r.set(0, 2, true);
        assert_eq!(r.row(0), &[0x80, 0x00]);
        assert_eq!(r.row(1), &[0x00, 0x40]);
        assert!(r.get(9, 1) && !r.get(8, 1));
        assert_eq!(r.ink(), 2);
    }

    #[test]
    fn embedded_graphics_draws_and_ink_is_found() {
        let mut r = Raster::new(64, 10);
        Line::new(Point::new(20, 3), Point::new(40, 3))
            .into_styled(PrimitiveStyle::with_stroke(BinaryColor::On, 1))
            .draw(&mut r)
            .unwrap_or_else(|e| match e {});
        assert_eq!(r.ink(), 21);
        assert!(r.row_is_blank(2) && !r.row_is_blank(3));
        assert_eq!(r.ink_bytes(0..10), Some(2..6));
        assert_eq!(r.ink_bytes(4..10), None);
        r.fill_solid(
            &Rectangle::new(Point::new(0, 8), Size::new(8, 2)),
            BinaryColor::On,
        )
        .unwrap_or_else(|e| match e {});
        assert_eq!(r.row(9)[0], 0xFF);
        let mut spans = Raster::new(24, 1);
        spans.fill_span(3, 5, 0);
        assert_eq!(spans.row(0), &[0b0001_1000, 0, 0]);
        spans.fill_span(6, 20, 0);
        assert_eq!(spans.row(0), &[0b0001_1011, 0xFF, 0b1111_0000]);
        spans.fill_span(-5, 100, 0);
        assert_eq!(spans.row(0), &[0xFF; 3]);
        r.ensure_height(20);
        assert_eq!(r.height(), 20);
        assert!(r.row_is_blank(19));
        r.truncate(9);
        assert_eq!(r.data().len(), 9 * 8);
    }
}
