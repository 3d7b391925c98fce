//! ESC/POS bytes for a laid-out receipt.
//!
//! The `escpos` crate (0.20) writes the commands it does well — initialise, justification, the
//! native QR code (`GS ( k`, with Model 2 passed explicitly: the crate's default is the obsolete
//! Model 1) and the cut — through a [`Driver`] that only collects bytes into a `Vec<u8>`. Its
//! image path is not used (it takes encoded PNG/JPEG, thresholds, sends one unbanded block and
//! shrinks large images): the raster is ours, sent with [`Printer::custom`] as:
//!
//! - `GS P` setting the motion units to the head's dots, so `ESC J n` feeds n dot rows and
//!   `GS L n` moves n dots;
//! - `GS v 0` bands of at most 256 rows (48 in practice), each within a run of inked rows and
//!   cropped to its inked dots (the bits re-aligned so the first inked dot is the first bit),
//!   placed with `GS L` (left margin, in dots) when the profile allows it; where a run is split
//!   into bands is chosen to minimise bytes (a short line under a long one gets its own,
//!   narrower band);
//! - blank rows between bands fed with `ESC J` (3 bytes instead of a row of zeros).
//!
//! In native QR mode the rows holding a QR code are replaced by the `GS ( k` command (centred
//! with `ESC a 1`), which prints the same symbol (see [`crate::qr`]).

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::errors::PrinterError;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use crate::canvas::Raster;
use crate::layout::Rendered;
use crate::profile::{Cut, Profile, QrLevel, QrMode};

/// Most rows in one `GS v 0` band.
pub const MAX_BAND_ROWS: u32 = 256;
const _: () = assert!(LOOKBACK as u32 <= MAX_BAND_ROWS);

/// Why bytes could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The escpos crate refused a command (e.g. QR data too long).
    #[error("ESC/POS command refused: {0}")]
    Command(String),
}

impl From<PrinterError> for EncodeError {
    fn from(e: PrinterError) -> Self {
        Self::Command(e.to_string())
    }
}

/// A driver that keeps what is written.
#[derive(Clone, Default)]
struct Collect(Rc<RefCell<Vec<u8>>>);

impl Driver for Collect {
    fn name(&self) -> String {
        "collect".to_owned()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Rows the band splitter looks back over (bands are at most this tall, well under 256).
const LOOKBACK: usize = 48;

/// Cost in bytes of a band header: `GS v 0` (8) and, usually, `GS L` (4).
const BAND_HEADER: usize = 12;

/// Splits a run of inked rows into bands minimising bytes: a band costs its header plus its
/// rows times the bytes its rows' inked dots span together (`extents` are dot ranges). Returns the band ends (exclusive,
/// relative to the run). Dynamic programming over at most [`LOOKBACK`] rows per band.
fn split_run(extents: &[(usize, usize)]) -> Vec<usize> {
    let n = extents.len();
    let mut best = vec![usize::MAX; n + 1];
    let mut from = vec![0usize; n + 1];
    best[0] = 0;
    for i in 1..=n {
        let (mut lo, mut hi) = (usize::MAX, 0usize);
        for j in (i.saturating_sub(LOOKBACK)..i).rev() {
            lo = lo.min(extents[j].0);
            hi = hi.max(extents[j].1);
            let cost = best[j] + BAND_HEADER + (i - j) * (hi - lo).div_ceil(8);
            if cost < best[i] {
                best[i] = cost;
                from[i] = j;
            }
        }
    }
    let mut ends = Vec::new();
    let mut i = n;
    while i > 0 {
        ends.push(i);
        i = from[i];
    }
    ends.reverse();
    ends
}

/// Band and feed bytes for rows `rows` of `raster`, appended to `out`. Blank rows are added to
/// `pending_feed` (the caller emits them, merged with the next blank rows).
fn raster_rows(
    raster: &Raster,
    rows: std::ops::Range<u32>,
    crop_columns: bool,
    pending_feed: &mut u32,
    left: &mut usize,
    out: &mut Vec<u8>,
) {
    let full = (0, raster.width() as usize);
    let mut y = rows.start;
    while y < rows.end {
        if raster.row_is_blank(y) {
            *pending_feed += 1;
            y += 1;
            continue;
        }
        let start = y;
        let mut extents = Vec::new();
        while y < rows.end && !raster.row_is_blank(y) {
            extents.push(if crop_columns {
                ink_dots(raster.row(y)).unwrap_or(full)
            } else {
                full
            });
            y += 1;
        }
        feed(pending_feed, out);
        let mut band_start = 0usize;
        for band_end in split_run(&extents) {
            let (lo, hi) = extents[band_start..band_end]
                .iter()
                .fold((usize::MAX, 0), |(lo, hi), e| (lo.min(e.0), hi.max(e.1)));
            if lo != *left {
                let dots = lo as u16;
                out.extend_from_slice(&[0x1D, b'L', dots as u8, (dots >> 8) as u8]);
                *left = lo;
            }
            let width = (hi - lo).div_ceil(8);
            let height = (band_end - band_start) as u16;
            out.extend_from_slice(&[
                0x1D,
                b'v',
                b'0',
                0,
                width as u8,
                (width >> 8) as u8,
                height as u8,
                (height >> 8) as u8,
            ]);
            for row in band_start..band_end {
                shifted(raster.row(start + row as u32), lo, width, out);
            }
            band_start = band_end;
        }
    }
}

/// The inked dots of a packed row, as a range, or `None` if blank.
fn ink_dots(row: &[u8]) -> Option<(usize, usize)> {
    let first = row.iter().position(|&b| b != 0)?;
    let last = row.iter().rposition(|&b| b != 0)?;
    Some((
        first * 8 + row[first].leading_zeros() as usize,
        last * 8 + 8 - row[last].trailing_zeros() as usize,
    ))
}

/// Appends `width` bytes of `row` starting at dot `from` (any bit offset), zero past the end.
fn shifted(row: &[u8], from: usize, width: usize, out: &mut Vec<u8>) {
    let first = from / 8;
    let shift = from % 8;
    for k in 0..width {
        let a = row.get(first + k).copied().unwrap_or(0);
        if shift == 0 {
            out.push(a);
        } else {
            let b = row.get(first + k + 1).copied().unwrap_or(0);
            out.push((a << shift) | (b >> (8 - shift)));
        }
    }
}

/// Emits the pending feed as `ESC J` commands of at most 255 rows.
fn feed(pending: &mut u32, out: &mut Vec<u8>) {
    while *pending > 0 {
        let n = (*pending).min(255);
        out.extend_from_slice(&[0x1B, b'J', n as u8]);
        *pending -= n;
    }
}

/// The bytes that print `rendered` on a printer of `profile`.
pub fn encode_rendered(rendered: &Rendered, profile: &Profile) -> Result<Vec<u8>, EncodeError> {
    let sink = Collect::default();
    let mut printer = Printer::new(sink.clone(), Protocol::default(), None);
    printer.init()?;
    let unit = profile.dpi.min(255) as u8;
    printer.custom(&[0x1D, b'P', unit, unit])?;
    printer.justify(JustifyMode::LEFT)?;

    let raster = &rendered.raster;
    let mut pending = 0u32;
    let mut left = 0usize;
    let mut y = 0u32;
    let native = profile.qr_mode == QrMode::Native;
    let level = match profile.qr_level {
        QrLevel::M => QRCodeCorrectionLevel::M,
        QrLevel::Q => QRCodeCorrectionLevel::Q,
    };
    for qr in rendered.qr.iter().filter(|_| native) {
        let mut chunk = Vec::new();
        raster_rows(
            raster,
            y..qr.top,
            profile.crop_columns,
            &mut pending,
            &mut left,
            &mut chunk,
        );
        feed(&mut pending, &mut chunk);
        if !chunk.is_empty() {
            printer.custom(&chunk)?;
        }
        if left != 0 {
            // The printer centres within the print area, which starts at the left margin.
            printer.custom(&[0x1D, b'L', 0, 0])?;
            left = 0;
        }
        printer.justify(JustifyMode::CENTER)?;
        printer.qrcode_option(
            &qr.payload,
            QRCodeOption::new(QRCodeModel::Model2, qr.module, level),
        )?;
        printer.justify(JustifyMode::LEFT)?;
        y = qr.top + qr.size;
    }
    let mut chunk = Vec::new();
    raster_rows(
        raster,
        y..raster.height(),
        profile.crop_columns,
        &mut pending,
        &mut left,
        &mut chunk,
    );
    feed(&mut pending, &mut chunk);
    if left != 0 {
        chunk.extend_from_slice(&[0x1D, b'L', 0, 0]);
    }
    printer.custom(&chunk)?;
    match profile.cut {
        Cut::None => {
            printer.custom(&[0x1B, b'J', 120])?;
        }
        Cut::Partial => {
            printer.partial_cut()?;
        }
        Cut::Full => {
            printer.cut()?;
        }
    }
    printer.print()?;
    drop(printer);
    Ok(sink.0.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_extents_are_in_dots_and_shifting_aligns_them() {
        assert_eq!(ink_dots(&[0, 0b0001_0000, 0b1000_0000, 0]), Some((11, 17)));
        assert_eq!(ink_dots(&[0, 0]), None);
        let mut out = Vec::new();
        shifted(&[0, 0b0001_0000, 0b1000_0000, 0], 11, 1, &mut out);
        assert_eq!(out, vec![0b1000_0100]);
        out.clear();
        shifted(&[0xFF, 0x0F], 4, 2, &mut out);
        assert_eq!(out, vec![0xF0, 0xF0]);
    }

    #[test]
    fn a_short_line_under_a_long_one_gets_its_own_band() {
        let mut extents = vec![(0, 576); 20];
        extents.extend(vec![(500, 576); 20]);
        assert_eq!(split_run(&extents), vec![20, 40]);
        // Uniform rows stay one band.
        assert_eq!(split_run(&[(8, 64); 30]), vec![30]);
        // Never taller than the lookback.
        let tall = split_run(&vec![(0, 8); 300]);
        assert!(tall.windows(2).all(|w| w[1] - w[0] <= LOOKBACK) && tall[0] <= LOOKBACK);
        assert_eq!(tall.last(), Some(&300));
    }
}
