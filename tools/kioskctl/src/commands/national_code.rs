//! `kioskctl national-code CODE`

use kiosk_core::{NationalCode, NationalCodePolicy};
use serde_json::json;

use crate::output::{self, Outcome};

/// Arguments of `national-code`.
#[derive(clap::Args)]
pub struct Args {
    /// The code as typed or scanned.
    code: String,
    /// Accept the test code 1111111111 (training kiosks).
    #[arg(long)]
    accept_test_code: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Outcome {
    let policy = NationalCodePolicy {
        accept_test_code: args.accept_test_code,
    };
    match NationalCode::parse(&args.code, &policy) {
        Ok(code) => output::valid(
            args.json,
            json!({
                "valid": true,
                "normalized": code.as_string(),
                "masked": code.masked(),
                "test_code": code.is_test_code(),
            }),
            &format!("valid {}", code.as_string()),
        ),
        Err(e) => output::invalid(
            args.json,
            json!({
                "valid": false,
                "normalized": null,
                "reason": e.reason_code(),
                "message": e.to_string(),
                "message_fa": e.message_fa(),
            }),
            &e.to_string(),
        ),
    }
}
