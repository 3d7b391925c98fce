//! `[headphones]`: how the kiosk notices headphones plugged into its jack.
//!
//! A visitor who cannot see the screen plugs headphones in and the kiosk starts speaking (speech
//! mode, every screen and the receipt read aloud) without anyone finding a setting first. The
//! jack is read from the sound card's jack switch (`evdev`: the input device that reports
//! `SW_HEADPHONE_INSERT`), from a detect switch wired to a GPIO pin (`gpio`, needs the firmware's
//! `gpio-rppal` feature), or simulated (`sim`). Default: none.
//!
//! ```toml
//! [headphones]
//! backend = "evdev"
//! path = "/dev/input/by-path/platform-soc:sound-event"
//! # backend = "gpio"
//! # pin = 17            # BCM number of the detect switch
//! # plugged_when_low = true
//! ```

use std::path::PathBuf;

use serde::Deserialize;

use super::Check;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum HeadphoneBackendKind {
    None,
    Evdev,
    Gpio,
    Sim,
}

/// `[headphones]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeadphones {
    #[serde(default)]
    backend: Option<HeadphoneBackendKind>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    pin: Option<i64>,
    #[serde(default)]
    plugged_when_low: Option<bool>,
}

/// Where headphones are detected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HeadphoneBackend {
    /// No detection (speech mode only from the accessibility screen or the keypad).
    #[default]
    None,
    /// The sound card's jack switch, through evdev.
    Evdev {
        /// Its input device.
        path: PathBuf,
    },
    /// A detect switch on a GPIO pin.
    Gpio {
        /// BCM number.
        pin: u8,
        /// The pin reads low when headphones are in (a switch to ground, pull-up on).
        plugged_when_low: bool,
    },
    /// Simulated (demo, tests).
    Sim,
}

/// The headphone jack.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HeadphoneSettings {
    /// Which detection.
    pub backend: HeadphoneBackend,
}

pub(super) fn check(raw: RawHeadphones, c: &mut Check<'_>) -> HeadphoneSettings {
    let kind = raw.backend.unwrap_or(HeadphoneBackendKind::None);
    c.unused(
        "headphones",
        &format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase()),
        &[
            (
                "path",
                raw.path.is_some() && kind != HeadphoneBackendKind::Evdev,
            ),
            (
                "pin",
                raw.pin.is_some() && kind != HeadphoneBackendKind::Gpio,
            ),
            (
                "plugged_when_low",
                raw.plugged_when_low.is_some() && kind != HeadphoneBackendKind::Gpio,
            ),
        ],
    );
    let backend = match kind {
        HeadphoneBackendKind::None => HeadphoneBackend::None,
        HeadphoneBackendKind::Sim => HeadphoneBackend::Sim,
        HeadphoneBackendKind::Evdev => HeadphoneBackend::Evdev {
            path: c.device("headphones.path", raw.path.as_deref(), None),
        },
        HeadphoneBackendKind::Gpio => match raw.pin {
            None => {
                c.add(
                    "headphones.pin",
                    "is required with backend = \"gpio\" (BCM number of the detect switch)",
                );
                HeadphoneBackend::None
            }
            Some(pin) => HeadphoneBackend::Gpio {
                pin: c.number("headphones.pin", Some(pin), 0..=27, 0),
                plugged_when_low: raw.plugged_when_low.unwrap_or(true),
            },
        },
    };
    HeadphoneSettings { backend }
}

/// The jack's detect pin must not be one of the keypad's: both would claim the pin and the
/// jack's thread, starting second, would fail with nothing on screen.
pub(super) fn check_pin_is_free(d: &super::DeviceSettings, c: &mut Check<'_>) {
    let (HeadphoneBackend::Gpio { pin, .. }, super::KeypadBackend::Gpio(keys)) =
        (&d.headphones.backend, &d.keypad.backend)
    else {
        return;
    };
    if keys.pins().any(|p| p == *pin) {
        c.add(
            "headphones.pin",
            format!(
                "GPIO {pin} is already a row or column of the keypad (keypad.rows, keypad.columns)"
            ),
        );
    }
}
