//! How a command reports: one place decides between the human line and `--json`, and maps the
//! verdict to the exit status.

use std::process::ExitCode;

use serde_json::Value;

/// What a command concluded.
pub enum Outcome {
    /// The input is valid.
    Valid,
    /// The input is not valid (exit 1).
    Invalid,
    /// The command could not be carried out as asked (exit 2).
    Usage,
}

impl Outcome {
    /// The process exit status for this outcome.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Valid => ExitCode::SUCCESS,
            Self::Invalid => ExitCode::from(1),
            Self::Usage => ExitCode::from(2),
        }
    }
}

/// Prints a valid result: `json` with `--json`, `human` otherwise.
pub fn valid(json_mode: bool, json: Value, human: &str) -> Outcome {
    if json_mode {
        println!("{json}");
    } else {
        println!("{human}");
    }
    Outcome::Valid
}

/// Prints an invalid result: `json` (which must hold `reason`) with `--json`, the one-line
/// `reason` on stderr otherwise.
pub fn invalid(json_mode: bool, json: Value, reason: &str) -> Outcome {
    if json_mode {
        println!("{json}");
    } else {
        eprintln!("invalid: {reason}");
    }
    Outcome::Invalid
}

/// Reports a usage problem (bad option values clap cannot check) on stderr, exit 2.
pub fn usage(message: &str) -> Outcome {
    eprintln!("error: {message}");
    Outcome::Usage
}
