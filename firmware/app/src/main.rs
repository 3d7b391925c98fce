//! `kiosk`: the firmware binary.
//!
//! `kiosk --config FILE` runs a real device from its configuration: the window (desktop or the
//! Pi's KMS panel, whichever this build and machine have), the visitor journey (or, with
//! `mode = "desk"`, the staff journey of the service-desk terminal), the runtime and the
//! store, in the run loop of `kiosk::device`. `kiosk --demo` does the same on a
//! temporary data directory with simulated devices in a desktop window; with no display (or
//! with `--headless`) it plays scripted visitors and writes every screen and slip to files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use kiosk::device::{self, BoxedPrinter, Device, Inbox, RunOptions, SlipDir};
use kiosk::out_of_service::{self, Ended, Fault, FaultContext as _, StartError};
use kiosk::runtime::Kiosk;
use kiosk_store::{OpenOptions, Store};
use kiosk_ui::Backend;

/// Firmware of the service-desk kiosk.
#[derive(Parser)]
#[command(name = "kiosk", version, about)]
struct Args {
    /// Play the demo: a window with simulated devices when a display is available (and the
    /// `desktop` feature is built), else scripted visitors rendered headless.
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Keep the demo's data in this directory instead of a temporary one.
    #[arg(long, requires = "demo")]
    data_dir: Option<PathBuf>,
    /// Write the demo's printed slips (PNG and ESC/POS bytes) here (default: DATA_DIR/slips);
    /// with --script, the transcript, screens and slips.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Play the scripted visitors and render every screen with the software renderer into the
    /// --out directory, even when a display is available.
    #[arg(long, requires = "demo")]
    headless: bool,
    /// Play this file of inputs (JSON lines: touches by label, keys, cards, scans, headphones,
    /// printer states, waits) headless and write `transcript.jsonl`, screens and slips into the
    /// --out directory; exits non-zero when an input was not offered (README: script runner).
    /// With --demo on the demo kiosk; with --config on that device's configuration, its devices
    /// simulated (and its relay running when it has a `[samad]` section).
    #[arg(long, requires = "out", value_name = "FILE")]
    script: Option<PathBuf>,
    /// Benchmark aid: render the first screen headless into this PNG file and exit.
    #[arg(long, requires = "demo", value_name = "FILE")]
    first_frame: Option<PathBuf>,
    /// Benchmark aid: play N whole visitor journeys headless (every screen drawn in memory),
    /// print the process's memory use and exit.
    #[arg(long, requires = "demo", value_name = "N")]
    journeys: Option<usize>,
    /// Leave the event loop after this many seconds (tests, benchmarks).
    #[arg(long, value_name = "SECONDS")]
    quit_after: Option<f64>,
    /// Configuration file of a real device.
    #[arg(long, required_unless_present = "demo")]
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colours only on a terminal: journald and log files get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let result = run(args);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let quit_after = match args.quit_after {
        Some(s) => match Duration::try_from_secs_f64(s) {
            Ok(duration) => Some(duration),
            Err(_) => anyhow::bail!(
                "--quit-after: {s} is not a number of seconds the kiosk can wait (0 up to about \
                 584 billion years)"
            ),
        },
        None => None,
    };
    if !args.demo {
        let path = args.config.context("--config FILE is required")?;
        if let (Some(script), Some(out)) = (&args.script, &args.out) {
            return run_script_on_config(script, &path, out);
        }
        anyhow::ensure!(
            args.out.is_none(),
            "--out goes with --demo or --script only"
        );
        return run_device(&path, quit_after);
    }
    let temp;
    // A data directory of the caller's is locked as a device's is: one kiosk process on it.
    let (dir, _dir_lock) = match args.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let lock = kiosk_store::DataDirLock::acquire(&dir)?;
            (dir, Some(lock))
        }
        None => {
            temp = tempfile::tempdir().context("creating a temporary data directory")?;
            (temp.path().to_owned(), None)
        }
    };
    let out = args.out.unwrap_or_else(|| dir.join("slips"));
    if let Some(file) = args.first_frame {
        return first_frame(&dir, &file);
    }
    if let Some(n) = args.journeys {
        return soak(&dir, n);
    }
    if let Some(script) = args.script {
        let outcome = kiosk::script::run(&script, &dir, &out)?;
        return report_script(&script, &out, outcome);
    }
    let backend = if args.headless {
        Backend::Headless
    } else {
        match Backend::detect() {
            // The demo never takes over a machine's console: KMS is for `--config` on a device.
            Backend::Kms => Backend::Headless,
            other => other,
        }
    };
    match backend {
        Backend::Headless => run_scripted_demo(&dir, &out),
        _ => run_window_demo(&dir, &out, backend, quit_after),
    }
}

/// `--script FILE --config kiosk.toml --out DIR`: the device's configuration, its devices
/// simulated, one kiosk process on its data directory.
fn run_script_on_config(script: &Path, config_path: &Path, out: &Path) -> anyhow::Result<()> {
    let config = kiosk_config::load(config_path)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let _lock = kiosk_store::DataDirLock::acquire(&config.data_dir)?;
    let outcome = kiosk::script::run_configured(script, config, out)?;
    report_script(script, out, outcome)
}

/// Prints how a script run ended; fails when an input was not offered or an item not synced.
fn report_script(script: &Path, out: &Path, outcome: kiosk::script::Outcome) -> anyhow::Result<()> {
    println!(
        "script {}: {} inputs played, {} not offered; transcript in {}",
        script.display(),
        outcome.inputs,
        outcome.errors,
        out.join("transcript.jsonl").display()
    );
    if outcome.errors > 0 {
        anyhow::bail!(
            "{} inputs of the script were not offered by the kiosk (see the \"error\" lines)",
            outcome.errors
        );
    }
    if outcome.unsynced > 0 {
        anyhow::bail!(
            "{} outbox items were still unsent {} s after the last input",
            outcome.unsynced,
            kiosk::script::SYNC_DEADLINE.as_secs()
        );
    }
    Ok(())
}

/// No display: scripted visitors, every screen and slip written to `out`.
fn run_scripted_demo(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let portal = kiosk::demo::demo_config(dir)?.receipt.portal_url;
    let mut screens =
        kiosk::screens::ScreenRecorder::new(out, &portal, &kiosk_ui::Panel::default())?;
    let transcript =
        kiosk::demo::run_with_screens(dir, out, chrono::Utc::now(), Some(&mut screens))?;
    print!("{transcript}");
    Ok(())
}

/// A random signing key for this run only, as provisioning makes one per kiosk.
fn demo_signing_key() -> anyhow::Result<ed25519_dalek::SigningKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// The demo kiosk on `dir`: the example configuration, a real store, slips written to `out`.
/// With `answers`, its jobs run on the worker thread and answer through that inbox (the
/// window); without, inline (the headless soak and first frame).
fn demo_device(
    dir: &Path,
    out: &Path,
    answers: Option<Inbox>,
) -> anyhow::Result<Device<BoxedPrinter>> {
    let config = kiosk::demo::demo_config(dir)?;
    let db_path = dir.join("kiosk.db");
    let store = Store::open(&db_path, &OpenOptions::default())
        .with_context(|| format!("opening {}", db_path.display()))?;
    let portal = config.receipt.portal_url.clone();
    let printer = BoxedPrinter(Box::new(SlipDir::new(out)?));
    let kiosk = Kiosk::new(
        config,
        store,
        kiosk_receipt::Profile::MM80,
        printer,
        chrono::Utc::now,
    )
    .with_satisfaction_key(demo_signing_key()?);
    let kiosk = match answers {
        Some(inbox) => kiosk
            .threaded(Box::new(move |answer| inbox.post_answer(answer)))
            .context("starting the worker thread")?,
        None => kiosk,
    };
    Ok(Device::new(kiosk, &portal, device::log_speech()))
}

/// A display: the journey in a window, played by the person at the screen.
fn run_window_demo(
    dir: &Path,
    out: &Path,
    backend: Backend,
    quit_after: Option<Duration>,
) -> anyhow::Result<()> {
    let (inbox, events) = Inbox::new();
    let device = demo_device(dir, out, Some(inbox))?;
    backend.install().context("opening the display")?;
    println!(
        "kiosk demo in a window ({}); data in {}, printed slips in {}",
        backend.name(),
        dir.display(),
        out.display()
    );
    let options = RunOptions {
        quit_after,
        display: Some(kiosk_config::DisplaySettings::default()),
        // The developer at a desktop closes the demo's window as any other.
        closable: true,
    };
    device::run_window(device, events, options)
}

/// `--first-frame FILE`: the attract screen, rendered headless, as PNG.
fn first_frame(dir: &Path, file: &Path) -> anyhow::Result<()> {
    let device = demo_device(dir, &dir.join("slips"), None)?;
    Backend::Headless.install()?;
    let ui = kiosk_ui::KioskUi::new()?;
    ui.fit_panel(&kiosk_ui::Panel::default());
    ui.show(&device.view())?;
    let png = ui.snapshot_png()?;
    std::fs::write(file, png).with_context(|| format!("writing {}", file.display()))?;
    Ok(())
}

/// `--journeys N`: N whole journeys headless; prints the memory figures of this process.
fn soak(dir: &Path, journeys: usize) -> anyhow::Result<()> {
    let mut device = demo_device(dir, &dir.join("slips"), None)?;
    Backend::Headless.install()?;
    let ui = kiosk_ui::KioskUi::new()?;
    ui.fit_panel(&kiosk_ui::Panel::default());
    let started = std::time::Instant::now();
    let drawn = device::play_journeys(&mut device, &ui, journeys)?;
    let cases = device.kiosk().backend().store().counts()?.cases;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default()
        + &std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| "?".to_owned())
    };
    println!(
        "journeys {journeys}; screens drawn {drawn}; cases {cases}; {:.2} s; VmRSS {}; VmHWM {}; Pss {}",
        started.elapsed().as_secs_f64(),
        field("VmRSS:"),
        field("VmHWM:"),
        field("Pss:")
    );
    Ok(())
}

/// `--config FILE`: the real device. A start-up step that fails shows the out-of-service
/// screen instead (see `kiosk::out_of_service`); the process exits 1 when that ends, or 0 when
/// the failed step passes again (systemd then starts the kiosk afresh).
fn run_device(path: &Path, quit_after: Option<Duration>) -> anyhow::Result<()> {
    let backend = Backend::detect();
    let out_of_service = |e: StartError, kiosk: Option<u32>| {
        let recheck = recheck(path, e.fault);
        match out_of_service::serve(e, backend, kiosk, quit_after, recheck) {
            Ended::Recovered => Ok(()),
            Ended::Failed(e) => Err(e),
        }
    };
    let config = match kiosk_config::load(path).fault(Fault::Configuration) {
        Ok(config) => config,
        Err(e) => return out_of_service(e, None),
    };
    let rotation = config.display.rotation.degrees();
    if backend == Backend::Kms && rotation != 0 && std::env::var_os("SLINT_KMS_ROTATION").is_none()
    {
        set_kms_rotation(rotation);
    }
    let kiosk_number = config.kiosk_number.get();
    match start_device(config) {
        Ok(started) => started.run(backend, quit_after),
        Err(e) => out_of_service(e, Some(kiosk_number)),
    }
}

/// Whether the start-up step that failed with `fault` would pass now, read again from the
/// configuration at `path`; `None` for a database fault, which waits for the operator.
fn recheck(path: &Path, fault: Fault) -> Option<Box<dyn FnMut() -> bool>> {
    if fault == Fault::Database {
        return None;
    }
    let path = path.to_owned();
    // The configured key file as it is now, when the kiosk gives up (see `key_fixed`).
    let mut key_file_at_start = kiosk_config::load(&path)
        .ok()
        .map(|c| file_stamp(&c.privacy.database_key_file));
    Some(Box::new(move || {
        let Ok(config) = kiosk_config::load(&path) else {
            return false;
        };
        match fault {
            Fault::Configuration => true,
            Fault::DatabaseKey => key_fixed(&config, &mut key_file_at_start),
            Fault::SigningKeys => {
                let keys = config.data_dir.join("keys");
                kiosk_store::FleetKeys::load(&keys).is_ok()
                    && kiosk_store::signing_keys::own_signing_key(&keys, config.kiosk_number)
                        .is_ok()
            }
            Fault::Devices => device::drivers::check(&config).is_empty(),
            Fault::Sync => config.samad.as_ref().is_none_or(|samad| {
                kiosk_sync::SamadClient::from_config(samad, config.kiosk_number.get()).is_ok()
            }),
            Fault::Database => false,
        }
    }))
}

/// Whether the database key could be read now. Under systemd the kiosk reads a copy made when
/// the service started (`$CREDENTIALS_DIRECTORY`), which never changes while it runs, and the
/// file itself is root's: then the key counts as fixed once the configured file has appeared or
/// changed (its size and time, which the kiosk user may read) since the first look, and the
/// restart that follows takes a fresh copy. Elsewhere the file is simply read.
fn key_fixed(
    config: &kiosk_config::KioskConfig,
    at_start: &mut Option<Option<(u64, std::time::SystemTime)>>,
) -> bool {
    let configured = &config.privacy.database_key_file;
    if database_key_file(config) == *configured {
        return kiosk_store::DatabaseKey::load(configured).is_ok();
    }
    let now = file_stamp(configured);
    let before = *at_start.get_or_insert(now);
    now.is_some() && now != before
}

/// A file's size and modification time, if it is there to see.
fn file_stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// The database key file: systemd's credential when the service has one (on the device the
/// file is root's alone), else the configured path.
fn database_key_file(config: &kiosk_config::KioskConfig) -> PathBuf {
    kiosk::credentials::path_for(
        kiosk::credentials::DATABASE_KEY,
        &config.privacy.database_key_file,
    )
}

/// A device whose store, keys, devices and relay are up, before its loop runs.
struct Started {
    device: Device<BoxedPrinter>,
    inbox: Inbox,
    events: std::sync::mpsc::Receiver<kiosk::device::Inbound>,
    devices_alive: device::drivers::SimHandles,
    sync: Option<device::sync::SyncHandle>,
    display: kiosk_config::DisplaySettings,
    kiosk_number: kiosk_core::KioskNumber,
    pending: u64,
    /// The data directory's lock, released when the loop and the relay have ended.
    dir_lock: kiosk_store::DataDirLock,
}

/// Every start-up step that can fail for a reason the operator must fix, each naming its
/// [`Fault`].
fn start_device(config: kiosk_config::KioskConfig) -> Result<Started, StartError> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))
        .fault(Fault::Database)?;
    // One kiosk process per data directory (DATA_DIR/kiosk.lock, held until the process
    // ends): a second one is refused here, naming the PID of the first, before it touches the
    // database.
    let dir_lock = kiosk_store::DataDirLock::acquire(&config.data_dir).fault(Fault::Database)?;
    let db_path = config.data_dir.join("kiosk.db");
    // A corrupt database is moved aside by the store and reported here; the kiosk does not
    // start an empty one on its own, because a fresh database would restart the tracking-code
    // sequence and could give out codes already printed. Recovery is an operator's decision.
    // The database is encrypted at rest; a missing, unreadable, malformed or too-open key file
    // stops the kiosk here, naming the file.
    let key =
        kiosk_store::DatabaseKey::load(&database_key_file(&config)).fault(Fault::DatabaseKey)?;
    let store = Store::open(&db_path, &OpenOptions::encrypted(key.clone()))
        .with_context(|| format!("opening the database {}", db_path.display()))
        .fault(Fault::Database)?;
    let stats = store.outbox_depth().fault(Fault::Database)?;
    tracing::info!(kiosk = %config.kiosk_number, pending = stats.pending, "store open");
    // Satisfaction codes: this kiosk signs with its own key and verifies any kiosk's codes
    // with the fleet's published keys, both provisioned into DATA_DIR/keys.
    let keys_dir = config.data_dir.join("keys");
    let fleet = device::FleetKeys::load(&keys_dir).fault(Fault::SigningKeys)?;
    let own_key = kiosk_store::signing_keys::own_signing_key(&keys_dir, config.kiosk_number)
        .fault(Fault::SigningKeys)?;
    tracing::info!(
        mode = ?config.mode,
        published_keys = fleet.len(),
        signs = own_key.is_some(),
        "satisfaction keys"
    );
    // Every configured device is checked and started (a wrong path stops the kiosk here, naming
    // the key); the input devices post onto the run loop's inbox from their own threads.
    let mut devices = device::drivers::build(&config).fault(Fault::Devices)?;
    let (inbox, events) = Inbox::new();
    device::forward_devices(&mut devices, &inbox).fault(Fault::Devices)?;
    // SAMAD sync on threads (and a database connection) of its own, when configured. Its first
    // heartbeat reports the printer as its status says now; each slip updates it after.
    let sync = match &config.samad {
        Some(samad) => Some(
            device::sync::start_relay_keyed(
                samad,
                config.kiosk_number.get(),
                &db_path,
                Some(key),
                {
                    let (problem, paper) = devices.printer.state_now();
                    device::sync::firmware_health(device::sync::printer_health(problem, paper))
                },
            )
            .fault(Fault::Sync)?,
        ),
        None => {
            tracing::warn!("no [samad] section: cases stay in the outbox");
            None
        }
    };
    let (speaker, set_levels) = match devices.speech.take() {
        Some(speech) => device::queue_speaker(speech),
        None => (device::log_speech(), device::log_levels()),
    };
    let profile = devices.profile;
    let printer = BoxedPrinter(Box::new(devices.printer));
    let portal = config.receipt.portal_url.clone();
    let display = config.display;
    let kiosk_number = config.kiosk_number;
    let office = match &config.samad {
        Some(samad) if samad.agency_server => Some(
            device::office::AgencyLink::start(samad, config.kiosk_number.get())
                .fault(Fault::Sync)?,
        ),
        _ => None,
    };
    // Through an agency server this device publishes its satisfaction key and verifies with
    // the whole fleet's, fetched and cached in DATA_DIR/keys (device/fleet_keys.rs).
    let fleet_sync = match &config.samad {
        Some(samad) if samad.agency_server => Some(
            device::fleet_keys::FleetKeySync::start(
                samad,
                config.kiosk_number,
                &keys_dir,
                own_key
                    .as_ref()
                    .map(ed25519_dalek::SigningKey::verifying_key),
            )
            .fault(Fault::Sync)?,
        ),
        _ => None,
    };
    // Staff calls ride the same link: a kiosk's go to the desks, a desk shows them.
    let calls_link = office.clone();
    let mut kiosk = Kiosk::new(config, store, profile, printer, chrono::Utc::now);
    if let Some(link) = office {
        kiosk = kiosk
            .with_remote_cases(Box::new(link.clone()))
            .with_remote_staff(Box::new(link));
    }
    if let Some(key) = own_key {
        kiosk = kiosk.with_satisfaction_key(key);
    }
    // Registering and printing run on the worker thread; its answers come back through the
    // inbox like any device's events, so the screen never waits on the store or the printer.
    let answers = inbox.clone();
    let kiosk = kiosk
        .threaded(Box::new(move |answer| answers.post_answer(answer)))
        .context("starting the worker thread")
        .fault(Fault::Devices)?;
    let mut device = Device::new(kiosk, &portal, speaker)
        .with_speech_levels(set_levels)
        .with_fleet_keys(fleet)
        .with_indicators(devices.indicators.take());
    if let Some(fleet_sync) = fleet_sync {
        device = device.with_fleet_key_sync(fleet_sync);
    }
    if let Some(link) = calls_link {
        device = device.with_agency_link(link);
    }
    device.resume_staff_calls();
    if let Some(sync) = &sync {
        device = device
            .with_outbox_waker(Box::new(sync.waker()))
            .with_printer_reporter(sync.printer_reporter())
            .with_sync_stats(sync.shared_stats())
            .with_catalogue_updates(sync.catalogue());
    }
    Ok(Started {
        device,
        inbox,
        events,
        devices_alive: devices.sims,
        sync,
        display,
        kiosk_number,
        pending: stats.pending,
        dir_lock,
    })
}

impl Started {
    /// Opens the display and runs the loop until it quits.
    fn run(self, backend: Backend, quit_after: Option<Duration>) -> anyhow::Result<()> {
        let Started {
            device,
            inbox,
            events,
            devices_alive,
            sync,
            display,
            kiosk_number,
            pending,
            dir_lock,
        } = self;
        backend
            .install()
            .with_context(|| format!("starting the {} display", backend.name()))?;
        println!(
            "kiosk {kiosk_number} running ({}); outbox {pending} pending",
            backend.name(),
        );
        // READY=1 to systemd (Type=notify) and watchdog pings while the event loop turns.
        let _watchdog = kiosk::systemd::notify_ready(&format!("kiosk {kiosk_number} serving"));
        let options = RunOptions {
            quit_after,
            display: Some(display),
            closable: false,
        };
        let result = match backend {
            Backend::Headless => device::run_headless(device, events, options).map(|_| ()),
            _ => device::run_window(device, events, options),
        };
        // The simulated devices' handles and the inbox live as long as the loop.
        drop((inbox, devices_alive));
        if let Some(sync) = sync {
            sync.shutdown();
        }
        drop(dir_lock);
        result
    }
}

/// Tells the KMS backend how the panel is mounted (it reads `SLINT_KMS_ROTATION`).
#[allow(unsafe_code)]
fn set_kms_rotation(degrees: u16) {
    // SAFETY: called from `run_device` before any thread is started (no driver, no event loop,
    // no relay yet; the tracing subscriber starts none), so no other thread reads or writes
    // the environment concurrently.
    unsafe { std::env::set_var("SLINT_KMS_ROTATION", degrees.to_string()) };
}
