//! An encrypted database read without its key, or with a wrong one, is *locked*, never called
//! corrupt, and left untouched; the read-only check reports an encrypted file's journal mode
//! from its (decrypted) header without changing anything on disk.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;

use common::{case, db_path, noise, snapshot};
use kiosk_store::{DatabaseKey, OpenOptions, Store, StoreError};

/// A closed encrypted database with one case (WAL mode, checkpointed, no -wal left).
fn encrypted_db(dir: &Path, key: &DatabaseKey) -> std::path::PathBuf {
    let path = db_path(dir);
    let mut store = Store::open(&path, &OpenOptions::encrypted(key.clone())).unwrap();
    store.register_case(case(1)).unwrap();
    store.close().unwrap();
    path
}

fn assert_locked_not_corrupt(err: &StoreError) {
    let text = err.to_string();
    assert!(
        text.contains("locked: key missing or wrong") && text.contains("left untouched"),
        "{text}"
    );
    assert!(!text.contains("corrupt"), "{text}");
}

#[test]
fn without_its_key_or_with_a_wrong_one_an_encrypted_database_is_locked_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let path = encrypted_db(dir.path(), &key);
    let before = snapshot(dir.path());

    let err = Store::check(&path).unwrap_err();
    assert!(
        matches!(&err, StoreError::EncryptedOrNotADatabase { path: p } if *p == path),
        "{err}"
    );
    assert_locked_not_corrupt(&err);
    let err = Store::open_read_only(&path, None).unwrap_err();
    assert!(
        matches!(err, StoreError::EncryptedOrNotADatabase { .. }),
        "{err}"
    );
    assert_locked_not_corrupt(&err);
    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::EncryptedOrNotADatabase { .. }),
        "{err}"
    );
    assert_locked_not_corrupt(&err);

    let wrong = DatabaseKey::generate();
    let err = Store::check_with_key(&path, Some(&wrong)).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert_locked_not_corrupt(&err);
    let err = Store::open(&path, &OpenOptions::encrypted(wrong)).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert_locked_not_corrupt(&err);

    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");
    let report = Store::check_with_key(&path, Some(&key)).unwrap();
    assert_eq!(report.counts.unwrap().cases, 1);
}

#[test]
fn files_that_cannot_be_an_encrypted_database_are_still_not_a_database() {
    // Text, a single page of noise (a kiosk schema needs more than one page), a partial page:
    // no key could open them, so they are named for what they are.
    for bytes in [
        b"not a database at all, just text\n".repeat(300),
        noise(4096, 5),
        noise(3 * 4096 + 100, 6),
        vec![0u8; 8192],
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = db_path(dir.path());
        fs::write(&path, &bytes).unwrap();
        let err = Store::check(&path).unwrap_err();
        assert!(
            matches!(&err, StoreError::Damaged { reason, .. } if reason.reason_code() == "not_a_database"),
            "{} bytes: {err}",
            bytes.len()
        );
        assert_eq!(fs::read(&path).unwrap(), bytes);
    }
}

#[test]
fn the_check_reads_an_encrypted_files_journal_mode_from_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let path = encrypted_db(dir.path(), &key);
    let before = snapshot(dir.path());
    let report = Store::check_with_key(&path, Some(&key)).unwrap();
    assert!(report.encrypted);
    assert!(!report.read_wal);
    assert!(report.wal_mode, "the store keeps its files in WAL mode");
    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");

    // The same file switched to a rollback journal by another tool holding the key.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex().as_str()))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    conn.close().unwrap();
    let before = snapshot(dir.path());
    let report = Store::check_with_key(&path, Some(&key)).unwrap();
    assert!(report.encrypted);
    assert!(!report.wal_mode);
    assert_eq!(report.counts.unwrap().cases, 1);
    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");

    // While the kiosk has it open (its -wal and -shm beside it), it is WAL again.
    let store = Store::open(&path, &OpenOptions::encrypted(key.clone())).unwrap();
    let report = Store::check_with_key(&path, Some(&key)).unwrap();
    assert!(report.read_wal && report.wal_mode);
    store.close().unwrap();
}
