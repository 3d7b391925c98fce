//! The simulated speech backend: records what was said (with the settings in force) and takes
//! a configurable time per character, so queue behaviour (order, interrupt, repeat) is tested
//! and demonstrated without audio.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{SpeakOutcome, Speech, SpeechError, SpeechSettings, Utterance};

/// Speech that records instead of sounding. Clones share the record.
#[derive(Debug, Clone)]
pub struct SimSpeech {
    per_char: Duration,
    spoken: Arc<Mutex<Vec<(Utterance, SpeechSettings)>>>,
}

impl SimSpeech {
    /// Each character takes `per_char` to "speak".
    pub fn new(per_char: Duration) -> Self {
        Self {
            per_char,
            spoken: Arc::default(),
        }
    }

    /// Everything spoken or begun so far, with the settings in force.
    pub fn spoken(&self) -> Vec<(Utterance, SpeechSettings)> {
        self.spoken.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Speech for SimSpeech {
    fn speak(
        &mut self,
        utterance: &Utterance,
        settings: &SpeechSettings,
        stop: &AtomicBool,
    ) -> Result<SpeakOutcome, SpeechError> {
        if let Ok(mut v) = self.spoken.lock() {
            v.push((utterance.clone(), *settings));
        }
        let chars = u32::try_from(utterance.text.chars().count()).unwrap_or(u32::MAX);
        let end = Instant::now() + self.per_char.saturating_mul(chars);
        while Instant::now() < end {
            if stop.load(Ordering::SeqCst) {
                return Ok(SpeakOutcome::Interrupted);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(SpeakOutcome::Completed)
    }
}
