//! Two kiosk processes on one data directory, as an operator might start them by mistake (a
//! second unit, a manual run beside systemd's): the real `kiosk --config` binary twice, every
//! device simulated, the database encrypted with a key provisioned for the test. The second is
//! refused at once, naming the directory and the PID of the first, and touches nothing; once
//! the first is killed (no clean exit), a new one starts on the same directory.

#![allow(clippy::unwrap_used)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A kiosk.toml on `dir/data` with every device simulated and speech off.
fn config(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let key = dir.join("secrets/db.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    kiosk_store::DatabaseKey::generate()
        .write_new(&key)
        .unwrap();
    let text = format!(
        "[kiosk]\nnumber = 7\nagency = \"اداره\"\ndesk = \"میز\"\ndata_dir = \"{}\"\n\
         [printer]\ntransport = \"sim\"\n[scanner]\nbackend = \"sim\"\n[card]\nbackend = \"sim\"\n\
         [keypad]\nbackend = \"sim\"\n[speech]\nbackend = \"none\"\n\
         [privacy]\ndatabase_key_file = \"{}\"\n",
        data.display(),
        key.display()
    );
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn kiosk(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kiosk"));
    cmd.arg("--config")
        .arg(config)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("CREDENTIALS_DIRECTORY")
        .env_remove("NOTIFY_SOCKET")
        .env("RUST_LOG", "kiosk=info");
    cmd
}

/// Starts a kiosk that runs until killed and waits until it serves (its database exists and it
/// says it runs).
fn start_serving(config: &Path, data: &Path) -> Child {
    let mut child = kiosk(config)
        .args(["--quit-after", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = [0u8; 256];
        let n = stdout.read(&mut line).unwrap_or(0);
        let _ = tx.send(String::from_utf8_lossy(&line[..n]).into_owned());
        // Keep reading so the kiosk never blocks on a full pipe.
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
    });
    let said = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(said.contains("running"), "{said}");
    assert!(data.join("kiosk.db").exists());
    child
}

#[test]
fn a_second_kiosk_on_the_same_data_directory_is_refused_naming_the_first_one_s_pid() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let data = dir.path().join("data");
    let mut first = start_serving(&config, &data);
    let db_before = std::fs::read(data.join("kiosk.db")).unwrap();

    let started = Instant::now();
    let second = kiosk(&config).args(["--quit-after", "3"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&first.id().to_string()),
        "names the PID holding the directory: {stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(
        !stderr.contains("database is locked") && !stderr.contains("disk I/O error"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "refused at once, not after waiting"
    );
    assert_eq!(
        std::fs::read(data.join("kiosk.db")).unwrap(),
        db_before,
        "the second kiosk touched nothing"
    );

    // The first dies without cleaning up: the lock goes with it, and a new kiosk starts.
    first.kill().unwrap();
    first.wait().unwrap();
    let mut third = start_serving(&config, &data);
    third.kill().unwrap();
    third.wait().unwrap();
}
