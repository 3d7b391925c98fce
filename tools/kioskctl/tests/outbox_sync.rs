//! `kioskctl outbox` and `kioskctl sync now` as operators use them: a real process on a real
//! kiosk database, and for `sync now` the real simulator over mutual TLS on loopback.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::{DateTime, Utc};
use kiosk_core::national_code::expected_check_digit;
use kiosk_core::{CaseKind, KioskNumber, NationalCode, NationalCodePolicy};
use kiosk_store::{ClaimLimits, DatabaseKey, NewCase, OpenOptions, Settlement, Store};
use serde_json::Value;
use uuid::Uuid;

fn kioskctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kioskctl"))
        .args(args)
        .output()
        .unwrap()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn case(n: u32) -> NewCase {
    let mut first_nine = [0u8; 9];
    let digits = format!("{:09}", 123_456_789 + n * 7);
    for (slot, b) in first_nine.iter_mut().zip(digits.bytes()) {
        *slot = b - b'0';
    }
    let check = expected_check_digit(&first_nine);
    NewCase {
        kiosk: KioskNumber::new(42).unwrap(),
        client_uuid: Uuid::new_v4(),
        kind: CaseKind::Complaint,
        subject_id: format!("SUBJ-{n}"),
        service_id: None,
        visitor: kiosk_core::VisitorId::from(
            NationalCode::parse(&format!("{digits}{check}"), &NationalCodePolicy::default())
                .unwrap(),
        ),
        phone: None,
        notice_consent_at: None,
        description: "متن".into(),
        registered_at: DateTime::<Utc>::from_timestamp_millis(1_761_373_800_000).unwrap(),
        due: None,
        unit: "روابط عمومی".into(),
        official_tier: None,
        next_visit: None,
    }
}

/// A database with `n` cases.
fn db_with(dir: &Path, n: u32) -> (std::path::PathBuf, Store) {
    let path = dir.join("kiosk.db");
    let mut store = Store::open(&path, &OpenOptions::default()).unwrap();
    for i in 0..n {
        store.register_case(case(i)).unwrap();
    }
    (path, store)
}

/// A database with `n` cases; the first one's outbox item parked with a reason.
fn db_with_parked(dir: &Path, n: u32) -> (std::path::PathBuf, Uuid) {
    let (path, mut store) = db_with(dir, n);
    let claim = store
        .claim_outbox(
            Utc::now(),
            chrono::Duration::seconds(1),
            ClaimLimits {
                max_items: 1,
                max_bytes: 1 << 20,
            },
        )
        .unwrap();
    let item = &claim.items[0];
    store
        .settle_outbox(
            claim.token,
            &[(
                item.id,
                Settlement::Park {
                    reason: "SAMAD refused the item (422): subject_id SUBJ-0 is unknown".into(),
                },
            )],
            Utc::now(),
        )
        .unwrap();
    store.close().unwrap();
    (path, item.item_uuid)
}

#[test]
fn outbox_status_shows_depth_and_parked_items_with_reasons_and_retry_unparks_one() {
    let dir = tempfile::tempdir().unwrap();
    let (db, parked) = db_with_parked(dir.path(), 3);
    let db = db.to_str().unwrap();

    let out = kioskctl(&["outbox", "status", db, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let status = json_of(&out);
    assert_eq!(status["pending"], 2);
    assert_eq!(status["parked"], 1);
    assert_eq!(status["parked_items"][0]["item"], parked.to_string());
    assert_eq!(
        status["parked_items"][0]["tracking_code"],
        "1000420000000011"
    );
    assert!(status["oldest_pending_age_s"].as_i64().unwrap() > 0);
    let text = String::from_utf8(kioskctl(&["outbox", "status", db]).stdout).unwrap();
    assert!(text.starts_with("outbox: 2 pending (oldest "), "{text}");
    assert!(
        text.contains("1000 4200 0000 0011") && text.contains("SUBJ-0 is unknown"),
        "{text}"
    );
    // No national code or description ever appears.
    assert!(
        !text.contains("متن") && !status.to_string().contains("national"),
        "{text}"
    );

    let out = kioskctl(&["outbox", "retry", db, &parked.to_string(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out)["result"], "unparked");
    let status = json_of(&kioskctl(&["outbox", "status", db, "--json"]));
    assert_eq!(
        (status["pending"].as_u64(), status["parked"].as_u64()),
        (Some(3), Some(0))
    );

    let unknown = kioskctl(&["outbox", "retry", db, &Uuid::new_v4().to_string()]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no outbox item"));
    assert_eq!(
        kioskctl(&["outbox", "retry", db, "not-a-uuid"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn outbox_status_never_creates_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.db");
    let out = kioskctl(&["outbox", "status", missing.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        json_of(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("no database")
    );
    assert!(!missing.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_now_sends_the_outbox_to_samad_over_mutual_tls_and_refuses_a_wrong_ca() {
    let sim = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = db_with_parked(dir.path(), 4);
    let id = sim.kiosk_identity(42).unwrap();
    let files = [
        ("ca.pem", sim.pki().ca_pem.clone()),
        ("kiosk.pem", id.cert_pem),
        ("kiosk.key", id.key_pem),
        ("token", "sim-token\n".to_owned()),
        (
            "other-ca.pem",
            samad_sim::pki::TestPki::generate(&["localhost"])
                .unwrap()
                .ca_pem,
        ),
    ];
    for (name, text) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let arg = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let url = sim.base_url();
    let run = |ca: String| {
        let args = vec![
            "sync".to_owned(),
            "now".into(),
            "--db".into(),
            db.to_str().unwrap().to_owned(),
            "--url".into(),
            url.clone(),
            "--kiosk".into(),
            "42".into(),
            "--ca".into(),
            ca,
            "--cert".into(),
            arg("kiosk.pem"),
            "--key".into(),
            arg("kiosk.key"),
            "--token-file".into(),
            arg("token"),
            "--timeout-s".into(),
            "5".into(),
            "--json".into(),
        ];
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_kioskctl"))
                .args(&args)
                .output()
                .unwrap()
        })
    };

    let refused = run(arg("other-ca.pem")).await.unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let reason = json_of(&refused)["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("no answer from SAMAD"), "{reason}");
    assert_eq!(sim.db(|db| db.item_count().unwrap()), 0);

    let out = run(arg("ca.pem")).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let result = json_of(&out);
    assert_eq!(result["sent"], 3);
    assert_eq!(result["pending"], 0);
    assert_eq!(result["parked"], 1);
    assert_eq!(sim.db(|db| db.item_count().unwrap()), 3);
}

/// Writes the simulator's CA, a kiosk identity and the token into `dir`; returns the
/// `sync now` arguments for `db`.
fn sync_args(sim: &samad_sim::SimHandle, dir: &Path, db: &Path, lease_s: u32) -> Vec<String> {
    let id = sim.kiosk_identity(42).unwrap();
    for (name, text) in [
        ("ca.pem", sim.pki().ca_pem.as_str()),
        ("kiosk.pem", id.cert_pem.as_str()),
        ("kiosk.key", id.key_pem.as_str()),
        ("token", "sim-token"),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    [
        "sync",
        "now",
        "--db",
        db.to_str().unwrap(),
        "--url",
        &sim.base_url(),
        "--kiosk",
        "42",
        "--ca",
        &path("ca.pem"),
        "--cert",
        &path("kiosk.pem"),
        "--key",
        &path("kiosk.key"),
        "--token-file",
        &path("token"),
        "--timeout-s",
        "5",
        "--lease-s",
        &lease_s.to_string(),
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_with_sigkill_200_times_while_answers_are_dropped_sends_each_case_once() {
    let sim = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    sim.faults(|f| {
        f.randomly(samad_sim::faults::RandomFaults {
            seed: 7,
            odds: vec![
                (samad_sim::faults::Fault::DropAfterCommit, 250),
                (samad_sim::faults::Fault::Delay { ms: 15 }, 250),
                (samad_sim::faults::Fault::Reset, 50),
            ],
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let cases = 300;
    let (db, store) = db_with(dir.path(), cases);
    store.close().unwrap();
    let args = sync_args(&sim, dir.path(), &db, 1);

    let killer_args = args.clone();
    let killer_db = db.clone();
    let kills = tokio::task::spawn_blocking(move || {
        // The kiosk keeps registering while its relay is killed again and again.
        let mut kiosk = Store::open(&killer_db, &OpenOptions::default()).unwrap();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut killed_running = 0;
        for round in 0..200 {
            kiosk.register_case(case(cases + 2 * round)).unwrap();
            kiosk.register_case(case(cases + 2 * round + 1)).unwrap();
            let mut child = Command::new(env!("CARGO_BIN_EXE_kioskctl"))
                .args(&killer_args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            std::thread::sleep(std::time::Duration::from_millis(25 + x % 50));
            if child.try_wait().unwrap().is_none() {
                killed_running += 1;
            }
            // SIGKILL: no destructor, no rollback, no settle.
            child.kill().unwrap_or(());
            child.wait().unwrap();
        }
        killed_running
    })
    .await
    .unwrap();
    assert!(
        kills >= 100,
        "only {kills} of 200 runs were killed while running"
    );
    let cases = cases + 400;

    // Leases of the killed runs run out; runs to the end then finish the job.
    sim.faults(|f| f.clear());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let last = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_kioskctl"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        last.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&last.stdout)
    );
    let result = json_of(&last);
    assert_eq!(
        (result["pending"].as_u64(), result["parked"].as_u64()),
        (Some(0), Some(0))
    );

    assert_eq!(sim.db(|db| db.item_count().unwrap()), u64::from(cases));
    assert_eq!(
        sim.db(|db| db.distinct_tracking_codes().unwrap()),
        u64::from(cases)
    );
    let store = Store::open(&db, &OpenOptions::default()).unwrap();
    for n in 0..cases {
        let code =
            kiosk_core::TrackingCode::new(KioskNumber::new(42).unwrap(), u64::from(n) + 1).unwrap();
        let stored = store.case_by_tracking_code(&code).unwrap().unwrap();
        assert!(
            stored.samad_number.is_some(),
            "case {n} has no SAMAD number"
        );
        assert_eq!(sim.db(|db| db.copies_of(stored.client_uuid).unwrap()), 1);
    }
    let stats = sim.stats();
    let (requests, replays) = (
        samad_sim::SimStats::get(&stats.requests),
        samad_sim::SimStats::get(&stats.replayed),
    );
    eprintln!("kill test: {kills} runs killed mid-way; {requests} requests, {replays} replays");
    // The kills landed while sending, and answers were lost after commits: there was
    // something to get wrong.
    // (On a loaded machine many runs die before their first request; 20 is a floor.)
    assert!(
        requests >= 20,
        "only {requests} requests reached the simulator"
    );
    assert!(replays >= 10, "only {replays} replays");
}

/// A kiosk.toml whose data dir is `dir` and whose `[samad]` section points at `url` with the
/// certificate files in `dir`.
fn config_with_samad(dir: &Path, url: &str) -> std::path::PathBuf {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nnumber = 42\nagency = \"الف\"\ndesk = \"ب\"\ndata_dir = \"{}\"\n[samad]\nbase_url = \"{url}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\ntoken_file = \"token\"\n",
            dir.display()
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_and_sync_now_take_the_kiosk_config() {
    let sim = samad_sim::start(samad_sim::SimConfig::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = db_with(dir.path(), 5);
    store.close().unwrap();
    // As the firmware keeps it: encrypted with the key the configuration names (its default,
    // keys/db.key under the data directory); kioskctl takes the key from there.
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    let key = DatabaseKey::generate();
    key.write_new(&dir.path().join("keys/db.key")).unwrap();
    Store::open(&path, &OpenOptions::encrypted(key))
        .unwrap()
        .close()
        .unwrap();
    let id = sim.kiosk_identity(42).unwrap();
    for (name, text) in [
        ("ca.pem", sim.pki().ca_pem.as_str()),
        ("kiosk.pem", id.cert_pem.as_str()),
        ("kiosk.key", id.key_pem.as_str()),
        ("token", "sim-token\n"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let config = config_with_samad(dir.path(), &sim.base_url());
    let config = config.to_str().unwrap().to_owned();

    let status = json_of(&kioskctl(&[
        "outbox", "status", "--config", &config, "--json",
    ]));
    assert_eq!(status["pending"], 5);
    let config2 = config.clone();
    let out = tokio::task::spawn_blocking(move || {
        kioskctl(&["sync", "now", "--config", &config2, "--json"])
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    assert_eq!(
        (report["sent"].as_u64(), report["pending"].as_u64()),
        (Some(5), Some(0))
    );
    assert_eq!(sim.db(|db| db.item_count().unwrap()), 5);
    let status = json_of(&kioskctl(&[
        "outbox", "status", "--config", &config, "--json",
    ]));
    assert_eq!(status["pending"], 0);

    // Retry by id with --config; an unknown id is refused as before.
    let out = kioskctl(&[
        "outbox",
        "retry",
        "--config",
        &config,
        &Uuid::new_v4().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    // --config with a database path too, or with connection flags, is a usage error.
    assert_eq!(
        kioskctl(&["outbox", "status", "x.db", "--config", &config])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        kioskctl(&["sync", "now", "--config", &config, "--url", "https://x"])
            .status
            .code(),
        Some(2)
    );
    // A broken configuration names its key.
    std::fs::remove_file(dir.path().join("token")).unwrap();
    let out = kioskctl(&["sync", "now", "--config", &config, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        json_of(&out)["reason"]
            .as_str()
            .unwrap()
            .contains("samad.token_file"),
        "{}",
        json_of(&out)
    );
    let bare = dir.path().join("bare.toml");
    std::fs::write(
        &bare,
        "[kiosk]\nnumber = 42\nagency = \"a\"\ndesk = \"b\"\n",
    )
    .unwrap();
    let out = kioskctl(&["sync", "now", "--config", bare.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [samad] section"));
    sim.shutdown().await;
}
