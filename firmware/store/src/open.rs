//! Opening the database file: creating it, checking it, migrating it, and moving a corrupt one
//! aside.
//!
//! Order of an open, and why:
//! 1. The header is read by hand first: an empty file, a text file or random bytes are named as
//!    such and never handed to SQLite (which would happily turn an empty file into a new DB).
//! 2. SQLite opens the file read-write without `CREATE`, with checkpoint-on-close disabled, and
//!    reads `user_version` and `PRAGMA integrity_check` before any setting is changed. A file
//!    from a newer firmware is refused; a corrupt one is moved aside. In both cases the -wal and
//!    -shm files SQLite created for that look are removed again, so nothing on disk changed.
//! 3. Only then: WAL journal, `synchronous=FULL` (WAL with NORMAL can lose a committed
//!    transaction on power loss), foreign keys, busy timeout, and the pending migrations.
//!
//! Encryption (SQLCipher): with [`OpenOptions::key`] set, the key is applied by the first
//! statement of every connection (`PRAGMA key`, a raw key). An encrypted file has no
//! "SQLite format 3" header, so step 1 cannot judge it: SQLite's "file is not a database" after a
//! key means a wrong key or a file that is not a kiosk database, and such a file is left where it
//! is, never moved aside. A plaintext database (a kiosk from before encryption) found while a key
//! is given is encrypted once, in place: see the `encrypt` module. Without a key, a file without
//! the SQLite header is refused untouched as well ([`StoreError::EncryptedOrNotADatabase`]): it
//! may be an encrypted database opened by a tool that was not given the key.
//!
//! A new database is built and migrated under a temporary name and renamed into place, so an
//! interrupted first start never leaves an empty or half-made file at the real path; that is
//! what lets an empty file there be treated as data loss. A corrupt file is renamed to
//! `<name>.corrupt-<UTC timestamp>` (its -wal/-shm/-journal beside it under the same new name)
//! and never replaced silently: after that, `open` refuses to create a fresh database until the
//! caller says so with [`Store::open_after_corruption`].

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::Store;
use crate::encrypt;
use crate::error::{CorruptReason, MAX_REPORTED_PROBLEMS, SqlContext, StoreError, io_error};
use crate::header::{self, Inspection};
use crate::key::DatabaseKey;
use crate::migrations::{self, LATEST_VERSION};

/// How to open the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// How long a statement waits for another connection's lock before failing.
    pub busy_timeout: Duration,
    /// Create a new database when there is none at the path (the first start of a kiosk).
    pub create_if_missing: bool,
    /// The SQLCipher key; `None` opens plaintext SQLite (tests and tools only: the kiosk always
    /// gives its key, see [`DatabaseKey::load`]).
    pub key: Option<DatabaseKey>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            create_if_missing: true,
            key: None,
        }
    }
}

impl OpenOptions {
    /// The default options with the database encrypted under `key`.
    pub fn encrypted(key: DatabaseKey) -> Self {
        Self {
            key: Some(key),
            ..Self::default()
        }
    }
}

/// Applies `key` (if any) as the first statement on `conn`.
pub(crate) fn apply_key(
    conn: &Connection,
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<(), StoreError> {
    match key {
        // SQLCipher would also print its own lines ("hmac check failed …") to stderr; the
        // store reports every failure itself, naming the file (StoreError::WrongKey).
        Some(key) => {
            wait_for_sqlcipher();
            conn.execute_batch("PRAGMA cipher_log_level = NONE;")
                .and_then(|()| conn.execute_batch(key.pragma(None).as_str()))
                .ctx(path, "apply the database key")
        }
        None => Ok(()),
    }
}

/// Waits (once per process, at most 2 s) until SQLCipher has finished its own set-up.
///
/// SQLite marks itself initialised before it runs SQLCipher's set-up (`sqlcipher_extra_init`,
/// called after `isInit` is set in `sqlite3Initialize`), and until that set-up is done SQLCipher
/// refuses every key with a bare SQLITE_ERROR. A thread whose first open overlaps another
/// thread's first open can therefore lose its key (seen once on a loaded machine, as "error with
/// PRAGMA key" while creating a database). The first open waits until an in-memory connection
/// accepts a key; every later one returns at once. Should the wait run out, the
/// caller's own key is tried anyway and its error reported as usual.
pub(crate) fn wait_for_sqlcipher() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        let accepts_a_key = || {
            Connection::open_in_memory()
                .and_then(|c| {
                    c.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA key = 'probe';")
                })
                .is_ok()
        };
        for _ in 0..400 {
            if accepts_a_key() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
}

/// Whether SQLite said "file is not a database" (`SQLITE_NOTADB`): after a key, a wrong key.
pub(crate) fn is_not_a_database(error: &StoreError) -> bool {
    matches!(error, StoreError::Sqlite { source, .. }
        if source.sqlite_error_code() == Some(ErrorCode::NotADatabase))
}

/// A corrupt database that was moved aside before a fresh one was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedAside {
    /// Where the corrupt file is now.
    pub moved_to: PathBuf,
    /// Why it was judged corrupt.
    pub reason: CorruptReason,
}

/// The files SQLite may keep beside a database.
pub(crate) const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `path` with `suffix` appended to its file name (`kiosk.db` + `-wal` = `kiosk.db-wal`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir, "sync the directory after a rename"))
}

fn exists(path: &Path) -> Result<bool, StoreError> {
    path.try_exists()
        .map_err(io_error(path, "look for the file"))
}

/// What SQLite found when looking at an existing file.
pub(crate) enum Verdict {
    /// Readable, passes `integrity_check`, at this schema version (not above the firmware's).
    Healthy(u32),
    /// Written by a newer firmware, at this schema version.
    Newer(u32),
    /// Corrupt.
    Corrupt(CorruptReason),
    /// Readable, never migrated by the firmware (schema version 0) and holding tables of its
    /// own: another program's file. The firmware only puts a database in place after migrating.
    Foreign,
}

fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
    )
}

/// Turns SQLite's "this is corrupt" errors into a verdict and leaves other errors as they are.
fn corrupt_or(error: StoreError) -> Result<Verdict, StoreError> {
    match error {
        StoreError::Sqlite { source, .. } if is_corruption(&source) => {
            Ok(Verdict::Corrupt(CorruptReason::Malformed {
                detail: source.to_string(),
            }))
        }
        other => Err(other),
    }
}

/// Runs `PRAGMA integrity_check`; `Ok(None)` when it says "ok".
fn integrity_problems(conn: &Connection, path: &Path) -> Result<Option<Vec<String>>, StoreError> {
    let action = "run PRAGMA integrity_check";
    let mut stmt = conn.prepare("PRAGMA integrity_check").ctx(path, action)?;
    let mut rows = stmt.query([]).ctx(path, action)?;
    let mut problems = Vec::new();
    while let Some(row) = rows.next().ctx(path, action)? {
        let line: String = row.get(0).ctx(path, action)?;
        if problems.len() < MAX_REPORTED_PROBLEMS {
            problems.push(line);
        }
    }
    Ok(if problems == ["ok"] {
        None
    } else {
        Some(problems)
    })
}

/// Reads the schema version and runs `integrity_check`, changing nothing. SQLite's corruption
/// errors become [`Verdict::Corrupt`]; a truncated file is named as such.
/// With a key, SQLite's "file is not a database" on the first read is a wrong key (or a file
/// that is no kiosk database), not a corruption: [`StoreError::WrongKey`].
pub(crate) fn look(
    conn: &Connection,
    path: &Path,
    inspection: Option<&Inspection>,
    keyed: bool,
) -> Result<Verdict, StoreError> {
    if keyed {
        // The first read decrypts page 1: a wrong key fails here, before any verdict.
        if let Err(e) = migrations::user_version(conn, path) {
            return Err(if is_not_a_database(&e) {
                StoreError::WrongKey {
                    path: path.to_owned(),
                }
            } else {
                e
            });
        }
    }
    let verdict = look_with_sqlite(conn, path)?;
    Ok(match verdict {
        Verdict::Corrupt(reason) => Verdict::Corrupt(
            inspection
                .and_then(Inspection::truncation)
                .unwrap_or(reason),
        ),
        other => other,
    })
}

fn look_with_sqlite(conn: &Connection, path: &Path) -> Result<Verdict, StoreError> {
    let version = match migrations::user_version(conn, path) {
        Ok(v) => v,
        Err(e) => return corrupt_or(e),
    };
    if version > LATEST_VERSION {
        return Ok(Verdict::Newer(version));
    }
    if version == 0 {
        // Never migrated. Empty (e.g. made by `sqlite3` for us): ours to migrate. With tables
        // of its own: another program's file.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        }) {
            Ok(0) => {}
            Ok(_) => return Ok(Verdict::Foreign),
            Err(e) => {
                return corrupt_or(StoreError::Sqlite {
                    path: path.to_owned(),
                    action: "read the schema",
                    source: e,
                });
            }
        }
    }
    match integrity_problems(conn, path) {
        Ok(None) => Ok(Verdict::Healthy(version)),
        Ok(Some(problems)) => Ok(Verdict::Corrupt(CorruptReason::IntegrityCheckFailed {
            problems,
        })),
        Err(e) => corrupt_or(e),
    }
}

/// Which of a database's -wal/-shm files existed before we opened it.
struct SidecarsBefore {
    wal: bool,
    shm: bool,
}

impl SidecarsBefore {
    fn of(path: &Path) -> Self {
        Self {
            wal: with_suffix(path, "-wal").exists(),
            shm: with_suffix(path, "-shm").exists(),
        }
    }

    /// Removes the -wal (if still empty) and -shm that our own look at the file created.
    fn remove_ours(&self, path: &Path) {
        let wal = with_suffix(path, "-wal");
        if !self.wal
            && fs::metadata(&wal).is_ok_and(|m| m.len() == 0)
            && let Err(e) = fs::remove_file(&wal)
        {
            tracing::warn!(file = %wal.display(), error = %e, "could not remove the -wal file");
        }
        let shm = with_suffix(path, "-shm");
        if !self.shm
            && shm.exists()
            && let Err(e) = fs::remove_file(&shm)
        {
            tracing::warn!(file = %shm.display(), error = %e, "could not remove the -shm file");
        }
    }
}

fn close_quietly(conn: Connection, path: &Path) {
    if let Err((_, e)) = conn.close() {
        tracing::warn!(path = %path.display(), error = %e, "closing the database failed");
    }
}

/// Sets what every connection of the firmware runs with.
fn configure(conn: &Connection, path: &Path, options: &OpenOptions) -> Result<(), StoreError> {
    conn.busy_timeout(options.busy_timeout)
        .ctx(path, "set the busy timeout")?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .ctx(path, "enable WAL journal mode")?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::WalUnavailable {
            path: path.to_owned(),
            got: mode,
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .ctx(path, "set synchronous=FULL")?;
    conn.pragma_update(None, "foreign_keys", true)
        .ctx(path, "enable foreign keys")?;
    Ok(())
}

/// Renames a corrupt database and its sidecars to `<name>.corrupt-<stamp>[-n]`.
fn move_aside(path: &Path, reason: CorruptReason) -> Result<StoreError, StoreError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let base = with_suffix(path, &format!(".corrupt-{stamp}"));
    let mut target = base.clone();
    let mut n = 1;
    while exists(&target)? || SIDECARS.iter().any(|s| with_suffix(&target, s).exists()) {
        n += 1;
        target = with_suffix(&base, &format!("-{n}"));
    }
    // Logged before the rename, so the reason is known even if moving fails.
    tracing::error!(
        path = %path.display(),
        moved_to = %target.display(),
        reason = %reason,
        "database is corrupt; moving it aside"
    );
    fs::rename(path, &target).map_err(io_error(path, "move the corrupt database aside"))?;
    for suffix in SIDECARS {
        let from = with_suffix(path, suffix);
        if exists(&from)? {
            fs::rename(&from, with_suffix(&target, suffix)).map_err(io_error(
                &from,
                "move the corrupt database's sidecar file aside",
            ))?;
        }
    }
    sync_dir(parent_dir(path))?;
    Ok(StoreError::Corrupt {
        path: path.to_owned(),
        moved_to: target,
        reason,
    })
}

/// The most recent `<name>.corrupt-*` file beside `path`, if any.
fn latest_moved_aside(path: &Path) -> Result<Option<PathBuf>, StoreError> {
    let Some(name) = path.file_name() else {
        return Ok(None);
    };
    let mut prefix = name.to_owned();
    prefix.push(".corrupt-");
    let prefix = prefix.as_encoded_bytes();
    let dir = parent_dir(path);
    let entries = fs::read_dir(dir).map_err(io_error(dir, "list the database directory"))?;
    let mut latest: Option<PathBuf> = None;
    for entry in entries {
        let entry = entry.map_err(io_error(dir, "list the database directory"))?;
        let file_name = entry.file_name();
        let bytes = file_name.as_encoded_bytes();
        let is_sidecar = SIDECARS.iter().any(|s| bytes.ends_with(s.as_bytes()));
        if bytes.starts_with(prefix) && !is_sidecar {
            let candidate = entry.path();
            if latest
                .as_ref()
                .is_none_or(|l| l.file_name() < candidate.file_name())
            {
                latest = Some(candidate);
            }
        }
    }
    Ok(latest)
}

/// Builds a new database under a temporary name and renames it to `path`.
fn create_new(path: &Path, options: &OpenOptions) -> Result<(), StoreError> {
    for suffix in SIDECARS {
        let stale = with_suffix(path, suffix);
        if exists(&stale)? {
            return Err(StoreError::Io {
                path: stale,
                action: "create a new database",
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "a sidecar file of a missing database is still there; move it away first",
                ),
            });
        }
    }
    let tmp = with_suffix(path, ".creating");
    // Leftovers of an interrupted creation are ours by their name and hold nothing.
    for leftover in std::iter::once(tmp.clone()).chain(SIDECARS.map(|s| with_suffix(&tmp, s))) {
        if exists(&leftover)? {
            fs::remove_file(&leftover)
                .map_err(io_error(&leftover, "remove a half-created database"))?;
        }
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(&tmp, flags).ctx(&tmp, "create a new database")?;
    apply_key(&conn, &tmp, options.key.as_ref())?;
    configure(&conn, &tmp, options)?;
    migrations::migrate(&mut conn, &tmp)?;
    // Closing checkpoints the WAL into the file (synced, synchronous=FULL) and deletes it.
    conn.close()
        .map_err(|(_, e)| e)
        .ctx(&tmp, "close the new database")?;
    if exists(&with_suffix(&tmp, "-wal"))? {
        return Err(StoreError::Io {
            path: tmp,
            action: "finish the new database",
            source: std::io::Error::other("its -wal file was not checkpointed on close"),
        });
    }
    if exists(path)? {
        return Err(StoreError::Io {
            path: path.to_owned(),
            action: "put the new database in place",
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file appeared at the path meanwhile; it was left alone",
            ),
        });
    }
    fs::rename(&tmp, path).map_err(io_error(path, "put the new database in place"))?;
    sync_dir(parent_dir(path))?;
    tracing::info!(
        path = %path.display(),
        version = LATEST_VERSION,
        encrypted = options.key.is_some(),
        "created a new database"
    );
    Ok(())
}

/// Whether the file starts with the 16 bytes of SQLite's magic (a plaintext database, maybe a
/// damaged one).
fn starts_with_magic(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read as _;
    let mut start = [0u8; 16];
    let mut file = fs::File::open(path).map_err(io_error(path, "read the database header"))?;
    let mut got = 0;
    while got < start.len() {
        match file.read(&mut start[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(path, "read the database header")(e)),
        }
    }
    Ok(got == start.len() && &start == header::MAGIC)
}

/// SQLCipher's page size (its default; the store never changes it).
const CIPHER_PAGE_BYTES: u64 = 4096;

/// Whether a file without SQLite's magic has the shape of an encrypted kiosk database, judged
/// without its key: whole SQLCipher pages, at least two of them (a kiosk database's schema
/// alone fills more than one), and a first page that looks like cipher text (random salt and
/// encrypted bytes use nearly every byte value; text, zeros or a half-written file do not).
/// Such a file, read without its key, is locked, not corrupt.
pub(crate) fn looks_encrypted(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read as _;
    let action = "read the start of the database";
    let len = fs::metadata(path).map_err(io_error(path, action))?.len();
    if len < 2 * CIPHER_PAGE_BYTES || !len.is_multiple_of(CIPHER_PAGE_BYTES) {
        return Ok(false);
    }
    let mut page = vec![0u8; CIPHER_PAGE_BYTES as usize];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut page))
        .map_err(io_error(path, action))?;
    let mut seen = [false; 256];
    for &b in &page {
        seen[usize::from(b)] = true;
    }
    // 4096 random bytes miss a given value with probability e^-16: all 256 show up in practice.
    Ok(seen.iter().filter(|&&s| s).count() >= 240)
}

/// Opens a file that exists: look, then configure and migrate.
fn open_existing(path: &Path, options: &OpenOptions) -> Result<Store, StoreError> {
    let key = options.key.as_ref();
    let inspection: Option<Inspection> = match (header::inspect(path), key) {
        (Ok(Ok(inspection)), None) => Some(inspection),
        (Ok(Ok(_plaintext)), Some(key)) => {
            // A kiosk from before encryption: check and migrate it as it is, then encrypt it
            // in place, then open the encrypted file below.
            let plain = open_existing(
                path,
                &OpenOptions {
                    key: None,
                    ..options.clone()
                },
            )?;
            encrypt::encrypt_in_place(plain, key)?;
            None
        }
        // Not even the magic: SQLCipher's first 16 bytes are a random salt, so this may be an
        // encrypted database. With a key, SQLCipher judges it; without, it is not touched.
        (Ok(Err(CorruptReason::NotADatabase)), Some(_)) if !starts_with_magic(path)? => None,
        (Ok(Err(CorruptReason::NotADatabase)), None) if !starts_with_magic(path)? => {
            return Err(StoreError::EncryptedOrNotADatabase {
                path: path.to_owned(),
            });
        }
        // Empty, or a damaged plaintext header.
        (Ok(Err(reason)), _) => return Err(move_aside(path, reason)?),
        (Err(e), _) => return Err(io_error(path, "read the database header")(e)),
    };
    let before = SidecarsBefore::of(path);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).ctx(path, "open the database")?;
    let verdict = apply_key(&conn, path, key)
        .and_then(|()| {
            conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
                .ctx(path, "disable checkpoint on close")
        })
        .and_then(|_| {
            conn.busy_timeout(options.busy_timeout)
                .ctx(path, "set the busy timeout")
        })
        .and_then(|()| look(&conn, path, inspection.as_ref(), key.is_some()));
    let refusal = match verdict {
        Ok(Verdict::Healthy(_)) => None,
        Ok(Verdict::Newer(found)) => Some(Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: LATEST_VERSION,
        })),
        Ok(Verdict::Foreign) => Some(Err(StoreError::NotAKioskDatabase {
            path: path.to_owned(),
        })),
        Ok(Verdict::Corrupt(reason)) => Some(Ok(reason)),
        Err(e) => Some(Err(e)),
    };
    if let Some(refusal) = refusal {
        close_quietly(conn, path);
        before.remove_ours(path);
        return Err(move_aside(path, refusal?)?);
    }
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)
        .ctx(path, "re-enable checkpoint on close")?;
    configure(&conn, path, options)?;
    migrations::migrate(&mut conn, path)?;
    Ok(Store {
        conn,
        path: path.to_owned(),
    })
}

impl Store {
    /// Opens the database at `path`, creating it on a kiosk's first start.
    ///
    /// Refuses a file from a newer firmware ([`StoreError::NewerSchema`], nothing changed),
    /// moves a corrupt file aside and reports it ([`StoreError::Corrupt`]), and refuses to
    /// create a new database where an earlier one was moved aside
    /// ([`StoreError::MovedAsideEarlier`]): starting empty is the caller's decision, made with
    /// [`Store::open_after_corruption`].
    pub fn open(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Store, StoreError> {
        open_with(path.as_ref(), options, false).map(|(store, _)| store)
    }

    /// Like [`Store::open`], but a corrupt file is moved aside *and* replaced by a new, empty
    /// database, and one moved aside earlier does not stop the creation. Returns what was moved
    /// aside now, if anything.
    ///
    /// A new database starts every kiosk sequence at zero again: seed it with
    /// [`Store::ensure_sequence_at_least`] (from the moved-aside file or SAMAD) before the first
    /// registration, or tracking codes already given out would be issued again.
    pub fn open_after_corruption(
        path: impl AsRef<Path>,
        options: &OpenOptions,
    ) -> Result<(Store, Option<MovedAside>), StoreError> {
        open_with(path.as_ref(), options, true)
    }
}

fn open_with(
    path: &Path,
    options: &OpenOptions,
    start_fresh: bool,
) -> Result<(Store, Option<MovedAside>), StoreError> {
    // Before any connection: one opened while SQLCipher is still setting up also lacks
    // `sqlcipher_export` (registered last), which encrypting a plaintext database needs.
    wait_for_sqlcipher();
    let mut moved = None;
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(StoreError::NotAFile {
                path: path.to_owned(),
            });
        }
        Ok(_) => match open_existing(path, options) {
            Err(StoreError::Corrupt {
                moved_to, reason, ..
            }) if start_fresh => {
                tracing::warn!(path = %path.display(), "starting an empty database after corruption");
                moved = Some(MovedAside { moved_to, reason });
            }
            other => return other.map(|store| (store, None)),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if !start_fresh {
                if !options.create_if_missing {
                    return Err(StoreError::NotFound {
                        path: path.to_owned(),
                    });
                }
                if let Some(moved_aside) = latest_moved_aside(path)? {
                    return Err(StoreError::MovedAsideEarlier {
                        path: path.to_owned(),
                        moved_aside,
                    });
                }
            }
        }
        Err(e) => return Err(io_error(path, "look for the database")(e)),
    }
    create_new(path, options)?;
    let store = open_existing(path, options)?;
    Ok((store, moved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_store_runs_wal_with_full_sync_foreign_keys_and_a_busy_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let options = OpenOptions {
            busy_timeout: Duration::from_millis(1234),
            ..Default::default()
        };
        // Both paths: the connection that created the file and the one that reopens it.
        for _ in 0..2 {
            let store = Store::open(dir.path().join("k.db"), &options).unwrap();
            let pragma = |name: &str| -> String {
                store
                    .conn
                    .query_row(&format!("SELECT * FROM pragma_{name}"), [], |r| {
                        r.get::<_, rusqlite::types::Value>(0)
                    })
                    .map(|v| format!("{v:?}"))
                    .unwrap()
            };
            assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
            assert_eq!(pragma("synchronous"), "Integer(2)", "2 = FULL");
            assert_eq!(pragma("foreign_keys"), "Integer(1)");
            assert_eq!(pragma("busy_timeout"), "Integer(1234)");
            store.close().unwrap();
        }
    }

    #[test]
    fn sidecar_names_append_to_the_file_name() {
        assert_eq!(
            with_suffix(Path::new("/d/k.db"), "-wal"),
            PathBuf::from("/d/k.db-wal")
        );
        assert_eq!(parent_dir(Path::new("k.db")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/d/k.db")), Path::new("/d"));
    }

    #[test]
    fn the_latest_moved_aside_file_is_found_and_sidecars_are_not_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        assert_eq!(latest_moved_aside(&db).unwrap(), None);
        for name in [
            "k.db.corrupt-20260101T000000Z",
            "k.db.corrupt-20260102T000000Z",
            "k.db.corrupt-20260102T000000Z-wal",
            "other.db.corrupt-20270101T000000Z",
        ] {
            fs::write(dir.path().join(name), b"x").unwrap();
        }
        assert_eq!(
            latest_moved_aside(&db).unwrap(),
            Some(dir.path().join("k.db.corrupt-20260102T000000Z"))
        );
    }

    #[test]
    fn a_second_corruption_in_the_same_second_gets_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        fs::write(&db, b"first").unwrap();
        let StoreError::Corrupt {
            moved_to: first, ..
        } = move_aside(&db, CorruptReason::NotADatabase).unwrap()
        else {
            panic!("not Corrupt")
        };
        fs::write(&db, b"second").unwrap();
        let StoreError::Corrupt {
            moved_to: second, ..
        } = move_aside(&db, CorruptReason::NotADatabase).unwrap()
        else {
            panic!("not Corrupt")
        };
        assert_ne!(first, second);
        assert_eq!(fs::read(&first).unwrap(), b"first");
        assert_eq!(fs::read(&second).unwrap(), b"second");
    }
}
