//! The data directory's lock (`DATA_DIR/kiosk.lock`): a second taker is refused naming the
//! directory and the holder's PID, in this process (an flock belongs to an open file
//! description, so two opens conflict even here) and across processes; the lock comes free when
//! its holder drops it or is killed.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use kiosk_store::{DataDirLock, DirLockError, LOCK_FILE_NAME};

/// Set for the child process that holds the lock until it is killed.
const CHILD_DIR: &str = "KIOSK_DIR_LOCK_TEST_CHILD_DIR";
/// What the child prints once it holds the lock.
const LOCKED: &str = "child: lock taken";

/// Held while a child process is spawned, and by the in-process test throughout: between fork
/// and exec a child briefly holds copies of every descriptor of this process, including a lock
/// file's (close-on-exec closes it only at the exec), so a lock dropped in that window is still
/// held for a moment.
static SPAWNING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn assert_held_by(err: &DirLockError, dir: &Path, pid: u32) {
    match err {
        DirLockError::Held { dir: d, pid: p, .. } => {
            assert_eq!(d, dir);
            assert_eq!(*p, Some(pid));
        }
        other => panic!("not Held: {other}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(dir.to_str().unwrap()) && text.contains(&format!("PID {pid}")),
        "{text}"
    );
}

#[test]
fn a_second_taker_is_refused_naming_the_pid_until_the_first_lets_go() {
    let _no_spawn = SPAWNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let first = DataDirLock::acquire(dir.path()).unwrap();
    assert_eq!(first.path(), dir.path().join(LOCK_FILE_NAME));
    let pid = std::process::id();
    assert_eq!(
        std::fs::read_to_string(first.path()).unwrap(),
        format!("{pid}\n")
    );

    let err = DataDirLock::acquire(dir.path()).unwrap_err();
    assert_held_by(&err, dir.path(), pid);
    // Refused again: a failed attempt does not disturb the holder.
    let err = DataDirLock::acquire(dir.path()).unwrap_err();
    assert_held_by(&err, dir.path(), pid);

    drop(first);
    let again = DataDirLock::acquire(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(again.path()).unwrap(),
        format!("{pid}\n")
    );
}

#[test]
fn a_missing_directory_is_an_io_error_naming_the_lock_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let err = DataDirLock::acquire(&missing).unwrap_err();
    assert!(matches!(err, DirLockError::Io { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(missing.join(LOCK_FILE_NAME).to_str().unwrap()),
        "{err}"
    );
}

/// Run only as the child of the test below: takes the lock, says so, and waits to be killed.
#[test]
#[ignore = "the child process of another_process_is_refused_naming_its_pid_and_a_killed_holder_frees_the_lock"]
fn child_holding_the_lock() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let _lock = DataDirLock::acquire(Path::new(&dir)).unwrap();
    // libtest may have written "test child_holding_the_lock ... " on this line already.
    println!("{LOCKED}");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[test]
fn another_process_is_refused_naming_its_pid_and_a_killed_holder_frees_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let spawning = SPAWNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holding_the_lock",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(spawning);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let locked = lines.any(|l| l.is_ok_and(|l| l.ends_with(LOCKED)));
    if !locked {
        let _ = child.kill();
        panic!("the child did not take the lock: {:?}", child.wait());
    }

    let err = DataDirLock::acquire(dir.path()).unwrap_err();
    assert_held_by(&err, dir.path(), child.id());

    // SIGKILL: no destructor runs; the kernel releases the flock with the process.
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = DataDirLock::acquire(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(lock.path()).unwrap(),
        format!("{}\n", std::process::id()),
        "the dead holder's PID is replaced"
    );
}
