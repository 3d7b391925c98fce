//! Which Slint platform draws the kiosk window, chosen once at start.
//!
//! - [`Backend::Desktop`]: a window on X11 or Wayland (winit, software renderer), when the
//!   `desktop` feature is built and `DISPLAY` or `WAYLAND_DISPLAY` is set;
//! - [`Backend::Kms`]: the Pi's panel through DRM/KMS with libinput touch, no X or Wayland
//!   (feature `kms`); rotation comes from `SLINT_KMS_ROTATION`, which the firmware sets from
//!   its configuration before anything starts;
//! - [`Backend::Headless`]: no display at all; the firmware then renders with
//!   [`crate::headless`] (or not at all) and is driven by its devices alone.

/// Where the window goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A desktop window (winit).
    Desktop,
    /// The panel, through DRM/KMS (linuxkms).
    Kms,
    /// No display.
    Headless,
}

impl Backend {
    /// The backend this build and environment can use: a desktop window when a display is set
    /// and `desktop` is built, else KMS when `kms` is built, else headless.
    pub fn detect() -> Backend {
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()));
        if cfg!(feature = "desktop") && display {
            Backend::Desktop
        } else if cfg!(feature = "kms") {
            Backend::Kms
        } else {
            Backend::Headless
        }
    }

    /// Its name, as logged.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Desktop => "desktop (winit, software renderer)",
            Backend::Kms => "linuxkms (DRM/KMS + libinput, software renderer)",
            Backend::Headless => "headless",
        }
    }

    /// Makes it this thread's Slint platform (software renderer). Call once, before any window
    /// is created; [`Backend::Headless`] installs the in-memory platform of [`crate::headless`].
    pub fn install(self) -> Result<(), crate::UiError> {
        let name = match self {
            Backend::Headless => return crate::headless::init(),
            Backend::Desktop => "winit",
            Backend::Kms => "linuxkms",
        };
        slint::BackendSelector::new()
            .backend_name(name.into())
            .renderer_name("software".into())
            .select()
            .map_err(|e| crate::UiError::Platform(format!("{name}: {e}")))
    }
}
