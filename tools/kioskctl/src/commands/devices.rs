//! `kioskctl devices scan` and `kioskctl speak`: the kiosk's devices from a shell, for an
//! operator installing a kiosk (is the scanner's baud rate right? does speech work?).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use kiosk_drivers::scanner::{
    ClassifierConfig, CodeScanner as _, ScanEvent, Scanned, SerialScanner, SerialScannerConfig,
};
use kiosk_drivers::speech::{EspeakNg, Lang, Output, Speech as _, SpeechSettings, Utterance};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `devices`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Read a serial code scanner and print each event as one JSON line until interrupted.
    Scan {
        /// The scanner's serial device, e.g. /dev/ttyACM0.
        #[arg(long)]
        serial: PathBuf,
        /// Baud rate.
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Portal address satisfaction codes start with.
        #[arg(long, default_value = "https://saamad.ir")]
        portal: String,
        /// Stop after this many scanned or rejected lines (default: never).
        #[arg(long)]
        max: Option<usize>,
    },
}

/// One scanner event as a JSON line: its kind and, for scans, the classified value (national
/// codes masked: this output ends up in terminals and logs).
fn event_json(event: &ScanEvent) -> serde_json::Value {
    match event {
        ScanEvent::Scanned(Scanned::NationalCode(code)) => {
            json!({"kind": event.kind(), "value": code.masked()})
        }
        ScanEvent::Scanned(Scanned::TrackingCode(code)) => {
            json!({"kind": event.kind(), "value": code.as_string()})
        }
        ScanEvent::Scanned(Scanned::SatisfactionCode { token }) => {
            json!({"kind": event.kind(), "value": token})
        }
        ScanEvent::Scanned(Scanned::EmployeeCode(code)) => {
            json!({"kind": event.kind(), "value": code})
        }
        ScanEvent::Scanned(Scanned::Unknown { reason, .. }) => {
            json!({"kind": event.kind(), "reason": reason.code()})
        }
        ScanEvent::Rejected(error) => json!({"kind": event.kind(), "error": error.to_string()}),
        ScanEvent::Unavailable { reason } | ScanEvent::Disconnected { reason } => {
            json!({"kind": event.kind(), "reason": reason})
        }
        ScanEvent::Connected => json!({"kind": event.kind()}),
    }
}

/// Runs `devices`.
pub fn run(command: &Command) -> Outcome {
    let Command::Scan {
        serial,
        baud,
        portal,
        max,
    } = command;
    let mut config = SerialScannerConfig::new(serial);
    config.baud = *baud;
    config.classifier = ClassifierConfig {
        portal_url: portal.trim_end_matches('/').to_owned(),
        ..ClassifierConfig::default()
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return output::usage(&format!("cannot start the event loop: {e}")),
    };
    runtime.block_on(async {
        let mut events = SerialScanner::new(config).events();
        let mut lines = 0usize;
        while let Some(event) = events.next().await {
            println!("{}", event_json(&event));
            if matches!(event, ScanEvent::Scanned(_) | ScanEvent::Rejected(_)) {
                lines += 1;
                if max.is_some_and(|m| lines >= m) {
                    break;
                }
            }
        }
    });
    Outcome::Valid
}

/// Arguments of `speak`.
#[derive(clap::Args)]
pub struct SpeakArgs {
    /// What to say.
    text: String,
    /// Voice language.
    #[arg(long, default_value = "fa", value_parser = ["fa", "en"])]
    lang: String,
    /// Write a WAV file instead of playing on the default ALSA device.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `speak`.
pub fn speak(args: &SpeakArgs) -> Outcome {
    let output = match &args.out {
        Some(path) => Output::WavFile(path.clone()),
        None => Output::Alsa,
    };
    let lang = if args.lang == "en" {
        Lang::En
    } else {
        Lang::Fa
    };
    let mut voice = EspeakNg::new(output);
    let stop = AtomicBool::new(false);
    match voice.speak(
        &Utterance::text(lang, args.text.clone()),
        &SpeechSettings::default(),
        &stop,
    ) {
        Ok(_) => {
            if let Some(path) = &args.out {
                println!("wrote {}", path.display());
            }
            Outcome::Valid
        }
        Err(e) => output::usage(&e.to_string()),
    }
}
