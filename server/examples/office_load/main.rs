//! Scale benchmark of the agency server: N devices against one server on this machine, with
//! every part real — a PostgreSQL 15 cluster this program starts (durable as deployed:
//! `fsync` on), the release `agency-server serve` binary as its own process over TLS, devices
//! enrolled through `POST /v1/enrol` with one-time codes made by the server's own
//! `auth::create_enrol_code` (what `agency-server enrol-code` runs, without a process per
//! code), and the devices simulated in this process with the firmware's own sync client
//! (`device`). The server runs without a device CA, so devices are identified by their bearer
//! tokens alone (no client certificate per device), and without SAMAD upstream (its outbox
//! fills, nothing relays it).
//!
//! The run, one after the other:
//! 1. warm-up: every device's first heartbeat and event pull (its connection opens);
//! 2. capacity: every device's outbox prefilled (`--capacity-items` in all), sent in batches
//!    of 50 with `--in-flight` requests in flight across the fleet (closed loop): items
//!    ingested per second;
//! 3. steady: the fleet at its cadence (a case every `--case-every-secs` per device on
//!    average, a heartbeat a minute, events every 5 minutes): requests per second, latency;
//! 4. outage: the server SIGKILLed for `--outage-secs` while cases keep being registered,
//!    then started again on the same port; each device's one reachability backoff (the
//!    relay's `kiosk_sync::Link`: full jitter, 45 s doubling to 120 s) brings the backlog
//!    back: the busiest second against the steady rate, latency while it drains;
//! 5. PostgreSQL's bytes per case (database size and the two tables a case lands in, from
//!    before the first case to the end), extrapolated linearly to a million cases; every case
//!    registered is checked to be in `cases` exactly once.
//!
//! `tools/bench/office_scale.sh` builds it in release and runs it; `--smoke` is a 20-device run
//! of a few seconds per phase.

mod cluster;
mod device;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, ensure};
use clap::Parser;
use device::{Cadence, Kind, Phase, Record, Shared};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

#[derive(Debug, Parser)]
#[command(about = "Scale benchmark: N devices against one agency server on PostgreSQL")]
struct Args {
    /// Devices (kiosk numbers 1..=N).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=99_999))]
    devices: u32,
    /// Items in all the devices' outboxes for the capacity phase.
    #[arg(long, default_value_t = 100_000)]
    capacity_items: u64,
    /// Requests in flight across the fleet during warm-up and the capacity phase.
    #[arg(long, default_value_t = 32)]
    in_flight: usize,
    /// Items per batch at most (the relay's default, `RelaySettings::default().limits`).
    #[arg(long, default_value_t = 50)]
    batch_items: usize,
    /// Mean seconds between two cases of one device (steady phase onwards).
    #[arg(long, default_value_t = 180.0)]
    case_every_secs: f64,
    /// Heartbeat interval (the firmware's default).
    #[arg(long, default_value_t = 60.0)]
    heartbeat_secs: f64,
    /// Event pull interval (the firmware's default).
    #[arg(long, default_value_t = 300.0)]
    events_secs: f64,
    /// Seconds of the steady phase.
    #[arg(long, default_value_t = 60.0)]
    steady_secs: f64,
    /// Seconds the server is down.
    #[arg(long, default_value_t = 60.0)]
    outage_secs: f64,
    /// Seconds watched after the server is back, at least (longer until the backlog is in).
    #[arg(long, default_value_t = 130.0)]
    after_outage_secs: f64,
    /// The server's database connections (`serve --pool-size`).
    #[arg(long, default_value_t = 16)]
    pool_size: usize,
    /// Worker threads of this load driver's runtime.
    #[arg(long, default_value_t = 2)]
    driver_threads: usize,
    /// The `agency-server` binary (default: beside this example's directory).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// PostgreSQL's binaries.
    #[arg(long, default_value = "/usr/lib/postgresql/15/bin")]
    pg_bin: PathBuf,
    /// A PostgreSQL setting for the cluster (`KEY=VALUE`, repeatable), e.g. `fsync=off`.
    #[arg(long)]
    pg_option: Vec<String>,
    /// A small quick run: 20 devices, 2,000 capacity items, a few seconds per phase.
    #[arg(long)]
    smoke: bool,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also write every request as CSV here (sent at ms, latency ms, kind, ok, items).
    #[arg(long)]
    records: Option<PathBuf>,
}

impl Args {
    fn apply_smoke(&mut self) {
        if self.smoke {
            self.devices = self.devices.min(20);
            self.capacity_items = 2_000;
            self.case_every_secs = 1.0;
            self.heartbeat_secs = 3.0;
            self.events_secs = 6.0;
            self.steady_secs = 4.0;
            self.outage_secs = 2.0;
            self.after_outage_secs = 5.0;
        }
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    args.apply_smoke();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.driver_threads.max(1))
        .enable_all()
        .build()?;
    let figures = runtime.block_on(run(&args))?;
    print!("{}", figures.table(&args));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&figures.json(&args))?)?;
    }
    ensure!(
        figures.lost == 0 && figures.duplicated == 0 && figures.refused == 0,
        "cases lost ({}), duplicated ({}) or refused ({})",
        figures.lost,
        figures.duplicated,
        figures.refused
    );
    Ok(())
}

/// The server process, killed when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(bin: &Path, database: &str, args: &[String], log: &Path) -> anyhow::Result<Self> {
        use std::io::BufRead as _;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let mut child = Command::new(bin)
            .arg("--database")
            .arg(database)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let server = Self { child };
        ensure!(
            line.starts_with("listening on "),
            "the server did not start (its first line: {line:?}); see its log"
        );
        Ok(server)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) of a process, from /proc (clock ticks of 1/100 s).
fn cpu_of(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) in parentheses.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line: 11 and 12 after the name and state.
    (tick(11) + tick(12)) / 100.0
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// CPU seconds of the postmaster and its children (the backends, the checkpointer, …).
fn cpu_of_cluster(postmaster: Option<u32>) -> f64 {
    let Some(pm) = postmaster else { return 0.0 };
    let mut total = cpu_of(pm);
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok())
                && parent_of(pid) == Some(pm)
            {
                total += cpu_of(pid);
            }
        }
    }
    total
}

#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    server: f64,
    postgres: f64,
    driver: f64,
}

impl Cpu {
    fn now(server: u32, postmaster: Option<u32>) -> Self {
        Self {
            server: cpu_of(server),
            postgres: cpu_of_cluster(postmaster),
            driver: cpu_of(std::process::id()),
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            server: self.server - before.server,
            postgres: self.postgres - before.postgres,
            driver: self.driver - before.driver,
        }
    }
}

/// Sizes from PostgreSQL.
#[derive(Debug, Clone, Copy, Default)]
struct Sizes {
    database: i64,
    cases: i64,
    outbox: i64,
    rows: i64,
}

async fn sizes(pool: &deadpool_postgres::Pool) -> anyhow::Result<Sizes> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "SELECT pg_database_size(current_database()), pg_total_relation_size('cases'), \
                    pg_total_relation_size('upstream_outbox'), (SELECT count(*) FROM cases)",
            &[],
        )
        .await?;
    Ok(Sizes {
        database: row.get(0),
        cases: row.get(1),
        outbox: row.get(2),
        rows: row.get(3),
    })
}

/// Latency percentiles of some records, in milliseconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
struct Latency {
    requests: usize,
    failed: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn latency<'a>(records: impl Iterator<Item = &'a Record>) -> Latency {
    let mut ms = Vec::new();
    let mut failed = 0;
    for r in records {
        if r.ok {
            ms.push(r.latency.as_secs_f64() * 1000.0);
        } else {
            failed += 1;
        }
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        if ms.is_empty() {
            return 0.0;
        }
        let i = ((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1;
        ms[i]
    };
    Latency {
        requests: ms.len() + failed,
        failed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// The busiest run of `width` consecutive seconds: its mean per second.
fn busiest_window(counts: &[usize], width: usize) -> f64 {
    let width = width.clamp(1, counts.len().max(1));
    counts
        .windows(width)
        .map(|w| w.iter().sum::<usize>() as f64 / width as f64)
        .fold(0.0, f64::max)
}

/// Requests started in each whole second of `[from, to)`.
fn per_second(records: &[Record], from: Duration, to: Duration) -> Vec<usize> {
    let n = (to.saturating_sub(from).as_secs_f64()).floor() as usize;
    let mut counts = vec![0usize; n];
    for r in records {
        if r.at >= from && r.at < to {
            let i = (r.at - from).as_secs() as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
    }
    counts
}

/// What the run measured.
#[derive(Debug, Default)]
struct Figures {
    enrol_secs: f64,
    capacity_items: u64,
    capacity_secs: f64,
    capacity: Latency,
    capacity_cpu: Cpu,
    steady_secs: f64,
    steady: Latency,
    steady_batches: Latency,
    steady_rate: f64,
    steady_items_rate: f64,
    steady_busiest: usize,
    steady_cpu: Cpu,
    outage_items: u64,
    drain_secs: f64,
    drain: Latency,
    drain_busiest: usize,
    drain_busiest_at: usize,
    drain_first_10s_rate: f64,
    drain_first_10s_kinds: [usize; 3],
    drain_busiest_10s: f64,
    steady_busiest_10s: f64,
    outage_attempt_rate: f64,
    drain_cpu: Cpu,
    bytes_per_case_db: f64,
    bytes_per_case_tables: f64,
    cases_measured: i64,
    registered: u64,
    rows: i64,
    lost: i64,
    duplicated: i64,
    refused: u64,
    refusals: Vec<String>,
}

async fn run(args: &Args) -> anyhow::Result<Figures> {
    let server_bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => {
            let exe = std::env::current_exe()?;
            exe.parent()
                .and_then(Path::parent)
                .context("no directory above this example")?
                .join("agency-server")
        }
    };
    ensure!(
        server_bin.is_file(),
        "{} missing: `cargo build --release -p agency-server` first, or pass --server-bin",
        server_bin.display()
    );
    let work = tempfile::Builder::new().prefix("office-load-").tempdir()?;
    let t = std::time::Instant::now();
    let pg = cluster::Cluster::start(&args.pg_bin, &args.pg_option)?;
    eprintln!("PostgreSQL up in {:.1} s", t.elapsed().as_secs_f64());
    let database = pg.conninfo();

    // The server's TLS certificate, made now, never stored beyond this run's directory.
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])?.self_signed(&key)?;
    let (cert_pem, key_pem) = (cert.pem(), key.serialize_pem());
    std::fs::write(work.path().join("tls.pem"), &cert_pem)?;
    std::fs::write(work.path().join("tls.key"), &key_pem)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base_url = format!("https://127.0.0.1:{port}");
    let serve_args: Vec<String> = vec![
        "serve".into(),
        "--listen".into(),
        format!("127.0.0.1:{port}"),
        "--tls-cert".into(),
        work.path().join("tls.pem").display().to_string(),
        "--tls-key".into(),
        work.path().join("tls.key").display().to_string(),
        "--pool-size".into(),
        args.pool_size.to_string(),
    ];
    let log = work.path().join("server.log");
    let mut server = Some(Server::start(&server_bin, &database, &serve_args, &log)?);
    let pool = agency_server::db::pool(&database, 4)?;

    // Enrolment: a one-time code per device, redeemed over HTTPS as `kioskctl enroll` does.
    let t = Instant::now();
    let identity_key = rcgen::KeyPair::generate()?;
    let identity =
        rcgen::CertificateParams::new(vec!["kiosk".to_owned()])?.self_signed(&identity_key)?;
    let tls = kiosk_sync::TlsMaterial {
        ca_pem: cert_pem.clone(),
        client_cert_pem: identity.pem(),
        client_key_pem: identity_key.serialize_pem(),
    };
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk_sync::client_config(&tls)?)
        .build()?;
    let tokens = enrol_all(&pool, &http, &base_url, args.devices).await?;
    let enrol_secs = t.elapsed().as_secs_f64();
    eprintln!("{} devices enrolled in {enrol_secs:.1} s", args.devices);

    // The devices.
    let shared = Arc::new(Shared {
        t0: Instant::now(),
        records: Mutex::new(Vec::new()),
        gate: Semaphore::new(args.in_flight.max(1)),
        cadence: Cadence {
            case_every: secs(args.case_every_secs),
            heartbeat: secs(args.heartbeat_secs),
            events: secs(args.events_secs),
            batch_items: args.batch_items.clamp(1, kiosk_sync::wire::MAX_BATCH_ITEMS),
        },
        warm: AtomicU64::new(0),
        capacity_left: AtomicU64::new(0),
        outage_left: AtomicU64::new(0),
        outage_items: AtomicU64::new(0),
        registered: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        refusals: Mutex::new(Vec::new()),
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Warmup);
    let per_device = args.capacity_items.div_ceil(u64::from(args.devices));
    let mut tasks = tokio::task::JoinSet::new();
    for (kiosk, token) in (1..=args.devices).zip(tokens) {
        let client = kiosk_sync::SamadClient::new(&kiosk_sync::ClientSettings {
            base_url: base_url.clone(),
            kiosk_number: kiosk,
            token,
            tls: tls.clone(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        })?;
        let prefill = (1..=per_device)
            .map(|seq| device::case(kiosk, seq, Phase::Capacity))
            .collect::<anyhow::Result<Vec<_>>>()?;
        shared
            .capacity_left
            .fetch_add(per_device, Ordering::Relaxed);
        shared.registered.fetch_add(per_device, Ordering::Relaxed);
        tasks.spawn(device::run(
            kiosk,
            client,
            prefill,
            Arc::clone(&shared),
            phase_rx.clone(),
        ));
    }
    let capacity_total = per_device * u64::from(args.devices);
    wait_until("warm-up", Duration::from_secs(300), || {
        shared.warm.load(Ordering::Relaxed) >= u64::from(args.devices)
    })
    .await?;
    let postmaster = pg.postmaster_pid();
    let before = sizes(&pool).await?;

    // Capacity.
    let server_pid = server.as_ref().map_or(0, Server::pid);
    let cpu0 = Cpu::now(server_pid, postmaster);
    let cap_start = shared.t0.elapsed();
    phase_tx.send_replace(Phase::Capacity);
    eprintln!("capacity: {capacity_total} items");
    wait_until("the capacity phase", Duration::from_secs(3600), || {
        shared.capacity_left.load(Ordering::Relaxed) == 0
    })
    .await?;
    let cap_end = shared.t0.elapsed();
    let cpu1 = Cpu::now(server_pid, postmaster);

    // Steady.
    phase_tx.send_replace(Phase::Steady);
    eprintln!("steady: {} s", args.steady_secs);
    let steady_start = shared.t0.elapsed();
    tokio::time::sleep(secs(args.steady_secs)).await;
    let steady_end = shared.t0.elapsed();
    let cpu2 = Cpu::now(server_pid, postmaster);

    // Outage.
    phase_tx.send_replace(Phase::Outage);
    eprintln!("outage: server killed for {} s", args.outage_secs);
    server.take();
    tokio::time::sleep(secs(args.outage_secs)).await;
    server = Some(Server::start(&server_bin, &database, &serve_args, &log)?);
    let server_pid = server.as_ref().map_or(0, Server::pid);
    let cpu3 = Cpu::now(server_pid, postmaster);
    let back = shared.t0.elapsed();
    phase_tx.send_replace(Phase::Drain);
    let outage_items = shared.outage_items.load(Ordering::Relaxed);
    eprintln!("server back; {outage_items} cases registered during the outage");
    wait_until("the backlog", Duration::from_secs(1800), || {
        shared.outage_left.load(Ordering::Relaxed) == 0
    })
    .await?;
    let drained = shared.t0.elapsed();
    let watch_end = back + secs(args.after_outage_secs);
    if drained < watch_end {
        tokio::time::sleep(watch_end - drained).await;
    }
    let drain_end = shared.t0.elapsed();
    let cpu4 = Cpu::now(server_pid, postmaster);
    phase_tx.send_replace(Phase::Stop);
    while tasks.join_next().await.is_some() {}

    // The database at the end: every registered case once.
    let after = sizes(&pool).await?;
    let registered = shared.registered.load(Ordering::Relaxed);
    let client = pool.get().await?;
    let distinct: i64 = client
        .query_one(
            "SELECT count(DISTINCT (kiosk_number, item_id)) FROM cases",
            &[],
        )
        .await?
        .get(0);
    drop(client);
    let mut records =
        std::mem::take(&mut *shared.records.lock().unwrap_or_else(|e| e.into_inner()));
    records.sort_by_key(|r| r.at);
    if let Some(path) = &args.records {
        let mut csv = String::from("sent_ms,latency_ms,kind,ok,items\n");
        for r in &records {
            csv.push_str(&format!(
                "{:.1},{:.2},{:?},{},{}\n",
                r.at.as_secs_f64() * 1000.0,
                r.latency.as_secs_f64() * 1000.0,
                r.kind,
                r.ok,
                r.items
            ));
        }
        std::fs::write(path, csv)?;
    }
    drop(server);
    drop(pg);

    let within = |from: Duration, to: Duration| move |r: &&Record| r.at >= from && r.at < to;
    let steady_counts = per_second(&records, steady_start, steady_end);
    let steady_secs = (steady_end - steady_start).as_secs_f64();
    let steady_n = records
        .iter()
        .filter(within(steady_start, steady_end))
        .count();
    let steady_items: u64 = records
        .iter()
        .filter(within(steady_start, steady_end))
        .map(|r| u64::from(r.items))
        .sum();
    let drain_counts = per_second(&records, back, drain_end);
    let (drain_busiest_at, drain_busiest) = drain_counts
        .iter()
        .copied()
        .enumerate()
        .max_by_key(|(_, c)| *c)
        .unwrap_or_default();
    let first10 =
        drain_counts.iter().take(10).sum::<usize>() as f64 / drain_counts.len().clamp(1, 10) as f64;
    let mut kinds = [0usize; 3];
    for r in records
        .iter()
        .filter(within(back, back + Duration::from_secs(10)))
    {
        kinds[r.kind as usize] += 1;
    }
    let outage_secs = (back - steady_end).as_secs_f64();
    let outage_attempts = records.iter().filter(within(steady_end, back)).count();
    let cases_measured = after.rows - before.rows;
    let per_case = |delta: i64| {
        if cases_measured > 0 {
            delta as f64 / cases_measured as f64
        } else {
            0.0
        }
    };
    let refusals = shared
        .refusals
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(Figures {
        enrol_secs,
        capacity_items: capacity_total,
        capacity_secs: (cap_end - cap_start).as_secs_f64(),
        capacity: latency(records.iter().filter(within(cap_start, cap_end))),
        capacity_cpu: cpu1.since(cpu0),
        steady_secs,
        steady: latency(records.iter().filter(within(steady_start, steady_end))),
        steady_batches: latency(
            records
                .iter()
                .filter(within(steady_start, steady_end))
                .filter(|r| r.kind == Kind::Batch),
        ),
        steady_rate: steady_n as f64 / steady_secs,
        steady_items_rate: steady_items as f64 / steady_secs,
        steady_busiest: steady_counts.iter().copied().max().unwrap_or(0),
        steady_cpu: cpu2.since(cpu1),
        outage_items,
        drain_secs: (drained - back).as_secs_f64(),
        drain: latency(records.iter().filter(within(back, drain_end))),
        drain_busiest,
        drain_busiest_at,
        drain_first_10s_rate: first10,
        drain_first_10s_kinds: kinds,
        drain_busiest_10s: busiest_window(&drain_counts, 10),
        steady_busiest_10s: busiest_window(&steady_counts, 10),
        outage_attempt_rate: outage_attempts as f64 / outage_secs.max(1e-9),
        drain_cpu: cpu4.since(cpu3),
        bytes_per_case_db: per_case(after.database - before.database),
        bytes_per_case_tables: per_case(
            (after.cases + after.outbox) - (before.cases + before.outbox),
        ),
        cases_measured,
        registered,
        rows: after.rows,
        lost: i64::try_from(registered).unwrap_or(i64::MAX) - distinct,
        duplicated: after.rows - distinct,
        refused: shared.refused.load(Ordering::Relaxed),
        refusals,
    })
}

/// Enrols kiosks 1..=n: codes stored by the server's own function, redeemed over HTTPS, 16 at
/// a time. Returns the tokens in kiosk order.
async fn enrol_all(
    pool: &deadpool_postgres::Pool,
    http: &reqwest::Client,
    base_url: &str,
    n: u32,
) -> anyhow::Result<Vec<String>> {
    let gate = Arc::new(Semaphore::new(16));
    let mut set = tokio::task::JoinSet::new();
    for kiosk in 1..=n {
        let pool = pool.clone();
        let http = http.clone();
        let url = format!("{base_url}/v1/enrol");
        let gate = Arc::clone(&gate);
        set.spawn(async move {
            let _permit = gate.acquire().await?;
            let code = agency_server::auth::create_enrol_code(
                &pool,
                kiosk,
                agency_server::auth::Role::Kiosk,
                chrono::Duration::hours(2),
            )
            .await?;
            let answer = http
                .post(url)
                .json(&serde_json::json!({ "code": code }))
                .send()
                .await?;
            ensure!(
                answer.status() == 201,
                "enrolling kiosk {kiosk}: HTTP {}",
                answer.status()
            );
            let enrolled: agency_server::api::Enrolled = answer.json().await?;
            ensure!(enrolled.kiosk_number == kiosk, "enrolled as another kiosk");
            anyhow::Ok((kiosk, enrolled.token))
        });
    }
    let mut tokens = vec![String::new(); n as usize];
    while let Some(done) = set.join_next().await {
        let (kiosk, token) = done??;
        tokens[(kiosk - 1) as usize] = token;
    }
    Ok(tokens)
}

async fn wait_until(what: &str, limit: Duration, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let start = Instant::now();
    while !done() {
        ensure!(
            start.elapsed() < limit,
            "{what} did not end within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

fn goal(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn cpu_text(c: Cpu, secs: f64) -> String {
    let share = |x: f64| if secs > 0.0 { x / secs * 100.0 } else { 0.0 };
    format!(
        "server {:.0} %, PostgreSQL {:.0} %, load driver {:.0} % of one core",
        share(c.server),
        share(c.postgres),
        share(c.driver)
    )
}

impl Figures {
    fn ingest_rate(&self) -> f64 {
        self.capacity_items as f64 / self.capacity_secs.max(1e-9)
    }

    fn peak_ratio(&self) -> f64 {
        self.drain_busiest as f64 / self.steady_rate.max(1e-9)
    }

    fn table(&self, args: &Args) -> String {
        let mut t = String::from("\n| measure | figure | goal |\n| --- | --- | --- |\n");
        let mut row = |what: &str, figure: String, goal: String| {
            t.push_str(&format!("| {what} | {figure} | {goal} |\n"));
        };
        row(
            "devices (enrolled through POST /v1/enrol; bearer tokens, no client certificates)",
            format!("{} in {:.1} s", args.devices, self.enrol_secs),
            "1,000 (10,000)".into(),
        );
        row(
            "items ingested per second (capacity: every outbox full, batches of 50, closed loop)",
            format!(
                "**{:.0}/s** ({} cases in {:.1} s, {} requests in flight)",
                self.ingest_rate(),
                self.capacity_items,
                self.capacity_secs,
                args.in_flight
            ),
            format!("≥ 2,000/s: {}", goal(self.ingest_rate() >= 2000.0)),
        );
        row(
            "request latency during capacity p50 / p99 / max",
            format!(
                "{:.1} / {:.1} / {:.1} ms ({} requests, {} failed)",
                self.capacity.p50_ms,
                self.capacity.p99_ms,
                self.capacity.max_ms,
                self.capacity.requests,
                self.capacity.failed
            ),
            String::new(),
        );
        row(
            "steady: requests/s, items/s (a case every ~{case} s per device, heartbeat {hb} s, events {ev} s)"
                .replace("{case}", &format!("{}", args.case_every_secs))
                .replace("{hb}", &format!("{}", args.heartbeat_secs))
                .replace("{ev}", &format!("{}", args.events_secs))
                .as_str(),
            format!(
                "{:.1} requests/s (busiest second {}, busiest 10 s {:.1}/s), {:.1} items/s over {:.0} s",
                self.steady_rate,
                self.steady_busiest,
                self.steady_busiest_10s,
                self.steady_items_rate,
                self.steady_secs
            ),
            String::new(),
        );
        row(
            "steady request latency p50 / p99 / max (all requests; batches alone)",
            format!(
                "**{:.1} / {:.1}** / {:.1} ms; batches {:.1} / {:.1} ms",
                self.steady.p50_ms,
                self.steady.p99_ms,
                self.steady.max_ms,
                self.steady_batches.p50_ms,
                self.steady_batches.p99_ms
            ),
            format!("p99 ≤ 100 ms: {}", goal(self.steady.p99_ms <= 100.0)),
        );
        row(
            &format!(
                "after a {} s outage (server SIGKILLed, restarted): busiest second vs steady",
                args.outage_secs
            ),
            format!(
                "**{} vs {:.1} requests/s ({:.2}×)**, at second {} after the restart; busiest 10 s \
                 {:.1}/s ({:.2}×); first 10 s {:.1}/s (batches {}, heartbeats {}, event pulls {}); \
                 attempts while down {:.1}/s",
                self.drain_busiest,
                self.steady_rate,
                self.peak_ratio(),
                self.drain_busiest_at,
                self.drain_busiest_10s,
                self.drain_busiest_10s / self.steady_rate.max(1e-9),
                self.drain_first_10s_rate,
                self.drain_first_10s_kinds[0],
                self.drain_first_10s_kinds[1],
                self.drain_first_10s_kinds[2],
                self.outage_attempt_rate
            ),
            format!("≤ 2× steady: {}", goal(self.peak_ratio() <= 2.0)),
        );
        row(
            "the outage's backlog: cases, time to drain, latency while draining p50 / p99",
            format!(
                "{} cases in {:.1} s; {:.1} / {:.1} ms ({} requests, {} failed)",
                self.outage_items,
                self.drain_secs,
                self.drain.p50_ms,
                self.drain.p99_ms,
                self.drain.requests,
                self.drain.failed
            ),
            String::new(),
        );
        row(
            "PostgreSQL bytes per million cases (database size delta / cases, extrapolated linearly)",
            format!(
                "**{:.2} GB** ({:.0} B per case over {} cases; `cases` + `upstream_outbox` with indexes {:.0} B, i.e. {:.2} GB per million)",
                self.bytes_per_case_db * 1e6 / 1e9,
                self.bytes_per_case_db,
                self.cases_measured,
                self.bytes_per_case_tables,
                self.bytes_per_case_tables * 1e6 / 1e9
            ),
            String::new(),
        );
        row(
            "CPU during capacity / steady / drain",
            format!(
                "{}; {}; {}",
                cpu_text(self.capacity_cpu, self.capacity_secs),
                cpu_text(self.steady_cpu, self.steady_secs),
                cpu_text(self.drain_cpu, self.drain_secs.max(args.after_outage_secs))
            ),
            String::new(),
        );
        row(
            "cases registered / in `cases` / lost / duplicated / refused",
            format!(
                "{} / {} / {} / {} / {}",
                self.registered, self.rows, self.lost, self.duplicated, self.refused
            ),
            "0 lost, 0 duplicated".into(),
        );
        for r in &self.refusals {
            t.push_str(&format!("refused: {r}\n"));
        }
        t
    }

    fn json(&self, args: &Args) -> serde_json::Value {
        serde_json::json!({
            "devices": args.devices,
            "enrol_secs": self.enrol_secs,
            "items_per_second": self.ingest_rate(),
            "capacity": { "items": self.capacity_items, "secs": self.capacity_secs, "latency": self.capacity },
            "steady": { "requests_per_second": self.steady_rate, "items_per_second": self.steady_items_rate,
                        "busiest_second": self.steady_busiest, "latency": self.steady, "batches": self.steady_batches },
            "outage": { "secs": args.outage_secs, "backlog_cases": self.outage_items, "drain_secs": self.drain_secs,
                        "busiest_second": self.drain_busiest, "peak_vs_steady": self.peak_ratio(),
                        "busiest_10s_per_second": self.drain_busiest_10s, "attempts_per_second_while_down": self.outage_attempt_rate,
                        "latency": self.drain },
            "pg_bytes_per_million_cases": self.bytes_per_case_db * 1e6,
            "pg_table_bytes_per_million_cases": self.bytes_per_case_tables * 1e6,
            "registered": self.registered, "rows": self.rows, "lost": self.lost,
            "duplicated": self.duplicated, "refused": self.refused,
        })
    }
}
