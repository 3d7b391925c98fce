//! `[switches]`: switch access for a visitor who cannot use the keypad or the screen
//! (sip-and-puff and other PAT switches, as VotingWorks' VxMark takes them).
//!
//! `mode = "two"` (the default): switch A moves the focus, switch B selects. `mode = "scan"`:
//! one switch; the focus moves by itself every `dwell_ms` (500 to 10000, default 1500) and the
//! switch selects. Backends: `gpio` (each switch's 3.5 mm jack wired between a BCM pin and
//! ground, `a` and `b` the pins; needs the firmware's `gpio-rppal` feature), `evdev` (a USB HID
//! switch interface at `path`; `a` and `b` the Linux key code names each switch sends, by
//! default `"KEY_SPACE"` and `"KEY_ENTER"`), `sim`. Default: none. In scan mode only `a` is
//! used and `b` is refused; `dwell_ms` is refused in two-switch mode.
//!
//! ```toml
//! [switches]
//! backend = "gpio"
//! mode = "two"
//! a = 5          # BCM pins
//! b = 6
//! # backend = "evdev"
//! # path = "/dev/input/by-id/usb-switch-interface-event-kbd"
//! # a = "KEY_1"
//! # b = "KEY_2"
//! # mode = "scan"
//! # dwell_ms = 2000
//! ```

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Visitor};

use super::{Check, keycodes};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SwitchBackendKind {
    None,
    Gpio,
    Evdev,
    Sim,
}

/// How the switches are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SwitchMode {
    /// Two switches: A moves the focus, B selects.
    #[default]
    Two,
    /// One switch: the focus moves by itself every dwell, the switch selects.
    Scan,
}

/// `a` or `b` as written: a pin number (gpio) or a key code name (evdev), or something else
/// (reported by the check under its key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawSwitchInput {
    Number(i64),
    Name(String),
    Wrong(String),
}

impl<'de> Deserialize<'de> for RawSwitchInput {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Input;
        impl<'de> Visitor<'de> for Input {
            type Value = RawSwitchInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a BCM pin number or a key code name")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSwitchInput, E> {
                Ok(RawSwitchInput::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSwitchInput, E> {
                Ok(i64::try_from(v).map_or_else(
                    |_| RawSwitchInput::Wrong(format!("the number {v}")),
                    RawSwitchInput::Number,
                ))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSwitchInput, E> {
                Ok(RawSwitchInput::Name(v.to_owned()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawSwitchInput, E> {
                Ok(RawSwitchInput::Wrong(format!("the number {v}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawSwitchInput, E> {
                Ok(RawSwitchInput::Wrong(v.to_string()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(RawSwitchInput::Wrong("a list".to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(RawSwitchInput::Wrong("a table".to_owned()))
            }
        }
        deserializer.deserialize_any(Input)
    }
}

/// `[switches]` as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSwitches {
    #[serde(default)]
    backend: Option<SwitchBackendKind>,
    #[serde(default)]
    mode: Option<SwitchMode>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    a: Option<RawSwitchInput>,
    #[serde(default)]
    b: Option<RawSwitchInput>,
    #[serde(default)]
    dwell_ms: Option<i64>,
}

/// Which switches.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SwitchBackend {
    /// No switch access.
    #[default]
    None,
    /// Switches on GPIO pins (BCM numbers; `b` is `None` when scanning with one switch).
    Gpio {
        /// Switch A's pin.
        a: u8,
        /// Switch B's pin.
        b: Option<u8>,
    },
    /// A USB HID switch interface through evdev.
    Evdev {
        /// Its input device.
        path: PathBuf,
        /// The Linux key code switch A sends.
        a: u16,
        /// The code switch B sends (`None` when scanning with one switch).
        b: Option<u16>,
    },
    /// Simulated (demo, script runner, tests).
    Sim,
}

impl SwitchBackend {
    /// The GPIO pins in use, with their keys.
    pub fn pins(&self) -> impl Iterator<Item = (&'static str, u8)> {
        let pins = match self {
            Self::Gpio { a, b } => [("a", Some(*a)), ("b", *b)],
            _ => [("a", None), ("b", None)],
        };
        pins.into_iter()
            .filter_map(|(key, pin)| pin.map(|p| (key, p)))
    }
}

/// Default dwell of one-switch scanning.
pub const DEFAULT_DWELL: Duration = Duration::from_millis(1500);
/// Default code of switch A on a USB switch interface.
pub const DEFAULT_CODE_A: &str = "KEY_SPACE";
/// Default code of switch B.
pub const DEFAULT_CODE_B: &str = "KEY_ENTER";

/// Switch access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchSettings {
    /// Which switches.
    pub backend: SwitchBackend,
    /// Two switches, or one with scanning.
    pub mode: SwitchMode,
    /// How long the focus stays on each action while scanning.
    pub dwell: Duration,
}

impl Default for SwitchSettings {
    fn default() -> Self {
        Self {
            backend: SwitchBackend::None,
            mode: SwitchMode::Two,
            dwell: DEFAULT_DWELL,
        }
    }
}

fn described(input: &RawSwitchInput) -> String {
    match input {
        RawSwitchInput::Number(n) => format!("the number {n}"),
        RawSwitchInput::Name(s) => format!("{s:?}"),
        RawSwitchInput::Wrong(w) => w.clone(),
    }
}

fn pin(c: &mut Check<'_>, key: &str, input: &RawSwitchInput) -> Option<u8> {
    match input {
        RawSwitchInput::Number(n) if (0..=27).contains(n) => u8::try_from(*n).ok(),
        other => {
            c.add(
                format!("switches.{key}"),
                format!(
                    "with backend = \"gpio\" must be a BCM GPIO number from 0 to 27, not {}",
                    described(other)
                ),
            );
            None
        }
    }
}

fn code(
    c: &mut Check<'_>,
    key: &str,
    input: Option<&RawSwitchInput>,
    default: &str,
) -> Option<u16> {
    match input {
        None => keycodes::code(default),
        Some(RawSwitchInput::Name(name)) => match keycodes::code(name) {
            Some(code) => Some(code),
            None => {
                c.add(
                    format!("switches.{key}"),
                    format!(
                        "{name:?} is not a Linux key code name (e.g. \"KEY_SPACE\", \
                         \"KEY_ENTER\", \"KEY_1\", as evtest prints them)"
                    ),
                );
                None
            }
        },
        Some(other) => {
            c.add(
                format!("switches.{key}"),
                format!(
                    "with backend = \"evdev\" must be a key code name such as \"KEY_SPACE\", not \
                     {}",
                    described(other)
                ),
            );
            None
        }
    }
}

pub(super) fn check(raw: RawSwitches, c: &mut Check<'_>) -> SwitchSettings {
    let kind = raw.backend.unwrap_or(SwitchBackendKind::None);
    let mode = raw.mode.unwrap_or_default();
    let scan = mode == SwitchMode::Scan;
    let (none, gpio, evdev) = (
        kind == SwitchBackendKind::None,
        kind == SwitchBackendKind::Gpio,
        kind == SwitchBackendKind::Evdev,
    );
    c.unused(
        "switches",
        &format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase()),
        &[
            ("mode", raw.mode.is_some() && none),
            ("path", raw.path.is_some() && !evdev),
            ("a", raw.a.is_some() && !(gpio || evdev)),
            ("b", raw.b.is_some() && !(gpio || evdev)),
            ("dwell_ms", raw.dwell_ms.is_some() && none),
        ],
    );
    if !none {
        c.unused(
            "switches",
            "mode = \"scan\" (one switch)",
            &[("b", raw.b.is_some() && scan && (gpio || evdev))],
        );
        c.unused(
            "switches",
            "mode = \"two\" (no scanning)",
            &[("dwell_ms", raw.dwell_ms.is_some() && !scan)],
        );
    }
    let dwell = c.millis(
        "switches.dwell_ms",
        raw.dwell_ms,
        500..=10_000,
        DEFAULT_DWELL,
    );
    let backend = match kind {
        SwitchBackendKind::None => SwitchBackend::None,
        SwitchBackendKind::Sim => SwitchBackend::Sim,
        SwitchBackendKind::Gpio => {
            let a = match &raw.a {
                Some(input) => pin(c, "a", input),
                None => {
                    c.add(
                        "switches.a",
                        "is required with backend = \"gpio\" (the BCM pin of switch A)",
                    );
                    None
                }
            };
            let b = match (&raw.b, scan) {
                (_, true) => None,
                (Some(input), false) => pin(c, "b", input),
                (None, false) => {
                    c.add(
                        "switches.b",
                        "is required with backend = \"gpio\" and two switches (the BCM pin of \
                         switch B; or mode = \"scan\" for one switch)",
                    );
                    None
                }
            };
            if let (Some(a), Some(b)) = (a, b)
                && a == b
            {
                c.add("switches.b", format!("GPIO {b} is already switches.a"));
            }
            match a {
                Some(a) if scan || b.is_some() => SwitchBackend::Gpio { a, b },
                _ => SwitchBackend::None,
            }
        }
        SwitchBackendKind::Evdev => {
            let path = c.device("switches.path", raw.path.as_deref(), None);
            let a = code(c, "a", raw.a.as_ref(), DEFAULT_CODE_A);
            let b = if scan {
                None
            } else {
                code(c, "b", raw.b.as_ref(), DEFAULT_CODE_B)
            };
            if let (Some(a), Some(b)) = (a, b)
                && a == b
            {
                c.add(
                    "switches.b",
                    "is the same key code as switches.a: the two switches must differ",
                );
            }
            match a {
                Some(a) if scan || b.is_some() => SwitchBackend::Evdev { path, a, b },
                _ => SwitchBackend::None,
            }
        }
    };
    SwitchSettings {
        backend,
        mode,
        dwell,
    }
}

/// The switches' pins must not be the keypad's, the headphone jack's or the indicators': two
/// drivers would claim one pin.
pub(super) fn check_pins_are_free(d: &super::DeviceSettings, c: &mut Check<'_>) {
    for (key, pin) in d.switches.backend.pins() {
        let mut taken = |by: String| {
            c.add(
                format!("switches.{key}"),
                format!("GPIO {pin} is already {by}"),
            );
        };
        if let super::KeypadBackend::Gpio(keys) = &d.keypad.backend
            && keys.pins().any(|p| p == pin)
        {
            taken("a row or column of the keypad (keypad.rows, keypad.columns)".to_owned());
        }
        if let super::HeadphoneBackend::Gpio { pin: jack, .. } = &d.headphones.backend
            && *jack == pin
        {
            taken("headphones.pin".to_owned());
        }
        if let super::IndicatorBackend::Gpio(pins) = &d.indicators.backend
            && let Some((other, _)) = pins.pins().find(|(_, p)| *p == pin)
        {
            taken(format!("indicators.{other}"));
        }
    }
}
