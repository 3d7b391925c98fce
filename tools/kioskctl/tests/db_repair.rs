//! The two commands that change a database, and only when told: `kioskctl db recover` after a
//! corrupt database (moved aside, an empty one started whose tracking codes continue after the
//! last one given out) and `kioskctl db encrypt` for a plaintext database. Without `--yes` each
//! says what it would do and leaves every byte where it was.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use kiosk_core::KioskNumber;
use kiosk_store::{DatabaseKey, OpenOptions, Store};

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .unwrap()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A plaintext kiosk database in `dir` whose kiosk 12 has used sequence numbers up to 7.
fn database(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("kiosk.db");
    let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
    store
        .ensure_sequence_at_least(KioskNumber::new(12).unwrap(), 7)
        .unwrap();
    store.close().unwrap();
    db
}

#[test]
fn recover_does_nothing_without_yes_then_moves_the_damage_aside_and_continues_the_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.truncate(1000);
    std::fs::write(&db, &bytes).unwrap();

    let args = [
        "db",
        "recover",
        s(&db),
        "--kiosk",
        "12",
        "--last-sequence",
        "4100",
    ];
    let asked = kioskctl(&args);
    assert_eq!(asked.status.code(), Some(2), "{}", stderr(&asked));
    assert!(stderr(&asked).contains("--yes"), "{}", stderr(&asked));
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "nothing changed");

    let done = kioskctl(&[&args[..], &["--yes"]].concat());
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(said.contains("moved the damaged database aside"), "{said}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("kiosk.db.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(dir.path().join(&aside[0])).unwrap(),
        bytes,
        "the damaged file is kept as it was"
    );
    let store = Store::open(&db, &OpenOptions::default()).unwrap();
    assert_eq!(
        store.last_sequence(KioskNumber::new(12).unwrap()).unwrap(),
        Some(4100),
        "the next code continues after the last one given out"
    );
}

#[test]
fn recover_refuses_a_kiosk_number_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let out = kioskctl(&[
        "db",
        "recover",
        s(&db),
        "--kiosk",
        "0",
        "--last-sequence",
        "1",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--kiosk 0"), "{}", stderr(&out));
}

#[test]
fn encrypt_asks_first_then_encrypts_once_and_the_key_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let key_file = dir.path().join("db.key");
    DatabaseKey::generate().write_new(&key_file).unwrap();
    let before = std::fs::read(&db).unwrap();

    let asked = kioskctl(&["db", "encrypt", s(&db), "--key-file", s(&key_file)]);
    assert_eq!(asked.status.code(), Some(2), "{}", stderr(&asked));
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing changed");

    let done = kioskctl(&["db", "encrypt", s(&db), "--key-file", s(&key_file), "--yes"]);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    assert!(
        !std::fs::read(&db).unwrap().starts_with(b"SQLite format 3"),
        "the file is no longer plaintext"
    );
    let check = kioskctl(&["db", "check", s(&db), "--key-file", s(&key_file), "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["encrypted"], true, "{report}");
    let key = DatabaseKey::load(&key_file).unwrap();
    let store = Store::open(&db, &OpenOptions::encrypted(key)).unwrap();
    assert_eq!(
        store.last_sequence(KioskNumber::new(12).unwrap()).unwrap(),
        Some(7),
        "what it held is still there"
    );
    drop(store);

    let again = kioskctl(&["db", "encrypt", s(&db), "--key-file", s(&key_file), "--yes"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("already encrypted"),
        "{}",
        stderr(&again)
    );
}
