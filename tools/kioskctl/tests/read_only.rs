//! Read-style commands (`kioskctl outbox status`, `kioskctl staff list`, `kioskctl report`) are
//! read-only whatever the file holds: a damaged database is reported and left where it is (not
//! renamed aside), a plaintext one with a key beside it is not encrypted, an older schema is not
//! migrated. Every case: the directory is the same, byte for byte, before and after.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path, bytes);
            }
        }
    }
    files
}

/// The read-style commands on `db`, each checked to leave `dir` as it was; returns their
/// outputs.
fn read_commands(dir: &Path, db: &Path) -> Vec<(String, Output)> {
    let before = snapshot(dir);
    let reports = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for args in [
        vec!["outbox", "status", s(db), "--json"],
        vec!["staff", "list", "--db", s(db), "--json"],
        vec![
            "report",
            "quarterly",
            "--quarter",
            "1405-Q3",
            "--db",
            s(db),
            "--out",
            s(reports.path()),
        ],
    ] {
        let out = kioskctl(&args);
        assert_eq!(
            snapshot(dir),
            before,
            "`kioskctl {}` changed files in {}: {out:?}",
            args.join(" "),
            dir.display()
        );
        outputs.push((args.join(" "), out));
    }
    outputs
}

fn assert_refused_naming(outputs: &[(String, Output)], words: &[&str]) {
    for (command, out) in outputs {
        assert_ne!(out.status.code(), Some(0), "{command} accepted: {out:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            words.iter().any(|w| text.contains(w)),
            "{command}: {text} names none of {words:?}"
        );
        assert!(
            !text.contains("open_after_corruption") && !text.contains("moved aside"),
            "{command}: {text}"
        );
    }
}

fn plaintext_db(dir: &Path) -> PathBuf {
    let db = dir.join("kiosk.db");
    Store::open(&db, &OpenOptions::default())
        .unwrap()
        .close()
        .unwrap();
    db
}

#[test]
fn damaged_files_are_reported_and_left_where_they_are() {
    let root = tempfile::tempdir().unwrap();
    type Damage = fn(&Path) -> Vec<u8>;
    let cases: [(&str, Damage); 3] = [
        ("empty", |_| Vec::new()),
        ("truncated", |dir| {
            let db = plaintext_db(dir);
            let mut bytes = std::fs::read(&db).unwrap();
            bytes.truncate(1000);
            bytes
        }),
        ("garbage", |_| {
            b"not a database at all, just text\n".repeat(200)
        }),
    ];
    for (name, make) in cases {
        let dir = root.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let bytes = make(&dir);
        let db = dir.join("kiosk.db");
        std::fs::write(&db, bytes).unwrap();
        let outputs = read_commands(&dir, &db);
        assert_refused_naming(&outputs, &["corrupt", "empty", "truncated", "not a"]);
    }
}

#[test]
fn an_encrypted_file_with_a_flipped_bit_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let key_file = dir.path().join("keys/db.key");
    let key = DatabaseKey::generate();
    key.write_new(&key_file).unwrap();
    let db = dir.path().join("kiosk.db");
    Store::open(&db, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    std::fs::write(&db, bytes).unwrap();
    let outputs = read_commands(dir.path(), &db);
    assert_refused_naming(&outputs, &["corrupt", "key", "not a"]);
}

#[test]
fn a_plaintext_database_beside_a_key_is_read_not_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let db = plaintext_db(dir.path());
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    DatabaseKey::generate()
        .write_new(&dir.path().join("keys/db.key"))
        .unwrap();
    let outputs = read_commands(dir.path(), &db);
    for (command, out) in &outputs {
        assert_eq!(out.status.code(), Some(0), "{command}: {out:?}");
    }
    assert!(
        std::fs::read(&db)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
}

#[test]
fn a_missing_database_is_named_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    let outputs = read_commands(dir.path(), &db);
    assert_refused_naming(&outputs, &["no database", "not found", "No such file"]);
    assert!(!db.exists());
}
