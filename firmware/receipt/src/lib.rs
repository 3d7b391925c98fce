//! Persian thermal receipts for the service-desk kiosk.
//!
//! content ([`ReceiptContent`], from a [`ReceiptCase`] and friends) → layout (bidi + shaping
//! with embedded Vazirmatn, lines, QR codes, into a 1-bit [`Raster`]) → ESC/POS bytes (raster in
//! cropped `GS v 0` bands, native or raster QR codes per [`Profile`]).
//!
//! Printer code pages cannot print Persian, so all text is raster. The entry points:
//!
//! - [`render_png`]: what the printer prints, as a PNG (QR codes included, whatever the mode);
//! - [`encode`]: the bytes to send;
//! - [`sample`]: the built-in sample receipt.

pub mod canvas;
pub mod content;
#[cfg(any(test, feature = "decode"))]
pub mod decode;
pub mod encode;
pub mod fonts;
pub mod layout;
pub mod png_out;
pub mod profile;
pub mod qr;
pub mod sample;
pub mod sanitize;
pub mod text;

pub use canvas::Raster;
pub use content::{
    Block, ContentError, GuidanceSlip, Logo, OfficeCopy, ReceiptCase, ReceiptContent, ServiceSlip,
    Variant,
};
pub use encode::EncodeError;
pub use layout::{LayoutError, QrPlacement, Rendered, render};
pub use profile::{Cut, Profile, ProfileError, QrLevel, QrMode};
pub use sample::{sample, sample_variant};

/// Anything that stops a receipt from being produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Bad content.
    #[error(transparent)]
    Content(#[from] ContentError),
    /// Could not lay out (bad profile, QR payload too long).
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// Could not encode.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

/// The slip as the printer prints it, as a 1-bit PNG.
pub fn render_png(content: &ReceiptContent, profile: &Profile) -> Result<Vec<u8>, ReceiptError> {
    Ok(png_out::to_png(&render(content, profile)?.raster))
}

/// The ESC/POS bytes that print the slip.
pub fn encode(content: &ReceiptContent, profile: &Profile) -> Result<Vec<u8>, ReceiptError> {
    // Native QR codes are printed by the printer: their rows need no drawing.
    let rendered = layout::render_with(content, profile, profile.qr_mode == QrMode::Raster)?;
    Ok(encode::encode_rendered(&rendered, profile)?)
}
