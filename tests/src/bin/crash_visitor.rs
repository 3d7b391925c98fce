//! `crash_visitor`: the firmware headless, for the crash loop (`tests/tests/crash_loop.rs`).
//!
//! `crash_visitor DATA_DIR SAMAD_URL COUNT` plays COUNT visitors through the firmware's own code
//! — [`Device`] fed [`complaint_taps`] (a whole journey as UI inputs), the [`kiosk::runtime::Kiosk`]
//! runtime, the real SQLite store `DATA_DIR/kiosk.db` and the real receipt pipeline — while the
//! SAMAD outbox relay of `kiosk-sync` sends each case over mutual TLS as it is committed. Then it
//! waits until the outbox is empty and exits 0. `COUNT = 0` only drains.
//!
//! `DATA_DIR` must hold `ca.pem`, `kiosk.pem`, `kiosk.key`, `token` and the database key
//! `db.key` (the store is encrypted, as on a kiosk); the binary writes its own
//! `kiosk.toml` there (the shipped example with a `[samad]` section for `SAMAD_URL`) and parses it
//! like the firmware does. The printer is a file, `receipts.bin`: a job is complete only once its
//! bytes are written and fsynced. Only then — the visitor holds the receipt — is the tracking code
//! appended to `printed.log` (fsynced too), so `printed.log` never names a receipt that was not
//! printed.
//!
//! It is made to be killed with SIGKILL at any moment: every start reopens the store (SQLite
//! recovers its WAL) and the relay re-sends whatever the outbox still holds, with the same item
//! UUIDs. The one departure from `kiosk::device::sync::start_relay` is a short lease and backoff,
//! so a test does not wait two minutes for the lease of a killed relay to run out.

use std::fs::OpenOptions as FileOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use kiosk::device::{Device, complaint_taps};
use kiosk::flow::{PrinterProblem, Screen};
use kiosk::runtime::{Kiosk, PrintSink};
use kiosk_store::{OpenOptions, Store};
use kiosk_sync::{Backoff, Relay, RelaySettings, SamadClient};

/// The simulated printer: appends each job to a file and fsyncs it before reporting success.
struct FilePrinter {
    file: std::fs::File,
    jobs: Rc<std::cell::Cell<u64>>,
}

impl PrintSink for FilePrinter {
    fn print(&mut self, job: &[u8]) -> Result<(), PrinterProblem> {
        self.file
            .write_all(job)
            .and_then(|()| self.file.sync_data())
            .map_err(|_| PrinterProblem::Error)?;
        self.jobs.set(self.jobs.get() + 1);
        Ok(())
    }
}

/// Writes `text` to `path` through a temporary file and a rename, so a kill never leaves half a
/// file behind.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}

/// Appends one line to `printed.log` and fsyncs it.
fn log_printed(path: &Path, code: &str) -> anyhow::Result<()> {
    let mut file = FileOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    // One write(2) of the whole line: a kill cannot leave half a line for the next to join.
    file.write_all(format!("{code}\n").as_bytes())?;
    file.sync_data()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, url, count] = args.as_slice() else {
        anyhow::bail!("usage: crash_visitor DATA_DIR SAMAD_URL COUNT");
    };
    let dir = PathBuf::from(dir);
    let count: u64 = count.parse().context("COUNT must be a number")?;

    let text = kiosk_config::EXAMPLE.replace(
        "# [samad]\n",
        &format!(
            "[samad]\nbase_url = \"{url}\"\nca_file = \"ca.pem\"\nclient_cert_file = \"kiosk.pem\"\n\
             client_key_file = \"kiosk.key\"\ntoken_file = \"token\"\nconnect_timeout_s = 1\n\
             request_timeout_s = 2\n"
        ),
    );
    anyhow::ensure!(
        text.contains("[samad]\nbase_url"),
        "no [samad] slot in the example"
    );
    let text = text.replace(
        "database_key_file = \"/var/lib/kiosk/keys/db.key\"",
        "database_key_file = \"db.key\"",
    );
    let config_path = dir.join("kiosk.toml");
    write_atomically(&config_path, &text)?;
    let text = std::fs::read_to_string(&config_path)?;
    let mut config = kiosk_config::parse(&text, &dir).context("parsing kiosk.toml")?;
    config.data_dir.clone_from(&dir);
    let samad = config.samad.clone().context("kiosk.toml has no [samad]")?;
    let kiosk_number = config.kiosk_number.get();

    let db = dir.join("kiosk.db");
    let key = kiosk_store::DatabaseKey::load(&config.privacy.database_key_file)?;
    let store =
        Store::open(&db, &OpenOptions::encrypted(key.clone())).context("opening the store")?;

    // The relay, on its own connection and thread, as in the firmware.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let client = SamadClient::from_config(&samad, kiosk_number)?;
    let mut settings = RelaySettings::from_config(&samad);
    settings.lease = Duration::from_secs(3);
    settings.backoff = Backoff {
        base: Duration::from_millis(20),
        cap: Duration::from_millis(300),
    };
    settings.heartbeat_interval = None;
    settings.catalogue_interval = None;
    settings.pull_interval = None;
    settings.max_idle = Duration::from_millis(500);
    let relay_store = Store::open(&db, &OpenOptions::encrypted(key))?;
    let relay = Relay::new(Arc::new(Mutex::new(relay_store)), client, settings);
    let relay = {
        let _entered = runtime.enter();
        relay.spawn()
    };

    let jobs = Rc::new(std::cell::Cell::new(0));
    let printer = FilePrinter {
        file: FileOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("receipts.bin"))?,
        jobs: Rc::clone(&jobs),
    };
    let portal = config.receipt.portal_url.clone();
    let kiosk = Kiosk::new(
        config,
        store,
        kiosk_receipt::Profile::MM80,
        printer,
        Box::new(chrono::Utc::now),
    )
    .with_satisfaction_key(ed25519_dalek::SigningKey::from_bytes(&rand::random()));
    let mut device = Device::new(kiosk, &portal, Box::new(|_, _, _| {}))
        .with_outbox_waker(Box::new(relay.waker()));

    let printed_log = dir.join("printed.log");
    for visitor in 0..count {
        let before = jobs.get();
        let mut logged = false;
        for input in complaint_taps() {
            anyhow::ensure!(
                device.input(&input, Instant::now()),
                "visitor {visitor}: {input:?} names nothing on {:?}",
                device.kiosk().flow().screen()
            );
            if !logged && device.kiosk().flow().screen() == Screen::Done {
                anyhow::ensure!(
                    jobs.get() > before,
                    "visitor {visitor}: done, nothing printed"
                );
                let code = device
                    .kiosk()
                    .flow()
                    .session()
                    .registered
                    .as_ref()
                    .context("done without a registered case")?
                    .tracking_code
                    .as_string();
                log_printed(&printed_log, &code)?;
                logged = true;
            }
        }
        anyhow::ensure!(logged, "visitor {visitor} never reached the done screen");
    }

    // Drain: the relay sends what is pending (a killed run's leases run out within seconds).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let depth = device.kiosk().backend().store().outbox_depth()?;
        anyhow::ensure!(depth.parked == 0, "outbox items parked: {depth:?}");
        if depth.pending == 0 {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "outbox not drained in 60 s: {depth:?}"
        );
        relay.wake();
        std::thread::sleep(Duration::from_millis(50));
    }
    runtime.block_on(relay.shutdown());
    Ok(())
}
