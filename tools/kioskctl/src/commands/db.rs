//! `kioskctl db check PATH`: a read-only check of a kiosk database that changes nothing on disk.
//! `kioskctl db keygen --out FILE`: the database key made at provisioning (a new 0400 file,
//! never an overwrite).
//! `kioskctl db recover PATH --kiosk N --last-sequence N --yes`: the operator's decision after a
//! corrupt database: it is moved aside and an empty one started, its tracking-code sequence
//! seeded past every code already given out.
//! `kioskctl db encrypt PATH --key-file FILE --yes`: a plaintext database (a kiosk installed
//! before encryption) encrypted in place with the provisioned key.
//!
//! Only the two commands that change a database say so in their names, and each does nothing
//! without `--yes`.
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
    /// CHANGES THE DATABASE. After a corrupt database (the kiosk stopped and said so): moves
    /// what is left aside as `<name>.corrupt-<time>` and starts an empty database whose
    /// tracking-code sequence continues after `--last-sequence`, so no code already printed is
    /// given out again. Stop the kiosk first (its data directory is locked while it runs).
    Recover {
        /// The database, e.g. /var/lib/kiosk/kiosk.db.
        path: PathBuf,
        /// The database key file (default: keys/db.key beside the database, when it exists).
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// This kiosk's number (the first four digits of its tracking codes).
        #[arg(long, value_name = "N")]
        kiosk: u32,
        /// The highest sequence number this kiosk has used (SAMAD's records or the last
        /// receipt); the next case gets a higher one.
        #[arg(long, value_name = "N")]
        last_sequence: u64,
        /// Yes, move the damaged database aside and start an empty one.
        #[arg(long)]
        yes: bool,
    },
    /// CHANGES THE DATABASE. Encrypts a plaintext database in place with the key file (a kiosk
    /// installed before encryption). A power cut at any moment leaves either the old plaintext
    /// file or the encrypted one. Stop the kiosk first.
    Encrypt {
        /// The database, e.g. /var/lib/kiosk/kiosk.db.
        path: PathBuf,
        /// The key file, made by `kioskctl db keygen`.
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
        /// Yes, encrypt it.
        #[arg(long)]
        yes: bool,
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
        Command::Recover {
            path,
            key_file,
            kiosk,
            last_sequence,
            yes,
        } => return recover(path, key_file.as_deref(), *kiosk, *last_sequence, *yes),
        Command::Encrypt {
            path,
            key_file,
            yes,
        } => return encrypt(path, key_file, *yes),
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

/// `db recover PATH --kiosk N --last-sequence N --yes`.
fn recover(
    path: &Path,
    key_file: Option<&Path>,
    kiosk: u32,
    last_sequence: u64,
    yes: bool,
) -> Outcome {
    let Ok(kiosk) = kiosk_core::KioskNumber::new(kiosk) else {
        return output::usage(&format!(
            "--kiosk {kiosk}: not a kiosk number (1 to {})",
            kiosk_core::tracking_code::MAX_KIOSK
        ));
    };
    if !yes {
        return output::usage(&format!(
            "db recover changes {}: it moves a damaged database aside and starts an empty one \
             whose tracking codes continue after {last_sequence}; nothing was done. Run it again \
             with --yes once the kiosk is stopped",
            path.display()
        ));
    }
    let key = match KioskDb::at(path, key_file).key() {
        Ok(key) => key,
        Err(e) => return output::usage(&e.to_string()),
    };
    let options = match key {
        Some(key) => kiosk_store::OpenOptions::encrypted(key),
        None => kiosk_store::OpenOptions::default(),
    };
    let _lock = match path.parent().map(kiosk_store::DataDirLock::acquire) {
        Some(Ok(lock)) => Some(lock),
        Some(Err(e)) => return output::usage(&e.to_string()),
        None => None,
    };
    let (mut store, moved) = match Store::open_after_corruption(path, &options) {
        Ok(opened) => opened,
        Err(e) => return output::usage(&e.to_string()),
    };
    let next = match store.ensure_sequence_at_least(kiosk, last_sequence) {
        Ok(next) => next,
        Err(e) => return output::usage(&e.to_string()),
    };
    match moved {
        Some(moved) => println!(
            "moved the damaged database aside to {} ({}); started an empty one at {}",
            moved.moved_to.display(),
            moved.reason,
            path.display()
        ),
        None => println!("{} opens as it is: nothing was moved aside", path.display()),
    }
    println!("kiosk {kiosk}: tracking codes continue after sequence {next}");
    Outcome::Valid
}

/// `db encrypt PATH --key-file FILE --yes`.
fn encrypt(path: &Path, key_file: &Path, yes: bool) -> Outcome {
    if !yes {
        return output::usage(&format!(
            "db encrypt rewrites {} encrypted with {}; nothing was done. Run it again with \
             --yes once the kiosk is stopped",
            path.display(),
            key_file.display()
        ));
    }
    let key = match DatabaseKey::load(key_file) {
        Ok(key) => key,
        Err(e) => return output::usage(&e.to_string()),
    };
    match Store::check_with_key(path, Some(&key)) {
        Ok(report) if report.encrypted => {
            return output::usage(&format!("{}: already encrypted", path.display()));
        }
        Ok(_) => {}
        Err(e) => return output::usage(&e.to_string()),
    }
    let _lock = match path.parent().map(kiosk_store::DataDirLock::acquire) {
        Some(Ok(lock)) => Some(lock),
        Some(Err(e)) => return output::usage(&e.to_string()),
        None => None,
    };
    match Store::open(path, &kiosk_store::OpenOptions::encrypted(key)) {
        Ok(_) => {
            println!("encrypted {} with {}", path.display(), key_file.display());
            Outcome::Valid
        }
        Err(e) => output::usage(&e.to_string()),
    }
}
