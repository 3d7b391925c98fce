//! PNG files of a raster: the preview operators look at and the golden test images.
//!
//! 1-bit grayscale, where PNG's 0 is black: the canvas's bits are inverted row by row. The files
//! are tiny (a receipt is a few kilobytes) and lossless, so a golden image compares byte for byte.

use crate::canvas::Raster;

/// Encodes `raster` as a 1-bit grayscale PNG.
pub fn to_png(raster: &Raster) -> Vec<u8> {
    let mut out = Vec::new();
    let inverted: Vec<u8> = raster.data().iter().map(|b| !b).collect();
    let mut encoder = png::Encoder::new(&mut out, raster.width(), raster.height().max(1));
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::High);
    let written = encoder.write_header().and_then(|mut w| {
        if raster.height() == 0 {
            w.write_image_data(&vec![0xFF; raster.stride()])
        } else {
            w.write_image_data(&inverted)
        }
    });
    // Writing into a Vec with dimensions and data that agree cannot fail.
    debug_assert!(written.is_ok(), "{written:?}");
    out
}

/// Decodes a 1-bit grayscale PNG written by [`to_png`] (for the golden tests).
pub fn from_png(bytes: &[u8]) -> Option<Raster> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::One {
        return None;
    }
    let (w, h) = (info.width, info.height);
    let mut buf = vec![0; reader.output_buffer_size()?];
    reader.next_frame(&mut buf).ok()?;
    let mut r = Raster::new(w, h);
    let stride = r.stride();
    for y in 0..h {
        for x in 0..w {
            let byte = buf[y as usize * stride + x as usize / 8];
            if byte & (0x80 >> (x % 8)) == 0 {
                r.set(x as i32, y as i32, true);
            }
        }
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_black_is_zero() {
        let mut r = Raster::new(20, 3);
        r.set(0, 0, true);
        r.set(19, 2, true);
        let png = to_png(&r);
        assert_eq!(&png[1..4], b"PNG");
        let back = from_png(&png).unwrap_or_else(|| Raster::new(1, 1));
        assert_eq!(back, r);
    }
}
