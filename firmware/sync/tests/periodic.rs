//! The relay's periodic jobs, compressed bodies, `Retry-After` dates, per-kiosk tokens and the
//! client built from the `[samad]` configuration section, all against the real simulator over
//! TLS on loopback. Time is injected ([`Relay::run_due`] is told "now"), never slept.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{KIOSK, client_settings, relay_settings, rig, rig_with};
use kiosk_sync::wire::PrinterHealth;
use kiosk_sync::{
    DeviceHealth, Job, MAX_RETRY_AFTER, Relay, RelayStats, Round, SamadClient, SyncError,
};
use samad_sim::faults::Fault;
use samad_sim::{SimConfig, SimStats};
use tokio::sync::watch;
use tokio::time::Instant;

fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn periodic_relay(rig: &common::Rig) -> Relay {
    let mut settings = relay_settings();
    settings.heartbeat_interval = Some(s(60));
    settings.catalogue_interval = Some(s(3600));
    settings.pull_interval = Some(s(300));
    // Exact intervals, so the test can name the second each job comes due (the ±10 % jitter of
    // the intervals is tested in periodic.rs).
    settings.jitter = false;
    Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeat_catalogue_and_events_run_on_their_intervals_with_injected_time() {
    let rig = rig().await;
    rig.register(1);
    rig.register(2);
    let (health_tx, health_rx) = watch::channel(DeviceHealth::default());
    // The firmware started a minute and a half before its relay.
    let started = std::time::Instant::now().checked_sub(s(90)).unwrap();
    let mut relay = periodic_relay(&rig)
        .with_health(health_rx)
        .with_started(started);
    let mut catalogue = relay.catalogue_updates();
    let stats = relay.stats();
    let sim = rig.sim.stats();
    let t0 = Instant::now();

    // At the start every job is due.
    let ran: Vec<Job> = relay
        .run_due(t0)
        .await
        .into_iter()
        .map(|(j, r)| {
            r.unwrap();
            j
        })
        .collect();
    assert_eq!(ran, [Job::Heartbeat, Job::Catalogue, Job::Events]);
    assert_eq!(SimStats::get(&sim.heartbeats), 1);
    assert_eq!(SimStats::get(&sim.catalogue_sent), 1);
    let update = catalogue.borrow_and_update().clone().unwrap();
    assert_eq!(update.etag, samad_sim::CATALOGUE_ETAG);
    assert_eq!(update.catalogue, samad_sim::catalogue());

    // The heartbeat carried the outbox: two cases waiting, the oldest some seconds old.
    let body: serde_json::Value = rig.sim.db(|db| db.last_heartbeat(KIOSK).unwrap().unwrap());
    assert_eq!(body["outbox"]["depth"], 2);
    assert_eq!(body["printer"]["state"], "offline");
    assert!(
        body["outbox"]["oldest_unsent_age_s"].as_u64().is_some(),
        "{body}"
    );
    assert!(body["uptime_s"].as_u64().unwrap() >= 90, "{body}");
    // Nothing answered yet when the first heartbeat went (the events are pulled after it).
    assert!(body.get("last_sync_at").is_none(), "{body}");
    assert_eq!(body["schema_version"], kiosk_store::LATEST_VERSION);

    // Nothing is due a second before the heartbeat interval.
    assert!(relay.run_due(t0 + s(59)).await.is_empty());
    // The firmware reports the printer out of paper; the next heartbeat says so.
    health_tx.send_replace(DeviceHealth {
        printer: PrinterHealth {
            state: "error".into(),
            paper: "out".into(),
        },
        firmware_version: "kiosk/9.9.9".into(),
    });
    let ran = relay.run_due(t0 + s(60)).await;
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].0, Job::Heartbeat);
    let body: serde_json::Value = rig.sim.db(|db| db.last_heartbeat(KIOSK).unwrap().unwrap());
    assert_eq!(body["printer"]["paper"], "out");
    assert_eq!(body["firmware_version"], "kiosk/9.9.9");
    assert_eq!(body["catalogue_version"], "sim-1");
    // The event pull of the first round was the last definite answer.
    let last_sync: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["last_sync_at"].clone()).unwrap();
    assert_eq!(Some(last_sync), stats.last_sync(), "{body}");
    assert!(
        (chrono::Utc::now() - last_sync).num_seconds() < 30,
        "{body}"
    );
    assert_eq!(SimStats::get(&sim.heartbeats), 2);

    // Events come back on their own interval.
    assert!(
        relay
            .run_due(t0 + s(299))
            .await
            .iter()
            .all(|(j, _)| *j != Job::Events)
    );
    let ran: Vec<Job> = relay
        .run_due(t0 + s(300))
        .await
        .into_iter()
        .map(|(j, _)| j)
        .collect();
    assert!(ran.contains(&Job::Events), "{ran:?}");

    // The catalogue check after an hour sends the ETag: 304, nothing new.
    let ran: Vec<Job> = relay
        .run_due(t0 + s(3600))
        .await
        .into_iter()
        .map(|(j, _)| j)
        .collect();
    assert!(ran.contains(&Job::Catalogue), "{ran:?}");
    assert_eq!(SimStats::get(&sim.catalogue_sent), 1);
    assert_eq!(SimStats::get(&sim.catalogue_not_modified), 1);
    assert!(!catalogue.has_changed().unwrap());
    assert_eq!(RelayStats::get(&stats.catalogue_checks), 2);
    assert_eq!(RelayStats::get(&stats.catalogues), 1);
}

/// The running relay beats once at its start, then not for an hour — except that a change of
/// the device's health (the printer ran out of paper) brings the next heartbeat forward to
/// now, carrying the new state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_health_change_is_reported_at_once_not_an_interval_later() {
    let rig = rig().await;
    let mut settings = relay_settings();
    settings.heartbeat_interval = Some(s(3600));
    let (health_tx, health_rx) = watch::channel(DeviceHealth::default());
    let relay = Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings)
        .with_health(health_rx)
        .spawn();
    let sim = rig.sim.stats();
    async fn wait_for(sim: &SimStats, n: u64) {
        let deadline = Instant::now() + s(10);
        while SimStats::get(&sim.heartbeats) < n {
            assert!(Instant::now() < deadline, "no heartbeat {n} in 10 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    wait_for(sim, 1).await;
    health_tx.send_replace(DeviceHealth {
        printer: PrinterHealth {
            state: "error".into(),
            paper: "out".into(),
        },
        firmware_version: "kiosk/test".into(),
    });
    wait_for(sim, 2).await;
    let body: serde_json::Value = rig.sim.db(|db| db.last_heartbeat(KIOSK).unwrap().unwrap());
    assert_eq!(body["printer"]["paper"], "out", "{body}");
    assert_eq!(body["printer"]["state"], "error", "{body}");
    // The firmware going away (its sender dropped) does not make the relay spin or beat.
    drop(health_tx);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(SimStats::get(&sim.heartbeats), 2);
    relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_is_kept_in_the_store_and_a_restart_asks_with_its_etag() {
    let rig = rig().await;
    let sim = rig.sim.stats();
    let mut first = periodic_relay(&rig);
    assert!(
        first.catalogue_updates().borrow().is_none(),
        "nothing kept yet"
    );
    assert!(first.refresh_catalogue().await.unwrap());
    assert_eq!(SimStats::get(&sim.catalogue_sent), 1);
    drop(first);

    // A restart (a new relay on the same database) starts from the kept catalogue, and its
    // first check is answered 304: the catalogue is not downloaded again.
    let mut second = periodic_relay(&rig);
    let kept = second.catalogue_updates().borrow().clone().unwrap();
    assert_eq!(kept.etag, samad_sim::CATALOGUE_ETAG);
    assert_eq!(kept.catalogue, samad_sim::catalogue());
    assert!(!second.refresh_catalogue().await.unwrap());
    assert_eq!(SimStats::get(&sim.catalogue_sent), 1);
    assert_eq!(SimStats::get(&sim.catalogue_not_modified), 1);
    drop(second);

    // A kept value that no longer reads is dropped with a warning and fetched again.
    rig.store
        .lock()
        .unwrap()
        .set_setting(kiosk_sync::CATALOGUE_SETTING, "{not json")
        .unwrap();
    let mut third = periodic_relay(&rig);
    assert!(third.catalogue_updates().borrow().is_none());
    assert!(third.refresh_catalogue().await.unwrap());
    assert_eq!(SimStats::get(&sim.catalogue_sent), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_heartbeat_backs_off_within_twice_its_interval_and_honours_a_retry_after_date() {
    let rig = rig().await;
    let mut settings = relay_settings();
    settings.heartbeat_interval = Some(s(60));
    settings.pull_interval = None;
    let mut relay = Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings);
    let t0 = Instant::now();
    rig.sim
        .faults(|f| f.script([Fault::Status { status: 502 }]));
    let ran = relay.run_due(t0).await;
    assert!(
        matches!(ran[0].1, Err(SyncError::Server { status: 502 })),
        "{ran:?}"
    );
    let schedule = relay.schedule().unwrap();
    assert_eq!(schedule.failures(Job::Heartbeat), 1);
    // The backoff window after one failure is 5 ms (test settings).
    assert!(schedule.next_of(Job::Heartbeat).unwrap() <= t0 + Duration::from_millis(5));

    // SAMAD is down for maintenance until a date 300 s ahead.
    rig.sim
        .faults(|f| f.script([Fault::UnavailableUntil { retry_after_s: 300 }]));
    let t1 = t0 + s(1);
    let ran = relay.run_due(t1).await;
    match &ran[0].1 {
        Err(SyncError::RateLimited {
            status: 503,
            retry_after: Some(wait),
        }) => assert!(*wait > s(295) && *wait <= s(300), "{wait:?}"),
        other => panic!("{other:?}"),
    }
    // The heartbeat's own wait is never longer than twice its interval…
    let next = relay.schedule().unwrap().next_of(Job::Heartbeat).unwrap();
    assert_eq!(next, t1 + s(120));
    // …but the server said when to come back, and the device's link holds every request until
    // then (one backoff per device, not one per job).
    let open_at = relay.link().not_before().unwrap();
    assert!(
        open_at > t1 + s(295) && open_at <= t1 + s(300),
        "{open_at:?}"
    );
    assert!(relay.run_due(t1 + s(120)).await.is_empty());
    assert!(
        relay
            .run_due(open_at - Duration::from_millis(1))
            .await
            .is_empty()
    );
    let ran = relay.run_due(open_at).await;
    assert!(ran[0].1.is_ok(), "{ran:?}");
    assert_eq!(relay.schedule().unwrap().failures(Job::Heartbeat), 0);
    assert!(!relay.link().is_down());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbox_round_waits_as_long_as_a_retry_after_date_says_clamped() {
    let rig = rig().await;
    rig.register(1);
    let mut relay = rig.relay();
    rig.sim
        .faults(|f| f.script([Fault::UnavailableUntil { retry_after_s: 30 }]));
    match relay.round().await.unwrap() {
        Round::Failed { wait } => assert!(wait > s(25) && wait <= s(30), "{wait:?}"),
        other => panic!("{other:?}"),
    }
    // The wait is stored with the item: nothing is claimable now.
    assert_eq!(relay.round().await.unwrap(), Round::Idle);
    rig.store.lock().unwrap().outbox_send_now().unwrap();
    // A date a day ahead is cut to the maximum.
    rig.sim.faults(|f| {
        f.script([Fault::UnavailableUntil {
            retry_after_s: 86_400,
        }])
    });
    match relay.round().await.unwrap() {
        Round::Failed { wait } => assert_eq!(wait, MAX_RETRY_AFTER),
        other => panic!("{other:?}"),
    }
    rig.store.lock().unwrap().outbox_send_now().unwrap();
    rig.drain(&mut relay, 10).await;
    assert_eq!(rig.sim_items(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_batches_go_gzip_compressed_and_the_simulator_takes_them() {
    let rig = rig_with(SimConfig {
        record_requests: true,
        ..SimConfig::default()
    })
    .await;
    let cases: Vec<_> = (0..40).map(|i| rig.register(i)).collect();
    let mut relay = rig.relay();
    rig.drain(&mut relay, 10).await;
    rig.assert_exactly_once(&cases);
    let sim = rig.sim.stats();
    let gz = SimStats::get(&sim.gzip_requests);
    assert!(gz >= 1, "no batch was compressed");
    // The recorded (decompressed) body is the JSON the client meant.
    let recorded = rig.sim.state().recorded.lock().unwrap().clone();
    let batch: kiosk_sync::wire::SubmitBatch = serde_json::from_slice(&recorded[0].body).unwrap();
    assert_eq!(batch.items.len(), 40);

    // A small body is sent as it is.
    let before = SimStats::get(&sim.gzip_requests);
    rig.register(100);
    rig.drain(&mut relay, 10).await;
    assert_eq!(SimStats::get(&sim.gzip_requests), before);

    // With the threshold at zero even a heartbeat is compressed; the simulator stores it.
    let mut settings = relay_settings();
    settings.heartbeat_interval = Some(s(60));
    settings.pull_interval = None;
    let mut tiny = Relay::new(
        Arc::clone(&rig.store),
        rig.client.clone().with_gzip_min_bytes(0),
        settings,
    );
    let ran = tiny.run_due(Instant::now()).await;
    assert!(ran[0].1.is_ok(), "{ran:?}");
    assert_eq!(SimStats::get(&sim.gzip_requests), before + 1);
    assert_eq!(SimStats::get(&sim.heartbeats), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_refuses_corrupt_gzip_and_unknown_encodings() {
    let rig = rig().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let settings = client_settings(&rig.sim, &rig.sim.pki().ca_pem, s(5));
    let tls = kiosk_sync::client_config(&settings.tls).unwrap();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap();
    let url = format!("{}/v1/kiosks/{KIOSK}/heartbeat", rig.sim.base_url());
    let send = |encoding: &'static str, body: &'static [u8]| {
        http.post(&url)
            .bearer_auth("sim-token")
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body)
            .send()
    };
    let corrupt = send("gzip", b"\x1f\x8b\x08\x00not gzip at all")
        .await
        .unwrap();
    assert!(corrupt.status().is_client_error(), "{}", corrupt.status());
    let unknown = send("br", b"{}").await.unwrap();
    assert_eq!(unknown.status(), 415);
    assert_eq!(SimStats::get(&rig.sim.stats().heartbeats), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_bound_to_one_kiosk_is_refused_on_another_kiosks_paths() {
    let rig = rig_with(SimConfig {
        kiosk_tokens: vec![(KIOSK, "token-42".into()), (7, "token-7".into())],
        ..SimConfig::default()
    })
    .await;
    let mut own = client_settings(&rig.sim, &rig.sim.pki().ca_pem, s(5));
    own.token = "token-42".into();
    let client = SamadClient::new(&own).unwrap();
    client.catalogue(None).await.unwrap();
    let mut other = own.clone();
    other.token = "token-7".into();
    let err = SamadClient::new(&other)
        .unwrap()
        .catalogue(None)
        .await
        .unwrap_err();
    match err {
        SyncError::Unauthorized {
            status: 403,
            reason,
        } => {
            assert!(reason.contains("kiosk 7"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(SimStats::get(&rig.sim.stats().forbidden), 1);
    let mut unknown = own.clone();
    unknown.token = "token-x".into();
    let err = SamadClient::new(&unknown)
        .unwrap()
        .catalogue(None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::Unauthorized { status: 401, .. }),
        "{err}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_and_relay_come_from_the_samad_section_and_errors_name_the_key() {
    let rig = rig().await;
    let dir = tempfile::tempdir().unwrap();
    let id = rig.sim.kiosk_identity(KIOSK).unwrap();
    write(dir.path(), "ca.pem", &rig.sim.pki().ca_pem);
    write(dir.path(), "kiosk.pem", &id.cert_pem);
    write(dir.path(), "kiosk.key", &id.key_pem);
    write(dir.path(), "token", "sim-token\n");
    let text = format!(
        "[kiosk]\nnumber = {KIOSK}\nagency = \"الف\"\ndesk = \"ب\"\n[samad]\nbase_url = \"{}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\ntoken_file = \"token\"\nbatch_max_items = 7\nrequest_timeout_s = 90\nheartbeat_interval_s = 30\n",
        rig.sim.base_url()
    );
    let config = kiosk_config::parse(&text, dir.path()).unwrap();
    let samad = config.samad.clone().unwrap();
    let client = SamadClient::from_config(&samad, config.kiosk_number.get()).unwrap();
    let settings = kiosk_sync::RelaySettings::from_config(&samad);
    assert_eq!(settings.limits.max_items, 7);
    assert_eq!(settings.heartbeat_interval, Some(s(30)));
    assert!(settings.lease >= s(180), "{:?}", settings.lease);
    let cases: Vec<_> = (0..10).map(|i| rig.register(i)).collect();
    let mut relay = Relay::new(Arc::clone(&rig.store), client, settings);
    rig.drain(&mut relay, 10).await;
    rig.assert_exactly_once(&cases);

    // Each unusable file is named by its key.
    let broken = |file: &str, text: &str| {
        let d = tempfile::tempdir().unwrap();
        for f in ["ca.pem", "kiosk.pem", "kiosk.key", "token"] {
            std::fs::copy(dir.path().join(f), d.path().join(f)).unwrap();
        }
        if text.is_empty() {
            std::fs::remove_file(d.path().join(file)).unwrap();
        } else {
            write(d.path(), file, text);
        }
        let config = kiosk_config::parse(&text_for(&rig), d.path()).unwrap();
        SamadClient::from_config(&config.samad.unwrap(), KIOSK)
            .unwrap_err()
            .to_string()
    };
    fn text_for(rig: &common::Rig) -> String {
        format!(
            "[kiosk]\nnumber = {KIOSK}\nagency = \"a\"\ndesk = \"b\"\n[samad]\nbase_url = \"{}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\ntoken_file = \"token\"\n",
            rig.sim.base_url()
        )
    }
    for (file, text, key) in [
        ("token", "", "samad.token_file"),
        ("token", "two words", "samad.token_file"),
        ("ca.pem", "not a certificate", "samad.ca_file"),
        ("ca.pem", "", "samad.ca_file"),
        (
            "kiosk.pem",
            "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
            "samad.client_cert_file",
        ),
        ("kiosk.key", "no key here", "samad.client_key_file"),
    ] {
        let err = broken(file, text);
        assert!(err.contains(key), "{file} {text:?}: {err}");
    }
}

/// A running relay with a case to send, a heartbeat and an event pull, and SAMAD down: one
/// request per backoff wait for all of it (the link), not a retry loop each; and once SAMAD
/// answers, the case goes first, within the link's wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_samad_is_down_the_outbox_and_the_jobs_share_one_backoff() {
    use samad_sim::faults::RandomFaults;
    let rig = rig().await;
    let mut settings = relay_settings();
    // Windows of 200, 400, 400… ms without jitter; jobs every 20 ms, so on their own loops
    // they would try dozens of times a second.
    settings.backoff = kiosk_sync::Backoff {
        base: Duration::from_millis(200),
        cap: Duration::from_millis(400),
    };
    settings.jitter = false;
    settings.heartbeat_interval = Some(Duration::from_millis(20));
    settings.pull_interval = Some(Duration::from_millis(20));
    let sim = rig.sim.stats();
    rig.sim.faults(|f| {
        f.randomly(RandomFaults {
            seed: 1,
            odds: vec![(Fault::Status { status: 503 }, 1000)],
        })
    });
    let case = rig.register(1);
    let handle = Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings).spawn();
    handle.wake();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Requests at 0, 0.2, 0.6, 1.0, 1.4 s: five (a little slack for a slow machine).
    let while_down = SimStats::get(&sim.requests);
    assert!(
        (2..=6).contains(&while_down),
        "{while_down} requests in 1.5 s down"
    );
    assert_eq!(rig.sim_items(), 0);
    rig.sim.faults(|f| f.clear());
    let back = Instant::now();
    while rig.sim_items() == 0 {
        assert!(
            back.elapsed() < Duration::from_secs(3),
            "the case did not arrive within 3 s of SAMAD's return"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // At most the link's current window (400 ms) after SAMAD came back.
    assert!(
        back.elapsed() <= Duration::from_millis(700),
        "{:?}",
        back.elapsed()
    );
    handle.shutdown().await;
    rig.assert_exactly_once(&[case]);
}

/// A server that answers but fails on a batch (a 500 for its content) is the batch's trouble,
/// not the link's: the heartbeat goes out at once instead of waiting out the backoff, and the
/// case follows after its own wait, alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_the_server_fails_on_does_not_silence_the_heartbeat() {
    let rig = rig().await;
    let mut settings = relay_settings();
    // Windows of 1.5 s without jitter: a closed link would hold the heartbeat that long.
    settings.backoff = kiosk_sync::Backoff {
        base: Duration::from_millis(1500),
        cap: Duration::from_millis(1500),
    };
    settings.jitter = false;
    settings.heartbeat_interval = Some(Duration::from_millis(50));
    let sim = rig.sim.stats();
    // The first request (the outbox goes first) is answered 500; the rest are served.
    rig.sim
        .faults(|f| f.script([Fault::Status { status: 500 }]));
    let case = rig.register(1);
    let handle = Relay::new(Arc::clone(&rig.store), rig.client.clone(), settings).spawn();
    handle.wake();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        SimStats::get(&sim.heartbeats) >= 1,
        "the heartbeat waited for the batch's backoff"
    );
    assert_eq!(rig.sim_items(), 0, "the case waits for its own backoff");
    let started = Instant::now();
    while rig.sim_items() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the case did not follow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.shutdown().await;
    rig.assert_exactly_once(&[case]);
}
