//! `kioskctl`: the kiosk domain on the command line, for operators and scripts.
//!
//! Every command prints a human line by default and a stable JSON object with `--json`.
//! Exit status: 0 when the input is valid, 1 when it is not (with a one-line reason: on stderr,
//! or in the JSON's `reason`), 2 on usage errors (clap's own convention).

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Operators' and scripts' tool for the service-desk kiosk.
#[derive(Parser)]
#[command(name = "kioskctl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a national code (Persian, Arabic-Indic or ASCII digits; spaces and dashes allowed).
    NationalCode(commands::national_code::Args),
    /// Compute the response date of a case registered on a Jalali day.
    DueDate(commands::due_date::Args),
    /// Work with tracking codes.
    #[command(subcommand)]
    TrackingCode(commands::tracking_code::Command),
    /// Work with configuration files.
    #[command(subcommand)]
    Config(commands::config::Command),
    /// Work with the kiosk database.
    #[command(subcommand)]
    Db(commands::db::Command),
    /// Preview a receipt as PNG or write its ESC/POS bytes.
    #[command(subcommand)]
    Receipt(commands::receipt::Command),
    /// Try the kiosk's devices: read a code scanner.
    #[command(subcommand)]
    Devices(commands::devices::Command),
    /// Say a text with the kiosk's speech engine (espeak-ng), to the speaker or a WAV file.
    Speak(commands::devices::SpeakArgs),
    /// Satisfaction codes: generate keys, issue, verify.
    #[command(subcommand)]
    Satisfaction(commands::satisfaction::Command),
    /// The SAMAD outbox: depth, parked items with reasons, retry one.
    #[command(subcommand)]
    Outbox(commands::outbox::Command),
    /// Enrol this device with the agency server: make its key, send a certificate request
    /// with the one-time code, write its certificate and token, print the `[samad]` lines.
    Enroll(commands::enroll::Args),
    /// Sync with SAMAD from the command line.
    #[command(subcommand)]
    Sync(commands::sync::Command),
    /// Periodic reports (monthly meetings, quarterly performance) as CSV and HTML.
    #[command(subcommand)]
    Report(commands::report::Command),
    /// Staff of the service-desk terminal: add, set PIN (read from stdin), list, unlock.
    #[command(subcommand)]
    Staff(commands::staff::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::NationalCode(args) => commands::national_code::run(&args),
        Command::DueDate(args) => commands::due_date::run(&args),
        Command::TrackingCode(command) => commands::tracking_code::run(&command),
        Command::Config(command) => commands::config::run(&command),
        Command::Db(command) => commands::db::run(&command),
        Command::Receipt(command) => commands::receipt::run(&command),
        Command::Satisfaction(command) => commands::satisfaction::run(&command),
        Command::Devices(command) => commands::devices::run(&command),
        Command::Speak(args) => commands::devices::speak(&args),
        Command::Outbox(command) => commands::outbox::run(&command),
        Command::Enroll(args) => commands::enroll::run(&args),
        Command::Sync(command) => commands::sync::run(&command),
        Command::Report(command) => commands::report::run(&command),
        Command::Staff(command) => commands::staff::run(&command),
    };
    outcome.exit_code()
}
