//! `kiosk`: the firmware binary.
//!
//! `kiosk --demo` plays a visitor's journey on a temporary data directory (no hardware);
//! `kiosk --config FILE` runs a real device from its configuration.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser;
use kiosk_store::{OpenOptions, Store};

/// Firmware of the service-desk kiosk.
#[derive(Parser)]
#[command(name = "kiosk", version, about)]
struct Args {
    /// Play the demo journey with a temporary data directory and simulated devices.
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Keep the demo's data in this directory instead of a temporary one.
    #[arg(long, requires = "demo")]
    data_dir: Option<PathBuf>,
    /// Write the demo's printed slips (PNG and ESC/POS bytes) here (default: DATA_DIR/slips).
    #[arg(long, requires = "demo")]
    out: Option<PathBuf>,
    /// Also render every screen of the demo with the software renderer into the --out
    /// directory (no display needed).
    #[arg(long, requires = "demo")]
    headless: bool,
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
        .init();
    let args = Args::parse();
    let result = if args.demo {
        run_demo(args.data_dir, args.out, args.headless)
    } else {
        run_device(args.config)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kiosk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_demo(data_dir: Option<PathBuf>, out: Option<PathBuf>, headless: bool) -> anyhow::Result<()> {
    let temp;
    let dir = match data_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            dir
        }
        None => {
            temp = tempfile::tempdir().context("creating a temporary data directory")?;
            temp.path().to_owned()
        }
    };
    let out = out.unwrap_or_else(|| dir.join("slips"));
    let mut screens = if headless {
        let portal = kiosk::demo::demo_config(&dir)?.receipt.portal_url;
        Some(kiosk::screens::ScreenRecorder::new(
            &out,
            &portal,
            &kiosk_ui::Panel::default(),
        )?)
    } else {
        None
    };
    let transcript =
        kiosk::demo::run_with_screens(&dir, &out, chrono::Utc::now(), screens.as_mut())?;
    print!("{transcript}");
    Ok(())
}

fn run_device(config_path: Option<PathBuf>) -> anyhow::Result<()> {
    let path = config_path.context("--config FILE is required")?;
    let config = kiosk_config::load(&path)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let db_path = config.data_dir.join("kiosk.db");
    // A corrupt database is moved aside by the store and reported here; the kiosk does not
    // start an empty one on its own, because a fresh database would restart the tracking-code
    // sequence and could give out codes already printed. Recovery is an operator's decision.
    let store = Store::open(&db_path, &OpenOptions::default())
        .with_context(|| format!("opening the database {}", db_path.display()))?;
    let stats = store.outbox_depth()?;
    tracing::info!(kiosk = %config.kiosk_number, pending = stats.pending, "store open");
    println!(
        "kiosk {} ready (headless: no display backend in this build); outbox {} pending",
        config.kiosk_number, stats.pending
    );
    loop {
        std::thread::park();
    }
}
