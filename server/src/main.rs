//! `agency-server`: serve the device contract, apply the migrations, make enrolment codes.

use std::net::SocketAddr;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "The agency server: what an office's kiosks and desk terminals share"
)]
struct Cli {
    /// The PostgreSQL connection string (libpq key=value or postgresql:// URL; a host that is
    /// a directory means the Unix socket in it).
    #[arg(long, env = "AGENCY_DATABASE", global = true, default_value = "")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve.
    Serve {
        /// Where to listen.
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        /// The server's certificate chain (PEM).
        #[arg(long, required_unless_present = "plain_http")]
        tls_cert: Option<std::path::PathBuf>,
        /// The server's private key (PEM).
        #[arg(long, required_unless_present = "plain_http")]
        tls_key: Option<std::path::PathBuf>,
        /// Plain HTTP (behind a TLS-terminating proxy, or for local tools).
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        plain_http: bool,
        /// Database connections of this instance.
        #[arg(long, default_value_t = 16)]
        pool_size: usize,
        /// Case look-ups that find nothing a device may make per hour.
        #[arg(long, default_value_t = agency_server::DEFAULT_LOOKUP_MISSES_PER_HOUR)]
        lookup_misses_per_hour: i32,
    },
    /// Apply pending migrations and print the schema version.
    Migrate,
    /// Make a one-time enrolment code for a kiosk number (printed on stdout).
    EnrolCode {
        /// The kiosk number the enrolled device will act as.
        #[arg(long)]
        kiosk: u32,
        /// Hours until the code expires.
        #[arg(long, default_value_t = 24)]
        valid_hours: i64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    anyhow::ensure!(
        !cli.database.is_empty(),
        "no database: pass --database or set AGENCY_DATABASE"
    );
    let size = match &cli.command {
        Command::Serve { pool_size, .. } => *pool_size,
        _ => 2,
    };
    let pool = agency_server::db::pool(&cli.database, size)?;
    let report = agency_server::db::migrate(&pool)
        .await
        .context("migrating the database")?;
    match cli.command {
        Command::Migrate => {
            println!(
                "schema version {} (was {}; applied {:?})",
                report.to, report.from, report.applied
            );
        }
        Command::EnrolCode { kiosk, valid_hours } => {
            let code = agency_server::auth::create_enrol_code(
                &pool,
                kiosk,
                chrono::Duration::hours(valid_hours.clamp(1, 24 * 30)),
            )
            .await?;
            eprintln!("enrolment code for kiosk {kiosk}, valid {valid_hours} h, usable once:");
            println!("{code}");
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            plain_http,
            lookup_misses_per_hour,
            ..
        } => {
            let tls = match (plain_http, tls_cert, tls_key) {
                (true, _, _) => None,
                (false, Some(cert), Some(key)) => Some(agency_server::tls_config(
                    &std::fs::read(&cert).with_context(|| format!("reading {}", cert.display()))?,
                    &std::fs::read(&key).with_context(|| format!("reading {}", key.display()))?,
                )?),
                _ => anyhow::bail!("pass --tls-cert and --tls-key, or --plain-http"),
            };
            let server = agency_server::start(
                pool,
                agency_server::ServerConfig {
                    listen,
                    tls,
                    lookup_misses_per_hour,
                    clock: chrono::Utc::now,
                },
            )
            .await?;
            println!("listening on {}", server.base_url());
            tokio::select! {
                () = server.wait() => {}
                r = tokio::signal::ctrl_c() => r?,
            }
        }
    }
    Ok(())
}
