//! SAMAD sync inside the firmware: [`start_relay`] runs the outbox relay of `kiosk-sync` for
//! the configuration's `[samad]` section on a thread of its own, so the visitor's thread (the
//! window, the journey, its own store connection) never waits on the network.
//!
//! The relay opens its own connection to the kiosk database (SQLite WAL lets the two work side
//! by side; the outbox's leases keep items from being sent twice). The firmware tells it about
//! new work ([`SyncHandle::wake`], after a case is committed) and the device's health
//! ([`SyncHandle::report_health`], for heartbeats), and reads the catalogue SAMAD sent
//! ([`SyncHandle::catalogue`]). Nothing here blocks: every call only signals the relay.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use kiosk_config::SamadSettings;
use kiosk_store::{OpenOptions, Store};
use kiosk_sync::{
    CatalogueUpdate, DeviceHealth, Relay, RelayHandle, RelaySettings, RelayStats, SamadClient,
};
use tokio::sync::watch;

/// A running relay and the runtime it runs on.
pub struct SyncHandle {
    runtime: tokio::runtime::Runtime,
    relay: RelayHandle,
    health: watch::Sender<DeviceHealth>,
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
        health: health_tx,
        catalogue,
        stats,
    })
}

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

    /// The catalogue SAMAD last sent (`None` until one arrives); `changed()` on the receiver
    /// tells when a new one does.
    pub fn catalogue(&self) -> CatalogueWatch {
        self.catalogue.clone()
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

    use kiosk_sync::wire::PrinterHealth;

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
            kind: Some(kiosk_core::CaseKind::Complaint),
            subject_id: "deed-delay".into(),
            service_id: None,
            description: "تأخیر در صدور سند".into(),
            mobile: String::new(),
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
