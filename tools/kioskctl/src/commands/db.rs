//! `kioskctl db check PATH`: a read-only check of a kiosk database that changes nothing on disk.
//! `kioskctl db keygen --out FILE`: the database key made at provisioning (a new 0400 file,
//! never an overwrite).
//!
//! `check` reads an encrypted database with the key of the provisioned layout
//! (`<database directory>/keys/db.key`) or the one given with `--key-file`.

use std::path::{Path, PathBuf};

use kiosk_store::{DatabaseKey, KeyFileError, Store, StoreError};
use serde_json::json;

use crate::output::{self, Outcome};

/// Subcommands of `db`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a database file: header, schema version, integrity, row counts. Read-only.
    Check {
        /// The database, e.g. /var/lib/kiosk/kiosk.db.
        path: PathBuf,
        /// The database key file (default: keys/db.key beside the database, when it exists).
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a new database key: 32 random bytes, hex, in a new file of mode 0400. Refuses to
    /// overwrite an existing file (the database encrypted with it would be lost).
    Keygen {
        /// Where to write it, e.g. /var/lib/kiosk/keys/db.key (its directory must exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// A kiosk database and where its key is: named by the kiosk's configuration (`--config`:
/// `kiosk.data_dir`/kiosk.db with `[privacy] database_key_file`, exactly as the firmware opens
/// it), or by path (the key from `--key-file`, else the provisioned layout's `keys/db.key`
/// beside the database when it exists, else none: a plaintext file).
#[derive(Debug, Clone)]
pub struct KioskDb {
    /// The database file.
    pub path: PathBuf,
    /// The key file, when known.
    pub key_file: Option<PathBuf>,
}

impl KioskDb {
    /// A database given by path, with an optional `--key-file`.
    pub fn at(path: &Path, key_file: Option<&Path>) -> Self {
        Self {
            path: path.to_owned(),
            key_file: key_file.map(Path::to_owned),
        }
    }

    /// The database and key file a configuration names.
    pub fn of_config(config: &kiosk_config::KioskConfig) -> Self {
        Self {
            path: config.data_dir.join("kiosk.db"),
            key_file: Some(config.privacy.database_key_file.clone()),
        }
    }

    /// Reads and checks the key (none for a plaintext database of a path-only layout).
    pub fn key(&self) -> Result<Option<DatabaseKey>, KeyFileError> {
        match &self.key_file {
            Some(file) => DatabaseKey::load(file).map(Some),
            None => DatabaseKey::beside(&self.path),
        }
    }
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
        StoreError::WrongKey { .. } => "wrong_key",
        StoreError::EncryptedOrNotADatabase { .. } => "encrypted_or_not_a_database",
        _ => "error",
    }
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    let (path, key_file, json) = match command {
        Command::Keygen { out } => return keygen(out),
        Command::Check {
            path,
            key_file,
            json,
        } => (path, key_file, json),
    };
    let key = match KioskDb::at(path, key_file.as_deref()).key() {
        Ok(key) => key,
        Err(e) => {
            return output::invalid(
                *json,
                json!({"valid": false, "path": path, "reason": "key_file", "message": e.to_string()}),
                &e.to_string(),
            );
        }
    };
    match Store::check_with_key(path, key.as_ref()) {
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
                    "encrypted": report.encrypted,
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

/// `db keygen --out FILE`.
fn keygen(out: &Path) -> Outcome {
    match DatabaseKey::generate().write_new(out) {
        Ok(()) => {
            println!("wrote a new database key to {} (mode 0400)", out.display());
            Outcome::Valid
        }
        Err(e) => output::usage(&e.to_string()),
    }
}
