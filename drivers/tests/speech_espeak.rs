//! The espeak-ng and recorded-prompt backends against the real `espeak-ng` program: WAV files
//! are produced and measured (header, duration, loudness), digit-by-digit reading is checked
//! on espeak-ng's own phoneme transcription, and an interrupt stops a long utterance.
//! espeak-ng missing is a failure, not a skip: CI installs it (tools/test.sh).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kiosk_core::{KioskNumber, TrackingCode};
use kiosk_drivers::speech::{
    EspeakNg, Lang, Output, RecordedPrompts, SpeakOutcome, Speech, SpeechError, SpeechSettings,
    Utterance,
};

fn require_espeak() {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "espeak-ng is not installed: `apt-get install espeak-ng` (tools/test.sh installs it)"
    );
}

struct Wav {
    sample_rate: u32,
    channels: u16,
    bits: u16,
    seconds: f64,
    rms: f64,
}

fn measure(path: &Path) -> Wav {
    let mut reader = hound::WavReader::open(path).expect("a readable WAV file");
    let spec = reader.spec();
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(|s| s.expect("sample"))
        .collect();
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    Wav {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits: spec.bits_per_sample,
        seconds: samples.len() as f64 / f64::from(spec.sample_rate),
        rms: (sum / samples.len().max(1) as f64).sqrt(),
    }
}

fn say_to_wav(path: &Path, utterance: &Utterance, settings: &SpeechSettings) -> Wav {
    let mut espeak = EspeakNg::new(Output::WavFile(path.to_owned()));
    let outcome = espeak
        .speak(utterance, settings, &AtomicBool::new(false))
        .expect("espeak-ng speaks");
    assert_eq!(outcome, SpeakOutcome::Completed);
    measure(path)
}

fn code() -> TrackingCode {
    TrackingCode::new(KioskNumber::new(1200).expect("kiosk"), 427).expect("code")
}

#[test]
fn a_persian_prompt_becomes_a_sane_non_silent_wav() {
    require_espeak();
    let dir = tempfile::tempdir().unwrap();
    let wav = say_to_wav(
        &dir.path().join("welcome.wav"),
        &Utterance::text(Lang::Fa, "به میز خدمت خوش آمدید"),
        &SpeechSettings::default(),
    );
    assert_eq!((wav.channels, wav.bits), (1, 16));
    assert!(
        (16_000..=48_000).contains(&wav.sample_rate),
        "{}",
        wav.sample_rate
    );
    assert!(
        (0.8..8.0).contains(&wav.seconds),
        "duration {} s",
        wav.seconds
    );
    assert!(wav.rms > 300.0, "not silent: rms {}", wav.rms);
}

#[test]
fn a_tracking_code_is_read_digit_by_digit() {
    require_espeak();
    let espeak = EspeakNg::new(Output::Alsa);
    for lang in [Lang::Fa, Lang::En] {
        let spoken = Utterance::tracking_code(&code(), lang);
        let phonemes = espeak
            .transcribe(&spoken.text, lang)
            .expect("transcription");
        let words = phonemes.split_whitespace().count();
        assert_eq!(words, 16, "{lang:?}: one word per digit, got {phonemes:?}");
        // The same digits written as one number are read as a few large-number words.
        let whole = espeak.transcribe(&code().as_string(), lang).unwrap();
        assert!(whole.split_whitespace().count() < 16, "{lang:?}: {whole:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let wav = say_to_wav(
        &dir.path().join("code.wav"),
        &Utterance::tracking_code(&code(), Lang::Fa),
        &SpeechSettings::default(),
    );
    // Sixteen digits with pauses between groups take several seconds.
    assert!(
        (4.0..30.0).contains(&wav.seconds),
        "duration {} s",
        wav.seconds
    );
    assert!(wav.rms > 300.0);
}

#[test]
fn rate_and_volume_change_the_sound() {
    require_espeak();
    let dir = tempfile::tempdir().unwrap();
    let text = Utterance::text(Lang::En, "Please take your receipt from the printer");
    let slow = say_to_wav(
        &dir.path().join("slow.wav"),
        &text,
        &SpeechSettings {
            rate_wpm: 100,
            volume: 80,
        },
    );
    let fast = say_to_wav(
        &dir.path().join("fast.wav"),
        &text,
        &SpeechSettings {
            rate_wpm: 300,
            volume: 80,
        },
    );
    assert!(
        fast.seconds * 1.8 < slow.seconds,
        "{} vs {}",
        fast.seconds,
        slow.seconds
    );
    let quiet = say_to_wav(
        &dir.path().join("quiet.wav"),
        &text,
        &SpeechSettings {
            rate_wpm: 300,
            volume: 20,
        },
    );
    assert!(quiet.rms * 2.0 < fast.rms, "{} vs {}", quiet.rms, fast.rms);
}

#[test]
fn interrupt_stops_a_long_utterance() {
    require_espeak();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long.wav");
    let long = "کد پیگیری شما را روی رسید ببینید. ".repeat(1500);
    let stop = Arc::new(AtomicBool::new(false));
    let raise = Arc::clone(&stop);
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        raise.store(true, Ordering::SeqCst);
    });
    let t0 = Instant::now();
    let outcome = EspeakNg::new(Output::WavFile(out.clone()))
        .speak(
            &Utterance::text(Lang::Fa, long),
            &SpeechSettings::default(),
            &stop,
        )
        .expect("espeak-ng runs");
    let elapsed = t0.elapsed();
    raiser.join().unwrap();
    assert_eq!(outcome, SpeakOutcome::Interrupted);
    assert!(
        elapsed < Duration::from_secs(2),
        "stopped after {elapsed:?}"
    );
    // Synthesising all of it would take minutes of audio (tens of MB); we stopped far short.
    let written = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    assert!(written < 20_000_000, "{written} bytes written");
}

#[test]
fn a_missing_program_is_a_clear_error() {
    let mut espeak = EspeakNg::with_program("/nonexistent/espeak-ng", Output::Alsa);
    let err = espeak
        .speak(
            &Utterance::text(Lang::En, "x"),
            &SpeechSettings::default(),
            &AtomicBool::new(false),
        )
        .expect_err("no such program");
    assert!(matches!(err, SpeechError::ProgramMissing { .. }));
    assert!(err.to_string().contains("espeak-ng"), "{err}");
}

#[test]
fn a_recording_is_played_first_and_synthesis_covers_the_rest() {
    require_espeak();
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    std::fs::create_dir_all(prompts.join("fa")).unwrap();
    // A 0.5 s 440 Hz tone stands in for a recorded voice.
    let recording = prompts.join("fa").join("welcome.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&recording, spec).unwrap();
    for i in 0..8_000 {
        let t = f64::from(i) / 16_000.0;
        w.write_sample((8_000.0 * (t * 440.0 * std::f64::consts::TAU).sin()) as i16)
            .unwrap();
    }
    w.finalize().unwrap();

    let out = dir.path().join("out.wav");
    let fallback = EspeakNg::new(Output::WavFile(out.clone()));
    let mut speech = RecordedPrompts::new(&prompts, Output::WavFile(out.clone()), fallback);
    let go = AtomicBool::new(false);
    let settings = SpeechSettings::default();

    let welcome = Utterance::prompt("welcome", Lang::Fa, "خوش آمدید");
    assert_eq!(
        speech.speak(&welcome, &settings, &go).unwrap(),
        SpeakOutcome::Completed
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(&recording).unwrap()
    );

    // No English recording and no recording for this id: synthesised.
    for u in [
        Utterance::prompt("welcome", Lang::En, "Welcome"),
        Utterance::prompt("goodbye", Lang::Fa, "خدا نگهدار"),
    ] {
        speech.speak(&u, &settings, &go).unwrap();
        let wav = measure(&out);
        assert_ne!(
            wav.sample_rate, 16_000,
            "espeak-ng's rate, not the recording's"
        );
        assert!(wav.rms > 300.0);
    }

    let evil = Utterance::prompt("../../etc/passwd", Lang::Fa, "x");
    assert!(matches!(
        speech.speak(&evil, &settings, &go),
        Err(SpeechError::InvalidPromptId)
    ));
}
