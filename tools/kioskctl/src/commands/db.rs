//! `kioskctl db check PATH`: a read-only check of a kiosk database that changes nothing on disk.

use std::path::PathBuf;

use kiosk_store::{Store, StoreError};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `db`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a database file: header, schema version, integrity, row counts. Read-only.
    Check {
        /// The database, e.g. /var/lib/kiosk/kiosk.db.
        path: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A stable snake_case name of why a database was refused.
fn reason_code(error: &StoreError) -> &'static str {
    match error {
        StoreError::NotFound { .. } => "not_found",
        StoreError::NotAFile { .. } => "not_a_file",
        StoreError::Damaged { reason, .. } | StoreError::Corrupt { reason, .. } => {
            reason.reason_code()
        }
        StoreError::NewerSchema { .. } => "newer_schema",
        StoreError::NeedsWalRecovery { .. } => "needs_wal_recovery",
        StoreError::NotAKioskDatabase { .. } => "not_a_kiosk_database",
        _ => "error",
    }
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    let Command::Check { path, json } = command;
    match Store::check(path) {
        Ok(report) => {
            let counts = report.counts.as_ref().map(|c| {
                json!({
                    "cases": c.cases,
                    "events": c.events,
                    "outbox_pending": c.outbox_pending,
                    "outbox_parked": c.outbox_parked,
                    "outbox_done": c.outbox_done,
                    "receipts": c.receipts.iter().map(|(state, n)| (state.as_str().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
                })
            });
            let human = match &report.counts {
                Some(c) => format!(
                    "ok: schema {} (firmware {}), integrity ok, {} cases, {} events, outbox {} pending / {} parked",
                    report.schema_version,
                    report.firmware_schema_version,
                    c.cases,
                    c.events,
                    c.outbox_pending,
                    c.outbox_parked
                ),
                None => format!(
                    "ok: schema {} (older than firmware {}; migrates on next start), integrity ok",
                    report.schema_version, report.firmware_schema_version
                ),
            };
            output::valid(
                *json,
                json!({
                    "valid": true,
                    "path": report.path,
                    "schema_version": report.schema_version,
                    "firmware_schema_version": report.firmware_schema_version,
                    "wal_mode": report.wal_mode,
                    "read_wal": report.read_wal,
                    "file_bytes": report.file_bytes,
                    "counts": counts,
                }),
                &human,
            )
        }
        Err(e) => output::invalid(
            *json,
            json!({"valid": false, "path": path, "reason": reason_code(&e), "message": e.to_string()}),
            &e.to_string(),
        ),
    }
}
