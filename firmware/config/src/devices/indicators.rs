//! `[indicators]`: the kiosk's status LEDs and buzzer.
//!
//! When a visitor presses «call staff», the fault LED blinks and the buzzer sounds until a member
//! of staff acknowledges (their card scanned at the kiosk); without indicators, and without an
//! office server to pass the call on, the kiosk cannot call anyone and tells the visitor where
//! to go instead. LEDs and buzzer are GPIO outputs (`gpio`, needs the firmware's `gpio-rppal`
//! feature) or simulated (`sim`). Default: none.
//!
//! ```toml
//! [indicators]
//! backend = "gpio"
//! ready = 22     # BCM numbers; each optional
//! busy = 23
//! fault = 24     # blinks while staff are called
//! buzzer = 25
//! ```

use serde::Deserialize;

use super::Check;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum IndicatorBackendKind {
    None,
    Gpio,
    Sim,
}

/// `[indicators]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicators {
    #[serde(default)]
    backend: Option<IndicatorBackendKind>,
    #[serde(default)]
    ready: Option<i64>,
    #[serde(default)]
    busy: Option<i64>,
    #[serde(default)]
    fault: Option<i64>,
    #[serde(default)]
    buzzer: Option<i64>,
}

/// The BCM pins of the LEDs and the buzzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndicatorPins {
    /// The ready LED.
    pub ready: Option<u8>,
    /// The busy LED.
    pub busy: Option<u8>,
    /// The fault LED (blinks while staff are called).
    pub fault: Option<u8>,
    /// The buzzer.
    pub buzzer: Option<u8>,
}

impl IndicatorPins {
    /// Every pin in use, with its key.
    pub fn pins(&self) -> impl Iterator<Item = (&'static str, u8)> {
        [
            ("ready", self.ready),
            ("busy", self.busy),
            ("fault", self.fault),
            ("buzzer", self.buzzer),
        ]
        .into_iter()
        .filter_map(|(key, pin)| pin.map(|p| (key, p)))
    }
}

/// Which LEDs and buzzer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IndicatorBackend {
    /// None: the kiosk has no way to signal at the desk.
    #[default]
    None,
    /// GPIO outputs.
    Gpio(IndicatorPins),
    /// Simulated (demo, tests).
    Sim,
}

/// The status LEDs and buzzer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndicatorSettings {
    /// Which backend.
    pub backend: IndicatorBackend,
}

pub(super) fn check(raw: RawIndicators, c: &mut Check<'_>) -> IndicatorSettings {
    let kind = raw.backend.unwrap_or(IndicatorBackendKind::None);
    let written = [
        ("ready", raw.ready),
        ("busy", raw.busy),
        ("fault", raw.fault),
        ("buzzer", raw.buzzer),
    ];
    c.unused(
        "indicators",
        &format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase()),
        &written.map(|(key, pin)| (key, pin.is_some() && kind != IndicatorBackendKind::Gpio)),
    );
    let backend = match kind {
        IndicatorBackendKind::None => IndicatorBackend::None,
        IndicatorBackendKind::Sim => IndicatorBackend::Sim,
        IndicatorBackendKind::Gpio => {
            let mut pin = |key: &str, value: Option<i64>| {
                value.map(|v| c.number(&format!("indicators.{key}"), Some(v), 0..=27, 0u8))
            };
            let pins = IndicatorPins {
                ready: pin("ready", raw.ready),
                busy: pin("busy", raw.busy),
                fault: pin("fault", raw.fault),
                buzzer: pin("buzzer", raw.buzzer),
            };
            if pins.fault.is_none() && pins.buzzer.is_none() {
                c.add(
                    "indicators.fault",
                    "backend = \"gpio\" needs at least the fault LED or the buzzer (BCM \
                     numbers): they are how a staff call is signalled",
                );
            }
            let mut seen: Vec<(&str, u8)> = Vec::new();
            for (key, p) in pins.pins() {
                if let Some((other, _)) = seen.iter().find(|(_, q)| *q == p) {
                    c.add(
                        format!("indicators.{key}"),
                        format!("GPIO {p} is already indicators.{other}"),
                    );
                }
                seen.push((key, p));
            }
            IndicatorBackend::Gpio(pins)
        }
    };
    IndicatorSettings { backend }
}

/// The indicators' pins must not be the keypad's or the headphone jack's: two drivers would
/// claim one pin.
pub(super) fn check_pins_are_free(d: &super::DeviceSettings, c: &mut Check<'_>) {
    let IndicatorBackend::Gpio(pins) = &d.indicators.backend else {
        return;
    };
    for (key, pin) in pins.pins() {
        if let super::KeypadBackend::Gpio(keys) = &d.keypad.backend
            && keys.pins().any(|p| p == pin)
        {
            c.add(
                format!("indicators.{key}"),
                format!(
                    "GPIO {pin} is already a row or column of the keypad (keypad.rows, \
                     keypad.columns)"
                ),
            );
        }
        if let super::HeadphoneBackend::Gpio { pin: jack, .. } = &d.headphones.backend
            && *jack == pin
        {
            c.add(
                format!("indicators.{key}"),
                format!("GPIO {pin} is already headphones.pin"),
            );
        }
    }
}
