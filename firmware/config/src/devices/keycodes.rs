//! Linux input key code names (`linux/input-event-codes.h`, as `evtest` prints them) that
//! `[keypad.keys]` may name: the digits, letters, function keys, the numeric keypad, arrows and
//! editing keys, volume, and the codes of kiosk and remote-control keypads (`KEY_OK`,
//! `KEY_NUMERIC_0`…, `BTN_0`…). The numbers are the kernel's ABI; the firmware's tests check
//! every entry against the evdev crate's own table (`kiosk-devices`).

/// Named codes outside the regular runs handled in [`code`].
const NAMED: &[(&str, u16)] = &[
    ("KEY_ESC", 1),
    ("KEY_MINUS", 12),
    ("KEY_EQUAL", 13),
    ("KEY_BACKSPACE", 14),
    ("KEY_TAB", 15),
    ("KEY_ENTER", 28),
    ("KEY_KPASTERISK", 55),
    ("KEY_SPACE", 57),
    ("KEY_NUMLOCK", 69),
    ("KEY_KP7", 71),
    ("KEY_KP8", 72),
    ("KEY_KP9", 73),
    ("KEY_KPMINUS", 74),
    ("KEY_KP4", 75),
    ("KEY_KP5", 76),
    ("KEY_KP6", 77),
    ("KEY_KPPLUS", 78),
    ("KEY_KP1", 79),
    ("KEY_KP2", 80),
    ("KEY_KP3", 81),
    ("KEY_KP0", 82),
    ("KEY_KPDOT", 83),
    ("KEY_F11", 87),
    ("KEY_F12", 88),
    ("KEY_KPENTER", 96),
    ("KEY_KPSLASH", 98),
    ("KEY_HOME", 102),
    ("KEY_UP", 103),
    ("KEY_PAGEUP", 104),
    ("KEY_LEFT", 105),
    ("KEY_RIGHT", 106),
    ("KEY_END", 107),
    ("KEY_DOWN", 108),
    ("KEY_PAGEDOWN", 109),
    ("KEY_INSERT", 110),
    ("KEY_DELETE", 111),
    ("KEY_MUTE", 113),
    ("KEY_VOLUMEDOWN", 114),
    ("KEY_VOLUMEUP", 115),
    ("KEY_KPEQUAL", 117),
    ("KEY_KPCOMMA", 121),
    ("KEY_HELP", 138),
    ("KEY_MENU", 139),
    ("KEY_BACK", 158),
    ("KEY_PLAYPAUSE", 164),
    ("KEY_CANCEL", 223),
    ("KEY_OK", 0x160),
    ("KEY_SELECT", 0x161),
    ("KEY_CLEAR", 0x163),
    ("KEY_NUMERIC_STAR", 0x20a),
    ("KEY_NUMERIC_POUND", 0x20b),
];

/// Letters by keyboard row, with the code of each row's first key.
const LETTER_ROWS: [(&str, u16); 3] = [("QWERTYUIOP", 16), ("ASDFGHJKL", 30), ("ZXCVBNM", 44)];

/// The code named `name`, if it is one of the names above.
pub fn code(name: &str) -> Option<u16> {
    if let Some(&(_, code)) = NAMED.iter().find(|(n, _)| *n == name) {
        return Some(code);
    }
    let digit = |s: &str| -> Option<u16> {
        let mut chars = s.chars();
        let d = chars.next()?.to_digit(10)?;
        chars
            .next()
            .is_none()
            .then(|| u16::try_from(d).ok())
            .flatten()
    };
    if let Some(rest) = name.strip_prefix("BTN_") {
        return digit(rest).map(|d| 0x100 + d);
    }
    let rest = name.strip_prefix("KEY_")?;
    if let Some(d) = rest.strip_prefix("NUMERIC_").and_then(digit) {
        return Some(0x200 + d);
    }
    if let Some(d) = digit(rest) {
        // KEY_1 … KEY_9 are 2 … 10, KEY_0 is 11.
        return Some(if d == 0 { 11 } else { d + 1 });
    }
    if let Some(n) = rest.strip_prefix('F').and_then(|n| n.parse::<u16>().ok())
        && !rest[1..].starts_with('0')
    {
        return match n {
            1..=10 => Some(58 + n),
            13..=24 => Some(170 + n),
            _ => None,
        };
    }
    let mut chars = rest.chars();
    if let (Some(letter), None) = (chars.next(), chars.next()) {
        for (row, first) in LETTER_ROWS {
            if let Some(i) = row.find(letter) {
                return u16::try_from(i).ok().map(|i| first + i);
            }
        }
    }
    None
}

/// Every name [`code`] knows, with its code (for the cross-check against evdev).
pub fn all() -> Vec<(String, u16)> {
    let mut names: Vec<String> = NAMED.iter().map(|(n, _)| (*n).to_owned()).collect();
    for d in 0..=9 {
        names.push(format!("KEY_{d}"));
        names.push(format!("KEY_NUMERIC_{d}"));
        names.push(format!("BTN_{d}"));
    }
    names.extend((1..=10).chain(13..=24).map(|n| format!("KEY_F{n}")));
    for (row, _) in LETTER_ROWS {
        names.extend(row.chars().map(|c| format!("KEY_{c}")));
    }
    names
        .into_iter()
        .filter_map(|n| code(&n).map(|c| (n, c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_the_kernels_codes() {
        for (name, code) in [
            ("KEY_ESC", 1),
            ("KEY_1", 2),
            ("KEY_9", 10),
            ("KEY_0", 11),
            ("KEY_Q", 16),
            ("KEY_P", 25),
            ("KEY_A", 30),
            ("KEY_L", 38),
            ("KEY_Z", 44),
            ("KEY_M", 50),
            ("KEY_F1", 59),
            ("KEY_F10", 68),
            ("KEY_F12", 88),
            ("KEY_F13", 183),
            ("KEY_F24", 194),
            ("KEY_KPENTER", 96),
            ("BTN_0", 0x100),
            ("BTN_9", 0x109),
            ("KEY_NUMERIC_5", 0x205),
        ] {
            assert_eq!(super::code(name), Some(code), "{name}");
        }
        for bad in [
            "", "KEY_", "enter", "KEY_ENTR", "KEY_F0", "KEY_F01", "KEY_F25", "KEY_10",
        ] {
            assert_eq!(super::code(bad), None, "{bad}");
        }
        let all = all();
        assert!(all.len() > 120, "{}", all.len());
        let mut codes: Vec<u16> = all.iter().map(|(_, c)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "one name per code");
    }
}
