//! `kioskctl outbox status|retry`: what is waiting for SAMAD, what was set aside and why, and
//! sending one item again, for staff and operators at the kiosk.
//!
//! Opens the kiosk database read-write beside a running firmware (SQLite WAL allows it; the
//! relay's leases keep an item from being sent by two processes at once). Never prints a
//! payload: only ids, kinds, tracking codes, counts and reasons.
//!
//! The database is named by path, or found from the kiosk's configuration (`--config FILE`:
//! `kiosk.data_dir`/kiosk.db, as the firmware keeps it).

use std::path::{Path, PathBuf};

use chrono::Utc;
use kiosk_store::{OpenOptions, RetryOne, Store};
use serde_json::json;
use uuid::Uuid;

use crate::commands::db::KioskDb;
use crate::output::{self, Outcome};

/// Subcommands of `outbox`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Depth, age of the oldest unsent item, and parked items with their reasons.
    Status {
        /// The kiosk database, e.g. /var/lib/kiosk/kiosk.db.
        #[arg(required_unless_present = "config", conflicts_with = "config")]
        path: Option<PathBuf>,
        /// The kiosk's configuration; the database is `kiosk.data_dir`/kiosk.db.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send one item again now: a parked item is unparked, a waiting one loses its wait.
    Retry {
        /// The kiosk database, then the item's id; with `--config`, the item's id alone.
        #[arg(required = true, num_args = 1..=2, value_names = ["PATH", "ITEM"])]
        args: Vec<String>,
        /// The kiosk's configuration; the database is `kiosk.data_dir`/kiosk.db.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The database (and its key file) a configuration file names.
pub fn db_of_config(config: &Path, json_mode: bool) -> Result<KioskDb, Outcome> {
    kiosk_config::load(config)
        .map(|c| KioskDb::of_config(&c))
        .map_err(|e| {
            let reason = e.to_string();
            output::invalid(
                json_mode,
                json!({"valid": false, "reason": reason}),
                &reason,
            )
        })
}

/// The database from a path or a configuration (exactly one is given; clap checks).
fn db_path(
    path: Option<&Path>,
    config: Option<&Path>,
    json_mode: bool,
) -> Result<KioskDb, Outcome> {
    match (path, config) {
        (_, Some(config)) => db_of_config(config, json_mode),
        (Some(path), None) => Ok(KioskDb::at(path, None)),
        (None, None) => Err(output::usage("name the database or give --config FILE")),
    }
}

/// Opens an existing database (never creates one) with its key (see [`KioskDb`]).
pub fn open_existing(db: &KioskDb, json_mode: bool) -> Result<Store, Outcome> {
    let refuse = |reason: String| refusal(json_mode, reason);
    let key = db.key().map_err(|e| refuse(e.to_string()))?;
    let options = OpenOptions {
        create_if_missing: false,
        key,
        ..OpenOptions::default()
    };
    Store::open(&db.path, &options).map_err(|e| refuse(e.to_string()))
}

/// Opens an existing database for reading only, with its key (see [`KioskDb`]): nothing on disk
/// changes, whatever the file holds (a damaged file is reported and left where it is, a
/// plaintext one is not encrypted, an older schema is not migrated). For read-style commands.
pub fn open_read_only(db: &KioskDb, json_mode: bool) -> Result<Store, Outcome> {
    let refuse = |reason: String| refusal(json_mode, reason);
    let key = db.key().map_err(|e| refuse(e.to_string()))?;
    Store::open_read_only(&db.path, key.as_ref()).map_err(|e| refuse(e.to_string()))
}

/// A database that cannot be opened, as the command's answer.
fn refusal(json_mode: bool, reason: String) -> Outcome {
    output::invalid(
        json_mode,
        json!({"valid": false, "reason": reason}),
        &reason,
    )
}

/// `1h 05m`, `3m 20s`, `12s`.
fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn status(path: &KioskDb, json_mode: bool) -> Outcome {
    let store = match open_read_only(path, json_mode) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    let report = store
        .outbox_depth()
        .and_then(|depth| Ok((depth, store.outbox_parked()?)));
    let (depth, parked) = match report {
        Ok(r) => r,
        Err(e) => {
            let reason = e.to_string();
            return output::invalid(
                json_mode,
                json!({"valid": false, "reason": reason}),
                &reason,
            );
        }
    };
    let now = Utc::now();
    let oldest_age = depth.oldest_pending_at.map(|t| (now - t).num_seconds());
    let mut human = format!(
        "outbox: {} pending{}, {} parked",
        depth.pending,
        oldest_age
            .map(|a| format!(" (oldest {})", age(a)))
            .unwrap_or_default(),
        depth.parked
    );
    for p in &parked {
        let code = p
            .tracking_code
            .map(|c| c.grouped())
            .unwrap_or_else(|| "-".to_owned());
        human.push_str(&format!(
            "\nparked {} {} {} after {} attempts: {}",
            p.item_uuid, p.item_kind, code, p.attempts, p.reason
        ));
    }
    let items: Vec<_> = parked
        .iter()
        .map(|p| {
            json!({
                "item": p.item_uuid,
                "kind": p.item_kind.as_str(),
                "tracking_code": p.tracking_code.map(|c| c.as_string()),
                "created_at": p.created_at.to_rfc3339(),
                "attempts": p.attempts,
                "reason": p.reason,
            })
        })
        .collect();
    output::valid(
        json_mode,
        json!({
            "valid": true,
            "pending": depth.pending,
            "parked": depth.parked,
            "oldest_pending_at": depth.oldest_pending_at.map(|t| t.to_rfc3339()),
            "oldest_pending_age_s": oldest_age,
            "parked_items": items,
        }),
        &human,
    )
}

fn retry(path: &KioskDb, item: &str, json_mode: bool) -> Outcome {
    let Ok(uuid) = Uuid::parse_str(item.trim()) else {
        return output::usage(&format!("{item:?} is not an item id (a UUID)"));
    };
    let mut store = match open_existing(path, json_mode) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    let (done, human) = match store.outbox_retry_one(uuid) {
        Ok(Some(RetryOne::Unparked)) => ("unparked", format!("{uuid}: unparked; it is sent next")),
        Ok(Some(RetryOne::Rescheduled)) => (
            "rescheduled",
            format!("{uuid}: its wait is cut; it is sent next"),
        ),
        Ok(Some(RetryOne::Unchanged(state))) => (
            "unchanged",
            format!("{uuid}: nothing to do, the item is {state}"),
        ),
        Ok(None) => {
            let reason = format!("no outbox item {uuid}");
            return output::invalid(
                json_mode,
                json!({"valid": false, "reason": reason}),
                &reason,
            );
        }
        Err(e) => {
            let reason = e.to_string();
            return output::invalid(
                json_mode,
                json!({"valid": false, "reason": reason}),
                &reason,
            );
        }
    };
    output::valid(
        json_mode,
        json!({"valid": true, "item": uuid, "result": done}),
        &human,
    )
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Status { path, config, json } => {
            match db_path(path.as_deref(), config.as_deref(), *json) {
                Ok(db) => status(&db, *json),
                Err(outcome) => outcome,
            }
        }
        Command::Retry { args, config, json } => {
            let (path, item) = match (args.as_slice(), config) {
                ([path, item], None) => (Some(Path::new(path)), item),
                ([item], Some(_)) => (None, item),
                ([_, _], Some(_)) => {
                    return output::usage("with --config give only the item's id");
                }
                _ => return output::usage("give the database and the item's id"),
            };
            match db_path(path, config.as_deref(), *json) {
                Ok(db) => retry(&db, item, *json),
                Err(outcome) => outcome,
            }
        }
    }
}
