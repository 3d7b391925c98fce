//! `kioskctl sync now`: drains the outbox to SAMAD and pulls case events back once, from the
//! command line, with the same client and relay as the firmware (mutual TLS, pinned CA, bearer
//! token, leases). Safe beside a running firmware: an item leased by the firmware's relay is not
//! claimed here, and SAMAD's idempotency keys make a double send harmless anyway.
//!
//! The token is read from a file, never from the command line (where `ps` would show it).
//!
//! Where SAMAD is comes from the kiosk's configuration (`--config FILE`: its `[samad]` section
//! and `kiosk.number`, the database in `kiosk.data_dir`) or from flags naming each part.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_sync::{ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use serde_json::json;

use crate::commands::db::KioskDb;
use crate::commands::outbox::open_existing;
use crate::output::{self, Outcome};

/// Subcommands of `sync`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Send everything claimable now and pull events back; report what is left.
    Now(NowArgs),
}

/// Where SAMAD is and who the kiosk is.
#[derive(clap::Args)]
pub struct NowArgs {
    /// The kiosk's configuration: SAMAD's address, certificates, token file and kiosk number
    /// from it, the database in `kiosk.data_dir` (unless --db is given).
    #[arg(long, conflicts_with_all = ["url", "kiosk", "ca", "cert", "key", "token_file"])]
    config: Option<PathBuf>,
    /// The kiosk database.
    #[arg(long, required_unless_present = "config")]
    db: Option<PathBuf>,
    /// SAMAD's base URL, e.g. https://samad.example:8443.
    #[arg(long, required_unless_present = "config")]
    url: Option<String>,
    /// The kiosk number.
    #[arg(long, required_unless_present = "config")]
    kiosk: Option<u32>,
    /// The pinned CA certificate (PEM).
    #[arg(long, required_unless_present = "config")]
    ca: Option<PathBuf>,
    /// The kiosk's certificate (PEM).
    #[arg(long, required_unless_present = "config")]
    cert: Option<PathBuf>,
    /// The kiosk's private key (PEM).
    #[arg(long, required_unless_present = "config")]
    key: Option<PathBuf>,
    /// A file holding the bearer token.
    #[arg(long, required_unless_present = "config")]
    token_file: Option<PathBuf>,
    /// Longest wait for one request, in seconds [default: 30, or the configuration's].
    #[arg(long)]
    timeout_s: Option<u64>,
    /// How long a claimed item is held before another relay may send it, in seconds (if this
    /// process dies mid-send); longer than the request timeout [default: 120, or twice the
    /// configuration's request timeout when longer].
    #[arg(long)]
    lease_s: Option<u64>,
    /// The URL is the agency server (it takes the office's visit claims); without it claims
    /// are settled without sending, as SAMAD takes none [default: the configuration's
    /// `samad.agency_server`].
    #[arg(long)]
    agency_server: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

/// A flag clap made required when `--config` is absent.
fn flag<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, String> {
    value
        .as_ref()
        .ok_or_else(|| format!("--{name} is required without --config"))
}

/// The client, relay settings and database, from the configuration or the flags.
fn setup(args: &NowArgs) -> Result<(SamadClient, RelaySettings, KioskDb), String> {
    if let Some(path) = &args.config {
        let config = kiosk_config::load(path).map_err(|e| e.to_string())?;
        let Some(mut samad) = config.samad.clone() else {
            return Err(format!(
                "samad: {} has no [samad] section, so this kiosk does not sync",
                path.display()
            ));
        };
        if let Some(t) = args.timeout_s {
            samad.request_timeout = Duration::from_secs(t.max(1));
        }
        let client = SamadClient::from_config(&samad, config.kiosk_number.get())
            .map_err(|e| e.to_string())?;
        let mut relay = RelaySettings::from_config(&samad);
        relay.agency_server |= args.agency_server;
        if let Some(l) = args.lease_s {
            relay.lease = Duration::from_secs(l.max(1));
        }
        let db = match &args.db {
            Some(path) => KioskDb::at(path, None),
            None => KioskDb::of_config(&config),
        };
        return Ok((client, relay, db));
    }
    let settings = ClientSettings {
        base_url: flag(&args.url, "url")?.clone(),
        kiosk_number: *flag(&args.kiosk, "kiosk")?,
        token: read(flag(&args.token_file, "token-file")?, "token file")?
            .trim()
            .to_owned(),
        tls: TlsMaterial {
            ca_pem: read(flag(&args.ca, "ca")?, "CA certificate")?,
            client_cert_pem: read(flag(&args.cert, "cert")?, "kiosk certificate")?,
            client_key_pem: read(flag(&args.key, "key")?, "kiosk key")?,
        },
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(args.timeout_s.unwrap_or(30).max(1)),
    };
    let client = SamadClient::new(&settings).map_err(|e| e.to_string())?;
    let relay = RelaySettings {
        lease: Duration::from_secs(args.lease_s.unwrap_or(120).max(1)),
        agency_server: args.agency_server,
        ..RelaySettings::default()
    };
    Ok((client, relay, KioskDb::at(flag(&args.db, "db")?, None)))
}

fn now(args: &NowArgs) -> Outcome {
    let fail = |reason: String| {
        output::invalid(
            args.json,
            json!({"valid": false, "reason": reason}),
            &reason,
        )
    };
    let (client, relay_settings, db) = match setup(args) {
        Ok(s) => s,
        Err(reason) => return fail(reason),
    };
    let mut store = match open_existing(&db, args.json) {
        Ok(s) => s,
        Err(outcome) => return outcome,
    };
    // "Now" means now: waits from earlier failures are cut (leases are kept).
    if let Err(e) = store.outbox_send_now() {
        return fail(e.to_string());
    }
    let store = Arc::new(Mutex::new(store));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let mut relay = Relay::new(Arc::clone(&store), client, relay_settings);
    let result = runtime.block_on(async {
        let sent = relay.drain().await?;
        let events = relay.pull_events().await?;
        Ok::<_, kiosk_sync::SyncError>((sent, events))
    });
    let depth = store
        .lock()
        .map_err(|_| "the store lock is poisoned".to_owned())
        .and_then(|s| s.outbox_depth().map_err(|e| e.to_string()));
    match (result, depth) {
        (Ok((sent, events)), Ok(depth)) => output::valid(
            args.json,
            json!({
                "valid": true,
                "sent": sent,
                "events": events,
                "pending": depth.pending,
                "parked": depth.parked,
            }),
            &format!(
                "synced: {sent} items answered, {events} events pulled back; {} pending, {} parked",
                depth.pending, depth.parked
            ),
        ),
        (Err(e), _) => fail(e.to_string()),
        (_, Err(reason)) => fail(reason),
    }
}

/// Runs the command.
pub fn run(command: &Command) -> Outcome {
    match command {
        Command::Now(args) => now(args),
    }
}
