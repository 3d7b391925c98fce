//! `kioskctl tracking-code check CODE` and `tracking-code make --kiosk N --sequence S`.

use kiosk_core::{KioskNumber, TrackingCode};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `tracking-code`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a tracking code as typed or scanned.
    Check {
        /// The code (any digit script; spaces and dashes allowed).
        code: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make the tracking code of a kiosk's n-th case (for provisioning and tests).
    Make {
        /// Fleet-assigned kiosk number.
        #[arg(long)]
        kiosk: u32,
        /// The kiosk's sequence number.
        #[arg(long)]
        sequence: u64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn describe(code: &TrackingCode) -> serde_json::Value {
    json!({
        "valid": true,
        "normalized": code.as_string(),
        "grouped": code.grouped(),
        "kiosk": code.kiosk().get(),
        "sequence": code.sequence(),
    })
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Check { code, json } => match TrackingCode::parse(code) {
            Ok(code) => output::valid(*json, describe(&code), &format!("valid {}", code.grouped())),
            Err(e) => output::invalid(
                *json,
                json!({
                    "valid": false,
                    "reason": e.reason_code(),
                    "message": e.to_string(),
                    "message_fa": e.message_fa(),
                }),
                &e.to_string(),
            ),
        },
        Command::Make {
            kiosk,
            sequence,
            json,
        } => match KioskNumber::new(*kiosk).and_then(|k| TrackingCode::new(k, *sequence)) {
            Ok(code) => output::valid(*json, describe(&code), &code.grouped()),
            Err(e) => output::usage(&e.to_string()),
        },
    }
}
