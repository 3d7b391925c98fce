//! `[keypad]`: the keypad of a public terminal (digits in telephone layout, Enter, Cancel,
//! Clear, Help, Up/Down, Volume ±, Speed ±, Call staff; `kiosk_drivers::keypad` describes it).
//!
//! - `backend = "gpio"`: a row/column matrix. `rows` and `columns` are BCM pins (top row and
//!   left column first); `layout` says which key sits at each row and column, one list of key
//!   names per row (`""` for an empty position). Without `layout`, the matrix must be 4 rows ×
//!   6 columns and gets [`DEFAULT_KEYPAD_LAYOUT`].
//! - `backend = "evdev"`: a USB HID keypad at `path`; `[keypad.keys]` maps a key name to the
//!   Linux key code name(s) that press it (`enter = ["KEY_ENTER", "KEY_KPENTER"]`, or one name
//!   as a string), replacing that key's default codes; `[]` turns a key off.
//!
//! Key names are [`KEYPAD_KEYS`]; code names are those of [`keycodes`](super::keycodes).
//! Every problem is named by its key (`keypad.layout[1][2]`, `keypad.keys.enter[1]`,
//! `keypad.columns[3]`) and the line it is on.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

use super::{Check, KeypadBackend, KeypadBackendKind, KeypadSettings, RawKeypad, keycodes};

/// The name of every keypad key, as `kiosk_drivers::keypad::Key::name` writes it (the
/// firmware's tests check that the two lists agree).
pub const KEYPAD_KEYS: [&str; 21] = [
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "enter",
    "cancel",
    "clear",
    "help",
    "up",
    "down",
    "volume_up",
    "volume_down",
    "speed_up",
    "speed_down",
    "call_staff",
];

/// The keys a keypad must have: a national code, a mobile number and a tracking code are typed
/// on the digits and confirmed with Enter.
const REQUIRED: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "enter"];

/// The default matrix layout, 4 rows × 6 columns: the digits in telephone layout (1-2-3 on
/// top, 0 at the bottom, the 5 with the raised dot), Help in the `*` position, and the
/// function keys in three columns to the right (the same as the drivers'
/// `keypad::matrix::DEFAULT_LAYOUT`).
pub const DEFAULT_KEYPAD_LAYOUT: [[&str; 6]; 4] = [
    ["1", "2", "3", "cancel", "up", "volume_up"],
    ["4", "5", "6", "clear", "down", "volume_down"],
    ["7", "8", "9", "enter", "speed_up", "call_staff"],
    ["help", "0", "", "", "speed_down", ""],
];

/// Most row or column pins.
const MAX_LINES: usize = 16;

/// A matrix keypad on GPIO, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeypadMatrix {
    /// BCM pins of the rows, top row first.
    pub rows: Vec<u8>,
    /// BCM pins of the columns, left column first.
    pub columns: Vec<u8>,
    /// The key at each row and column (names from [`KEYPAD_KEYS`]; `None`: no key there),
    /// `rows.len()` lists of `columns.len()` positions.
    pub layout: Vec<Vec<Option<&'static str>>>,
}

impl KeypadMatrix {
    /// Every pin of the matrix, rows then columns.
    pub fn pins(&self) -> impl Iterator<Item = u8> + '_ {
        self.rows.iter().chain(&self.columns).copied()
    }
}

/// A `[keypad.keys]` value as written: one code name, a list of them, or something else
/// (reported by the check, not by the shape, so it is named like every other keypad mistake).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawCodes {
    One(String),
    Many(Vec<String>),
    Wrong(String),
}

impl<'de> Deserialize<'de> for RawCodes {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Codes;
        impl<'de> Visitor<'de> for Codes {
            type Value = RawCodes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key code name or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawCodes, E> {
                Ok(RawCodes::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawCodes, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(RawCodes::Many(names))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawCodes, E> {
                Ok(RawCodes::Wrong(format!("the number {v}")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawCodes, E> {
                Ok(RawCodes::Wrong(format!("the number {v}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawCodes, E> {
                Ok(RawCodes::Wrong(format!("the number {v}")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawCodes, E> {
                Ok(RawCodes::Wrong(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawCodes, E> {
                Ok(RawCodes::Wrong("nothing".to_owned()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawCodes, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(RawCodes::Wrong("a table".to_owned()))
            }
        }
        deserializer.deserialize_any(Codes)
    }
}

/// The name in [`KEYPAD_KEYS`] equal to `name`.
fn key_name(name: &str) -> Option<&'static str> {
    KEYPAD_KEYS.iter().copied().find(|k| *k == name)
}

/// Why `name` is not a key, with the names of the old eight-key keypad pointed to their
/// successors.
fn not_a_key(name: &str) -> String {
    let hint = match name {
        "select" => " (it is now \"enter\")",
        "back" => " (it is now \"cancel\")",
        _ => "",
    };
    format!(
        "{name:?} is not a keypad key{hint}; the keys are {}",
        KEYPAD_KEYS
            .iter()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

pub(super) fn check(raw: RawKeypad, c: &mut Check<'_>) -> KeypadSettings {
    let defaults = KeypadSettings::default();
    let kind = raw.backend.unwrap_or(KeypadBackendKind::None);
    let gpio = kind == KeypadBackendKind::Gpio;
    let evdev = kind == KeypadBackendKind::Evdev;
    c.unused(
        "keypad",
        &format!("backend = {:?}", format!("{kind:?}").to_ascii_lowercase()),
        &[
            ("path", raw.path.is_some() && !evdev),
            ("rows", raw.rows.is_some() && !gpio),
            ("columns", raw.columns.is_some() && !gpio),
            ("layout", raw.layout.is_some() && !gpio),
            ("keys", raw.keys.is_some() && !evdev),
        ],
    );
    let backend = match kind {
        KeypadBackendKind::None => KeypadBackend::None,
        KeypadBackendKind::Sim => KeypadBackend::Sim,
        KeypadBackendKind::Evdev => KeypadBackend::Evdev {
            path: c.device("keypad.path", raw.path.as_deref(), None),
            keys: raw.keys.as_ref().map(|k| keys(k, c)).unwrap_or_default(),
        },
        KeypadBackendKind::Gpio => {
            match matrix(raw.rows.as_deref(), raw.columns.as_deref(), raw.layout, c) {
                Some(m) => KeypadBackend::Gpio(m),
                None => KeypadBackend::None,
            }
        }
    };
    KeypadSettings {
        backend,
        long_press: c.millis(
            "keypad.long_press_ms",
            raw.long_press_ms,
            300..=10_000,
            defaults.long_press,
        ),
    }
}

/// The pins of `rows` or `columns`; each a BCM GPIO, none used twice across both lists.
fn pins(
    c: &mut Check<'_>,
    list: &str,
    values: Option<&[i64]>,
    what: &str,
    seen: &mut Vec<(u8, String)>,
) -> Option<Vec<u8>> {
    let key = format!("keypad.{list}");
    let Some(values) = values else {
        c.add(
            key,
            format!("is required with backend = \"gpio\" (the BCM pins of the {what})"),
        );
        return None;
    };
    if values.is_empty() || values.len() > MAX_LINES {
        c.add(
            key,
            format!("must list 1 to {MAX_LINES} pins, not {}", values.len()),
        );
        return None;
    }
    let mut ok = true;
    let mut out = Vec::new();
    for (i, &value) in values.iter().enumerate() {
        let key = format!("keypad.{list}[{i}]");
        let Some(pin) = u8::try_from(value).ok().filter(|p| *p <= 27) else {
            c.add(
                key,
                format!("must be a BCM GPIO number from 0 to 27, not {value}"),
            );
            ok = false;
            continue;
        };
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == pin) {
            c.add(key, format!("GPIO {pin} is already {other}"));
            ok = false;
        } else {
            seen.push((pin, key));
        }
        out.push(pin);
    }
    ok.then_some(out)
}

fn matrix(
    rows: Option<&[i64]>,
    columns: Option<&[i64]>,
    layout: Option<Vec<Vec<String>>>,
    c: &mut Check<'_>,
) -> Option<KeypadMatrix> {
    let mut seen = Vec::new();
    let rows = pins(c, "rows", rows, "rows, top row first", &mut seen);
    let columns = pins(c, "columns", columns, "columns, left first", &mut seen);
    let layout = match layout {
        Some(layout) => Some(named_layout(&layout, c)?),
        None => None,
    };
    let (rows, columns) = (rows?, columns?);
    let layout = match layout {
        None if rows.len() == DEFAULT_KEYPAD_LAYOUT.len()
            && columns.len() == DEFAULT_KEYPAD_LAYOUT[0].len() =>
        {
            DEFAULT_KEYPAD_LAYOUT
                .iter()
                .map(|row| row.iter().map(|k| key_name(k)).collect())
                .collect()
        }
        None => {
            c.add(
                "keypad.layout",
                format!(
                    "is required for a matrix of {} rows × {} columns (the default layout is 4 \
                     rows × 6 columns)",
                    rows.len(),
                    columns.len()
                ),
            );
            return None;
        }
        Some(layout) => {
            let mut fits = true;
            if layout.len() != rows.len() {
                c.add(
                    "keypad.layout",
                    format!(
                        "has {} rows, but keypad.rows has {} pins",
                        layout.len(),
                        rows.len()
                    ),
                );
                fits = false;
            }
            for (r, row) in layout.iter().enumerate() {
                if row.len() != columns.len() {
                    c.add(
                        format!("keypad.layout[{r}]"),
                        format!(
                            "has {} positions, but keypad.columns has {} pins",
                            row.len(),
                            columns.len()
                        ),
                    );
                    fits = false;
                }
            }
            if !fits {
                return None;
            }
            layout
        }
    };
    Some(KeypadMatrix {
        rows,
        columns,
        layout,
    })
}

/// The layout's names checked: each a key or `""`, each key once, the digits and Enter there.
fn named_layout(
    layout: &[Vec<String>],
    c: &mut Check<'_>,
) -> Option<Vec<Vec<Option<&'static str>>>> {
    let mut ok = true;
    let mut placed: Vec<(&'static str, String)> = Vec::new();
    let mut out = Vec::new();
    for (r, row) in layout.iter().enumerate() {
        let mut names = Vec::new();
        for (col, name) in row.iter().enumerate() {
            let key = format!("keypad.layout[{r}][{col}]");
            let name = name.trim();
            if name.is_empty() {
                names.push(None);
                continue;
            }
            let Some(known) = key_name(name) else {
                c.add(key, not_a_key(name));
                ok = false;
                names.push(None);
                continue;
            };
            if let Some((_, at)) = placed.iter().find(|(k, _)| *k == known) {
                c.add(key, format!("{known:?} is already at {at}"));
                ok = false;
            } else {
                placed.push((known, key));
            }
            names.push(Some(known));
        }
        out.push(names);
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|k| !placed.iter().any(|(p, _)| p == *k))
        .map(|k| format!("{k:?}"))
        .collect();
    if ok && !missing.is_empty() {
        c.add(
            "keypad.layout",
            format!(
                "has no {} key; the digits 0 to 9 and enter are required (codes and numbers \
                 are typed on them)",
                missing.join(", ")
            ),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// `[keypad.keys]`: each name a key, each code a known code name given to one key only.
fn keys(raw: &BTreeMap<String, RawCodes>, c: &mut Check<'_>) -> Vec<(&'static str, Vec<u16>)> {
    let mut out = Vec::new();
    let mut given: Vec<(u16, String)> = Vec::new();
    for (name, codes) in raw {
        let key = format!("keypad.keys.{name}");
        let Some(known) = key_name(name) else {
            c.add(key, not_a_key(name));
            continue;
        };
        let names: Vec<(String, &String)> = match codes {
            RawCodes::One(code) => vec![(key.clone(), code)],
            RawCodes::Many(list) => list
                .iter()
                .enumerate()
                .map(|(i, code)| (format!("{key}[{i}]"), code))
                .collect(),
            RawCodes::Wrong(what) => {
                c.add(
                    key,
                    format!(
                        "must be a Linux key code name (\"KEY_KPENTER\") or a list of them, not \
                         {what}"
                    ),
                );
                continue;
            }
        };
        let mut found = Vec::new();
        for (at, code_name) in names {
            let code_name = code_name.trim();
            let Some(code) = keycodes::code(code_name) else {
                c.add(
                    at,
                    format!(
                        "{code_name:?} is not a Linux key code name this kiosk knows (e.g. \
                         \"KEY_KP5\", \"KEY_ENTER\", \"KEY_F4\"; `evtest` shows a keypad's codes)"
                    ),
                );
                continue;
            };
            if let Some((_, other)) = given.iter().find(|(g, _)| *g == code) {
                c.add(at, format!("{code_name} is already given to {other}"));
                continue;
            }
            given.push((code, at));
            found.push(code);
        }
        out.push((known, found));
    }
    out
}
