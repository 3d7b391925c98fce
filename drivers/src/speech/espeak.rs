//! The espeak-ng backend: runs the `espeak-ng` program per utterance.
//!
//! The text goes through stdin (no length limit, never taken for an option) from a helper
//! thread, so the caller keeps polling the stop flag while a long text is synthesised, and an
//! interrupt kills the program at once. Output goes to the default ALSA device (espeak-ng plays
//! it itself) or to a WAV file.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use super::{Lang, RATE_RANGE, SpeakOutcome, Speech, SpeechError, SpeechSettings, Utterance};

/// Where synthesised speech goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The default ALSA device.
    Alsa,
    /// A WAV file, overwritten by each utterance.
    WavFile(PathBuf),
}

/// Speech synthesised by espeak-ng.
#[derive(Debug, Clone)]
pub struct EspeakNg {
    program: PathBuf,
    output: Output,
    /// Voices for Persian and English (`fa`, `en` unless configured).
    voices: [String; 2],
}

impl EspeakNg {
    /// Speaks through the `espeak-ng` on PATH.
    pub fn new(output: Output) -> Self {
        Self::with_program("espeak-ng", output)
    }

    /// Speaks through a specific espeak-ng binary.
    pub fn with_program(program: impl Into<PathBuf>, output: Output) -> Self {
        Self {
            program: program.into(),
            output,
            voices: ["fa".to_owned(), "en".to_owned()],
        }
    }

    /// Uses other espeak-ng voices (`fa+f3`, `en-gb`) for Persian and English.
    pub fn with_voices(mut self, fa: impl Into<String>, en: impl Into<String>) -> Self {
        self.voices = [fa.into(), en.into()];
        self
    }

    fn voice(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fa => &self.voices[0],
            Lang::En => &self.voices[1],
        }
    }

    fn program_name(&self) -> String {
        self.program.display().to_string()
    }

    fn spawn(&self, args: &[String]) -> Result<Child, SpeechError> {
        Command::new(&self.program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => SpeechError::ProgramMissing {
                    program: self.program_name(),
                    package: "espeak-ng",
                },
                _ => SpeechError::Io(e),
            })
    }

    /// The phonemes espeak-ng would speak for `text`, one word per whitespace-separated item
    /// (`espeak-ng -q -x`): shows how a text is read, e.g. whether digits are read one by one.
    pub fn transcribe(&self, text: &str, lang: Lang) -> Result<String, SpeechError> {
        let args = vec![
            "-q".into(),
            "-x".into(),
            "-v".into(),
            self.voice(lang).into(),
            "--stdin".into(),
        ];
        let mut child = self.spawn(&args)?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(self.failed(out.status, &out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn failed(&self, status: std::process::ExitStatus, stderr: &[u8]) -> SpeechError {
        SpeechError::ProgramFailed {
            program: self.program_name(),
            status: status.to_string(),
            stderr: String::from_utf8_lossy(stderr).trim().to_owned(),
        }
    }
}

impl Speech for EspeakNg {
    fn speak(
        &mut self,
        utterance: &Utterance,
        settings: &SpeechSettings,
        stop: &AtomicBool,
    ) -> Result<SpeakOutcome, SpeechError> {
        let rate = settings
            .rate_wpm
            .clamp(*RATE_RANGE.start(), *RATE_RANGE.end());
        let amplitude = u16::from(settings.volume.min(100)) * 2;
        let mut args = vec![
            "-v".to_owned(),
            self.voice(utterance.lang).to_owned(),
            "-s".to_owned(),
            rate.to_string(),
            "-a".to_owned(),
            amplitude.to_string(),
        ];
        if let Output::WavFile(path) = &self.output {
            args.push("-w".to_owned());
            args.push(path.display().to_string());
        }
        args.push("--stdin".to_owned());
        let mut child = self.spawn(&args)?;
        if let Some(mut stdin) = child.stdin.take() {
            let text = utterance.text.clone();
            // Writing may block while espeak-ng works through a long text; a broken pipe after
            // an interrupt is expected and ignored.
            thread::spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        match wait_or_kill(&mut child, stop)? {
            Some(status) if status.success() => Ok(SpeakOutcome::Completed),
            Some(status) => {
                let mut stderr = Vec::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_end(&mut stderr);
                }
                Err(self.failed(status, &stderr))
            }
            None => Ok(SpeakOutcome::Interrupted),
        }
    }
}

/// Waits for `child` to exit, or kills it when `stop` is raised (then returns `None`).
pub(crate) fn wait_or_kill(
    child: &mut Child,
    stop: &AtomicBool,
) -> Result<Option<std::process::ExitStatus>, SpeechError> {
    loop {
        if stop.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        thread::sleep(Duration::from_millis(10));
    }
}
