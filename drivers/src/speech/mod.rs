//! Speech: prompts, reviews and tracking codes read aloud for visitors who cannot read the
//! screen (headphone jack, accessibility option).
//!
//! - [`Speech`] is the capability: speak one [`Utterance`] with the current [`SpeechSettings`],
//!   stopping early when asked. Backends: [`EspeakNg`] (the `espeak-ng` program, Persian `fa`
//!   and English `en` voices, to the default ALSA device or a WAV file), [`RecordedPrompts`]
//!   (a folder of WAV files keyed by message id, used first, falling back to another backend),
//!   and [`SimSpeech`] (records what was said).
//! - [`SpeechQueue`] runs a backend on its own thread: utterances are queued, the current one
//!   can be interrupted (which also clears the queue) and the last one repeated; rate and volume
//!   change between utterances.
//!
//! Tracking codes are spoken digit by digit in groups of four ([`Utterance::tracking_code`]):
//! espeak-ng reads a run of digits as one large number, but reads spaced digits one by one.

mod espeak;
mod prompts;
mod queue;
mod sim;

use std::sync::atomic::AtomicBool;

pub use espeak::{EspeakNg, Output};
pub use prompts::RecordedPrompts;
pub use queue::{SpeechEvent, SpeechQueue};
pub use sim::SimSpeech;

use kiosk_core::TrackingCode;

/// Language of an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Persian.
    Fa,
    /// English.
    En,
}

impl Lang {
    /// The language tag, also the name of a recorded-prompt subfolder.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Fa => "fa",
            Self::En => "en",
        }
    }
}

/// Something to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// Message id of a fixed prompt (`welcome`, `insert_card`…); a recording with this id is
    /// played instead of synthesis when one exists.
    pub message_id: Option<String>,
    /// The text to synthesise (the prompt's text, or free text such as a review).
    pub text: String,
    /// Its language.
    pub lang: Lang,
}

impl Utterance {
    /// Free text, always synthesised.
    pub fn text(lang: Lang, text: impl Into<String>) -> Self {
        Self {
            message_id: None,
            text: text.into(),
            lang,
        }
    }

    /// A fixed prompt: its recording if there is one, else `text` synthesised.
    pub fn prompt(id: impl Into<String>, lang: Lang, text: impl Into<String>) -> Self {
        Self {
            message_id: Some(id.into()),
            text: text.into(),
            lang,
        }
    }

    /// A tracking code, digit by digit in groups of four (Persian digits for `fa`).
    pub fn tracking_code(code: &TrackingCode, lang: Lang) -> Self {
        let text = match lang {
            Lang::Fa => code.for_speech(),
            Lang::En => code
                .as_string()
                .as_bytes()
                .chunks(4)
                .map(|g| {
                    g.iter()
                        .map(|&b| char::from(b).to_string())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        Self::text(lang, text)
    }
}

/// Rate and volume, changeable by the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpeechSettings {
    /// Words per minute, clamped to [`RATE_RANGE`].
    pub rate_wpm: u16,
    /// Volume in percent of full (0–100).
    pub volume: u8,
}

/// Speaking rates accepted (espeak-ng's own limits).
pub const RATE_RANGE: std::ops::RangeInclusive<u16> = 80..=450;

impl Default for SpeechSettings {
    fn default() -> Self {
        Self {
            rate_wpm: 150,
            volume: 80,
        }
    }
}

/// How speaking one utterance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakOutcome {
    /// Spoken to the end.
    Completed,
    /// Stopped early on request.
    Interrupted,
}

/// Why an utterance could not be spoken.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// The speech program is not installed.
    #[error("{program} is not installed or not on PATH (Debian package: {package})")]
    ProgramMissing {
        /// The program that was run.
        program: String,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// The program ran and failed.
    #[error("{program} failed ({status}): {stderr}")]
    ProgramFailed {
        /// The program that was run.
        program: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A prompt id that cannot name a file.
    #[error("invalid prompt id (only a-z, 0-9, '_' and '-' are allowed)")]
    InvalidPromptId,
    /// Any other I/O failure (writing the output file, starting the program).
    #[error("speech I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// Something that can speak.
pub trait Speech: Send {
    /// Speaks `utterance` to the end, or until `stop` becomes true (checked at least every
    /// 20 ms), and says which of the two happened.
    fn speak(
        &mut self,
        utterance: &Utterance,
        settings: &SpeechSettings,
        stop: &AtomicBool,
    ) -> Result<SpeakOutcome, SpeechError>;
}

impl<S: Speech + ?Sized> Speech for Box<S> {
    fn speak(
        &mut self,
        utterance: &Utterance,
        settings: &SpeechSettings,
        stop: &AtomicBool,
    ) -> Result<SpeakOutcome, SpeechError> {
        (**self).speak(utterance, settings, stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiosk_core::KioskNumber;

    #[test]
    fn tracking_codes_are_spaced_digit_by_digit_in_groups() {
        let code = TrackingCode::new(KioskNumber::new(1200).unwrap(), 427).unwrap();
        let en = Utterance::tracking_code(&code, Lang::En).text;
        let digits: String = en.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(digits, code.as_string());
        assert_eq!(en.split(", ").count(), 4);
        assert!(
            en.split([' ', ','])
                .filter(|w| !w.is_empty())
                .all(|w| w.len() == 1)
        );
        let fa = Utterance::tracking_code(&code, Lang::Fa).text;
        assert_eq!(
            fa.split([' ', '،']).filter(|w| !w.is_empty()).count(),
            16,
            "sixteen separate Persian digits"
        );
    }
}
