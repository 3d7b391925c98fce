//! `Store::check` (behind `kioskctl db check PATH`): each kind of file gets its own answer, and
//! the file's bytes and the directory listing are the same afterwards.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs;

use common::{case, closed_db_with, db_path, noise, open, raw, snapshot};
use kiosk_store::{CorruptReason, LATEST_VERSION, ReceiptState, Store, StoreError};

#[test]
fn a_good_database_is_reported_with_its_counts_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    let mut store = open(dir.path());
    let first = store.register_case(case(1)).unwrap();
    store.register_case(case(2)).unwrap();
    store
        .set_receipt_state(first.receipt_id, ReceiptState::Printing, None)
        .unwrap();
    store
        .set_receipt_state(first.receipt_id, ReceiptState::Printed, None)
        .unwrap();
    store.close().unwrap();
    let before = snapshot(dir.path());

    let report = Store::check(&path).unwrap();
    assert_eq!(report.path, path);
    assert_eq!(report.schema_version, LATEST_VERSION);
    assert_eq!(report.firmware_schema_version, LATEST_VERSION);
    assert!(report.wal_mode);
    assert!(!report.read_wal);
    assert_eq!(report.file_bytes, before["kiosk.db"].len() as u64);
    let counts = report.counts.expect("current schema");
    assert_eq!((counts.cases, counts.events), (2, 2));
    assert_eq!(
        (
            counts.outbox_pending,
            counts.outbox_parked,
            counts.outbox_done
        ),
        (2, 0, 0)
    );
    assert_eq!(counts.receipts[&ReceiptState::Queued], 1);
    assert_eq!(counts.receipts[&ReceiptState::Printed], 1);
    assert_eq!(counts.receipts[&ReceiptState::Failed], 0);

    assert_eq!(
        snapshot(dir.path()),
        before,
        "check created, removed or changed a file"
    );
}

#[test]
fn a_database_in_use_is_read_through_its_wal_without_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.register_case(case(1)).unwrap();
    let mut listing: Vec<String> = snapshot(dir.path()).into_keys().collect();
    listing.sort();
    assert_eq!(listing, ["kiosk.db", "kiosk.db-shm", "kiosk.db-wal"]);
    let main_before = fs::read(db_path(dir.path())).unwrap();

    let report = Store::check(db_path(dir.path())).unwrap();
    assert!(report.read_wal);
    assert_eq!(
        report.counts.unwrap().cases,
        1,
        "the committed case is only in the WAL"
    );
    assert_eq!(
        snapshot(dir.path()).into_keys().collect::<Vec<_>>(),
        listing
    );
    assert_eq!(fs::read(db_path(dir.path())).unwrap(), main_before);
    store.register_case(case(2)).unwrap();
}

#[test]
fn a_database_from_a_newer_firmware_is_named_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 1);
    raw(&path)
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    let before = snapshot(dir.path());
    let err = Store::check(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported, .. }
            if found == LATEST_VERSION + 1 && supported == LATEST_VERSION),
        "{err}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn corrupt_files_are_reported_where_they_are_and_not_moved() {
    type Damage = Box<dyn Fn(&std::path::Path)>;
    let cases: [(&str, Damage, &str); 4] = [
        (
            "random bytes",
            Box::new(|p| fs::write(p, noise(4096, 3)).unwrap()),
            "not_a_database",
        ),
        ("empty", Box::new(|p| fs::write(p, b"").unwrap()), "empty"),
        (
            "truncated",
            Box::new(|p| {
                let bytes = fs::read(p).unwrap();
                fs::write(p, &bytes[..bytes.len() / 2 / 4096 * 4096]).unwrap();
            }),
            "truncated",
        ),
        (
            "noise over a page",
            Box::new(|p| {
                let mut bytes = fs::read(p).unwrap();
                let end = bytes.len();
                bytes[end - 4096..].copy_from_slice(&noise(4096, 11));
                fs::write(p, &bytes).unwrap();
            }),
            "",
        ),
    ];
    for (what, damage, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = closed_db_with(dir.path(), 60);
        damage(&path);
        let before = snapshot(dir.path());
        let err = Store::check(&path).unwrap_err();
        let StoreError::Damaged { reason, .. } = &err else {
            panic!("{what}: expected Damaged, got {err}");
        };
        if expected.is_empty() {
            assert!(
                matches!(
                    reason,
                    CorruptReason::IntegrityCheckFailed { .. } | CorruptReason::Malformed { .. }
                ),
                "{what}: {reason:?}"
            );
        } else {
            assert_eq!(reason.reason_code(), expected, "{what}: {reason:?}");
        }
        assert!(err.to_string().contains("left in place"), "{err}");
        assert_eq!(
            snapshot(dir.path()),
            before,
            "{what}: check changed the directory"
        );
    }
}

#[test]
fn a_missing_path_is_named_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::check(db_path(dir.path())).unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
    assert!(
        err.to_string().contains("kiosk.db: no database file"),
        "{err}"
    );
    assert!(snapshot(dir.path()).is_empty());
}

#[test]
fn a_wal_without_its_shm_is_reported_instead_of_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_db_with(dir.path(), 1);
    fs::write(dir.path().join("kiosk.db-wal"), noise(100, 4)).unwrap();
    let before = snapshot(dir.path());
    let err = Store::check(&path).unwrap_err();
    assert!(matches!(err, StoreError::NeedsWalRecovery { .. }), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn a_foreign_sqlite_file_is_not_a_kiosk_database_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    raw(&path)
        .execute_batch("CREATE TABLE legacy (x); INSERT INTO legacy VALUES (1);")
        .unwrap();
    let before = snapshot(dir.path());
    let err = Store::check(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::NotAKioskDatabase { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not a kiosk database"), "{err}");
    assert_eq!(snapshot(dir.path()), before);
}
