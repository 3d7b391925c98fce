//! `kioskctl sync now`: drains the outbox to SAMAD and pulls case events back once, from the
//! command line, with the same client and relay as the firmware (mutual TLS, pinned CA, bearer
//! token, leases). Safe beside a running firmware: an item leased by the firmware's relay is not
//! claimed here, and SAMAD's idempotency keys make a double send harmless anyway.
//!
//! The token is read from a file, never from the command line (where `ps` would show it).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk_sync::{ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use serde_json::json;

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
    /// The kiosk database.
    #[arg(long)]
    db: PathBuf,
    /// SAMAD's base URL, e.g. https://samad.example:8443.
    #[arg(long)]
    url: String,
    /// The kiosk number.
    #[arg(long)]
    kiosk: u32,
    /// The pinned CA certificate (PEM).
    #[arg(long)]
    ca: PathBuf,
    /// The kiosk's certificate (PEM).
    #[arg(long)]
    cert: PathBuf,
    /// The kiosk's private key (PEM).
    #[arg(long)]
    key: PathBuf,
    /// A file holding the bearer token.
    #[arg(long)]
    token_file: PathBuf,
    /// Longest wait for one request, in seconds.
    #[arg(long, default_value_t = 30)]
    timeout_s: u64,
    /// How long a claimed item is held before another relay may send it, in seconds (if this
    /// process dies mid-send); longer than the request timeout.
    #[arg(long, default_value_t = 120)]
    lease_s: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

fn settings(args: &NowArgs) -> Result<ClientSettings, String> {
    Ok(ClientSettings {
        base_url: args.url.clone(),
        kiosk_number: args.kiosk,
        token: read(&args.token_file, "token file")?.trim().to_owned(),
        tls: TlsMaterial {
            ca_pem: read(&args.ca, "CA certificate")?,
            client_cert_pem: read(&args.cert, "kiosk certificate")?,
            client_key_pem: read(&args.key, "kiosk key")?,
        },
        connect_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(args.timeout_s.max(1)),
    })
}

fn now(args: &NowArgs) -> Outcome {
    let fail = |reason: String| {
        output::invalid(
            args.json,
            json!({"valid": false, "reason": reason}),
            &reason,
        )
    };
    let settings = match settings(args) {
        Ok(s) => s,
        Err(reason) => return fail(reason),
    };
    let client = match SamadClient::new(&settings) {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    let mut store = match open_existing(&args.db, args.json) {
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
    let relay_settings = RelaySettings {
        lease: Duration::from_secs(args.lease_s.max(1)),
        ..RelaySettings::default()
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
