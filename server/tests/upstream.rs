//! The upstream to SAMAD against a real PostgreSQL cluster and the real SAMAD simulator over
//! HTTPS (mutual TLS, the shared token) in-process: items relayed exactly once, two relay
//! loops on one database sending no item twice, 5xx and 429 answered with the right waits,
//! poison items parked with SAMAD's reason, a crash between send and settle answered as a
//! replay, and SAMAD's events pulled into `case_events` with the cursor advanced.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use agency_server::upstream::{self, Upstream, UpstreamSettings};
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use kiosk_sync::Backoff;
use kiosk_sync::wire::{EventType, ItemType};
use samad_sim::faults::{Fault, RandomFaults};
use samad_sim::{SimConfig, SimHandle, SimStats};
use serde_json::{Value, json};
use support::{Office, case_with_id, national_code};
use uuid::Uuid;

/// The office's database and SAMAD.
struct Rig {
    office: Office,
    sim: SimHandle,
}

async fn rig_with(config: SimConfig) -> Rig {
    let sim = samad_sim::start(config).await.unwrap();
    Rig {
        office: Office::new().await,
        sim,
    }
}

async fn rig() -> Rig {
    rig_with(SimConfig::default()).await
}

impl Rig {
    /// The agency's one identity (a client certificate of SAMAD's CA), the shared token, short
    /// waits.
    fn settings(&self) -> UpstreamSettings {
        let mut s = support::samad_upstream(&self.sim);
        s.connect_timeout = Duration::from_secs(2);
        s.request_timeout = Duration::from_secs(5);
        s.lease = Duration::from_secs(30);
        s.backoff = Backoff {
            base: Duration::from_millis(50),
            cap: Duration::from_millis(400),
        };
        s.poll_interval = Duration::from_millis(20);
        s.event_pull_interval = None;
        s.batch_items = 5;
        s.claim_items = 40;
        s
    }

    fn pool(&self) -> &Pool {
        &self.office.pool
    }

    fn stat(&self, counter: impl Fn(&SimStats) -> &std::sync::atomic::AtomicU64) -> u64 {
        SimStats::get(counter(self.sim.stats()))
    }

    fn sim_items(&self) -> u64 {
        self.sim.db(|db| db.item_count().unwrap())
    }
}

/// A valid national code of case `seq`.
fn national(seq: u64) -> String {
    national_code(&format!("{:09}", 123_456_000 + seq))
}

/// A case of `kiosk` (number `seq`) in `cases` and in the upstream outbox, as the device
/// contract's ingest writes them; returns its key and tracking code.
async fn add_case(pool: &Pool, kiosk: u32, seq: u64) -> (Uuid, String) {
    add_case_with(pool, kiosk, seq, |_| {}, true).await
}

/// [`add_case`] with the payload changed by `edit`, and in `cases` only when `in_cases`.
async fn add_case_with(
    pool: &Pool,
    kiosk: u32,
    seq: u64,
    edit: impl FnOnce(&mut Value),
    in_cases: bool,
) -> (Uuid, String) {
    let id = Uuid::new_v4();
    let mut payload = case_with_id(id, kiosk, seq, &national(seq))["payload"].clone();
    edit(&mut payload);
    let code = payload["tracking_code"].as_str().unwrap().to_owned();
    let client = pool.get().await.unwrap();
    let k = i32::try_from(kiosk).unwrap();
    if in_cases {
        let at: DateTime<Utc> = "2026-11-23T03:00:00Z".parse().unwrap();
        client
            .execute(
                "INSERT INTO cases (tracking_code, kiosk_number, item_id, national_code, kind,
                     registered_at, payload)
                 VALUES ($1, $2, $3, $4, 'complaint', $5, $6)",
                &[&code, &k, &id, &national(seq), &at, &payload],
            )
            .await
            .unwrap();
    }
    outbox(pool, kiosk, id, "case", &payload).await;
    (id, code)
}

/// An item in the upstream outbox.
async fn outbox(pool: &Pool, kiosk: u32, id: Uuid, item_type: &str, payload: &Value) {
    let client = pool.get().await.unwrap();
    client
        .execute(
            "INSERT INTO upstream_outbox (kiosk_number, item_id, item_type, payload)
             VALUES ($1, $2, $3, $4)",
            &[&i32::try_from(kiosk).unwrap(), &id, &item_type, payload],
        )
        .await
        .unwrap();
}

/// A service, rating or meeting of `kiosk`.
async fn add_item(pool: &Pool, kiosk: u32, item_type: &str, n: u32) -> Uuid {
    let id = Uuid::new_v4();
    let payload = json!({ "kiosk_number": kiosk, "n": n, "note": "بدون نام" });
    outbox(pool, kiosk, id, item_type, &payload).await;
    id
}

/// Rows of the outbox: (item_id, state, attempts, remote_id, last_error), by id.
async fn rows(pool: &Pool) -> Vec<(Uuid, String, i32, Option<String>, Option<String>)> {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT item_id, state, attempts, remote_id, last_error FROM upstream_outbox
             ORDER BY id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

async fn pending(pool: &Pool) -> i64 {
    upstream::status(pool, 0).await.unwrap().pending
}

/// Rounds until nothing is pending (sleeping briefly when nothing is due); panics after `limit`.
async fn drain(up: &Upstream, pool: &Pool, limit: Duration) {
    let until = Instant::now() + limit;
    loop {
        let r = up.round().await.unwrap();
        if pending(pool).await == 0 {
            return;
        }
        assert!(Instant::now() < until, "still pending after {limit:?}");
        if r.claimed == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Waits until nothing is pending (the loops do the work).
async fn wait_drained(pool: &Pool, limit: Duration) -> Duration {
    let started = Instant::now();
    while pending(pool).await > 0 {
        assert!(started.elapsed() < limit, "still pending after {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

#[tokio::test]
async fn items_are_relayed_once_in_batches_per_kiosk_with_samads_numbers() {
    let rig = rig().await;
    let pool = rig.pool();
    let mut seq = 0;
    for kiosk in [11, 12, 13] {
        for _ in 0..7 {
            seq += 1;
            add_case(pool, kiosk, seq).await;
        }
        for (n, kind) in ["service", "service", "rating", "rating", "meeting"]
            .into_iter()
            .enumerate()
        {
            add_item(pool, kiosk, kind, u32::try_from(n).unwrap()).await;
        }
    }
    let up = Upstream::new(pool.clone(), rig.settings());
    let report = up.round().await.unwrap();
    // One round: 36 items claimed, 12 per kiosk in batches of 5, 5 and 2.
    assert_eq!(report.claimed, 36, "{report:?}");
    assert_eq!(report.done, 36, "{report:?}");
    assert_eq!(rig.stat(|s| &s.requests), 9);
    assert_eq!(upstream::UpstreamStats::get(&up.stats().batches), 9);

    let status = upstream::status(pool, 10).await.unwrap();
    assert_eq!((status.pending, status.done, status.parked), (0, 36, 0));
    assert_eq!(status.oldest_pending_age_s, None);
    for (id, state, attempts, remote, error) in rows(pool).await {
        assert_eq!(state, "done");
        assert_eq!(attempts, 1);
        assert_eq!(error, None);
        let remote = remote.expect("SAMAD's number kept");
        assert!(remote.starts_with("SMD-000"), "{remote}");
        assert_eq!(rig.sim.db(|db| db.copies_of(id).unwrap()), 1);
    }
    assert_eq!(rig.sim_items(), 36);
    assert_eq!(rig.stat(|s| &s.created), 36);
    assert_eq!(rig.stat(|s| &s.replayed), 0);

    // Nothing more to send: nothing is sent.
    let again = up.round().await.unwrap();
    assert_eq!(again.claimed, 0);
    assert_eq!(rig.stat(|s| &s.requests), 9);
}

#[tokio::test]
async fn two_relay_loops_on_two_pools_share_the_outbox_and_send_no_item_twice() {
    let rig = rig().await;
    let pool = rig.pool();
    let mut seq = 0;
    for kiosk in [21, 22, 23, 24] {
        for n in 0..60 {
            if n % 3 == 0 {
                seq += 1;
                add_case(pool, kiosk, seq).await;
            } else {
                add_item(pool, kiosk, "rating", n).await;
            }
        }
    }
    // Slow answers now and then, so both loops are mid-send together.
    rig.sim.faults(|p| {
        p.randomly(RandomFaults {
            seed: 18,
            odds: vec![(Fault::Delay { ms: 15 }, 500)],
        });
    });
    let mut settings = rig.settings();
    settings.claim_items = 10;
    settings.batch_items = 5;
    settings.concurrency = 2;
    let pool_a = agency_server::db::pool(&rig.office.conninfo, 4).unwrap();
    let pool_b = agency_server::db::pool(&rig.office.conninfo, 4).unwrap();
    let a = Upstream::new(pool_a, settings.clone()).spawn();
    let b = Upstream::new(pool_b, settings).spawn();
    let took = wait_drained(pool, Duration::from_secs(60)).await;
    let get = upstream::UpstreamStats::get;
    let (done_a, done_b) = (get(&a.stats().done), get(&b.stats().done));
    let lost = get(&a.stats().lost_leases) + get(&b.stats().lost_leases);
    a.shutdown().await;
    b.shutdown().await;
    eprintln!(
        "240 items by two loops in {took:?}: {done_a} + {done_b} settled, {} requests, {} \
         delayed",
        rig.stat(|s| &s.requests),
        rig.stat(|s| &s.faults)
    );
    assert_eq!(done_a + done_b, 240);
    assert!(
        done_a > 0 && done_b > 0,
        "both loops worked: {done_a} {done_b}"
    );
    assert_eq!(lost, 0);
    assert_eq!(rig.stat(|s| &s.created), 240);
    assert_eq!(rig.stat(|s| &s.replayed), 0, "no item was sent twice");
    assert_eq!(rig.stat(|s| &s.conflicts), 0);
    assert_eq!(rig.sim_items(), 240);
    assert!(rows(pool).await.iter().all(|r| r.1 == "done" && r.2 == 1));
}

#[tokio::test]
async fn a_5xx_then_recovery_is_delivered_after_the_backoff() {
    let rig = rig().await;
    let pool = rig.pool();
    for seq in 1..=3 {
        add_case(pool, 31, seq).await;
    }
    rig.sim.faults(|p| {
        p.script([Fault::Status { status: 500 }, Fault::Status { status: 502 }]);
    });
    let mut settings = rig.settings();
    // The whole window, so the wait can be measured: 200 ms after the first failure, 400 ms
    // after the second.
    settings.jitter = false;
    settings.backoff = Backoff {
        base: Duration::from_millis(200),
        cap: Duration::from_secs(2),
    };
    let started = Instant::now();
    let handle = Upstream::new(pool.clone(), settings).spawn();
    let took = wait_drained(pool, Duration::from_secs(20)).await;
    handle.shutdown().await;
    eprintln!("delivered after 500 and 502 in {took:?} (backoff 200 + 400 ms)");
    assert!(started.elapsed() >= Duration::from_millis(590), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    for (_, state, attempts, remote, error) in rows(pool).await {
        assert_eq!(state, "done");
        assert_eq!(attempts, 3, "two failures, then delivered");
        assert!(remote.is_some());
        let error = error.unwrap_or_default();
        assert!(error.contains("502"), "the last failure is kept: {error}");
    }
    assert_eq!(rig.stat(|s| &s.requests), 3);
    assert_eq!(rig.stat(|s| &s.created), 3);
    assert_eq!(rig.sim_items(), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let rig = rig().await;
    let pool = rig.pool();
    for seq in 1..=3 {
        add_case(pool, 41, seq).await;
    }
    rig.sim
        .faults(|p| p.script([Fault::RateLimit { retry_after_s: 2 }]));
    // Without Retry-After the next attempt would come within 50 ms.
    let up = Upstream::new(pool.clone(), rig.settings());
    let first = up.round().await.unwrap();
    let refused_at = Instant::now();
    assert_eq!(first.retried, 3, "{first:?}");
    let client = pool.get().await.unwrap();
    let waits: Vec<f64> = client
        .query(
            "SELECT EXTRACT(EPOCH FROM next_attempt_at - now())::float8 FROM upstream_outbox",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(waits.iter().all(|w| (1.5..=2.1).contains(w)), "{waits:?}");
    let error = rows(pool).await[0].4.clone().unwrap_or_default();
    assert!(error.contains("429"), "{error}");

    let handle = up.clone().spawn();
    wait_drained(pool, Duration::from_secs(20)).await;
    let waited = refused_at.elapsed();
    handle.shutdown().await;
    eprintln!("429 Retry-After: 2 → delivered {waited:?} after the refusal");
    assert!(waited >= Duration::from_millis(1900), "{waited:?}");
    assert!(waited < Duration::from_secs(6), "{waited:?}");
    assert_eq!(rig.stat(|s| &s.requests), 2);
    assert_eq!(rig.stat(|s| &s.created), 3);
}

#[tokio::test]
async fn refused_items_are_parked_with_samads_reason_while_the_others_go_through() {
    let rig = rig_with(SimConfig {
        refused_subjects: vec!["SUBJ-BAD".to_owned()],
        ..SimConfig::default()
    })
    .await;
    let pool = rig.pool();
    for seq in 1..=4 {
        add_case(pool, 51, seq).await;
    }
    // 422: a subject SAMAD does not take.
    let (bad_case, _) =
        add_case_with(pool, 51, 5, |p| p["subject_id"] = json!("SUBJ-BAD"), true).await;
    // 422: a rating that names another kiosk than its path.
    let strays = Uuid::new_v4();
    outbox(
        pool,
        51,
        strays,
        "rating",
        &json!({ "kiosk_number": 52, "score": 4 }),
    )
    .await;
    // 409: a key SAMAD already holds with another body.
    let reused = Uuid::new_v4();
    rig.sim.db(|db| {
        db.submit(
            51,
            &[(reused, ItemType::Rating, json!({ "score": 1 }))],
            &[],
        )
        .unwrap()
    });
    outbox(pool, 51, reused, "rating", &json!({ "score": 5 })).await;
    let fine = add_item(pool, 51, "rating", 1).await;

    let up = Upstream::new(pool.clone(), rig.settings());
    drain(&up, pool, Duration::from_secs(10)).await;

    let status = upstream::status(pool, 10).await.unwrap();
    assert_eq!((status.pending, status.done, status.parked), (0, 5, 3));
    let reason = |id: Uuid| {
        status
            .parked_items
            .iter()
            .find(|p| p.item_id == id)
            .and_then(|p| p.reason.clone())
            .unwrap_or_default()
    };
    let r = reason(bad_case);
    assert!(r.contains("422") && r.contains("SUBJ-BAD"), "{r}");
    let r = reason(strays);
    assert!(
        r.contains("422") && r.contains("differs from the kiosk"),
        "{r}"
    );
    let r = reason(reused);
    assert!(r.contains("409") && r.contains("different body"), "{r}");
    assert!(
        rows(pool)
            .await
            .iter()
            .any(|row| row.0 == fine && row.1 == "done")
    );
    // The four good cases and the fine rating; the reused key was put into SAMAD's database
    // directly (not counted as an answer).
    assert_eq!(rig.stat(|s| &s.created), 5);
    assert_eq!(rig.sim_items(), 6);

    // The operator's view, through the binary.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agency-server"))
        .args(["--database", &rig.office.conninfo, "upstream-status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(text.contains("pending 0"), "{text}");
    assert!(text.contains("done 5, parked 3"), "{text}");
    assert!(text.contains(&format!("{reused}")), "{text}");
    assert!(text.contains("different body"), "{text}");
}

#[tokio::test]
async fn a_batch_refused_as_a_whole_is_sent_item_by_item_to_find_the_bad_one() {
    let rig = rig_with(SimConfig {
        refused_subjects: vec!["SUBJ-BAD".to_owned()],
        ..SimConfig::default()
    })
    .await;
    let pool = rig.pool();
    for seq in 1..=2 {
        add_case(pool, 61, seq).await;
    }
    let (bad, _) = add_case_with(pool, 61, 3, |p| p["subject_id"] = json!("SUBJ-BAD"), true).await;
    for seq in 4..=5 {
        add_case(pool, 61, seq).await;
    }
    // The whole batch refused (as a proxy or a body check would).
    rig.sim
        .faults(|p| p.script([Fault::Status { status: 400 }]));
    let up = Upstream::new(pool.clone(), rig.settings());
    let report = up.round().await.unwrap();
    assert_eq!((report.done, report.parked), (4, 1), "{report:?}");
    // One batch refused, then each of its 5 items alone.
    assert_eq!(rig.stat(|s| &s.requests), 6);
    for (id, state, attempts, _, error) in rows(pool).await {
        assert_eq!(attempts, 1);
        if id == bad {
            assert_eq!(state, "parked");
            assert!(error.unwrap_or_default().contains("SUBJ-BAD"));
        } else {
            assert_eq!(state, "done");
        }
    }
}

#[tokio::test]
async fn a_crash_between_send_and_settle_is_answered_as_a_replay_and_settled_once() {
    let rig = rig().await;
    let pool = rig.pool();
    for seq in 1..=4 {
        add_case(pool, 71, seq).await;
    }
    // SAMAD commits, then the answer is lost.
    rig.sim.faults(|p| p.script([Fault::DropAfterCommit]));
    let up = Upstream::new(pool.clone(), rig.settings());
    let lost = up.round().await.unwrap();
    assert_eq!(lost.retried, 4, "{lost:?}");
    assert_eq!(rig.stat(|s| &s.created), 4);
    drain(&up, pool, Duration::from_secs(10)).await;
    assert_eq!(rig.stat(|s| &s.replayed), 4, "the resend answered 200");
    assert_eq!(rig.sim_items(), 4);
    let first: Vec<_> = rows(pool).await;
    assert!(first.iter().all(|r| r.1 == "done" && r.3.is_some()));

    // A server that sent and died before settling: the items are still pending under a
    // lease that has run out.
    let client = pool.get().await.unwrap();
    client
        .execute(
            "UPDATE upstream_outbox SET state = 'pending', remote_id = NULL, done_at = NULL,
                 leased_until = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    let again = up.round().await.unwrap();
    assert_eq!((again.claimed, again.done), (4, 4), "{again:?}");
    assert_eq!(rig.stat(|s| &s.replayed), 8);
    assert_eq!(rig.stat(|s| &s.created), 4, "no duplicate at SAMAD");
    assert_eq!(rig.sim_items(), 4);
    let second = rows(pool).await;
    for (before, after) in first.iter().zip(&second) {
        assert_eq!(after.1, "done");
        assert_eq!(before.3, after.3, "the same SAMAD number");
        assert_eq!(rig.sim.db(|db| db.copies_of(after.0).unwrap()), 1);
    }
}

/// SAMAD's number of each outbox item.
async fn remote_ids(pool: &Pool) -> std::collections::HashMap<Uuid, String> {
    rows(pool)
        .await
        .into_iter()
        .filter_map(|r| Some((r.0, r.3?)))
        .collect()
}

async fn event_count(pool: &Pool) -> i64 {
    let client = pool.get().await.unwrap();
    client
        .query_one("SELECT count(*) FROM case_events", &[])
        .await
        .unwrap()
        .get(0)
}

async fn cursors(pool: &Pool) -> Vec<(i32, String)> {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT kiosk_number, cursor FROM upstream_cursors ORDER BY kiosk_number",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn events_are_pulled_into_case_events_once_and_the_cursor_advances() {
    let rig = rig().await;
    let pool = rig.pool();
    let (a, code_a) = add_case(pool, 81, 1).await;
    let (b, code_b) = add_case(pool, 81, 2).await;
    // A case SAMAD has but this server does not (its events are skipped).
    let (c, _) = add_case_with(pool, 81, 3, |_| {}, false).await;
    let (d, code_d) = add_case(pool, 82, 4).await;
    let mut settings = rig.settings();
    // Pages of two: the pull pages through.
    settings.event_page = 2;
    let up = Upstream::new(pool.clone(), settings.clone());
    drain(&up, pool, Duration::from_secs(10)).await;
    let numbers = remote_ids(pool).await;

    let at: DateTime<Utc> = "2026-11-24T06:30:00.123Z".parse().unwrap();
    let add = |id: Uuid, kind: EventType, notes: Option<&str>| {
        let number = numbers[&id].clone();
        rig.sim.db(|db| {
            db.add_event(&number, kind, at, "اداره ثبت", "کارشناس ۱", notes)
                .unwrap()
                .unwrap()
        })
    };
    let first = add(a, EventType::Referral, Some("ارجاع به واحد"));
    add(a, EventType::Action, None);
    add(a, EventType::Answer, Some("پاسخ داده شد"));
    add(b, EventType::Closed, None);
    add(c, EventType::Referral, None);
    add(d, EventType::Answer, None);

    let inserted = up.pull_events().await.unwrap();
    assert_eq!(inserted, 5, "c's event skipped");
    assert_eq!(event_count(pool).await, 5);
    assert_eq!(upstream::UpstreamStats::get(&up.stats().events_skipped), 1);
    let client = pool.get().await.unwrap();
    let row = client
        .query_one(
            "SELECT tracking_code, event_type, happened_at, unit, person, notes, seq
             FROM case_events WHERE event_id = $1",
            &[&first],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), code_a);
    assert_eq!(row.get::<_, String>(1), "referral");
    assert_eq!(row.get::<_, DateTime<Utc>>(2), at);
    assert_eq!(row.get::<_, String>(3), "اداره ثبت");
    assert_eq!(row.get::<_, String>(4), "کارشناس ۱");
    assert_eq!(
        row.get::<_, Option<String>>(5).as_deref(),
        Some("ارجاع به واحد")
    );
    assert!(row.get::<_, i64>(6) > 0);
    let kinds: Vec<(String, String)> = client
        .query(
            "SELECT tracking_code, event_type FROM case_events ORDER BY seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        kinds,
        [
            (code_a.clone(), "referral".to_owned()),
            (code_a.clone(), "action".to_owned()),
            (code_a.clone(), "answer".to_owned()),
            (code_b.clone(), "closed".to_owned()),
            (code_d, "answer".to_owned()),
        ]
    );
    // Each feed's cursor is SAMAD's last event of that kiosk.
    let last = |kiosk: u32| {
        rig.sim
            .db(|db| db.events(kiosk, 0, 500).unwrap().2)
            .to_string()
    };
    assert_eq!(cursors(pool).await, [(81, last(81)), (82, last(82))]);

    // A second pull adds nothing and leaves the cursors.
    assert_eq!(up.pull_events().await.unwrap(), 0);
    assert_eq!(event_count(pool).await, 5);
    assert_eq!(cursors(pool).await, [(81, last(81)), (82, last(82))]);

    // A cursor set back (a restore) re-reads the feed: nothing is doubled.
    client
        .execute("UPDATE upstream_cursors SET cursor = '0'", &[])
        .await
        .unwrap();
    assert_eq!(up.pull_events().await.unwrap(), 0);
    assert_eq!(event_count(pool).await, 5);

    // The running loop pulls on its own.
    settings.event_pull_interval = Some(Duration::from_millis(100));
    let handle = Upstream::new(pool.clone(), settings).spawn();
    add(b, EventType::Answer, Some("بعدی"));
    let started = Instant::now();
    while event_count(pool).await < 6 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the loop pulled nothing"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.shutdown().await;
    assert_eq!(event_count(pool).await, 6);
    assert_eq!(cursors(pool).await, [(81, last(81)), (82, last(82))]);
}
