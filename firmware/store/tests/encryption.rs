//! The database encrypted at rest (SQLCipher): no personal data or SQLite header in the file or
//! its WAL, a wrong key refused with the file left intact, key files checked, and a plaintext
//! database from before encryption encrypted once without losing a case.
//!
//! Keys are generated at test time; none is committed.

#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use common::{case, db_path, names, national_code, snapshot};
use kiosk_store::{DatabaseKey, KeyFileError, OpenOptions, Store, StoreError};

fn keyed(key: &DatabaseKey) -> OpenOptions {
    OpenOptions::encrypted(key.clone())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What must never be readable in the files: the header and the visitor's data.
fn secrets(n: u32, tracking: &str) -> Vec<Vec<u8>> {
    vec![
        b"SQLite format 3".to_vec(),
        national_code(n).as_string().into_bytes(),
        tracking.as_bytes().to_vec(),
        b"09121234567".to_vec(),
        "پاسخ نامه".as_bytes().to_vec(),
        b"CREATE TABLE".to_vec(),
    ]
}

fn assert_no_plaintext(file: &Path, needles: &[Vec<u8>]) {
    let bytes = fs::read(file).unwrap();
    assert!(!bytes.is_empty(), "{} is empty", file.display());
    for needle in needles {
        assert!(
            !contains(&bytes, needle),
            "{} holds {:?} in plaintext",
            file.display(),
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn the_file_and_its_wal_hold_no_header_and_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let key = DatabaseKey::generate();
    let mut store = Store::open(db_path(dir.path()), &keyed(&key)).unwrap();
    let mut tracking = Vec::new();
    for n in 0..8 {
        tracking.push(store.register_case(case(n)).unwrap().tracking_code);
    }
    // Open: the last commits are in the -wal file, which must be encrypted as well.
    let wal = dir.path().join("kiosk.db-wal");
    let wal_len = fs::metadata(&wal).unwrap().len();
    assert!(
        wal_len > 16 * 1024,
        "the WAL holds the commits: {wal_len} bytes"
    );
    for (n, code) in tracking.iter().enumerate() {
        let needles = secrets(u32::try_from(n).unwrap(), &code.as_string());
        assert_no_plaintext(&wal, &needles);
        assert_no_plaintext(&db_path(dir.path()), &needles);
    }
    store.close().unwrap();
    assert!(!wal.exists(), "closing checkpoints and removes the WAL");
    for (n, code) in tracking.iter().enumerate() {
        assert_no_plaintext(
            &db_path(dir.path()),
            &secrets(u32::try_from(n).unwrap(), &code.as_string()),
        );
    }
    // The data is there for whoever holds the key.
    let store = Store::open(db_path(dir.path()), &keyed(&key)).unwrap();
    assert_eq!(store.counts().unwrap().cases, 8);
    let report = Store::check_with_key(db_path(dir.path()), Some(&key)).unwrap();
    assert!(report.encrypted);
    assert_eq!(report.counts.unwrap().cases, 8);
}

#[test]
fn a_wrong_key_is_refused_clearly_and_the_file_is_left_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let key = DatabaseKey::generate();
    let mut store = Store::open(&path, &keyed(&key)).unwrap();
    store.register_case(case(1)).unwrap();
    store.close().unwrap();
    let before = snapshot(dir.path());

    let err = Store::open(&path, &keyed(&DatabaseKey::generate())).unwrap_err();
    assert!(matches!(&err, StoreError::WrongKey { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&path.display().to_string())
            && text.contains("wrong database key or not a kiosk database")
            && text.contains("left untouched"),
        "{text}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");
    // The read-only check says the same, and a keyless open does not move it aside either.
    let err = Store::check_with_key(&path, Some(&DatabaseKey::generate())).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::EncryptedOrNotADatabase { .. }),
        "{err}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");
    // The right key still opens it.
    let store = Store::open(&path, &keyed(&key)).unwrap();
    assert_eq!(store.counts().unwrap().cases, 1);
}

#[test]
fn random_bytes_with_a_key_are_refused_as_wrong_key_and_left_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    fs::write(&path, common::noise(8192, 9)).unwrap();
    let before = snapshot(dir.path());
    let err = Store::open(&path, &keyed(&DatabaseKey::generate())).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_plaintext_database_is_encrypted_once_without_losing_a_case() {
    let old_dir = tempfile::tempdir().unwrap();
    let mut plain = Store::open(db_path(old_dir.path()), &OpenOptions::default()).unwrap();
    let mut registered = Vec::new();
    for n in 0..150 {
        registered.push(plain.register_case(case(n)).unwrap().tracking_code);
    }
    // The files as a kiosk killed before the upgrade leaves them: commits still in the WAL.
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    for name in ["kiosk.db", "kiosk.db-wal"] {
        fs::copy(old_dir.path().join(name), dir.path().join(name)).unwrap();
    }
    plain.close().unwrap();
    let wal_before = fs::metadata(dir.path().join("kiosk.db-wal")).unwrap().len();
    assert!(wal_before > 0);
    let plaintext = fs::read(&path).unwrap();
    assert!(contains(&plaintext, b"SQLite format 3"));
    // An earlier attempt that was cut short leaves a half copy: it is redone, not trusted.
    fs::write(dir.path().join("kiosk.db.encrypting"), b"half").unwrap();

    let key = DatabaseKey::generate();
    let store = Store::open(&path, &keyed(&key)).unwrap();
    assert_eq!(store.counts().unwrap().cases, 150);
    for code in &registered {
        assert!(
            store.case_by_tracking_code(code).unwrap().is_some(),
            "{code}"
        );
    }
    store.close().unwrap();
    assert_eq!(
        names(dir.path()),
        ["kiosk.db"],
        "no copy or sidecar is left"
    );
    for (n, code) in registered.iter().enumerate().step_by(25) {
        assert_no_plaintext(
            &path,
            &secrets(u32::try_from(n).unwrap(), &code.as_string()),
        );
    }
    // Once: the next open just opens it.
    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::EncryptedOrNotADatabase { .. }),
        "{err}"
    );
    let mut store = Store::open(&path, &keyed(&key)).unwrap();
    assert_eq!(store.counts().unwrap().cases, 150);
    // And it goes on issuing codes after the last one.
    let next = store.register_case(case(150)).unwrap().tracking_code;
    assert!(!registered.contains(&next));
}

fn write_key_file(path: &Path, content: &str, mode: u32) {
    fs::write(path, content).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn key_files_are_written_owner_only_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.key");
    let key = DatabaseKey::generate();
    key.write_new(&file).unwrap();
    let meta = fs::metadata(&file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o400);
    let text = fs::read_to_string(&file).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert!(text.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(DatabaseKey::load(&file).unwrap(), key);

    let err = DatabaseKey::generate().write_new(&file).unwrap_err();
    assert!(matches!(err, KeyFileError::Exists { .. }), "{err}");
    assert_eq!(
        DatabaseKey::load(&file).unwrap(),
        key,
        "the first key is kept"
    );
}

#[test]
fn missing_too_open_and_malformed_key_files_are_refused_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let key_hex = DatabaseKey::generate().to_hex();
    let file = dir.path().join("db.key");

    let err = DatabaseKey::load(&file).unwrap_err();
    assert!(matches!(err, KeyFileError::Missing { .. }), "{err}");
    assert!(err.to_string().starts_with(&file.display().to_string()));

    for mode in [0o644, 0o440, 0o604, 0o600 | 0o020] {
        write_key_file(&file, &key_hex, mode);
        let err = DatabaseKey::load(&file).unwrap_err();
        assert!(
            matches!(err, KeyFileError::TooOpen { mode: m, .. } if m == mode),
            "{mode:o}: {err}"
        );
        assert!(err.to_string().contains(&format!("{mode:04o}")), "{err}");
        fs::remove_file(&file).unwrap();
    }
    write_key_file(&file, &format!("{}\n", key_hex.as_str()), 0o600);
    DatabaseKey::load(&file).unwrap();
    fs::remove_file(&file).unwrap();

    for bad in [
        "",
        "abc",
        &"z".repeat(64),
        &format!("{} extra", key_hex.as_str()),
    ] {
        write_key_file(&file, bad, 0o400);
        let err = DatabaseKey::load(&file).unwrap_err();
        assert!(
            matches!(err, KeyFileError::Malformed { .. }),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().starts_with(&file.display().to_string()));
        fs::remove_file(&file).unwrap();
    }
    fs::create_dir(&file).unwrap();
    let err = DatabaseKey::load(&file).unwrap_err();
    assert!(matches!(err, KeyFileError::NotAFile { .. }), "{err}");
    // The message never shows the key, even when the file is refused.
    write_key_file(&file.with_extension("open"), &key_hex, 0o644);
    let err = DatabaseKey::load(&file.with_extension("open")).unwrap_err();
    assert!(!err.to_string().contains(key_hex.as_str()));
}
