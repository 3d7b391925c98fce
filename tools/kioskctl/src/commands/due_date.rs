//! `kioskctl due-date --from YYYY-MM-DD --kind KIND`

use std::path::PathBuf;

use chrono::{NaiveTime, TimeZone};
use kiosk_core::jalali::tehran;
use kiosk_core::working_days::due_date;
use kiosk_core::{CaseKind, DueDatePolicy, JalaliDate};
use serde_json::json;

use crate::output::{self, Outcome};

/// Arguments of `due-date`.
#[derive(clap::Args)]
pub struct Args {
    /// Jalali registration day, YYYY-MM-DD (ASCII or Persian digits, `-` or `/`).
    #[arg(long)]
    from: String,
    /// Case kind in snake_case: complaint, request, suggestion, …
    #[arg(long)]
    kind: CaseKind,
    /// Service identifier, for per-service response periods in the configuration.
    #[arg(long)]
    service: Option<String>,
    /// Kiosk configuration whose weekend, closures, holiday files and response periods apply
    /// (default: Friday weekend, shipped holidays, default periods).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> Outcome {
    let policy = match &args.config {
        None => DueDatePolicy::default(),
        Some(path) => match kiosk_config::load(path) {
            Ok(config) => config.due_date_policy,
            Err(e) => return output::usage(&e.to_string()),
        },
    };
    let from: JalaliDate = match args.from.parse() {
        Ok(date) => date,
        Err(e) => {
            let e: kiosk_core::jalali::JalaliDateError = e;
            return output::invalid(
                args.json,
                json!({"valid": false, "due_jalali": null, "reason": e.to_string(), "message_fa": e.message_fa()}),
                &e.to_string(),
            );
        }
    };
    // The hour never matters (the registration day itself never counts); noon keeps the
    // instant inside the same Tehran day.
    let noon = from
        .to_gregorian()
        .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    let registered_at = match tehran().from_local_datetime(&noon).single() {
        Some(local) => local.to_utc(),
        None => return output::usage("cannot place the date in Tehran time"),
    };
    let rule = policy.rule_for(args.kind, args.service.as_deref());
    match due_date(registered_at, args.kind, args.service.as_deref(), &policy) {
        Ok(Some(due)) => output::valid(
            args.json,
            json!({
                "valid": true,
                "kind": args.kind.as_str(),
                "from_jalali": from.to_string(),
                "working_days": due.working_days,
                "due_jalali": due.jalali.to_string(),
                "due_gregorian": due.day.to_string(),
                "due_fa": due.jalali.format_fa(),
                "holidays_known": due.holidays_known,
            }),
            &format!(
                "{} ({} working days after {}){}",
                due.jalali,
                due.working_days,
                from,
                if due.holidays_known {
                    ""
                } else {
                    "; holidays of a year on the way are unknown, the date may be later"
                }
            ),
        ),
        Ok(None) => output::valid(
            args.json,
            json!({
                "valid": true,
                "kind": args.kind.as_str(),
                "from_jalali": from.to_string(),
                "due_jalali": null,
                "rule": serde_json::to_value(rule).unwrap_or_default(),
            }),
            &format!(
                "{}: no response date (handled at the desk or no reply owed)",
                args.kind
            ),
        ),
        Err(e) => output::invalid(
            args.json,
            json!({"valid": false, "due_jalali": null, "reason": e.to_string()}),
            &e.to_string(),
        ),
    }
}
