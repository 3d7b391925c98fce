//! Recorded prompts: a folder of WAV files keyed by message id, played instead of synthesis
//! when a recording exists (a recorded voice sounds right where espeak-ng's Persian, which has
//! no ezafe, does not). Lookup order: `DIR/<lang>/<id>.wav`, then `DIR/<id>.wav`; anything
//! else goes to the fallback backend. Recordings play through `aplay` on ALSA, or are copied
//! to the WAV output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

use super::espeak::wait_or_kill;
use super::{Output, SpeakOutcome, Speech, SpeechError, SpeechSettings, Utterance};

/// Recordings first, another backend for the rest.
#[derive(Debug, Clone)]
pub struct RecordedPrompts<F> {
    dir: PathBuf,
    output: Output,
    fallback: F,
}

impl<F: Speech> RecordedPrompts<F> {
    /// Recordings in `dir`, played to `output`; `fallback` speaks everything else.
    pub fn new(dir: impl Into<PathBuf>, output: Output, fallback: F) -> Self {
        Self {
            dir: dir.into(),
            output,
            fallback,
        }
    }

    /// The recording that would be played for `utterance`, if any.
    pub fn recording_for(&self, utterance: &Utterance) -> Result<Option<PathBuf>, SpeechError> {
        let Some(id) = &utterance.message_id else {
            return Ok(None);
        };
        let id_ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(SpeechError::InvalidPromptId);
        }
        let file = format!("{id}.wav");
        let candidates = [
            self.dir.join(utterance.lang.tag()).join(&file),
            self.dir.join(&file),
        ];
        Ok(candidates.into_iter().find(|p| p.is_file()))
    }

    fn play(&self, recording: &Path, stop: &AtomicBool) -> Result<SpeakOutcome, SpeechError> {
        match &self.output {
            Output::WavFile(out) => {
                std::fs::copy(recording, out)?;
                Ok(SpeakOutcome::Completed)
            }
            Output::Alsa => {
                let mut child = Command::new("aplay")
                    .arg("-q")
                    .arg(recording)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => SpeechError::ProgramMissing {
                            program: "aplay".into(),
                            package: "alsa-utils",
                        },
                        _ => SpeechError::Io(e),
                    })?;
                match wait_or_kill(&mut child, stop)? {
                    Some(s) if s.success() => Ok(SpeakOutcome::Completed),
                    Some(s) => Err(SpeechError::ProgramFailed {
                        program: "aplay".into(),
                        status: s.to_string(),
                        stderr: String::new(),
                    }),
                    None => Ok(SpeakOutcome::Interrupted),
                }
            }
        }
    }
}

impl<F: Speech> Speech for RecordedPrompts<F> {
    fn speak(
        &mut self,
        utterance: &Utterance,
        settings: &SpeechSettings,
        stop: &AtomicBool,
    ) -> Result<SpeakOutcome, SpeechError> {
        match self.recording_for(utterance)? {
            Some(recording) => self.play(&recording, stop),
            None => self.fallback.speak(utterance, settings, stop),
        }
    }
}
