//! Iranian mobile numbers, given optionally by a visitor to receive notices (docs/rules.md
//! R-000-4.5).
//!
//! Accepted forms: `09121234567`, `9121234567`, `+989121234567`, `00989121234567`, in any one
//! digit script and with separators between the digits. A plus is the international prefix
//! only as the first character; a minus or dash before or after the digits is a sign and
//! refused, and so are digits of two scripts in one number. Stored normalized as
//! `09xxxxxxxxx`; shown masked.

use std::fmt;

use crate::digits::{DigitScript, typed_digits};

/// A normalized Iranian mobile number (`09` followed by nine digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobileNumber(String);

/// Why a mobile number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MobileNumberError {
    /// Nothing was entered.
    #[error("mobile number is empty")]
    Empty,
    /// A character that is neither a digit, a separator nor a leading `+`.
    #[error("mobile number contains a character that is not a digit at position {position}")]
    NotADigit {
        /// 1-based position in the input.
        position: usize,
    },
    /// A minus or dash before the first digit or after the last (or a plus anywhere but as
    /// the first character, before the digits): the input reads as a signed number. Dashes are
    /// accepted only between digits.
    #[error("mobile number has a sign (minus or dash) outside its digits at position {position}")]
    Sign {
        /// 1-based position of the sign in the input (leading and trailing spaces removed).
        position: usize,
    },
    /// Digits of more than one script (ASCII, Persian, Arabic-Indic) in one number.
    #[error("mobile number mixes {first} and {found} digits (position {position})")]
    MixedDigitScripts {
        /// 1-based position of the first digit in another script (leading and trailing
        /// spaces removed).
        position: usize,
        /// Script of the number's first digit.
        first: DigitScript,
        /// Script of the digit at `position`.
        found: DigitScript,
    },
    /// Not 11 digits after normalization, or not starting with `09`.
    #[error("mobile number must be 11 digits starting with 09")]
    WrongShape,
}

impl MobileNumberError {
    /// The message shown to the visitor, in Persian.
    pub fn message_fa(&self) -> &'static str {
        match self {
            Self::Empty => "شماره همراه وارد نشده است.",
            Self::NotADigit { .. } => "شماره همراه فقط باید رقم داشته باشد.",
            Self::Sign { .. } => "شماره همراه علامت منفی ندارد؛ فقط رقم‌ها را وارد کنید.",
            Self::MixedDigitScripts { .. } => {
                "رقم‌های شماره همراه باید همه از یک نوع باشند: همه فارسی یا همه انگلیسی."
            }
            Self::WrongShape => "شماره همراه باید یازده رقم باشد و با ۰۹ شروع شود.",
        }
    }
}

crate::digits::typed_digits_errors_into!(MobileNumberError);

impl MobileNumber {
    /// Parses what a visitor typed.
    pub fn parse(input: &str) -> Result<Self, MobileNumberError> {
        let read = typed_digits(input.trim(), true)?;
        // More digits than any way of writing a mobile number: not one (and never copied).
        if read.digits.len() > 16 {
            return Err(MobileNumberError::WrongShape);
        }
        // The `00` a leading plus stands for, then the digits entered.
        let mut digits = String::from(if read.plus { "00" } else { "" });
        digits.extend(read.digits.iter().map(|&d| char::from(b'0' + d)));
        if digits.is_empty() {
            return Err(MobileNumberError::Empty);
        }
        let national = if let Some(rest) = digits.strip_prefix("0098") {
            format!("0{rest}")
        } else if digits.len() == 10 && digits.starts_with('9') {
            format!("0{digits}")
        } else {
            digits
        };
        if national.len() != 11 || !national.starts_with("09") {
            return Err(MobileNumberError::WrongShape);
        }
        Ok(Self(national))
    }

    /// The normalized number, `09xxxxxxxxx`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with the middle hidden: `0912***4567`.
    pub fn masked(&self) -> String {
        format!("{}***{}", &self.0[..4], &self.0[7..])
    }
}

impl fmt::Display for MobileNumber {
    /// Masked, so a phone number never reaches a log in clear by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_normalize() {
        for input in [
            "09121234567",
            "9121234567",
            "+989121234567",
            "00989121234567",
            "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "0912-123-4567",
        ] {
            assert_eq!(
                MobileNumber::parse(input).unwrap().as_str(),
                "09121234567",
                "{input}"
            );
        }
    }

    #[test]
    fn refused_forms_name_the_reason() {
        assert_eq!(MobileNumber::parse(""), Err(MobileNumberError::Empty));
        assert_eq!(
            MobileNumber::parse("0912a234567"),
            Err(MobileNumberError::NotADigit { position: 5 })
        );
        assert_eq!(
            MobileNumber::parse("02112345678"),
            Err(MobileNumberError::WrongShape)
        );
        assert_eq!(
            MobileNumber::parse("0912123456"),
            Err(MobileNumberError::WrongShape)
        );
        assert_eq!(
            MobileNumber::parse("091212345678"),
            Err(MobileNumberError::WrongShape)
        );
        assert_eq!(
            MobileNumber::parse("12+09121234567"),
            Err(MobileNumberError::NotADigit { position: 3 })
        );
        assert_eq!(
            MobileNumber::parse(&"9".repeat(500)),
            Err(MobileNumberError::WrongShape)
        );
    }

    #[test]
    fn a_leading_plus_is_the_international_prefix_but_a_minus_is_a_sign() {
        for input in ["+989121234567", " +98 912 123 4567", "+۹۸۹۱۲۱۲۳۴۵۶۷"] {
            assert_eq!(
                MobileNumber::parse(input).unwrap().as_str(),
                "09121234567",
                "{input}"
            );
        }
        for (input, position) in [
            ("-09121234567", 1),
            ("\u{2212}09121234567", 1),
            ("- 0912 123 4567", 1),
            ("+-989121234567", 2),
            ("\u{2212}۰۹۱۲۱۲۳۴۵۶۷", 1),
            ("09121234567-", 12),
            ("09121234567\u{2212}", 12),
            ("0912-123-4567 -", 15),
            ("++989121234567", 2),
            ("\u{FF0B}989121234567", 1),
        ] {
            let err = MobileNumber::parse(input).unwrap_err();
            assert_eq!(err, MobileNumberError::Sign { position }, "{input:?}");
            assert!(err.to_string().contains("sign"), "{err}");
            assert!(err.message_fa().contains("علامت"), "{}", err.message_fa());
        }
        // A lone dash is still nothing entered.
        assert_eq!(MobileNumber::parse("-"), Err(MobileNumberError::Empty));
    }

    #[test]
    fn digits_of_two_scripts_in_one_number_are_refused() {
        let err = MobileNumber::parse("0912۱۲۳۴۵۶۷").unwrap_err();
        assert_eq!(
            err,
            MobileNumberError::MixedDigitScripts {
                position: 5,
                first: DigitScript::Ascii,
                found: DigitScript::Persian,
            }
        );
        assert_eq!(
            err.to_string(),
            "mobile number mixes ASCII and Persian digits (position 5)"
        );
        assert!(err.message_fa().contains("یک نوع"), "{}", err.message_fa());
        // Persian, then an Arabic-Indic four (U+0664) in place of the Persian one (U+06F4).
        assert_eq!(
            MobileNumber::parse("+۹۸۹۱۲۱۲۳\u{0664}۵۶۷"),
            Err(MobileNumberError::MixedDigitScripts {
                position: 10,
                first: DigitScript::Persian,
                found: DigitScript::ArabicIndic,
            })
        );
    }

    #[test]
    fn masked_everywhere_it_is_printed() {
        let n = MobileNumber::parse("09121234567").unwrap();
        assert_eq!(n.masked(), "0912***4567");
        assert_eq!(n.to_string(), "0912***4567");
        assert!(!format!("{n:?}").contains("1234567"));
    }
}
