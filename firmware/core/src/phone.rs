//! Iranian mobile numbers, given optionally by a visitor to receive notices (docs/rules.md
//! R-000-4.5).
//!
//! Accepted forms: `09121234567`, `9121234567`, `+989121234567`, `00989121234567`, in any
//! digit script and with separators. Stored normalized as `09xxxxxxxxx`; shown masked.

use std::fmt;

use crate::digits::{digit_value, is_digit_separator};

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
            Self::WrongShape => "شماره همراه باید یازده رقم باشد و با ۰۹ شروع شود.",
        }
    }
}

impl MobileNumber {
    /// Parses what a visitor typed.
    pub fn parse(input: &str) -> Result<Self, MobileNumberError> {
        let mut digits = String::with_capacity(14);
        for (index, c) in input.trim().chars().enumerate() {
            if let Some(v) = digit_value(c) {
                if digits.len() > 16 {
                    return Err(MobileNumberError::WrongShape);
                }
                digits.push(char::from(b'0' + v));
            } else if c == '+' && index == 0 {
                digits.push_str("00");
            } else if !is_digit_separator(c) {
                return Err(MobileNumberError::NotADigit {
                    position: index + 1,
                });
            }
        }
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
    fn masked_everywhere_it_is_printed() {
        let n = MobileNumber::parse("09121234567").unwrap();
        assert_eq!(n.masked(), "0912***4567");
        assert_eq!(n.to_string(), "0912***4567");
        assert!(!format!("{n:?}").contains("1234567"));
    }
}
