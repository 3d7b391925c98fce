//! `sms-sim`: runs the SMS provider simulator (lib.rs says what it answers).
//!
//! `sms-sim --listen 127.0.0.1:8090 --key-file KEY --rate 20` serves until interrupted and
//! prints `listening on http://ADDR` once it does.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// The SMS provider simulator.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// A file holding the API key callers must send (default: `sms-test-key`).
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Messages taken per second, at most.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    rate: u32,
    /// Most parts of one message.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=10))]
    max_parts: u64,
    /// Milliseconds a message stays queued before it is delivered.
    #[arg(long, default_value_t = 500)]
    delivery_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = sms_sim::SimConfig {
        rate_per_second: args.rate,
        burst: args.rate,
        max_parts: usize::try_from(args.max_parts).unwrap_or(2),
        delivery_delay: Duration::from_millis(args.delivery_ms),
        ..sms_sim::SimConfig::default()
    };
    if let Some(path) = &args.key_file {
        let key = std::fs::read_to_string(path)
            .with_context(|| format!("reading the API key from {}", path.display()))?;
        let key = key.trim();
        anyhow::ensure!(
            !key.is_empty(),
            "the API key file {} is empty",
            path.display()
        );
        config.api_key = key.to_owned();
    }
    let sim = sms_sim::start(args.listen, config)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    println!("listening on {}", sim.base_url());
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
