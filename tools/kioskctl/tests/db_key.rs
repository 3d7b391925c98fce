//! `kioskctl db keygen` and the commands that open an encrypted kiosk database: the real binary,
//! a real SQLCipher file, keys generated at test time.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};

use kiosk_store::{DatabaseKey, OpenOptions, Store};
use serde_json::Value;

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .expect("kioskctl runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn keygen_writes_an_owner_only_key_once_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.key");
    let out = kioskctl(&["db", "keygen", "--out", s(&file)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o400
    );
    let key = DatabaseKey::load(&file).unwrap();

    let again = kioskctl(&["db", "keygen", "--out", s(&file)]);
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains(s(&file)) && stderr.contains("refusing to overwrite"),
        "{stderr}"
    );
    assert_eq!(
        DatabaseKey::load(&file).unwrap(),
        key,
        "the first key stays"
    );
}

#[test]
fn an_encrypted_database_is_checked_with_the_key_beside_it_and_a_wrong_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let key_file = dir.path().join("keys/db.key");
    let out = kioskctl(&["db", "keygen", "--out", s(&key_file)]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let key = DatabaseKey::load(&key_file).unwrap();
    Store::open(&db, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();

    let out = kioskctl(&["db", "check", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["encrypted"], true);
    assert_eq!(json["counts"]["cases"], 0);

    let out = kioskctl(&["outbox", "status", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let wrong = dir.path().join("wrong.key");
    DatabaseKey::generate().write_new(&wrong).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = kioskctl(&["db", "check", s(&db), "--key-file", s(&wrong), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["reason"], "wrong_key");
    assert_eq!(std::fs::read(&db).unwrap(), before, "left untouched");

    // A key file others can read is refused, naming it, before the database is touched.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = kioskctl(&["db", "check", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["reason"], "key_file");
    assert!(json["message"].as_str().unwrap().contains("0644"), "{json}");
}

#[test]
fn with_a_configuration_the_key_is_the_one_it_names_not_one_beside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("keys")).unwrap();
    // The configured key lives elsewhere (a separate secrets directory); beside the database
    // there is another, wrong key, which a path-only lookup would take.
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    let configured = secrets.join("kiosk-db.key");
    let key = DatabaseKey::generate();
    key.write_new(&configured).unwrap();
    DatabaseKey::generate()
        .write_new(&data.join("keys/db.key"))
        .unwrap();
    let db = data.join("kiosk.db");
    Store::open(&db, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();
    let example = std::fs::read_to_string("../../firmware/config/kiosk.example.toml").unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        example
            .replace(
                "data_dir = \"/var/lib/kiosk\"",
                &format!("data_dir = \"{}\"", s(&data)),
            )
            .replace(
                "database_key_file = \"/var/lib/kiosk/keys/db.key\"",
                &format!("database_key_file = \"{}\"", s(&configured)),
            ),
    )
    .unwrap();

    let out = kioskctl(&["outbox", "status", "--config", s(&config), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json_of(&out)["valid"], true);
    // By path alone the key beside the database is taken, and it is the wrong one.
    let out = kioskctl(&["outbox", "status", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        json_of(&out)["reason"]
            .as_str()
            .is_some_and(|r| r.contains("key")),
        "{out:?}"
    );
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn an_encrypted_database_without_its_key_or_with_a_wrong_one_is_locked_not_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    // The key is kept elsewhere, so a path-only lookup finds none beside the database.
    let key_file = dir.path().join("db.key");
    let key = DatabaseKey::generate();
    key.write_new(&key_file).unwrap();
    let db = data.join("kiosk.db");
    Store::open(&db, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();
    let wrong = dir.path().join("wrong.key");
    DatabaseKey::generate().write_new(&wrong).unwrap();
    let before = snapshot(dir.path());

    let locked = |out: &Output, reason: &str| {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let json = json_of(out);
        assert_eq!(json["valid"], false, "{json}");
        let text = json.to_string();
        assert!(
            text.contains("locked: key missing or wrong") && text.contains("left untouched"),
            "{json}"
        );
        assert!(!text.contains("corrupt"), "{json}");
        if !reason.is_empty() {
            assert_eq!(json["reason"], reason, "{json}");
        }
    };
    let out = kioskctl(&["db", "check", s(&db), "--json"]);
    locked(&out, "encrypted_or_not_a_database");
    let out = kioskctl(&["db", "check", s(&db), "--key-file", s(&wrong), "--json"]);
    locked(&out, "wrong_key");
    let out = kioskctl(&["outbox", "status", s(&db), "--json"]);
    locked(&out, "");
    // Without --json the one line says the same.
    let out = kioskctl(&["db", "check", s(&db)]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("locked: key missing or wrong") && !stderr.contains("corrupt"),
        "{stderr}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing changed on disk");

    let out = kioskctl(&["db", "check", s(&db), "--key-file", s(&key_file), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(json_of(&out)["encrypted"], true);
}

#[test]
fn db_check_reports_the_journal_mode_of_an_encrypted_database() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let key = DatabaseKey::generate();
    key.write_new(&dir.path().join("keys/db.key")).unwrap();
    let db = dir.path().join("kiosk.db");
    Store::open(&db, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();
    let before = snapshot(dir.path());
    let out = kioskctl(&["db", "check", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let json = json_of(&out);
    assert_eq!(json["encrypted"], true, "{json}");
    assert_eq!(json["read_wal"], false, "{json}");
    assert_eq!(json["wal_mode"], true, "{json}");
    assert_eq!(snapshot(dir.path()), before, "db check changed files");
    // (A file switched to a rollback journal is reported `false`: kiosk-store's tests/locked.rs.)
}
