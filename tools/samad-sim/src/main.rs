//! `samad-sim`: runs the SAMAD simulator.
//!
//! `samad-sim --listen ADDR --db FILE` serves HTTPS with mutual TLS; the run's CA and a kiosk
//! client certificate are written to `--cert-dir` for the kiosk to use. `--plain-http` serves
//! plain HTTP for local tools; `--openapi` prints the contract and exits.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

/// The SAMAD simulator.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on, e.g. 127.0.0.1:8443. (Read as text and checked by
    /// `listen_address`, so that a wrong value is quoted at most 80 characters long.)
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: String,
    /// The simulator's database file (in memory when absent).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Serve plain HTTP instead of TLS.
    #[arg(long)]
    plain_http: bool,
    /// Print the OpenAPI contract and exit.
    #[arg(long)]
    openapi: bool,
    /// Directory to write the run's CA and a kiosk certificate and key into (default: a
    /// `samad-sim-certs` directory in the system's temporary directory, never the work tree).
    #[arg(long)]
    cert_dir: Option<PathBuf>,
    /// Kiosk number of the client certificate written to --cert-dir.
    #[arg(long, default_value_t = 1)]
    kiosk: u32,
    /// The bearer token kiosks must send.
    #[arg(long, default_value = "sim-token")]
    token: String,
    /// Subjects to refuse with 422 (repeatable).
    #[arg(long = "refuse-subject")]
    refused_subjects: Vec<String>,
    /// A token bound to one kiosk, as NUMBER=TOKEN (repeatable): accepted only on that
    /// kiosk's paths, 403 on any other kiosk's.
    #[arg(long = "kiosk-token", value_parser = kiosk_token)]
    kiosk_tokens: Vec<(u32, String)>,
}

/// `NUMBER=TOKEN`.
fn kiosk_token(text: &str) -> Result<(u32, String), String> {
    let (number, token) = text
        .split_once('=')
        .ok_or_else(|| format!("«{}» is not NUMBER=TOKEN", kiosk_core::text::quoted(text)))?;
    let number = number
        .trim()
        .parse::<u32>()
        .map_err(|e| format!("kiosk number «{}»: {e}", kiosk_core::text::quoted(number)))?;
    if token.trim().is_empty() {
        return Err("the token is empty".to_owned());
    }
    Ok((number, token.trim().to_owned()))
}

/// The `--listen` address, or a usage error quoting at most 80 characters of it.
fn listen_address(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "--listen «{}»: not an address and port such as 127.0.0.1:8443",
            kiosk_core::text::quoted(text)
        )
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listen = match listen_address(&args.listen) {
        Ok(listen) => listen,
        Err(message) => {
            eprintln!("error: {message}");
            // clap's exit code for a usage error.
            std::process::exit(2);
        }
    };
    if args.openapi {
        print!("{}", kiosk_sync::OPENAPI_YAML);
        return Ok(());
    }
    // Logs go to stderr: stdout carries only the listening line, for scripts.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let sim = samad_sim::start(samad_sim::SimConfig {
        listen,
        db: args.db,
        plain_http: args.plain_http,
        token: args.token,
        refused_subjects: args.refused_subjects,
        record_requests: false,
        record_arrivals: false,
        kiosk_tokens: args.kiosk_tokens,
    })
    .await
    .context("start the simulator")?;
    if !args.plain_http {
        let cert_dir = args
            .cert_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("samad-sim-certs"));
        std::fs::create_dir_all(&cert_dir)
            .with_context(|| format!("create {}", cert_dir.display()))?;
        let kiosk = sim.kiosk_identity(args.kiosk)?;
        let files = [
            ("ca.pem", sim.pki().ca_pem.as_str()),
            ("kiosk.pem", kiosk.cert_pem.as_str()),
            ("kiosk.key", kiosk.key_pem.as_str()),
        ];
        for (name, text) in files {
            let path = cert_dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
            if name.ends_with(".key") {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("restrict {}", path.display()))?;
            }
        }
        tracing::info!(dir = %cert_dir.display(), "CA and kiosk certificate written");
    }
    println!("samad-sim listening on {}", sim.base_url());
    tokio::signal::ctrl_c().await.context("wait for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
