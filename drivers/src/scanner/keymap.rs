//! Key codes of a keyboard-wedge scanner, decoded into text.
//!
//! A USB HID scanner "types" what it reads. It is grabbed exclusively through evdev so nothing
//! reaches the UI, and its key presses are turned back into characters here. A scanner set to
//! a Persian keyboard layout (ISIRI 9147, the standard Persian layout) produces Persian digits
//! on the digit row, and its letters land on Persian characters; both layouts are decoded.
//! Key codes are Linux input event codes (`KEY_1` = 2 …), so this table is independent of the
//! `evdev` crate and fully testable without a device.
//!
//! The evdev device backend that feeds this decoder is [`super::wedge`].

/// Keyboard layout a wedge scanner is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// US QWERTY.
    Us,
    /// Persian standard layout (ISIRI 9147).
    Persian,
}

/// Linux key code of Enter (`KEY_ENTER`): the usual line terminator of a wedge scanner.
pub const KEY_ENTER: u16 = 28;
/// Linux key code of the keypad Enter (`KEY_KPENTER`).
pub const KEY_KPENTER: u16 = 96;
/// Linux key code of Tab (`KEY_TAB`).
pub const KEY_TAB: u16 = 15;
/// Linux key codes of left and right Shift.
pub const KEY_SHIFTS: [u16; 2] = [42, 54];

/// Character of `code` on the digit row and the letter rows, unshifted and shifted, US layout.
const US: &[(u16, char, char)] = &[
    (2, '1', '!'),
    (3, '2', '@'),
    (4, '3', '#'),
    (5, '4', '$'),
    (6, '5', '%'),
    (7, '6', '^'),
    (8, '7', '&'),
    (9, '8', '*'),
    (10, '9', '('),
    (11, '0', ')'),
    (12, '-', '_'),
    (13, '=', '+'),
    (16, 'q', 'Q'),
    (17, 'w', 'W'),
    (18, 'e', 'E'),
    (19, 'r', 'R'),
    (20, 't', 'T'),
    (21, 'y', 'Y'),
    (22, 'u', 'U'),
    (23, 'i', 'I'),
    (24, 'o', 'O'),
    (25, 'p', 'P'),
    (26, '[', '{'),
    (27, ']', '}'),
    (30, 'a', 'A'),
    (31, 's', 'S'),
    (32, 'd', 'D'),
    (33, 'f', 'F'),
    (34, 'g', 'G'),
    (35, 'h', 'H'),
    (36, 'j', 'J'),
    (37, 'k', 'K'),
    (38, 'l', 'L'),
    (39, ';', ':'),
    (40, '\'', '"'),
    (41, '`', '~'),
    (43, '\\', '|'),
    (44, 'z', 'Z'),
    (45, 'x', 'X'),
    (46, 'c', 'C'),
    (47, 'v', 'V'),
    (48, 'b', 'B'),
    (49, 'n', 'N'),
    (50, 'm', 'M'),
    (51, ',', '<'),
    (52, '.', '>'),
    (53, '/', '?'),
    (57, ' ', ' '),
];

/// Persian standard layout, unshifted: digit row gives Persian digits, letter rows Persian
/// letters. Shifted keys fall back to the US table (scanners send Latin URLs with Shift for
/// capitals only when set to US, so this is the rare path).
const FA: &[(u16, char)] = &[
    (2, '۱'),
    (3, '۲'),
    (4, '۳'),
    (5, '۴'),
    (6, '۵'),
    (7, '۶'),
    (8, '۷'),
    (9, '۸'),
    (10, '۹'),
    (11, '۰'),
    (12, '-'),
    (13, '='),
    (16, 'ض'),
    (17, 'ص'),
    (18, 'ث'),
    (19, 'ق'),
    (20, 'ف'),
    (21, 'غ'),
    (22, 'ع'),
    (23, 'ه'),
    (24, 'خ'),
    (25, 'ح'),
    (26, 'ج'),
    (27, 'چ'),
    (30, 'ش'),
    (31, 'س'),
    (32, 'ی'),
    (33, 'ب'),
    (34, 'ل'),
    (35, 'ا'),
    (36, 'ت'),
    (37, 'ن'),
    (38, 'م'),
    (39, 'ک'),
    (40, 'گ'),
    (43, 'پ'),
    (44, 'ظ'),
    (45, 'ط'),
    (46, 'ز'),
    (47, 'ر'),
    (48, 'ذ'),
    (49, 'د'),
    (50, 'ئ'),
    (51, 'و'),
    (52, '.'),
    (53, '/'),
    (57, ' '),
];

/// The character a key press gives, or `None` for keys that give none (modifiers, function
/// keys, unknown codes).
pub fn key_char(layout: Layout, code: u16, shift: bool) -> Option<char> {
    if layout == Layout::Persian
        && !shift
        && let Some(&(_, c)) = FA.iter().find(|(k, _)| *k == code)
    {
        return Some(c);
    }
    US.iter()
        .find(|(k, _, _)| *k == code)
        .map(|&(_, plain, shifted)| if shift { shifted } else { plain })
}

/// Turns key events (code, pressed) into lines, tracking Shift. Enter, keypad Enter and Tab end
/// a line; unknown keys are counted so a line with them can be refused.
#[derive(Debug, Clone)]
pub struct KeyDecoder {
    layout: Layout,
    shift: bool,
    line: String,
    unknown_keys: usize,
}

/// A line typed by a wedge scanner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedLine {
    /// The characters.
    pub text: String,
    /// Key presses that gave no character (a layout mismatch shows up here).
    pub unknown_keys: usize,
}

impl KeyDecoder {
    /// A decoder for a scanner set to `layout`.
    pub fn new(layout: Layout) -> Self {
        Self {
            layout,
            shift: false,
            line: String::new(),
            unknown_keys: 0,
        }
    }

    /// Feeds one key event (`pressed` false for release; auto-repeat counts as a press).
    pub fn key(&mut self, code: u16, pressed: bool) -> Option<TypedLine> {
        if KEY_SHIFTS.contains(&code) {
            self.shift = pressed;
            return None;
        }
        if !pressed {
            return None;
        }
        if matches!(code, KEY_ENTER | KEY_KPENTER | KEY_TAB) {
            if self.line.is_empty() && self.unknown_keys == 0 {
                return None;
            }
            let line = TypedLine {
                text: std::mem::take(&mut self.line),
                unknown_keys: std::mem::take(&mut self.unknown_keys),
            };
            return Some(line);
        }
        match key_char(self.layout, code, self.shift) {
            Some(c) => self.line.push(c),
            None => self.unknown_keys += 1,
        }
        None
    }

    /// Bytes of text typed since the last line ended.
    pub fn pending_len(&self) -> usize {
        self.line.len()
    }

    /// Drops a half-typed line (after a timeout or an unplug); returns what was dropped.
    pub fn flush(&mut self) -> Option<TypedLine> {
        if self.line.is_empty() && self.unknown_keys == 0 {
            return None;
        }
        Some(TypedLine {
            text: std::mem::take(&mut self.line),
            unknown_keys: std::mem::take(&mut self.unknown_keys),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press_all(d: &mut KeyDecoder, codes: &[u16]) -> Option<TypedLine> {
        let mut out = None;
        for &c in codes {
            if let Some(l) = d.key(c, true) {
                out = Some(l);
            }
            d.key(c, false);
        }
        out
    }

    #[test]
    fn us_layout_digits_and_enter_give_a_line() {
        let mut d = KeyDecoder::new(Layout::Us);
        // 0 4 9 9 3 7 0 8 9 9 Enter
        let line = press_all(&mut d, &[11, 5, 10, 10, 4, 8, 11, 9, 10, 10, KEY_ENTER]);
        assert_eq!(line.map(|l| l.text), Some("0499370899".to_owned()));
    }

    #[test]
    fn persian_layout_digit_row_gives_persian_digits_that_classify_as_a_national_code() {
        let mut d = KeyDecoder::new(Layout::Persian);
        let line =
            press_all(&mut d, &[11, 5, 10, 10, 4, 8, 11, 9, 10, 10, KEY_ENTER]).expect("a line");
        assert_eq!(line.text, "۰۴۹۹۳۷۰۸۹۹");
        let class = crate::scanner::classify(&line.text, &Default::default());
        assert_eq!(class.kind(), "national_code");
    }

    #[test]
    fn shift_gives_capitals_and_symbols() {
        let mut d = KeyDecoder::new(Layout::Us);
        d.key(42, true);
        d.key(18, true); // E
        d.key(18, false);
        d.key(42, false);
        d.key(50, true); // m
        d.key(12, true); // -
        assert_eq!(
            d.key(KEY_ENTER, true),
            Some(TypedLine {
                text: "Em-".into(),
                unknown_keys: 0
            })
        );
    }

    #[test]
    fn persian_letters_and_unknown_keys_are_reported() {
        let mut d = KeyDecoder::new(Layout::Persian);
        // س ل ا م then F1 (59, no character)
        let line = press_all(&mut d, &[31, 34, 35, 38, 59, KEY_KPENTER]).expect("a line");
        assert_eq!(line.text, "سلام");
        assert_eq!(line.unknown_keys, 1);
        assert_eq!(d.key(KEY_ENTER, true), None, "an empty line is no line");
    }
}
