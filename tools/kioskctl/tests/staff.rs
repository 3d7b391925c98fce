//! `kioskctl staff` as an operator uses it: a real process on a real kiosk database, the PIN
//! piped on standard input; then the store's own login checks what was written.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::{Duration, Utc};
use kiosk_store::{DeskError, OpenOptions, PinPolicy, Store};
use serde_json::Value;

fn kioskctl(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses early may not read its input: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn db(dir: &Path) -> String {
    let path = dir.join("kiosk.db");
    drop(Store::open(&path, &OpenOptions::default()).unwrap());
    path.to_str().unwrap().to_owned()
}

#[test]
fn add_reads_the_pin_from_stdin_and_the_store_logs_the_member_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = kioskctl(
        &[
            "staff",
            "add",
            "--db",
            &db,
            "--card",
            "2041",
            "--employee-code",
            "EMP-2041",
            "--name",
            "مریم رضایی",
        ],
        "5820\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
    let member = store.staff_by_employee_code("EMP-2041").unwrap().unwrap();
    assert!(
        member.pin_hash.starts_with("$argon2id$"),
        "only a hash is kept"
    );
    assert!(!member.pin_hash.contains("5820"));
    assert_eq!(
        store.setting("staff_card:2041").unwrap().as_deref(),
        Some("EMP-2041")
    );
    let policy = PinPolicy::default();
    assert!(
        store
            .staff_login("EMP-2041", "5820", Utc::now(), &policy)
            .is_ok()
    );
    assert!(matches!(
        store.staff_login("EMP-2041", "1111", Utc::now(), &policy),
        Err(DeskError::WrongPin { .. })
    ));
    drop(store);

    // The same employee or the same card again: refused in plain English, nothing changed.
    let again = kioskctl(
        &[
            "staff",
            "add",
            "--db",
            &db,
            "--card",
            "9999",
            "--employee-code",
            "EMP-2041",
            "--name",
            "x",
        ],
        "1234\n",
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already on this terminal"),
        "{}",
        stderr(&again)
    );
    let card = kioskctl(
        &[
            "staff",
            "add",
            "--db",
            &db,
            "--card",
            "2041",
            "--employee-code",
            "EMP-7",
            "--name",
            "x",
        ],
        "1234\n",
    );
    assert_eq!(card.status.code(), Some(1));
    assert!(stderr(&card).contains("card 2041 is already registered for employee EMP-2041"));

    // A PIN that is not 4–12 digits, or none at all.
    for (pin, expected) in [("12\n", "4 to 12 digits"), ("", "no PIN on standard input")] {
        let bad = kioskctl(
            &[
                "staff",
                "add",
                "--db",
                &db,
                "--card",
                "77",
                "--employee-code",
                "EMP-77",
                "--name",
                "y",
            ],
            pin,
        );
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains(expected), "{}", stderr(&bad));
    }
    let store = Store::open(&db, &OpenOptions::default()).unwrap();
    assert!(store.staff_by_employee_code("EMP-77").unwrap().is_none());

    // The PIN never appears on the command line: there is no option for it.
    let argv = kioskctl(&["staff", "add", "--db", &db, "--pin", "5820"], "");
    assert_eq!(argv.status.code(), Some(2));
}

#[test]
fn list_set_pin_and_unlock_a_locked_out_member() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    for (card, code, name) in [("11", "E-1", "علی"), ("22", "E-2", "زهرا")] {
        let out = kioskctl(
            &[
                "staff",
                "add",
                "--db",
                &db,
                "--card",
                card,
                "--employee-code",
                code,
                "--name",
                name,
            ],
            "123456\n",
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Five wrong PINs lock E-2 out.
    let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
    let policy = PinPolicy::default();
    for _ in 0..5 {
        let _ = store.staff_login("E-2", "0000", Utc::now(), &policy);
    }
    assert!(matches!(
        store.staff_login("E-2", "123456", Utc::now(), &policy),
        Err(DeskError::LockedOut { .. })
    ));
    drop(store);

    let out = kioskctl(&["staff", "list", "--db", &db, "--json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let staff = list["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 2);
    assert_eq!(staff[0]["employee_code"], "E-1");
    assert_eq!(staff[0]["card"], "11");
    assert_eq!(staff[0]["locked_until"], Value::Null);
    assert!(staff[1]["locked_until"].is_string(), "{list}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("argon2"));
    let human = kioskctl(&["staff", "list", "--db", &db], "");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("E-2\tزهرا\tcard 22\tactive\tlocked until"),
        "{text}"
    );

    let out = kioskctl(
        &["staff", "unlock", "--db", &db, "--employee-code", "E-2"],
        "",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
    assert!(
        store
            .staff_login("E-2", "123456", Utc::now(), &policy)
            .is_ok()
    );
    drop(store);

    let out = kioskctl(
        &["staff", "set-pin", "--db", &db, "--employee-code", "E-1"],
        "۹۸۷۶\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut store = Store::open(&db, &OpenOptions::default()).unwrap();
    assert!(
        store
            .staff_login("E-1", "9876", Utc::now(), &policy)
            .is_ok()
    );
    assert!(
        store
            .staff_login("E-1", "123456", Utc::now() + Duration::seconds(1), &policy)
            .is_err()
    );
    drop(store);

    let out = kioskctl(
        &["staff", "unlock", "--db", &db, "--employee-code", "NOPE"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no staff member with employee code NOPE"));
    let missing = dir.path().join("missing.db");
    let out = kioskctl(&["staff", "list", "--db", missing.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(!missing.exists(), "a missing database is not created");
}
