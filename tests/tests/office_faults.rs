//! Faults, round after round, end to end: cases registered on two kiosks travel kiosk →
//! agency server → SAMAD while the office breaks underneath them, and at the end every case is
//! in SAMAD's database exactly once and nothing is left pending or parked anywhere.
//!
//! The parts are the real ones: PostgreSQL (a cluster this test starts, stops and starts), the
//! agency server as its own process (SIGKILLed and started again on the same port), SAMAD's
//! simulator with its own SQLite file and its fault injection, and two kiosks enrolled with
//! `kioskctl enroll`, each with its own kiosk.toml, its own store file, the firmware's case
//! registration ([`kiosk::registration::Registrar`]) and the firmware's relay
//! ([`kiosk_sync::Relay`], with the enrolled certificate and token). The kiosks run in this
//! process rather than as `kiosk` processes playing scripts (about a second a run): the store
//! and the relay are the device's own code, and a round costs milliseconds of registration.
//! Both links go through TCP proxies on loopback (tests/tests/support/proxy.rs) that the test
//! cuts mid-stream, closes (connects refused) and truncates.
//!
//! A round: a few cases registered on each kiosk, then one fault while they are in flight,
//! rotating through [`Fault`]'s kinds, then a bounded wait for SAMAD to hold every case so far
//! (the time it took is the round's recovery). `OFFICE_FAULT_ROUNDS` sets the number of rounds
//! (default [`DEFAULT_ROUNDS`]), `OFFICE_FAULT_SEED` the seed of the random choices (printed).
//! The figures are printed (`-- --nocapture`) and quoted in the README's office section.

// Helpers outside #[test] functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiosk::registration::{Registrar, VisitorInput};
use kiosk_core::CaseKind;
use kiosk_store::{ClaimLimits, OpenOptions, Store};
use kiosk_sync::{Backoff, Relay, RelayHandle, RelaySettings, SamadClient};
use samad_sim::faults::Fault as SimFault;
use support::proxy::{Proxy, ProxyStats};
use support::*;

/// Rounds when `OFFICE_FAULT_ROUNDS` is not set.
const DEFAULT_ROUNDS: usize = 60;
/// Cases registered on each kiosk per round.
const CASES_PER_KIOSK: usize = 2;
/// The kiosks of the office.
const KIOSKS: [u32; 2] = [11, 12];
/// Longest wait for SAMAD to hold every case after a round's fault.
const ROUND_SETTLE: Duration = Duration::from_secs(15);
/// Longest wait for everything to drain at the end.
const FINAL_DRAIN: Duration = Duration::from_secs(120);

/// One fault of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    /// The agency server SIGKILLed while a request of it to SAMAD is in flight (SAMAD holds
    /// it with a scripted delay), then started again on the same port.
    ServerKilled,
    /// PostgreSQL stopped (`pg_ctl -m immediate`, as a crash) and started again after a while.
    PostgresRestarted,
    /// The kiosk ↔ server link: live connections cut mid-stream, connects refused for a while.
    KioskLinkCut,
    /// The server ↔ SAMAD link: the same.
    SamadLinkCut,
    /// The kiosk ↔ server link truncates each new connection after a random number of bytes
    /// towards the kiosk (a handshake, an answer's headers or its body cut), for a while.
    KioskAnswersTruncated,
    /// SAMAD commits and then drops the connection, commits and answers garbage, or answers
    /// 503, on the next requests.
    SamadAnswersLost,
}

const ROTATION: [Fault; 6] = [
    Fault::ServerKilled,
    Fault::PostgresRestarted,
    Fault::KioskLinkCut,
    Fault::SamadLinkCut,
    Fault::KioskAnswersTruncated,
    Fault::SamadAnswersLost,
];

/// What the rounds of one kind of fault came to.
#[derive(Debug, Default)]
struct KindFigures {
    rounds: usize,
    /// Rounds whose fault came while SAMAD did not yet hold every case registered.
    rounds_in_flight: usize,
    /// Cases registered and not yet at SAMAD when the fault came, summed over the rounds.
    cases_in_flight: u64,
    /// From the fault's end until SAMAD held every case, summed and at most.
    recovery: Duration,
    recovery_max: Duration,
    /// From the round's first registration until SAMAD held every case, summed.
    round_time: Duration,
}

/// xorshift64*: the test's random choices, repeatable from the printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `lo..hi` milliseconds.
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo).max(1))
    }
}

/// A kiosk of the office: its configuration, its store file and its relay.
struct Kiosk {
    number: u32,
    config: kiosk_config::KioskConfig,
    store: Arc<Mutex<Store>>,
    relay: Option<RelayHandle>,
}

/// The relay's settings for the test: short waits so a fault costs little time, no periodic
/// jobs (only the outbox is under test).
fn relay_settings() -> RelaySettings {
    RelaySettings {
        lease: Duration::from_secs(5),
        limits: ClaimLimits {
            max_items: 20,
            max_bytes: 256 * 1024,
        },
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(400),
        },
        jitter: true,
        pull_interval: None,
        heartbeat_interval: None,
        catalogue_interval: None,
        event_page: 100,
        max_idle: Duration::from_secs(1),
        agency_server: true,
    }
}

impl Kiosk {
    /// Enrols kiosk `number` at the server (directly), points its kiosk.toml at `server_url`
    /// (the proxy), opens its store and starts its relay on `runtime`.
    fn start(
        office: &Office,
        number: u32,
        server_url: &str,
        runtime: &tokio::runtime::Runtime,
    ) -> Self {
        office.enrol(number);
        let dir = office.root().join(format!("kiosk-{number}"));
        let path = kiosk_config(&dir, number, server_url);
        let config = kiosk_config::load(&path).unwrap();
        let mut samad = config.samad.clone().expect("a [samad] section");
        samad.connect_timeout = Duration::from_secs(1);
        samad.request_timeout = Duration::from_secs(3);
        std::fs::create_dir_all(&config.data_dir).unwrap();
        let store = Store::open(config.data_dir.join("kiosk.db"), &OpenOptions::default()).unwrap();
        let store = Arc::new(Mutex::new(store));
        let client = SamadClient::from_config(&samad, number).unwrap();
        let relay = {
            let _inside = runtime.enter();
            Relay::new(Arc::clone(&store), client, relay_settings()).spawn()
        };
        Self {
            number,
            config,
            store,
            relay: Some(relay),
        }
    }

    /// Registers one complaint as the kiosk does at «تأیید و ثبت»; returns its tracking code.
    fn register(&self, n: usize) -> String {
        let input = VisitorInput {
            national_code: NATIONAL.into(),
            other_id: None,
            kind: Some(CaseKind::Complaint),
            subject_id: "service-quality".into(),
            service_id: None,
            description: format!("شکایت آزمون خطا شماره {n}"),
            mobile: String::new(),
            official: None,
            notice_consent: false,
        };
        let registered = Registrar::new(&self.config)
            .register(&mut self.store.lock().unwrap(), &input, chrono::Utc::now())
            .unwrap();
        if let Some(relay) = &self.relay {
            relay.wake();
        }
        registered.case.tracking_code.as_string()
    }
}

/// SAMAD's simulator's shared state, held apart from the office (which the rounds change).
struct Sim(Arc<samad_sim::SimState>);

impl Sim {
    /// Runs `f` on the fault plan.
    fn faults<T>(&self, f: impl FnOnce(&mut samad_sim::faults::FaultPlan) -> T) -> T {
        f(&mut self.0.faults.lock().unwrap())
    }
}

/// SAMAD's database, read beside the simulator (its own connection, WAL).
struct SamadDb(rusqlite::Connection);

impl SamadDb {
    fn open(path: &Path) -> Self {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        Self(conn)
    }

    fn count(&self, sql: &str, args: impl rusqlite::Params) -> u64 {
        let n: i64 = self.0.query_row(sql, args, |r| r.get(0)).unwrap();
        u64::try_from(n).unwrap()
    }

    fn cases(&self) -> u64 {
        self.count("SELECT count(*) FROM items WHERE item_type = 'case'", [])
    }
}

/// Waits until `probe` holds or `within` passed; returns how long it took, `None` if it never held.
fn wait_for(within: Duration, mut probe: impl FnMut() -> bool) -> Option<Duration> {
    let started = Instant::now();
    loop {
        if probe() {
            return Some(started.elapsed());
        }
        if started.elapsed() >= within {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The upstream outbox as `agency-server upstream-status --json` reports it.
fn upstream_status(office: &Office) -> serde_json::Value {
    serde_json::from_str(&run(&mut office.agency(&["upstream-status", "--json"]))).unwrap()
}

/// Cuts a link: live connections cut, connects refused for `down`, then accepted again.
fn cut_link(proxy: &Proxy, down: Duration) {
    proxy.refuse();
    proxy.cut();
    std::thread::sleep(down);
    proxy.accept_again();
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    })
}

#[test]
fn cases_reach_samad_exactly_once_through_server_kills_postgres_restarts_and_cut_links() {
    let rounds = env_number("OFFICE_FAULT_ROUNDS").map_or(DEFAULT_ROUNDS, |n| n as usize);
    let seed = env_number("OFFICE_FAULT_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    eprintln!("office faults: {rounds} rounds, seed {seed} (OFFICE_FAULT_SEED)");
    let mut rng = Rng(seed);
    let started = Instant::now();

    let mut office = Office::start_with(OfficeOptions {
        samad_proxy: true,
        fixed_port: true,
        server_log: true,
        serve_args: [
            "--samad-poll-ms",
            "50",
            "--samad-request-timeout-seconds",
            "1",
            "--samad-lease-seconds",
            "2",
            "--samad-backoff-cap-seconds",
            "1",
        ]
        .map(String::from)
        .to_vec(),
    });
    let server_addr: SocketAddr = office
        .url
        .strip_prefix("https://")
        .unwrap()
        .parse()
        .unwrap();
    let kiosk_link = Proxy::start(server_addr);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut kiosks: Vec<Kiosk> = KIOSKS
        .iter()
        .map(|&n| Kiosk::start(&office, n, &kiosk_link.https_url(), &runtime))
        .collect();
    let samad = SamadDb::open(&office.root().join("samad.db"));
    let set_up = started.elapsed();

    // (kiosk, tracking code) of every case registered.
    let mut registered: Vec<(u32, String)> = Vec::new();
    let mut figures: BTreeMap<Fault, KindFigures> = BTreeMap::new();
    let mut recoveries: Vec<Duration> = Vec::new();
    let mut unsettled_rounds = 0;
    let mut cut_connections = 0;
    let rounds_started = Instant::now();
    for round in 0..rounds {
        let fault = ROTATION[round % ROTATION.len()];
        let sim = Sim(Arc::clone(office.sim().state()));
        let sim_faults = || samad_sim::SimStats::get(&sim.0.stats.faults);
        let faults_before = sim_faults();
        // Set up before the cases: SAMAD holds the next request a while (so the server is
        // killed, or its link cut, with a request to SAMAD in flight), SAMAD loses its next
        // answers, or every new kiosk connection is truncated.
        match fault {
            Fault::ServerKilled | Fault::SamadLinkCut => {
                sim.faults(|f| f.script([SimFault::Delay { ms: 300 }]));
            }
            Fault::SamadAnswersLost => sim.faults(|f| {
                f.script([
                    SimFault::DropAfterCommit,
                    SimFault::Garbage,
                    SimFault::Status { status: 503 },
                ])
            }),
            Fault::KioskAnswersTruncated => {
                kiosk_link.cut_after(Some(50 + (rng.next() % 2500) as usize));
                cut_connections += kiosk_link.cut();
            }
            Fault::PostgresRestarted | Fault::KioskLinkCut => {}
        }
        let registered_at = Instant::now();
        for k in &kiosks {
            for _ in 0..CASES_PER_KIOSK {
                let code = k.register(registered.len());
                registered.push((k.number, code));
            }
        }
        let total = registered.len() as u64;
        match fault {
            Fault::ServerKilled | Fault::SamadLinkCut => {
                // Until SAMAD holds a request of the server (or 3 s).
                wait_for(Duration::from_secs(3), || sim_faults() > faults_before);
            }
            // Somewhere between the kiosks' sends and SAMAD's answers.
            _ => std::thread::sleep(rng.ms(0, 40)),
        }
        let in_flight = total.saturating_sub(samad.cases());
        match fault {
            Fault::ServerKilled => {
                office.kill_server();
                std::thread::sleep(rng.ms(0, 200));
                office.start_server();
            }
            Fault::PostgresRestarted => {
                office.pg().stop().unwrap();
                std::thread::sleep(rng.ms(50, 400));
                office.pg().restart().unwrap();
            }
            Fault::KioskLinkCut => {
                cut_connections += kiosk_link.live();
                cut_link(&kiosk_link, rng.ms(100, 400));
            }
            Fault::SamadLinkCut => {
                let link = office.samad_proxy.as_ref().unwrap();
                cut_connections += link.live();
                cut_link(link, rng.ms(100, 400));
            }
            Fault::KioskAnswersTruncated => {
                std::thread::sleep(rng.ms(150, 400));
                kiosk_link.cut_after(None);
            }
            Fault::SamadAnswersLost => {
                wait_for(Duration::from_secs(3), || sim.faults(|f| f.pending()) == 0);
            }
        }
        sim.faults(|f| f.clear());
        let fault_ended = Instant::now();
        let settled = wait_for(ROUND_SETTLE, || samad.cases() >= total);
        let kind = figures.entry(fault).or_default();
        kind.rounds += 1;
        kind.cases_in_flight += in_flight;
        kind.rounds_in_flight += usize::from(in_flight > 0);
        match settled {
            Some(recovery) => {
                recoveries.push(recovery);
                kind.recovery += recovery;
                kind.recovery_max = kind.recovery_max.max(recovery);
                kind.round_time += fault_ended + recovery - registered_at;
            }
            None => unsettled_rounds += 1,
        }
    }
    let rounds_time = rounds_started.elapsed();

    // The end: SAMAD holds every case, the server's outbox and the kiosks' are empty.
    let total = registered.len() as u64;
    let drained = wait_for(FINAL_DRAIN, || {
        samad.cases() >= total
            && kiosks.iter().all(|k| {
                let depth = k.store.lock().unwrap().outbox_depth().unwrap();
                depth.pending == 0
            })
            && upstream_status(&office)["pending"] == 0
    });
    for k in &mut kiosks {
        if let Some(relay) = k.relay.take() {
            runtime.block_on(relay.shutdown());
        }
    }

    // Lost: registered, not at SAMAD. Duplicated: at SAMAD more than once by tracking code or
    // by the kiosk's idempotency key, or a case at SAMAD nobody registered.
    let mut lost = Vec::new();
    let mut duplicated = Vec::new();
    let mut unacknowledged = Vec::new();
    let mut kiosk_sends = 0;
    for (number, code) in &registered {
        let k = kiosks.iter().find(|k| k.number == *number).unwrap();
        let record = k
            .store
            .lock()
            .unwrap()
            .case_by_tracking_code(&kiosk_core::TrackingCode::parse(code).unwrap())
            .unwrap()
            .unwrap();
        let by_code = samad.count(
            "SELECT count(*) FROM items WHERE tracking_code = ?1",
            [code],
        );
        let by_key = samad.count(
            "SELECT count(*) FROM items WHERE kiosk_number = ?1 AND item_id = ?2",
            rusqlite::params![number, record.client_uuid.hyphenated().to_string()],
        );
        if by_code == 0 || by_key == 0 {
            lost.push(code.clone());
        }
        if by_code > 1 || by_key > 1 {
            duplicated.push(code.clone());
        }
        // The kiosk's outbox item of the case (keyed by the case's client UUID): acknowledged.
        let item = k
            .store
            .lock()
            .unwrap()
            .outbox_item(record.client_uuid)
            .unwrap()
            .unwrap();
        kiosk_sends += u64::from(item.attempts);
        if item.done_at.is_none() {
            unacknowledged.push(code.clone());
        }
    }
    let at_samad = samad.count("SELECT count(*) FROM items", []);
    let samad_stats = office.sim().stats();
    let upstream = upstream_status(&office);
    let kiosk_outboxes: Vec<(u32, u64, u64)> = kiosks
        .iter()
        .map(|k| {
            let d = k.store.lock().unwrap().outbox_depth().unwrap();
            (k.number, d.pending, d.parked)
        })
        .collect();

    recoveries.sort();
    let pct = |p: usize| {
        recoveries
            .get((recoveries.len() * p / 100).min(recoveries.len().saturating_sub(1)))
            .map_or(0, |d| d.as_millis())
    };
    let link = |name: &str, s: &ProxyStats| {
        eprintln!(
            "  link {name}: {} connections, {} cut, {} truncated, {} unreachable target",
            ProxyStats::get(&s.accepted),
            ProxyStats::get(&s.cut),
            ProxyStats::get(&s.truncated),
            ProxyStats::get(&s.unreachable)
        );
    };
    eprintln!(
        "office faults: {rounds} rounds, {} cases ({} kiosks × {CASES_PER_KIOSK} per round), \
         {lost} lost, {duplicated} duplicated, SAMAD holds {at_samad} items",
        registered.len(),
        kiosks.len(),
        lost = lost.len(),
        duplicated = duplicated.len(),
    );
    eprintln!(
        "  {:<24} {:>6} {:>16} {:>15} {:>16} {:>15} {:>14}",
        "fault",
        "rounds",
        "in flight",
        "cases in flight",
        "mean round (ms)",
        "recovery (ms)",
        "max recov. (ms)"
    );
    for (fault, f) in &figures {
        let settled = u32::try_from(f.rounds.max(1)).unwrap();
        eprintln!(
            "  {:<24} {:>6} {:>16} {:>15} {:>16} {:>15} {:>14}",
            format!("{fault:?}"),
            f.rounds,
            f.rounds_in_flight,
            f.cases_in_flight,
            (f.round_time / settled).as_millis(),
            (f.recovery / settled).as_millis(),
            f.recovery_max.as_millis()
        );
    }
    eprintln!(
        "  kiosk sends of those cases: {kiosk_sends} ({:.2} per case); not acknowledged to the \
         kiosk: {}",
        kiosk_sends as f64 / registered.len().max(1) as f64,
        unacknowledged.len()
    );
    eprintln!("  connections live at a cut: {cut_connections}");
    eprintln!(
        "  SAMAD: {} requests, {} faults injected, {} created, {} replays answered 200, {} conflicts",
        samad_sim::SimStats::get(&samad_stats.requests),
        samad_sim::SimStats::get(&samad_stats.faults),
        samad_sim::SimStats::get(&samad_stats.created),
        samad_sim::SimStats::get(&samad_stats.replayed),
        samad_sim::SimStats::get(&samad_stats.conflicts),
    );
    link("kiosk ↔ server", kiosk_link.stats());
    link(
        "server ↔ SAMAD",
        office.samad_proxy.as_ref().unwrap().stats(),
    );
    eprintln!(
        "  recovery (every case so far at SAMAD after the fault): median {} ms, p90 {} ms, \
         max {} ms; rounds not settled within {ROUND_SETTLE:?}: {unsettled_rounds}",
        pct(50),
        pct(90),
        pct(100)
    );
    eprintln!(
        "  server outbox: pending {}, parked {}, done {}; kiosk outboxes (kiosk, pending, parked): \
         {kiosk_outboxes:?}",
        upstream["pending"], upstream["parked"], upstream["done"]
    );
    eprintln!(
        "  time: set-up {:.1} s, rounds {:.1} s, total {:.1} s",
        set_up.as_secs_f64(),
        rounds_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    assert!(
        drained.is_some(),
        "not drained within {FINAL_DRAIN:?}: SAMAD holds {} of {total} cases, server outbox \
         {upstream}, kiosks {kiosk_outboxes:?}; the server's log: {}",
        samad.cases(),
        office.root().join("server.log").display()
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(duplicated.is_empty(), "duplicated: {duplicated:?}");
    assert!(
        unacknowledged.is_empty(),
        "never acknowledged to their kiosk: {unacknowledged:?}"
    );
    assert_eq!(at_samad, total, "SAMAD holds exactly the cases registered");
    assert_eq!(upstream["pending"], 0, "{upstream}");
    assert_eq!(upstream["parked"], 0, "{upstream}");
    assert_eq!(upstream["done"], total, "{upstream}");
    for (number, pending, parked) in &kiosk_outboxes {
        assert_eq!((pending, parked), (&0, &0), "kiosk {number}'s outbox");
    }
    assert_eq!(samad_sim::SimStats::get(&samad_stats.conflicts), 0);
    assert_eq!(figures.values().map(|f| f.rounds).sum::<usize>(), rounds);
    // The faults came while cases travelled, not after: most rounds had cases in flight.
    let in_flight: usize = figures.values().map(|f| f.rounds_in_flight).sum();
    assert!(
        in_flight * 2 >= rounds,
        "only {in_flight} of {rounds} faults found cases in flight"
    );
}
