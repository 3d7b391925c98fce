//! SAMAD sync inside the firmware: [`start_relay`] runs the outbox relay of `kiosk-sync` for
//! the configuration's `[samad]` section on a thread of its own, so the visitor's thread (the
//! window, the journey, its own store connection) never waits on the network.
//!
//! The relay opens its own connection to the kiosk database (SQLite WAL lets the two work side
//! by side; the outbox's leases keep items from being sent twice). The firmware tells it about
//! new work ([`SyncHandle::wake`], after a case is committed) and the device's health
//! ([`SyncHandle::report_health`], for heartbeats), and reads the catalogue SAMAD sent
//! ([`SyncHandle::catalogue`]). Nothing here blocks: every call only signals the relay.
//!
//! Health: the firmware starts the relay with [`firmware_health`] (its own version, the printer
//! as its status read at start said) and then reports the printer as every print job finds it
//! ([`SyncHandle::printer_reporter`], called by the device after each slip); only a change
//! reaches the relay, which then sends a heartbeat at once. The rest of the heartbeat — outbox
//! depth and age, last sync, schema and catalogue versions, uptime — the relay fills in itself
//! when it sends.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use kiosk_config::SamadSettings;
use kiosk_store::{OpenOptions, Store};
use kiosk_sync::wire::PrinterHealth;
use kiosk_sync::{
    CatalogueUpdate, DeviceHealth, Relay, RelayHandle, RelaySettings, RelayStats, SamadClient,
};
use tokio::sync::watch;

use crate::flow::PrinterProblem;
use crate::runtime::Paper;

/// A running relay and the runtime it runs on.
pub struct SyncHandle {
    runtime: tokio::runtime::Runtime,
    relay: RelayHandle,
    health: Arc<watch::Sender<DeviceHealth>>,
    catalogue: watch::Receiver<Option<Arc<CatalogueUpdate>>>,
    stats: Arc<RelayStats>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle").finish_non_exhaustive()
    }
}

/// Starts the relay for kiosk `kiosk_number` with the `[samad]` section `samad`, on the kiosk
/// database at `store_path` (which must exist: the firmware opened it first), reporting
/// `health` until told otherwise. Fails with the configuration key at fault when a file of the
/// section cannot be used.
pub fn start_relay(
    samad: &SamadSettings,
    kiosk_number: u32,
    store_path: &Path,
    health: DeviceHealth,
) -> anyhow::Result<SyncHandle> {
    start_relay_keyed(samad, kiosk_number, store_path, None, health)
}

/// [`start_relay`] on a database encrypted under `key` (the kiosk's: `None` only in tests).
pub fn start_relay_keyed(
    samad: &SamadSettings,
    kiosk_number: u32,
    store_path: &Path,
    key: Option<kiosk_store::DatabaseKey>,
    health: DeviceHealth,
) -> anyhow::Result<SyncHandle> {
    let client =
        SamadClient::from_config(samad, kiosk_number).context("setting up the SAMAD client")?;
    let options = OpenOptions {
        create_if_missing: false,
        key,
        ..OpenOptions::default()
    };
    let store = Store::open(store_path, &options)
        .with_context(|| format!("opening {} for the sync relay", store_path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(2)
        .thread_name("samad-sync")
        .enable_all()
        .build()
        .context("starting the sync runtime")?;
    let (health_tx, health_rx) = watch::channel(health);
    let relay = Relay::new(
        Arc::new(Mutex::new(store)),
        client,
        RelaySettings::from_config(samad),
    )
    .with_health(health_rx);
    let catalogue = relay.catalogue_updates();
    let stats = relay.stats();
    let relay = {
        let _entered = runtime.enter();
        relay.spawn()
    };
    tracing::info!(url = %samad.base_url, kiosk = kiosk_number, "SAMAD sync started");
    Ok(SyncHandle {
        runtime,
        relay,
        health: Arc::new(health_tx),
        catalogue,
        stats,
    })
}

/// The printer as the heartbeat reports it: `problem` is why the last job did not print
/// (`None`: it printed), `paper` what it found of the paper.
pub fn printer_health(problem: Option<PrinterProblem>, paper: Paper) -> PrinterHealth {
    let state = match problem {
        None => "ok",
        Some(PrinterProblem::Offline) => "offline",
        Some(PrinterProblem::PaperOut | PrinterProblem::CoverOpen | PrinterProblem::Error) => {
            "error"
        }
    };
    PrinterHealth {
        state: state.to_owned(),
        paper: paper.as_str().to_owned(),
    }
}

/// The health the firmware starts its relay with: this firmware's version and the printer as
/// `printer` says (its status read at start), until a print job says otherwise.
pub fn firmware_health(printer: PrinterHealth) -> DeviceHealth {
    DeviceHealth {
        printer,
        firmware_version: concat!("kiosk/", env!("CARGO_PKG_VERSION")).to_owned(),
    }
}

/// What the device calls after every slip: why it did not print (`None`: it printed) and what
/// it found of the paper.
pub type PrinterReporter = Box<dyn Fn(Option<PrinterProblem>, Paper)>;

/// The relay's catalogue as the device watches it.
pub type CatalogueWatch = watch::Receiver<Option<Arc<CatalogueUpdate>>>;

/// SAMAD's holiday overrides as calendar changes: the days it closes (each a one-day closure
/// with its reason) and the days it opens. A date that does not read is skipped with a warning.
pub fn holiday_overrides(
    catalogue: &kiosk_sync::wire::Catalogue,
) -> (
    Vec<kiosk_core::working_days::Closure>,
    Vec<chrono::NaiveDate>,
) {
    let mut closed = Vec::new();
    let mut open = Vec::new();
    for o in &catalogue.holiday_overrides {
        let Ok(day) = chrono::NaiveDate::parse_from_str(&o.date, "%Y-%m-%d") else {
            tracing::warn!(date = %o.date, "a holiday override with a date that does not read");
            continue;
        };
        if o.closed {
            closed.push(kiosk_core::working_days::Closure {
                first: day,
                last: day,
                reason: o.reason.clone().unwrap_or_else(|| "اعلام سامد".to_owned()),
            });
        } else {
            open.push(day);
        }
    }
    (closed, open)
}

impl SyncHandle {
    /// New work is in the outbox (a case, a service, a rating was committed): send it now.
    pub fn wake(&self) {
        self.relay.wake();
    }

    /// [`SyncHandle::wake`] as a function the visitor loop can keep.
    pub fn waker(&self) -> impl Fn() + Send + Sync + 'static {
        self.relay.waker()
    }

    /// The device's health changed (printer, paper); the next heartbeat reports it.
    pub fn report_health(&self, health: DeviceHealth) {
        self.health.send_replace(health);
    }

    /// What the device calls after each slip ([`crate::device::Device::with_printer_reporter`]):
    /// the printer's new state goes to the relay when it differs from the last one (then the
    /// relay sends a heartbeat at once); an unchanged state is not even signalled.
    pub fn printer_reporter(&self) -> PrinterReporter {
        let health = Arc::clone(&self.health);
        Box::new(move |problem, paper| {
            let printer = printer_health(problem, paper);
            health.send_if_modified(|h| {
                let changed = h.printer != printer;
                h.printer = printer;
                changed
            });
        })
    }

    /// The catalogue SAMAD last sent (`None` until one arrives); `changed()` on the receiver
    /// tells when a new one does.
    pub fn catalogue(&self) -> CatalogueWatch {
        self.catalogue.clone()
    }

    /// Waits (at most `limit`) until the relay's first catalogue check is answered or has
    /// failed; whether it was answered.
    pub fn await_first_catalogue_check(&self, limit: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let stats = self.relay.stats();
            if RelayStats::get(&stats.catalogue_checks) > 0 {
                return true;
            }
            if RelayStats::get(&stats.catalogue_failures) > 0
                || std::time::Instant::now() >= deadline
            {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// What the relay has done so far.
    pub fn stats(&self) -> &RelayStats {
        self.relay.stats()
    }

    /// The relay's counters, shared: the desk's health screen reads them from the UI thread.
    pub fn shared_stats(&self) -> Arc<RelayStats> {
        Arc::clone(&self.stats)
    }

    /// Stops the relay after its current step and ends its thread. Items it held stay in the
    /// outbox and are sent after the next start.
    pub fn shutdown(self) {
        let Self { runtime, relay, .. } = self;
        runtime.block_on(relay.shutdown());
        runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// The example `kiosk.toml` in `dir` with a `[samad]` section for kiosk 12 of `sim` (its
    /// CA, the kiosk's certificate and key, the token, all written into `dir`).
    fn config_for(
        sim: &samad_sim::SimHandle,
        dir: &Path,
    ) -> anyhow::Result<kiosk_config::KioskConfig> {
        let id = sim.kiosk_identity(12)?;
        for (name, text) in [
            ("ca.pem", sim.pki().ca_pem.as_str()),
            ("kiosk.pem", id.cert_pem.as_str()),
            ("kiosk.key", id.key_pem.as_str()),
            ("token", "sim-token"),
        ] {
            std::fs::write(dir.join(name), text)?;
        }
        let text = kiosk_config::EXAMPLE.replace(
            "# [samad]\n",
            &format!(
                "[samad]\nbase_url = \"{}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\ntoken_file = \"token\"\n",
                sim.base_url()
            ),
        );
        let mut config = kiosk_config::parse(&text, dir)?;
        config.data_dir = dir.to_owned();
        crate::demo::simulate_devices(&mut config);
        Ok(config)
    }

    /// Waits until `done` holds, for at most 20 s.
    fn wait_until(what: &str, done: impl Fn() -> anyhow::Result<bool>) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done()? {
            anyhow::ensure!(Instant::now() < deadline, "{what}: not within 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// A kiosk whose simulated printer runs out of paper: the visitor's receipt fails, the
    /// device tells the relay, and the relay's heartbeat — sent at once, not at the next
    /// interval a minute later — says the printer is in error with no paper, beside an outbox
    /// depth that is the store's, the firmware's version and an uptime.
    #[test]
    fn a_kiosk_whose_printer_runs_out_of_paper_says_so_in_its_heartbeat() -> anyhow::Result<()> {
        use kiosk_drivers::printer::{JobConfig, SimFault, SimPrinter};

        let sim_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let sim = sim_rt.block_on(samad_sim::start(samad_sim::SimConfig {
            record_requests: true,
            ..samad_sim::SimConfig::default()
        }))?;
        let dir = tempfile::tempdir()?;
        let config = config_for(&sim, dir.path())?;
        let samad = config.samad.clone().context("the [samad] section")?;
        let db = dir.path().join("kiosk.db");
        let store = Store::open(&db, &OpenOptions::default())?;

        // The printer is healthy at start: the first heartbeat says so.
        let (printer, tray) = SimPrinter::new(JobConfig {
            status_timeout: Duration::from_millis(100),
            ..JobConfig::default()
        });
        let mut printer = crate::runtime::DevicePrinter(printer);
        let (problem, paper) = printer.state_now();
        let started = Instant::now();
        let handle = start_relay(
            &samad,
            12,
            &db,
            firmware_health(printer_health(problem, paper)),
        )?;
        let stats = handle.shared_stats();
        let beats = |n: u64| {
            let stats = Arc::clone(&stats);
            move || Ok(RelayStats::get(&stats.heartbeats) >= n)
        };
        wait_until("the first heartbeat", beats(1))?;
        let first = sim.db(|db| db.last_heartbeat(12))?.context("a heartbeat")?;
        assert_eq!(first["printer"]["state"], "ok", "{first}");
        assert_eq!(first["printer"]["paper"], "ok", "{first}");
        assert_eq!(
            first["firmware_version"],
            concat!("kiosk/", env!("CARGO_PKG_VERSION"))
        );

        // A second later the roll runs out, and a visitor registers a complaint.
        std::thread::sleep(Duration::from_millis(1100).saturating_sub(started.elapsed()));
        tray.set_fault(SimFault::PaperEnd);
        let portal = config.receipt.portal_url.clone();
        let kiosk = crate::runtime::Kiosk::new(
            config,
            store,
            kiosk_receipt::Profile::MM80,
            printer,
            chrono::Utc::now,
        );
        // The store's outbox as it stands when the device reports the printer (the relay is
        // signalled right after and reads it for the heartbeat before it sends anything).
        let report = handle.printer_reporter();
        let seen = Arc::new(Mutex::new(None));
        let seen_by_reporter = Arc::clone(&seen);
        let reader = Store::open(&db, &OpenOptions::default())?;
        let mut device = crate::device::Device::new(kiosk, &portal, Box::new(|_, _, _| {}))
            .with_printer_reporter(Box::new(move |problem, paper| {
                let depth = reader.outbox_depth().expect("the outbox");
                *seen_by_reporter.lock().expect("lock") = Some(depth);
                report(problem, paper);
            }));
        for input in crate::device::complaint_taps() {
            device.input(&input, std::time::Instant::now());
        }
        assert_eq!(
            device.health().last_print.map(|(_, ok)| ok),
            Some(false),
            "the receipt did not print"
        );
        let depth = seen
            .lock()
            .expect("lock")
            .context("the printer was reported")?;
        assert_eq!(depth.parked, 0);

        wait_until("the paper-out heartbeat", beats(2))?;
        let beat = sim.db(|db| db.last_heartbeat(12))?.context("a heartbeat")?;
        assert_eq!(beat["printer"]["state"], "error", "{beat}");
        assert_eq!(beat["printer"]["paper"], "out", "{beat}");
        // The relay picks the case up on its own (its run loop re-checks the store while
        // idle), so it may have been delivered before the heartbeat went: then the store, and
        // the heartbeat, count it no more. Which happened is in the simulator's request log.
        let delivered_first = {
            let recorded = sim.state().recorded.lock().expect("lock");
            let beat_at = recorded
                .iter()
                .rposition(|r| r.path.ends_with("/heartbeat"))
                .context("the heartbeat request")?;
            recorded[..beat_at]
                .iter()
                .any(|r| r.path.ends_with("/submissions"))
        };
        let expected = if delivered_first { 0 } else { depth.pending };
        assert_eq!(beat["outbox"]["depth"], expected, "{beat}");
        assert_eq!(beat["outbox"]["parked"], depth.parked, "{beat}");
        assert_eq!(
            beat["outbox"]["oldest_unsent_age_s"].is_u64(),
            expected > 0,
            "{beat}"
        );
        assert!(beat["uptime_s"].as_u64().context("uptime_s")? > 0, "{beat}");
        assert_eq!(
            beat["schema_version"],
            kiosk_store::LATEST_VERSION,
            "{beat}"
        );
        // The first round's event pull was answered: the last sync is known.
        assert!(beat["last_sync_at"].is_string(), "{beat}");

        handle.shutdown();
        sim_rt.block_on(sim.shutdown());
        Ok(())
    }

    /// The relay started from a real `kiosk.toml` sends a committed case to the real simulator
    /// over mutual TLS and reports the health the firmware gave it.
    #[test]
    fn the_relay_started_from_the_config_sends_cases_and_heartbeats() -> anyhow::Result<()> {
        let sim_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let sim = sim_rt.block_on(samad_sim::start(samad_sim::SimConfig::default()))?;
        let dir = tempfile::tempdir()?;
        let id = sim.kiosk_identity(12)?;
        for (name, text) in [
            ("ca.pem", sim.pki().ca_pem.as_str()),
            ("kiosk.pem", id.cert_pem.as_str()),
            ("kiosk.key", id.key_pem.as_str()),
            ("token", "sim-token"),
        ] {
            std::fs::write(dir.path().join(name), text)?;
        }
        let text = kiosk_config::EXAMPLE.replace(
            "# [samad]\n",
            &format!(
                "[samad]\nbase_url = \"{}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\nclient_key_file = \"kiosk.key\"\ntoken_file = \"token\"\n",
                sim.base_url()
            ),
        );
        let mut config = kiosk_config::parse(&text, dir.path())?;
        config.data_dir = dir.path().to_owned();
        let samad = config.samad.clone().context("the [samad] section")?;
        let db = dir.path().join("kiosk.db");
        let mut store = Store::open(&db, &OpenOptions::default())?;
        let input = crate::registration::VisitorInput {
            national_code: "0499370899".into(),
            other_id: None,
            kind: Some(kiosk_core::CaseKind::Complaint),
            subject_id: "deed-delay".into(),
            service_id: None,
            description: "تأخیر در صدور سند".into(),
            mobile: String::new(),
            official: None,
            notice_consent: false,
        };
        let registered = crate::registration::Registrar::new(&config)
            .register(&mut store, &input, chrono::Utc::now())?
            .case;
        let handle = start_relay(
            &samad,
            config.kiosk_number.get(),
            &db,
            DeviceHealth {
                printer: PrinterHealth {
                    state: "ok".into(),
                    paper: "low".into(),
                },
                firmware_version: "kiosk/test".into(),
            },
        )?;
        handle.wake();
        let deadline = Instant::now() + Duration::from_secs(20);
        while RelayStats::get(&handle.stats().done) < 1
            || RelayStats::get(&handle.stats().heartbeats) < 1
        {
            anyhow::ensure!(Instant::now() < deadline, "nothing synced in 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut catalogue = handle.catalogue();
        while catalogue.borrow_and_update().is_none() {
            anyhow::ensure!(Instant::now() < deadline, "no catalogue in 20 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        handle.shutdown();
        let stored = store
            .case_by_tracking_code(&registered.tracking_code)?
            .context("the case")?;
        assert!(stored.samad_number.is_some(), "SAMAD's number bound");
        assert_eq!(sim.db(|db| db.item_count())?, 1);
        let beat = sim.db(|db| db.last_heartbeat(12))?.context("a heartbeat")?;
        assert_eq!(beat["printer"]["paper"], "low");
        assert_eq!(beat["firmware_version"], "kiosk/test");

        // A missing token file is named by its key.
        std::fs::remove_file(dir.path().join("token"))?;
        let err = start_relay(&samad, 12, &db, DeviceHealth::default())
            .map(|_| ())
            .unwrap_err();
        assert!(format!("{err:#}").contains("samad.token_file"), "{err:#}");
        sim_rt.block_on(sim.shutdown());
        Ok(())
    }
}
