//! `kioskctl due-date --from YYYY-MM-DD --kind KIND [--next-visit RULE]`: the response date
//! of a kind that owes an answer, else its next visit or final-service day (seed 000 §4-4) by
//! the rule given (as a catalogue would give it) or the configuration's default for the kind.

use std::path::PathBuf;

use chrono::Datelike;
use chrono::{NaiveTime, TimeZone};
use kiosk_core::jalali::tehran;
use kiosk_core::next_visit::next_visit;
use kiosk_core::working_days::due_date;
use kiosk_core::{CaseKind, DueDatePolicy, JalaliDate, NextVisitRule};
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
    /// A next-visit rule to try, as a catalogue gives one for a service: `at_desk`,
    /// `working_days:N` or `weekly:DAY` (default: the configuration's `[next_visit]` rule for
    /// the kind). Only for kinds that owe no later answer.
    #[arg(long)]
    next_visit: Option<String>,
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
    let tried = match args.next_visit.as_deref().map(str::parse::<NextVisitRule>) {
        None => None,
        Some(Ok(rule)) => match rule.check(&policy.calendar) {
            Ok(()) => Some(rule),
            Err(why) => return bad_rule(args.json, &why),
        },
        Some(Err(e)) => return bad_rule(args.json, &e.to_string()),
    };
    if tried.is_some() && matches!(rule, kiosk_core::ResponseRule::WorkingDays(_)) {
        return bad_rule(
            args.json,
            &format!(
                "{} owes a written answer by its response date; --next-visit is for kinds that owe none",
                args.kind
            ),
        );
    }
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
        Ok(None) => {
            let visit_rule = policy.next_visit_rule_for(args.kind, tried);
            let visit = match next_visit(registered_at, visit_rule, &policy.calendar) {
                Ok(visit) => visit,
                Err(e) => {
                    return output::invalid(
                        args.json,
                        json!({"valid": false, "due_jalali": null, "reason": e.to_string()}),
                        &e.to_string(),
                    );
                }
            };
            output::valid(
                args.json,
                json!({
                    "valid": true,
                    "kind": args.kind.as_str(),
                    "from_jalali": from.to_string(),
                    "due_jalali": null,
                    "rule": serde_json::to_value(rule).unwrap_or_default(),
                    "next_visit": {
                        "rule": visit_rule.to_string(),
                        "date": visit.day.map(|d| d.to_string()),
                        "jalali": visit.jalali().map(|j| j.to_string()),
                        "fa": visit.value_fa(),
                    },
                }),
                &format!(
                    "{}: no response date; next visit or final service by {visit_rule}: {}",
                    args.kind,
                    match (visit.day, visit.jalali()) {
                        (Some(day), Some(jalali)) => format!("{jalali} ({})", day.weekday()),
                        _ => "at the desk during the visit".to_owned(),
                    }
                ),
            )
        }
        Err(e) => output::invalid(
            args.json,
            json!({"valid": false, "due_jalali": null, "reason": e.to_string()}),
            &e.to_string(),
        ),
    }
}

/// A `--next-visit` rule that does not read or can never give a day: refused in English.
fn bad_rule(json_mode: bool, reason: &str) -> Outcome {
    output::invalid(
        json_mode,
        json!({"valid": false, "due_jalali": null, "reason": reason}),
        reason,
    )
}
