//! A process whose first SQLite use is several threads opening encrypted databases at once
//! gets every one of them open.
//!
//! SQLCipher finishes its own set-up after SQLite marks itself initialised, so a thread that
//! came second could once be refused its key with a bare "error with PRAGMA key" (seen on a
//! loaded CI machine). Only a fresh process shows it, so each round runs this test binary
//! again as a child whose threads all start from one barrier (natively only: under qemu-user
//! the child would be an aarch64 program, see tools/cross/test-aarch64.sh).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};

use common::{case, db_path};
use kiosk_store::{DatabaseKey, OpenOptions, Store};

const CHILD_DIR: &str = "KIOSK_STORE_FIRST_OPEN_DIR";
const THREADS: usize = 8;
const ROUNDS: usize = 12;

/// Run only as the child of the test below: its threads open one database each, all at once,
/// as the first thing the process does with SQLite, and register a case in it.
#[test]
#[ignore = "the child process of concurrent_first_opens_in_a_fresh_process_all_succeed"]
fn child_opening_at_once() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|n| {
            let (barrier, dir) = (Arc::clone(&barrier), dir.join(n.to_string()));
            std::thread::spawn(move || {
                std::fs::create_dir_all(&dir).unwrap();
                let key = DatabaseKey::generate();
                barrier.wait();
                open_and_register(&dir, key)
            })
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().err())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

fn open_and_register(dir: &Path, key: DatabaseKey) -> Result<(), String> {
    let mut store =
        Store::open(db_path(dir), &OpenOptions::encrypted(key)).map_err(|e| e.to_string())?;
    store.register_case(case(1)).map_err(|e| e.to_string())?;
    store.close().map_err(|e| e.to_string())
}

#[test]
fn concurrent_first_opens_in_a_fresh_process_all_succeed() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_opening_at_once",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "round {round}: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        for n in 0..THREADS {
            assert!(db_path(&dir.path().join(n.to_string())).exists());
        }
    }
}
