//! The Iranian national code (کد ملی): parsing, checksum and the reasons a code is refused.
//!
//! Contract: Persian, Arabic-Indic or ASCII digits are accepted, one script per code (no keypad,
//! scanner or card reader mixes them: docs/rules.md "Input rules"), with spaces and dashes
//! between them; a plus, minus or dash before the first digit or after the last is a sign and
//! is refused (`-0499370899` is not `0499370899`); 8 to 10 digits, left-padded with zeros to 10
//! (old cards drop leading zeros); the tenth digit checks the first nine (weights 10..2, mod
//! 11); codes made of one repeated digit pass the checksum and are refused explicitly, except
//! `1111111111` which a test or training kiosk may accept when the configuration says so (it is
//! then flagged); codes whose digits 4 to 9 are all zero are refused. City prefixes are
//! deliberately not checked: real codes fail such lists.

use std::fmt;

use crate::digits::{DigitScript, typed_digits};

/// Number of digits in a normalized national code.
pub const LEN: usize = 10;
/// Fewest digits accepted before left-padding.
pub const MIN_INPUT_DIGITS: usize = 8;

/// A valid national code, normalized to ten ASCII digits.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalCode {
    digits: [u8; LEN],
    test_code: bool,
}

/// How strictly a national code is judged; comes from the kiosk configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NationalCodePolicy {
    /// Accept the all-ones code `1111111111` (it passes the checksum) and flag it as a test
    /// code. Only for training and test kiosks; off on a real desk.
    pub accept_test_code: bool,
}

/// Why a national code was refused. One reason per failure, each with a Persian message for the
/// visitor ([`NationalCodeError::message_fa`]) and an English one for logs (`Display`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NationalCodeError {
    /// Nothing but separators was entered.
    #[error("national code is empty")]
    Empty,
    /// A character that is neither a digit nor a separator.
    #[error("national code contains a character that is not a digit at position {position}")]
    NotADigit {
        /// 1-based position of the character in the input.
        position: usize,
    },
    /// A plus, minus or dash before the first digit or after the last: the input reads as a
    /// signed number (dashes are accepted only between digits).
    #[error(
        "national code has a sign (plus, minus or dash) outside its digits at position {position}"
    )]
    Sign {
        /// 1-based position of the sign in the input.
        position: usize,
    },
    /// Digits of more than one script (ASCII, Persian, Arabic-Indic) in one code.
    #[error("national code mixes {first} and {found} digits (position {position})")]
    MixedDigitScripts {
        /// 1-based position of the first digit in another script.
        position: usize,
        /// Script of the code's first digit.
        first: DigitScript,
        /// Script of the digit at `position`.
        found: DigitScript,
    },
    /// Fewer than 8 digits.
    #[error("national code has {digits} digits, at least 8 are needed")]
    TooShort {
        /// Number of digits found.
        digits: usize,
    },
    /// More than 10 digits.
    #[error("national code has {digits} digits, at most 10 are allowed")]
    TooLong {
        /// Number of digits found.
        digits: usize,
    },
    /// All ten digits are the same.
    #[error("national code is one digit repeated")]
    AllSameDigits,
    /// Digits 4 to 9 are all zero.
    #[error("national code has zeros in all of digits 4 to 9")]
    MiddleDigitsZero,
    /// The check digit does not match the first nine digits.
    #[error("national code check digit does not match (expected {expected}, found {found})")]
    ChecksumMismatch {
        /// The check digit the first nine digits call for.
        expected: u8,
        /// The check digit entered.
        found: u8,
    },
}

impl NationalCodeError {
    /// The message shown to the visitor, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Empty => "کد ملی وارد نشده است.",
            Self::NotADigit { .. } => "کد ملی فقط باید رقم داشته باشد.",
            Self::Sign { .. } => "کد ملی علامت مثبت یا منفی ندارد؛ فقط رقم‌ها را وارد کنید.",
            Self::MixedDigitScripts { .. } => {
                "رقم‌های کد ملی باید همه از یک نوع باشند: همه فارسی یا همه انگلیسی."
            }
            Self::TooShort { .. } => "کد ملی کوتاه است؛ کد ملی ده رقم دارد.",
            Self::TooLong { .. } => "کد ملی بلند است؛ کد ملی ده رقم دارد.",
            Self::AllSameDigits => "کد ملی نمی‌تواند از یک رقم تکراری باشد.",
            Self::MiddleDigitsZero => "کد ملی معتبر نیست؛ رقم‌های چهارم تا نهم همه صفرند.",
            Self::ChecksumMismatch { .. } => "کد ملی معتبر نیست؛ لطفاً رقم‌ها را دوباره بررسی کنید.",
        }
    }

    /// A stable snake_case name of the reason, for `--json` output and metrics.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotADigit { .. } => "not_a_digit",
            Self::Sign { .. } => "sign",
            Self::MixedDigitScripts { .. } => "mixed_digit_scripts",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::AllSameDigits => "all_same_digits",
            Self::MiddleDigitsZero => "middle_digits_zero",
            Self::ChecksumMismatch { .. } => "checksum_mismatch",
        }
    }
}

/// The check digit the first nine digits call for.
pub fn expected_check_digit(first_nine: &[u8; 9]) -> u8 {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(&d, weight)| u32::from(d) * weight)
        .sum();
    let r = (sum % 11) as u8;
    if r < 2 { r } else { 11 - r }
}

crate::digits::typed_digits_errors_into!(NationalCodeError);

impl NationalCode {
    /// Parses what a visitor typed or a scanner read.
    pub fn parse(input: &str, policy: &NationalCodePolicy) -> Result<Self, NationalCodeError> {
        let read = typed_digits(input, false)?;
        let count = read.digits.len();
        match count {
            0 => return Err(NationalCodeError::Empty),
            n if n < MIN_INPUT_DIGITS => return Err(NationalCodeError::TooShort { digits: n }),
            n if n > LEN => return Err(NationalCodeError::TooLong { digits: n }),
            _ => {}
        }
        let mut digits = [0u8; LEN];
        digits[LEN - count..].copy_from_slice(&read.digits);
        Self::from_digits(digits, policy)
    }

    /// Judges ten digits (each 0..=9).
    fn from_digits(
        digits: [u8; LEN],
        policy: &NationalCodePolicy,
    ) -> Result<Self, NationalCodeError> {
        let all_same = digits.iter().all(|&d| d == digits[0]);
        let test_code = all_same && digits[0] == 1;
        if all_same && !(test_code && policy.accept_test_code) {
            return Err(NationalCodeError::AllSameDigits);
        }
        if digits[3..9].iter().all(|&d| d == 0) {
            return Err(NationalCodeError::MiddleDigitsZero);
        }
        let mut first_nine = [0u8; 9];
        first_nine.copy_from_slice(&digits[..9]);
        let expected = expected_check_digit(&first_nine);
        if digits[9] != expected {
            return Err(NationalCodeError::ChecksumMismatch {
                expected,
                found: digits[9],
            });
        }
        Ok(Self { digits, test_code })
    }

    /// The ten digits as ASCII text.
    pub fn as_string(&self) -> String {
        self.digits.iter().map(|&d| char::from(b'0' + d)).collect()
    }

    /// Whether this is the all-ones test code accepted by a test-mode policy.
    pub fn is_test_code(&self) -> bool {
        self.test_code
    }

    /// The code with all but the last four digits hidden, for receipts, screens and logs:
    /// `******1234`.
    pub fn masked(&self) -> String {
        let tail: String = self.digits[6..]
            .iter()
            .map(|&d| char::from(b'0' + d))
            .collect();
        format!("******{tail}")
    }
}

impl fmt::Display for NationalCode {
    /// Displays the masked form: a national code must never reach a log in clear by accident.
    /// Use [`NationalCode::as_string`] where the full code is really needed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for NationalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalCode({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: NationalCodePolicy = NationalCodePolicy {
        accept_test_code: false,
    };
    const TESTING: NationalCodePolicy = NationalCodePolicy {
        accept_test_code: true,
    };

    /// Builds a valid code from nine digits by appending the right check digit.
    fn with_check(first_nine: [u8; 9]) -> String {
        let check = expected_check_digit(&first_nine);
        first_nine
            .iter()
            .chain(std::iter::once(&check))
            .map(|&d| char::from(b'0' + d))
            .collect()
    }

    #[test]
    fn known_valid_codes_are_accepted() {
        // Check digits computed by hand: 0499370899 → s = 0*10+4*9+9*8+9*7+3*6+7*5+0*4+8*3+9*2 = 266,
        // 266 mod 11 = 2, check = 9.
        for code in [
            "0499370899",
            "0790419904",
            "0084575948",
            "0067749828",
            "1234567891",
        ] {
            let parsed = NationalCode::parse(code, &STRICT);
            assert!(parsed.is_ok(), "{code}: {parsed:?}");
            assert_eq!(parsed.unwrap().as_string(), code);
        }
    }

    #[test]
    fn persian_arabic_and_separators_normalize_to_ascii() {
        let expected = "0499370899";
        for input in [
            "۰۴۹۹۳۷۰۸۹۹",
            "٠٤٩٩٣٧٠٨٩٩",
            "049-937089-9",
            " 0499 3708 99 ",
            "۰۴۹-۹۳۷۰۸۹-۹",
            "0\u{200C}499370899",
        ] {
            assert_eq!(
                NationalCode::parse(input, &STRICT).unwrap().as_string(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn eight_and_nine_digits_are_left_padded() {
        assert_eq!(
            NationalCode::parse("84575948", &STRICT)
                .unwrap()
                .as_string(),
            "0084575948"
        );
        assert_eq!(
            NationalCode::parse("499370899", &STRICT)
                .unwrap()
                .as_string(),
            "0499370899"
        );
    }

    #[test]
    fn every_wrong_check_digit_is_refused_with_the_expected_one() {
        for found in 0..10u8 {
            let code = format!("049937089{found}");
            let result = NationalCode::parse(&code, &STRICT);
            if found == 9 {
                assert!(result.is_ok());
            } else {
                assert_eq!(
                    result,
                    Err(NationalCodeError::ChecksumMismatch { expected: 9, found })
                );
            }
        }
    }

    #[test]
    fn every_checksum_remainder_is_handled() {
        // Exhaustive over the remainder: for each r in 0..11 find nine digits with that
        // remainder and check the rule r < 2 → r, else 11 - r.
        let mut seen = [false; 11];
        for n in 100_000_000u32..100_200_000 {
            let mut nine = [0u8; 9];
            let mut m = n;
            for slot in nine.iter_mut().rev() {
                *slot = (m % 10) as u8;
                m /= 10;
            }
            let sum: u32 = nine
                .iter()
                .enumerate()
                .map(|(i, &d)| u32::from(d) * (10 - i as u32))
                .sum();
            let r = (sum % 11) as usize;
            let check = expected_check_digit(&nine);
            assert_eq!(
                u32::from(check),
                if r < 2 { r as u32 } else { 11 - r as u32 }
            );
            seen[r] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn all_same_digits_are_refused_and_test_code_only_by_policy() {
        for d in 0..10u8 {
            let code: String = std::iter::repeat_n(char::from(b'0' + d), 10).collect();
            let err = NationalCode::parse(&code, &STRICT).unwrap_err();
            assert_eq!(err, NationalCodeError::AllSameDigits, "{code}");
            if d != 1 {
                assert!(NationalCode::parse(&code, &TESTING).is_err(), "{code}");
            }
        }
        let test = NationalCode::parse("1111111111", &TESTING).unwrap();
        assert!(test.is_test_code());
        assert!(
            !NationalCode::parse("0499370899", &TESTING)
                .unwrap()
                .is_test_code()
        );
    }

    #[test]
    fn zero_middle_digits_are_refused_even_with_a_good_checksum() {
        let code = with_check([1, 2, 3, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            NationalCode::parse(&code, &STRICT),
            Err(NationalCodeError::MiddleDigitsZero)
        );
        // Eight digits padded: 00 + 1 + 00000 0 + check → digits 4..9 zero too.
        let padded = with_check([0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            NationalCode::parse(&padded[2..], &STRICT),
            Err(NationalCodeError::MiddleDigitsZero)
        );
    }

    #[test]
    fn length_and_character_errors_name_the_problem() {
        assert_eq!(
            NationalCode::parse("", &STRICT),
            Err(NationalCodeError::Empty)
        );
        assert_eq!(
            NationalCode::parse(" - ", &STRICT),
            Err(NationalCodeError::Empty)
        );
        assert_eq!(
            NationalCode::parse("1234567", &STRICT),
            Err(NationalCodeError::TooShort { digits: 7 })
        );
        assert_eq!(
            NationalCode::parse("04993708991", &STRICT),
            Err(NationalCodeError::TooLong { digits: 11 })
        );
        assert_eq!(
            NationalCode::parse("04993a0899", &STRICT),
            Err(NationalCodeError::NotADigit { position: 6 })
        );
        assert_eq!(
            NationalCode::parse("۰۴۹۹۳۷۰۸۹۹.", &STRICT),
            Err(NationalCodeError::NotADigit { position: 11 })
        );
    }

    #[test]
    fn a_sign_before_or_after_the_digits_is_refused_as_a_sign() {
        for (input, position) in [
            ("-0499370899", 1),
            ("+0499370899", 1),
            ("\u{2212}0499370899", 1),
            ("\u{2013}0499370899", 1),
            ("\u{FF0B}0499370899", 1),
            (" - 0499370899", 2),
            ("\u{200E}-0499370899", 2),
            ("--0499370899", 1),
            ("۰۴۹۹۳۷۰۸۹۹-", 11),
            ("0499370899 \u{2212} ", 12),
        ] {
            assert_eq!(
                NationalCode::parse(input, &STRICT),
                Err(NationalCodeError::Sign { position }),
                "{input:?}"
            );
        }
        // Between digits a dash (U+2212 too) is still a separator; a plus never is.
        assert!(NationalCode::parse("049\u{2212}9370899", &STRICT).is_ok());
        assert!(NationalCode::parse(" 049-937089-9 ", &STRICT).is_ok());
        assert_eq!(
            NationalCode::parse("049+9370899", &STRICT),
            Err(NationalCodeError::NotADigit { position: 4 })
        );
        // Dashes alone are still nothing entered.
        assert_eq!(
            NationalCode::parse("-", &STRICT),
            Err(NationalCodeError::Empty)
        );
    }

    #[test]
    fn digits_of_two_scripts_in_one_code_are_refused() {
        use crate::digits::DigitScript::{ArabicIndic, Ascii, Persian};
        for (input, position, first, found) in [
            ("049937089۹", 10, Ascii, Persian),
            ("۰499370899", 2, Persian, Ascii),
            // The last digit is Arabic-Indic nine, drawn like the Persian nine before it.
            ("۰۴۹۹۳۷۰۸۹٩", 10, Persian, ArabicIndic),
            ("٠٤٩٩ 3708٩٩", 6, ArabicIndic, Ascii),
        ] {
            assert_eq!(
                NationalCode::parse(input, &STRICT),
                Err(NationalCodeError::MixedDigitScripts {
                    position,
                    first,
                    found
                }),
                "{input:?}"
            );
        }
    }

    #[test]
    fn every_error_has_a_persian_message_and_a_reason_code() {
        let errors = [
            NationalCodeError::Empty,
            NationalCodeError::NotADigit { position: 1 },
            NationalCodeError::Sign { position: 1 },
            NationalCodeError::MixedDigitScripts {
                position: 2,
                first: crate::digits::DigitScript::Persian,
                found: crate::digits::DigitScript::Ascii,
            },
            NationalCodeError::TooShort { digits: 1 },
            NationalCodeError::TooLong { digits: 11 },
            NationalCodeError::AllSameDigits,
            NationalCodeError::MiddleDigitsZero,
            NationalCodeError::ChecksumMismatch {
                expected: 1,
                found: 2,
            },
        ];
        let mut reasons = std::collections::HashSet::new();
        for e in errors {
            let fa = e.message_fa();
            assert!(
                fa.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{fa}"
            );
            assert!(
                !fa.chars().any(|c| c.is_ascii_digit()),
                "ASCII digit in {fa}"
            );
            assert!(reasons.insert(e.reason_code()));
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn display_and_debug_never_show_the_full_code() {
        let code = NationalCode::parse("0499370899", &STRICT).unwrap();
        assert_eq!(code.masked(), "******0899");
        assert_eq!(code.to_string(), "******0899");
        assert!(!format!("{code:?}").contains("04993"));
    }

    proptest::proptest! {
        #[test]
        fn any_nine_digits_with_their_check_digit_parse(nine in proptest::array::uniform9(0u8..10)) {
            let code = with_check(nine);
            let all_same = code.chars().all(|c| c == code.chars().next().unwrap());
            let middle_zero = code[3..9].chars().all(|c| c == '0');
            let result = NationalCode::parse(&code, &STRICT);
            proptest::prop_assert_eq!(result.is_ok(), !all_same && !middle_zero);
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = NationalCode::parse(&text, &STRICT);
        }

        #[test]
        fn a_valid_code_with_a_sign_in_front_is_refused(
            nine in proptest::array::uniform9(0u8..10),
            sign in proptest::sample::select(vec!['+', '-', '\u{2212}', '\u{2010}', '\u{2014}']),
            space in proptest::sample::select(vec!["", " ", "\u{200F}"]),
        ) {
            let code = with_check(nine);
            let input = format!("{space}{sign}{code}");
            let result = NationalCode::parse(&input, &STRICT);
            proptest::prop_assert_eq!(
                result,
                Err(NationalCodeError::Sign { position: space.chars().count() + 1 })
            );
        }
    }
}
