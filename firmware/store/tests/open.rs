//! Opening database files: creation, migrations, a file from a newer firmware, and every kind
//! of corrupt file — each refused with its own reason, moved aside with its bytes intact, and
//! never silently replaced.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{bad_header, case, closed_db_with, db_path, names, noise, open, raw, snapshot};
use kiosk_store::{CorruptReason, LATEST_VERSION, OpenOptions, Store, StoreError};

/// Opens `path` expecting `Corrupt`; checks the file moved aside with `bytes` intact, that
/// nothing else is left in the directory, and returns the reason.
fn expect_moved_aside(path: &Path, bytes: &[u8]) -> (CorruptReason, PathBuf) {
    let dir = path.parent().unwrap();
    let err = Store::open(path, &OpenOptions::default()).unwrap_err();
    let message = err.to_string();
    let StoreError::Corrupt {
        moved_to, reason, ..
    } = err
    else {
        panic!("expected Corrupt, got {message}");
    };
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&moved_to.display().to_string()),
        "{message}"
    );
    let moved_name = moved_to.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        moved_name.starts_with("kiosk.db.corrupt-") && moved_name.ends_with('Z'),
        "{moved_name}"
    );
    assert_eq!(
        fs::read(&moved_to).unwrap(),
        bytes,
        "moved file's bytes changed"
    );
    assert_eq!(
        names(dir),
        [moved_name],
        "only the moved file is left, nothing was created"
    );
    (reason, moved_to)
}

#[test]
fn a_new_database_is_at_the_latest_version_in_wal_mode_with_no_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    store.close().unwrap();
    assert_eq!(
        names(dir.path()),
        ["kiosk.db"],
        "no temporary file left behind"
    );
    let conn = raw(&db_path(dir.path()));
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, LATEST_VERSION);
}

#[test]
fn reopening_keeps_the_data_and_migrates_nothing_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 3);
    let store = Store::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(store.counts().unwrap().cases, 3);
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
}

#[test]
fn an_empty_version_0_database_is_migrated_to_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    // A database some other tool created: valid, no tables, user_version 0.
    raw(&path)
        .execute_batch("CREATE TABLE scratch (x); DROP TABLE scratch;")
        .unwrap();
    let mut store = Store::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
    store.register_case(case(1)).unwrap();
}

#[test]
fn a_missing_database_is_not_created_when_not_asked_to() {
    let dir = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        create_if_missing: false,
        ..OpenOptions::default()
    };
    let err = Store::open(db_path(dir.path()), &options).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_database_from_a_newer_firmware_is_refused_with_both_versions_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 2);
    let future = LATEST_VERSION + 5;
    raw(&path)
        .pragma_update(None, "user_version", future)
        .unwrap();
    let before = snapshot(dir.path());
    assert_eq!(before.keys().collect::<Vec<_>>(), ["kiosk.db"]);

    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported, .. }
            if found == future && supported == LATEST_VERSION),
        "{message}"
    );
    assert!(message.contains(&format!("version {future}")), "{message}");
    assert!(
        message.contains(&format!("the {LATEST_VERSION} this firmware knows")),
        "{message}"
    );
    assert_eq!(snapshot(dir.path()), before, "bytes or directory changed");

    // Twice, to be sure the first refusal left nothing that changes the second.
    assert!(matches!(
        Store::open(&path, &OpenOptions::default()),
        Err(StoreError::NewerSchema { .. })
    ));
    assert_eq!(snapshot(dir.path()), before);
}

/// Opens `path` without a key expecting [`StoreError::EncryptedOrNotADatabase`] and nothing
/// changed in the directory.
fn expect_left_untouched(path: &Path) {
    let dir = path.parent().unwrap();
    let before = snapshot(dir);
    let err = Store::open(path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(&err, StoreError::EncryptedOrNotADatabase { path: p } if p == path),
        "{err}"
    );
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(snapshot(dir), before, "nothing changed on disk");
}

#[test]
fn random_bytes_may_be_an_encrypted_database_and_are_left_untouched_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    fs::write(&path, noise(8192, 7)).unwrap();
    expect_left_untouched(&path);
}

#[test]
fn a_text_file_is_refused_untouched_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let bytes = b"[kiosk]\nnumber = 42\n# someone wrote the config over the database\n".to_vec();
    fs::write(&path, &bytes).unwrap();
    expect_left_untouched(&path);
}

#[test]
fn a_damaged_sqlite_header_is_not_a_database_and_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let bytes = bad_header(8192, 7);
    fs::write(&path, &bytes).unwrap();
    let (reason, _) = expect_moved_aside(&path, &bytes);
    assert_eq!(reason, CorruptReason::NotADatabase);
}

#[test]
fn a_zero_length_file_is_reported_as_empty_not_taken_for_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    fs::write(&path, b"").unwrap();
    let (reason, _) = expect_moved_aside(&path, b"");
    assert_eq!(reason, CorruptReason::Empty);
}

#[test]
fn a_truncated_database_is_reported_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 60);
    let full = fs::read(&path).unwrap();
    assert!(
        full.len() >= 8 * 4096,
        "the sample must span several pages: {}",
        full.len()
    );
    let cut = full[..full.len() / 2 / 4096 * 4096].to_vec();
    fs::write(&path, &cut).unwrap();
    let (reason, _) = expect_moved_aside(&path, &cut);
    assert_eq!(
        reason,
        CorruptReason::Truncated {
            file_bytes: cut.len() as u64,
            expected_bytes: Some(full.len() as u64)
        }
    );
}

#[test]
fn a_database_cut_inside_its_header_is_reported_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 1);
    let cut = fs::read(&path).unwrap()[..40].to_vec();
    fs::write(&path, &cut).unwrap();
    let (reason, _) = expect_moved_aside(&path, &cut);
    assert_eq!(
        reason,
        CorruptReason::Truncated {
            file_bytes: 40,
            expected_bytes: None
        }
    );
}

/// Overwrites the root page of `cases` with noise, keeping the file's size and header.
fn overwrite_cases_root_page(path: &Path) -> Vec<u8> {
    let root: i64 = raw(path)
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'cases'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut bytes = fs::read(path).unwrap();
    let start = usize::try_from(root - 1).unwrap() * 4096;
    bytes[start..start + 4096].copy_from_slice(&noise(4096, 99));
    fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn a_page_overwritten_with_noise_is_refused_by_sqlite_as_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 60);
    let bytes = overwrite_cases_root_page(&path);
    let (reason, _) = expect_moved_aside(&path, &bytes);
    assert!(
        matches!(&reason, CorruptReason::Malformed { detail } if detail.contains("malformed")),
        "{reason:?}"
    );
}

/// Changes one digit of a tracking code inside the `cases.tracking_code` UNIQUE index, so the
/// index no longer matches the table: a bit flip SQLite reads without complaint until
/// `integrity_check` compares the two.
fn flip_a_digit_in_the_tracking_code_index(path: &Path) -> Vec<u8> {
    let conn = raw(path);
    let (root, code): (i64, String) = conn
        .query_row(
            "SELECT (SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'cases'
                     AND sql IS NULL AND name LIKE 'sqlite_autoindex_cases_%'
                     AND (SELECT name FROM pragma_index_info(sqlite_schema.name)) = 'tracking_code'),
                    (SELECT tracking_code FROM cases ORDER BY id LIMIT 1)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    drop(conn);
    let mut bytes = fs::read(path).unwrap();
    let page = usize::try_from(root - 1).unwrap() * 4096..usize::try_from(root).unwrap() * 4096;
    let at = bytes[page.clone()]
        .windows(16)
        .position(|w| w == code.as_bytes())
        .expect("the code is in the index page")
        + page.start
        + 10;
    bytes[at] = if bytes[at] == b'9' {
        b'8'
    } else {
        bytes[at] + 1
    };
    fs::write(path, &bytes).unwrap();
    bytes
}

#[test]
fn an_index_entry_changed_by_one_digit_fails_the_integrity_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 60);
    let bytes = flip_a_digit_in_the_tracking_code_index(&path);
    let (reason, _) = expect_moved_aside(&path, &bytes);
    let CorruptReason::IntegrityCheckFailed { problems } = &reason else {
        panic!("expected IntegrityCheckFailed, got {reason:?}");
    };
    assert!(problems.iter().any(|p| p.contains("index")), "{problems:?}");
}

#[test]
fn a_corrupt_database_moves_aside_together_with_its_wal_and_shm() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let (db, wal, shm) = (bad_header(4096, 1), noise(1000, 2), noise(32768, 3));
    fs::write(&path, &db).unwrap();
    fs::write(dir.path().join("kiosk.db-wal"), &wal).unwrap();
    fs::write(dir.path().join("kiosk.db-shm"), &shm).unwrap();

    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    let StoreError::Corrupt {
        moved_to, reason, ..
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(reason, CorruptReason::NotADatabase);
    let moved = moved_to.display().to_string();
    assert_eq!(fs::read(&moved_to).unwrap(), db);
    assert_eq!(fs::read(format!("{moved}-wal")).unwrap(), wal);
    assert_eq!(fs::read(format!("{moved}-shm")).unwrap(), shm);
    assert_eq!(names(dir.path()).len(), 3, "{:?}", names(dir.path()));
}

#[test]
fn after_a_corruption_no_fresh_database_is_made_until_the_caller_asks() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    fs::write(&path, bad_header(4096, 5)).unwrap();
    let (_, moved_to) = expect_moved_aside(&path, &bad_header(4096, 5));

    // A restart loop must not turn the corruption into a silent fresh start.
    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(&err, StoreError::MovedAsideEarlier { moved_aside, .. } if *moved_aside == moved_to),
        "{err}"
    );
    assert!(!path.exists());

    let (mut store, moved_now) =
        Store::open_after_corruption(&path, &OpenOptions::default()).unwrap();
    assert_eq!(moved_now, None, "it had been moved already");
    assert_eq!(store.counts().unwrap().cases, 0);
    store.register_case(case(1)).unwrap();
    store.close().unwrap();
    assert_eq!(
        fs::read(&moved_to).unwrap(),
        bad_header(4096, 5),
        "the evidence is kept"
    );
    // From now on the new database opens normally.
    assert_eq!(open(dir.path()).counts().unwrap().cases, 1);
}

#[test]
fn open_after_corruption_moves_a_corrupt_file_aside_and_starts_empty_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 60);
    let bytes = flip_a_digit_in_the_tracking_code_index(&path);
    let (store, moved) = Store::open_after_corruption(&path, &OpenOptions::default()).unwrap();
    let moved = moved.expect("reported what it moved aside");
    assert!(matches!(
        moved.reason,
        CorruptReason::IntegrityCheckFailed { .. }
    ));
    assert_eq!(fs::read(&moved.moved_to).unwrap(), bytes);
    assert_eq!(store.counts().unwrap().cases, 0);
    assert_eq!(store.schema_version().unwrap(), LATEST_VERSION);
}

#[test]
fn a_directory_at_the_path_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(db_path(dir.path())).unwrap();
    let err = Store::open(db_path(dir.path()), &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NotAFile { .. }), "{err}");
}

#[test]
fn open_after_corruption_still_refuses_a_database_from_a_newer_firmware() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 1);
    raw(&path)
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    let before = snapshot(dir.path());
    let err = Store::open_after_corruption(&path, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_locked_database_is_an_error_not_a_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 1);
    let holder = raw(&path);
    // A rollback-journal database under an exclusive lock cannot even be read.
    holder
        .query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO settings VALUES ('k', 'v');")
        .unwrap();

    let options = OpenOptions {
        busy_timeout: std::time::Duration::from_millis(50),
        ..OpenOptions::default()
    };
    let err = Store::open(&path, &options).unwrap_err();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err}");
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(path.exists(), "a busy database must not be moved aside");
    assert!(!names(dir.path()).iter().any(|n| n.contains("corrupt")));

    holder.execute_batch("COMMIT;").unwrap();
    drop(holder);
    let store = Store::open(&path, &OpenOptions::default()).unwrap();
    assert_eq!(store.setting("k").unwrap().as_deref(), Some("v"));
}

#[test]
fn another_programs_sqlite_file_is_refused_and_neither_migrated_nor_moved() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    raw(&path)
        .execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
        .unwrap();
    let before = snapshot(dir.path());
    let err = Store::open(&path, &OpenOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::NotAKioskDatabase { .. }),
        "{err:?}"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "the foreign file was changed or moved"
    );
}
