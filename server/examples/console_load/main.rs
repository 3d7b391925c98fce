//! The console's performance with an agency's worth of data, release build, one run
//! (tools/bench/console_scale.sh): 1,000 devices and 1,000,000 cases (a year of them, with
//! their answers, ratings and meeting forms; seed.rs) in a PostgreSQL 15 cluster of its own
//! (`fsync` on), the real console on loopback, and an account at each level (agency, province,
//! county, office) logged in through the login form. Every page is asked for `--requests`
//! times by each account (one request at a time, as a manager clicks) and its latency's p50,
//! p95 and maximum printed beside the goal (every page p95 ≤ 100 ms, every report ≤ 1 s).
//! Then a backlog of `--notices` notices to applicants is sent through the SMS provider
//! simulator (tools/sms-sim) at its rate limit: the time it took beside the time the limit
//! allows, and whether any message was taken twice.

#[path = "../office_load/cluster.rs"]
#[allow(dead_code, reason = "shared with office_load, which uses all of it")]
mod cluster;
// The console's tests' own browser: the login form with its CSRF double, no redirects followed.
#[path = "../../tests/support/console.rs"]
#[allow(
    dead_code,
    clippy::unwrap_used,
    reason = "the tests' helpers: a failed step there ends the benchmark too"
)]
mod console_support;
mod seed;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use agency_server::console::accounts::{self, Scope};
use agency_server::console::reports::Period;
use agency_server::notices::sender::{NoticeSender, NoticeSettings, NoticeStats};
use anyhow::ensure;
use clap::Parser;
use reqwest::header::COOKIE;

#[derive(Debug, Parser)]
#[command(about = "The agency console's performance with 1,000 devices and 1,000,000 cases")]
struct Args {
    /// Devices (kiosk numbers 1..=N, spread over 100 offices).
    #[arg(long, default_value_t = 1_000)]
    devices: u32,
    /// Cases, over the past year.
    #[arg(long, default_value_t = 1_000_000)]
    cases: i64,
    /// Requests per page and account.
    #[arg(long, default_value_t = 20)]
    requests: usize,
    /// Notices in the backlog.
    #[arg(long, default_value_t = 10_000)]
    notices: i64,
    /// The SMS provider's rate limit, messages a second.
    #[arg(long, default_value_t = 250)]
    sms_rate: u32,
    /// PostgreSQL's programs.
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// A PostgreSQL setting for the cluster, KEY=VALUE (repeatable).
    #[arg(long)]
    pg_option: Vec<String>,
    /// After seeding, print the database's connection string and keep the cluster until
    /// standard input closes (to look at query plans with psql), then measure as usual.
    #[arg(long)]
    hold: bool,
}

/// p50, p95 and the maximum of `samples`.
fn percentiles(samples: &mut [Duration]) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i.min(samples.len() - 1)]
    };
    (at(0.50), at(0.95), at(1.0))
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pg = cluster::Cluster::start(&args.pg_bin, &args.pg_option)?;
    let pool = agency_server::db::pool(&pg.conninfo(), 8)?;
    agency_server::db::migrate(&pool).await?;

    let started = Instant::now();
    seed::places_and_devices(&pool, args.devices).await?;
    seed::cases(&pool, args.devices, args.cases).await?;
    let client = pool.get().await?;
    let size: i64 = client
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await?
        .get(0);
    let counts = client
        .query_one(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_events),
                    (SELECT count(*) FROM device_items)",
            &[],
        )
        .await?;
    let (cases, events, items): (i64, i64, i64) = (counts.get(0), counts.get(1), counts.get(2));
    eprintln!(
        "seeded in {:.0} s: {cases} cases, {events} events, {items} ratings and meetings, {} devices; database {:.2} GB",
        started.elapsed().as_secs_f64(),
        args.devices,
        size as f64 / 1e9
    );

    if args.hold {
        eprintln!(
            "holding the cluster until standard input closes: psql '{}'",
            pg.conninfo()
        );
        std::io::copy(&mut std::io::stdin(), &mut std::io::sink())?;
    }

    // An account at each level, placed where kiosk 1 is.
    let (o, c, p) = seed::offices().remove(0);
    let scopes = [
        ("agency", Scope::Agency),
        ("province", format!("province:{p}").parse::<Scope>()?),
        ("county", format!("county:{c}").parse::<Scope>()?),
        ("office", format!("office:{o}").parse::<Scope>()?),
    ];
    for (name, scope) in &scopes {
        accounts::add_account(&pool, "bench", name, scope, "bench-password-1").await?;
    }
    let console = agency_server::console::start(
        pool.clone(),
        agency_server::console::ConsoleConfig {
            listen: "127.0.0.1:0".parse()?,
            tls: None,
            heartbeat: Duration::from_secs(60),
        },
    )
    .await?;
    let base = console.base_url();
    let http = console_support::browser();
    let period = Period::quarter_of(chrono::Utc::now()).label();
    // Case number N is kiosk 1's, in every account's scope (seed.rs).
    let code = format!("{:016}", args.devices);

    println!("| account | page | requests | p50 ms | p95 ms | max ms | goal | met |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut all_met = true;
    for (name, scope) in &scopes {
        let cookie = console_support::login(&base, name, "bench-password-1").await;
        let (level, place) = match scope {
            Scope::Agency => ("agency".to_owned(), String::new()),
            Scope::Province(n) => ("province".to_owned(), n.clone()),
            Scope::County(n) => ("county".to_owned(), n.clone()),
            Scope::Office(n) => ("office".to_owned(), n.clone()),
        };
        let report = format!("period={period}&level={level}&name={place}");
        let mut pages: Vec<(&str, String, Duration)> = vec![
            ("fleet", "/fleet".to_owned(), Duration::from_millis(100)),
            (
                "device",
                "/devices/1".to_owned(),
                Duration::from_millis(100),
            ),
            (
                "case search",
                "/cases".to_owned(),
                Duration::from_millis(100),
            ),
            ("case", format!("/cases/{code}"), Duration::from_millis(100)),
            (
                "report (quarter)",
                format!("/reports?{report}"),
                Duration::from_secs(1),
            ),
            (
                "report CSV",
                format!("/reports.csv?{report}"),
                Duration::from_secs(1),
            ),
        ];
        if matches!(scope, Scope::Agency) {
            // The audit log is the agency's only.
            pages.push(("audit", "/audit".to_owned(), Duration::from_millis(100)));
        }
        for (page, path, goal) in pages {
            let mut samples = Vec::with_capacity(args.requests);
            for _ in 0..args.requests {
                let t = Instant::now();
                let r = http
                    .get(format!("{base}{path}"))
                    .header(COOKIE, &cookie)
                    .send()
                    .await?;
                let status = r.status();
                let body = r.bytes().await?;
                samples.push(t.elapsed());
                ensure!(status == 200, "{name} {path}: {status}");
                ensure!(!body.is_empty(), "{name} {path}: empty");
            }
            let (p50, p95, max) = percentiles(&mut samples);
            // Pages are judged at p95, reports at every request.
            let judged = if goal >= Duration::from_secs(1) {
                max
            } else {
                p95
            };
            let met = judged <= goal;
            all_met &= met;
            println!(
                "| {name} | {page} | {} | {} | {} | {} | {} {} | {} |",
                args.requests,
                ms(p50),
                ms(p95),
                ms(max),
                if goal >= Duration::from_secs(1) {
                    "max ≤"
                } else {
                    "p95 ≤"
                },
                ms(goal),
                if met { "yes" } else { "**no**" }
            );
        }
    }
    console.shutdown().await;

    // The notice backlog through the provider at its limit.
    seed::notices(&pool, args.notices).await?;
    let sim = sms_sim::start(
        "127.0.0.1:0".parse()?,
        sms_sim::SimConfig {
            rate_per_second: args.sms_rate,
            burst: args.sms_rate,
            ..sms_sim::SimConfig::default()
        },
    )
    .await?;
    let mut settings = NoticeSettings::new(sim.base_url(), "sms-test-key");
    settings.rate_per_second = args.sms_rate;
    settings.poll_interval = Duration::from_millis(50);
    let sender = NoticeSender::new(pool.clone(), settings)?.spawn();
    let t = Instant::now();
    loop {
        let pending: i64 = client
            .query_one("SELECT count(*) FROM notices WHERE state = 'pending'", &[])
            .await?
            .get(0);
        if pending == 0 {
            break;
        }
        ensure!(
            t.elapsed() < Duration::from_secs(3600),
            "the backlog did not drain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = t.elapsed();
    let requests = NoticeStats::get(&sender.stats().requests);
    sender.shutdown().await;
    let messages = sim.messages();
    let refs: std::collections::HashSet<&str> =
        messages.iter().map(|m| m.client_ref.as_str()).collect();
    let ideal = Duration::from_secs_f64(
        (args.notices as f64 - f64::from(args.sms_rate)).max(0.0) / f64::from(args.sms_rate),
    );
    let duplicates =
        messages.len() as i64 - refs.len() as i64 + (messages.len() as i64 - args.notices).abs();
    println!();
    println!(
        "notice backlog: {} notices drained in {:.1} s at a limit of {}/s ({:.0}/s; the limit allows {:.1} s after its burst of {}); {} requests, {} answered 429; messages taken {}, duplicates {}",
        args.notices,
        took.as_secs_f64(),
        args.sms_rate,
        args.notices as f64 / took.as_secs_f64(),
        ideal.as_secs_f64(),
        args.sms_rate,
        requests,
        sim.rate_limited(),
        messages.len(),
        duplicates
    );
    all_met &= duplicates == 0;
    println!("all goals met: {}", if all_met { "yes" } else { "no" });
    drop(pg);
    Ok(())
}
