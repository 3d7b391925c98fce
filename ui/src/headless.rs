//! Rendering without a display: a Slint platform whose only window is drawn by the software
//! renderer into memory, and PNG encoding of a window's pixels. Used by `kiosk --demo
//! --headless` and by the screenshot tests.

use std::rc::Rc;

use slint::PlatformError;
use slint::platform::SetPlatformError;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};

use crate::UiError;

/// A platform with one in-memory window, drawn by the software renderer.
struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }
}

/// Makes this thread render headless. Harmless when a platform is already set (tests set the
/// testing backend, which renders with the same software renderer).
pub fn init() -> Result<(), UiError> {
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    match slint::platform::set_platform(Box::new(HeadlessPlatform { window })) {
        Ok(()) | Err(SetPlatformError::AlreadySet) => Ok(()),
        Err(e) => Err(UiError::Platform(e.to_string())),
    }
}

/// The window's pixels as PNG (8-bit RGBA).
pub fn snapshot_png(window: &slint::Window) -> Result<Vec<u8>, UiError> {
    let shot = window.take_snapshot()?;
    let (width, height) = (shot.width(), shot.height());
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| UiError::Png(e.to_string()))?;
        writer
            .write_image_data(shot.as_bytes())
            .map_err(|e| UiError::Png(e.to_string()))?;
    }
    Ok(bytes)
}
