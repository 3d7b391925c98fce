//! `kioskctl db check PATH`: a read-only look at a database file that changes nothing on disk.
//!
//! Why not just `SQLITE_OPEN_READ_ONLY`: on a WAL-mode file SQLite still creates the -wal and
//! -shm files beside it to read, and a read-only connection cannot delete them afterwards. So:
//! - the header is read by hand first (missing, empty, not a database, truncated);
//! - when no -wal file exists, nobody has the database open in WAL mode and everything is in the
//!   main file: it is opened with `mode=ro&immutable=1`, which creates no file and takes no lock;
//! - when -wal and -shm both exist (the firmware is running, or crashed), it is opened with
//!   `mode=ro`, reading the WAL through the existing -shm;
//! - a -wal without its -shm would need WAL recovery, which creates the -shm: that case is
//!   reported as [`StoreError::NeedsWalRecovery`] instead.
//!
//! An encrypted database has no readable header: [`Store::check_with_key`] skips step one for a
//! file without SQLite's magic and lets SQLCipher judge it with the key. Without a key, such a
//! file that has the shape of an encrypted database is reported locked (key missing or wrong,
//! [`StoreError::EncryptedOrNotADatabase`]), never corrupt, and left untouched.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::types::FromSql;
use rusqlite::{Connection, OpenFlags};

use crate::Store;
use crate::error::{CorruptReason, SqlContext, StoreError, io_error};
use crate::header;
use crate::key::DatabaseKey;
use crate::migrations::LATEST_VERSION;
use crate::open::{Verdict, apply_key, look, looks_encrypted, with_suffix};
use crate::outbox::OutboxState;
use crate::receipts::ReceiptState;

/// Rows in the store's tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableCounts {
    /// Cases.
    pub cases: u64,
    /// Case events.
    pub events: u64,
    /// Outbox items waiting to be sent.
    pub outbox_pending: u64,
    /// Outbox items parked for an operator.
    pub outbox_parked: u64,
    /// Outbox items acknowledged by SAMAD.
    pub outbox_done: u64,
    /// Print jobs by state (every state present, zero when none).
    pub receipts: BTreeMap<ReceiptState, u64>,
}

/// What a read-only check found. Returned only when `integrity_check` said "ok".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// The file checked.
    pub path: PathBuf,
    /// `PRAGMA user_version` of the file.
    pub schema_version: u32,
    /// The latest schema version this firmware knows.
    pub firmware_schema_version: u32,
    /// Whether the file is in WAL mode.
    pub wal_mode: bool,
    /// Whether a -wal file was read beside it (the firmware is running, or crashed).
    pub read_wal: bool,
    /// Size of the main file in bytes.
    pub file_bytes: u64,
    /// Whether the file is encrypted (read with the key).
    pub encrypted: bool,
    /// Row counts; `None` when the schema is older than the firmware's (tables may be missing
    /// until the firmware migrates the file).
    pub counts: Option<TableCounts>,
}

/// Counts the rows of the current schema.
pub(crate) fn count_rows(conn: &Connection, path: &Path) -> Result<TableCounts, StoreError> {
    let count = |sql: &str| -> Result<u64, StoreError> {
        let n: i64 = conn
            .query_row(sql, [], |row| row.get(0))
            .ctx(path, "count rows")?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let outbox: BTreeMap<OutboxState, u64> = count_by_state(conn, path, "outbox")?;
    let mut receipts: BTreeMap<ReceiptState, u64> =
        ReceiptState::ALL.iter().map(|&s| (s, 0)).collect();
    receipts.extend(count_by_state(conn, path, "receipts")?);
    let of = |state| outbox.get(&state).copied().unwrap_or(0);
    Ok(TableCounts {
        cases: count("SELECT count(*) FROM cases")?,
        events: count("SELECT count(*) FROM case_events")?,
        outbox_pending: of(OutboxState::Pending),
        outbox_parked: of(OutboxState::Parked),
        outbox_done: of(OutboxState::Done),
        receipts,
    })
}

/// Rows of `table` per value of its `state` column.
fn count_by_state<S: FromSql + Ord>(
    conn: &Connection,
    path: &Path,
    table: &'static str,
) -> Result<BTreeMap<S, u64>, StoreError> {
    let action = "count rows by state";
    let sql = format!("SELECT state, count(*) FROM {table} GROUP BY state");
    let mut stmt = conn.prepare(&sql).ctx(path, action)?;
    let rows = stmt
        .query_map([], |row| Ok((row.get::<_, S>(0)?, row.get::<_, i64>(1)?)))
        .ctx(path, action)?;
    let mut counts = BTreeMap::new();
    for row in rows {
        let (state, n) = row.ctx(path, action)?;
        counts.insert(state, u64::try_from(n).unwrap_or(0));
    }
    Ok(counts)
}

/// A database opened without changing anything on disk (see the module's notes).
pub(crate) struct ReadOnly<'k> {
    pub(crate) conn: Connection,
    /// The header as read by hand (`None`: no SQLite header, read with the key).
    pub(crate) inspection: Option<header::Inspection>,
    pub(crate) schema_version: u32,
    /// Whether a -wal file was read beside it.
    pub(crate) wal: bool,
    /// The key the file was read with (`None` for a plaintext file, even when one was given).
    pub(crate) key: Option<&'k DatabaseKey>,
}

/// Opens the database at `path` read-only: the header judged by hand, then SQLite in
/// `immutable` or `mode=ro` as the -wal/-shm files allow; the file's schema version judged.
/// Errors as [`Store::check_with_key`]'s.
pub(crate) fn open_read_only<'k>(
    path: &Path,
    key: Option<&'k DatabaseKey>,
) -> Result<ReadOnly<'k>, StoreError> {
    crate::open::wait_for_sqlcipher();
    let damaged = |reason| StoreError::Damaged {
        path: path.to_owned(),
        reason,
    };
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(StoreError::NotAFile {
                path: path.to_owned(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::NotFound {
                path: path.to_owned(),
            });
        }
        Err(e) => return Err(io_error(path, "look for the database")(e)),
    }
    let inspection =
        match header::inspect(path).map_err(io_error(path, "read the database header"))? {
            Ok(inspection) => Some(inspection),
            Err(CorruptReason::Empty) => return Err(damaged(CorruptReason::Empty)),
            Err(_) if key.is_some() => None,
            // Without a key, an encrypted database is locked, not corrupt.
            Err(CorruptReason::NotADatabase) if looks_encrypted(path)? => {
                return Err(StoreError::EncryptedOrNotADatabase {
                    path: path.to_owned(),
                });
            }
            Err(reason) => return Err(damaged(reason)),
        };
    // A plaintext file is read without the key.
    let key = if inspection.is_some() { None } else { key };
    let wal = with_suffix(path, "-wal").exists();
    let shm = with_suffix(path, "-shm").exists();
    let query = match (wal, shm) {
        (false, _) => "mode=ro&immutable=1",
        (true, true) => "mode=ro",
        (true, false) => {
            return Err(StoreError::NeedsWalRecovery {
                path: path.to_owned(),
            });
        }
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(file_uri(path, query), flags)
        .ctx(path, "open the database read-only")?;
    apply_key(&conn, path, key)?;
    let schema_version = match look(&conn, path, inspection.as_ref(), key.is_some())? {
        Verdict::Healthy(version) => version,
        Verdict::Newer(found) => {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found,
                supported: LATEST_VERSION,
            });
        }
        Verdict::Corrupt(reason) => return Err(damaged(reason)),
        Verdict::Foreign => {
            return Err(StoreError::NotAKioskDatabase {
                path: path.to_owned(),
            });
        }
    };
    Ok(ReadOnly {
        conn,
        inspection,
        schema_version,
        wal,
        key,
    })
}

/// Whether an encrypted database's header (decrypted: SQLCipher encrypts page 1 too) marks it
/// WAL mode, read without changing anything on disk.
///
/// The `immutable` connection the check reads through cannot tell: SQLite treats an immutable
/// file like a temporary one and never looks at its WAL flag, so `PRAGMA journal_mode` there
/// always says "delete". A second connection with `mode=ro&nolock=1` does look at it: after the
/// key decrypts page 1, a file in rollback mode answers its journal mode, and a file in WAL mode
/// is refused with `SQLITE_CANTOPEN` (WAL needs locks, which `nolock` disables) before any
/// -wal or -shm file is opened or created. Taking no lock, it cannot get in a kiosk's way.
fn encrypted_wal_flag(path: &Path, key: Option<&DatabaseKey>) -> Result<bool, StoreError> {
    let action = "read the journal mode";
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn =
        Connection::open_with_flags(file_uri(path, "mode=ro&nolock=1"), flags).ctx(path, action)?;
    apply_key(&conn, path, key)?;
    match conn.query_row("PRAGMA journal_mode", [], |row| row.get::<_, String>(0)) {
        Ok(mode) => Ok(mode.eq_ignore_ascii_case("wal")),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => Ok(true),
        Err(e) => Err(e).ctx(path, action),
    }
}

/// A `file:` URI for `path` with every byte outside the unreserved set percent-encoded.
fn file_uri(path: &Path, query: &str) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    uri
}

impl Store {
    /// Opens the database at `path` for reading only, changing nothing on disk (no migration,
    /// no journal-mode change, no file created, removed or moved aside, a damaged file left
    /// where it is): what read-style commands (`kioskctl outbox status`, `staff list`, the
    /// reports) use beside a running kiosk. The file must be at this firmware's schema version
    /// ([`StoreError::OlderSchema`], [`StoreError::NewerSchema`]); writes through the returned
    /// store fail. `key`: as [`Store::check_with_key`].
    pub fn open_read_only(
        path: impl AsRef<Path>,
        key: Option<&DatabaseKey>,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref();
        let opened = open_read_only(path, key)?;
        if opened.schema_version < LATEST_VERSION {
            return Err(StoreError::OlderSchema {
                path: path.to_owned(),
                found: opened.schema_version,
                supported: LATEST_VERSION,
            });
        }
        Ok(Store {
            conn: opened.conn,
            path: path.to_owned(),
        })
    }

    /// Checks the database at `path` without changing anything on disk: no migration, no
    /// journal-mode change, no file created or removed beside it.
    ///
    /// `Ok` means the file is a kiosk database that passed `PRAGMA integrity_check`. Errors:
    /// [`StoreError::NotFound`], [`StoreError::NotAFile`], [`StoreError::Damaged`] (not a
    /// database, empty, truncated, malformed or failing the integrity check),
    /// [`StoreError::EncryptedOrNotADatabase`] (no SQLite header but the shape of an encrypted
    /// database: locked, key missing or wrong, not corrupt), [`StoreError::NewerSchema`],
    /// [`StoreError::NeedsWalRecovery`].
    pub fn check(path: impl AsRef<Path>) -> Result<CheckReport, StoreError> {
        Self::check_with_key(path, None)
    }

    /// [`Store::check`] of a database that may be encrypted: with `key`, a file without the
    /// SQLite header is read with it ([`StoreError::WrongKey`] when it cannot be); a plaintext
    /// file is checked as it is (and reported with `encrypted: false`).
    pub fn check_with_key(
        path: impl AsRef<Path>,
        key: Option<&DatabaseKey>,
    ) -> Result<CheckReport, StoreError> {
        let path = path.as_ref();
        let ReadOnly {
            conn,
            inspection,
            schema_version,
            wal,
            key,
        } = open_read_only(path, key)?;
        let counts = if schema_version == LATEST_VERSION {
            Some(count_rows(&conn, path)?)
        } else {
            None
        };
        Ok(CheckReport {
            path: path.to_owned(),
            schema_version,
            firmware_schema_version: LATEST_VERSION,
            wal_mode: match &inspection {
                Some(i) => i.header.wal_mode,
                None if wal => true,
                None => encrypted_wal_flag(path, key)?,
            },
            read_wal: wal,
            file_bytes: fs::metadata(path)
                .map_err(io_error(path, "read the file size"))?
                .len(),
            encrypted: key.is_some(),
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_sqlite_would_read_as_syntax() {
        assert_eq!(
            file_uri(Path::new("/var/lib/k.db"), "mode=ro"),
            "file:/var/lib/k.db?mode=ro"
        );
        assert_eq!(
            file_uri(Path::new("/tmp/a b?#%.db"), "mode=ro"),
            "file:/tmp/a%20b%3F%23%25.db?mode=ro"
        );
    }

    #[test]
    fn a_uri_with_odd_characters_opens_the_right_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("odd name?#%.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA user_version = 1;").unwrap();
        drop(conn);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI;
        let ro =
            Connection::open_with_flags(file_uri(&path, "mode=ro&immutable=1"), flags).unwrap();
        let v: i64 = ro
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
    }
}
