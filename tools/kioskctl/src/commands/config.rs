//! `kioskctl config check FILE`

use std::path::PathBuf;

use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `config`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a configuration file; lists every problem with its key and line. Files over
    /// 1 MiB (kiosk_config::MAX_FILE_BYTES) or not UTF-8 are refused before they are parsed.
    Check {
        /// The file, e.g. /etc/kiosk/kiosk.toml.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the documented example configuration.
    Example,
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Example => {
            print!("{}", kiosk_config::EXAMPLE);
            Outcome::Valid
        }
        Command::Check { file, json } => match kiosk_config::load(file) {
            Ok(config) => output::valid(
                *json,
                json!({
                    "valid": true,
                    "mode": format!("{:?}", config.mode).to_lowercase(),
                    "kiosk_number": config.kiosk_number.get(),
                    "holiday_years": config.due_date_policy.calendar.holidays().known_years().collect::<Vec<_>>(),
                }),
                &format!("valid: kiosk {} ({})", config.kiosk_number, file.display()),
            ),
            Err(e) => {
                let issues: Vec<_> = if e.issues().is_empty() {
                    vec![json!({"key": "", "reason": e.to_string()})]
                } else {
                    e.issues()
                        .iter()
                        .map(|i| json!({"key": i.key, "reason": i.reason}))
                        .collect()
                };
                let reason = match e.issues() {
                    [] => e.to_string(),
                    list => list
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                };
                output::invalid(
                    *json,
                    json!({"valid": false, "reason": reason, "issues": issues}),
                    &reason,
                )
            }
        },
    }
}
