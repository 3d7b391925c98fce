//! Power loss: the kiosk store on an outagefs volume (unsynced writes kept in memory, dropped
//! at a power cut). A writer process (this test binary run again as `writer_child`) registers
//! cases on the real store and reports each one whose
//! registration returned (whose receipt would print); at a random moment it is killed with
//! SIGKILL, the power is cut (every unsynced write dropped), the volume is remounted and the
//! store opened again. Every reported case must be there and the database must open clean.
//!
//! Needs a FUSE mount (/dev/fuse, and root or fusermount3), which CI containers usually lack,
//! so the test is ignored by default; run it with
//! `cargo test -p outagefs --test power_loss -- --ignored --nocapture`
//! (`POWER_LOSS_ROUNDS=N` for more rounds than the default 50).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{
    CaseKind, KioskNumber, MobileNumber, NationalCode, NationalCodePolicy, TrackingCode,
};
use kiosk_store::{DatabaseKey, NewCase, OpenOptions, Store};

/// Set for the child run of this binary that writes (see [`writer_child`]).
const WRITER_DB: &str = "OUTAGEFS_WRITER_DB";
const WRITER_SEED: &str = "OUTAGEFS_WRITER_SEED";
/// The database key (hex) of this run: the store is encrypted, as on a kiosk.
const WRITER_KEY: &str = "OUTAGEFS_WRITER_KEY";

fn national_code(n: u64) -> NationalCode {
    let digits = format!("{:09}", 123_456_789 + n * 7_919 % 800_000_000);
    let mut first_nine = [0u8; 9];
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default()).unwrap()
}

/// The writer: not a test of its own, so ignored; the power-loss test starts it with
/// `--ignored` and its environment. Registers cases until killed, printing `ok TRACKING_CODE`
/// after each registration returned (the moment the firmware would print the receipt).
#[test]
#[ignore = "the power-loss test's writer process; started by that test, never alone"]
fn writer_child() {
    let (Ok(db), Ok(seed)) = (std::env::var(WRITER_DB), std::env::var(WRITER_SEED)) else {
        panic!(
            "writer_child is started by the power-loss test, with {WRITER_DB} and {WRITER_SEED} set"
        );
    };
    let seed: u64 = seed.parse().unwrap();
    let key = DatabaseKey::from_hex(&std::env::var(WRITER_KEY).unwrap()).unwrap();
    let mut store = Store::open(&db, &OpenOptions::encrypted(key)).unwrap();
    let stdout = std::io::stdout();
    for n in 0.. {
        let case = NewCase {
            kiosk: KioskNumber::new(12).unwrap(),
            client_uuid: uuid::Uuid::new_v4(),
            kind: CaseKind::Complaint,
            subject_id: "deed-delay".to_owned(),
            service_id: Some("11021".to_owned()),
            visitor: national_code(seed * 1000 + n).into(),
            phone: Some(MobileNumber::parse("09121234567").unwrap()),
            notice_consent_at: None,
            description: format!("شکایت شماره {n} از دور {seed}"),
            registered_at: chrono::Utc::now(),
            due: None,
            unit: "روابط عمومی".to_owned(),
            official_tier: None,
            next_visit: None,
        };
        let registered = store.register_case(case).unwrap();
        let mut out = stdout.lock();
        writeln!(out, "ok {}", registered.tracking_code.as_string()).unwrap();
        out.flush().unwrap();
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Mounts, or says loudly why not.
fn mount(
    volume: &std::sync::Arc<std::sync::Mutex<outagefs::Volume>>,
    at: &Path,
) -> fuser::BackgroundSession {
    match outagefs::mount(volume.clone(), at) {
        Ok(session) => session,
        Err(e) => panic!(
            "POWER-LOSS TEST NOT RUN: cannot mount outagefs on {} ({e}); it needs /dev/fuse and \
             root or fusermount3 (apt-get install fuse3)",
            at.display()
        ),
    }
}

/// Waits until the mount answers (the background session starts asynchronously).
fn wait_mounted(at: &Path) {
    let control = at.join(outagefs::CONTROL_NAME);
    let start = Instant::now();
    while std::fs::metadata(&control).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "mount did not come up"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
#[ignore = "needs a FUSE mount (/dev/fuse + root or fusermount3), absent in CI containers: cargo test -p outagefs --test power_loss -- --ignored --nocapture"]
fn every_case_whose_registration_returned_survives_a_power_cut() {
    let rounds: u64 = std::env::var("POWER_LOSS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let volume = outagefs::Volume::shared();
    let mut rng = Rng(0x5eed_c0de);
    let mut returned: BTreeSet<String> = BTreeSet::new();
    let mut cut_files = 0;
    let key = DatabaseKey::generate();
    for round in 0..rounds {
        let session = mount(&volume, &mnt);
        wait_mounted(&mnt);
        let db = mnt.join("kiosk.db");
        // The store opens clean after the previous cut, with every case reported so far.
        {
            let store = Store::open(&db, &OpenOptions::encrypted(key.clone()))
                .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
            for code in &returned {
                let code = TrackingCode::parse(code).unwrap();
                assert!(
                    store.case_by_tracking_code(&code).unwrap().is_some(),
                    "round {round}: case {code} was registered (receipt printed) and is lost"
                );
            }
        }
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "writer_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(WRITER_DB, &db)
            .env(WRITER_SEED, round.to_string())
            .env(WRITER_KEY, key.to_hex().as_str())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(code) = line.strip_prefix("ok ") {
                    let _ = tx.send(code.to_owned());
                }
            }
        });
        std::thread::sleep(Duration::from_millis(20 + rng.below(400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        returned.extend(rx.try_iter());
        // The power goes: the volume is unmounted and everything unsynced is dropped.
        drop(session);
        cut_files += volume.lock().unwrap().power_cut();
    }
    // A last look, after the last cut.
    let session = mount(&volume, &mnt);
    wait_mounted(&mnt);
    let db = mnt.join("kiosk.db");
    let store = Store::open(&db, &OpenOptions::encrypted(key.clone())).unwrap();
    let mut found = 0;
    for code in &returned {
        if store
            .case_by_tracking_code(&TrackingCode::parse(code).unwrap())
            .unwrap()
            .is_some()
        {
            found += 1;
        }
    }
    let cases = store.counts().unwrap().cases;
    drop(store);
    let report = Store::check_with_key(&db, Some(&key)).unwrap();
    assert!(report.counts.is_some(), "integrity_check ok");
    assert!(report.encrypted, "the database is encrypted");
    drop(session);
    let stats = volume.lock().unwrap().stats();
    eprintln!(
        "power loss figures: rounds {rounds}, power cuts {}, files with dropped writes {cut_files}, \
         fsyncs {}, registrations returned {}, found after cuts {found}, lost {}, cases on disk \
         {cases}, {:.1} s",
        stats.cuts,
        stats.syncs,
        returned.len(),
        returned.len() - found,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(found, returned.len(), "cases lost");
    assert!(
        !returned.is_empty(),
        "no registration returned: nothing was tested"
    );
    assert!(cases >= returned.len() as u64);
}
