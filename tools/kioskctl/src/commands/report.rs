//! `kioskctl report monthly --month 1405-07` and `report quarterly --quarter 1405-Q3`: the
//! periodic reports (the monthly meeting report, docs/rules.md R-003-5.3-report; the quarterly
//! report, R-000-11) from a kiosk database, written as CSV and a self-contained HTML page with
//! charts (kiosk-reports).
//!
//! The database is opened read-only, so a report can be made beside a running firmware.

use std::path::{Path, PathBuf};

use kiosk_core::WorkingCalendar;
use kiosk_reports::{JalaliMonth, JalaliQuarter, data, monthly, quarterly, render};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `report`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Monthly meeting report: visitors per meeting day, topics, occupations, results.
    Monthly {
        /// The Jalali month, e.g. 1405-07.
        #[arg(long)]
        month: String,
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// Where to write the CSV and HTML files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Quarterly report: cases by kind and subject, response rate, handling time, overdue
    /// cases, satisfaction per service and employee.
    Quarterly {
        /// The Jalali quarter, e.g. 1405-Q3.
        #[arg(long)]
        quarter: String,
        /// The kiosk database.
        #[arg(long)]
        db: PathBuf,
        /// Where to write the CSV and HTML files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn refused(json_mode: bool, reason: &str) -> Outcome {
    output::invalid(json_mode, json!({"valid": false, "reason": reason}), reason)
}

fn write(out: &Path, name: &str, content: &str) -> Result<PathBuf, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("could not create {}: {e}", out.display()))?;
    let path = out.join(name);
    std::fs::write(&path, content)
        .map_err(|e| format!("could not write {}: {e}", path.display()))?;
    Ok(path)
}

/// Writes a report's `{stem}.csv` and `{stem}.html` into `out`; returns both paths.
fn write_pair(out: &Path, stem: &str, csv: &str, html: &str) -> Result<(PathBuf, PathBuf), String> {
    let csv = write(out, &format!("{stem}.csv"), csv)?;
    let html = write(out, &format!("{stem}.html"), html)?;
    Ok((csv, html))
}

/// Reads the database, with the key of the provisioned layout (`keys/db.key` beside it) when
/// there is one.
fn load(db: &Path) -> Result<data::ReportData, String> {
    let key = crate::commands::db::KioskDb::at(db, None)
        .key()
        .map_err(|e| e.to_string())?;
    data::load_with_key(db, key.as_ref()).map_err(|e| e.to_string())
}

/// `report monthly`: the meetings of a Jalali month (docs/rules.md R-003-5.3-report).
fn monthly_report(month: &str, db: &Path, out: &Path, json: bool) -> Result<Outcome, String> {
    let month = JalaliMonth::parse(month).map_err(|e| e.to_string())?;
    let report = monthly::compute(&load(db)?, month);
    let html = render::monthly_html(&report).map_err(|e| e.to_string())?;
    let stem = format!("monthly-{}", month.label());
    let (csv, html) = write_pair(out, &stem, &render::monthly_csv(&report), &html)?;
    Ok(output::valid(
        json,
        json!({"valid": true, "month": month.label(), "meetings": report.total,
               "csv": csv, "html": html}),
        &format!(
            "monthly report {}: {} meetings; wrote {} and {}",
            month.label(),
            report.total,
            csv.display(),
            html.display()
        ),
    ))
}

/// `report quarterly`: cases, answers and overdue cases of a Jalali quarter.
fn quarterly_report(quarter: &str, db: &Path, out: &Path, json: bool) -> Result<Outcome, String> {
    let quarter = JalaliQuarter::parse(quarter).map_err(|e| e.to_string())?;
    let report = quarterly::compute(&load(db)?, quarter, &WorkingCalendar::default());
    let html = render::quarterly_html(&report).map_err(|e| e.to_string())?;
    let stem = format!("quarterly-{}", quarter.label());
    let (csv, html) = write_pair(out, &stem, &render::quarterly_csv(&report), &html)?;
    Ok(output::valid(
        json,
        json!({"valid": true, "quarter": quarter.label(), "cases": report.cases,
               "response_rate": report.response_rate, "overdue": report.overdue,
               "csv": csv, "html": html}),
        &format!(
            "quarterly report {}: {} cases, {} overdue; wrote {} and {}",
            quarter.label(),
            report.cases,
            report.overdue,
            csv.display(),
            html.display()
        ),
    ))
}

/// Runs a `report` subcommand.
pub fn run(command: &Command) -> Outcome {
    let (json, result) = match command {
        Command::Monthly {
            month,
            db,
            out,
            json,
        } => (*json, monthly_report(month, db, out, *json)),
        Command::Quarterly {
            quarter,
            db,
            out,
            json,
        } => (*json, quarterly_report(quarter, db, out, *json)),
    };
    result.unwrap_or_else(|reason| refused(json, &reason))
}
