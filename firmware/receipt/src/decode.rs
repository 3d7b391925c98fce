//! A decoder for the ESC/POS subset we emit, back into an image: the tests' printer.
//!
//! It understands `ESC @`, `GS P`, `ESC a`, `GS L`, `GS v 0`, `ESC J`, `GS ( k` (QR: model,
//! module size, level, store, print — a print renders the stored payload with [`crate::qr`] at
//! the set module size, centred or placed as `ESC a` says) and `GS V`. Anything else is an
//! error, so a stray or malformed command in the stream fails the tests instead of printing
//! garbage on a real printer. Printing a QR code without Model 2 set is an error too.

use crate::canvas::Raster;
use crate::profile::QrLevel;
use crate::qr::symbol;

/// Why a stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The stream ends inside a command.
    #[error("stream ends inside a command at byte {0}")]
    Truncated(usize),
    /// A byte sequence we do not emit.
    #[error("unknown command {bytes:02X?} at byte {at}")]
    Unknown {
        /// Offset.
        at: usize,
        /// The first bytes.
        bytes: Vec<u8>,
    },
    /// A QR code printed without `GS ( k` selecting Model 2.
    #[error("QR code printed at byte {0} without selecting Model 2")]
    NotModel2(usize),
    /// A QR parameter out of range, or a print with no data stored.
    #[error("bad QR command at byte {0}: {1}")]
    Qr(usize, String),
    /// Something printed outside the paper.
    #[error("image at byte {0} is wider than the paper")]
    TooWide(usize),
}

/// What a stream printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The paper, as printed (up to where it was cut).
    pub image: Raster,
    /// Native QR payloads, in print order.
    pub native_qr: Vec<String>,
    /// `GS v 0` bands.
    pub bands: usize,
    /// Highest band, in rows.
    pub tallest_band: u32,
    /// Bands whose first or last row is blank (should have been fed with `ESC J`).
    pub uncropped_bands: usize,
    /// Number of cuts.
    pub cuts: usize,
}

struct State {
    image: Raster,
    y: u32,
    left: u32,
    justify: u8,
    qr_model: Option<u8>,
    qr_module: u8,
    qr_level: QrLevel,
    qr_data: Option<String>,
}

fn get(data: &[u8], at: usize, n: usize) -> Result<&[u8], DecodeError> {
    data.get(at..at + n).ok_or(DecodeError::Truncated(at))
}

/// Decodes `data` for paper `dots` wide.
pub fn decode(data: &[u8], dots: u32) -> Result<Decoded, DecodeError> {
    let mut s = State {
        image: Raster::new(dots, 0),
        y: 0,
        left: 0,
        justify: 0,
        qr_model: None,
        qr_module: 3,
        qr_level: QrLevel::M,
        qr_data: None,
    };
    let mut out = Decoded {
        image: Raster::new(dots, 0),
        native_qr: Vec::new(),
        bands: 0,
        tallest_band: 0,
        uncropped_bands: 0,
        cuts: 0,
    };
    let mut i = 0usize;
    while i < data.len() {
        let head = get(data, i, 2).map_err(|_| DecodeError::Unknown {
            at: i,
            bytes: data[i..].to_vec(),
        })?;
        match (head[0], head[1]) {
            (0x1B, b'@') => {
                s.left = 0;
                s.justify = 0;
                i += 2;
            }
            (0x1B, b'a') => {
                s.justify = get(data, i + 2, 1)?[0] % 48;
                i += 3;
            }
            (0x1B, b'J') => {
                s.y += u32::from(get(data, i + 2, 1)?[0]);
                i += 3;
            }
            (0x1D, b'P') => {
                let p = get(data, i + 2, 2)?;
                if p[1] != 0 && u32::from(p[1]) != dots.min(255) && p[1] != 203 && p[1] != 180 {
                    return Err(DecodeError::Unknown {
                        at: i,
                        bytes: p.to_vec(),
                    });
                }
                i += 4;
            }
            (0x1D, b'L') => {
                let p = get(data, i + 2, 2)?;
                s.left = u32::from(p[0]) + 256 * u32::from(p[1]);
                i += 4;
            }
            (0x1D, b'v') => {
                let p = get(data, i + 2, 6)?;
                if p[0] != b'0' || p[1] % 48 != 0 {
                    return Err(DecodeError::Unknown {
                        at: i,
                        bytes: p.to_vec(),
                    });
                }
                let w = usize::from(p[2]) + 256 * usize::from(p[3]);
                let h = u32::from(p[4]) + 256 * u32::from(p[5]);
                let bits = get(data, i + 8, w * h as usize)?;
                let width_dots = (w * 8) as u32;
                if s.left + width_dots > dots + 7 {
                    return Err(DecodeError::TooWide(i));
                }
                let x0 = place(&s, width_dots);
                s.image.ensure_height(s.y + h);
                for row in 0..h {
                    for bx in 0..w {
                        let byte = bits[row as usize * w + bx];
                        for bit in 0..8 {
                            if byte & (0x80 >> bit) != 0 {
                                s.image.set(
                                    (x0 as usize + bx * 8 + bit) as i32,
                                    (s.y + row) as i32,
                                    true,
                                );
                            }
                        }
                    }
                }
                let blank = |row: u32| {
                    bits[row as usize * w..(row as usize + 1) * w]
                        .iter()
                        .all(|&b| b == 0)
                };
                if h == 0 || blank(0) || blank(h - 1) {
                    out.uncropped_bands += 1;
                }
                s.y += h;
                out.bands += 1;
                out.tallest_band = out.tallest_band.max(h);
                i += 8 + w * h as usize;
            }
            (0x1D, b'(') => {
                let p = get(data, i + 2, 3)?;
                if p[0] != b'k' {
                    return Err(DecodeError::Unknown {
                        at: i,
                        bytes: p.to_vec(),
                    });
                }
                let len = usize::from(p[1]) + 256 * usize::from(p[2]);
                let body = get(data, i + 5, len)?;
                qr_command(&mut s, &mut out, body, i)?;
                i += 5 + len;
            }
            (0x1D, b'V') => {
                let m = get(data, i + 2, 1)?[0];
                i += match m {
                    0 | 1 | 48 | 49 => 3,
                    65 | 66 => 4,
                    _ => {
                        return Err(DecodeError::Unknown {
                            at: i,
                            bytes: vec![0x1D, b'V', m],
                        });
                    }
                };
                out.cuts += 1;
            }
            _ => {
                return Err(DecodeError::Unknown {
                    at: i,
                    bytes: data[i..(i + 4).min(data.len())].to_vec(),
                });
            }
        }
    }
    s.image.ensure_height(s.y);
    out.image = s.image;
    Ok(out)
}

/// Where something `width` dots wide starts: justified within the print area, which begins at
/// the left margin (`GS L`) and ends at the paper's edge.
fn place(s: &State, width: u32) -> u32 {
    let area = s.image.width().saturating_sub(s.left);
    s.left
        + match s.justify {
            1 => area.saturating_sub(width) / 2,
            2 => area.saturating_sub(width),
            _ => 0,
        }
}

fn qr_command(s: &mut State, out: &mut Decoded, body: &[u8], at: usize) -> Result<(), DecodeError> {
    let bad = |why: &str| DecodeError::Qr(at, why.to_owned());
    match body {
        [49, 65, model, 0] => s.qr_model = Some(*model),
        [49, 67, size] => {
            if !(1..=16).contains(size) {
                return Err(bad("module size outside 1..=16"));
            }
            s.qr_module = *size;
        }
        [49, 69, level] => {
            s.qr_level = match level {
                49 => QrLevel::M,
                50 => QrLevel::Q,
                _ => return Err(bad("level other than M or Q")),
            }
        }
        [49, 80, 48, payload @ ..] => {
            s.qr_data =
                Some(String::from_utf8(payload.to_vec()).map_err(|_| bad("payload is not UTF-8"))?);
        }
        [49, 81, 48] => {
            if s.qr_model != Some(50) {
                return Err(DecodeError::NotModel2(at));
            }
            let payload = s
                .qr_data
                .clone()
                .ok_or_else(|| bad("print with no data stored"))?;
            let sym = symbol(&payload, s.qr_level).map_err(|e| bad(&e.to_string()))?;
            let size = sym.size(s.qr_module);
            let x = place(s, size);
            s.image.ensure_height(s.y + size);
            sym.draw(&mut s.image, x as i32, s.y as i32, s.qr_module);
            s.y += size;
            out.native_qr.push(payload);
        }
        _ => return Err(bad("unknown function")),
    }
    Ok(())
}
