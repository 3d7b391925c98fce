//! The tracking code's QR on screen: drawn in Rust with the `qrcode` crate into an image, whole
//! pixels per module and a four-module quiet zone, so it scans from the glass as well as from
//! the receipt (same payload).

use qrcode::{Color, EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

use crate::UiError;

/// About how wide the QR is drawn, in pixels.
pub const TARGET_SIDE_PX: u32 = 300;

const QUIET_MODULES: u32 = 4;

/// The QR of `payload` as an opaque image: black modules on white, error correction M.
pub fn qr_image(payload: &str) -> Result<Image, UiError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| UiError::Qr(e.to_string()))?;
    let modules = u32::try_from(code.width()).map_err(|e| UiError::Qr(e.to_string()))?;
    let colors = code.to_colors();
    let total = modules + 2 * QUIET_MODULES;
    let scale = (TARGET_SIDE_PX / total).max(1);
    let side = total * scale;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let white = Rgb8Pixel::new(255, 255, 255);
    let black = Rgb8Pixel::new(0, 0, 0);
    let pixels = buffer.make_mut_slice();
    for (i, px) in pixels.iter_mut().enumerate() {
        let (x, y) = ((i as u32 % side) / scale, (i as u32 / side) / scale);
        let dark = x >= QUIET_MODULES
            && y >= QUIET_MODULES
            && x < QUIET_MODULES + modules
            && y < QUIET_MODULES + modules
            && colors
                .get(((y - QUIET_MODULES) * modules + (x - QUIET_MODULES)) as usize)
                .is_some_and(|c| *c == Color::Dark);
        *px = if dark { black } else { white };
    }
    Ok(Image::from_rgb8(buffer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_is_square_near_the_target_size_with_whole_pixel_modules() {
        let image = qr_image("https://example.ir/t/1000120000000427").expect("qr");
        let size = image.size();
        assert_eq!(size.width, size.height);
        assert!(size.width <= TARGET_SIDE_PX && size.width > TARGET_SIDE_PX * 2 / 3);
        let code = QrCode::with_error_correction_level(
            "https://example.ir/t/1000120000000427".as_bytes(),
            EcLevel::M,
        )
        .expect("qr");
        let total = code.width() as u32 + 2 * QUIET_MODULES;
        assert_eq!(size.width % total, 0, "modules are whole pixels");
    }

    #[test]
    fn too_long_payload_is_an_error_not_a_panic() {
        let payload = "9".repeat(8000);
        assert!(matches!(qr_image(&payload), Err(UiError::Qr(_))));
    }
}
