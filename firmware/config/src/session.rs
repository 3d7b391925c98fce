//! The `[session]` section: how long a visitor may stay silent before the kiosk warns, how long
//! the warning waits for an answer, how often more time may be asked for, and how much longer
//! all of it is for a visitor using speech, audio only or switches.
//!
//! Optional: without the section the defaults apply (90 s, then a 30 s warning, 10 extensions,
//! times doubled in the assisted modes). The warning always leaves at least 20 s to answer
//! (WCAG 2.2 §2.2.1 asks for 20 s), and at least 10 extensions are offered.

use serde::Deserialize;

use crate::ConfigIssue;

/// Inactivity before the warning, by default (seconds).
pub const DEFAULT_WARN_AFTER_SECONDS: u32 = 90;
/// How long the warning waits for an answer, by default (seconds).
pub const DEFAULT_ANSWER_SECONDS: u32 = 30;
/// How many times more time may be asked for, by default (also the least accepted).
pub const DEFAULT_EXTENSIONS: u8 = 10;
/// How many times longer every time is in speech, audio-only and switch modes, by default.
pub const DEFAULT_ASSISTED_FACTOR: u32 = 2;

/// The section as serde reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSession {
    #[serde(default = "default_warn_after")]
    pub warn_after_seconds: i64,
    #[serde(default = "default_answer")]
    pub answer_seconds: i64,
    #[serde(default = "default_extensions")]
    pub extensions: i64,
    #[serde(default = "default_factor")]
    pub assisted_factor: i64,
}

impl Default for RawSession {
    fn default() -> Self {
        Self {
            warn_after_seconds: default_warn_after(),
            answer_seconds: default_answer(),
            extensions: default_extensions(),
            assisted_factor: default_factor(),
        }
    }
}

fn default_warn_after() -> i64 {
    i64::from(DEFAULT_WARN_AFTER_SECONDS)
}
fn default_answer() -> i64 {
    i64::from(DEFAULT_ANSWER_SECONDS)
}
fn default_extensions() -> i64 {
    i64::from(DEFAULT_EXTENSIONS)
}
fn default_factor() -> i64 {
    i64::from(DEFAULT_ASSISTED_FACTOR)
}

/// The checked `[session]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Seconds of inactivity before the warning (20–900).
    pub warn_after_seconds: u32,
    /// Seconds the warning waits for an answer before the session ends (20–300).
    pub answer_seconds: u32,
    /// How many times more time may be asked for (10–100).
    pub extensions: u8,
    /// Both times are this many times longer in speech, audio-only and switch modes (1–5).
    pub assisted_factor: u32,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            warn_after_seconds: DEFAULT_WARN_AFTER_SECONDS,
            answer_seconds: DEFAULT_ANSWER_SECONDS,
            extensions: DEFAULT_EXTENSIONS,
            assisted_factor: DEFAULT_ASSISTED_FACTOR,
        }
    }
}

/// Checks the section; each value out of range is reported under its key and replaced by its
/// default so the rest is still checked.
pub(crate) fn check(raw: &RawSession, issues: &mut Vec<ConfigIssue>) -> SessionSettings {
    let defaults = SessionSettings::default();
    let mut bounded = |key: &str, value: i64, range: std::ops::RangeInclusive<u32>, what: &str| {
        match u32::try_from(value) {
            Ok(v) if range.contains(&v) => Some(v),
            _ => {
                issues.push(ConfigIssue {
                    key: format!("session.{key}"),
                    reason: format!(
                        "must be {what} from {} to {}, not {value}",
                        range.start(),
                        range.end()
                    ),
                });
                None
            }
        }
    };
    let warn_after_seconds = bounded(
        "warn_after_seconds",
        raw.warn_after_seconds,
        20..=900,
        "a whole number of seconds",
    );
    let answer_seconds = bounded(
        "answer_seconds",
        raw.answer_seconds,
        20..=300,
        "a whole number of seconds (the warning leaves at least 20 s to answer)",
    );
    let extensions = bounded(
        "extensions",
        raw.extensions,
        u32::from(DEFAULT_EXTENSIONS)..=100,
        "a whole number",
    );
    let assisted_factor = bounded(
        "assisted_factor",
        raw.assisted_factor,
        1..=5,
        "a whole number",
    );
    SessionSettings {
        warn_after_seconds: warn_after_seconds.unwrap_or(defaults.warn_after_seconds),
        answer_seconds: answer_seconds.unwrap_or(defaults.answer_seconds),
        extensions: extensions
            .and_then(|n| u8::try_from(n).ok())
            .unwrap_or(defaults.extensions),
        assisted_factor: assisted_factor.unwrap_or(defaults.assisted_factor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_section_the_defaults_apply() {
        let mut issues = Vec::new();
        assert_eq!(
            check(&RawSession::default(), &mut issues),
            SessionSettings::default()
        );
        assert!(issues.is_empty());
    }

    #[test]
    fn every_value_out_of_range_is_named_by_its_key_and_the_others_still_apply() {
        let raw = RawSession {
            warn_after_seconds: 120,
            answer_seconds: 5,
            extensions: 3,
            assisted_factor: -1,
        };
        let mut issues = Vec::new();
        let checked = check(&raw, &mut issues);
        let keys: Vec<&str> = issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "session.answer_seconds",
                "session.extensions",
                "session.assisted_factor"
            ]
        );
        assert!(
            issues[0].reason.contains("at least 20 s"),
            "{}",
            issues[0].reason
        );
        assert_eq!(checked.warn_after_seconds, 120);
        assert_eq!(checked.answer_seconds, DEFAULT_ANSWER_SECONDS);
        assert_eq!(checked.extensions, DEFAULT_EXTENSIONS);
    }
}
