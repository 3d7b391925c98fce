//! Encrypting a plaintext kiosk database once, in place (kiosks installed before encryption).
//!
//! Why this order: the plaintext file stays the database until the very last step, so a power
//! cut at any point leaves either the old plaintext file (and a leftover `.encrypting` file that
//! the next start removes and redoes) or the finished encrypted file — never a half of each.
//! 1. The plaintext WAL is checkpointed, so the main file holds every committed transaction.
//! 2. `sqlcipher_export` copies schema and rows into `<name>.encrypting`, attached with the key;
//!    `user_version` is copied by hand (the export does not carry it).
//! 3. The plaintext connection is closed (its -wal and -shm are removed by SQLite), the new file
//!    is reopened with the key, checked (`integrity_check`, same row counts) and fsynced.
//! 4. It is renamed over the plaintext file and the directory is synced: the plaintext inode is
//!    gone with the rename.

use std::fs;
use std::path::Path;

use rusqlite::Connection;

use crate::Store;
use crate::check::count_rows;
use crate::error::{SqlContext, StoreError, io_error};
use crate::key::DatabaseKey;
use crate::migrations;
use crate::open::{SIDECARS, apply_key, is_not_a_database, with_suffix};

/// Suffix of the file the encrypted copy is built in.
pub(crate) const ENCRYPTING_SUFFIX: &str = ".encrypting";

fn not_utf8(path: &Path) -> StoreError {
    StoreError::Io {
        path: path.to_owned(),
        action: "encrypt the database",
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path is not UTF-8, which SQLite's ATTACH needs",
        ),
    }
}

fn sync_file_and_dir(file: &Path) -> Result<(), StoreError> {
    fs::File::open(file)
        .and_then(|f| f.sync_all())
        .map_err(io_error(file, "sync the encrypted database"))?;
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir, "sync the directory after a rename"))
}

/// Encrypts the open plaintext `store` under `key`, replacing its file. Consumes the store: the
/// caller reopens the encrypted file.
pub(crate) fn encrypt_in_place(store: Store, key: &DatabaseKey) -> Result<(), StoreError> {
    let Store { conn, path } = store;
    let tmp = with_suffix(&path, ENCRYPTING_SUFFIX);
    let tmp_str = tmp.to_str().ok_or_else(|| not_utf8(&tmp))?.to_owned();
    // Leftovers of an interrupted earlier attempt: ours by their name; the plaintext file is
    // still the database, so they hold nothing that is not there.
    for leftover in std::iter::once(tmp.clone()).chain(SIDECARS.map(|s| with_suffix(&tmp, s))) {
        if leftover
            .try_exists()
            .map_err(io_error(&leftover, "look for the file"))?
        {
            fs::remove_file(&leftover)
                .map_err(io_error(&leftover, "remove a half-encrypted database"))?;
        }
    }
    let counts = count_rows(&conn, &path)?;
    let version = migrations::user_version(&conn, &path)?;
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        .ctx(&path, "checkpoint the plaintext WAL")?;
    if busy != 0 {
        return Err(StoreError::Io {
            path: path.clone(),
            action: "checkpoint the plaintext WAL",
            source: std::io::Error::other("another connection holds the database"),
        });
    }
    // The connection was opened without SQLITE_OPEN_CREATE, which ATTACH inherits: the copy's
    // file is created empty here (an empty file is an empty database to SQLite).
    fs::File::create_new(&tmp).map_err(io_error(&tmp, "create the encrypted copy"))?;
    let raw_key = zeroize::Zeroizing::new(format!("x'{}'", key.to_hex().as_str()));
    conn.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        [tmp_str.as_str(), raw_key.as_str()],
    )
    .ctx(&tmp, "create the encrypted copy")?;
    conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
        .ctx(&tmp, "export the database into the encrypted copy")?;
    conn.execute_batch(&format!(
        "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
    ))
    .ctx(&tmp, "finish the encrypted copy")?;
    conn.close()
        .map_err(|(_, e)| e)
        .ctx(&path, "close the plaintext database")?;
    for suffix in ["-wal", "-shm"] {
        let sidecar = with_suffix(&path, suffix);
        if sidecar
            .try_exists()
            .map_err(io_error(&sidecar, "look for the file"))?
        {
            return Err(StoreError::Io {
                path: sidecar,
                action: "encrypt the database",
                source: std::io::Error::other(
                    "the plaintext database's sidecar file is still there after closing it; \
                     the plaintext database was left as it is",
                ),
            });
        }
    }
    verify_copy(&tmp, key, version, &counts)?;
    sync_file_and_dir(&tmp)?;
    fs::rename(&tmp, &path).map_err(io_error(&path, "put the encrypted database in place"))?;
    sync_file_and_dir(&path)?;
    tracing::info!(
        path = %path.display(),
        cases = counts.cases,
        "encrypted the plaintext database in place"
    );
    Ok(())
}

/// Reopens the encrypted copy with the key and checks it holds what the plaintext held.
fn verify_copy(
    tmp: &Path,
    key: &DatabaseKey,
    version: u32,
    expected: &crate::TableCounts,
) -> Result<(), StoreError> {
    let conn = Connection::open(tmp).ctx(tmp, "open the encrypted copy")?;
    apply_key(&conn, tmp, Some(key))?;
    let copied = migrations::user_version(&conn, tmp).map_err(|e| {
        if is_not_a_database(&e) {
            StoreError::Io {
                path: tmp.to_owned(),
                action: "verify the encrypted copy",
                source: std::io::Error::other("the copy cannot be read with the key"),
            }
        } else {
            e
        }
    })?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .ctx(tmp, "check the encrypted copy")?;
    let counts = count_rows(&conn, tmp)?;
    conn.close()
        .map_err(|(_, e)| e)
        .ctx(tmp, "close the encrypted copy")?;
    if copied != version || ok != "ok" || &counts != expected {
        return Err(StoreError::Io {
            path: tmp.to_owned(),
            action: "verify the encrypted copy",
            source: std::io::Error::other(format!(
                "the copy differs from the plaintext database (schema {copied} vs {version}, \
                 integrity {ok:?}, {} vs {} cases); the plaintext database was left as it is",
                counts.cases, expected.cases
            )),
        });
    }
    Ok(())
}
