//! Everything that can go wrong in the store, as one error type.
//!
//! Every variant names the database file it concerns and says why, in English, so an operator
//! reading a log line or `kioskctl db check` output knows which file to look at and what to do.
//! No variant carries a national code, phone number or description: errors end up in logs.

use std::fmt;
use std::path::PathBuf;

use kiosk_core::{KioskNumber, TrackingCode, TrackingCodeError};

use crate::receipts::ReceiptState;

/// Why a file was judged not to be a usable kiosk database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorruptReason {
    /// The file has zero bytes. The store never leaves an empty file behind (a new database is
    /// built under another name and renamed into place), so an empty file means data was lost.
    Empty,
    /// The file does not start with the SQLite header: it is some other kind of file.
    NotADatabase,
    /// The file is shorter than its own header says it should be.
    Truncated {
        /// Size of the file on disk.
        file_bytes: u64,
        /// Size the header calls for (pages × page size), when the header says.
        expected_bytes: Option<u64>,
    },
    /// SQLite refused to read it (`SQLITE_CORRUPT` or `SQLITE_NOTADB`).
    Malformed {
        /// SQLite's own message.
        detail: String,
    },
    /// `PRAGMA integrity_check` reported problems.
    IntegrityCheckFailed {
        /// The first problems reported (at most [`MAX_REPORTED_PROBLEMS`]).
        problems: Vec<String>,
    },
}

/// How many `integrity_check` problems are kept in an error.
pub const MAX_REPORTED_PROBLEMS: usize = 10;

impl CorruptReason {
    /// A stable snake_case name of the reason, for `--json` output and metrics.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotADatabase => "not_a_database",
            Self::Truncated { .. } => "truncated",
            Self::Malformed { .. } => "malformed",
            Self::IntegrityCheckFailed { .. } => "integrity_check_failed",
        }
    }
}

impl fmt::Display for CorruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the file is empty (0 bytes)"),
            Self::NotADatabase => {
                f.write_str("the file is not a SQLite database (no SQLite header)")
            }
            Self::Truncated {
                file_bytes,
                expected_bytes: Some(expected),
            } => write!(
                f,
                "the file is truncated: {file_bytes} bytes on disk, its header calls for {expected}"
            ),
            Self::Truncated {
                file_bytes,
                expected_bytes: None,
            } => {
                write!(
                    f,
                    "the file is truncated: {file_bytes} bytes, not even a whole header"
                )
            }
            Self::Malformed { detail } => write!(f, "SQLite cannot read it: {detail}"),
            Self::IntegrityCheckFailed { problems } => {
                write!(f, "integrity_check failed: {}", problems.join("; "))
            }
        }
    }
}

/// Which case an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRef {
    /// The row id in `cases`.
    Id(i64),
    /// The visitor's tracking code.
    Code(TrackingCode),
}

impl From<i64> for CaseRef {
    fn from(id: i64) -> Self {
        Self::Id(id)
    }
}

impl From<TrackingCode> for CaseRef {
    fn from(code: TrackingCode) -> Self {
        Self::Code(code)
    }
}

impl From<&TrackingCode> for CaseRef {
    fn from(code: &TrackingCode) -> Self {
        Self::Code(*code)
    }
}

impl fmt::Display for CaseRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "case id {id}"),
            Self::Code(code) => write!(f, "tracking code {}", code.grouped()),
        }
    }
}

/// An error of the store. Every message starts with the database path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation on the database or beside it failed.
    #[error("{}: could not {action}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What was being done, e.g. "read the database header".
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite failed while doing something that is not a sign of corruption (locked, disk
    /// full, constraint violated, ...).
    #[error("{}: could not {action}: {source}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done, e.g. "insert the outbox row".
        action: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer firmware. Nothing was changed.
    #[error(
        "{}: database schema version {found} is newer than the {supported} this firmware \
         knows; refusing to open it (nothing was changed): install the newer firmware or \
         restore a matching backup",
        path.display()
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` of the file.
        found: u32,
        /// The latest schema version this firmware knows.
        supported: u32,
    },
    /// The file was corrupt; it was moved aside (with its -wal/-shm) and not replaced.
    #[error(
        "{}: database is corrupt ({reason}); it was moved aside to {} and no new database \
         was created: an empty one would restart the tracking-code sequence, so starting \
         one is the operator's decision (keep the moved file: its sequence must be carried over)",
        path.display(),
        moved_to.display()
    )]
    Corrupt {
        /// Where the database was.
        path: PathBuf,
        /// Where it is now.
        moved_to: PathBuf,
        /// Why it was judged corrupt.
        reason: CorruptReason,
    },
    /// A read-only open found a schema older than this firmware's: the firmware migrates it at
    /// its next start; a read-only reader does not. Nothing was changed.
    #[error(
        "{}: database schema version {found} is older than the {supported} this tool reads; \
         start the kiosk once (it migrates the file), then try again (nothing was changed)",
        path.display()
    )]
    OlderSchema {
        /// The database file.
        path: PathBuf,
        /// `PRAGMA user_version` of the file.
        found: u32,
        /// The schema version this firmware reads.
        supported: u32,
    },
    /// The file is corrupt and was left where it is (read-only check).
    #[error("{}: database is corrupt ({reason}); left in place", path.display())]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// Why it was judged corrupt.
        reason: CorruptReason,
    },
    /// A readable SQLite file that the firmware never migrated (schema version 0, e.g. another
    /// program's database): not corrupt, not ours. Left untouched.
    #[error(
        "{}: this SQLite file is not a kiosk database (schema version 0: the firmware never \
         created or migrated it); it was left untouched",
        path.display()
    )]
    NotAKioskDatabase {
        /// The file.
        path: PathBuf,
    },
    /// With a key: SQLCipher could not read the file. Left untouched: an encrypted database is
    /// locked to its key, not corrupt.
    #[error(
        "{}: locked: key missing or wrong (SQLCipher cannot read the file with the key given: \
         wrong database key or not a kiosk database); the file was left untouched: check that \
         the key file (privacy.database_key_file) is the one this kiosk was provisioned with",
        path.display()
    )]
    WrongKey {
        /// The database file.
        path: PathBuf,
    },
    /// Without a key: the file has no plain SQLite header and may be an encrypted kiosk
    /// database. Left untouched: an encrypted database read without its key is locked, not
    /// corrupt.
    #[error(
        "{}: locked: key missing or wrong (no key was given and the file is not a plain SQLite \
         database: an encrypted kiosk database, to be opened with its key \
         (privacy.database_key_file), or not a database at all); the file was left untouched",
        path.display()
    )]
    EncryptedOrNotADatabase {
        /// The database file.
        path: PathBuf,
    },
    /// There is no database at the path, and none was created.
    #[error("{}: no database file at this path", path.display())]
    NotFound {
        /// The path asked for.
        path: PathBuf,
    },
    /// Something other than a regular file is at the path.
    #[error("{}: this is not a regular file", path.display())]
    NotAFile {
        /// The path asked for.
        path: PathBuf,
    },
    /// The database is missing and an earlier one was moved aside as corrupt: a fresh one is
    /// only created on an explicit decision.
    #[error(
        "{}: no database here, and an earlier one was moved aside as corrupt to {}; refusing to \
         start an empty one silently: stop the kiosk and run `kioskctl db recover` to start one",
        path.display(),
        moved_aside.display()
    )]
    MovedAsideEarlier {
        /// The database path.
        path: PathBuf,
        /// The most recent moved-aside file found beside it.
        moved_aside: PathBuf,
    },
    /// A read-only check could not read the database without changing files beside it.
    #[error(
        "{}: has a -wal file but no -shm file; reading it would need WAL recovery, which \
         creates files beside it, so the read-only check stopped: stop the firmware and open \
         the database with it once (it recovers the WAL), or check a copy of all its files",
        path.display()
    )]
    NeedsWalRecovery {
        /// The database file.
        path: PathBuf,
    },
    /// SQLite could not be switched to write-ahead logging (e.g. a file system without shared
    /// memory support).
    #[error("{}: could not enable WAL journal mode (SQLite answered {got:?})", path.display())]
    WalUnavailable {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite reported instead.
        got: String,
    },
    /// A field of a new case, event or record is not acceptable. Nothing was written.
    #[error("{}: invalid {field}: {reason}", path.display())]
    Invalid {
        /// The database file.
        path: PathBuf,
        /// The field, e.g. "description".
        field: &'static str,
        /// Why, e.g. "4012 characters, at most 4000 are allowed".
        reason: String,
    },
    /// The same client UUID was registered before with different content. Nothing was written.
    #[error(
        "{}: client UUID {client_uuid} was already used for case {} with different {}; \
         nothing was written",
        path.display(),
        tracking_code.grouped(),
        fields.join(", ")
    )]
    ClientUuidConflict {
        /// The database file.
        path: PathBuf,
        /// The reused UUID.
        client_uuid: uuid::Uuid,
        /// The case registered under it.
        tracking_code: TrackingCode,
        /// The names of the fields that differ (never their values).
        fields: Vec<&'static str>,
    },
    /// No such case.
    #[error("{}: no case with {case}", path.display())]
    CaseNotFound {
        /// The database file.
        path: PathBuf,
        /// The case asked for.
        case: CaseRef,
    },
    /// The case is already bound to another SAMAD number.
    #[error(
        "{}: case {} is already bound to SAMAD number {existing:?}, not {given:?}",
        path.display(),
        tracking_code.grouped()
    )]
    SamadNumberConflict {
        /// The database file.
        path: PathBuf,
        /// The case.
        tracking_code: TrackingCode,
        /// The number it has.
        existing: String,
        /// The number that was given.
        given: String,
    },
    /// The SAMAD number belongs to another case.
    #[error(
        "{}: SAMAD number {samad_number:?} is already bound to case {}",
        path.display(),
        other.grouped()
    )]
    SamadNumberTaken {
        /// The database file.
        path: PathBuf,
        /// The number.
        samad_number: String,
        /// The case that has it.
        other: TrackingCode,
    },
    /// The kiosk's sequence cannot make another tracking code.
    #[error("{}: no tracking code can be made for kiosk {kiosk}: {source}", path.display())]
    SequenceExhausted {
        /// The database file.
        path: PathBuf,
        /// The kiosk.
        kiosk: KioskNumber,
        /// Why.
        #[source]
        source: TrackingCodeError,
    },
    /// No print job with that id.
    #[error("{}: no print job with id {id}", path.display())]
    ReceiptNotFound {
        /// The database file.
        path: PathBuf,
        /// The job id.
        id: i64,
    },
    /// A print job cannot go from its state to the one asked for.
    #[error("{}: print job {id} cannot go from {from} to {to}", path.display())]
    ReceiptTransition {
        /// The database file.
        path: PathBuf,
        /// The job id.
        id: i64,
        /// Its current state.
        from: ReceiptState,
        /// The state asked for.
        to: ReceiptState,
    },
    /// A staff member with that employee code exists already.
    #[error("{}: a staff member with employee code {employee_code:?} exists already", path.display())]
    DuplicateEmployeeCode {
        /// The database file.
        path: PathBuf,
        /// The code.
        employee_code: String,
    },
    /// A stored value is not one this firmware can read (edited by hand, or a bug).
    #[error("{}: column {column} holds {value:?}, which this firmware cannot read", path.display())]
    BadValue {
        /// The database file.
        path: PathBuf,
        /// `table.column`.
        column: &'static str,
        /// The value found (never a national code, phone or description).
        value: String,
    },
}

/// Attaches the database path and what was being done to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// Wraps the error as [`StoreError::Sqlite`].
    fn ctx(self, path: &std::path::Path, action: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn ctx(self, path: &std::path::Path, action: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite {
            path: path.to_owned(),
            action,
            source,
        })
    }
}

/// Attaches the path and what was being done to an I/O error.
pub(crate) fn io_error(
    path: &std::path::Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io {
        path,
        action,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_starts_with_the_path() {
        let path = PathBuf::from("/var/lib/kiosk/kiosk.db");
        let errors = [
            StoreError::NewerSchema {
                path: path.clone(),
                found: 7,
                supported: 1,
            },
            StoreError::Corrupt {
                path: path.clone(),
                moved_to: PathBuf::from("/var/lib/kiosk/kiosk.db.corrupt-20260101T000000Z"),
                reason: CorruptReason::NotADatabase,
            },
            StoreError::NotFound { path: path.clone() },
            StoreError::NeedsWalRecovery { path: path.clone() },
            StoreError::Invalid {
                path: path.clone(),
                field: "subject_id",
                reason: "empty".into(),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(text.starts_with("/var/lib/kiosk/kiosk.db: "), "{text}");
        }
    }

    #[test]
    fn newer_schema_names_both_versions() {
        let e = StoreError::NewerSchema {
            path: "x.db".into(),
            found: 7,
            supported: 1,
        };
        let text = e.to_string();
        assert!(
            text.contains("version 7") && text.contains("the 1 this firmware"),
            "{text}"
        );
    }

    #[test]
    fn corrupt_reasons_say_what_was_found() {
        let t = CorruptReason::Truncated {
            file_bytes: 100,
            expected_bytes: Some(8192),
        };
        assert_eq!(
            t.to_string(),
            "the file is truncated: 100 bytes on disk, its header calls for 8192"
        );
        assert_eq!(t.reason_code(), "truncated");
        let i = CorruptReason::IntegrityCheckFailed {
            problems: vec!["a".into(), "b".into()],
        };
        assert_eq!(i.to_string(), "integrity_check failed: a; b");
    }
}
