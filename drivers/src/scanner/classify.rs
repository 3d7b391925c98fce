//! What a scanned line is: a national code, one of our tracking codes, one of our satisfaction
//! codes, an employee code, or unknown.
//!
//! National and tracking codes are judged by `kiosk-core` (the same rules as typed entry), so a
//! scanned code is accepted exactly when a typed one would be. Satisfaction codes are recognised
//! by shape only (our portal URL, [`SATISFACTION_PATH`], then a URL-safe token); their signature
//! is checked by the satisfaction-code module, not here. Employee codes follow a configurable
//! prefix and body format, because the national organisation issues them.

use kiosk_core::digits::{digit_value, is_digit_separator};
use kiosk_core::{NationalCode, NationalCodeError, NationalCodePolicy, TrackingCode};
use kiosk_core::{TrackingCodeError, national_code, tracking_code};

use crate::events::Redacted;

/// The portal our receipts and satisfaction QR codes point at, unless configured otherwise.
pub const DEFAULT_PORTAL_URL: &str = "https://samad.kiosk.ir";
/// The path under the portal that carries a satisfaction token: `{portal}/s/{token}`.
pub const SATISFACTION_PATH: &str = "/s/";
/// Shortest satisfaction token accepted by shape.
pub const SATISFACTION_TOKEN_MIN: usize = 16;
/// Longest satisfaction token accepted by shape.
pub const SATISFACTION_TOKEN_MAX: usize = 512;

/// How an employee code looks: a fixed prefix and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeCodeFormat {
    /// Prefix that marks an employee code (compared case-insensitively), e.g. `EMP-`.
    pub prefix: String,
    /// Whether the body may hold ASCII letters as well as digits.
    pub alphanumeric: bool,
    /// Fewest characters in the body.
    pub min_body: usize,
    /// Most characters in the body.
    pub max_body: usize,
}

impl Default for EmployeeCodeFormat {
    fn default() -> Self {
        Self {
            prefix: "EMP-".to_owned(),
            alphanumeric: true,
            min_body: 3,
            max_body: 20,
        }
    }
}

/// The rules of classification; from the kiosk configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifierConfig {
    /// How strictly national codes are judged.
    pub national_code: NationalCodePolicy,
    /// Our portal's base URL, without a trailing slash.
    pub portal_url: String,
    /// Employee codes.
    pub employee: EmployeeCodeFormat,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            national_code: NationalCodePolicy::default(),
            portal_url: DEFAULT_PORTAL_URL.to_owned(),
            employee: EmployeeCodeFormat::default(),
        }
    }
}

/// A classified scanned line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// A valid national code (masked in `Debug`/`Display`).
    NationalCode(NationalCode),
    /// One of our tracking codes (receipt QR or barcode).
    TrackingCode(TrackingCode),
    /// One of our satisfaction codes; only its shape is checked here.
    SatisfactionCode {
        /// The token after the portal path, to be verified by the satisfaction-code module.
        token: String,
    },
    /// An employee code: the body after the prefix.
    EmployeeCode(String),
    /// Something else, or something that looks like one of ours but is not valid.
    Unknown {
        /// The scanned text (redacted in `Debug`: it may be personal).
        text: Redacted,
        /// Why it was not accepted.
        reason: UnknownReason,
    },
}

/// Why a line was classified as unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownReason {
    /// Digits the length of a national code, refused by its rules.
    InvalidNationalCode(NationalCodeError),
    /// Digits the length of a tracking code, refused by its rules.
    InvalidTrackingCode(TrackingCodeError),
    /// Our satisfaction URL with a token of the wrong shape.
    InvalidSatisfactionToken,
    /// The employee prefix with a body of the wrong shape.
    InvalidEmployeeCode,
    /// Not any format we know.
    Unrecognised,
}

impl Scanned {
    /// A stable name of the classification (`national_code`, `tracking_code`,
    /// `satisfaction_code`, `employee_code`, `unknown`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NationalCode(_) => "national_code",
            Self::TrackingCode(_) => "tracking_code",
            Self::SatisfactionCode { .. } => "satisfaction_code",
            Self::EmployeeCode(_) => "employee_code",
            Self::Unknown { .. } => "unknown",
        }
    }
}

impl UnknownReason {
    /// A stable name of the reason (`national_code_checksum_mismatch`, `unrecognised`, …).
    pub fn code(&self) -> String {
        match self {
            Self::InvalidNationalCode(e) => format!("national_code_{}", e.reason_code()),
            Self::InvalidTrackingCode(e) => format!("tracking_code_{}", e.reason_code()),
            Self::InvalidSatisfactionToken => "satisfaction_token_malformed".to_owned(),
            Self::InvalidEmployeeCode => "employee_code_malformed".to_owned(),
            Self::Unrecognised => "unrecognised".to_owned(),
        }
    }
}

/// Classifies one decoded, trimmed line.
pub fn classify(text: &str, config: &ClassifierConfig) -> Scanned {
    let unknown = |reason| Scanned::Unknown {
        text: Redacted::new(text),
        reason,
    };
    let satisfaction_prefix = format!(
        "{}{SATISFACTION_PATH}",
        config.portal_url.trim_end_matches('/')
    );
    if let Some(token) = strip_prefix_ignore_case(text, &satisfaction_prefix) {
        return if is_token(token) {
            Scanned::SatisfactionCode {
                token: token.to_owned(),
            }
        } else {
            unknown(UnknownReason::InvalidSatisfactionToken)
        };
    }
    let employee = &config.employee;
    if !employee.prefix.is_empty()
        && let Some(body) = strip_prefix_ignore_case(text, &employee.prefix)
    {
        let len = body.chars().count();
        let shape_ok = (employee.min_body..=employee.max_body).contains(&len)
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || (employee.alphanumeric && c.is_ascii_alphabetic()));
        return if shape_ok {
            Scanned::EmployeeCode(body.to_owned())
        } else {
            unknown(UnknownReason::InvalidEmployeeCode)
        };
    }
    if let Some(count) = digit_count(text) {
        if count == tracking_code::LEN {
            return match TrackingCode::parse(text) {
                Ok(code) => Scanned::TrackingCode(code),
                Err(e) => unknown(UnknownReason::InvalidTrackingCode(e)),
            };
        }
        if (national_code::MIN_INPUT_DIGITS..=national_code::LEN).contains(&count) {
            return match NationalCode::parse(text, &config.national_code) {
                Ok(code) => Scanned::NationalCode(code),
                Err(e) => unknown(UnknownReason::InvalidNationalCode(e)),
            };
        }
    }
    unknown(UnknownReason::Unrecognised)
}

/// Number of digits when the text is only digits (any script) and separators.
fn digit_count(text: &str) -> Option<usize> {
    let mut count = 0;
    for c in text.chars() {
        if digit_value(c).is_some() {
            count += 1;
        } else if !is_digit_separator(c) {
            return None;
        }
    }
    (count > 0).then_some(count)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_token(token: &str) -> bool {
    (SATISFACTION_TOKEN_MIN..=SATISFACTION_TOKEN_MAX).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::KioskNumber;

    fn cfg() -> ClassifierConfig {
        ClassifierConfig::default()
    }

    #[test]
    fn national_codes_in_any_digit_script_are_recognised() {
        for text in ["0499370899", "۰۴۹۹۳۷۰۸۹۹", "049-937089-9", "499370899"] {
            match classify(text, &cfg()) {
                Scanned::NationalCode(c) => assert_eq!(c.as_string(), "0499370899"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn national_code_with_a_wrong_check_digit_is_unknown_with_the_reason() {
        match classify("0499370898", &cfg()) {
            Scanned::Unknown { reason, .. } => {
                assert_eq!(reason.code(), "national_code_checksum_mismatch")
            }
            other => panic!("{other:?}"),
        }
        match classify("1111111111", &cfg()) {
            Scanned::Unknown { reason, .. } => {
                assert!(matches!(reason, UnknownReason::InvalidNationalCode(_)))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tracking_codes_plain_grouped_and_persian_are_recognised() {
        let code = TrackingCode::new(KioskNumber::new(1200).unwrap(), 427).unwrap();
        for text in [code.as_string(), code.grouped(), code.grouped_fa()] {
            assert_eq!(classify(&text, &cfg()), Scanned::TrackingCode(code));
        }
        let mut typo = code.as_string().into_bytes();
        typo[10] = if typo[10] == b'9' { b'0' } else { typo[10] + 1 };
        let typo = String::from_utf8(typo).unwrap();
        assert_eq!(classify(&typo, &cfg()).kind(), "unknown");
    }

    #[test]
    fn satisfaction_urls_are_recognised_by_shape() {
        let url = format!("{DEFAULT_PORTAL_URL}/s/AAECAwQFBgcICQoLDA0ODw.sig_-x");
        assert_eq!(
            classify(&url, &cfg()),
            Scanned::SatisfactionCode {
                token: "AAECAwQFBgcICQoLDA0ODw.sig_-x".into()
            }
        );
        let upper = url.replace("https://samad", "HTTPS://SAMAD");
        assert_eq!(classify(&upper, &cfg()).kind(), "satisfaction_code");
        let short = format!("{DEFAULT_PORTAL_URL}/s/abc");
        assert!(matches!(
            classify(&short, &cfg()),
            Scanned::Unknown {
                reason: UnknownReason::InvalidSatisfactionToken,
                ..
            }
        ));
        let bad_chars = format!("{DEFAULT_PORTAL_URL}/s/AAECAwQFBgcICQoL<script>");
        assert_eq!(classify(&bad_chars, &cfg()).kind(), "unknown");
        // Someone else's site with the same path is not ours.
        assert_eq!(
            classify("https://evil.example/s/AAECAwQFBgcICQoLDA0ODw", &cfg()).kind(),
            "unknown"
        );
    }

    #[test]
    fn employee_codes_follow_the_configured_format() {
        assert_eq!(
            classify("EMP-12345", &cfg()),
            Scanned::EmployeeCode("12345".into())
        );
        assert_eq!(classify("emp-ab12", &cfg()).kind(), "employee_code");
        assert_eq!(classify("EMP-1", &cfg()).kind(), "unknown");
        let digits_only = ClassifierConfig {
            employee: EmployeeCodeFormat {
                prefix: "K".into(),
                alphanumeric: false,
                min_body: 6,
                max_body: 6,
            },
            ..cfg()
        };
        assert_eq!(classify("K123456", &digits_only).kind(), "employee_code");
        assert_eq!(classify("K12345A", &digits_only).kind(), "unknown");
    }

    #[test]
    fn other_text_is_unknown_and_its_debug_is_redacted() {
        let s = classify("hello 0499370899", &cfg());
        assert_eq!(s.kind(), "unknown");
        assert!(!format!("{s:?}").contains("0499370899"));
        assert_eq!(classify("12345", &cfg()).kind(), "unknown");
        assert_eq!(classify("ااا", &cfg()).kind(), "unknown");
    }

    #[test]
    fn a_national_code_never_shows_in_clear_in_debug() {
        let s = classify("0499370899", &cfg());
        assert!(!format!("{s:?}").contains("0499370899"));
    }
}
