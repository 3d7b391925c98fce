//! Tracking codes (شناسه پیگیری, docs/rules.md R-001-4.6): what the visitor takes home to
//! follow a case.
//!
//! Layout, 16 digits, all decimal so the code can be typed on a keypad and spoken digit by digit:
//!
//! ```text
//!   1  KKKKK  SSSSSSSSS  C
//!   │    │        │      └ Damm check digit over the first 15
//!   │    │        └ per-kiosk sequence, 1..=999_999_999, kept in the store across restarts
//!   │    └ fleet-assigned kiosk number, 1..=99_999
//!   └ format version (never 0, so no tool ever strips a leading zero)
//! ```
//!
//! Uniqueness across the fleet needs no coordination: kiosk numbers are unique by provisioning
//! and each kiosk never reuses a sequence number. The Damm check digit catches every single
//! digit error and every transposition of two adjacent digits (the tests prove both over every
//! case the algorithm can meet). Codes are shown, printed and spoken in groups of four.

use std::fmt;

use crate::digits::{DigitScript, group_by_four, to_persian_digits, typed_digits};

/// Number of digits in a tracking code.
pub const LEN: usize = 16;
/// The format version digit of codes produced by this firmware.
pub const FORMAT_VERSION: u8 = 1;
/// Largest kiosk number.
pub const MAX_KIOSK: u32 = 99_999;
/// Largest per-kiosk sequence number.
pub const MAX_SEQUENCE: u64 = 999_999_999;

/// The Damm quasigroup table (order 10, weakly totally anti-symmetric).
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/// The Damm interim digit after processing `digits` (each 0..=9). The check digit of a payload
/// is its interim digit; a payload followed by its check digit has interim 0.
pub fn damm_interim(digits: &[u8]) -> u8 {
    digits
        .iter()
        .fold(0u8, |state, &d| DAMM[usize::from(state)][usize::from(d)])
}

/// A kiosk's fleet-assigned number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KioskNumber(u32);

impl KioskNumber {
    /// Accepts 1..=99_999.
    pub fn new(n: u32) -> Result<Self, TrackingCodeError> {
        if (1..=MAX_KIOSK).contains(&n) {
            Ok(Self(n))
        } else {
            Err(TrackingCodeError::KioskOutOfRange(n))
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for KioskNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}", self.0)
    }
}

/// A valid tracking code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode {
    digits: [u8; LEN],
}

/// Why a tracking code could not be made or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingCodeError {
    /// Nothing was entered.
    #[error("tracking code is empty")]
    Empty,
    /// A character that is neither a digit nor a separator.
    #[error("tracking code contains a character that is not a digit at position {position}")]
    NotADigit {
        /// 1-based position in the input.
        position: usize,
    },
    /// A plus, minus or dash before the first digit or after the last: the input reads as a
    /// signed number (dashes are accepted only between digits).
    #[error(
        "tracking code has a sign (plus, minus or dash) outside its digits at position {position}"
    )]
    Sign {
        /// 1-based position of the sign in the input.
        position: usize,
    },
    /// Digits of more than one script (ASCII, Persian, Arabic-Indic) in one code.
    #[error("tracking code mixes {first} and {found} digits (position {position})")]
    MixedDigitScripts {
        /// 1-based position of the first digit in another script.
        position: usize,
        /// Script of the code's first digit.
        first: DigitScript,
        /// Script of the digit at `position`.
        found: DigitScript,
    },
    /// Not exactly 16 digits.
    #[error("tracking code has {digits} digits, expected 16")]
    WrongLength {
        /// Number of digits found.
        digits: usize,
    },
    /// The first digit is not a format this firmware knows.
    #[error("tracking code format version {0} is unknown")]
    UnknownVersion(u8),
    /// The check digit does not match: a digit was mistyped or two were swapped.
    #[error("tracking code check digit does not match")]
    CheckDigitMismatch,
    /// Kiosk number outside 1..=99999.
    #[error("kiosk number {0} is outside 1..=99999")]
    KioskOutOfRange(u32),
    /// Sequence number outside 1..=999999999.
    #[error("sequence number {0} is outside 1..=999999999")]
    SequenceOutOfRange(u64),
    /// Well formed, but no kiosk issues it: kiosk number 0 or sequence 0.
    #[error(
        "tracking code names kiosk {kiosk} and sequence {sequence}: no kiosk issues such a code"
    )]
    NeverIssued {
        /// The kiosk number it names.
        kiosk: u32,
        /// The sequence number it names.
        sequence: u64,
    },
}

impl TrackingCodeError {
    /// The message shown to the visitor, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Empty => "کد رهگیری وارد نشده است.",
            Self::NotADigit { .. } => "کد رهگیری فقط باید رقم داشته باشد.",
            Self::Sign { .. } => "کد رهگیری علامت مثبت یا منفی ندارد؛ فقط رقم‌ها را وارد کنید.",
            Self::MixedDigitScripts { .. } => {
                "رقم‌های کد رهگیری باید همه از یک نوع باشند: همه فارسی یا همه انگلیسی."
            }
            Self::WrongLength { .. } => "کد رهگیری شانزده رقم دارد؛ لطفاً دوباره بررسی کنید.",
            Self::UnknownVersion(_) | Self::CheckDigitMismatch | Self::NeverIssued { .. } => {
                "کد رهگیری معتبر نیست؛ لطفاً رقم‌ها را دوباره بررسی کنید."
            }
            Self::KioskOutOfRange(_) | Self::SequenceOutOfRange(_) => {
                "صدور کد رهگیری ممکن نشد؛ لطفاً به کارمند میز اطلاع دهید."
            }
        }
    }

    /// A stable snake_case name of the reason, for `--json` output.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotADigit { .. } => "not_a_digit",
            Self::Sign { .. } => "sign",
            Self::MixedDigitScripts { .. } => "mixed_digit_scripts",
            Self::WrongLength { .. } => "wrong_length",
            Self::UnknownVersion(_) => "unknown_version",
            Self::CheckDigitMismatch => "check_digit_mismatch",
            Self::KioskOutOfRange(_) => "kiosk_out_of_range",
            Self::SequenceOutOfRange(_) => "sequence_out_of_range",
            Self::NeverIssued { .. } => "never_issued",
        }
    }
}

crate::digits::typed_digits_errors_into!(TrackingCodeError);

impl TrackingCode {
    /// The code for the `sequence`-th case of `kiosk`.
    pub fn new(kiosk: KioskNumber, sequence: u64) -> Result<Self, TrackingCodeError> {
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(TrackingCodeError::SequenceOutOfRange(sequence));
        }
        let payload = format!("{FORMAT_VERSION}{:05}{sequence:09}", kiosk.get());
        let mut digits = [0u8; LEN];
        for (slot, b) in digits.iter_mut().zip(payload.bytes()) {
            *slot = b - b'0';
        }
        digits[LEN - 1] = damm_interim(&digits[..LEN - 1]);
        Ok(Self { digits })
    }

    /// Parses what a visitor typed or a scanner read (any one digit script, separators allowed
    /// between digits). A sign before or after the digits (`-1000…`, `+1000…`, `…0427−`) and
    /// digits of two scripts in one code are refused, as for national codes.
    pub fn parse(input: &str) -> Result<Self, TrackingCodeError> {
        let read = typed_digits(input, false)?;
        let count = read.digits.len();
        if count == 0 {
            return Err(TrackingCodeError::Empty);
        }
        if count != LEN {
            return Err(TrackingCodeError::WrongLength { digits: count });
        }
        let mut digits = [0u8; LEN];
        digits.copy_from_slice(&read.digits);
        if damm_interim(&digits) != 0 {
            return Err(TrackingCodeError::CheckDigitMismatch);
        }
        if digits[0] != FORMAT_VERSION {
            return Err(TrackingCodeError::UnknownVersion(digits[0]));
        }
        let code = Self { digits };
        // Kiosk numbers start at 1 and so do sequences (`new`): a zero names no case.
        if code.number(1..6) == 0 || code.sequence() == 0 {
            return Err(TrackingCodeError::NeverIssued {
                kiosk: code.kiosk().get(),
                sequence: code.sequence(),
            });
        }
        Ok(code)
    }

    fn number(&self, range: std::ops::Range<usize>) -> u64 {
        self.digits[range]
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d))
    }

    /// The kiosk that issued the code.
    pub fn kiosk(&self) -> KioskNumber {
        KioskNumber(self.number(1..6) as u32)
    }

    /// The kiosk's sequence number of this case.
    pub fn sequence(&self) -> u64 {
        self.number(6..15)
    }

    /// The 16 digits as ASCII text, no separators (storage, QR payload, wire).
    pub fn as_string(&self) -> String {
        self.digits.iter().map(|&d| char::from(b'0' + d)).collect()
    }

    /// `1000 1200 0000 0426`: ASCII digits in groups of four.
    pub fn grouped(&self) -> String {
        group_by_four(&self.as_string(), " ")
    }

    /// The grouped form with Persian digits, for screens and receipts.
    pub fn grouped_fa(&self) -> String {
        to_persian_digits(&self.grouped())
    }

    /// Groups of four digits, each digit separated by a space so a speech engine reads them
    /// one by one; groups separated by a comma so it pauses between them.
    pub fn for_speech(&self) -> String {
        let text = self.as_string();
        let groups: Vec<String> = text
            .as_bytes()
            .chunks(4)
            .map(|g| {
                g.iter()
                    .map(|&b| to_persian_digits(&char::from(b).to_string()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        groups.join("، ")
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_of_kiosk_zero_or_sequence_zero_was_never_issued() {
        for code in ["1000000000000015", "1000120000000002"] {
            let err = TrackingCode::parse(code).expect_err(code);
            assert!(
                matches!(err, TrackingCodeError::NeverIssued { .. }),
                "{code}: {err}"
            );
            assert_eq!(err.reason_code(), "never_issued");
        }
    }

    fn kiosk(n: u32) -> KioskNumber {
        KioskNumber::new(n).unwrap()
    }

    #[test]
    fn the_table_is_a_latin_square_with_zero_diagonal() {
        for (i, table_row) in DAMM.iter().enumerate() {
            let mut row: Vec<u8> = table_row.to_vec();
            let mut col: Vec<u8> = DAMM.iter().map(|r| r[i]).collect();
            row.sort_unstable();
            col.sort_unstable();
            assert_eq!(row, (0..10).collect::<Vec<u8>>());
            assert_eq!(col, (0..10).collect::<Vec<u8>>());
            assert_eq!(table_row[i], 0);
        }
    }

    /// Proof over every case the algorithm can meet. Any prefix leaves the checker in one of
    /// ten interim states `s`, and the rest of the code maps interim states injectively (every
    /// column of a Latin square is a permutation), so it is enough that, from every state:
    /// two different digits lead to different states (single errors), and `a b` and `b a`
    /// lead to different states for every a ≠ b (adjacent transpositions).
    #[test]
    fn every_single_error_and_adjacent_transposition_is_caught_from_every_state() {
        for s in 0..10usize {
            for a in 0..10usize {
                for b in 0..10usize {
                    if a == b {
                        continue;
                    }
                    assert_ne!(DAMM[s][a], DAMM[s][b], "single error s={s} {a}->{b}");
                    let ab = DAMM[usize::from(DAMM[s][a])][b];
                    let ba = DAMM[usize::from(DAMM[s][b])][a];
                    assert_ne!(ab, ba, "transposition s={s} {a}{b}");
                }
            }
        }
    }

    /// The same property, checked end to end on real codes: every position, every wrong digit,
    /// every adjacent swap of unequal digits (including swaps with the check digit).
    #[test]
    fn every_mutation_of_real_codes_is_refused() {
        let mut checked = 0u32;
        for (k, seq) in [
            (1, 1),
            (12, 427),
            (99_999, 999_999_999),
            (4321, 123_456_789),
            (500, 1_000_000),
        ] {
            let code = TrackingCode::new(kiosk(k), seq).unwrap();
            let text = code.as_string();
            assert_eq!(TrackingCode::parse(&text), Ok(code));
            let bytes = text.as_bytes();
            for pos in 0..LEN {
                for d in b'0'..=b'9' {
                    if d == bytes[pos] {
                        continue;
                    }
                    let mut m = bytes.to_vec();
                    m[pos] = d;
                    let m = String::from_utf8(m).unwrap();
                    assert!(TrackingCode::parse(&m).is_err(), "{m} accepted");
                    checked += 1;
                }
                if pos + 1 < LEN && bytes[pos] != bytes[pos + 1] {
                    let mut m = bytes.to_vec();
                    m.swap(pos, pos + 1);
                    let m = String::from_utf8(m).unwrap();
                    assert!(TrackingCode::parse(&m).is_err(), "{m} accepted");
                    checked += 1;
                }
            }
        }
        assert!(checked > 700);
    }

    #[test]
    fn fields_round_trip_and_codes_are_unique_per_kiosk_and_sequence() {
        let mut seen = std::collections::HashSet::new();
        for k in [1, 2, 10, 99_999] {
            for seq in [1, 2, 9, 10, 999_999_999] {
                let code = TrackingCode::new(kiosk(k), seq).unwrap();
                assert_eq!(code.kiosk().get(), k);
                assert_eq!(code.sequence(), seq);
                assert_eq!(code.as_string().len(), LEN);
                assert!(code.as_string().starts_with('1'));
                assert!(seen.insert(code));
            }
        }
    }

    #[test]
    fn out_of_range_inputs_are_refused() {
        assert_eq!(
            KioskNumber::new(0),
            Err(TrackingCodeError::KioskOutOfRange(0))
        );
        assert_eq!(
            KioskNumber::new(100_000),
            Err(TrackingCodeError::KioskOutOfRange(100_000))
        );
        assert_eq!(
            TrackingCode::new(kiosk(1), 0),
            Err(TrackingCodeError::SequenceOutOfRange(0))
        );
        assert_eq!(
            TrackingCode::new(kiosk(1), 1_000_000_000),
            Err(TrackingCodeError::SequenceOutOfRange(1_000_000_000))
        );
    }

    #[test]
    fn grouping_persian_digits_and_speech() {
        let code = TrackingCode::new(kiosk(12), 427).unwrap();
        let text = code.as_string();
        assert_eq!(&text[..15], "100012000000427");
        assert_eq!(
            code.grouped(),
            format!(
                "{} {} {} {}",
                &text[0..4],
                &text[4..8],
                &text[8..12],
                &text[12..16]
            )
        );
        assert_eq!(TrackingCode::parse(&code.grouped_fa()), Ok(code));
        assert_eq!(
            TrackingCode::parse(&code.grouped().replace(' ', "-")),
            Ok(code)
        );
        let speech = code.for_speech();
        assert_eq!(speech.matches('،').count(), 3);
        assert!(speech.starts_with("۱ ۰ ۰ ۰،"));
    }

    #[test]
    fn a_sign_before_or_after_the_digits_is_refused_as_a_sign() {
        let code = TrackingCode::new(kiosk(12), 427).unwrap();
        let text = code.as_string();
        for (input, position) in [
            (format!("-{text}"), 1),
            (format!("\u{2212}{text}"), 1),
            (format!("+{text}"), 1),
            (format!("\u{FF0B}{text}"), 1),
            (format!(" - {text}"), 2),
            (format!("{text}-"), 17),
            (format!("{text}\u{2212}"), 17),
            (format!("{}-", code.grouped()), 20),
            (format!("-{}", code.grouped_fa()), 1),
        ] {
            let err = TrackingCode::parse(&input).unwrap_err();
            assert_eq!(err, TrackingCodeError::Sign { position }, "{input:?}");
            assert_eq!(err.reason_code(), "sign");
            assert!(err.to_string().contains("sign"), "{err}");
            assert!(err.message_fa().contains("علامت"), "{}", err.message_fa());
        }
        // A plus after a digit is no sign and no separator: not a digit.
        assert_eq!(
            TrackingCode::parse(&format!("{}+{}", &text[..8], &text[8..])),
            Err(TrackingCodeError::NotADigit { position: 9 })
        );
        // Dashes between the digits are separators, as before; a lone dash is still empty.
        assert_eq!(
            TrackingCode::parse(&code.grouped().replace(' ', "\u{2212}")),
            Ok(code)
        );
        assert_eq!(TrackingCode::parse("-"), Err(TrackingCodeError::Empty));
    }

    #[test]
    fn digits_of_two_scripts_in_one_code_are_refused() {
        let code = TrackingCode::new(kiosk(12), 427).unwrap();
        let text = code.as_string();
        let persian = to_persian_digits(&text);
        // ASCII first, one Persian digit at position 16.
        let mixed: String = text[..15].chars().chain(persian.chars().skip(15)).collect();
        let err = TrackingCode::parse(&mixed).unwrap_err();
        assert_eq!(
            err,
            TrackingCodeError::MixedDigitScripts {
                position: 16,
                first: DigitScript::Ascii,
                found: DigitScript::Persian,
            }
        );
        assert_eq!(err.reason_code(), "mixed_digit_scripts");
        assert_eq!(
            err.to_string(),
            "tracking code mixes ASCII and Persian digits (position 16)"
        );
        assert!(err.message_fa().contains("یک نوع"), "{}", err.message_fa());
        // Persian then Arabic-Indic (U+0660..U+0669).
        let arabic: String = persian
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 3 {
                    char::from_u32(0x0660 + u32::from(code.as_string().as_bytes()[3] - b'0'))
                        .unwrap()
                } else {
                    c
                }
            })
            .collect();
        assert_eq!(
            TrackingCode::parse(&arabic),
            Err(TrackingCodeError::MixedDigitScripts {
                position: 4,
                first: DigitScript::Persian,
                found: DigitScript::ArabicIndic,
            })
        );
        // One script throughout, whichever it is, still parses.
        assert_eq!(TrackingCode::parse(&persian), Ok(code));
    }

    #[test]
    fn malformed_input_names_the_reason() {
        assert_eq!(TrackingCode::parse(""), Err(TrackingCodeError::Empty));
        assert_eq!(
            TrackingCode::parse("1234"),
            Err(TrackingCodeError::WrongLength { digits: 4 })
        );
        assert_eq!(
            TrackingCode::parse("1000x"),
            Err(TrackingCodeError::NotADigit { position: 5 })
        );
        // A well-checked code with another version digit.
        let mut body = [2u8, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 4, 2, 7, 0];
        body[15] = damm_interim(&body[..15]);
        let text: String = body.iter().map(|&d| char::from(b'0' + d)).collect();
        assert_eq!(
            TrackingCode::parse(&text),
            Err(TrackingCodeError::UnknownVersion(2))
        );
    }
}
