//! The on-screen keyboards: key placement for the Slint `Keyboard` component and the meaning of
//! each key id. Persian text is typed on our own keyboard (Slint's TextInput has wrong cursor
//! handling for Persian), so the text lives in Rust and the screen only shows it.

use slint::SharedString;

use crate::KeyData;
use crate::view_model::{Key, Keyboard};

/// Zero-width non-joiner, the Persian half-space.
pub const ZWNJ: char = '\u{200c}';

/// A keyboard ready for the `Keyboard` component.
pub(crate) struct Layout {
    pub keys: Vec<KeyData>,
    pub rows: i32,
    pub units: f32,
}

const PERSIAN_ROWS: [&str; 4] = ["۱۲۳۴۵۶۷۸۹۰", "ضصثقفغعهخحجچ", "شسیبلاتنمکگ", "ظطزرذدپوژآ"];

const LATIN_ROWS: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// Persian digit for an ASCII digit.
fn persian_digit(d: u32) -> char {
    char::from_u32(0x06F0 + d).unwrap_or('?')
}

fn key(id: String, label: String, name: &str, row: i32, col: f32, span: f32) -> KeyData {
    KeyData {
        id: id.into(),
        label: label.into(),
        name: SharedString::from(name),
        row,
        col,
        span,
    }
}

/// Letter keys and the bottom row of a text keyboard, left to right as on a physical keyboard:
/// the standard Persian layout (ISIRI 9147) puts ض where Latin has Q, so it is not mirrored.
fn text_layout(rows: &[&str; 4], persian: bool) -> Layout {
    let units = 12.0;
    let mut keys = Vec::new();
    for (r, letters) in rows.iter().enumerate() {
        let count = letters.chars().count() as f32;
        let offset = (units - count) / 2.0;
        for (i, c) in letters.chars().enumerate() {
            // Digits on a text keyboard are characters of the text (Persian digits in
            // Persian), not keypad digits.
            let id = format!("c:{c}");
            keys.push(key(id, c.to_string(), "", r as i32, offset + i as f32, 1.0));
        }
    }
    let (space, half, delete) = if persian {
        ("فاصله", "نیم‌فاصله", "حذف")
    } else {
        ("space", "", "delete")
    };
    let row = rows.len() as i32;
    if persian {
        keys.push(key("c:\u{200c}".into(), half.into(), half, row, 0.0, 2.5));
        keys.push(key("c: ".into(), space.into(), space, row, 2.5, 6.5));
    } else {
        keys.push(key("c: ".into(), space.into(), space, row, 0.0, 9.0));
    }
    keys.push(key("bs".into(), "⌫".into(), delete, row, 9.0, 3.0));
    Layout {
        keys,
        rows: row + 1,
        units,
    }
}

/// A 3×4 digit pad, laid out like the tactile keypad and phones.
fn digit_layout(persian: bool) -> Layout {
    let mut keys = Vec::new();
    let face = |d: u32| {
        if persian {
            persian_digit(d).to_string()
        } else {
            d.to_string()
        }
    };
    for d in 1..=9u32 {
        let i = (d - 1) as i32;
        keys.push(key(
            format!("d:{d}"),
            face(d),
            "",
            i / 3,
            (i % 3) as f32,
            1.0,
        ));
    }
    keys.push(key("d:0".into(), face(0), "", 3, 1.0, 1.0));
    let delete = if persian { "حذف" } else { "delete" };
    keys.push(key("bs".into(), "⌫".into(), delete, 3, 2.0, 1.0));
    Layout {
        keys,
        rows: 4,
        units: 3.0,
    }
}

/// The keys of a keyboard; `persian` picks the digits' face on a digit pad.
pub(crate) fn layout(keyboard: Keyboard, persian: bool) -> Layout {
    match keyboard {
        Keyboard::None => Layout {
            keys: Vec::new(),
            rows: 0,
            units: 1.0,
        },
        Keyboard::Digits => digit_layout(persian),
        Keyboard::Persian => text_layout(&PERSIAN_ROWS, true),
        Keyboard::Latin => text_layout(&LATIN_ROWS, false),
    }
}

/// The keys of an on-screen keyboard by their accessible labels (the name of a named key such
/// as «حذف», else what the key shows), each with what it types: how a script or an assistive
/// tool presses a key it reads, as the visitor does.
pub fn labelled_keys(keyboard: Keyboard, persian: bool) -> Vec<(String, Key)> {
    layout(keyboard, persian)
        .keys
        .iter()
        .filter_map(|k| {
            let label = if k.name.is_empty() { &k.label } else { &k.name };
            parse_key(&k.id).map(|key| (label.to_string(), key))
        })
        .collect()
}

/// The id of `key` on our keyboards (the inverse of [`parse_key`]).
pub(crate) fn key_id(key: Key) -> String {
    match key {
        Key::Digit(d) => format!("d:{d}"),
        Key::Char(c) => format!("c:{c}"),
        Key::Backspace => "bs".to_owned(),
    }
}

/// What a key id means (`None`: not a key of ours).
pub fn parse_key(id: &str) -> Option<Key> {
    if id == "bs" {
        return Some(Key::Backspace);
    }
    if let Some(d) = id.strip_prefix("d:") {
        let d: u8 = d.parse().ok()?;
        return (d <= 9).then_some(Key::Digit(d));
    }
    let rest = id.strip_prefix("c:")?;
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(Key::Char(c)),
        _ => None,
    }
}

/// What a key of a physical keyboard or of the tactile keypad means: digits are digits, a
/// printable character is typed; Slint's special keys (arrows, function keys: private-use
/// characters) and control characters are ignored.
pub fn physical_key(text: &str) -> Option<Key> {
    let mut chars = text.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return None;
    };
    let private_use = ('\u{E000}'..='\u{F8FF}').contains(&c);
    match c.to_digit(10) {
        Some(d) if c.is_ascii_digit() => Some(Key::Digit(d as u8)),
        _ if c.is_control() || private_use => None,
        _ => Some(Key::Char(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persian_digit_value(c: char) -> Option<u32> {
        let v = (c as u32).checked_sub(0x06F0)?;
        (v <= 9).then_some(v)
    }

    #[test]
    fn every_key_id_parses_to_what_its_face_shows() {
        for keyboard in [Keyboard::Digits, Keyboard::Persian, Keyboard::Latin] {
            for persian in [true, false] {
                for k in layout(keyboard, persian).keys {
                    let parsed = parse_key(&k.id);
                    let Some(parsed) = parsed else {
                        panic!("key {:?} does not parse", k.id);
                    };
                    match parsed {
                        Key::Digit(d) => {
                            let face =
                                k.label.chars().next().and_then(|c| {
                                    c.to_digit(10).or_else(|| persian_digit_value(c))
                                });
                            assert_eq!(face, Some(u32::from(d)), "{:?}", k.label);
                        }
                        Key::Char(' ') | Key::Char(ZWNJ) | Key::Backspace => {
                            assert!(!k.name.is_empty(), "{:?} needs a spoken name", k.id);
                        }
                        Key::Char(c) => assert_eq!(k.label.as_str(), c.to_string()),
                    }
                }
            }
        }
    }

    #[test]
    fn persian_keyboard_follows_the_standard_layout_left_to_right() {
        let l = layout(Keyboard::Persian, true);
        let leftmost = |row: i32| {
            l.keys
                .iter()
                .filter(|k| k.row == row)
                .min_by(|a, b| a.col.total_cmp(&b.col))
                .map(|k| k.label.to_string())
        };
        assert_eq!(leftmost(0).as_deref(), Some("۱"));
        assert_eq!(leftmost(1).as_deref(), Some("ض"));
        assert_eq!(leftmost(2).as_deref(), Some("ش"));
        assert_eq!(leftmost(3).as_deref(), Some("ظ"));
        // Delete at the right end of the bottom row, as on a physical keyboard.
        let delete = l.keys.iter().find(|k| k.id == "bs").expect("delete key");
        assert!((delete.col + delete.span - l.units).abs() < 1e-6);
        // Keys stay inside the grid and never overlap in a row.
        assert!(
            l.keys
                .iter()
                .all(|k| k.col >= 0.0 && k.col + k.span <= l.units)
        );
        for a in &l.keys {
            for b in &l.keys {
                if a.id != b.id && a.row == b.row {
                    assert!(a.col + a.span <= b.col + 1e-6 || b.col + b.span <= a.col + 1e-6);
                }
            }
        }
    }

    #[test]
    fn physical_keys_type_digits_and_letters_only() {
        assert_eq!(physical_key("7"), Some(Key::Digit(7)));
        assert_eq!(physical_key("ب"), Some(Key::Char('ب')));
        assert_eq!(physical_key("\u{F700}"), None, "arrow keys are not text");
        assert_eq!(physical_key("\u{1b}"), None, "escape is not text");
        assert_eq!(physical_key("ab"), None);
        assert_eq!(physical_key(""), None);
    }

    #[test]
    fn foreign_ids_are_refused() {
        assert_eq!(parse_key("d:12"), None);
        assert_eq!(parse_key("c:ab"), None);
        assert_eq!(parse_key("start"), None);
        assert_eq!(parse_key("d:7"), Some(Key::Digit(7)));
        assert_eq!(parse_key("c:ب"), Some(Key::Char('ب')));
    }
}
