//! Persian and Arabic-Indic digits, in one place.
//!
//! Visitors type and read Persian digits (۰–۹); some keyboards and scanners send Arabic-Indic
//! digits (٠–٩); storage, the wire and the CLI use ASCII. Every conversion between them goes
//! through this module so that no screen, receipt or prompt formats numbers on its own.

/// Persian (Extended Arabic-Indic) digits, indexed by value.
pub const PERSIAN_DIGITS: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];

/// The Persian thousands separator (U+066C ARABIC THOUSANDS SEPARATOR).
pub const PERSIAN_THOUSANDS_SEPARATOR: char = '٬';

/// The value of a decimal digit in any of the three scripts we accept, or `None`.
pub fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '۰'..='۹' => Some((c as u32 - '۰' as u32) as u8),
        '٠'..='٩' => Some((c as u32 - '٠' as u32) as u8),
        _ => None,
    }
}

/// The three digit scripts [`digit_value`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigitScript {
    /// ASCII `0`–`9` (scanners, card readers, the CLI).
    Ascii,
    /// Persian, Extended Arabic-Indic `۰`–`۹` (Persian keyboards).
    Persian,
    /// Arabic-Indic `٠`–`٩` (Arabic keyboards, some scanners).
    ArabicIndic,
}

impl std::fmt::Display for DigitScript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ascii => "ASCII",
            Self::Persian => "Persian",
            Self::ArabicIndic => "Arabic-Indic",
        })
    }
}

/// The script of a decimal digit, or `None` for any other character.
pub fn digit_script(c: char) -> Option<DigitScript> {
    match c {
        '0'..='9' => Some(DigitScript::Ascii),
        '۰'..='۹' => Some(DigitScript::Persian),
        '٠'..='٩' => Some(DigitScript::ArabicIndic),
        _ => None,
    }
}

/// Replaces Persian and Arabic-Indic digits by ASCII digits; other characters are kept.
pub fn to_ascii_digits(text: &str) -> String {
    text.chars()
        .map(|c| match digit_value(c) {
            Some(v) => char::from(b'0' + v),
            None => c,
        })
        .collect()
}

/// Replaces ASCII and Arabic-Indic digits by Persian digits; other characters are kept.
pub fn to_persian_digits(text: &str) -> String {
    text.chars()
        .map(|c| match digit_value(c) {
            Some(v) => PERSIAN_DIGITS[usize::from(v)],
            None => c,
        })
        .collect()
}

/// Formats an integer with Persian digits and the Persian thousands separator: `۱۲٬۳۴۵`.
pub fn format_number_fa(n: u64) -> String {
    let ascii = n.to_string();
    let mut out = String::with_capacity(ascii.len() * 3);
    for (i, c) in ascii.chars().enumerate() {
        if i > 0 && (ascii.len() - i).is_multiple_of(3) {
            out.push(PERSIAN_THOUSANDS_SEPARATOR);
        }
        out.push(c);
    }
    to_persian_digits(&out)
}

/// Splits a digit string into groups of four from the left, joined by `separator`:
/// `1234567890` → `1234 5678 90`. Used for tracking codes on screen, paper and in speech.
pub fn group_by_four(digits: &str, separator: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The visual separators a visitor or scanner may put between digits: spaces (including the
/// no-break and narrow no-break space), dashes, the Persian ZWNJ and the bidi marks some
/// keyboards insert. Removing them never changes the value.
pub fn is_digit_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{00A0}'
            | '\u{202F}'
            | '\u{2009}'
            | '-'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2212}'
            | '_'
            | '\u{200C}'
            | '\u{200E}'
            | '\u{200F}'
    )
}

/// Whether `c` reads as a plus or minus sign in front of a number: `+` (also full-width and
/// small), the ASCII hyphen-minus, U+2212 MINUS SIGN and the other dashes. Most of them are
/// also [digit separators](is_digit_separator), but only *between* digits; outside the digits
/// they are a sign, which a code or number never has.
pub fn is_sign(c: char) -> bool {
    matches!(
        c,
        '+' | '\u{FE62}' | '\u{FF0B}' | '-' | '\u{2010}'
            ..='\u{2014}' | '\u{2212}' | '\u{FE63}' | '\u{FF0D}'
    )
}

/// The digits of a typed or scanned number (national code, tracking code, mobile number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedDigits {
    /// Their values, in order (any count: the caller judges the length).
    pub digits: Vec<u8>,
    /// Whether the text began with the international `+` (only read when asked for).
    pub plus: bool,
}

/// Why a typed number has no digits to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedDigitsError {
    /// A character that is neither a digit nor a separator, at this 1-based position.
    NotADigit {
        /// 1-based character position.
        position: usize,
    },
    /// A sign before or after the digits (`-0499…`, `…899−`, `+0499…`).
    Sign {
        /// 1-based character position of the sign.
        position: usize,
    },
    /// Digits of two scripts in one number.
    MixedDigitScripts {
        /// 1-based position of the first digit of the other script.
        position: usize,
        /// The script of the first digit.
        first: DigitScript,
        /// The other script.
        found: DigitScript,
    },
}

/// `From<TypedDigitsError>` for a number's own error type, which has the same three variants
/// (`NotADigit`, `Sign`, `MixedDigitScripts`) with the same fields.
macro_rules! typed_digits_errors_into {
    ($error:ty) => {
        impl From<$crate::digits::TypedDigitsError> for $error {
            fn from(e: $crate::digits::TypedDigitsError) -> Self {
                use $crate::digits::TypedDigitsError as E;
                match e {
                    E::NotADigit { position } => Self::NotADigit { position },
                    E::Sign { position } => Self::Sign { position },
                    E::MixedDigitScripts {
                        position,
                        first,
                        found,
                    } => Self::MixedDigitScripts {
                        position,
                        first,
                        found,
                    },
                }
            }
        }
    };
}
pub(crate) use typed_digits_errors_into;

/// Reads the digits of `input`: one digit script throughout, separators (spaces, dashes) only
/// between digits; a dash before the first digit or after the last one is a sign, and so is any
/// plus, except a leading `+` when `plus_prefix` (the international prefix of a phone number).
/// One rule for every number a visitor types, so a national code, a tracking code and a mobile
/// number are judged alike.
pub fn typed_digits(input: &str, plus_prefix: bool) -> Result<TypedDigits, TypedDigitsError> {
    let mut read = TypedDigits {
        digits: Vec::new(),
        plus: false,
    };
    let mut script: Option<DigitScript> = None;
    // A dash before the first digit, or after the latest one: a sign unless a digit follows it
    // (only between digits is a dash a separator).
    let mut leading_dash: Option<usize> = None;
    let mut trailing_dash: Option<usize> = None;
    for (index, c) in input.chars().enumerate() {
        let position = index + 1;
        if let (Some(value), Some(this)) = (digit_value(c), digit_script(c)) {
            if let Some(position) = leading_dash {
                return Err(TypedDigitsError::Sign { position });
            }
            match script {
                None => script = Some(this),
                Some(first) if first != this => {
                    return Err(TypedDigitsError::MixedDigitScripts {
                        position,
                        first,
                        found: this,
                    });
                }
                Some(_) => {}
            }
            trailing_dash = None;
            read.digits.push(value);
        } else if plus_prefix && c == '+' && index == 0 {
            read.plus = true;
        } else if is_sign(c) && (read.digits.is_empty() || is_digit_separator(c)) {
            if !is_digit_separator(c) {
                // A plus before the digits: never a separator, always a sign.
                return Err(TypedDigitsError::Sign {
                    position: leading_dash.unwrap_or(position),
                });
            }
            let slot = if read.digits.is_empty() {
                &mut leading_dash
            } else {
                &mut trailing_dash
            };
            slot.get_or_insert(position);
        } else if !is_digit_separator(c) {
            return Err(TypedDigitsError::NotADigit { position });
        }
    }
    if let Some(position) = trailing_dash {
        return Err(TypedDigitsError::Sign { position });
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_digit_in_every_script_has_its_value() {
        for v in 0..10u8 {
            assert_eq!(digit_value(char::from(b'0' + v)), Some(v));
            assert_eq!(digit_value(PERSIAN_DIGITS[usize::from(v)]), Some(v));
            assert_eq!(
                digit_value(char::from_u32(0x0660 + u32::from(v)).unwrap()),
                Some(v)
            );
        }
        for c in [
            'a', ' ', '/', 'ـ', '\u{06EF}', '\u{06FA}', '\u{065F}', '\u{066A}',
        ] {
            assert_eq!(digit_value(c), None, "{c:?}");
        }
    }

    #[test]
    fn every_digit_has_its_script_and_nothing_else_has_one() {
        for v in 0..10u8 {
            let ascii = char::from(b'0' + v);
            let persian = PERSIAN_DIGITS[usize::from(v)];
            let arabic = char::from_u32(0x0660 + u32::from(v)).unwrap();
            assert_eq!(digit_script(ascii), Some(DigitScript::Ascii));
            assert_eq!(digit_script(persian), Some(DigitScript::Persian));
            assert_eq!(digit_script(arabic), Some(DigitScript::ArabicIndic));
        }
        for c in ['a', ' ', '-', '.', '۰', '٩', '\u{06EF}'] {
            assert_eq!(digit_script(c).is_some(), digit_value(c).is_some(), "{c:?}");
        }
    }

    #[test]
    fn signs_are_plus_minus_and_dashes_only() {
        for c in ['+', '-', '\u{2212}', '\u{2013}', '\u{FF0B}', '\u{FF0D}'] {
            assert!(is_sign(c), "{c:?}");
        }
        for c in ['0', '۰', ' ', '_', '\u{200C}', '\u{00B1}', 'a'] {
            assert!(!is_sign(c), "{c:?}");
        }
        // Every dash that separates digits is a sign when it stands outside them.
        for c in [
            '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2212}',
        ] {
            assert!(is_digit_separator(c) && is_sign(c), "{c:?}");
        }
    }

    #[test]
    fn conversions_round_trip_and_keep_other_characters() {
        assert_eq!(to_persian_digits("1404/01-15 a"), "۱۴۰۴/۰۱-۱۵ a");
        assert_eq!(to_ascii_digits("۱۴۰۴/٠١-۱۵ ب"), "1404/01-15 ب");
        let all = "0123456789";
        assert_eq!(to_ascii_digits(&to_persian_digits(all)), all);
    }

    #[test]
    fn numbers_get_persian_thousands_separators() {
        assert_eq!(format_number_fa(0), "۰");
        assert_eq!(format_number_fa(999), "۹۹۹");
        assert_eq!(format_number_fa(1000), "۱٬۰۰۰");
        assert_eq!(format_number_fa(1234567), "۱٬۲۳۴٬۵۶۷");
    }

    #[test]
    fn grouping_by_four_starts_on_the_left() {
        assert_eq!(
            group_by_four("1234567890123456", " "),
            "1234 5678 9012 3456"
        );
        assert_eq!(group_by_four("1234567890", "-"), "1234-5678-90");
        assert_eq!(group_by_four("", " "), "");
    }
}
