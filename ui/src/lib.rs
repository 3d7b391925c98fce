//! The kiosk's screens, in Slint.
//!
//! Laid out like Slint's printerdemo: `ui/pages/`, `ui/components/`, one `Theme` global
//! (`ui/theme.slint`) and `fonts/` (Vazirmatn, with its OFL licence beside it). This crate
//! knows only view models: the firmware turns its journey state into a [`ViewModel`], calls
//! [`KioskUi::show`], and turns each [`UiInput`] (a tapped button id, an on-screen key) back
//! into a journey event. There is no journey logic here.
//!
//! Right-to-left is done by our components, because Slint does not mirror layouts: every
//! Persian text is right-aligned, rows and grids are filled from the right (the on-screen
//! keyboards keep the physical layouts, which are not mirrored). Persian text is typed on our
//! own keyboard into a Rust string shown in a `Text` (Slint's TextInput mishandles Persian). Rendering is the software renderer
//! everywhere: tests and `--headless` through [`headless`], a desktop window with the `desktop`
//! feature (winit), the Pi's panel with `kms` (linuxkms + libinput).

mod generated {
    #![allow(missing_docs, unused_qualifications, clippy::all, clippy::unwrap_used)]
    slint::include_modules!();
}

pub mod backend;
pub mod headless;
pub mod keyboard;
pub mod qr;
pub mod theme;
mod view_model;
mod window;

pub use backend::Backend;
pub use generated::{ButtonData, KeyData, KioskWindow, PageId, RowData, Theme, TimelineData};
pub use theme::Panel;
pub use view_model::{
    Button, Key, Keyboard, MAX_TEXT_STEP, Overlay, Page, Palette, Prefs, Role, Row, TimelineRow,
    UiInput, ViewModel,
};
pub use window::{KioskUi, apply, page_id, page_of};

/// What can go wrong drawing the screens.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// No platform to create the window on, or rendering failed.
    #[error("Slint platform: {0}")]
    Platform(String),
    /// The QR payload could not be encoded.
    #[error("QR code: {0}")]
    Qr(String),
    /// PNG encoding failed.
    #[error("PNG: {0}")]
    Png(String),
}

impl From<slint::PlatformError> for UiError {
    fn from(e: slint::PlatformError) -> Self {
        UiError::Platform(e.to_string())
    }
}
