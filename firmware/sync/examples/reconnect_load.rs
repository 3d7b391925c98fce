//! Load test: N kiosks coming back at once after a SAMAD outage, measured at the server.
//!
//! Each kiosk is a real [`Relay`] task with its own SQLite store and its own [`SamadClient`]
//! (its own connection pool, its own TLS identity), all in one process, talking to the real
//! simulator over mutual TLS on loopback. Every kiosk sends a heartbeat each `period`; failures
//! back off exponentially (base 100 ms; a periodic job's window grows to twice its period, so the mean
//! wait is one period), with full jitter or without.
//!
//! The run: every kiosk first makes one request (its TLS connection is up, as on a kiosk that
//! was working), then SAMAD goes down (every request answered 503) and all relays start at the
//! same instant, as after a regional power cut; after `outage` SAMAD comes back. The simulator
//! notes the arrival time of every request; the figures are requests per 100 ms window from the
//! end of the outage on: the peak window against the steady rate (the mean of the windows after
//! two periods, when the recovery is over). Goal with full jitter: the peak rate in requests
//! per second (the busiest ten consecutive windows) ≤ 2× the steady rate per second. The
//! 100 ms figures are printed too: they show bursts of the machine's scheduler as much as the
//! fleet's (a loaded machine that stalls the process for a moment delivers the stalled
//! requests in one window — compare the busiest window of the steady part).
//!
//! `cargo run -p kiosk-sync --example reconnect_load -- [KIOSKS] [PERIOD_MS] [OUTAGE_MS]`
//! (defaults 1000, 4000, 10000), or `tools/bench/sync_reconnect.sh`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kiosk_store::{OpenOptions, Store};
use kiosk_sync::{Backoff, ClientSettings, Relay, RelaySettings, SamadClient, TlsMaterial};
use samad_sim::faults::{Fault, RandomFaults};

const WINDOW: Duration = Duration::from_millis(100);

struct Figures {
    peak: usize,
    peak_at: Duration,
    steady: f64,
    /// The busiest window of the steady part: the noise floor of a loaded machine.
    steady_peak: usize,
    /// The 99th percentile of the recovery part's windows.
    p99: usize,
    /// The busiest second (ten consecutive windows), anywhere after the outage.
    peak_second: usize,
    total_after: usize,
}

async fn run(
    kiosks: u32,
    period: Duration,
    outage: Duration,
    jitter: bool,
) -> anyhow::Result<Figures> {
    let sim = samad_sim::start(samad_sim::SimConfig {
        record_arrivals: true,
        ..samad_sim::SimConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let settings = RelaySettings {
        backoff: Backoff {
            base: Duration::from_millis(100),
            cap: period,
        },
        jitter,
        heartbeat_interval: Some(period),
        catalogue_interval: None,
        pull_interval: None,
        max_idle: Duration::from_secs(3600),
        ..RelaySettings::default()
    };
    // Every kiosk: its identity, store and client, and one request to open its connection.
    let mut relays = Vec::with_capacity(kiosks as usize);
    for k in 1..=kiosks {
        let id = sim.kiosk_identity(k)?;
        let client = SamadClient::new(&ClientSettings {
            base_url: sim.base_url(),
            kiosk_number: k,
            token: "sim-token".into(),
            tls: TlsMaterial {
                ca_pem: sim.pki().ca_pem.clone(),
                client_cert_pem: id.cert_pem,
                client_key_pem: id.key_pem,
            },
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        })?;
        client.catalogue(Some(samad_sim::CATALOGUE_ETAG)).await?;
        let store = Store::open(dir.path().join(format!("k{k}.db")), &OpenOptions::default())?;
        relays.push(Relay::new(Arc::new(Mutex::new(store)), client, settings));
    }
    // SAMAD goes down; every kiosk starts at once.
    sim.faults(|f| {
        f.randomly(RandomFaults {
            seed: 1,
            odds: vec![(Fault::Status { status: 503 }, 1000)],
        })
    });
    let handles: Vec<_> = relays.into_iter().map(Relay::spawn).collect();
    tokio::time::sleep(outage).await;
    sim.faults(|f| f.clear());
    let back = Instant::now();
    let measure = period * 6;
    tokio::time::sleep(measure).await;
    let arrivals = sim
        .state()
        .arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("arrivals lock poisoned"))?
        .clone();
    for h in handles {
        h.shutdown().await;
    }
    let windows = (measure.as_millis() / WINDOW.as_millis()) as usize;
    let mut counts = vec![0usize; windows];
    for at in arrivals.iter().filter(|a| **a >= back) {
        let i = (at.duration_since(back).as_millis() / WINDOW.as_millis()) as usize;
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    let settled = (period * 2).as_millis() as usize / WINDOW.as_millis() as usize;
    let tail = &counts[settled..];
    let steady = tail.iter().sum::<usize>() as f64 / tail.len().max(1) as f64;
    let steady_peak = tail.iter().copied().max().unwrap_or(0);
    let mut recovery = counts[..settled].to_vec();
    recovery.sort_unstable();
    let p99 = recovery
        .get(recovery.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or(0);
    let (peak_i, peak) = counts
        .iter()
        .enumerate()
        .max_by_key(|(_, c)| **c)
        .map(|(i, c)| (i, *c))
        .unwrap_or((0, 0));
    let peak_second = counts
        .windows(10)
        .map(|w| w.iter().sum::<usize>())
        .max()
        .unwrap_or(0);
    sim.shutdown().await;
    Ok(Figures {
        peak_second,
        peak,
        peak_at: WINDOW * peak_i as u32,
        steady,
        steady_peak,
        p99,
        total_after: counts.iter().sum(),
    })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let arg = |i: usize, default: u64| -> anyhow::Result<u64> {
        std::env::args()
            .nth(i)
            .map(|a| a.parse::<u64>())
            .transpose()
            .map(|v| v.unwrap_or(default))
            .map_err(|e| anyhow::anyhow!("argument {i}: {e}"))
    };
    let kiosks = u32::try_from(arg(1, 1000)?)?;
    let period = Duration::from_millis(arg(2, 4000)?);
    let outage = Duration::from_millis(arg(3, 10_000)?);
    let expected = f64::from(kiosks) * WINDOW.as_secs_f64() / period.as_secs_f64();
    println!(
        "{kiosks} kiosks, each its own client, store and TLS connection; heartbeat every {period:?}; outage {outage:?}; backoff base 100 ms, heartbeat retries in a window of up to 2 × {period:?} (mean wait {period:?})"
    );
    println!("steady rate expected: {expected:.1} requests per 100 ms");
    let mut ratios = Vec::new();
    for jitter in [true, false] {
        let f = run(kiosks, period, outage, jitter).await?;
        let ratio = f.peak as f64 / f.steady.max(f64::MIN_POSITIVE);
        let per_second = f.peak_second as f64 / (f.steady * 10.0).max(f64::MIN_POSITIVE);
        ratios.push(per_second);
        println!(
            "{:<14} busiest second {} requests, steady {:.0} per second: peak/steady {:.2} (per second)",
            if jitter { "full jitter:" } else { "no jitter:" },
            f.peak_second,
            f.steady * 10.0,
            per_second,
        );
        println!(
            "{:<14} peak {:>4} requests in the 100 ms window at +{:?} after the outage; steady {:.1} per 100 ms; peak/steady {:.2}; recovery p99 window {} ({:.2}x); busiest steady window {} ({:.2}x); {} requests in {:?}",
            if jitter { "full jitter:" } else { "no jitter:" },
            f.peak,
            f.peak_at,
            f.steady,
            ratio,
            f.p99,
            f.p99 as f64 / f.steady.max(f64::MIN_POSITIVE),
            f.steady_peak,
            f.steady_peak as f64 / f.steady.max(f64::MIN_POSITIVE),
            f.total_after,
            period * 6,
        );
    }
    println!(
        "goal: requests per second at their peak <= 2x the steady rate, with full jitter: {}",
        if ratios[0] <= 2.0 { "met" } else { "NOT met" }
    );
    Ok(())
}
